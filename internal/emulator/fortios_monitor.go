package emulator

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FortiOS monitor endpoints (fortios-and-faz-data.md §2.1–§2.12). Results are
// computed from the device's live configuration (interfaces, policies,
// tunnels) and from counters that grow with the emulator's clock, so every
// endpoint agrees with the others and with cmdb.

type monCtx struct {
	f    *fortiOS
	vdom string
	q    url.Values
	now  time.Time
	live map[string]bool // peer public IP → FortiGate Cloud tunnel alive
}

type monitorFunc func(c *monCtx) (any, *fosError)

var monitorEndpoints = map[string]monitorFunc{
	"system/status":                          monSystemStatus,
	"system/resource/usage":                  monResourceUsage,
	"system/interface":                       monInterface,
	"system/ha-peer":                         monHAPeer,
	"system/ha-checksums":                    monHAChecksums,
	"system/ha-statistics":                   monHAStatistics,
	"license/status":                         monLicense,
	"router/ipv4":                            monRouterIPv4,
	"vpn/ipsec":                              monIPsec,
	"firewall/policy":                        monFirewallPolicy,
	"fortiguard/service-communication-stats": monFortiGuardStats,
	"system/firmware":                        monFirmware,
	"user/firewall":                          monUserFirewall,
	"user/banned":                            monUserBanned,
	"log/current-disk-usage":                 monDiskUsage,
	"system/time":                            monSystemTime,
}

func badParam(name, val string) *fosError {
	return &fosError{status: 400, cli: fmt.Sprintf("Invalid value for %s: %s", name, val)}
}

// monSystemStatus: §2.1. FortiOS 6.0–6.2 answered with an empty object.
func monSystemStatus(c *monCtx) (any, *fosError) {
	d := c.f.dev
	if !d.versionAtLeast(6, 4) {
		return object{}, nil
	}
	disk := "not_available"
	if c.f.spec.disk {
		disk = "available"
	}
	return obj("model_name", "FortiGate", "model_number", c.f.spec.number, "model", c.f.spec.platform,
		"hostname", c.f.sysGlob.str("hostname"), "log_disk_status", disk), nil
}

// usageKeys are the resource/usage keys: 6.x had the first ten, 7.6.6 all
// of them (§2.2); 7.0–7.4 are given the full set [inf].
var usageKeys = []string{"cpu", "mem", "disk", "session", "session6", "setuprate", "setuprate6", "disk_lograte",
	"faz_lograte", "forticloud_lograte", "faz_cloud_lograte", "gtp_tunnel", "gtp_tunnel_setup_rate", "npu_session",
	"npu_session6", "nturbo_session", "nturbo_session6", "hw_session", "hw_session6"}

// usageIntervals: name, number of samples, spacing [inf: counts are not documented].
var usageIntervals = []struct {
	name string
	n    int
	step time.Duration
}{
	{"1-min", 20, 3 * time.Second}, {"10-min", 20, 30 * time.Second}, {"30-min", 20, 90 * time.Second},
	{"1-hour", 20, 3 * time.Minute}, {"12-hour", 24, 30 * time.Minute}, {"24-hour", 24, time.Hour},
}

// usageLevel gives a metric's base and swing for a device.
func (c *monCtx) usageLevel(key string) (base, swing int64, percent bool) {
	d, s := c.f.dev, c.f.spec
	sn := d.SN + "/" + c.vdom
	switch key {
	case "cpu":
		return between(3, 35, "cpu", sn), 8, true
	case "mem":
		return between(38, 72, "mem", sn), 2, true
	case "disk":
		if !s.disk {
			return 0, 0, true
		}
		return between(2, 40, "disk", sn), 0, true
	case "session":
		b := s.sessions * between(20, 90, "sess", sn) / 100
		return b, b / 10, false
	case "session6":
		return between(0, 120, "sess6", sn), 10, false
	case "setuprate":
		return between(10, 400, "rate", sn), 30, false
	case "setuprate6":
		return between(0, 5, "rate6", sn), 2, false
	case "disk_lograte":
		if !s.disk {
			return 0, 0, false
		}
		return between(0, 40, "dlog", sn), 5, false
	case "faz_lograte", "forticloud_lograte":
		return between(0, 60, key, sn), 6, false
	case "npu_session", "hw_session":
		if s.vm {
			return 0, 0, false
		}
		b := s.sessions * between(10, 60, "npu", sn) / 100
		return b, b / 10, false
	case "npu_session6", "hw_session6":
		if s.vm {
			return 0, 0, false
		}
		return between(0, 50, "npu6", sn), 5, false
	}
	return 0, 0, false
}

func (c *monCtx) sample(key string, base, swing int64, percent bool, slot int64) int64 {
	v := base
	if swing > 0 {
		v += int64(hash64("sample", c.f.dev.SN, c.vdom, key, strconv.FormatInt(slot, 10))%uint64(2*swing+1)) - swing
	}
	if v < 0 {
		v = 0
	}
	if percent && v > 100 {
		v = 100
	}
	return v
}

