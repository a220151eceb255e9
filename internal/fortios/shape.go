package fortios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

// Redacted replaces secret values.
const Redacted = "[redacted]"

// Secret keys follow fortios-and-faz-data.md §1.8 ("redact by key name at any depth"): keys
// ending in these words, and keys containing the words that never name anything but a secret
// (psksecret-remote, openai-api-key-part2).
var (
	secretKeySuffixes  = []string{"password", "passwd", "passphrase", "secret", "psksecret", "psk", "private-key", "api-key", "token", "community"}
	secretKeyFragments = []string{"secret", "api-key", "passphrase", "private-key", "passwd"}
)

func isSecretKey(k string, v any) bool {
	k = strings.ToLower(k)
	for _, s := range secretKeySuffixes {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	for _, s := range secretKeyFragments {
		if strings.Contains(k, s) {
			return true
		}
	}
	if k == "history0" || k == "history1" || strings.HasPrefix(k, "ssh-public-key") {
		return true
	}
	if k == "key" || strings.HasSuffix(k, "-key") {
		if s, ok := v.(string); ok && strings.HasPrefix(s, "ENC ") {
			return true
		}
	}
	return false
}

// Clean redacts secrets and strips hidden characters from every string, in place. It returns
// how many values were redacted.
func Clean(v any) (any, int) {
	n := 0
	var walk func(v any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, val := range t {
				key := sanitize.String(k) // keyed results use device-supplied names as keys
				if isSecretKey(k, val) && val != nil && val != "" {
					out[key] = Redacted
					n++
					continue
				}
				out[key] = walk(val)
			}
			return out
		case []any:
			for i := range t {
				t[i] = walk(t[i])
			}
			return t
		case string:
			if strings.HasPrefix(t, "ENC ") {
				n++
				return Redacted
			}
			return sanitize.String(t)
		}
		return v
	}
	return walk(v), n
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
// of whole items;
// anything else that does not fit is returned as text. incomplete says body is already cut.
func Shape(body []byte, budget int, incomplete bool) Shaped {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if incomplete || len(bytes.TrimSpace(body)) == 0 || dec.Decode(&v) != nil {
		return textShape(body, budget, incomplete)
	}
	v, redacted := Clean(v)
	out := Shaped{Redacted: redacted}
	full, _ := json.Marshal(v)
	if len(full) <= budget {
		out.JSON = full
		return out
	}
	switch t := v.(type) {
	case []any:
		kept, raw := cutArray(t, budget-2, func(items []json.RawMessage) []byte { return joinArray(items) })
		out.JSON, out.Truncated = raw, true
		out.Note = fmt.Sprintf("the reply was %d bytes; kept the first %d of %d top-level items", len(full), kept, len(t))
		return out
	case map[string]any:
		for _, key := range listKeys {
			res, ok := t[key]
			if !ok {
				continue
			}
			rest := make(map[string]any, len(t))
			for k, val := range t {
				if k != key {
					rest[k] = val
				}
			}
			restJSON, _ := json.Marshal(rest)
			overhead := len(restJSON) + len(`,"":`) + len(key) + 2
			switch r := res.(type) {
			case []any:
				kept, raw := cutArray(r, budget-overhead, joinArray)
				out.JSON, out.Truncated = withList(restJSON, key, raw), true
				out.Note = fmt.Sprintf("the reply was %d bytes; kept the first %d of %d %s entries (page or narrow the query to see the rest)", len(full), kept, len(r), key)
				return out
			case map[string]any:
				kept, total, raw := cutMap(r, budget-overhead)
				out.JSON, out.Truncated = withList(restJSON, key, raw), true
				out.Note = fmt.Sprintf("the reply was %d bytes; kept %d of %d %s entries (narrow the query to see the rest)", len(full), kept, total, key)
				return out
			}
		}
	}
	return textShape(full, budget, true)
}

func textShape(body []byte, budget int, cut bool) Shaped {
	text := sanitize.String(string(body))
	out := Shaped{}
	if len(text) > budget {
		text = text[:budget]
		for !utf8.ValidString(text) {
			text = text[:len(text)-1]
		}
		cut = true
	}
	// Text may hold secrets too; redact ENC values by pattern.
	text, out.Redacted = redactEncText(text)
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
