// Package socaas is the SOCaaS API client (forticloud-api.md §5; its sources are third-party, so
// much here is marked as inferred). It knows nothing of MCP.
package socaas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// ServiceName is how errors name the service.
const ServiceName = "SOCaaS"

const (
	apiPath  = "/socaasAPI/v1/"
	maxReply = 16 << 20
	// maxRateWaits bounds how often one call waits out a 429.
	maxRateWaits = 3
	// maxRateWait is the longest single wait for a rate-limit slot.
	maxRateWait = 65 * time.Second
)

// Client calls SOCaaS.
type Client struct {
	base  string
	http  *http.Client
	src   auth.Source
	guard *upstream.Guard // retry policy and circuit breaker, with SOCaaS's per-minute quotas
}

// New returns a client for base (e.g. https://socaas.mss.fortinet.com).
func New(base string, hc *http.Client, src auth.Source) *Client {
	// A 429 is waited out as the service asks (Retry-After, else the minute window, §5.1 [3p]),
	// within the call's deadline: a rate-limited request was not processed, so sending it again
	// is safe even for a POST.
	g := upstream.NewGuard(ServiceName, upstream.Policy{Attempts: 1 + maxRateWaits, MaxRetryAfter: maxRateWait, RateLimitWait: time.Minute})
	return &Client{base: strings.TrimRight(base, "/"), http: hc, src: src, guard: g}
}

// reply is one HTTP exchange.
type reply struct {
	status     int
	retryAfter string
	body       []byte
}

// envelope is {"result":{"status","errorArr","data"}} (§5.1).
type envelope struct {
	Result struct {
		Status   int             `json:"status"`
		ErrorArr json.RawMessage `json:"errorArr"`
		Data     json.RawMessage `json:"data"`
	} `json:"result"`
}

// errorText joins errorArr, whose items are strings or {"code","desc","name"} objects (§5.1).
func (e *envelope) errorText() string {
	var items []json.RawMessage
	if json.Unmarshal(e.Result.ErrorArr, &items) != nil && len(e.Result.ErrorArr) > 0 {
		items = []json.RawMessage{e.Result.ErrorArr} // a single string or object instead of an array
	}
	var parts []string
	for _, raw := range items {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			parts = append(parts, s)
			continue
		}
		var o struct {
			Code any    `json:"code"`
			Desc string `json:"desc"`
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &o) == nil {
			p := strings.TrimSpace(o.Name + " " + o.Desc)
			if o.Code != nil {
				p += fmt.Sprintf(" (code %v)", o.Code)
			}
			parts = append(parts, strings.TrimSpace(p))
		}
	}
	return strings.Join(parts, "; ")
}

// do sends one request. A refused token (401) is renewed once. A 429 is waited out as the service
// asks (Retry-After), within the call's deadline: a rate-limited request was not processed, so
// sending it again is safe even for a POST.
func (c *Client) do(ctx context.Context, op, method, path string, query url.Values, body any) (json.RawMessage, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("socaas: %s: %w", op, err)
		}
	}
	u := c.base + apiPath + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	r, err := auth.WithToken(ctx, c.src, func(ctx context.Context, token string) (reply, error) {
		return c.send(ctx, op, method, u, payload, token)
	}, func(r reply) bool { return r.status == http.StatusUnauthorized })
	if err != nil {
		var ae *auth.Error
		if errors.As(err, &ae) {
			return nil, &upstream.Error{Service: ServiceName, Op: op, Err: ae}
		}
		return nil, err
	}
	if r.status == http.StatusTooManyRequests {
		// The guard waited as long as the quota and the call's deadline allow.
		wait, ok := upstream.RetryAfter(r.retryAfter)
		if !ok {
			wait = time.Minute
		}
		return nil, &upstream.Error{Service: ServiceName, Op: op, Status: r.status, Message: "rate limited",
			Hint: fmt.Sprintf("SOCaaS allows 100 reads and 5 writes per minute per address; retry after %s", wait.Round(time.Second))}
	}
	return decode(op, r)
}

func (c *Client) send(ctx context.Context, op, method, u string, payload []byte, token string) (reply, error) {
	rep, err := c.guard.Exchange(ctx, c.http, upstream.Call{Service: ServiceName, Op: op, Method: method, URL: u, Body: payload,
		Header: http.Header{"Authorization": {"Bearer " + token}}, Limit: maxReply, Idempotent: method == http.MethodGet})
	if err != nil {
		return reply{}, err
	}
	return reply{status: rep.Status, retryAfter: rep.Header.Get("Retry-After"), body: rep.Body}, nil
}

