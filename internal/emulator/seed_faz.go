package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The demo FortiAnalyzer Cloud world: a week of logs from the demo fleet
// (the devices of seed_fleet.go, so serials and names match FortiGate
// Cloud), the alerts and incidents of seed_faz_events.go.
//
// A small generator (PCG with a fixed seed) writes a few thousand rows:
// forward traffic (accept, close, timeout, resets, deny), events (system,
// vpn, user), IPS attacks, viruses, web filter and application control.
// Times are offsets from the emulator's start (per its Clock), denser in
// the last day, so "the last day" always has data; with a ManualClock the
// rows are the same on every run. Addresses come from each site's LAN plan
// (seed_config.go), policy ids and UUIDs from its FortiOS policy table, so
// a traffic row's poluuid is that policy's uuid. Row shapes follow
// fortios-and-faz-data.md §3 (values are strings, §3.1); log ids §3.2.
//
// One story runs through it: DemoFAZDeniedSrcIP, a forgotten lobby camera
// at Paris HQ (DemoFAZDeniedDevice) on an address outside the site's plan,
// is infected. Its calls to a C2 server and its SMB scans hit the implicit
// deny (a few dozen denied rows in the last 24 hours, more before), IPS
// drops its exploits, and alerts and an incident report it. So "show me
// denied traffic from 10.0.0.5 in the last day" has an answer.

const (
	// DemoFAZADOM is the FortiAnalyzer ADOM of the headquarters, data
	// centres, offices, cloud and lab devices.
	DemoFAZADOM = "root"
	// DemoFAZBranchADOM holds the branch firewalls and the stores.
	DemoFAZBranchADOM = "Branches"
	// DemoFAZDeniedSrcIP has denied traffic (and IPS attacks) in the last
	// 24 hours, at DemoFAZDeniedDevice in DemoFAZADOM.
	DemoFAZDeniedSrcIP = "10.0.0.5"
	// DemoFAZDeniedDevice is the FortiGate that denies DemoFAZDeniedSrcIP.
	DemoFAZDeniedDevice = "PAR-HQ-FW01"
	// DemoFAZC2IP is the command-and-control server DemoFAZDeniedSrcIP
	// tries to reach.
	DemoFAZC2IP = "203.0.113.200"
)

// Row counts per log type, outside the story rows.
var fazSeedCounts = []struct {
	logtype string
	n       int
}{
	{"traffic", 1800}, {"event", 300}, {"attack", 220}, {"virus", 90}, {"webfilter", 240}, {"app-ctrl", 200},
}

type polRef struct {
	id   string
	uuid string
}

// fazSite is what the generator knows about one device.
type fazSite struct {
	fazDev
	vd      string
	lans    []lanIntf // internal interfaces of the management VDOM
	wan     string
	tz      string // "+0100"
	tzOff   time.Duration
	logver  string
	csf     string
	weight  int
	down    bool
	pols    map[string]polRef // by policy name
	session int64
}

// csfOf names the Security Fabric a device reports in (§3.1 csf), by
// FortiGate Cloud sub-account [inf].
func csfOf(sub int64) string {
	switch sub {
	case 1202:
		return "fabric-stores"
	case 1310:
		return "fabric-americas"
	case 1420:
		return "fabric-apac"
	}
	return "fabric-emea"
}

func (e *Emulator) fazSites() []*fazSite {
	var out []*fazSite
	for _, fd := range e.fazDevices() {
		d := fd.d
		plan := planSite(&d, fd.spec)
		mgmt := d.VDOMs[0]
		if slices.Contains(d.VDOMs, "root") {
			mgmt = "root"
		}
		s := &fazSite{fazDev: fd, vd: mgmt, lans: plan.lanIntfs[mgmt], wan: plan.vdomWAN[mgmt].intf,
			csf: csfOf(d.SubAccountOID), down: !d.TunnelAlive, pols: map[string]polRef{}}
		off := time.Duration(d.TimeZone * float64(time.Hour))
		s.tzOff = off
		sign, abs := '+', off
		if off < 0 {
			sign, abs = '-', -off
		}
		s.tz = fmt.Sprintf("%c%02d%02d", sign, int(abs.Hours()), int(abs.Minutes())%60)
		ma, mi, pa := splitVersion(d.osVersion())
		s.logver = fmt.Sprintf("%d%02d%02d%04d", ma, mi, pa, buildFor(d.osVersion(), d.SN))
		switch sizeOf(fd.spec) {
		case "large":
			s.weight = 8
		case "mid":
			s.weight = 4
		default:
			s.weight = 1
		}
		if ds := e.device(d.SN); ds != nil {
			ds.mu.Lock()
			if rows := ds.os.tables[mgmt][policySpec.key]; rows != nil {
				for _, r := range *rows {
					id, _ := r.get("policyid")
					s.pols[r.str("name")] = polRef{fmt.Sprint(id), r.str("uuid")}
				}
			}
			ds.mu.Unlock()
		}
		if len(s.lans) == 0 {
			continue
		}
		out = append(out, s)
	}
	return out
}

