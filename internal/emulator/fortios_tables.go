package emulator

import (
	"slices"
)

// cmdb table definitions: key attribute, scope, defaults (the attribute set and
// order a new row gets), enumerations, references and secrets. Attribute
// names, value forms and orders are those of fortios-and-faz-data.md §2.13–
// §2.20; which values are accepted where the reference is silent is [inf].

type tableSpec struct {
	key       string // "firewall/address": path "/" name, as in the URL
	mkey      string // primary key attribute
	intKey    bool   // numeric primary key (policyid, seq-num)
	autoKey   bool   // a missing or zero key is assigned (next free id)
	global    bool   // global scope: one table per device, not per VDOM
	singleton bool   // results is one object (system/global)
	maxKeyLen int    // longest accepted name; FortiOS answers -1 beyond it
	rename    bool   // PUT may change the key (references follow)
	template  func(f *fortiOS) object
	enums     map[string][]string
	// refs lists, per attribute, what the names in it must exist in: table
	// keys, or "@vdom", "@service", "@accprofile", "@any" (the literal "any").
	refs map[string][]string
	// tokens lists, per attribute, the words a space-separated value may use.
	tokens   map[string][]string
	ipmask   []string // attributes holding "address mask" values
	ipaddr   []string // attributes holding a bare IPv4 address
	secrets  []string // stored and shown as "ENC ..." (fortios-and-faz-data.md §1.8)
	required []string // must be non-empty after a create
	// check runs table-specific validation on a row about to be stored.
	check func(f *fortiOS, vdom string, row *object, create bool) *fosError
}

func (s *tableSpec) isSecret(attr string) bool { return slices.Contains(s.secrets, attr) }

var enable = []string{"enable", "disable"}

// Predefined names that cmdb rows may refer to but that the emulator does not
// model as tables (firewall services, schedules, security profiles, admin
// profiles): the FortiOS factory defaults [inf: the usual 7.x defaults].
var (
	predefinedServices = []string{"ALL", "ALL_TCP", "ALL_UDP", "ALL_ICMP", "ALL_ICMP6", "GRE", "AH", "ESP", "AOL", "BGP",
		"DHCP", "DNS", "FINGER", "FTP", "FTP_GET", "FTP_PUT", "GOPHER", "H323", "HTTP", "HTTPS", "IKE", "IMAP", "IMAPS",
		"Internet-Locator-Service", "IRC", "L2TP", "LDAP", "NetMeeting", "NFS", "NNTP", "NTP", "OSPF", "PC-Anywhere",
		"PING", "TIMESTAMP", "INFO_REQUEST", "INFO_ADDRESS", "ONC-RPC", "DCE-RPC", "POP3", "POP3S", "PPTP", "QUAKE",
		"RAUDIO", "REXEC", "RIP", "RLOGIN", "RSH", "SCCP", "SIP", "SIP-MSNmessenger", "SAMBA", "SMTP", "SMTPS", "SNMP",
		"SSH", "SYSLOG", "TALK", "TELNET", "TFTP", "MGCP", "UUCP", "VDOLIVE", "WAIS", "WINFRAME", "X-WINDOWS", "PING6",
		"MS-SQL", "MYSQL", "RDP", "VNC", "DHCP6", "SQUID", "SOCKS", "WINS", "RADIUS", "RADIUS-OLD", "CVSPSERVER",
		"AFS3", "TRACEROUTE", "RTSP", "MMS", "KERBEROS", "LDAP_UDP", "SMB", "NONE", "webproxy"}
	predefinedAccprofiles = []string{"super_admin", "prof_admin", "super_admin_readonly"}
	predefinedSchedules   = []string{"always", "none", "default-darkhours"}
	sslSSHProfiles        = []string{"certificate-inspection", "deep-inspection", "no-inspection", "custom-deep-inspection"}
	avProfiles            = []string{"", "default", "g-default", "wifi-default"}
	webfilterProfiles     = []string{"", "default", "g-default", "monitor-all", "wifi-default"}
	dnsfilterProfiles     = []string{"", "default"}
	ipsSensors            = []string{"", "default", "all_default", "all_default_pass", "g-default", "high_security",
		"protect_client", "protect_email_server", "protect_http_server", "wifi-default"}
	applicationLists = []string{"", "default", "block-high-risk", "g-default", "wifi-default"}
	allowAccess      = []string{"ping", "https", "ssh", "http", "telnet", "fgfm", "radius-acct", "probe-response",
		"fabric", "ftm", "snmp", "speed-test", "scim"}
	ipsecProposals = []string{"des-md5", "des-sha1", "des-sha256", "des-sha384", "des-sha512", "3des-md5", "3des-sha1",
		"3des-sha256", "3des-sha384", "3des-sha512", "aes128-md5", "aes128-sha1", "aes128-sha256", "aes128-sha384",
		"aes128-sha512", "aes128gcm-prfsha1", "aes128gcm-prfsha256", "aes128gcm-prfsha384", "aes128gcm-prfsha512",
		"aes192-md5", "aes192-sha1", "aes192-sha256", "aes192-sha384", "aes192-sha512", "aes256-md5", "aes256-sha1",
		"aes256-sha256", "aes256-sha384", "aes256-sha512", "aes256gcm-prfsha1", "aes256gcm-prfsha256",
		"aes256gcm-prfsha384", "aes256gcm-prfsha512", "chacha20poly1305-prfsha1", "chacha20poly1305-prfsha256",
		"chacha20poly1305-prfsha384", "chacha20poly1305-prfsha512", "aria128-md5", "aria128-sha1", "aria128-sha256",
		"aria256-sha256", "seed-md5", "seed-sha1", "seed-sha256"}
	dhGroups = []string{"1", "2", "5", "14", "15", "16", "17", "18", "19", "20", "21", "27", "28", "29", "30", "31", "32"}
)

