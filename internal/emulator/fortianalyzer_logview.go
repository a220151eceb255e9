package emulator

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Log search (forticloud-api.md §4.4) and FortiView (§4.5) over the seeded
// log rows (seed_faz.go).
//
// Both start a task and return {"tid": n}. Each poll of a task (a fetch, or
// a logsearch count) advances it by 100/Options.FAZSearchPolls percent;
// before 100 % a fetch returns no rows [inf]. The fetch at 100 % delivers
// the rows and reaps the task: the tid is single-use, and a second fetch
// gets -1 "Invalid tid" (§4.4 gotcha). A task unpolled for 10 minutes is
// reaped too [inf]. Each API user may hold Options.FAZMaxSearches live
// tasks (log searches and FortiView runs together [inf]); one more is
// refused with -1 until a task ends (§4.4: "Search slots … run out").
//
// Offsets count from the first matching row, in time-order. The add's
// limit and offset (≤ 1000 rows) say how far the task collects rows: up to
// offset+limit. The fetch's limit (≤ 1000; default the add's) and offset
// pick the page from those, so a client sends the same offset to both, as
// FAZ-MCP does against live units [inf: the reference gives no
// semantics]. total-count is every row that matched.

const maxFAZFetch = 1000 // §4.4: "The fetch limit is at most 1000"

// fazLogTypes are the search logtype names (fortios-and-faz-data.md §3.2).
// The seed has rows for the first six; the others are valid and empty.
var fazLogTypes = map[string]bool{
	"traffic": true, "event": true, "attack": true, "virus": true, "webfilter": true, "app-ctrl": true,
	"content": true, "dlp": true, "emailfilter": true, "generic": true, "history": true, "im": true,
	"sniffer": true, "voip": true, "netscan": true, "fct-event": true, "fct-traffic": true, "fct-netscan": true,
	"waf": true, "gtp": true, "dns": true, "ssh": true, "ssl": true, "file-filter": true, "asset": true,
	"protocol": true, "siem": true, "ztna": true, "security": true,
}

// fazLog is one stored log row.
type fazLog struct {
	t                       time.Time // device time (dtime)
	adom, logtype           string
	devname, devid, vd, csf string
	row                     fazRow
}

func (l *fazLog) get(k string) (string, bool) { return l.row.get(k) }

// fazRow is a log row kept small: its keys are a list shared by every row
// of the same shape, its values (all strings, §3.1) one string with end
// offsets. A few thousand rows then take a few MB.
type fazRow struct {
	keys []string // shared: never modify
	data string
	ends []uint16
}

func (r fazRow) val(i int) string {
	start := uint16(0)
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.data[start:r.ends[i]]
}

func (r fazRow) get(k string) (string, bool) {
	for i, x := range r.keys {
		if x == k {
			return r.val(i), true
		}
	}
	return "", false
}

// MarshalJSON writes the row as an object, keys in order.
func (r fazRow) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(r.data)+16*len(r.keys))
	b = append(b, '{')
	for i, k := range r.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, mustJSON(k)...)
		b = append(b, ':')
		b = append(b, mustJSON(r.val(i))...)
	}
	return append(b, '}'), nil
}

// rowPacker turns built rows into fazRows, sharing key lists.
type rowPacker struct{ shapes map[string][]string }

func newRowPacker() *rowPacker { return &rowPacker{shapes: map[string][]string{}} }

func (p *rowPacker) pack(o object) fazRow {
	keys := make([]string, len(o))
	ends := make([]uint16, len(o))
	var b strings.Builder
	n := 0
	for _, f := range o {
		v, _ := f.v.(string)
		n += len(v)
	}
	b.Grow(n) // exactly: the row keeps the builder's buffer
	for i, f := range o {
		keys[i] = f.k
		v, _ := f.v.(string)
		if b.Len()+len(v) > 65535 {
			panic("emulator: log row too long")
		}
		b.WriteString(v)
		ends[i] = uint16(b.Len())
	}
	sig := strings.Join(keys, "\x00")
	if shared, ok := p.shapes[sig]; ok {
		keys = shared
	} else {
		p.shapes[sig] = keys
	}
	return fazRow{keys: keys, data: b.String(), ends: ends}
}

