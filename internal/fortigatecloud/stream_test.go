package fortigatecloud_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortigatecloud"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// budget is what fortios_proxy passes with the default --max-result-bytes.
const budget = 64<<10 - 512

// wireCounter counts the body bytes read off the wire (still gzipped: the transport does not
// decompress).
type wireCounter struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (w *wireCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := w.base.RoundTrip(r)
	if resp != nil {
		resp.Body = &countedBody{resp.Body, &w.n}
	}
	return resp, err
}

type countedBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countedBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// hugeDevice grows a demo device's firewall/address table to a reply of some 30 MB.
func hugeDevice(t *testing.T, em *emulator.Emulator) string {
	t.Helper()
	sn := "FGT60FTK00000300"
	em.AddDevice(emulator.Device{SN: sn, Name: "big-estate", Model: "FortiGate 60F", FirmwareVersion: "7.4.4", TunnelAlive: true, Management: true, Gzip: emulator.GzipWithHeader})
	if err := em.GrowFortiOSTable(sn, "/api/v2/cmdb/firewall/address", 65_000); err != nil {
		t.Fatal(err)
	}
	return sn
}

func checkCut(t *testing.T, r *fortigatecloud.ProxyResponse) {
	t.Helper()
	if r.Status != 200 || r.Shaped == nil || r.Body != nil || !r.Truncated || !r.FortiOS {
		t.Fatalf("status %d, shaped %v, body %d bytes, truncated %v", r.Status, r.Shaped != nil, len(r.Body), r.Truncated)
	}
	s := r.Shaped
	var env struct {
		Results []map[string]any `json:"results"`
		Matched int              `json:"matched_count"`
	}
	if len(s.JSON) > budget || json.Unmarshal(s.JSON, &env) != nil || len(env.Results) < 50 || env.Matched < 65_000 {
		t.Fatalf("%d bytes for a %d-byte budget, %d results, matched %d", len(s.JSON), budget, len(env.Results), env.Matched)
	}
	if !s.Truncated || !strings.Contains(s.Note, "kept the first") || !strings.Contains(s.Note, "matched_count") {
		t.Fatalf("note %q", s.Note)
	}
}

// TestProxyCutsAHugeReplyReadingOnlyItsStart: through the emulator, a ~30 MB (gzipped) cmdb reply
// comes back cut to the budget after a bounded prefix was read off the wire.
func TestProxyCutsAHugeReplyReadingOnlyItsStart(t *testing.T) {
	em := emulator.New(emulator.Options{})
	url, err := em.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	sn := hugeDevice(t, em)
	base := upstream.NewTransport()
	src := auth.NewIAMSource(auth.IAMConfig{BaseURL: url, ClientID: "fortigatecloud", Username: emulator.DemoAPIUsername, Password: emulator.DemoAPIPassword,
		HTTPClient: &http.Client{Transport: base}}, auth.Options{})
	wire := &wireCounter{base: base}
	c := fortigatecloud.New(url, &http.Client{Transport: &auth.Transport{Source: src, Base: wire}}, 0)
	r, err := c.Proxy(context.Background(), fortigatecloud.ProxyRequest{Serial: sn, Method: "GET", Path: "/api/v2/cmdb/firewall/address", Budget: budget})
	if err != nil {
		t.Fatal(err)
	}
	checkCut(t, r)
	if n := wire.n.Load(); n > 512<<10 {
		t.Fatalf("read %d bytes off the wire for a %d-byte result", n, budget)
	}
	t.Logf("read %d bytes off the wire; kept %d bytes; %s", wire.n.Load(), len(r.Shaped.JSON), r.Shaped.Note)
}

// TestProxyHeapDoesNotGrowWithTheReply: the same ~30 MB reply, served from memory so that only
// the client's allocations are counted, costs a few MB however large it is (the whole-reply way
// costs hundreds).
func TestProxyHeapDoesNotGrowWithTheReply(t *testing.T) {
	em := emulator.New(emulator.Options{})
	url, err := em.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	sn := hugeDevice(t, em)
	// The reply as the emulator sends it (gzipped), fetched once.
	reply := fetchRaw(t, demoHTTPClient(url), url, sn)
	plain, err := io.Copy(io.Discard, mustGunzip(t, reply))
	if err != nil || plain < 28<<20 {
		t.Fatalf("%d bytes: %v", plain, err)
	}
	var written atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		for b := reply; len(b) > 0; {
			n, err := w.Write(b[:min(len(b), 32<<10)])
			written.Add(int64(n))
			if err != nil {
				return
			}
			b = b[n:]
		}
	}))
	defer srv.Close()
	wire := &wireCounter{base: upstream.NewTransport()}
	client := fortigatecloud.New(srv.URL, &http.Client{Transport: wire}, 0)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := client.Proxy(context.Background(), fortigatecloud.ProxyRequest{Serial: sn, Method: "GET", Path: "/api/v2/cmdb/firewall/address", Budget: budget})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	checkCut(t, r)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("reply %d bytes gzipped (%d bytes plain): read %d bytes off the wire; allocated %d KB in all; heap in use %+d KB",
		len(reply), plain, wire.n.Load(), alloc>>10, (int64(after.HeapInuse)-int64(before.HeapInuse))>>10)
	if alloc > 8<<20 {
		t.Fatalf("allocated %d MB for a %d-byte result", alloc>>20, budget)
	}
	if n := wire.n.Load(); n > 512<<10 {
		t.Fatalf("read %d of %d bytes off the wire", n, len(reply))
	}

	// For comparison, the whole-reply way (no budget: read up to the 32 MB cap, then Shape).
	wire.n.Store(0)
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := client.Proxy(context.Background(), fortigatecloud.ProxyRequest{Serial: sn, Method: "GET", Path: "/api/v2/cmdb/firewall/address"}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	t.Logf("whole-reply way: read %d bytes off the wire, allocated %d MB", wire.n.Load(), (after.TotalAlloc-before.TotalAlloc)>>20)
}

