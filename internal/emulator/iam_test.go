package emulator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPasswordGrantBodies(t *testing.T) {
	h := start(t, Options{})
	form := url.Values{"username": {DemoAPIUsername}, "password": {DemoAPIPassword},
		"client_id": {"fortigatecloud"}, "grant_type": {"password"}}.Encode()
	jsonBody := `{"username":"` + DemoAPIUsername + `","password":"` + DemoAPIPassword +
		`","client_id":"fortigatecloud","grant_type":"password"}`
	tests := []struct {
		name, contentType, body string
	}{
		{"json", "application/json", jsonBody},
		{"json with charset", "application/json; charset=utf-8", jsonBody},
		{"json without content type", "", jsonBody},
		{"form", "application/x-www-form-urlencoded", form},
	}
	var last string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.contentType != "" {
				hdr["Content-Type"] = tt.contentType
			}
			r := h.do("POST", iamTokenPath, hdr, tt.body)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			m := r.json(t)
			// forticloud-api.md §1.2: the full documented body.
			for _, k := range []string{"access_token", "expires_in", "message", "refresh_token", "scope", "status", "token_type"} {
				if _, ok := m[k]; !ok {
					t.Errorf("token body lacks %q", k)
				}
			}
			tok := m["access_token"].(string)
			if len(tok) != 30 || tok == last {
				t.Errorf("access token %q: want a fresh 30-character token", tok)
			}
			last = tok
			if m["expires_in"] != float64(14400) || m["token_type"] != "Bearer" || m["status"] != "success" ||
				m["message"] != "successfully authenticated" || m["scope"] != "read write" {
				t.Errorf("token body %v", m)
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
			}
		})
	}
}

func TestTokenLifetimePerClient(t *testing.T) {
	h := start(t, Options{TokenTTL: map[string]time.Duration{"iam": 90 * time.Second}})
	tests := []struct {
		client string
		ttl    float64
		scope  string
	}{
		{"fortigatecloud", 14400, "read write"},
		{"flexvm", 3660, "read write"},
		{"FortiAnalyzer", 3600, "read write"},
		{"FortiManager", 3600, "read write"},
		{"socaas", 36000, "openid"},
		{"assetmanagement", 3600, "read write"},
		{"iam", 90, "read write"}, // Options.TokenTTL override
	}
	for _, tt := range tests {
		m := h.grant(DemoAPIUsername, DemoAPIPassword, tt.client)
		if m["expires_in"] != tt.ttl || m["scope"] != tt.scope {
			t.Errorf("%s: expires_in %v scope %v, want %v %q", tt.client, m["expires_in"], m["scope"], tt.ttl, tt.scope)
		}
	}
}