// setFirst replaces the first value with one of the same length (the id
// placeholder).
func (r *fazRow) setFirst(v string) {
	if len(v) != int(r.ends[0]) {
		panic("emulator: log id length")
	}
	r.data = v + r.data[r.ends[0]:]
}

type fazTask struct {
	tid     int64
	user    string
	adom    string
	view    string // FortiView name; "" for a log search
	rows    []any  // what the fetch pages through (fazRow or object)
	limit   int64  // the add's limit: the fetch's default
	matched int    // rows that matched in all
	scanned int    // rows in the device and time scope
	polls   int
	touched time.Time
}

func (f *fazStore) purgeTasksLocked(now time.Time) {
	for tid, t := range f.tasks {
		if now.Sub(t.touched) >= fazTaskTTL {
			delete(f.tasks, tid)
		}
	}
}

// startTask stores a task, if the user has a slot left.
func (c *fazCall) startTask(t *fazTask) (any, *fazErr) {
	f := c.e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	f.purgeTasksLocked(c.now)
	held := 0
	for _, x := range f.tasks {
		if x.user == c.user {
			held++
		}
	}
	if max := c.e.fazMaxSearches(); held >= max {
		return nil, &fazErr{fazErrRuntime, fmt.Sprintf(
			"runtime error 0: no search slot left (%d tasks running); cancel or finish a task first", max)}
	}
	t.tid = f.nextTID
	f.nextTID++
	t.user, t.touched = c.user, c.now
	f.tasks[t.tid] = t
	f.peakSearches = max(f.peakSearches, len(f.tasks))
	return obj("tid", t.tid), nil
}

var errInvalidTID = &fazErr{fazErrRuntime, "Invalid tid"}

// pollTask finds the caller's task named by the URL's last segment and
// advances it by one poll. Caller holds f.mu.
func (c *fazCall) pollTaskLocked(adom, view string) (*fazTask, int, *fazErr) {
	f := c.e.faz
	f.purgeTasksLocked(c.now)
	tid, err := strconv.ParseInt(c.segs[len(c.segs)-1], 10, 64)
	t := f.tasks[tid]
	if err != nil || t == nil || t.user != c.user || t.adom != adom || t.view != view {
		return nil, 0, errInvalidTID
	}
	t.polls++
	t.touched = c.now
	return t, min(100, t.polls*100/c.e.fazPolls()), nil
}

// fazLogSearchAdd: add /logview/adom/<adom>/logsearch.
func fazLogSearchAdd(c *fazCall) (any, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	logtype, _, ok := c.p.str("logtype")
	if !ok || !fazLogTypes[logtype] {
		return nil, fazBadParams("logtype %q is not a log type", clip(logtype, 40))
	}
	devs, ferr := c.deviceParam()
	if ferr != nil {
		return nil, ferr
	}
	from, to, ferr := c.timeRange()
	if ferr != nil {
		return nil, ferr
	}
	filter, ferr := c.filterParam()
	if ferr != nil {
		return nil, ferr
	}
	order, present, ok := c.p.str("time-order")
	if !ok || (present && order != "desc" && order != "asc") {
		return nil, fazBadParams("time-order must be desc or asc")
	}
	cs, _, ok := c.p.bool("case-sensitive")
	if !ok {
		return nil, fazBadParams("case-sensitive must be a boolean")
	}
	limit, offset, ferr := c.limitOffset(100, maxFAZFetch)
	if ferr != nil {
		return nil, ferr
	}
	var hits []*fazLog
	scanned := 0
	logs := c.e.faz.logs
	for i := range logs {
		l := &logs[i]
		if l.adom != adom || l.logtype != logtype || !inRange(l.t, from, to) || !selects(devs, l.devname, l.devid, l.vd, l.csf) {
			continue
		}
		scanned++
		if filter == nil || filter.match(l.get, cs) {
			hits = append(hits, l)
		}
	}
	if order != "asc" {
		slices.Reverse(hits)
	}
	collected := []any{}
	for i := int64(0); i < int64(len(hits)) && i < offset+limit; i++ {
		collected = append(collected, hits[i].row)
	}
	return c.startTask(&fazTask{adom: adom, rows: collected, limit: limit, matched: len(hits), scanned: scanned})
}

