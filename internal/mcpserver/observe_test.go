//lint:file-ignore SA1019 MCP logging is deprecated from protocol 2026-07-28 (SEP-2577) but served through its deprecation window: these tests exercise it on purpose.

package mcpserver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"github.com/mark3labs/mcp-go/mcp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	dto "github.com/prometheus/client_model/go"

	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

const (
	callerToken  = "caller-token-0123456789"
	metricsToken = "metrics-token-9876543210"
)

// observed is a server with every service pointed at an emulator, behind its HTTP handler.
type observed struct {
	srv *Server
	em  *emulator.Emulator
	hs  *httptest.Server
}

func startObserved(t *testing.T, args ...string) *observed {
	t.Helper()
	em := emulator.New(emulator.Options{SOCaaSGetPerMinute: 100000, SOCaaSPostPerMinute: 100000})
	base, err := em.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	var cfg config.Config
	parser, err := kong.New(&cfg, kong.Exit(func(int) { t.Fatal("kong exited") }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse(append([]string{"--state-dir=" + t.TempDir(), "--approvals-listen=off", "--upstream-timeout=5s", "--tool-timeout=30s"}, args...)); err != nil {
		t.Fatal(err)
	}
	cfg.AuthURL, cfg.Username, cfg.Password = base, emulator.DemoAPIUsername, config.Secret(emulator.DemoAPIPassword)
	cfg.FortiGateCloud.URL, cfg.Flex.URL, cfg.Analyzer.URL, cfg.SOCaaS.URL = base, base, base, base
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := New(&cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.HTTPHandler(HTTPOptions{Token: callerToken, MetricsToken: metricsToken}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Close(ctx)
		hs.Close()
	})
	return &observed{srv: s, em: em, hs: hs}
}

type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// logs collects the log notifications a client receives.
type logs struct {
	mu   sync.Mutex
	msgs []*sdk.LoggingMessageParams
}

func (l *logs) handle(_ context.Context, req *sdk.LoggingMessageRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, req.Params)
}

func (l *logs) all() []*sdk.LoggingMessageParams {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*sdk.LoggingMessageParams(nil), l.msgs...)
}

// connect is a go-sdk client session over HTTP (protocol 2025-11-25, with logging/setLevel).
func (o *observed) connect(t *testing.T) (*sdk.ClientSession, *logs) {
	t.Helper()
	got := &logs{}
	c := sdk.NewClient(&sdk.Implementation{Name: "observe-test", Version: "1"}, &sdk.ClientOptions{LoggingMessageHandler: got.handle})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	session, err := c.Connect(ctx, &sdk.StreamableClientTransport{Endpoint: o.hs.URL + EndpointPath, MaxRetries: -1,
		HTTPClient: &http.Client{Transport: bearerTransport{callerToken}}}, &sdk.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { session.Close() })
	return session, got
}

func call(t *testing.T, s *sdk.ClientSession, tool string, args map[string]any) *sdk.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}

func text(r *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func readiness(t *testing.T, base string) (int, Readiness) {
	t.Helper()
	code, body := get(t, base+ReadyzPath, "")
	var r Readiness
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("/readyz: %v: %s", err, body)
	}
	if strings.Contains(body, "127.0.0.1") || strings.Contains(body, emulator.DemoAPIPassword) {
		t.Errorf("/readyz tells an address or a secret: %s", body)
	}
	return code, r
}

