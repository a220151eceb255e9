package emulator

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FortiAnalyzer Cloud over real sockets (forticloud-api.md §4).

func (h *harness) fazToken() string {
	h.t.Helper()
	return h.token(DemoAPIUsername, DemoAPIPassword, fazClientID)
}

// fazLogin opens a session with a fresh FortiAnalyzer token.
func (h *harness) fazLogin() string {
	h.t.Helper()
	r := h.do("POST", fazLoginPath, jsonHdr(), map[string]string{"access_token": h.fazToken()})
	if r.status != 200 {
		h.t.Fatalf("login: %d %s", r.status, r.body)
	}
	s, _ := r.json(h.t)["session"].(string)
	if s == "" {
		h.t.Fatalf("login: no session in %s", r.body)
	}
	return s
}

// rpc posts a JSON-RPC body and decodes the reply with json.Number.
func (h *harness) rpc(body any) map[string]any {
	h.t.Helper()
	r := h.do("POST", fazRPCPath, jsonHdr(), body)
	if r.status != 200 {
		h.t.Fatalf("jsonrpc: HTTP %d %s", r.status, r.body)
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		h.t.Fatalf("jsonrpc reply is not a JSON object: %v: %.300s", err, r.body)
	}
	return m
}

// classic sends one classic call and returns result[0].
func (h *harness) classic(sess, method, url string, extra map[string]any) map[string]any {
	h.t.Helper()
	p := map[string]any{"url": url}
	for k, v := range extra {
		p[k] = v
	}
	m := h.rpc(map[string]any{"id": 1, "method": method, "params": []any{p}, "session": sess})
	res, ok := m["result"].([]any)
	if !ok || len(res) != 1 {
		h.t.Fatalf("classic %s %s: result is not a one-element array: %v", method, url, m)
	}
	return res[0].(map[string]any)
}

func classicCode(t *testing.T, r map[string]any) int {
	t.Helper()
	st, _ := r["status"].(map[string]any)
	n, err := st["code"].(json.Number).Int64()
	if err != nil {
		t.Fatalf("status: %v", r)
	}
	return int(n)
}

// v3 sends an API v3 call; it returns result, or the error object.
func (h *harness) v3(sess, method, url string, params map[string]any) (map[string]any, map[string]any) {
	h.t.Helper()
	p := map[string]any{"url": url, "apiver": 3}
	for k, v := range params {
		p[k] = v
	}
	m := h.rpc(map[string]any{"jsonrpc": "2.0", "id": 7, "method": method, "params": []any{p}, "session": sess})
	if m["jsonrpc"] != "2.0" || m["id"] != json.Number("7") {
		h.t.Fatalf("v3 %s %s: envelope %v", method, url, m)
	}
	if e, ok := m["error"].(map[string]any); ok {
		return nil, e
	}
	res, ok := m["result"].(map[string]any)
	if !ok {
		h.t.Fatalf("v3 %s %s: result is not an object: %v", method, url, m)
	}
	return res, nil
}

// v3ok fails the test unless the call succeeds.
func (h *harness) v3ok(sess, method, url string, params map[string]any) map[string]any {
	h.t.Helper()
	res, e := h.v3(sess, method, url, params)
	if e != nil {
		h.t.Fatalf("v3 %s %s: error %v", method, url, e)
	}
	return res
}

// v3err fails the test unless the call fails with code; it returns the message.
func (h *harness) v3err(sess, method, url string, params map[string]any, code int) string {
	h.t.Helper()
	_, e := h.v3(sess, method, url, params)
	if e == nil {
		h.t.Fatalf("v3 %s %s: succeeded, want error %d", method, url, code)
	}
	if got, _ := e["code"].(json.Number).Int64(); int(got) != code {
		h.t.Fatalf("v3 %s %s: error %v, want code %d", method, url, e, code)
	}
	return e["message"].(string)
}

