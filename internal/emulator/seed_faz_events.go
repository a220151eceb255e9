package emulator

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The demo alerts (about 20) and incidents (8), drawn from the seeded log
// rows so that every alert's device, endpoint, times and log count match
// rows a log search returns (fortios-and-faz-data.md §5 "Seed a coherent
// estate"). Shapes: §4.1 and §4.2. Trigger names follow the reference's
// "Default-…-Detection-By-…" form; eventtype strings and the incident
// categories are [inf] (§4.1, §4.2 say so).

// alertGroup is the log rows one alert stands for.
type alertGroup struct {
	rows               []*fazLog
	trigger, eventtype string
	severity, tag      string
	subject, extra     string
	endpointIsDst      bool // the endpoint is the destination (an attacked host)
	domain             string
}

// groupRows groups matching rows by key, in first-seen order, largest first.
func groupRows(logs []fazLog, keep func(*fazLog) bool, key func(*fazLog) string) [][]*fazLog {
	var order []string
	groups := map[string][]*fazLog{}
	for i := range logs {
		l := &logs[i]
		if !keep(l) {
			continue
		}
		k := key(l)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], l)
	}
	out := make([][]*fazLog, 0, len(order))
	for _, k := range order {
		out = append(out, groups[k])
	}
	slices.SortStableFunc(out, func(a, b []*fazLog) int { return len(b) - len(a) })
	return out
}

func rowIs(l *fazLog, k, v string) bool { s, _ := l.get(k); return s == v }

func (e *Emulator) seedDemoFAZEvents(sites []*fazSite) {
	f := e.faz
	logs := f.logs
	now := e.clock.Now().UTC().Truncate(time.Second)
	story := func(l *fazLog) bool { return rowIs(l, "srcip", DemoFAZDeniedSrcIP) && l.devname == DemoFAZDeniedDevice }
	var groups []alertGroup

	// The story: beacon, exploits, denied sessions; the first beacons of
	// days ago, already acknowledged.
	beacon := groupRows(logs, func(l *fazLog) bool { return story(l) && rowIs(l, "attackid", "50437") }, func(*fazLog) string { return "" })
	smb := groupRows(logs, func(l *fazLog) bool { return story(l) && rowIs(l, "attackid", "43796") }, func(*fazLog) string { return "" })
	denied := groupRows(logs, func(l *fazLog) bool {
		return story(l) && l.logtype == "traffic" && now.Sub(l.t) < 24*time.Hour
	}, func(*fazLog) string { return "" })
	older := groupRows(logs, func(l *fazLog) bool {
		return story(l) && l.logtype == "traffic" && now.Sub(l.t) >= 48*time.Hour && rowIs(l, "dstip", DemoFAZC2IP)
	}, func(*fazLog) string { return "" })
	if len(beacon) > 0 && len(smb) > 0 && len(denied) > 0 && len(older) > 0 {
		groups = append(groups,
			alertGroup{rows: older[0], trigger: "Default-Botnet-Communication-Detection-By-Endpoint", eventtype: "botnet",
				severity: "high", tag: "Botnet", domain: "c2.badsite.example",
				subject: "Connection attempts to a botnet C&C server from CAM-LOBBY-02 detected",
				extra:   "Domain:c2.badsite.example traffic path " + DemoFAZDeniedSrcIP + " -> " + DemoFAZC2IP},
			alertGroup{rows: beacon[0], trigger: "Default-Botnet-Communication-Detection-By-Endpoint", eventtype: "botnet",
				severity: "high", tag: "Botnet", domain: "c2.badsite.example",
				subject: "Botnet C&C beacon (Backdoor.Cobalt.Strike.Beacon) from CAM-LOBBY-02 detected",
				extra:   "Domain:c2.badsite.example traffic path " + DemoFAZDeniedSrcIP + " -> " + DemoFAZC2IP + ":4444"},
			alertGroup{rows: smb[0], trigger: "Default-IPS-Critical-Severity-Attack-Detection-By-Threat", eventtype: "ips",
				severity: "critical", tag: "IPS",
				subject: "Critical IPS attack MS.SMB.Server.SMB1.Trans2.Secondary.Handling.Code.Execution from " + DemoFAZDeniedSrcIP,
				extra:   "CVE-2017-0144 against the server VLAN"},
			alertGroup{rows: denied[0], trigger: "Default-Denied-Traffic-Spike-Detection-By-Endpoint", eventtype: "traffic",
				severity: "medium", tag: "Policy Violation",
				subject: fmt.Sprintf("%d denied sessions from %s in 24 hours", len(denied[0]), DemoFAZDeniedSrcIP),
				extra:   "Source outside the site address plan; implicit deny (policy 0)"},
		)
	}

	notStory := func(l *fazLog) bool { return !story(l) }
	byDevAnd := func(k string) func(*fazLog) string {
		return func(l *fazLog) string { v, _ := l.get(k); return l.devname + "\x00" + v }
	}
	take := func(list [][]*fazLog, n int, mk func([]*fazLog) alertGroup) {
		for i := 0; i < n && i < len(list); i++ {
			groups = append(groups, mk(list[i]))
		}
	}
	take(groupRows(logs, func(l *fazLog) bool {
		sev, _ := l.get("severity")
		return notStory(l) && l.logtype == "attack" && (sev == "critical" || sev == "high")
	}, byDevAnd("attack")), 5, func(rows []*fazLog) alertGroup {
		at, _ := rows[0].get("attack")
		sev, _ := rows[0].get("severity")
		src, _ := rows[0].get("srcip")
		return alertGroup{rows: rows, trigger: "Default-IPS-Critical-Severity-Attack-Detection-By-Threat", eventtype: "ips",
			severity: sev, tag: "IPS", endpointIsDst: true,
			subject: fmt.Sprintf("IPS attack %s from %s against %s", at, src, rows[0].devname), extra: "Attack " + at}
	})
	take(groupRows(logs, func(l *fazLog) bool { return l.logtype == "virus" && !rowIs(l, "virus", "EICAR_TEST_FILE") },
		byDevAnd("virus")), 4, func(rows []*fazLog) alertGroup {
		v, _ := rows[0].get("virus")
		fn, _ := rows[0].get("filename")
		return alertGroup{rows: rows, trigger: "Default-Malware-Detection-By-Threat", eventtype: "virus", severity: "high",
			tag: "Malware", subject: fmt.Sprintf("Malware %s blocked (%s)", v, fn), extra: "File " + fn}
	})
	take(groupRows(logs, func(l *fazLog) bool {
		return l.logtype == "webfilter" && rowIs(l, "action", "blocked") && !rowIs(l, "cat", "59")
	},
		byDevAnd("catdesc")), 3, func(rows []*fazLog) alertGroup {
		cat, _ := rows[0].get("catdesc")
		host, _ := rows[0].get("hostname")
		return alertGroup{rows: rows, trigger: "Default-Web-Filter-Threat-Detection-By-Endpoint", eventtype: "webfilter",
			severity: "medium", tag: "Web Filter", domain: host,
			subject: fmt.Sprintf("Access to %s site %s blocked", strings.ToLower(cat), host), extra: "URL https://" + host + "/"}
	})
	take(groupRows(logs, func(l *fazLog) bool { return l.logtype == "app-ctrl" && rowIs(l, "app", "Tor") },
		byDevAnd("app")), 2, func(rows []*fazLog) alertGroup {
		return alertGroup{rows: rows, trigger: "Default-Risky-Application-Detection-By-Endpoint", eventtype: "appctrl",
			severity: "medium", tag: "Application Control", subject: "Risky application Tor blocked on " + rows[0].devname,
			extra: "Application Tor (Proxy)"}
	})
	take(groupRows(logs, func(l *fazLog) bool { return l.logtype == "event" && rowIs(l, "logid", "0100032002") },
		func(l *fazLog) string { return l.devname }), 2, func(rows []*fazLog) alertGroup {
		return alertGroup{rows: rows, trigger: "Default-Admin-Login-Failure-Detection", eventtype: "event", severity: "medium",
			tag: "Admin Login", subject: fmt.Sprintf("%d failed administrator logins on %s", len(rows), rows[0].devname),
			extra: "Admin login failed"}
	})

	f.mu.Lock()
	defer f.mu.Unlock()
	for i, g := range groups {
		f.alerts = append(f.alerts, g.alert(i, now))
	}
	e.seedDemoIncidentsLocked(now)
}

