package emulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
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
	// The handler records the request after it drops the connection, so the client can see the
	// reset first: wait for the record.
	var recs []Request
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if recs = h.e.Requests(); len(recs) > 0 {
			break
		}
	}
	if len(recs) != 1 || recs[0].Status != 0 || recs[0].Service != "fortios" {
		t.Errorf("records %+v", recs)
	}
	if st, _ := h.fos(tok, "GET", d.SN, "api/v2/monitor/system/status", nil); st != 200 {
		t.Errorf("next request: %d", st)
	}
}

// rawGet sends one request over a fresh connection (no keep-alive, so Go's
// transport cannot silently retry) with a plain net/http client. With
// compressed set, the transport asks for gzip and decompresses it itself.
func (h *harness) rawGet(method, path, tok string, body string, compressed bool) *http.Response {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.base+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: !compressed}}
	resp, err := hc.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	h.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func gunzipStrict(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip header: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

const faultDevicesPath = "/forticloudapi/v1/devices?limit=5"

func TestFaultResetMidBody(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	want := h.do("GET", faultDevicesPath, bearer(tok), nil)
	if want.status != 200 || len(want.body) < 100 {
		t.Fatalf("baseline %d %d bytes", want.status, len(want.body))
	}
	h.e.ResetRecords()
	h.e.InjectFault(Fault{Service: "fortigatecloud", ResetMidBody: true, Times: 1})
	resp := h.rawGet("GET", faultDevicesPath, tok, "", false)
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(want.body)) ||
		resp.Header.Get("Content-Type") != want.header.Get("Content-Type") {
		t.Errorf("headers: %d, Content-Length %d (want %d), %v", resp.StatusCode, resp.ContentLength, len(want.body), resp.Header)
	}
	got, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("body error %v, want unexpected EOF", err)
	}
	if !bytes.Equal(got, want.body[:len(want.body)/2]) {
		t.Errorf("got %d bytes, want the first %d of the real body", len(got), len(want.body)/2)
	}
	// The record is written once the handler returns, which may be after
	// the client has read what there was.
	deadline := time.Now().Add(3 * time.Second)
	for len(h.e.Requests()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if recs := h.e.Requests(); len(recs) != 1 || recs[0].Status != 200 {
		t.Errorf("records %+v", recs)
	}
	// The fault is used up; the keep-alive client is unaffected.
	if r := h.do("GET", faultDevicesPath, bearer(tok), nil); r.status != 200 || !bytes.Equal(r.body, want.body) {
		t.Errorf("after the fault: %d", r.status)
	}

	// With Status and Body, it is the fault's own reply that is cut.
	body := strings.Repeat("x", 64)
	h.e.InjectFault(Fault{Service: "fortiflex", Status: 502, Body: body, RetryAfter: "5", ResetMidBody: true})
	resp = h.rawGet("POST", flexBase+"programs/list", tok, "{}", false)
	got, err = io.ReadAll(resp.Body)
	if resp.StatusCode != 502 || resp.ContentLength != 64 || resp.Header.Get("Retry-After") != "5" ||
		!errors.Is(err, io.ErrUnexpectedEOF) || string(got) != body[:32] {
		t.Errorf("status fault: %d, Content-Length %d, %v, %q, %v", resp.StatusCode, resp.ContentLength, resp.Header, got, err)
	}
}

func TestFaultCorruptGzip(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	d := cmdbDevice(h)
	fosPath := fgtProxyPrefix + d.SN + "/api/v2/monitor/system/status"
	tests := []struct {
		name, method, path, body string
		fault                    Fault
	}{
		{"plain JSON reply", "GET", faultDevicesPath, "", Fault{Service: "fortigatecloud", CorruptGzip: true}},
		{"reply already gzipped", "GET", fosPath, "", Fault{Service: "fortios", CorruptGzip: true}},
		{"status fault", "POST", flexBase + "programs/list", "{}", Fault{Service: "fortiflex", Status: 500, CorruptGzip: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.e.ClearFaults()
			h.e.InjectFault(tt.fault)
			// The raw bytes: a complete HTTP message whose gzip stream is broken.
			resp := h.rawGet(tt.method, tt.path, tok, tt.body, false)
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("HTTP body: %v", err)
			}
			if resp.Header.Get("Content-Encoding") != "gzip" || resp.ContentLength != int64(len(raw)) {
				t.Errorf("headers %v, %d bytes", resp.Header, len(raw))
			}
			if tt.fault.Status != 0 && resp.StatusCode != tt.fault.Status {
				t.Errorf("status %d", resp.StatusCode)
			}
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("the gzip header should stay intact: %v", err)
			}
			if _, err := io.ReadAll(zr); err == nil {
				t.Error("corrupt gzip decompressed without an error")
			}
			// A client that lets net/http decompress fails while reading too.
			resp = h.rawGet(tt.method, tt.path, tok, tt.body, true)
			if _, err := io.ReadAll(resp.Body); err == nil {
				t.Error("transparent decompression read the corrupt body without an error")
			}
		})
	}
}

