package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// FortiFlex v2 over real sockets (forticloud-api.md §2).

type flexReply struct {
	status int
	raw    []byte
	body   map[string]any
}

// flexCall POSTs body (a value to marshal, or a string sent as is) to a
// FortiFlex endpoint; tok "" sends no Authorization header.
func (h *harness) flexCall(tok, endpoint string, body any) flexReply {
	h.t.Helper()
	hdr := jsonHdr()
	if tok != "" {
		hdr["Authorization"] = "Bearer " + tok
	}
	r := h.do("POST", flexBase+endpoint, hdr, body)
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		h.t.Fatalf("%s: reply is not a JSON object (%d): %v: %.300s", endpoint, r.status, err, r.body)
	}
	return flexReply{r.status, r.body, m}
}

func (h *harness) flexToken() string {
	h.t.Helper()
	return h.token(DemoAPIUsername, DemoAPIPassword, "flexvm")
}

// ok checks a success envelope and returns its data.
func (r flexReply) ok(t *testing.T, key string) any {
	t.Helper()
	if r.status != 200 || r.body["status"] != float64(0) || r.body["error"] != nil ||
		r.body["message"] != flexOK {
		t.Fatalf("want success, got %d %.400s", r.status, r.raw)
	}
	data, present := r.body[key]
	if !present {
		t.Fatalf("no %q key: %.300s", key, r.raw)
	}
	return data
}

func (r flexReply) list(t *testing.T, key string) []map[string]any {
	t.Helper()
	arr, ok := r.ok(t, key).([]any)
	if !ok {
		t.Fatalf("%s is not an array: %.300s", key, r.raw)
	}
	out := make([]map[string]any, len(arr))
	for i, v := range arr {
		out[i] = v.(map[string]any)
	}
	return out
}

func (r flexReply) one(t *testing.T, key string) map[string]any {
	t.Helper()
	l := r.list(t, key)
	if len(l) != 1 {
		t.Fatalf("want one %s, got %d", key, len(l))
	}
	return l[0]
}

// fail checks an error envelope: HTTP status, status -1, the data key null
// and a message containing want.
func (r flexReply) fail(t *testing.T, key string, httpStatus int, want string) {
	t.Helper()
	msg, _ := r.body["message"].(string)
	if r.status != httpStatus || r.body["status"] != float64(-1) || !strings.Contains(msg, want) ||
		r.body["error"] != msg {
		t.Fatalf("want %d/-1 %q, got %d %.400s", httpStatus, want, r.status, r.raw)
	}
	if v, present := r.body[key]; key != "" && (!present || v != nil) {
		t.Fatalf("error reply: %q should be null: %.300s", key, r.raw)
	}
}

var (
	reProgramDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT00:00:00$`)
	reStartDate   = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?$`)
	reEndDate     = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`)
	reStopDate    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?-07:00$`)
	reFlexToken   = regexp.MustCompile(`^[0-9A-F]{20}$`)
)

func today(h *harness) string { return h.clock.Now().UTC().Format(time.DateOnly) }

func inDays(h *harness, n int) string {
	return h.clock.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly)
}

func TestFlexEnvelope(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	r := h.flexCall(tok, "programs/list", map[string]any{})
	r.ok(t, "programs")
	if !bytes.HasPrefix(r.raw, []byte(`{"programs":[`)) ||
		!bytes.HasSuffix(r.raw, []byte(`],"error":null,"message":"Request processed successfully.","status":0}`)) {
		t.Errorf("envelope order: %s", r.raw)
	}
	// Error: the data key is null, status -1, and the message says why.
	h.flexCall(tok, "configs/list", map[string]any{}).fail(t, "configs", 400, "programSerialNumber is required")
	// Bodies the SDKs send to programs/list: {}, "", nothing (§2.1; CSE-FLEX posts "").
	for _, b := range []string{`{}`, `""`, ``, `null`, ` {"unknown": 1} `} {
		h.flexCall(tok, "programs/list", b).ok(t, "programs")
	}
	for _, b := range []string{`[]`, `{`, `{} {}`, `"x"`, `42`} {
		h.flexCall(tok, "programs/list", b).fail(t, "programs", 400, "")
	}
}

func TestFlexInvalidToken(t *testing.T) {
	h := start(t, Options{})
	expired := h.flexToken()
	h.clock.Advance(3661 * time.Second) // flexvm tokens last 3660 s (§1.2)
	superseded := h.flexToken()
	current := h.flexToken()
	fgc := h.token(DemoAPIUsername, DemoAPIPassword, "fortigatecloud")
	legacy := h.do("POST", fgcBase+"auth", jsonHdr(), map[string]string{
		"accountId": DemoAccountID, "userName": DemoAccountUser, "password": DemoAccountPassword}).json(t)["access_token"].(string)
	cases := map[string]string{
		"missing": "", "garbage": "not-a-token", "expired": expired, "superseded": superseded,
		"other client": fgc, "legacy login": legacy,
	}
	for name, tok := range cases {
		for _, ep := range []string{"programs/list", "entitlements/vm/create", "entitlements/list"} {
			r := h.flexCall(tok, ep, map[string]any{"configId": DemoFlexConfigFGTVM})
			// HTTP 200: clients must read the body (§2.1, gotcha 5).
			r.fail(t, flexEndpoints[ep].key, 200, flexBadToken)
			if r.body["message"] != flexBadToken {
				t.Errorf("%s: message %q", name, r.body["message"])
			}
			if tok != "" && bytes.Contains(r.raw, []byte(tok)) {
				t.Errorf("%s: the token is echoed in the reply", name)
			}
		}
	}
	h.flexCall(current, "programs/list", nil).ok(t, "programs")
	h.e.RevokeTokens()
	h.flexCall(current, "programs/list", nil).fail(t, "programs", 200, flexBadToken)
	if got := h.e.FlexCreates(); got != 0 {
		t.Errorf("FlexCreates = %d after refused calls", got)
	}
}

