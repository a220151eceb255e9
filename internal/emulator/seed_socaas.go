package emulator

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The demo SOCaaS world: the Fortinet SOC's escalations for the demo
// account, drawn from the FortiAnalyzer Cloud logs and alerts of
// seed_faz*.go, so an alert's indicators, endpoints, devices and events are
// rows a FAZ log search returns and devices FortiGate Cloud lists.
//
// The story first: DemoSOCaaSAlertUUID is the SOC's Critical escalation of
// the infected lobby camera at Paris HQ (DemoFAZDeniedSrcIP on
// DemoFAZDeniedDevice) beaconing to DemoFAZC2IP; DemoSOCaaSClosedAlertUUID
// the older C2 attempts of days ago, closed as its duplicate. Then one
// escalation per other FAZ alert, then alerts over the busiest groups of
// denied inbound traffic, IPS, web filter and application rows, up to
// socSeedAlerts. A few alerts are not (or not yet) escalated and so are
// never served (§5.2). Dates are offsets from the emulator's start.

const (
	// DemoSOCaaSAlertUUID is a Critical, Confirmed escalation whose
	// indicators are DemoFAZDeniedSrcIP, DemoFAZC2IP and its domain, whose
	// asset is DemoFAZDeniedDevice and whose events are that device's log
	// rows for DemoFAZDeniedSrcIP. It has comments and two attachments.
	DemoSOCaaSAlertUUID = "5c0a7e2d-31f4-4b8e-9d26-0e7f3a91c4b8"
	// DemoSOCaaSClosedAlertUUID is Completed (closed as a duplicate of
	// DemoSOCaaSAlertUUID); its status cannot change.
	DemoSOCaaSClosedAlertUUID = "a47d19c3-8e02-4f6b-b5d1-62c9e0f4a713"
	// DemoSOCaaSServiceRequestUUID is an open technical assistance
	// request with a comment.
	DemoSOCaaSServiceRequestUUID = "d2e8b6f1-4c37-4a90-8f15-7b3e2c9d0a64"
	// DemoSOCaaSReportUUID is a monthly report (GET /socaasAPI/v1/file
	// ?module=report).
	DemoSOCaaSReportUUID = "0f6c3b9a-2d71-4e85-a4c2-9b1e7d5f3a20"
	// DemoSOCaaSAttachmentUUID is an attachment of DemoSOCaaSAlertUUID
	// (module=attachment).
	DemoSOCaaSAttachmentUUID = "7e21c5d8-9a4f-4b3c-8e60-d1f2a7b9c305"
)

const socSeedAlerts = 48

// socClientFor is the SOCaaS client of a FortiCloud account: the demo
// account's is its FortiGate Cloud login; others are derived [inf].
func socClientFor(acct int64) (uuid, name string) {
	if acct == DemoFlexAccountID {
		return detUUID("socaas-client", fmt.Sprint(acct)), DemoAccountUser
	}
	return detUUID("socaas-client", fmt.Sprint(acct)), fmt.Sprintf("fc-socaas-%d@example.com", acct)
}

var socSeverity = map[string]string{"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low"}

// socSLATarget is how soon the SOC must escalate [inf].
var socSLATarget = map[string]time.Duration{"Critical": 30 * time.Minute, "High": time.Hour, "Medium": 4 * time.Hour, "Low": 24 * time.Hour}

func socGet(l *fazLog, k string) string { v, _ := l.get(k); return v }

func socEvent(l *fazLog) SOCaaSEvent {
	g := func(k string) string { v, _ := l.get(k); return v }
	return SOCaaSEvent{Time: l.t, LogID: g("logid"), LogType: l.logtype, DevName: l.devname, DevID: l.devid,
		SrcIP: g("srcip"), DstIP: g("dstip"), DstPort: g("dstport"), Action: g("action"), Msg: g("msg")}
}

// socDraft collects what one alert is built from.
type socDraft struct {
	uuid, name, sev, typ, desc, rec string
	rows                            []*fazLog
	linked                          []SOCaaSLinkedAlert
	indicators                      []SOCaaSIndicator
	detected                        time.Time
}