func TestTokenErrors(t *testing.T) {
	h := start(t, Options{})
	body := func(user, pass, client, grant string) string {
		return `{"username":"` + user + `","password":"` + pass + `","client_id":"` + client + `","grant_type":"` + grant + `"}`
	}
	tests := []struct {
		name, method, body string
		status             int
		code, desc         string
	}{
		{"wrong password", "POST", body(DemoAPIUsername, "nope", "fortigatecloud", "password"), 400, "invalid_grant", descBadCredentials},
		{"unknown user", "POST", body("00000000-0000-0000-0000-000000000000", "x", "fortigatecloud", "password"), 400, "invalid_grant", ""},
		{"unknown client_id", "POST", body(DemoAPIUsername, DemoAPIPassword, "fortigate", "password"), 401, "invalid_client", ""},
		{"client_id case matters", "POST", body(DemoAPIUsername, DemoAPIPassword, "fortianalyzer", "password"), 401, "invalid_client", ""},
		{"missing client_id", "POST", `{"username":"a","password":"b","grant_type":"password"}`, 401, "invalid_client", ""},
		{"not JSON", "POST", `username=a&password=b`, 400, "invalid_request", descNotJSON},
		{"empty body", "POST", "", 400, "invalid_request", descNotJSON},
		{"trailing garbage", "POST", body(DemoAPIUsername, DemoAPIPassword, "fortigatecloud", "password") + "{}", 400, "invalid_request", descNotJSON},
		{"JSON array", "POST", `[]`, 400, "invalid_request", descNotJSON},
		{"number field", "POST", `{"username":1,"password":"b","client_id":"flexvm","grant_type":"password"}`, 400, "invalid_request", ""},
		{"missing grant_type", "POST", `{"username":"a","password":"b","client_id":"flexvm"}`, 400, "invalid_request", ""},
		{"unsupported grant", "POST", body(DemoAPIUsername, DemoAPIPassword, "flexvm", "client_credentials"), 400, "unsupported_grant_type", ""},
		{"missing password", "POST", `{"username":"a","client_id":"flexvm","grant_type":"password"}`, 400, "invalid_request", ""},
		{"bad refresh token", "POST", `{"client_id":"flexvm","grant_type":"refresh_token","refresh_token":"nope"}`, 400, "invalid_grant", ""},
		{"missing refresh token", "POST", `{"client_id":"flexvm","grant_type":"refresh_token"}`, 400, "invalid_request", ""},
		{"GET", "GET", "", 400, "invalid_request", descNotJSON},
		{"PUT", "PUT", body(DemoAPIUsername, DemoAPIPassword, "flexvm", "password"), 405, "method_not_allowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(tt.method, iamTokenPath, jsonHdr(), tt.body)
			m := r.json(t)
			if r.status != tt.status || m["error"] != tt.code {
				t.Fatalf("got %d %v, want %d %s", r.status, m, tt.status, tt.code)
			}
			if tt.desc != "" && m["error_description"] != tt.desc {
				t.Errorf("error_description %q, want %q", m["error_description"], tt.desc)
			}
		})
	}
	if n := h.e.PasswordGrants("fortigatecloud"); n != 0 {
		t.Errorf("failed grants counted: %d", n)
	}
}

func TestTrailingSlashRedirect(t *testing.T) {
	h := start(t, Options{})
	body := `{"username":"` + DemoAPIUsername + `","password":"` + DemoAPIPassword + `","client_id":"flexvm","grant_type":"password"}`
	r := h.do("POST", "/api/v1/oauth/token", jsonHdr(), body)
	if r.status != http.StatusMovedPermanently || r.header.Get("Location") != iamTokenPath {
		t.Fatalf("no-slash POST: %d Location %q", r.status, r.header.Get("Location"))
	}
	// A client that follows the 301 drops the body (POST becomes GET) and
	// gets the misleading 400 of forticloud-api.md §1.1.
	resp, err := http.Post(h.base+"/api/v1/oauth/token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("followed redirect: %d, want 400", resp.StatusCode)
	}
	if r := h.do("POST", "/api/v1/oauth/revoke_token", jsonHdr(), "{}"); r.status != 301 || r.header.Get("Location") != iamRevokePath {
		t.Errorf("revoke without slash: %d %q", r.status, r.header.Get("Location"))
	}
	if r := h.do("GET", "/api/v1/oauth/verify_token?client_id=flexvm", nil, nil); r.status != 301 ||
		r.header.Get("Location") != iamVerifyPath+"?client_id=flexvm" {
		t.Errorf("verify without slash: %d %q", r.status, r.header.Get("Location"))
	}
	if h.e.PasswordGrants("flexvm") != 0 {
		t.Error("a grant was issued through the redirect")
	}
}

