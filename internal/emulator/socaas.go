package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SOCaaS API (forticloud-api.md §5): https://socaas.mss.fortinet.com,
// resources under /socaasAPI/v1/, IAM client_id "socaas", Authorization:
// Bearer. FNDN is not public; the reference pieces the API together from a
// SOAR connector, a third-party reference and a forwarder's fake (§5.0), so
// much here is [inf] and says so.
//
// Every reply is {"result":{"status":0,"errorArr":[],"data":…}} (§5.1):
// data is an array for lists, an object for details, true for status
// updates and null on error (status 1). errorArr items are strings
// ("Invalid credentials given.", SOC-REF) unless Options.SOCaaSObjectErrors,
// which gives the {"code","desc","name"} objects of SOAR-SOC's schema.

const (
	socPrefix   = "/socaasAPI/v1/"
	socClientID = "socaas" // §1.4
	maxSOCBody  = 1 << 20
)

// socErr is a refused request. Only code 14 "InvalidRequest" comes from the
// reference (§5.1, an illegal status change); the other codes and names are
// [inf].
type socErr struct {
	status int
	code   int
	name   string
	desc   string
}

func (e *socErr) Error() string { return e.desc }

const socCodeInvalidRequest = 14 // §5.1

var (
	socErrAuth      = &socErr{http.StatusUnauthorized, 10, "InvalidCredentials", "Invalid credentials given."}
	socErrForbidden = &socErr{http.StatusForbidden, 11, "PermissionDenied", "Permission denied: the API user has read-only access to SOCaaS."}
)

func socBad(format string, a ...any) *socErr {
	return &socErr{http.StatusBadRequest, socCodeInvalidRequest, "InvalidRequest", fmt.Sprintf(format, a...)}
}

func socNotFound(what string) *socErr {
	return &socErr{http.StatusNotFound, 13, "NotFound", what + " not found."}
}

// socEnvelope is the §5.1 envelope; field order as in the reference.
func socEnvelope(status int, errs []any, data any) object {
	if errs == nil {
		errs = []any{}
	}
	return obj("result", obj("status", status, "errorArr", errs, "data", data))
}

func (e *Emulator) writeSOC(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, socEnvelope(0, nil, data))
}

func (e *Emulator) writeSOCError(w http.ResponseWriter, err *socErr) {
	var item any = err.desc
	if e.opts.SOCaaSObjectErrors {
		item = obj("code", err.code, "desc", err.desc, "name", err.name)
	}
	writeJSON(w, err.status, socEnvelope(1, []any{item}, nil))
}

