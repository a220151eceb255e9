package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	sjs "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

// protocols: the go-sdk's default (2026-07-28, stateless) and the previous handshake.
var protocols = []string{"", "2025-11-25"}

type transportCase struct {
	name  string
	start func(t *testing.T, w *world, protocol string, args ...string) *server
}

var transports = []transportCase{
	{"stdio", func(t *testing.T, w *world, p string, args ...string) *server {
		return startStdio(t, w.env(), p, args...)
	}},
	{"http", func(t *testing.T, w *world, p string, args ...string) *server {
		return startHTTP(t, w.env("FORTICLOUD_MCP_HTTP_TOKEN=caller-secret-token"), p, "caller-secret-token", args...)
	}},
	{"http-stateless", func(t *testing.T, w *world, p string, args ...string) *server {
		return startHTTP(t, w.env(), p, "", append(args, "--http-stateless")...)
	}},
}

func eachTransport(t *testing.T, f func(t *testing.T, w *world, s *server)) {
	for _, tr := range transports {
		for _, p := range protocols {
			name := tr.name + "/" + p
			if p == "" {
				name = tr.name + "/latest"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				w := newWorld(t)
				f(t, w, tr.start(t, w, p))
			})
		}
	}
}

// outputValidator checks structuredContent against the advertised outputSchema (the go-sdk
// client does not; mcp-testing.md).
func outputValidator(t *testing.T, tool *mcp.Tool) *sjs.Schema {
	t.Helper()
	raw, _ := json.Marshal(tool.OutputSchema)
	doc, err := sjs.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := sjs.NewCompiler()
	if err := c.AddResource("mem:///"+tool.Name, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("mem:///" + tool.Name)
	if err != nil {
		t.Fatalf("%s output schema: %v", tool.Name, err)
	}
	return s
}

func checkOutput(t *testing.T, s *sjs.Schema, r *mcp.CallToolResult) {
	t.Helper()
	raw, _ := json.Marshal(r.StructuredContent)
	v, err := sjs.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Fatalf("structuredContent does not match outputSchema: %v\n%s", err, raw)
	}
}

func TestListsToolsAndCallsThem(t *testing.T) {
	eachTransport(t, func(t *testing.T, w *world, s *server) {
		ctx := context.Background()
		list, err := s.session.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		tools := map[string]*mcp.Tool{}
		for _, tool := range list.Tools {
			tools[tool.Name] = tool
			schema, _ := tool.InputSchema.(map[string]any)
			if schema["type"] != "object" || schema["additionalProperties"] != false {
				t.Errorf("%s: input schema %v", tool.Name, schema)
			}
			// readOnlyHint is always sent; a write must also say whether it is destructive. The
			// other hints are sent only where they differ from the spec's defaults.
			a := tool.Annotations
			if a == nil || !a.ReadOnlyHint && a.DestructiveHint == nil {
				t.Errorf("%s: annotations %+v", tool.Name, a)
			}
		}
		if tools["list_devices"] == nil || tools["fortios_proxy"] == nil {
			t.Fatalf("tools: %v", tools)
		}
		if !tools["list_devices"].Annotations.ReadOnlyHint || tools["fortios_proxy"].Annotations.ReadOnlyHint {
			t.Errorf("read-only hints wrong")
		}

		res := s.call(t, "list_devices", map[string]any{"limit": 5})
		if res.IsError {
			t.Fatal(resultText(res))
		}
		checkOutput(t, outputValidator(t, tools["list_devices"]), res)
		var page struct {
			Devices    []map[string]any `json:"devices"`
			Total      int              `json:"total"`
			Returned   int              `json:"returned"`
			Truncated  bool             `json:"truncated"`
			NextOffset int              `json:"next_offset"`
		}
		structured(t, res, &page)
		if page.Total < 50 || page.Returned != 5 || !page.Truncated || page.NextOffset != 5 || page.Devices[1]["sn"] == "" {
			t.Fatalf("page %+v", page)
		}
		if !strings.HasPrefix(resultText(res), "5 of ") {
			t.Errorf("text rendering %q", resultText(res)[:40])
		}

		sn := w.liveDevice(t)
		res = s.call(t, "fortios_proxy", map[string]any{"serial": sn, "path": "/api/v2/monitor/system/status"})
		if res.IsError {
			t.Fatal(resultText(res))
		}
		checkOutput(t, outputValidator(t, tools["fortios_proxy"]), res)
		var pr struct {
			HTTPStatus int `json:"http_status"`
			Response   struct {
				Serial string `json:"serial"`
				Status string `json:"status"`
			} `json:"response"`
		}
		structured(t, res, &pr)
		if pr.HTTPStatus != 200 || pr.Response.Serial != sn || pr.Response.Status != "success" {
			t.Fatalf("proxy result %+v", pr)
		}
	})
}