// alert builds the §4.1 record for a group of rows.
func (g alertGroup) alert(i int, now time.Time) *fazAlert {
	first, last := g.rows[0], g.rows[0]
	for _, l := range g.rows {
		if l.t.Before(first.t) {
			first = l
		}
		if l.t.After(last.t) {
			last = l
		}
	}
	at := last.t.Add(30 * time.Second)
	if at.After(now) {
		at = now
	}
	src, _ := last.get("srcip")
	dst, _ := last.get("dstip")
	epip, dstip := src, dst
	epid, _ := last.get("epid")
	if g.endpointIsDst {
		epip, dstip = dst, src
		epid, _ = last.get("dstepid")
	}
	epname, ok := last.get("srcname")
	if !ok || g.endpointIsDst {
		epname = epip
	}
	euid, _ := last.get("euid")
	euname, _ := last.get("user")
	a := &fazAlert{
		id: at.Format("2006010215") + fmt.Sprintf("%08d", 31+i*7), adom: last.adom,
		alertTime: at, firstLog: first.t, lastLog: last.t, updated: at.Add(5 * time.Second),
		trigger: g.trigger, eventtype: g.eventtype, severity: g.severity, logcount: len(g.rows),
		subject: g.subject, extrainfo: g.extra, tag: g.tag,
		devid: last.devid, devname: last.devname, vdom: last.vd, csf: last.csf,
		epid: epid, epname: epname, epip: epip, euid: cmp2(euid, "3"), euname: euname, dstepname: dstip, dstepip: dstip,
		filterid: fmt.Sprint(3 + i%9),
	}
	if g.domain != "" {
		a.groupby1 = "qname:" + g.domain
	} else {
		a.groupby1 = "dstip:" + dstip
	}
	a.groupby2 = "endpoint:" + epname
	a.details = obj("devid", a.devid, "src_ip", src, "dst_ip", dst)
	if g.domain != "" {
		a.details = append(a.details, field{"host_name", g.domain})
		a.target = append(a.target, obj("name", "domain", "value", g.domain))
	}
	a.target = append(a.target, obj("name", "device", "value", epname, "asset_value", epid))
	// Alerts older than two days were handled by the SOC already.
	if now.Sub(at) > 48*time.Hour {
		a.acked, a.read, a.ackedBy = true, true, "soc-analyst1"
		a.comments = []string{"Reviewed during the morning triage; tracked in an incident."}
		a.assignedTo = "soc-analyst1"
	}
	return a
}