// socSourceIP is the rate-limit key: the peer address (§5.1 "per source IP").
func socSourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// serveSOCaaS: rate limit (per source IP, before auth [inf]), auth, route.
func (e *Emulator) serveSOCaaS(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, socPrefix) {
		e.writeSOCError(w, socNotFound("Resource"))
		return
	}
	post := false
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		post = true
	default:
		w.Header().Set("Allow", "GET, POST")
		e.writeSOCError(w, &socErr{http.StatusMethodNotAllowed, socCodeInvalidRequest, "InvalidRequest", "Method not allowed."})
		return
	}
	perMin, perHour := e.socLimits(post)
	class := "GET"
	if post {
		class = "POST"
	}
	if ok, wait := e.soc.admit(socSourceIP(r)+" "+class, e.clock.Now(), perMin, perHour); !ok {
		secs := int64(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		e.writeSOCError(w, &socErr{http.StatusTooManyRequests, 15, "TooManyRequests",
			fmt.Sprintf("Too many requests: %s limit exceeded for this IP, retry after %d seconds.", class, secs)})
		return
	}
	c, ok := e.callerFor(r)
	if !ok || c.legacy || c.clientID != socClientID {
		e.writeSOCError(w, socErrAuth)
		return
	}
	noteCaller(r, c.clientID, c.user)
	access, acct := e.socAccess(c.user)
	if access == "" {
		e.writeSOCError(w, socErrAuth)
		return
	}
	if post && access != AccessReadWrite && access != AccessAdmin {
		e.writeSOCError(w, socErrForbidden)
		return
	}
	u := socUser{name: c.user, account: acct}
	var data any
	var err *socErr
	rest := strings.TrimPrefix(r.URL.Path, socPrefix)
	seg := strings.Split(rest, "/")
	q := r.URL.Query()
	switch {
	case rest == "alert" && !post:
		data, err = e.socListAlerts(u, q, "")
	case len(seg) == 3 && seg[0] == "alert" && seg[1] == "client" && !post:
		// MSSP view (§5.2): the alerts of one client [inf: same filters].
		if !validUUID(seg[2]) {
			err = socBad("Invalid client uuid.")
			break
		}
		data, err = e.socListAlerts(u, q, strings.ToLower(seg[2]))
	case len(seg) == 2 && seg[0] == "alert" && !post:
		data, err = e.socAlertDetail(u, seg[1])
	case len(seg) == 2 && seg[0] == "alert" && post:
		data, err = e.socUpdateAlert(u, seg[1], r)
	case rest == "comment" && !post:
		data, err = e.socListComments(u, q)
	case rest == "comment" && post:
		data, err = e.socAddComment(u, r)
	case rest == "file" && !post:
		data, err = e.socFile(u, q)
	case rest == "service-request" && !post:
		data, err = e.socListSRs(u)
	case rest == "service-request" && post:
		data, err = e.socAddSR(u, r)
	case len(seg) == 2 && seg[0] == "service-request" && !post:
		data, err = e.socSRDetail(u, seg[1])
	case rest == "alert" || rest == "comment" || rest == "file" || rest == "service-request" ||
		(len(seg) == 2 && seg[0] == "service-request"):
		w.Header().Set("Allow", "GET, POST")
		err = &socErr{http.StatusMethodNotAllowed, socCodeInvalidRequest, "InvalidRequest", "Method not allowed."}
	default:
		// §5.2 lists more resources (reports, onboarding); they are not
		// emulated.
		err = socNotFound("Resource")
	}
	if err != nil {
		e.writeSOCError(w, err)
		return
	}
	if post {
		e.soc.mu.Lock()
		e.soc.posts++
		e.soc.mu.Unlock()
	}
	e.writeSOC(w, data)
}

type socUser struct {
	name    string
	account int64
}

// socAccess is the user's SOCaaS access type and FortiCloud account.
func (e *Emulator) socAccess(user string) (string, int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if u := e.users[user]; u != nil {
		return u.Portals[socClientID], u.AccountID
	}
	return "", 0
}

// apiUserName is how SOCaaS names an API user as author: APIuser(<uuid>)
// (§5.2).
func (u socUser) apiUserName() string { return "APIuser(" + u.name + ")" }

// sees reports whether the caller's account may see a record of account
// acct: its own, or one it is the MSSP of [inf].
func (u socUser) sees(self, mssp int64) bool {
	return u.account != 0 && (u.account == self || u.account == mssp)
}

// validUUID accepts the 8-4-4-4-12 hex form, either case.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// socTime renders a date as the reference does: RFC 3339 in UTC with up
// to microseconds ("2024-02-28T00:22:32.723408Z"); the zero value and the
// Unix epoch render as "1970-01-01T00:00:00Z" (§5.2).
func socTime(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.999999Z07:00")
}

// socAlertServed is the list filter of §5.2: escalated to an incident and
// in a status past the SOC's own triage.
func socAlertServed(a *SOCaaSAlert) bool {
	if !a.Escalated {
		return false
	}
	switch strings.ToLower(a.Status) {
	case "new", "investigating", "false positive", "closed immature":
		return false
	}
	return true
}

// socDateWindow parses created_date_from / created_date_to (RFC 3339, §5.2).
func socDateWindow(q url.Values) (from, to time.Time, err *socErr) {
	get := func(k string) (time.Time, *socErr) {
		vs := q[k]
		if len(vs) == 0 || vs[0] == "" {
			return time.Time{}, nil
		}
		t, perr := time.Parse(time.RFC3339, vs[0])
		if perr != nil {
			return time.Time{}, socBad("Invalid %s: expected an RFC 3339 date such as 2025-10-01T00:00:00Z.", k)
		}
		return t, nil
	}
	if from, err = get("created_date_from"); err != nil {
		return
	}
	to, err = get("created_date_to")
	return
}

