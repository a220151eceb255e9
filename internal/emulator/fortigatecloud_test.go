package emulator

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func deviceList(t *testing.T, r reply) []map[string]any {
	t.Helper()
	var list []map[string]any
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatalf("device list is not a JSON array: %v: %.200s", err, r.body)
	}
	return list
}

func TestDeviceListPaging(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	all := deviceList(t, h.do("GET", "/forticloudapi/v1/devices", bearer(tok), nil))
	total := len(all)
	if total < 55 {
		t.Fatalf("%d devices", total)
	}
	tests := []struct {
		query     string
		wantLen   int
		wantFirst int // index into the unpaged list
	}{
		{"limit=1&offset=0", 1, 0}, // the health probe of §3.2
		{"limit=10", 10, 0},
		{"limit=10&offset=50", total - 50, 50},
		{"offset=5", total - 5, 5},
		{"offset=1000", 0, -1},
		{"limit=0", 0, -1},
	}
	for _, tt := range tests {
		r := h.do("GET", "/forticloudapi/v1/devices?"+tt.query, bearer(tok), nil)
		list := deviceList(t, r)
		if r.status != 200 || len(list) != tt.wantLen {
			t.Errorf("%s: %d, %d devices, want %d", tt.query, r.status, len(list), tt.wantLen)
			continue
		}
		if tt.wantLen == 0 && string(r.body) != "[]" {
			t.Errorf("%s: empty page is %q, want []", tt.query, r.body)
		}
		for _, d := range list {
			if d["total"] != float64(total) {
				t.Errorf("%s: total %v, want %d on every element", tt.query, d["total"], total)
			}
		}
		if tt.wantFirst >= 0 && list[0]["sn"] != all[tt.wantFirst]["sn"] {
			t.Errorf("%s: first %v, want %v", tt.query, list[0]["sn"], all[tt.wantFirst]["sn"])
		}
	}
	for _, q := range []string{"limit=-1", "limit=abc", "offset=-5", "offset=1.5", "limit=", "sort=bogus"} {
		if q == "limit=" {
			continue // an empty value means "not given"
		}
		r := h.do("GET", "/forticloudapi/v1/devices?"+q, bearer(tok), nil)
		if r.status != 400 || r.json(t)["error"] != "invalid_request" {
			t.Errorf("%s: %d %s, want 400 invalid_request", q, r.status, r.body)
		}
	}
}

func TestDeviceListSort(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	for _, key := range []string{"sn", "name"} {
		list := deviceList(t, h.do("GET", "/forticloudapi/v1/devices?sort="+key, bearer(tok), nil))
		var vals []string
		for _, d := range list {
			vals = append(vals, strings.ToLower(d[key].(string)))
		}
		if !slices.IsSorted(vals) {
			t.Errorf("sort=%s not sorted: %v", key, vals[:5])
		}
	}
	// Sorting happens before paging.
	page := deviceList(t, h.do("GET", "/forticloudapi/v1/devices?sort=sn&limit=3&offset=2", bearer(tok), nil))
	full := deviceList(t, h.do("GET", "/forticloudapi/v1/devices?sort=sn", bearer(tok), nil))
	for i := range page {
		if page[i]["sn"] != full[i+2]["sn"] {
			t.Errorf("sorted page element %d: %v, want %v", i, page[i]["sn"], full[i+2]["sn"])
		}
	}
}

func TestDeviceShape(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	r := h.do("GET", "/forticloudapi/v1/devices", bearer(tok), nil)
	// The §3.2 element: exact field names, in the documented order.
	order := []string{`"sn":`, `"name":`, `"timeZone":`, `"tunnelAlive":`, `"contractEndTime":`, `"model":`,
		`"firmwareVersion":`, `"management":`, `"initialized":`, `"subAccountOid":`, `"ip":`, `"latitude":`,
		`"longitude":`, `"total":`, `"trial":`}
	first := string(r.body[:strings.Index(string(r.body), "}")])
	pos := -1
	for _, k := range order {
		i := strings.Index(first, k)
		if i <= pos {
			t.Fatalf("field %s missing or out of order in %s", k, first)
		}
		pos = i
	}
	if !strings.Contains(string(r.body), `"timeZone":1.0,`) || !strings.Contains(string(r.body), `"latitude":null,"longitude":null`) {
		t.Error("timeZone should be written like -7.0, and a device without coordinates should show null")
	}
	if !strings.Contains(string(r.body), `"sn":"",`) {
		t.Error("the fleet should include a device with an empty serial, as the doc example does")
	}
	hq := h.findDevice(func(d Device) bool { return d.Name == "PAR-HQ-FW01" })
	one := h.do("GET", "/forticloudapi/v1/devices/"+hq.SN, bearer(tok), nil)
	m := one.json(t)
	if one.status != 200 || m["sn"] != hq.SN || m["model"] != "FortiGate 600E" || m["latitude"] != "48.8566" {
		t.Errorf("GET one device: %d %v", one.status, m)
	}
	if r := h.do("GET", "/forticloudapi/v1/devices/FGT60FTK0000X000", bearer(tok), nil); r.status != 404 {
		t.Errorf("unknown device: %d", r.status)
	}
}

