package main

import (
	"bytes"
	"strings"
	"testing"
)

func renderString(t *testing.T, js string, o tableOptions) (out, notes string) {
	t.Helper()
	v, err := decodeOrdered([]byte(js))
	if err != nil {
		t.Fatalf("decoding %s: %v", js, err)
	}
	var w, n bytes.Buffer
	if err := renderTable(&w, &n, v, o); err != nil {
		t.Fatal(err)
	}
	return w.String(), n.String()
}

func lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }

// fields splits a table line on its padding (two spaces or more).
func fields(line string) []string {
	var out []string
	for _, f := range strings.Split(line, "  ") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// TestTableListOfObjects: a paged list becomes columns (identifying and naming fields first,
// empty ones left out) with the paging fields on a line after it.
func TestTableListOfObjects(t *testing.T) {
	out, notes := renderString(t, `{"devices":[
		{"contractEndTime":0,"firmwareVersion":"7.2.8","ip":"","model":"FortiGate 60F","name":"A","sn":"FG1","note":null},
		{"contractEndTime":0,"firmwareVersion":"7.4.4","ip":"10.0.0.1","model":"FortiGate 100F","name":"B","sn":"FG2","note":null}],
		"total":58,"returned":2,"truncated":true,"next_offset":2}`, tableOptions{})
	l := lines(out)
	if len(l) != 4 {
		t.Fatalf("want header, 2 rows and a footer:\n%s", out)
	}
	if got := strings.Join(fields(l[0]), ","); got != "sn,name,firmwareVersion,ip,model,contractEndTime" {
		t.Errorf("columns %s\n%s", got, out)
	}
	if got := strings.Join(fields(l[1]), ","); got != "FG1,A,7.2.8,-,FortiGate 60F,0" {
		t.Errorf("first row %s", got)
	}
	if l[3] != "total: 58, returned: 2, truncated: true, next_offset: 2" {
		t.Errorf("footer %q", l[3])
	}
	if !strings.Contains(notes, "columns not shown: note") {
		t.Errorf("notes %q should name the empty column", notes)
	}
}

// TestTableColumnsAndCuts: --columns picks and orders columns; long cells are cut on one line;
// too many columns are left out with a note; nested values are compact JSON.
func TestTableColumnsAndCuts(t *testing.T) {
	long := strings.Repeat("x", 100)
	js := `[{"a":1,"b":"` + long + `","c":{"k":[1,2]},"d":"line1\nline2","e":5,"f":6,"g":7,"h":8,"i":9,"j":10}]`
	out, notes := renderString(t, js, tableOptions{Columns: []string{"d", "a", "zz"}})
	l := lines(out)
	if got := strings.Join(fields(l[0]), ","); got != "d,a,zz" {
		t.Errorf("header %q", got)
	}
	if got := strings.Join(fields(l[1]), ","); got != "line1 line2,1,-" {
		t.Errorf("row %q", got)
	}
	if !strings.Contains(notes, "no field zz") {
		t.Errorf("notes %q should say zz is unknown", notes)
	}

	out, notes = renderString(t, js, tableOptions{MaxColumns: 3, CellWidth: 10})
	l = lines(out)
	row := fields(l[1])
	if len(fields(l[0])) != 3 || len(row) != 3 {
		t.Fatalf("want 3 columns:\n%s", out)
	}
	for _, c := range row {
		if len([]rune(c)) > 10 {
			t.Errorf("cell %q longer than 10", c)
		}
	}
	if !strings.Contains(notes, "columns not shown:") || !strings.Contains(notes, "c") {
		t.Errorf("notes %q", notes)
	}
	out, _ = renderString(t, `[{"c":{"k":[1,2]},"a":1}]`, tableOptions{})
	if got := strings.Join(fields(lines(out)[1]), ","); got != `1,{"k":[1,2]}` {
		t.Errorf("nested value last and compact: %q", got)
	}
}

// TestTableSingleObject: one object is key/value rows; an object wrapped with request echo
// fields is unwrapped, the echo going to the footer.
func TestTableSingleObject(t *testing.T) {
	out, _ := renderString(t, `{"approval_id":"ap-x","status":"pending","expires_at":"2026-01-01T00:00:00Z"}`, tableOptions{})
	l := lines(out)
	if len(l) != 3 || strings.Join(fields(l[1]), "=") != "status=pending" {
		t.Fatalf("key/value rows:\n%s", out)
	}
	out, _ = renderString(t, `{"resource":"alert","item":{"id":7,"name":"n"},"truncated":false}`, tableOptions{})
	l = lines(out)
	if strings.Join(fields(l[0]), "=") != "id=7" || strings.Join(fields(l[1]), "=") != "name=n" || l[2] != "resource: alert, truncated: false" {
		t.Fatalf("unwrapped object:\n%s", out)
	}
	out, _ = renderString(t, `{"item":{"x":"y"}}`, tableOptions{})
	if strings.TrimSpace(out) != "x  y" {
		t.Fatalf("single wrapper: %q", out)
	}
}

// TestTableEdgeCases: empty lists, lists of scalars, two lists (no main one), hostile text.
func TestTableEdgeCases(t *testing.T) {
	out, _ := renderString(t, `{"programs":[],"total":0}`, tableOptions{})
	if out != "no programs\ntotal: 0\n" {
		t.Errorf("empty list: %q", out)
	}
	out, _ = renderString(t, `["a","b"]`, tableOptions{})
	if out != "a\nb\n" {
		t.Errorf("scalars: %q", out)
	}
	out, _ = renderString(t, `{"x":[{"a":1}],"y":[{"b":2}]}`, tableOptions{})
	if !strings.HasPrefix(out, "x  [{\"a\":1}]") {
		t.Errorf("two lists are key/value rows: %q", out)
	}
	out, _ = renderString(t, `[{"name":"evil\u001b[31mred\u0007"}]`, tableOptions{})
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("control characters reached the terminal: %q", out)
	}
	out, _ = renderString(t, `42`, tableOptions{})
	if out != "42\n" {
		t.Errorf("scalar: %q", out)
	}
}

// TestOrderedJSONRoundTrip: keys keep their order, numbers their text, and the indented output
// does not escape HTML characters.
func TestOrderedJSONRoundTrip(t *testing.T) {
	v, err := decodeOrdered([]byte(`{"z":1,"a":{"y":12345678901234567890,"b":[true,null,"<&>"]},"m":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeIndented(&b, v); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"z\": 1,\n  \"a\": {\n    \"y\": 12345678901234567890,\n    \"b\": [\n      true,\n      null,\n      \"<&>\"\n    ]\n  },\n  \"m\": {}\n}\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	if _, err := decodeOrdered([]byte(`{"a":1} x`)); err == nil {
		t.Error("trailing data accepted")
	}
}

// TestSplitColumns accepts repeated and comma-separated --columns.
func TestSplitColumns(t *testing.T) {
	if got := strings.Join(splitColumns([]string{"a, b", "c,a", ""}), ","); got != "a,b,c" {
		t.Errorf("got %s", got)
	}
}