func (e *Emulator) socListAlerts(u socUser, q url.Values, client string) (any, *socErr) {
	from, to, err := socDateWindow(q)
	if err != nil {
		return nil, err
	}
	var id int
	var idUUID string
	if vs := q["alert_id"]; len(vs) > 0 && vs[0] != "" {
		// alert_id: the numeric id; a uuid is accepted too [inf].
		if validUUID(vs[0]) {
			idUUID = strings.ToLower(vs[0])
		} else if n, perr := strconv.Atoi(vs[0]); perr == nil && n > 0 {
			id = n
		} else {
			return nil, socBad("Invalid alert_id.")
		}
	}
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for _, a := range s.alerts {
		if !socAlertServed(a) || !u.sees(a.SelfFCAccountID, a.MSSPFCAccountID) {
			continue
		}
		if client != "" && a.ClientUUID != client || id != 0 && a.ID != id || idUUID != "" && a.UUID != idUUID {
			continue
		}
		// The window applies to created_date, inclusive; a zero created
		// date is 1970 and falls outside any lower bound [inf].
		cd := a.CreatedDate
		if cd.IsZero() {
			cd = time.Unix(0, 0)
		}
		if !from.IsZero() && cd.Before(from) || !to.IsZero() && cd.After(to) {
			continue
		}
		out = append(out, socAlertItem(a))
	}
	return out, nil
}

// socAlertItem is the §5.2 list item, in the reference's field order.
func socAlertItem(a *SOCaaSAlert) object {
	return obj("uuid", a.UUID, "id", a.ID, "name", a.Name, "severity", a.Severity, "type", a.Type,
		"status", a.Status, "sla", a.SLA, "description", a.Description, "closure_notes", a.ClosureNotes,
		"analysis_recommendation", a.AnalysisRecommendation, "escalation_path", a.EscalationPath,
		"affected_endpoint", a.AffectedEndpoint, "client_uuid", a.ClientUUID, "client_name", a.ClientName,
		"fc_account_id", a.FCAccountID, "fc_client_name", a.FCClientName, "created_date", socTime(a.CreatedDate),
		"modified_date", socTime(a.ModifiedDate), "self_fc_account_id", a.SelfFCAccountID,
		"mssp_fc_account_id", a.MSSPFCAccountID)
}

// lookupAlert finds a served alert the caller may see. Caller holds s.mu.
func (s *socStore) lookupAlert(u socUser, id string) (*SOCaaSAlert, *socErr) {
	if !validUUID(id) {
		return nil, socBad("Invalid alert uuid.")
	}
	a := s.byUUID[strings.ToLower(id)]
	if a == nil || !socAlertServed(a) || !u.sees(a.SelfFCAccountID, a.MSSPFCAccountID) {
		return nil, socNotFound("Alert")
	}
	return a, nil
}

func (e *Emulator) socAlertDetail(u socUser, id string) (any, *socErr) {
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.lookupAlert(u, id)
	if err != nil {
		return nil, err
	}
	return socAlertDetailObj(a, s.files), nil
}

