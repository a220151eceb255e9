// Package fortiflex is the FortiFlex v2 API client (forticloud-api.md §2). It knows nothing of
// MCP. Every call is a POST with a JSON body; every reply is checked by its body status, not only
// its HTTP code.
package fortiflex

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// ServiceName is how errors name the service.
const ServiceName = "FortiFlex"

// apiPath is the v2 base path (§2.1).
const apiPath = "/ES/api/fortiflex/v2/"

// invalidToken is how FortiFlex reports an expired or invalid token: in the body, with status -1,
// whatever the HTTP code (§2.1, §6 gotcha 5).
const invalidToken = "Invalid security token."

// maxReply bounds one reply.
const maxReply = 16 << 20

// Client calls FortiFlex. Its HTTP client must NOT attach credentials: the client does, so that
// it can renew a token FortiFlex refuses in a 200 body.
type Client struct {
	base  string
	http  *http.Client
	src   auth.Source
	guard *upstream.Guard // retry policy and circuit breaker
}

// New returns a client for base (e.g. https://support.fortinet.com).
func New(base string, hc *http.Client, src auth.Source) *Client {
	return &Client{base: strings.TrimRight(base, "/"), http: hc, src: src, guard: upstream.NewGuard(ServiceName, upstream.Policy{})}
}

// envelope is every FortiFlex reply: {<key>, error, message, status} (§2.1).
type envelope struct {
	raw     map[string]json.RawMessage
	status  int
	ok      bool
	message string
	errText string
	http    int
}

func (e *envelope) tokenRefused() bool {
	return e.http == http.StatusUnauthorized || (!e.ok && strings.EqualFold(strings.TrimSpace(e.message), invalidToken))
}

// call posts body to endpoint and returns the envelope. It renews the token once when FortiFlex
// refuses it (a refused request did nothing, so this is safe for creation too) and never retries
// otherwise: a write that may have reached the service is never sent twice.
func (c *Client) call(ctx context.Context, op, endpoint string, body any) (*envelope, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("fortiflex: %s: %w", op, err)
	}
	env, err := auth.WithToken(ctx, c.src, func(ctx context.Context, token string) (*envelope, error) {
		return c.post(ctx, op, endpoint, payload, token)
	}, (*envelope).tokenRefused)
	if err != nil {
		var ae *auth.Error
		if errors.As(err, &ae) {
			return nil, &upstream.Error{Service: ServiceName, Op: op, Err: ae}
		}
		return nil, err
	}
	if env.tokenRefused() {
		return nil, &upstream.Error{Service: ServiceName, Op: op, Status: env.http, Message: invalidToken,
			Hint: "FortiFlex refused a freshly issued token; check that the API user has FortiFlex access in FortiCloud IAM"}
	}
	if !env.ok {
		return nil, env.asError(op)
	}
	return env, nil
}

// readEndpoint reports whether a FortiFlex endpoint only reads (every endpoint is a POST, §2.1):
// those may be sent again after a failure; creations and changes never are.
func readEndpoint(endpoint string) bool {
	return strings.HasSuffix(endpoint, "/list") || endpoint == "entitlements/points" || endpoint == "tools/calc"
}

func (c *Client) post(ctx context.Context, op, endpoint string, payload []byte, token string) (*envelope, error) {
	rep, err := c.guard.Exchange(ctx, c.http, upstream.Call{Service: ServiceName, Op: op, Method: http.MethodPost, URL: c.base + apiPath + endpoint,
		Body: payload, Header: http.Header{"Authorization": {"Bearer " + token}}, Limit: maxReply, Idempotent: readEndpoint(endpoint)})
	if err != nil {
		return nil, err
	}
	status, data := rep.Status, rep.Body
	env := &envelope{http: status}
	if err := json.Unmarshal(data, &env.raw); err != nil {
		if status == http.StatusUnauthorized {
			return env, nil
		}
		e := &upstream.Error{Service: ServiceName, Op: op, Status: status, Message: "reply is not a FortiFlex JSON envelope"}
		if status < 400 {
			e.Err = err
		}
		return nil, e
	}
	env.parseStatus()
	// ANS-FLEX treats HTTP >= 400 as failure even when the body looks fine (§2.1).
	if status >= 400 {
		env.ok = false
	}
	return env, nil
}