var tableSpecs = map[string]*tableSpec{}

func init() {
	for _, s := range []*tableSpec{policySpec, addressSpec, addrgrpSpec, interfaceSpec, staticSpec, globalSpec, adminSpec, phase1Spec} {
		tableSpecs[s.key] = s
	}
	// Set here rather than in the literals: the checks read the specs back.
	addressSpec.check = checkAddress
	addrgrpSpec.check = checkAddrgrp
	interfaceSpec.check = checkInterface
	staticSpec.check = checkStatic
	globalSpec.check = checkGlobal
	phase1Spec.check = checkPhase1
}

// policySpec: cmdb/firewall/policy (fortios-and-faz-data.md §2.13).
var policySpec = &tableSpec{
	key: "firewall/policy", mkey: "policyid", intKey: true, autoKey: true,
	template: func(f *fortiOS) object {
		o := obj("policyid", int64(0), "q_origin_key", int64(0), "status", "enable", "name", "", "uuid", "")
		if f.dev.versionAtLeast(7, 2) {
			o.set("uuid-idx", int64(0)) // seen on 7.6.7 (FMG-PROBE); assumed from 7.2 [inf]
		}
		return append(o, obj(
			"srcintf", []object{}, "dstintf", []object{}, "action", "deny",
			"srcaddr", []object{}, "dstaddr", []object{}, "srcaddr6", []object{}, "dstaddr6", []object{},
			"internet-service", "disable", "schedule", "always", "schedule-timeout", "disable", "service", []object{},
			"utm-status", "disable", "inspection-mode", "flow", "profile-type", "single", "ssl-ssh-profile", "no-inspection",
			"av-profile", "", "webfilter-profile", "", "dnsfilter-profile", "", "ips-sensor", "", "application-list", "",
			"logtraffic", "utm", "logtraffic-start", "disable", "nat", "disable", "ippool", "disable", "poolname", []object{},
			"groups", []object{}, "users", []object{}, "match-vip", "disable", "comments", "", "label", "", "global-label", "",
		)...)
	},
	enums: map[string][]string{
		"status": enable, "action": {"accept", "deny", "ipsec"}, "internet-service": enable, "schedule-timeout": enable,
		"utm-status": enable, "inspection-mode": {"flow", "proxy"}, "profile-type": {"single", "group"},
		"logtraffic": {"all", "utm", "disable"}, "logtraffic-start": enable, "nat": enable, "ippool": enable, "match-vip": enable,
		"schedule": predefinedSchedules, "ssl-ssh-profile": sslSSHProfiles, "av-profile": avProfiles,
		"webfilter-profile": webfilterProfiles, "dnsfilter-profile": dnsfilterProfiles, "ips-sensor": ipsSensors,
		"application-list": applicationLists,
	},
	refs: map[string][]string{
		"srcintf": {"system/interface", "@any"}, "dstintf": {"system/interface", "@any"},
		"srcaddr": {"firewall/address", "firewall/addrgrp"}, "dstaddr": {"firewall/address", "firewall/addrgrp"},
		"service": {"@service"},
	},
	required: []string{"srcintf", "dstintf", "srcaddr", "dstaddr", "service", "schedule"},
	check: func(f *fortiOS, vdom string, row *object, create bool) *fosError {
		if len(row.str("name")) > 35 {
			return cliError(500, -1, "invalid length of value")
		}
		return nil
	},
}

