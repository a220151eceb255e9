package emulator

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func rowGetter(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestFAZFilterParser(t *testing.T) {
	row := map[string]string{"srcip": "10.0.0.5", "action": "deny", "dstport": "445", "app": "HTTPS.BROWSER",
		"hostname": "login-secure.example.net", "severity": "high", "ui": "https(198.51.100.77)", "msg": `say "hi"`}
	tests := []struct {
		in    string
		canon string // "" means parse error
		match bool
		cs    bool
	}{
		{"srcip==10.0.0.5", `srcip=="10.0.0.5"`, true, false},
		{"srcip==10.0.0.5 and action==deny", `srcip=="10.0.0.5" and action=="deny"`, true, false},
		{"srcip==10.0.0.5 AND action==accept", `srcip=="10.0.0.5" and action=="accept"`, false, false},
		{"srcip=10.0.0.5 action=deny", `srcip="10.0.0.5" and action="deny"`, true, false},
		{"srcip == 10.0.0.5 && action != accept", `srcip=="10.0.0.5" and action!="accept"`, true, false},
		{"action==accept or dstport==445", `action=="accept" or dstport=="445"`, true, false},
		{"action==accept || dstport==80", `action=="accept" or dstport=="80"`, false, false},
		{"a==1 or b==2 and c==3", `a=="1" or b=="2" and c=="3"`, false, false},
		{"(dstport==443 or dstport==445) and not app==\"HTTPS.BROWSER\"", `(dstport=="443" or dstport=="445") and not app=="HTTPS.BROWSER"`, false, false},
		{"!(action==accept)", `not action=="accept"`, true, false},
		{"not (action==accept or dstport==80)", `not (action=="accept" or dstport=="80")`, true, false},
		{"(a==1 and b==2) and (c==3 or srcip==10.0.0.5)", `a=="1" and b=="2" and (c=="3" or srcip=="10.0.0.5")`, false, false},
		{strings.Repeat("(", 31) + "a==1 or b==2 and c==3" + strings.Repeat(")", 31), `a=="1" or b=="2" and c=="3"`, false, false},
		{`action=="DENY"`, `action=="DENY"`, true, false},
		{`action=="DENY"`, `action=="DENY"`, false, true},
		{`action=='deny'`, `action=="deny"`, true, true},
		{`msg=="say \"hi\""`, `msg=="say \"hi\""`, true, false},
		{"srcip==10.0.0.0/24", `srcip=="10.0.0.0/24"`, true, false},
		{"srcip==10.0.1.0/24", `srcip=="10.0.1.0/24"`, false, false},
		{"hostname==*.example.net", `hostname=="*.example.net"`, true, false},
		{"hostname==login*", `hostname=="login*"`, true, false},
		{"hostname~secure", `hostname~"secure"`, true, false},
		{"hostname!~secure", `hostname!~"secure"`, false, false},
		{"dstport>=443 and dstport<1024", `dstport>="443" and dstport<"1024"`, true, false},
		{"dstport>9", `dstport>"9"`, true, false},
		{"srcip>10.0.0.4", `srcip>"10.0.0.4"`, true, false},
		{"severity>=3", `severity>="3"`, true, false},
		{"severity>3", `severity>"3"`, false, false},
		{"user==jdoe", `user=="jdoe"`, false, false},
		{"user!=jdoe", `user!="jdoe"`, true, false},
		{"ui==https(198.51.100.77)", `ui=="https(198.51.100.77)"`, true, false},
		{"(ui==https(198.51.100.77))", `ui=="https(198.51.100.77)"`, true, false},
		{"   ", "", true, false}, // empty: matches everything
		{"srcip", "", false, false},
		{"srcip==", "", false, false},
		{"==x", "", false, false},
		{"srcip==1 and", "", false, false},
		{"(srcip==1", "", false, false},
		{"srcip==1)", "", false, false},
		{`srcip=="1`, "", false, false},
		{"and==1", "", false, false},
		{"not", "", false, false},
		{strings.Repeat("(", 40) + "a==1" + strings.Repeat(")", 40), "", false, false},
		{strings.Repeat("a==1 ", 65), "", false, false},
	}
	for _, tt := range tests {
		x, err := parseFAZFilter(tt.in)
		if tt.canon == "" && strings.TrimSpace(tt.in) != "" {
			if err == nil {
				t.Errorf("%q: parsed as %s, want an error", tt.in, fazFilterString(x))
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got := fazFilterString(x); got != tt.canon {
			t.Errorf("%q: canonical %s, want %s", tt.in, got, tt.canon)
		}
		if x != nil && x.match(rowGetter(row), tt.cs) != tt.match {
			t.Errorf("%q (case-sensitive %v): match %v", tt.in, tt.cs, !tt.match)
		}
	}
}

// FuzzFAZFilter: the parser never panics, accepted filters have a
// canonical form that parses back to itself, and matching never panics.
func FuzzFAZFilter(f *testing.F) {
	for _, s := range []string{
		"srcip==10.0.0.5 and action==deny",
		`(dstport==443 or dstport==445) and not app=="HTTPS.BROWSER"`,
		`msg=="say \"hi\"" || hostname~'x'`,
		"severity>=3 trigger_name~Botnet",
		"ui==https(1.2.3.4)",
		"!(a==1)",
		"srcip==10.0.0.0/24",
		"a==*",
		"((((",
		"a==\"\\",
	} {
		f.Add(s)
	}
	row := rowGetter(map[string]string{"srcip": "10.0.0.5", "action": "deny", "a": "1", "severity": "high"})
	f.Fuzz(func(t *testing.T, s string) {
		x, err := parseFAZFilter(s)
		if err != nil || x == nil {
			return
		}
		c := fazFilterString(x)
		if len(c) > maxFilterLen {
			return // escaping grew it past the length the parser accepts: not a canonical-form bug
		}
		y, err := parseFAZFilter(c)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", c, s, err)
		}
		if c2 := fazFilterString(y); c2 != c {
			t.Fatalf("canonical form unstable: %q then %q", c, c2)
		}
		if x.match(row, false) != y.match(row, false) || x.match(row, true) != y.match(row, true) {
			t.Fatalf("%q and its canonical form %q match differently", s, c)
		}
		if len(filterFields(x)) > maxFilterConds {
			t.Fatalf("%d conditions accepted", len(filterFields(x)))
		}
	})
}

// FuzzFAZRequest: whatever arrives at /jsonrpc, the parser does not panic
// and a reply can always be written.
func FuzzFAZRequest(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"method":"get","params":[{"url":"/sys/status"}],"session":"x"}`,
		`{"jsonrpc":"2.0","id":"a","method":"add","params":[{"url":"/logview/adom/root/logsearch","apiver":3,"limit":"5"}]}`,
		`{"params":[null,1,"x",{"url":5}]}`,
		`{"id":{"x":1},"params":[{"url":"///"}]}`,
		`[]`, `null`, `{"params":{}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req, err := parseFAZRequest([]byte(body))
		if err != nil {
			return
		}
		out := mustJSON(obj("id", req.id))
		if !json.Valid(out) {
			t.Fatalf("id %v does not marshal", req.id)
		}
		for _, p := range req.params {
			if segs, ok := splitFAZURL(p.url()); ok {
				if slices.Contains(segs, "") || slices.Contains(segs, "..") {
					t.Fatalf("accepted %q", p.url())
				}
			}
			c := &fazCall{p: p, v3: true, now: time.Unix(0, 0)}
			c.limitOffset(100, 1000)
			c.timeRange()
			c.deviceParam()
			c.filterParam()
		}
	})
}