// monResourceUsage: §2.2. Each key is an array with one element
// {"current","historical"}; history values are [[epoch ms, value], ...],
// newest first.
func monResourceUsage(c *monCtx) (any, *fosError) {
	keys := usageKeys
	if !c.f.dev.versionAtLeast(7, 0) {
		keys = usageKeys[:10]
	}
	if r := c.q.Get("resource"); r != "" {
		if !slices.Contains(keys, r) {
			return nil, badParam("resource", r)
		}
		keys = []string{r}
	}
	intervals := usageIntervals
	if iv := c.q.Get("interval"); iv != "" {
		intervals = nil
		for _, x := range usageIntervals {
			if x.name == iv {
				intervals = append(intervals, x)
			}
		}
		if intervals == nil {
			return nil, badParam("interval", iv)
		}
	}
	out := object{}
	for _, k := range keys {
		base, swing, pct := c.usageLevel(k)
		cur := c.sample(k, base, swing, pct, c.now.Unix()/3)
		hist := object{}
		for _, iv := range intervals {
			step := int64(iv.step / time.Second)
			slot := c.now.Unix() / step
			values := make([][2]int64, 0, iv.n)
			var sum, lo, hi int64
			for i := 0; i < iv.n; i++ {
				s := slot - int64(i)
				v := c.sample(k, base, swing, pct, s*step/3)
				values = append(values, [2]int64{s * step * 1000, v})
				sum += v
				if i == 0 || v < lo {
					lo = v
				}
				if v > hi {
					hi = v
				}
			}
			avg := sum / int64(iv.n)
			hist = append(hist, field{iv.name, obj("start", values[len(values)-1][0], "end", values[0][0],
				"min", lo, "max", hi, "min_avg", (lo+avg)/2, "max_avg", (hi+avg)/2, "average", avg, "values", values)})
		}
		out = append(out, field{k, []object{obj("current", cur, "historical", hist)}})
	}
	return out, nil
}

// interfacesIn returns the interface rows a VDOM sees (all with scope=global).
func (c *monCtx) interfacesIn(all bool) []object {
	var out []object
	for _, r := range *c.f.tables[""][interfaceSpec.key] {
		if all || r.str("vdom") == c.vdom {
			out = append(out, r)
		}
	}
	return out
}

// linkUp decides whether an interface has carrier: admin up, and either
// addressed or a WAN; a second WAN is unplugged on some sites [inf].
func (c *monCtx) linkUp(r object) bool {
	if r.str("status") != "up" {
		return false
	}
	name := r.str("name")
	if r.str("role") == "wan" && r.str("mode") == "dhcp" {
		return chance(80, "wan2link", c.f.dev.SN, name)
	}
	ip, _, _ := parseIPMask(r.str("ip"))
	return r.str("type") == "hard-switch" || (ip.IsValid() && !ip.IsUnspecified())
}

