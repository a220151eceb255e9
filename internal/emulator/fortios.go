package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The FortiOS REST API behind FortiGate Cloud's proxy:
// ANY /forticloudapi/v1/fgt/{sn}/api/v2/... (forticloud-api.md §3.3). Reply
// bodies are the FortiOS envelope of fortios-and-faz-data.md §1, passed
// through unchanged.

const (
	fgtProxyPrefix = "/forticloudapi/v1/fgt/"
	maxFortiOSBody = 1 << 20
)

var errBadPath = errors.New("invalid request path")

// parseProxyPath splits an escaped proxy path into the serial number and the
// decoded FortiOS path segments. It refuses what a front-end proxy refuses
// [inf]: "." or ".." segments (plain or percent-encoded), empty segments
// ("//"), backslashes, NUL, double encoding, and invalid escapes. A "%2F"
// is allowed only inside the last segment, where FortiOS object names such
// as "10.0.0.0/24" legitimately carry it.
func parseProxyPath(escaped string) (sn string, segs []string, err error) {
	rest, ok := strings.CutPrefix(escaped, fgtProxyPrefix)
	if !ok {
		return "", nil, errBadPath
	}
	raw := strings.Split(rest, "/")
	if len(raw) > 1 && raw[len(raw)-1] == "" {
		raw = raw[:len(raw)-1] // one trailing slash is harmless
	}
	out := make([]string, 0, len(raw))
	for i, r := range raw {
		if r == "" {
			return "", nil, errBadPath
		}
		s, err := url.PathUnescape(r)
		if err != nil {
			return "", nil, errBadPath
		}
		if strings.ContainsAny(s, "\\\x00") || strings.Contains(strings.ToLower(s), "%2") || strings.Contains(strings.ToLower(s), "%5c") {
			return "", nil, errBadPath
		}
		for _, part := range strings.Split(s, "/") {
			if part == "." || part == ".." {
				return "", nil, errBadPath
			}
		}
		if strings.Contains(s, "/") && (i == 0 || i != len(raw)-1) {
			return "", nil, errBadPath
		}
		out = append(out, s)
	}
	if len(out) == 0 || out[0] == "" {
		return "", nil, errBadPath
	}
	return out[0], out[1:], nil
}

func (e *Emulator) serveFortiOSProxy(w http.ResponseWriter, r *http.Request) {
	sn, segs, err := parseProxyPath(r.URL.EscapedPath())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{Error: "invalid_request", Description: "Invalid request path."})
		return
	}
	if _, ok := e.authorizeFGC(w, r); !ok {
		return
	}
	ds := e.device(sn)
	if ds == nil {
		writeJSON(w, http.StatusNotFound, oauthError{Error: "not_found", Description: "Device not found."})
		return
	}
	ds.mu.Lock()
	managed, alive := ds.dev.Management, ds.dev.TunnelAlive
	ds.mu.Unlock()
	// forticloud-api.md §3.3: the proxy reaches only devices with
	// management:true and tunnelAlive:true. Status codes and bodies [inf].
	if !managed {
		writeJSON(w, http.StatusForbidden, oauthError{Error: "device_not_managed",
			Description: "Management is not enabled for this FortiGate in FortiGate Cloud."})
		return
	}
	if !alive {
		writeJSON(w, http.StatusServiceUnavailable, oauthError{Error: "device_offline",
			Description: "The FortiGate is unreachable: its management tunnel to FortiGate Cloud is down."})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFortiOSBody))
	tooLarge := err != nil
	live := e.liveGateways() // before taking the device lock (lock order)
	call := fosCall{method: r.Method, segs: segs, query: r.URL.Query(), body: body, now: e.clock.Now(), live: live}
	ds.mu.Lock()
	var status int
	var payload []byte
	var grown *grownReply
	switch {
	case tooLarge:
		status = http.StatusRequestEntityTooLarge
		payload = mustJSON(ds.os.errorEnvelope(r.Method, ds.os.mgmtVDOM, "", "", false, &fosError{status: status}))
	default:
		if grown = ds.os.grownListGet(call); grown == nil {
			status, payload = ds.os.handle(call)
		}
	}
	mode := ds.dev.gzipMode()
	ds.mu.Unlock()
	if grown != nil {
		grown.write(w, mode) // streamed, without the device lock (fortios_grow.go)
		return
	}

	w.Header().Set("Content-Type", "application/json")
	switch mode {
	case GzipWithHeader:
		w.Header().Set("Content-Encoding", "gzip")
		payload = gzipBytes(payload)
	case GzipWithoutHeader:
		payload = gzipBytes(payload)
	}
	w.WriteHeader(status)
	_, _ = w.Write(payload)
}

