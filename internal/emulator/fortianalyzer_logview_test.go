package emulator

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func jnum(t *testing.T, v any) int {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return int(i)
}

func lastDay(h *harness) map[string]any {
	now := h.clock.Now().UTC()
	return map[string]any{"start": now.Add(-24 * time.Hour).Format(fazTimeLayout), "end": now.Format(fazTimeLayout)}
}

// search starts a log search and returns its tid.
func (h *harness) search(sess string, params map[string]any) int {
	h.t.Helper()
	p := map[string]any{"logtype": "traffic", "device": []any{map[string]any{"devname": "All_FortiGate"}},
		"time-order": "desc", "case-sensitive": false, "limit": 100, "offset": 0}
	for k, v := range params {
		p[k] = v
	}
	res := h.v3ok(sess, "add", "/logview/adom/root/logsearch", p)
	return jnum(h.t, res["tid"])
}

func tidURL(tid int) string { return "/logview/adom/root/logsearch/" + itoa(tid) }

// fetchAll polls until 100 % and returns the final reply.
func (h *harness) fetchAll(sess string, tid int) map[string]any {
	h.t.Helper()
	for i := 0; i < 10; i++ {
		res := h.v3ok(sess, "get", tidURL(tid), map[string]any{"limit": 1000, "offset": 0})
		if jnum(h.t, res["percentage"]) == 100 {
			return res
		}
	}
	h.t.Fatal("search never reached 100 %")
	return nil
}

