package emulator

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaultStatus(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	d := cmdbDevice(h)
	tests := []struct {
		name     string
		fault    Fault
		method   string
		path     string
		hdr      map[string]string
		wantBody string // substring
	}{
		{"iam 429 with Retry-After", Fault{Service: "iam", Status: 429, RetryAfter: "60"}, "POST", iamTokenPath, jsonHdr(),
			`{"error":"rate_limit_exceeded","error_description":"Too Many Requests"}`},
		{"fortigatecloud 503", Fault{Service: "fortigatecloud", Status: 503}, "GET", "/forticloudapi/v1/devices", bearer(tok),
			`"error":"temporarily_unavailable"`},
		{"fortios 500 envelope", Fault{Service: "fortios", Status: 500}, "GET", fgtProxyPrefix + d.SN + "/api/v2/monitor/system/status", bearer(tok),
			`{"http_method":"GET","status":"error","http_status":500}`},
		{"custom body", Fault{PathPrefix: "/forticloudapi/v1/dev", Status: 502, Body: "<html>Bad Gateway</html>"}, "GET",
			"/forticloudapi/v1/devices", bearer(tok), "<html>Bad Gateway</html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.e.ClearFaults()
			h.e.InjectFault(tt.fault)
			r := h.do(tt.method, tt.path, tt.hdr, "{}")
			if r.status != tt.fault.Status || !strings.Contains(string(r.body), tt.wantBody) {
				t.Errorf("%d %s", r.status, r.body)
			}
			if r.header.Get("Retry-After") != tt.fault.RetryAfter {
				t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
			}
		})
	}
	h.e.ClearFaults()
	if r := h.do("GET", "/forticloudapi/v1/devices?limit=1", bearer(tok), nil); r.status != 200 {
		t.Errorf("after ClearFaults: %d", r.status)
	}
}

func TestFaultMatchingAndTimes(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	h.e.InjectFault(Fault{Service: "fortigatecloud", Method: "GET", PathPrefix: "/forticloudapi/v1/devices", Status: 503, Times: 2})
	statuses := func(method, path string, n int) []int {
		var out []int
		for i := 0; i < n; i++ {
			out = append(out, h.do(method, path, bearer(tok), nil).status)
		}
		return out
	}
	// Other services, methods and paths are not affected, and do not use up Times.
	if st := h.do("GET", iamVerifyPath+"?client_id=fortigatecloud", bearer(tok), nil).status; st != 200 {
		t.Errorf("iam call: %d", st)
	}
	if st := h.do("DELETE", "/forticloudapi/v1/devices", bearer(tok), nil).status; st != 405 {
		t.Errorf("other method: %d", st)
	}
	if st := h.do("GET", "/forticloudapi/v1/other", bearer(tok), nil).status; st != 404 {
		t.Errorf("other path: %d", st)
	}
	if got := statuses("GET", "/forticloudapi/v1/devices?limit=1", 3); got[0] != 503 || got[1] != 503 || got[2] != 200 {
		t.Errorf("Times 2: %v", got)
	}
	id := h.e.InjectFault(Fault{Status: 500})
	if st := h.do("GET", iamVerifyPath+"?client_id=fortigatecloud", bearer(tok), nil).status; st != 500 {
		t.Errorf("catch-all fault: %d", st)
	}
	if !h.e.RemoveFault(id) || h.e.RemoveFault(id) {
		t.Error("RemoveFault should report the fault once")
	}
	if st := h.do("GET", "/forticloudapi/v1/devices?limit=1", bearer(tok), nil).status; st != 200 {
		t.Errorf("after RemoveFault: %d", st)
	}
}

func TestFaultLatency(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	// Latency alone delays the real answer.
	h.e.InjectFault(Fault{PathPrefix: "/forticloudapi/v1/devices", Latency: 80 * time.Millisecond, Times: 1})
	t0 := time.Now()
	if st := h.do("GET", "/forticloudapi/v1/devices?limit=1", bearer(tok), nil).status; st != 200 {
		t.Errorf("delayed request: %d", st)
	}
	if el := time.Since(t0); el < 80*time.Millisecond {
		t.Errorf("answered after %v, want at least 80ms", el)
	}
	// A client that gives up frees the handler at once.
	h.e.ResetRecords()
	h.e.InjectFault(Fault{Service: "fortigatecloud", Latency: time.Minute, Status: 504})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", h.base+"/forticloudapi/v1/devices", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	t0 = time.Now()
	_, err := h.hc.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("client error %v, want deadline exceeded", err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		if recs := h.e.Requests(); len(recs) == 1 {
			if recs[0].Status != 0 {
				t.Errorf("abandoned request recorded with status %d", recs[0].Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the handler kept waiting after the client left")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if el := time.Since(t0); el > 3*time.Second {
		t.Errorf("took %v", el)
	}
}

func TestFaultResetConnection(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	h.e.ResetRecords()
	h.e.InjectFault(Fault{Service: "fortios", ResetConnection: true, Times: 1})
	d := cmdbDevice(h)
	req, _ := http.NewRequest("GET", h.base+fgtProxyPrefix+d.SN+"/api/v2/monitor/system/status", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	// A fresh connection: Go's transport silently retries an idempotent
	// request that fails on a reused keep-alive connection.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := fresh.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got a response (%d), want a dropped connection", resp.StatusCode)
	}
	recs := h.e.Requests()
	if len(recs) != 1 || recs[0].Status != 0 || recs[0].Service != "fortios" {
		t.Errorf("records %+v", recs)
	}
	if st, _ := h.fos(tok, "GET", d.SN, "api/v2/monitor/system/status", nil); st != 200 {
		t.Errorf("next request: %d", st)
	}
}