// fazLogSearchFetch: get /logview/adom/<adom>/logsearch/<tid>.
func fazLogSearchFetch(c *fazCall) (any, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	limit, offset, ferr := c.limitOffset(0, maxFAZFetch)
	if ferr != nil {
		return nil, ferr
	}
	f := c.e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	t, pct, ferr := c.pollTaskLocked(adom, "")
	if ferr != nil {
		return nil, ferr
	}
	if limit == 0 {
		limit = t.limit
	}
	if pct < 100 {
		return obj("percentage", pct, "return-lines", 0, "total-count", t.matched*pct/100,
			"data", []object{}, "status", fazStatusOK()), nil
	}
	page := []any{}
	for i := offset; i < int64(len(t.rows)) && i < offset+limit; i++ {
		page = append(page, t.rows[i])
	}
	delete(f.tasks, t.tid) // single-use (§4.4)
	return obj("percentage", 100, "return-lines", len(page), "total-count", t.matched,
		"data", page, "status", fazStatusOK()), nil
}

// fazLogSearchCount: get /logview/adom/<adom>/logsearch/count/<tid>.
func fazLogSearchCount(c *fazCall) (any, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	f := c.e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	t, pct, ferr := c.pollTaskLocked(adom, "")
	if ferr != nil {
		return nil, ferr
	}
	return obj("progress-percent", pct, "matched-logs", t.matched*pct/100,
		"scanned-logs", t.scanned*pct/100, "total-logs", t.scanned), nil
}

// fazTaskCancel: delete …/logsearch/<tid> and …/<view>/run/<tid>.
func fazTaskCancel(c *fazCall) (any, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	view := ""
	if c.segs[0] == "fortiview" {
		view = c.wild[1]
	}
	f := c.e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	t, _, ferr := c.pollTaskLocked(adom, view)
	if ferr != nil {
		return nil, ferr
	}
	delete(f.tasks, t.tid)
	f.cancelled++
	return obj("tid", t.tid, "status", fazStatusOK()), nil
}

// FortiView (§4.5; row shapes fortios-and-faz-data.md §4.3).

type fazView struct {
	filters []string // the filter fields the view accepts
	sortBy  string   // default sort column
	build   func(logs []*fazLog) []object
}

var fazViews = map[string]fazView{
	"top-sources":      {[]string{"srcip"}, "bandwidth", viewSources},
	"top-destinations": {[]string{"dstip"}, "bandwidth", viewDestinations},
	"top-applications": {[]string{"app_group"}, "bandwidth", viewApplications},
	"top-websites":     {[]string{"catdesc"}, "sessions", viewWebsites},
	"top-threats":      {[]string{"threat"}, "threatweight", viewThreats},
}