// addressSpec: cmdb/firewall/address (fortios-and-faz-data.md §2.14).
var addressSpec = &tableSpec{
	key: "firewall/address", mkey: "name", maxKeyLen: 79, rename: true,
	template: func(f *fortiOS) object {
		return obj("name", "", "q_origin_key", "", "uuid", "", "type", "ipmask", "route-tag", int64(0), "sub-type", "sdn",
			"subnet", "0.0.0.0 0.0.0.0", "start-ip", "0.0.0.0", "end-ip", "0.0.0.0", "fqdn", "", "country", "",
			"cache-ttl", int64(0), "wildcard", "0.0.0.0 0.0.0.0", "sdn", "", "comment", "", "associated-interface", "",
			"color", int64(0), "list", []object{}, "tagging", []object{}, "allow-routing", "disable", "fabric-object", "disable")
	},
	enums: map[string][]string{
		"type":          {"ipmask", "iprange", "fqdn", "geography", "wildcard", "dynamic", "interface-subnet", "mac"},
		"sub-type":      {"sdn", "clearpass-spt", "fsso", "rsso", "ems-tag", "fortivoice-tag", "fortinac-tag", "swc-tag", "device-identification", "external-resource", "obsolete"},
		"allow-routing": enable, "fabric-object": enable,
	},
	refs:   map[string][]string{"associated-interface": {"system/interface"}},
	ipmask: []string{"subnet", "wildcard"},
	ipaddr: []string{"start-ip", "end-ip"},
}

// addrgrpSpec: cmdb/firewall/addrgrp (fortios-and-faz-data.md §2.15).
var addrgrpSpec = &tableSpec{
	key: "firewall/addrgrp", mkey: "name", maxKeyLen: 79, rename: true,
	template: func(f *fortiOS) object {
		return obj("name", "", "q_origin_key", "", "type", "default", "category", "default", "uuid", "",
			"member", []object{}, "comment", "", "exclude", "disable", "exclude-member", []object{}, "color", int64(0),
			"tagging", []object{}, "allow-routing", "disable", "fabric-object", "disable")
	},
	enums: map[string][]string{"type": {"default", "folder"}, "category": {"default", "ztna-ems-tag", "ztna-geo-tag"},
		"exclude": enable, "allow-routing": enable, "fabric-object": enable},
	refs: map[string][]string{
		"member":         {"firewall/address", "firewall/addrgrp"},
		"exclude-member": {"firewall/address", "firewall/addrgrp"},
	},
	required: []string{"member"},
}

// interfaceSpec: cmdb/system/interface (fortios-and-faz-data.md §2.16),
// global scope: each row names its VDOM.
var interfaceSpec = &tableSpec{
	key: "system/interface", mkey: "name", global: true, maxKeyLen: 15,
	template: func(f *fortiOS) object {
		return obj("name", "", "q_origin_key", "", "vdom", f.mgmtVDOM, "vrf", int64(0), "mode", "static",
			"ip", "0.0.0.0 0.0.0.0", "allowaccess", "", "status", "up", "type", "vlan", "alias", "", "role", "undefined",
			"macaddr", "00:00:00:00:00:00", "mtu-override", "disable", "mtu", int64(1500), "description", "",
			"interface", "", "vlanid", int64(0), "username", "", "password", "", "distance", int64(5), "priority", int64(1))
	},
	enums: map[string][]string{
		"mode": {"static", "dhcp", "pppoe"}, "status": {"up", "down"},
		"type": {"physical", "vlan", "aggregate", "redundant", "tunnel", "loopback", "hard-switch", "vap-switch", "switch"},
		"role": {"lan", "wan", "dmz", "undefined"}, "mtu-override": enable,
	},
	refs:    map[string][]string{"vdom": {"@vdom"}, "interface": {"system/interface"}},
	tokens:  map[string][]string{"allowaccess": allowAccess},
	ipmask:  []string{"ip"},
	secrets: []string{"password"},
}

// staticSpec: cmdb/router/static (fortios-and-faz-data.md §2.17).
var staticSpec = &tableSpec{
	key: "router/static", mkey: "seq-num", intKey: true, autoKey: true,
	template: func(f *fortiOS) object {
		return obj("seq-num", int64(0), "q_origin_key", int64(0), "status", "enable", "dst", "0.0.0.0 0.0.0.0",
			"src", "0.0.0.0 0.0.0.0", "gateway", "0.0.0.0", "preferred-source", "0.0.0.0", "distance", int64(10),
			"weight", int64(0), "priority", int64(1), "device", "", "comment", "", "blackhole", "disable",
			"dynamic-gateway", "disable", "sdwan-zone", []object{}, "dstaddr", "", "internet-service", int64(0),
			"internet-service-custom", "", "link-monitor-exempt", "disable", "tag", int64(0), "vrf", int64(0), "bfd", "disable")
	},
	enums: map[string][]string{"status": enable, "blackhole": enable, "dynamic-gateway": enable,
		"link-monitor-exempt": enable, "bfd": enable},
	refs:   map[string][]string{"device": {"system/interface"}, "dstaddr": {"firewall/address", "firewall/addrgrp"}},
	ipmask: []string{"dst", "src"},
	ipaddr: []string{"gateway", "preferred-source"},
}