func TestFortiGateCloudAuthorization(t *testing.T) {
	h := start(t, Options{})
	hq := h.findDevice(func(d Device) bool { return d.Name == "PAR-HQ-FW01" })
	readOnly := h.token(DemoReadOnlyAPIUsername, DemoReadOnlyAPIPassword, "fortigatecloud")
	flexTok := h.token(DemoAPIUsername, DemoAPIPassword, "flexvm")
	tests := []struct {
		name, path string
		hdr        map[string]string
		code       string
	}{
		{"no token", "/forticloudapi/v1/devices", nil, "invalid_token"},
		{"garbage token", "/forticloudapi/v1/devices", bearer("x"), "invalid_token"},
		{"basic auth", "/forticloudapi/v1/devices", map[string]string{"Authorization": "Basic YTpi"}, "invalid_token"},
		{"token for another portal", "/forticloudapi/v1/devices", bearer(flexTok), "invalid_token"},
		{"Read-only user", "/forticloudapi/v1/devices", bearer(readOnly), "invalid_client"},
		{"Read-only user on one device", "/forticloudapi/v1/devices/" + hq.SN, bearer(readOnly), "invalid_client"},
		{"Read-only user on the proxy", fgtProxyPrefix + hq.SN + "/api/v2/monitor/system/status", bearer(readOnly), "invalid_client"},
	}
	for _, tt := range tests {
		r := h.do("GET", tt.path, tt.hdr, nil)
		if r.status != 401 || r.json(t)["error"] != tt.code {
			t.Errorf("%s: %d %s, want 401 %s", tt.name, r.status, r.body, tt.code)
		}
	}
	// Granting Admin takes effect on the next call, with the same token.
	h.e.AddAPIUser(APIUser{Username: DemoReadOnlyAPIUsername, Password: DemoReadOnlyAPIPassword,
		Portals: map[string]string{"fortigatecloud": AccessAdmin}})
	if st := h.do("GET", "/forticloudapi/v1/devices", bearer(readOnly), nil).status; st != 200 {
		t.Errorf("after granting Admin: %d", st)
	}
}

func TestFortiGateCloudPaths(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	for _, p := range []string{"/v1/devices", "/", "/forticloud/v1/devices", "/api/v2/cmdb/firewall/policy"} {
		r := h.do("GET", p, bearer(tok), nil)
		if r.status != 404 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s, want the web app's 404 page", p, r.status, r.header.Get("Content-Type"))
		}
	}
	if r := h.do("GET", "/forticloudapi/v1/nothing", bearer(tok), nil); r.status != 404 {
		t.Errorf("unknown API path: %d", r.status)
	}
	if r := h.do("DELETE", "/forticloudapi/v1/devices", bearer(tok), nil); r.status != 405 {
		t.Errorf("DELETE /devices: %d", r.status)
	}
	if r := h.do("POST", "/forticloudapi/v1/devices", bearer(tok), map[string]string{"deviceKey": "x"}); r.status != 501 {
		t.Errorf("POST /devices (not emulated): %d", r.status)
	}
}

func TestManagementToggle(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	d := h.findDevice(func(d Device) bool { return d.Name == "STORE-0101-LYON" })
	path := "/forticloudapi/v1/devices/" + d.SN + "/management"
	if r := h.do("PUT", path, bearer(tok), map[string]any{"management": "no"}); r.status != 400 {
		t.Errorf("non-boolean management: %d", r.status)
	}
	if r := h.do("PUT", path, bearer(tok), map[string]any{"management": true}); r.status != 400 {
		t.Errorf("enable without credentials: %d", r.status)
	}
	r := h.do("PUT", path, bearer(tok), map[string]any{"management": false})
	if r.status != 200 || r.json(t)["management"] != false {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	if st, _ := h.fos(tok, "GET", d.SN, "api/v2/monitor/system/status", nil); st != 403 {
		t.Errorf("proxy to an unmanaged device: %d", st)
	}
	r = h.do("PUT", path, bearer(tok), map[string]any{"management": true, "username": "admin", "password": "s3cret!", "forcePasswordChange": false})
	if r.status != 200 || r.json(t)["management"] != true {
		t.Fatalf("enable: %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "s3cret") {
		t.Error("the reply echoes the password")
	}
}
