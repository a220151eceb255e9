package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestProxyGzipModes(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	tests := []struct {
		mode       GzipMode
		header     string
		gzipMagic  bool
		wantPlain0 byte
	}{
		{GzipWithHeader, "gzip", true, 0},
		{GzipWithoutHeader, "", true, 0},
		{GzipOff, "", false, '{'},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			d := h.findDevice(func(d Device) bool { return reachable(d) && d.gzipMode() == tt.mode })
			r := h.do("GET", fgtProxyPrefix+d.SN+"/api/v2/monitor/system/status", bearer(tok), nil)
			if r.status != 200 {
				t.Fatalf("%s: %d", d.Name, r.status)
			}
			if got := r.header.Get("Content-Encoding"); got != tt.header {
				t.Errorf("%s (FortiOS %s): Content-Encoding %q, want %q", d.Name, d.FirmwareVersion, got, tt.header)
			}
			magic := len(r.body) > 2 && r.body[0] == 0x1f && r.body[1] == 0x8b
			if magic != tt.gzipMagic {
				t.Errorf("%s: gzip magic %v, want %v (first bytes % x)", d.Name, magic, tt.gzipMagic, r.body[:2])
			}
			if !tt.gzipMagic && r.body[0] != tt.wantPlain0 {
				t.Errorf("%s: plain body starts with %q", d.Name, r.body[0])
			}
			var env map[string]any
			if err := json.Unmarshal(gunzipIfNeeded(t, r.body), &env); err != nil || env["serial"] != d.SN {
				t.Errorf("%s: decoded body %v %v", d.Name, err, env)
			}
		})
	}
	// Go's default transport decompresses the header mode by itself.
	d := h.findDevice(func(d Device) bool { return reachable(d) && d.gzipMode() == GzipWithHeader })
	req, _ := http.NewRequest("GET", h.base+fgtProxyPrefix+d.SN+"/api/v2/monitor/system/status", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.HasPrefix(b, []byte("{")) {
		t.Errorf("default client body starts % x", b[:2])
	}
}

func TestProxyReachability(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	down := h.findDevice(func(d Device) bool { return d.SN != "" && d.Management && !d.TunnelAlive })
	unmanaged := h.findDevice(func(d Device) bool { return d.SN != "" && !d.Management && d.TunnelAlive })
	tests := []struct {
		name, sn string
		status   int
		code     string
	}{
		{"tunnel down", down.SN, 503, "device_offline"},
		{"management off", unmanaged.SN, 403, "device_not_managed"},
		{"unknown device", "FGT60FTK9999Z999", 404, "not_found"},
	}
	for _, tt := range tests {
		r := h.do("GET", fgtProxyPrefix+tt.sn+"/api/v2/monitor/system/status", bearer(tok), nil)
		if r.status != tt.status || r.json(t)["error"] != tt.code {
			t.Errorf("%s: %d %s, want %d %s", tt.name, r.status, r.body, tt.status, tt.code)
		}
	}
	h.e.SetTunnelAlive(down.SN, true)
	if st, _ := h.fos(tok, "GET", down.SN, "api/v2/monitor/system/status", nil); st != 200 {
		t.Errorf("after the tunnel comes back: %d", st)
	}
	h.e.SetTunnelAlive(down.SN, false)
	if st, _ := h.fos(tok, "GET", down.SN, "api/v2/monitor/system/status", nil); st != 503 {
		t.Errorf("after the tunnel drops: %d", st)
	}
}