func TestFlexMethodsAndPaths(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	for _, m := range []string{"GET", "PUT", "DELETE", "PATCH"} {
		r := h.do(m, flexBase+"programs/list", bearer(tok), nil)
		if r.status != 405 || r.header.Get("Allow") != "POST" {
			t.Errorf("%s: %d Allow=%q", m, r.status, r.header.Get("Allow"))
		}
		var body map[string]any
		if json.Unmarshal(r.body, &body) != nil || body["status"] != float64(-1) {
			t.Errorf("%s: body %s", m, r.body)
		}
	}
	for _, p := range []string{"/ES/api/fortiflex/v2/nope", "/ES/api/fortiflex/v2/programs/list/", "/ES/api/flexvm/v1/groups/list",
		"/ES/api/fortiflex/v2/entitlements/transfer", "/ES/api/", "/ES/api/fortiflex/v2/"} {
		r := h.do("POST", p, bearer(tok), "{}")
		if r.status != 404 || !strings.Contains(string(r.body), `"status":-1`) {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
	recs := h.e.Requests()
	last := recs[len(recs)-1]
	if last.Service != svcFortiFlex {
		t.Errorf("record service %q", last.Service)
	}
}

func TestFlexPermissions(t *testing.T) {
	h := start(t, Options{})
	ro := h.token(DemoReadOnlyAPIUsername, DemoReadOnlyAPIPassword, "flexvm")
	// Read may list everything.
	h.flexCall(ro, "programs/list", nil).ok(t, "programs")
	h.flexCall(ro, "configs/list", map[string]any{"programSerialNumber": DemoFlexProgramSerial}).ok(t, "configs")
	h.flexCall(ro, "entitlements/list", map[string]any{"configId": DemoFlexConfigFGTVM}).ok(t, "entitlements")
	h.flexCall(ro, "groups/list", map[string]any{"accountId": DemoFlexAccountID}).ok(t, "groups")
	h.flexCall(ro, "entitlements/points", map[string]any{"configId": DemoFlexConfigFGTVM,
		"startDate": inDays(h, -10), "endDate": today(h)}).ok(t, "entitlements")
	h.flexCall(ro, "tools/calc", map[string]any{"programSerialNumber": DemoFlexProgramSerial, "productTypeId": 1,
		"parameters": []map[string]any{{"id": 1, "value": "2"}, {"id": 2, "value": "FC"}}}).ok(t, "configs")
	// ...but change nothing (§1.5 rule 4): HTTP 403, status -1.
	before := h.e.FlexEntitlements()
	for ep, spec := range flexEndpoints {
		if !spec.write {
			continue
		}
		h.flexCall(ro, ep, map[string]any{"configId": DemoFlexConfigFGTVM, "id": DemoFlexConfigFGTVM,
			"serialNumber": DemoFlexActiveSerial}).fail(t, spec.key, 403, "Read/Write")
	}
	if after := h.e.FlexEntitlements(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Error("a read-only user changed entitlements")
	}
	// A user without FortiFlex access gets a token (the IAM issues one for
	// any known client_id) but FortiFlex refuses it.
	h.e.AddAPIUser(APIUser{Username: "no-flex", Password: "pw", Portals: map[string]string{"fortigatecloud": AccessAdmin},
		AccountID: DemoFlexAccountID})
	h.flexCall(h.token("no-flex", "pw", "flexvm"), "programs/list", nil).fail(t, "programs", 403, "no permission")
	// Admin counts as ReadWrite or above.
	h.e.AddAPIUser(APIUser{Username: "flex-admin", Password: "pw", Portals: map[string]string{"flexvm": AccessAdmin},
		AccountID: DemoFlexAccountID})
	h.flexCall(h.token("flex-admin", "pw", "flexvm"), "entitlements/vm/create",
		map[string]any{"configId": DemoFlexConfigFGTVM}).ok(t, "entitlements")
}

func TestFlexProgramsAndConfigsShape(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	progs := h.flexCall(tok, "programs/list", nil).list(t, "programs")
	if len(progs) != 2 {
		t.Fatalf("demo sees %d programs, want its 2", len(progs))
	}
	var serials []string
	for _, p := range progs {
		serials = append(serials, p["serialNumber"].(string))
		if len(p) != 5 || p["accountId"] != float64(DemoFlexAccountID) ||
			!reProgramDate.MatchString(p["startDate"].(string)) || !reProgramDate.MatchString(p["endDate"].(string)) {
			t.Errorf("program shape: %v", p)
		}
		if _, ok := p["hasSupportCoverage"].(bool); !ok {
			t.Errorf("hasSupportCoverage: %v", p)
		}
	}
	if strings.Join(serials, " ") != DemoFlexProgramSerial+" "+DemoFlexPrepaidProgramSerial {
		t.Errorf("programs %v", serials)
	}
	if progs[1]["endDate"] != inDays(h, 20)+"T00:00:00" {
		t.Errorf("prepaid program should end in 20 days: %v", progs[1]["endDate"])
	}

	cfgs := h.flexCall(tok, "configs/list", map[string]any{"programSerialNumber": DemoFlexProgramSerial}).list(t, "configs")
	byID := map[float64]map[string]any{}
	for _, c := range cfgs {
		byID[c["id"].(float64)] = c
		if c["accountId"] != float64(DemoFlexAccountID) || c["programSerialNumber"] != DemoFlexProgramSerial {
			t.Errorf("config owner: %v", c)
		}
		for _, p := range c["parameters"].([]any) {
			if _, ok := p.(map[string]any)["value"].(string); !ok {
				t.Errorf("config %v: parameter value is not a string: %v", c["id"], p)
			}
		}
	}
	fgt := byID[float64(DemoFlexConfigFGTVM)]
	want := `{"accountId":1734285,"id":41102,"name":"FGT-VM-4CPU-UTP-Branch","parameters":[` +
		`{"id":1,"name":"CPU","value":"4"},{"id":2,"name":"SERVICEPACK","value":"UTP"},{"id":10,"name":"VDOM","value":"0"},` +
		`{"id":44,"name":"CLOUDSERVICES","value":"FGTFAMS"}],"productType":{"id":1,"name":"FortiGate Virtual Machine - Service Bundle"},` +
		`"programSerialNumber":"ELAVMS0000004821","status":"ACTIVE"}`
	if got, _ := json.Marshal(fgt); string(got) != want {
		t.Errorf("FGT VM config:\n got %s\nwant %s", got, want)
	}
	if byID[float64(DemoFlexConfigDisabled)]["status"] != FlexDisabled ||
		byID[float64(DemoFlexConfigHardware)]["productType"].(map[string]any)["id"] != float64(101) {
		t.Error("disabled or hardware config missing")
	}
	faz := byID[float64(DemoFlexConfigFAZVM)]
	var ids []float64
	for _, p := range faz["parameters"].([]any) {
		ids = append(ids, p.(map[string]any)["id"].(float64))
	}
	if fmt.Sprint(ids) != "[21 22 23]" {
		t.Errorf("FAZ parameters %v", ids)
	}
	if _, ok := byID[float64(DemoFlexConfigSubAccount)]; ok {
		t.Error("configs/list without accountId lists the sub-account's configs")
	}
}

func TestFlexOwnership(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	h.flexCall(tok, "configs/list", map[string]any{"programSerialNumber": DemoFlexOtherProgramSerial}).
		fail(t, "configs", 400, "not found")
	h.flexCall(tok, "configs/list", map[string]any{"programSerialNumber": DemoFlexProgramSerial,
		"accountId": DemoFlexOtherAccountID}).fail(t, "configs", 403, "not accessible")
	sub := h.flexCall(tok, "configs/list", map[string]any{"programSerialNumber": DemoFlexProgramSerial,
		"accountId": fmt.Sprint(DemoFlexSubAccountID)}).list(t, "configs") // a numeric string binds too
	if len(sub) != 1 || sub[0]["id"] != float64(DemoFlexConfigSubAccount) {
		t.Errorf("sub-account configs: %v", sub)
	}
	h.flexCall(tok, "entitlements/list", map[string]any{"configId": DemoFlexConfigOther}).fail(t, "entitlements", 400, "not found")
	h.flexCall(tok, "entitlements/list", map[string]any{"accountId": DemoFlexOtherAccountID,
		"programSerialNumber": DemoFlexOtherProgramSerial}).fail(t, "entitlements", 403, "not accessible")
	h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigOther}).fail(t, "entitlements", 400, "not found")
	h.flexCall(tok, "configs/disable", map[string]any{"id": DemoFlexConfigOther}).fail(t, "configs", 400, "not found")
	h.flexCall(tok, "configs/create", map[string]any{"programSerialNumber": DemoFlexProgramSerial, "accountId": DemoFlexOtherAccountID,
		"name": "x", "productTypeId": 1, "parameters": []map[string]any{{"id": 1, "value": "1"}, {"id": 2, "value": "FC"}}}).
		fail(t, "configs", 403, "not accessible")
	h.flexCall(tok, "groups/list", map[string]any{"accountId": DemoFlexOtherAccountID}).fail(t, "groups", 403, "not accessible")
	var other string
	for _, x := range h.e.FlexEntitlements() {
		if x.AccountID == DemoFlexOtherAccountID && x.Status == FlexActive {
			other = x.SerialNumber
		}
	}
	for _, ep := range []string{"entitlements/stop", "entitlements/vm/token", "entitlements/update"} {
		h.flexCall(tok, ep, map[string]any{"serialNumber": other}).fail(t, "entitlements", 400, "not found")
	}
	// The sub-account's entitlements are the demo account's to manage.
	list := h.flexCall(tok, "entitlements/list", map[string]any{"accountId": DemoFlexSubAccountID,
		"programSerialNumber": DemoFlexProgramSerial}).list(t, "entitlements")
	if len(list) != 1 {
		t.Fatalf("sub-account entitlements: %v", list)
	}
	h.flexCall(tok, "entitlements/stop", map[string]any{"serialNumber": list[0]["serialNumber"]}).one(t, "entitlements")
}