type fosCall struct {
	method string
	segs   []string
	query  url.Values
	body   []byte
	now    time.Time
	live   map[string]bool
}

// handle answers one FortiOS request; the caller holds the device lock.
func (f *fortiOS) handle(c fosCall) (int, []byte) {
	if f.needsGrownRows(c) {
		f.materializeGrown()
	}
	s := c.segs
	if len(s) < 3 || s[0] != "api" || s[1] != "v2" || (s[2] != "monitor" && s[2] != "cmdb") {
		return f.reply(f.errorEnvelope(c.method, f.mgmtVDOM, "", "", false, &fosError{status: 404}))
	}
	if s[2] == "monitor" {
		return f.monitor(c, s[3:])
	}
	return f.cmdb(c, s[3:])
}

func (f *fortiOS) reply(o object) (int, []byte) {
	st, _ := toInt(mustGet(o, "http_status"))
	if st == 0 {
		st = http.StatusOK
	}
	return int(st), mustJSON(o)
}

// replyMulti answers one envelope per VDOM as a JSON array (§1.2). The HTTP
// status is the first error's when every VDOM failed, else 200 [inf].
func (f *fortiOS) replyMulti(list []object) (int, []byte) {
	status := 0
	for _, o := range list {
		st, _ := toInt(mustGet(o, "http_status"))
		if st == 0 || st == 200 {
			status = 200
			break
		}
		if status == 0 {
			status = int(st)
		}
	}
	if status == 0 {
		status = 200
	}
	return status, mustJSON(list)
}

// tail appends the fields every envelope ends with (§1.1): serial, version
// with a leading v, build as a number.
func (f *fortiOS) tail(o object) object {
	return append(o, obj("serial", f.dev.SN, "version", "v"+f.dev.osVersion(), "build", int64(f.dev.Build))...)
}

// errorEnvelope is a FortiOS error reply (§1.6). cmdb replies carry the
// revision; write errors add revision_changed:false.
func (f *fortiOS) errorEnvelope(method, vdom, path, name string, cmdb bool, err *fosError) object {
	o := obj("http_method", method)
	if cmdb {
		o.set("revision", f.revision[vdom])
		if method != http.MethodGet {
			o.set("revision_changed", false)
		}
	}
	if err.cli != "" && cmdb {
		o.set("cli_error", err.cli)
	}
	if err.code != 0 {
		o.set("error", int64(err.code))
	}
	if path != "" {
		o = append(o, obj("vdom", vdom, "path", path, "name", name)...)
	}
	if err.mkey != nil {
		o.set("mkey", err.mkey)
	}
	o = append(o, obj("status", "error", "http_status", int64(err.status))...)
	return f.tail(o)
}

// targetVDOMs resolves vdom= and global= (§1.2): no parameter means the
// management VDOM; "*", a list or global=1 ask for an array of envelopes.
func (f *fortiOS) targetVDOMs(q url.Values) (vdoms []string, multi bool, bad string) {
	if g := q.Get("global"); g == "1" || g == "true" {
		return slices.Clone(f.dev.VDOMs), true, ""
	}
	v := q.Get("vdom")
	switch {
	case v == "":
		return []string{f.mgmtVDOM}, false, ""
	case v == "*":
		return slices.Clone(f.dev.VDOMs), true, ""
	}
	names := strings.Split(v, ",")
	for _, n := range names {
		if n == "" {
			return nil, false, v // an empty name ("vdom=,"): the whole parameter is wrong
		}
		if !slices.Contains(f.dev.VDOMs, n) {
			return nil, false, n
		}
	}
	return names, len(names) > 1, ""
}

// badVDOM answers a vdom parameter naming no VDOM of the device: 400 [inf].
func (f *fortiOS) badVDOM(method, vdom, path, name string, cmdb bool) (int, []byte) {
	return f.reply(f.errorEnvelope(method, vdom, path, name, cmdb, &fosError{status: 400}))
}

