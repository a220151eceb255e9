package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortianalyzer"
)

// --- secrets and where to look for them ---

// secret is one value that must never leave the server: named for reports (the value itself is
// never printed).
type secret struct {
	name, value string
}

type secretSet struct {
	mu   sync.Mutex
	list []secret
	seen map[string]bool
}

// add records a secret; values shorter than 8 bytes are too common to search for and are left
// out.
func (s *secretSet) add(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(value) < 8 {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if s.seen[value] {
		return
	}
	s.seen[value] = true
	s.list = append(s.list, secret{name, value})
}

func (s *secretSet) all() []secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]secret(nil), s.list...)
}

// needle is one encoding of a secret.
type needle struct {
	encoding string
	value    []byte
	fold     bool // match case-insensitively (percent-encoding and hex)
}

// base64Cores returns, for each of the three alignments a secret can have inside a longer base64
// stream, the characters that depend on the secret's bytes alone: a secret base64-encoded as part
// of anything (user:password in a Basic header, a JSON blob) shows one of them.
func base64Cores(enc *base64.Encoding, s string) []string {
	var out []string
	for k := range 3 {
		full := enc.EncodeToString(append(make([]byte, k), s...))
		from := (k + 2) / 3 * 4
		to := (k + len(s)) / 3 * 4
		if to-from >= 8 {
			out = append(out, full[from:to])
		}
	}
	return out
}

// needles are the encodings a secret can leak in: as is, JSON-escaped (with and without Go's HTML
// escaping, and with every non-ASCII byte as \u), percent-encoded (query and path), base64 in
// every alphabet and alignment, hex, and a long prefix of it (a secret cut for a log line).
func needles(s string) []needle {
	add := func(out []needle, enc, v string, fold bool) []needle {
		if len(v) < 8 {
			return out
		}
		for _, n := range out {
			if string(n.value) == v {
				return out
			}
		}
		return append(out, needle{enc, []byte(v), fold})
	}
	var out []needle
	out = add(out, "raw", s, false)
	js, _ := json.Marshal(s)
	out = add(out, "JSON-escaped", string(js[1:len(js)-1]), false)
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	_ = e.Encode(s)
	plain := strings.TrimSuffix(buf.String(), "\n")
	out = add(out, "JSON-escaped (no HTML escaping)", plain[1:len(plain)-1], false)
	var u strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			fmt.Fprintf(&u, `\u%04x`, r)
		} else {
			u.WriteRune(r)
		}
	}
	out = add(out, "JSON \\u-escaped", u.String(), true)
	out = add(out, "query-escaped", url.QueryEscape(s), true)
	out = add(out, "path-escaped", url.PathEscape(s), true)
	for _, enc := range []struct {
		name string
		e    *base64.Encoding
	}{{"base64", base64.StdEncoding}, {"base64url", base64.URLEncoding}} {
		for _, core := range base64Cores(enc.e, s) {
			out = add(out, enc.name, core, false)
		}
	}
	out = add(out, "hex", hex.EncodeToString([]byte(s)), true)
	if len(s) >= 24 {
		out = add(out, "16-byte prefix", s[:16], false)
		out = add(out, "16-byte suffix", s[len(s)-16:], false)
	}
	return out
}

// leak is a secret found somewhere.
type leak struct{ secret, encoding, where string }

func (l leak) String() string { return fmt.Sprintf("%s (%s) in %s", l.secret, l.encoding, l.where) }

// scanner looks for every encoding of every secret in named haystacks.
type scanner struct {
	secrets []secret
	needles [][]needle
}

func newScanner(secrets []secret) *scanner {
	sc := &scanner{secrets: secrets}
	for _, s := range secrets {
		sc.needles = append(sc.needles, needles(s.value))
	}
	return sc
}

func (sc *scanner) scan(where string, haystack []byte) []leak {
	var out []leak
	var lower []byte
	for i, s := range sc.secrets {
		for _, n := range sc.needles[i] {
			hay, nv := haystack, n.value
			if n.fold {
				if lower == nil {
					lower = bytes.ToLower(haystack)
				}
				hay, nv = lower, bytes.ToLower(n.value)
			}
			if bytes.Contains(hay, nv) {
				out = append(out, leak{s.name, n.encoding, where})
				break
			}
		}
	}
	return out
}

// --- the FortiAnalyzer recorder ---