func TestFAZLoginClientID(t *testing.T) {
	h := start(t, Options{})
	sess := h.fazLogin()
	if len(sess) != 88 || !strings.HasSuffix(sess, "==") {
		t.Errorf("session %d characters, want 88 ending in ==", len(sess))
	}
	if r := h.classic(sess, "get", "/sys/status", nil); classicCode(t, r) != 0 {
		t.Errorf("status with a fresh session: %v", r)
	}
	// The session lives on its own once issued (§4.1 step 4: clients may
	// revoke the token at once).
	h.e.RevokeTokens()
	if r := h.classic(sess, "get", "/sys/status", nil); classicCode(t, r) != 0 {
		t.Errorf("status after the token was revoked: %v", r)
	}

	// A live token of another portal is no FortiAnalyzer token (§1.4).
	r := h.do("POST", fazLoginPath, jsonHdr(), map[string]string{"access_token": h.demoToken()})
	if r.status != 401 || r.json(t)["error"] != "invalid_token" {
		t.Errorf("fortigatecloud token: %d %s", r.status, r.body)
	}
	// Case matters: the IAM does not know "fortianalyzer" (§1.4).
	if r := h.do("POST", iamTokenPath, jsonHdr(), map[string]string{"username": DemoAPIUsername,
		"password": DemoAPIPassword, "client_id": "fortianalyzer", "grant_type": "password"}); r.status == 200 {
		t.Errorf("lower-case client_id granted: %s", r.body)
	}
	// Unknown, then superseded tokens.
	if r := h.do("POST", fazLoginPath, jsonHdr(), `{"access_token":"nope"}`); r.status != 401 {
		t.Errorf("unknown token: %d", r.status)
	}
	old := h.fazToken()
	h.fazToken()
	if r := h.do("POST", fazLoginPath, jsonHdr(), map[string]string{"access_token": old}); r.status != 401 {
		t.Errorf("superseded token: %d", r.status)
	}
	// A valid FortiAnalyzer token of a user without FortiAnalyzer access.
	tok := h.token(DemoReadOnlyAPIUsername, DemoReadOnlyAPIPassword, fazClientID)
	r = h.do("POST", fazLoginPath, jsonHdr(), map[string]string{"access_token": tok})
	if r.status != 403 || !strings.Contains(string(r.body), `"code":-11`) {
		t.Errorf("no portal access: %d %s", r.status, r.body)
	}
	// Malformed requests.
	for _, body := range []string{``, `[]`, `{"access_token":""}`, `{"access_token":5}`} {
		if r := h.do("POST", fazLoginPath, jsonHdr(), body); r.status != 400 {
			t.Errorf("body %q: %d %s", body, r.status, r.body)
		}
	}
	if r := h.do("GET", fazLoginPath, nil, nil); r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Errorf("GET login: %d", r.status)
	}
	if r := h.do("POST", strings.TrimSuffix(fazLoginPath, "/"), jsonHdr(), "{}"); r.status != 301 {
		t.Errorf("login without slash: %d", r.status)
	}
	if r := h.do("GET", fazRPCPath, nil, nil); r.status != 405 {
		t.Errorf("GET /jsonrpc: %d", r.status)
	}
	if h.e.FAZLogins() != 1 {
		t.Errorf("FAZLogins %d, want 1", h.e.FAZLogins())
	}
	// Records: the service and caller, never the session.
	var saw bool
	for _, rec := range h.e.Requests() {
		if rec.Path == fazRPCPath && rec.Method == "POST" {
			saw = true
			if rec.Service != svcFortiAnalyzer || rec.ClientID != fazClientID || rec.User != DemoAPIUsername {
				t.Errorf("record %+v", rec)
			}
		}
		if strings.Contains(rec.Path, sess) {
			t.Errorf("session in a record: %+v", rec)
		}
	}
	if !saw {
		t.Error("no /jsonrpc record")
	}
}

func TestFAZLoginMax(t *testing.T) {
	h := start(t, Options{FAZLoginMax: 3})
	var sessions []string
	for i := 0; i < 3; i++ {
		sessions = append(sessions, h.fazLogin())
	}
	r := h.do("POST", fazLoginPath, jsonHdr(), map[string]string{"access_token": h.fazToken()})
	if r.status != 403 || !strings.Contains(string(r.body), "login-max 3") {
		t.Fatalf("fourth login: %d %s", r.status, r.body)
	}
	if n := h.e.FAZActiveSessions(); n != 3 {
		t.Errorf("active %d", n)
	}
	// Logging out frees a slot.
	out := h.classic(sessions[0], "exec", "sys/logout", nil)
	if classicCode(t, out) != 0 || out["url"] != "sys/logout" {
		t.Errorf("logout: %v", out)
	}
	h.fazLogin()
	if h.e.FAZPeakSessions() != 3 || h.e.FAZLogins() != 4 || h.e.FAZLogouts() != 1 {
		t.Errorf("peak %d logins %d logouts %d", h.e.FAZPeakSessions(), h.e.FAZLogins(), h.e.FAZLogouts())
	}
	// Another user has slots of its own.
	h.e.AddAPIUser(APIUser{Username: "FAZ-OTHER", Password: "pw", Portals: map[string]string{fazClientID: AccessRead}})
	tok := h.token("FAZ-OTHER", "pw", fazClientID)
	if r := h.do("POST", fazLoginPath, jsonHdr(), map[string]string{"access_token": tok}); r.status != 200 {
		t.Errorf("other user: %d %s", r.status, r.body)
	}
	if h.e.FAZPeakSessions() != 3 {
		t.Errorf("peak is per user: %d", h.e.FAZPeakSessions())
	}
}