func TestFlexConfigsCreateValidation(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	p := func(kv ...any) []map[string]any {
		var out []map[string]any
		for i := 0; i < len(kv); i += 2 {
			out = append(out, map[string]any{"id": kv[i], "value": kv[i+1]})
		}
		return out
	}
	create := func(pt any, params any) flexReply {
		return h.flexCall(tok, "configs/create", map[string]any{"programSerialNumber": DemoFlexProgramSerial,
			"name": "FGT-VM-test", "productTypeId": pt, "parameters": params})
	}
	bad := []struct {
		name   string
		pt     any
		params any
		want   string
	}{
		{"unknown product", 6, p(1, "2"), "Product type id 6 is not valid"},
		{"product not a number", "FGT", p(1, "2"), "Invalid value for productTypeId"},
		{"param of another product", 1, p(1, "2", 2, "FC", 21, "5"), "Parameter id 21 is not valid for product type 1"},
		{"cpu 0", 1, p(1, "0", 2, "FC"), "Parameter id 1 value 0 is out of range (1-96)"},
		{"cpu 97", 1, p(1, "97", 2, "FC"), "Parameter id 1 value 97 is out of range"},
		{"cpu text", 1, p(1, "four", 2, "FC"), "Parameter id 1 value \"four\" is not a whole number"},
		{"service pack", 1, p(1, "2", 2, "UTM"), "Parameter id 2 value \"UTM\" is not one of FC, UTP, ENT, ATP"},
		{"vdom 501", 1, p(1, "2", 2, "FC", 10, "501"), "Parameter id 10 value 501 is out of range (0-500)"},
		{"vdom negative", 1, p(1, "2", 2, "FC", 10, "-1"), "Parameter id 10 value -1 is out of range"},
		{"missing service pack", 1, p(1, "2"), "Parameter id 2 is required"},
		{"cpu twice", 1, p(1, "2", 1, "4", 2, "FC"), "Parameter id 1 is given more than once"},
		{"NONE mixed", 1, p(1, "2", 2, "FC", 43, "NONE", 43, "FGTAVDB"), "Parameter id 43 cannot combine NONE"},
		{"unknown service", 1, p(1, "2", 2, "FC", 44, "FGTXXXX"), "Parameter id 44 value \"FGTXXXX\" is not one of"},
		{"faz storage", 7, p(21, "4", 22, "0", 23, "FAZFC247"), "Parameter id 21 value 4 is out of range (5-8300)"},
		{"faz missing support", 7, p(21, "5", 22, "0"), "Parameter id 23 is required"},
		{"ems endpoints", 5, p(13, "10", 14, "0", 15, "0", 16, "FCTFC247"), "Parameter id 13 value 10 is out of range (0 or 25-25000)"},
		{"sase step", 205, p(48, "60", 49, "FSASESTD", 50, "0", 51, "0"), "Parameter id 48 value 60 must be a multiple of 25"},
		{"no parameters", 1, nil, "parameters is required"},
		{"empty parameters", 1, []any{}, "parameters is required"},
		{"parameters not a list", 1, map[string]any{"id": 1}, "Invalid value for parameters"},
		{"parameter without id", 1, []any{map[string]any{"value": "2"}}, "Parameter id is missing"},
		{"parameter without value", 1, []any{map[string]any{"id": 1}}, "Parameter id 1 value is missing"},
		{"parameter value object", 1, []any{map[string]any{"id": 1, "value": map[string]any{}}}, "Parameter id 1 value is missing"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { create(tt.pt, tt.params).fail(t, "configs", 400, tt.want) })
	}
	h.flexCall(tok, "configs/create", map[string]any{"programSerialNumber": DemoFlexProgramSerial, "productTypeId": 1,
		"parameters": p(1, "2", 2, "FC")}).fail(t, "configs", 400, "name is required")
	h.flexCall(tok, "configs/create", map[string]any{"name": "x", "productTypeId": 1,
		"parameters": p(1, "2", 2, "FC")}).fail(t, "configs", 400, "programSerialNumber is required")

	// Numbers where strings belong are bound as text, and replies always carry strings.
	cfg := create("1", p(1, 8, 2, "ENT", 10, "003", 43, "FGTAVDB", 43, "FGTDLDB", 45, "NONE")).ok(t, "configs").(map[string]any)
	got, _ := json.Marshal(cfg["parameters"])
	if string(got) != `[{"id":1,"name":"CPU","value":"8"},{"id":2,"name":"SERVICEPACK","value":"ENT"},`+
		`{"id":10,"name":"VDOM","value":"3"},{"id":43,"name":"FORTIGUARDSERVICES","value":"FGTAVDB"},`+
		`{"id":43,"name":"FORTIGUARDSERVICES","value":"FGTDLDB"},{"id":45,"name":"SUPPORTSERVICE","value":"NONE"}]` {
		t.Errorf("parameters: %s", got)
	}
	if cfg["status"] != FlexActive || cfg["id"].(float64) <= float64(DemoFlexConfigOther) {
		t.Errorf("new config %v", cfg)
	}
	create(7, p(21, "25", 22, "3", 23, "FAZFC247", 58, "FAZAISN")).ok(t, "configs")
	create(101, p(27, "FGT40F", 28, "FGHWFC247")).ok(t, "configs")
	// Field names bind case-insensitively [inf].
	h.flexCall(tok, "configs/create", map[string]any{"ProgramSerialNumber": DemoFlexProgramSerial, "NAME": "x",
		"productTypeID": 1, "Parameters": []map[string]any{{"ID": 1, "Value": "1"}, {"id": 2, "value": "FC"}}}).ok(t, "configs")
	if n := len(h.e.FlexConfigs()); n != len(demoFlexConfigs)+4 {
		t.Errorf("%d configs after 4 creations", n)
	}
}