func decode(op string, r reply) (json.RawMessage, error) {
	var env envelope
	if err := json.Unmarshal(r.body, &env); err != nil {
		return nil, &upstream.Error{Service: ServiceName, Op: op, Status: r.status, Message: "reply is not a SOCaaS envelope"}
	}
	if r.status >= 400 || env.Result.Status != 0 {
		e := &upstream.Error{Service: ServiceName, Op: op, Message: upstream.Clip(env.errorText(), 300)}
		if r.status >= 400 {
			e.Status = r.status
		}
		if env.Result.Status != 0 {
			e.Code = "status " + strconv.Itoa(env.Result.Status)
		}
		switch r.status {
		case http.StatusUnauthorized:
			e.Hint = "the token was refused even after a fresh login; check the API user's SOCaaS permission"
		case http.StatusForbidden:
			e.Hint = "the API user's SOCaaS access does not allow this"
		case http.StatusNotFound:
			e.Hint = "no such object; socaas_query lists what exists"
		}
		return nil, e
	}
	return env.Result.Data, nil
}

// Item is one SOCaaS object with the service's own field names.
type Item = map[string]any

func decodeList(op string, data json.RawMessage) ([]Item, error) {
	var out []Item
	if len(data) == 0 || string(data) == "null" {
		return out, nil
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, &upstream.Error{Service: ServiceName, Op: op, Message: "expected a list", Err: err}
	}
	return out, nil
}

func decodeItem(op string, data json.RawMessage) (Item, error) {
	var out Item
	if err := json.Unmarshal(data, &out); err != nil || out == nil {
		return nil, &upstream.Error{Service: ServiceName, Op: op, Message: "expected an object"}
	}
	return out, nil
}

// ListAlerts lists escalated alerts created in [from, to] (zero times: no bound). SOCaaS does not
// page (§5.2).
func (c *Client) ListAlerts(ctx context.Context, from, to time.Time) ([]Item, error) {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("created_date_from", from.UTC().Format(time.RFC3339))
	}
	if !to.IsZero() {
		q.Set("created_date_to", to.UTC().Format(time.RFC3339))
	}
	data, err := c.do(ctx, "list alerts", http.MethodGet, "alert", q, nil)
	if err != nil {
		return nil, err
	}
	return decodeList("list alerts", data)
}

// GetAlert returns one alert with its nested arrays.
func (c *Client) GetAlert(ctx context.Context, uuid string) (Item, error) {
	op := "get alert " + uuid
	data, err := c.do(ctx, op, http.MethodGet, "alert/"+url.PathEscape(uuid), nil, nil)
	if err != nil {
		return nil, err
	}
	return decodeItem(op, data)
}

// UpdateAlert changes an alert's status (closure notes are required to close it).
func (c *Client) UpdateAlert(ctx context.Context, uuid, status, closureNotes string) error {
	d := map[string]any{"status": status}
	if closureNotes != "" {
		d["closure_notes"] = closureNotes
	}
	_, err := c.do(ctx, "update alert "+uuid, http.MethodPost, "alert/"+url.PathEscape(uuid), nil, map[string]any{"param": map[string]any{"data": d}})
	return err
}

// ListComments lists the comments of an alert (module "alerts") or service request.
func (c *Client) ListComments(ctx context.Context, module, uuid string) ([]Item, error) {
	op := "list comments of " + uuid
	data, err := c.do(ctx, op, http.MethodGet, "comment", url.Values{"module": {module}, "uuid": {uuid}}, nil)
	if err != nil {
		return nil, err
	}
	return decodeList(op, data)
}

// AddComment adds a comment to an alert.
func (c *Client) AddComment(ctx context.Context, alertUUID, content string) (Item, error) {
	op := "comment on alert " + alertUUID
	body := map[string]any{"param": map[string]any{"data": map[string]any{"content": content, "related": "alerts", "related_uuid": alertUUID, "tag": ""}}}
	data, err := c.do(ctx, op, http.MethodPost, "comment", nil, body)
	if err != nil {
		return nil, err
	}
	return decodeItem(op, data)
}

// ListServiceRequests lists service requests.
func (c *Client) ListServiceRequests(ctx context.Context) ([]Item, error) {
	data, err := c.do(ctx, "list service requests", http.MethodGet, "service-request", nil, nil)
	if err != nil {
		return nil, err
	}
	return decodeList("list service requests", data)
}

// GetServiceRequest returns one service request (its detail uses camelCase, §5.2).
func (c *Client) GetServiceRequest(ctx context.Context, uuid string) (Item, error) {
	op := "get service request " + uuid
	data, err := c.do(ctx, op, http.MethodGet, "service-request/"+url.PathEscape(uuid), nil, nil)
	if err != nil {
		return nil, err
	}
	return decodeItem(op, data)
}

// Guard is the client's retry policy and circuit breaker, for the server to tune.
func (c *Client) Guard() *upstream.Guard { return c.guard }