// fazViewRun: add /fortiview/adom/<adom>/<view>/run.
func fazViewRun(c *fazCall) (any, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	name := c.wild[1]
	view, ok := fazViews[name]
	if !ok {
		return nil, &fazErr{fazErrNotExist, "Cannot find FortiView"}
	}
	devs, ferr := c.deviceParam()
	if ferr != nil {
		return nil, ferr
	}
	from, to, ferr := c.timeRange()
	if ferr != nil {
		return nil, ferr
	}
	filter, ferr := c.filterParam()
	if ferr != nil {
		return nil, ferr
	}
	for _, fld := range filterFields(filter) {
		if !slices.Contains(view.filters, fld) {
			return nil, fazBadParams("filter '%s' not supported", clip(fld, 40))
		}
	}
	cs, _, ok := c.p.bool("case-sensitive")
	if !ok {
		return nil, fazBadParams("case-sensitive must be a boolean")
	}
	limit, offset, ferr := c.limitOffset(100, maxFAZFetch)
	if ferr != nil {
		return nil, ferr
	}
	var scope []*fazLog
	logs := c.e.faz.logs
	for i := range logs {
		l := &logs[i]
		if l.adom == adom && inRange(l.t, from, to) && selects(devs, l.devname, l.devid, l.vd, l.csf) {
			scope = append(scope, l)
		}
	}
	rows := view.build(scope)
	if filter != nil {
		kept := rows[:0]
		for _, r := range rows {
			get := func(k string) (string, bool) { v, ok := r.get(k); s, _ := v.(string); return s, ok }
			if filter.match(get, cs) {
				kept = append(kept, r)
			}
		}
		rows = kept
	}
	sortCol, desc, ferr := c.sortBy(view.sortBy)
	if ferr != nil {
		return nil, ferr
	}
	slices.SortStableFunc(rows, func(a, b object) int {
		x, _ := strconv.ParseFloat(a.str(sortCol), 64)
		y, _ := strconv.ParseFloat(b.str(sortCol), 64)
		if desc {
			return cmp.Compare(y, x)
		}
		return cmp.Compare(x, y)
	})
	window := []any{}
	for i := offset; i < int64(len(rows)) && i < offset+limit; i++ {
		window = append(window, rows[i])
	}
	return c.startTask(&fazTask{adom: adom, view: name, rows: window, matched: len(rows), scanned: len(scope)})
}

// sortBy reads "sort-by" [{"field","order"}]; a column the view's rows do
// not have is refused as the service does ("Missing columns: '…'",
// fortios-and-faz-data.md §4.3).
func (c *fazCall) sortBy(def string) (string, bool, *fazErr) {
	v, ok := c.p.raw("sort-by")
	if !ok || v == nil {
		return def, true, nil
	}
	list, _ := v.([]any)
	if len(list) == 0 {
		return def, true, nil
	}
	m, _ := list[0].(map[string]any)
	fld, _ := m["field"].(string)
	order, _ := m["order"].(string)
	if order != "" && order != "desc" && order != "asc" {
		return "", false, fazBadParams("sort order must be desc or asc")
	}
	if !viewHasColumn(fld, def) {
		return "", false, &fazErr{fazErrBadParams, fmt.Sprintf("Missing columns: '%s'", clip(fld, 40))}
	}
	return fld, order != "asc", nil
}

// viewHasColumn: the numeric columns each view sorts by.
func viewHasColumn(fld, def string) bool {
	cols := map[string][]string{
		"bandwidth":    {"bandwidth", "sessions", "traffic_in", "traffic_out", "session_block"},
		"sessions":     {"sessions", "bandwidth", "session_block"},
		"threatweight": {"threatweight", "incidents", "threat_block", "threat_pass", "incident_block", "incident_pass", "threatlevel"},
	}
	return slices.Contains(cols[def], fld)
}

// fazViewFetch: get /fortiview/adom/<adom>/<view>/run/<tid>. percentage is
// a string, as FortiView sends it (fortios-and-faz-data.md §4.3).
func fazViewFetch(c *fazCall) (any, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	f := c.e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	t, pct, ferr := c.pollTaskLocked(adom, c.wild[1])
	if ferr != nil {
		return nil, ferr
	}
	if pct < 100 {
		return obj("percentage", strconv.Itoa(pct), "data", []object{}), nil
	}
	delete(f.tasks, t.tid)
	return obj("percentage", "100", "data", t.rows), nil
}

