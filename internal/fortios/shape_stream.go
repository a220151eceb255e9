package fortios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

// ShapeStream is Shape for a reply read from r, built while reading, so that a reply of any size
// costs about the budget in memory and no more of it is read than the result needs. The replies
// are those of fortios-and-faz-data.md §1: the §1.1 envelope with its §1.3 `results` (an array or
// a keyed map; FortiAnalyzer's `data` likewise), or §1.2's array of per-VDOM envelopes.
//
// A reply of up to wholeLimit(budget) bytes is read whole and shaped by Shape, so it comes out
// exactly as Shape makes it. A longer one is decoded as it streams past: the envelope's fields
// and then its list, item by item, each redacted as Clean redacts, while the result fits the
// budget. At the first item that does not fit, reading stops: the note says how many items were
// kept (and of how many, when the envelope gave matched_count before the list), and the
// envelope's fields after the list are not read. A reply that turns out not to be JSON is shown
// as Shape shows it: its start as text, secrets redacted. Valid JSON that cannot be cut as an
// envelope (no list before the read limit, or fields leaving the list no room) shows the fields
// read, cleaned, never raw text.
//
// err is r's own failure (a reset, corrupt gzip), not a malformed reply: the caller decides
// whether to try again.
func ShapeStream(r io.Reader, budget int) (Shaped, error) {
	budget = max(budget, 0)
	return shapeStream(r, budget, wholeLimit(budget))
}

// wholeLimit is the size up to which a reply is read whole and shaped by Shape: as much as
// Shape's text fallback would show from, so that a reply that is not JSON reads the same.
func wholeLimit(budget int) int { return 4*budget + textLimitSlack }

// streamReadFactor bounds a streamed decode at this many times the whole limit: the raw bytes
// behind the kept items (whitespace, long ENC values redacted to the marker) and one item or
// field too large to keep cost at most that much to find out.
const streamReadFactor = 4

var (
	errMalformed = errors.New("the reply is not JSON")
	errCapped    = errors.New("read limit reached")
	errNoRoom    = errors.New("nothing fits the budget")
)

// partialErr is an object that cannot be cut as an envelope (reading stopped before its list,
// or its other fields leave the list no room), with the fields read: valid JSON so far, so they
// are shown cleaned, never as raw text.
type partialErr struct {
	err     error
	fields  map[string]any
	cleaned bool // fields went through the cleaner already
}

func (e *partialErr) Error() string { return e.err.Error() }
func (e *partialErr) Unwrap() error { return e.err }

// shapeStream is ShapeStream with the whole limit given: tests lower it to send small replies
// through the streamed decode.
func shapeStream(r io.Reader, budget, whole int) (Shaped, error) {
	src := &sourceReader{r: r}
	head, err := io.ReadAll(io.LimitReader(src, int64(whole)+1))
	if err != nil {
		return Shaped{}, fmt.Errorf("reading the reply: %w", err)
	}
	if len(head) <= whole {
		return Shape(head, budget, false), nil
	}
	in := &capReader{r: io.MultiReader(bytes.NewReader(head), src), left: streamReadFactor * wholeLimit(budget)}
	dec := json.NewDecoder(in)
	dec.UseNumber()
	s := &streamShaper{dec: dec, in: in, cl: newCleaner()}
	out, err := s.run(budget)
	if src.err != nil {
		return Shaped{}, fmt.Errorf("reading the reply: %w", src.err)
	}
	if err != nil {
		// Not JSON that can be cut: its start as text, as Shape shows a body that is not JSON
		// (head holds one byte more than Shape would look at).
		return textShape(head, budget, false), nil
	}
	return out, nil
}

// sourceReader remembers how the source failed, to tell it from a malformed reply.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// capReader ends a streamed decode after left bytes.
type capReader struct {
	r      io.Reader
	left   int
	n      int // bytes read
	capped bool
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		c.capped = true
		return 0, errCapped
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= n
	c.n += n
	return n, err
}

