package mcpserver

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
)

func TestMiddleware(t *testing.T) {
	var sawAuth []string
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawAuth = append(sawAuth, r.Header.Get("Authorization"))
		w.WriteHeader(200)
	})
	h := checkOrigin([]string{"http://localhost:6274/"}, checkToken("tok-123", limitBody(100, inner)))
	cases := []struct {
		name, method, origin, auth, body string
		want                             int
	}{
		{"no origin, token", "POST", "", "Bearer tok-123", "{}", 200},
		{"scheme case-insensitive", "POST", "", "bearer tok-123", "{}", 200},
		{"wrong token", "POST", "", "Bearer tok-1234", "{}", 401},
		{"no token", "POST", "", "", "{}", 401},
		{"basic auth", "POST", "", "Basic dG9rLTEyMw==", "{}", 401},
		{"allowed origin, other case", "POST", "HTTP://LOCALHOST:6274", "Bearer tok-123", "{}", 200},
		{"foreign origin", "POST", "https://evil.example", "Bearer tok-123", "{}", 403},
		{"null origin", "POST", "null", "Bearer tok-123", "{}", 403},
		{"preflight allowed", "OPTIONS", "http://localhost:6274", "", "", 204},
		{"preflight foreign", "OPTIONS", "https://evil.example", "", "", 403},
		{"body too large", "POST", "", "Bearer tok-123", strings.Repeat("a", 101), 413},
	}
	for _, c := range cases {
		sawAuth = nil
		req := httptest.NewRequest(c.method, "/mcp", strings.NewReader(c.body))
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, rec.Code, c.want)
		}
		if c.want == 204 && rec.Header().Get("Access-Control-Allow-Origin") != c.origin {
			t.Errorf("%s: no CORS headers", c.name)
		}
		for _, a := range sawAuth {
			if a != "" {
				t.Errorf("%s: caller token reached the handler: %q", c.name, a)
			}
		}
	}
}

func TestCheckBind(t *testing.T) {
	for _, c := range []struct {
		addr, token string
		allow, ok   bool
	}{
		{"127.0.0.1:8080", "", false, true},
		{"localhost:8080", "", false, true},
		{"[::1]:8080", "", false, true},
		{"0.0.0.0:8080", "", false, false},
		{":8080", "", false, false},
		{"[::]:8080", "", false, false},
		{"192.0.2.10:8080", "", false, false},
		{"0.0.0.0:8080", "t", false, true},
		{"0.0.0.0:8080", "", true, true},
		{"nonsense", "", false, false},
	} {
		err := CheckBind(c.addr, c.token, c.allow)
		if (err == nil) != c.ok {
			t.Errorf("CheckBind(%q, token=%q, allow=%v) = %v", c.addr, c.token, c.allow, err)
		}
	}
}

