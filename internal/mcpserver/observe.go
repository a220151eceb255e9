package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/metrics"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// observer is what the server watches itself with: the metrics, each service's readiness, and the
// MCP log notifications sent to the session whose tool call caused an event.
type observer struct {
	metrics *metrics.Set
	notify  *notifier
	gate    *approval.Gate

	mu       sync.Mutex
	services []*serviceHealth // in the order they were enabled
}

func newObserver(m *metrics.Set, gate *approval.Gate) *observer {
	return &observer{metrics: m, notify: &notifier{}, gate: gate}
}

// serviceOptions describe one service's upstream traffic to its transport.
type serviceOptions struct {
	name      string // configuration name: the metrics' and readiness' label (fortiflex)
	display   string // the service's name in messages (FortiFlex)
	threshold int    // the circuit breaker's settings (config), mirrored by readiness
	cooldown  time.Duration
	// relayed reports requests the service relays to something behind it (FortiGate Cloud's
	// FortiOS proxy): as for the breaker, only a connection that could not be made counts.
	relayed func(*http.Request) bool
	// login reports the requests that open a session (FortiAnalyzer's JSON-RPC login), whose
	// failures are told to the session that caused them.
	login func(*http.Request) bool
}

// transport wraps next, one service's upstream transport, with the service's metrics, readiness
// and notifications.
func (o *observer) transport(opts serviceOptions, next http.RoundTripper) http.RoundTripper {
	h := &serviceHealth{name: opts.name, threshold: opts.threshold, cooldown: opts.cooldown, now: time.Now}
	o.mu.Lock()
	o.services = append(o.services, h)
	o.mu.Unlock()
	o.metrics.GaugeFunc("service_ready", "1 while the service is usable (its circuit breaker is not open), else 0.",
		map[string]string{"service": opts.name}, func() float64 {
			if ok, _ := h.state(); ok {
				return 1
			}
			return 0
		})
	return &serviceTransport{opts: opts, next: o.metrics.Upstream(opts.name, next), health: h, obs: o}
}

// serviceTransport sees every request to one service: it keeps the service's readiness, counts
// retries, and tells the tool call's session what happens upstream (at debug level, each request;
// at warning, a retry; at error, a failed login).
type serviceTransport struct {
	opts   serviceOptions
	next   http.RoundTripper
	health *serviceHealth
	obs    *observer
}

func (t *serviceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	call := callFrom(ctx)
	key := t.opts.name + " " + req.Method + " " + req.URL.Path
	if call != nil {
		if attempt, why, again := call.retrying(key); again {
			t.obs.metrics.Retry(t.opts.name)
			t.obs.notify.send(ctx, mcp.LoggingLevelWarning, "upstream", func() map[string]any {
				return map[string]any{
					"message": fmt.Sprintf("%s: sending %s %s again after %s (attempt %d)", t.opts.display, req.Method, req.URL.Path, why, attempt),
					"service": t.opts.display, "tool": call.tool, "attempt": attempt,
				}
			})
		}
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	elapsed := time.Since(start)

	relayed := t.opts.relayed != nil && t.opts.relayed(req)
	if failing, why, known := serviceFailure(ctx, resp, err, relayed); known {
		t.health.record(failing, why)
	}
	if call != nil {
		call.attempted(key, retryReason(ctx, resp, err))
	}
	t.obs.notify.send(ctx, mcp.LoggingLevelDebug, "upstream", func() map[string]any {
		d := map[string]any{"service": t.opts.display, "method": req.Method, "path": req.URL.Path, "duration_ms": elapsed.Milliseconds()}
		if err != nil {
			d["message"] = fmt.Sprintf("%s %s %s: %s after %d ms", t.opts.display, req.Method, req.URL.Path, describeErr(ctx, err), elapsed.Milliseconds())
		} else {
			d["status"] = resp.StatusCode
			d["message"] = fmt.Sprintf("%s %s %s: HTTP %d in %d ms", t.opts.display, req.Method, req.URL.Path, resp.StatusCode, elapsed.Milliseconds())
		}
		if call != nil {
			d["tool"] = call.tool
		}
		return d
	})
	if t.opts.login != nil && t.opts.login(req) {
		resp = t.checkLogin(ctx, resp, err)
	}
	return resp, err
}

// checkLogin tells the session about a failed login: no answer, a refusal, or an answer without
// a session. The reply is read (it is small) and handed on whole; the session in it is looked
// at, never kept or shown.
func (t *serviceTransport) checkLogin(ctx context.Context, resp *http.Response, err error) *http.Response {
	var why string
	switch {
	case err != nil:
		why = describeErr(ctx, err)
	case resp.StatusCode != http.StatusOK:
		why = fmt.Sprintf("HTTP %d", resp.StatusCode)
	default:
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		rest := resp.Body
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(body), rest), rest}
		var reply struct {
			Session string `json:"session"`
		}
		if rerr != nil {
			why = "the reply was cut short"
		} else if json.Unmarshal(body, &reply) != nil || reply.Session == "" {
			why = "the reply holds no session"
		}
	}
	if why == "" {
		t.obs.notify.send(ctx, mcp.LoggingLevelInfo, t.opts.name, func() map[string]any {
			return map[string]any{"message": t.opts.display + ": logged in (a JSON-RPC session opened)", "service": t.opts.display}
		})
		return resp
	}
	t.obs.notify.send(ctx, mcp.LoggingLevelError, t.opts.name, func() map[string]any {
		return map[string]any{"message": t.opts.display + ": login failed: " + why, "service": t.opts.display}
	})
	return resp
}

