package emulator

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// seedConfig generates a device's FortiOS configuration from its identity:
// model (ports), LAN block, VDOMs and tunnels. Everything derives from the
// Device, so the same Device always yields the same tables. Field sets and
// value forms follow fortios-and-faz-data.md §2.13–§2.20; the site design
// (VLAN plan, policy set, names) is ours [inf], modelled on common practice.

// sitePlan is what the generator decides about a device before writing rows.
type sitePlan struct {
	size     string // "desktop", "mid", "large", "vm"
	lanA     int    // LAN block's first two octets (10.lanB.x.x)
	lanB     int
	wan      string // primary WAN port
	wanIP    string
	wanBits  int
	wanGW    string
	wan2     string               // second WAN (DHCP), "" when none
	lanIntfs map[string][]lanIntf // per VDOM: internal interfaces with addresses
	vdomWAN  map[string]wanLeg    // per VDOM: its egress interface
}

type lanIntf struct {
	name, alias, role string
	cidr              string // the interface's own address, e.g. 10.12.20.1/24
}

type wanLeg struct{ intf, gw string }

func (p *sitePlan) subnet(third int) string {
	return fmt.Sprintf("%d.%d.%d.0/24", p.lanA, p.lanB, third)
}

func sizeOf(s modelSpec) string {
	switch s.number {
	case "40F", "60F", "61F", "80F":
		return "desktop"
	case "100F", "200F":
		return "mid"
	case "400F", "600E", "1100E":
		return "large"
	}
	if s.vm {
		return "vm"
	}
	return "desktop"
}

func planSite(d *Device, s modelSpec) *sitePlan {
	p := &sitePlan{size: sizeOf(s), lanIntfs: map[string][]lanIntf{}, vdomWAN: map[string]wanLeg{}}
	if pfx, err := netip.ParsePrefix(d.LAN); err == nil {
		b := pfx.Addr().As4()
		p.lanA, p.lanB = int(b[0]), int(b[1])
	} else {
		p.lanA, p.lanB = 10, 199
	}
	p.wan = s.wan[0]
	if len(s.wan) > 1 && p.size != "vm" {
		p.wan2 = s.wan[1]
	}
	p.wanIP, p.wanBits = d.IP, 29
	if a, err := netip.ParseAddr(d.IP); err != nil || !a.Is4() {
		p.wanIP = "198.51.100.2"
	}
	pfx := netip.PrefixFrom(netip.MustParseAddr(p.wanIP), p.wanBits).Masked()
	p.wanGW = hostIn(pfx.String(), 1)
	if p.wanGW == p.wanIP {
		p.wanGW = hostIn(pfx.String(), 2)
	}
	mgmt := d.VDOMs[0]
	for _, v := range d.VDOMs {
		if v == "root" {
			mgmt = v
		}
	}
	p.vdomWAN[mgmt] = wanLeg{p.wan, p.wanGW}

	lan := s.lan
	add := func(vdom string, li lanIntf) { p.lanIntfs[vdom] = append(p.lanIntfs[vdom], li) }
	add(mgmt, lanIntf{lan, "LAN", "lan", hostIn(p.subnet(1), 1) + "/24"})
	vlan := func(vid int, alias string) lanIntf {
		return lanIntf{fmt.Sprintf("%s.%d", lan, vid), alias, "lan", hostIn(p.subnet(vid), 1) + "/24"}
	}
	switch p.size {
	case "desktop":
		if s.number != "40F" {
			add(mgmt, vlan(40, "guest"))
		}
	case "mid":
		add(mgmt, vlan(20, "users"))
		add(mgmt, vlan(30, "voice"))
		add(mgmt, vlan(40, "guest"))
	case "large":
		add(mgmt, vlan(20, "users"))
		add(mgmt, vlan(30, "voice"))
		add(mgmt, vlan(40, "guest"))
		add(mgmt, vlan(50, "servers"))
	}
	if s.dmz != "" && p.size != "desktop" {
		add(mgmt, lanIntf{s.dmz, "DMZ", "dmz", hostIn(p.subnet(60), 1) + "/24"})
	}
	// Each extra VDOM gets its own LAN VLAN and its own egress VLAN on the
	// WAN port, addressed from the shared-address space (RFC 6598) [inf].
	n := 0
	for _, v := range d.VDOMs {
		if v == mgmt {
			continue
		}
		n++
		add(v, lanIntf{fmt.Sprintf("%s.%d", lan, 100+n), strings.ToLower(v), "lan", hostIn(p.subnet(100+n), 1) + "/24"})
		p.vdomWAN[v] = wanLeg{fmt.Sprintf("%s.%d", p.wan, 900+n), fmt.Sprintf("100.64.%d.1", n)}
	}
	return p
}