// monInterface: §2.3, a map keyed by interface name; tunnels are left out.
func monInterface(c *monCtx) (any, *fosError) {
	want := c.q.Get("interface_name")
	out := object{}
	boot := c.f.dev.bootTime()
	for _, r := range c.interfacesIn(c.q.Get("scope") == "global") {
		t := r.str("type")
		name := r.str("name")
		if t == "tunnel" || t == "loopback" || (want != "" && name != want) {
			continue
		}
		link := c.linkUp(r)
		ipStr, bits := "0.0.0.0", 0
		if a, b, ok := parseIPMask(r.str("ip")); ok {
			ipStr, bits = a.String(), b
		}
		if r.str("mode") == "dhcp" && link {
			ipStr, bits = fmt.Sprintf("100.%d.%d.%d", 64+between(0, 63, "dhcp", c.f.dev.SN), between(0, 255, "dhcp2", c.f.dev.SN), between(2, 254, "dhcp3", c.f.dev.SN)), 22
		}
		speed, duplex := int64(0), int64(0)
		var rate int64
		if link {
			speed, duplex = 1000, 1
			if strings.HasPrefix(name, "x") || c.f.spec.vm {
				speed = 10000
			}
			rate = between(20_000_000, 4_000_000_000, "rate", c.f.dev.SN, name)
			if r.str("role") == "wan" {
				rate *= 3
			}
		}
		rxB := growing(c.now, boot, between(1e6, 1e9, "rxb", c.f.dev.SN, name), rate)
		txB := growing(c.now, boot, between(1e6, 1e9, "txb", c.f.dev.SN, name), rate*between(15, 60, "ratio", c.f.dev.SN, name)/100)
		e := obj("id", name, "name", name, "alias", r.str("alias"), "mac", r.str("macaddr"), "ip", ipStr, "mask", int64(bits),
			"link", link, "speed", speed, "duplex", duplex,
			"tx_packets", txB/700, "rx_packets", rxB/900, "tx_bytes", txB, "rx_bytes", rxB,
			"tx_errors", int64(0), "rx_errors", between(0, 3, "rxerr", c.f.dev.SN, name)*int64(boolInt(link)))
		if t == "vlan" {
			e = append(e, obj("vlanid", mustGet(r, "vlanid"), "interface", r.str("interface"))...)
		}
		out = append(out, field{name, e})
	}
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// haMembers returns the cluster members, primary first; nil when standalone.
func (c *monCtx) haMembers() []struct{ sn, host string } {
	d := c.f.dev
	if d.HAPeerSN == "" {
		return nil
	}
	host := c.f.sysGlob.str("hostname")
	peer := host + "-b"
	if strings.HasSuffix(host, "1") {
		peer = host[:len(host)-1] + "2"
	}
	return []struct{ sn, host string }{{d.SN, host}, {d.HAPeerSN, peer}}
}

// monHAPeer: §2.4; [] on a standalone unit.
func monHAPeer(c *monCtx) (any, *fosError) {
	out := []object{}
	for i, m := range c.haMembers() {
		if sn := c.q.Get("serial_no"); sn != "" && sn != m.sn {
			continue
		}
		out = append(out, obj("serial_no", m.sn, "vcluster_id", int64(0), "priority", int64(200-100*i),
			"hostname", m.host, "master", i == 0, "primary", i == 0))
	}
	return out, nil
}

// monHAChecksums: §2.4; members in sync share the checksums.
func monHAChecksums(c *monCtx) (any, *fosError) {
	out := []object{}
	f := c.f
	for i, m := range c.haMembers() {
		sum := obj("global", md5hex("global", f.dev.SN, f.revision[f.mgmtVDOM]))
		for _, v := range f.dev.VDOMs {
			sum.set(v, md5hex("vdom", f.dev.SN, v, f.revision[v]))
		}
		sum.set("all", md5hex("all", f.dev.SN, fmt.Sprint(f.revSeq)))
		e := obj("is_manage_master", int64(1-i), "is_root_master", int64(1-i))
		if f.dev.versionAtLeast(7, 0) {
			e = append(e, obj("is_manage_primary", i == 0, "is_root_primary", i == 0)...)
		}
		e = append(e, obj("serial_no", m.sn, "checksum", sum)...)
		out = append(out, e)
	}
	return out, nil
}

// monHAStatistics: §2.4.
func monHAStatistics(c *monCtx) (any, *fosError) {
	out := []object{}
	boot := c.f.dev.bootTime()
	for i, m := range c.haMembers() {
		sn := m.sn
		busy := int64(1)
		if i == 1 {
			busy = 0 // the secondary carries no traffic in active-passive
		}
		out = append(out, obj("hostname", m.host, "serial_no", sn, "tnow", c.now.Unix(),
			"sessions", busy*c.f.spec.sessions*between(20, 60, "has", sn)/100,
			"tpacket", growing(c.now, boot, 0, busy*between(1e6, 1e8, "hap", sn)),
			"vir_usage", busy*between(1, 40, "hav", sn), "net_usage", busy*between(1, 30, "han", sn),
			"tbyte", growing(c.now, boot, 0, busy*between(1e9, 1e11, "hab", sn)),
			"intr_usage", busy*between(0, 5, "hai", sn), "cpu_usage", between(1, 30, "hac", sn),
			"mem_usage", between(35, 70, "ham", sn)))
	}
	return out, nil
}

// contractEnd is the device's support end, epoch seconds. contractEndTime
// is taken as epoch milliseconds when set [inf]; otherwise a date 4–30
// months after refEpoch.
func (c *monCtx) contractEnd() int64 {
	d := c.f.dev
	if d.ContractEndTime > 0 {
		return d.ContractEndTime / 1000
	}
	return refEpoch.Add(time.Duration(between(120, 900, "contract", d.SN)) * 24 * time.Hour).Unix()
}

// monLicense: §2.5, keyed by service. Trial units have no FortiGuard
// subscriptions; the rest hold a bundle until the contract end.
func monLicense(c *monCtx) (any, *fosError) {
	d, s := c.f.dev, c.f.spec
	exp := c.contractEnd()
	lic := "licensed"
	if d.Trial {
		lic = "no_license"
	} else if exp < c.now.Unix() {
		lic = "expired"
	}
	day := int64(86400)
	lastUpd := c.now.Unix()/3600*3600 - between(0, 6, "upd", d.SN)*3600
	fds := func(entitlement, version string) object {
		o := obj("type", "downloaded_fds_object", "status", lic)
		if lic != "no_license" {
			o = append(o, obj("version", version, "expires", exp, "entitlement", entitlement, "last_update", lastUpd)...)
		}
		return o
	}
	live := func(entitlement string) object {
		o := obj("type", "live_fortiguard_service", "status", lic)
		if lic != "no_license" {
			o = append(o, obj("expires", exp, "entitlement", entitlement)...)
		}
		return o
	}
	forticare := obj("type", "cloud_service_status", "status", "registered", "registration_status", "registered",
		"registration_supported", true, "account", "netops@example.com", "company", "Example Retail Group")
	if !d.Trial {
		forticare.set("support", obj(
			"hardware", obj("status", lic, "support_level", "Advanced HW", "expires", exp),
			"enhanced", obj("status", lic, "support_level", "24x7", "expires", exp)))
	}
	av := fds("AVDB", fmt.Sprintf("92.%05d", between(100, 9999, "avdb", strconv.FormatInt(lastUpd/86400, 10))))
	if lic != "no_license" {
		av = append(av, obj("last_update_attempt", c.now.Unix()/600*600, "last_update_result_status", "update_result_no_updates",
			"last_update_method_status", "update_method_sched", "db_status", "db_type_extended",
			"engine", obj("version", "7.00030", "last_update", refEpoch.Unix()-40*day))...)
	}
	fg := obj("type", "cloud_service_status", "connected", !d.Trial, "has_updated", !d.Trial,
		"server_address", "globalupdate.fortinet.net", "fortigate_wan_ip", d.IP)
	if d.versionAtLeast(7, 6) {
		fg = obj("type", "cloud_service_status", "supported", true, "connected", !d.Trial, "has_connected", !d.Trial,
			"connection_issue", "", "last_connection_success", lastUpd)
	}
	out := obj(
		"forticare", forticare,
		"fortiguard", fg,
		"antivirus", av,
		"ips", fds("NIDS", fmt.Sprintf("29.%05d", between(100, 999, "ips", d.SN))),
		"appctrl", fds("APDB", fmt.Sprintf("29.%05d", between(100, 999, "app", d.SN))),
		"industrial_db", fds("ISDB", "29.00712"),
		"internet_service_db", fds("FFDB", fmt.Sprintf("7.%05d", between(3000, 3999, "isdb", d.SN))),
		"device_os_id", fds("FDOS", "1.00075"),
		"botnet_domain", fds("FBDP", fmt.Sprintf("3.%05d", between(500, 999, "bot", d.SN))),
		"malicious_urls", fds("FMWR", "4.00530"),
		"blacklisted_certificates", fds("FCRT", "1.00107"),
		"outbreak_prevention", live("FOPS"),
		"web_filtering", append(live("FURL"), obj("category_list_version", int64(10), "running", lic == "licensed")...),
		"antispam", live("SPAM"),
		"security_rating", live("FSFR"),
		"forticloud", obj("type", "cloud_service_status", "status", "cloud_logged_in"),
		"forticloud_logging", obj("type", "live_cloud_service", "status", "free_license",
			"used_bytes", growing(c.now, refEpoch, between(1e8, 2e9, "fcl", d.SN), 2_000_000), "max_bytes", int64(3298534883328),
			"log_retention_days", int64(7)),
		"forticloud_sandbox", obj("type", "live_cloud_service", "status", "free_license"),
		"fortianalyzer_cloud", obj("type", "live_cloud_service", "status", lic),
		"fortimanager_cloud", obj("type", "live_cloud_service", "status", "no_license"),
	)
	if s.vm {
		out.set("vm", obj("type", "platform", "valid", true, "status", "vm_valid", "license_model", "byol",
			"license_platform_name", "FGVM"+fmt.Sprintf("%02d", s.cpus), "expires", exp,
			"cpu_used", int64(s.cpus), "cpu_max", int64(s.cpus), "mem_used", s.memMB*1024*1024, "mem_max", s.memMB*1024*1024))
	}
	out.set("vdom", obj("type", "platform", "can_upgrade", false, "used", int64(len(d.VDOMs)), "max", int64(s.vdomMax)))
	out.set("sms", obj("type", "other", "status", "no_license", "used", int64(0), "max", int64(0)))
	return out, nil
}

// tunnelUp tells whether a configured peer's tunnel is up: not forced down,
// and, when the peer is an emulated device, its FortiGate Cloud tunnel alive.
func (c *monCtx) tunnelUp(p VPNPeer) bool {
	if p.Down {
		return false
	}
	alive, known := c.live[p.Gateway]
	return !known || alive
}

// runtimePeers returns the configured peers of a phase-1 interface, if the
// device's seed defines them; tunnels added through cmdb have none.
func (c *monCtx) runtimePeers(name string) (VPNTunnel, bool) {
	for _, t := range c.f.tunnelsIn(c.vdom) {
		if t.Name == name {
			return t, true
		}
	}
	return VPNTunnel{}, false
}

// monRouterIPv4: §2.6, the active routing table of the VDOM.
func monRouterIPv4(c *monCtx) (any, *fosError) {
	var out []object
	route := func(typ, origin, mask string, dist, prio int64, gw, intf string, tunnel bool, parent string) {
		r := obj("ip_version", int64(4), "type", typ, "origin", origin, "ip_mask", mask, "distance", dist,
			"metric", int64(0), "priority", prio, "vrf", int64(0), "gateway", gw, "interface", intf, "is_tunnel_route", tunnel)
		if parent != "" {
			r = append(r, obj("tunnel_parent", parent, "install_date", c.f.dev.bootTime().Unix()+between(60, 86400, "inst", intf))...)
		}
		out = append(out, r)
	}
	ifUp := map[string]bool{}
	for _, r := range c.interfacesIn(false) {
		ifUp[r.str("name")] = c.linkUp(r)
	}
	for _, r := range c.f.tunnelsIn(c.vdom) {
		up := false
		for _, p := range r.Peers {
			up = up || c.tunnelUp(p)
		}
		ifUp[r.Name] = up
	}
	for _, r := range *c.f.tables[c.vdom][staticSpec.key] {
		if r.str("status") != "enable" {
			continue
		}
		a, bits, _ := parseIPMask(r.str("dst"))
		dst := netip.PrefixFrom(a, bits).Masked().String()
		dist, _ := toInt(mustGet(r, "distance"))
		prio, _ := toInt(mustGet(r, "priority"))
		if r.str("blackhole") == "enable" {
			route("static", "unspecified", dst, dist, prio, "0.0.0.0", "Null", false, "")
			continue
		}
		dev := r.str("device")
		if !ifUp[dev] {
			continue // routes over a down interface are not installed
		}
		gw := r.str("gateway")
		if t, ok := c.runtimePeers(dev); ok && len(t.Peers) > 0 {
			route("static", "unspecified", dst, dist, prio, t.Peers[0].Gateway, dev, true, "")
			continue
		}
		route("static", "unspecified", dst, dist, prio, gw, dev, false, "")
	}
	for _, r := range c.interfacesIn(false) {
		if r.str("mode") == "dhcp" && r.str("role") == "wan" && c.linkUp(r) {
			d, _ := toInt(mustGet(r, "distance"))
			route("static", "dhcp", "0.0.0.0/0", d, 1, fmt.Sprintf("100.%d.%d.1", 64+between(0, 63, "dhcp", c.f.dev.SN),
				between(0, 255, "dhcp2", c.f.dev.SN)), r.str("name"), false, "")
		}
	}
	for _, r := range c.interfacesIn(false) {
		a, bits, ok := parseIPMask(r.str("ip"))
		if !ok || a.IsUnspecified() || !c.linkUp(r) {
			continue
		}
		route("connect", "unspecified", netip.PrefixFrom(a, bits).Masked().String(), 0, 0, "0.0.0.0", r.str("name"), false, "")
	}
	for _, t := range c.f.tunnelsIn(c.vdom) {
		if !t.Dialup {
			continue
		}
		for i, p := range t.Peers {
			if c.tunnelUp(p) {
				route("static", "unspecified", p.Subnet, 15, 1, p.Gateway, fmt.Sprintf("%s_%d", t.Name, i), true, t.Name)
			}
		}
	}
	// Filters (§2: operator, ip_mask, gateway, type, interface).
	filtered := []object{}
	for _, r := range out {
		ok := true
		for _, k := range []string{"ip_mask", "gateway", "type", "interface"} {
			if v := c.q.Get(k); v != "" && r.str(k) != v {
				ok = false
			}
		}
		if ok {
			filtered = append(filtered, r)
		}
	}
	return filtered, nil
}

func slashMask(cidr string) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "0.0.0.0/0.0.0.0"
	}
	return p.Masked().Addr().String() + "/" + maskOf(p.Bits())
}