func (e *Emulator) seedDemoSOCaaS() {
	logs := e.faz.logs // immutable after seeding
	if len(logs) == 0 {
		return
	}
	now := e.clock.Now().UTC().Truncate(time.Second)
	models := map[string]string{}
	for _, d := range e.fazDevices() {
		models[d.d.SN] = d.d.Model
	}
	type fa struct {
		id, trigger, sev, devname, epip, eventtype, subject, extra, euname string
		t, first, last                                                     time.Time
		n                                                                  int
		targets                                                            []string
	}
	var fazAlerts []fa
	e.faz.mu.Lock()
	for _, a := range e.faz.alerts {
		x := fa{id: a.id, trigger: a.trigger, sev: a.severity, devname: a.devname, epip: a.epip, eventtype: a.eventtype,
			subject: a.subject, extra: a.extrainfo, euname: a.euname, t: a.alertTime, first: a.firstLog, last: a.lastLog, n: a.logcount}
		for _, t := range a.target {
			if t.str("name") == "domain" {
				x.targets = append(x.targets, t.str("value"))
			}
		}
		fazAlerts = append(fazAlerts, x)
	}
	e.faz.mu.Unlock()
	link := func(x fa) SOCaaSLinkedAlert {
		return SOCaaSLinkedAlert{FAZAlertID: x.id, Trigger: x.trigger, Severity: x.sev, DevName: x.devname, Time: x.t, LogCount: x.n}
	}
	used := map[string]bool{} // devname + key, so extra groups do not repeat
	var drafts []socDraft

	// The story.
	story := func(l *fazLog) bool { return l.devname == DemoFAZDeniedDevice && rowIs(l, "srcip", DemoFAZDeniedSrcIP) }
	var recent, older []*fazLog
	for i := range logs {
		l := &logs[i]
		if !story(l) {
			continue
		}
		if now.Sub(l.t) < 24*time.Hour {
			recent = append(recent, l)
		} else {
			older = append(older, l)
		}
	}
	var storyLinks, oldLinks []SOCaaSLinkedAlert
	for _, x := range fazAlerts {
		if x.epip == DemoFAZDeniedSrcIP && x.devname == DemoFAZDeniedDevice {
			if now.Sub(x.last) >= 24*time.Hour {
				oldLinks = append(oldLinks, link(x))
			} else {
				storyLinks = append(storyLinks, link(x))
			}
		}
	}
	used[DemoFAZDeniedDevice+"\x00"+DemoFAZDeniedSrcIP] = true
	if len(recent) > 0 {
		drafts = append(drafts, socDraft{uuid: DemoSOCaaSAlertUUID,
			name: "Compromised IoT camera CAM-LOBBY-02 beaconing to a C2 server (Paris HQ)", sev: "Critical", typ: "Malware",
			desc: fmt.Sprintf("CAM-LOBBY-02 (%s), an unmanaged lobby camera on an address outside the Paris HQ plan, sends Cobalt Strike beacons to %s and scans the server VLAN over SMB (CVE-2017-0144). %s blocked every attempt (implicit deny, IPS drop).",
				DemoFAZDeniedSrcIP, DemoFAZC2IP, DemoFAZDeniedDevice),
			rec:  "Isolate the camera (switch port or quarantine VLAN), reset it to factory firmware, change its credentials and move it to the IoT VLAN. Block c2.badsite.example and " + DemoFAZC2IP + " on every site.",
			rows: recent, linked: storyLinks, detected: recent[0].t,
			indicators: []SOCaaSIndicator{{"ip", DemoFAZDeniedSrcIP}, {"ip", DemoFAZC2IP}, {"domain", "c2.badsite.example"},
				{"hash", md5hex("cobalt-strike-beacon", DemoFAZC2IP)}}})
	}
	if len(older) > 0 {
		drafts = append(drafts, socDraft{uuid: DemoSOCaaSClosedAlertUUID,
			name: "Connection attempts to a botnet C&C server from CAM-LOBBY-02", sev: "High", typ: "Botnet",
			desc: fmt.Sprintf("Denied sessions from %s to %s days ago.", DemoFAZDeniedSrcIP, DemoFAZC2IP),
			rows: older, linked: oldLinks, detected: older[0].t,
			indicators: []SOCaaSIndicator{{"ip", DemoFAZDeniedSrcIP}, {"ip", DemoFAZC2IP}}})
	}

	// One escalation per other FAZ alert.
	typeOf := map[string]string{"ips": "Intrusion", "virus": "Malware", "webfilter": "Policy Violation",
		"appctrl": "Policy Violation", "event": "Suspicious Login", "botnet": "Botnet", "traffic": "Reconnaissance"}
	for _, x := range fazAlerts {
		if x.epip == DemoFAZDeniedSrcIP {
			continue
		}
		var rows []*fazLog
		for i := range logs {
			l := &logs[i]
			if l.devname != x.devname || l.t.Before(x.first) || l.t.After(x.last) {
				continue
			}
			switch x.eventtype {
			case "ips": // grouped by device and signature
				if !rowIs(l, "attack", strings.TrimPrefix(x.extra, "Attack ")) {
					continue
				}
			case "event":
			default:
				if !rowIs(l, "srcip", x.epip) && !rowIs(l, "dstip", x.epip) {
					continue
				}
			}
			if x.eventtype == "event" && !rowIs(l, "logid", "0100032002") {
				continue
			}
			rows = append(rows, l)
		}
		if len(rows) == 0 {
			continue
		}
		d := socDraft{name: x.subject, sev: socSeverity[x.sev], typ: typeOf[x.eventtype], desc: x.subject + ". " + x.extra,
			rows: rows, linked: []SOCaaSLinkedAlert{link(x)}, detected: x.first}
		for _, dom := range x.targets {
			d.indicators = append(d.indicators, SOCaaSIndicator{"domain", dom})
		}
		if x.euname != "" {
			d.indicators = append(d.indicators, SOCaaSIndicator{"user", x.euname})
		}
		drafts = append(drafts, d)
		used[x.devname+"\x00"+x.epip] = true
	}

	// Fill up with the busiest groups of rows the FAZ alerts leave out.
	type grp struct {
		key, kind string
		rows      []*fazLog
	}
	groups := map[string]*grp{}
	var order []string
	for i := range logs {
		l := &logs[i]
		var kind, who string
		switch {
		case l.logtype == "traffic" && rowIs(l, "action", "deny") && rowIs(l, "srcintfrole", "wan"):
			kind, who = "scan", "srcip"
		case l.logtype == "attack":
			kind, who = "ips", "srcip"
		case l.logtype == "webfilter" && rowIs(l, "action", "blocked"):
			kind, who = "web", "srcip"
		case l.logtype == "app-ctrl" && rowIs(l, "action", "block"):
			kind, who = "app", "srcip"
		default:
			continue
		}
		v, _ := l.get(who)
		k := l.devname + "\x00" + v
		if used[k] || story(l) {
			continue
		}
		gk := kind + "\x00" + k
		if groups[gk] == nil {
			groups[gk] = &grp{key: k, kind: kind}
			order = append(order, gk)
		}
		groups[gk].rows = append(groups[gk].rows, l)
	}
	slices.SortStableFunc(order, func(a, b string) int { return len(groups[b].rows) - len(groups[a].rows) })
	for _, gk := range order {
		if len(drafts) >= socSeedAlerts {
			break
		}
		g := groups[gk]
		if used[g.key] {
			continue
		}
		used[g.key] = true
		r := g.rows[len(g.rows)-1]
		get := func(k string) string { v, _ := r.get(k); return v }
		d := socDraft{rows: g.rows, detected: g.rows[0].t}
		switch g.kind {
		case "scan":
			d.name = fmt.Sprintf("Repeated inbound connection attempts from %s (%s) to %s", get("srcip"), get("srccountry"), r.devname)
			d.sev, d.typ = "Low", "Reconnaissance"
			if len(g.rows) >= 6 {
				d.sev = "Medium"
			}
			d.desc = fmt.Sprintf("%d denied sessions to %s/%s from %s.", len(g.rows), get("service"), get("dstport"), get("srcip"))
			d.indicators = []SOCaaSIndicator{{"ip", get("srcip")}}
		case "ips":
			d.name = fmt.Sprintf("IPS signature %s triggered by %s on %s", get("attack"), get("srcip"), r.devname)
			d.sev, d.typ = cmp2(socSeverity[get("severity")], "Medium"), "Intrusion"
			d.desc = fmt.Sprintf("%d IPS events (%s) from %s against %s.", len(g.rows), get("attack"), get("srcip"), get("dstip"))
			d.indicators = []SOCaaSIndicator{{"ip", get("srcip")}}
		case "web":
			d.name = fmt.Sprintf("Blocked access to %s sites from %s", strings.ToLower(get("catdesc")), get("srcip"))
			d.sev, d.typ = "Low", "Policy Violation"
			d.desc = fmt.Sprintf("%d blocked requests, last to %s.", len(g.rows), get("hostname"))
			d.indicators = []SOCaaSIndicator{{"domain", get("hostname")}, {"ip", get("srcip")}}
		case "app":
			d.name = fmt.Sprintf("Blocked application %s used from %s", get("app"), get("srcip"))
			d.sev, d.typ = "Medium", "Policy Violation"
			d.desc = fmt.Sprintf("%d blocked sessions of %s (%s).", len(g.rows), get("app"), get("appcat"))
			d.indicators = []SOCaaSIndicator{{"ip", get("srcip")}}
		}
		if u := get("user"); u != "" {
			d.indicators = append(d.indicators, SOCaaSIndicator{"user", u})
		}
		drafts = append(drafts, d)
	}

	cuuid, cname := socClientFor(DemoFlexAccountID)
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	statuses := []string{"Confirmed", "InProgress", "Completed", "Confirmed", "InProgress", "Completed", "Confirmed"}
	recs := map[string]string{
		"Reconnaissance":   "Check that the targeted services are not exposed; keep the geo-blocking policy.",
		"Intrusion":        "Patch the targeted service and confirm the IPS profile blocks the signature.",
		"Malware":          "Scan the endpoint with an up-to-date EDR and reset the user's credentials.",
		"Policy Violation": "Remind the user of the acceptable use policy; no further action needed.",
		"Suspicious Login": "Restrict administrative access to trusted hosts and enable MFA for administrators.",
		"Botnet":           "Isolate the endpoint and block the C&C destinations.",
	}
	for i, d := range drafts {
		rows := d.rows
		if len(rows) > 25 {
			rows = rows[len(rows)-25:] // the most recent
		}
		a := &SOCaaSAlert{UUID: d.uuid, ID: 43800 + 17*i, Name: d.name, Severity: d.sev, Type: d.typ,
			Description: d.desc, AnalysisRecommendation: cmp2(d.rec, recs[d.typ]),
			ClientUUID: cuuid, ClientName: cname, FCAccountID: DemoFlexAccountID,
			SelfFCAccountID: DemoFlexAccountID, MSSPFCAccountID: DemoFlexAccountID,
			Escalated: true, Status: statuses[i%len(statuses)], Alerts: d.linked}
		if a.UUID == "" {
			a.UUID = detUUID("socaas-alert", fmt.Sprint(i), d.name)
		}
		// Escalation delay: varies, so some alerts miss their SLA.
		delay := time.Duration(between(5, 150, "socaas-delay", a.UUID)) * time.Minute
		a.DetectedDate = d.detected.Add(2 * time.Minute)
		a.EscalationDate = a.DetectedDate.Add(delay)
		if a.EscalationDate.After(now) {
			a.EscalationDate = now
		}
		a.CreatedDate = a.DetectedDate.Add(time.Minute)
		a.ModifiedDate = a.EscalationDate.Add(time.Duration(between(1, 90, "socaas-mod", a.UUID)) * time.Minute)
		if a.ModifiedDate.After(now) {
			a.ModifiedDate = now
		}
		a.SLA = "Met"
		if a.EscalationDate.Sub(a.DetectedDate) > socSLATarget[a.Severity] {
			a.SLA = "Missed"
		}
		a.EscalationPath = "SOC Tier 1 > SOC Tier 2 > Customer (" + cname + ")"
		if a.Severity == "Critical" || a.Severity == "High" {
			a.EscalationPath += " > Phone escalation"
		}
		// Some alerts carry the zero created_date the reference shows (§5.2).
		if i%9 == 5 {
			a.CreatedDate = time.Unix(0, 0).UTC()
		}
		// A few are not served: not yet escalated or closed by the SOC.
		switch i % 12 {
		case 10:
			a.Status, a.Escalated = "Investigating", false
		case 11:
			a.Status, a.Escalated = "New", false
		}
		if i == len(drafts)-1 {
			a.Status, a.Escalated = "False Positive", false
		}
		seenEP, seenUser, seenDev := map[string]bool{}, map[string]bool{}, map[string]bool{}
		for _, l := range rows {
			a.Events = append(a.Events, socEvent(l))
			if !seenDev[l.devid] {
				seenDev[l.devid] = true
				a.Assets = append(a.Assets, SOCaaSAsset{Serial: l.devid, Name: l.devname, Model: models[l.devid]})
			}
			if u, ok := l.get("user"); ok && u != "" && !seenUser[u] {
				seenUser[u] = true
				a.EventUsers = append(a.EventUsers, u)
			}
			// The endpoint is the internal side of the row.
			ip, side := "", ""
			if rowIs(l, "srcintfrole", "lan") {
				ip, side = socGet(l, "srcip"), "src"
			} else if rowIs(l, "dstintfrole", "lan") {
				ip, side = socGet(l, "dstip"), "dst"
			}
			if ip == "" || seenEP[ip] {
				continue
			}
			seenEP[ip] = true
			ep := SOCaaSEndpoint{Hostname: ip, IP: ip}
			if side == "src" {
				ep.Hostname = cmp2(socGet(l, "srcname"), ip)
				ep.MAC, ep.OS = socGet(l, "srcmac"), socGet(l, "osname")
			}
			a.Endpoints = append(a.Endpoints, ep)
		}
		if len(a.Endpoints) > 0 {
			a.AffectedEndpoint = a.Endpoints[0].Hostname
		}
		a.Indicators = slices.Clone(d.indicators)
		// Indicators from the rows: the external side, file hashes.
		for _, l := range rows {
			var ind SOCaaSIndicator
			switch {
			case socGet(l, "filehash") != "":
				ind = SOCaaSIndicator{"hash", socGet(l, "filehash")}
			case rowIs(l, "srcintfrole", "wan"):
				ind = SOCaaSIndicator{"ip", socGet(l, "srcip")}
			case rowIs(l, "dstintfrole", "wan"):
				ind = SOCaaSIndicator{"ip", socGet(l, "dstip")}
			}
			if ind.Value != "" && len(a.Indicators) < 6 && !slices.Contains(a.Indicators, ind) {
				a.Indicators = append(a.Indicators, ind)
			}
		}
		a.ForensicAnalysis = []string{
			fmt.Sprintf("%d related log rows on %s between %s and %s.", len(d.rows), rows[0].devname,
				socTime(d.rows[0].t), socTime(d.rows[len(d.rows)-1].t)),
		}
		if a.Status == "Completed" {
			a.ClosureNotes = "closed(resolved): " + cmp2(d.rec, recs[d.typ]) + " Customer confirmed remediation."
		}
		s.addAlert(a)
	}
	if demo := s.byUUID[DemoSOCaaSAlertUUID]; demo != nil {
		demo.Status = "Confirmed"
		demo.SLA = "Met"
		demo.EscalationDate = demo.DetectedDate.Add(12 * time.Minute)
		demo.ClosureNotes = ""
		demo.ForensicAnalysis = append(demo.ForensicAnalysis,
			"The camera's MAC 00:40:8c:5e:21:07 (Axis) is not in the asset inventory; its address is outside the Paris HQ LAN plan.",
			"Beacons to "+DemoFAZC2IP+" on tcp/4444, 6667 and 8443 every 37 minutes match Cobalt Strike defaults.",
			"SMB exploit attempts (MS17-010) against the server VLAN were dropped by IPS; no session succeeded.")
		e.socSeedFilesLocked(demo, now)
	}
	if old := s.byUUID[DemoSOCaaSClosedAlertUUID]; old != nil {
		old.Status = "Completed"
		old.ClosureNotes = "closed(duplicate): same source and C&C as alert " + DemoSOCaaSAlertUUID + ", tracked there."
	}
	e.socSeedCommentsLocked(now)
	e.socSeedSRsLocked(now, cuuid, cname)
}