// fazDest is a destination users reach.
type fazDest struct {
	host, ip, country           string
	port, proto                 int
	service, app, appid, appcat string
	apprisk                     string
	out, in                     int // typical bytes
}

var fazDests = []fazDest{
	{"outlook.office365.com", "52.97.146.162", "Netherlands", 443, 6, "HTTPS", "Microsoft.Outlook", "16040", "Email", "medium", 5200, 48000},
	{"teams.microsoft.com", "52.113.194.132", "Ireland", 443, 6, "HTTPS", "Microsoft.Teams", "43541", "Collaboration", "low", 18000, 240000},
	{"www.google.com", "142.250.179.196", "United States", 443, 6, "HTTPS", "Google.Search", "15895", "Network.Service", "low", 2100, 36000},
	{"www.youtube.com", "142.250.201.174", "United States", 443, 6, "HTTPS", "YouTube", "31077", "Video/Audio", "elevated", 9000, 2600000},
	{"login.microsoftonline.com", "20.190.159.4", "Netherlands", 443, 6, "HTTPS", "Microsoft.Authentication", "41468", "Collaboration", "low", 3100, 14000},
	{"github.com", "140.82.121.4", "Germany", 443, 6, "HTTPS", "GitHub", "36146", "Storage.Backup", "medium", 7200, 310000},
	{"dns.google", "8.8.8.8", "United States", 53, 17, "DNS", "DNS", "16195", "Network.Service", "elevated", 74, 130},
	{"one.one.one.one", "1.1.1.1", "Australia", 53, 17, "DNS", "DNS", "16195", "Network.Service", "elevated", 70, 126},
	{"time.cloudflare.com", "162.159.200.123", "United States", 123, 17, "NTP", "NTP", "16270", "Network.Service", "low", 76, 76},
	{"www.linkedin.com", "13.107.42.14", "United States", 443, 6, "HTTPS", "LinkedIn", "16331", "Social.Media", "medium", 6400, 190000},
	{"www.dropbox.com", "162.125.66.18", "United States", 443, 6, "HTTPS", "Dropbox", "17136", "Storage.Backup", "elevated", 88000, 42000},
	{"update.fortiguard.net", "173.243.138.66", "Canada", 443, 6, "HTTPS", "Fortiguard.Update", "33230", "Update", "low", 4000, 820000},
	{"www.lemonde.fr", "151.101.2.217", "France", 443, 6, "HTTPS", "HTTPS.BROWSER", "40568", "Web.Client", "medium", 4300, 187000},
	{"sip.provider.example", "198.51.100.61", "France", 5060, 17, "SIP", "SIP", "16177", "VoIP", "elevated", 9000, 9000},
}

// fazHostnames resolves seeded destination addresses (FortiView's
// dstip_hostname).
var fazHostnames = func() map[string]string {
	m := map[string]string{DemoFAZC2IP: "c2.badsite.example"}
	for _, d := range fazDests {
		m[d.ip] = d.host
	}
	return m
}()

// fazAttackers are outside sources: documentation addresses that no demo
// device uses (fleet WAN addresses end in 2 mod 8).
var fazAttackers = []struct{ ip, country string }{
	{"198.51.100.77", "Netherlands"}, {"203.0.113.45", "Russian Federation"}, {"192.0.2.13", "China"},
	{"198.51.100.141", "Brazil"}, {"203.0.113.229", "Romania"}, {"192.0.2.189", "United States"},
}

var fazUsers = []string{"jdoe", "asmith", "bwhite", "mmartin", "lgarcia", "kchen", "pdubois", "tnguyen", "rsingh", "ewilson"}

type fazAttack struct {
	name, id, cve, severity, service string
	port                             int
}

var fazAttacks = []fazAttack{
	{"Apache.Log4j.Error.Log.Remote.Code.Execution", "51006", "CVE-2021-44228", "critical", "HTTPS", 443},
	{"MS.SMB.Server.SMB1.Trans2.Secondary.Handling.Code.Execution", "43796", "CVE-2017-0144", "critical", "SMB", 445},
	{"Apache.Struts.2.Jakarta.Multipart.Parser.Code.Execution", "43673", "CVE-2017-5638", "critical", "HTTP", 80},
	{"Bash.Function.Definitions.Remote.Code.Execution", "39294", "CVE-2014-6271", "critical", "HTTP", 80},
	{"HTTP.URI.SQL.Injection", "15621", "", "high", "HTTPS", 443},
	{"SSH.Connection.Brute.Force", "18022", "", "medium", "SSH", 22},
	{"MS.RDP.Connection.Brute.Force", "46107", "", "medium", "RDP", 3389},
	{"Nmap.Script.Scanner", "41823", "", "low", "HTTP", 80},
}