// fazCall is one JSON-RPC call the server made to FortiAnalyzer.
type fazCall struct {
	Method string
	URL    string
	Kind   fortianalyzer.Kind
	Err    error // Classify's refusal (sys/logout)
}

// fazRecorder sits between the server and the emulator's FortiAnalyzer: it keeps the session ids
// the emulator hands out (the emulator has no hook that lists them) and every JSON-RPC call's
// verb and url, so tests can tell reads from writes.
type fazRecorder struct {
	url string

	mu       sync.Mutex
	sessions []string
	calls    []fazCall
}

func newFAZRecorder(t *testing.T, target string) *fazRecorder {
	t.Helper()
	u, _ := url.Parse(target)
	rec := &fazRecorder{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.URL.Path != "/p/forticloud_jsonrpc_login/" {
			return nil
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		plain := body
		if len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b {
			if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
				plain, _ = io.ReadAll(zr)
			}
		}
		var v struct {
			Session string `json:"session"`
		}
		if json.Unmarshal(plain, &v) == nil && v.Session != "" {
			rec.mu.Lock()
			rec.sessions = append(rec.sessions, v.Session)
			rec.mu.Unlock()
		}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/jsonrpc" && r.Body != nil {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var req struct {
				Method string `json:"method"`
				Params []struct {
					URL string `json:"url"`
				} `json:"params"`
			}
			_ = json.Unmarshal(body, &req)
			rec.mu.Lock()
			for _, p := range req.Params {
				k, err := fortianalyzer.Classify(req.Method, p.URL)
				rec.calls = append(rec.calls, fazCall{Method: req.Method, URL: p.URL, Kind: k, Err: err})
			}
			if len(req.Params) == 0 {
				rec.calls = append(rec.calls, fazCall{Method: req.Method, Kind: fortianalyzer.Write, Err: fmt.Errorf("no params")})
			}
			rec.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	rec.url = srv.URL
	return rec
}

func (r *fazRecorder) sessionIDs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.sessions...)
}

func (r *fazRecorder) rpcCalls() []fazCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]fazCall(nil), r.calls...)
}

// --- raw upstream data, fetched around the server ---

// upstreamToken logs in to the emulator's IAM as the demo API user, for one client_id.
func upstreamToken(t *testing.T, w *world, clientID string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": emulator.DemoAPIUsername, "password": emulator.DemoAPIPassword, "client_id": clientID, "grant_type": "password"})
	resp, err := http.Post(w.url+"/api/v1/oauth/token/", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("IAM login for %s: %v (HTTP %d)", clientID, err, resp.StatusCode)
	}
	return tok.AccessToken
}

func readMaybeGzip(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// secretKeyRE names the members whose values are secrets in FortiOS and FortiAnalyzer data.
var secretKeyRE = regexp.MustCompile(`(?i)(password|passwd|_pass|passphrase|secret|psk|private-key|api-key|community)$`)

// collectUpstreamSecrets walks raw FortiOS or FortiAnalyzer JSON and adds every ENC value (the
// FortiOS "ENC <ciphertext>" string and FortiAnalyzer's ["ENC", "<ciphertext>"] pair) and every
// value of a secret-named member.
func collectUpstreamSecrets(set *secretSet, where string, raw []byte) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				walk(k, val)
			}
		case []any:
			if len(x) == 2 && x[0] == "ENC" {
				if s, ok := x[1].(string); ok {
					set.add(where+" "+key+" (ENC pair)", s)
				}
			}
			for _, e := range x {
				walk(key, e)
			}
		case string:
			if strings.HasPrefix(x, "ENC ") {
				set.add(where+" "+key+" (ENC value)", x)
				set.add(where+" "+key+" (ENC ciphertext)", strings.TrimPrefix(x, "ENC "))
			} else if secretKeyRE.MatchString(key) {
				set.add(where+" "+key, x)
			}
		}
	}
	walk("", v)
}

