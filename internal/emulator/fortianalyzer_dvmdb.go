package emulator

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Classic reads: /sys/status (fortios-and-faz-data.md §4.5), /dvmdb/adom,
// /dvmdb/device and /dvmdb/adom/<adom>/device (§4.4), /task/task.

// fazADOM is an administrative domain of the emulated instance. Devices go
// to an ADOM by name: branch firewalls ("-BR-") and stores ("STORE") to
// DemoFAZBranchADOM, everything else to root [inf: a common MSSP split].
type fazADOM struct {
	name string
	oid  int
	desc string
}

var fazADOMs = []fazADOM{
	{DemoFAZADOM, 3, "Headquarters, data centres, offices, cloud and labs"},
	{DemoFAZBranchADOM, 171, "Branch firewalls and stores"},
}

func adomOf(name string) string {
	if strings.Contains(name, "-BR-") || strings.Contains(name, "STORE") {
		return DemoFAZBranchADOM
	}
	return DemoFAZADOM
}

// fazDev is a FortiGate as FortiAnalyzer knows it: a snapshot of an
// emulated device with its model and position (for a stable oid).
type fazDev struct {
	d    Device
	spec modelSpec
	oid  int
	adom string
}

// fazDevices snapshots the devices that send logs: registered, named and
// initialised in FortiGate Cloud, so serials and names match there.
func (e *Emulator) fazDevices() []fazDev {
	e.mu.Lock()
	list := slices.Clone(e.devices)
	e.mu.Unlock()
	var out []fazDev
	for i, ds := range list {
		ds.mu.Lock()
		d, spec := ds.dev.clone(), ds.spec
		ds.mu.Unlock()
		if d.SN == "" || d.Name == "" || !d.Initialized {
			continue
		}
		out = append(out, fazDev{d: d, spec: spec, oid: 200 + i, adom: adomOf(d.Name)})
	}
	return out
}

// fazSysStatus: the §4.5 object, spaced keys in the documented order. The
// FortiAnalyzer Cloud platform strings are [inf]; the instance runs on UTC [inf].
func fazSysStatus(c *fazCall) (any, *fazErr) {
	return obj(
		"Admin Domain Configuration", "Enabled",
		"BIOS version", "04000002",
		"Branch Point", "3704",
		"Build", "3704",
		"Current Time", c.now.UTC().Format("Mon Jan 02 15:04:05 UTC 2006"),
		"Daylight Time Saving", "No",
		"Disk Usage", "Free 1612.45GB, Total 2047.98GB",
		"FIPS Mode", "Disabled",
		"HA Mode", "Stand Alone",
		"Hostname", "faz-cloud-"+DemoAccountID,
		"License Status", "Valid",
		"Major", 7,
		"Minor", 6,
		"Patch", 7,
		"Max Number of Admin Domains", 50,
		"Max Number of Device Groups", 50,
		"Offline Mode", "Disabled",
		"Platform Full Name", "FortiAnalyzer-VM64",
		"Platform Type", "FAZ-VM64",
		"Release Version Information", " (GA)",
		"Serial Number", "FAZVMSTM25004821",
		"Time Zone", "(GMT+0:00) UTC",
		"Version", "v7.6.7-build3704 260115 (GA)",
		"x86-64 Applications", "Yes",
	), nil
}

// fazTaskList: /task/task; the emulator runs no background tasks.
func fazTaskList(*fazCall) (any, *fazErr) { return []object{}, nil }

func (a fazADOM) record(verbose bool) object {
	pick := func(n int, s string) any {
		if verbose {
			return s
		}
		return n
	}
	return obj("name", a.name, "oid", a.oid, "desc", a.desc, "flags", 0,
		"log_db_retention_hours", 1440, "log_disk_quota", 0, "log_disk_quota_alert_thres", 90,
		"log_file_retention_hours", 8760, "mig_mr", 0, "mig_os_ver", pick(0, "0.0"),
		"mode", pick(1, "normal"), "mr", 4, "os_ver", pick(7, "7.0"), "restricted_prds", pick(1, "fos"),
		"state", pick(1, "enable"), "uuid", detUUID("faz-adom", a.name), "workspace_mode", 0)
}