var fazViruses = []struct{ name, file, host string }{
	{"W32/Agent.ABCD!tr", "invoice_0342.zip", "files.example.org"},
	{"MSOffice/Agent.BCG!tr.dldr", "Payment_Advice.docm", "cdn.docshare.example"},
	{"JS/Phish.EB!tr", "secure-login.html", "login-secure.example.net"},
	{"W32/Emotet.A!tr", "scan_2026.xls", "mail-attach.example.com"},
	{"EICAR_TEST_FILE", "eicar.com", "secure.eicar.org"},
}

var fazWebCats = []struct {
	id, desc, crlevel string
	blocked           bool
	hosts             []string
}{
	{"26", "Malicious Websites", "high", true, []string{"c2.badsite.example", "drive-by.example.net"}},
	{"61", "Phishing", "high", true, []string{"login-secure.example.net", "paypa1-verify.example.com"}},
	{"59", "Proxy Avoidance", "medium", true, []string{"unblock-now.example.org"}},
	{"52", "Information Technology", "", false, []string{"docs.fortinet.com", "github.com", "stackoverflow.com"}},
	{"41", "Search Engines and Portals", "", false, []string{"www.google.com", "www.bing.com"}},
	{"37", "Social Networking", "", false, []string{"www.linkedin.com", "www.facebook.com"}},
}

var fazApps = []struct{ app, id, cat, risk, action string }{
	{"Tor", "16072", "Proxy", "critical", "block"},
	{"BitTorrent", "15617", "P2P", "high", "block"},
	{"TeamViewer", "16305", "Remote.Access", "high", "pass"},
	{"YouTube", "31077", "Video/Audio", "elevated", "pass"},
	{"Facebook", "15832", "Social.Media", "medium", "pass"},
	{"Dropbox", "17136", "Storage.Backup", "elevated", "pass"},
}

type logGen struct {
	rng   *rand.Rand
	t0    time.Time
	sites []*fazSite
	total int
	out   []fazLog
	pack  *rowPacker
}

func (g *logGen) pick(n int) int { return g.rng.IntN(n) }

func (g *logGen) site() *fazSite {
	n := g.rng.IntN(g.total)
	for _, s := range g.sites {
		if n < s.weight {
			return s
		}
		n -= s.weight
	}
	return g.sites[len(g.sites)-1]
}

// when draws a time in the last week, denser near now; a site whose
// tunnel is down sent nothing in its last six hours.
func (g *logGen) when(s *fazSite) time.Time {
	u := g.rng.Float64()
	age := time.Duration(u*u*float64(7*24*time.Hour)) + 5*time.Second
	if s.down && age < 6*time.Hour {
		age += 6 * time.Hour
	}
	return g.t0.Add(-age).Truncate(time.Second)
}

// host is an internal endpoint of the site: address, name, MAC, ids.
type fazHost struct {
	ip, name, mac, os, user, epid, euid string
	intf                                lanIntf
}

func (g *logGen) host(s *fazSite) fazHost {
	li := s.lans[g.pick(len(s.lans))]
	n := 10 + g.pick(40)
	ip := hostIn(li.cidr, n)
	h := fazHost{ip: ip, intf: li, mac: macFor(s.d.SN+ip, 0), epid: strconv.Itoa(1000 + int(hash64("ep", s.d.SN, ip)%9000))}
	prefix := strings.SplitN(s.d.Name, "-", 2)[0]
	switch li.alias {
	case "guest":
		h.name, h.os = fmt.Sprintf("GUEST-%02d", n), "Android"
	case "voice":
		h.name, h.os = fmt.Sprintf("PHONE-%s-%02d", prefix, n), "Other"
	case "servers", "DMZ":
		h.name, h.os = fmt.Sprintf("SRV-%s-%02d", prefix, n), "Linux"
	default:
		h.name, h.os = fmt.Sprintf("WS-%s-%02d", prefix, n), "Windows"
		if strings.HasPrefix(s.d.Name, "STORE") {
			h.name = fmt.Sprintf("POS-%02d", n)
		}
	}
	if s.d.FSSO && li.alias != "guest" && li.alias != "voice" {
		u := fazUsers[hash64("user", s.d.SN, ip)%uint64(len(fazUsers))]
		h.user = u
		h.euid = strconv.Itoa(1025 + int(hash64("eu", u)%200))
	}
	return h
}

// head starts a row with the fields every FortiGate row has (§3.3) and
// those FAZ adds (§3.1). id is set once the rows are in time order.
func (g *logGen) head(s *fazSite, t time.Time, logid, typ, subtype, level string) object {
	lt := t.Add(s.tzOff)
	in := t.Add(time.Duration(1+g.pick(4)) * time.Second)
	return obj("id", strings.Repeat("0", 19), "itime", fazTime(in), "dtime", fazTime(t), "date", lt.Format(time.DateOnly), "time", lt.Format(time.TimeOnly),
		"eventtime", strconv.FormatInt(t.UnixNano()+int64(g.pick(1e6)), 10), "tz", s.tz, "logver", s.logver,
		"devid", s.d.SN, "devname", s.d.Name, "vd", s.vd, "csf", s.csf,
		"logid", logid, "type", typ, "subtype", subtype, "level", level)
}

