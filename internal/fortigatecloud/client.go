// Package fortigatecloud is the FortiGate Cloud API client: the device inventory and the FortiOS
// REST proxy (forticloud-api.md §3). It knows nothing of MCP.
package fortigatecloud

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortios"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// ServiceName is how errors name the service.
const ServiceName = "FortiGate Cloud"

// apiPrefix is the API base path; without it the host serves the web app (§3.1).
const apiPrefix = "/forticloudapi/v1"

// Client calls FortiGate Cloud. Its HTTP client must attach credentials (auth.Transport).
type Client struct {
	base  string
	http  *http.Client
	guard *upstream.Guard // retry policy and circuit breaker
	// maxReply is the most read from one reply before it is cut.
	maxReply int64
}

// New returns a client for base (e.g. https://api.fortigate.forticloud.com).
func New(base string, hc *http.Client, maxReply int64) *Client {
	if maxReply <= 0 {
		maxReply = 32 << 20
	}
	return &Client{base: strings.TrimRight(base, "/"), http: hc, maxReply: maxReply, guard: upstream.NewGuard(ServiceName, upstream.Policy{})}
}

// Device is one FortiGate Cloud device, with FortiGate Cloud's own field names (§3.2). It is a map
// so that fields this client does not know yet still reach the caller.
type Device = map[string]any

// DevicePage is one page of the device list.
type DevicePage struct {
	// Raw holds the devices as FortiGate Cloud sent them, one JSON object each (ListDevices): the
	// tools reshape them in one pass over their bytes rather than through maps.
	Raw []json.RawMessage
	// Devices holds decoded devices, for callers (test fakes) that build a page by hand; the
	// tools read it when Raw is empty.
	Devices []Device
	// Total is the fleet size FortiGate Cloud reports (`total`, repeated on every element, §3.2);
	// -1 when the page is empty and the total is unknown.
	Total int
}

// Len is the number of devices on the page.
func (p *DevicePage) Len() int { return max(len(p.Raw), len(p.Devices)) }

// ListDevices returns devices [offset, offset+limit), sorted by serial number.
func (c *Client) ListDevices(ctx context.Context, limit, offset int) (*DevicePage, error) {
	const op = "list devices"
	// Sorted by serial so that pages do not shift between calls.
	q := url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}, "sort": {"sn"}}
	var raw []json.RawMessage
	if err := c.getJSON(ctx, op, apiPrefix+"/devices?"+q.Encode(), &raw); err != nil {
		return nil, err
	}
	page := &DevicePage{Raw: raw, Total: -1}
	for _, d := range raw {
		if !bytes.HasPrefix(bytes.TrimSpace(d), []byte("{")) {
			return nil, &upstream.Error{Service: ServiceName, Op: op, Message: "reply is not a list of device objects"}
		}
	}
	if len(raw) > 0 {
		var first struct {
			Total *float64 `json:"total"`
		}
		if err := json.Unmarshal(raw[0], &first); err != nil {
			return nil, &upstream.Error{Service: ServiceName, Op: op, Message: "reply is not the expected JSON", Err: err}
		}
		if first.Total != nil {
			page.Total = int(*first.Total)
		}
	}
	return page, nil
}

// GetDevice returns one device by serial number.
func (c *Client) GetDevice(ctx context.Context, serial string) (Device, error) {
	var raw json.RawMessage
	if err := c.getJSON(ctx, "get device "+serial, apiPrefix+"/devices/"+url.PathEscape(serial), &raw); err != nil {
		return nil, err
	}
	// The reply is one object; some clients have seen it wrapped in an array (§3.2).
	var d Device
	if err := json.Unmarshal(raw, &d); err != nil {
		var list []Device
		if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
			return nil, &upstream.Error{Service: ServiceName, Op: "get device " + serial, Message: "reply is not a device object"}
		}
		d = list[0]
	}
	delete(d, "total")
	return d, nil
}

func (c *Client) getJSON(ctx context.Context, op, pathAndQuery string, into any) error {
	rep, err := c.guard.Exchange(ctx, c.http, upstream.Call{Service: ServiceName, Op: op, Method: http.MethodGet, URL: c.base + pathAndQuery,
		Limit: c.maxReply, Idempotent: true})
	if err != nil {
		return transportError(op, err)
	}
	if rep.Status != http.StatusOK {
		return statusError(op, rep, rep.Body)
	}
	if err := json.Unmarshal(rep.Body, into); err != nil {
		return &upstream.Error{Service: ServiceName, Op: op, Status: rep.Status, Message: "reply is not the expected JSON", Err: err}
	}
	return nil
}

func transportError(op string, err error) error {
	var ae *auth.Error
	if asAuth(err, &ae) {
		return &upstream.Error{Service: ServiceName, Op: op, Err: ae}
	}
	var ue *upstream.Error
	if errors.As(err, &ue) {
		return ue
	}
	return &upstream.Error{Service: ServiceName, Op: op, Err: upstream.UnwrapURLError(err)}
}