// testServer is a Server with no upstream services (no tools but the ones a test adds), its
// approvals console on, and its state in a temporary directory.
func testServer(t *testing.T, args ...string) *Server {
	t.Helper()
	var cfg config.Config
	parser, err := kong.New(&cfg, kong.Exit(func(int) { t.Fatal("kong exited") }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse(append([]string{"--state-dir=" + t.TempDir(), "--approvals-listen=off"}, args...)); err != nil {
		t.Fatal(err)
	}
	s, err := New(&cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Close(ctx)
	})
	return s
}

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"http-test","version":"1"}}}`

// rawRequest is one request to a real loopback listener, with the Host header chosen freely
// (as a browser sends it after a DNS rebinding).
type rawRequest struct {
	method, path, host, origin, auth, session, body string
}

type rawResponse struct {
	code   int
	header http.Header
	body   string
}

func (rr rawRequest) do(t *testing.T, base string) rawResponse {
	t.Helper()
	if rr.method == "" {
		rr.method = "POST"
	}
	if rr.path == "" {
		rr.path = EndpointPath
	}
	if rr.body == "" && rr.method == "POST" {
		rr.body = initializeBody
	}
	req, err := http.NewRequest(rr.method, base+rr.path, strings.NewReader(rr.body))
	if err != nil {
		t.Fatal(err)
	}
	if rr.host != "" {
		req.Host = rr.host
	}
	if rr.origin != "" {
		req.Header.Set("Origin", rr.origin)
	}
	if rr.auth != "" {
		req.Header.Set("Authorization", rr.auth)
	}
	if rr.session != "" {
		req.Header.Set("Mcp-Session-Id", rr.session)
	}
	if rr.method == "POST" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return rawResponse{resp.StatusCode, resp.Header, string(body)}
}

// TestHTTPHandlerOverLoopback checks the Origin, Host and caller-token defences through the
// whole handler (mcp-go's DNS rebinding check included) on a real loopback listener, where the
// connection's local address is 127.0.0.1 as it is for `serve --http 127.0.0.1:PORT`.
func TestHTTPHandlerOverLoopback(t *testing.T) {
	s := testServer(t)
	var mu sync.Mutex
	var sawAuth []string
	s.MCP.AddTool(mcp.NewTool("echo_authorization"), func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		mu.Lock()
		defer mu.Unlock()
		if req.Header == nil {
			return mcp.NewToolResultError("no request headers"), nil
		}
		sawAuth = append(sawAuth, req.Header.Get("Authorization"))
		return mcp.NewToolResultText("authorization=" + req.Header.Get("Authorization")), nil
	})
	const token = "caller-token-0123456789"
	const allowed = "http://localhost:6274"
	hs := httptest.NewServer(s.HTTPHandler(HTTPOptions{Token: token, AllowedOrigins: []string{allowed}}))
	defer hs.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(hs.URL, "http://"))
	good := "Bearer " + token

	cases := []struct {
		name     string
		req      rawRequest
		want     int
		wantBody string // a part of the body, for refusals
	}{
		{"token, loopback Host", rawRequest{auth: good}, 200, ""},
		{"token, localhost Host", rawRequest{auth: good, host: "localhost:" + port}, 200, ""},
		{"token, [::1] Host", rawRequest{auth: good, host: "[::1]:" + port}, 200, ""},
		{"scheme in lower case", rawRequest{auth: "bearer " + token}, 200, ""},
		{"scheme in upper case, spaces", rawRequest{auth: "BEARER  " + token + " "}, 200, ""},
		{"no token", rawRequest{}, 401, "Authorization: Bearer"},
		{"wrong token", rawRequest{auth: "Bearer " + token + "x"}, 401, "Unauthorized"},
		{"token prefix", rawRequest{auth: "Bearer " + token[:10]}, 401, "Unauthorized"},
		{"empty bearer", rawRequest{auth: "Bearer "}, 401, "Unauthorized"},
		{"token without scheme", rawRequest{auth: token}, 401, "Unauthorized"},
		{"basic auth", rawRequest{auth: "Basic Y2FsbGVyOmNhbGxlci10b2tlbi0wMTIzNDU2Nzg5"}, 401, "Unauthorized"},
		{"token in the query", rawRequest{path: EndpointPath + "?access_token=" + token}, 401, "Unauthorized"},
		// DNS rebinding: evil.example resolves to 127.0.0.1, so the browser connects to this
		// listener but names its own host. With no Origin (a non-browser rebinding, or a
		// browser's simple request without one) only the Host tells.
		{"rebinding Host", rawRequest{auth: good, host: "evil.example"}, 403, "Host"},
		{"rebinding Host with port", rawRequest{auth: good, host: "evil.example:" + port}, 403, "Host"},
		{"rebinding Host localhost suffix", rawRequest{auth: good, host: "localhost.evil.example:" + port}, 403, "Host"},
		{"rebinding Host loopback prefix", rawRequest{auth: good, host: "127.0.0.1.nip.io:" + port}, 403, "Host"},
		{"rebinding Host, no token", rawRequest{host: "evil.example:" + port}, 401, "Unauthorized"},
		// A browser after a rebinding sends its page's origin too.
		{"rebinding Host and Origin", rawRequest{auth: good, host: "evil.example:" + port, origin: "http://evil.example:" + port}, 403, "origin not allowed"},
		{"foreign Origin", rawRequest{auth: good, origin: "http://evil.example"}, 403, "origin not allowed"},
		{"foreign Origin, allowed host other port", rawRequest{auth: good, origin: "http://localhost:6275"}, 403, "origin not allowed"},
		{"foreign Origin, other scheme", rawRequest{auth: good, origin: "https://localhost:6274"}, 403, "origin not allowed"},
		{"null Origin", rawRequest{auth: good, origin: "null"}, 403, "origin not allowed"},
		{"foreign Origin, no token", rawRequest{origin: "http://evil.example"}, 403, "origin not allowed"},
		{"allowed Origin", rawRequest{auth: good, origin: allowed}, 200, ""},
		{"allowed Origin, no token", rawRequest{origin: allowed}, 401, "Unauthorized"},
		{"preflight, allowed Origin, no token", rawRequest{method: "OPTIONS", origin: allowed}, 204, ""},
		{"preflight, foreign Origin", rawRequest{method: "OPTIONS", origin: "http://evil.example"}, 403, "origin not allowed"},
		{"preflight, no Origin, no token", rawRequest{method: "OPTIONS"}, 401, "Unauthorized"},
	}
	for _, c := range cases {
		resp := c.req.do(t, hs.URL)
		if resp.code != c.want {
			t.Errorf("%s: %d, want %d: %s", c.name, resp.code, c.want, resp.body)
			continue
		}
		if c.wantBody != "" && !strings.Contains(resp.body, c.wantBody) {
			t.Errorf("%s: body %q, want it to say %q", c.name, resp.body, c.wantBody)
		}
		if c.want == 200 && resp.header.Get("Mcp-Session-Id") == "" {
			t.Errorf("%s: no session: %v %s", c.name, resp.header, resp.body)
		}
		if c.want == 401 && resp.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", c.name)
		}
		acao := resp.header.Get("Access-Control-Allow-Origin")
		if c.req.origin == allowed {
			if acao != allowed || !strings.Contains(resp.header.Get("Vary"), "Origin") || !strings.Contains(resp.header.Get("Access-Control-Expose-Headers"), "Mcp-Session-Id") {
				t.Errorf("%s: CORS headers missing: %v", c.name, resp.header)
			}
		} else if acao != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q for origin %q", c.name, acao, c.req.origin)
		}
		if c.req.method == "OPTIONS" && c.want == 204 {
			h := resp.header
			if !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") || !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Mcp-Session-Id") ||
				!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "DELETE") {
				t.Errorf("%s: preflight headers %v", c.name, h)
			}
		}
	}

	// The caller token stops at the middleware: a tool sees the request's headers without it.
	init := rawRequest{auth: good}.do(t, hs.URL)
	session := init.header.Get("Mcp-Session-Id")
	if init.code != 200 || session == "" {
		t.Fatalf("initialize: %d %s", init.code, init.body)
	}
	if r := (rawRequest{auth: good, session: session, body: `{"jsonrpc":"2.0","method":"notifications/initialized"}`}).do(t, hs.URL); r.code/100 != 2 {
		t.Fatalf("initialized: %d %s", r.code, r.body)
	}
	call := rawRequest{auth: good, session: session, body: `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo_authorization","arguments":{}}}`}.do(t, hs.URL)
	if call.code != 200 || !strings.Contains(call.body, `authorization=`) {
		t.Fatalf("tools/call: %d %s", call.code, call.body)
	}
	if strings.Contains(call.body, token) {
		t.Errorf("the tool saw the caller token: %s", call.body)
	}
	mu.Lock()
	if len(sawAuth) != 1 || sawAuth[0] != "" {
		t.Errorf("the tool saw Authorization %q", sawAuth)
	}
	mu.Unlock()
	// The same call with a rebinding Host never reaches the tool.
	if r := (rawRequest{auth: good, session: session, host: "evil.example:" + port, body: call.body}).do(t, hs.URL); r.code != 403 {
		t.Errorf("tools/call with a rebinding Host: %d %s", r.code, r.body)
	}
	mu.Lock()
	if len(sawAuth) != 1 {
		t.Errorf("a refused request reached the tool: %d calls", len(sawAuth))
	}
	mu.Unlock()

	// /healthz and the console are outside the MCP caller token.
	if r := (rawRequest{method: "GET", path: "/healthz"}).do(t, hs.URL); r.code != 200 || r.body != "ok\n" {
		t.Errorf("/healthz: %d %q", r.code, r.body)
	}
	if r := (rawRequest{method: "GET", path: ConsolePath + "api/approvals", auth: good}).do(t, hs.URL); r.code != 401 {
		t.Errorf("the console's API with the MCP caller token: %d %s, want 401", r.code, r.body)
	}
	if r := (rawRequest{method: "GET", path: ConsolePath + "api/approvals", auth: "Bearer " + s.ConsoleToken()}).do(t, hs.URL); r.code != 200 {
		t.Errorf("the console's API with its own token: %d %s", r.code, r.body)
	}
}

