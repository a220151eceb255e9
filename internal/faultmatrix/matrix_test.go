// Package faultmatrix runs every tool against every upstream fault the emulator can produce: each
// call ends in the right result or a clear error naming the service and the condition, the server
// stays up, no write happens twice, and no goroutine outlives the server. The server runs in this
// process (so that goroutines can be counted) behind its real HTTP handler on a loopback socket,
// driven by the official go-sdk client.
package faultmatrix

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"

	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
	"github.com/forticloud-mcp/forticloud-mcp/internal/mcpserver"
)

// world is one emulator and one server on loopback, with a connected client.
type world struct {
	em      *emulator.Emulator
	srv     *mcpserver.Server
	http    *httptest.Server
	session *mcp.ClientSession
	logs    *lockedBuffer
	device  string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// defaults is the configuration with every default kong would apply, plus overrides.
func defaults(t *testing.T, args ...string) config.Config {
	t.Helper()
	var cfg config.Config
	parser, err := kong.New(&cfg, kong.Exit(func(int) { t.Fatal("kong exited") }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse(args); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func start(t *testing.T) *world {
	t.Helper()
	em := emulator.New(emulator.Options{SOCaaSGetPerMinute: 100000, SOCaaSPostPerMinute: 100000})
	base, err := em.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaults(t, "--approval=none", "--upstream-timeout=2s", "--tool-timeout=30s", "--approvals-listen=off", "--breaker-cooldown=300ms",
		"--state-dir="+t.TempDir(), "--fortianalyzer-search-timeout=20s")
	cfg.AuthURL, cfg.Username, cfg.Password = base, emulator.DemoAPIUsername, config.Secret(emulator.DemoAPIPassword)
	cfg.FortiGateCloud.URL, cfg.Flex.URL, cfg.Analyzer.URL, cfg.SOCaaS.URL = base, base, base, base
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	srv, err := mcpserver.New(&cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.HTTPHandler(mcpserver.HTTPOptions{}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "fault-matrix", Version: "1"}, nil)
	session, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: hs.URL + mcpserver.EndpointPath, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{em: em, srv: srv, http: hs, session: session, logs: logs}
	for _, d := range em.Devices() {
		if d.TunnelAlive && d.Management {
			w.device = d.SN
			break
		}
	}
	return w
}

func (w *world) close() {
	w.session.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = w.srv.Close(ctx)
	w.http.Close()
	w.em.Close()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

func (w *world) call(t *testing.T, tool string, args map[string]any) (*mcp.CallToolResult, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	began := time.Now()
	res, err := w.session.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: protocol error (the server must answer with a result): %v", tool, err)
	}
	return res, time.Since(began)
}

func text(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// toolCase is a valid call of one tool, what service it talks to and how to count its writes.
type toolCase struct {
	tool, service, emService string
	args                     func(w *world) map[string]any
	writes                   func(w *world) int // upstream changes so far (nil: a read)
}

// startsWork are reads whose first request is not idempotent (a FortiAnalyzer search start holds
// a slot when it lands), so a failure of that request is not retried.
var startsWork = map[string]bool{"faz_log_search": true}

func fortiosWrites(w *world) int {
	n := 0
	for _, r := range w.em.Requests() {
		if r.Service == "fortios" && r.Method != http.MethodGet && r.Status == http.StatusOK {
			n++
		}
	}
	return n
}

func cases() []toolCase {
	return []toolCase{
		{"list_devices", "FortiGate Cloud", "fortigatecloud", func(*world) map[string]any { return map[string]any{"limit": 5} }, nil},
		{"fortios_proxy", "FortiGate Cloud", "fortios", func(w *world) map[string]any {
			return map[string]any{"serial": w.device, "path": "/api/v2/monitor/system/status"}
		}, nil},
		{"fortios_proxy", "FortiGate Cloud", "fortios", func(w *world) map[string]any {
			return map[string]any{"serial": w.device, "method": "PUT", "path": "/api/v2/cmdb/system/global", "body": map[string]any{"admintimeout": 15}}
		}, fortiosWrites},
		{"flex_list_programs", "FortiFlex", "fortiflex", func(*world) map[string]any { return map[string]any{} }, nil},
		{"flex_list_configs", "FortiFlex", "fortiflex", func(*world) map[string]any {
			return map[string]any{"program_serial_number": emulator.DemoFlexProgramSerial}
		}, nil},
		{"flex_list_entitlements", "FortiFlex", "fortiflex", func(*world) map[string]any {
			return map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "limit": 5}
		}, nil},
		{"flex_create_vm", "FortiFlex", "fortiflex", func(*world) map[string]any {
			return map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1}
		}, func(w *world) int { return w.em.FlexCreates() }},
		{"faz_jsonrpc", "FortiAnalyzer", "fortianalyzer", func(*world) map[string]any {
			return map[string]any{"method": "get", "url": "/dvmdb/device"}
		}, nil},
		{"faz_log_search", "FortiAnalyzer", "fortianalyzer", func(*world) map[string]any {
			return map[string]any{"filter": "action==deny", "limit": 5}
		}, nil},
		{"socaas_query", "SOCaaS", "socaas", func(*world) map[string]any { return map[string]any{"resource": "alerts", "limit": 5} }, nil},
		{"socaas_add_comment", "SOCaaS", "socaas", func(*world) map[string]any {
			return map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID, "content": "fault matrix"}
		}, func(w *world) int { return w.em.SOCaaSPosts() }},
	}
}

// fault is one way upstream misbehaves, and what a failed call must then say.
type fault struct {
	name   string
	inject func(w *world, service string) (undo func())
	// condition is what an error must mention (beyond the service's name).
	condition *regexp.Regexp
	// mustSucceed: the server recovers by itself (a retry, a re-login, a new session).
	mustSucceed bool
	// readsSucceed: reads recover (a transient fault retried); writes may fail but not twice.
	readsSucceed bool
	// only limits the fault to one emulator service.
	only string
	// lockout: the account stays locked afterwards.
	lockout bool
	// failsFor: mustSucceed does not hold for this emulator service (condition applies).
	failsFor string
}

func injected(f emulator.Fault) func(w *world, service string) func() {
	return func(w *world, service string) func() {
		f := f
		f.Service = service
		id := w.em.InjectFault(f)
		return func() { w.em.RemoveFault(id) }
	}
}

func faults() []fault {
	return []fault{
		{name: "latency beyond the upstream timeout, once", inject: injected(emulator.Fault{Latency: 2500 * time.Millisecond, Times: 1}), readsSucceed: true,
			condition: regexp.MustCompile(`(?i)timeout|timed out|deadline`)},
		{name: "latency within the timeout", inject: injected(emulator.Fault{Latency: 150 * time.Millisecond}), mustSucceed: true},
		{name: "500", inject: injected(emulator.Fault{Status: 500}), condition: regexp.MustCompile(`500`)},
		{name: "503", inject: injected(emulator.Fault{Status: 503}), condition: regexp.MustCompile(`503|not sent|unreachable`)},
		{name: "503 once", inject: injected(emulator.Fault{Status: 503, Times: 1}), readsSucceed: true, condition: regexp.MustCompile(`503`)},
		{name: "429 with Retry-After", inject: injected(emulator.Fault{Status: 429, RetryAfter: "1", Times: 1}), mustSucceed: true},
		// SOCaaS's quotas are per minute: without Retry-After it waits a minute, which this
		// matrix's 20 s tool deadline does not allow, so there the call ends with the reason.
		{name: "429 without Retry-After", inject: injected(emulator.Fault{Status: 429, Times: 1}), mustSucceed: true, failsFor: "socaas",
			condition: regexp.MustCompile(`rate limited.*retry after`)},
		{name: "429 for longer than the call may wait", inject: injected(emulator.Fault{Status: 429, RetryAfter: "3600"}),
			condition: regexp.MustCompile(`429|rate limit`)},
		{name: "connection reset", inject: injected(emulator.Fault{ResetConnection: true}),
			condition: regexp.MustCompile(`(?i)reset|EOF|closed|connection|not sent|unreachable`)},
		{name: "connection reset once", inject: injected(emulator.Fault{ResetConnection: true, Times: 1}), readsSucceed: true,
			condition: regexp.MustCompile(`(?i)reset|EOF|closed|connection`)},
		{name: "reset mid-body", inject: injected(emulator.Fault{ResetMidBody: true}),
			condition: regexp.MustCompile(`(?i)reset|EOF|unexpected|reading reply|closed|not sent|unreachable`)},
		{name: "corrupt gzip", inject: injected(emulator.Fault{CorruptGzip: true}),
			condition: regexp.MustCompile(`(?i)gzip|not sent|unreachable|flate`)},
		{name: "truncated gzip", inject: injected(emulator.Fault{TruncateGzip: true}),
			condition: regexp.MustCompile(`(?i)gzip|EOF|unexpected|not sent|unreachable`)},
		{name: "malformed JSON", inject: injected(emulator.Fault{MalformedJSON: true}),
			condition: regexp.MustCompile(`(?i)JSON|envelope|unexpected|not the expected|invalid`)},
		{name: "access tokens revoked mid-flight", inject: func(w *world, _ string) func() { w.em.RevokeAccessTokens(""); return func() {} }, mustSucceed: true},
		{name: "access and refresh tokens revoked", inject: func(w *world, _ string) func() { w.em.RevokeTokens(); return func() {} }, mustSucceed: true},
		{name: "FAZ sessions expired mid-flight", only: "fortianalyzer", mustSucceed: true,
			inject: func(w *world, _ string) func() { w.em.ExpireFAZSessions(); return func() {} }},
		{name: "FAZ login-max exhausted", only: "fortianalyzer", condition: regexp.MustCompile(`(?i)login|session|max`),
			inject: func(w *world, _ string) func() {
				w.em.ExpireFAZSessions()
				w.em.HoldFAZSessions(emulator.DemoAPIUsername, 20)
				return func() { w.em.ReleaseFAZSessions(emulator.DemoAPIUsername) }
			}},
		{name: "IAM lock-out with every token revoked", lockout: true, condition: regexp.MustCompile(`(?i)locked`),
			inject: func(w *world, _ string) func() {
				w.em.RevokeTokens()
				w.em.LockOut(emulator.DemoAPIUsername)
				return func() { w.em.Unlock(emulator.DemoAPIUsername) }
			}},
	}
}

func TestFaultMatrix(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	w := start(t)
	defer w.close()
	if w.device == "" {
		t.Fatal("no reachable demo device")
	}
	// Every write tool must be in the matrix or explicitly left out (reasoned below).
	list, err := w.session.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{"approval_status": true}
	for _, c := range cases() {
		covered[c.tool] = true
	}
	// flex_update_entitlement, faz_jsonrpc writes and socaas_update_alert change state that a
	// repeat cannot re-create (a stopped entitlement cannot be stopped again); their retry rule is
	// the one flex_create_vm and socaas_add_comment exercise here.
	for _, skip := range []string{"flex_update_entitlement", "socaas_update_alert"} {
		covered[skip] = true
	}
	for _, tool := range list.Tools {
		if !covered[tool.Name] {
			t.Errorf("%s is not in the fault matrix", tool.Name)
		}
	}

	var rows []string
	for _, f := range faults() {
		for _, c := range cases() {
			if f.only != "" && f.only != c.emService {
				continue
			}
			name := fmt.Sprintf("%s/%s", f.name, c.tool)
			if c.writes != nil {
				name += "(write)"
			}
			ok := t.Run(name, func(t *testing.T) {
				before := 0
				if c.writes != nil {
					before = c.writes(w)
				}
				undo := f.inject(w, c.emService)
				res, took := w.call(t, c.tool, c.args(w))
				undo()
				got := text(res)
				// FortiAnalyzer cases begin with a login (sessions are expired between cases), and a
				// login is not sent again once it may have reached the service.
				transientOK := c.writes == nil && !startsWork[c.tool] && c.emService != "fortianalyzer"
				succeed := (f.mustSucceed && f.failsFor != c.emService) || (f.readsSucceed && transientOK)
				switch {
				case succeed && res.IsError:
					t.Errorf("should have recovered, got error after %s: %s", took.Round(time.Millisecond), got)
				case res.IsError && !strings.Contains(got, c.service):
					t.Errorf("the error does not name %s: %s", c.service, got)
				case res.IsError && f.condition != nil && !f.condition.MatchString(got):
					t.Errorf("the error does not say what happened (%s): %s", f.condition, got)
				}
				if c.writes != nil {
					if n := c.writes(w) - before; n > 1 {
						t.Errorf("the write happened %d times", n)
					}
				}
				outcome := "ok"
				if res.IsError {
					outcome = "error: " + firstLine(got)
				}
				rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", f.name, c.tool+map[bool]string{true: " (write)"}[c.writes != nil], took.Round(10*time.Millisecond), outcome))
			})
			// Whatever happened, the server still answers and the service recovers (once its
			// breaker's cooldown has passed). A lock-out is the last fault: FortiCloud locks the
			// account for minutes, and the server rightly stops trying.
			w.em.ClearFaults()
			// Logins cut off by a fault may leave FortiAnalyzer sessions behind (they count
			// against login-max until FortiAnalyzer's idle timeout): expire them, as time would.
			w.em.ExpireFAZSessions()
			if !f.lockout {
				w.recovers(t, name, c.emService)
			}
			_ = ok
		}
	}
	t.Logf("fault matrix: %d cases\n| fault | tool | took | outcome |\n|---|---|---|---|\n%s", len(rows), strings.Join(rows, "\n"))
	if strings.Contains(w.logs.String(), "panic") {
		t.Error("the server logged a panic")
	}
}

// probes are a read per emulator service, to see the service usable again.
var probes = map[string]struct {
	tool string
	args map[string]any
}{
	"fortigatecloud": {"list_devices", map[string]any{"limit": 1}},
	"fortios":        {"list_devices", map[string]any{"limit": 1}},
	"fortiflex":      {"flex_list_programs", map[string]any{}},
	"fortianalyzer":  {"faz_jsonrpc", map[string]any{"method": "get", "url": "/sys/status"}},
	"socaas":         {"socaas_query", map[string]any{"resource": "alerts", "limit": 1}},
}

// recovers checks the server still serves and the faulted service is usable again once its
// breaker's cooldown (300 ms here) has passed.
func (w *world) recovers(t *testing.T, after, service string) {
	t.Helper()
	for _, p := range []string{"fortigatecloud", service} {
		probe := probes[p]
		for try := 0; ; try++ {
			res, _ := w.call(t, probe.tool, probe.args)
			if !res.IsError {
				break
			}
			if try == 6 {
				t.Fatalf("after %s, %s does not recover: %s", after, probe.tool, text(res))
			}
			time.Sleep(350 * time.Millisecond)
		}
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return strings.ReplaceAll(s, "|", "/")
}

// TestCancellationReachesUpstream: when the client cancels a tool call, the upstream request is
// cancelled too (the emulator sees its client go away) and nothing leaks.
func TestCancellationReachesUpstream(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	w := start(t)
	defer w.close()
	w.em.InjectFault(emulator.Fault{Service: "fortigatecloud", Latency: 20 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := w.session.CallTool(ctx, &mcp.CallToolParams{Name: "list_devices", Arguments: map[string]any{}})
	if err == nil {
		t.Fatal("the call was not cancelled")
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range w.em.Requests() {
			if r.Service == "fortigatecloud" && r.Status == 0 {
				t.Logf("upstream request abandoned %s after the call began", time.Since(began).Round(time.Millisecond))
				w.em.ClearFaults()
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the upstream request was not cancelled with the tool call")
}

var _ = io.Discard