func seedConfig(f *fortiOS) {
	d, s := f.dev, f.spec
	p := planSite(d, s)
	seedInterfaces(f, p)
	for _, v := range d.VDOMs {
		seedAddresses(f, p, v)
		seedPolicies(f, p, v)
		seedRoutes(f, p, v)
		seedPhase1(f, p, v)
	}
	seedAdmins(f, p)
	seedGlobal(f)
}

func intfRow(f *fortiOS, name, vdom, typ string) object {
	r := interfaceSpec.template(f)
	r.set("name", name)
	r.set("q_origin_key", name)
	r.set("vdom", vdom)
	r.set("type", typ)
	return r
}

func seedInterfaces(f *fortiOS, p *sitePlan) {
	d, s := f.dev, f.spec
	ifs := f.tables[""][interfaceSpec.key]
	port := 0
	physical := func(name string) *object {
		port++
		r := intfRow(f, name, f.mgmtVDOM, "physical")
		r.set("macaddr", macFor(d.SN, port))
		*ifs = append(*ifs, r)
		return &(*ifs)[len(*ifs)-1]
	}
	if s.mgmt != "" {
		r := physical(s.mgmt)
		r.set("ip", "192.168.1.99 255.255.255.0")
		r.set("allowaccess", "ping https ssh")
		r.set("alias", "OOB-mgmt")
		r.set("role", "lan")
	}
	w := physical(p.wan)
	w.set("ip", p.wanIP+" "+maskOf(p.wanBits))
	w.set("allowaccess", "ping fgfm")
	w.set("alias", "ISP-A")
	w.set("role", "wan")
	w.set("distance", int64(5))
	if p.wan2 != "" {
		w2 := physical(p.wan2)
		w2.set("mode", "dhcp")
		w2.set("allowaccess", "ping")
		w2.set("alias", "ISP-B")
		w2.set("role", "wan")
		w2.set("distance", int64(10))
	}
	lanType := s.lanType
	l := intfRow(f, s.lan, f.mgmtVDOM, lanType)
	port++
	l.set("macaddr", macFor(d.SN, port))
	*ifs = append(*ifs, l)
	if s.dmz != "" {
		physical(s.dmz)
	}
	for _, o := range s.other {
		physical(o)
	}
	// Addresses and VLANs from the plan, in VDOM order.
	for _, v := range d.VDOMs {
		for _, li := range p.lanIntfs[v] {
			i := find(*ifs, interfaceSpec, li.name)
			if i < 0 {
				r := intfRow(f, li.name, v, "vlan")
				parent, vid, _ := strings.Cut(li.name, ".")
				n, _ := strconv.Atoi(vid)
				r.set("interface", parent)
				r.set("vlanid", int64(n))
				r.set("macaddr", macFor(d.SN, 1))
				*ifs = append(*ifs, r)
				i = len(*ifs) - 1
			}
			r := &(*ifs)[i]
			r.set("vdom", v)
			r.set("ip", ipMask(li.cidr))
			r.set("alias", li.alias)
			r.set("role", li.role)
			switch li.alias {
			case "guest":
				r.set("allowaccess", "ping")
			case "DMZ":
				r.set("allowaccess", "ping")
			default:
				r.set("allowaccess", "ping https ssh fabric")
			}
		}
		if leg := p.vdomWAN[v]; leg.intf != p.wan {
			r := intfRow(f, leg.intf, v, "vlan")
			_, vid, _ := strings.Cut(leg.intf, ".")
			n, _ := strconv.Atoi(vid)
			r.set("interface", p.wan)
			r.set("vlanid", int64(n))
			r.set("ip", hostIn(strings.TrimSuffix(leg.gw, ".1")+".0/30", 2)+" 255.255.255.252")
			r.set("allowaccess", "ping")
			r.set("alias", strings.ToLower(v)+"-wan")
			r.set("role", "wan")
			r.set("macaddr", macFor(d.SN, 0))
			*ifs = append(*ifs, r)
		}
	}
	for _, t := range d.Tunnels {
		v := t.VDOM
		if v == "" {
			v = f.mgmtVDOM
		}
		r := intfRow(f, t.Name, v, "tunnel")
		r.set("interface", p.vdomWAN[v].intf)
		r.set("allowaccess", "ping")
		*ifs = append(*ifs, r)
	}
}

