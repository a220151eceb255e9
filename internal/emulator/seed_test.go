package emulator

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestDemoFleetShape(t *testing.T) {
	devs := demoDevices()
	if len(devs) < 55 {
		t.Fatalf("fleet has %d devices, want at least 55", len(devs))
	}
	seen := map[string]bool{}
	modes := map[GzipMode]int{}
	var down, unmanaged, trial, noGeo, multiVDOM, ha int
	versions := map[string]bool{}
	for _, d := range devs {
		if d.SN != "" {
			if seen[d.SN] {
				t.Errorf("duplicate serial %s", d.SN)
			}
			seen[d.SN] = true
			if len(d.SN) != 16 {
				t.Errorf("%s: serial length %d", d.SN, len(d.SN))
			}
			if spec := specFor(d); !strings.HasPrefix(d.SN, spec.prefix) || spec.model != d.Model {
				t.Errorf("%s: serial prefix does not match model %q", d.SN, d.Model)
			}
		}
		modes[d.gzipMode()]++
		if !d.TunnelAlive {
			down++
		}
		if !d.Management {
			unmanaged++
		}
		if d.Trial {
			trial++
		}
		if d.Latitude == nil {
			noGeo++
		}
		if len(d.VDOMs) > 1 {
			multiVDOM++
		}
		if d.HAPeerSN != "" {
			ha++
		}
		ma, mi, _ := splitVersion(d.FirmwareVersion)
		versions[strings.Join([]string{itoa(ma), itoa(mi)}, ".")] = true
	}
	for _, m := range []GzipMode{GzipWithHeader, GzipWithoutHeader, GzipOff} {
		if modes[m] < 2 {
			t.Errorf("gzip mode %v: %d devices, want several", m, modes[m])
		}
	}
	for _, v := range []string{"6.4", "7.0", "7.2", "7.4", "7.6"} {
		if !versions[v] {
			t.Errorf("no device on FortiOS %s", v)
		}
	}
	if down < 3 || unmanaged < 2 || trial < 2 || noGeo < 3 || multiVDOM < 2 || ha < 1 {
		t.Errorf("variety: down=%d unmanaged=%d trial=%d nogeo=%d multivdom=%d ha=%d", down, unmanaged, trial, noGeo, multiVDOM, ha)
	}
	lans := map[string]bool{}
	for _, d := range devs {
		if d.LAN == "" || lans[d.LAN] {
			t.Errorf("%s: LAN %q missing or shared", d.Name, d.LAN)
		}
		lans[d.LAN] = true
		if _, err := netip.ParsePrefix(d.LAN); err != nil {
			t.Errorf("%s: LAN %q: %v", d.Name, d.LAN, err)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestFleetDeterministic builds two worlds on the same clock and compares
// what they say, byte for byte.
func TestFleetDeterministic(t *testing.T) {
	a, b := start(t, Options{}), start(t, Options{})
	ta, tb := a.demoToken(), b.demoToken()
	ra := a.do("GET", "/forticloudapi/v1/devices", bearer(ta), nil)
	rb := b.do("GET", "/forticloudapi/v1/devices", bearer(tb), nil)
	if !bytes.Equal(ra.body, rb.body) {
		t.Fatal("device lists differ between two emulators")
	}
	hq := a.findDevice(func(d Device) bool { return d.Name == "PAR-HQ-FW01" })
	for _, p := range []string{"api/v2/monitor/system/resource/usage", "api/v2/cmdb/firewall/policy",
		"api/v2/monitor/firewall/policy", "api/v2/cmdb/system/admin", "api/v2/monitor/vpn/ipsec"} {
		_, x := a.fos(ta, "GET", hq.SN, p, nil)
		_, y := b.fos(tb, "GET", hq.SN, p, nil)
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two emulators", p)
		}
	}
}

var monitorPaths = []string{
	"system/status", "system/resource/usage", "system/interface", "system/ha-peer", "system/ha-checksums",
	"system/ha-statistics", "license/status", "router/ipv4", "vpn/ipsec", "firewall/policy",
	"fortiguard/service-communication-stats", "system/firmware", "user/firewall", "user/banned",
	"log/current-disk-usage", "system/time", "license/status/select",
}

var cmdbPaths = []string{"firewall/policy", "firewall/address", "firewall/addrgrp", "system/interface",
	"router/static", "system/global", "system/admin", "vpn.ipsec/phase1-interface"}

// TestFleetSmoke calls every emulated endpoint on every reachable device,
// for each VDOM, and checks the replies are well-formed and consistent.
func TestFleetSmoke(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	nonEmpty := map[string]int{} // monitor path → devices with something to report
	for _, d := range h.e.Devices() {
		if !reachable(d) {
			continue
		}
		for _, p := range []string{"user/banned", "user/firewall", "system/ha-peer", "vpn/ipsec"} {
			_, env := h.fosJSON(tok, "GET", d.SN, "api/v2/monitor/"+p, nil)
			if len(env["results"].([]any)) > 0 {
				nonEmpty[p]++
			}
		}
		for _, p := range monitorPaths {
			st, body := h.fos(tok, "GET", d.SN, "api/v2/monitor/"+p+"?vdom=*", nil)
			var list []map[string]any
			if err := json.Unmarshal(body, &list); err != nil || st != 200 {
				t.Fatalf("%s %s: %d %v %.200s", d.Name, p, st, err, body)
			}
			if len(list) != len(d.VDOMs) {
				t.Errorf("%s %s: %d envelopes for %d VDOMs", d.Name, p, len(list), len(d.VDOMs))
			}
			for _, env := range list {
				if env["status"] != "success" || env["serial"] != d.SN || env["version"] != "v"+d.FirmwareVersion {
					t.Errorf("%s %s: envelope %v %v %v", d.Name, p, env["status"], env["serial"], env["version"])
				}
				if _, ok := env["http_status"]; ok {
					t.Errorf("%s %s: monitor success carries http_status", d.Name, p)
				}
			}
		}
		for _, p := range cmdbPaths {
			st, env := h.fosJSON(tok, "GET", d.SN, "api/v2/cmdb/"+p, nil)
			if st != 200 || env["status"] != "success" || env["http_status"] != float64(200) {
				t.Fatalf("%s %s: %d %v", d.Name, p, st, env)
			}
		}
		// Consistency: monitor hit counts cover exactly the cmdb policies.
		_, cm := h.fosJSON(tok, "GET", d.SN, "api/v2/cmdb/firewall/policy?format=policyid", nil)
		_, mon := h.fosJSON(tok, "GET", d.SN, "api/v2/monitor/firewall/policy", nil)
		var a, b []float64
		for _, r := range cm["results"].([]any) {
			a = append(a, r.(map[string]any)["policyid"].(float64))
		}
		for _, r := range mon["results"].([]any) {
			if id := r.(map[string]any)["policyid"].(float64); id != 0 {
				b = append(b, id)
			}
		}
		if !slices.Equal(a, b) {
			t.Errorf("%s: cmdb policies %v, monitor %v", d.Name, a, b)
		}
		_, st := h.fosJSON(tok, "GET", d.SN, "api/v2/monitor/system/status", nil)
		_, gl := h.fosJSON(tok, "GET", d.SN, "api/v2/cmdb/system/global", nil)
		res, _ := st["results"].(map[string]any)
		if d.versionAtLeast(6, 4) && res["hostname"] != gl["results"].(map[string]any)["hostname"] {
			t.Errorf("%s: status hostname %v, global %v", d.Name, res["hostname"], gl["results"])
		}
	}
	// The demo world has something to show on each of these.
	for p, min := range map[string]int{"user/banned": 5, "user/firewall": 4, "system/ha-peer": 2, "vpn/ipsec": 40} {
		if nonEmpty[p] < min {
			t.Errorf("%s: %d devices report something, want at least %d", p, nonEmpty[p], min)
		}
	}
}