func TestRefreshGrant(t *testing.T) {
	h := start(t, Options{})
	first := h.grant(DemoAPIUsername, DemoAPIPassword, "fortigatecloud")
	refresh := func(rt, client string) reply {
		return h.do("POST", iamTokenPath, map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			url.Values{"grant_type": {"refresh_token"}, "client_id": {client}, "refresh_token": {rt}}.Encode())
	}
	r := refresh(first["refresh_token"].(string), "fortigatecloud")
	if r.status != 200 {
		t.Fatalf("refresh: %d %s", r.status, r.body)
	}
	second := r.json(t)
	if second["access_token"] == first["access_token"] || second["refresh_token"] == first["refresh_token"] {
		t.Fatal("refresh returned the old tokens")
	}
	// The superseded pair is dead; the new one works.
	if st := h.do("GET", "/forticloudapi/v1/devices?limit=1", bearer(first["access_token"].(string)), nil).status; st != 401 {
		t.Errorf("old access token after refresh: %d", st)
	}
	if st := h.do("GET", "/forticloudapi/v1/devices?limit=1", bearer(second["access_token"].(string)), nil).status; st != 200 {
		t.Errorf("new access token: %d", st)
	}
	if r := refresh(first["refresh_token"].(string), "fortigatecloud"); r.status != 400 || r.json(t)["error"] != "invalid_grant" {
		t.Errorf("reused refresh token: %d %s", r.status, r.body)
	}
	// A refresh token only serves the client_id it was issued to.
	if r := refresh(second["refresh_token"].(string), "flexvm"); r.status != 400 || r.json(t)["error"] != "invalid_grant" {
		t.Errorf("refresh for another client: %d %s", r.status, r.body)
	}
	if got := [3]int{h.e.PasswordGrants("fortigatecloud"), h.e.RefreshGrants("fortigatecloud"), h.e.TokenGrants("fortigatecloud")}; got != [3]int{1, 1, 2} {
		t.Errorf("password/refresh/total grants = %v, want [1 1 2]", got)
	}
	// Refresh tokens expire too.
	h.clock.Advance(25 * time.Hour)
	if r := refresh(second["refresh_token"].(string), "fortigatecloud"); r.status != 400 {
		t.Errorf("expired refresh token: %d", r.status)
	}
}

func TestOneLiveTokenPerUserAndClient(t *testing.T) {
	h := start(t, Options{})
	a := h.demoToken()
	flex := h.token(DemoAPIUsername, DemoAPIPassword, "flexvm")
	b := h.demoToken()
	if st := h.do("GET", "/forticloudapi/v1/devices?limit=1", bearer(a), nil).status; st != 401 {
		t.Errorf("first token after a second grant: %d, want 401", st)
	}
	if st := h.do("GET", "/forticloudapi/v1/devices?limit=1", bearer(b), nil).status; st != 200 {
		t.Errorf("second token: %d", st)
	}
	// The flexvm token of the same user survives: the rule is per client_id.
	r := h.do("GET", iamVerifyPath+"?client_id=flexvm", bearer(flex), nil)
	if r.status != 200 || r.json(t)["username"] != DemoAPIUsername {
		t.Errorf("flexvm token after new fortigatecloud grant: %d %s", r.status, r.body)
	}
}

func TestLockout(t *testing.T) {
	h := start(t, Options{LockoutThreshold: 3, LockoutDuration: 20 * time.Minute})
	grant := func(pass, client string) reply {
		return h.do("POST", iamTokenPath, jsonHdr(), map[string]string{"username": DemoAPIUsername, "password": pass,
			"client_id": client, "grant_type": "password"})
	}
	// A success resets the count.
	grant("bad", "flexvm")
	grant("bad", "flexvm")
	if r := grant(DemoAPIPassword, "flexvm"); r.status != 200 {
		t.Fatalf("good password before the threshold: %d", r.status)
	}
	for i := 0; i < 3; i++ {
		if r := grant("bad", []string{"flexvm", "socaas", "fortigatecloud"}[i]); r.status != 400 {
			t.Fatalf("bad attempt %d: %d", i, r.status)
		}
	}
	for _, client := range []string{"flexvm", "fortigatecloud", "FortiAnalyzer"} {
		r := grant(DemoAPIPassword, client)
		m := r.json(t)
		if r.status != 400 || m["error"] != "invalid_grant" || !strings.Contains(m["error_description"].(string), "locked") {
			t.Errorf("%s while locked: %d %v", client, r.status, m)
		}
	}
	// Another user is unaffected.
	h.token(DemoReadOnlyAPIUsername, DemoReadOnlyAPIPassword, "flexvm")
	h.clock.Advance(19 * time.Minute)
	if r := grant(DemoAPIPassword, "flexvm"); r.status != 400 {
		t.Errorf("before the lock expires: %d", r.status)
	}
	h.clock.Advance(time.Minute)
	if r := grant(DemoAPIPassword, "flexvm"); r.status != 200 {
		t.Errorf("after the lock expires: %d %s", r.status, r.body)
	}
}