func TestGzipVariantsAreDecoded(t *testing.T) {
	w := newWorld(t)
	modes := map[string]emulator.GzipMode{"FGT60FTK00000001": emulator.GzipWithHeader, "FGT60FTK00000002": emulator.GzipWithoutHeader, "FGT60FTK00000003": emulator.GzipOff}
	for sn, mode := range modes {
		w.em.AddDevice(emulator.Device{SN: sn, Name: "gzip-" + mode.String(), Model: "FortiGate 60F", FirmwareVersion: "7.4.4", TunnelAlive: true, Management: true, Gzip: mode})
	}
	s := startStdio(t, w.env(), "")
	for sn, mode := range modes {
		res := s.call(t, "fortios_proxy", map[string]any{"serial": sn, "path": "/api/v2/cmdb/firewall/address", "query": map[string]any{"count": "3"}})
		var pr struct {
			HTTPStatus int `json:"http_status"`
			Response   struct {
				Results []map[string]any `json:"results"`
				Serial  string           `json:"serial"`
			} `json:"response"`
		}
		structured(t, res, &pr)
		if res.IsError || pr.HTTPStatus != 200 || pr.Response.Serial != sn || len(pr.Response.Results) == 0 {
			t.Errorf("%s (%s): %s", sn, mode, resultText(res))
		}
	}
}

func TestConcurrentCallsOnAFreshServerLogInOnce(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			w := newWorld(t)
			s := tr.start(t, w, "")
			var wg sync.WaitGroup
			errs := make(chan string, 30)
			for range 30 {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					res, err := s.session.CallTool(ctx, &mcp.CallToolParams{Name: "list_devices", Arguments: map[string]any{"limit": 10}})
					if err != nil {
						errs <- err.Error()
					} else if res.IsError {
						errs <- resultText(res)
					}
				})
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
			if n := w.em.TokenGrants("fortigatecloud"); n != 1 {
				t.Fatalf("30 concurrent calls caused %d token grants, want 1", n)
			}
		})
	}
}

