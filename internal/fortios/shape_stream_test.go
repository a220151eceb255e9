package fortios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// addressReply is a cmdb/firewall/address list GET as FortiOS 7.x sends it
// (fortios-and-faz-data.md §1.1 field order, §2.14 entries), about 480 bytes an entry. Every
// secretEvery-th entry (0: none) carries secrets in the forms §1.8 lists.
func addressReply(n, secretEvery int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"http_method":"GET","revision":"bd002ee1735120907182831e7528dc8b","size":%d,"limit_reached":false,"matched_count":%d,"next_idx":%d,"results":[`, n, n, n-1)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"host-%06d","q_origin_key":"host-%06d","uuid":"39673efe-abeb-51e8-a8da-%012d","type":"ipmask","route-tag":0,`+
			`"sub-type":"sdn","subnet":"10.%d.%d.%d 255.255.255.255","start-ip":"10.%d.%d.%d","end-ip":"255.255.255.255","fqdn":"","country":"",`+
			`"cache-ttl":0,"wildcard":"0.0.0.0 0.0.0.0","sdn":"","comment":"imported from IPAM","associated-interface":"","color":%d,`+
			`"list":[],"tagging":[],"allow-routing":"disable","fabric-object":"disable"`,
			i, i, i, i>>16&255, i>>8&255, i&255, i>>16&255, i>>8&255, i&255, i%32)
		if secretEvery > 0 && i%secretEvery == 0 {
			fmt.Fprintf(&b, `,"password":"ENC c2VjcmV0%06d","psksecret-remote":"plain%06d","key":"ENC a2V5%06d","adm_pass":["ENC","cGFpcg%06d"]`, i, i, i, i)
		}
		b.WriteByte('}')
	}
	b.WriteString(`],"vdom":"root","path":"firewall","name":"address","status":"success","http_status":200,"serial":"FGT60FTK2209A001","version":"v7.4.4","build":2662}`)
	return b.Bytes()
}

// countingReader counts what was read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// failingReader gives data, then fails as a reset connection does.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

var secretsInReplies = []string{"c2VjcmV0", "plain0", "a2V5", "cGFpcg", "hunter2", "ENC "}