func TestFlexConfigsUpdateDisableEnable(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	id := DemoFlexConfigFGTVM
	cfg := h.flexCall(tok, "configs/update", map[string]any{"id": id, "name": "FGT-VM-8CPU-UTP-Branch",
		"parameters": []map[string]any{{"id": 1, "value": "8"}, {"id": 2, "value": "UTP"}}}).ok(t, "configs").(map[string]any)
	if cfg["name"] != "FGT-VM-8CPU-UTP-Branch" || len(cfg["parameters"].([]any)) != 2 {
		t.Errorf("updated: %v", cfg)
	}
	h.flexCall(tok, "configs/update", map[string]any{"id": id, "parameters": []map[string]any{{"id": 1, "value": "128"}}}).
		fail(t, "configs", 400, "Parameter id 1 value 128 is out of range")
	h.flexCall(tok, "configs/update", map[string]any{"id": id, "name": ""}).fail(t, "configs", 400, "name is required")
	h.flexCall(tok, "configs/update", map[string]any{"name": "x"}).fail(t, "configs", 400, "id is required")
	h.flexCall(tok, "configs/update", map[string]any{"id": 999999}).fail(t, "configs", 400, "Config id 999999 was not found")

	if h.flexCall(tok, "configs/disable", map[string]any{"id": id}).ok(t, "configs").(map[string]any)["status"] != FlexDisabled {
		t.Error("disable")
	}
	h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": id}).fail(t, "entitlements", 400, "DISABLED")
	if h.flexCall(tok, "configs/enable", map[string]any{"id": id}).ok(t, "configs").(map[string]any)["status"] != FlexActive {
		t.Error("enable")
	}
	h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": id}).one(t, "entitlements")
}