// deviceSecrets reads a device's configuration straight from the emulator (not through the
// server) and collects its secrets: what fortios_proxy must redact.
func deviceSecrets(t *testing.T, w *world, set *secretSet, sn string) {
	t.Helper()
	tok := upstreamToken(t, w, "fortigatecloud")
	for _, p := range []string{"cmdb/system/admin", "cmdb/vpn.ipsec/phase1-interface", "cmdb/system/ha", "cmdb/user/local", "cmdb/system/snmp/community"} {
		req, _ := http.NewRequest(http.MethodGet, w.url+"/forticloudapi/v1/fgt/"+sn+"/api/v2/"+p, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readMaybeGzip(t, resp.Body)
		resp.Body.Close()
		collectUpstreamSecrets(set, sn+" "+p, body)
	}
}

// fazSecrets reads FortiAnalyzer's device list straight from the emulator and collects its
// secrets (each managed device's admin password, as an ENC pair).
func fazSecrets(t *testing.T, w *world, set *secretSet) {
	t.Helper()
	tok := upstreamToken(t, w, "FortiAnalyzer")
	body, _ := json.Marshal(map[string]string{"access_token": tok})
	resp, err := http.Post(w.url+"/p/forticloud_jsonrpc_login/", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		Session string `json:"session"`
	}
	_ = json.Unmarshal(readMaybeGzip(t, resp.Body), &login)
	resp.Body.Close()
	if login.Session == "" {
		t.Fatal("no FortiAnalyzer session for the secrets inventory")
	}
	set.add("the inventory's own FortiAnalyzer session id", login.Session)
	for _, u := range []string{"/dvmdb/device", "/dvmdb/adom/root/device"} {
		rpc, _ := json.Marshal(map[string]any{"id": 1, "method": "get", "session": login.Session, "params": []any{map[string]any{"url": u}}})
		resp, err := http.Post(w.url+"/jsonrpc", "application/json", bytes.NewReader(rpc))
		if err != nil {
			t.Fatal(err)
		}
		collectUpstreamSecrets(set, "FortiAnalyzer "+u, readMaybeGzip(t, resp.Body))
		resp.Body.Close()
	}
	rpc, _ := json.Marshal(map[string]any{"id": 2, "method": "exec", "session": login.Session, "params": []any{map[string]any{"url": "/sys/logout"}}})
	if resp, err := http.Post(w.url+"/jsonrpc", "application/json", bytes.NewReader(rpc)); err == nil {
		resp.Body.Close()
	}
}

// --- servers whose process the test stops itself ---

// ownedServer is a server process the test shuts down before reading its logs, so that what it
// logs while stopping (session logouts, the last audit writes) is read too.
type ownedServer struct {
	*server
	stop func()
}

// startHTTPOwned runs `serve --http 127.0.0.1:0` with a caller token and connects to it.
func startHTTPOwned(t *testing.T, env []string, token string) *ownedServer {
	t.Helper()
	cmd := exec.Command(binary, "serve", "--http", "127.0.0.1:0")
	cmd.Env = env
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	cmd.Stderr = io.MultiWriter(stderr, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
			pw.Close()
		})
	}
	t.Cleanup(stop)
	found := watchForURL(pr)
	var endpoint string
	select {
	case endpoint = <-found:
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not report its URL; stderr:\n%s", stderr)
	}
	hc := &http.Client{Transport: bearer{token: token, base: http.DefaultTransport}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	session, err := client().Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, MaxRetries: -1}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatalf("connect over HTTP: %v\nstderr:\n%s", err, stderr)
	}
	s := &server{session: session, stderr: stderr, base: strings.TrimSuffix(endpoint, "/mcp")}
	return &ownedServer{server: s, stop: func() { session.Close(); stop() }}
}

func startStdioOwned(t *testing.T, env []string) *ownedServer {
	t.Helper()
	s := startStdio(t, env, "")
	return &ownedServer{server: s, stop: func() { s.session.Close() }}
}

// tryCall calls a tool and returns the protocol error instead of failing the test.
func tryCall(s *server, tool string, args any, timeout time.Duration) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return s.session.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
}

// --- the test ---

// step is one thing the secrets run does: call a tool, or change the world first.
type step struct {
	tool string
	args map[string]any
	do   func()
	// approve: after this held write, approve it in the console and wait for its result.
	approve bool
	// fault is in place during the call.
	fault *emulator.Fault
}

// secretsRun is what one transport's run produced.
type secretsRun struct {
	results   [][]byte // every tool result, as the client received it (text and structuredContent)
	resultsOf []string // the call each result answers
	tools     map[string]bool
}

// bodySecret is a password a model puts into a write's payload: the audit trail, the console's
// records and the logs must mask it.
const bodySecret = "Payload-Password-5ebd20c9e1"