// socSeedFilesLocked attaches files to the story alert and another one.
// Caller holds e.soc.mu.
func (e *Emulator) socSeedFilesLocked(demo *SOCaaSAlert, now time.Time) {
	s := e.soc
	var csv strings.Builder
	csv.WriteString("time,logid,type,devname,srcip,dstip,dstport,action\n")
	for _, ev := range demo.Events {
		fmt.Fprintf(&csv, "%s,%s,%s,%s,%s,%s,%s,%s\n", socTime(ev.Time), ev.LogID, ev.LogType, ev.DevName, ev.SrcIP, ev.DstIP, ev.DstPort, ev.Action)
	}
	s.addFile(&socFile{uuid: DemoSOCaaSAttachmentUUID, module: "attachment", filename: "cam-lobby-02-events.csv",
		contentType: "text/csv", content: []byte(csv.String())})
	note := detUUID("socaas-file", "analysis")
	s.addFile(&socFile{uuid: note, module: "attachment", filename: "c2-beacon-analysis.txt", contentType: "text/plain",
		content: []byte("CAM-LOBBY-02 (" + DemoFAZDeniedSrcIP + ") C2 analysis\n\nDestination: " + DemoFAZC2IP +
			" (c2.badsite.example)\nPorts: tcp/4444, 6667 (IRC), 8443\nVerdict: Cobalt Strike beacon; contained by " +
			DemoFAZDeniedDevice + " (implicit deny, IPS drop).\n")})
	demo.Attachments = []SOCaaSAttachment{{DemoSOCaaSAttachmentUUID, "cam-lobby-02-events.csv", "text/csv"},
		{note, "c2-beacon-analysis.txt", "text/plain"}}
	for _, a := range s.alerts {
		if a.Type == "Malware" && a.UUID != demo.UUID && socAlertServed(a) {
			id := detUUID("socaas-file", a.UUID)
			body := fmt.Sprintf("{\"alert\":%d,\"name\":%q,\"verdict\":\"malicious\"}\n", a.ID, a.Name)
			s.addFile(&socFile{uuid: id, module: "attachment", filename: "sample-verdict.json", contentType: "application/json", content: []byte(body)})
			a.Attachments = append(a.Attachments, SOCaaSAttachment{id, "sample-verdict.json", "application/json"})
			break
		}
	}
	// A monthly report: a minimal PDF.
	month := now.AddDate(0, -1, 0).Format("2006-01")
	pdf := "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" +
		"% SOCaaS monthly report " + month + " for " + DemoAccountUser + "\ntrailer<</Root 1 0 R>>\n%%EOF\n"
	s.addFile(&socFile{uuid: DemoSOCaaSReportUUID, module: "report", filename: "SOCaaS-Monthly-Report-" + month + ".pdf",
		contentType: "application/pdf", content: []byte(pdf)})
}