// socAlertDetailObj is the §5.2 detail: the list fields, detected_date,
// escalation_date and the nested arrays (their item shapes are [inf]).
func socAlertDetailObj(a *SOCaaSAlert, files map[string]*socFile) object {
	o := socAlertItem(a)
	o = append(o, obj("detected_date", socTime(a.DetectedDate), "escalation_date", socTime(a.EscalationDate))...)
	alerts := make([]any, 0, len(a.Alerts))
	for _, l := range a.Alerts {
		alerts = append(alerts, obj("alert_id", l.FAZAlertID, "name", l.Trigger, "severity", l.Severity,
			"devname", l.DevName, "alert_time", socTime(l.Time), "log_count", l.LogCount, "source", "FortiAnalyzer Cloud"))
	}
	assets := make([]any, 0, len(a.Assets))
	for _, x := range a.Assets {
		assets = append(assets, obj("serial", x.Serial, "name", x.Name, "model", x.Model, "type", "FortiGate"))
	}
	atts := make([]any, 0, len(a.Attachments))
	for _, x := range a.Attachments {
		size := 0
		if f := files[x.UUID]; f != nil {
			size = len(f.content)
		}
		atts = append(atts, obj("file_portal_uuid", x.UUID, "filename", x.Filename, "content_type", x.ContentType, "size", size))
	}
	eps := make([]any, 0, len(a.Endpoints))
	for _, x := range a.Endpoints {
		eps = append(eps, obj("hostname", x.Hostname, "ip", x.IP, "mac", x.MAC, "os", x.OS))
	}
	evs := make([]any, 0, len(a.Events))
	for _, x := range a.Events {
		evs = append(evs, obj("time", socTime(x.Time), "logid", x.LogID, "type", x.LogType, "devname", x.DevName,
			"devid", x.DevID, "srcip", x.SrcIP, "dstip", x.DstIP, "dstport", x.DstPort, "action", x.Action, "msg", x.Msg))
	}
	users := make([]any, 0, len(a.EventUsers))
	for _, x := range a.EventUsers {
		users = append(users, obj("username", x))
	}
	fa := make([]any, 0, len(a.ForensicAnalysis))
	for i, x := range a.ForensicAnalysis {
		fa = append(fa, obj("step", i+1, "finding", x))
	}
	inds := make([]any, 0, len(a.Indicators))
	for _, x := range a.Indicators {
		inds = append(inds, obj("type", x.Type, "value", x.Value))
	}
	return append(o, obj("alerts", alerts, "assets", assets, "attachments", atts, "endpoints", eps,
		"events", evs, "event_users", users, "forensic_analysis", fa, "indicators", inds)...)
}

// socStatusUpdate maps the POST statuses (§5.2: SOAR-SOC's list; SOC-REF's
// "completed" too) to the stored status. closed(…) and completed need
// closure notes.
var socStatusUpdate = map[string]string{
	"inprogress":            "InProgress",
	"confirmed":             "Confirmed",
	"completed":             "Completed",
	"closed(duplicate)":     "Completed",
	"closed(falsepositive)": "Completed",
	"closed(riskaccepted)":  "Completed",
	"closed(resolved)":      "Completed",
}

// socReadBody reads a POST body and returns param.data (§5.2 bodies are
// {"param":{"data":{…}}}).
func socReadBody(r *http.Request) (map[string]any, *socErr) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxSOCBody+1))
	if err != nil {
		return nil, socBad("Could not read the request body.")
	}
	if len(b) > maxSOCBody {
		return nil, &socErr{http.StatusRequestEntityTooLarge, socCodeInvalidRequest, "InvalidRequest", "Request body too large."}
	}
	return parseSOCParam(b)
}

// parseSOCParam decodes {"param":{"data":{…}}}: one JSON object, nothing
// after it.
func parseSOCParam(b []byte) (map[string]any, *socErr) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil || top == nil {
		return nil, socBad("Request body must be a JSON object.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, socBad("Request body must be a single JSON object.")
	}
	param, ok := top["param"].(map[string]any)
	if !ok {
		return nil, socBad("Missing param object.")
	}
	data, ok := param["data"].(map[string]any)
	if !ok {
		return nil, socBad("Missing param.data object.")
	}
	return data, nil
}

// socString reads an optional string field; a non-string value is a 400.
func socString(data map[string]any, k string) (string, bool, *socErr) {
	v, ok := data[k]
	if !ok || v == nil {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, socBad("Field %s must be a string.", k)
	}
	return s, true, nil
}

// socStatusChange is a validated alert status update.
type socStatusChange struct {
	status, stored, notes string
	hasNotes              bool
}

