package fortios

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestIsSecretKeyByWords(t *testing.T) {
	secret := []string{
		// the existing list
		"password", "PassWord", "passwd", "authpasswd", "passphrase", "psksecret", "psksecret-remote", "ppk-secret", "psk", "private-key",
		"openai-api-key", "openai-api-key-part2", "token", "fortitoken", "community", "ssh-hostkey-password", "ssh-public-key1", "history0", "history1",
		// FortiAnalyzer device records (fortios-and-faz-data.md §4.4)
		"adm_pass", "tunnel_cookie",
		// other spellings: separators, case changes, qualifiers, trailing digits
		"admPass", "ADMPass", "db_pwd", "pass", "pass_word", "Pass Word", "password2", "password-hash", "user_password_confirm", "client_secret",
		"access_token", "refreshToken", "private_key", "privateKey", "apiKey", "api_key", "sshPublicKey2", "snmp-community", "session_cookie",
		// look-alike letters a reader takes for the plain ones
		"ＰＡＳＳＷＯＲＤ", "pſk", "to\u212Aen",
		// hidden characters
		"pass\u200bword", "ps\u202ek", "adm\u2060_pass",
	}
	for _, k := range secret {
		if !isSecretKey(k, "x") {
			t.Errorf("%q is not taken for a secret key", k)
		}
	}
	plain := []string{
		"name", "passive", "bypass", "bypass-watchdog", "keepalive", "key-type", "keylife", "keyword", "monkey", "mkey", "filterkey", "q_origin_key",
		"password-expire", "force-password-change", "passthrough", "pass_count", "compass", "threat_pass", "incident_pass", "session_pass",
		"authmethod", "token-expiry", "tokenType", "community-id", "adm_usr", "remote-auth", "two-factor", "Serial Number", "psk-retry",
		"ssh-port", "cookie-name", "http-cookie-domain", "secure", "",
	}
	for _, k := range plain {
		if isSecretKey(k, "x") {
			t.Errorf("%q is taken for a secret key", k)
		}
	}
	// "key" (and keys ending in the word key) is secret when it holds an ENC value.
	for _, k := range []string{"key", "secondary-key", "tertiaryKey", "key1", "q_origin_key"} {
		if isSecretKey(k, "plain") || !isSecretKey(k, "ENC abc") || !isSecretKey(k, []any{"ENC", "abc"}) {
			t.Errorf("%q: secret only with an ENC value", k)
		}
	}
}

// fazDevice is a /dvmdb/device reply (fortios-and-faz-data.md §4.4).
const fazDevice = `{"data":[{"name":"PAR-HQ-FW01","hostname":"fw-branch-01","sn":"FG100FTK2301E001","ip":"203.0.113.2","adm_usr":"admin",
 "adm_pass":["ENC","2mCNtGaXmKAQFWKmsGvh8fJ0c2VjcmV0LWNpcGhlcnRleHQ="],"psk":"fgfm-psk-value","tunnel_cookie":"c00kie-value",
 "conn_status":1,"ha_slave":null,"vdom":[{"name":"root","oid":3}],"extra":{"cred":["ENC","bmVzdGVkLWNpcGhlcg=="]},
 "note":["ENC","x","y"]}],"status":{"code":0,"message":"OK"}}`

func TestShapeRedactsFAZDeviceSecrets(t *testing.T) {
	s := Shape([]byte(fazDevice), 1<<20, false)
	out := string(s.JSON)
	for _, leak := range []string{"2mCNtGaXmKAQ", "fgfm-psk-value", "c00kie-value", "bmVzdGVkLWNpcGhlcg"} {
		if strings.Contains(out, leak) {
			t.Errorf("secret %q survived: %s", leak, out)
		}
	}
	var env struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(s.JSON, &env); err != nil || len(env.Data) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	row := env.Data[0]
	for k, want := range map[string]any{"adm_pass": Redacted, "psk": Redacted, "tunnel_cookie": Redacted, "adm_usr": "admin",
		"sn": "FG100FTK2301E001", "conn_status": 1.0, "extra": map[string]any{"cred": Redacted}} {
		if got := row[k]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	// Only a two-element array is an ENC pair.
	if fmt.Sprint(row["note"]) != "[ENC x y]" || s.Redacted != 4 {
		t.Errorf("note %v, %d redacted", row["note"], s.Redacted)
	}
	// An ENC pair is recognised after hidden characters are stripped, anywhere.
	v, n := Clean([]any{[]any{"E\u200bNC", "abc"}, []any{"ENCX", "abc"}, "\u200bENC abc"})
	if fmt.Sprint(v) != "[[redacted] [ENCX abc] [redacted]]" || n != 2 {
		t.Errorf("%v (%d)", v, n)
	}
}

func TestCleanJudgesTheSanitisedKey(t *testing.T) {
	v, n := Clean(map[string]any{"results": []any{map[string]any{"name": "x", "pass\u200bword": "hunter2", "adm\u2060_pass": []any{"ENC", "c2Vj"}}}})
	row := v.(map[string]any)["results"].([]any)[0].(map[string]any)
	if row["password"] != Redacted || row["adm_pass"] != Redacted || row["name"] != "x" || n != 2 {
		t.Fatalf("%v (%d)", row, n)
	}
	// Keys that collapse to the same clean key: the result does not depend on map order, and a
	// secret is never brought back by the member it collides with.
	cases := []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"password": "", "pass\u200bword": "hunter2"}, `{"password":"[redacted]"}`},
		{map[string]any{"pass\u200bword": "hunter2", "password": "ENC abc", "pass\u202eword": nil}, `{"password":"[redacted]"}`},
		{map[string]any{"port1": map[string]any{"a": 1}, "port1\u202e": map[string]any{"b": 2}, "\u200bport1": "z"}, `{"port1":{"a":1}}`},
		{map[string]any{"b\u200b": 1, "\u200bb": 2, "b\u0007": 3}, `{"b":3}`},
		{map[string]any{"ENC abc": "v", "ENC def": map[string]any{"x": 1}, "[redacted]": "w"}, `{"[redacted]":"[redacted]"}`},
	}
	for _, c := range cases {
		for range 50 {
			in := map[string]any{}
			for k, val := range c.in {
				in[k] = val
			}
			v, _ := Clean(in)
			if got, _ := json.Marshal(v); string(got) != c.want {
				t.Fatalf("%q: got %s, want %s", c.in, got, c.want)
			}
		}
	}
}