func TestBadInputNeverReachesUpstream(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, w.env(), "")
	// Warm up: the login and one call are the only upstream traffic we expect.
	if res := s.call(t, "list_devices", map[string]any{"limit": 1}); res.IsError {
		t.Fatal(resultText(res))
	}
	before := w.em.RequestCount()
	cases := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"list_devices", map[string]any{"limit": 0}, "limit must be at least 1"},
		{"list_devices", map[string]any{"limit": 5000}, "limit must be at most 1000"},
		{"list_devices", map[string]any{"limit": "many"}, "limit must be an integer"},
		{"list_devices", map[string]any{"bogus": true}, "bogus is not an argument"},
		{"fortios_proxy", map[string]any{"path": "/api/v2/monitor/system/status"}, "serial is required"},
		{"fortios_proxy", map[string]any{"serial": "FGT1"}, "path is required"},
		{"fortios_proxy", map[string]any{"serial": 42, "path": "/api/v2/monitor/system/status"}, "serial must be a string"},
		{"fortios_proxy", map[string]any{"serial": "FGT1;rm", "path": "/api/v2/monitor/system/status"}, "serial must match"},
		{"fortios_proxy", map[string]any{"serial": "FGT1", "path": "/api/v2/../../../devices"}, "'..'"},
		{"fortios_proxy", map[string]any{"serial": "FGT1", "path": "/api/v2/%2e%2e/%2e%2e/devices"}, "'..'"},
		{"fortios_proxy", map[string]any{"serial": "FGT1", "path": "/api/v2/%252e%252e/devices"}, "'..'"},
		{"fortios_proxy", map[string]any{"serial": "FGT1", "path": "/api/v2//x/y"}, "'//'"},
		{"fortios_proxy", map[string]any{"serial": "FGT1", "path": "https://evil.example/api/v2/x"}, "path"},
		{"fortios_proxy", map[string]any{"serial": "FGT1", "path": "/api/v2/monitor/x?vdom=*"}, "query string"},
		{"fortios_proxy", map[string]any{"serial": "FGT1", "path": "/api/v2/monitor/x%3fvdom=*"}, "query string"},
		{"fortios_proxy", map[string]any{"serial": "FGT1", "path": "/api/v2/monitor/x", "method": "TRACE"}, "method must be one of"},
		{"fortios_proxy", map[string]any{"serial": "FGT1", "path": "/api/v2/cmdb/firewall/address", "method": "POST", "body": map[string]any{"name": "x"}}, "approval"},
	}
	for _, c := range cases {
		res := s.call(t, c.tool, c.args)
		if !res.IsError || !strings.Contains(resultText(res), c.want) {
			t.Errorf("%s %v: isError=%v %q, want %q", c.tool, c.args, res.IsError, resultText(res), c.want)
		}
	}
	if after := w.em.RequestCount(); after != before {
		t.Fatalf("bad input caused %d upstream requests", after-before)
	}
}

func TestReadOnlyModeRefusesWrites(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, w.env("FORTICLOUD_MCP_READ_ONLY=true"), "")
	before := w.em.RequestCount()
	res := s.call(t, "fortios_proxy", map[string]any{"serial": "FGT1", "path": "/api/v2/cmdb/firewall/address/x", "method": "DELETE"})
	if !res.IsError || !strings.Contains(resultText(res), "read-only mode") {
		t.Fatalf("%q", resultText(res))
	}
	if w.em.RequestCount() != before {
		t.Fatal("a refused write reached upstream")
	}
}

func TestUpstreamFailuresAreClearToolErrors(t *testing.T) {
	w := newWorld(t)
	var down, unmanaged string
	for _, d := range w.em.Devices() {
		if !d.TunnelAlive && down == "" {
			down = d.SN
		}
	}
	w.em.AddDevice(emulator.Device{SN: "FGT60FTK00000009", Name: "unmanaged", Model: "FortiGate 60F", FirmwareVersion: "7.4.4", TunnelAlive: true, Management: false})
	unmanaged = "FGT60FTK00000009"
	s := startStdio(t, w.env(), "")
	for _, c := range []struct {
		args map[string]any
		want []string
	}{
		{map[string]any{"serial": down, "path": "/api/v2/monitor/system/status"}, []string{"FortiGate Cloud", "HTTP 5"}},
		{map[string]any{"serial": unmanaged, "path": "/api/v2/monitor/system/status"}, []string{"FortiGate Cloud"}},
		{map[string]any{"serial": "FGT00NOSUCHDEV00", "path": "/api/v2/monitor/system/status"}, []string{"FortiGate Cloud", "404"}},
	} {
		res := s.call(t, "fortios_proxy", c.args)
		for _, want := range c.want {
			if !res.IsError || !strings.Contains(resultText(res), want) {
				t.Errorf("%v: %q, want %q", c.args, resultText(res), want)
			}
		}
	}
	// A FortiOS-level error (unknown object) is FortiOS's answer, passed through with its status.
	live := w.liveDevice(t)
	res := s.call(t, "fortios_proxy", map[string]any{"serial": live, "path": "/api/v2/cmdb/firewall/address/no-such-object"})
	var pr struct {
		HTTPStatus int `json:"http_status"`
	}
	structured(t, res, &pr)
	if pr.HTTPStatus != 404 {
		t.Errorf("FortiOS 404: %s", resultText(res))
	}
}