// monitor answers /api/v2/monitor/<path>/<name>[/<action>] (§2). A trailing
// "select" (e.g. license/status/select) is the same endpoint with action
// "select" (§1.1).
func (f *fortiOS) monitor(c fosCall, rest []string) (int, []byte) {
	if len(rest) < 2 {
		return f.reply(f.errorEnvelope(c.method, f.mgmtVDOM, "", "", false, &fosError{status: 404}))
	}
	path, name := rest[0], rest[1]
	action := ""
	key := strings.Join(rest, "/")
	fn, ok := monitorEndpoints[key]
	if len(rest) > 2 {
		action = rest[len(rest)-1]
	}
	if !ok && action == "select" {
		fn, ok = monitorEndpoints[strings.Join(rest[:len(rest)-1], "/")]
	}
	if !ok {
		return f.reply(f.errorEnvelope(c.method, f.mgmtVDOM, path, name, false, &fosError{status: 404}))
	}
	if c.method != http.MethodGet {
		return f.reply(f.errorEnvelope(c.method, f.mgmtVDOM, path, name, false, &fosError{status: 405}))
	}
	vdoms, multi, bad := f.targetVDOMs(c.query)
	if bad != "" {
		return f.badVDOM(c.method, bad, path, name, false)
	}
	var list []object
	for _, v := range vdoms {
		res, ferr := fn(&monCtx{f: f, vdom: v, q: c.query, now: c.now, live: c.live})
		if ferr != nil {
			list = append(list, f.errorEnvelope(c.method, v, path, name, false, ferr))
			continue
		}
		// Monitor replies carry no http_status on success (§1.1).
		o := obj("http_method", c.method, "results", res, "vdom", v, "path", path, "name", name)
		if action != "" {
			o.set("action", action)
		}
		o.set("status", "success")
		list = append(list, f.tail(o))
	}
	if multi {
		return f.replyMulti(list)
	}
	return f.reply(list[0])
}

// cmdb answers /api/v2/cmdb/<path>/<name>[/<mkey>] (§1.3–§1.7).
func (f *fortiOS) cmdb(c fosCall, rest []string) (int, []byte) {
	if len(rest) < 2 {
		return f.reply(f.errorEnvelope(c.method, f.mgmtVDOM, "", "", true, &fosError{status: 404}))
	}
	path, name := rest[0], rest[1]
	spec := tableSpecs[path+"/"+name]
	// Child tables (cmdb/firewall/policy/1/srcintf) are not emulated.
	if spec == nil || len(rest) > 3 || (spec.singleton && len(rest) > 2) {
		return f.reply(f.errorEnvelope(c.method, f.mgmtVDOM, path, name, true, &fosError{status: 404}))
	}
	mkey := ""
	if len(rest) == 3 {
		mkey = rest[2]
	}
	vdoms, multi, bad := f.targetVDOMs(c.query)
	if bad != "" {
		return f.badVDOM(c.method, bad, path, name, true)
	}
	if c.method == http.MethodGet {
		var list []object
		for _, v := range vdoms {
			list = append(list, f.cmdbGet(c, spec, v, path, name, mkey))
		}
		if multi {
			return f.replyMulti(list)
		}
		return f.reply(list[0])
	}
	vdom := vdoms[0]
	if multi {
		// A write applies to one VDOM [inf].
		return f.reply(f.errorEnvelope(c.method, f.mgmtVDOM, path, name, true, &fosError{status: 400}))
	}
	allowed := false
	switch c.method {
	case http.MethodPost:
		allowed = !spec.singleton && mkey == ""
	case http.MethodPut:
		allowed = spec.singleton || mkey != ""
	case http.MethodDelete:
		allowed = !spec.singleton && mkey != ""
	}
	if !allowed {
		return f.reply(f.errorEnvelope(c.method, vdom, path, name, true, &fosError{status: 405}))
	}
	var body map[string]any
	if c.method != http.MethodDelete {
		var err error
		if body, err = decodeBody(c.body); err != nil {
			return f.reply(f.errorEnvelope(c.method, vdom, path, name, true, &fosError{status: 400}))
		}
	}
	var key any
	var ferr *fosError
	switch {
	case c.method == http.MethodPost:
		key, ferr = f.create(spec, vdom, body)
	case c.method == http.MethodPut && spec.singleton:
		ferr = f.updateGlobal(body)
	case c.method == http.MethodPut:
		key, ferr = f.update(spec, vdom, mkey, body)
	default:
		key, ferr = f.remove(spec, vdom, mkey)
	}
	if ferr != nil {
		return f.reply(f.errorEnvelope(c.method, vdom, path, name, true, ferr))
	}
	// §1.5 write reply: no results; old and new revision.
	old, cur := f.bump(vdom)
	o := obj("http_method", c.method, "revision", cur, "old_revision", old, "revision_changed", true)
	if key != nil {
		o.set("mkey", key)
	}
	o = append(o, obj("vdom", vdom, "path", path, "name", name, "status", "success", "http_status", int64(200))...)
	return f.reply(f.tail(o))
}

// decodeBody reads a cmdb write body: one JSON object.
func decodeBody(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New("body is not a JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON object")
	}
	return m, nil
}

