package emulator

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The FortiOS configuration database (cmdb) of one device: tables per VDOM
// (or global), the system/global singleton, and a revision per VDOM.

type fortiOS struct {
	dev      *Device // the owning deviceState.dev; guarded by its mutex
	spec     modelSpec
	mgmtVDOM string
	// tables[scope][table key] holds the rows; scope is a VDOM name, or ""
	// for global tables.
	tables   map[string]map[string]*[]object
	sysGlob  object
	revision map[string]string
	revSeq   int
	uuidIdx  int64
	// seeded marks the UUIDs of policies the generator created: only those
	// have traffic history in monitor/firewall/policy.
	seeded map[string]bool
	// grown holds the generated entries of tables grown by GrowFortiOSTable
	// (fortios_grow.go), by scope "/" table key.
	grown map[string]*grownTable
}

// fosError is a FortiOS error reply (fortios-and-faz-data.md §1.6).
type fosError struct {
	status int    // HTTP status, repeated as http_status
	code   int    // CLI return code ("error"); 0: none
	cli    string // cli_error; "" leaves it out
	mkey   any    // key the request named, when there is one
}

// cliError renders a CLI failure in FortiOS's words:
// "<message>\nCommand fail. Return code <n>\n" (fortios-and-faz-data.md §1.6).
func cliError(status, code int, msg string) *fosError {
	return &fosError{status: status, code: code, cli: fmt.Sprintf("%s\nCommand fail. Return code %d\n", msg, code)}
}

// parseFail is the -651 reply for a value FortiOS cannot parse, in the exact
// form of the HFX capture in fortios-and-faz-data.md §1.6.
func parseFail(attr, val string) *fosError {
	return &fosError{status: 500, code: -651,
		cli: fmt.Sprintf("node_check_object fail! for %s %s\n\nvalue parse error before '%s'\nCommand fail. Return code -651\n", attr, val, val)}
}

// notFoundKey is the missing-key reply: 404 with error -3 (§1.6 [inf]).
func notFoundKey(mkey any, withCode bool) *fosError {
	e := &fosError{status: 404, mkey: mkey}
	if withCode {
		e.code = -3
	}
	return e
}

// duplicate is the POST-of-an-existing-key reply, exactly as §1.6's example.
func duplicate(mkey any) *fosError {
	e := &fosError{status: 500, code: -5, cli: "A duplicate entry already exists.\nCommand fail. Return code -5\n"}
	e.mkey = mkey
	return e
}

func newFortiOS(dev *Device, spec modelSpec) *fortiOS {
	f := &fortiOS{
		dev: dev, spec: spec,
		tables:   map[string]map[string]*[]object{"": {}},
		revision: map[string]string{},
		seeded:   map[string]bool{},
		uuidIdx:  16383,
	}
	f.mgmtVDOM = dev.VDOMs[0]
	if slices.Contains(dev.VDOMs, "root") {
		f.mgmtVDOM = "root"
	}
	for _, v := range dev.VDOMs {
		f.tables[v] = map[string]*[]object{}
		f.revision[v] = md5hex("revision", dev.SN, v, "0")
	}
	for _, s := range tableSpecs {
		if s.singleton {
			continue
		}
		if s.global {
			f.tables[""][s.key] = &[]object{}
			continue
		}
		for _, v := range dev.VDOMs {
			f.tables[v][s.key] = &[]object{}
		}
	}
	seedConfig(f)
	return f
}

func (f *fortiOS) rows(s *tableSpec, vdom string) *[]object {
	if s.global {
		return f.tables[""][s.key]
	}
	return f.tables[vdom][s.key]
}

// bump records a configuration change in vdom and returns the old and new
// revisions. Changes to global tables bump the VDOM the request named [inf].
func (f *fortiOS) bump(vdom string) (old, cur string) {
	f.revSeq++
	old = f.revision[vdom]
	cur = md5hex("revision", f.dev.SN, vdom, strconv.Itoa(f.revSeq))
	f.revision[vdom] = cur
	return old, cur
}

func keyString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case int64:
		return strconv.FormatInt(t, 10)
	case int:
		return strconv.Itoa(t)
	case json.Number:
		return t.String()
	}
	return fmt.Sprint(v)
}

