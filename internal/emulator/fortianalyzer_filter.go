package emulator

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// FortiAnalyzer filter expressions, as log search, FortiView, alerts and
// incidents take them in "filter" (forticloud-api.md §4.4, §4.5):
//
//	srcip==10.0.0.5 and action==deny
//	(dstport==443 or dstport==8443) and not app=="HTTPS.BROWSER"
//	severity>=3 trigger_name~"Botnet"
//
// Grammar [inf: the reference shows only "field==value" and "and"; the rest
// is modelled on the FortiAnalyzer GUI's log filter]:
//
//	expr    := and { ("or" | "||") and }
//	and     := unary { ["and" | "&&"] unary }   juxtaposition is "and"
//	unary   := ("not" | "!") unary | "(" expr ")" | cond
//	cond    := field op value
//	op      := "==" | "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~"
//	value   := "..." | '...' (backslash escapes the next byte) | bare
//
// A bare value runs to the next blank or unbalanced ")". Keywords are
// case-insensitive. Matching: "==" compares case-insensitively unless the
// search is case-sensitive, treats "*" as a wildcard, and an a.b.c.d/n value
// as a subnet; "~" is "contains"; the order operators compare numbers, then
// addresses, then text. A field a row lacks never equals anything.

const (
	maxFilterLen   = 4096 // bytes [inf]
	maxFilterDepth = 32   // nesting of parentheses and "not"
	maxFilterConds = 64
)

var errFilterSyntax = errors.New("invalid filter")

// fazExpr is a parsed filter.
type fazExpr interface {
	match(get func(string) (string, bool), caseSensitive bool) bool
	// canon writes the expression in a canonical form that parses back to
	// an equivalent expression with the same canonical form (fuzz-tested).
	// Parentheses appear only where precedence needs them (an "or" under an
	// "and", anything compound under "not"), so the canonical form never
	// nests deeper than the input did.
	canon(b *strings.Builder, parent canonCtx)
}

type canonCtx int

const (
	ctxTop canonCtx = iota
	ctxAnd
	ctxOr
	ctxNot
)

type fazCond struct{ field, op, value string }

type fazLogic struct {
	or   bool
	kids []fazExpr
}

type fazNot struct{ x fazExpr }

// fazFilterString renders an expression canonically ("" for nil).
func fazFilterString(x fazExpr) string {
	if x == nil {
		return ""
	}
	var b strings.Builder
	x.canon(&b, ctxTop)
	return b.String()
}

func (c *fazCond) canon(b *strings.Builder, _ canonCtx) {
	b.WriteString(c.field)
	b.WriteString(c.op)
	b.WriteByte('"')
	for i := 0; i < len(c.value); i++ {
		if c.value[i] == '"' || c.value[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c.value[i])
	}
	b.WriteByte('"')
}

func (l *fazLogic) canon(b *strings.Builder, parent canonCtx) {
	paren := parent == ctxNot || (parent == ctxAnd && l.or)
	if paren {
		b.WriteByte('(')
	}
	ctx, sep := ctxAnd, " and "
	if l.or {
		ctx, sep = ctxOr, " or "
	}
	for i, k := range l.kids {
		if i > 0 {
			b.WriteString(sep)
		}
		k.canon(b, ctx)
	}
	if paren {
		b.WriteByte(')')
	}
}

func (n *fazNot) canon(b *strings.Builder, _ canonCtx) {
	b.WriteString("not ")
	n.x.canon(b, ctxNot)
}

func (l *fazLogic) match(get func(string) (string, bool), cs bool) bool {
	for _, k := range l.kids {
		if k.match(get, cs) == l.or {
			return l.or
		}
	}
	return !l.or
}

func (n *fazNot) match(get func(string) (string, bool), cs bool) bool { return !n.x.match(get, cs) }

func (c *fazCond) match(get func(string) (string, bool), cs bool) bool {
	v, ok := get(c.field)
	switch c.op {
	case "==", "=":
		return ok && fazEqual(v, c.value, cs)
	case "!=":
		return !ok || !fazEqual(v, c.value, cs)
	case "~":
		return ok && fazContains(v, c.value, cs)
	case "!~":
		return !ok || !fazContains(v, c.value, cs)
	}
	if !ok {
		return false
	}
	n := fazCompare(v, c.value)
	switch c.op {
	case "<":
		return n < 0
	case "<=":
		return n <= 0
	case ">":
		return n > 0
	default: // ">="
		return n >= 0
	}
}