func TestFAZSessionIdle(t *testing.T) {
	h := start(t, Options{FAZSessionIdle: 10 * time.Minute})
	sess := h.fazLogin()
	for i := 0; i < 3; i++ { // each call restarts the idle timer
		h.clock.Advance(9 * time.Minute)
		if r := h.classic(sess, "get", "/sys/status", nil); classicCode(t, r) != 0 {
			t.Fatalf("call %d after 9 idle minutes: %v", i, r)
		}
	}
	h.clock.Advance(10 * time.Minute)
	if n := h.e.FAZActiveSessions(); n != 0 {
		t.Errorf("active after the idle timeout: %d", n)
	}
	r := h.classic(sess, "get", "/sys/status", nil)
	if classicCode(t, r) != -11 || r["status"].(map[string]any)["message"] != fazMsgNoPerm || r["url"] != "/sys/status" {
		t.Errorf("expired session: %v", r)
	}
	// The v3 style of the same answer.
	sess = h.fazLogin()
	h.clock.Advance(11 * time.Minute)
	if msg := h.v3err(sess, "get", "/eventmgmt/adom/root/alerts", nil, -11); msg != fazMsgNoPerm {
		t.Errorf("v3 message %q", msg)
	}
}

func TestFAZDeadSessions(t *testing.T) {
	h := start(t, Options{})
	sess := h.fazLogin()
	// Logout, with and without the leading slash, then -11.
	m := h.rpc(map[string]any{"id": 1, "method": "exec", "params": []any{map[string]any{"url": "/sys/logout"}}, "session": sess})
	if string(mustJSON(m)) != `{"id":1,"result":[{"status":{"code":0,"message":"OK"},"url":"/sys/logout"}]}` {
		t.Errorf("logout reply %s", mustJSON(m))
	}
	if r := h.classic(sess, "get", "/sys/status", nil); classicCode(t, r) != -11 {
		t.Errorf("after logout: %v", r)
	}
	if r := h.classic(sess, "exec", "sys/logout", nil); classicCode(t, r) != -11 {
		t.Errorf("second logout: %v", r)
	}
	if h.e.FAZLogouts() != 1 {
		t.Errorf("logouts %d", h.e.FAZLogouts())
	}
	// ExpireFAZSessions: every session, both styles.
	a, b := h.fazLogin(), h.fazLogin()
	h.e.ExpireFAZSessions()
	if r := h.classic(a, "get", "/dvmdb/adom", nil); classicCode(t, r) != -11 {
		t.Errorf("classic after ExpireFAZSessions: %v", r)
	}
	h.v3err(b, "add", "/logview/adom/root/logsearch", map[string]any{"logtype": "traffic"}, -11)
	// Unknown and missing sessions; several params entries all answer -11.
	m = h.rpc(map[string]any{"id": 2, "method": "get", "params": []any{map[string]any{"url": "/sys/status"}, map[string]any{"url": "/dvmdb/adom"}}})
	res := m["result"].([]any)
	if len(res) != 2 || classicCode(t, res[0].(map[string]any)) != -11 || classicCode(t, res[1].(map[string]any)) != -11 {
		t.Errorf("no session: %v", m)
	}
	if r := h.classic("bm90IGEgc2Vzc2lvbg==", "get", "/sys/status", nil); classicCode(t, r) != -11 {
		t.Errorf("unknown session: %v", r)
	}
	// A user who loses FortiAnalyzer access loses the session's use too.
	sess = h.fazLogin()
	h.e.AddAPIUser(APIUser{Username: DemoAPIUsername, Password: DemoAPIPassword, Portals: map[string]string{"fortigatecloud": AccessAdmin}})
	if r := h.classic(sess, "get", "/sys/status", nil); classicCode(t, r) != -11 {
		t.Errorf("access removed: %v", r)
	}
}

