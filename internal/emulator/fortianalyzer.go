package emulator

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// FortiAnalyzer Cloud JSON-RPC (forticloud-api.md §4).
//
// Login: POST /p/forticloud_jsonrpc_login/ {"access_token":"…"} returns
// {"session":"…"} (§4.1 step 2). Only a live IAM token issued for client_id
// "FortiAnalyzer" (§1.4, case matters) to a user with FortiAnalyzer access
// opens a session. Refusals [inf: the reference has no failure body]:
//
//	400 {"error":"invalid_request","error_description":"…"}   body not JSON, no access_token
//	401 {"error":"invalid_token","error_description":"The access token is invalid or has expired"}
//	    unknown, expired, revoked or superseded token, or a token of another client_id
//	403 {"status":{"code":-11,"message":"No permission for the resource"}}
//	    the API user has no FortiAnalyzer access
//	403 {"status":{"code":-1,"message":"Login failed: … login-max …"}}
//	    the user already holds Options.FAZLoginMax sessions (§4.1 step 7)
//	405 any method but POST (Allow: POST)
//
// Sessions are 64 random bytes in standard base64 (88 characters with "+",
// "/" and "==", like the reference's examples). A session idle for
// Options.FAZSessionIdle [inf: §9 says the timeout is unknown] is gone.
//
// Calls: POST /jsonrpc {"id","method","params":[…],"session"} (§4.1 step 3;
// the session only in the body). HTTP status is always 200; results and
// errors are in the body. The envelope (§4.2):
//
//   - classic for /sys/, /dvmdb/, /cli/, /task/: {"id","result":[{"status":
//     {"code","message"},"url","data"}]}, one result per params entry.
//     "jsonrpc":"2.0" is echoed when the request carried it [inf].
//   - API v3 for /logview/, /fortiview/, /eventmgmt/, /incidentmgmt/,
//     /report/, /soar/, /ueba/, /ioc/, /fazsys/: the request must carry
//     "jsonrpc":"2.0" and "apiver":3 in params[0] (only params[0] is
//     read [inf]). Success {"jsonrpc":"2.0","id","result":{…}}; error
//     {"jsonrpc":"2.0","id","error":{"code","message"}}.
//
// A v3 URL called without "jsonrpc":"2.0" and "apiver":3 gets the classic
// envelope with -6 "Invalid url": the classic dispatcher does not know the
// URL [inf]. A dead session (unknown, expired, logged out, or dropped by
// ExpireFAZSessions) gets -11 "No permission for the resource" (§4.1 step 6)
// in the style the call would have been answered in: in result[0].status of
// every classic result, or as the v3 error object [inf: §4.2 allows both;
// clients check both].
//
// Error codes (§4.3; the ones not in the reference's table are [inf]):
//
//	-1      runtime error: body not JSON, unknown verb or verb not served on
//	        the URL (classic), no search slot left, invalid or reaped tid
//	        ("Invalid tid", §4.3 says the code varies)
//	-3      "Object does not exist": unknown ADOM, device, alert, incident
//	-6      "Invalid url"
//	-10     "The data is invalid for selected url": bad classic parameters
//	-11     dead session; also a Read-only user asking for a write (§4.6)
//	-32601  "Method not found": verb not served on a v3 URL
//	-32602  "Invalid params: …": bad v3 parameters (the form FortiView
//	        answers with, fortios-and-faz-data.md §4.3)

const (
	fazLoginPath = "/p/forticloud_jsonrpc_login/"
	fazRPCPath   = "/jsonrpc"
	fazClientID  = "FortiAnalyzer" // §1.4: case matters
	maxFAZBody   = 1 << 20

	fazDefaultLoginMax = 20 // fortinet-docs/fortianalyzer-cloud-api-users.txt
	fazDefaultIdle     = 30 * time.Minute
	fazDefaultPolls    = 3
	fazDefaultSearches = 8
	// fazTaskTTL reaps a search or FortiView task nobody polled for this
	// long, freeing its slot [inf].
	fazTaskTTL = 10 * time.Minute
	// fazMaxIncidents bounds the incidents a long sandbox session can add.
	fazMaxIncidents = 5000
)

// FortiAnalyzer error codes (§4.3).
const (
	fazOK           = 0
	fazErrRuntime   = -1
	fazErrNotExist  = -3
	fazErrBadURL    = -6
	fazErrBadData   = -10
	fazErrNoPerm    = -11
	fazErrNoMethod  = -32601
	fazErrBadParams = -32602
)