// secretSteps are the calls of one server: every tool on success and error paths, faults from
// every service, held writes with approval_status, and one write approved in the console.
func secretSteps(w *world, live string) []step {
	em := w.em
	return []step{
		// Success paths.
		{tool: "list_devices", args: map[string]any{"limit": 1000}},
		{tool: "list_devices", args: map[string]any{"name": "a", "fields": []string{"name", "ip"}}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "path": "/api/v2/monitor/system/status"}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "path": "/api/v2/cmdb/system/admin"}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "path": "/api/v2/cmdb/vpn.ipsec/phase1-interface"}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "path": "/api/v2/cmdb/system/ha"}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "path": "/api/v2/cmdb/user/local"}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "path": "/api/v2/cmdb/firewall/address", "query": map[string]any{"count": "3"}}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "path": "/api/v2/monitor/vpn/ipsec"}},
		{tool: "flex_list_programs"},
		{tool: "flex_list_configs", args: map[string]any{"program_serial_number": emulator.DemoFlexProgramSerial}},
		{tool: "flex_list_entitlements", args: map[string]any{"config_id": emulator.DemoFlexConfigFGTVM}},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "get", "url": "/sys/status"}},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "get", "url": "/dvmdb/adom"}},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "get", "url": "/dvmdb/device"}},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "get", "url": "/dvmdb/adom/root/device"}},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "get", "url": "/eventmgmt/adom/root/alerts"}},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "get", "url": "/incidentmgmt/adom/root/incidents"}},
		{tool: "faz_log_search", args: map[string]any{"logtype": "traffic", "filter": "srcip==" + emulator.DemoFAZDeniedSrcIP, "limit": 20}},
		{tool: "socaas_query", args: map[string]any{"resource": "alerts"}},
		{tool: "socaas_query", args: map[string]any{"resource": "alert", "id": emulator.DemoSOCaaSAlertUUID}},
		{tool: "socaas_query", args: map[string]any{"resource": "comments", "id": emulator.DemoSOCaaSAlertUUID}},
		{tool: "socaas_query", args: map[string]any{"resource": "service_requests"}},
		{tool: "socaas_query", args: map[string]any{"resource": "service_request", "id": emulator.DemoSOCaaSServiceRequestUUID}},
		// Bad arguments.
		{tool: "list_devices", args: map[string]any{"limit": -1, "bogus": emulator.DemoAPIPassword}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "path": "/api/v2/../x"}},
		{tool: "fortios_proxy", args: map[string]any{"serial": "FGT00NOSUCHDEV00", "path": "/api/v2/monitor/system/status"}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "path": "/api/v2/cmdb/firewall/address/no-such-object"}},
		{tool: "flex_list_configs", args: map[string]any{"program_serial_number": "ELAVMS9999999999"}},
		{tool: "flex_list_entitlements", args: map[string]any{}},
		{tool: "flex_create_vm", args: map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "end_date": "2020-01-01"}},
		{tool: "flex_create_vm", args: map[string]any{"config_id": emulator.DemoFlexConfigDisabled}},
		{tool: "flex_update_entitlement", args: map[string]any{"serial_number": "FGVM/../x", "action": "stop"}},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "get", "url": "/no/such/thing"}},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "exec", "url": "/sys/logout"}},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "get", "url": "/sys/status", "params": map[string]any{"session": "stolen"}}},
		{tool: "faz_log_search", args: map[string]any{"time_range": map[string]any{"start": "last week", "end": "now"}}},
		{tool: "socaas_query", args: map[string]any{"resource": "alert", "id": "00000000-0000-4000-8000-000000000000"}},
		{tool: "socaas_add_comment", args: map[string]any{"alert_id": "../x", "content": "x"}},
		{tool: "socaas_update_alert", args: map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID, "status": "closed(resolved)"}},
		{tool: "approval_status", args: map[string]any{"approval_id": "ap-aaaaaaaaaaaaaaaa", "wait_seconds": 0}},
		{tool: "approval_status", args: map[string]any{"approval_id": "nope"}},
		// Writes, held for the console; approval_status on each; one approved in the console.
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "method": "PUT", "path": "/api/v2/cmdb/system/admin/svc-backup",
			"body": map[string]any{"accprofile": "super_admin", "password": bodySecret}}, approve: true},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "method": "POST", "path": "/api/v2/cmdb/firewall/address",
			"body": map[string]any{"name": "held-address", "subnet": "10.9.9.9 255.255.255.255"}}},
		{tool: "flex_create_vm", args: map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1, "description": "held"}},
		{tool: "flex_update_entitlement", args: map[string]any{"serial_number": emulator.DemoFlexActiveSerial, "action": "stop"}},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "update", "url": "/eventmgmt/adom/root/alerts/ack", "params": map[string]any{"alertid": []string{"1"}}}},
		{tool: "socaas_add_comment", args: map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID, "content": "held comment"}},
		{tool: "socaas_update_alert", args: map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID, "status": "inprogress"}},
		// Upstream errors from every service: 401, 500, 429, a dropped connection.
		faulty(emulator.Fault{Service: "fortigatecloud", Status: 401, Times: 1}, "list_devices", map[string]any{"limit": 2}),
		faulty(emulator.Fault{Service: "fortigatecloud", Status: 500}, "list_devices", map[string]any{"limit": 2}),
		faulty(emulator.Fault{Service: "fortigatecloud", Status: 429, RetryAfter: "1", Times: 1}, "list_devices", map[string]any{"limit": 2}),
		faulty(emulator.Fault{Service: "fortigatecloud", ResetConnection: true, Times: 2}, "list_devices", map[string]any{"limit": 2}),
		faulty(emulator.Fault{Service: "fortios", Status: 401}, "fortios_proxy", map[string]any{"serial": live, "path": "/api/v2/cmdb/system/admin"}),
		faulty(emulator.Fault{Service: "fortios", Status: 500}, "fortios_proxy", map[string]any{"serial": live, "path": "/api/v2/cmdb/system/admin"}),
		faulty(emulator.Fault{Service: "fortiflex", Status: 401}, "flex_list_programs", nil),
		faulty(emulator.Fault{Service: "fortiflex", Status: 500}, "flex_list_programs", nil),
		faulty(emulator.Fault{Service: "fortiflex", Status: 429, RetryAfter: "1", Times: 1}, "flex_list_programs", nil),
		faulty(emulator.Fault{Service: "fortianalyzer", Status: 500}, "faz_jsonrpc", map[string]any{"method": "get", "url": "/dvmdb/device"}),
		faulty(emulator.Fault{Service: "fortianalyzer", Status: 401}, "faz_log_search", map[string]any{"logtype": "event", "limit": 5}),
		faulty(emulator.Fault{Service: "socaas", Status: 429, RetryAfter: "1", Times: 1}, "socaas_query", map[string]any{"resource": "alerts"}),
		faulty(emulator.Fault{Service: "socaas", Status: 500}, "socaas_query", map[string]any{"resource": "alerts"}),
		faulty(emulator.Fault{Service: "socaas", Status: 401}, "socaas_query", map[string]any{"resource": "service_requests"}),
		// FortiAnalyzer sessions expire: the server logs in again; once with the login refused.
		{do: em.ExpireFAZSessions},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "get", "url": "/dvmdb/device"}},
		{tool: "faz_log_search", args: map[string]any{"logtype": "event", "limit": 5}},
		{do: em.ExpireFAZSessions},
		faulty(emulator.Fault{Service: "fortianalyzer", PathPrefix: "/p/forticloud_jsonrpc_login/", Status: 401}, "faz_jsonrpc", map[string]any{"method": "get", "url": "/sys/status"}),
		{tool: "faz_jsonrpc", args: map[string]any{"method": "get", "url": "/sys/status"}},
		// Tokens revoked: refresh, then password grants; IAM failing meanwhile.
		{do: em.RevokeTokens},
		{tool: "list_devices", args: map[string]any{"limit": 1}},
		{tool: "flex_list_programs"},
		{tool: "socaas_query", args: map[string]any{"resource": "alerts"}},
		{do: em.RevokeTokens},
		faulty(emulator.Fault{Service: "iam", Status: 500}, "list_devices", map[string]any{"limit": 1}),
		{tool: "list_devices", args: map[string]any{"limit": 1}},
	}
}