func (g *logGen) add(s *fazSite, t time.Time, logtype string, row object) {
	g.out = append(g.out, fazLog{t: t, adom: s.adom, logtype: logtype, devname: s.d.Name, devid: s.d.SN, vd: s.vd, csf: s.csf,
		row: g.pack.pack(row)})
}

func (g *logGen) sessionID(s *fazSite) string {
	s.session += 1 + int64(g.pick(40))
	return strconv.FormatInt(8_800_000+between(0, 900_000, "sess", s.d.SN)+s.session, 10)
}

func (s *fazSite) policy(name string) polRef {
	if p, ok := s.pols[name]; ok {
		return p
	}
	return polRef{"0", ""}
}

func (s *fazSite) egressPolicy(h fazHost) polRef {
	if h.intf.alias == "guest" {
		if p, ok := s.pols["Guest-to-Internet"]; ok {
			return p
		}
	}
	if h.intf.alias == "voice" {
		if p, ok := s.pols["Voice-to-Provider"]; ok {
			return p
		}
	}
	return s.policy("LAN-to-Internet")
}

func (s *fazSite) wanIP() string { return s.d.IP }

// traffic writes one forward-traffic row (§3.4).
func (g *logGen) traffic(s *fazSite, t time.Time) {
	h := g.host(s)
	roll := g.pick(100)
	var d fazDest
	switch {
	case h.intf.alias == "voice":
		d = fazDests[len(fazDests)-1]
	case roll < 8: // outbound to a port no policy allows: implicit deny
		a := fazAttackers[g.pick(len(fazAttackers))]
		d = fazDest{ip: a.ip, country: a.country, proto: 6}
		switch g.pick(3) {
		case 0:
			d.port, d.service = 445, "SMB"
		case 1:
			d.port, d.service = 25, "SMTP"
		default:
			d.port, d.service = 6667, "IRC"
		}
	default:
		d = fazDests[g.pick(len(fazDests)-1)]
	}
	act := "close"
	switch r := g.pick(100); {
	case d.service == "SMB" || d.service == "SMTP" || d.service == "IRC":
		act = "deny"
	case d.proto == 17 && r < 70:
		act = "accept"
	case d.proto == 17:
		act = "timeout"
	case r < 4:
		act = "client-rst"
	case r < 7:
		act = "server-rst"
	case r < 10:
		act = "timeout"
	}
	pol := s.egressPolicy(h)
	level := "notice"
	if act == "deny" {
		pol, level = polRef{"0", ""}, "warning"
	}
	row := g.head(s, t, "0000000013", "traffic", "forward", level)
	srcport := strconv.Itoa(49152 + g.pick(16000))
	row = append(row, obj("srcip", h.ip, "srcport", srcport, "srcintf", h.intf.name, "srcintfrole", "lan",
		"srcname", h.name, "srcmac", h.mac, "osname", h.os,
		"dstip", d.ip, "dstport", strconv.Itoa(d.port), "dstintf", s.wan, "dstintfrole", "wan",
		"srccountry", "Reserved", "dstcountry", d.country, "sessionid", g.sessionID(s), "proto", strconv.Itoa(d.proto),
		"action", act, "policyid", pol.id, "policytype", "policy")...)
	if pol.uuid != "" {
		row = append(row, field{"poluuid", pol.uuid})
	}
	row = append(row, field{"service", d.service})
	if act == "deny" {
		row = append(row, obj("trandisp", "noop", "duration", "0", "sentbyte", "0", "rcvdbyte", "0", "sentpkt", "0", "rcvdpkt", "0",
			"appcat", "unscanned", "msg", "Denied by forward policy check (policy 0)")...)
	} else {
		scale := 0.3 + g.rng.Float64()*2.5
		out, in := int(float64(d.out)*scale), int(float64(d.in)*scale)
		if act == "client-rst" || act == "server-rst" {
			in /= 20
		}
		row = append(row, obj("trandisp", "snat", "transip", s.wanIP(), "transport", srcport,
			"appid", d.appid, "app", d.app, "appcat", d.appcat, "apprisk", d.apprisk, "applist", "default",
			"duration", strconv.Itoa(1+g.pick(180)), "sentbyte", strconv.Itoa(out), "rcvdbyte", strconv.Itoa(in),
			"sentpkt", strconv.Itoa(1+out/900), "rcvdpkt", strconv.Itoa(1+in/1300), "utmaction", "allow", "countapp", "1")...)
	}
	if h.user != "" {
		row = append(row, obj("user", h.user, "euid", h.euid)...)
	} else {
		row = append(row, field{"euid", "3"})
	}
	row = append(row, obj("epid", h.epid, "dsteuid", "3", "dstepid", "101")...)
	g.add(s, t, "traffic", row)
}