// TestProxyShapedKeepsTheTypedErrors: FortiGate Cloud's own error replies are the typed errors
// of Proxy; FortiOS's error envelopes are results; a reply corrupt in transit is a clear error.
func TestProxyShapedKeepsTheTypedErrors(t *testing.T) {
	c, em := newClient(t, emulator.DemoAPIUsername, emulator.DemoAPIPassword)
	em.AddDevice(emulator.Device{SN: "FGT60FTK00000200", Name: "down", Model: "FortiGate 60F", FirmwareVersion: "7.4.4", TunnelAlive: false, Management: true})
	em.AddDevice(emulator.Device{SN: "FGT60FTK00000201", Name: "up", Model: "FortiGate 60F", FirmwareVersion: "7.4.4", TunnelAlive: true, Management: true})
	for _, budgeted := range []int{0, budget} {
		_, err := c.Proxy(context.Background(), fortigatecloud.ProxyRequest{Serial: "FGT60FTK00000200", Method: "GET", Path: "/api/v2/monitor/system/status", Budget: budgeted})
		var ue *upstream.Error
		if !errors.As(err, &ue) || ue.Status != 503 || ue.Code != "device_offline" || ue.Service != fortigatecloud.ServiceName {
			t.Fatalf("budget %d: tunnel down: %v", budgeted, err)
		}
		r, err := c.Proxy(context.Background(), fortigatecloud.ProxyRequest{Serial: "FGT60FTK00000201", Method: "GET", Path: "/api/v2/cmdb/firewall/address/no-such", Budget: budgeted})
		if err != nil || r.Status != 404 || !r.FortiOS {
			t.Fatalf("budget %d: FortiOS 404 envelope: %+v %v", budgeted, r, err)
		}
	}
	for _, f := range []emulator.Fault{{CorruptGzip: true}, {TruncateGzip: true}, {ResetMidBody: true}} {
		id := em.InjectFault(emulator.Fault{Service: "fortios", CorruptGzip: f.CorruptGzip, TruncateGzip: f.TruncateGzip, ResetMidBody: f.ResetMidBody})
		_, err := c.Proxy(context.Background(), fortigatecloud.ProxyRequest{Serial: "FGT60FTK00000201", Method: "GET", Path: "/api/v2/monitor/system/status", Budget: budget})
		em.RemoveFault(id)
		var ue *upstream.Error
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "reading reply") {
			t.Fatalf("%+v: want a typed read error, got %v", f, err)
		}
		t.Logf("%+v: %v", f, err)
	}
	// A fault once: the GET is sent again and the reply read anew.
	em.InjectFault(emulator.Fault{Service: "fortios", ResetMidBody: true, Times: 1})
	if r, err := c.Proxy(context.Background(), fortigatecloud.ProxyRequest{Serial: "FGT60FTK00000201", Method: "GET", Path: "/api/v2/monitor/system/status", Budget: budget}); err != nil || r.Shaped.Truncated {
		t.Fatalf("after one reset: %+v %v", r, err)
	}
}

// demoHTTPClient is an HTTP client that signs in as the demo API user.
func demoHTTPClient(url string) *http.Client {
	src := auth.NewIAMSource(auth.IAMConfig{BaseURL: url, ClientID: "fortigatecloud", Username: emulator.DemoAPIUsername, Password: emulator.DemoAPIPassword,
		HTTPClient: &http.Client{Transport: upstream.NewTransport()}}, auth.Options{})
	return &http.Client{Transport: &auth.Transport{Source: src, Base: upstream.NewTransport()}}
}

// fetchRaw returns a proxy reply's bytes as sent.
func fetchRaw(t *testing.T, hc *http.Client, url, sn string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/forticloudapi/v1/fgt/"+sn+"/api/v2/cmdb/firewall/address", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("%d %q: %v", resp.StatusCode, resp.Header.Get("Content-Encoding"), err)
	}
	return b
}

func mustGunzip(t *testing.T, b []byte) io.Reader {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return zr
}
