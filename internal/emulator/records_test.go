package emulator

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestRecords(t *testing.T) {
	h := start(t, Options{})
	h.e.ResetRecords()
	m := h.grant(DemoAPIUsername, DemoAPIPassword, "fortigatecloud")
	tok := m["access_token"].(string)
	d := cmdbDevice(h)
	h.do("GET", "/forticloudapi/v1/devices?limit=1&offset=0", bearer(tok), nil)
	h.fos(tok, "GET", d.SN, "api/v2/cmdb/firewall/policy?vdom=root&format=policyid", nil)
	h.do("POST", iamTokenPath, jsonHdr(), map[string]string{"grant_type": "refresh_token", "client_id": "fortigatecloud",
		"refresh_token": m["refresh_token"].(string)})
	h.do("GET", "/nowhere?token="+tok, nil, nil)
	legacy := h.do("POST", "/forticloudapi/v1/auth", jsonHdr(), map[string]string{"accountId": DemoAccountID,
		"userName": DemoAccountUser, "password": DemoAccountPassword}).json(t)["access_token"].(string)
	h.do("GET", "/forticloudapi/v1/devices/"+d.SN, bearer(legacy), nil)

	want := []Request{
		{Service: "iam", Method: "POST", Path: iamTokenPath, Status: 200, ClientID: "fortigatecloud", User: DemoAPIUsername},
		{Service: "fortigatecloud", Method: "GET", Path: "/forticloudapi/v1/devices", Status: 200, ClientID: "fortigatecloud", User: DemoAPIUsername},
		{Service: "fortios", Method: "GET", Path: fgtProxyPrefix + d.SN + "/api/v2/cmdb/firewall/policy", Status: 200, ClientID: "fortigatecloud", User: DemoAPIUsername},
		{Service: "iam", Method: "POST", Path: iamTokenPath, Status: 200, ClientID: "fortigatecloud", User: DemoAPIUsername},
		{Service: "", Method: "GET", Path: "/nowhere", Status: 404},
		{Service: "fortigatecloud", Method: "POST", Path: "/forticloudapi/v1/auth", Status: 200, User: DemoAccountUser},
		{Service: "fortigatecloud", Method: "GET", Path: "/forticloudapi/v1/devices/" + d.SN, Status: 200, User: DemoAccountUser},
	}
	got := h.e.Requests()
	if len(got) != len(want) || h.e.RequestCount() != len(want) {
		t.Fatalf("%d records (count %d), want %d: %+v", len(got), h.e.RequestCount(), len(want), got)
	}
	for i := range want {
		g := got[i]
		if !g.Time.Equal(testEpoch) {
			t.Errorf("record %d time %v, want the emulator clock", i, g.Time)
		}
		g.Time = want[i].Time
		if g != want[i] {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, g, want[i])
		}
	}
	// Records never hold tokens or passwords.
	b, _ := json.Marshal(got)
	for _, secret := range []string{tok, m["refresh_token"].(string), legacy, DemoAPIPassword, DemoAccountPassword} {
		if strings.Contains(string(b), secret) {
			t.Errorf("records contain a secret: %s", b)
		}
	}
	issued := h.e.IssuedTokens()
	for _, tk := range []string{tok, m["refresh_token"].(string), legacy} {
		if !slices.Contains(issued, tk) {
			t.Errorf("IssuedTokens lacks a token it issued")
		}
	}
	if h.e.TokenGrants("fortigatecloud") != 2 || h.e.PasswordGrants("fortigatecloud") != 1 || h.e.RefreshGrants("fortigatecloud") != 1 {
		t.Error("grant counters")
	}
	h.e.ResetRecords()
	if h.e.RequestCount() != 0 || len(h.e.Requests()) != 0 || h.e.TokenGrants("fortigatecloud") != 0 || h.e.LegacyLogins() != 0 {
		t.Error("ResetRecords left something behind")
	}
}

func TestRecordsConcurrent(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	h.e.ResetRecords()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				h.do("GET", "/forticloudapi/v1/devices?limit=1", bearer(tok), nil)
				_ = h.e.Requests()
			}
		}()
	}
	wg.Wait()
	if n := h.e.RequestCount(); n != 80 {
		t.Errorf("RequestCount %d, want 80", n)
	}
}

func TestRecordCap(t *testing.T) {
	r := newRecorder(8)
	for i := 0; i < 20; i++ {
		r.add(Request{Status: i})
	}
	if r.total != 20 || len(r.reqs) > 8 || r.reqs[len(r.reqs)-1].Status != 19 {
		t.Errorf("total %d kept %d last %+v", r.total, len(r.reqs), r.reqs[len(r.reqs)-1])
	}
}