func fazADOMList(c *fazCall) (any, *fazErr) {
	out := make([]object, 0, len(fazADOMs))
	for _, a := range fazADOMs {
		out = append(out, a.record(c.verbose))
	}
	return c.classicSelect(out)
}

func fazADOMGet(c *fazCall) (any, *fazErr) {
	for _, a := range fazADOMs {
		if a.name == c.wild[0] {
			return c.project(a.record(c.verbose))
		}
	}
	return nil, &fazErr{fazErrNotExist, fazMsgNotExist}
}

func fazDeviceList(c *fazCall) (any, *fazErr) {
	adom := ""
	if len(c.wild) == 1 {
		a, ferr := c.adomParam()
		if ferr != nil {
			return nil, &fazErr{fazErrNotExist, fazMsgNotExist}
		}
		adom = a
	}
	var out []object
	for _, fd := range c.e.fazDevices() {
		if adom == "" || fd.adom == adom {
			out = append(out, fd.record(c.now, c.verbose))
		}
	}
	if out == nil {
		out = []object{}
	}
	return c.classicSelect(out)
}

func fazDeviceGet(c *fazCall) (any, *fazErr) {
	name := c.wild[len(c.wild)-1]
	adom := ""
	if len(c.wild) == 2 {
		a, ferr := c.adomParam()
		if ferr != nil {
			return nil, &fazErr{fazErrNotExist, fazMsgNotExist}
		}
		adom = a
	}
	for _, fd := range c.e.fazDevices() {
		if fd.d.Name == name && (adom == "" || fd.adom == adom) {
			return c.project(fd.record(c.now, c.verbose))
		}
	}
	return nil, &fazErr{fazErrNotExist, fazMsgNotExist}
}

// record is the §4.4 device record. With verbose, enumerations are strings.
// adm_pass is an ENC value: a secret the product must never show.
func (fd fazDev) record(now time.Time, verbose bool) object {
	d, sn := fd.d, fd.d.SN
	ma, mi, pa := splitVersion(d.osVersion())
	pick := func(n int, s string) any {
		if verbose {
			return s
		}
		return n
	}
	conn := pick(1, "up")
	if !d.TunnelAlive {
		conn = pick(2, "down")
	}
	enc := strings.TrimPrefix(encSecret("faz-adm", sn), "ENC ")
	var haSlave any
	haMode, haName, haID := pick(0, "standalone"), "", 0
	if d.HAPeerSN != "" {
		haMode, haName, haID = pick(1, "AP"), d.Name+"-HA", int(between(1, 255, "hagroup", sn))
		haSlave = []object{
			obj("name", d.Name, "sn", sn, "role", pick(1, "master"), "prio", 200, "status", pick(1, "online"), "idx", 0, "did", d.Name, "oid", fd.oid+1000),
			obj("name", d.Name+"_1", "sn", d.HAPeerSN, "role", pick(0, "slave"), "prio", 100, "status", pick(1, "online"), "idx", 1, "did", d.Name, "oid", fd.oid+2000),
		}
	}
	disk := int64(0)
	if fd.spec.disk {
		disk = fd.spec.diskGB * 954
	}
	lat, long := "0.000000", "0.000000"
	if d.Latitude != nil && d.Longitude != nil {
		lat, long = *d.Latitude, *d.Longitude
	}
	vdoms := make([]object, 0, len(d.VDOMs))
	for j, v := range d.VDOMs {
		vdoms = append(vdoms, obj("name", v, "oid", 3+j, "devid", fd.oid, "opmode", pick(1, "nat"), "status", "",
			"flags", 0, "ext_flags", 1, "node_flags", 0, "comments", "", "vpn_id", 0, "rtm_prof_id", 0,
			"tab_status", "", "vdom_type", pick(1, "traffic")))
	}
	build := d.Build
	if build == 0 {
		build = buildFor(d.osVersion(), sn)
	}
	return obj(
		"name", d.Name, "hostname", d.Name, "sn", sn, "oid", fd.oid, "ip", d.IP, "desc", fleetCity(d.Name),
		"os_type", pick(0, "fos"), "os_ver", pick(ma, fmt.Sprintf("%d.0", ma)), "mr", mi, "patch", pa,
		"build", build, "branch_pt", build, "version", ma*100,
		"platform_str", "FortiGate-"+fd.spec.number, "platform_id", int(between(1, 400, "platform", fd.spec.number)),
		"conn_status", conn, "conf_status", pick(1, "insync"), "db_status", pick(1, "nomod"), "dev_status", pick(1, "auto_updated"),
		"mgmt_mode", pick(2, "faz"), "ha_mode", haMode, "ha_group_name", haName, "ha_group_id", haID, "ha_slave", haSlave,
		"adm_usr", "admin", "adm_pass", []string{"ENC", enc},
		"last_checked", now.Add(-time.Duration(between(60, 900, "checked", sn))*time.Second).Unix(),
		"hdisk_size", disk, "logdisk_size", disk*97/100, "maxvdom", fd.spec.vdomMax,
		"faz.quota", 0, "faz.used", between(1<<30, 200<<30, "fazused", sn), "faz.perm", 15,
		"latitude", lat, "longitude", long, "location_from", "GUI(manual)",
		"vdom", vdoms,
	)
}

