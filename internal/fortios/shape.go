package fortios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

// Redacted replaces secret values.
const Redacted = "[redacted]"

// Secret keys follow fortios-and-faz-data.md §1.8 ("redact by key name at any depth") and §4.4
// (FortiAnalyzer device records: adm_pass, psk, tunnel_cookie). A key is judged on what a reader
// sees: hidden characters removed (sanitize), compatibility forms and case folded (ＰＳＫ, ſ, K),
// then split into words at _ - . spaces, case changes and digits (adm_pass → adm pass,
// sshPublicKey1 → ssh public key 1).
var (
	// secretKeySuffixes end a secret key, written without separators and with trailing digits
	// dropped: "psksecret", "ssh-hostkey-password", "fortitoken", "pass_word", "password2".
	secretKeySuffixes = []string{"password", "passwd", "passphrase", "secret", "psksecret", "psk", "privatekey", "apikey", "token", "community"}
	// secretKeyFragments name nothing but a secret wherever they stand: "psksecret-remote",
	// "openai-api-key-part2", "authpasswd".
	secretKeyFragments = []string{"secret", "apikey", "passphrase", "privatekey", "passwd"}
	// secretLastWords make a key secret when they are its last word (after secretQualifiers):
	// "adm_pass", "tunnel_cookie", "db_pwd". "password-expire" and "force-password-change" are not
	// secret: their last word is not one of these.
	secretLastWords = map[string]bool{"password": true, "passwd": true, "pass": true, "pwd": true, "passphrase": true, "secret": true,
		"psksecret": true, "psk": true, "token": true, "community": true, "cookie": true}
	// secretQualifiers may follow the secret word: "password2", "psksecret-remote",
	// "password-hash", "openai-api-key-part2".
	secretQualifiers = map[string]bool{"remote": true, "local": true, "part": true, "enc": true, "encrypted": true, "hash": true, "confirm": true}
	// passVerdicts before "pass" make it a verdict count, not a password: FortiView's "threat_pass",
	// "incident_pass" (and "by_pass").
	passVerdicts = map[string]bool{"by": true, "threat": true, "threats": true, "incident": true, "incidents": true, "session": true,
		"sessions": true, "traffic": true, "policy": true, "app": true, "url": true, "web": true, "virus": true, "av": true, "ips": true,
		"dlp": true, "spam": true, "mail": true, "email": true, "file": true, "count": true, "total": true}
)

// isSecretKey says whether a member named k holds a secret. v matters only for keys whose last
// word is "key" ("key", "secondary-key", "q_origin_key"): they are secret when they hold an ENC
// value.
func isSecretKey(k string, v any) bool {
	switch classifyKey(k) {
	case secretKey:
		return true
	case encKey:
		return isENC(v)
	}
	return false
}

// keyKind is what a key's name says about its value.
type keyKind uint8

const (
	plainKey  keyKind = iota
	secretKey         // always a secret
	encKey            // a secret when it holds an ENC value
)

func classifyKey(k string) keyKind {
	folded := foldKey(sanitize.String(k))
	compact := strings.TrimRightFunc(strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, folded), unicode.IsDigit)
	for _, s := range secretKeySuffixes {
		if strings.HasSuffix(compact, s) {
			return secretKey
		}
	}
	for _, s := range secretKeyFragments {
		if strings.Contains(compact, s) {
			return secretKey
		}
	}
	words := keyWords(k)
	if len(words) == 2 && words[0] == "history" && (words[1] == "0" || words[1] == "1") {
		return secretKey // password hashes in system/admin
	}
	if len(words) >= 3 && words[0] == "ssh" && words[1] == "public" && words[2] == "key" {
		return secretKey
	}
	for i := 1; i < len(words); i++ {
		if words[i] == "key" && (words[i-1] == "private" || words[i-1] == "api") {
			return secretKey
		}
	}
	last := len(words) - 1
	for last > 0 && (secretQualifiers[words[last]] || isDigits(words[last])) {
		last--
	}
	if last < 0 {
		return plainKey
	}
	switch w := words[last]; {
	case w == "pass":
		if last == 0 || !passVerdicts[words[last-1]] {
			return secretKey
		}
	case secretLastWords[w]:
		return secretKey
	case w == "key":
		return encKey
	}
	return plainKey
}