// Aggregations. Every value is a string, as FortiView sends them.

type viewAcc struct {
	first                  *fazLog
	sessions, blocked      int64
	in, out                int64
	weight, wBlock, iBlock int64
	cves                   []string
}

func num(l *fazLog, k string) int64 {
	s, _ := l.get(k)
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// aggregate groups rows by key, keeping first-seen order.
func aggregate(logs []*fazLog, keep func(*fazLog) bool, key func(*fazLog) string, add func(*viewAcc, *fazLog)) ([]string, map[string]*viewAcc) {
	var order []string
	accs := map[string]*viewAcc{}
	for _, l := range logs {
		if !keep(l) {
			continue
		}
		k := key(l)
		a := accs[k]
		if a == nil {
			a = &viewAcc{first: l}
			accs[k] = a
			order = append(order, k)
		}
		add(a, l)
	}
	return order, accs
}

func isTraffic(l *fazLog) bool { return l.logtype == "traffic" }

func addTraffic(a *viewAcc, l *fazLog) {
	a.sessions++
	a.out += num(l, "sentbyte")
	a.in += num(l, "rcvdbyte")
	if act, _ := l.get("action"); act == "deny" {
		a.blocked++
	}
}

func devvds(l *fazLog) string { return l.devid + "[" + l.vd + "]" }

func viewSources(logs []*fazLog) []object {
	order, accs := aggregate(logs, isTraffic, func(l *fazLog) string {
		ip, _ := l.get("srcip")
		return ip + "\x00" + devvds(l)
	}, addTraffic)
	out := make([]object, 0, len(order))
	for _, k := range order {
		a := accs[k]
		ip, _ := a.first.get("srcip")
		host, ok := a.first.get("srcname")
		if !ok {
			host = ip
		}
		user, _ := a.first.get("user")
		out = append(out, obj("srcip", ip, "srcip_hostname", host, "f_user", user, "unauthuser", "",
			"fortigate", a.first.devid, "devvds", devvds(a.first), "sessions", itoa64(a.sessions),
			"bandwidth", itoa64(a.in+a.out), "traffic_in", itoa64(a.in), "traffic_out", itoa64(a.out),
			"session_block", itoa64(a.blocked)))
	}
	return out
}

func viewDestinations(logs []*fazLog) []object {
	order, accs := aggregate(logs, isTraffic, func(l *fazLog) string {
		ip, _ := l.get("dstip")
		return ip + "\x00" + devvds(l)
	}, addTraffic)
	out := make([]object, 0, len(order))
	for _, k := range order {
		a := accs[k]
		ip, _ := a.first.get("dstip")
		host := ip
		if h := fazHostnames[ip]; h != "" {
			host = h
		}
		out = append(out, obj("dstip", ip, "dstip_hostname", host, "fortigate", a.first.devid, "devvds", devvds(a.first),
			"sessions", itoa64(a.sessions), "bandwidth", itoa64(a.in+a.out), "traffic_in", itoa64(a.in),
			"traffic_out", itoa64(a.out), "session_block", itoa64(a.blocked)))
	}
	return out
}

func viewApplications(logs []*fazLog) []object {
	order, accs := aggregate(logs, func(l *fazLog) bool {
		_, ok := l.get("app")
		return isTraffic(l) && ok
	}, func(l *fazLog) string { s, _ := l.get("app"); return s }, addTraffic)
	out := make([]object, 0, len(order))
	for _, k := range order {
		a := accs[k]
		cat, _ := a.first.get("appcat")
		risk, _ := a.first.get("apprisk")
		id, _ := a.first.get("appid")
		out = append(out, obj("app_group", k, "appid", id, "appcat", cat, "apprisk", risk,
			"sessions", itoa64(a.sessions), "bandwidth", itoa64(a.in+a.out), "traffic_in", itoa64(a.in),
			"traffic_out", itoa64(a.out), "session_block", itoa64(a.blocked)))
	}
	return out
}

func viewWebsites(logs []*fazLog) []object {
	order, accs := aggregate(logs, func(l *fazLog) bool { return l.logtype == "webfilter" },
		func(l *fazLog) string { s, _ := l.get("catdesc"); return s },
		func(a *viewAcc, l *fazLog) {
			a.sessions++
			a.out += num(l, "sentbyte")
			a.in += num(l, "rcvdbyte")
			if act, _ := l.get("action"); act == "blocked" {
				a.blocked++
			}
		})
	out := make([]object, 0, len(order))
	for _, k := range order {
		a := accs[k]
		cat, _ := a.first.get("cat")
		out = append(out, obj("catdesc", k, "catid", cat, "sessions", itoa64(a.sessions),
			"bandwidth", itoa64(a.in+a.out), "session_block", itoa64(a.blocked)))
	}
	return out
}

var levelNames = map[string]struct {
	level, label string
}{
	"critical": {"4", "Critical"}, "high": {"3", "High"}, "medium": {"2", "Medium"}, "low": {"1", "Low"}, "info": {"1", "Low"},
}

// threatOf names the threat a UTM row reports, or "" for none.
func threatOf(l *fazLog) (threat, ttype, sev string, blocked bool) {
	act, _ := l.get("action")
	switch l.logtype {
	case "attack":
		threat, _ = l.get("attack")
		sev, _ = l.get("severity")
		return threat, "Intrusion Prevention", sev, act != "detected" && act != "pass_session"
	case "virus":
		threat, _ = l.get("virus")
		return threat, "Malware", "critical", act == "blocked"
	case "webfilter":
		cat, _ := l.get("catdesc")
		lvl, _ := l.get("crlevel")
		if lvl == "" {
			return "", "", "", false
		}
		return cat, cat, lvl, act == "blocked"
	}
	return "", "", "", false
}

func viewThreats(logs []*fazLog) []object {
	order, accs := aggregate(logs, func(l *fazLog) bool { t, _, _, _ := threatOf(l); return t != "" },
		func(l *fazLog) string { t, _, _, _ := threatOf(l); return t + "\x00" + devvds(l) },
		func(a *viewAcc, l *fazLog) {
			_, _, _, blocked := threatOf(l)
			w := max(num(l, "crscore"), 5)
			a.sessions++
			a.weight += w
			if blocked {
				a.wBlock += w
				a.iBlock++
			}
			if cve, _ := l.get("cve"); cve != "" && !slices.Contains(a.cves, cve) {
				a.cves = append(a.cves, cve)
			}
		})
	types := map[string]string{"attack": "1", "virus": "11", "webfilter": "13"}
	out := make([]object, 0, len(order))
	for _, k := range order {
		a := accs[k]
		threat, ttype, sev, _ := threatOf(a.first)
		lv := levelNames[sev]
		if lv.level == "" {
			lv = levelNames["medium"]
		}
		appid, obf := "0", ""
		if a.first.logtype == "webfilter" {
			if h, _ := a.first.get("hostname"); h != "" {
				obf = strings.ReplaceAll(h, ".", "[dot]")
			}
		}
		out = append(out, obj("logtype", types[a.first.logtype], "logtype_str", a.first.logtype, "threat", threat,
			"threattype", ttype, "threatlevel", lv.level, "level_s", lv.label, "threatweight", itoa64(a.weight),
			"threat_block", itoa64(a.wBlock), "threat_pass", itoa64(a.weight-a.wBlock), "incidents", itoa64(a.sessions),
			"incident_block", itoa64(a.iBlock), "incident_pass", itoa64(a.sessions-a.iBlock),
			"fortigate", a.first.devid, "devvds", devvds(a.first), "cve_list", strings.Join(a.cves, ","),
			"appid", appid, "obf_url", obf))
	}
	return out
}