func TestReadyzFollowsTheCircuitBreaker(t *testing.T) {
	o := startObserved(t, "--breaker-threshold=2", "--breaker-cooldown=1m")
	code, r := readiness(t, o.hs.URL) // no caller token: the probes are exempt
	if code != 200 || !r.Ready {
		t.Fatalf("/readyz of a fresh server: %d %+v", code, r)
	}
	for _, name := range []string{"server", "approvals", config.FortiGateCloud, config.FortiFlex, config.FortiAnalyzer, config.SOCaaS} {
		if r.Checks[name] != "ok" {
			t.Errorf("check %s: %q, want ok", name, r.Checks[name])
		}
	}
	if code, body := get(t, o.hs.URL+HealthzPath, ""); code != 200 || body != "ok\n" {
		t.Errorf("/healthz: %d %q", code, body)
	}

	session, _ := o.connect(t)
	o.em.InjectFault(emulator.Fault{Service: "fortiflex", Status: http.StatusServiceUnavailable})
	if res := call(t, session, "flex_list_programs", map[string]any{}); !res.IsError {
		t.Fatalf("flex_list_programs succeeded through a 503: %s", text(res))
	}
	code, r = readiness(t, o.hs.URL)
	if code != http.StatusServiceUnavailable || r.Ready || len(r.NotReady) != 1 || r.NotReady[0] != config.FortiFlex {
		t.Fatalf("/readyz with FortiFlex failing: %d %+v", code, r)
	}
	if !strings.Contains(r.Checks[config.FortiFlex], "circuit open") || !strings.Contains(r.Checks[config.FortiFlex], "HTTP 503") {
		t.Errorf("FortiFlex check: %q", r.Checks[config.FortiFlex])
	}
	if r.Checks[config.FortiGateCloud] != "ok" {
		t.Errorf("FortiGate Cloud check: %q", r.Checks[config.FortiGateCloud])
	}
	// Readiness and the breaker agree: the next call is not even sent.
	if res := call(t, session, "flex_list_programs", map[string]any{}); !strings.Contains(text(res), "not sent") {
		t.Errorf("the breaker is not open while /readyz says so: %s", text(res))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = o.srv.Close(ctx)
	code, r = readiness(t, o.hs.URL)
	if code != http.StatusServiceUnavailable || r.Checks["server"] != "shutting down" || r.Checks["approvals"] == "ok" {
		t.Errorf("/readyz of a closed server: %d %+v", code, r)
	}
}

func TestMetricsListener(t *testing.T) {
	s := testServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, err := s.StartMetrics(ctx, "127.0.0.1:0", metricsToken)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, base+MetricsPath, ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without the metrics token: %d", code)
	}
	if code, body := get(t, base+MetricsPath, metricsToken); code != 200 || !strings.Contains(body, "forticloud_mcp_build_info") {
		t.Errorf("/metrics: %d %.200s", code, body)
	}
	if code, r := readiness(t, base); code != 200 || !r.Ready {
		t.Errorf("/readyz: %d %+v", code, r)
	}
	if code, _ := get(t, base+EndpointPath, metricsToken); code != http.StatusNotFound {
		t.Errorf("the metrics listener serves %s: %d", EndpointPath, code)
	}
	if _, err := s.StartMetrics(ctx, "nonsense", ""); err == nil {
		t.Error("StartMetrics took an address without a port")
	}
}

func TestServiceHealthMirrorsTheBreaker(t *testing.T) {
	now := time.Unix(1000, 0)
	h := &serviceHealth{name: "x", threshold: 3, cooldown: 10 * time.Second, now: func() time.Time { return now }}
	for range 2 {
		h.record(true, "HTTP 503")
	}
	if ok, _ := h.state(); !ok {
		t.Fatal("open before the threshold")
	}
	h.record(false, "")
	h.record(true, "HTTP 503")
	h.record(true, "HTTP 503")
	if ok, _ := h.state(); !ok {
		t.Fatal("a success did not reset the count")
	}
	h.record(true, "timeout")
	if ok, why := h.state(); ok || !strings.Contains(why, "last: timeout") || !strings.Contains(why, "10s") {
		t.Fatalf("at the threshold: %v %q", ok, why)
	}
	now = now.Add(10 * time.Second)
	if ok, _ := h.state(); !ok {
		t.Fatal("still open after the cooldown (the breaker lets a probe through)")
	}
	h.record(true, "HTTP 502") // the probe failed
	if ok, _ := h.state(); ok {
		t.Fatal("a failed probe did not open it again")
	}
}

// family finds a metric family by name.
func family(fams []*dto.MetricFamily, name string) *dto.MetricFamily {
	for _, f := range fams {
		if f.GetName() == name {
			return f
		}
	}
	return nil
}