func TestFlexVMCreate(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	before := len(h.e.FlexEntitlements())
	ents := h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigFGTVM, "count": 3,
		"description": "new branch"}).list(t, "entitlements")
	if len(ents) != 3 || h.e.FlexCreates() != 1 || len(h.e.FlexEntitlements()) != before+3 {
		t.Fatalf("%d entitlements, FlexCreates %d", len(ents), h.e.FlexCreates())
	}
	seen := map[string]bool{}
	for _, x := range ents {
		serial, token := x["serialNumber"].(string), x["token"].(string)
		if len(x) != 9 || x["status"] != FlexPending || x["tokenStatus"] != FlexNotUsed || x["configId"] != float64(DemoFlexConfigFGTVM) ||
			x["accountId"] != float64(DemoFlexAccountID) || x["description"] != "new branch" ||
			!regexp.MustCompile(`^FGVMELTM26\d{6}$`).MatchString(serial) || !reFlexToken.MatchString(token) ||
			!reStartDate.MatchString(x["startDate"].(string)) || x["endDate"] != inDays(h, 330)+"T00:00:00" || seen[serial] || seen[token] {
			t.Errorf("new entitlement: %v", x)
		}
		seen[serial], seen[token] = true, true
	}
	if got := ents[0]["startDate"]; got != "2026-03-02T09:30:00" {
		t.Errorf("startDate %v, want the clock's time", got)
	}
	// configId as a numeric string (Postman), skipPending, folderPath, a FortiAnalyzer VM.
	x := h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": fmt.Sprint(DemoFlexConfigFGTVM),
		"skipPending": true, "folderPath": "My Assets/vm_entitlements/lab"}).one(t, "entitlements")
	if x["status"] != FlexActive || x["tokenStatus"] != FlexNotUsed || x["description"] != nil {
		t.Errorf("skipPending: %v", x)
	}
	faz := h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigFAZVM}).one(t, "entitlements")
	if !strings.HasPrefix(faz["serialNumber"].(string), "FZVMELTM26") {
		t.Errorf("FAZ serial %v", faz["serialNumber"])
	}
	// endDate forms (§2.1) and bounds (§2.3).
	for in, want := range map[string]string{
		inDays(h, 10):                         inDays(h, 10) + "T00:00:00",
		inDays(h, 10) + "T12:30:00":           inDays(h, 10) + "T12:30:00",
		inDays(h, 10) + " 00:00:00":           inDays(h, 10) + "T00:00:00",
		inDays(h, 10) + "T12:30:00.123":       inDays(h, 10) + "T12:30:00",
		inDays(h, 10) + "T12:30:00.5-07:00":   inDays(h, 10) + "T19:30:00",
		inDays(h, 10) + "T12:30:00Z":          inDays(h, 10) + "T12:30:00",
		today(h):                              today(h) + "T00:00:00",
		inDays(h, 330):                        inDays(h, 330) + "T00:00:00",
		inDays(h, 330) + "T23:59:59.9999999Z": inDays(h, 330) + "T23:59:59",
	} {
		x := h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigFGTVM, "endDate": in}).one(t, "entitlements")
		if x["endDate"] != want {
			t.Errorf("endDate %q: got %v, want %s", in, x["endDate"], want)
		}
	}
	creates := h.e.FlexCreates()
	bad := []struct {
		body map[string]any
		want string
	}{
		{map[string]any{}, "configId is required"},
		{map[string]any{"configId": "abc"}, "Invalid value for configId"},
		{map[string]any{"configId": 1.5}, "Invalid value for configId"},
		{map[string]any{"configId": 999}, "Config id 999 was not found"},
		{map[string]any{"configId": DemoFlexConfigDisabled}, "is DISABLED"},
		{map[string]any{"configId": DemoFlexConfigHardware}, "not a virtual machine product"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "count": 0}, "count must be between 1 and 100"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "count": -2}, "count must be between 1 and 100"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "count": 101}, "count must be between 1 and 100"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "count": "many"}, "Invalid value for count"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "endDate": inDays(h, -1)}, "endDate cannot be earlier than today"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "endDate": inDays(h, 331)}, "later than the program's end date"},
		{map[string]any{"configId": DemoFlexConfigPrepaid, "endDate": inDays(h, 21)}, "later than the program's end date"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "endDate": "next week"}, "is not a valid date"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "endDate": "2026-13-01"}, "is not a valid date"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "folderPath": "Other/x"}, "folderPath must be"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "folderPath": "My Assets//x"}, "folderPath must be"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "skipPending": "yes"}, "Invalid value for skipPending"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "description": []any{}}, "Invalid value for description"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "description": strings.Repeat("x", 251)}, "description must be at most 250"},
	}
	for _, tt := range bad {
		h.flexCall(tok, "entitlements/vm/create", tt.body).fail(t, "entitlements", 400, tt.want)
	}
	if h.e.FlexCreates() != creates {
		t.Errorf("refused creations counted: %d → %d", creates, h.e.FlexCreates())
	}
	// The prepaid program's end bounds its VMs: omitted endDate is its end.
	x = h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigPrepaid}).one(t, "entitlements")
	if x["endDate"] != inDays(h, 20)+"T00:00:00" {
		t.Errorf("prepaid endDate %v", x["endDate"])
	}
	// Once that program has ended, no VM can be created from it.
	h.clock.Advance(21 * 24 * time.Hour)
	tok = h.flexToken() // the old one expired with the days
	h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigPrepaid}).fail(t, "entitlements", 400, "ended on")
}

func findFlexEnt(t *testing.T, e *Emulator, serial string) FlexEntitlement {
	t.Helper()
	for _, x := range e.FlexEntitlements() {
		if x.SerialNumber == serial {
			return x
		}
	}
	t.Fatalf("no entitlement %s", serial)
	return FlexEntitlement{}
}