const socAnalyst = "soc.analyst@fortinet.com" // SOC author of seeded comments [inf]

func (e *Emulator) socSeedCommentsLocked(now time.Time) {
	s := e.soc
	add := func(uuid, module, content, tag, user string, t time.Time) {
		s.addComment(&SOCaaSComment{UUID: detUUID("socaas-comment", uuid, content), Module: module, RelatedUUID: uuid,
			Content: content, Tag: tag, CreateUser: user, ModifyUser: user, CreatedDate: t, ModifiedDate: t})
	}
	if a := s.byUUID[DemoSOCaaSAlertUUID]; a != nil {
		t := a.EscalationDate
		add(a.UUID, "alerts", "Escalated by phone to the customer's on-call contact. Camera is contained by the firewall but still infected.", "escalation", socAnalyst, t)
		add(a.UUID, "alerts", "Please confirm whether CAM-LOBBY-02 is a known device; it is not in your asset list.", "question", socAnalyst, t.Add(5*time.Minute))
	}
	if a := s.byUUID[DemoSOCaaSClosedAlertUUID]; a != nil {
		add(a.UUID, "alerts", "Merged into the CAM-LOBBY-02 compromise alert.", "", socAnalyst, a.ModifiedDate)
	}
	n := 0
	for _, a := range s.alerts {
		if n >= 6 || !socAlertServed(a) || a.UUID == DemoSOCaaSAlertUUID || a.UUID == DemoSOCaaSClosedAlertUUID {
			continue
		}
		if a.ID%3 == 0 {
			add(a.UUID, "alerts", "Analysis: "+a.AnalysisRecommendation, "analysis", socAnalyst, a.EscalationDate)
			n++
		}
	}
}