// find returns the index of the row whose key is key, or -1.
func find(rows []object, s *tableSpec, key string) int {
	for i, r := range rows {
		v, _ := r.get(s.mkey)
		if keyString(v) == key {
			return i
		}
	}
	return -1
}

// toInt accepts a JSON number or a numeric string (clients send both) [inf].
func toInt(v any) (int64, bool) {
	switch t := v.(type) {
	case nil:
		return 0, true
	case int64:
		return t, true
	case int:
		return int64(t), true
	case json.Number:
		n, err := strconv.ParseInt(t.String(), 10, 64)
		return n, err == nil
	case float64:
		if t == float64(int64(t)) {
			return int64(t), true
		}
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
		return n, err == nil
	}
	return 0, false
}

func toStr(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	}
	return "", false
}

// refExists reports whether name resolves in target for a row in vdom.
// scoped: interfaces must also belong to that VDOM (a policy in VDOM A cannot
// use VDOM B's port).
func (f *fortiOS) refExists(target, name, vdom string, scoped bool) bool {
	switch target {
	case "@any":
		return name == "any"
	case "@vdom":
		return slices.Contains(f.dev.VDOMs, name)
	case "@service":
		return slices.Contains(predefinedServices, name)
	case "@accprofile":
		return slices.Contains(predefinedAccprofiles, name)
	case "system/interface":
		for _, r := range *f.tables[""][target] {
			if r.str("name") == name && (!scoped || r.str("vdom") == vdom) {
				return true
			}
		}
		return false
	default:
		rows := f.tables[vdom][target]
		return rows != nil && find(*rows, tableSpecs[target], name) >= 0
	}
}

// refSite is one attribute of one row that names another object.
type refSite struct {
	row  *object
	attr string
}

// referrers lists every attribute that names the object name of table
// target, as seen from vdom. Global targets (interfaces) are looked up in
// every VDOM.
func (f *fortiOS) referrers(target *tableSpec, name, vdom string) []refSite {
	var out []refSite
	scopes := []string{vdom}
	if target.global {
		scopes = append([]string{""}, f.dev.VDOMs...)
	}
	keys := make([]string, 0, len(tableSpecs))
	for k := range tableSpecs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := tableSpecs[k]
		if s.singleton {
			continue
		}
		for attr, targets := range s.refs {
			if !slices.Contains(targets, target.key) {
				continue
			}
			for _, scope := range scopes {
				if (scope == "") != s.global {
					continue
				}
				rows := f.tables[scope][s.key]
				if rows == nil {
					continue
				}
				for i := range *rows {
					r := &(*rows)[i]
					if s == target && r.str(s.mkey) == name {
						continue
					}
					switch v := mustGet(*r, attr).(type) {
					case string:
						if v == name {
							out = append(out, refSite{r, attr})
						}
					case []object:
						if slices.Contains(refNames(v), name) {
							out = append(out, refSite{r, attr})
						}
					}
				}
			}
		}
	}
	return out
}

func mustGet(o object, k string) any {
	v, _ := o.get(k)
	return v
}

// renameRefs points every reference to old at neu (what FortiOS's CLI
// "rename" does [inf]).
func (f *fortiOS) renameRefs(target *tableSpec, old, neu, vdom string) {
	for _, site := range f.referrers(target, old, vdom) {
		switch v := mustGet(*site.row, site.attr).(type) {
		case string:
			site.row.set(site.attr, neu)
		case []object:
			names := refNames(v)
			for i := range names {
				if names[i] == old {
					names[i] = neu
				}
			}
			site.row.set(site.attr, refs(names...))
		}
	}
}