func selector(cidr string) []object {
	return []object{obj("subnet", slashMask(cidr), "port", int64(0), "protocol", int64(0), "protocol_name", "")}
}

// monIPsec: §2.7. Site-to-site tunnels appear under their name; a dial-up
// server appears as one instance per connected client ("HUB_0", parent "HUB").
func monIPsec(c *monCtx) (any, *fosError) {
	out := []object{}
	want := c.q.Get("tunnel")
	d := c.f.dev
	for _, p1 := range *c.f.tables[c.vdom][phase1Spec.key] {
		name := p1.str("name")
		t, seeded := c.runtimePeers(name)
		entry := func(inst string, peer VPNPeer, up bool, parent string, typ string) object {
			var in, outB, created int64
			if up {
				rate := between(1e6, 5e8, "vpnrate", d.SN, inst)
				in = growing(c.now, d.bootTime(), between(1e6, 1e9, "vpnin", d.SN, inst), rate)
				outB = growing(c.now, d.bootTime(), between(1e6, 1e9, "vpnout", d.SN, inst), rate/2)
				created = between(600, 86400*3, "vpnup", d.SN, inst)
			}
			status, count := "down", int64(0)
			if up {
				status, count = "up", 1
			}
			e := obj("name", inst, "comments", p1.str("comments"), "wizard-type", "custom", "type", typ,
				"rgwy", peer.Gateway, "rport", int64(500), "creation_time", created,
				"incoming_bytes", in, "outgoing_bytes", outB, "connection_count", count, "username", "",
				"tun_id", peer.Gateway, "tun_id6", "::")
			if parent != "" {
				e = append(e, field{"parent", parent})
			}
			e = append(e, obj("is_ocvpn", false, "proxyid", []object{obj("p2name", name, "p2serial", between(1, 9, "p2s", d.SN, inst),
				"status", status, "expire", between(600, 43000, "p2exp", d.SN, inst, strconv.FormatInt(c.now.Unix()/3600, 10))*int64(boolInt(up)),
				"incoming_bytes", in, "outgoing_bytes", outB,
				"proxy_src", selector(d.LAN), "proxy_dst", selector(peer.Subnet))})...)
			return e
		}
		if p1.str("type") == "dynamic" {
			if !seeded {
				continue // no client has dialled in
			}
			for i, p := range t.Peers {
				inst := fmt.Sprintf("%s_%d", name, i)
				if (want == "" || want == name || want == inst) && c.tunnelUp(p) {
					out = append(out, entry(inst, p, true, name, "dialup"))
				}
			}
			continue
		}
		if want != "" && want != name {
			continue
		}
		peer := VPNPeer{Gateway: p1.str("remote-gw"), Subnet: "0.0.0.0/0"}
		up := false
		if seeded && len(t.Peers) > 0 {
			peer = t.Peers[0]
			up = c.tunnelUp(peer)
		}
		out = append(out, entry(name, peer, up, "", "automatic"))
	}
	return out, nil
}

