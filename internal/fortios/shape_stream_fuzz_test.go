package fortios

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

// FuzzShapeStream checks ShapeStream against what Shape promises and against Shape itself: the
// result fits the budget, JSON is valid and clean (checkClean), text shows no ENC value, hidden
// character or secret-named member, and no value Shape redacts from a JSON reply shows up in
// the streamed result. whole16 picks the size up to which the reply is read whole, so that small
// inputs go through the streamed decode too.
func FuzzShapeStream(f *testing.F) {
	seeds := append(slices2(shapeSeeds),
		string(addressReply(3, 1)),
		`[{"vdom":"root","results":[{"name":"a","psksecret":"x1y2z3w4"}]},{"vdom":"dmz","results":[{"name":"b","password":"ENC q9q9q9q9"}]}]`,
		`{"results":{"port1":{"password":"p4ssw0rd1"},"port1\u200b":{"password":""},"ENC k3yk3yk3y":{"x":"v4lv4lv4l"}},"status":"success"}`,
		`{"results":["ENC","c1ph3rt3xt"],"status":"success"}`,
		`["ENC",{"deep":"s3cr3tv4l"}]`,
		`{"comment":"`+strings.Repeat("long ", 400)+`","results":[{"token":"t0k3nt0k3n"},{"name":"x"}]}`,
		`{"size":5,"matched_count":5,"results":[1,2,3,4,5],"vdom":"root","password":"adm1np4ss"}`,
	)
	for _, s := range seeds {
		for _, whole := range []uint16{8, 64, 0xffff} {
			f.Add([]byte(s), uint16(600), whole)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, budget16, whole16 uint16) {
		budget := int(budget16)%16384 + 256 // the tools pass MaxResultBytes-512, at least 512
		whole := int(whole16) % (wholeLimit(budget) + 1)
		s, err := shapeStream(bytes.NewReader(body), budget, whole)
		if err != nil {
			t.Fatalf("a reader that cannot fail failed: %v", err)
		}
		if s.JSON != nil && s.Text != "" {
			t.Fatalf("both JSON and text: %+v", s)
		}
		if s.JSON != nil {
			if !json.Valid(s.JSON) {
				t.Fatalf("invalid JSON out of %q: %q", body, s.JSON)
			}
			if len(s.JSON) > budget {
				t.Fatalf("JSON of %d bytes exceeds the %d-byte budget (note %q)", len(s.JSON), budget, s.Note)
			}
			checkClean(t, s.JSON)
		}
		if len(s.Text) > budget || !utf8.ValidString(s.Text) || strings.Contains(s.Text, "ENC ") {
			t.Fatalf("text of %d bytes for a %d-byte budget: %q", len(s.Text), budget, s.Text)
		}
		for _, r := range s.Text {
			if hidden(r) {
				t.Fatalf("text keeps hidden character %U: %q", r, s.Text)
			}
		}
		if m := secretMember.FindStringSubmatch(s.Text); m != nil && m[2] != Redacted && m[2] != "" {
			t.Fatalf("text shows secret member %q in clear: %q", m[1], s.Text)
		}
		if s.Truncated && s.Note == "" {
			t.Fatal("truncated without a note")
		}
		if !json.Valid(body) {
			return // not JSON: Shape's text, checked above
		}
		// Whatever Shape redacts stays hidden, unless the same text is shown elsewhere anyway.
		visible := stringsIn(Shape(body, 1<<30, false).JSON)
		shown := stringsIn(s.JSON)
		for _, secret := range redactedBy(t, body) {
			if len(secret) < 4 || containedIn(secret, visible) {
				continue
			}
			if containedIn(secret, shown) || (plainToken.MatchString(secret) && len(secret) >= 6 && strings.Contains(s.Text, secret)) {
				t.Fatalf("%q, which Shape redacts, is in the streamed result: %s%s", secret, s.JSON, s.Text)
			}
		}
	})
}

func slices2(s []string) []string { return append([]string(nil), s...) }

// plainToken is a secret that reads the same in JSON text as decoded.
var plainToken = regexp.MustCompile(`^[A-Za-z0-9+/=_-]+$`)

// redactedBy lists the text Clean hides in a JSON reply: the strings and numbers of every
// member it judges secret (and keys that are ENC values), of ENC pairs, and ENC strings.
func redactedBy(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	var out []string
	var all func(v any)
	all = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				out = append(out, sanitize.String(k))
				all(val)
			}
		case []any:
			for _, e := range x {
				all(e)
			}
		case string:
			out = append(out, sanitize.String(x))
		case json.Number:
			out = append(out, x.String())
		}
	}
	c := newCleaner()
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if key, secret := c.judge(k, val); secret {
					if key == Redacted {
						out = append(out, sanitize.String(k))
					}
					all(val)
					continue
				}
				walk(val)
			}
		case []any:
			if isENCPair(x) {
				all(x)
				return
			}
			for _, e := range x {
				walk(e)
			}
		case string:
			if strings.HasPrefix(sanitize.String(x), "ENC ") {
				out = append(out, sanitize.String(x))
			}
		}
	}
	walk(v)
	return out
}

// stringsIn lists every key, string and number of a JSON value.
func stringsIn(raw []byte) []string {
	if raw == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var out []string
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch x := tok.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		}
	}
}

func containedIn(s string, list []string) bool {
	for _, l := range list {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}
