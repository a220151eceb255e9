//lint:file-ignore SA1019 MCP logging is deprecated from protocol 2026-07-28 (SEP-2577) but served through its deprecation window: these tests exercise it on purpose.

package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

// logSink keeps the log notifications (notifications/message) a client receives.
type logSink struct {
	mu   sync.Mutex
	msgs []*mcp.LoggingMessageParams
}

func (l *logSink) handle(_ context.Context, req *mcp.LoggingMessageRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, req.Params)
}

// take returns the notifications received so far and forgets them.
func (l *logSink) take() []*mcp.LoggingMessageParams {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.msgs
	l.msgs = nil
	return out
}

func logText(m *mcp.LoggingMessageParams) string {
	d, _ := m.Data.(map[string]any)
	s, _ := d["message"].(string)
	return s
}

func anyLog(msgs []*mcp.LoggingMessageParams, level mcp.LoggingLevel, part string) bool {
	for _, m := range msgs {
		if m.Level == level && strings.Contains(logText(m), part) {
			return true
		}
	}
	return false
}

func levels(msgs []*mcp.LoggingMessageParams) map[mcp.LoggingLevel]int {
	n := map[mcp.LoggingLevel]int{}
	for _, m := range msgs {
		n[m.Level]++
	}
	return n
}

// noSecrets fails on a notification holding a token the emulator issued, the API password or
// an address.
func noSecrets(t *testing.T, w *world, msgs []*mcp.LoggingMessageParams) {
	t.Helper()
	for _, m := range msgs {
		raw, _ := json.Marshal(m)
		for _, s := range append(w.em.IssuedTokens(), emulator.DemoAPIPassword) {
			if strings.Contains(string(raw), s) {
				t.Errorf("a log notification holds a secret: %s", raw)
			}
		}
		if strings.Contains(string(raw), "127.0.0.1") {
			t.Errorf("a log notification holds an address: %s", raw)
		}
	}
}

// TestObservabilityLogLevelOverHTTP sets the session's log level with logging/setLevel (protocol
// 2025-11-25) and checks what reaches the client: at debug, a line per upstream request; at
// warning, the retry after a 503 and nothing below warning.
func TestObservabilityLogLevelOverHTTP(t *testing.T) {
	w := newWorld(t)
	sink := &logSink{}
	s := startHTTPWith(t, w.env(), "2025-11-25", "", &mcp.ClientOptions{LoggingMessageHandler: sink.handle})
	if caps := s.session.InitializeResult().Capabilities; caps == nil || caps.Logging == nil {
		t.Fatalf("the server does not declare logging: %+v", caps)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if err := s.session.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
		t.Fatal(err)
	}
	if res := s.call(t, "list_devices", map[string]any{"limit": 1}); res.IsError {
		t.Fatalf("list_devices: %s", resultText(res))
	}
	msgs := sink.take()
	if !anyLog(msgs, "debug", "FortiGate Cloud GET /forticloudapi/v1/devices: HTTP 200") {
		t.Errorf("at debug, no line for the upstream request: %+v", levels(msgs))
	}
	noSecrets(t, w, msgs)

	if err := s.session.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "warning"}); err != nil {
		t.Fatal(err)
	}
	w.em.InjectFault(emulator.Fault{Service: "fortigatecloud", Status: http.StatusServiceUnavailable, Times: 1})
	if res := s.call(t, "list_devices", map[string]any{"limit": 1}); res.IsError {
		t.Fatalf("list_devices after one 503: %s", resultText(res))
	}
	msgs = sink.take()
	if !anyLog(msgs, "warning", "again after HTTP 503 (attempt 2)") {
		t.Errorf("at warning, no notification of the retry: %+v", levels(msgs))
	}
	if n := levels(msgs); n["debug"]+n["info"]+n["notice"] > 0 {
		t.Errorf("at warning, notifications below it arrived: %+v", n)
	}
	noSecrets(t, w, msgs)
}

// TestObservabilityLogLevelPerRequest is the same under protocol 2026-07-28, where the level
// travels with each request (_meta) and a request without one gets no log notification.
func TestObservabilityLogLevelPerRequest(t *testing.T) {
	w := newWorld(t)
	sink := &logSink{}
	s := startHTTPWith(t, w.env(), "", "", &mcp.ClientOptions{LoggingMessageHandler: sink.handle})
	call := func(level string) *mcp.CallToolResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p := &mcp.CallToolParams{Name: "list_devices", Arguments: map[string]any{"limit": 1}}
		if level != "" {
			p.Meta = mcp.Meta{mcp.MetaKeyLogLevel: level}
		}
		res, err := s.session.CallTool(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	w.em.InjectFault(emulator.Fault{Service: "fortigatecloud", Status: http.StatusServiceUnavailable, Times: 1})
	if res := call(""); res.IsError {
		t.Fatalf("list_devices: %s", resultText(res))
	}
	if msgs := sink.take(); len(msgs) != 0 {
		t.Errorf("a request without a log level got notifications: %+v", levels(msgs))
	}
	w.em.InjectFault(emulator.Fault{Service: "fortigatecloud", Status: http.StatusServiceUnavailable, Times: 1})
	if res := call("warning"); res.IsError {
		t.Fatalf("list_devices: %s", resultText(res))
	}
	msgs := sink.take()
	if !anyLog(msgs, "warning", "again after HTTP 503") {
		t.Errorf("at warning, no notification of the retry: %+v", levels(msgs))
	}
	if n := levels(msgs); n["debug"] > 0 {
		t.Errorf("at warning, debug notifications arrived: %+v", n)
	}
	if res := call("debug"); res.IsError {
		t.Fatalf("list_devices: %s", resultText(res))
	}
	if msgs := sink.take(); !anyLog(msgs, "debug", "FortiGate Cloud GET") {
		t.Errorf("at debug, no line for the upstream request: %+v", levels(msgs))
	}
}

// TestObservabilityEndpoints checks the probes and /metrics of the built server: the probes
// answer without the caller token, /metrics only with it, and holds no secret.
func TestObservabilityEndpoints(t *testing.T) {
	w := newWorld(t)
	const token = "e2e-caller-token-0123456789"
	s := startHTTP(t, w.env(), "2025-11-25", token, "--http-token", token)
	s.call(t, "list_devices", map[string]any{"limit": 1})

	fetch := func(path, bearer string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := fetch("/healthz", ""); code != 200 {
		t.Errorf("/healthz: %d %s", code, body)
	}
	code, body := fetch("/readyz", "")
	var ready struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil || code != 200 || !ready.Ready || ready.Checks["fortigatecloud"] != "ok" {
		t.Errorf("/readyz: %d %s", code, body)
	}
	if code, _ := fetch("/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without the caller token: %d", code)
	}
	code, body = fetch("/metrics", token)
	if code != 200 || !strings.Contains(body, `forticloud_mcp_tool_calls_total{outcome="ok",tool="list_devices"} 1`) ||
		!strings.Contains(body, `forticloud_mcp_token_requests_total{client_id="fortigatecloud",code="200",grant_type="password"} 1`) {
		t.Fatalf("/metrics: %d\n%s", code, body)
	}
	for _, secret := range append(w.em.IssuedTokens(), emulator.DemoAPIPassword, token) {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics holds a secret (%d characters)", len(secret))
		}
	}
}