func TestFaultTruncateGzip(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	want := h.do("GET", faultDevicesPath, bearer(tok), nil)
	h.e.InjectFault(Fault{PathPrefix: "/forticloudapi/v1/devices", TruncateGzip: true})
	resp := h.rawGet("GET", faultDevicesPath, tok, "", false)
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("the HTTP message should be complete: %v", err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || resp.ContentLength != int64(len(raw)) {
		t.Errorf("%d %v, %d bytes", resp.StatusCode, resp.Header, len(raw))
	}
	if full := gzipBytes(want.body); len(raw) >= len(full)-8 {
		t.Errorf("sent %d bytes of a %d-byte gzip stream", len(raw), len(full))
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the gzip header should stay intact: %v", err)
	}
	part, err := io.ReadAll(zr)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("gunzip error %v, want unexpected EOF", err)
	}
	if len(part) >= len(want.body) || !bytes.HasPrefix(want.body, part) {
		t.Errorf("decompressed %d bytes that are not a strict prefix of the real body", len(part))
	}
	resp = h.rawGet("GET", faultDevicesPath, tok, "", true)
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("transparent decompression: %v, want unexpected EOF", err)
	}
}

func TestFaultMalformedJSON(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	want := h.do("GET", faultDevicesPath, bearer(tok), nil)
	h.e.InjectFault(Fault{Service: "fortigatecloud", MalformedJSON: true, Times: 1})
	r := h.do("GET", faultDevicesPath, bearer(tok), nil)
	if r.status != 200 || r.header.Get("Content-Type") != want.header.Get("Content-Type") ||
		r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
		t.Errorf("status and headers should be the real ones: %d %v", r.status, r.header)
	}
	if !bytes.Equal(r.body, want.body[:len(want.body)/2]) || json.Valid(r.body) {
		t.Errorf("body %q, want the first half of %q", r.body, want.body)
	}

	// A gzipped FortiOS reply decompresses cleanly, to broken JSON.
	d := cmdbDevice(h)
	_, wantFOS := h.fos(tok, "GET", d.SN, "api/v2/monitor/system/status", nil)
	h.e.InjectFault(Fault{Service: "fortios", MalformedJSON: true, Times: 1})
	r = h.do("GET", fgtProxyPrefix+d.SN+"/api/v2/monitor/system/status", bearer(tok), nil)
	if r.status != 200 || r.header.Get("Content-Encoding") != "gzip" {
		t.Errorf("fortios: %d %v", r.status, r.header)
	}
	if plain := gunzipStrict(t, r.body); !bytes.Equal(plain, wantFOS[:len(wantFOS)/2]) || json.Valid(plain) {
		t.Errorf("fortios body %q", plain)
	}

	// With Status, the fault's own body is cut; an empty body becomes "{".
	h.e.InjectFault(Fault{Service: "fortiflex", Status: 503, MalformedJSON: true, Times: 1})
	r = h.do("POST", flexBase+"programs/list", bearer(tok), "{}")
	full := defaultFaultBody(svcFortiFlex, "POST", 503)
	if r.status != 503 || string(r.body) != full[:len(full)/2] || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("status fault: %d %q %v", r.status, r.body, r.header)
	}
	h.e.InjectFault(Fault{Service: "iam", PathPrefix: iamRevokePath, MalformedJSON: true, Times: 1})
	r = h.do("POST", iamRevokePath, jsonHdr(), `{"client_id":"fortigatecloud","token":"x"}`)
	if r.status != 200 || string(r.body) != "{" {
		t.Errorf("empty body: %d %q", r.status, r.body)
	}
	if cut := cutJSON([]byte("12345")); json.Valid(cut) {
		t.Errorf("cutJSON(12345) = %q is valid JSON", cut)
	}
}