func addrRow(f *fortiOS, vdom, name string, kv ...any) object {
	r := addressSpec.template(f)
	r.set("name", name)
	r.set("q_origin_key", name)
	r.set("uuid", detUUID(f.dev.SN, vdom, "address", name))
	for i := 0; i+1 < len(kv); i += 2 {
		r.set(kv[i].(string), kv[i+1])
	}
	if r.str("type") == "ipmask" {
		addr, mask, _ := strings.Cut(r.str("subnet"), " ")
		r.set("start-ip", addr)
		r.set("end-ip", mask)
	}
	return r
}

func grpRow(f *fortiOS, vdom, name, comment string, members ...string) object {
	r := addrgrpSpec.template(f)
	r.set("name", name)
	r.set("q_origin_key", name)
	r.set("uuid", detUUID(f.dev.SN, vdom, "addrgrp", name))
	r.set("member", refs(members...))
	r.set("comment", comment)
	return r
}

// netName names the address object of an internal interface ("users-net").
func netName(li lanIntf) string { return strings.ToLower(li.alias) + "-net" }

func (f *fortiOS) tunnelsIn(vdom string) []VPNTunnel {
	var out []VPNTunnel
	for _, t := range f.dev.Tunnels {
		if t.VDOM == vdom || (t.VDOM == "" && vdom == f.mgmtVDOM) {
			out = append(out, t)
		}
	}
	return out
}

func peerLabel(name string) string {
	return strings.ToLower(strings.NewReplacer(" ", "-", "_", "-").Replace(name))
}

