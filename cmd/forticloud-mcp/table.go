package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// tableOptions shape `call --output table`.
type tableOptions struct {
	// Columns picks a list's columns, in order; empty chooses them from the data.
	Columns []string
	// MaxColumns bounds the columns chosen from the data (default 8).
	MaxColumns int
	// CellWidth cuts a list's cells to this many characters (default 40); key/value rows get
	// twice as much.
	CellWidth int
}

func (o tableOptions) maxColumns() int {
	if o.MaxColumns <= 0 {
		return 8
	}
	return o.MaxColumns
}

func (o tableOptions) cellWidth() int {
	if o.CellWidth <= 0 {
		return 40
	}
	return o.CellWidth
}

// renderTable writes a tool result (as decodeOrdered returns it) for a person: a list of objects
// as columns, one object as key/value rows; the scalar fields around a list or an object (paging,
// the request's echo) go on a line after it. notes gets what the table leaves out.
func renderTable(w, notes io.Writer, v any, o tableOptions) error {
	var b, n strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	footer := tableOf(tw, &n, v, o)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(footer) > 0 {
		b.WriteString(strings.Join(footer, ", ") + "\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	if notes != nil && n.Len() > 0 {
		_, _ = io.WriteString(notes, n.String())
	}
	return nil
}

// tableOf writes v's table and returns the footer fields.
func tableOf(tw, notes io.Writer, v any, o tableOptions) []string {
	v = unwrap(v)
	switch x := v.(type) {
	case []any:
		if rows, ok := objects(x); ok {
			listTable(tw, notes, rows, o)
		} else {
			for _, e := range x {
				fmt.Fprintln(tw, cell(text(e), o.cellWidth()*2))
			}
		}
	case *object:
		key, rows, ok := mainList(x)
		if !ok {
			key, ok = mainObject(x)
		}
		if !ok {
			kvTable(tw, x, o)
			return nil
		}
		var footer []string
		if rows != nil || isList(x.vals[key]) {
			if len(rows) == 0 {
				fmt.Fprintf(tw, "no %s\n", key)
			} else {
				listTable(tw, notes, rows, o)
			}
		} else {
			footer = tableOf(tw, notes, x.vals[key], o)
		}
		for _, k := range x.keys {
			if k != key {
				footer = append(footer, k+": "+cell(text(x.vals[k]), o.cellWidth()))
			}
		}
		return footer
	default:
		fmt.Fprintln(tw, cell(text(x), 0))
	}
	return nil
}

func isList(v any) bool { _, ok := v.([]any); return ok }

// mainObject finds the one object in a result whose other fields are simple values, such as
// socaas_query's {resource, item: {...}} or fortios_proxy's {serial, path, response: {...}}.
func mainObject(o *object) (string, bool) {
	found := ""
	for _, k := range o.keys {
		switch o.vals[k].(type) {
		case *object:
			if found != "" {
				return "", false
			}
			found = k
		case []any:
			return "", false
		}
	}
	return found, found != ""
}

// unwrap looks through an object holding nothing but one object or list.
func unwrap(v any) any {
	for {
		o, ok := v.(*object)
		if !ok || len(o.keys) != 1 {
			return v
		}
		switch inner := o.vals[o.keys[0]].(type) {
		case *object, []any:
			v = inner
		default:
			return v
		}
	}
}

// objects reports whether list holds only objects (an empty list does).
func objects(list []any) ([]*object, bool) {
	rows := make([]*object, 0, len(list))
	for _, e := range list {
		o, ok := e.(*object)
		if !ok {
			return nil, false
		}
		rows = append(rows, o)
	}
	return rows, true
}

// mainList finds the one list of objects in a result such as {devices: [...], total, ...}.
func mainList(o *object) (string, []*object, bool) {
	found := ""
	var rows []*object
	for _, k := range o.keys {
		list, ok := o.vals[k].([]any)
		if !ok {
			continue
		}
		r, ok := objects(list)
		if !ok {
			continue
		}
		if found != "" {
			return "", nil, false // two lists: neither is the result
		}
		found, rows = k, r
	}
	return found, rows, found != ""
}

// listTable writes rows as columns: the ones asked for, or those with a value somewhere, simple
// values first, at most MaxColumns of them.
func listTable(tw io.Writer, notes io.Writer, rows []*object, o tableOptions) {
	var keys []string
	seen := map[string]bool{}
	for _, r := range rows {
		for _, k := range r.keys {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	cols := o.Columns
	if len(cols) == 0 {
		var left []string
		for _, k := range keys {
			if kindOf(rows, k) == "empty" {
				left = append(left, k)
			} else {
				cols = append(cols, k)
			}
		}
		slices.SortStableFunc(cols, func(a, b string) int { return columnRank(rows, a) - columnRank(rows, b) })
		if len(cols) > o.maxColumns() {
			left = append(cols[o.maxColumns():], left...)
			cols = cols[:o.maxColumns()]
		}
		if len(left) > 0 && notes != nil {
			fmt.Fprintf(notes, "columns not shown: %s (pick them with --columns, or see everything with --output json)\n", strings.Join(left, ", "))
		}
	} else if notes != nil {
		var unknown []string
		for _, c := range cols {
			if !seen[c] {
				unknown = append(unknown, c)
			}
		}
		if len(unknown) > 0 {
			fmt.Fprintf(notes, "no field %s in these results; fields: %s\n", strings.Join(unknown, ", "), strings.Join(keys, ", "))
		}
	}
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = cell(c, o.cellWidth())
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range rows {
		line := make([]string, len(cols))
		for i, c := range cols {
			v, _ := r.get(c)
			line[i] = cell(text(v), o.cellWidth())
		}
		fmt.Fprintln(tw, strings.Join(line, "\t"))
	}
}

// columnRank orders the columns chosen from the data: what identifies a row (id, serial), then
// its name, then what people look for first (status, model, version), then the other simple
// values, values that are the same in every row, and nested values last.
func columnRank(rows []*object, key string) int {
	k := strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(key))
	switch {
	case kindOf(rows, key) == "nested":
		return 6
	case k == "id" || k == "uuid" || k == "sn" || k == "serial" || k == "serialnumber" || (strings.HasSuffix(k, "id") && len(rows) > 0 && unique(rows, key)):
		return 0
	case k == "name" || k == "title" || k == "subject" || k == "hostname" || k == "devname":
		return 1
	case k == "status" || k == "state" || k == "severity" || k == "type" || k == "model" || k == "ip" || k == "action" || k == "method" ||
		strings.Contains(k, "status") || strings.Contains(k, "version") || strings.Contains(k, "alive") || strings.Contains(k, "firmware"):
		return 2
	case len(rows) > 1 && constant(rows, key):
		return 5
	}
	return 3
}

// unique reports whether no two rows share the column's value.
func unique(rows []*object, key string) bool {
	seen := map[string]bool{}
	for _, r := range rows {
		v, _ := r.get(key)
		t := text(v)
		if seen[t] {
			return false
		}
		seen[t] = true
	}
	return true
}

// constant reports whether every row has the same value in the column.
func constant(rows []*object, key string) bool {
	first := ""
	for i, r := range rows {
		v, _ := r.get(key)
		if i == 0 {
			first = text(v)
		} else if text(v) != first {
			return false
		}
	}
	return true
}

// kindOf says what a column holds: empty (no value in any row), simple (only scalars) or nested.
func kindOf(rows []*object, key string) string {
	kind := "empty"
	for _, r := range rows {
		v, _ := r.get(key)
		if isEmpty(v) {
			continue
		}
		switch v.(type) {
		case *object, []any:
			return "nested"
		}
		kind = "simple"
	}
	return kind
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case *object:
		return len(x.keys) == 0
	}
	return false
}

// kvTable writes one object as key/value rows.
func kvTable(tw io.Writer, o *object, opts tableOptions) {
	for _, k := range o.keys {
		fmt.Fprintf(tw, "%s\t%s\n", cell(k, opts.cellWidth()), cell(text(o.vals[k]), opts.cellWidth()*2))
	}
}

// text renders a value for a cell: strings as they are, numbers and booleans as JSON, objects
// and lists as compact JSON.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// splitColumns accepts --columns a,b --columns c.
func splitColumns(in []string) []string {
	var out []string
	for _, c := range in {
		for part := range strings.SplitSeq(c, ",") {
			if part = strings.TrimSpace(part); part != "" && !slices.Contains(out, part) {
				out = append(out, part)
			}
		}
	}
	return out
}