func TestFlexStateMachine(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	x := h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigFGTVM, "endDate": inDays(h, 5)}).
		one(t, "entitlements")
	sn, token := x["serialNumber"].(string), x["token"].(string)
	call := func(ep string) flexReply {
		return h.flexCall(tok, "entitlements/"+ep, map[string]any{"serialNumber": sn})
	}
	advance := func(d time.Duration) { h.clock.Advance(d); tok = h.flexToken() }

	// PENDING: nothing by hand turns it ACTIVE.
	call("stop").fail(t, "entitlements", 400, "Unable to update entitlement "+sn)
	call("reactivate").fail(t, "entitlements", 400, "Unable to update")
	call("update").fail(t, "entitlements", 400, "Unable to update")
	// Regenerating the token of a PENDING entitlement is allowed [inf].
	y := call("vm/token").one(t, "entitlements")
	if y["token"] == token || !reFlexToken.MatchString(y["token"].(string)) || y["tokenStatus"] != FlexNotUsed || y["status"] != FlexPending {
		t.Errorf("vm/token on PENDING: %v", y)
	}
	if h.e.UseFlexToken(token) {
		t.Error("the replaced token still activates")
	}
	token = y["token"].(string)
	// The VM boots and uses its token.
	if !h.e.UseFlexToken(token) || h.e.UseFlexToken(token) {
		t.Fatal("UseFlexToken: want true once, then false")
	}
	if got := findFlexEnt(t, h.e, sn); got.Status != FlexActive || got.TokenStatus != FlexUsed {
		t.Fatalf("after token use: %+v", got)
	}
	// ACTIVE → STOPPED: endDate becomes the stop time, with an offset (§2.1).
	advance(90 * time.Minute)
	y = call("stop").one(t, "entitlements")
	if y["status"] != FlexStopped || !reStopDate.MatchString(y["endDate"].(string)) {
		t.Errorf("stop: %v", y)
	}
	if y["endDate"] != "2026-03-02T04:00:00-07:00" {
		t.Errorf("stop endDate %v, want the clock's time at -07:00", y["endDate"])
	}
	call("stop").fail(t, "entitlements", 400, "only an ACTIVE entitlement can be stopped")
	call("vm/token").fail(t, "entitlements", 400, "Unable to update")
	call("update").fail(t, "entitlements", 400, "Unable to update")
	// STOPPED → ACTIVE: the scheduled end date is back.
	y = call("reactivate").one(t, "entitlements")
	if y["status"] != FlexActive || y["endDate"] != inDays(h, 5)+"T00:00:00" {
		t.Errorf("reactivate: %v", y)
	}
	call("reactivate").fail(t, "entitlements", 400, "only a STOPPED entitlement can be reactivated")
	// vm/token on ACTIVE: a fresh NOTUSED token; using it marks it USED and keeps ACTIVE.
	y = call("vm/token").one(t, "entitlements")
	if y["tokenStatus"] != FlexNotUsed || y["status"] != FlexActive || !h.e.UseFlexToken(y["token"].(string)) {
		t.Errorf("vm/token on ACTIVE: %v", y)
	}
	// EXPIRED once the end date has passed, evaluated lazily from the Clock.
	advance(5 * 24 * time.Hour) // the end date is today: still valid through today
	if got := findFlexEnt(t, h.e, sn).Status; got != FlexActive {
		t.Errorf("on its end date: %s", got)
	}
	advance(24 * time.Hour)
	list := h.flexCall(tok, "entitlements/list", map[string]any{"configId": DemoFlexConfigFGTVM, "serialNumber": sn}).one(t, "entitlements")
	if list["status"] != FlexExpired {
		t.Errorf("after its end date: %v", list["status"])
	}
	for _, ep := range []string{"stop", "reactivate", "vm/token", "update"} {
		call(ep).fail(t, "entitlements", 400, "(status EXPIRED)")
	}
	// A STOPPED or PENDING entitlement expires too.
	if got := findFlexEnt(t, h.e, DemoFlexExpiredSerial).Status; got != FlexExpired {
		t.Errorf("seeded expired: %s", got)
	}
	var pendingToken string
	for _, x := range h.e.FlexEntitlements() {
		if x.SerialNumber == DemoFlexPendingSerial {
			pendingToken = x.Token
		}
	}
	h.clock.Set(testEpoch.AddDate(0, 0, 331))
	for _, s := range []string{DemoFlexStoppedSerial, DemoFlexPendingSerial, DemoFlexActiveSerial} {
		if got := findFlexEnt(t, h.e, s); got.Status != FlexExpired {
			t.Errorf("%s after the program ended: %s", s, got.Status)
		}
	}
	if h.e.UseFlexToken(pendingToken) {
		t.Error("an EXPIRED entitlement's token activates")
	}
}

func TestFlexEntitlementsListAndUpdate(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	list := func(body map[string]any) []map[string]any {
		t.Helper()
		return h.flexCall(tok, "entitlements/list", body).list(t, "entitlements")
	}
	all := list(map[string]any{"configId": DemoFlexConfigFGTVM})
	if len(all) != 10 {
		t.Fatalf("%d entitlements on the branch config", len(all))
	}
	byState := map[string]int{}
	for _, x := range all {
		byState[x["status"].(string)+"/"+x["tokenStatus"].(string)]++
	}
	if fmt.Sprint(byState) != "map[ACTIVE/USED:6 EXPIRED/USED:1 PENDING/NOTUSED:2 STOPPED/USED:1]" {
		t.Errorf("states %v", byState)
	}
	if n := len(list(map[string]any{"accountId": DemoFlexAccountID, "programSerialNumber": DemoFlexProgramSerial})); n != 19 {
		t.Errorf("%d entitlements of the demo account in the MSSP program", n)
	}
	for body, want := range map[string]int{
		`{"configId":41102,"status":"pending"}`:                     2,
		`{"configId":41102,"status":"ACTIVE","tokenStatus":"USED"}`: 6,
		`{"configId":41102,"tokenStatus":"NOTUSED"}`:                2,
		`{"configId":41102,"description":"BRANCH"}`:                 7,
		`{"configId":41102,"serialNumber":"fgvmeltm25008309"}`:      1,
		`{"configId":41101,"tokenStatus":"NOTUSED"}`:                1,
	} {
		r := h.flexCall(tok, "entitlements/list", body)
		if got := len(r.list(t, "entitlements")); got != want {
			t.Errorf("%s: %d, want %d", body, got, want)
		}
	}
	h.flexCall(tok, "entitlements/list", map[string]any{"configId": DemoFlexConfigFGTVM, "status": "RUNNING"}).
		fail(t, "entitlements", 400, "Invalid value for status")
	h.flexCall(tok, "entitlements/list", map[string]any{"programSerialNumber": DemoFlexProgramSerial}).
		fail(t, "entitlements", 400, "Either configId, or accountId and programSerialNumber")
	h.flexCall(tok, "entitlements/list", map[string]any{}).fail(t, "entitlements", 400, "Either configId")

	// Update: description, endDate, configId of the same product.
	upd := func(body map[string]any) flexReply {
		body["serialNumber"] = DemoFlexActiveSerial
		return h.flexCall(tok, "entitlements/update", body)
	}
	x := upd(map[string]any{"description": "PAR-BR-VM01 (moved to the DC bundle)", "configId": 41103, "endDate": inDays(h, 100)}).
		one(t, "entitlements")
	if x["description"] != "PAR-BR-VM01 (moved to the DC bundle)" || x["configId"] != float64(41103) || x["endDate"] != inDays(h, 100)+"T00:00:00" {
		t.Errorf("update: %v", x)
	}
	if x := upd(map[string]any{"description": nil}).one(t, "entitlements"); x["description"] != nil {
		t.Errorf("description null should clear it: %v", x)
	}
	upd(map[string]any{"configId": DemoFlexConfigFAZVM}).fail(t, "entitlements", 400, "not of the entitlement's product type")
	upd(map[string]any{"configId": DemoFlexConfigDisabled}).fail(t, "entitlements", 400, "is DISABLED")
	upd(map[string]any{"configId": DemoFlexConfigSubAccount}).fail(t, "entitlements", 400, "another account")
	upd(map[string]any{"endDate": inDays(h, 400)}).fail(t, "entitlements", 400, "later than the program's end date")
	upd(map[string]any{"endDate": "2020-01-01"}).fail(t, "entitlements", 400, "earlier than today")
	h.flexCall(tok, "entitlements/update", map[string]any{}).fail(t, "entitlements", 400, "serialNumber is required")
	// Within the program the end date stays; moving to the prepaid
	// program's config cuts it to that program's end [inf].
	x = upd(map[string]any{"configId": 41101}).one(t, "entitlements")
	if x["endDate"] != inDays(h, 100)+"T00:00:00" {
		t.Errorf("endDate kept: %v", x)
	}
	x = upd(map[string]any{"configId": DemoFlexConfigPrepaid}).one(t, "entitlements")
	if x["configId"] != float64(DemoFlexConfigPrepaid) || x["endDate"] != inDays(h, 20)+"T00:00:00" {
		t.Errorf("endDate after moving to the prepaid program: %v", x)
	}
}