func TestFAZLogSearchFlow(t *testing.T) {
	h := start(t, Options{})
	sess := h.fazLogin()
	// "Denied traffic from 10.0.0.5 in the last day."
	tid := h.search(sess, map[string]any{"filter": "srcip==" + DemoFAZDeniedSrcIP + " and action==deny", "time-range": lastDay(h)})

	first := h.v3ok(sess, "get", tidURL(tid), map[string]any{"limit": 50})
	if jnum(t, first["percentage"]) != 33 || len(first["data"].([]any)) != 0 || jnum(t, first["return-lines"]) != 0 {
		t.Errorf("first poll %v", first)
	}
	count := h.v3ok(sess, "get", "/logview/adom/root/logsearch/count/"+itoa(tid), nil)
	if jnum(t, count["progress-percent"]) != 66 || jnum(t, count["total-logs"]) == 0 {
		t.Errorf("count %v", count)
	}
	last := h.v3ok(sess, "get", tidURL(tid), map[string]any{"limit": 1000})
	rows := last["data"].([]any)
	st := last["status"].(map[string]any)
	if jnum(t, last["percentage"]) != 100 || jnum(t, last["total-count"]) != 36 || len(rows) != 36 ||
		jnum(t, last["return-lines"]) != 36 || st["message"] != "ok" {
		t.Fatalf("final poll: percentage %v total %v rows %d", last["percentage"], last["total-count"], len(rows))
	}
	now := h.clock.Now()
	prev := now.Add(time.Hour)
	for _, x := range rows {
		r := x.(map[string]any)
		if r["srcip"] != DemoFAZDeniedSrcIP || r["action"] != "deny" || r["type"] != "traffic" || r["subtype"] != "forward" ||
			r["devname"] != DemoFAZDeniedDevice || r["policyid"] != "0" {
			t.Fatalf("row %v", r)
		}
		dt, err := time.Parse(fazTimeLayout, r["dtime"].(string))
		if err != nil || now.Sub(dt) > 24*time.Hour || dt.After(prev) {
			t.Fatalf("row time %v (desc order, last day)", r["dtime"])
		}
		prev = dt
		if id := r["id"].(string); len(id) != 19 {
			t.Errorf("id %q", id)
		}
	}
	// Single-use: the tid is gone.
	if msg := h.v3err(sess, "get", tidURL(tid), nil, -1); !strings.Contains(msg, "tid") {
		t.Errorf("second fetch: %q", msg)
	}
	h.v3err(sess, "get", "/logview/adom/root/logsearch/count/"+itoa(tid), nil, -1)
	if n := h.e.FAZActiveSearches(); n != 0 {
		t.Errorf("active searches %d", n)
	}

	// All time: the older denied sessions too. A malformed date means all
	// time, silently (§4.4).
	all := h.fetchAll(sess, h.search(sess, map[string]any{"filter": `srcip=="10.0.0.5" action=="deny"`}))
	bad := h.fetchAll(sess, h.search(sess, map[string]any{"filter": "srcip==10.0.0.5 and action==deny",
		"time-range": map[string]any{"start": "yesterday", "end": "now"}}))
	if jnum(t, all["total-count"]) != 48 || jnum(t, bad["total-count"]) != 48 {
		t.Errorf("all time %v, malformed range %v", all["total-count"], bad["total-count"])
	}
	// RFC 3339 bounds, ascending order.
	rfc := map[string]any{"start": now.Add(-24 * time.Hour).Format(time.RFC3339), "end": now.Format(time.RFC3339)}
	asc := h.fetchAll(sess, h.search(sess, map[string]any{"filter": "srcip==10.0.0.5 and action==deny", "time-range": rfc, "time-order": "asc", "limit": 5}))
	ar := asc["data"].([]any)
	if jnum(t, asc["total-count"]) != 36 || len(ar) != 5 || ar[0].(map[string]any)["dtime"].(string) > ar[4].(map[string]any)["dtime"].(string) {
		t.Errorf("asc, limit 5: total %v, %d rows", asc["total-count"], len(ar))
	}
	// Case sensitivity, devices, csfname, devid[vdom], other log types.
	cases := []struct {
		params map[string]any
		want   int
	}{
		{map[string]any{"filter": "srcip==10.0.0.5 and action==DENY", "case-sensitive": true}, 0},
		{map[string]any{"filter": "srcip==10.0.0.5 and action==DENY"}, 48},
		{map[string]any{"filter": "srcip==10.0.0.5", "device": []any{map[string]any{"devname": "LON-OFF-FW01"}}}, 0},
		{map[string]any{"filter": "srcip==10.0.0.5", "device": []any{map[string]any{"csfname": "fabric-emea"}}}, 48},
		{map[string]any{"filter": "srcip==10.0.0.5", "device": []any{map[string]any{"devid": h.findDevice(func(d Device) bool { return d.Name == DemoFAZDeniedDevice }).SN + "[root]"}}}, 48},
		{map[string]any{"filter": "srcip==10.0.0.5", "logtype": "attack", "time-range": lastDay(h)}, 14},
		{map[string]any{"filter": "srcip==10.0.0.0/24 and not dstport==445", "logtype": "attack"}, 7},
		{map[string]any{"logtype": "dlp"}, 0},
	}
	for _, c := range cases {
		if got := jnum(t, h.fetchAll(sess, h.search(sess, c.params))["total-count"]); got != c.want {
			t.Errorf("%v: %d rows, want %d", c.params, got, c.want)
		}
	}
	// No device, or an empty list, finds nothing (FAZ-MCP, live).
	for _, dev := range []any{nil, []any{}} {
		res := h.v3ok(sess, "add", "/logview/adom/root/logsearch", map[string]any{"logtype": "traffic", "device": dev})
		if n := jnum(t, h.fetchAll(sess, jnum(t, res["tid"]))["total-count"]); n != 0 {
			t.Errorf("device %v: %d rows", dev, n)
		}
	}
	// Paging: the same offset on the add and the fetch picks rows from
	// the start of the match.
	full := h.fetchAll(sess, h.search(sess, map[string]any{"filter": "srcip==10.0.0.5", "limit": 20}))["data"].([]any)
	tid = h.search(sess, map[string]any{"filter": "srcip==10.0.0.5", "limit": 5, "offset": 10})
	var pg []any
	for i := 0; i < 3; i++ {
		pg = h.v3ok(sess, "get", tidURL(tid), map[string]any{"limit": 5, "offset": 10})["data"].([]any)
	}
	if len(pg) != 5 || string(mustJSON(pg)) != string(mustJSON(full[10:15])) {
		t.Errorf("page at offset 10: %d rows, not rows 10-14", len(pg))
	}
	// Every seeded log type has rows in both ADOMs.
	for _, lt := range []string{"traffic", "event", "attack", "virus", "webfilter", "app-ctrl"} {
		for _, adom := range []string{DemoFAZADOM, DemoFAZBranchADOM} {
			res := h.v3ok(sess, "add", "/logview/adom/"+adom+"/logsearch", map[string]any{"logtype": lt, "limit": 1,
				"device": []any{map[string]any{"devid": "All_FortiGate"}}})
			tid := jnum(t, res["tid"])
			h.v3ok(sess, "get", "/logview/adom/"+adom+"/logsearch/count/"+itoa(tid), nil)
			h.v3ok(sess, "get", "/logview/adom/"+adom+"/logsearch/count/"+itoa(tid), nil)
			r := h.v3ok(sess, "get", "/logview/adom/"+adom+"/logsearch/"+itoa(tid), nil)
			if jnum(t, r["total-count"]) == 0 || len(r["data"].([]any)) != 1 {
				t.Errorf("%s in %s: %v rows", lt, adom, r["total-count"])
			}
		}
	}
}