func TestProxyTraversal(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	d := h.findDevice(reachable)
	auth := bearer(tok)
	p := fgtProxyPrefix + d.SN
	bad := []string{
		p + "/api/v2/../../devices",
		p + "/api/v2/monitor/./system/status",
		p + "//api/v2/monitor/system/status",
		p + "/api/v2/monitor//system/status",
		p + "/api/v2/%2e%2e/%2e%2e/devices",
		p + "/api/v2/%2E%2E/x",
		p + "/api%2fv2/monitor/system/status",
		p + "/api/v2/cmdb/firewall/address/a%2f..%2fb",
		p + "/api/v2/cmdb/firewall/address/..",
		p + "/api/v2/monitor/system/status%00",
		p + "/api/v2/monitor/system%5cstatus",
		p + "/api/v2/%252e%252e/devices",
		p + "/api/v2/monitor/system/%zz",
		fgtProxyPrefix + "../devices",
		fgtProxyPrefix + "%2e%2e/devices",
	}
	for _, uri := range bad {
		if st := h.rawStatus("GET", uri, auth); st != 400 {
			t.Errorf("%s: %d, want 400", uri, st)
		}
	}
	// An encoded slash inside an object name is legitimate.
	st, _ := h.fosJSON(tok, "POST", d.SN, "api/v2/cmdb/firewall/address", map[string]any{"name": "10.9.9.0/24", "subnet": "10.9.9.0/24"})
	if st != 200 {
		t.Fatalf("create 10.9.9.0/24: %d", st)
	}
	if st := h.rawStatus("GET", p+"/api/v2/cmdb/firewall/address/10.9.9.0%2F24", auth); st != 200 {
		t.Errorf("GET an address whose name has a slash: %d", st)
	}
}

// cmdbDevice returns a reachable FortiOS 7.x, no-vdom device.
func cmdbDevice(h *harness) Device {
	return h.findDevice(func(d Device) bool { return reachable(d) && d.versionAtLeast(7, 0) && len(d.VDOMs) == 1 })
}

func TestCmdbRoundTrip(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	d := cmdbDevice(h)
	path := "api/v2/cmdb/firewall/address"

	st, w := h.fosJSON(tok, "POST", d.SN, path, map[string]any{"name": "srv-test-01", "subnet": "10.20.30.40/32", "comment": "created"})
	if st != 200 {
		t.Fatalf("POST: %d %v", st, w)
	}
	want := map[string]any{"http_method": "POST", "revision_changed": true, "mkey": "srv-test-01", "vdom": "root",
		"path": "firewall", "name": "address", "status": "success", "http_status": float64(200), "serial": d.SN,
		"version": "v" + d.FirmwareVersion, "build": float64(d.Build)}
	for k, v := range want {
		if w[k] != v {
			t.Errorf("write reply %s = %v, want %v", k, w[k], v)
		}
	}
	if _, ok := w["results"]; ok || w["revision"] == w["old_revision"] || w["old_revision"] == nil {
		t.Errorf("write reply: results present or revision unchanged: %v", w)
	}
	rev1 := w["revision"]

	st, g := h.fosJSON(tok, "GET", d.SN, path+"/srv-test-01", nil)
	res := g["results"].([]any)
	if st != 200 || len(res) != 1 || g["revision"] != rev1 {
		t.Fatalf("GET by key: %d %v", st, g)
	}
	row := res[0].(map[string]any)
	if row["subnet"] != "10.20.30.40 255.255.255.255" || row["q_origin_key"] != "srv-test-01" || row["uuid"] == "" || row["type"] != "ipmask" {
		t.Errorf("stored row %v", row)
	}

	st, w = h.fosJSON(tok, "PUT", d.SN, path+"/srv-test-01", map[string]any{"comment": "updated", "color": 3})
	if st != 200 || w["revision"] == rev1 || w["old_revision"] != rev1 {
		t.Fatalf("PUT: %d %v", st, w)
	}
	_, g = h.fosJSON(tok, "GET", d.SN, path+"/srv-test-01", nil)
	row = g["results"].([]any)[0].(map[string]any)
	if row["comment"] != "updated" || row["color"] != float64(3) || row["subnet"] != "10.20.30.40 255.255.255.255" {
		t.Errorf("after PUT: %v", row)
	}

	if st, w = h.fosJSON(tok, "DELETE", d.SN, path+"/srv-test-01", nil); st != 200 || w["mkey"] != "srv-test-01" {
		t.Fatalf("DELETE: %d %v", st, w)
	}
	st, g = h.fosJSON(tok, "GET", d.SN, path+"/srv-test-01", nil)
	if st != 404 || g["status"] != "error" || g["http_status"] != float64(404) || g["mkey"] != "srv-test-01" {
		t.Errorf("GET after DELETE: %d %v", st, g)
	}
}