// faulty is a call made while a fault is in place; the fault is cleared after it.
func faulty(f emulator.Fault, tool string, args map[string]any) step {
	return step{fault: &f, tool: tool, args: args}
}

// unapprovedSteps run on a server with FORTICLOUD_MCP_APPROVAL=none: every write runs, one of
// them into a failure.
func unapprovedSteps(w *world, live string) []step {
	return []step{
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "method": "PUT", "path": "/api/v2/cmdb/system/admin/svc-backup",
			"body": map[string]any{"accprofile": "super_admin", "password": bodySecret + "-2"}}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "method": "POST", "path": "/api/v2/cmdb/vpn.ipsec/phase1-interface",
			"body": map[string]any{"name": "to-secret", "interface": "wan1", "remote-gw": "192.0.2.77", "psksecret": bodySecret + "-psk"}}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "path": "/api/v2/cmdb/vpn.ipsec/phase1-interface"}},
		{tool: "fortios_proxy", args: map[string]any{"serial": live, "method": "DELETE", "path": "/api/v2/cmdb/firewall/address/no-such-object"}},
		{tool: "flex_create_vm", args: map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1, "idempotency_key": "secrets-run-0001"}},
		{tool: "flex_create_vm", args: map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1, "idempotency_key": "secrets-run-0001"}},
		{tool: "flex_update_entitlement", args: map[string]any{"serial_number": emulator.DemoFlexPendingSerial, "action": "regenerate_token"}},
		{tool: "faz_jsonrpc", args: map[string]any{"method": "update", "url": "/eventmgmt/adom/root/alerts/ack", "params": map[string]any{"alertid": []string{w.em.FAZAlerts()[0].ID}, "update-by": "copilot"}}},
		{tool: "socaas_add_comment", args: map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID, "content": "checked by the secrets run"}},
		{tool: "socaas_update_alert", args: map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID, "status": "inprogress"}},
		{do: func() {
			w.em.InjectFault(emulator.Fault{Service: "fortiflex", PathPrefix: "/ES/api/fortiflex/v2/entitlements/vm/create", Status: 500, Times: 1})
		}},
		{tool: "flex_create_vm", args: map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1, "description": "fails upstream"}},
		{do: w.em.ClearFaults},
	}
}