func TestUserWithoutFortiGateCloudAdminGetsInvalidClient(t *testing.T) {
	w := newWorld(t)
	w.em.AddAPIUser(emulator.APIUser{Username: "11111111-2222-3333-4444-555555555555", Password: "read-only-user-pass1!A", Portals: map[string]string{"fortigatecloud": "Read"}})
	env := w.env("FORTICLOUD_API_USERNAME=11111111-2222-3333-4444-555555555555", "FORTICLOUD_API_PASSWORD=read-only-user-pass1!A")
	s := startStdio(t, env, "")
	res := s.call(t, "list_devices", nil)
	if !res.IsError || !strings.Contains(resultText(res), "invalid_client") || !strings.Contains(resultText(res), "Admin") {
		t.Fatalf("%q", resultText(res))
	}
	if n := w.em.PasswordGrants("fortigatecloud"); n != 1 {
		t.Fatalf("invalid_client caused %d logins, want 1", n)
	}
}

func TestRevokedTokenIsReplacedOnce(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, w.env(), "")
	if res := s.call(t, "list_devices", map[string]any{"limit": 1}); res.IsError {
		t.Fatal(resultText(res))
	}
	w.em.RevokeTokens()
	if res := s.call(t, "list_devices", map[string]any{"limit": 1}); res.IsError {
		t.Fatalf("after revocation: %s", resultText(res))
	}
	if n := w.em.PasswordGrants("fortigatecloud") + w.em.RefreshGrants("fortigatecloud"); n != 2 {
		t.Fatalf("%d grants, want 2 (the first login and one after the 401)", n)
	}
	iam := 0
	for _, r := range w.em.Requests() {
		if r.Service == "iam" {
			iam++
		}
	}
	// The revoked refresh token fails (1), then one password grant (1), after the first login (1).
	if iam > 3 {
		t.Fatalf("%d IAM requests, want at most 3", iam)
	}
}

func TestWrongPasswordIsNotRetried(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, w.env("FORTICLOUD_API_PASSWORD=definitely-wrong-pass"), "")
	for range 5 {
		res := s.call(t, "list_devices", nil)
		if !res.IsError || !strings.Contains(resultText(res), "invalid_grant") {
			t.Fatalf("%q", resultText(res))
		}
	}
	var fails int
	for _, r := range w.em.Requests() {
		if r.Service == "iam" {
			fails++
		}
	}
	if fails != 1 {
		t.Fatalf("%d IAM requests for 5 calls with a wrong password, want 1 (no retry loop: the account would lock)", fails)
	}
}

