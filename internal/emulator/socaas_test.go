package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// socResult decodes the §5.1 envelope.
type socResult struct {
	Result struct {
		Status   int               `json:"status"`
		ErrorArr []json.RawMessage `json:"errorArr"`
		Data     json.RawMessage   `json:"data"`
	} `json:"result"`
}

func socDecode(t *testing.T, r reply) socResult {
	t.Helper()
	var res socResult
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatalf("not a SOCaaS envelope: %v: %s", err, r.body)
	}
	if r.status == 200 && (res.Result.Status != 0 || len(res.Result.ErrorArr) != 0) {
		t.Fatalf("200 with an error envelope: %s", r.body)
	}
	if r.status != 200 && (res.Result.Status == 0 || string(res.Result.Data) != "null" || len(res.Result.ErrorArr) != 1) {
		t.Fatalf("%d without an error envelope: %s", r.status, r.body)
	}
	if !strings.Contains(string(r.body), `"errorArr":`) {
		t.Fatalf("errorArr missing: %s", r.body)
	}
	return res
}

// socErrText returns the only errorArr item's text (string form).
func socErrText(t *testing.T, r reply) string {
	t.Helper()
	res := socDecode(t, r)
	var s string
	if err := json.Unmarshal(res.Result.ErrorArr[0], &s); err != nil {
		t.Fatalf("errorArr item is not a string: %s", r.body)
	}
	return s
}

type socH struct {
	*harness
	tok string
}

func socStart(t *testing.T, opts Options) *socH {
	h := start(t, opts)
	return &socH{h, h.token(DemoAPIUsername, DemoAPIPassword, "socaas")}
}

func (h *socH) get(path string) reply { return h.do("GET", path, bearer(h.tok), nil) }

func (h *socH) post(path string, data any) reply {
	hdr := bearer(h.tok)
	hdr["Content-Type"] = "application/json"
	return h.do("POST", path, hdr, map[string]any{"param": map[string]any{"data": data}})
}

func (h *socH) list(t *testing.T, path string) []map[string]any {
	t.Helper()
	r := h.get(path)
	if r.status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	var out []map[string]any
	if err := json.Unmarshal(socDecode(t, r).Result.Data, &out); err != nil {
		t.Fatalf("data is not an array: %s", r.body)
	}
	return out
}

func (h *socH) object(t *testing.T, path string) map[string]any {
	t.Helper()
	r := h.get(path)
	if r.status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	var out map[string]any
	if err := json.Unmarshal(socDecode(t, r).Result.Data, &out); err != nil || out == nil {
		t.Fatalf("data is not an object: %s", r.body)
	}
	return out
}