// sample is the value of the series of name whose labels include want: a counter's or gauge's
// value, a histogram's sample count. -1 when there is none.
func sample(fams []*dto.MetricFamily, name string, want map[string]string) float64 {
	f := family(fams, name)
	if f == nil {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

func TestMetricsCountToolsUpstreamAndTokens(t *testing.T) {
	o := startObserved(t)
	session, _ := o.connect(t)
	call(t, session, "list_devices", map[string]any{"limit": 5})
	call(t, session, "list_devices", map[string]any{"limit": 1})
	call(t, session, "flex_list_programs", map[string]any{})
	call(t, session, "faz_jsonrpc", map[string]any{"method": "get", "url": "/dvmdb/device"})
	if res := call(t, session, "list_devices", map[string]any{"limit": "many"}); !res.IsError {
		t.Fatal("list_devices took a string limit")
	}
	// A write waits for a person (the client cannot elicit): held.
	if res := call(t, session, "flex_create_vm", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1}); !strings.Contains(text(res), "approval") {
		t.Fatalf("flex_create_vm was not held: %s", text(res))
	}
	// One 503 on a read: the guard sends it again.
	o.em.InjectFault(emulator.Fault{Service: "socaas", Status: http.StatusServiceUnavailable, Times: 1})
	if res := call(t, session, "socaas_query", map[string]any{"resource": "alerts", "limit": 5}); res.IsError {
		t.Fatalf("socaas_query after one 503: %s", text(res))
	}

	fams, err := o.srv.obs.metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64 // -2: at least 1
	}{
		{"forticloud_mcp_tool_calls_total", map[string]string{"tool": "list_devices", "outcome": "ok"}, 2},
		{"forticloud_mcp_tool_calls_total", map[string]string{"tool": "list_devices", "outcome": "tool_error"}, 1},
		{"forticloud_mcp_tool_calls_total", map[string]string{"tool": "flex_list_programs", "outcome": "ok"}, 1},
		{"forticloud_mcp_tool_calls_total", map[string]string{"tool": "flex_create_vm", "outcome": "held"}, 1},
		{"forticloud_mcp_tool_calls_total", map[string]string{"tool": "socaas_query", "outcome": "ok"}, 1},
		{"forticloud_mcp_tool_call_duration_seconds", map[string]string{"tool": "list_devices"}, 3},
		{"forticloud_mcp_tool_call_duration_seconds", map[string]string{"tool": "faz_jsonrpc"}, 1},
		{"forticloud_mcp_upstream_requests_total", map[string]string{"service": "fortigatecloud", "method": "GET", "code": "200"}, 2},
		{"forticloud_mcp_upstream_requests_total", map[string]string{"service": "socaas", "code": "503"}, 1},
		{"forticloud_mcp_upstream_requests_total", map[string]string{"service": "socaas", "code": "200"}, 1},
		{"forticloud_mcp_upstream_requests_total", map[string]string{"service": "fortianalyzer", "method": "POST", "code": "200"}, -2},
		{"forticloud_mcp_upstream_request_duration_seconds", map[string]string{"service": "fortiflex"}, -2},
		{"forticloud_mcp_upstream_retries_total", map[string]string{"service": "socaas"}, 1},
		{"forticloud_mcp_token_requests_total", map[string]string{"client_id": "fortigatecloud", "grant_type": "password", "code": "200"}, 1},
		{"forticloud_mcp_token_requests_total", map[string]string{"client_id": "flexvm", "grant_type": "password", "code": "200"}, 1},
		{"forticloud_mcp_token_requests_total", map[string]string{"client_id": "FortiAnalyzer", "grant_type": "password", "code": "200"}, 1},
		{"forticloud_mcp_token_requests_total", map[string]string{"client_id": "socaas", "grant_type": "password", "code": "200"}, 1},
		{"forticloud_mcp_fortianalyzer_sessions", nil, 1},
		{"forticloud_mcp_fortianalyzer_max_sessions", nil, 1},
		{"forticloud_mcp_approvals_pending", nil, 1},
		{"forticloud_mcp_service_ready", map[string]string{"service": "fortiflex"}, 1},
		{"forticloud_mcp_build_info", nil, 1},
		{"go_goroutines", nil, -2},
		{"process_open_fds", nil, -2},
	} {
		got := sample(fams, c.name, c.labels)
		if c.want == -2 && got >= 1 || got == c.want {
			continue
		}
		t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
	}
	if f := family(fams, "forticloud_mcp_upstream_requests_total"); f != nil {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), "/") {
					t.Errorf("a label holds a path: %s=%q", l.GetName(), l.GetValue())
				}
			}
		}
	}

	// Over HTTP: the caller token or the metrics token, nothing else; no secret in the body.
	if code, _ := get(t, o.hs.URL+MetricsPath, ""); code != http.StatusUnauthorized {
		t.Errorf("/metrics without a token: %d", code)
	}
	if code, _ := get(t, o.hs.URL+MetricsPath, "wrong"); code != http.StatusUnauthorized {
		t.Errorf("/metrics with a wrong token: %d", code)
	}
	if code, _ := get(t, o.hs.URL+EndpointPath, metricsToken); code != http.StatusUnauthorized {
		t.Errorf("the metrics token opened /mcp: %d", code)
	}
	if code, _ := get(t, o.hs.URL+MetricsPath, callerToken); code != 200 {
		t.Errorf("/metrics with the caller token: %d", code)
	}
	code, body := get(t, o.hs.URL+MetricsPath, metricsToken)
	if code != 200 || !strings.Contains(body, `forticloud_mcp_tool_calls_total{outcome="held",tool="flex_create_vm"} 1`) {
		t.Fatalf("/metrics: %d\n%s", code, body)
	}
	tokens := o.em.IssuedTokens()
	if len(tokens) == 0 {
		t.Fatal("the emulator issued no token")
	}
	for _, secret := range append(tokens, emulator.DemoAPIPassword, callerToken, metricsToken, o.srv.ConsoleToken()) {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics holds a secret (%d characters)", len(secret))
		}
	}
}

