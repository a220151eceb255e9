package emulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseProxyPath: whatever arrives, an accepted path has a serial and
// no segment a front-end proxy would refuse.
func FuzzParseProxyPath(f *testing.F) {
	for _, s := range []string{
		fgtProxyPrefix + "FGT60FTK2209A001/api/v2/monitor/system/status",
		fgtProxyPrefix + "FGT60FTK2209A001/api/v2/cmdb/firewall/address/10.0.0.0%2F24",
		fgtProxyPrefix + "FGT60FTK2209A001/api/v2/../devices",
		fgtProxyPrefix + "FGT60FTK2209A001//api",
		fgtProxyPrefix + "%2e%2e/x",
		fgtProxyPrefix + "SN/api/v2/%252e/x",
		fgtProxyPrefix,
		"/other",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		sn, segs, err := parseProxyPath(p)
		if err != nil {
			return
		}
		if sn == "" || strings.Contains(sn, "/") {
			t.Fatalf("accepted serial %q", sn)
		}
		for i, s := range segs {
			if s == "" || strings.ContainsAny(s, "\\\x00") {
				t.Fatalf("accepted segment %q", s)
			}
			for _, part := range strings.Split(s, "/") {
				if part == "." || part == ".." {
					t.Fatalf("accepted traversal in %q", s)
				}
			}
			if strings.Contains(s, "/") && i != len(segs)-1 {
				t.Fatalf("accepted an encoded slash before the last segment: %q", segs)
			}
		}
	})
}

// FuzzParseOAuthBody: the token body parser never panics and returns only
// non-empty strings for the fields it knows.
func FuzzParseOAuthBody(f *testing.F) {
	f.Add("application/json", `{"username":"u","password":"p","client_id":"flexvm","grant_type":"password"}`)
	f.Add("application/x-www-form-urlencoded", "grant_type=refresh_token&client_id=flexvm&refresh_token=abc")
	f.Add("application/x-www-form-urlencoded", "%zz=1")
	f.Add("", `{"username":1}`)
	f.Add("text/plain", `{} {}`)
	f.Add("application/json; charset=utf-8", `null`)
	f.Fuzz(func(t *testing.T, contentType, body string) {
		m, err := parseOAuthBody(contentType, []byte(body))
		if err != nil {
			return
		}
		for k, v := range m {
			if v == "" {
				t.Fatalf("empty value for %q", k)
			}
			found := false
			for _, known := range oauthFields {
				found = found || known == k
			}
			if !found {
				t.Fatalf("unexpected field %q", k)
			}
		}
	})
}

// FuzzFilter: filter parsing and matching never panic.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{"action==accept", "name=@vpn,name!@x", "policyid<=5", "srcaddr==all", "x", "==", "a>=b<c"} {
		f.Add(s)
	}
	row := obj("policyid", int64(7), "name", "LAN-to-Internet", "srcaddr", refs("all", "users-net"), "action", "accept")
	f.Fuzz(func(t *testing.T, s string) {
		conds, err := parseFilters([]string{s})
		if err != nil {
			return
		}
		_ = matchAll(row, conds)
	})
}

// FuzzFortiOSRequest drives a device's FortiOS API with arbitrary paths,
// queries and bodies: it must always answer a JSON envelope with a sane
// status, and never panic.
func FuzzFortiOSRequest(f *testing.F) {
	seeds := []struct {
		method      uint8
		path, query string
		body        string
	}{
		{0, "api/v2/monitor/system/status", "", ""},
		{0, "api/v2/cmdb/firewall/policy", "filter=action==deny&format=policyid|name&start=1&count=2", ""},
		{0, "api/v2/cmdb/firewall/address", "vdom=*", ""},
		{1, "api/v2/cmdb/firewall/address", "", `{"name":"a","subnet":"10.0.0.0/8"}`},
		{1, "api/v2/cmdb/firewall/policy", "", `{"srcintf":[{"name":"any"}],"dstintf":["any"],"srcaddr":[{"name":"all"}],"dstaddr":[{"name":"all"}],"service":[{"name":"ALL"}]}`},
		{2, "api/v2/cmdb/system/global", "", `{"hostname":"x","admintimeout":"12"}`},
		{2, "api/v2/cmdb/firewall/address/all", "", `{"name":"all2"}`},
		{3, "api/v2/cmdb/firewall/addrgrp/blocked-countries", "", ""},
		{0, "api/v2/monitor/system/resource/usage", "resource=cpu&interval=1-hour", ""},
		{0, "api/v2/monitor/router/ipv4", "type=static", ""},
		{4, "api/v2/cmdb/system/interface", "", `{"name":"vl9","type":"vlan","interface":"internal","vlanid":9}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.query, s.body)
	}
	base := demoDevices()[10] // a branch with tunnels
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	now := testEpoch
	f.Fuzz(func(t *testing.T, m uint8, path, query, body string) {
		ds := newDeviceState(base)
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		var segs []string
		if path != "" {
			segs = strings.Split(path, "/")
		}
		status, out := ds.os.handle(fosCall{method: methods[int(m)%len(methods)], segs: segs, query: q,
			body: []byte(body), now: now.Add(time.Duration(len(body)) * time.Second), live: map[string]bool{}})
		if http.StatusText(status) == "" {
			t.Fatalf("status %d", status)
		}
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("reply is not JSON: %v: %.200s", err, out)
		}
	})
}