// inboundDeny: an outside scanner stopped by Block-Countries-In (§3.4).
func (g *logGen) inboundDeny(s *fazSite, t time.Time) {
	a := fazAttackers[g.pick(len(fazAttackers))]
	ports := []struct {
		port int
		svc  string
	}{{22, "SSH"}, {23, "TELNET"}, {3389, "RDP"}, {445, "SMB"}, {8080, "tcp/8080"}}
	p := ports[g.pick(len(ports))]
	pol := s.policy("Block-Countries-In")
	row := g.head(s, t, "0000000013", "traffic", "forward", "warning")
	row = append(row, obj("srcip", a.ip, "srcport", strconv.Itoa(30000+g.pick(30000)), "srcintf", s.wan, "srcintfrole", "wan",
		"dstip", s.wanIP(), "dstport", strconv.Itoa(p.port), "dstintf", s.lans[0].name, "dstintfrole", "lan",
		"srccountry", a.country, "dstcountry", "Reserved", "sessionid", g.sessionID(s), "proto", "6",
		"action", "deny", "policyid", pol.id, "policytype", "policy")...)
	if pol.uuid != "" {
		row = append(row, field{"poluuid", pol.uuid})
	}
	row = append(row, obj("service", p.svc, "trandisp", "noop", "duration", "0", "sentbyte", "0", "rcvdbyte", "0",
		"sentpkt", "0", "rcvdpkt", "0", "appcat", "unscanned", "crscore", "30", "craction", "131072", "crlevel", "high",
		"msg", "Denied by forward policy check (policy "+pol.id+")", "euid", "3", "epid", "101", "dsteuid", "3", "dstepid", "101")...)
	g.add(s, t, "traffic", row)
}

// event writes a system, vpn or user event (§3.5). The vpn and user log
// ids and fields are [inf], modelled on the system ones.
func (g *logGen) event(s *fazSite, t time.Time) {
	admin := hostIn(s.lans[0].cidr, 10)
	switch r := g.pick(100); {
	case r < 30:
		row := g.head(s, t, "0100032001", "event", "system", "information")
		row = append(row, obj("logdesc", "Admin login successful", "sn", strconv.Itoa(1700000000+g.pick(90000000)),
			"user", "admin", "ui", "https("+admin+")", "method", "https", "srcip", admin, "dstip", hostIn(s.lans[0].cidr, 1),
			"action", "login", "status", "success", "reason", "none", "profile", "super_admin",
			"msg", "Administrator admin logged in successfully from https("+admin+")")...)
		g.add(s, t, "event", row)
	case r < 50:
		a := fazAttackers[g.pick(len(fazAttackers))]
		user := []string{"admin", "root", "fortinet", "administrator"}[g.pick(4)]
		row := g.head(s, t, "0100032002", "event", "system", "alert")
		row = append(row, obj("logdesc", "Admin login failed", "sn", "0", "user", user, "ui", "https("+a.ip+")",
			"method", "https", "srcip", a.ip, "dstip", s.wanIP(), "action", "login", "status", "failed", "reason", "passwd_invalid",
			"msg", "Administrator "+user+" login failed from https("+a.ip+") because of invalid password")...)
		g.add(s, t, "event", row)
	case r < 62:
		pol := s.policy("LAN-to-Internet")
		row := g.head(s, t, "0100044547", "event", "system", "information")
		row = append(row, obj("logdesc", "Object attribute configured", "user", "admin", "ui", "GUI("+admin+")",
			"action", "Edit", "cfgtid", strconv.Itoa(1000000+g.pick(9000000)), "cfgpath", "firewall.policy", "cfgobj", pol.id,
			"cfgattr", "logtraffic[utm->all]", "msg", "Edit firewall.policy "+pol.id)...)
		g.add(s, t, "event", row)
	case r < 85 && len(s.d.Tunnels) > 0:
		tun := s.d.Tunnels[g.pick(len(s.d.Tunnels))]
		peer := ""
		if len(tun.Peers) > 0 {
			peer = tun.Peers[g.pick(len(tun.Peers))].Gateway
		}
		up := g.pick(3) > 0
		logid, desc, act, level := "0101037138", "IPsec connection status changed", "tunnel-up", "notice"
		if !up {
			act, level = "tunnel-down", "warning"
		}
		row := g.head(s, t, logid, "event", "vpn", level)
		row = append(row, obj("logdesc", desc, "msg", "IPsec connection status change", "action", act,
			"remip", peer, "locip", s.wanIP(), "remport", "500", "locport", "500", "outintf", s.wan,
			"cookies", md5hex("ike", s.d.SN, peer)[:16]+"/"+md5hex("ike2", s.d.SN, peer)[:16], "user", "N/A", "group", "N/A",
			"xauthuser", "N/A", "xauthgroup", "N/A", "assignip", "N/A", "vpntunnel", tun.Name,
			"tunnelip", "N/A", "tunnelid", strconv.Itoa(100000000+g.pick(800000000)), "tunneltype", "ipsec", "duration", strconv.Itoa(g.pick(86400)))...)
		g.add(s, t, "event", row)
	default:
		h := g.host(s)
		ok := g.pick(5) > 0
		user := h.user
		if user == "" {
			user = fazUsers[g.pick(len(fazUsers))]
		}
		logid, desc, status, level := "0102043008", "Authentication success", "success", "notice"
		if !ok {
			logid, desc, status, level = "0102043009", "Authentication failed", "failure", "warning"
		}
		row := g.head(s, t, logid, "event", "user", level)
		row = append(row, obj("logdesc", desc, "srcip", h.ip, "dstip", hostIn(s.lans[0].cidr, 1), "policyid", s.egressPolicy(h).id,
			"interface", h.intf.name, "user", user, "group", "Domain Users", "authproto", "HTTPS("+h.ip+")",
			"action", "authentication", "status", status, "reason", map[bool]string{true: "N/A", false: "No matching user"}[ok],
			"msg", "User "+user+" "+map[bool]string{true: "succeeded", false: "failed"}[ok]+" in authentication")...)
		g.add(s, t, "event", row)
	}
}