func seedAddresses(f *fortiOS, p *sitePlan, vdom string) {
	addrs := f.tables[vdom][addressSpec.key]
	grps := f.tables[vdom][addrgrpSpec.key]
	add := func(r object) { *addrs = append(*addrs, r) }
	// FortiOS factory-default objects.
	add(addrRow(f, vdom, "all", "subnet", "0.0.0.0 0.0.0.0"))
	add(addrRow(f, vdom, "none", "subnet", "0.0.0.0 255.255.255.255"))
	add(addrRow(f, vdom, "FABRIC_DEVICE", "subnet", "0.0.0.0 0.0.0.0", "comment", "IPv4 addresses of Fabric Devices."))
	add(addrRow(f, vdom, "FIREWALL_AUTH_PORTAL_ADDRESS", "subnet", "0.0.0.0 0.0.0.0"))
	add(addrRow(f, vdom, "SSLVPN_TUNNEL_ADDR1", "type", "iprange", "start-ip", "10.212.134.200", "end-ip", "10.212.134.210"))
	add(addrRow(f, vdom, "login.microsoftonline.com", "type", "fqdn", "fqdn", "login.microsoftonline.com", "subnet", "0.0.0.0 0.0.0.0"))
	add(addrRow(f, vdom, "login.microsoft.com", "type", "fqdn", "fqdn", "login.microsoft.com", "subnet", "0.0.0.0 0.0.0.0"))
	add(addrRow(f, vdom, "gmail.com", "type", "fqdn", "fqdn", "gmail.com", "subnet", "0.0.0.0 0.0.0.0"))
	add(addrRow(f, vdom, "wildcard.google.com", "type", "fqdn", "fqdn", "*.google.com", "subnet", "0.0.0.0 0.0.0.0"))

	var internal []string
	for _, li := range p.lanIntfs[vdom] {
		if li.role != "lan" {
			continue
		}
		pfx := netip.MustParsePrefix(li.cidr).Masked().String()
		add(addrRow(f, vdom, netName(li), "subnet", netMask(pfx), "associated-interface", li.name,
			"comment", li.alias+" subnet"))
		if li.alias != "guest" {
			internal = append(internal, netName(li))
		}
	}
	if len(internal) > 0 {
		*grps = append(*grps, grpRow(f, vdom, "internal-nets", "Trusted internal subnets", internal...))
	}
	if vdom == f.mgmtVDOM {
		for _, li := range p.lanIntfs[vdom] {
			switch li.alias {
			case "servers":
				add(addrRow(f, vdom, "srv-dc-01", "subnet", hostIn(li.cidr, 10)+" 255.255.255.255", "comment", "Domain controller"))
				add(addrRow(f, vdom, "srv-file-01", "subnet", hostIn(li.cidr, 11)+" 255.255.255.255", "comment", "File server"))
			case "DMZ":
				add(addrRow(f, vdom, "dmz-net", "subnet", netMask(netip.MustParsePrefix(li.cidr).Masked().String()),
					"associated-interface", li.name, "comment", "DMZ subnet"))
				add(addrRow(f, vdom, "srv-web-01", "subnet", hostIn(li.cidr, 10)+" 255.255.255.255", "comment", "DMZ web"))
				add(addrRow(f, vdom, "srv-mail-01", "subnet", hostIn(li.cidr, 25)+" 255.255.255.255", "comment", "DMZ mail relay"))
				*grps = append(*grps, grpRow(f, vdom, "dmz-servers", "Published servers", "srv-web-01", "srv-mail-01"))
			}
		}
	}
	for _, t := range f.tunnelsIn(vdom) {
		local := t.Name + "_local_subnet_1"
		add(addrRow(f, vdom, local, "subnet", netMask(f.dev.LAN), "comment", "VPN: "+t.Name+" (Created by VPN wizard)"))
		*grps = append(*grps, grpRow(f, vdom, t.Name+"_local", "VPN: "+t.Name+" (Created by VPN wizard)", local))
		var remote []string
		for i, peer := range t.Peers {
			name := fmt.Sprintf("%s_remote_subnet_%d", t.Name, i+1)
			if t.Dialup {
				name = "spk-" + peerLabel(peer.Name)
			}
			add(addrRow(f, vdom, name, "subnet", netMask(peer.Subnet), "comment", "VPN: "+peer.Name))
			remote = append(remote, name)
		}
		if len(remote) > 0 {
			*grps = append(*grps, grpRow(f, vdom, t.Name+"_remote", "VPN: "+t.Name+" (Created by VPN wizard)", remote...))
		}
	}
	add(addrRow(f, vdom, "geo-RU", "type", "geography", "country", "RU", "subnet", "0.0.0.0 0.0.0.0"))
	add(addrRow(f, vdom, "geo-KP", "type", "geography", "country", "KP", "subnet", "0.0.0.0 0.0.0.0"))
	add(addrRow(f, vdom, "geo-IR", "type", "geography", "country", "IR", "subnet", "0.0.0.0 0.0.0.0"))
	*grps = append(*grps, grpRow(f, vdom, "blocked-countries", "Geo-IP block list", "geo-IR", "geo-KP", "geo-RU"))
}

// policy is the generator's compact form of a firewall policy.
type policy struct {
	name, action          string
	src, dst              []string // interfaces
	srcaddr, dstaddr, svc []string
	nat, utm, disabled    bool
	webfilter, comments   string
	log                   string
}