// policyTraffic gives a seeded policy's rates: hits per hour and bytes per
// hit, scaled to the model (a 60F is the baseline).
func (c *monCtx) policyTraffic(r object) (hitsPerHour, bytesPerHit int64, deny bool) {
	name := r.str("name")
	key := c.f.dev.SN + "/" + r.str("uuid")
	scale := func(n int64) int64 { return max(1, n*c.f.spec.sessions/9000) }
	switch {
	case r.str("action") == "deny":
		return scale(between(20, 600, "ph", key)), between(60, 200, "pb", key), true
	case strings.HasPrefix(name, "LAN-to-Internet"):
		return scale(between(800, 6000, "ph", key)), between(8_000, 40_000, "pb", key), false
	case strings.HasPrefix(name, "vpn_"):
		return scale(between(50, 1500, "ph", key)), between(4_000, 30_000, "pb", key), false
	case strings.HasPrefix(name, "TEMP"):
		return between(0, 12, "ph", key), between(500, 5000, "pb", key), false
	default:
		return scale(between(50, 2000, "ph", key)), between(3_000, 25_000, "pb", key), false
	}
}

// monFirewallPolicy: §2.8. Implicit deny (0) first; policies without
// traffic have no hit_count or last_used keys at all.
func monFirewallPolicy(c *monCtx) (any, *fosError) {
	if v := c.q.Get("ip_version"); v == "ipv6" {
		return []object{}, nil // no IPv6 policies are configured
	} else if v != "" && v != "ipv4" {
		return nil, badParam("ip_version", v)
	}
	wantID := int64(-1)
	if v := c.q.Get("policyid"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, badParam("policyid", v)
		}
		wantID = n
	}
	d := c.f.dev
	boot := d.bootTime()
	out := []object{}
	if wantID <= 0 {
		out = append(out, obj("policyid", int64(0), "active_sessions", int64(0), "bytes", int64(0), "packets", int64(0)))
	}
	for _, r := range *c.f.tables[c.vdom][policySpec.key] {
		id, _ := toInt(mustGet(r, "policyid"))
		if wantID >= 0 && id != wantID {
			continue
		}
		uuid := r.str("uuid")
		e := obj("policyid", id, "uuid", uuid, "uuid_type", "firewall.policy")
		if !c.f.seeded[uuid] || r.str("status") != "enable" {
			out = append(out, append(e, obj("active_sessions", int64(0), "bytes", int64(0), "packets", int64(0))...))
			continue
		}
		hph, bph, deny := c.policyTraffic(r)
		hits := growing(c.now, boot, 0, hph)
		if hits == 0 {
			out = append(out, append(e, obj("active_sessions", int64(0), "bytes", int64(0), "packets", int64(0))...))
			continue
		}
		bytes := hits * bph
		packets := bytes / 800
		var active int64
		if !deny {
			active = hph / 60 * between(1, 4, "act", d.SN, uuid)
		}
		asic := int64(0)
		if !c.f.spec.vm && !deny {
			asic = bytes * 9 / 10
		}
		first := boot.Unix() + between(60, 7200, "first", d.SN, uuid)
		last := c.now.Unix() - between(0, 90, "last", d.SN, uuid, strconv.FormatInt(c.now.Unix()/60, 10))
		if last < first {
			last = first
		}
		e = append(e, obj("active_sessions", active, "bytes", bytes, "packets", packets,
			"software_bytes", bytes-asic, "software_packets", (bytes-asic)/800, "asic_bytes", asic, "asic_packets", asic/800,
			"nturbo_bytes", int64(0), "nturbo_packets", int64(0), "hit_count", hits, "session_count", active,
			"first_used", first, "last_used", last, "session_first_used", first, "session_last_used", last)...)
		out = append(out, e)
	}
	return out, nil
}