func TestCmdbErrors(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	d := cmdbDevice(h)
	addr := "api/v2/cmdb/firewall/address"
	pol := "api/v2/cmdb/firewall/policy"
	lan := h.findLANInterface(tok, d)
	wan := h.wanInterface(tok, d)
	validPolicy := map[string]any{"name": "Test-Policy", "srcintf": []any{map[string]any{"name": lan}},
		"dstintf": []any{map[string]any{"name": wan}}, "srcaddr": []any{map[string]any{"name": "all"}},
		"dstaddr": []any{map[string]any{"name": "gmail.com"}}, "service": []any{map[string]any{"name": "HTTPS"}},
		"action": "accept", "schedule": "always", "nat": "enable"}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range validPolicy {
			m[a] = b
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name, method, path string
		body               any
		status             int
		code               float64
		cli                string
	}{
		{"duplicate", "POST", addr, map[string]any{"name": "all"}, 500, -5, "A duplicate entry already exists.\nCommand fail. Return code -5\n"},
		{"PUT missing", "PUT", addr + "/no-such", map[string]any{"comment": "x"}, 404, -3, ""},
		{"DELETE missing", "DELETE", addr + "/no-such", nil, 404, -3, ""},
		{"bad subnet", "POST", addr, map[string]any{"name": "x1", "subnet": "10.0.0.300/24"}, 500, -651, "node_check_object fail! for subnet 10.0.0.300/24"},
		{"bad enum", "POST", addr, map[string]any{"name": "x2", "type": "cloud"}, 500, -651, "node_check_object fail! for type cloud"},
		{"name too long", "POST", addr, map[string]any{"name": strings.Repeat("a", 80)}, 500, -1, ""},
		{"blank name", "POST", addr, map[string]any{"subnet": "10.0.0.0/8"}, 500, -651, ""},
		{"wrong type", "POST", addr, map[string]any{"name": "x3", "color": "red"}, 500, -651, ""},
		{"missing reference", "POST", pol, with("dstaddr", []any{map[string]any{"name": "branch-net"}}), 500, -651,
			"node_check_object fail! for name branch-net\n\nvalue parse error before 'branch-net'\nCommand fail. Return code -651\n"},
		{"unknown service", "POST", pol, with("service", []any{map[string]any{"name": "NOPE"}}), 500, -651, ""},
		{"empty srcaddr", "POST", pol, with("srcaddr", []any{}), 500, -56, "Attribute 'srcaddr' MUST be set.\nCommand fail. Return code -56\n"},
		{"group name on the address table", "DELETE", addr + "/internal-nets", nil, 404, -3, ""},
		{"group in use", "DELETE", "api/v2/cmdb/firewall/addrgrp/internal-nets", nil, 500, -23, "The entry is used by other"},
		{"physical port", "DELETE", "api/v2/cmdb/system/interface/" + wan, nil, 500, -651, ""},
		{"rename a policy id", "PUT", pol + "/1", map[string]any{"policyid": 9999}, 500, -651, ""},
		{"bad global value", "PUT", "api/v2/cmdb/system/global", map[string]any{"admintimeout": 9999}, 500, -651, ""},
		{"not JSON", "POST", addr, "name=x", 400, 0, ""},
		{"JSON array", "POST", addr, `[{"name":"x"}]`, 400, 0, ""},
		{"POST on a key", "POST", addr + "/all", map[string]any{"name": "y"}, 405, 0, ""},
		{"POST on singleton", "POST", "api/v2/cmdb/system/global", map[string]any{"hostname": "x"}, 405, 0, ""},
		{"DELETE table", "DELETE", addr, nil, 405, 0, ""},
		{"PATCH", "PATCH", addr + "/all", map[string]any{}, 405, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if tt.name == "rename a policy id" {
				_, l := h.fosJSON(tok, "GET", d.SN, pol+"?format=policyid&count=1", nil)
				id := l["results"].([]any)[0].(map[string]any)["policyid"].(float64)
				path = pol + "/" + jsonNum(id)
			}
			st, m := h.fosJSON(tok, tt.method, d.SN, path, tt.body)
			if tt.status != 0 && st != tt.status {
				t.Errorf("status %d, want %d: %v", st, tt.status, m)
			}
			if m["status"] != "error" || m["http_status"] != float64(st) {
				t.Errorf("envelope %v", m)
			}
			if tt.code != 0 && m["error"] != tt.code {
				t.Errorf("error %v, want %v", m["error"], tt.code)
			}
			if tt.cli != "" && !strings.HasPrefix(m["cli_error"].(string), tt.cli) {
				t.Errorf("cli_error %q, want prefix %q", m["cli_error"], tt.cli)
			}
			if tt.method != "GET" && st != 405 && m["revision_changed"] != false {
				t.Errorf("write error without revision_changed:false: %v", m)
			}
		})
	}
	// A valid policy is created with the next id and shows in monitor with no hits.
	st, w := h.fosJSON(tok, "POST", d.SN, pol, validPolicy)
	if st != 200 {
		t.Fatalf("valid policy: %d %v", st, w)
	}
	id := jsonNum(w["mkey"].(float64))
	_, mon := h.fosJSON(tok, "GET", d.SN, "api/v2/monitor/firewall/policy?policyid="+id, nil)
	res := mon["results"].([]any)
	if len(res) != 1 || res[0].(map[string]any)["hit_count"] != nil {
		t.Errorf("monitor for a new policy: %v", res)
	}
	// Deleting an address a policy uses is refused; renaming it carries the reference.
	h.fosJSON(tok, "POST", d.SN, addr, map[string]any{"name": "web-proxy", "subnet": "10.1.2.3/32"})
	h.fosJSON(tok, "PUT", d.SN, pol+"/"+id, map[string]any{"dstaddr": []any{map[string]any{"name": "web-proxy"}}})
	st, m := h.fosJSON(tok, "DELETE", d.SN, addr+"/web-proxy", nil)
	if st != 500 || m["error"] != float64(-23) || !strings.HasPrefix(m["cli_error"].(string), "The entry is used by other 1 entries") {
		t.Errorf("delete an address in use: %d %v", st, m)
	}
	if st, m := h.fosJSON(tok, "PUT", d.SN, addr+"/web-proxy", map[string]any{"name": "web-proxy-2"}); st != 200 {
		t.Fatalf("rename: %d %v", st, m)
	}
	_, p := h.fosJSON(tok, "GET", d.SN, pol+"/"+id, nil)
	if got := p["results"].([]any)[0].(map[string]any)["dstaddr"].([]any)[0].(map[string]any)["name"]; got != "web-proxy-2" {
		t.Errorf("policy dstaddr after rename: %v", got)
	}
	// system/global writes show up in monitor/system/status.
	if st, m := h.fosJSON(tok, "PUT", d.SN, "api/v2/cmdb/system/global", map[string]any{"hostname": "fw-renamed"}); st != 200 {
		t.Fatalf("PUT global: %d %v", st, m)
	}
	_, s := h.fosJSON(tok, "GET", d.SN, "api/v2/monitor/system/status", nil)
	if s["results"].(map[string]any)["hostname"] != "fw-renamed" {
		t.Errorf("status hostname after PUT: %v", s["results"])
	}
}

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }

func (h *harness) findLANInterface(tok string, d Device) string {
	_, m := h.fosJSON(tok, "GET", d.SN, "api/v2/cmdb/system/interface?filter=role==lan&filter=vdom==root&filter=ip!=0.0.0.0%200.0.0.0&format=name", nil)
	return m["results"].([]any)[0].(map[string]any)["name"].(string)
}

func (h *harness) wanInterface(tok string, d Device) string {
	_, m := h.fosJSON(tok, "GET", d.SN, "api/v2/cmdb/system/interface?filter=role==wan&filter=mode==static&format=name", nil)
	return m["results"].([]any)[0].(map[string]any)["name"].(string)
}

func names(t *testing.T, env map[string]any, key string) []string {
	t.Helper()
	var out []string
	for _, r := range env["results"].([]any) {
		out = append(out, jsonString(r.(map[string]any)[key]))
	}
	return out
}

func jsonString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCmdbQuery(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	d := h.findDevice(func(d Device) bool { return d.Name == "LON-OFF-FW01" })
	get := func(q string) map[string]any {
		t.Helper()
		st, m := h.fosJSON(tok, "GET", d.SN, "api/v2/cmdb/firewall/policy?"+q, nil)
		if st != 200 {
			t.Fatalf("%s: %d %v", q, st, m)
		}
		return m
	}
	all := get("")
	size := all["size"].(float64)
	tests := []struct {
		query string
		check func(row map[string]any) bool
		count int // -1: any (but fewer than all)
	}{
		{"filter=action==deny", func(r map[string]any) bool { return r["action"] == "deny" }, 1},
		{"filter=action==DENY", func(r map[string]any) bool { return r["action"] == "deny" }, 1}, // == is case-insensitive
		{"filter=name=@vpn_", func(r map[string]any) bool { return strings.Contains(r["name"].(string), "vpn_") }, 4},
		{"filter=name!@vpn_", func(r map[string]any) bool { return !strings.Contains(r["name"].(string), "vpn_") }, -1},
		{"filter=name==LAN-to-Internet,name==Block-Countries-In", func(r map[string]any) bool {
			return r["name"] == "LAN-to-Internet" || r["name"] == "Block-Countries-In"
		}, 2},
		{"filter=action==accept&filter=nat==enable", func(r map[string]any) bool { return r["action"] == "accept" && r["nat"] == "enable" }, -1},
		{"filter=srcaddr==internal-nets", func(r map[string]any) bool { return strings.Contains(jsonString(r["srcaddr"]), `"internal-nets"`) }, -1},
		{"filter=policyid<=5", func(r map[string]any) bool { return r["policyid"].(float64) <= 5 }, -1},
		{"filter=status!=enable", func(r map[string]any) bool { return r["status"] == "disable" }, 1},
		{"key=name&pattern=LAN-to-Internet", func(r map[string]any) bool { return r["name"] == "LAN-to-Internet" }, 1},
		{"key=name&pattern=lan-to-internet", nil, 0}, // key/pattern is exact
	}
	for _, tt := range tests {
		m := get(tt.query)
		res := m["results"].([]any)
		if (tt.count >= 0 && len(res) != tt.count) || (tt.count < 0 && (len(res) == 0 || float64(len(res)) >= size)) {
			t.Errorf("%s: %d results", tt.query, len(res))
		}
		if m["matched_count"] != float64(len(res)) || m["size"] != size {
			t.Errorf("%s: matched_count %v size %v", tt.query, m["matched_count"], m["size"])
		}
		for _, r := range res {
			if tt.check != nil && !tt.check(r.(map[string]any)) {
				t.Errorf("%s: row does not match: %v", tt.query, r)
			}
		}
	}
	m := get("format=policyid|name")
	for _, r := range m["results"].([]any) {
		row := r.(map[string]any)
		if len(row) != 3 || row["policyid"] == nil || row["name"] == nil || row["q_origin_key"] == nil {
			t.Errorf("format=policyid|name row %v", row)
		}
	}
	allIDs := names(t, all, "policyid")
	m = get("start=1&count=2")
	if got := names(t, m, "policyid"); len(got) != 2 || got[0] != allIDs[1] || m["next_idx"] != float64(2) || m["limit_reached"] != true {
		t.Errorf("start=1&count=2: %v next_idx %v limit_reached %v", got, m["next_idx"], m["limit_reached"])
	}
	if m := get("start=1000"); len(m["results"].([]any)) != 0 {
		t.Errorf("start past the end: %v", m["results"])
	}
	for _, q := range []string{"filter=name", "filter===x", "start=-1", "start=x", "count=x"} {
		st, m := h.fosJSON(tok, "GET", d.SN, "api/v2/cmdb/firewall/policy?"+q, nil)
		if st != 400 || m["status"] != "error" {
			t.Errorf("%s: %d %v, want 400", q, st, m)
		}
	}
	// Monitor parameters narrow results too.
	_, mon := h.fosJSON(tok, "GET", d.SN, "api/v2/monitor/firewall/policy?policyid="+allIDs[0], nil)
	if got := names(t, mon, "policyid"); len(got) != 1 || got[0] != allIDs[0] {
		t.Errorf("monitor policyid filter: %v", got)
	}
	_, usage := h.fosJSON(tok, "GET", d.SN, "api/v2/monitor/system/resource/usage?resource=cpu&interval=1-min", nil)
	res := usage["results"].(map[string]any)
	if len(res) != 1 || usage["name"] != "resource" || usage["action"] != "usage" {
		t.Errorf("resource=cpu&interval=1-min: %v", usage)
	}
	hist := res["cpu"].([]any)[0].(map[string]any)["historical"].(map[string]any)
	if len(hist) != 1 || hist["1-min"] == nil {
		t.Errorf("interval filter: %v", hist)
	}
}