// seedDemoIncidentsLocked: one incident for the story, one per early
// alert of each kind, and a manual one. Caller holds f.mu.
func (e *Emulator) seedDemoIncidentsLocked(now time.Time) {
	f := e.faz
	add := func(x *fazIncident) {
		x.id = fmt.Sprintf("IN%08d", f.nextIncid)
		f.nextIncid++
		if x.created.After(now.Add(-time.Minute)) {
			x.created = now.Add(-time.Minute)
		}
		if x.updated.After(now) {
			x.updated = now.Add(-30 * time.Second)
		}
		if x.updated.Before(x.created) {
			x.updated = x.created
		}
		f.incidents = append(f.incidents, x)
	}
	categories := map[string]string{"ips": "CAT5", "virus": "CAT3", "webfilter": "CAT4", "appctrl": "CAT4", "event": "CAT1", "botnet": "CAT3", "traffic": "CAT5"}
	statuses := []string{"response", "closed", "draft", "cancelled", "analysis", "closed"}
	severity := func(s string) string {
		if s == "critical" {
			return "high"
		}
		return s
	}
	var story *fazAlert
	for _, a := range f.alerts {
		if a.epip == DemoFAZDeniedSrcIP && !a.acked && a.eventtype == "botnet" {
			story = a
			break
		}
	}
	if story != nil {
		created := story.alertTime.Add(10 * time.Minute)
		add(&fazIncident{adom: story.adom, name: "Compromised camera " + DemoFAZDeniedSrcIP + " at Paris HQ",
			endpoint: DemoFAZDeniedSrcIP + " (CAM-LOBBY-02)", reporter: "soc-analyst1", status: "analysis", severity: "high",
			category: "CAT3", description: "IP camera on a stale address beacons to c2.badsite.example and scans the server VLAN " +
				"over SMB; the implicit deny and IPS stop it. Switch port to be shut.",
			lastuser: "soc-analyst2", euid: "3", epid: story.epid, assignedTo: "soc-analyst2", alertid: story.id,
			epip: DemoFAZDeniedSrcIP, epname: "CAM-LOBBY-02", osname: "Linux", mac: "00:40:8c:5e:21:07",
			revision: 3, created: created, updated: created.Add(25 * time.Minute)})
	}
	// One incident per kind of alert (two for IPS), story alerts aside.
	seen := map[string]int{}
	n := 0
	for _, a := range f.alerts {
		limit := 1
		if a.eventtype == "ips" {
			limit = 2
		}
		if n == 6 || seen[a.trigger] >= limit || a.eventtype == "botnet" || a.eventtype == "traffic" || a.epip == DemoFAZDeniedSrcIP {
			continue
		}
		seen[a.trigger]++
		st := statuses[n%len(statuses)]
		n++
		created := a.alertTime.Add(15 * time.Minute)
		endpoint := a.epip
		if a.epname != a.epip {
			endpoint += " (" + a.epname + ")"
		}
		x := &fazIncident{adom: a.adom, name: a.subject, endpoint: endpoint, reporter: "soc-analyst1",
			status: st, severity: severity(a.severity), category: categories[a.eventtype],
			description: "Raised from alert " + a.id + ": " + a.extrainfo + ".", lastuser: "soc-analyst1", euid: a.euid, epid: a.epid,
			alertid: a.id, epip: a.epip, epname: a.epname, revision: 1, created: created, updated: created}
		if st != "draft" {
			x.revision, x.updated, x.assignedTo = 2, created.Add(2*time.Hour), "soc-analyst2"
		}
		add(x)
	}
	// One more, by hand, about no alert: eight in all.
	created := now.Add(-50 * time.Hour)
	add(&fazIncident{adom: DemoFAZADOM, name: "Legacy Telnet policies still present", endpoint: "10.2.1.1 (FRA-DC-FW01)",
		reporter: "netops", status: "draft", severity: "low", category: "CAT6",
		description: "Disabled Legacy-Telnet policies remain on most sites; remove them at the next change window.",
		lastuser:    "netops", euid: "3", epid: "101", revision: 1, created: created, updated: created})
}