// cmdbGet answers a GET on one VDOM: a list, one key, or the singleton.
func (f *fortiOS) cmdbGet(c fosCall, spec *tableSpec, vdom, path, name, mkey string) object {
	q := c.query
	format := parseFormat(q.Get("format"))
	if spec.singleton {
		o := obj("http_method", "GET", "revision", f.revision[vdom], "results", project(f.sysGlob, format),
			"vdom", vdom, "path", path, "name", name, "status", "success", "http_status", int64(200))
		return f.tail(o)
	}
	rows := *f.rows(spec, vdom)
	if mkey != "" {
		i := find(rows, spec, mkey)
		if i < 0 {
			// §1.6 example: 404 with mkey and no CLI code on a read.
			return f.errorEnvelope("GET", vdom, path, name, true, notFoundKey(keyOut(spec, mkey), false))
		}
		// §1.3: a keyed GET answers an array with one object.
		o := obj("http_method", "GET", "revision", f.revision[vdom], "results", []object{project(rows[i], format)},
			"vdom", vdom, "path", path, "name", name, "mkey", mustGet(rows[i], spec.mkey),
			"status", "success", "http_status", int64(200))
		return f.tail(o)
	}
	lq, ok := parseListQuery(q)
	if !ok {
		return f.errorEnvelope("GET", vdom, path, name, true, &fosError{status: 400})
	}
	var matched []object
	for _, r := range rows {
		if matchAll(r, lq.conds) {
			matched = append(matched, r)
		}
	}
	page := matched[min(lq.start, len(matched)):]
	limited := false
	if lq.count >= 0 && lq.count < len(page) {
		page = page[:lq.count]
		limited = true
	}
	results := make([]object, 0, len(page))
	for _, r := range page {
		results = append(results, project(r, format))
	}
	env := f.listEnv(vdom, path, name)
	o := env.head(len(rows), len(matched), lq.start, len(page), limited)
	o = append(o, field{"results", results})
	return append(o, env.after()...)
}

// listQuery is what a cmdb list GET asks for besides format (§1.7): filters, start and count.
type listQuery struct {
	conds [][]filterCond
	start int
	count int // -1: no limit
}

// parseListQuery reads filter, key/pattern, start and count; ok is false for a bad value (400).
func parseListQuery(q url.Values) (listQuery, bool) {
	conds, err := parseFilters(q["filter"])
	if err != nil {
		return listQuery{}, false
	}
	if k, p := q.Get("key"), q.Get("pattern"); k != "" && p != "" {
		// key/pattern: the simple filter, an exact match on one property [inf].
		conds = append(conds, []filterCond{{attr: k, op: "==", value: p, exact: true}})
	}
	lq := listQuery{conds: conds, count: -1}
	if v := q.Get("start"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return listQuery{}, false
		}
		lq.start = n
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return listQuery{}, false
		}
		if n > 0 {
			lq.count = n // count <= 0 means no limit [inf]
		}
	}
	return lq, true
}

// listEnv is what a cmdb list reply's envelope says around its results (§1.1), taken under the
// device lock so that a streamed reply can be written without it.
type listEnv struct {
	revision, vdom, path, name string
	v7                         bool   // 7.0 and later add size, limit_reached, matched_count, next_idx
	tail                       object // serial, version, build
}

func (f *fortiOS) listEnv(vdom, path, name string) listEnv {
	return listEnv{revision: f.revision[vdom], vdom: vdom, path: path, name: name, v7: f.dev.versionAtLeast(7, 0), tail: f.tail(nil)}
}

// head is the envelope before results: size rows in the table, matched of them match, the page
// of pageLen rows starts at start and was cut by count (limited).
func (e listEnv) head(size, matched, start, pageLen int, limited bool) object {
	o := obj("http_method", "GET", "revision", e.revision)
	if e.v7 {
		// §1.1 (HFX, a 7.4.1 capture): next_idx is the index of the last
		// object returned ("size":17 … "next_idx":16).
		o = append(o, obj("size", int64(size), "limit_reached", limited, "matched_count", int64(matched),
			"next_idx", int64(start+pageLen-1))...)
	}
	return o
}

// after is the envelope after results.
func (e listEnv) after() object {
	o := obj("vdom", e.vdom, "path", e.path, "name", e.name, "status", "success", "http_status", int64(200))
	return append(o, e.tail...)
}

// parseFormat reads format=a|b|c; nil means every field.
func parseFormat(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// project keeps only the format fields of a row, plus q_origin_key, which
// FortiOS always returns (§1.7, HFX). It always returns a copy.
func project(r object, format []string) object {
	if format == nil {
		return r.clone()
	}
	out := object{}
	for _, fl := range r {
		if fl.k == "q_origin_key" || slices.Contains(format, fl.k) {
			out = append(out, field{fl.k, cloneValue(fl.v)})
		}
	}
	return out
}