// globalSpec: cmdb/system/global, a singleton (fortios-and-faz-data.md §2.18).
var globalSpec = &tableSpec{
	key: "system/global", global: true, singleton: true,
	enums: map[string][]string{
		"admin-https-redirect": enable, "strong-crypto": enable, "switch-controller": enable, "revision-backup-on-logout": enable,
		"ssl-min-proto-version": {"SSLv3", "TLSv1", "TLSv1-1", "TLSv1-2", "TLSv1-3"},
		"language":              {"english", "french", "spanish", "portuguese", "japanese", "trach", "simch", "korean"},
		"gui-theme":             {"jade", "neutrino", "mariner", "graphite", "melongene", "jet-stream", "security-fabric", "retro", "dark-matter", "onyx", "eclipse"},
		"vdom-mode":             {"no-vdom", "multi-vdom"},
	},
	secrets: []string{"ssh-hostkey-password"},
}

// adminSpec: cmdb/system/admin (fortios-and-faz-data.md §2.19), global scope.
var adminSpec = &tableSpec{
	key: "system/admin", mkey: "name", global: true, maxKeyLen: 64,
	template: func(f *fortiOS) object {
		return obj("name", "", "q_origin_key", "", "wildcard", "disable", "remote-auth", "disable", "remote-group", "",
			"password", "", "peer-auth", "disable", "trusthost1", "0.0.0.0 0.0.0.0", "trusthost2", "0.0.0.0 0.0.0.0",
			"trusthost3", "0.0.0.0 0.0.0.0", "ip6-trusthost1", "::/0", "accprofile", "", "allow-remove-admin-session", "enable",
			"comments", "", "vdom", refs(f.mgmtVDOM), "ssh-public-key1", "", "ssh-public-key2", "", "ssh-public-key3", "",
			"schedule", "", "password-expire", "0000-00-00 00:00:00", "force-password-change", "disable",
			"two-factor", "disable", "fortitoken", "", "email-to", "", "sms-phone", "", "guest-auth", "disable")
	},
	enums: map[string][]string{"wildcard": enable, "remote-auth": enable, "peer-auth": enable,
		"allow-remove-admin-session": enable, "force-password-change": enable, "guest-auth": enable,
		"two-factor": {"disable", "fortitoken", "fortitoken-cloud", "email", "sms"}},
	refs:     map[string][]string{"vdom": {"@vdom"}, "accprofile": {"@accprofile"}},
	ipmask:   []string{"trusthost1", "trusthost2", "trusthost3"},
	secrets:  []string{"password", "ssh-public-key1", "ssh-public-key2", "ssh-public-key3"},
	required: []string{"accprofile", "vdom"}, // vdom defaults to the management VDOM
}

// phase1Spec: cmdb/vpn.ipsec/phase1-interface (fortios-and-faz-data.md §2.20).
// Each phase-1 interface also appears in system/interface as a tunnel.
var phase1Spec = &tableSpec{
	key: "vpn.ipsec/phase1-interface", mkey: "name", maxKeyLen: 15,
	template: func(f *fortiOS) object {
		return obj("name", "", "q_origin_key", "", "type", "static", "interface", "", "ip-version", "4", "ike-version", "2",
			"local-gw", "0.0.0.0", "remote-gw", "0.0.0.0", "keylife", int64(86400), "authmethod", "psk", "mode", "main",
			"peertype", "any", "net-device", "disable", "mode-cfg", "disable",
			"proposal", "aes128-sha256 aes256-sha256 aes128gcm-prfsha256 aes256gcm-prfsha384 chacha20poly1305-prfsha256",
			"dhgrp", "20 21", "add-route", "enable", "psksecret", "", "psksecret-remote", "", "keepalive", int64(10),
			"dpd", "on-demand", "dpd-retrycount", int64(3), "dpd-retryinterval", "20", "nattraversal", "enable",
			"localid", "", "comments", "")
	},
	enums: map[string][]string{
		"type": {"static", "dynamic", "ddns"}, "ip-version": {"4", "6"}, "ike-version": {"1", "2"},
		"authmethod": {"psk", "signature"}, "mode": {"main", "aggressive"},
		"peertype": {"any", "one", "dialup", "peer", "peergrp"}, "net-device": enable, "mode-cfg": enable,
		"add-route": enable, "dpd": {"disable", "on-idle", "on-demand"}, "nattraversal": {"enable", "disable", "forced"},
	},
	refs:     map[string][]string{"interface": {"system/interface"}},
	tokens:   map[string][]string{"proposal": ipsecProposals, "dhgrp": dhGroups},
	ipaddr:   []string{"local-gw", "remote-gw"},
	secrets:  []string{"psksecret", "psksecret-remote"},
	required: []string{"interface"},
}
