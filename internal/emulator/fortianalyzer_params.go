package emulator

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// fazParams is one params entry of a JSON-RPC call, decoded with
// json.Number for numbers. Parameters are read from the entry itself, then
// from its "data" object (classic calls put them there; some v3 clients do
// too [inf]).
type fazParams map[string]any

func (p fazParams) url() string {
	s, _ := p["url"].(string)
	return s
}

func (p fazParams) raw(k string) (any, bool) {
	if v, ok := p[k]; ok {
		return v, true
	}
	if d, ok := p["data"].(map[string]any); ok {
		v, ok := d[k]
		return v, ok
	}
	return nil, false
}

// str reads a string (a number is taken as its text).
func (p fazParams) str(k string) (string, bool, bool) {
	v, ok := p.raw(k)
	if !ok || v == nil {
		return "", false, true
	}
	switch t := v.(type) {
	case string:
		return t, true, true
	case json.Number:
		return t.String(), true, true
	}
	return "", true, false
}

// int reads an integer, as a number or a numeric string. err reports a
// value of the wrong kind.
func (p fazParams) int(k string) (n int64, present bool, err error) {
	v, ok := p.raw(k)
	if !ok || v == nil {
		return 0, false, nil
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = strings.TrimSpace(t)
	default:
		return 0, true, strconv.ErrSyntax
	}
	n, err = strconv.ParseInt(s, 10, 64)
	return n, true, err
}

func (p fazParams) bool(k string) (b, present, ok bool) {
	v, has := p.raw(k)
	if !has || v == nil {
		return false, false, true
	}
	switch t := v.(type) {
	case bool:
		return t, true, true
	case json.Number:
		return t.String() != "0", true, true
	case string:
		switch strings.ToLower(t) {
		case "true", "1", "enable", "yes":
			return true, true, true
		case "false", "0", "disable", "no":
			return false, true, true
		}
	}
	return false, true, false
}

// strList reads a list of strings or numbers; a single value is a list of one.
func (p fazParams) strList(k string) ([]string, bool, bool) {
	v, ok := p.raw(k)
	if !ok || v == nil {
		return nil, false, true
	}
	one := func(x any) (string, bool) {
		switch t := x.(type) {
		case string:
			return t, true
		case json.Number:
			return t.String(), true
		}
		return "", false
	}
	if list, isList := v.([]any); isList {
		out := make([]string, 0, len(list))
		for _, x := range list {
			s, ok := one(x)
			if !ok {
				return nil, true, false
			}
			out = append(out, s)
		}
		return out, true, true
	}
	s, ok := one(v)
	if !ok {
		return nil, true, false
	}
	return []string{s}, true, true
}

// limitOffset reads limit (default def, 1..max) and offset (≥ 0).
func (c *fazCall) limitOffset(def, max int64) (limit, offset int64, ferr *fazErr) {
	limit, ok, err := c.p.int("limit")
	switch {
	case err != nil:
		return 0, 0, c.badData("limit must be an integer")
	case !ok:
		limit = def
	case limit < 1 || limit > max:
		return 0, 0, c.badData("limit must be between 1 and %d", max)
	}
	offset, _, err = c.p.int("offset")
	if err != nil || offset < 0 {
		return 0, 0, c.badData("offset must be a non-negative integer")
	}
	return limit, offset, nil
}

// filterParam parses "filter" (a FAZ filter string; absent or "" matches all).
func (c *fazCall) filterParam() (fazExpr, *fazErr) {
	s, _, ok := c.p.str("filter")
	if !ok {
		return nil, c.badData("filter must be a string")
	}
	x, err := parseFAZFilter(s)
	if err != nil {
		return nil, c.badData("invalid filter %q", clip(s, 80))
	}
	return x, nil
}

// fazTimeLayout is the "yyyy-MM-dd HH:mm:ss" form (§4.4), in the ADOM's time
// zone; the emulated instance runs on UTC [inf].
const fazTimeLayout = "2006-01-02 15:04:05"

func parseFAZTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{fazTimeLayout, time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// timeRange reads "time-range" {start, end}. Absent means all time. A
// malformed bound also means all time, silently, as the service does
// (§4.4 gotcha: "A malformed date silently turns into all time"). A value
// that is not an object is refused.
func (c *fazCall) timeRange() (from, to time.Time, ferr *fazErr) {
	v, ok := c.p.raw("time-range")
	if !ok || v == nil {
		return time.Time{}, time.Time{}, nil
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		return time.Time{}, time.Time{}, c.badData("time-range must be an object with start and end")
	}
	s, _ := m["start"].(string)
	e, _ := m["end"].(string)
	a, okA := parseFAZTime(s)
	b, okB := parseFAZTime(e)
	if !okA || !okB {
		return time.Time{}, time.Time{}, nil
	}
	return a, b, nil
}

func inRange(t, from, to time.Time) bool {
	if from.IsZero() && to.IsZero() {
		return true
	}
	return !t.Before(from) && !t.After(to)
}

// devSelector is one "device" entry: devname, devid ("SN" or "SN[vdom]")
// or csfname (§4.4). all: All_FortiGate / All_Device.
type devSelector struct {
	all                     bool
	devname, devid, vd, csf string
}

// deviceParam reads "device". A search without devices, or with an empty
// list, matches nothing: "The FAZ API requires a device filter. Without
// one, searches return 0 results" (FAZ-MCP, checked against appliances).
// A devname or devid may carry "[vdom]".
func (c *fazCall) deviceParam() ([]devSelector, *fazErr) {
	v, ok := c.p.raw("device")
	if !ok || v == nil {
		return nil, nil
	}
	list, isList := v.([]any)
	if !isList {
		return nil, c.badData("device must be an array of {devname|devid|csfname}")
	}
	var out []devSelector
	for _, x := range list {
		m, _ := x.(map[string]any)
		name, _ := m["devname"].(string)
		id, _ := m["devid"].(string)
		csf, _ := m["csfname"].(string)
		switch {
		case name == "All_FortiGate" || name == "All_Device" || id == "All_FortiGate" || id == "All_Device":
			out = append(out, devSelector{all: true})
		case name != "":
			sel := devSelector{devname: name}
			sel.devname, sel.vd = splitVDOM(name)
			out = append(out, sel)
		case id != "":
			sel := devSelector{}
			sel.devid, sel.vd = splitVDOM(id)
			out = append(out, sel)
		case csf != "":
			out = append(out, devSelector{csf: csf})
		default:
			return nil, c.badData("each device entry needs devname, devid or csfname")
		}
	}
	return out, nil
}

// splitVDOM splits "FGT60F…[root]" into the device and the VDOM.
func splitVDOM(s string) (string, string) {
	if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
		return s[:i], s[i+1 : len(s)-1]
	}
	return s, ""
}

func selects(sels []devSelector, devname, devid, vd, csf string) bool {
	for _, s := range sels {
		switch {
		case s.all:
			return true
		case s.devname != "" && s.devname == devname && (s.vd == "" || s.vd == vd):
			return true
		case s.devid != "" && s.devid == devid && (s.vd == "" || s.vd == vd):
			return true
		case s.csf != "" && s.csf == csf:
			return true
		}
	}
	return false
}

// adomParam checks the ADOM named in the URL (the first wildcard).
func (c *fazCall) adomParam() (string, *fazErr) {
	a := c.wild[0]
	for _, x := range fazADOMs {
		if x.name == a {
			return a, nil
		}
	}
	return "", fazNotExist("adom " + clip(a, 40))
}