func TestFAZLogSearchRefusals(t *testing.T) {
	h := start(t, Options{FAZMaxSearches: 2, FAZSearchPolls: 1})
	sess := h.fazLogin()
	for _, p := range []map[string]any{
		{"limit": 1001},
		{"limit": 0},
		{"offset": -1},
		{"logtype": "traffik"},
		{"time-order": "sideways"},
		{"filter": "srcip==10.0.0.5 and"},
		{"filter": "(srcip==10.0.0.5"},
		{"device": "All_FortiGate"},
		{"time-range": "last day"},
		{"case-sensitive": "maybe"},
	} {
		q := map[string]any{"logtype": "traffic"}
		for k, v := range p {
			q[k] = v
		}
		h.v3err(sess, "add", "/logview/adom/root/logsearch", q, -32602)
	}
	h.v3err(sess, "add", "/logview/adom/nowhere/logsearch", map[string]any{"logtype": "traffic"}, -3)

	// Slots: two live tids, the third refused until one ends.
	a := h.search(sess, nil)
	b := h.search(sess, nil)
	if msg := h.v3err(sess, "add", "/logview/adom/root/logsearch", map[string]any{"logtype": "traffic"}, -1); !strings.Contains(msg, "slot") {
		t.Errorf("third search: %q", msg)
	}
	h.v3err(sess, "get", tidURL(a), map[string]any{"limit": 1001}, -32602)
	del := h.v3ok(sess, "delete", tidURL(a), nil)
	if jnum(t, del["tid"]) != a {
		t.Errorf("cancel reply %v", del)
	}
	h.v3err(sess, "get", tidURL(a), nil, -1)
	h.v3err(sess, "delete", tidURL(a), nil, -1)
	c := h.search(sess, nil)
	if h.e.FAZPeakSearches() != 2 || h.e.FAZActiveSearches() != 2 || h.e.FAZCancelledSearches() != 1 {
		t.Errorf("peak %d active %d cancelled %d", h.e.FAZPeakSearches(), h.e.FAZActiveSearches(), h.e.FAZCancelledSearches())
	}
	// A tid is the caller's and the ADOM's only.
	h.v3err(sess, "get", "/logview/adom/Branches/logsearch/"+itoa(b), nil, -1)
	h.e.AddAPIUser(APIUser{Username: "FAZ-OTHER", Password: "pw", Portals: map[string]string{fazClientID: AccessRead}})
	r := h.do("POST", fazLoginPath, jsonHdr(), map[string]string{"access_token": h.token("FAZ-OTHER", "pw", fazClientID)})
	other := r.json(t)["session"].(string)
	h.v3err(other, "get", tidURL(b), nil, -1)
	h.search(other, nil) // its own slots
	// An abandoned task is reaped after ten minutes, freeing its slot.
	h.clock.Advance(11 * time.Minute)
	h.v3err(sess, "get", tidURL(c), nil, -1)
	h.search(sess, nil)
	e := h.search(sess, nil)
	h.v3ok(sess, "delete", tidURL(e), nil)
	// With one poll per search, the first fetch delivers.
	d := h.search(sess, map[string]any{"logtype": "event", "limit": 3})
	got := h.v3ok(sess, "get", tidURL(d), nil)
	if jnum(t, got["percentage"]) != 100 || len(got["data"].([]any)) != 3 {
		t.Errorf("one-poll fetch: %v", got["percentage"])
	}
}