func TestFlexVMsKey(t *testing.T) {
	h := start(t, Options{FlexVMsKey: true})
	tok := h.flexToken()
	r := h.flexCall(tok, "entitlements/list", map[string]any{"configId": DemoFlexConfigFGTVM})
	if _, ok := r.body["entitlements"]; ok || len(r.list(t, "vms")) != 10 {
		t.Errorf("want vms only: %.200s", r.raw)
	}
	h.flexCall(tok, "entitlements/stop", map[string]any{"serialNumber": DemoFlexActiveSerial}).one(t, "vms")
	h.flexCall(tok, "entitlements/stop", map[string]any{"serialNumber": DemoFlexActiveSerial}).fail(t, "vms", 400, "Unable to update")
	h.flexCall(tok, "programs/list", nil).ok(t, "programs")
	h.e.SetFlexVMsKey(false)
	h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigFGTVM}).one(t, "entitlements")
}

func TestFlexPointsAndCalc(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	// 4 CPU × UTP 1.65 + one cloud service 0.30 = 6.90 points a day [inf].
	calc := h.flexCall(tok, "tools/calc", map[string]any{"programSerialNumber": DemoFlexProgramSerial, "count": 1, "productTypeId": 1,
		"parameters": []map[string]any{{"id": 1, "value": "4"}, {"id": 2, "value": "UTP"}, {"id": 10, "value": "0"}, {"id": 44, "value": "FGTFAMS"}}}).
		ok(t, "configs").(map[string]any)
	if calc["current"] != 6.9 || calc["latest"] != nil || calc["latestEffectiveDate"] != nil || len(calc) != 3 {
		t.Errorf("calc: %v", calc)
	}
	calc3 := h.flexCall(tok, "tools/calc", map[string]any{"programSerialNumber": DemoFlexProgramSerial, "count": 3, "productTypeId": 7,
		"parameters": []map[string]any{{"id": 21, "value": "25"}, {"id": 22, "value": "3"}, {"id": 23, "value": "FAZFC247"}}}).
		ok(t, "configs").(map[string]any)
	if calc3["current"] != 4.65 { // 3 × (25 × 0.05 + 3 × 0.10)
		t.Errorf("calc FAZ ×3: %v", calc3)
	}
	h.flexCall(tok, "tools/calc", map[string]any{"programSerialNumber": DemoFlexProgramSerial, "productTypeId": 1,
		"parameters": []map[string]any{{"id": 1, "value": "200"}, {"id": 2, "value": "UTP"}}}).fail(t, "configs", 400, "Parameter id 1")
	h.flexCall(tok, "tools/calc", map[string]any{"programSerialNumber": DemoFlexOtherProgramSerial, "productTypeId": 1,
		"parameters": []map[string]any{{"id": 1, "value": "2"}, {"id": 2, "value": "UTP"}}}).fail(t, "configs", 400, "not found")
	h.flexCall(tok, "tools/calc", map[string]any{"programSerialNumber": DemoFlexProgramSerial, "count": 0, "productTypeId": 1,
		"parameters": []map[string]any{{"id": 1, "value": "2"}, {"id": 2, "value": "UTP"}}}).fail(t, "configs", 400, "count must be")

	active := h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigFGTVM, "skipPending": true}).
		one(t, "entitlements")["serialNumber"].(string)
	pending := h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigFGTVM}).
		one(t, "entitlements")["serialNumber"].(string)
	stopped := h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigFGTVM, "skipPending": true}).
		one(t, "entitlements")["serialNumber"].(string)
	h.clock.Advance(24 * time.Hour)
	tok = h.flexToken()
	h.flexCall(tok, "entitlements/stop", map[string]any{"serialNumber": stopped}).one(t, "entitlements")
	h.clock.Advance(2 * 24 * time.Hour)
	tok = h.flexToken()
	points := func(serial, from, to string) any {
		t.Helper()
		r := h.flexCall(tok, "entitlements/points", map[string]any{"configId": DemoFlexConfigFGTVM, "serialNumber": serial,
			"startDate": from, "endDate": to})
		row := r.one(t, "entitlements")
		if row["serialNumber"] != serial || row["accountId"] != float64(DemoFlexAccountID) || len(row) != 3 {
			t.Errorf("points row %v", row)
		}
		return row["points"]
	}
	d0, d2 := testEpoch.Format(time.DateOnly), testEpoch.AddDate(0, 0, 2).Format(time.DateOnly)
	if got := points(active, d0, d2); got != 20.7 { // 3 active days × 6.90, agreeing with tools/calc
		t.Errorf("active: %v points, want 20.7", got)
	}
	if got := points(active, d0, d0); got != calc["current"] {
		t.Errorf("one day: %v, want calc's %v", got, calc["current"])
	}
	if got := points(pending, d0, d2); got != float64(0) {
		t.Errorf("pending: %v points, want 0", got)
	}
	if got := points(stopped, d0, d2); got != 13.8 { // active on day 0 and day 1 (stopped that day), not day 2
		t.Errorf("stopped: %v points, want 13.8", got)
	}
	if got := points(active, "2020-01-01", "2020-12-31"); got != float64(0) {
		t.Errorf("before creation: %v", got)
	}
	all := h.flexCall(tok, "entitlements/points", map[string]any{"accountId": DemoFlexAccountID, "programSerialNumber": DemoFlexProgramSerial,
		"startDate": d0, "endDate": d0}).list(t, "entitlements")
	if len(all) != 22 {
		t.Errorf("%d rows for the program", len(all))
	}
	for _, body := range []struct {
		b    map[string]any
		want string
	}{
		{map[string]any{"configId": DemoFlexConfigFGTVM, "endDate": d0}, "startDate is required"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "startDate": d0}, "endDate is required"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "startDate": "03/02/2026", "endDate": d0}, "not a valid date"},
		{map[string]any{"configId": DemoFlexConfigFGTVM, "startDate": d2, "endDate": d0}, "endDate cannot be earlier than startDate"},
		{map[string]any{"startDate": d0, "endDate": d2}, "Either configId"},
	} {
		h.flexCall(tok, "entitlements/points", body.b).fail(t, "entitlements", 400, body.want)
	}
}