func seedPolicies(f *fortiOS, p *sitePlan, vdom string) {
	d := f.dev
	wan := p.vdomWAN[vdom].intf
	lans := p.lanIntfs[vdom]
	var trusted []string
	var guest, voice, servers, dmz *lanIntf
	for i := range lans {
		switch li := &lans[i]; li.alias {
		case "guest":
			guest = li
		case "voice":
			voice = li
			trusted = append(trusted, li.name)
		case "servers":
			servers = li
			trusted = append(trusted, li.name)
		case "DMZ":
			dmz = li
		default:
			trusted = append(trusted, li.name)
		}
	}
	var list []policy
	list = append(list, policy{name: "Block-Countries-In", action: "deny", src: []string{wan}, dst: []string{"any"},
		srcaddr: []string{"blocked-countries"}, dstaddr: []string{"all"}, svc: []string{"ALL"}, log: "all",
		comments: "Drop traffic from blocked countries"})
	if len(trusted) > 0 {
		list = append(list, policy{name: "LAN-to-Internet", action: "accept", src: trusted, dst: []string{wan},
			srcaddr: []string{"internal-nets"}, dstaddr: []string{"all"}, svc: []string{"ALL"}, nat: true, utm: true,
			log: "all", comments: "General user egress"})
	}
	if guest != nil {
		list = append(list, policy{name: "Guest-to-Internet", action: "accept", src: []string{guest.name}, dst: []string{wan},
			srcaddr: []string{netName(*guest)}, dstaddr: []string{"all"}, svc: []string{"HTTP", "HTTPS", "DNS"},
			nat: true, utm: true, webfilter: "default", log: "utm", comments: "Guest Wi-Fi, web only"})
	}
	if voice != nil {
		list = append(list, policy{name: "Voice-to-Provider", action: "accept", src: []string{voice.name}, dst: []string{wan},
			srcaddr: []string{netName(*voice)}, dstaddr: []string{"all"}, svc: []string{"SIP", "DNS", "NTP"},
			nat: true, log: "all", comments: "SIP trunk"})
	}
	if servers != nil {
		list = append(list, policy{name: "Servers-Updates", action: "accept", src: []string{servers.name}, dst: []string{wan},
			srcaddr: []string{netName(*servers)}, dstaddr: []string{"all"}, svc: []string{"HTTP", "HTTPS", "DNS", "NTP"},
			nat: true, utm: true, log: "all", comments: "Patch and AV updates"})
	}
	if dmz != nil && len(trusted) > 0 {
		list = append(list, policy{name: "LAN-to-DMZ", action: "accept", src: trusted, dst: []string{dmz.name},
			srcaddr: []string{"internal-nets"}, dstaddr: []string{"dmz-servers"}, svc: []string{"HTTP", "HTTPS", "SMTP"},
			utm: true, log: "all"})
	}
	for _, t := range f.tunnelsIn(vdom) {
		if len(t.Peers) == 0 || len(trusted) == 0 {
			continue
		}
		list = append(list,
			policy{name: "vpn_" + t.Name + "_local", action: "accept", src: trusted, dst: []string{t.Name},
				srcaddr: []string{t.Name + "_local"}, dstaddr: []string{t.Name + "_remote"}, svc: []string{"ALL"},
				log: "all", comments: "VPN: " + t.Name + " (Created by VPN wizard)"},
			policy{name: "vpn_" + t.Name + "_remote", action: "accept", src: []string{t.Name}, dst: trusted,
				srcaddr: []string{t.Name + "_remote"}, dstaddr: []string{t.Name + "_local"}, svc: []string{"ALL"},
				log: "all", comments: "VPN: " + t.Name + " (Created by VPN wizard)"})
	}
	if len(trusted) > 0 {
		if chance(25, "anyany", d.SN, vdom) {
			// A risky leftover for analysts to find.
			list = append(list, policy{name: "TEMP-any-any", action: "accept", src: []string{"any"}, dst: []string{"any"},
				srcaddr: []string{"all"}, dstaddr: []string{"all"}, svc: []string{"ALL"}, log: "disable",
				comments: "TEMP - remove after migration"})
		}
		list = append(list, policy{name: "Legacy-Telnet", action: "accept", src: trusted, dst: []string{wan},
			srcaddr: []string{"internal-nets"}, dstaddr: []string{"all"}, svc: []string{"TELNET"}, disabled: true,
			log: "utm", comments: "Old router management; disabled"})
	}

	rows := f.tables[vdom][policySpec.key]
	id := int64(0)
	for _, pol := range list {
		id += 1 + between(0, 2, "gap", d.SN, vdom, pol.name)
		r := policySpec.template(f)
		uuid := detUUID(d.SN, vdom, "policy", strconv.FormatInt(id, 10))
		r.set("policyid", id)
		r.set("q_origin_key", id)
		r.set("name", pol.name)
		r.set("uuid", uuid)
		if r.has("uuid-idx") {
			f.uuidIdx++
			r.set("uuid-idx", f.uuidIdx)
		}
		if pol.disabled {
			r.set("status", "disable")
		} else {
			f.seeded[uuid] = true
		}
		r.set("srcintf", refs(pol.src...))
		r.set("dstintf", refs(pol.dst...))
		r.set("action", pol.action)
		r.set("srcaddr", refs(pol.srcaddr...))
		r.set("dstaddr", refs(pol.dstaddr...))
		r.set("service", refs(pol.svc...))
		if pol.utm {
			r.set("utm-status", "enable")
			r.set("ssl-ssh-profile", "certificate-inspection")
			r.set("av-profile", "default")
			r.set("webfilter-profile", "default")
			r.set("ips-sensor", "default")
			r.set("application-list", "default")
		}
		if pol.webfilter != "" {
			r.set("webfilter-profile", pol.webfilter)
		}
		if pol.nat {
			r.set("nat", "enable")
		}
		if pol.log != "" {
			r.set("logtraffic", pol.log)
		}
		r.set("comments", pol.comments)
		*rows = append(*rows, r)
	}
}