func TestFAZFortiView(t *testing.T) {
	h := start(t, Options{})
	sess := h.fazLogin()
	run := func(view string, params map[string]any) []any {
		t.Helper()
		p := map[string]any{"device": []any{map[string]any{"devname": "All_Device"}}, "limit": 20}
		for k, v := range params {
			p[k] = v
		}
		res := h.v3ok(sess, "add", "/fortiview/adom/root/"+view+"/run", p)
		tid := itoa(jnum(t, res["tid"]))
		url := "/fortiview/adom/root/" + view + "/run/" + tid
		for i := 0; i < 5; i++ {
			r := h.v3ok(sess, "get", url, nil)
			if r["percentage"] == "100" {
				h.v3err(sess, "get", url, nil, -1) // reaped
				return r["data"].([]any)
			}
			if _, ok := r["percentage"].(string); !ok {
				t.Fatalf("percentage %v is not a string", r["percentage"])
			}
		}
		t.Fatalf("%s never finished", view)
		return nil
	}
	src := run("top-sources", map[string]any{"filter": "srcip==" + DemoFAZDeniedSrcIP, "time-range": lastDay(h)})
	if len(src) != 1 {
		t.Fatalf("top-sources for %s: %v", DemoFAZDeniedSrcIP, src)
	}
	row := src[0].(map[string]any)
	if row["srcip"] != DemoFAZDeniedSrcIP || row["srcip_hostname"] != "CAM-LOBBY-02" || row["session_block"] != "36" || row["sessions"] != "36" {
		t.Errorf("top-sources row %v", row)
	}
	top := run("top-sources", nil)
	for i := 1; i < len(top); i++ {
		a, b := top[i-1].(map[string]any)["bandwidth"].(string), top[i].(map[string]any)["bandwidth"].(string)
		if len(a) < len(b) || (len(a) == len(b) && a < b) {
			t.Errorf("top-sources not by bandwidth: %s before %s", a, b)
		}
	}
	threats := run("top-threats", map[string]any{"filter": `threat=="Backdoor.Cobalt.Strike.Beacon"`})
	if len(threats) != 1 {
		t.Fatalf("threats %v", threats)
	}
	th := threats[0].(map[string]any)
	keys := []string{"logtype", "logtype_str", "threat", "threattype", "threatlevel", "level_s", "threatweight", "threat_block",
		"threat_pass", "incidents", "incident_block", "incident_pass", "fortigate", "devvds", "cve_list", "appid", "obf_url"}
	for _, k := range keys {
		if _, ok := th[k].(string); !ok {
			t.Errorf("top-threats row lacks string %s: %v", k, th)
		}
	}
	if th["incidents"] != "7" || th["level_s"] != "Critical" {
		t.Errorf("beacon threat %v", th)
	}
	if len(run("top-destinations", map[string]any{"filter": "dstip==" + DemoFAZC2IP})) == 0 {
		t.Error("no C2 destination")
	}
	if len(run("top-applications", map[string]any{"sort-by": []any{map[string]any{"field": "sessions", "order": "desc"}}})) == 0 {
		t.Error("no applications")
	}
	if len(run("top-websites", nil)) == 0 {
		t.Error("no websites")
	}
	// Refusals measured on live units (fortios-and-faz-data.md §4.3).
	if msg := h.v3err(sess, "add", "/fortiview/adom/root/top-sources/run", map[string]any{"filter": "dstip==1.2.3.4"}, -32602); !strings.Contains(msg, "filter 'dstip' not supported") {
		t.Errorf("filter: %q", msg)
	}
	if msg := h.v3err(sess, "add", "/fortiview/adom/root/top-sources/run", map[string]any{"sort-by": []any{map[string]any{"field": "counts", "order": "desc"}}}, -32602); msg != "Missing columns: 'counts'" {
		t.Errorf("sort-by: %q", msg)
	}
	if msg := h.v3err(sess, "add", "/fortiview/adom/root/traffic-summary/run", nil, -3); msg != "Cannot find FortiView" {
		t.Errorf("unknown view: %q", msg)
	}
	// Cancel.
	res := h.v3ok(sess, "add", "/fortiview/adom/root/top-threats/run", nil)
	h.v3ok(sess, "delete", "/fortiview/adom/root/top-threats/run/"+itoa(jnum(t, res["tid"])), nil)
	if h.e.FAZCancelledSearches() != 1 || h.e.FAZActiveSearches() != 0 {
		t.Errorf("cancelled %d active %d", h.e.FAZCancelledSearches(), h.e.FAZActiveSearches())
	}
}

