// Package fortianalyzer is the FortiAnalyzer Cloud JSON-RPC client (forticloud-api.md §4): login
// with a FortiCloud token, calls with the session in the body, both envelope styles. It knows
// nothing of MCP.
package fortianalyzer

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// ServiceName is how errors name the service.
const ServiceName = "FortiAnalyzer Cloud"

const maxReply = 32 << 20

// Client calls one FortiAnalyzer Cloud instance.
type Client struct {
	base   string
	http   *http.Client
	login1 *http.Client // HTTP/1.1 only, for the login call
	src    auth.Source
	pool   *auth.SessionPool
	reqID  atomic.Int64
	slots  chan struct{}
	guard  *upstream.Guard // retry policy and circuit breaker
}

// New returns a client for the instance at base; src issues tokens for client_id FortiAnalyzer.
func New(base string, hc *http.Client, src auth.Source, opts auth.SessionPoolOptions) *Client {
	c := &Client{base: strings.TrimRight(base, "/"), http: hc, login1: http1Only(hc), src: src, slots: make(chan struct{}, SearchSlots),
		guard: upstream.NewGuard(ServiceName, upstream.Policy{})}
	c.pool = auth.NewSessionPool(auth.SessionFuncs{Login: c.login, Logout: c.logout, Check: c.check}, opts)
	return c
}

// http1Only returns hc speaking HTTP/1.1 only: HOWTO-FMG forces HTTP/1.1 for
// /p/forticloud_jsonrpc_login/ "because of #0893680" (forticloud-api.md §4.1 step 2).
func http1Only(hc *http.Client) *http.Client {
	t, ok := hc.Transport.(*http.Transport)
	if !ok {
		return hc
	}
	t = t.Clone()
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	c := *hc
	c.Transport = t
	return &c
}

// Close logs every session out.
func (c *Client) Close(ctx context.Context) error { return c.pool.Close(ctx) }

// Sessions reports the open sessions.
func (c *Client) Sessions() int { return c.pool.Sessions() }

