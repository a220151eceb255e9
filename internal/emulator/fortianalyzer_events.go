package emulator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Event management alerts and incidents (forticloud-api.md §4.5; record
// shapes fortios-and-faz-data.md §4.1, §4.2). Both are stateful: ack,
// unack, comment and assign change alerts; incidents can be added and
// updated. Writes need ReadWrite or Admin on FortiAnalyzer (§4.6).
//
// [inf] throughout, where the reference is silent: a write naming an alert
// or incident that does not exist is refused (-3) rather than ignored;
// list replies are {"data":[…],"status":{…}} newest first; count replies are
// {"data":[{"count":n}]} (with "group-by", one element per value);
// assignment takes "assign-to" (or "assignee"); the comment call is
// accepted as update or add (the two sources disagree).

const (
	maxFAZAlerts    = 2000 // §4.5: alerts limit ≤ 2000
	maxFAZIncidents = 2000 // [inf]
	maxFAZText      = 4096 // description, comment [inf]
	maxFAZComments  = 100  // per alert [inf]
)

// FAZAlert is a snapshot of an event-management alert, for tests.
type FAZAlert struct {
	ID, ADOM, Trigger, EventType, Severity, Subject string
	DevName, DevID                                  string
	EndpointIP                                      string // epip: the endpoint the alert is about
	Time                                            time.Time
	Acked                                           bool
	AckedBy                                         string // update-by of the last ack
	Comments                                        []string
	AssignedTo                                      string
}

// FAZIncident is a snapshot of an incident, for tests.
type FAZIncident struct {
	ID, ADOM, Name, Status, Severity, Category string
	Endpoint, Reporter, Description            string
	AssignedTo, AlertID, LastUser              string
	Revision                                   int
	Created, Updated                           time.Time
}

type fazAlert struct {
	id, adom                                             string
	alertTime, firstLog, lastLog, updated                time.Time
	trigger, eventtype, severity                         string
	acked, read                                          bool
	ackedBy                                              string
	logcount                                             int
	subject, extrainfo, tag, groupby1, groupby2          string
	devid, devname, vdom, csf                            string
	epid, epname, epip, euid, euname, dstepname, dstepip string
	filterid                                             string
	details                                              object
	target                                               []object
	comments                                             []string
	assignedTo                                           string
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// render is the §4.1 record; comment and assigned_to follow it [inf].
func (a *fazAlert) render() object {
	comment := ""
	if n := len(a.comments); n > 0 {
		comment = a.comments[n-1]
	}
	return obj("alertid", a.id, "alerttime", a.alertTime.Unix(), "firstlogtime", a.firstLog.Unix(),
		"lastlogtime", a.lastLog.Unix(), "updatetime", a.updated.Unix(), "triggername", a.trigger,
		"eventtype", a.eventtype, "severity", a.severity, "ackflag", yesNo(a.acked), "readflag", yesNo(a.read),
		"logcount", a.logcount, "subject", a.subject, "extrainfo", a.extrainfo, "tag", a.tag,
		"groupby1", a.groupby1, "groupby2", a.groupby2, "devid", a.devid, "devname", a.devname,
		"devtype", "FortiGate", "vdom", a.vdom, "csf", a.csf, "epid", a.epid, "epname", a.epname, "epip", a.epip,
		"euid", a.euid, "euname", a.euname, "dstepname", a.dstepname, "dstepip", a.dstepip,
		"filterid", a.filterid, "filterkey", "", "filtercksum", "", "event_details", a.details, "target", a.target,
		"comment", comment, "assigned_to", a.assignedTo)
}

func (a *fazAlert) snapshot() FAZAlert {
	return FAZAlert{ID: a.id, ADOM: a.adom, Trigger: a.trigger, EventType: a.eventtype, Severity: a.severity,
		Subject: a.subject, DevName: a.devname, DevID: a.devid, EndpointIP: a.epip, Time: a.alertTime,
		Acked: a.acked, AckedBy: a.ackedBy, Comments: slices.Clone(a.comments), AssignedTo: a.assignedTo}
}

// objGetter reads a rendered record's values as text, for filters. The
// alert filter's trigger_name is triggername (§4.5).
func objGetter(o object) func(string) (string, bool) {
	return func(k string) (string, bool) {
		if k == "trigger_name" {
			k = "triggername"
		}
		v, ok := o.get(k)
		switch t := v.(type) {
		case string:
			return t, ok
		case int64:
			return strconv.FormatInt(t, 10), ok
		case int:
			return strconv.Itoa(t), ok
		case nil:
			return "", false
		default:
			return fmt.Sprint(t), ok
		}
	}
}

// selectAlerts returns the ADOM's alerts matching filter and time-range,
// newest first, rendered. Caller holds f.mu.
func (c *fazCall) selectAlertsLocked(adom string) ([]object, *fazErr) {
	filter, ferr := c.filterParam()
	if ferr != nil {
		return nil, ferr
	}
	from, to, ferr := c.timeRange()
	if ferr != nil {
		return nil, ferr
	}
	out := []object{}
	for _, a := range c.e.faz.alerts {
		if a.adom != adom || !inRange(a.alertTime, from, to) {
			continue
		}
		r := a.render()
		if filter == nil || filter.match(objGetter(r), false) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(x, y object) int {
		a, _ := x.get("alerttime")
		b, _ := y.get("alerttime")
		return int(b.(int64) - a.(int64))
	})
	return out, nil
}

// fazAlertsGet: get /eventmgmt/adom/<adom>/alerts.
func fazAlertsGet(c *fazCall) (any, *fazErr) {
	if _, ferr := c.adomParam(); ferr != nil { // an unknown ADOM is reported before bad paging
		return nil, ferr
	}
	limit, offset, ferr := c.limitOffset(100, maxFAZAlerts)
	if ferr != nil {
		return nil, ferr
	}
	rows, ferr := c.alertRows()
	if ferr != nil {
		return nil, ferr
	}
	return obj("data", page(rows, offset, limit), "status", fazStatusOK()), nil
}

// alertRows selects the ADOM's alerts matching the call's parameters.
func (c *fazCall) alertRows() ([]object, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	f := c.e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	return c.selectAlertsLocked(adom)
}

func page(rows []object, offset, limit int64) []object {
	out := []object{}
	for i := offset; i < int64(len(rows)) && i < offset+limit; i++ {
		out = append(out, rows[i])
	}
	return out
}

// countReply groups rows by the "group-by" field, if given.
func (c *fazCall) countReply(rows []object) (any, *fazErr) {
	by, _, ok := c.p.str("group-by")
	if !ok {
		return nil, fazBadParams("group-by must be a field name")
	}
	if by == "" {
		return obj("data", []object{obj("count", len(rows))}, "status", fazStatusOK()), nil
	}
	var order []string
	counts := map[string]int{}
	for _, r := range rows {
		v, ok := objGetter(r)(by)
		if !ok {
			return nil, fazBadParams("group-by '%s' is not a field", clip(by, 40))
		}
		if counts[v] == 0 {
			order = append(order, v)
		}
		counts[v]++
	}
	data := []object{}
	for _, v := range order {
		data = append(data, obj(by, v, "count", counts[v]))
	}
	return obj("data", data, "status", fazStatusOK()), nil
}

// fazAlertsCount: get /eventmgmt/adom/<adom>/alerts/count.
func fazAlertsCount(c *fazCall) (any, *fazErr) {
	rows, ferr := c.alertRows()
	if ferr != nil {
		return nil, ferr
	}
	return c.countReply(rows)
}

// alertsNamed resolves "alertid" (one id or a list) in the ADOM. Caller
// holds f.mu.
func (c *fazCall) alertsNamedLocked(adom string) ([]*fazAlert, *fazErr) {
	ids, present, ok := c.p.strList("alertid")
	if !ok || !present || len(ids) == 0 {
		return nil, fazBadParams("alertid is required (an alert id or a list of them)")
	}
	var out []*fazAlert
	for _, id := range ids {
		var hit *fazAlert
		for _, a := range c.e.faz.alerts {
			if a.id == id && a.adom == adom {
				hit = a
				break
			}
		}
		if hit == nil {
			return nil, fazNotExist("alert " + clip(id, 40))
		}
		out = append(out, hit)
	}
	return out, nil
}

// updateBy is "update-by", or the API user.
func (c *fazCall) updateBy() (string, *fazErr) {
	by, present, ok := c.p.str("update-by")
	if !ok || (present && (strings.TrimSpace(by) == "" || len(by) > 64)) {
		return "", fazBadParams("update-by must be a user name")
	}
	if !present {
		by = c.user
	}
	return by, nil
}

// fazAlertsAck: update …/alerts/ack and …/alerts/unack.
func fazAlertsAck(ack bool) fazHandler {
	return func(c *fazCall) (any, *fazErr) {
		adom, ferr := c.adomParam()
		if ferr != nil {
			return nil, ferr
		}
		by, ferr := c.updateBy()
		if ferr != nil {
			return nil, ferr
		}
		f := c.e.faz
		f.mu.Lock()
		defer f.mu.Unlock()
		list, ferr := c.alertsNamedLocked(adom)
		if ferr != nil {
			return nil, ferr
		}
		for _, a := range list {
			a.acked, a.read, a.updated = ack, true, c.now
			if ack {
				a.ackedBy = by
			}
		}
		return obj("status", fazStatusOK()), nil
	}
}

// fazAlertsComment: …/alerts/comment {alertid, comment, update-by}.
func fazAlertsComment(c *fazCall) (any, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	text, _, ok := c.p.str("comment")
	if !ok || strings.TrimSpace(text) == "" || len(text) > maxFAZText {
		return nil, fazBadParams("comment is required (at most %d bytes)", maxFAZText)
	}
	if _, ferr := c.updateBy(); ferr != nil {
		return nil, ferr
	}
	f := c.e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	list, ferr := c.alertsNamedLocked(adom)
	if ferr != nil {
		return nil, ferr
	}
	for _, a := range list {
		if len(a.comments) >= maxFAZComments {
			return nil, fazBadParams("alert %s has too many comments", a.id)
		}
	}
	for _, a := range list {
		a.comments = append(a.comments, text)
		a.updated = c.now
	}
	return obj("status", fazStatusOK()), nil
}

// fazAlertsAssign: update …/alerts/assign {alertid, assign-to, update-by}.
func fazAlertsAssign(c *fazCall) (any, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	to, present, ok := c.p.str("assign-to")
	if !present {
		to, present, ok = c.p.str("assignee")
	}
	if !ok || !present || len(to) > 64 {
		return nil, fazBadParams("assign-to is required (a user name, or \"\" to unassign)")
	}
	if _, ferr := c.updateBy(); ferr != nil {
		return nil, ferr
	}
	f := c.e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	list, ferr := c.alertsNamedLocked(adom)
	if ferr != nil {
		return nil, ferr
	}
	for _, a := range list {
		a.assignedTo, a.updated = to, c.now
	}
	return obj("status", fazStatusOK()), nil
}

// Incidents.

type fazIncident struct {
	id, adom                                  string
	name, endpoint, reporter, description     string
	status, severity, category                string
	lastuser, euid, epid, refinfo, assignedTo string
	alertid                                   string
	euname, epip, epname, osname, osversion   string
	mac                                       string
	revision                                  int
	created, updated                          time.Time
}

var (
	incidentSeverities = []string{"high", "medium", "low"}
	incidentStatuses   = []string{"draft", "analysis", "response", "closed", "cancelled"}
	incidentCategories = []string{"CAT1", "CAT2", "CAT3", "CAT4", "CAT5", "CAT6"} // [inf] §4.2
)

func fazTime(t time.Time) string { return t.UTC().Format(fazTimeLayout) }

// render is the §4.2 record at a detail level. "extended" leaves out
// severity and status, as live 7.6.7 does (FAZ-MCP, §4.2).
func (x *fazIncident) render(level string) object {
	o := obj("incid", x.id, "revision", strconv.Itoa(x.revision), "lastupdate", fazTime(x.updated),
		"attach_revision", "0", "attach_lastupdate", fazTime(x.created))
	if level == "basic" {
		return o
	}
	o = append(o, obj("endpoint", x.endpoint, "reporter", x.reporter, "createtime", fazTime(x.created),
		"description", x.description)...)
	if level != "extended" {
		o = append(o, obj("status", x.status, "severity", x.severity)...)
	}
	o = append(o, obj("lastuser", x.lastuser, "euid", x.euid, "category", x.category, "refinfo", x.refinfo,
		"epid", x.epid, "name", x.name, "assigned_to", x.assignedTo, "incident_reporter", x.reporter,
		"alertid", x.alertid)...)
	if level == "extended" {
		o = append(o, obj("euname", x.euname, "epip", x.epip, "epname", x.epname, "osname", x.osname,
			"osversion", x.osversion, "mac", x.mac, "attachments", []object{})...)
	}
	return o
}

func (x *fazIncident) snapshot() FAZIncident {
	return FAZIncident{ID: x.id, ADOM: x.adom, Name: x.name, Status: x.status, Severity: x.severity,
		Category: x.category, Endpoint: x.endpoint, Reporter: x.reporter, Description: x.description,
		AssignedTo: x.assignedTo, AlertID: x.alertid, LastUser: x.lastuser, Revision: x.revision,
		Created: x.created, Updated: x.updated}
}

// selectIncidentsLocked: the ADOM's incidents matching incids, filter and
// time-range (on createtime), newest first. Caller holds f.mu.
func (c *fazCall) selectIncidentsLocked(adom string) ([]*fazIncident, *fazErr) {
	filter, ferr := c.filterParam()
	if ferr != nil {
		return nil, ferr
	}
	from, to, ferr := c.timeRange()
	if ferr != nil {
		return nil, ferr
	}
	ids, _, ok := c.p.strList("incids")
	if !ok {
		return nil, fazBadParams("incids must be a list of incident ids")
	}
	var out []*fazIncident
	for _, x := range c.e.faz.incidents {
		if x.adom != adom || !inRange(x.created, from, to) || (len(ids) > 0 && !slices.Contains(ids, x.id)) {
			continue
		}
		if filter == nil || filter.match(objGetter(x.render("standard")), false) {
			out = append(out, x)
		}
	}
	slices.SortStableFunc(out, func(a, b *fazIncident) int { return b.created.Compare(a.created) })
	return out, nil
}

// fazIncidentsGet: get /incidentmgmt/adom/<adom>/incidents.
func fazIncidentsGet(c *fazCall) (any, *fazErr) {
	if _, ferr := c.adomParam(); ferr != nil {
		return nil, ferr
	}
	level, present, ok := c.p.str("detail-level")
	if !present {
		level = "standard"
	}
	if !ok || (level != "basic" && level != "standard" && level != "extended") {
		return nil, fazBadParams("detail-level must be basic, standard or extended")
	}
	limit, offset, ferr := c.limitOffset(100, maxFAZIncidents)
	if ferr != nil {
		return nil, ferr
	}
	rows, ferr := c.incidentRows(level)
	if ferr != nil {
		return nil, ferr
	}
	return obj("data", page(rows, offset, limit), "detail-level", level, "status", fazStatusOK()), nil
}

// fazIncidentsCount: get /incidentmgmt/adom/<adom>/incidents/count.
func fazIncidentsCount(c *fazCall) (any, *fazErr) {
	rows, ferr := c.incidentRows("standard")
	if ferr != nil {
		return nil, ferr
	}
	return c.countReply(rows)
}

// incidentRows selects the ADOM's incidents matching the call's parameters, rendered at level.
func (c *fazCall) incidentRows(level string) ([]object, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	f := c.e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	list, ferr := c.selectIncidentsLocked(adom)
	if ferr != nil {
		return nil, ferr
	}
	rows := make([]object, 0, len(list))
	for _, x := range list {
		rows = append(rows, x.render(level))
	}
	return rows, nil
}

// incidentText reads an optional free-text field.
func (c *fazCall) incidentText(k string, max int) (string, bool, *fazErr) {
	s, present, ok := c.p.str(k)
	if !ok || len(s) > max {
		return "", false, fazBadParams("%s must be text of at most %d bytes", k, max)
	}
	return s, present, nil
}

// incidentEnum reads an optional enumerated field.
func (c *fazCall) incidentEnum(k string, allowed []string) (string, bool, *fazErr) {
	s, present, ok := c.p.str(k)
	if !ok || (present && !slices.Contains(allowed, s)) {
		return "", false, fazBadParams("%s must be one of %s", k, strings.Join(allowed, ", "))
	}
	return s, present, nil
}

// fazIncidentAdd: add /incidentmgmt/adom/<adom>/incident {reporter,
// endpoint, category, severity?, status?, description?, epid?, euid?,
// name?}. reporter, endpoint and category are required (live 7.6.7/8.0.0,
// per FAZ-MCP); severity defaults to medium and status to draft [inf].
// The reply carries incid at the top level of result (§4.5).
func fazIncidentAdd(c *fazCall) (any, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	x := &fazIncident{adom: adom, severity: "medium", status: "draft", revision: 1, created: c.now, updated: c.now,
		lastuser: c.user}
	for _, k := range []string{"reporter", "endpoint"} {
		s, present, ferr := c.incidentText(k, 255)
		if ferr != nil {
			return nil, ferr
		}
		if !present || strings.TrimSpace(s) == "" {
			return nil, fazBadParams("%s is required", k)
		}
		if k == "reporter" {
			x.reporter = s
		} else {
			x.endpoint = s
		}
	}
	cat, present, ferr := c.incidentEnum("category", incidentCategories)
	if ferr != nil {
		return nil, ferr
	}
	if !present {
		return nil, fazBadParams("category is required (one of %s)", strings.Join(incidentCategories, ", "))
	}
	x.category = cat
	if ferr := c.applyIncidentFields(x); ferr != nil {
		return nil, ferr
	}
	for _, k := range []string{"epid", "euid"} {
		n, present, err := c.p.int(k)
		if err != nil {
			return nil, fazBadParams("%s must be an integer", k)
		}
		if present {
			if k == "epid" {
				x.epid = itoa64(n)
			} else {
				x.euid = itoa64(n)
			}
		}
	}
	f := c.e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.incidents) >= fazMaxIncidents {
		return nil, &fazErr{fazErrRuntime, "runtime error 0: too many incidents"}
	}
	x.id = fmt.Sprintf("IN%08d", f.nextIncid)
	f.nextIncid++
	f.incidents = append(f.incidents, x)
	return obj("incid", x.id), nil
}

// applyIncidentFields sets the optional fields add and update share.
func (c *fazCall) applyIncidentFields(x *fazIncident) *fazErr {
	for _, k := range []string{"severity", "status"} {
		allowed := incidentSeverities
		if k == "status" {
			allowed = incidentStatuses
		}
		s, present, ferr := c.incidentEnum(k, allowed)
		if ferr != nil {
			return ferr
		}
		if present {
			if k == "severity" {
				x.severity = s
			} else {
				x.status = s
			}
		}
	}
	texts := []struct {
		k   string
		max int
		dst *string
	}{{"description", maxFAZText, &x.description}, {"name", 255, &x.name}, {"refinfo", 1023, &x.refinfo}}
	for _, t := range texts {
		s, present, ferr := c.incidentText(t.k, t.max)
		if ferr != nil {
			return ferr
		}
		if present {
			*t.dst = s
		}
	}
	return nil
}

// fazIncidentUpdate: update /incidentmgmt/adom/<adom>/incident/<incid>.
func fazIncidentUpdate(c *fazCall) (any, *fazErr) {
	adom, ferr := c.adomParam()
	if ferr != nil {
		return nil, ferr
	}
	id := c.wild[1]
	f := c.e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	var x *fazIncident
	for _, y := range f.incidents {
		if y.id == id && y.adom == adom {
			x = y
			break
		}
	}
	if x == nil {
		return nil, fazNotExist("incident " + clip(id, 40))
	}
	upd := *x
	if ferr := c.applyIncidentFields(&upd); ferr != nil {
		return nil, ferr
	}
	if cat, present, ferr := c.incidentEnum("category", incidentCategories); ferr != nil {
		return nil, ferr
	} else if present {
		upd.category = cat
	}
	for _, k := range []string{"assigned_to", "assignee", "endpoint"} {
		s, present, ferr := c.incidentText(k, 255)
		if ferr != nil {
			return nil, ferr
		}
		if present && k == "endpoint" {
			if strings.TrimSpace(s) == "" {
				return nil, fazBadParams("endpoint cannot be empty")
			}
			upd.endpoint = s
		} else if present {
			upd.assignedTo = s
		}
	}
	upd.revision++
	upd.updated = c.now
	upd.lastuser = c.user
	*x = upd
	return obj("incid", x.id), nil
}

// FAZAlerts returns a snapshot of every alert, in seeding order.
func (e *Emulator) FAZAlerts() []FAZAlert {
	f := e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FAZAlert, 0, len(f.alerts))
	for _, a := range f.alerts {
		out = append(out, a.snapshot())
	}
	return out
}

// FAZIncidents returns a snapshot of every incident, oldest first.
func (e *Emulator) FAZIncidents() []FAZIncident {
	f := e.faz
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FAZIncident, 0, len(f.incidents))
	for _, x := range f.incidents {
		out = append(out, x.snapshot())
	}
	return out
}