func TestFlexGroups(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	h.flexCall(tok, "groups/list", map[string]any{}).fail(t, "groups", 400, "accountId is required")
	groups := h.flexCall(tok, "groups/list", map[string]any{"accountId": DemoFlexAccountID}).list(t, "groups")
	got, _ := json.Marshal(groups)
	want := `[{"accountId":1734285,"availableTokens":2,"folderPath":"My Assets","usedTokens":9},` +
		`{"accountId":1734285,"availableTokens":2,"folderPath":"My Assets/vm_entitlements","usedTokens":7}]`
	if string(got) != want {
		t.Errorf("groups:\n got %s\nwant %s", got, want)
	}
	h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigFGTVM, "count": 2,
		"folderPath": "My Assets/new/"}).list(t, "entitlements")
	groups = h.flexCall(tok, "groups/list", map[string]any{"accountId": DemoFlexAccountID}).list(t, "groups")
	if len(groups) != 3 || groups[1]["folderPath"] != "My Assets/new" || groups[1]["availableTokens"] != float64(2) {
		t.Errorf("groups after create: %v", groups)
	}
}

func TestFlexDemoWorld(t *testing.T) {
	h := start(t, Options{})
	ents := h.e.FlexEntitlements()
	states := map[string]int{}
	demo := 0
	for _, x := range ents {
		if x.AccountID == DemoFlexAccountID {
			demo++
		}
		states[x.Status]++
		if !reFlexToken.MatchString(x.Token) || !reStartDate.MatchString(x.StartDate) || len(x.SerialNumber) != 16 {
			t.Errorf("seed entitlement %+v", x)
		}
		if x.Status == FlexStopped && !reStopDate.MatchString(x.EndDate) || x.Status != FlexStopped && !reEndDate.MatchString(x.EndDate) {
			t.Errorf("%s: endDate %q", x.SerialNumber, x.EndDate)
		}
	}
	if demo < 18 || states[FlexActive] < 10 || states[FlexPending] < 3 || states[FlexStopped] < 2 || states[FlexExpired] < 1 {
		t.Errorf("demo world: %d demo entitlements, states %v", demo, states)
	}
	for sn, want := range map[string]string{DemoFlexActiveSerial: FlexActive, DemoFlexPendingSerial: FlexPending,
		DemoFlexStoppedSerial: FlexStopped, DemoFlexExpiredSerial: FlexExpired} {
		if got := findFlexEnt(t, h.e, sn).Status; got != want {
			t.Errorf("%s: %s, want %s", sn, got, want)
		}
	}
	// Deterministic: a second emulator on the same clock is the same world.
	other := New(Options{Clock: NewManualClock(testEpoch)})
	if fmt.Sprint(other.FlexEntitlements()) != fmt.Sprint(ents) || fmt.Sprint(other.FlexConfigs()) != fmt.Sprint(h.e.FlexConfigs()) {
		t.Error("the demo world differs between runs")
	}
	if len(New(Options{NoDemoData: true}).FlexPrograms()) != 0 {
		t.Error("NoDemoData still has FortiFlex programs")
	}
	if b, _ := json.Marshal(findFlexEnt(t, h.e, "FGVMELTM25008306")); !bytes.Contains(b, []byte(`"description":null`)) {
		t.Errorf("an entitlement without description: %s", b)
	}
}

func TestFlexFaultsAndRecords(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	h.e.ResetRecords()
	h.e.InjectFault(Fault{Service: svcFortiFlex, PathPrefix: flexBase + "entitlements/vm/create", Status: 503, Times: 1})
	r := h.do("POST", flexBase+"entitlements/vm/create", bearer(tok), map[string]any{"configId": DemoFlexConfigFGTVM})
	if r.status != 503 || h.e.FlexCreates() != 0 {
		t.Errorf("fault: %d, creates %d", r.status, h.e.FlexCreates())
	}
	h.flexCall(tok, "entitlements/vm/create", map[string]any{"configId": DemoFlexConfigFGTVM}).one(t, "entitlements")
	if h.e.FlexCreates() != 1 {
		t.Errorf("creates %d", h.e.FlexCreates())
	}
	n := 0
	for _, req := range h.e.Requests() {
		if req.Service == svcFortiFlex {
			n++
			if req.Status == 200 && (req.ClientID != "flexvm" || req.User != DemoAPIUsername) {
				t.Errorf("record %+v", req)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d fortiflex records", n)
	}
}

func TestFlexConcurrentCreates(t *testing.T) {
	h := start(t, Options{})
	tok := h.flexToken()
	done := make(chan []string, 8)
	for range 8 {
		go func() {
			var serials []string
			for range 5 {
				r := h.do("POST", flexBase+"entitlements/vm/create", bearer(tok), map[string]any{"configId": DemoFlexConfigFGTVM, "count": 2})
				var env struct{ Entitlements []FlexEntitlement }
				_ = json.Unmarshal(r.body, &env)
				for _, x := range env.Entitlements {
					serials = append(serials, x.SerialNumber)
				}
			}
			done <- serials
		}()
	}
	seen := map[string]bool{}
	for range 8 {
		for _, s := range <-done {
			if seen[s] {
				t.Errorf("serial %s issued twice", s)
			}
			seen[s] = true
		}
	}
	if len(seen) != 80 || h.e.FlexCreates() != 40 {
		t.Errorf("%d serials, %d creates", len(seen), h.e.FlexCreates())
	}
}