// login turns a FortiCloud token into a session (§4.1 step 2). A refused token is renewed once.
func (c *Client) login(ctx context.Context) (string, error) {
	type reply struct {
		session string
		status  int
		msg     string
	}
	r, err := auth.WithToken(ctx, c.src, func(ctx context.Context, token string) (reply, error) {
		body, _ := json.Marshal(map[string]string{"access_token": token})
		// A login is not idempotent (a session opens when it lands): the guard sends it again
		// only when it never left or was refused unprocessed (429).
		rep, err := c.guard.Exchange(ctx, c.login1, upstream.Call{Service: ServiceName, Op: "login", Method: http.MethodPost,
			URL: c.base + "/p/forticloud_jsonrpc_login/", Body: body, Limit: 64 << 10})
		if err != nil {
			return reply{}, err
		}
		status, data := rep.Status, rep.Body
		var out struct {
			Session string `json:"session"`
			Error   any    `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &out)
		msg := out.Message
		if s, ok := out.Error.(string); ok && msg == "" {
			msg = s
		}
		return reply{session: out.Session, status: status, msg: msg}, nil
	}, func(r reply) bool { return r.status == http.StatusUnauthorized })
	if err != nil {
		var ae *auth.Error
		if errors.As(err, &ae) {
			return "", &upstream.Error{Service: ServiceName, Op: "login", Err: ae}
		}
		return "", err
	}
	if r.session == "" {
		return "", &upstream.Error{Service: ServiceName, Op: "login", Status: r.status, Message: upstream.Clip(r.msg, 200), Hint: loginHint(r.status, r.msg)}
	}
	return r.session, nil
}

// check tells a live session from a dead one with the cheapest read there is.
func (c *Client) check(ctx context.Context, session string) error {
	_, err := c.send(ctx, session, Request{Method: "get", URL: "/sys/status"})
	return err
}

func (c *Client) logout(ctx context.Context, session string) error {
	_, err := c.send(ctx, session, Request{Method: "exec", URL: "sys/logout"})
	return err
}

// Request is one JSON-RPC call.
type Request struct {
	Method string         // get, add, set, update, delete, exec, move, clone
	URL    string         // e.g. /logview/adom/root/logsearch
	Params map[string]any // merged into params[0]
}

// Status is the JSON-RPC status of a reply.
type Status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Response is a successful reply.
type Response struct {
	URL    string
	Status Status
	// Data is the reply's data: classic result[0].data, or the v3 result object.
	Data json.RawMessage
}

// v3Prefixes need API v3: "jsonrpc":"2.0" and "apiver":3 (§4.2).
var v3Prefixes = []string{"/logview/", "/fortiview/", "/eventmgmt/", "/incidentmgmt/", "/report/", "/soar/", "/ueba/", "/ioc/", "/fazsys/"}

// IsV3 reports whether a URL must be called with the API v3 envelope.
func IsV3(url string) bool {
	u := "/" + strings.TrimLeft(url, "/")
	for _, p := range v3Prefixes {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

// Call sends one request with a pooled session, re-opening the session once if it expired.
func (c *Client) Call(ctx context.Context, r Request) (*Response, error) {
	var out *Response
	err := c.pool.Do(ctx, func(ctx context.Context, session string) error {
		var err error
		out, err = c.send(ctx, session, r)
		return err
	})
	return out, err
}

func (c *Client) send(ctx context.Context, session string, r Request) (*Response, error) {
	op := r.Method + " " + r.URL
	params := map[string]any{}
	for k, v := range r.Params {
		params[k] = v
	}
	params["url"] = r.URL
	body := map[string]any{"id": c.reqID.Add(1), "method": r.Method, "params": []any{params}, "session": session}
	v3 := IsV3(r.URL)
	if v3 {
		body["jsonrpc"] = "2.0"
		params["apiver"] = 3
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("fortianalyzer: %s: %w", op, err)
	}
	// Only a get is sent again after a failure: even a search start holds a slot when it lands.
	rep, err := c.guard.Exchange(ctx, c.http, upstream.Call{Service: ServiceName, Op: op, Method: http.MethodPost, URL: c.base + "/jsonrpc", Body: payload,
		Limit: maxReply, Idempotent: r.Method == "get"})
	if err != nil {
		return nil, err
	}
	status, data := rep.Status, rep.Body
	if status != http.StatusOK {
		return nil, &upstream.Error{Service: ServiceName, Op: op, Status: status, Message: upstream.Clip(string(data), 200)}
	}
	return decode(op, r.URL, data, v3)
}

// decode reads either envelope (§4.2).
func decode(op, url string, data []byte, v3 bool) (*Response, error) {
	var env struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, &upstream.Error{Service: ServiceName, Op: op, Message: "reply is not JSON-RPC", Err: err}
	}
	if env.Error != nil {
		return nil, statusError(op, env.Error.Code, env.Error.Message)
	}
	res := bytes.TrimSpace(env.Result)
	if len(res) == 0 || string(res) == "null" {
		return &Response{URL: url, Status: Status{Message: "OK"}}, nil // nothing to report (§4.2)
	}
	if res[0] == '[' { // classic: one result per params entry
		var items []struct {
			Status json.RawMessage `json:"status"`
			URL    string          `json:"url"`
			Data   json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(res, &items); err != nil || len(items) == 0 {
			return nil, &upstream.Error{Service: ServiceName, Op: op, Message: "empty or malformed result"}
		}
		st := parseStatus(items[0].Status)
		if st.Code != 0 {
			return nil, statusError(op, st.Code, st.Message)
		}
		return &Response{URL: url, Status: st, Data: items[0].Data}, nil
	}
	// v3: result is an object whose status may be an object or a plain string.
	var obj struct {
		Status json.RawMessage `json:"status"`
	}
	_ = json.Unmarshal(res, &obj)
	st := parseStatus(obj.Status)
	if st.Code != 0 {
		return nil, statusError(op, st.Code, st.Message)
	}
	return &Response{URL: url, Status: st, Data: json.RawMessage(res)}, nil
}

func parseStatus(raw json.RawMessage) Status {
	var st Status
	if len(raw) == 0 {
		return Status{Message: "OK"}
	}
	if json.Unmarshal(raw, &st) == nil {
		return st
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return Status{Message: s}
}

// statusError maps a JSON-RPC status to an error; -11 is how an expired session shows (§4.1).
func statusError(op string, code int, msg string) error {
	if code == -11 {
		return fmt.Errorf("%s: %s: %w", ServiceName, op, auth.ErrSessionExpired)
	}
	e := &upstream.Error{Service: ServiceName, Op: op, Code: "code " + strconv.Itoa(code), Message: upstream.Clip(msg, 300)}
	switch code {
	case -6:
		e.Hint = "the url is not one FortiAnalyzer knows; check its spelling and the ADOM"
	case -10:
		e.Hint = "the parameters do not fit this url"
	case -20020:
		e.Hint = "the API user's admin profile does not allow this"
	}
	return e
}

// Guard is the client's retry policy and circuit breaker, for the server to tune.
func (c *Client) Guard() *upstream.Guard { return c.guard }

// loginHint says what a failed login most likely means.
func loginHint(status int, msg string) string {
	switch {
	case strings.Contains(strings.ToLower(msg), "login-max"):
		return "the API user already holds its login-max of sessions: other clients of this API user hold them, or sessions of timed-out logins still wait for their idle timeout"
	case status == http.StatusTooManyRequests:
		return "FortiAnalyzer Cloud is rate limiting logins; try again in a minute"
	case status >= 500:
		return "FortiAnalyzer Cloud failed to log in; try again later"
	}
	return "check that the API user has FortiAnalyzer Cloud access and has not reached its login-max of simultaneous sessions"
}