// parseSOCStatusChange validates an alert update body's data.
func parseSOCStatusChange(data map[string]any) (socStatusChange, *socErr) {
	var c socStatusChange
	st, ok, err := socString(data, "status")
	if err != nil {
		return c, err
	}
	if !ok || st == "" {
		return c, socBad("Field status is required.")
	}
	c.status = strings.ToLower(strings.TrimSpace(st))
	if c.stored, ok = socStatusUpdate[c.status]; !ok {
		return c, socBad("Invalid status %q: expected inprogress, confirmed, closed(duplicate), closed(falsepositive), closed(riskaccepted) or closed(resolved).", st)
	}
	if c.notes, c.hasNotes, err = socString(data, "closure_notes"); err != nil {
		return c, err
	}
	if c.stored == "Completed" && strings.TrimSpace(c.notes) == "" {
		return c, socBad("Field closure_notes is required to close an alert.")
	}
	return c, nil
}

func (e *Emulator) socUpdateAlert(u socUser, id string, r *http.Request) (any, *socErr) {
	if !validUUID(id) {
		return nil, socBad("Invalid alert uuid.")
	}
	data, err := socReadBody(r)
	if err != nil {
		return nil, err
	}
	ch, err := parseSOCStatusChange(data)
	if err != nil {
		return nil, err
	}
	now := e.clock.Now()
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.lookupAlert(u, id)
	if err != nil {
		return nil, err
	}
	if a.Status == "Completed" {
		// §5.1: "InvalidRequest error code 14" for an illegal change;
		// §5.2: cannot leave Completed.
		return nil, socBad("InvalidRequest error code 14: alert %d is Completed and its status cannot be changed.", a.ID)
	}
	a.Status = ch.stored
	if ch.hasNotes {
		a.ClosureNotes = ch.notes
	}
	a.ModifiedDate = now
	return true, nil
}

// socRelated is the module of a comment: alerts or service_request (§5.2).
func socRelatedOK(m string) bool { return m == "alerts" || m == "service_request" }

// relatedExists reports whether the caller may see uuid in module. Caller
// holds s.mu.
func (s *socStore) relatedExists(u socUser, module, id string) *socErr {
	if !validUUID(id) {
		return socBad("Invalid uuid.")
	}
	id = strings.ToLower(id)
	if module == "alerts" {
		_, err := s.lookupAlert(u, id)
		return err
	}
	sr := s.srByUUID[id]
	if sr == nil || !u.sees(sr.FCAccountID, 0) {
		return socNotFound("Service request")
	}
	return nil
}

func socCommentObj(c *SOCaaSComment, full bool) object {
	o := obj("content", c.Content, "tag", c.Tag, "create_user", c.CreateUser, "created_date", socTime(c.CreatedDate))
	if full {
		// The POST reply carries the modification fields too (§5.2); the
		// others are [inf].
		o = append(o, obj("uuid", c.UUID, "related", c.Module, "related_uuid", c.RelatedUUID,
			"modify_user", c.ModifyUser, "modified_date", socTime(c.ModifiedDate))...)
	}
	return o
}

func (e *Emulator) socListComments(u socUser, q url.Values) (any, *socErr) {
	module, id := q.Get("module"), q.Get("uuid")
	if !socRelatedOK(module) {
		return nil, socBad("Invalid module: expected alerts or service_request.")
	}
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.relatedExists(u, module, id); err != nil {
		return nil, err
	}
	out := []any{}
	for _, c := range s.comments[module+"\x00"+strings.ToLower(id)] {
		out = append(out, socCommentObj(c, false))
	}
	return out, nil
}

// parseSOCComment validates a comment body's data.
func parseSOCComment(data map[string]any) (content, related, relUUID, tag string, err *socErr) {
	if content, _, err = socString(data, "content"); err != nil {
		return
	}
	if strings.TrimSpace(content) == "" {
		err = socBad("Field content is required.")
		return
	}
	if len(content) > 65535 {
		err = socBad("Field content is too long.")
		return
	}
	if related, _, err = socString(data, "related"); err != nil {
		return
	}
	if !socRelatedOK(related) {
		err = socBad("Field related must be alerts or service_request.")
		return
	}
	if relUUID, _, err = socString(data, "related_uuid"); err != nil {
		return
	}
	if !validUUID(relUUID) {
		err = socBad("Field related_uuid must be a uuid.")
		return
	}
	tag, _, err = socString(data, "tag")
	return
}