func TestShapeStream(t *testing.T) {
	small := addressReply(3, 1)
	huge := addressReply(12000, 7) // about 6 MB
	keyed := func(n int) []byte {
		m := map[string]any{}
		for i := range n {
			m[fmt.Sprintf("port%05d", i)] = map[string]any{"name": fmt.Sprintf("port%05d", i), "link": true, "speed": 1000, "password": "hunter2"}
		}
		b, _ := json.Marshal(map[string]any{"http_method": "GET", "results": m, "vdom": "root", "status": "success"})
		return b
	}
	perVDOM := func(n int) []byte { // §1.2: ?vdom=* answers one envelope per VDOM
		one := string(addressReply(n, 5))
		return []byte("[" + strings.Replace(one, `"vdom":"root"`, `"vdom":"dmz"`, 1) + "," + one + "]")
	}
	text := []byte("#config-version=FGT60F-7.4.4\nconfig system admin\n    edit admin\n        set password ENC c2VjcmV0MQ==\n" + strings.Repeat("    set comment \"x\"\n", 30000))
	malformedEarly := bytes.Clone(huge)
	malformedEarly[bytes.Index(malformedEarly[1000:], []byte("},{"))+1001] = ';' // items no longer separated
	cases := []struct {
		name   string
		body   []byte
		budget int
		// sameAsShape: the result is exactly Shape's.
		sameAsShape bool
		wantJSON    bool
		truncated   bool
		note        []string // the note says these
		maxRead     int      // at most this much read from the source (0: any)
	}{
		{name: "small reply: Shape's result", body: small, budget: 64 << 10, sameAsShape: true, wantJSON: true},
		{name: "huge reply: cut, reading stops", body: huge, budget: 64 << 10, wantJSON: true, truncated: true,
			note: []string{"kept the first", "results entries", "matched_count 12000", "reading stopped"}, maxRead: wholeLimit(64<<10) + 64<<10},
		{name: "huge reply, small budget", body: huge, budget: 2048, wantJSON: true, truncated: true, note: []string{"kept the first"}, maxRead: 64 << 10},
		{name: "keyed map results", body: keyed(5000), budget: 8192, wantJSON: true, truncated: true, note: []string{"results entries"}},
		{name: "array of per-VDOM envelopes", body: perVDOM(6000), budget: 16 << 10, wantJSON: true, truncated: true,
			note: []string{"top-level items", "in item 1", "kept the first"}, maxRead: 512 << 10},
		{name: "not JSON: Shape's text", body: text, budget: 4096, sameAsShape: true, truncated: true},
		{name: "malformed early: Shape's text", body: malformedEarly, budget: 4096, sameAsShape: true, truncated: true},
		{name: "malformed past what is read: cut as JSON", body: append(bytes.Clone(huge), '}'), budget: 4096, wantJSON: true, truncated: true},
		{name: "a field too large before the list is cut", body: []byte(`{"http_method":"GET","cli_error":"` + strings.Repeat("x", 300<<10) + `",` + string(huge[1:])),
			budget: 64 << 10, wantJSON: true, truncated: true, note: []string{"replaced the value of 1 other field", "kept the first"}},
		{name: "no list within the read limit: the fields read", body: []byte(`{"http_method":"GET","password":"hunter2","comment":"` + strings.Repeat("x", 2<<20) + `",` + string(huge[1:])),
			budget: 4096, wantJSON: true, truncated: true, note: []string{"showing the fields read"}, maxRead: 256 << 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &countingReader{r: bytes.NewReader(c.body)}
			got, err := ShapeStream(src, c.budget)
			if err != nil {
				t.Fatal(err)
			}
			if c.sameAsShape {
				if want := Shape(c.body, c.budget, false); !reflect.DeepEqual(got, want) {
					t.Fatalf("differs from Shape:\n got %+v\nwant %+v", got, want)
				}
			}
			if c.wantJSON != (got.JSON != nil) || (got.JSON != nil && !json.Valid(got.JSON)) {
				t.Fatalf("JSON %v (valid %v), want JSON %v; text %.200q note %q", got.JSON != nil, json.Valid(got.JSON), c.wantJSON, got.Text, got.Note)
			}
			if len(got.JSON) > c.budget || len(got.Text) > c.budget {
				t.Fatalf("%d+%d bytes exceed the %d-byte budget", len(got.JSON), len(got.Text), c.budget)
			}
			if got.Truncated != c.truncated {
				t.Fatalf("truncated %v, want %v (note %q)", got.Truncated, c.truncated, got.Note)
			}
			for _, s := range c.note {
				if !strings.Contains(got.Note, s) {
					t.Errorf("note %q does not say %q", got.Note, s)
				}
			}
			if c.maxRead > 0 && src.n > c.maxRead {
				t.Errorf("read %d of %d bytes, want at most %d", src.n, len(c.body), c.maxRead)
			}
			out := string(got.JSON) + got.Text
			for _, s := range secretsInReplies {
				if strings.Contains(out, s) {
					t.Errorf("secret %q survived: %.300s", s, out)
				}
			}
			if got.JSON != nil {
				checkClean(t, got.JSON)
			}
			t.Logf("read %d of %d bytes; %d bytes out; note %q", src.n, len(c.body), len(got.JSON)+len(got.Text), got.Note)
		})
	}
}

// TestShapeStreamKeepsRedactionAndItemsOfAHugeReply: the kept items of a huge reply are whole
// entries in order, redacted, with the envelope's fields that came before them.
func TestShapeStreamKeepsRedactionAndItemsOfAHugeReply(t *testing.T) {
	got, err := ShapeStream(bytes.NewReader(addressReply(20000, 1)), 16<<10)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Revision string           `json:"revision"`
		Matched  int              `json:"matched_count"`
		Results  []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(got.JSON, &env); err != nil {
		t.Fatal(err)
	}
	if env.Revision == "" || env.Matched != 20000 || len(env.Results) < 10 {
		t.Fatalf("envelope %+v", env)
	}
	for i, r := range env.Results {
		if r["name"] != fmt.Sprintf("host-%06d", i) || r["password"] != Redacted || r["psksecret-remote"] != Redacted || r["key"] != Redacted || r["adm_pass"] != Redacted {
			t.Fatalf("entry %d: %v", i, r)
		}
	}
	if got.Redacted != 4*len(env.Results) || !strings.Contains(got.Note, fmt.Sprintf("kept the first %d results entries", len(env.Results))) {
		t.Fatalf("redacted %d for %d entries; note %q", got.Redacted, len(env.Results), got.Note)
	}
}