// TestHTTPHandlerRateLimit checks the per-caller limit through the whole handler: /mcp answers
// 429 with Retry-After past the burst, while /healthz, the console and CORS preflights are not
// limited by it.
func TestHTTPHandlerRateLimit(t *testing.T) {
	s := testServer(t)
	const token = "caller-token-0123456789"
	const allowed = "http://localhost:6274"
	hs := httptest.NewServer(s.HTTPHandler(HTTPOptions{Token: token, AllowedOrigins: []string{allowed}, RateLimit: 0.5, RateBurst: 3}))
	defer hs.Close()
	good := "Bearer " + token
	for i := range 3 {
		if r := (rawRequest{auth: good}).do(t, hs.URL); r.code != 200 {
			t.Fatalf("request %d within the burst: %d %s", i, r.code, r.body)
		}
	}
	r := rawRequest{auth: good, origin: allowed}.do(t, hs.URL)
	if r.code != http.StatusTooManyRequests {
		t.Fatalf("over the burst: %d %s", r.code, r.body)
	}
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 2 {
		t.Errorf("Retry-After %q, want 1-2 s at 0.5/s", r.header.Get("Retry-After"))
	}
	if !strings.Contains(r.body, "Too Many Requests") {
		t.Errorf("429 body %q", r.body)
	}
	// A browser client can read the 429 and its Retry-After.
	if r.header.Get("Access-Control-Allow-Origin") != allowed || !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "Retry-After") {
		t.Errorf("429 CORS headers %v", r.header)
	}
	// Same caller token, another session: one bucket.
	if r := (rawRequest{auth: good}).do(t, hs.URL); r.code != 429 {
		t.Errorf("the token's next request: %d", r.code)
	}
	// Wrong tokens are limited by address (their own bucket: the token's is empty, this is not).
	for i := range 3 {
		if r := (rawRequest{auth: "Bearer guess-" + strconv.Itoa(i)}).do(t, hs.URL); r.code != 401 {
			t.Fatalf("guess %d: %d, want 401", i, r.code)
		}
	}
	if r := (rawRequest{auth: "Bearer guess-x"}).do(t, hs.URL); r.code != 429 {
		t.Errorf("guesses past the burst: %d, want 429", r.code)
	}
	for i := range 10 {
		if r := (rawRequest{method: "GET", path: "/healthz"}).do(t, hs.URL); r.code != 200 {
			t.Fatalf("/healthz %d: %d", i, r.code)
		}
		if r := (rawRequest{method: "GET", path: ConsolePath + "login"}).do(t, hs.URL); r.code == 429 {
			t.Fatalf("console %d: 429", i)
		}
		if r := (rawRequest{method: "OPTIONS", origin: allowed}).do(t, hs.URL); r.code != 204 {
			t.Fatalf("preflight %d: %d", i, r.code)
		}
	}
}