func (e *Emulator) socSeedSRsLocked(now time.Time, cuuid, cname string) {
	s := e.soc
	mk := func(uuid string, id int, title, typ, status, notes, closure string, age time.Duration, atts ...SOCaaSAttachment) {
		t := now.Add(-age)
		if uuid == "" {
			uuid = detUUID("socaas-sr", fmt.Sprint(id))
		}
		mod := t.Add(3 * time.Hour)
		if mod.After(now) {
			mod = now
		}
		s.addSR(&SOCaaSServiceRequest{UUID: uuid, ID: id, Title: title, Type: typ, Status: status, Notes: notes,
			Notification: true, ClientUUID: cuuid, ClientName: cname, ClosureNotes: closure,
			CreateUser: DemoAccountUser, CreatedDate: t, ModifiedDate: mod, FCAccountID: DemoFlexAccountID, Attachments: atts})
	}
	mk(DemoSOCaaSServiceRequestUUID, 5101, "Help isolating CAM-LOBBY-02 at Paris HQ", "technicalassitance", "InProgress",
		"Which switch port is "+DemoFAZDeniedSrcIP+" on? We want to quarantine it.", "", 2*time.Hour)
	mk("", 5098, "Add the Lyon branch to monitoring", "newmonitoringrequest", "Completed",
		"Please onboard the new Lyon branch FortiGate.", "Onboarded; logs flowing to FortiAnalyzer Cloud.", 9*24*time.Hour)
	mk("", 5099, "Monthly executive report", "newreportrequest", "Completed",
		"Please send the monthly report to the CISO.", "Report attached.", 6*24*time.Hour,
		SOCaaSAttachment{DemoSOCaaSReportUUID, "SOCaaS-Monthly-Report-" + now.AddDate(0, -1, 0).Format("2006-01") + ".pdf", "application/pdf"})
	mk("", 5100, "Update the escalation matrix", "escalationmatrixupdate", "New",
		"New on-call number for the night shift: +33 1 70 00 00 00.", "", 3*24*time.Hour)
	mk("", 5102, "Whitelist the backup provider", "whitelistrequest", "New",
		"Please whitelist 198.51.100.40 (offsite backups), flagged as exfiltration last week.", "", 26*time.Hour)
	mk("", 5097, "Decommission the old lab firewall", "devicedecommissioning", "Completed",
		"The lab FortiGate is retired.", "Removed from monitoring.", 20*24*time.Hour)
	s.addComment(&SOCaaSComment{UUID: detUUID("socaas-comment", DemoSOCaaSServiceRequestUUID), Module: "service_request",
		RelatedUUID: DemoSOCaaSServiceRequestUUID, Content: "Looking into it; the camera is behind the lobby switch, port 14 per LLDP.",
		CreateUser: socAnalyst, ModifyUser: socAnalyst, CreatedDate: now.Add(-90 * time.Minute), ModifiedDate: now.Add(-90 * time.Minute)})
}