func TestTokenExpiry(t *testing.T) {
	h := start(t, Options{TokenTTL: map[string]time.Duration{"fortigatecloud": 10 * time.Minute}})
	m := h.grant(DemoAPIUsername, DemoAPIPassword, "fortigatecloud")
	if m["expires_in"] != float64(600) {
		t.Fatalf("expires_in %v", m["expires_in"])
	}
	tok := m["access_token"].(string)
	h.clock.Advance(9*time.Minute + 59*time.Second)
	if r := h.do("GET", iamVerifyPath+"?client_id=fortigatecloud", bearer(tok), nil); r.status != 200 || r.json(t)["expires_in"] != float64(1) {
		t.Fatalf("verify near expiry: %d %s", r.status, r.body)
	}
	if st := h.do("GET", "/forticloudapi/v1/devices", bearer(tok), nil).status; st != 200 {
		t.Fatalf("before expiry: %d", st)
	}
	h.clock.Advance(time.Second)
	r := h.do("GET", "/forticloudapi/v1/devices", bearer(tok), nil)
	if r.status != 401 || r.json(t)["error"] != "invalid_token" {
		t.Errorf("after expiry: %d %s", r.status, r.body)
	}
	// The refresh token outlives the access token.
	rr := h.do("POST", iamTokenPath, jsonHdr(), map[string]string{"grant_type": "refresh_token", "client_id": "fortigatecloud",
		"refresh_token": m["refresh_token"].(string)})
	if rr.status != 200 {
		t.Errorf("refresh after access expiry: %d %s", rr.status, rr.body)
	}
}

func TestRevokeAndVerify(t *testing.T) {
	h := start(t, Options{})
	m := h.grant(DemoAPIUsername, DemoAPIPassword, "fortigatecloud")
	tok := m["access_token"].(string)
	tests := []struct {
		name   string
		body   any
		status int
	}{
		{"unknown client", map[string]string{"client_id": "nope", "token": tok}, 401},
		{"empty token", map[string]string{"client_id": "fortigatecloud"}, 400},
		{"unknown token", map[string]string{"client_id": "fortigatecloud", "token": "x"}, 200},
		{"other client's token is left alone", map[string]string{"client_id": "flexvm", "token": tok}, 200},
	}
	for _, tt := range tests {
		if r := h.do("POST", iamRevokePath, jsonHdr(), tt.body); r.status != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, r.status, tt.status)
		}
	}
	if r := h.do("GET", iamVerifyPath+"?client_id=fortigatecloud", bearer(tok), nil); r.status != 200 {
		t.Fatalf("verify: %d %s", r.status, r.body)
	} else if v := r.json(t); v["username"] != DemoAPIUsername || v["expires_in"] != float64(14400) {
		t.Errorf("verify body %v", v)
	}
	for _, c := range []struct{ q, tok string }{{"flexvm", tok}, {"fortigatecloud", "bogus"}, {"fortigatecloud", ""}} {
		hdr := map[string]string{}
		if c.tok != "" {
			hdr = bearer(c.tok)
		}
		if r := h.do("GET", iamVerifyPath+"?client_id="+c.q, hdr, nil); r.status != 401 {
			t.Errorf("verify %s with %q: %d", c.q, c.tok, r.status)
		}
	}
	if r := h.do("POST", iamRevokePath, jsonHdr(), map[string]string{"client_id": "fortigatecloud", "token": tok}); r.status != 200 || len(r.body) != 0 {
		t.Fatalf("revoke: %d %q", r.status, r.body)
	}
	for _, p := range []string{"/forticloudapi/v1/devices", iamVerifyPath + "?client_id=fortigatecloud"} {
		if st := h.do("GET", p, bearer(tok), nil).status; st != 401 {
			t.Errorf("%s after revoke: %d", p, st)
		}
	}
	// Revoking the access token ends its refresh token too.
	rr := h.do("POST", iamTokenPath, jsonHdr(), map[string]string{"grant_type": "refresh_token", "client_id": "fortigatecloud",
		"refresh_token": m["refresh_token"].(string)})
	if rr.status != 400 {
		t.Errorf("refresh after revoke: %d", rr.status)
	}
}