// TestMetricsGuessesAreRateLimited: /metrics accepts the caller token, so wrong tokens there
// share /mcp's per-address budget instead of making an unthrottled oracle for guessing it.
func TestMetricsGuessesAreRateLimited(t *testing.T) {
	s := testServer(t)
	const token = "caller-token-0123456789"
	hs := httptest.NewServer(s.HTTPHandler(HTTPOptions{Token: token, RateLimit: 0.5, RateBurst: 3}))
	defer hs.Close()
	guess := func(path, tok string) int {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 3 {
		if code := guess(MetricsPath, "guess-"+strconv.Itoa(i)); code != http.StatusUnauthorized {
			t.Fatalf("guess %d on /metrics: %d, want 401", i, code)
		}
	}
	if code := guess(MetricsPath, "guess-3"); code != http.StatusTooManyRequests {
		t.Errorf("a fourth guess on /metrics: %d, want 429", code)
	}
	if r := (rawRequest{auth: "Bearer guess-4"}).do(t, hs.URL); r.code != http.StatusTooManyRequests {
		t.Errorf("a guess on /mcp after three on /metrics: %d, want 429 (one budget)", r.code)
	}
	if code := guess(MetricsPath, token); code != http.StatusOK {
		t.Errorf("the caller token on /metrics: %d, want 200 (its own bucket)", code)
	}
}