func TestFAZEnvelopes(t *testing.T) {
	h := start(t, Options{})
	sess := h.fazLogin()

	// Classic: one result per params entry, id echoed as sent.
	m := h.rpc(map[string]any{"id": "req-9", "method": "get", "session": sess, "verbose": 1,
		"params": []any{map[string]any{"url": "/sys/status"}, map[string]any{"url": "/sys/nothing"}}})
	res := m["result"].([]any)
	if m["id"] != "req-9" || len(res) != 2 {
		t.Fatalf("classic reply %v", m)
	}
	st := res[0].(map[string]any)
	data := st["data"].(map[string]any)
	if classicCode(t, st) != 0 || st["url"] != "/sys/status" || data["Version"] != "v7.6.7-build3704 260115 (GA)" || data["Major"] != json.Number("7") {
		t.Errorf("status result %v", st)
	}
	if r := res[1].(map[string]any); classicCode(t, r) != -6 || r["status"].(map[string]any)["message"] != "Invalid url" {
		t.Errorf("unknown url %v", r)
	}
	if _, ok := m["jsonrpc"]; ok {
		t.Error("classic request answered with jsonrpc")
	}
	// A long numeric id keeps every digit.
	raw := h.do("POST", fazRPCPath, jsonHdr(), `{"id":202603021400000031,"method":"get","params":[{"url":"sys/status"}],"session":"`+sess+`"}`)
	if !bytes.HasPrefix(raw.body, []byte(`{"id":202603021400000031,"result":[{"status":{"code":0,"message":"OK"},"url":"sys/status","data":{`)) {
		t.Errorf("numeric id: %.200s", raw.body)
	}

	// v3: result is an object; errors are error objects.
	res3 := h.v3ok(sess, "get", "/eventmgmt/adom/root/alerts", map[string]any{"limit": 2})
	if _, ok := res3["data"].([]any); !ok {
		t.Errorf("v3 result %v", res3)
	}
	h.v3err(sess, "get", "/logview/adom/root/nothing", nil, -6)
	h.v3err(sess, "set", "/eventmgmt/adom/root/alerts", nil, -32601)
	h.v3err(sess, "frobnicate", "/eventmgmt/adom/root/alerts", nil, -32601)
	h.v3err(sess, "get", "/eventmgmt/adom/nowhere/alerts", nil, -3)

	// A v3 URL called the classic way, or without apiver 3: classic -6.
	for _, body := range []map[string]any{
		{"id": 1, "method": "get", "session": sess, "params": []any{map[string]any{"url": "/eventmgmt/adom/root/alerts", "apiver": 3}}},
		{"id": 1, "jsonrpc": "2.0", "method": "get", "session": sess, "params": []any{map[string]any{"url": "/eventmgmt/adom/root/alerts"}}},
		{"id": 1, "jsonrpc": "2.0", "method": "get", "session": sess, "params": []any{map[string]any{"url": "/eventmgmt/adom/root/alerts", "apiver": 2}}},
	} {
		m := h.rpc(body)
		res, ok := m["result"].([]any)
		if !ok || classicCode(t, res[0].(map[string]any)) != -6 {
			t.Errorf("v3 URL called %v: %v", body, m)
		}
	}
	// A classic URL in a 2.0 request: classic envelope, jsonrpc echoed.
	m = h.rpc(map[string]any{"jsonrpc": "2.0", "id": 3, "method": "get", "session": sess, "params": []any{map[string]any{"url": "/dvmdb/adom", "apiver": 3}}})
	if m["jsonrpc"] != "2.0" || classicCode(t, m["result"].([]any)[0].(map[string]any)) != 0 {
		t.Errorf("classic URL in a 2.0 request: %v", m)
	}
	// Wrong verbs and malformed bodies.
	if r := h.classic(sess, "set", "/sys/status", nil); classicCode(t, r) != -1 {
		t.Errorf("set /sys/status: %v", r)
	}
	if r := h.classic(sess, "fetch", "/sys/status", nil); classicCode(t, r) != -1 {
		t.Errorf("unknown verb: %v", r)
	}
	for _, body := range []string{`not json`, `{"id":1,"method":"get","session":"x"}`, `{"params":[]}`, `[1]`} {
		r := h.do("POST", fazRPCPath, jsonHdr(), body)
		if r.status != 200 || !strings.Contains(string(r.body), `"code":-1`) {
			t.Errorf("body %q: %d %s", body, r.status, r.body)
		}
	}
	if r := h.classic(sess, "get", "/dvmdb/../sys/status", nil); classicCode(t, r) != -6 {
		t.Errorf("traversal: %v", r)
	}
}