// heldID returns the approval id of a held write's result.
func heldID(res *mcp.CallToolResult) string {
	raw, _ := json.Marshal(res.StructuredContent)
	var h struct {
		ApprovalID string `json:"approval_id"`
		Status     string `json:"status"`
		ConsoleURL string `json:"console_url"`
	}
	_ = json.Unmarshal(raw, &h)
	if h.Status != "pending" {
		return ""
	}
	return h.ApprovalID
}

func consoleURLOf(res *mcp.CallToolResult) string {
	raw, _ := json.Marshal(res.StructuredContent)
	var h struct {
		ConsoleURL string `json:"console_url"`
	}
	_ = json.Unmarshal(raw, &h)
	return h.ConsoleURL
}

// runSteps runs steps on s and keeps every result.
func runSteps(t *testing.T, w *world, s *server, steps []step, out *secretsRun) {
	t.Helper()
	for i, st := range steps {
		if st.do != nil {
			st.do()
			continue
		}
		args := st.args
		if args == nil {
			args = map[string]any{}
		}
		if st.fault != nil {
			w.em.InjectFault(*st.fault)
		}
		res, err := tryCall(s, st.tool, args, 60*time.Second)
		w.em.ClearFaults()
		if err != nil {
			t.Fatalf("step %d %s: %v\nstderr:\n%s", i, st.tool, err, s.stderr)
		}
		out.tools[st.tool] = true
		keep := func(what string, r *mcp.CallToolResult) {
			raw, _ := json.Marshal(r)
			out.results = append(out.results, raw)
			out.resultsOf = append(out.resultsOf, what)
		}
		keep(fmt.Sprintf("step %d %s", i, st.tool), res)
		if id := heldID(res); id != "" {
			st2, err := tryCall(s, "approval_status", map[string]any{"approval_id": id, "wait_seconds": 0}, 30*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			keep(fmt.Sprintf("step %d approval_status of %s", i, st.tool), st2)
			out.tools["approval_status"] = true
			if st.approve {
				token, _ := os.ReadFile(filepath.Join(w.stateDir, "console-token"))
				base := consoleURLOf(res)
				if base == "" || len(token) == 0 {
					t.Fatalf("no console to approve %s in (url %q)", id, base)
				}
				req, _ := http.NewRequest(http.MethodPost, base+"api/approvals/"+id+"/approve", strings.NewReader(`{"reason":"secrets run"}`))
				req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("approving %s in the console: %v %v", id, err, resp)
				}
				resp.Body.Close()
				st3, err := tryCall(s, "approval_status", map[string]any{"approval_id": id, "wait_seconds": 30}, 60*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				var status struct {
					Status string `json:"status"`
				}
				raw, _ := json.Marshal(st3.StructuredContent)
				_ = json.Unmarshal(raw, &status)
				if status.Status != "succeeded" && status.Status != "failed" {
					t.Fatalf("approved write %s: %s", id, resultText(st3))
				}
				keep(fmt.Sprintf("step %d approval_status of approved %s", i, st.tool), st3)
			}
		}
	}
}

// TestSecretsNeverLeak runs every tool the server offers, on success and error paths (bad
// arguments, 401/500/429 and dropped connections from every service, expired FortiAnalyzer
// sessions, revoked tokens, IAM failing, held writes and approval_status, a write approved in the
// console, writes run with --approval=none), over stdio and HTTP with debug logging, and then
// looks for every secret the run involved in every tool result, the server's logs, the audit
// trail (`forticloud-mcp audit` and the raw database files) and every other file of the state
// directory: the API password, every access and refresh token the emulator issued, every
// FortiAnalyzer session id, the console token, the HTTP caller token and MCP session id, the
// FortiOS and FortiAnalyzer ENC values and passwords of the devices it read, and a password put
// into write payloads. Each in raw, JSON-escaped, percent-encoded, base64 and hex form.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	t.Run("detector", testSecretDetector)
	for _, transport := range []string{"stdio", "http"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			runSecrets(t, transport)
		})
	}
}