func routeRow(f *fortiOS, seq int64, kv ...any) object {
	r := staticSpec.template(f)
	r.set("seq-num", seq)
	r.set("q_origin_key", seq)
	for i := 0; i+1 < len(kv); i += 2 {
		r.set(kv[i].(string), kv[i+1])
	}
	return r
}

func seedRoutes(f *fortiOS, p *sitePlan, vdom string) {
	rows := f.tables[vdom][staticSpec.key]
	leg := p.vdomWAN[vdom]
	seq := int64(1)
	*rows = append(*rows, routeRow(f, seq, "gateway", leg.gw, "device", leg.intf, "comment", "default"))
	spoke := false
	for _, t := range f.tunnelsIn(vdom) {
		if t.Dialup {
			continue // dial-up clients' routes are added dynamically (add-route)
		}
		spoke = true
		for _, peer := range t.Peers {
			seq++
			*rows = append(*rows, routeRow(f, seq, "dst", netMask(peer.Subnet), "device", t.Name,
				"comment", "to "+peer.Name))
		}
	}
	if spoke {
		// Keeps private traffic off the Internet when a tunnel drops.
		for _, dst := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} {
			seq++
			*rows = append(*rows, routeRow(f, seq, "dst", netMask(dst), "distance", int64(254), "blackhole", "enable",
				"comment", "RFC1918 blackhole"))
		}
	}
}

