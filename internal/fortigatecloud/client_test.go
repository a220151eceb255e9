package fortigatecloud_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortigatecloud"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

func newClient(t *testing.T, user, pass string) (*fortigatecloud.Client, *emulator.Emulator) {
	t.Helper()
	em := emulator.New(emulator.Options{})
	url, err := em.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	base := upstream.NewTransport()
	src := auth.NewIAMSource(auth.IAMConfig{BaseURL: url, ClientID: "fortigatecloud", Username: user, Password: pass, HTTPClient: &http.Client{Transport: base}}, auth.Options{})
	hc := &http.Client{Transport: &auth.Transport{Source: src, Base: base}}
	return fortigatecloud.New(url, hc, 0), em
}

func TestListDevicesPagesWithTotal(t *testing.T) {
	c, em := newClient(t, emulator.DemoAPIUsername, emulator.DemoAPIPassword)
	fleet := len(em.Devices())
	seen := map[string]bool{}
	for off := 0; off < fleet; off += 20 {
		p, err := c.ListDevices(context.Background(), 20, off)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != fleet {
			t.Fatalf("total %d, want %d", p.Total, fleet)
		}
		// Devices stay as FortiGate Cloud sent them (total included: the tools drop it).
		for _, raw := range p.Raw {
			var d struct {
				SN string `json:"sn"`
			}
			if err := json.Unmarshal(raw, &d); err != nil {
				t.Fatalf("device %s: %v", raw, err)
			}
			seen[d.SN] = true
		}
	}
	if len(seen) != fleet {
		t.Fatalf("paged %d distinct devices of %d", len(seen), fleet)
	}
	p, err := c.ListDevices(context.Background(), 10, fleet+5)
	if err != nil || p.Len() != 0 || p.Total != -1 {
		t.Fatalf("past the end: %+v %v", p, err)
	}
}

func TestGetDeviceAndNotFound(t *testing.T) {
	c, em := newClient(t, emulator.DemoAPIUsername, emulator.DemoAPIPassword)
	sn := em.Devices()[0].SN
	d, err := c.GetDevice(context.Background(), sn)
	if err != nil || d["sn"] != sn {
		t.Fatalf("%v %v", d, err)
	}
	_, err = c.GetDevice(context.Background(), "FGT00NOSUCHDEV00")
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Status != 404 {
		t.Fatalf("want 404, got %v", err)
	}
}

func TestInvalidClientIsTypedWithAHint(t *testing.T) {
	c, _ := newClient(t, emulator.DemoReadOnlyAPIUsername, emulator.DemoReadOnlyAPIPassword)
	_, err := c.ListDevices(context.Background(), 1, 0)
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Status != 401 || ue.Code != "invalid_client" || !strings.Contains(ue.Hint, "Admin") {
		t.Fatalf("got %v", err)
	}
}

func TestProxyDecodesEveryGzipMode(t *testing.T) {
	c, em := newClient(t, emulator.DemoAPIUsername, emulator.DemoAPIPassword)
	for i, mode := range []emulator.GzipMode{emulator.GzipWithHeader, emulator.GzipWithoutHeader, emulator.GzipOff} {
		sn := "FGT60FTK0000010" + string(rune('0'+i))
		em.AddDevice(emulator.Device{SN: sn, Name: "g", Model: "FortiGate 60F", FirmwareVersion: "7.4.4", TunnelAlive: true, Management: true, Gzip: mode})
		r, err := c.Proxy(context.Background(), fortigatecloud.ProxyRequest{Serial: sn, Method: "GET", Path: "/api/v2/monitor/system/status"})
		if err != nil || r.Status != 200 || !r.FortiOS || !strings.Contains(string(r.Body), sn) {
			t.Fatalf("%s: %+v %v", mode, r, err)
		}
	}
}

func TestProxyTunnelDownIsAServiceError(t *testing.T) {
	c, em := newClient(t, emulator.DemoAPIUsername, emulator.DemoAPIPassword)
	em.AddDevice(emulator.Device{SN: "FGT60FTK00000200", Name: "down", Model: "FortiGate 60F", FirmwareVersion: "7.4.4", TunnelAlive: false, Management: true})
	_, err := c.Proxy(context.Background(), fortigatecloud.ProxyRequest{Serial: "FGT60FTK00000200", Method: "GET", Path: "/api/v2/monitor/system/status"})
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Status < 500 || ue.Service != fortigatecloud.ServiceName {
		t.Fatalf("got %v", err)
	}
}