func (e *Emulator) socAddComment(u socUser, r *http.Request) (any, *socErr) {
	data, err := socReadBody(r)
	if err != nil {
		return nil, err
	}
	content, related, relUUID, tag, err := parseSOCComment(data)
	if err != nil {
		return nil, err
	}
	now := e.clock.Now()
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.relatedExists(u, related, relUUID); err != nil {
		return nil, err
	}
	if s.ncomment >= socMaxComments {
		return nil, socBad("Too many comments.")
	}
	c := &SOCaaSComment{UUID: newUUID(), Module: related, RelatedUUID: strings.ToLower(relUUID), Content: content, Tag: tag,
		CreateUser: u.apiUserName(), ModifyUser: u.apiUserName(), CreatedDate: now, ModifiedDate: now}
	s.addComment(c)
	return socCommentObj(c, true), nil
}

// newUUID is a random UUID (detUUID's layout over 30 random characters).
func newUUID() string {
	t := newToken() // 30 random characters from crypto/rand
	return detUUID("random", t)
}

func (e *Emulator) socFile(u socUser, q url.Values) (any, *socErr) {
	module, id := q.Get("module"), q.Get("file-portal-uuid")
	if module != "attachment" && module != "report" {
		return nil, socBad("Invalid module: expected attachment or report.")
	}
	if !validUUID(id) {
		return nil, socBad("Invalid file-portal-uuid.")
	}
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[strings.ToLower(id)]
	if f == nil || f.module != module || !s.fileVisible(u, f.uuid) {
		return nil, socNotFound("File")
	}
	// file_content is an array of byte values (§5.2), not base64.
	ints := make([]int, len(f.content))
	for i, b := range f.content {
		ints[i] = int(b)
	}
	return obj("filename", f.filename, "content_type", f.contentType, "file_content", ints), nil
}

// fileVisible: a file belongs to an alert or a service request the caller
// may see [inf]. Caller holds s.mu.
func (s *socStore) fileVisible(u socUser, id string) bool {
	for _, a := range s.alerts {
		for _, x := range a.Attachments {
			if x.UUID == id && u.sees(a.SelfFCAccountID, a.MSSPFCAccountID) {
				return true
			}
		}
	}
	for _, sr := range s.srs {
		for _, x := range sr.Attachments {
			if x.UUID == id && u.sees(sr.FCAccountID, 0) {
				return true
			}
		}
	}
	return false
}

// Service request types (§5.2; "technicalassitance" sic).
var socSRTypes = map[string]bool{
	"devicedecommissioning": true, "escalationmatrixupdate": true, "newmonitoringrequest": true,
	"newreportrequest": true, "portalaccess": true, "servicedecommissioning": true, "serviceenquiry": true,
	"technicalassitance": true, "whitelistrequest": true, "others": true,
}

// The list uses snake_case, the detail camelCase (§5.2, §6 item 12); the
// field sets are [inf].
func socSRItem(sr *SOCaaSServiceRequest) object {
	return obj("uuid", sr.UUID, "id", sr.ID, "title", sr.Title, "type", sr.Type, "status", sr.Status,
		"notes", sr.Notes, "notification", sr.Notification, "client_uuid", sr.ClientUUID, "client_name", sr.ClientName,
		"closure_notes", sr.ClosureNotes, "create_user", sr.CreateUser, "created_date", socTime(sr.CreatedDate),
		"modified_date", socTime(sr.ModifiedDate))
}