func TestShapeCutsLargeEnvelopeFieldsToBudget(t *testing.T) {
	var rows []string
	for i := range 100 {
		rows = append(rows, fmt.Sprintf(`{"id":%d,"msg":"row %d"}`, i, i))
	}
	body := `{"data":[` + strings.Join(rows, ",") + `],"comment":"` + strings.Repeat("A", 3000) + `","status":{"code":0,"message":"OK"},"password":"ENC x"}`
	for _, budget := range []int{256, 600, 2048} {
		s := Shape([]byte(body), budget, false)
		if s.JSON == nil || len(s.JSON) > budget || !s.Truncated {
			t.Fatalf("budget %d: %d bytes (%+v)", budget, len(s.JSON), s)
		}
		var env struct {
			Data     []map[string]any `json:"data"`
			Comment  string           `json:"comment"`
			Status   map[string]any   `json:"status"`
			Password string           `json:"password"`
		}
		if err := json.Unmarshal(s.JSON, &env); err != nil {
			t.Fatalf("budget %d: %v: %s", budget, err, s.JSON)
		}
		if env.Comment != "[cut: 3002 bytes]" || env.Status["message"] != "OK" || env.Password != Redacted || len(env.Data) == 0 ||
			!strings.Contains(s.Note, "replaced the value of 1 other field(s)") || !strings.Contains(s.Note, "of 100 data entries") {
			t.Fatalf("budget %d: %s (note %q)", budget, s.JSON, s.Note)
		}
	}
	// A small list is kept whole; only the field that did not fit is cut.
	body = `{"data":[{"id":1},{"id":2}],"comment":"` + strings.Repeat("A", 3000) + `","status":"` + strings.Repeat("B", 100) + `"}`
	s := Shape([]byte(body), 600, false)
	if len(s.JSON) > 600 || !strings.Contains(string(s.JSON), `"data":[{"id":1},{"id":2}]`) || !strings.Contains(string(s.JSON), strings.Repeat("B", 100)) ||
		strings.Contains(s.Note, "entries") {
		t.Fatalf("%s (note %q)", s.JSON, s.Note)
	}
	// The regression input: an empty list next to a large comment.
	s = Shape([]byte(`{"data":[],"comment":"`+strings.Repeat("A", 3000)+`"}`), 600, false)
	if string(s.JSON) != `{"comment":"[cut: 3002 bytes]","data":[]}` {
		t.Fatalf("%s", s.JSON)
	}
	// Fields that cannot be cut enough (many of them, or long names) fall back to text.
	var many []string
	for i := range 200 {
		many = append(many, fmt.Sprintf(`"field%03d":%d`, i, i))
	}
	for _, body := range []string{
		`{"results":[1,2,3],` + strings.Join(many, ",") + `}`,
		`{"results":[1,2,3],"` + strings.Repeat("k", 1000) + `":1}`,
	} {
		s := Shape([]byte(body), 600, false)
		if s.JSON != nil || len(s.Text) > 600 || !s.Truncated {
			t.Fatalf("%d bytes of JSON, %d of text", len(s.JSON), len(s.Text))
		}
	}
}

// secretValue finds where the value of a member whose key names a secret starts.
var secretValue = regexp.MustCompile(`(?i)(password|passwd|psk|secret|token|adm_pass|cookie)\\?"\s*:\s*`)