func TestFAZDvmdb(t *testing.T) {
	h := start(t, Options{})
	sess := h.fazLogin()
	adoms := h.classic(sess, "get", "/dvmdb/adom", nil)["data"].([]any)
	if len(adoms) < 2 || adoms[0].(map[string]any)["name"] != DemoFAZADOM || adoms[1].(map[string]any)["name"] != DemoFAZBranchADOM {
		t.Fatalf("adoms %v", adoms)
	}
	fleet := map[string]Device{}
	for _, d := range h.e.Devices() {
		if d.SN != "" && d.Name != "" {
			fleet[d.SN] = d
		}
	}
	all := h.classic(sess, "get", "/dvmdb/device", nil)["data"].([]any)
	if len(all) != len(fleet) {
		t.Errorf("%d devices, fleet has %d named", len(all), len(fleet))
	}
	for _, x := range all {
		rec := x.(map[string]any)
		d, ok := fleet[rec["sn"].(string)]
		if !ok || d.Name != rec["name"] || d.IP != rec["ip"] {
			t.Errorf("device %v does not match the fleet", rec["sn"])
		}
		if pass := rec["adm_pass"].([]any); pass[0] != "ENC" {
			t.Errorf("adm_pass %v", pass)
		}
	}
	root := h.classic(sess, "get", "/dvmdb/adom/root/device", nil)["data"].([]any)
	branches := h.classic(sess, "get", "/dvmdb/adom/Branches/device", nil)["data"].([]any)
	if len(root) == 0 || len(branches) == 0 || len(root)+len(branches) != len(all) {
		t.Errorf("root %d + Branches %d != %d", len(root), len(branches), len(all))
	}
	one := h.classic(sess, "get", "/dvmdb/adom/root/device/"+DemoFAZDeniedDevice, map[string]any{"verbose": 1})
	rec := one["data"].(map[string]any)
	if rec["conn_status"] != "up" || rec["os_type"] != "fos" || rec["ha_mode"] != "AP" || len(rec["ha_slave"].([]any)) != 2 {
		t.Errorf("verbose record %v", rec)
	}
	if r := h.classic(sess, "get", "/dvmdb/adom/Branches/device/"+DemoFAZDeniedDevice, nil); classicCode(t, r) != -3 {
		t.Errorf("device of another ADOM: %v", r)
	}
	if r := h.classic(sess, "get", "/dvmdb/adom/nowhere/device", nil); classicCode(t, r) != -3 {
		t.Errorf("unknown ADOM: %v", r)
	}
	// fields and filter.
	sel := h.classic(sess, "get", "/dvmdb/device", map[string]any{"fields": []string{"sn"},
		"filter": []any{"name", "==", DemoFAZDeniedDevice}})["data"].([]any)
	if len(sel) != 1 || len(sel[0].(map[string]any)) != 3 {
		t.Errorf("fields+filter: %v", sel)
	}
	like := h.classic(sess, "get", "/dvmdb/device", map[string]any{"filter": []any{[]any{"name", "like", "STORE-%"}, "||", []any{"name", "==", "PAR-HQ-FW01"}}})["data"].([]any)
	if len(like) != 21 {
		t.Errorf("like filter: %d devices", len(like))
	}
	if r := h.classic(sess, "get", "/dvmdb/device", map[string]any{"filter": "name==x"}); classicCode(t, r) != -10 {
		t.Errorf("bad classic filter: %v", r)
	}
}

func TestFAZFaultBodies(t *testing.T) {
	h := start(t, Options{})
	h.e.InjectFault(Fault{Service: svcFortiAnalyzer, Status: 503, Times: 1})
	r := h.do("POST", fazRPCPath, jsonHdr(), "{}")
	if r.status != 503 || string(r.body) != `{"id":null,"result":[{"status":{"code":-1,"message":"runtime error 0: Service Unavailable"}}]}` {
		t.Errorf("fortianalyzer fault: %d %s", r.status, r.body)
	}
	h.e.InjectFault(Fault{Service: svcFortiFlex, Status: 502, Times: 1})
	r = h.do("POST", flexBase+"programs/list", jsonHdr(), "{}")
	if r.status != 502 || string(r.body) != `{"error":"Bad Gateway","message":"Bad Gateway","status":-1}` {
		t.Errorf("fortiflex fault: %d %s", r.status, r.body)
	}
	if recs := h.e.Requests(); recs[0].Service != svcFortiAnalyzer {
		t.Errorf("record %+v", recs[0])
	}
}