// attack writes an IPS row (§3.6): outside sources against the site.
func (g *logGen) attack(s *fazSite, t time.Time) {
	a := fazAttackers[g.pick(len(fazAttackers))]
	at := fazAttacks[g.pick(len(fazAttacks))]
	victim := g.host(s)
	dstip, dstintf, role := victim.ip, victim.intf.name, victim.intf.role
	if g.pick(2) == 0 {
		dstip, dstintf, role = s.wanIP(), "root", "undefined"
	}
	act := []string{"dropped", "dropped", "reset", "detected"}[g.pick(4)]
	g.addAttack(s, t, at, a.ip, a.country, s.wan, "wan", dstip, dstintf, role, act, "incoming", s.policy("Block-Countries-In"))
}

func (g *logGen) addAttack(s *fazSite, t time.Time, at fazAttack, src, country, srcintf, srcrole, dst, dstintf, dstrole, act, dir string, pol polRef) {
	level, score := "alert", "50"
	switch at.severity {
	case "medium":
		level, score = "warning", "10"
	case "low":
		level, score = "notice", "5"
	case "high":
		score = "30"
	}
	row := g.head(s, t, "0419016384", "utm", "ips", level)
	row = append(row, obj("eventtype", "signature", "severity", at.severity, "srcip", src, "srccountry", country,
		"srcport", strconv.Itoa(30000+g.pick(30000)), "srcintf", srcintf, "srcintfrole", srcrole,
		"dstip", dst, "dstport", strconv.Itoa(at.port), "dstintf", dstintf, "dstintfrole", dstrole,
		"sessionid", g.sessionID(s), "proto", "6", "service", at.service, "policyid", pol.id,
		"action", act, "direction", dir, "attack", at.name, "attackid", at.id)...)
	if at.cve != "" {
		row = append(row, field{"cve", at.cve})
	}
	row = append(row, obj("profile", "default", "ref", "http://www.fortinet.com/ids/VID"+at.id,
		"incidentserialno", strconv.Itoa(181000000+g.pick(900000)),
		"msg", "applications3: "+at.name+",", "crscore", score, "crlevel", at.severity,
		"euid", "3", "epid", "101", "dsteuid", "3", "dstepid", strconv.Itoa(1000+int(hash64("ep", s.d.SN, dst)%9000)))...)
	g.add(s, t, "attack", row)
}

// virus writes an antivirus row (§3.7): a download blocked.
func (g *logGen) virus(s *fazSite, t time.Time) {
	h := g.host(s)
	v := fazViruses[g.pick(len(fazViruses))]
	sum := sha256.Sum256([]byte(v.name + "\x00" + v.file))
	hash := hex.EncodeToString(sum[:])
	row := g.head(s, t, "0211008192", "utm", "virus", "warning")
	row = append(row, obj("eventtype", "infected", "msg", "File is infected.", "action", "blocked", "service", "HTTPS",
		"sessionid", g.sessionID(s), "srcip", h.ip, "srcport", strconv.Itoa(49152+g.pick(16000)), "srcintf", h.intf.name, "srcintfrole", "lan",
		"dstip", "203.0.113."+strconv.Itoa(16*(1+g.pick(12))+3), "dstport", "443", "dstintf", s.wan, "dstintfrole", "wan",
		"policyid", s.egressPolicy(h).id, "proto", "6", "direction", "incoming", "filename", v.file,
		"quarskip", "File-was-not-quarantined.", "virus", v.name, "dtype", "Virus",
		"ref", "http://www.fortinet.com/ve?vn="+strings.NewReplacer("/", "%2F", "!", "%21").Replace(v.name),
		"virusid", strconv.Itoa(10000000+int(hash64("virus", v.name)%9000000)), "url", "https://"+v.host+"/"+v.file,
		"profile", "default")...)
	if h.user != "" {
		row = append(row, field{"user", h.user})
	}
	row = append(row, obj("agent", "Mozilla/5.0", "analyticscksum", hash, "filehash", hash, "crscore", "50", "crlevel", "critical",
		"euid", cmp2(h.euid, "3"), "epid", h.epid)...)
	g.add(s, t, "virus", row)
}

