package emulator

import (
	"errors"
	"strconv"
	"strings"
)

// cmdb filter= (fortios-and-faz-data.md §1.7): "attr<op>value"; operators
// == (case-insensitive match), != , =@ (contains), !@ , <=, <, >=, >.
// Commas inside one filter are OR; several filter= parameters are AND.

type filterCond struct {
	attr, op, value string
	exact           bool // key/pattern: case-sensitive equality
}

var filterOps = []string{"==", "!=", "=@", "!@", "<=", ">=", "<", ">"}

var errBadFilter = errors.New("invalid filter")

// parseFilter reads one condition. The attribute is everything before the
// first operator; the value may itself contain operator characters.
func parseFilter(s string) (filterCond, error) {
	for i := 0; i < len(s); i++ {
		for _, op := range filterOps {
			if strings.HasPrefix(s[i:], op) {
				if i == 0 {
					return filterCond{}, errBadFilter
				}
				return filterCond{attr: s[:i], op: op, value: s[i+len(op):]}, nil
			}
		}
	}
	return filterCond{}, errBadFilter
}

// parseFilters turns the filter= values into AND-of-OR clauses.
func parseFilters(vals []string) ([][]filterCond, error) {
	var out [][]filterCond
	for _, v := range vals {
		var clause []filterCond
		for _, part := range strings.Split(v, ",") {
			c, err := parseFilter(part)
			if err != nil {
				return nil, err
			}
			clause = append(clause, c)
		}
		out = append(out, clause)
	}
	return out, nil
}

func matchAll(r object, clauses [][]filterCond) bool {
	for _, clause := range clauses {
		ok := false
		for _, c := range clause {
			if c.match(r) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// match tests one row. Reference lists match when any member name matches
// (and != / !@ when none does) [inf]; a missing attribute matches only the
// negative operators [inf].
func (c filterCond) match(r object) bool {
	v, ok := r.get(c.attr)
	negative := c.op == "!=" || c.op == "!@"
	if !ok {
		return negative
	}
	switch t := v.(type) {
	case []object:
		names := refNames(t)
		pos := c.op
		switch c.op {
		case "!=":
			pos = "=="
		case "!@":
			pos = "=@"
		}
		any := false
		for _, n := range names {
			if c.scalar(n, pos) {
				any = true
				break
			}
		}
		if negative {
			return !any
		}
		return any
	case string:
		return c.scalar(t, c.op)
	case int64:
		return c.scalar(strconv.FormatInt(t, 10), c.op)
	case bool:
		return c.scalar(strconv.FormatBool(t), c.op)
	}
	return negative
}

func (c filterCond) scalar(s, op string) bool {
	switch op {
	case "==":
		if c.exact {
			return s == c.value
		}
		return strings.EqualFold(s, c.value)
	case "!=":
		return !strings.EqualFold(s, c.value)
	case "=@":
		return strings.Contains(strings.ToLower(s), strings.ToLower(c.value))
	case "!@":
		return !strings.Contains(strings.ToLower(s), strings.ToLower(c.value))
	}
	// Comparisons are numeric when both sides are numbers, else lexical.
	cmp := 0
	a, errA := strconv.ParseFloat(s, 64)
	b, errB := strconv.ParseFloat(c.value, 64)
	if errA == nil && errB == nil {
		switch {
		case a < b:
			cmp = -1
		case a > b:
			cmp = 1
		}
	} else {
		cmp = strings.Compare(s, c.value)
	}
	switch op {
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	}
	return false
}