func TestFaultJSONRPCTarget(t *testing.T) {
	h := start(t, Options{})
	sess := h.fazLogin()
	h.e.InjectFault(Fault{JSONRPCURL: "logview/", Status: 500, Times: 1})
	// Other /jsonrpc calls, and requests that are not JSON-RPC, do not match
	// and do not use up Times.
	if r := h.classic(sess, "get", "/sys/status", nil); classicCode(t, r) != 0 {
		t.Errorf("sys/status: %v", r)
	}
	if st := h.do("GET", faultDevicesPath, bearer(h.demoToken()), nil).status; st != 200 {
		t.Errorf("fortigatecloud: %d", st)
	}
	search := map[string]any{"jsonrpc": "2.0", "id": 1, "method": "add", "session": sess,
		"params": []any{map[string]any{"url": "/logview/adom/root/logsearch", "apiver": 3, "logtype": "traffic",
			"time-range": map[string]any{"start": "2026-03-01 00:00:00", "end": "2026-03-02 09:00:00"}}}}
	if r := h.do("POST", fazRPCPath, jsonHdr(), search); r.status != 500 {
		t.Errorf("logview call: %d %s", r.status, r.body)
	}
	// Used up: the same call reaches the handler, body intact.
	if r := h.do("POST", fazRPCPath, jsonHdr(), search); r.status != 200 || !strings.Contains(string(r.body), `"tid"`) {
		t.Errorf("logview after the fault: %d %s", r.status, r.body)
	}

	// Method and URL together; the handler still reads the body and logs out.
	h.e.InjectFault(Fault{JSONRPCMethod: "EXEC", JSONRPCURL: "/sys/logout", MalformedJSON: true})
	if r := h.classic(sess, "get", "/sys/status", nil); classicCode(t, r) != 0 {
		t.Errorf("get sys/status: %v", r)
	}
	r := h.do("POST", fazRPCPath, jsonHdr(), map[string]any{"id": 3, "method": "exec", "session": sess,
		"params": []any{map[string]any{"url": "sys/logout"}}})
	if r.status != 200 || json.Valid(r.body) || !strings.HasPrefix(string(r.body), `{"id":3,`) {
		t.Errorf("logout: %d %q", r.status, r.body)
	}
	if h.e.FAZLogouts() != 1 {
		t.Errorf("logouts %d: the handler did not see the body", h.e.FAZLogouts())
	}
}

func TestRevokeAccessTokens(t *testing.T) {
	h := start(t, Options{})
	fgc := h.grant(DemoAPIUsername, DemoAPIPassword, "fortigatecloud")
	flex := h.grant(DemoAPIUsername, DemoAPIPassword, "flexvm")
	faz := h.fazToken()
	sess := h.fazLogin()
	fgcTok, flexTok := fgc["access_token"].(string), flex["access_token"].(string)

	h.e.RevokeAccessTokens("flexvm")
	// FortiFlex answers as for any unknown token (its "Invalid security
	// token." envelope).
	unknown := h.flexCall("not-a-token", "programs/list", map[string]any{})
	if r := h.flexCall(flexTok, "programs/list", map[string]any{}); r.status != unknown.status || !bytes.Equal(r.raw, unknown.raw) {
		t.Errorf("revoked flexvm token: %d %s, want %d %s", r.status, r.raw, unknown.status, unknown.raw)
	}
	if st := h.do("GET", faultDevicesPath, bearer(fgcTok), nil).status; st != 200 {
		t.Errorf("fortigatecloud token of another client_id: %d", st)
	}
	// The refresh token still works, and its new access token too.
	rr := h.do("POST", iamTokenPath, jsonHdr(), map[string]string{"grant_type": "refresh_token", "client_id": "flexvm",
		"refresh_token": flex["refresh_token"].(string)})
	if rr.status != 200 {
		t.Fatalf("refresh after RevokeAccessTokens: %d %s", rr.status, rr.body)
	}
	h.flexCall(rr.json(t)["access_token"].(string), "programs/list", map[string]any{}).ok(t, "programs")

	h.e.RevokeAccessTokens("")
	if st := h.do("GET", faultDevicesPath, bearer(fgcTok), nil).status; st != 401 {
		t.Errorf("fortigatecloud token after RevokeAccessTokens(\"\"): %d", st)
	}
	if st := h.do("GET", iamVerifyPath+"?client_id=fortigatecloud", bearer(fgcTok), nil).status; st != 401 {
		t.Errorf("verify: %d", st)
	}
	if r := h.do("POST", fazLoginPath, jsonHdr(), map[string]string{"access_token": faz}); r.status != 401 {
		t.Errorf("FortiAnalyzer login with a revoked token: %d %s", r.status, r.body)
	}
	// An open FortiAnalyzer session outlives its token (§4.1 step 4).
	if r := h.classic(sess, "get", "/sys/status", nil); classicCode(t, r) != 0 {
		t.Errorf("session after revocation: %v", r)
	}
	rr = h.do("POST", iamTokenPath, jsonHdr(), map[string]string{"grant_type": "refresh_token", "client_id": "fortigatecloud",
		"refresh_token": fgc["refresh_token"].(string)})
	if rr.status != 200 {
		t.Errorf("fortigatecloud refresh: %d %s", rr.status, rr.body)
	}
}