type readCloser struct {
	io.Reader
	io.Closer
}

// serviceFailure is what one request says about the service, by the circuit breaker's rules
// (internal/upstream serviceOutcome): no answer or a gateway's 502/503/504 is a failure, any
// other answer proves the service up; our own cancellation says nothing (known false). For a
// relayed request only a connection that could not be made counts.
func serviceFailure(ctx context.Context, resp *http.Response, err error, relayed bool) (failing bool, why string, known bool) {
	if err != nil {
		if ctx.Err() != nil || !transient(err) {
			return false, "", false
		}
		if relayed && !neverSent(err) {
			return false, "", false
		}
		return true, describeErr(ctx, err), true
	}
	if relayed {
		return false, "", true
	}
	switch resp.StatusCode {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, fmt.Sprintf("HTTP %d", resp.StatusCode), true
	}
	return false, "", true
}

// retryReason names a failed attempt the upstream guard may send again (no answer, 429, 502,
// 503, 504); "" for any other outcome.
func retryReason(ctx context.Context, resp *http.Response, err error) string {
	if err != nil {
		if ctx.Err() != nil {
			return ""
		}
		return describeErr(ctx, err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return fmt.Sprintf("HTTP %d", resp.StatusCode)
	}
	return ""
}

// transient mirrors internal/upstream's: a failure another attempt might not meet.
func transient(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}

// neverSent: the connection was never made.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// describeErr names a transport failure without its text (which holds addresses): what a
// client, or an unauthenticated /readyz, may be shown.
func describeErr(ctx context.Context, err error) string {
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		return "cancelled"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case neverSent(err):
		return "no connection"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection reset"
	}
	return "transport error"
}

// useBreaker makes a service's readiness read its client's circuit breaker: the breaker also
// counts failures the transport cannot see (a body cut or corrupted in transit), so a mirror
// kept from the transport alone could say ready while the breaker is open (found in review).
func (o *observer) useBreaker(service string, b *upstream.Breaker) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, h := range o.services {
		if h.name == service {
			h.mu.Lock()
			h.breaker = b
			h.mu.Unlock()
		}
	}
}

// serviceHealth is a service's readiness: its client's circuit breaker once useBreaker gave it,
// and until then a mirror of it kept from the requests the transport sees (Threshold failures in
// a row open it for Cooldown, after which a call may go out again).
type serviceHealth struct {
	name      string
	breaker   *upstream.Breaker
	threshold int
	cooldown  time.Duration
	now       func() time.Time

	mu        sync.Mutex
	failures  int
	openUntil time.Time
	last      string
}

func (h *serviceHealth) limits() (int, time.Duration) {
	threshold, cooldown := h.threshold, h.cooldown
	if threshold <= 0 {
		threshold = 5
	}
	if cooldown <= 0 {
		cooldown = 30 * time.Second
	}
	return threshold, cooldown
}