func cmp2(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// webfilter writes a web filter row (§3.8).
func (g *logGen) webfilter(s *fazSite, t time.Time) {
	h := g.host(s)
	c := fazWebCats[g.pick(len(fazWebCats))]
	host := c.hosts[g.pick(len(c.hosts))]
	evt, act, level, msg := "ftgd_allow", "passthrough", "notice", "URL belongs to an allowed category in policy"
	if c.blocked {
		evt, act, level, msg = "ftgd_blk", "blocked", "warning", "URL belongs to a denied category in policy"
	}
	dst := "198.51.100." + strconv.Itoa(8*(1+g.pick(30))+4)
	if ip := fazIPOf(host); ip != "" {
		dst = ip
	}
	row := g.head(s, t, "0316013056", "utm", "webfilter", level)
	if !c.blocked {
		row.set("logid", "0316013057")
	}
	row = append(row, obj("eventtype", evt, "policyid", s.egressPolicy(h).id, "sessionid", g.sessionID(s))...)
	if h.user != "" {
		row = append(row, field{"user", h.user})
	}
	sent, rcvd := strconv.Itoa(400+g.pick(900)), "0"
	if !c.blocked {
		rcvd = strconv.Itoa(2000 + g.pick(200000))
	}
	row = append(row, obj("srcip", h.ip, "srcport", strconv.Itoa(49152+g.pick(16000)), "srcintf", h.intf.name, "srcintfrole", "lan",
		"dstip", dst, "dstport", "443", "dstintf", s.wan, "dstintfrole", "wan", "proto", "6", "service", "HTTPS",
		"hostname", host, "profile", "default", "action", act, "reqtype", "direct", "url", "https://"+host+"/",
		"sentbyte", sent, "rcvdbyte", rcvd, "direction", "outgoing", "msg", msg, "method", "domain", "cat", c.id, "catdesc", c.desc)...)
	if c.crlevel != "" {
		row = append(row, obj("crscore", "60", "crlevel", c.crlevel)...)
	}
	row = append(row, obj("euid", cmp2(h.euid, "3"), "epid", h.epid)...)
	g.add(s, t, "webfilter", row)
}

func fazIPOf(host string) string {
	for ip, h := range fazHostnames {
		if h == host {
			return ip
		}
	}
	return ""
}

// appctrl writes an application control row (§3.9).
func (g *logGen) appctrl(s *fazSite, t time.Time) {
	h := g.host(s)
	a := fazApps[g.pick(len(fazApps))]
	level := "information"
	if a.action == "block" {
		level = "warning"
	}
	row := g.head(s, t, "1059028704", "utm", "app-ctrl", level)
	row = append(row, obj("eventtype", "app-ctrl-all", "appid", a.id, "srcip", h.ip, "srcport", strconv.Itoa(49152+g.pick(16000)),
		"srcintf", h.intf.name, "srcintfrole", "lan", "dstip", "198.51.100."+strconv.Itoa(8*(1+g.pick(30))+6), "dstport", "443",
		"dstintf", s.wan, "dstintfrole", "wan", "proto", "6", "service", "HTTPS", "direction", "outgoing",
		"policyid", s.egressPolicy(h).id, "sessionid", g.sessionID(s), "applist", "default", "appcat", a.cat, "app", a.app,
		"action", a.action, "hostname", "", "incidentserialno", strconv.Itoa(181000000+g.pick(900000)), "url", "/",
		"msg", a.cat+": "+a.app+",", "apprisk", a.risk)...)
	if h.user != "" {
		row = append(row, field{"user", h.user})
	}
	row = append(row, obj("euid", cmp2(h.euid, "3"), "epid", h.epid)...)
	g.add(s, t, "app-ctrl", row)
}

// story writes DemoFAZDeniedSrcIP's rows at DemoFAZDeniedDevice.
func (g *logGen) story(s *fazSite) {
	lan := s.lans[0]
	cam := fazHost{ip: DemoFAZDeniedSrcIP, name: "CAM-LOBBY-02", mac: "00:40:8c:5e:21:07", os: "Linux", epid: "1207", intf: lan}
	servers := lan
	for _, li := range s.lans {
		if li.alias == "servers" {
			servers = li
		}
	}
	c2Ports := []struct {
		port int
		svc  string
	}{{4444, "tcp/4444"}, {6667, "IRC"}, {8443, "tcp/8443"}}
	deny := func(t time.Time, k int) {
		dst, dport, svc, dstintf, role, country := DemoFAZC2IP, 0, "", s.wan, "wan", "United States"
		if k%4 == 3 { // SMB scan of the server VLAN
			dst, dport, svc, dstintf, role, country = hostIn(servers.cidr, 10+k%12), 445, "SMB", servers.name, "lan", "Reserved"
		} else {
			p := c2Ports[k%len(c2Ports)]
			dport, svc = p.port, p.svc
		}
		row := g.head(s, t, "0000000013", "traffic", "forward", "warning")
		row = append(row, obj("srcip", cam.ip, "srcport", strconv.Itoa(40000+(k*7919)%20000), "srcintf", lan.name, "srcintfrole", "lan",
			"srcname", cam.name, "srcmac", cam.mac, "osname", cam.os,
			"dstip", dst, "dstport", strconv.Itoa(dport), "dstintf", dstintf, "dstintfrole", role,
			"srccountry", "Reserved", "dstcountry", country, "sessionid", g.sessionID(s), "proto", "6",
			"action", "deny", "policyid", "0", "policytype", "policy", "service", svc, "trandisp", "noop",
			"duration", "0", "sentbyte", "0", "rcvdbyte", "0", "sentpkt", "0", "rcvdpkt", "0", "appcat", "unscanned",
			"crscore", "30", "craction", "131072", "crlevel", "high",
			"msg", "Denied by forward policy check (policy 0)", "euid", "3", "epid", cam.epid, "dsteuid", "3", "dstepid", "101")...)
		g.add(s, t, "traffic", row)
	}
	// 36 denied sessions in the last 24 hours, every 37 minutes from 20
	// minutes ago; 12 more between two and six days ago.
	for k := 0; k < 36; k++ {
		deny(g.t0.Add(-20*time.Minute-time.Duration(k)*37*time.Minute).Truncate(time.Second), k)
	}
	for k := 0; k < 12; k++ {
		deny(g.t0.Add(-48*time.Hour-time.Duration(k)*8*time.Hour).Truncate(time.Second), k)
	}
	// IPS: its exploits against the servers and its beacon, all in the
	// last 24 hours.
	smb, beacon := fazAttacks[1], fazAttack{"Backdoor.Cobalt.Strike.Beacon", "50437", "", "critical", "tcp/4444", 4444}
	for k := 0; k < 14; k++ {
		t := g.t0.Add(-35*time.Minute - time.Duration(k)*97*time.Minute).Truncate(time.Second)
		if k%2 == 0 {
			g.addAttack(s, t, smb, cam.ip, "Reserved", lan.name, "lan", hostIn(servers.cidr, 10+k%12), servers.name, "lan",
				"dropped", "outgoing", polRef{"0", ""})
		} else {
			g.addAttack(s, t, beacon, cam.ip, "Reserved", lan.name, "lan", DemoFAZC2IP, s.wan, "wan",
				"dropped", "outgoing", polRef{"0", ""})
		}
	}
}

// seedDemoFAZ fills the log store; seedDemoFAZEvents adds alerts and
// incidents drawn from it.
func (e *Emulator) seedDemoFAZ() {
	sites := e.fazSites()
	if len(sites) == 0 {
		return
	}
	g := &logGen{rng: rand.New(rand.NewPCG(0x464f5254, 0x414e414c)), t0: e.clock.Now().UTC().Truncate(time.Second), sites: sites, pack: newRowPacker()}
	for _, s := range sites {
		g.total += s.weight
	}
	for _, c := range fazSeedCounts {
		for i := 0; i < c.n; i++ {
			s := g.site()
			t := g.when(s)
			switch c.logtype {
			case "traffic":
				if g.pick(10) == 0 {
					g.inboundDeny(s, t)
				} else {
					g.traffic(s, t)
				}
			case "event":
				g.event(s, t)
			case "attack":
				g.attack(s, t)
			case "virus":
				g.virus(s, t)
			case "webfilter":
				g.webfilter(s, t)
			case "app-ctrl":
				g.appctrl(s, t)
			}
		}
	}
	for _, s := range sites {
		if s.d.Name == DemoFAZDeniedDevice {
			g.story(s)
		}
	}
	slices.SortStableFunc(g.out, func(a, b fazLog) int { return a.t.Compare(b.t) })
	g.out = slices.Clone(g.out) // drop the spare capacity
	for i := range g.out {
		l := &g.out[i]
		l.row.setFirst(strconv.FormatInt(7_300_000_000_000_000_000+l.t.Unix()*1_000_000+int64(i%1_000_000), 10))
	}
	e.faz.logs = g.out
	e.seedDemoFAZEvents(sites)
}