func TestVDOMSelection(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	dc := h.findDevice(func(d Device) bool { return d.Name == "FRA-DC-FW01" })
	arr := func(path string) []map[string]any {
		t.Helper()
		st, b := h.fos(tok, "GET", dc.SN, path, nil)
		var list []map[string]any
		if err := json.Unmarshal(b, &list); err != nil || st != 200 {
			t.Fatalf("%s: %d %v %.200s", path, st, err, b)
		}
		return list
	}
	for _, tt := range []struct {
		path  string
		vdoms []string
	}{
		{"api/v2/cmdb/firewall/policy?vdom=*", []string{"root", "PROD", "DMZ"}},
		{"api/v2/cmdb/firewall/address?vdom=PROD,DMZ", []string{"PROD", "DMZ"}},
		{"api/v2/cmdb/router/static?global=1", []string{"root", "PROD", "DMZ"}},
		{"api/v2/monitor/system/resource/usage?vdom=*", []string{"root", "PROD", "DMZ"}},
		{"api/v2/monitor/router/ipv4?vdom=*", []string{"root", "PROD", "DMZ"}},
	} {
		list := arr(tt.path)
		if len(list) != len(tt.vdoms) {
			t.Fatalf("%s: %d envelopes", tt.path, len(list))
		}
		for i, env := range list {
			if env["vdom"] != tt.vdoms[i] || env["status"] != "success" || env["serial"] != dc.SN {
				t.Errorf("%s[%d]: vdom %v status %v", tt.path, i, env["vdom"], env["status"])
			}
		}
	}
	// Each VDOM has its own objects and revision.
	list := arr("api/v2/cmdb/firewall/address?vdom=*&filter=name=@-net&format=name")
	if jsonString(list[1]["results"]) == jsonString(list[0]["results"]) || list[0]["revision"] == list[1]["revision"] {
		t.Error("VDOMs share address objects or revisions")
	}
	st, one := h.fosJSON(tok, "GET", dc.SN, "api/v2/cmdb/firewall/policy?vdom=PROD", nil)
	if st != 200 || one["vdom"] != "PROD" {
		t.Errorf("vdom=PROD: %d %v", st, one["vdom"])
	}
	if st, m := h.fosJSON(tok, "GET", dc.SN, "api/v2/cmdb/firewall/policy?vdom=nope", nil); st != 400 || m["status"] != "error" {
		t.Errorf("unknown vdom: %d %v", st, m)
	}
	if st, _ := h.fosJSON(tok, "POST", dc.SN, "api/v2/cmdb/firewall/address?vdom=*", map[string]any{"name": "x", "subnet": "10.0.0.1/32"}); st != 400 {
		t.Errorf("write to vdom=*: %d", st)
	}
	// A write to one VDOM leaves the others alone.
	if st, m := h.fosJSON(tok, "POST", dc.SN, "api/v2/cmdb/firewall/address?vdom=DMZ", map[string]any{"name": "only-dmz", "subnet": "10.0.0.1/32"}); st != 200 || m["vdom"] != "DMZ" {
		t.Fatalf("write to DMZ: %d %v", st, m)
	}
	if st, _ := h.fosJSON(tok, "GET", dc.SN, "api/v2/cmdb/firewall/address/only-dmz?vdom=PROD", nil); st != 404 {
		t.Errorf("DMZ object visible in PROD: %d", st)
	}
	// A no-vdom device answers vdom=* with an array of one.
	d := cmdbDevice(h)
	st, b := h.fos(tok, "GET", d.SN, "api/v2/monitor/system/status?vdom=*", nil)
	if st != 200 || !bytes.HasPrefix(b, []byte("[{")) {
		t.Errorf("no-vdom device with vdom=*: %d %.40s", st, b)
	}
}