const (
	fazMsgNoPerm   = "No permission for the resource"
	fazMsgBadURL   = "Invalid url"
	fazMsgNotExist = "Object does not exist"
)

// fazV3Prefixes are the first URL segments that need API v3 (§4.2).
var fazV3Prefixes = map[string]bool{
	"logview": true, "fortiview": true, "eventmgmt": true, "incidentmgmt": true, "report": true,
	"soar": true, "ueba": true, "ioc": true, "fazsys": true,
}

// fazVerbs are the JSON-RPC methods (§4.6).
var fazVerbs = map[string]bool{
	"get": true, "add": true, "set": true, "update": true, "delete": true, "exec": true, "move": true, "clone": true,
}

// fazErr is a refused call: a code and a message.
type fazErr struct {
	code int
	msg  string
}

func fazBadParams(format string, a ...any) *fazErr {
	return &fazErr{fazErrBadParams, "Invalid params: " + fmt.Sprintf(format, a...)}
}

func fazNotExist(what string) *fazErr {
	return &fazErr{fazErrNotExist, fazMsgNotExist + ": " + what}
}

var errFAZNoPerm = &fazErr{fazErrNoPerm, fazMsgNoPerm}

type fazSession struct {
	user string
	last time.Time // last request, for the idle timeout
	held bool      // taken by HoldFAZSessions: never idle, not counted as ours
}

// fazStore is the FortiAnalyzer state, under its own lock. The log rows are
// written once by the seed before the emulator serves and never change, so
// they are read without the lock.
type fazStore struct {
	mu           sync.Mutex
	sessions     map[string]*fazSession
	logins       int
	logouts      int
	peakSessions int

	tasks        map[int64]*fazTask
	nextTID      int64
	peakSearches int
	cancelled    int

	alerts    []*fazAlert
	incidents []*fazIncident
	nextIncid int

	logs []fazLog // immutable after seeding, time order (oldest first)
}

func newFAZStore() *fazStore {
	return &fazStore{sessions: map[string]*fazSession{}, tasks: map[int64]*fazTask{}, nextTID: 4201, nextIncid: 1}
}

func (e *Emulator) fazLoginMax() int {
	if e.opts.FAZLoginMax > 0 {
		return e.opts.FAZLoginMax
	}
	return fazDefaultLoginMax
}

func (e *Emulator) fazIdle() time.Duration {
	if e.opts.FAZSessionIdle > 0 {
		return e.opts.FAZSessionIdle
	}
	return fazDefaultIdle
}

func (e *Emulator) fazPolls() int {
	if e.opts.FAZSearchPolls > 0 {
		return e.opts.FAZSearchPolls
	}
	return fazDefaultPolls
}

func (e *Emulator) fazMaxSearches() int {
	if e.opts.FAZMaxSearches > 0 {
		return e.opts.FAZMaxSearches
	}
	return fazDefaultSearches
}

// purgeSessionsLocked drops sessions idle for the timeout. Caller holds f.mu.
func (e *Emulator) purgeSessionsLocked(f *fazStore, now time.Time) {
	idle := e.fazIdle()
	for id, s := range f.sessions {
		if !s.held && now.Sub(s.last) >= idle {
			delete(f.sessions, id)
		}
	}
}