// fortiGuardServices are the service_type values (§2.9).
var fortiGuardServices = []string{"forticare", "fortiguard_download", "fortiguard_query", "forticloud_log",
	"fortisandbox_cloud", "fortiguard.com", "ocvpn", "sdns", "fortitoken_registration", "sms_service"}

// monFortiGuardStats: §2.9; buckets of 12 (5 min), 24 (1 h) and 7 (1 day)
// [inf: the counts are not documented].
func monFortiGuardStats(c *monCtx) (any, *fosError) {
	services := fortiGuardServices
	if st := c.q.Get("service_type"); st != "" {
		if !slices.Contains(fortiGuardServices, st) {
			return nil, badParam("service_type", st)
		}
		services = []string{st}
	}
	slots := []struct {
		name string
		n    int
		step int64
	}{{"1_hour", 12, 300}, {"24_hour", 24, 3600}, {"1_week", 7, 86400}}
	if ts := c.q.Get("timeslot"); ts != "" {
		var keep = slots[:0:0]
		for _, s := range slots {
			if s.name == ts {
				keep = append(keep, s)
			}
		}
		if len(keep) == 0 {
			return nil, badParam("timeslot", ts)
		}
		slots = keep
	}
	per5 := map[string]int64{"forticare": 1, "fortiguard_download": 2, "fortiguard_query": 45, "forticloud_log": 30,
		"fortisandbox_cloud": 3, "fortiguard.com": 1, "ocvpn": 0, "sdns": 20, "fortitoken_registration": 0, "sms_service": 0}
	d := c.f.dev
	out := object{}
	for _, svc := range services {
		rate := per5[svc]
		if d.Trial && svc != "forticare" {
			rate = 0
		}
		o := object{}
		for _, s := range slots {
			vals := make([]int64, s.n)
			cur := c.now.Unix() / s.step
			for i := range vals {
				expected := rate * s.step / 300
				swing := expected/3 + 1
				if expected == 0 {
					swing = 0
				}
				v := expected + int64(hash64("fg", d.SN, svc, strconv.FormatInt(cur-int64(s.n-1-i), 10))%uint64(2*swing+1)) - swing
				if v < 0 {
					v = 0
				}
				vals[i] = v
			}
			o = append(o, field{s.name, vals})
		}
		out = append(out, field{svc, o})
	}
	return out, nil
}