// fleetCity is the demo fleet row's city, as the device's description.
func fleetCity(name string) string {
	for _, r := range demoFleet {
		if r.name == name && name != "" {
			return r.city
		}
	}
	return ""
}

// classicSelect applies the classic "filter" ([field, op, value], possibly
// joined with "&&"/"||") and "fields" options to a list.
func (c *fazCall) classicSelect(rows []object) (any, *fazErr) {
	match := func(object) bool { return true }
	if v, ok := c.p.raw("filter"); ok && v != nil {
		m, err := classicFilter(v, 0)
		if err != nil {
			return nil, c.badData("invalid filter")
		}
		match = m
	}
	out := make([]any, 0, len(rows))
	for _, r := range rows {
		if !match(r) {
			continue
		}
		p, ferr := c.project(r)
		if ferr != nil {
			return nil, ferr
		}
		out = append(out, p)
	}
	return out, nil
}

// project keeps only the "fields" asked for (all when absent).
func (c *fazCall) project(r object) (any, *fazErr) {
	v, ok := c.p.raw("fields")
	if !ok || v == nil {
		return r, nil
	}
	list, isList := v.([]any)
	if !isList {
		return nil, c.badData("fields must be an array")
	}
	var out object
	for _, x := range list {
		name, _ := x.(string)
		if val, ok := r.get(name); ok {
			out = append(out, field{name, val})
		}
	}
	// The key fields always come back [inf].
	for _, k := range []string{"oid", "name"} {
		if v, ok := r.get(k); ok && !out.has(k) {
			out = append(object{{k, v}}, out...)
		}
	}
	return out, nil
}

// classicFilter builds a matcher from the classic filter form.
func classicFilter(v any, depth int) (func(object) bool, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 || depth > 8 {
		return nil, errFilterSyntax
	}
	if f, isStr := list[0].(string); isStr && len(list) >= 3 {
		op, _ := list[1].(string)
		want := list[2:]
		return func(r object) bool {
			got, ok := r.get(f)
			return ok && classicMatch(fmt.Sprint(jsonScalar(got)), op, want)
		}, nil
	}
	// [cond, "&&"|"||", cond, …]
	match, err := classicFilter(list[0], depth+1)
	if err != nil {
		return nil, err
	}
	for i := 1; i+1 < len(list); i += 2 {
		op, _ := list[i].(string)
		next, err := classicFilter(list[i+1], depth+1)
		if err != nil || (op != "&&" && op != "||") {
			return nil, errFilterSyntax
		}
		prev := match
		if op == "&&" {
			match = func(r object) bool { return prev(r) && next(r) }
		} else {
			match = func(r object) bool { return prev(r) || next(r) }
		}
	}
	if len(list)%2 == 0 {
		return nil, errFilterSyntax
	}
	return match, nil
}

func jsonScalar(v any) any {
	switch t := v.(type) {
	case json.Number:
		return t.String()
	case int:
		return strconv.Itoa(t)
	}
	return v
}

func classicMatch(got, op string, want []any) bool {
	w := fmt.Sprint(jsonScalar(want[0]))
	switch op {
	case "==":
		return got == w
	case "!=":
		return got != w
	case "like":
		return wildcardMatch(strings.ReplaceAll(strings.ToLower(w), "%", "*"), strings.ToLower(got))
	case "in":
		for _, x := range want {
			if got == fmt.Sprint(jsonScalar(x)) {
				return true
			}
		}
	}
	return false
}