// applyAttrs copies the body's attributes onto row, converting and checking
// each against the type of the row's current value. Attributes the table
// does not have are ignored, as FortiOS does with unknown keys [inf].
func (f *fortiOS) applyAttrs(s *tableSpec, vdom string, row *object, body map[string]any, key string) *fosError {
	names := make([]string, 0, len(body))
	for k := range body {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k == s.mkey || k == "q_origin_key" {
			continue
		}
		cur, ok := row.get(k)
		if !ok {
			continue
		}
		v := body[k]
		switch cur.(type) {
		case string:
			str, ok := toStr(v)
			if !ok {
				return parseFail(k, compactJSON(v))
			}
			str, err := f.checkString(s, vdom, k, str, key)
			if err != nil {
				return err
			}
			row.set(k, str)
		case int64:
			n, ok := toInt(v)
			if !ok {
				return parseFail(k, compactJSON(v))
			}
			row.set(k, n)
		case []object:
			list, ok := v.([]any)
			if !ok {
				return parseFail(k, compactJSON(v))
			}
			out, err := f.checkList(s, vdom, k, list)
			if err != nil {
				return err
			}
			row.set(k, out)
		}
	}
	return nil
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func (f *fortiOS) checkString(s *tableSpec, vdom, attr, val, key string) (string, *fosError) {
	if enum := s.enums[attr]; enum != nil && !slices.Contains(enum, val) {
		return "", parseFail(attr, val)
	}
	if words := s.tokens[attr]; words != nil {
		for _, w := range strings.Fields(val) {
			if !slices.Contains(words, w) {
				return "", parseFail(attr, w)
			}
		}
		val = strings.Join(strings.Fields(val), " ")
	}
	if slices.Contains(s.ipmask, attr) {
		a, bits, ok := parseIPMask(val)
		if !ok {
			return "", parseFail(attr, val)
		}
		val = a.String() + " " + maskOf(bits)
	}
	if slices.Contains(s.ipaddr, attr) {
		a, err := netip.ParseAddr(val)
		if err != nil || !a.Is4() {
			return "", parseFail(attr, val)
		}
	}
	if targets := s.refs[attr]; targets != nil && val != "" && !f.resolves(targets, val, vdom, !s.global) {
		return "", parseFail(attr, val)
	}
	if s.isSecret(attr) && val != "" && !strings.HasPrefix(val, "ENC ") {
		// FortiOS stores secrets encrypted and shows only the ENC form.
		val = encSecret(f.dev.SN, s.key, key, attr, val)
	}
	return val, nil
}

func (f *fortiOS) resolves(targets []string, name, vdom string, scoped bool) bool {
	for _, t := range targets {
		if f.refExists(t, name, vdom, scoped) {
			return true
		}
	}
	return false
}

// checkList converts a list attribute. Reference lists accept
// [{"name":…}] (the wire form) or plain strings [inf] and are stored as
// [{"name","q_origin_key"}] (fortios-and-faz-data.md §1.4).
func (f *fortiOS) checkList(s *tableSpec, vdom, attr string, list []any) ([]object, *fosError) {
	targets := s.refs[attr]
	if targets == nil {
		out := make([]object, 0, len(list))
		for _, el := range list {
			m, ok := el.(map[string]any)
			if !ok {
				return nil, parseFail(attr, compactJSON(el))
			}
			out = append(out, objectFromMap(m))
		}
		return out, nil
	}
	var names []string
	for _, el := range list {
		var name string
		switch t := el.(type) {
		case string:
			name = t
		case map[string]any:
			n, ok := toStr(t["name"])
			if !ok {
				n, ok = toStr(t["q_origin_key"])
			}
			if !ok {
				return nil, parseFail(attr, compactJSON(el))
			}
			name = n
		default:
			return nil, parseFail(attr, compactJSON(el))
		}
		if !f.resolves(targets, name, vdom, !s.global) {
			return nil, parseFail("name", name)
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return refs(names...), nil
}

func objectFromMap(m map[string]any) object {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	o := make(object, 0, len(keys))
	for _, k := range keys {
		v := m[k]
		if sub, ok := v.(map[string]any); ok {
			v = objectFromMap(sub)
		}
		o = append(o, field{k, v})
	}
	return o
}

func emptyValue(v any) bool {
	switch t := v.(type) {
	case string:
		return t == ""
	case []object:
		return len(t) == 0
	case nil:
		return true
	}
	return false
}

// missingAttr is the CLI's refusal to save an object without a mandatory
// attribute: "Attribute 'schedule' MUST be set." with return code -56 (public
// third-party CLI captures; the HTTP status is [inf]).
func missingAttr(attr string) *fosError {
	return cliError(500, -56, fmt.Sprintf("Attribute '%s' MUST be set.", attr))
}

func checkRequired(s *tableSpec, row object) *fosError {
	for _, attr := range s.required {
		if emptyValue(mustGet(row, attr)) {
			return missingAttr(attr)
		}
	}
	return nil
}

// create adds a row (POST on a table). It returns the new key.
func (f *fortiOS) create(s *tableSpec, vdom string, body map[string]any) (any, *fosError) {
	rows := f.rows(s, vdom)
	row := s.template(f)
	var key any
	if s.intKey {
		n, ok := toInt(body[s.mkey])
		if !ok || n < 0 {
			return nil, parseFail(s.mkey, compactJSON(body[s.mkey]))
		}
		if n == 0 && s.autoKey {
			for _, r := range *rows {
				if id, _ := toInt(mustGet(r, s.mkey)); id > n {
					n = id
				}
			}
			n++
		}
		if n == 0 {
			return nil, parseFail(s.mkey, "0")
		}
		key = n
	} else {
		name, ok := toStr(body[s.mkey])
		if !ok || strings.TrimSpace(name) == "" {
			return nil, parseFail(s.mkey, "")
		}
		if s.maxKeyLen > 0 && len(name) > s.maxKeyLen {
			return nil, cliError(500, -1, "Invalid length of value.")
		}
		key = name
	}
	ks := keyString(key)
	if find(*rows, s, ks) >= 0 {
		return nil, duplicate(key)
	}
	row.set(s.mkey, key)
	row.set("q_origin_key", key)
	if err := f.applyAttrs(s, vdom, &row, body, ks); err != nil {
		err.mkey = key
		return nil, err
	}
	if row.has("uuid") && row.str("uuid") == "" {
		row.set("uuid", detUUID(f.dev.SN, vdom, s.key, ks, strconv.Itoa(f.revSeq)))
	}
	if row.has("uuid-idx") {
		f.uuidIdx++
		row.set("uuid-idx", f.uuidIdx)
	}
	if err := checkRequired(s, row); err != nil {
		err.mkey = key
		return nil, err
	}
	if s.check != nil {
		if err := s.check(f, vdom, &row, true); err != nil {
			err.mkey = key
			return nil, err
		}
	}
	*rows = append(*rows, row)
	if s == phase1Spec {
		f.addTunnelInterface(row, vdom)
	}
	return key, nil
}

// update merges the body into an existing row (PUT by key).
func (f *fortiOS) update(s *tableSpec, vdom, key string, body map[string]any) (any, *fosError) {
	rows := f.rows(s, vdom)
	i := find(*rows, s, key)
	if i < 0 {
		return nil, notFoundKey(keyOut(s, key), true)
	}
	work := (*rows)[i].clone()
	curKey := mustGet(work, s.mkey)
	newKey := curKey
	if raw, ok := body[s.mkey]; ok {
		var ks string
		if s.intKey {
			n, ok := toInt(raw)
			if !ok {
				return nil, parseFail(s.mkey, compactJSON(raw))
			}
			ks = strconv.FormatInt(n, 10)
			newKey = n
		} else {
			str, ok := toStr(raw)
			if !ok || str == "" {
				return nil, parseFail(s.mkey, compactJSON(raw))
			}
			ks = str
			newKey = str
		}
		if ks != key {
			// Renaming is allowed only where FortiOS's rename keeps
			// references intact; keys of policies, routes, interfaces and
			// tunnels stay fixed [inf].
			if !s.rename {
				return nil, parseFail(s.mkey, ks)
			}
			if s.maxKeyLen > 0 && len(ks) > s.maxKeyLen {
				return nil, cliError(500, -1, "Invalid length of value.")
			}
			if find(*rows, s, ks) >= 0 {
				return nil, duplicate(newKey)
			}
		}
	}
	if err := f.applyAttrs(s, vdom, &work, body, key); err != nil {
		err.mkey = curKey
		return nil, err
	}
	if err := checkRequired(s, work); err != nil {
		err.mkey = curKey
		return nil, err
	}
	if s.check != nil {
		if err := s.check(f, vdom, &work, false); err != nil {
			err.mkey = curKey
			return nil, err
		}
	}
	if keyString(newKey) != key {
		f.renameRefs(s, key, keyString(newKey), vdom)
		work.set(s.mkey, newKey)
		work.set("q_origin_key", newKey)
	}
	(*rows)[i] = work
	if s == phase1Spec {
		f.syncTunnelInterface(work)
	}
	return newKey, nil
}

// remove deletes a row (DELETE by key), refusing objects still referenced.
func (f *fortiOS) remove(s *tableSpec, vdom, key string) (any, *fosError) {
	rows := f.rows(s, vdom)
	i := find(*rows, s, key)
	if i < 0 {
		return nil, notFoundKey(keyOut(s, key), true)
	}
	row := (*rows)[i]
	k := mustGet(row, s.mkey)
	if s == interfaceSpec {
		if t := row.str("type"); t != "vlan" && t != "loopback" {
			// Ports, switches and IPsec tunnels cannot be deleted here [inf].
			return nil, &fosError{status: 500, code: -651, mkey: k,
				cli: fmt.Sprintf("Cannot delete %s interface %s\nCommand fail. Return code -651\n", t, key)}
		}
	}
	users := len(f.referrers(s, key, vdom))
	if s == phase1Spec {
		users += len(f.referrers(interfaceSpec, key, vdom))
	}
	if users > 0 {
		// "The entry is used by other N entries / Command fail. Return code
		// -23", the FortiOS CLI's refusal (a public CLI capture; not in the
		// reference [inf] for the HTTP status).
		e := cliError(500, -23, fmt.Sprintf("The entry is used by other %d entries", users))
		e.mkey = k
		return nil, e
	}
	*rows = append((*rows)[:i], (*rows)[i+1:]...)
	if s == phase1Spec {
		ifs := f.tables[""][interfaceSpec.key]
		if j := find(*ifs, interfaceSpec, key); j >= 0 {
			*ifs = append((*ifs)[:j], (*ifs)[j+1:]...)
		}
	}
	return k, nil
}

// keyOut types a URL key like the table's key attribute.
func keyOut(s *tableSpec, key string) any {
	if s.intKey {
		if n, err := strconv.ParseInt(key, 10, 64); err == nil {
			return n
		}
	}
	return key
}

// updateGlobal merges the body into system/global (PUT on the singleton).
func (f *fortiOS) updateGlobal(body map[string]any) *fosError {
	work := f.sysGlob.clone()
	if err := f.applyAttrs(globalSpec, f.mgmtVDOM, &work, body, ""); err != nil {
		return err
	}
	if err := checkGlobal(f, f.mgmtVDOM, &work, false); err != nil {
		return err
	}
	f.sysGlob = work
	return nil
}

// addTunnelInterface mirrors a new phase-1 interface into system/interface,
// as FortiOS does (the tunnel is then usable in policies and routes).
func (f *fortiOS) addTunnelInterface(p1 object, vdom string) {
	ifs := f.tables[""][interfaceSpec.key]
	row := interfaceSpec.template(f)
	row.set("name", p1.str("name"))
	row.set("q_origin_key", p1.str("name"))
	row.set("vdom", vdom)
	row.set("type", "tunnel")
	row.set("interface", p1.str("interface"))
	row.set("allowaccess", "ping")
	*ifs = append(*ifs, row)
}

func (f *fortiOS) syncTunnelInterface(p1 object) {
	ifs := *f.tables[""][interfaceSpec.key]
	if j := find(ifs, interfaceSpec, p1.str("name")); j >= 0 {
		ifs[j].set("interface", p1.str("interface"))
	}
}

// Table-specific checks.

var countryCode = regexp.MustCompile(`^[A-Z]{2}$`)

func checkAddress(f *fortiOS, vdom string, rowp *object, create bool) *fosError {
	row := *rowp
	switch row.str("type") {
	case "ipmask":
		// fortios-and-faz-data.md §2.14 quirk: start-ip holds the address and
		// end-ip the mask of an ipmask address.
		addr, mask, _ := strings.Cut(row.str("subnet"), " ")
		rowp.set("start-ip", addr)
		rowp.set("end-ip", mask)
	case "iprange":
		a, err1 := netip.ParseAddr(row.str("start-ip"))
		b, err2 := netip.ParseAddr(row.str("end-ip"))
		if err1 != nil || err2 != nil || a.IsUnspecified() || b.Less(a) {
			return parseFail("end-ip", row.str("end-ip"))
		}
	case "fqdn":
		if row.str("fqdn") == "" {
			return parseFail("fqdn", "")
		}
	case "geography":
		if !countryCode.MatchString(row.str("country")) {
			return parseFail("country", row.str("country"))
		}
	}
	return nil
}

func checkAddrgrp(f *fortiOS, vdom string, rowp *object, create bool) *fosError {
	row := *rowp
	self := row.str("name")
	// A group may not contain itself, directly or through other groups.
	seen := map[string]bool{}
	var walk func(names []string) bool
	walk = func(names []string) bool {
		for _, n := range names {
			if n == self {
				return true
			}
			if seen[n] {
				continue
			}
			seen[n] = true
			rows := *f.tables[vdom][addrgrpSpec.key]
			if i := find(rows, addrgrpSpec, n); i >= 0 && walk(refNames(mustGet(rows[i], "member"))) {
				return true
			}
		}
		return false
	}
	if walk(refNames(mustGet(row, "member"))) {
		return parseFail("name", self)
	}
	return nil
}

func checkInterface(f *fortiOS, vdom string, rowp *object, create bool) *fosError {
	row := *rowp
	t := row.str("type")
	if create && t != "vlan" && t != "loopback" {
		// Only logical interfaces can be created [inf].
		return parseFail("type", t)
	}
	if t == "vlan" {
		parent := row.str("interface")
		if parent == "" {
			return parseFail("interface", "")
		}
		id, _ := toInt(mustGet(row, "vlanid"))
		if id < 1 || id > 4094 {
			return parseFail("vlanid", strconv.FormatInt(id, 10))
		}
		for _, r := range *f.tables[""][interfaceSpec.key] {
			if r.str("name") != row.str("name") && r.str("type") == "vlan" && r.str("interface") == parent {
				if other, _ := toInt(mustGet(r, "vlanid")); other == id {
					return parseFail("vlanid", strconv.FormatInt(id, 10))
				}
			}
		}
	}
	mtu, _ := toInt(mustGet(row, "mtu"))
	if mtu < 68 || mtu > 9216 {
		return parseFail("mtu", strconv.FormatInt(mtu, 10))
	}
	return nil
}

func checkStatic(f *fortiOS, vdom string, rowp *object, create bool) *fosError {
	row := *rowp
	if d, _ := toInt(mustGet(row, "distance")); d < 1 || d > 255 {
		return parseFail("distance", strconv.FormatInt(d, 10))
	}
	if p, _ := toInt(mustGet(row, "priority")); p < 0 || p > 65535 {
		return parseFail("priority", strconv.FormatInt(p, 10))
	}
	if w, _ := toInt(mustGet(row, "weight")); w < 0 || w > 255 {
		return parseFail("weight", strconv.FormatInt(w, 10))
	}
	if row.str("blackhole") != "enable" && row.str("device") == "" && len(refNames(mustGet(row, "sdwan-zone"))) == 0 {
		return missingAttr("device")
	}
	return nil
}

func checkGlobal(f *fortiOS, vdom string, rowp *object, create bool) *fosError {
	row := *rowp
	h := row.str("hostname")
	if h == "" || len(h) > 35 {
		return parseFail("hostname", h)
	}
	ranges := []struct {
		attr   string
		lo, hi int64
	}{
		{"admintimeout", 1, 480}, {"admin-sport", 1, 65535}, {"admin-port", 1, 65535}, {"admin-ssh-port", 1, 65535},
		{"admin-lockout-threshold", 1, 10}, {"admin-lockout-duration", 1, 2147483647},
	}
	for _, r := range ranges {
		if v, ok := row.get(r.attr); ok {
			if n, _ := toInt(v); n < r.lo || n > r.hi {
				return parseFail(r.attr, strconv.FormatInt(n, 10))
			}
		}
	}
	// Switching VDOM mode reboots the unit's configuration model; the
	// emulator does not model it [inf].
	if row.str("vdom-mode") != f.sysGlob.str("vdom-mode") {
		return parseFail("vdom-mode", row.str("vdom-mode"))
	}
	if !slices.Contains(f.dev.VDOMs, row.str("management-vdom")) {
		return parseFail("management-vdom", row.str("management-vdom"))
	}
	return nil
}

func checkPhase1(f *fortiOS, vdom string, rowp *object, create bool) *fosError {
	row := *rowp
	if row.str("type") == "static" {
		if a, err := netip.ParseAddr(row.str("remote-gw")); err != nil || a.IsUnspecified() {
			return parseFail("remote-gw", row.str("remote-gw"))
		}
	}
	if row.str("authmethod") == "psk" && row.str("psksecret") == "" {
		return missingAttr("psksecret")
	}
	if create && find(*f.tables[""][interfaceSpec.key], interfaceSpec, row.str("name")) >= 0 {
		// The tunnel would clash with an interface of the same name.
		return duplicate(row.str("name"))
	}
	return nil
}