// foldKey maps k to the lower-case form a reader would take it for: compatibility characters to
// their plain form (fullwidth letters, ligatures, long s) and every letter to the lower-case ASCII
// letter it folds with (the Kelvin sign to k).
func foldKey(k string) string {
	return strings.Map(func(r rune) rune {
		if r >= utf8.RuneSelf {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if f < utf8.RuneSelf {
					return unicode.ToLower(f)
				}
			}
		}
		return unicode.ToLower(r)
	}, norm.NFKC.String(k))
}

// keyWords splits a key into lower-case words at anything but letters and digits, at case
// changes (admPass, ADMPass) and between letters and digits (key1).
func keyWords(k string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, foldKey(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(norm.NFKC.String(sanitize.String(k)))
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(cur) > 0 {
			prev := cur[len(cur)-1]
			switch {
			case unicode.IsDigit(r) != unicode.IsDigit(prev),
				unicode.IsUpper(r) && unicode.IsLower(prev),
				unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}

func isDigits(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// isENC says whether v is an encrypted value: FortiOS's "ENC <ciphertext>" string or
// FortiAnalyzer's ["ENC", "<ciphertext>"] pair.
func isENC(v any) bool {
	switch t := v.(type) {
	case string:
		return strings.HasPrefix(sanitize.String(t), "ENC ")
	case []any:
		return isENCPair(t)
	}
	return false
}

func isENCPair(a []any) bool {
	if len(a) != 2 {
		return false
	}
	s, ok := a[0].(string)
	return ok && sanitize.String(s) == "ENC"
}

// Clean redacts secrets and strips hidden characters from every string, in place. It returns
// how many values were redacted.
//
// A member is judged by its key as the reader will see it (hidden characters removed). When two
// keys become the same once cleaned ("port1" and "port1\u202e"), one member is kept: the one
// whose key was already clean, else the one whose raw key sorts first; if any of them was
// redacted, the kept value is the redaction marker. A key that is itself an ENC value is
// replaced by the marker, and so is its value.
func Clean(v any) (any, int) {
	c := newCleaner()
	out := c.walk(v)
	return out, c.n
}

// cleaner is Clean's state: how many values it redacted, and the kinds of the keys it judged
// (rows repeat their keys, and a streamed reply is cleaned one row at a time).
type cleaner struct {
	n     int
	kinds map[string]keyKind
}

func newCleaner() *cleaner { return &cleaner{kinds: map[string]keyKind{}} }

func (c *cleaner) kind(k string) keyKind {
	kd, ok := c.kinds[k]
	if !ok {
		kd = classifyKey(k)
		c.kinds[k] = kd
	}
	return kd
}

// judge returns the key a member is shown under and whether its value is a secret: a key that
// is itself an ENC value is shown as the marker, and so is its value.
func (c *cleaner) judge(raw string, val any) (key string, secret bool) {
	key = sanitize.String(raw) // keyed results use device-supplied names as keys
	if strings.HasPrefix(key, "ENC ") {
		return Redacted, true
	}
	if val != nil && val != "" {
		switch c.kind(key) {
		case secretKey:
			return key, true
		case encKey:
			return key, isENC(val)
		}
	}
	return key, false
}

func (c *cleaner) walk(v any) any {
	switch t := v.(type) {
	case map[string]any:
		type member struct{ raw, key string }
		members := make([]member, 0, len(t))
		collide := false
		for k := range t {
			key := sanitize.String(k)
			collide = collide || key != k
			members = append(members, member{k, key})
		}
		if collide { // distinct clean keys cannot collide; otherwise the order decides
			sort.Slice(members, func(i, j int) bool {
				ci, cj := members[i].raw == members[i].key, members[j].raw == members[j].key
				if ci != cj {
					return ci
				}
				return members[i].raw < members[j].raw
			})
		}
		out := make(map[string]any, len(t))
		for _, m := range members {
			val := t[m.raw]
			key, secret := c.judge(m.raw, val)
			if secret {
				c.n++
				out[key] = Redacted // a secret wins over a member it collides with
				continue
			}
			if _, dup := out[key]; dup {
				continue
			}
			out[key] = c.walk(val)
		}
		return out
	case []any:
		if isENCPair(t) {
			c.n++
			return Redacted
		}
		for i := range t {
			t[i] = c.walk(t[i])
		}
		return t
	case string:
		s := sanitize.String(t)
		if strings.HasPrefix(s, "ENC ") {
			c.n++
			return Redacted
		}
		return s
	}
	return v
}

// Shaped is a FortiOS reply made fit for a model: secrets redacted, cut to a byte budget.
type Shaped struct {
	// JSON is the reply (possibly cut), or nil when the reply was not JSON.
	JSON json.RawMessage
	// Text is the start of a reply that is not JSON (or could not be cut as JSON).
	Text string
	// Truncated says something was left out; Note says what.
	Truncated bool
	Note      string
	// Redacted counts secret values replaced.
	Redacted int
}

// Shape decodes body, redacts it and cuts it to at most budget bytes. A list (a `results` or
// `data` array or keyed map, or a top-level array such as per-VDOM envelopes) is cut to a prefix
// of whole items; the envelope's other fields that are too large to leave room for the list are
// replaced by a cut marker. Anything else that does not fit is returned as text, cut to the
// budget, with secrets redacted by pattern. incomplete says body is already cut.
func Shape(body []byte, budget int, incomplete bool) Shaped {
	budget = max(budget, 0)
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if incomplete || len(bytes.TrimSpace(body)) == 0 || dec.Decode(&v) != nil || len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return textShape(body, budget, incomplete) // not one JSON value (trailing data is shown, not dropped)
	}
	return shapeValue(v, budget)
}

// shapeValue is Shape for a decoded reply.
func shapeValue(v any, budget int) Shaped {
	v, redacted := Clean(v)
	full, _ := json.Marshal(v)
	if len(full) <= budget {
		return Shaped{JSON: full, Redacted: redacted}
	}
	if out, ok := cutJSON(v, len(full), budget); ok && len(out.JSON) <= budget {
		out.Redacted = redacted
		return out
	}
	out := textShape(full, budget, true)
	out.Redacted += redacted
	return out
}

// cutJSON cuts a cleaned reply whose encoding (size bytes) exceeds budget to a prefix of its list.
func cutJSON(v any, size, budget int) (Shaped, bool) {
	out := Shaped{Truncated: true}
	switch t := v.(type) {
	case []any:
		if budget < 2 {
			return out, false
		}
		kept, raw := cutArray(t, budget-2, joinArray)
		out.JSON = raw
		out.Note = fmt.Sprintf("the reply was %d bytes; kept the first %d of %d top-level items", size, kept, len(t))
		return out, true
	case map[string]any:
		for _, key := range listKeys {
			res := t[key]
			var list []byte
			switch res.(type) {
			case []any, map[string]any:
				list, _ = json.Marshal(res)
			default:
				continue
			}
			rest := make(map[string]any, len(t))
			for k, val := range t {
				if k != key {
					rest[k] = val
				}
			}
			// The envelope's other fields may leave the list no room (a long comment, an
			// echoed request): cut the largest of them until the whole list fits or they take
			// at most half the budget.
			frame := len(key) + len(`,"":}`) // what re-inserting the list costs besides the list itself
			target := max(budget-frame-len(list), budget/2-frame)
			restJSON, cutFields := shrinkFields(rest, target)
			room := budget - len(restJSON) - frame - 1 // cutArray and cutMap may overshoot by one
			if room < 2 {
				return out, false
			}
			var note string
			switch r := res.(type) {
			case []any:
				kept, raw := cutArray(r, room, joinArray)
				out.JSON = withList(restJSON, key, raw)
				if kept < len(r) {
					note = fmt.Sprintf("kept the first %d of %d %s entries (page or narrow the query to see the rest)", kept, len(r), key)
				}
			case map[string]any:
				kept, total, raw := cutMap(r, room)
				out.JSON = withList(restJSON, key, raw)
				if kept < total {
					note = fmt.Sprintf("kept %d of %d %s entries (narrow the query to see the rest)", kept, total, key)
				}
			}
			if cutFields > 0 {
				note = strings.TrimPrefix(note+fmt.Sprintf("; replaced the value of %d other field(s), too large to leave room for the %s, with %q", cutFields, key, "[cut: <size> bytes]"), "; ")
			}
			out.Note = fmt.Sprintf("the reply was %d bytes; %s", size, note)
			return out, true
		}
	}
	return out, false
}

// shrinkFields encodes fields after replacing their largest values, one by one, with a cut marker
// until the encoding is at most target bytes (or nothing is left worth cutting). It returns the
// encoding and how many values it replaced. Redacted values stay as they are.
func shrinkFields(fields map[string]any, target int) ([]byte, int) {
	type field struct {
		key  string
		size int
	}
	all := make([]field, 0, len(fields))
	total := 2 // {}
	for k, val := range fields {
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(val)
		all = append(all, field{k, len(vb)})
		total += len(kb) + 1 + len(vb) + 1
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].size != all[j].size {
			return all[i].size > all[j].size
		}
		return all[i].key < all[j].key
	})
	cut := 0
	for _, f := range all {
		if total <= target {
			break
		}
		val := fields[f.key]
		if val == Redacted || isSecretKey(f.key, val) {
			continue
		}
		marker := fmt.Sprintf("[cut: %d bytes]", f.size)
		if gain := f.size - (len(marker) + 2); gain > 0 {
			fields[f.key] = marker
			total -= gain
			cut++
		}
	}
	raw, _ := json.Marshal(fields)
	return raw, cut
}

// textLimitSlack bounds how much of a long body is scanned for text: redaction can shorten text
// (a long ENC value becomes the marker), so more than the budget is read.
const textLimitSlack = 4096

func textShape(body []byte, budget int, cut bool) Shaped {
	budget = max(budget, 0)
	if limit := 4*budget + textLimitSlack; len(body) > limit {
		for limit > 0 && !utf8.RuneStart(body[limit]) {
			limit--
		}
		body, cut = body[:limit], true
	}
	// Redact before cutting: a marker can be longer than what it replaces, and a cut through a
	// secret must not leave its start visible (a value running to the end is redacted whole).
	text := sanitize.String(string(body))
	text, members := redactSecretMembersText(text)
	text, pairs := redactENCPairsText(text)
	text, runs := redactEncText(text)
	out := Shaped{Redacted: members + pairs + runs}
	if len(text) > budget {
		text = text[:budget]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
		cut = true
	}
	out.Text, out.Truncated = text, cut
	if cut {
		out.Note = fmt.Sprintf("the reply is not complete JSON within the %d-byte limit; showing its start as text", budget)
	}
	return out
}

// redactEncText removes `ENC <ciphertext>` runs from raw text.
func redactEncText(s string) (string, int) {
	var b strings.Builder
	n := 0
	for {
		i := strings.Index(s, "ENC ")
		if i < 0 {
			b.WriteString(s)
			return b.String(), n
		}
		j := i + 4
		for j < len(s) && s[j] != '"' && s[j] != ',' && s[j] != '\n' && s[j] != ' ' {
			j++
		}
		b.WriteString(s[:i])
		b.WriteString(Redacted)
		s = s[j:]
		n++
	}
}

// redactSecretMembersText redacts the value of every `"<secret key>": <value>` member of text
// that is not (or no longer) JSON: a reply cut short, an error page, JSON inside a JSON string
// (\"psksecret\":\"x\"). Any double quote may open a key, as in text that was cut at an arbitrary
// point; keys are judged as isSecretKey judges them, after undoing JSON escapes
// ("pass\u0077ord"). A string value's content is replaced by the marker up to its closing quote
// (escaped quotes included), or to the end of the text when the text stops inside it; an array,
// object or bare value is replaced by "[redacted]" as a whole. Empty values and null are kept.
func redactSecretMembersText(s string) (string, int) {
	var b strings.Builder
	n, last := 0, 0
	// k is where a candidate key starts: just after a double quote, or just after a value
	// replaced by "[redacted]" (whose closing quote opens the next candidate).
	k := strings.IndexByte(s, '"') + 1
	for k > 0 && k <= len(s) {
		j := strings.IndexByte(s[k:], '"')
		if j < 0 {
			break
		}
		j += k
		p := afterColon(s, j+1)
		if p < 0 || !isSecretTextKey(s[k:j]) {
			k = j + 1
			continue
		}
		esc := 0 // backslashes before the value's opening quote: JSON text inside a JSON string
		for p+esc < len(s) && s[p+esc] == '\\' {
			esc++
		}
		switch {
		case p == len(s):
			k = 0 // the text stops before the value
		case p+esc < len(s) && s[p+esc] == '"':
			open := p + esc
			end, next := stringEnd(s, open+1, esc)
			if content := s[open+1 : end]; content != "" && content != Redacted {
				b.WriteString(s[last : open+1])
				b.WriteString(Redacted)
				last = end
				n++
			}
			k = next
		case s[p] == '[' || s[p] == '{':
			end, closed := bracketEnd(s, p, trailingBackslashes(s[k:j]))
			inner := s[p+1 : end]
			if closed {
				inner = s[p+1 : end-1]
			}
			if strings.TrimSpace(inner) == "" { // [] and {} hide nothing
				k = nextKey(s, end)
				continue
			}
			b.WriteString(s[last:p])
			b.WriteString(`"` + Redacted + `"`)
			last, k = end, end
			n++
		default:
			end := len(s)
			if i := strings.IndexAny(s[p:], " \t\n\r\f,}]\""); i >= 0 {
				end = p + i
			}
			for end > p && s[end-1] == '\\' {
				end--
			}
			if tok := s[p:end]; tok == "" || tok == "null" {
				k = nextKey(s, end)
				continue
			}
			b.WriteString(s[last:p])
			b.WriteString(`"` + Redacted + `"`)
			last, k = end, end
			n++
		}
	}
	if n == 0 {
		return s, 0
	}
	b.WriteString(s[last:])
	return b.String(), n
}

// encPairText finds FortiAnalyzer's ENC pairs, ["ENC", "<ciphertext>"], also escaped inside a
// JSON string; the match ends at the ciphertext's opening quote.
var encPairText = regexp.MustCompile(`\[\s*\\*"ENC\\*"\s*,\s*(\\*)"`)

// redactENCPairsText replaces the ciphertext of every ENC pair in text (to the end of the text
// when the text stops inside it).
func redactENCPairsText(s string) (string, int) {
	var b strings.Builder
	n, last := 0, 0
	for pos := 0; pos < len(s); {
		m := encPairText.FindStringSubmatchIndex(s[pos:])
		if m == nil {
			break
		}
		open := pos + m[1] - 1
		end, next := stringEnd(s, open+1, m[3]-m[2])
		if content := s[open+1 : end]; content != "" && content != Redacted {
			b.WriteString(s[last : open+1])
			b.WriteString(Redacted)
			last = end
			n++
		}
		if next == 0 {
			break
		}
		pos = next - 1
	}
	if n == 0 {
		return s, 0
	}
	b.WriteString(s[last:])
	return b.String(), n
}

// isSecretTextKey judges a key found in text: as it stands, and with up to three levels of JSON
// escapes undone (keys of JSON text inside JSON strings).
func isSecretTextKey(raw string) bool {
	raw = strings.TrimRight(raw, `\`)
	if isSecretKey(raw, nil) {
		return true
	}
	for range 3 {
		if !strings.Contains(raw, `\`) {
			return false
		}
		var dec string
		if json.Unmarshal([]byte(`"`+raw+`"`), &dec) != nil {
			return false
		}
		raw = strings.TrimRight(dec, `\`)
		if isSecretKey(raw, nil) {
			return true
		}
	}
	return false
}

// afterColon returns the index after `\s*:\s*` at s[i:], or -1.
func afterColon(s string, i int) int {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i >= len(s) || s[i] != ':' {
		return -1
	}
	i++
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// closesString says whether a double quote preceded by run backslashes ends a string opened by a
// quote preceded by esc backslashes: at the top level (esc 0) a quote ends it unless escaped (an
// odd run); inside a JSON string (esc > 0) a quote at the same or an outer level ends it.
func closesString(run, esc int) bool {
	return run%2 == 0 || run <= esc
}

// stringEnd scans a string whose content starts at from: it returns where the content ends
// (before the closing quote and, inside a JSON string, its escaping backslashes) and the index
// after the closing quote, or len(s) and 0 when the text stops inside the string.
func stringEnd(s string, from, esc int) (end, next int) {
	for i := from; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		run := 0
		for i-run-1 >= from && s[i-run-1] == '\\' {
			run++
		}
		if closesString(run, esc) {
			if esc == 0 {
				return i, i + 1
			}
			return i - run, i + 1
		}
	}
	return len(s), 0
}

// bracketEnd returns the index after the bracket that closes the array or object opening at
// s[p], or len(s) and false when the text stops first; esc is the escaping of the surrounding
// JSON text.
func bracketEnd(s string, p, esc int) (int, bool) {
	depth, inString := 0, false
	for i := p; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			run := 0
			for i-run-1 >= p && s[i-run-1] == '\\' {
				run++
			}
			if !inString || closesString(run, esc) {
				inString = !inString
			}
		case inString:
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			if depth--; depth == 0 {
				return i + 1, true
			}
		}
	}
	return len(s), false
}

func trailingBackslashes(s string) int {
	return len(s) - len(strings.TrimRight(s, `\`))
}

// nextKey returns where the candidate key after the first double quote at or after i starts, or 0.
func nextKey(s string, i int) int {
	if j := strings.IndexByte(s[i:], '"'); j >= 0 {
		return i + j + 1
	}
	return 0
}

// cutArray keeps the longest prefix of items whose encoding fits budget.
func cutArray(items []any, budget int, join func([]json.RawMessage) []byte) (int, json.RawMessage) {
	enc := make([]json.RawMessage, 0, len(items))
	size := 0
	for _, it := range items {
		b, _ := json.Marshal(it)
		if size+len(b)+1 > budget {
			break
		}
		size += len(b) + 1
		enc = append(enc, b)
	}
	return len(enc), join(enc)
}

// cutMap keeps the entries (in key order) that fit budget.
func cutMap(m map[string]any, budget int) (kept, total int, raw json.RawMessage) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	buf.WriteByte('{')
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(m[k])
		if buf.Len()+len(kb)+len(vb)+3 > budget {
			break
		}
		if kept > 0 {
			buf.WriteByte(',')
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(vb)
		kept++
	}
	buf.WriteByte('}')
	return kept, len(keys), buf.Bytes()
}

func joinArray(items []json.RawMessage) []byte {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(it)
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

// listKeys name the list a reply carries: FortiOS `results`, FortiAnalyzer `data`.
var listKeys = []string{"results", "data"}

// withList re-inserts the cut list into the envelope's other fields.
func withList(rest []byte, key string, results []byte) json.RawMessage {
	var buf bytes.Buffer
	buf.Write(rest[:len(rest)-1])
	if len(rest) > 2 {
		buf.WriteByte(',')
	}
	buf.WriteString(`"` + key + `":`)
	buf.Write(results)
	buf.WriteByte('}')
	return buf.Bytes()
}