func (h *serviceHealth) record(failing bool, why string) {
	threshold, cooldown := h.limits()
	h.mu.Lock()
	defer h.mu.Unlock()
	if !failing {
		h.failures = 0
		return
	}
	h.failures++
	h.last = why
	if h.failures >= threshold {
		h.openUntil = h.now().Add(cooldown)
	}
}

// state reports whether the service is usable and, when not, why (no addresses, no secrets).
func (h *serviceHealth) state() (bool, string) {
	threshold, _ := h.limits()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.breaker != nil {
		open, failures, last, retryIn := h.breaker.State()
		if !open {
			return true, "ok"
		}
		// The breaker's last failure is an HTTP status or an error's text, which may name
		// addresses: a probe's body shows only the status.
		if !strings.HasPrefix(last, "HTTP ") {
			last = "no answer"
		}
		if retryIn <= 0 {
			return false, fmt.Sprintf("circuit half-open: %d failures in a row (last: %s); a probe call is finding out", failures, last)
		}
		return false, fmt.Sprintf("circuit open: %d failures in a row (last: %s); calls resume in %s", failures, last, retryIn.Round(time.Second))
	}
	now := h.now()
	if h.failures < threshold || !now.Before(h.openUntil) {
		return true, "ok"
	}
	return false, fmt.Sprintf("circuit open: %d failures in a row (last: %s); calls resume in %s",
		h.failures, h.last, h.openUntil.Sub(now).Round(time.Second))
}

// toolCall is one tool call on its way, for the upstream transports below it: its name, and the
// last failed attempt of each request, to tell a retry from a first attempt.
type toolCall struct {
	tool     string
	notified atomic.Bool // a log notification went to the session during the call

	mu     sync.Mutex
	failed map[string]failedAttempt
}

type failedAttempt struct {
	attempts int
	why      string
}

type toolCallKey struct{}

func callFrom(ctx context.Context) *toolCall {
	c, _ := ctx.Value(toolCallKey{}).(*toolCall)
	return c
}

// retrying reports whether the request key follows a failed attempt of the same request in this
// call (the upstream guard sending it again), and which attempt this is.
func (c *toolCall) retrying(key string) (attempt int, why string, again bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.failed[key]
	if !ok {
		return 0, "", false
	}
	return f.attempts + 1, f.why, true
}

// attempted records an attempt of key: failed (why not empty) or not.
func (c *toolCall) attempted(key, why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if why == "" {
		delete(c.failed, key)
		return
	}
	if c.failed == nil {
		c.failed = map[string]failedAttempt{}
	}
	f := c.failed[key]
	c.failed[key] = failedAttempt{attempts: f.attempts + 1, why: why}
}

// Tool call outcomes, the outcome label of forticloud_mcp_tool_calls_total.
const (
	outcomeOK            = "ok"
	outcomeToolError     = "tool_error"     // an error result the model reads (isError)
	outcomeRefused       = "refused"        // a write refused: read-only mode, no gate, denied
	outcomeHeld          = "held"           // a write waiting for a person in the approvals console
	outcomeInputRequired = "input_required" // the client is asked for input (approval by elicitation, 2026-07-28)
	outcomeError         = "error"          // a protocol error (a handler's Go error, a recovered panic)
)

// toolMiddleware times and counts every tool call and tells its session about held and refused
// writes. It is the outermost tool middleware, so that it sees recovered panics as errors.
func (o *observer) toolMiddleware(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		start := time.Now()
		name := req.Params.Name
		call := &toolCall{tool: name}
		ctx = context.WithValue(ctx, toolCallKey{}, call)
		res, err := next(ctx, req)
		outcome := classify(name, res, err)
		o.metrics.ToolCall(name, outcome, time.Since(start))
		switch outcome {
		case outcomeHeld:
			o.notify.send(ctx, mcp.LoggingLevelNotice, "approvals", func() map[string]any { return heldNotice(name, res, o.gate) })
		case outcomeRefused:
			o.notify.send(ctx, mcp.LoggingLevelWarning, "approvals", func() map[string]any {
				return map[string]any{"message": resultText(res), "tool": name}
			})
		}
		if call.notified.Load() {
			settle(ctx)
		}
		return res, err
	}
}