func TestFortiOSEnvelopes(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	d := cmdbDevice(h)
	tests := []struct {
		method, path string
		status       int
		name, action string
	}{
		{"GET", "api/v2/monitor/system/status", 200, "status", ""},
		{"GET", "api/v2/monitor/system/resource/usage?interval=1-min", 200, "resource", "usage"},
		{"GET", "api/v2/monitor/license/status/select", 200, "status", "select"},
		{"GET", "api/v2/monitor/system/nope", 404, "nope", ""},
		{"GET", "api/v2/cmdb/firewall/nope", 404, "nope", ""},
		{"GET", "api/v2/cmdb/firewall/policy/1/srcintf", 404, "policy", ""},
		{"GET", "api/v3/monitor/system/status", 404, "", ""},
		{"GET", "logindisclaimer", 404, "", ""},
		{"POST", "api/v2/monitor/system/status", 405, "status", ""},
	}
	for _, tt := range tests {
		st, m := h.fosJSON(tok, tt.method, d.SN, tt.path, nil)
		if st != tt.status || m["http_method"] != tt.method || m["serial"] != d.SN || m["version"] != "v"+d.FirmwareVersion {
			t.Errorf("%s %s: %d %v", tt.method, tt.path, st, m)
		}
		if _, isNum := m["build"].(float64); !isNum {
			t.Errorf("%s: build %v is not a number", tt.path, m["build"])
		}
		if tt.name != "" && m["name"] != tt.name {
			t.Errorf("%s: name %v, want %s", tt.path, m["name"], tt.name)
		}
		if act, ok := m["action"]; (tt.action == "" && ok) || (tt.action != "" && act != tt.action) {
			t.Errorf("%s: action %v, want %q", tt.path, act, tt.action)
		}
		if tt.status != 200 && (m["status"] != "error" || m["http_status"] != float64(tt.status)) {
			t.Errorf("%s: error envelope %v", tt.path, m)
		}
	}
}