func TestLockOutAndUnlock(t *testing.T) {
	h := start(t, Options{LockoutDuration: 20 * time.Minute})
	m := h.grant(DemoAPIUsername, DemoAPIPassword, "fortigatecloud")
	pw := map[string]string{"username": DemoAPIUsername, "password": DemoAPIPassword, "client_id": "flexvm", "grant_type": "password"}
	locked := func() bool {
		t.Helper()
		r := h.do("POST", iamTokenPath, jsonHdr(), pw)
		if r.status == 200 {
			return false
		}
		if r.status != 400 || r.json(t)["error"] != "invalid_grant" || !strings.Contains(string(r.body), "locked") {
			t.Fatalf("grant: %d %s", r.status, r.body)
		}
		return true
	}
	h.e.LockOut(DemoAPIUsername)
	if !locked() {
		t.Fatal("the right password was accepted while locked out")
	}
	// Issued tokens and refresh grants are not affected; other users neither.
	if st := h.do("GET", faultDevicesPath, bearer(m["access_token"].(string)), nil).status; st != 200 {
		t.Errorf("issued token while locked out: %d", st)
	}
	rr := h.do("POST", iamTokenPath, jsonHdr(), map[string]string{"grant_type": "refresh_token", "client_id": "fortigatecloud",
		"refresh_token": m["refresh_token"].(string)})
	if rr.status != 200 {
		t.Errorf("refresh while locked out: %d %s", rr.status, rr.body)
	}
	h.token(DemoReadOnlyAPIUsername, DemoReadOnlyAPIPassword, "flexvm")
	h.e.Unlock(DemoAPIUsername)
	if locked() {
		t.Error("still locked after Unlock")
	}
	// A LockOut ends after LockoutDuration, like a lock-out by failed grants.
	h.e.LockOut(DemoAPIUsername)
	h.clock.Advance(19 * time.Minute)
	if !locked() {
		t.Error("unlocked before LockoutDuration")
	}
	h.clock.Advance(time.Minute)
	if locked() {
		t.Error("still locked after LockoutDuration")
	}
	// Unlock also clears a streak of failures.
	bad := map[string]string{"username": DemoAPIUsername, "password": "wrong", "client_id": "flexvm", "grant_type": "password"}
	for i := 0; i < 5; i++ {
		h.do("POST", iamTokenPath, jsonHdr(), bad)
	}
	if !locked() {
		t.Fatal("five failures did not lock")
	}
	h.e.Unlock(DemoAPIUsername)
	if locked() {
		t.Error("still locked after Unlock")
	}
}

func TestHoldFAZSessions(t *testing.T) {
	h := start(t, Options{FAZLoginMax: 3, FAZSessionIdle: 10 * time.Minute})
	login := func() reply {
		t.Helper()
		return h.do("POST", fazLoginPath, jsonHdr(), map[string]string{"access_token": h.fazToken()})
	}
	h.e.HoldFAZSessions(DemoAPIUsername, 3)
	if r := login(); r.status != 403 || !strings.Contains(string(r.body), "login-max 3") {
		t.Fatalf("login with every slot held: %d %s", r.status, r.body)
	}
	if n := h.e.FAZActiveSessions(); n != 0 {
		t.Errorf("held sessions counted as active: %d", n)
	}
	// Held sessions do not idle out.
	h.clock.Advance(time.Hour)
	if r := login(); r.status != 403 {
		t.Errorf("login after an hour: %d %s", r.status, r.body)
	}
	h.e.ReleaseFAZSessions(DemoAPIUsername)
	h.fazLogin()
	// Holding part of the slots leaves the rest.
	h.e.HoldFAZSessions(DemoAPIUsername, 1)
	h.fazLogin()
	if r := login(); r.status != 403 {
		t.Errorf("fourth session: %d %s", r.status, r.body)
	}
	if h.e.FAZPeakSessions() != 2 || h.e.FAZActiveSessions() != 2 {
		t.Errorf("peak %d active %d, want 2 and 2", h.e.FAZPeakSessions(), h.e.FAZActiveSessions())
	}
	// Another user's slots are its own; ExpireFAZSessions ends held ones too.
	h.e.HoldFAZSessions("someone-else", 5)
	h.e.ExpireFAZSessions()
	for i := 0; i < 3; i++ {
		h.fazLogin()
	}
}