// parseStatus reads status (integer 0, or the string "success" TF-FLEX also accepts), message
// and error.
func (e *envelope) parseStatus() {
	if raw, ok := e.raw["status"]; ok {
		var n int
		var s string
		switch {
		case json.Unmarshal(raw, &n) == nil:
			e.status, e.ok = n, n == 0
		case json.Unmarshal(raw, &s) == nil:
			e.ok = strings.EqualFold(s, "success") || s == "0"
			if !e.ok {
				e.status = -1
			}
		}
	}
	_ = json.Unmarshal(e.raw["message"], &e.message)
	if raw := e.raw["error"]; len(raw) > 0 && string(raw) != "null" {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			e.errText = s
		} else {
			e.errText = string(raw)
		}
	}
}

var paramIDRE = regexp.MustCompile(`[Pp]arameter id (\d+)`)

func (e *envelope) asError(op string) *upstream.Error {
	msg := e.message
	if e.errText != "" && e.errText != msg {
		msg = strings.TrimSpace(cmp.Or(msg, "") + " " + e.errText)
	}
	// Name parameters as the SDKs do ("Parameter id 1" → "Parameter id 1 (CPU)").
	msg = paramIDRE.ReplaceAllStringFunc(msg, func(m string) string {
		id, _ := strconv.Atoi(paramIDRE.FindStringSubmatch(m)[1])
		return m + " (" + ParameterName(id) + ")"
	})
	ue := &upstream.Error{Service: ServiceName, Op: op, Message: upstream.Clip(cmp.Or(msg, "request refused"), 400)}
	if e.http >= 400 {
		ue.Status = e.http
	}
	if e.status != 0 {
		ue.Code = "status " + strconv.Itoa(e.status)
	}
	if e.http == http.StatusForbidden || strings.Contains(strings.ToLower(msg), "permission") {
		ue.Hint = "changes need Read/Write access to FortiFlex for the API user in FortiCloud IAM"
	}
	return ue
}

// data decodes the reply's data key. Entitlement replies may carry `vms` instead of
// `entitlements` (TF-FLEX's "TMP FortiFlex API BUG fix", §2.1).
func (e *envelope) data(op string, into any, keys ...string) error {
	for _, k := range keys {
		raw, ok := e.raw[k]
		if !ok || string(raw) == "null" {
			continue
		}
		if err := json.Unmarshal(raw, into); err != nil {
			return &upstream.Error{Service: ServiceName, Op: op, Message: "unexpected " + k + " in reply", Err: err}
		}
		return nil
	}
	return nil
}

var entitlementKeys = []string{"entitlements", "vms"}

// ListPrograms returns the programs the API user can see.
func (c *Client) ListPrograms(ctx context.Context) ([]Program, error) {
	env, err := c.call(ctx, "list programs", "programs/list", struct{}{})
	if err != nil {
		return nil, err
	}
	var out []Program
	return out, env.data("list programs", &out, "programs")
}

// ListConfigs returns a program's configurations.
func (c *Client) ListConfigs(ctx context.Context, programSerial string) ([]Config, error) {
	op := "list configurations of " + programSerial
	env, err := c.call(ctx, op, "configs/list", map[string]any{"programSerialNumber": programSerial})
	if err != nil {
		return nil, err
	}
	var out []Config
	return out, env.data(op, &out, "configs")
}

// EntitlementFilter selects entitlements: by ConfigID, or by AccountID and ProgramSerialNumber
// (§2.2), plus optional filters applied by the service.
type EntitlementFilter struct {
	ConfigID            int64
	AccountID           int64
	ProgramSerialNumber string
	Status              string
	Description         string
	SerialNumber        string
}

// ListEntitlements returns the entitlements matching f.
func (c *Client) ListEntitlements(ctx context.Context, f EntitlementFilter) ([]Entitlement, error) {
	body := map[string]any{}
	if f.ConfigID != 0 {
		body["configId"] = f.ConfigID
	} else {
		body["accountId"], body["programSerialNumber"] = f.AccountID, f.ProgramSerialNumber
	}
	for k, v := range map[string]string{"status": f.Status, "description": f.Description, "serialNumber": f.SerialNumber} {
		if v != "" {
			body[k] = v
		}
	}
	env, err := c.call(ctx, "list entitlements", "entitlements/list", body)
	if err != nil {
		return nil, err
	}
	var out []Entitlement
	return out, env.data("list entitlements", &out, entitlementKeys...)
}