func TestSecretsAreEncrypted(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	hub := h.findDevice(func(d Device) bool { return d.Name == "LON-OFF-FW01" })
	_, adm := h.fosJSON(tok, "GET", hub.SN, "api/v2/cmdb/system/admin", nil)
	for _, r := range adm["results"].([]any) {
		if p := r.(map[string]any)["password"].(string); !strings.HasPrefix(p, "ENC ") {
			t.Errorf("admin password %q is not ENC", p)
		}
	}
	_, p1 := h.fosJSON(tok, "GET", hub.SN, "api/v2/cmdb/vpn.ipsec/phase1-interface", nil)
	if res := p1["results"].([]any); len(res) == 0 || !strings.HasPrefix(res[0].(map[string]any)["psksecret"].(string), "ENC ") {
		t.Errorf("phase1 psksecret: %v", res)
	}
	const plain = "Plain-Text-Pw1!"
	st, m := h.fosJSON(tok, "POST", hub.SN, "api/v2/cmdb/system/admin", map[string]any{"name": "ops1", "password": plain,
		"accprofile": "prof_admin", "vdom": []any{map[string]any{"name": "root"}}})
	if st != 200 {
		t.Fatalf("create admin: %d %v", st, m)
	}
	_, b := h.fos(tok, "GET", hub.SN, "api/v2/cmdb/system/admin/ops1", nil)
	if bytes.Contains(b, []byte(plain)) || !bytes.Contains(b, []byte(`"password":"ENC `)) {
		t.Errorf("stored admin: %s", b)
	}
	// A VPN tunnel created through cmdb appears as a tunnel interface.
	st, m = h.fosJSON(tok, "POST", hub.SN, "api/v2/cmdb/vpn.ipsec/phase1-interface", map[string]any{"name": "to-partner",
		"interface": h.wanInterface(tok, hub), "remote-gw": "192.0.2.77", "psksecret": plain, "proposal": "aes256-sha256"})
	if st != 200 {
		t.Fatalf("create phase1: %d %v", st, m)
	}
	if st, _ := h.fosJSON(tok, "GET", hub.SN, "api/v2/cmdb/system/interface/to-partner", nil); st != 200 {
		t.Errorf("tunnel interface for the new phase1: %d", st)
	}
	_, vpn := h.fosJSON(tok, "GET", hub.SN, "api/v2/monitor/vpn/ipsec?tunnel=to-partner", nil)
	if res := vpn["results"].([]any); len(res) != 1 || res[0].(map[string]any)["proxyid"].([]any)[0].(map[string]any)["status"] != "down" {
		t.Errorf("monitor for a new tunnel: %v", res)
	}
	if st, m := h.fosJSON(tok, "POST", hub.SN, "api/v2/cmdb/vpn.ipsec/phase1-interface", map[string]any{"name": "bad-prop",
		"interface": h.wanInterface(tok, hub), "remote-gw": "192.0.2.78", "psksecret": "x", "proposal": "rot13-md5"}); st != 500 || m["error"] != float64(-651) {
		t.Errorf("bad proposal: %d %v", st, m)
	}
}