func newSessionID() string {
	b := make([]byte, 64)
	if _, err := rand.Read(b); err != nil {
		panic("emulator: crypto/rand failed: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(b)
}

// serveFAZLogin answers /p/forticloud_jsonrpc_login/ (and the path without
// its slash, which the web app redirects [inf]).
func (e *Emulator) serveFAZLogin(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case fazLoginPath:
	case strings.TrimSuffix(fazLoginPath, "/"):
		http.Redirect(w, r, fazLoginPath, http.StatusMovedPermanently)
		return
	default:
		notFoundPage(w)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, obj("status", obj("code", fazErrRuntime, "message", "Method not allowed")))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFAZBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, oauthError{Error: "invalid_request", Description: "Request body is too large."})
		return
	}
	var body struct {
		AccessToken any `json:"access_token"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{Error: "invalid_request", Description: "The request body must be a JSON object."})
		return
	}
	tok, _ := body.AccessToken.(string)
	if strings.TrimSpace(tok) == "" {
		writeJSON(w, http.StatusBadRequest, oauthError{Error: "invalid_request", Description: "access_token is required."})
		return
	}
	now := e.clock.Now()
	e.mu.Lock()
	g := e.tokens.accessGrant(strings.TrimSpace(tok), now)
	var user, access string
	if g != nil && !g.legacy && g.clientID == fazClientID {
		user = g.user
		if u := e.users[user]; u != nil {
			access = u.Portals[fazClientID]
		}
	}
	e.mu.Unlock()
	if user == "" {
		writeJSON(w, http.StatusUnauthorized, oauthError{Error: "invalid_token", Description: "The access token is invalid or has expired"})
		return
	}
	noteCaller(r, fazClientID, user)
	if access != AccessAdmin && access != AccessReadWrite && access != AccessRead {
		writeJSON(w, http.StatusForbidden, obj("status", obj("code", fazErrNoPerm, "message", fazMsgNoPerm)))
		return
	}
	f := e.faz
	f.mu.Lock()
	e.purgeSessionsLocked(f, now)
	held, own := 0, 0 // all the user's sessions; those not taken by HoldFAZSessions
	for _, s := range f.sessions {
		if s.user == user {
			held++
			if !s.held {
				own++
			}
		}
	}
	max := e.fazLoginMax()
	if held >= max {
		f.mu.Unlock()
		writeJSON(w, http.StatusForbidden, obj("status", obj("code", fazErrRuntime, "message",
			fmt.Sprintf("Login failed: the API user already holds its maximum number of sessions (login-max %d).", max))))
		return
	}
	id := newSessionID()
	f.sessions[id] = &fazSession{user: user, last: now}
	f.logins++
	if own+1 > f.peakSessions {
		f.peakSessions = own + 1
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, obj("session", id))
}

// fazRequest is a decoded /jsonrpc body.
type fazRequest struct {
	id      any // echoed as sent: json.Number, string or nil
	method  string
	session string
	v2      bool // "jsonrpc":"2.0"
	verbose bool
	params  []fazParams
}

// fazCall is one params entry being served.
type fazCall struct {
	e       *Emulator
	user    string
	access  string
	now     time.Time
	method  string
	url     string   // as the client sent it
	segs    []string // the URL's path segments
	wild    []string // segments matched by "*" in the route
	p       fazParams
	verbose bool
	v3      bool
}

type fazHandler func(c *fazCall) (any, *fazErr)

type fazRoute struct {
	pattern []string
	verbs   map[string]fazHandler
	write   map[string]bool // verbs that change state (§4.6)
}

func route3(pattern string, verbs map[string]fazHandler, writes ...string) fazRoute {
	w := map[string]bool{}
	for _, v := range writes {
		w[v] = true
	}
	return fazRoute{pattern: strings.Split(pattern, "/"), verbs: verbs, write: w}
}

// fazRoutes are the URLs the emulator serves. Others, including the many
// real ones it does not emulate (/report/, /soar/, …), answer -6.
var fazRoutes = []fazRoute{
	route3("sys/status", map[string]fazHandler{"get": fazSysStatus}),
	route3("cli/global/system/status", map[string]fazHandler{"get": fazSysStatus}),
	route3("sys/logout", map[string]fazHandler{"exec": nil}), // handled by serveFAZRPC
	route3("task/task", map[string]fazHandler{"get": fazTaskList}),
	route3("dvmdb/adom", map[string]fazHandler{"get": fazADOMList}),
	route3("dvmdb/adom/*", map[string]fazHandler{"get": fazADOMGet}),
	route3("dvmdb/device", map[string]fazHandler{"get": fazDeviceList}),
	route3("dvmdb/device/*", map[string]fazHandler{"get": fazDeviceGet}),
	route3("dvmdb/adom/*/device", map[string]fazHandler{"get": fazDeviceList}),
	route3("dvmdb/adom/*/device/*", map[string]fazHandler{"get": fazDeviceGet}),

	route3("logview/adom/*/logsearch", map[string]fazHandler{"add": fazLogSearchAdd}),
	route3("logview/adom/*/logsearch/*", map[string]fazHandler{"get": fazLogSearchFetch, "delete": fazTaskCancel}),
	route3("logview/adom/*/logsearch/count/*", map[string]fazHandler{"get": fazLogSearchCount}),
	route3("fortiview/adom/*/*/run", map[string]fazHandler{"add": fazViewRun}),
	route3("fortiview/adom/*/*/run/*", map[string]fazHandler{"get": fazViewFetch, "delete": fazTaskCancel}),
	route3("eventmgmt/adom/*/alerts", map[string]fazHandler{"get": fazAlertsGet}),
	route3("eventmgmt/adom/*/alerts/count", map[string]fazHandler{"get": fazAlertsCount}),
	route3("eventmgmt/adom/*/alerts/ack", map[string]fazHandler{"update": fazAlertsAck(true)}, "update"),
	route3("eventmgmt/adom/*/alerts/unack", map[string]fazHandler{"update": fazAlertsAck(false)}, "update"),
	route3("eventmgmt/adom/*/alerts/comment", map[string]fazHandler{"update": fazAlertsComment, "add": fazAlertsComment}, "update", "add"),
	route3("eventmgmt/adom/*/alerts/assign", map[string]fazHandler{"update": fazAlertsAssign}, "update"),
	route3("incidentmgmt/adom/*/incidents", map[string]fazHandler{"get": fazIncidentsGet}),
	route3("incidentmgmt/adom/*/incidents/count", map[string]fazHandler{"get": fazIncidentsCount}),
	route3("incidentmgmt/adom/*/incident", map[string]fazHandler{"add": fazIncidentAdd}, "add"),
	route3("incidentmgmt/adom/*/incident/*", map[string]fazHandler{"update": fazIncidentUpdate}, "update"),
}

// splitFAZURL turns "/dvmdb/adom/root" or "sys/logout" into segments; it
// refuses empty segments and traversal.
func splitFAZURL(u string) ([]string, bool) {
	u = strings.TrimSuffix(strings.TrimPrefix(u, "/"), "/")
	if u == "" || len(u) > 1024 {
		return nil, false
	}
	segs := strings.Split(u, "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "\x00?#\\") {
			return nil, false
		}
	}
	return segs, true
}

func matchFAZRoute(segs []string) (*fazRoute, []string) {
	for i := range fazRoutes {
		rt := &fazRoutes[i]
		if len(rt.pattern) != len(segs) {
			continue
		}
		var wild []string
		ok := true
		for j, p := range rt.pattern {
			if p == "*" {
				wild = append(wild, segs[j])
			} else if p != segs[j] {
				ok = false
				break
			}
		}
		if ok {
			return rt, wild
		}
	}
	return nil, nil
}

// parseFAZRequest decodes the body. Numbers stay json.Number so that long
// ids (18-digit alert ids) keep every digit.
func parseFAZRequest(raw []byte) (*fazRequest, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, errors.New("not a JSON object")
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	req := &fazRequest{id: m["id"]}
	switch req.id.(type) {
	case json.Number, string, nil:
	default:
		req.id = nil
	}
	req.method, _ = m["method"].(string)
	req.session, _ = m["session"].(string)
	v, _ := m["jsonrpc"].(string)
	req.v2 = v == "2.0"
	req.verbose = truthy(m["verbose"])
	list, ok := m["params"].([]any)
	if !ok {
		return nil, errors.New("params must be an array")
	}
	for _, x := range list {
		p, _ := x.(map[string]any)
		req.params = append(req.params, fazParams(p))
	}
	return req, nil
}

func truthy(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case json.Number:
		return t.String() != "0"
	case string:
		return t == "1" || strings.EqualFold(t, "true")
	}
	return false
}

// isV3 reports whether params entry p of req is a proper API v3 call.
func (req *fazRequest) isV3(p fazParams) (v3URL, proper bool) {
	segs, ok := splitFAZURL(p.url())
	if !ok || !fazV3Prefixes[segs[0]] {
		return false, false
	}
	n, ok, err := p.int("apiver")
	return true, req.v2 && ok && err == nil && n == 3
}

func (e *Emulator) serveFAZRPC(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != fazRPCPath {
		notFoundPage(w)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, obj("id", nil, "result",
			[]object{obj("status", obj("code", fazErrRuntime, "message", "Method not allowed"))}))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFAZBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, obj("id", nil, "result",
			[]object{obj("status", obj("code", fazErrRuntime, "message", "runtime error 0: request too large"))}))
		return
	}
	req, err := parseFAZRequest(raw)
	if err != nil || len(req.params) == 0 {
		writeJSON(w, http.StatusOK, obj("id", idOf(req), "result",
			[]object{obj("status", obj("code", fazErrRuntime, "message", "runtime error 0: invalid JSON request"))}))
		return
	}
	now := e.clock.Now()
	v3URL, proper := req.isV3(req.params[0])
	v3 := v3URL && proper

	// The session first: a dead session answers -11 whatever the URL.
	f := e.faz
	f.mu.Lock()
	var sess *fazSession
	if s := f.sessions[req.session]; s != nil && req.session != "" {
		if now.Sub(s.last) >= e.fazIdle() {
			delete(f.sessions, req.session)
		} else {
			s.last = now
			sess = s
		}
	}
	var user, access string
	if sess != nil {
		user = sess.user
	}
	f.mu.Unlock()
	if sess != nil {
		// Portal access is read at each request, so a change applies at
		// once; a user who lost FortiAnalyzer access gets -11.
		switch access = e.portalAccess(user, fazClientID); access {
		case AccessAdmin, AccessReadWrite, AccessRead:
		default:
			sess = nil
		}
	}
	if sess == nil {
		if v3 {
			writeFAZv3(w, req, nil, errFAZNoPerm)
			return
		}
		results := make([]object, len(req.params))
		for i, p := range req.params {
			results[i] = fazClassicResult(p.url(), nil, errFAZNoPerm)
		}
		writeFAZClassic(w, req, results)
		return
	}
	noteCaller(r, fazClientID, user)

	if v3 {
		c := e.newFAZCall(req, req.params[0], user, access, now, true)
		data, ferr := c.dispatch()
		writeFAZv3(w, req, data, ferr)
		return
	}
	results := make([]object, 0, len(req.params))
	for _, p := range req.params {
		if v3URL, _ := req.isV3(p); v3URL {
			results = append(results, fazClassicResult(p.url(), nil, &fazErr{fazErrBadURL, fazMsgBadURL}))
			continue
		}
		if segs, ok := splitFAZURL(p.url()); ok && len(segs) == 2 && segs[0] == "sys" && segs[1] == "logout" && req.method == "exec" {
			f.mu.Lock()
			if f.sessions[req.session] != nil {
				delete(f.sessions, req.session)
				f.logouts++
			}
			f.mu.Unlock()
			results = append(results, fazClassicResult(p.url(), nil, nil))
			continue
		}
		c := e.newFAZCall(req, p, user, access, now, false)
		data, ferr := c.dispatch()
		results = append(results, fazClassicResult(p.url(), data, ferr))
	}
	writeFAZClassic(w, req, results)
}

func idOf(req *fazRequest) any {
	if req == nil {
		return nil
	}
	return req.id
}

func (e *Emulator) newFAZCall(req *fazRequest, p fazParams, user, access string, now time.Time, v3 bool) *fazCall {
	return &fazCall{e: e, user: user, access: access, now: now, method: req.method, url: p.url(), p: p,
		verbose: req.verbose || truthy(p["verbose"]), v3: v3}
}

// dispatch routes one call. Unknown URL: -6; verb not served there: -1
// (classic) or -32601 (v3); a write by a Read-only user: -11 (§4.6).
func (c *fazCall) dispatch() (any, *fazErr) {
	if !fazVerbs[c.method] {
		return nil, c.noMethod()
	}
	segs, ok := splitFAZURL(c.url)
	if !ok {
		return nil, &fazErr{fazErrBadURL, fazMsgBadURL}
	}
	rt, wild := matchFAZRoute(segs)
	if rt == nil {
		return nil, &fazErr{fazErrBadURL, fazMsgBadURL}
	}
	h, ok := rt.verbs[c.method]
	if !ok || h == nil {
		return nil, c.noMethod()
	}
	if rt.write[c.method] && c.access == AccessRead {
		return nil, errFAZNoPerm
	}
	c.segs, c.wild = segs, wild
	return h(c)
}

func (c *fazCall) noMethod() *fazErr {
	if c.v3 {
		return &fazErr{fazErrNoMethod, "Method not found"}
	}
	return &fazErr{fazErrRuntime, "runtime error 0: invalid method for this url"}
}

// badData is a parameter error in the call's style.
func (c *fazCall) badData(format string, a ...any) *fazErr {
	if c.v3 {
		return fazBadParams(format, a...)
	}
	return &fazErr{fazErrBadData, "The data is invalid for selected url: " + fmt.Sprintf(format, a...)}
}

func fazClassicResult(url string, data any, ferr *fazErr) object {
	if ferr != nil {
		return obj("status", obj("code", ferr.code, "message", ferr.msg), "url", url)
	}
	o := obj("status", obj("code", fazOK, "message", "OK"), "url", url)
	if data != nil {
		o = append(o, field{"data", data})
	}
	return o
}

func writeFAZClassic(w http.ResponseWriter, req *fazRequest, results []object) {
	o := obj("id", req.id, "result", results)
	if req.v2 {
		o = append(object{{"jsonrpc", "2.0"}}, o...)
	}
	writeJSON(w, http.StatusOK, o)
}

func writeFAZv3(w http.ResponseWriter, req *fazRequest, result any, ferr *fazErr) {
	if ferr != nil {
		writeJSON(w, http.StatusOK, obj("jsonrpc", "2.0", "id", req.id, "error", obj("code", ferr.code, "message", ferr.msg)))
		return
	}
	o := obj("jsonrpc", "2.0", "id", req.id)
	if result != nil {
		o = append(o, field{"result", result})
	}
	writeJSON(w, http.StatusOK, o)
}

// fazStatusOK is the status object v3 results carry (§4.2).
func fazStatusOK() object { return obj("code", 0, "message", "ok") }

// Test hooks.

// FAZLogins returns how many FortiAnalyzer sessions were opened.
func (e *Emulator) FAZLogins() int {
	e.faz.mu.Lock()
	defer e.faz.mu.Unlock()
	return e.faz.logins
}

// FAZLogouts returns how many sessions ended with exec sys/logout.
func (e *Emulator) FAZLogouts() int {
	e.faz.mu.Lock()
	defer e.faz.mu.Unlock()
	return e.faz.logouts
}

// FAZActiveSessions returns the sessions alive now (per the Clock), over
// all users, leaving out those taken by HoldFAZSessions.
func (e *Emulator) FAZActiveSessions() int {
	f := e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	e.purgeSessionsLocked(f, e.clock.Now())
	n := 0
	for _, s := range f.sessions {
		if !s.held {
			n++
		}
	}
	return n
}

// HoldFAZSessions opens n sessions for API user user as if another client
// held them: they count towards the user's login-max (Options.FAZLoginMax),
// so with n at the limit the next login gets the real 403 "login-max"
// refusal. They never idle out and are left out of FAZActiveSessions and
// FAZPeakSessions; ReleaseFAZSessions or ExpireFAZSessions ends them.
func (e *Emulator) HoldFAZSessions(user string, n int) {
	now := e.clock.Now()
	e.faz.mu.Lock()
	defer e.faz.mu.Unlock()
	for i := 0; i < n; i++ {
		e.faz.sessions[newSessionID()] = &fazSession{user: user, last: now, held: true}
	}
}

// ReleaseFAZSessions ends the sessions HoldFAZSessions took for user ("" =
// every user), freeing their login-max slots.
func (e *Emulator) ReleaseFAZSessions(user string) {
	e.faz.mu.Lock()
	defer e.faz.mu.Unlock()
	for id, s := range e.faz.sessions {
		if s.held && (user == "" || s.user == user) {
			delete(e.faz.sessions, id)
		}
	}
}

// FAZPeakSessions returns the most sessions one API user held at once
// (not counting those taken by HoldFAZSessions).
func (e *Emulator) FAZPeakSessions() int {
	e.faz.mu.Lock()
	defer e.faz.mu.Unlock()
	return e.faz.peakSessions
}

// ExpireFAZSessions ends every session, as an idle timeout or a restart of
// the instance would: the next call on any of them gets -11.
func (e *Emulator) ExpireFAZSessions() {
	e.faz.mu.Lock()
	e.faz.sessions = map[string]*fazSession{}
	e.faz.mu.Unlock()
}

// FAZActiveSearches returns the live log search and FortiView tasks (tids
// neither reaped, cancelled nor timed out), over all users.
func (e *Emulator) FAZActiveSearches() int {
	f := e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	f.purgeTasksLocked(e.clock.Now())
	return len(f.tasks)
}

// FAZPeakSearches returns the most tasks that were live at once.
func (e *Emulator) FAZPeakSearches() int {
	e.faz.mu.Lock()
	defer e.faz.mu.Unlock()
	return e.faz.peakSearches
}

// FAZCancelledSearches returns how many tasks were cancelled with delete.
func (e *Emulator) FAZCancelledSearches() int {
	e.faz.mu.Lock()
	defer e.faz.mu.Unlock()
	return e.faz.cancelled
}