func TestMetricsCountRefusedWrites(t *testing.T) {
	o := startObserved(t, "--read-only")
	session, got := o.connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := session.SetLoggingLevel(ctx, &sdk.SetLoggingLevelParams{Level: "notice"}); err != nil {
		t.Fatal(err)
	}
	tools, err := session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var write string
	for _, tl := range tools.Tools {
		if tl.Name == "fortios_proxy" {
			write = tl.Name
		}
	}
	if write == "" {
		t.Fatal("no fortios_proxy in read-only mode")
	}
	var device string
	for _, d := range o.em.Devices() {
		if d.TunnelAlive && d.Management {
			device = d.SN
		}
	}
	res := call(t, session, write, map[string]any{"serial": device, "method": "PUT", "path": "/api/v2/cmdb/system/global", "body": map[string]any{"admintimeout": 15}})
	if !res.IsError {
		t.Fatalf("a write ran in read-only mode: %s", text(res))
	}
	fams, err := o.srv.obs.metrics.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	if v := sample(fams, "forticloud_mcp_tool_calls_total", map[string]string{"tool": write, "outcome": "refused"}); v != 1 {
		t.Errorf("refused writes counted %v, want 1 (result: %s)", v, text(res))
	}
	if !waitFor(func() bool { return hasLog(got.all(), "warning", "read-only") }) {
		t.Errorf("no warning about the refused write: %+v", got.all())
	}
}

func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func hasLog(msgs []*sdk.LoggingMessageParams, level sdk.LoggingLevel, part string) bool {
	for _, m := range msgs {
		if m.Level == level && strings.Contains(logMessage(m), part) {
			return true
		}
	}
	return false
}

func logMessage(m *sdk.LoggingMessageParams) string {
	d, _ := m.Data.(map[string]any)
	s, _ := d["message"].(string)
	return s
}

func TestObservabilityNotifications(t *testing.T) {
	o := startObserved(t)
	session, got := o.connect(t)

	// mcp-go's default level is error: a failed FortiAnalyzer login reaches the client unasked.
	o.em.InjectFault(emulator.Fault{Service: "fortianalyzer", PathPrefix: "/p/forticloud_jsonrpc_login", Status: http.StatusUnauthorized})
	if res := call(t, session, "faz_jsonrpc", map[string]any{"method": "get", "url": "/dvmdb/device"}); !res.IsError {
		t.Fatalf("faz_jsonrpc without a login: %s", text(res))
	}
	if !waitFor(func() bool { return hasLog(got.all(), "error", "login failed: HTTP 401") }) {
		t.Errorf("no error notification for the failed login: %+v", got.all())
	}
	for _, m := range got.all() {
		if m.Level != "error" && m.Level != "critical" && m.Level != "alert" && m.Level != "emergency" {
			t.Errorf("below the default level: %+v", m)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := session.SetLoggingLevel(ctx, &sdk.SetLoggingLevelParams{Level: "debug"}); err != nil {
		t.Fatal(err)
	}
	call(t, session, "flex_create_vm", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1})
	call(t, session, "list_devices", map[string]any{"limit": 1})
	if !waitFor(func() bool {
		msgs := got.all()
		return hasLog(msgs, "notice", "flex_create_vm waits for a person's approval") && hasLog(msgs, "debug", "FortiGate Cloud GET")
	}) {
		for _, m := range got.all() {
			t.Logf("%s %s: %s", m.Level, m.Logger, logMessage(m))
		}
		t.Error("no held-write notice or upstream debug line")
	}
	for _, m := range got.all() {
		raw, _ := json.Marshal(m)
		for _, secret := range append(o.em.IssuedTokens(), emulator.DemoAPIPassword, callerToken) {
			if strings.Contains(string(raw), secret) {
				t.Errorf("a notification holds a secret: %s", raw)
			}
		}
		if strings.Contains(string(raw), "127.0.0.1") {
			t.Errorf("a notification holds an address: %s", raw)
		}
	}
}

func TestClassifyOutcomes(t *testing.T) {
	for _, c := range []struct {
		res  *mcp.CallToolResult
		err  error
		want string
	}{
		{nil, io.EOF, outcomeError},
		{mcp.NewToolResultText("fine"), nil, outcomeOK},
		{mcp.NewToolResultError("t: FortiFlex answered 404"), nil, outcomeToolError},
		{mcp.NewToolResultError("t: refused: read-only mode"), nil, outcomeRefused},
		{mcp.NewToolResultError("other: refused: not this tool's prefix"), nil, outcomeToolError},
		{&mcp.CallToolResult{IsError: true, StructuredContent: map[string]any{"approval_id": "ap-x", "status": "pending"}}, nil, outcomeHeld},
		{&mcp.CallToolResult{Result: mcp.Result{ResultType: mcp.ResultTypeInputRequired}}, nil, outcomeInputRequired},
	} {
		if got := classify("t", c.res, c.err); got != c.want {
			t.Errorf("classify(%+v, %v) = %s, want %s", c.res, c.err, got, c.want)
		}
	}
}