func fazEqual(v, want string, cs bool) bool {
	if !cs {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	if strings.Contains(want, "*") {
		return wildcardMatch(want, v)
	}
	if v == want {
		return true
	}
	if p, err := netip.ParsePrefix(want); err == nil {
		if a, err := netip.ParseAddr(v); err == nil {
			return p.Contains(a)
		}
	}
	return false
}

// wildcardMatch matches s against pat, where each "*" stands for any run
// of bytes.
func wildcardMatch(pat, s string) bool {
	parts := strings.Split(pat, "*")
	if len(parts) == 1 {
		return pat == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

func fazContains(v, want string, cs bool) bool {
	if !cs {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	return strings.Contains(v, want)
}

// severityRank lets "severity>=3" compare with labels [inf].
var severityRank = map[string]float64{"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0, "information": 0}

// fazCompare orders v against w: as numbers, then as addresses, then as text.
func fazCompare(v, w string) int {
	fw, errW := strconv.ParseFloat(w, 64)
	if errW == nil {
		fv, err := strconv.ParseFloat(v, 64)
		if err != nil {
			if r, ok := severityRank[strings.ToLower(v)]; ok {
				fv, err = r, nil
			}
		}
		if err == nil {
			switch {
			case fv < fw:
				return -1
			case fv > fw:
				return 1
			}
			return 0
		}
	}
	if a, err := netip.ParseAddr(v); err == nil {
		if b, err := netip.ParseAddr(w); err == nil {
			return a.Compare(b)
		}
	}
	return strings.Compare(v, w)
}

// parseFAZFilter parses a filter; "" (or blanks) yields nil, which matches
// everything.
func parseFAZFilter(s string) (fazExpr, error) {
	if len(s) > maxFilterLen {
		return nil, errFilterSyntax
	}
	p := &filterParser{s: s}
	p.skip()
	if p.i == len(p.s) {
		return nil, nil
	}
	x, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.i != len(p.s) {
		return nil, errFilterSyntax
	}
	return x, nil
}

type filterParser struct {
	s     string
	i     int
	conds int
}

func (p *filterParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

// keyword reports whether the word kw (case-insensitive) starts at the
// cursor and is followed by a blank, "(" or the end; it consumes it if so.
func (p *filterParser) keyword(kw string) bool {
	end := p.i + len(kw)
	if end > len(p.s) || !strings.EqualFold(p.s[p.i:end], kw) {
		return false
	}
	if end < len(p.s) && !strings.ContainsRune(" \t\r\n(", rune(p.s[end])) {
		return false
	}
	p.i = end
	return true
}

func (p *filterParser) symbol(sym string) bool {
	if strings.HasPrefix(p.s[p.i:], sym) {
		p.i += len(sym)
		return true
	}
	return false
}

func (p *filterParser) expr(depth int) (fazExpr, error) {
	first, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	kids := []fazExpr{first}
	for {
		p.skip()
		if !p.keyword("or") && !p.symbol("||") {
			break
		}
		p.skip()
		k, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &fazLogic{or: true, kids: kids}, nil
}

func (p *filterParser) and(depth int) (fazExpr, error) {
	first, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	kids := []fazExpr{first}
	for {
		p.skip()
		if p.i == len(p.s) || p.s[p.i] == ')' {
			break
		}
		save := p.i
		if p.keyword("or") || p.symbol("||") {
			p.i = save
			break
		}
		if p.keyword("and") || p.symbol("&&") {
			p.skip()
		}
		k, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &fazLogic{kids: kids}, nil
}

func (p *filterParser) unary(depth int) (fazExpr, error) {
	if depth >= maxFilterDepth {
		return nil, errFilterSyntax
	}
	p.skip()
	if p.i == len(p.s) {
		return nil, errFilterSyntax
	}
	if p.keyword("not") || (p.s[p.i] == '!' && !strings.HasPrefix(p.s[p.i:], "!=") && !strings.HasPrefix(p.s[p.i:], "!~") && p.symbol("!")) {
		x, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &fazNot{x}, nil
	}
	if p.symbol("(") {
		x, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		p.skip()
		if !p.symbol(")") {
			return nil, errFilterSyntax
		}
		return x, nil
	}
	return p.cond()
}

func isFieldByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

var filterOpsByLength = []string{"==", "!=", "<=", ">=", "!~", "=", "<", ">", "~"}

func (p *filterParser) cond() (fazExpr, error) {
	start := p.i
	for p.i < len(p.s) && isFieldByte(p.s[p.i]) {
		p.i++
	}
	if p.i == start || p.i-start > 64 {
		return nil, errFilterSyntax
	}
	field := p.s[start:p.i]
	switch strings.ToLower(field) {
	case "and", "or", "not":
		return nil, errFilterSyntax
	}
	p.skip()
	op := ""
	for _, o := range filterOpsByLength {
		if p.symbol(o) {
			op = o
			break
		}
	}
	if op == "" {
		return nil, errFilterSyntax
	}
	p.skip()
	val, err := p.value()
	if err != nil {
		return nil, err
	}
	p.conds++
	if p.conds > maxFilterConds {
		return nil, errFilterSyntax
	}
	return &fazCond{field: field, op: op, value: val}, nil
}

func (p *filterParser) value() (string, error) {
	if p.i == len(p.s) {
		return "", errFilterSyntax
	}
	if q := p.s[p.i]; q == '"' || q == '\'' {
		p.i++
		var b strings.Builder
		for p.i < len(p.s) {
			c := p.s[p.i]
			switch {
			case c == '\\' && p.i+1 < len(p.s):
				b.WriteByte(p.s[p.i+1])
				p.i += 2
			case c == q:
				p.i++
				return b.String(), nil
			default:
				b.WriteByte(c)
				p.i++
			}
		}
		return "", errFilterSyntax // unterminated
	}
	start, depth := p.i, 0
loop:
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n', '"', '\'':
			break loop
		case '(':
			depth++
		case ')':
			if depth == 0 {
				break loop
			}
			depth--
		}
		p.i++
	}
	if p.i == start {
		return "", errFilterSyntax
	}
	return p.s[start:p.i], nil
}

// filterFields lists the fields an expression names.
func filterFields(x fazExpr) []string {
	var out []string
	var walk func(fazExpr)
	walk = func(x fazExpr) {
		switch t := x.(type) {
		case *fazCond:
			out = append(out, t.field)
		case *fazLogic:
			for _, k := range t.kids {
				walk(k)
			}
		case *fazNot:
			walk(t.x)
		}
	}
	if x != nil {
		walk(x)
	}
	return out
}