// streamShaper decodes a reply as it streams past and keeps what fits.
type streamShaper struct {
	dec *json.Decoder
	in  *capReader
	cl  *cleaner
}

// cut is a shaped value.
type cut struct {
	json     []byte
	complete bool   // read to its end
	dropped  bool   // something read was left out
	note     string // what was left out
	// whole is a scalar or a list-less object read whole, for Shape's rules (value holds it,
	// uncleaned).
	whole bool
	value any
}

// why names a decode failure: the read limit (errCapped) or a malformed reply.
func (s *streamShaper) why(error) error {
	if s.in.capped {
		return errCapped
	}
	return errMalformed
}

func (s *streamShaper) run(budget int) (Shaped, error) {
	tok, err := s.dec.Token()
	if err != nil {
		return Shaped{}, s.why(err)
	}
	var c cut
	switch tok {
	case json.Delim('{'):
		c, err = s.object(budget)
	case json.Delim('['):
		c, err = s.array(budget)
	default: // a scalar, read whole
		c = cut{complete: true, whole: true, value: tok}
	}
	var pe *partialErr
	if errors.As(err, &pe) {
		return s.fieldsOnly(pe, budget), nil
	}
	if err != nil {
		return Shaped{}, err
	}
	read := false
	if c.complete {
		// Trailing data makes the reply malformed for Shape too; past the read limit it is
		// not looked for.
		switch _, err := s.dec.Token(); {
		case err == io.EOF:
			read = true
		case !s.in.capped:
			return Shaped{}, errMalformed
		}
	}
	if c.whole {
		out := shapeValue(c.value, budget)
		out.Redacted += s.cl.n
		return out, nil
	}
	out := Shaped{JSON: c.json, Redacted: s.cl.n}
	if c.dropped || !read {
		out.Truncated = true
		if read {
			out.Note = fmt.Sprintf("the reply was %d bytes; %s", s.in.n, c.note)
		} else {
			out.Note = fmt.Sprintf("the reply is over %d bytes (reading stopped there); %s", s.in.n, c.note)
		}
		out.Note = strings.TrimSuffix(out.Note, "; ")
	}
	return out, nil
}

// object streams an object whose '{' was read into at most room bytes: its members, and the
// first list (listKeys) as it comes, item by item.
func (s *streamShaper) object(room int) (cut, error) {
	raw := map[string]any{} // members but the list, with their keys as sent, cleaned at the end as Clean cleans an object
	var list *streamList
	var of int64 = -1
	for s.dec.More() {
		kt, err := s.dec.Token()
		if err != nil {
			return s.stopped(err, raw, list, room, of)
		}
		k, _ := kt.(string)
		if key := sanitize.String(k); list == nil && slices.Contains(listKeys, key) {
			vt, err := s.dec.Token()
			if err != nil {
				return s.stopped(err, raw, list, room, of)
			}
			if d, ok := vt.(json.Delim); ok {
				if n, ok := raw["matched_count"].(json.Number); ok {
					of, _ = n.Int64()
				}
				if list, err = s.list(key, d, s.listRoom(raw, key, room)); err == errNoRoom {
					return cut{}, &partialErr{err: err, fields: raw}
				} else if err != nil {
					return cut{}, err
				}
				if !list.complete {
					return s.finish(raw, list, room, of)
				}
				continue
			}
			raw[k] = vt
			continue
		}
		var v any
		if err := s.dec.Decode(&v); err != nil {
			return s.stopped(err, raw, list, room, of)
		}
		raw[k] = v
	}
	if _, err := s.dec.Token(); err != nil {
		return s.stopped(err, raw, list, room, of)
	}
	if list == nil {
		return cut{complete: true, whole: true, value: raw}, nil
	}
	c, err := s.finish(raw, list, room, of)
	c.complete = err == nil
	return c, err
}

// stopped ends an object whose decoding failed: after its list, reaching the read limit keeps
// what was read; anything else cannot be cut.
func (s *streamShaper) stopped(err error, raw map[string]any, l *streamList, room int, of int64) (cut, error) {
	switch err = s.why(err); {
	case err == errCapped && l != nil:
		return s.finish(raw, l, room, of)
	case err == errCapped:
		return cut{}, &partialErr{err: err, fields: raw}
	}
	return cut{}, err
}