func TestFAZAlerts(t *testing.T) {
	h := start(t, Options{})
	sess := h.fazLogin()
	base := "/eventmgmt/adom/root/alerts"
	res := h.v3ok(sess, "get", base, map[string]any{"filter": "epip==" + DemoFAZDeniedSrcIP, "limit": 2000})
	list := res["data"].([]any)
	if len(list) < 3 {
		t.Fatalf("alerts about %s: %d", DemoFAZDeniedSrcIP, len(list))
	}
	a := list[0].(map[string]any)
	id := a["alertid"].(string)
	if len(id) != 18 || a["ackflag"] != "no" || a["devname"] != DemoFAZDeniedDevice || a["devtype"] != "FortiGate" {
		t.Errorf("alert %v", a)
	}
	total := len(h.v3ok(sess, "get", base, map[string]any{"limit": 2000})["data"].([]any))
	branches := len(h.v3ok(sess, "get", "/eventmgmt/adom/Branches/alerts", nil)["data"].([]any))
	if total+branches < 18 || branches == 0 {
		t.Errorf("root %d + Branches %d alerts", total, branches)
	}
	cnt := h.v3ok(sess, "get", base+"/count", map[string]any{"filter": "severity>=3"})
	if n := jnum(t, cnt["data"].([]any)[0].(map[string]any)["count"]); n == 0 || n >= total {
		t.Errorf("count severity>=3: %d of %d", n, total)
	}
	grouped := h.v3ok(sess, "get", base+"/count", map[string]any{"group-by": "triggername"})["data"].([]any)
	if len(grouped) < 3 {
		t.Errorf("grouped count %v", grouped)
	}
	if n := len(h.v3ok(sess, "get", base, map[string]any{"filter": `trigger_name~"Botnet"`})["data"].([]any)); n < 2 {
		t.Errorf("trigger_name filter: %d", n)
	}
	h.v3err(sess, "get", base, map[string]any{"limit": 2001}, -32602)

	// Stateful writes.
	h.clock.Advance(time.Minute)
	h.v3ok(sess, "update", base+"/ack", map[string]any{"alertid": []any{id}, "update-by": "soc-analyst3"})
	h.v3ok(sess, "update", base+"/comment", map[string]any{"alertid": []any{id}, "comment": "Port shut.", "update-by": "soc-analyst3"})
	h.v3ok(sess, "add", base+"/comment", map[string]any{"alertid": id, "comment": "Camera replaced."})
	h.v3ok(sess, "update", base+"/assign", map[string]any{"alertid": []any{id}, "assign-to": "soc-analyst2"})
	var snap FAZAlert
	for _, x := range h.e.FAZAlerts() {
		if x.ID == id {
			snap = x
		}
	}
	if !snap.Acked || snap.AckedBy != "soc-analyst3" || len(snap.Comments) != 2 || snap.AssignedTo != "soc-analyst2" || snap.EndpointIP != DemoFAZDeniedSrcIP {
		t.Errorf("snapshot %+v", snap)
	}
	got := h.v3ok(sess, "get", base, map[string]any{"filter": "alertid==" + id})["data"].([]any)[0].(map[string]any)
	if got["ackflag"] != "yes" || got["comment"] != "Camera replaced." || got["assigned_to"] != "soc-analyst2" ||
		jnum(t, got["updatetime"]) != int(h.clock.Now().Unix()) {
		t.Errorf("after writes %v", got)
	}
	h.v3ok(sess, "update", base+"/unack", map[string]any{"alertid": []any{id}})
	if n := len(h.v3ok(sess, "get", base, map[string]any{"filter": "alertid==" + id + " and ackflag==no"})["data"].([]any)); n != 1 {
		t.Error("unack did not stick")
	}
	// Refusals.
	h.v3err(sess, "update", base+"/ack", map[string]any{"alertid": []any{"999"}}, -3)
	h.v3err(sess, "update", base+"/ack", map[string]any{}, -32602)
	h.v3err(sess, "update", base+"/comment", map[string]any{"alertid": id, "comment": " "}, -32602)
	h.v3err(sess, "update", base+"/assign", map[string]any{"alertid": id}, -32602)
	h.v3err(sess, "get", base+"/ack", nil, -32601)
	// A Read user may read, not write (§4.6).
	h.e.AddAPIUser(APIUser{Username: "FAZ-READER", Password: "pw", Portals: map[string]string{fazClientID: AccessRead}})
	r := h.do("POST", fazLoginPath, jsonHdr(), map[string]string{"access_token": h.token("FAZ-READER", "pw", fazClientID)})
	reader := r.json(t)["session"].(string)
	h.v3ok(reader, "get", base, nil)
	h.v3err(reader, "update", base+"/ack", map[string]any{"alertid": []any{id}}, -11)
	h.v3err(reader, "add", "/incidentmgmt/adom/root/incident", map[string]any{"reporter": "x", "endpoint": "y", "category": "CAT1"}, -11)
	h.search(reader, nil) // a log search is a query
}