func TestSOCaaSAuth(t *testing.T) {
	h := socStart(t, Options{})
	const want = `{"result":{"status":1,"errorArr":["Invalid credentials given."],"data":null}}`
	fgc := h.token(DemoAPIUsername, DemoAPIPassword, "fortigatecloud")
	h.AddAPIUserRO(t)
	noAccess := h.token(DemoReadOnlyAPIUsername, DemoReadOnlyAPIPassword, "socaas") // token issued, no SOCaaS access
	for name, hdr := range map[string]map[string]string{
		"none": nil, "garbage": bearer("nope"), "wrong client_id": bearer(fgc), "no access": bearer(noAccess),
		"basic": {"Authorization": "Basic " + h.tok},
	} {
		r := h.do("GET", "/socaasAPI/v1/alert", hdr, nil)
		if r.status != 401 || string(r.body) != want {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
		if strings.Contains(string(r.body), h.tok) {
			t.Errorf("%s: token echoed", name)
		}
	}
	// A read-only SOCaaS user reads but cannot write (403 [inf]).
	ro := h.token("11111111-2222-4333-8444-555555555555", "pw", "socaas")
	if r := h.do("GET", "/socaasAPI/v1/alert/"+DemoSOCaaSAlertUUID, bearer(ro), nil); r.status != 200 {
		t.Fatalf("read-only GET: %d %s", r.status, r.body)
	}
	hdr := bearer(ro)
	r := h.do("POST", "/socaasAPI/v1/alert/"+DemoSOCaaSAlertUUID, hdr, `{"param":{"data":{"status":"inprogress"}}}`)
	if r.status != 403 || !strings.Contains(socErrText(t, r), "read-only") {
		t.Fatalf("read-only POST: %d %s", r.status, r.body)
	}
	// Another account sees none of the demo account's alerts.
	h.e.AddAPIUser(APIUser{Username: "99999999-2222-4333-8444-555555555555", Password: "pw",
		Portals: map[string]string{"socaas": AccessAdmin}, AccountID: 42})
	other := h.token("99999999-2222-4333-8444-555555555555", "pw", "socaas")
	if r := h.do("GET", "/socaasAPI/v1/alert/"+DemoSOCaaSAlertUUID, bearer(other), nil); r.status != 404 {
		t.Fatalf("other account detail: %d %s", r.status, r.body)
	}
	for _, rq := range h.e.Requests() {
		if rq.Service == "socaas" && rq.Status == 200 && rq.ClientID != "socaas" {
			t.Fatalf("record %+v", rq)
		}
	}
	if h.e.SOCaaSPosts() != 0 {
		t.Fatalf("posts %d", h.e.SOCaaSPosts())
	}
}

// AddAPIUserRO adds the read-only SOCaaS test user.
func (h *socH) AddAPIUserRO(t *testing.T) {
	t.Helper()
	h.e.AddAPIUser(APIUser{Username: "11111111-2222-4333-8444-555555555555", Password: "pw",
		Portals: map[string]string{"socaas": AccessRead}, AccountID: DemoFlexAccountID})
}

func TestSOCaaSObjectErrors(t *testing.T) {
	h := socStart(t, Options{SOCaaSObjectErrors: true})
	r := h.do("GET", "/socaasAPI/v1/alert", nil, nil)
	if r.status != 401 || string(r.body) != `{"result":{"status":1,"errorArr":[{"code":10,"desc":"Invalid credentials given.","name":"InvalidCredentials"}],"data":null}}` {
		t.Fatalf("%d %s", r.status, r.body)
	}
	r = h.post("/socaasAPI/v1/alert/"+DemoSOCaaSClosedAlertUUID, map[string]any{"status": "inprogress"})
	var item struct {
		Code       int
		Desc, Name string
	}
	if err := json.Unmarshal(socDecode(t, r).Result.ErrorArr[0], &item); err != nil || r.status != 400 ||
		item.Code != 14 || item.Name != "InvalidRequest" || !strings.Contains(item.Desc, "error code 14") {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

func TestSOCaaSAlertList(t *testing.T) {
	h := socStart(t, Options{})
	all := h.list(t, "/socaasAPI/v1/alert")
	if len(all) < 40 {
		t.Fatalf("%d alerts", len(all))
	}
	keys := []string{"uuid", "id", "name", "severity", "type", "status", "sla", "description", "closure_notes",
		"analysis_recommendation", "escalation_path", "affected_endpoint", "client_uuid", "client_name", "fc_account_id",
		"fc_client_name", "created_date", "modified_date", "self_fc_account_id", "mssp_fc_account_id"}
	sev, sla, zero := map[string]bool{}, map[string]bool{}, 0
	for _, a := range all {
		if len(a) != len(keys) {
			t.Fatalf("fields %v", a)
		}
		for _, k := range keys {
			if _, ok := a[k]; !ok {
				t.Fatalf("%s missing in %v", k, a)
			}
		}
		switch a["status"] {
		case "New", "Investigating", "False Positive", "Closed Immature":
			t.Fatalf("unescalated status served: %v", a)
		}
		sev[a["severity"].(string)] = true
		sla[a["sla"].(string)] = true
		if a["created_date"] == "1970-01-01T00:00:00Z" {
			zero++
		}
	}
	if len(sev) != 4 || len(sla) != 2 || zero == 0 {
		t.Fatalf("severities %v slas %v zero dates %d", sev, sla, zero)
	}
	if n := len(h.e.SOCaaSAlerts()); n <= len(all) {
		t.Fatalf("no hidden alerts: %d", n)
	}
	// Date window: the last day, inclusive; zero dates fall outside.
	from := testEpoch.Add(-24 * time.Hour).Format(time.RFC3339)
	day := h.list(t, "/socaasAPI/v1/alert?created_date_from="+url.QueryEscape(from)+"&created_date_to="+url.QueryEscape(testEpoch.Format(time.RFC3339)))
	if len(day) == 0 || len(day) >= len(all) {
		t.Fatalf("window: %d of %d", len(day), len(all))
	}
	for _, a := range day {
		cd, err := time.Parse(time.RFC3339, a["created_date"].(string))
		if err != nil || cd.Before(testEpoch.Add(-24*time.Hour)) || cd.After(testEpoch) {
			t.Fatalf("outside the window: %v", a["created_date"])
		}
	}
	if got := h.list(t, "/socaasAPI/v1/alert?created_date_to=1999-01-01T00:00:00Z"); len(got) != zero {
		t.Fatalf("before 1999: %d, want the %d zero dates", len(got), zero)
	}
	for _, bad := range []string{"created_date_from=2025-10-01", "created_date_to=yesterday", "created_date_from=2025-13-01T00:00:00Z", "alert_id=x"} {
		r := h.get("/socaasAPI/v1/alert?" + bad)
		if r.status != 400 || socErrText(t, r) == "" {
			t.Fatalf("%s: %d %s", bad, r.status, r.body)
		}
	}
	one := h.list(t, fmt.Sprintf("/socaasAPI/v1/alert?alert_id=%v", all[0]["id"]))
	if len(one) != 1 || one[0]["uuid"] != all[0]["uuid"] {
		t.Fatalf("alert_id: %v", one)
	}
}

func TestSOCaaSAlertDetail(t *testing.T) {
	h := socStart(t, Options{})
	d := h.object(t, "/socaasAPI/v1/alert/"+strings.ToUpper(DemoSOCaaSAlertUUID))
	for _, k := range []string{"alerts", "assets", "attachments", "endpoints", "events", "event_users", "forensic_analysis", "indicators"} {
		if _, ok := d[k].([]any); !ok {
			t.Fatalf("%s not an array: %v", k, d[k])
		}
	}
	if d["severity"] != "Critical" || d["detected_date"] == nil || d["escalation_date"] == nil {
		t.Fatalf("%v", d)
	}
	js, _ := json.Marshal(d)
	for _, want := range []string{`{"type":"ip","value":"10.0.0.5"}`, `"name":"` + DemoFAZDeniedDevice + `"`, `"hostname":"CAM-LOBBY-02"`} {
		if !strings.Contains(string(js), want) {
			t.Fatalf("%s missing in %s", want, js)
		}
	}
	// The events are the FAZ rows of the story.
	evs := d["events"].([]any)
	for _, ev := range evs {
		m := ev.(map[string]any)
		if m["srcip"] != DemoFAZDeniedSrcIP || m["devname"] != DemoFAZDeniedDevice || m["logid"] == "" {
			t.Fatalf("event %v", m)
		}
	}
	found := 0
	for _, l := range h.e.faz.logs {
		for _, ev := range evs {
			m := ev.(map[string]any)
			if socTime(l.t) == m["time"] && rowIs(&l, "srcip", DemoFAZDeniedSrcIP) && rowIs(&l, "logid", m["logid"].(string)) {
				found++
				break
			}
		}
	}
	if found < len(evs) || len(evs) == 0 {
		t.Fatalf("%d of %d events match FAZ rows", found, len(evs))
	}
	for path, want := range map[string]int{
		"/socaasAPI/v1/alert/not-a-uuid":                           400,
		"/socaasAPI/v1/alert/00000000-0000-4000-8000-000000000000": 404,
		"/socaasAPI/v1/nope":                                       404,
	} {
		if r := h.get(path); r.status != want {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		} else {
			socErrText(t, r)
		}
	}
	// Unescalated alerts are not served.
	for _, a := range h.e.SOCaaSAlerts() {
		if !a.Escalated {
			if r := h.get("/socaasAPI/v1/alert/" + a.UUID); r.status != 404 {
				t.Fatalf("hidden alert served: %d", r.status)
			}
			break
		}
	}
}

func TestSOCaaSStatus(t *testing.T) {
	h := socStart(t, Options{SOCaaSPostPerMinute: -1})
	path := "/socaasAPI/v1/alert/" + DemoSOCaaSAlertUUID
	r := h.post(path, map[string]any{"status": "inprogress"})
	if r.status != 200 || string(r.body) != `{"result":{"status":0,"errorArr":[],"data":true}}` {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if got := h.object(t, path)["status"]; got != "InProgress" {
		t.Fatalf("status %v", got)
	}
	for _, bad := range []map[string]any{
		{"status": "closed(resolved)"}, {"status": "closed(duplicate)", "closure_notes": "  "},
		{"status": "done"}, {"status": 3}, {}, {"status": "completed"},
	} {
		if r := h.post(path, bad); r.status != 400 {
			t.Fatalf("%v: %d %s", bad, r.status, r.body)
		}
	}
	for _, body := range []string{`{}`, `{"param":{}}`, `{"param":{"data":[]}}`, `not json`, `{"param":{"data":{}}} {}`} {
		hdr := bearer(h.tok)
		if r := h.do("POST", path, hdr, body); r.status != 400 {
			t.Fatalf("%s: %d %s", body, r.status, r.body)
		}
	}
	if r := h.post(path, map[string]any{"status": "confirmed"}); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := h.post(path, map[string]any{"status": "closed(resolved)", "closure_notes": "Camera reflashed and moved to the IoT VLAN."}); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var got SOCaaSAlert
	for _, a := range h.e.SOCaaSAlerts() {
		if a.UUID == DemoSOCaaSAlertUUID {
			got = a
		}
	}
	if got.Status != "Completed" || got.ClosureNotes != "Camera reflashed and moved to the IoT VLAN." || !got.ModifiedDate.Equal(testEpoch) {
		t.Fatalf("%+v", got)
	}
	// Completed is terminal: InvalidRequest error code 14 (§5.1).
	for _, u := range []string{DemoSOCaaSAlertUUID, DemoSOCaaSClosedAlertUUID} {
		r := h.post("/socaasAPI/v1/alert/"+u, map[string]any{"status": "inprogress"})
		if r.status != 400 || !strings.Contains(socErrText(t, r), "InvalidRequest error code 14") {
			t.Fatalf("%d %s", r.status, r.body)
		}
	}
	if r := h.post("/socaasAPI/v1/alert/00000000-0000-4000-8000-000000000000", map[string]any{"status": "inprogress"}); r.status != 404 {
		t.Fatal(r.status)
	}
	if h.e.SOCaaSPosts() != 3 {
		t.Fatalf("posts %d", h.e.SOCaaSPosts())
	}
}

func TestSOCaaSComments(t *testing.T) {
	h := socStart(t, Options{})
	q := "/socaasAPI/v1/comment?module=alerts&uuid=" + DemoSOCaaSAlertUUID
	before := h.list(t, q)
	if len(before) < 2 {
		t.Fatalf("%v", before)
	}
	for _, c := range before {
		if len(c) != 4 || c["content"] == "" || c["create_user"] == "" || c["created_date"] == nil || c["tag"] == nil {
			t.Fatalf("%v", c)
		}
	}
	r := h.post("/socaasAPI/v1/comment", map[string]any{"content": "Camera unplugged by facilities.", "related": "alerts",
		"related_uuid": DemoSOCaaSAlertUUID, "tag": ""})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var c map[string]any
	_ = json.Unmarshal(socDecode(t, r).Result.Data, &c)
	user := "APIuser(" + DemoAPIUsername + ")"
	if c["create_user"] != user || c["modify_user"] != user || c["modified_date"] != "2026-03-02T09:30:00Z" || c["content"] != "Camera unplugged by facilities." {
		t.Fatalf("%v", c)
	}
	after := h.list(t, q)
	if len(after) != len(before)+1 || after[len(after)-1]["content"] != "Camera unplugged by facilities." {
		t.Fatalf("%v", after)
	}
	if n := len(h.e.SOCaaSComments(DemoSOCaaSAlertUUID)); n != len(after) {
		t.Fatalf("hook %d", n)
	}
	if srs := h.list(t, "/socaasAPI/v1/comment?module=service_request&uuid="+DemoSOCaaSServiceRequestUUID); len(srs) != 1 {
		t.Fatalf("%v", srs)
	}
	for _, bad := range []string{"module=cases&uuid=" + DemoSOCaaSAlertUUID, "module=alerts", "module=alerts&uuid=x"} {
		if r := h.get("/socaasAPI/v1/comment?" + bad); r.status != 400 {
			t.Fatalf("%s: %d", bad, r.status)
		}
	}
	if r := h.get("/socaasAPI/v1/comment?module=alerts&uuid=" + DemoSOCaaSServiceRequestUUID); r.status != 404 {
		t.Fatalf("%d", r.status)
	}
	for _, bad := range []map[string]any{{"content": "", "related": "alerts", "related_uuid": DemoSOCaaSAlertUUID},
		{"content": "x", "related": "cases", "related_uuid": DemoSOCaaSAlertUUID}, {"content": "x", "related": "alerts"}} {
		if r := h.post("/socaasAPI/v1/comment", bad); r.status != 400 {
			t.Fatalf("%v: %d %s", bad, r.status, r.body)
		}
	}
}

func TestSOCaaSFilesAndServiceRequests(t *testing.T) {
	h := socStart(t, Options{})
	f := h.object(t, "/socaasAPI/v1/file?module=attachment&file-portal-uuid="+DemoSOCaaSAttachmentUUID)
	if f["filename"] != "cam-lobby-02-events.csv" || f["content_type"] != "text/csv" {
		t.Fatalf("%v", f)
	}
	var b []byte
	for _, v := range f["file_content"].([]any) {
		b = append(b, byte(v.(float64)))
	}
	if !strings.HasPrefix(string(b), "time,logid,") || !strings.Contains(string(b), DemoFAZDeniedSrcIP) {
		t.Fatalf("%q", b)
	}
	if rep := h.object(t, "/socaasAPI/v1/file?module=report&file-portal-uuid="+DemoSOCaaSReportUUID); rep["content_type"] != "application/pdf" {
		t.Fatalf("%v", rep["content_type"])
	}
	if r := h.get("/socaasAPI/v1/file?module=report&file-portal-uuid=" + DemoSOCaaSAttachmentUUID); r.status != 404 {
		t.Fatal(r.status)
	}
	if r := h.get("/socaasAPI/v1/file?module=x&file-portal-uuid=" + DemoSOCaaSAttachmentUUID); r.status != 400 {
		t.Fatal(r.status)
	}

	srs := h.list(t, "/socaasAPI/v1/service-request")
	if len(srs) < 5 || srs[0]["client_name"] == nil || srs[0]["closure_notes"] == nil {
		t.Fatalf("%v", srs)
	}
	d := h.object(t, "/socaasAPI/v1/service-request/"+DemoSOCaaSServiceRequestUUID)
	if d["clientName"] != DemoAccountUser || d["closureNotes"] == nil || d["client_name"] != nil || d["type"] != "technicalassitance" {
		t.Fatalf("%v", d)
	}
	r := h.post("/socaasAPI/v1/service-request", map[string]any{"title": "Portal access for a new analyst",
		"type": "portalaccess", "notes": "Please add jdoe.", "notification": true})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var sr map[string]any
	_ = json.Unmarshal(socDecode(t, r).Result.Data, &sr)
	if sr["status"] != "New" || sr["create_user"] != "APIuser("+DemoAPIUsername+")" {
		t.Fatalf("%v", sr)
	}
	if got := h.object(t, "/socaasAPI/v1/service-request/"+sr["uuid"].(string)); got["title"] != "Portal access for a new analyst" {
		t.Fatalf("%v", got)
	}
	for _, bad := range []map[string]any{
		{"title": "x", "type": "technicalassistance", "notes": "n"}, {"title": "", "type": "others", "notes": "n"},
		{"title": "x", "type": "others", "notes": "n", "notification": 3},
	} {
		if r := h.post("/socaasAPI/v1/service-request", bad); r.status != 400 {
			t.Fatalf("%v: %d %s", bad, r.status, r.body)
		}
	}
	if r := h.post("/socaasAPI/v1/service-request", map[string]any{"title": "x", "type": "others", "notes": "n", "client_name": "someone@else"}); r.status != 404 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := h.get("/socaasAPI/v1/service-request/00000000-0000-4000-8000-000000000000"); r.status != 404 {
		t.Fatal(r.status)
	}
	if r := h.do("DELETE", "/socaasAPI/v1/alert", bearer(h.tok), nil); r.status != 405 {
		t.Fatal(r.status)
	}
}

func TestSOCaaSRateLimits(t *testing.T) {
	h := socStart(t, Options{SOCaaSGetPerMinute: 3})
	for i := 0; i < 3; i++ {
		if r := h.get("/socaasAPI/v1/service-request"); r.status != 200 {
			t.Fatalf("GET %d: %d", i, r.status)
		}
		h.clock.Advance(10 * time.Second)
	}
	r := h.get("/socaasAPI/v1/service-request")
	if r.status != 429 || r.header.Get("Retry-After") != "30" {
		t.Fatalf("%d %q %s", r.status, r.header.Get("Retry-After"), r.body)
	}
	socErrText(t, r)
	// POSTs have their own window (default 5/min).
	for i := 0; i < 5; i++ {
		if r := h.post("/socaasAPI/v1/comment", map[string]any{"content": fmt.Sprint(i), "related": "alerts", "related_uuid": DemoSOCaaSAlertUUID}); r.status != 200 {
			t.Fatalf("POST %d: %d %s", i, r.status, r.body)
		}
	}
	r = h.post("/socaasAPI/v1/comment", map[string]any{"content": "6", "related": "alerts", "related_uuid": DemoSOCaaSAlertUUID})
	if r.status != 429 || r.header.Get("Retry-After") != "60" {
		t.Fatalf("%d %q", r.status, r.header.Get("Retry-After"))
	}
	h.clock.Advance(31 * time.Second) // the first GET leaves the minute
	if r := h.get("/socaasAPI/v1/service-request"); r.status != 200 {
		t.Fatalf("after the minute: %d", r.status)
	}
	if r := h.get("/socaasAPI/v1/service-request"); r.status != 429 {
		t.Fatalf("%d", r.status)
	}
	h.clock.Advance(time.Minute)
	if r := h.post("/socaasAPI/v1/comment", map[string]any{"content": "7", "related": "alerts", "related_uuid": DemoSOCaaSAlertUUID}); r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	if h.e.SOCaaSRateLimited() != 3 || h.e.SOCaaSPosts() != 6 {
		t.Fatalf("limited %d posts %d", h.e.SOCaaSRateLimited(), h.e.SOCaaSPosts())
	}
	// The hour: 36 GETs/hour at 3/min.
	h2 := socStart(t, Options{SOCaaSGetPerMinute: 1})
	for i := 0; i < 10; i++ {
		if r := h2.get("/socaasAPI/v1/service-request"); r.status != 200 {
			t.Fatalf("hourly %d: %d", i, r.status)
		}
		h2.clock.Advance(time.Minute)
	}
	r = h2.get("/socaasAPI/v1/service-request")
	if r.status != 429 || r.header.Get("Retry-After") != "3000" {
		t.Fatalf("hour: %d %q", r.status, r.header.Get("Retry-After"))
	}
	// Unlimited.
	h3 := socStart(t, Options{SOCaaSGetPerMinute: -1})
	for i := 0; i < 150; i++ {
		if r := h3.get("/socaasAPI/v1/service-request"); r.status != 200 {
			t.Fatalf("unlimited %d: %d", i, r.status)
		}
	}
}

func TestSOCaaSDefaultFault(t *testing.T) {
	h := socStart(t, Options{})
	h.e.InjectFault(Fault{Service: "socaas", Status: http.StatusServiceUnavailable, Times: 1})
	r := h.get("/socaasAPI/v1/alert")
	if r.status != 503 || string(r.body) != `{"result":{"status":1,"errorArr":["Service Unavailable"],"data":null}}` {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

func FuzzSOCaaSBody(f *testing.F) {
	for _, s := range []string{
		`{"param":{"data":{"status":"inprogress","closure_notes":""}}}`,
		`{"param":{"data":{"status":"closed(resolved)","closure_notes":"done"}}}`,
		`{"param":{"data":{"content":"x","related":"alerts","related_uuid":"` + DemoSOCaaSAlertUUID + `","tag":""}}}`,
		`{"param":{"data":{"title":"t","type":"others","notes":"n","notification":"true"}}}`,
		`{"param":{"data":{"title":"t","type":"others","notes":"n","notification":1}}}`,
		`{"param":{"data":null}}`, `{"param":[]}`, `{}`, `[]`, ``, `null`, `{"param":{"data":{}}} x`,
		`{"param":{"data":{"status":{"a":1}}}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		data, err := parseSOCParam([]byte(body))
		if err != nil {
			if err.status != 400 || err.desc == "" {
				t.Fatalf("%+v", err)
			}
			return
		}
		if data == nil {
			t.Fatal("nil data without an error")
		}
		if ch, err := parseSOCStatusChange(data); err == nil {
			if ch.stored == "" || ch.stored == "Completed" && strings.TrimSpace(ch.notes) == "" {
				t.Fatalf("%+v", ch)
			}
		} else if err.status != 400 {
			t.Fatalf("%+v", err)
		}
		if _, rel, id, _, err := parseSOCComment(data); err == nil && (!socRelatedOK(rel) || !validUUID(id)) {
			t.Fatalf("%q %q", rel, id)
		}
		if n, err := parseSOCServiceRequest(data); err == nil && !socSRTypes[n.typ] {
			t.Fatalf("%+v", n)
		}
		_, _, _ = socDateWindow(url.Values{"created_date_from": {body}})
	})
}