// fieldsOnly shows the cleaned fields of an object that could not be cut as an envelope, within
// budget: as JSON when they fit (after shrinkFields), else as the start of their JSON text.
func (s *streamShaper) fieldsOnly(pe *partialErr, budget int) Shaped {
	fields := pe.fields
	if !pe.cleaned {
		fields, _ = s.cl.walk(fields).(map[string]any)
	}
	restJSON, cutFields := shrinkFields(fields, budget)
	note := fmt.Sprintf("the reply is over %d bytes and has no list that fits the %d-byte limit; showing the fields read before reading stopped", s.in.n, budget)
	if cutFields > 0 {
		note += fmt.Sprintf("; replaced the value of %d field(s) with %q", cutFields, "[cut: <size> bytes]")
	}
	if len(restJSON) <= budget {
		return Shaped{JSON: restJSON, Truncated: true, Note: note, Redacted: s.cl.n}
	}
	out := textShape(restJSON, budget, true)
	out.Redacted += s.cl.n
	return out
}

// listRoom is the room a list may take once the envelope's fields read before it are in, cut
// (shrinkFields) to at most half the room if they are larger.
func (s *streamShaper) listRoom(raw map[string]any, key string, room int) int {
	frame := len(key) + len(`,"":}`)
	est := &cleaner{kinds: s.cl.kinds} // counts nothing: the fields are cleaned for real at the end
	rest, _ := est.walk(deepCopy(raw)).(map[string]any)
	delete(rest, key)
	restJSON, _ := shrinkFields(rest, room/2-frame)
	return room - len(restJSON) - frame - 1
}

// finish puts an object's cleaned fields and its list together within room, as cutJSON does:
// envelope fields too large to leave the list room are replaced by a cut marker, and items are
// dropped from the end until it fits.
func (s *streamShaper) finish(raw map[string]any, l *streamList, room int, of int64) (cut, error) {
	rest, _ := s.cl.walk(raw).(map[string]any)
	delete(rest, l.key) // a member whose key cleans to the list's gives way to the list
	frame := len(l.key) + len(`,"":}`)
	restJSON, cutFields := shrinkFields(rest, max(room-frame-l.size(), room/2-frame))
	dropped := !l.complete || cutFields > 0
	for withListLen(restJSON, l.key, l.size()) > room && len(l.items) > 0 {
		s.cl.n -= l.drop()
		dropped = true
	}
	if withListLen(restJSON, l.key, l.size()) > room {
		return cut{}, &partialErr{err: errNoRoom, fields: rest, cleaned: true}
	}
	c := cut{json: withList(restJSON, l.key, l.bytes()), dropped: dropped}
	switch {
	case !l.complete:
		total := ""
		if of >= 0 {
			total = fmt.Sprintf(" (the envelope reports matched_count %d)", of)
		}
		c.note = fmt.Sprintf("kept the first %d %s entries%s and read no further (page or narrow the query to see the rest); the envelope's fields after %s were not read",
			len(l.items), l.key, total, l.key)
	case len(l.items) < l.seen:
		c.note = fmt.Sprintf("kept the first %d of %d %s entries (page or narrow the query to see the rest)", len(l.items), l.seen, l.key)
	}
	if cutFields > 0 {
		c.note = strings.TrimPrefix(c.note+fmt.Sprintf("; replaced the value of %d other field(s), too large to leave room for the %s, with %q", cutFields, l.key, "[cut: <size> bytes]"), "; ")
	}
	return c, nil
}

// withListLen is the length of withList(rest, key, list) for a list of size bytes.
func withListLen(rest []byte, key string, size int) int {
	n := len(rest) + len(key) + len(`"":`) + size
	if len(rest) > 2 {
		n++ // the comma before the list
	}
	return n
}