// settle gives the notifications sent during a tool call time to be written before its result:
// mcp-go v1.2.1 drops a notification that its stream writer has taken off the session's queue
// but not yet written when the response goes out (mcp-testing.md, behaviours that bite, 1;
// TestObservabilityNotifications loses the held-write notice without this). It waits, at most
// settleWait, for the queue to empty, then a moment for the writer to write.
func settle(ctx context.Context) {
	session := server.ClientSessionFromContext(ctx)
	if session == nil {
		return
	}
	queue := session.NotificationChannel()
	for deadline := time.Now().Add(settleWait); len(queue) > 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Microsecond)
	}
	time.Sleep(settleGrace)
}

const (
	settleWait  = 100 * time.Millisecond
	settleGrace = time.Millisecond
)

// classify names a tool call's outcome from its result, as the tools package renders them: a held
// write is an error result whose structured content has an approval_id and status "pending"; a
// refusal's text reads "<tool>: refused: ...".
func classify(tool string, res *mcp.CallToolResult, err error) string {
	switch {
	case err != nil || res == nil:
		return outcomeError
	case res.ResultType == mcp.ResultTypeInputRequired:
		return outcomeInputRequired
	case !res.IsError:
		return outcomeOK
	case isHeld(res):
		return outcomeHeld
	case strings.HasPrefix(resultText(res), tool+": refused: "):
		return outcomeRefused
	}
	return outcomeToolError
}

func isHeld(res *mcp.CallToolResult) bool {
	st, ok := res.StructuredContent.(map[string]any)
	if !ok {
		return false
	}
	id, _ := st["approval_id"].(string)
	return id != "" && st["status"] == "pending"
}

func resultText(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		switch tc := c.(type) {
		case mcp.TextContent:
			return tc.Text
		case *mcp.TextContent:
			return tc.Text
		}
	}
	return ""
}

func heldNotice(tool string, res *mcp.CallToolResult, gate *approval.Gate) map[string]any {
	st, _ := res.StructuredContent.(map[string]any)
	id, _ := st["approval_id"].(string)
	where := "the approvals console"
	d := map[string]any{"tool": tool, "approval_id": id}
	if url := gate.ConsoleURL(); url != "" {
		where += " (" + url + ")"
		d["console_url"] = url
	}
	d["message"] = fmt.Sprintf("%s waits for a person's approval as %s: approve or deny it in %s", tool, id, where)
	return d
}

// notifier sends MCP log notifications (notifications/message) to the session of the request in
// a context, only at or above the level that session chose (logging/setLevel, or the request's
// own level under protocol 2026-07-28; mcp-go's default is error). Data is built only when it is
// sent, and never holds a secret: no header, body, query string or error text.
type notifier struct {
	mu  sync.RWMutex
	mcp *server.MCPServer
}

func (n *notifier) setServer(s *server.MCPServer) {
	n.mu.Lock()
	n.mcp = s
	n.mu.Unlock()
}

func (n *notifier) send(ctx context.Context, level mcp.LoggingLevel, logger string, data func() map[string]any) {
	if !wantsLog(ctx, level) {
		return
	}
	n.mu.RLock()
	s := n.mcp
	n.mu.RUnlock()
	if s == nil {
		return
	}
	// A full notification channel or a session gone is no reason to fail the call.
	if s.SendLogMessageToClient(ctx, mcp.NewLoggingMessageNotification(level, logger, data())) == nil {
		if call := callFrom(ctx); call != nil {
			call.notified.Store(true)
		}
	}
}

// wantsLog applies mcp-go's rules for SendLogMessageToClient before any data is built.
func wantsLog(ctx context.Context, level mcp.LoggingLevel) bool {
	session := server.ClientSessionFromContext(ctx)
	if session == nil || !session.Initialized() {
		return false
	}
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return info.LogLevel != "" && level.ShouldSendTo(info.LogLevel)
	}
	sl, ok := session.(server.SessionWithLogging)
	return ok && level.ShouldSendTo(sl.GetLogLevel())
}
