package mcpserver

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestConsoleRefusesRebindingHosts: on a loopback listener the console answers only to
// localhost and IP literals.
func TestConsoleRefusesRebindingHosts(t *testing.T) {
	h := loopbackHost(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) }))
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for host, want := range map[string]int{
		"127.0.0.1:" + port: 200, "localhost:" + port: 200, "LOCALHOST": 200, "[::1]:" + port: 200,
		"evil.example:" + port: 403, "evil.example": 403, "127.0.0.1.nip.io": 403, "localhost.evil.example": 403,
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/approvals/", nil)
		req.Host = host
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: %d, want %d", host, resp.StatusCode, want)
		}
	}
}