// streamList is a list kept item by item.
type streamList struct {
	key      string
	open     byte     // '[' or '{'
	items    [][]byte // kept items (array values, or "key":value members)
	redacted []int    // values redacted in each kept item
	seen     int      // items read
	complete bool     // read to its closing bracket
	// marker: the whole list was FortiAnalyzer's ["ENC", "<ciphertext>"] pair, which Clean
	// shows as the marker.
	marker bool
}

func (l *streamList) size() int {
	if l.marker {
		return len(Redacted) + 2
	}
	n := 2 + max(len(l.items)-1, 0)
	for _, it := range l.items {
		n += len(it)
	}
	return n
}

func (l *streamList) bytes() []byte {
	if l.marker {
		b, _ := json.Marshal(Redacted)
		return b
	}
	closing := byte(']')
	if l.open == '{' {
		closing = '}'
	}
	b := make([]byte, 0, l.size())
	b = append(b, l.open)
	for i, it := range l.items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, closing)
}

// keep adds an item in which the cleaner redacted n values.
func (l *streamList) keep(item []byte, n int) {
	l.items = append(l.items, item)
	l.redacted = append(l.redacted, n)
}

// drop leaves the last kept item out; it returns how many values were redacted in it.
func (l *streamList) drop() int {
	last := len(l.items) - 1
	n := l.redacted[last]
	l.items, l.redacted = l.items[:last], l.redacted[:last]
	l.marker = false
	return n
}

// fits says whether one more item of n bytes fits room.
func (l *streamList) fits(n, room int) bool {
	if len(l.items) > 0 {
		n++
	}
	return l.size()+n <= room
}

// list streams a list whose opening bracket was read, keeping its items while they fit room.
// A list cut short (an item that does not fit, the read limit) comes back incomplete.
func (s *streamShaper) list(key string, open json.Delim, room int) (*streamList, error) {
	if room < 2 {
		return nil, errNoRoom
	}
	l := &streamList{key: key, open: byte(open)}
	if open == '{' {
		return l, s.keyedList(l, room)
	}
	enc := false
	for s.dec.More() {
		var v any
		if err := s.dec.Decode(&v); err != nil {
			return l, s.listStop(err)
		}
		l.seen++
		before := s.cl.n
		switch {
		case enc: // see isENCWord
			s.cl.n++
			v = Redacted
		case l.seen == 1:
			enc = isENCWord(v)
		}
		item, _ := json.Marshal(s.cl.walk(v))
		if !l.fits(len(item), room) {
			s.cl.n = before // not shown, not counted
			return l, nil
		}
		l.keep(item, s.cl.n-before)
	}
	if _, err := s.dec.Token(); err != nil {
		return l, s.listStop(err)
	}
	l.complete = true
	l.marker = enc && l.seen == 2
	return l, nil
}

// isENCWord says whether a list's first item opens FortiAnalyzer's ["ENC", "<ciphertext>"]
// pair. Clean redacts a whole list that is one, which a stream cannot know until the list ends:
// so every item after a first "ENC" is redacted.
func isENCWord(v any) bool {
	str, ok := v.(string)
	return ok && sanitize.String(str) == "ENC"
}

// listStop: the read limit ends a list where it is; anything else is a malformed reply.
func (s *streamShaper) listStop(err error) error {
	if err = s.why(err); err == errCapped {
		return nil
	}
	return err
}