func TestVPNFollowsPeers(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	hq := h.findDevice(func(d Device) bool { return d.Name == "PAR-HQ-FW01" })
	lyon := h.findDevice(func(d Device) bool { return d.Name == "STORE-0101-LYON" })
	down := h.findDevice(func(d Device) bool { return d.Name == "STORE-0106-NANTES" })
	gateways := func() map[string]bool {
		_, m := h.fosJSON(tok, "GET", hq.SN, "api/v2/monitor/vpn/ipsec", nil)
		out := map[string]bool{}
		for _, r := range m["results"].([]any) {
			row := r.(map[string]any)
			if row["parent"] != "SPOKES" || row["type"] != "dialup" {
				t.Errorf("hub instance %v", row["name"])
			}
			out[row["rgwy"].(string)] = true
		}
		return out
	}
	g := gateways()
	if !g[lyon.IP] || g[down.IP] {
		t.Fatalf("hub sees Lyon %v, Nantes (down) %v", g[lyon.IP], g[down.IP])
	}
	h.e.SetTunnelAlive(lyon.SN, false)
	if gateways()[lyon.IP] {
		t.Error("hub still shows Lyon after its tunnel dropped")
	}
	h.e.SetTunnelAlive(lyon.SN, true)
	h.e.SetTunnelAlive(hq.SN, false)
	_, m := h.fosJSON(tok, "GET", lyon.SN, "api/v2/monitor/vpn/ipsec", nil)
	res := m["results"].([]any)
	if len(res) != 1 || res[0].(map[string]any)["proxyid"].([]any)[0].(map[string]any)["status"] != "down" {
		t.Errorf("spoke tunnel with the hub offline: %v", res)
	}
	_, rt := h.fosJSON(tok, "GET", lyon.SN, "api/v2/monitor/router/ipv4?interface=to-hq", nil)
	if n := len(rt["results"].([]any)); n != 0 {
		t.Errorf("routes over a down tunnel: %d", n)
	}
}

func TestMonitorCountersGrow(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	d := h.findDevice(func(d Device) bool { return d.Name == "LON-OFF-FW01" })
	hits := func() float64 {
		_, m := h.fosJSON(tok, "GET", d.SN, "api/v2/monitor/firewall/policy", nil)
		var total float64
		for _, r := range m["results"].([]any) {
			if v, ok := r.(map[string]any)["hit_count"].(float64); ok {
				total += v
			}
		}
		return total
	}
	a := hits()
	h.clock.Advance(time.Hour)
	if b := hits(); b <= a || a == 0 {
		t.Errorf("hit counts did not grow: %v then %v", a, b)
	}
	_, u := h.fosJSON(tok, "GET", d.SN, "api/v2/monitor/system/resource/usage", nil)
	for _, k := range []string{"cpu", "mem"} {
		cur := u["results"].(map[string]any)[k].([]any)[0].(map[string]any)["current"].(float64)
		if cur < 0 || cur > 100 {
			t.Errorf("%s current %v", k, cur)
		}
	}
}