func TestRevokeTokens(t *testing.T) {
	h := start(t, Options{})
	m := h.grant(DemoAPIUsername, DemoAPIPassword, "fortigatecloud")
	h.e.RevokeTokens()
	if st := h.do("GET", "/forticloudapi/v1/devices", bearer(m["access_token"].(string)), nil).status; st != 401 {
		t.Errorf("access token after RevokeTokens: %d", st)
	}
	rr := h.do("POST", iamTokenPath, jsonHdr(), map[string]string{"grant_type": "refresh_token", "client_id": "fortigatecloud",
		"refresh_token": m["refresh_token"].(string)})
	if rr.status != 400 {
		t.Errorf("refresh after RevokeTokens: %d", rr.status)
	}
	h.demoToken() // new grants still work
}

func TestLegacyAuth(t *testing.T) {
	h := start(t, Options{})
	ok := map[string]string{"accountId": DemoAccountID, "userName": DemoAccountUser, "password": DemoAccountPassword}
	r := h.do("POST", "/forticloudapi/v1/auth", jsonHdr(), ok)
	if r.status != 200 {
		t.Fatalf("legacy auth: %d %s", r.status, r.body)
	}
	m := r.json(t)
	if m["expires_in"] != float64(14400) || m["token_type"] != "Bearer" || len(m["access_token"].(string)) != 30 {
		t.Errorf("legacy token body %v", m)
	}
	tok := m["access_token"].(string)
	if st := h.do("GET", "/forticloudapi/v1/devices?limit=1", bearer(tok), nil).status; st != 200 {
		t.Errorf("legacy token on /devices: %d", st)
	}
	// Not an IAM token: verify refuses it.
	if st := h.do("GET", iamVerifyPath+"?client_id=fortigatecloud", bearer(tok), nil).status; st != 401 {
		t.Errorf("legacy token on verify: %d", st)
	}
	bad := map[string]string{"accountId": DemoAccountID, "userName": DemoAccountUser, "password": "wrong"}
	if r := h.do("POST", "/forticloudapi/v1/auth", jsonHdr(), bad); r.status != 400 || r.json(t)["error"] != "invalid_grant" {
		t.Errorf("bad legacy password: %d %s", r.status, r.body)
	}
	numeric := `{"accountId":` + DemoAccountID + `,"userName":"` + DemoAccountUser + `","password":"` + DemoAccountPassword + `"}`
	if r := h.do("POST", "/forticloudapi/v1/auth", jsonHdr(), numeric); r.status != 200 {
		t.Errorf("numeric accountId: %d %s", r.status, r.body)
	}
	if st := h.do("GET", "/forticloudapi/v1/auth", nil, nil).status; st != 405 {
		t.Errorf("GET /auth: %d", st)
	}
	if n := h.e.LegacyLogins(); n != 2 {
		t.Errorf("LegacyLogins %d, want 2", n)
	}
}