// TestNoSecretsInResultsOrLogs runs every tool on success and error paths with debug logging and
// checks that no password or token appears in any result or log line.
func TestNoSecretsInResultsOrLogs(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, w.env(), "")
	live := w.liveDevice(t)
	var out strings.Builder
	for _, args := range []struct {
		tool string
		args map[string]any
	}{
		{"list_devices", map[string]any{"limit": 1000}},
		{"list_devices", map[string]any{"limit": -1}},
		{"fortios_proxy", map[string]any{"serial": live, "path": "/api/v2/cmdb/system/admin"}},
		{"fortios_proxy", map[string]any{"serial": live, "path": "/api/v2/cmdb/vpn.ipsec/phase1-interface"}},
		{"fortios_proxy", map[string]any{"serial": live, "path": "/api/v2/cmdb/system/ha"}},
		{"fortios_proxy", map[string]any{"serial": live, "path": "/api/v2/../x"}},
		{"fortios_proxy", map[string]any{"serial": "FGT00NOSUCHDEV00", "path": "/api/v2/monitor/system/status"}},
	} {
		res := s.call(t, args.tool, args.args)
		raw, _ := json.Marshal(res)
		out.Write(raw)
	}
	w.em.RevokeTokens()
	res := s.call(t, "list_devices", nil)
	raw, _ := json.Marshal(res)
	out.Write(raw)
	s.session.Close()
	all := out.String() + s.stderr.String()
	for _, secret := range append(w.em.IssuedTokens(), emulator.DemoAPIPassword) {
		if strings.Contains(all, secret) {
			t.Fatalf("secret %q… found in results or logs", secret[:4])
		}
	}
	if strings.Contains(all, "ENC ") {
		t.Fatal("an ENC secret value from a device reached a result")
	}
	if !strings.Contains(s.stderr.String(), "level=DEBUG") {
		t.Fatal("debug logs were not captured; the test would prove nothing")
	}
}

// TestStdioWritesOnlyProtocolToStdout drives the server with raw JSON-RPC lines and checks that
// every line on stdout is a JSON-RPC 2.0 message, with debug logging on.
func TestStdioWritesOnlyProtocolToStdout(t *testing.T) {
	w := newWorld(t)
	cmd := exec.Command(binary, "serve")
	cmd.Env = w.env()
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	msgs := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_devices","arguments":{"limit":2}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"fortios_proxy","arguments":{"serial":"x/y","path":"/api/v2/x"}}}`,
		`{"jsonrpc":"2.0","id":5,"method":"no/such/method"}`,
	}
	go func() {
		for _, m := range msgs {
			_, _ = io.WriteString(stdin, m+"\n")
			time.Sleep(50 * time.Millisecond)
		}
	}()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	seen := map[float64]bool{}
	deadline := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
	defer deadline.Stop()
	for len(seen) < 5 && sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil || m["jsonrpc"] != "2.0" {
			t.Fatalf("stdout line is not JSON-RPC 2.0: %q", sc.Text())
		}
		if id, ok := m["id"].(float64); ok {
			seen[id] = true
		}
	}
	stdin.Close()
	_ = cmd.Wait()
	if len(seen) < 5 {
		t.Fatalf("answers for %v only; stderr:\n%s", seen, stderr)
	}
	if !strings.Contains(stderr.String(), "level=") {
		t.Fatal("no logs on stderr")
	}
}