func seedPhase1(f *fortiOS, p *sitePlan, vdom string) {
	rows := f.tables[vdom][phase1Spec.key]
	for _, t := range f.tunnelsIn(vdom) {
		r := phase1Spec.template(f)
		r.set("name", t.Name)
		r.set("q_origin_key", t.Name)
		r.set("interface", p.vdomWAN[vdom].intf)
		r.set("proposal", "aes256gcm-prfsha384 aes256-sha256")
		r.set("dhgrp", "20 14")
		r.set("psksecret", encSecret(f.dev.SN, "psk", t.Name))
		if t.Dialup {
			r.set("type", "dynamic")
			r.set("peertype", "any")
			r.set("add-route", "enable")
			r.set("comments", fmt.Sprintf("Dial-up hub for %d spokes", len(t.Peers)))
		} else if len(t.Peers) > 0 {
			r.set("remote-gw", t.Peers[0].Gateway)
			r.set("add-route", "disable")
			r.set("comments", t.Peers[0].Name)
		}
		*rows = append(*rows, r)
	}
}

func seedAdmins(f *fortiOS, p *sitePlan) {
	d := f.dev
	rows := f.tables[""][adminSpec.key]
	admin := func(name, profile string, kv ...any) {
		r := adminSpec.template(f)
		r.set("name", name)
		r.set("q_origin_key", name)
		r.set("accprofile", profile)
		r.set("vdom", refs(d.VDOMs...))
		for i := 0; i+1 < len(kv); i += 2 {
			r.set(kv[i].(string), kv[i+1])
		}
		*rows = append(*rows, r)
	}
	lan := netMask(d.LAN)
	twoFactor := []any{}
	if p.size != "desktop" {
		twoFactor = []any{"two-factor", "fortitoken", "fortitoken", fmt.Sprintf("FTKMOB%010d", between(1, 9999999999, "ftk", d.SN))}
	}
	admin("admin", "super_admin", append([]any{"password", encSecret(d.SN, "admin", "password"),
		"trusthost1", lan, "trusthost2", "192.168.1.0 255.255.255.0", "comments", "Break-glass account"}, twoFactor...)...)
	admin("noc-readonly", "super_admin_readonly", "remote-auth", "enable", "remote-group", "NOC-Operators",
		"password", "ENC XXXX", "trusthost1", lan, "comments", "NOC via RADIUS")
	if p.size != "desktop" {
		admin("svc-backup", "prof_admin", "password", encSecret(d.SN, "svc-backup", "password"),
			"ssh-public-key1", encSecret(d.SN, "svc-backup", "ssh"), "trusthost1", "10.0.0.0 255.0.0.0",
			"comments", "Config backup job (SSH key)")
	}
}

// fortiOSTimezone maps a UTC offset to FortiOS's timezone index (the
// zero-padded string of fortios-and-faz-data.md §2.18; one representative
// zone per offset [inf]).
var fortiOSTimezone = map[float64]string{
	-10: "02", -9: "03", -8: "04", -7: "06", -6: "08", -5: "12", -4: "14", -3: "18", 0: "25", 1: "28",
	2: "31", 3: "38", 4: "42", 5: "46", 5.5: "47", 7: "53", 8: "57", 9: "60", 9.5: "62", 10: "65", 12: "71",
}

func seedGlobal(f *fortiOS) {
	d := f.dev
	tz := fortiOSTimezone[d.TimeZone]
	if tz == "" {
		tz = "25"
	}
	mode := "no-vdom"
	if len(d.VDOMs) > 1 {
		mode = "multi-vdom"
	}
	sport := int64(443)
	if chance(30, "sport", d.SN) {
		sport = 8443 // moved off 443 to free it for SSL-VPN
	}
	f.sysGlob = obj("hostname", d.Hostname, "alias", d.Hostname, "timezone", tz, "language", "english",
		"admintimeout", between(5, 30, "timeout", d.SN), "admin-sport", sport, "admin-port", int64(80),
		"admin-https-redirect", "enable", "admin-ssh-port", int64(22), "admin-lockout-threshold", int64(3),
		"admin-lockout-duration", int64(60), "strong-crypto", "enable", "ssl-min-proto-version", "TLSv1-2",
		"management-vdom", f.mgmtVDOM, "vdom-mode", mode, "gui-theme", "neutrino", "switch-controller", "disable",
		"revision-backup-on-logout", "disable", "ssh-hostkey-password", "")
}