// maturity: FortiOS marks the first patches of a branch Feature, later ones Mature.
func maturity(patch int) string {
	if patch <= 2 {
		return "F"
	}
	return "M"
}

// monFirmware: §2.10. Trial units get no images from FortiGuard [inf].
func monFirmware(c *monCtx) (any, *fosError) {
	d := c.f.dev
	ma, mi, pa := splitVersion(d.osVersion())
	cur := obj("name", "FortiOS", "id", "current", "version", "v"+d.osVersion(), "major", int64(ma), "minor", int64(mi),
		"patch", int64(pa), "build", int64(d.Build), "branch-point", int64(d.Build), "release-type", "GA",
		"maturity", maturity(pa), "source", "current", "platform-id", c.f.spec.platform)
	avail := []object{}
	if !d.Trial {
		for _, v := range newerFirmware(d.osVersion()) {
			a, b, p := splitVersion(v)
			build := fortiOSBuilds[v]
			avail = append(avail, obj("name", "FortiOS",
				"id", fmt.Sprintf("%02d%03d%03dFIMG%04d%03d", a, b, p, between(10, 9999, "img", c.f.spec.platform), build%1000),
				"version", "v"+v, "major", int64(a), "minor", int64(b), "patch", int64(p), "build", int64(build),
				"branch-point", int64(build), "release-type", "GA", "maturity", maturity(p),
				"notes", "https://docs.fortinet.com/document/fortigate/"+v+"/fortios-release-notes",
				"source", "fortiguard", "can_upgrade", true))
		}
	}
	return obj("current", cur, "available", avail), nil
}

