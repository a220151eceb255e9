package mcpserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