// statusError turns a FortiGate Cloud error reply into a typed error with a hint.
func statusError(op string, resp *upstream.Reply, body []byte) error {
	e := &upstream.Error{Service: ServiceName, Op: op, Status: resp.Status}
	var eb struct {
		Error       any    `json:"error"`
		Description string `json:"error_description"`
		Message     string `json:"message"`
		Detail      string `json:"detail"`
	}
	if json.Unmarshal(body, &eb) == nil {
		if s, ok := eb.Error.(string); ok {
			e.Code = s
		}
		e.Message = upstream.Clip(cmp.Or(eb.Description, eb.Message, eb.Detail), 300)
	} else if len(body) > 0 && !bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
		e.Message = upstream.Clip(string(body), 200)
	}
	switch {
	case resp.Status == http.StatusUnauthorized && e.Code == "invalid_client":
		e.Hint = "the API user has no Admin access to FortiGate Cloud: in FortiCloud IAM, give it the FortiGate Cloud portal with Access Type Admin"
	case resp.Status == http.StatusUnauthorized:
		e.Hint = "the token was refused even after a fresh login; check the API user's FortiGate Cloud permission"
	case resp.Status == http.StatusNotFound:
		e.Hint = "no such device or resource; list_devices shows the serials of this account"
	case resp.Status == http.StatusTooManyRequests:
		e.Hint = "rate limited by FortiGate Cloud; wait before calling again"
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			e.Hint += " (Retry-After: " + upstream.Clip(ra, 40) + ")"
		}
	case resp.Status >= 500:
		e.Hint = "FortiGate Cloud failed; try again later"
	}
	return e
}

// ProxyRequest is one FortiOS REST call through FortiGate Cloud (§3.3). Path must already be
// validated (tools/fortiospath): it starts with /api/v2/ and cannot leave the device's prefix.
type ProxyRequest struct {
	Serial string
	Method string
	Path   string
	Query  url.Values
	Body   []byte
	// Budget, when positive, has the reply shaped for a model while it is read
	// (fortios.ShapeStream, to at most Budget bytes): ProxyResponse.Shaped holds the result and
	// Body stays nil. No more of a large reply is read than the result needs, so a reply of
	// tens of MB costs about the budget in memory.
	Budget int
}

// ProxyResponse is FortiOS's reply, decompressed.
type ProxyResponse struct {
	Status int
	Body   []byte
	// Shaped is the reply shaped to ProxyRequest.Budget, when one was given.
	Shaped *fortios.Shaped
	// Truncated is true when Body (or Shaped) holds only the start of the reply: it was longer
	// than the read limit, or reading stopped once the shaped result was full.
	Truncated bool
	// FortiOS is true when the body is a FortiOS REST envelope (as opposed to FortiGate Cloud's
	// own error body, e.g. a tunnel that is down).
	FortiOS bool
}

// Proxy sends a FortiOS REST call to one device.
func (c *Client) Proxy(ctx context.Context, pr ProxyRequest) (*ProxyResponse, error) {
	op := fmt.Sprintf("FortiOS %s %s on %s", pr.Method, pr.Path, pr.Serial)
	raw := c.base + apiPrefix + "/fgt/" + pr.Serial + pr.Path
	if len(pr.Query) > 0 {
		raw += "?" + pr.Query.Encode()
	}
	// Only a GET is sent again after a failure: any other FortiOS call may have changed the device.
	call := upstream.Call{Service: ServiceName, Op: op, Method: pr.Method, URL: raw, Body: pr.Body,
		Limit: c.maxReply, Idempotent: pr.Method == http.MethodGet, AllowTruncated: true, Relayed: true}
	if pr.Budget > 0 {
		return c.proxyShaped(ctx, op, call, pr.Budget)
	}
	rep, err := c.guard.Exchange(ctx, c.http, call)
	if err != nil {
		return nil, transportError(op, err)
	}
	data, truncated := rep.Body, rep.Truncated
	out := &ProxyResponse{Status: rep.Status, Body: data, Truncated: truncated, FortiOS: looksLikeFortiOS(data)}
	if rep.Status >= 400 && !out.FortiOS {
		return nil, statusError(op, rep, data)
	}
	return out, nil
}

// maxErrorReply bounds an error reply that is not FortiOS's, read whole for statusError.
const maxErrorReply = 64 << 10

// proxyShaped is Proxy with the reply shaped as it is read (forticloud-api.md §3.3: FortiOS's
// reply passed through, gzipped or not, with or without Content-Encoding; the guard's
// DecodedBody gunzips either way). FortiGate Cloud's own error replies (a tunnel that is down,
// a device it does not know) are read whole, bounded, for the same typed errors as Proxy's.
func (c *Client) proxyShaped(ctx context.Context, op string, call upstream.Call, budget int) (*ProxyResponse, error) {
	var out *ProxyResponse
	err := c.guard.ExchangeStream(ctx, c.http, call, func(s *upstream.Stream) error {
		out = nil // a retry runs this again on a new reply: nothing carries over
		br := bufio.NewReaderSize(s.Body, 4096)
		head, _ := br.Peek(4096) // a read failure shows again on the next read
		fos := looksLikeFortiOS(head)
		if s.Status >= 400 && !fos {
			body, err := io.ReadAll(io.LimitReader(br, maxErrorReply))
			if err != nil {
				return err
			}
			return statusError(op, &upstream.Reply{Status: s.Status, Header: s.Header, Body: body}, body)
		}
		shaped, err := fortios.ShapeStream(br, budget)
		if err != nil {
			return fmt.Errorf("shaping the FortiOS reply: %w", err)
		}
		out = &ProxyResponse{Status: s.Status, Shaped: &shaped, Truncated: shaped.Truncated, FortiOS: fos}
		return nil
	})
	if err != nil {
		return nil, transportError(op, err)
	}
	return out, nil
}

// looksLikeFortiOS reports whether a reply is a FortiOS REST envelope (or an array of them,
// fortios-and-faz-data.md §1.1-§1.2), judged from its first bytes.
func looksLikeFortiOS(body []byte) bool {
	head := body
	if len(head) > 4096 {
		head = head[:4096]
	}
	return bytes.Contains(head, []byte(`"http_method"`)) || bytes.Contains(head, []byte(`"http_status"`))
}

// Guard is the client's retry policy and circuit breaker, for the server to tune.
func (c *Client) Guard() *upstream.Guard { return c.guard }