func TestHTTPSecurity(t *testing.T) {
	w := newWorld(t)
	url, _ := startHTTPProcess(t, w.env(), "--http-token", "caller-secret-token", "--http-allowed-origins", "http://localhost:6274", "--http-max-body", "65536")
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`
	post := func(body string, hdr map[string]string) int {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	auth := "Bearer caller-secret-token"
	for _, c := range []struct {
		name string
		body string
		hdr  map[string]string
		want int
	}{
		{"no token", init, nil, 401},
		{"wrong token", init, map[string]string{"Authorization": "Bearer nope"}, 401},
		{"token", init, map[string]string{"Authorization": auth}, 200},
		{"allowed origin", init, map[string]string{"Authorization": auth, "Origin": "http://localhost:6274"}, 200},
		{"foreign origin", init, map[string]string{"Authorization": auth, "Origin": "https://evil.example"}, 403},
		{"too large", `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"` + strings.Repeat("a", 70000) + `"}}`, map[string]string{"Authorization": auth}, 413},
		{"rebinding host", init, map[string]string{"Authorization": auth, "Host": "evil.example"}, 403},
	} {
		hdr := c.hdr
		if h, ok := hdr["Host"]; ok {
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(c.body))
			req.Host = h
			req.Header.Set("Authorization", auth)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
			}
			continue
		}
		if got := post(c.body, hdr); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// TestHTTPKeepsCallerTokenAndSessionIdsToItself: over HTTP, the caller's token is never sent
// upstream, and neither it nor the MCP session id appears in logs or results.
func TestHTTPKeepsCallerTokenAndSessionIdsToItself(t *testing.T) {
	w := newWorld(t)
	p := w.proxy(t)
	env := w.env("FORTICLOUD_AUTH_URL="+p.url, "FORTIGATECLOUD_URL="+p.url, "FORTICLOUD_MCP_HTTP_TOKEN=caller-secret-token")
	s := startHTTP(t, env, "2025-11-25", "caller-secret-token")
	res := s.call(t, "list_devices", map[string]any{"limit": 2})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	res2 := s.call(t, "fortios_proxy", map[string]any{"serial": w.liveDevice(t), "path": "/api/v2/monitor/system/status"})
	sid := s.session.ID()
	if sid == "" {
		t.Fatal("no session id: the test would prove nothing")
	}
	seen := p.seen()
	if len(seen) < 3 {
		t.Fatalf("only %d upstream requests seen", len(seen))
	}
	for _, h := range seen {
		for k, v := range h {
			if strings.Contains(strings.Join(v, " "), "caller-secret-token") || strings.Contains(strings.Join(v, " "), sid) {
				t.Fatalf("upstream request header %s carries the caller token or session id", k)
			}
		}
	}
	raw1, _ := json.Marshal(res)
	raw2, _ := json.Marshal(res2)
	all := s.stderr.String() + string(raw1) + string(raw2)
	for _, secret := range append(w.em.IssuedTokens(), emulator.DemoAPIPassword, "caller-secret-token", sid) {
		if strings.Contains(all, secret) {
			t.Fatalf("secret %.6q… found in logs or results", secret)
		}
	}
}

func TestLegacyAccountLogin(t *testing.T) {
	w := newWorld(t)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"FORTIGATECLOUD_URL=" + w.url, "FORTIGATECLOUD_LEGACY_AUTH_URL=" + w.url,
		"FORTIGATECLOUD_ACCOUNT_ID=" + emulator.DemoAccountID, "FORTIGATECLOUD_USERNAME=" + emulator.DemoAccountUser,
		"FORTIGATECLOUD_PASSWORD=" + emulator.DemoAccountPassword, "FORTICLOUD_MCP_TOOLSETS=fortigatecloud"}
	s := startStdio(t, env, "")
	if res := s.call(t, "list_devices", map[string]any{"limit": 1}); res.IsError {
		t.Fatal(resultText(res))
	}
	if w.em.LegacyLogins() != 1 || w.em.TokenGrants("fortigatecloud") != 0 {
		t.Fatalf("legacy logins %d, IAM grants %d", w.em.LegacyLogins(), w.em.TokenGrants("fortigatecloud"))
	}
}

func TestRefusesNonLoopbackWithoutToken(t *testing.T) {
	w := newWorld(t)
	cmd := exec.Command(binary, "serve", "--http", "0.0.0.0:0")
	cmd.Env = w.env()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--http-token") {
		t.Fatalf("err %v, output %s", err, out)
	}
}

func TestStartupConfigErrorsNameTheVariable(t *testing.T) {
	cmd := exec.Command(binary, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "FORTICLOUD_API_USERNAME=someone", "FORTIGATECLOUD_URL=http://example.com"}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"FORTICLOUD_API_PASSWORD", "FORTIGATECLOUD_URL", "https://"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestSandboxServesDemoFleet(t *testing.T) {
	cmd := exec.Command(binary, "serve", "--sandbox")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	session, err := client().Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	defer session.Close()
	res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "list_devices", Arguments: map[string]any{"limit": 3, "fields": []string{"name", "model"}}})
	if err != nil || res.IsError {
		t.Fatalf("%v %s\n%s", err, resultText(res), stderr)
	}
	if !strings.Contains(stderr.String(), "sandbox") {
		t.Errorf("sandbox did not say how to connect: %s", stderr)
	}
}