// CreateVMRequest is entitlements/vm/create (§2.3).
type CreateVMRequest struct {
	ConfigID    int64  `json:"configId"`
	Count       int    `json:"count"`
	Description string `json:"description,omitempty"`
	EndDate     string `json:"endDate,omitempty"`
	FolderPath  string `json:"folderPath,omitempty"`
	SkipPending bool   `json:"skipPending,omitempty"`
}

// CreateVMs creates VM entitlements. It is billable and not idempotent: it is sent once, and
// again only when FortiFlex refused the token (so nothing was created).
func (c *Client) CreateVMs(ctx context.Context, r CreateVMRequest) ([]Entitlement, error) {
	op := fmt.Sprintf("create %d VM entitlement(s) on configuration %d", r.Count, r.ConfigID)
	env, err := c.call(ctx, op, "entitlements/vm/create", r)
	if err != nil {
		return nil, err
	}
	var out []Entitlement
	return out, env.data(op, &out, entitlementKeys...)
}

// Entitlement operations on one serial number (§2.2).
const (
	OpStop            = "stop"
	OpReactivate      = "reactivate"
	OpRegenerateToken = "regenerate_token"
)

var opEndpoints = map[string]string{OpStop: "entitlements/stop", OpReactivate: "entitlements/reactivate", OpRegenerateToken: "entitlements/vm/token"}

// UpdateEntitlement stops, reactivates, or regenerates the token of one entitlement.
func (c *Client) UpdateEntitlement(ctx context.Context, serial, operation string) (*Entitlement, error) {
	endpoint, ok := opEndpoints[operation]
	if !ok {
		return nil, fmt.Errorf("fortiflex: unknown entitlement operation %q", operation)
	}
	op := strings.ReplaceAll(operation, "_", " ") + " entitlement " + serial
	env, err := c.call(ctx, op, endpoint, map[string]any{"serialNumber": serial})
	if err != nil {
		return nil, err
	}
	var out []Entitlement
	if err := env.data(op, &out, entitlementKeys...); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &upstream.Error{Service: ServiceName, Op: op, Message: "reply has no entitlement"}
	}
	return &out[0], nil
}

// EntitlementPoints returns points used between two dates (YYYY-MM-DD) for a configuration.
func (c *Client) EntitlementPoints(ctx context.Context, configID int64, start, end string) ([]Points, error) {
	op := "points of configuration " + strconv.FormatInt(configID, 10)
	env, err := c.call(ctx, op, "entitlements/points", map[string]any{"configId": configID, "startDate": start, "endDate": end})
	if err != nil {
		return nil, err
	}
	var out []Points
	return out, env.data(op, &out, entitlementKeys...)
}

// DailyPoints asks FortiFlex what count entitlements of a configuration would cost per day
// (tools/calc, §2.2; its reply shape is low confidence in the reference, so a reply without
// configs.current is an error, not zero).
func (c *Client) DailyPoints(ctx context.Context, cfg Config, count int) (float64, error) {
	op := fmt.Sprintf("price %d entitlement(s) of configuration %d", count, cfg.ID)
	params := make([]map[string]any, 0, len(cfg.Parameters))
	for _, p := range cfg.Parameters {
		params = append(params, map[string]any{"id": p.ID, "value": p.Value})
	}
	env, err := c.call(ctx, op, "tools/calc", map[string]any{"programSerialNumber": cfg.ProgramSerialNumber, "count": count,
		"productTypeId": cfg.ProductType.ID, "parameters": params})
	if err != nil {
		return 0, err
	}
	var out struct {
		Current *float64 `json:"current"`
	}
	if err := env.data(op, &out, "configs"); err != nil {
		return 0, err
	}
	if out.Current == nil {
		return 0, &upstream.Error{Service: ServiceName, Op: op, Message: "reply has no configs.current"}
	}
	return *out.Current, nil
}

// Guard is the client's retry policy and circuit breaker, for the server to tune.
func (c *Client) Guard() *upstream.Guard { return c.guard }