func runSecrets(t *testing.T, transport string) {
	w := newWorldWith(t, emulator.Options{FAZSearchPolls: 1})
	faz := newFAZRecorder(t, w.url)
	live := w.liveDevice(t)
	callerToken := "caller-" + rand.Text()
	env := func(extra ...string) []string {
		return w.env(append([]string{"FORTIANALYZER_URL=" + faz.url, "FORTICLOUD_MCP_LOG_LEVEL=debug"}, extra...)...)
	}
	start := func(extra ...string) *ownedServer {
		if transport == "http" {
			return startHTTPOwned(t, env(append([]string{"FORTICLOUD_MCP_HTTP_TOKEN=" + callerToken}, extra...)...), callerToken)
		}
		return startStdioOwned(t, env(extra...))
	}

	run := &secretsRun{tools: map[string]bool{}}
	held := start()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	list, err := held.session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	mcpSessions := []string{held.session.ID()}
	runSteps(t, w, held.server, secretSteps(w, live), run)
	held.stop()

	unapproved := start("FORTICLOUD_MCP_APPROVAL=none")
	mcpSessions = append(mcpSessions, unapproved.session.ID())
	runSteps(t, w, unapproved.server, unapprovedSteps(w, live), run)
	unapproved.stop()

	// Every tool the server offers was run.
	for _, tool := range list.Tools {
		if !run.tools[tool.Name] {
			t.Errorf("%s is offered but the secrets run has no step for it: add its success and error paths to secretSteps", tool.Name)
		}
	}

	// The secrets of the run.
	set := &secretSet{}
	set.add("API password", emulator.DemoAPIPassword)
	set.add("payload password", bodySecret)
	set.add("payload password 2", bodySecret+"-2")
	set.add("payload psksecret", bodySecret+"-psk")
	set.add("HTTP caller token", callerToken)
	for i, sid := range mcpSessions {
		if transport == "http" {
			set.add(fmt.Sprintf("MCP session id %d", i), sid)
		}
	}
	token, err := os.ReadFile(filepath.Join(w.stateDir, "console-token"))
	if err != nil || len(strings.TrimSpace(string(token))) < 16 {
		t.Fatalf("no console token in the state directory: %v", err)
	}
	set.add("console token", strings.TrimSpace(string(token)))
	sessions := faz.sessionIDs()
	if len(sessions) < 3 {
		t.Fatalf("only %d FortiAnalyzer sessions were opened; the run should have re-logged in after expiry", len(sessions))
	}
	for i, s := range sessions {
		set.add(fmt.Sprintf("FortiAnalyzer session %d", i), s)
	}
	deviceSecrets(t, w, set, live)
	fazSecrets(t, w, set)
	upstream := len(set.all())
	for i, tok := range w.em.IssuedTokens() {
		set.add(fmt.Sprintf("issued token %d", i), tok)
	}
	secrets := set.all()
	if upstream < 8 || len(secrets)-upstream < 6 {
		t.Fatalf("only %d secrets (%d tokens): the run would prove little", len(secrets), len(secrets)-upstream)
	}
	sc := newScanner(secrets)

	var leaks []leak
	for i, r := range run.results {
		leaks = append(leaks, sc.scan("the result of "+run.resultsOf[i], r)...)
	}
	for i, stderr := range []string{held.stderr.String(), unapproved.stderr.String()} {
		where := []string{"the logs of the server holding writes", "the logs of the --approval=none server"}[i]
		if !strings.Contains(stderr, "level=DEBUG") {
			t.Fatalf("%s have no debug lines: the test would prove nothing", where)
		}
		for _, bad := range []string{"panic", "DATA RACE", "goroutine "} {
			if strings.Contains(stderr, bad) {
				t.Errorf("%s contain %q:\n%s", where, bad, stderr)
			}
		}
		leaks = append(leaks, sc.scan(where, []byte(stderr))...)
	}
	audit := exec.Command(binary, "audit", "--state-dir", w.stateDir)
	audit.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	out, err := audit.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte(`"succeeded"`)) || !bytes.Contains(out, []byte(`"failed"`)) {
		t.Fatalf("forticloud-mcp audit: %v\n%s", err, out)
	}
	leaks = append(leaks, sc.scan("`forticloud-mcp audit`", out)...)
	files, _ := os.ReadDir(w.stateDir)
	sawWAL := false
	for _, f := range files {
		if f.IsDir() || f.Name() == "console-token" {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(w.stateDir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sawWAL = sawWAL || strings.HasSuffix(f.Name(), "-wal")
		leaks = append(leaks, sc.scan("state file "+f.Name(), raw)...)
	}
	if !sawWAL {
		t.Logf("note: no -wal file left in the state directory (checkpointed at close)")
	}
	// One line per kind of leak and place, with how many values leaked there.
	counts := map[string]int{}
	for _, l := range leaks {
		counts[l.String()]++
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Errorf("leak: %s (%d values)", k, counts[k])
	}
	t.Logf("%s: %d results, %d secrets (%d FortiAnalyzer sessions, %d upstream secrets), %d leaks", transport, len(run.results), len(secrets), len(sessions), upstream, len(leaks))
}

// testSecretDetector proves the detector can fail: every encoding of planted secrets, embedded
// in other text, is found, and text without them is clean.
func testSecretDetector(t *testing.T) {
	planted := []secret{
		{"password", emulator.DemoAPIPassword},
		{"FortiAnalyzer-style session", "Xk3+/abcdEFGH1234ijkl5678mnopQRST9012uvwx3456yzAB7890CDEFghij+/KLMNopqr==="},
		{"token", rand.Text()},
		{"ENC value", "ENC " + base64.StdEncoding.EncodeToString([]byte("ciphertext-of-a-psk-0123456789"))},
	}
	sc := newScanner(planted)
	for _, p := range planted {
		for _, n := range needles(p.value) {
			for _, wrap := range []string{"%s", `{"x":"%s"}`, "level=DEBUG msg=x value=%s tail", "Authorization: Basic %s\n"} {
				hay := fmt.Sprintf(wrap, n.value)
				if n.fold {
					hay = strings.ToUpper(hay)
				}
				found := sc.scan("planted", []byte(hay))
				ok := false
				for _, f := range found {
					ok = ok || f.secret == p.name
				}
				if !ok {
					t.Errorf("%s planted as %s in %q was not found", p.name, n.encoding, wrap)
				}
			}
		}
		// A secret inside a longer base64 stream (user:password in a Basic header), at every
		// alignment.
		for _, prefix := range []string{"", "u:", "us:", "user:"} {
			hay := "Basic " + base64.StdEncoding.EncodeToString([]byte(prefix+p.value+"@tail"))
			if len(sc.scan("planted", []byte(hay))) == 0 {
				t.Errorf("%s inside base64 after %q was not found", p.name, prefix)
			}
		}
	}
	if l := sc.scan("clean", []byte(`{"devices":[{"sn":"FGT60FTK2209A001","name":"branch"}],"password":"[redacted]"}`)); len(l) != 0 {
		t.Errorf("false positives: %v", l)
	}
}