// clearMember says whether text shows a secret member whose value is neither the marker nor empty.
func clearMember(text string) bool {
	for _, m := range secretValue.FindAllStringIndex(text, -1) {
		v := strings.TrimLeft(text[m[1]:], `\"`)
		if v != "" && !strings.HasPrefix(v, Redacted) && !strings.HasPrefix(Redacted, v) && !strings.HasPrefix(v, ",") && !strings.HasPrefix(v, "null") {
			return true
		}
	}
	return false
}

func short(s string) string {
	if len(s) > 160 {
		return s[:160] + "…"
	}
	return s
}

func TestTextShapeRedactsSecretMembers(t *testing.T) {
	long := strings.Repeat("a", 2000)
	cases := []struct{ name, body, leak string }{
		{"cut reply", `{"results":[{"name":"vpn1","psksecret":"plainpsk","comment":"` + long, "plainpsk"},
		{"whitespace", "{\"results\":[{\"psksecret\" :\n\t \"plainpsk\" , \"comment\":\"" + long, "plainpsk"},
		{"escaped quotes in the value", `{"password":"hun\"ter\\\"2","c":"` + long, "hun"},
		{"escaped backslash ends the value", `{"password":"hunter2\\","name":"x","c":"` + long, "hunter2"},
		{"escaped key", `{"pass\u0077ord":"hunter2","c":"` + long, "hunter2"},
		{"invisible key", "{\"pass\u200bword\":\"hunter2\",\"c\":\"" + long, "hunter2"},
		{"JSON inside a string", `{"grpby":"[{\"password\": \"hunter2\", \"name\": \"x\"}]","c":"` + long, "hunter2"},
		{"number", `{"token":12345678,"c":"` + long, "12345678"},
		{"array", `{"adm_pass":[ "ENC" , "c2VjcmV0Y2lwaGVy" ],"c":"` + long, "c2VjcmV0Y2lwaGVy"},
		{"object", `{"secret":{"a":"topsecretvalue"},"c":"` + long, "topsecretvalue"},
		{"ENC pair under an ordinary key", `{"cred":["ENC","c2VjcmV0Y2lwaGVy"],"c":"` + long, "c2VjcmV0Y2lwaGVy"},
		{"ENC pair escaped", `{"x":"[\"ENC\",\"c2VjcmV0Y2lwaGVy\"]","c":"` + long, "c2VjcmV0Y2lwaGVy"},
		{"not JSON", `error: "password": "hunter2" rejected for "name": "x"` + long, "hunter2"},
		{"cut inside the value", `{"name":"x","psksecret":"plai`, "plai"},
		{"cut inside an array value", `{"name":"x","adm_pass":["ENC","c2Vj`, "c2Vj"},
		{"cut inside an ENC pair", `{"name":"x","cred":["ENC","c2Vj`, "c2Vj"},
	}
	for _, c := range cases {
		for _, budget := range []int{300, 1 << 20} {
			s := Shape([]byte(c.body), budget, true)
			if s.JSON != nil || strings.Contains(s.Text, c.leak) || s.Redacted == 0 || clearMember(s.Text) || len(s.Text) > budget {
				t.Errorf("%s (budget %d): %q (%d redacted)", c.name, budget, short(s.Text), s.Redacted)
			}
		}
	}
	// Ordinary members are left as they are.
	body := `{"results":[{"name":"vpn1","comment":"psk rotated","threat_pass":"0","password-expire":"0000-00-00 00:00:00","key":"k1",` +
		`"authmethod":"psk","psksecret":"","password":"[redacted]","token":null,"empty":[],"secret":{},"keylife":86400}`
	s := Shape([]byte(body), 1<<20, true)
	if s.Text != body || s.Redacted != 0 {
		t.Fatalf("ordinary members changed: %q (%d redacted)", s.Text, s.Redacted)
	}
}

func TestTextShapeStaysWithinBudgetAfterRedaction(t *testing.T) {
	// Markers are longer than what they replace; redaction happens before the cut.
	for _, body := range []string{strings.Repeat("ENC ,", 400), strings.Repeat(`"psk":1,`, 200), strings.Repeat(`{"token":[1]}`, 200)} {
		s := Shape([]byte(body), 300, false)
		if s.JSON != nil || len(s.Text) > 300 || strings.Contains(s.Text, "ENC ") || s.Redacted == 0 || clearMember(s.Text) {
			t.Fatalf("%d bytes: %q", len(s.Text), s.Text)
		}
	}
	// A long reply is read only so far; what is shown is still redacted.
	body := strings.Repeat(`{"name":"x"},`, 100000) + `{"password":"hunter2"}`
	if s := Shape([]byte(body), 1000, true); len(s.Text) != 1000 || !s.Truncated {
		t.Fatalf("%d bytes", len(s.Text))
	}
	// A text fallback for JSON keeps the count of what Clean redacted.
	var rows []string
	for i := range 50 {
		rows = append(rows, fmt.Sprintf(`"k%d":"ENC %d"`, i, i))
	}
	if s := Shape([]byte(`{`+strings.Join(rows, ",")+`}`), 300, false); s.JSON != nil || s.Redacted != 50 {
		t.Fatalf("%+v", s)
	}
}