func socSRDetailObj(sr *SOCaaSServiceRequest) object {
	atts := make([]any, 0, len(sr.Attachments))
	for _, x := range sr.Attachments {
		atts = append(atts, obj("filePortalUuid", x.UUID, "fileName", x.Filename, "contentType", x.ContentType))
	}
	return obj("uuid", sr.UUID, "id", sr.ID, "title", sr.Title, "type", sr.Type, "status", sr.Status,
		"notes", sr.Notes, "notification", sr.Notification, "clientUuid", sr.ClientUUID, "clientName", sr.ClientName,
		"closureNotes", sr.ClosureNotes, "createUser", sr.CreateUser, "createdDate", socTime(sr.CreatedDate),
		"modifiedDate", socTime(sr.ModifiedDate), "attachments", atts)
}

func (e *Emulator) socListSRs(u socUser) (any, *socErr) {
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for _, sr := range s.srs {
		if u.sees(sr.FCAccountID, 0) {
			out = append(out, socSRItem(sr))
		}
	}
	return out, nil
}

func (e *Emulator) socSRDetail(u socUser, id string) (any, *socErr) {
	if !validUUID(id) {
		return nil, socBad("Invalid service request uuid.")
	}
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	sr := s.srByUUID[strings.ToLower(id)]
	if sr == nil || !u.sees(sr.FCAccountID, 0) {
		return nil, socNotFound("Service request")
	}
	return socSRDetailObj(sr), nil
}

// socNewSR is a validated service request body.
type socNewSR struct {
	title, typ, notes, client string
	notification              bool
}

// parseSOCServiceRequest validates a service request body's data: title,
// type and notes required; notification a boolean (a "true"/"false"
// string accepted [inf]); client_name optional. attachment_files is not
// emulated and refused [inf].
func parseSOCServiceRequest(data map[string]any) (socNewSR, *socErr) {
	var n socNewSR
	var err *socErr
	if n.title, _, err = socString(data, "title"); err != nil {
		return n, err
	}
	if strings.TrimSpace(n.title) == "" {
		return n, socBad("Field title is required.")
	}
	if n.typ, _, err = socString(data, "type"); err != nil {
		return n, err
	}
	if !socSRTypes[n.typ] {
		return n, socBad("Invalid type %q.", n.typ)
	}
	if n.notes, _, err = socString(data, "notes"); err != nil {
		return n, err
	}
	if strings.TrimSpace(n.notes) == "" {
		return n, socBad("Field notes is required.")
	}
	if len(n.title) > 255 || len(n.notes) > 65535 {
		return n, socBad("Field title or notes is too long.")
	}
	switch v := data["notification"].(type) {
	case nil:
	case bool:
		n.notification = v
	case string:
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			return n, socBad("Field notification must be a boolean.")
		}
		n.notification = b
	default:
		return n, socBad("Field notification must be a boolean.")
	}
	if n.client, _, err = socString(data, "client_name"); err != nil {
		return n, err
	}
	if v, ok := data["attachment_files"]; ok && v != nil {
		return n, socBad("Field attachment_files is not supported by this emulator.")
	}
	return n, nil
}

func (e *Emulator) socAddSR(u socUser, r *http.Request) (any, *socErr) {
	data, err := socReadBody(r)
	if err != nil {
		return nil, err
	}
	n, err := parseSOCServiceRequest(data)
	if err != nil {
		return nil, err
	}
	cuuid, cname := socClientFor(u.account)
	if n.client != "" && n.client != cname {
		// An MSSP may name one of its clients; the emulator knows one
		// client per account [inf].
		return nil, socNotFound("Client " + strconv.Quote(n.client))
	}
	now := e.clock.Now()
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.srs) >= socMaxSRs {
		return nil, socBad("Too many service requests.")
	}
	sr := &SOCaaSServiceRequest{UUID: newUUID(), ID: max(s.nextSR, 1), Title: n.title, Type: n.typ, Status: "New",
		Notes: n.notes, Notification: n.notification, ClientUUID: cuuid, ClientName: cname,
		CreateUser: u.apiUserName(), CreatedDate: now, ModifiedDate: now, FCAccountID: u.account}
	s.addSR(sr)
	return socSRItem(sr), nil
}