func TestFAZIncidents(t *testing.T) {
	h := start(t, Options{})
	sess := h.fazLogin()
	base := "/incidentmgmt/adom/root/"
	res := h.v3ok(sess, "get", base+"incidents", nil)
	list := res["data"].([]any)
	if res["detail-level"] != "standard" || len(list) < 5 {
		t.Fatalf("incidents %v", res)
	}
	if n := len(h.e.FAZIncidents()); n != 8 {
		t.Errorf("%d seeded incidents, want 8", n)
	}
	var story map[string]any
	for _, x := range list {
		if m := x.(map[string]any); strings.Contains(m["endpoint"].(string), DemoFAZDeniedSrcIP) {
			story = m
		}
	}
	if story == nil || story["status"] != "analysis" || story["alertid"] == "" {
		t.Fatalf("no incident about %s", DemoFAZDeniedSrcIP)
	}
	// Create, read back by incids, update.
	add := h.v3ok(sess, "add", base+"incident", map[string]any{"reporter": "soc-analyst3", "endpoint": "10.0.0.5 (CAM-LOBBY-02)",
		"category": "CAT3", "severity": "high", "description": "Second camera found.", "epid": 1207})
	id, _ := add["incid"].(string)
	if !strings.HasPrefix(id, "IN") || len(id) != 10 {
		t.Fatalf("add reply %v", add)
	}
	one := h.v3ok(sess, "get", base+"incidents", map[string]any{"incids": []any{id}})["data"].([]any)
	rec := one[0].(map[string]any)
	if len(one) != 1 || rec["status"] != "draft" || rec["severity"] != "high" || rec["revision"] != "1" || rec["epid"] != "1207" {
		t.Errorf("read back %v", one)
	}
	h.clock.Advance(time.Minute)
	h.v3ok(sess, "update", base+"incident/"+id, map[string]any{"status": "response", "assigned_to": "soc-analyst2"})
	rec = h.v3ok(sess, "get", base+"incidents", map[string]any{"incids": []any{id}, "detail-level": "basic"})["data"].([]any)[0].(map[string]any)
	if rec["revision"] != "2" || rec["lastupdate"] != fazTime(h.clock.Now()) || len(rec) != 5 {
		t.Errorf("basic after update %v", rec)
	}
	var snap FAZIncident
	for _, x := range h.e.FAZIncidents() {
		if x.ID == id {
			snap = x
		}
	}
	if snap.Status != "response" || snap.AssignedTo != "soc-analyst2" || snap.Revision != 2 || snap.LastUser != DemoAPIUsername {
		t.Errorf("snapshot %+v", snap)
	}
	ext := h.v3ok(sess, "get", base+"incidents", map[string]any{"incids": []any{id}, "detail-level": "extended"})["data"].([]any)[0].(map[string]any)
	if _, ok := ext["status"]; ok || ext["attachments"] == nil {
		t.Errorf("extended %v", ext)
	}
	cnt := h.v3ok(sess, "get", base+"incidents/count", map[string]any{"filter": "status==response"})
	if jnum(t, cnt["data"].([]any)[0].(map[string]any)["count"]) < 2 {
		t.Errorf("count %v", cnt)
	}
	// Refusals.
	for _, p := range []map[string]any{
		{"endpoint": "x", "category": "CAT1"},
		{"reporter": "x", "category": "CAT1"},
		{"reporter": "x", "endpoint": "y"},
		{"reporter": "x", "endpoint": "y", "category": "Malware"},
		{"reporter": "x", "endpoint": "y", "category": "CAT1", "severity": "critical"},
		{"reporter": "x", "endpoint": "y", "category": "CAT1", "status": "open"},
	} {
		h.v3err(sess, "add", base+"incident", p, -32602)
	}
	h.v3err(sess, "update", base+"incident/IN99999999", map[string]any{"status": "closed"}, -3)
	h.v3err(sess, "update", "/incidentmgmt/adom/Branches/incident/"+id, map[string]any{"status": "closed"}, -3)
	h.v3err(sess, "update", base+"incident/"+id, map[string]any{"status": "done"}, -32602)
	h.v3err(sess, "get", base+"incidents", map[string]any{"detail-level": "full"}, -32602)
}
