package emulator

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// testEpoch is where test clocks start: inside the reference captures' era.
var testEpoch = time.Date(2026, time.March, 2, 9, 30, 0, 0, time.UTC)

type harness struct {
	t     *testing.T
	e     *Emulator
	base  string
	clock *ManualClock
	hc    *http.Client // raw: no redirects followed, no transparent gzip
}

// start runs an emulator on a real socket with a manual clock.
func start(t *testing.T, opts Options) *harness {
	t.Helper()
	clock := NewManualClock(testEpoch)
	if opts.Clock == nil {
		opts.Clock = clock
	}
	e := New(opts)
	base, err := e.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	hc := &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &harness{t: t, e: e, base: base, clock: clock, hc: hc}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %q", err, r.body)
	}
	return m
}

// do sends one request. body may be nil, a string, or a value to marshal.
func (h *harness) do(method, path string, hdr map[string]string, body any) reply {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.base+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

func jsonHdr() map[string]string { return map[string]string{"Content-Type": "application/json"} }

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// grant performs a password grant and returns the token body.
func (h *harness) grant(user, pass, clientID string) map[string]any {
	h.t.Helper()
	r := h.do("POST", iamTokenPath, jsonHdr(), map[string]string{
		"username": user, "password": pass, "client_id": clientID, "grant_type": "password"})
	if r.status != 200 {
		h.t.Fatalf("grant for %s: %d %s", clientID, r.status, r.body)
	}
	return r.json(h.t)
}

func (h *harness) token(user, pass, clientID string) string {
	h.t.Helper()
	return h.grant(user, pass, clientID)["access_token"].(string)
}

// demoToken returns a FortiGate Cloud token of the demo user.
func (h *harness) demoToken() string {
	h.t.Helper()
	return h.token(DemoAPIUsername, DemoAPIPassword, "fortigatecloud")
}

// fos calls the FortiOS proxy and returns the decoded (gunzipped) body.
func (h *harness) fos(tok, method, sn, fosPath string, body any) (int, []byte) {
	h.t.Helper()
	r := h.do(method, fgtProxyPrefix+sn+"/"+fosPath, bearer(tok), body)
	return r.status, gunzipIfNeeded(h.t, r.body)
}

func (h *harness) fosJSON(tok, method, sn, fosPath string, body any) (int, map[string]any) {
	h.t.Helper()
	st, b := h.fos(tok, method, sn, fosPath, body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		h.t.Fatalf("%s %s: not a JSON object (%d): %v: %.300s", method, fosPath, st, err, b)
	}
	return st, m
}

// gunzipIfNeeded sniffs the gzip magic, as a real client must (§3.3).
func gunzipIfNeeded(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

// rawStatus sends a request line verbatim over TCP (no client-side path
// cleaning) and returns the status code.
func (h *harness) rawStatus(method, requestURI string, hdr map[string]string) int {
	h.t.Helper()
	u, _ := url.Parse(h.base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		h.t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	b.WriteString(method + " " + requestURI + " HTTP/1.1\r\nHost: " + u.Host + "\r\nConnection: close\r\n")
	for k, v := range hdr {
		b.WriteString(k + ": " + v + "\r\n")
	}
	b.WriteString("\r\n")
	if _, err := conn.Write([]byte(b.String())); err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, requestURI, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// findDevice returns the first demo device matching pred.
func (h *harness) findDevice(pred func(Device) bool) Device {
	h.t.Helper()
	for _, d := range h.e.Devices() {
		if pred(d) {
			return d
		}
	}
	h.t.Fatal("no demo device matches")
	return Device{}
}

func reachable(d Device) bool { return d.SN != "" && d.Management && d.TunnelAlive }