// keyedList streams a keyed map (monitor/system/interface, license/status: §1.3) member by
// member, redacted as Clean redacts an object's members. Two names that read the same once
// cleaned keep the first, unless a later one is a secret: a secret wins, as in Clean.
func (s *streamShaper) keyedList(l *streamList, room int) error {
	index := map[string]int{} // shown key → kept item
	secret := map[string]bool{}
	for s.dec.More() {
		kt, err := s.dec.Token()
		if err != nil {
			return s.listStop(err)
		}
		k, _ := kt.(string)
		var v any
		if err := s.dec.Decode(&v); err != nil {
			return s.listStop(err)
		}
		l.seen++
		key, isSecret := s.cl.judge(k, v)
		kb, _ := json.Marshal(key)
		if i, dup := index[key]; dup {
			if isSecret && !secret[key] {
				s.cl.n -= l.redacted[i] - 1
				l.redacted[i], secret[key] = 1, true
				vb, _ := json.Marshal(Redacted)
				l.items[i] = append(append(kb, ':'), vb...) // finish drops items from the end if this grew past room
			}
			continue
		}
		before := s.cl.n
		var out any = Redacted
		if isSecret {
			s.cl.n++
		} else {
			out = s.cl.walk(v)
		}
		vb, _ := json.Marshal(out)
		item := append(append(kb, ':'), vb...)
		if !l.fits(len(item), room) {
			s.cl.n = before
			return nil
		}
		index[key], secret[key] = len(l.items), isSecret
		l.keep(item, s.cl.n-before)
	}
	if _, err := s.dec.Token(); err != nil {
		return s.listStop(err)
	}
	l.complete = true
	return nil
}

// array streams a top-level array whose '[' was read (§1.2: one envelope per VDOM), keeping
// whole items while they fit room; an envelope that does not fit whole is cut as an envelope,
// and reading stops after it.
func (s *streamShaper) array(room int) (cut, error) {
	l := &streamList{key: "top-level", open: '['}
	enc := false
	before := 0
	stop := func(err error) (cut, error) {
		s.cl.n = before // the item not kept is not counted
		if errors.Is(err, errMalformed) {
			return cut{}, err
		}
		// As cutArray: whole items only, none when the first does not fit.
		return cut{json: l.bytes(), dropped: true, note: fmt.Sprintf("kept the first %d top-level items and read no further", len(l.items))}, nil
	}
	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return stop(s.why(err))
		}
		l.seen++
		before = s.cl.n
		left := room - l.size() - 1
		var item []byte
		d, isDelim := tok.(json.Delim)
		switch {
		case enc: // see isENCWord
			if isDelim {
				if err := s.skip(); err != nil {
					return stop(err)
				}
			}
			s.cl.n++
			item, _ = json.Marshal(Redacted)
		case d == '{':
			c, err := s.object(left)
			if err != nil {
				return stop(err)
			}
			if c.whole {
				item, _ = json.Marshal(s.cl.walk(c.value))
				break
			}
			if c.dropped || !c.complete {
				l.keep(c.json, s.cl.n-before)
				return cut{json: l.bytes(), dropped: true,
					note: fmt.Sprintf("kept the first %d top-level items and read no further; in item %d, %s", len(l.items), len(l.items), c.note)}, nil
			}
			item = c.json
		case d == '[':
			v, err := s.rest()
			if err != nil {
				return stop(err)
			}
			item, _ = json.Marshal(s.cl.walk(v))
		default:
			enc = l.seen == 1 && isENCWord(tok)
			item, _ = json.Marshal(s.cl.walk(tok))
		}
		if !l.fits(len(item), room) {
			return stop(errNoRoom)
		}
		l.keep(item, s.cl.n-before)
		before = s.cl.n
	}
	if _, err := s.dec.Token(); err != nil {
		return stop(s.why(err))
	}
	if enc && l.seen == 2 {
		b, _ := json.Marshal(Redacted)
		return cut{json: b, complete: true}, nil
	}
	return cut{json: l.bytes(), complete: true}, nil
}

// rest decodes the rest of an array whose '[' was read.
func (s *streamShaper) rest() ([]any, error) {
	out := []any{}
	for s.dec.More() {
		var v any
		if err := s.dec.Decode(&v); err != nil {
			return nil, s.why(err)
		}
		out = append(out, v)
	}
	if _, err := s.dec.Token(); err != nil {
		return nil, s.why(err)
	}
	return out, nil
}

// skip reads past the rest of a value whose opening bracket was read.
func (s *streamShaper) skip() error {
	for depth := 1; depth > 0; {
		t, err := s.dec.Token()
		if err != nil {
			return s.why(err)
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// deepCopy copies decoded JSON, since Clean rewrites arrays in place.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = deepCopy(x)
		}
		return a
	}
	return v
}