// TestShapeStreamAtTheBudget: a reply whose shaped form is exactly the budget is kept whole, by
// Shape and by the streamed decode alike.
func TestShapeStreamAtTheBudget(t *testing.T) {
	body := addressReply(40, 3)
	exact := len(Shape(body, 1<<20, false).JSON)
	for _, whole := range []int{1 << 20, 64} { // read whole, and streamed
		got, err := shapeStream(bytes.NewReader(body), exact, whole)
		if err != nil {
			t.Fatal(err)
		}
		if got.Truncated || got.JSON == nil || !bytes.Equal(canonical(t, got.JSON), canonical(t, Shape(body, exact, false).JSON)) {
			t.Fatalf("whole limit %d: truncated %v, note %q", whole, got.Truncated, got.Note)
		}
		got, _ = shapeStream(bytes.NewReader(body), exact-1, whole)
		if !got.Truncated || len(got.JSON) > exact-1 {
			t.Fatalf("whole limit %d, one byte less: truncated %v, %d bytes", whole, got.Truncated, len(got.JSON))
		}
	}
}

// TestShapeStreamMatchesShapeWhenNothingIsCut: forced through the streamed decode, replies that
// fit come out as Shape makes them (key order aside), secrets and hidden characters included.
func TestShapeStreamMatchesShapeWhenNothingIsCut(t *testing.T) {
	for _, body := range shapeSeeds {
		want := Shape([]byte(body), 1<<20, false)
		got, err := shapeStream(strings.NewReader(body), 1<<20, 8)
		if err != nil {
			t.Fatal(err)
		}
		if (want.JSON == nil) != (got.JSON == nil) || got.Truncated != want.Truncated {
			t.Fatalf("%.80s: got %+v, want %+v", body, got, want)
		}
		if want.JSON != nil && !bytes.Equal(canonical(t, got.JSON), canonical(t, want.JSON)) {
			t.Fatalf("%.80s:\n got %s\nwant %s", body, got.JSON, want.JSON)
		}
		if want.JSON != nil && got.Redacted != want.Redacted { // text: a whole limit this small shows less
			t.Errorf("%.80s: redacted %d, Shape %d", body, got.Redacted, want.Redacted)
		}
	}
}

func TestShapeStreamReportsTheSourcesFailure(t *testing.T) {
	reset := errors.New("connection reset by peer")
	// Items only after the part read whole, so that the decode needs what the source fails on.
	body := addressReply(2000, 0)
	at := bytes.Index(body, []byte(`"results":[`)) + len(`"results":[`)
	body = slices.Concat(body[:at], bytes.Repeat([]byte(" "), 600<<10), body[at:])
	for _, n := range []int{100, 620 << 10} { // in the part read whole, and while streaming
		_, err := ShapeStream(&failingReader{data: body[:n], err: reset}, 64<<10)
		if !errors.Is(err, reset) {
			t.Fatalf("after %d bytes: %v", n, err)
		}
	}
}

// benchReply is a ~5 MB cmdb/firewall/address list, with secrets in one entry of 10.
var benchReply = addressReply(10500, 10)

// BenchmarkShape is the whole-reply way: the reply in memory, decoded whole, cleaned whole, cut.
func BenchmarkShape(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchReply)))
	for b.Loop() {
		if s := Shape(benchReply, 64<<10-512, false); !s.Truncated {
			b.Fatal("not cut")
		}
	}
}

// BenchmarkShapeStream is the streamed way on the same reply, read from a reader.
func BenchmarkShapeStream(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchReply)))
	for b.Loop() {
		if s, err := ShapeStream(bytes.NewReader(benchReply), 64<<10-512); err != nil || !s.Truncated {
			b.Fatal("not cut", err)
		}
	}
}