var (
	fssoUsers  = []string{"jdoe", "asmith", "mchen", "lgarcia", "pnguyen", "rkhan", "emueller", "sdubois", "tkowalski", "hsato", "obrien", "aiyer", "fmartin", "kjohansson", "dsilva", "ywang", "nrossi", "bthompson", "cfernandez", "gpapadopoulos"}
	fssoGroups = []string{"Finance", "Sales", "Engineering", "Operations", "HR", "IT-Support", "Store-Staff"}
)

// monUserFirewall: §2.11, FSSO logons on sites that have FSSO.
func monUserFirewall(c *monCtx) (any, *fosError) {
	d := c.f.dev
	out := []object{}
	if !d.FSSO || c.vdom != c.f.mgmtVDOM {
		return out, nil
	}
	var lan *lanIntf
	plan := planSite(d, c.f.spec)
	for _, li := range plan.lanIntfs[c.vdom] {
		if li.alias == "users" || (lan == nil && li.alias == "LAN") {
			l := li
			lan = &l
		}
	}
	if lan == nil {
		return out, nil
	}
	var policyID int64
	for _, r := range *c.f.tables[c.vdom][policySpec.key] {
		if r.str("name") == "LAN-to-Internet" {
			policyID, _ = toInt(mustGet(r, "policyid"))
		}
	}
	hour := c.now.Unix() / 3600
	n := int(between(4, 14, "fssoN", d.SN, strconv.FormatInt(hour/8, 10)))
	for i := 0; i < n && i < len(fssoUsers); i++ {
		u := fssoUsers[(i+int(between(0, 19, "fssoOff", d.SN)))%len(fssoUsers)]
		grp := fssoGroups[hash64("grp", u)%uint64(len(fssoGroups))]
		login := hour*3600 - between(0, 8*3600, "login", d.SN, u, strconv.FormatInt(hour, 10))
		dur := c.now.Unix() - login
		ipv4 := hostIn(netip.MustParsePrefix(lan.cidr).Masked().String(), int(between(20, 240, "uip", d.SN, u)))
		if want := c.q.Get("ipv4"); want != "" && want != ipv4 {
			continue
		}
		out = append(out, obj("id", int64(i+1), "index", int64(i), "type", "auth_logon", "username", u, "server", "AD-CORP",
			"usergroup", []object{obj("type", "adgrp", "name", "CN="+grp+",OU=Groups,DC=example,DC=com")},
			"policyid", policyID, "duration_secs", dur, "auth_type", int64(1), "ipaddr", ipv4, "src_type", "ip4",
			"expiry_secs", max(int64(0), 28800-dur), "traffic_vol_bytes", dur*between(2000, 60000, "vol", d.SN, u), "method", "FSSO"))
	}
	return out, nil
}

// monUserBanned: §2.11, quarantined addresses on some devices.
func monUserBanned(c *monCtx) (any, *fosError) {
	d := c.f.dev
	out := []object{}
	if !chance(45, "banned", d.SN) || c.vdom != c.f.mgmtVDOM {
		return out, nil
	}
	hour := c.now.Unix() / 3600
	n := int(between(1, 4, "bannedN", d.SN, strconv.FormatInt(hour/6, 10)))
	sources := []string{"IPS", "DOS", "AV", "Administrative", "APP"}
	for i := 0; i < n; i++ {
		k := strconv.Itoa(i)
		created := hour*3600 - between(60, 3*3600, "bc", d.SN, k, strconv.FormatInt(hour, 10))
		src := sources[hash64("bsrc", d.SN, k)%uint64(len(sources))]
		ip := fmt.Sprintf("%s.%d", []string{"198.51.100", "203.0.113"}[i%2], between(2, 254, "bip", d.SN, k))
		e := obj("ip_address", ip, "source", src, "ipv6", int64(0), "created", created)
		if src != "Administrative" { // administrative bans are indefinite [inf]
			e = append(e, field{"expires", created + 3600*between(1, 24, "bexp", d.SN, k)})
		}
		out = append(out, e)
	}
	return out, nil
}

// monDiskUsage: §2.12. Units without a log disk report zero [inf].
func monDiskUsage(c *monCtx) (any, *fosError) {
	s := c.f.spec
	if !s.disk {
		return obj("used_bytes", int64(0), "free_bytes", int64(0), "total_bytes", int64(0)), nil
	}
	total := s.diskGB * 1_000_000_000 * 95 / 100
	used := growing(c.now, c.f.dev.bootTime(), total*between(2, 20, "du", c.f.dev.SN)/100, between(5e6, 2e8, "dr", c.f.dev.SN))
	if used > total*97/100 {
		used = total * 97 / 100 // log rolling keeps the disk below full
	}
	return obj("used_bytes", used, "free_bytes", total-used, "total_bytes", total), nil
}

// monSystemTime: §2.21 ({"time"}), epoch seconds [inf].
func monSystemTime(c *monCtx) (any, *fosError) {
	return obj("time", c.now.Unix()), nil
}
