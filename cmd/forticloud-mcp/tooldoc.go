package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/tools"
)

// toolDoc describes one tool for people (text, Markdown) and scripts (JSON), from the same
// definition the server registers: its input schema is what every call is validated against.
type toolDoc struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Service     string `json:"service"`      // the toolset: fortigatecloud, fortiflex, fortianalyzer, socaas, approvals
	ServiceName string `json:"service_name"` // as people name it
	// Access is read-only, write, or read/write (a mixed tool: fortios_proxy's GET reads, other
	// methods write). Every write waits for a person's approval unless --approval=none.
	Access      string    `json:"access"`
	Annotations annotated `json:"annotations"`
	// Offered says whether the current configuration offers the tool; Needs says what it lacks.
	Offered     bool     `json:"offered"`
	Needs       string   `json:"needs,omitempty"`
	Description string   `json:"description"`
	Arguments   []argDoc `json:"arguments"`
	Returns     []argDoc `json:"returns,omitempty"`
	InputSchema any      `json:"input_schema"`
	Output      any      `json:"output_schema,omitempty"`
	def         *tools.Definition
}

type annotated struct {
	ReadOnly    bool `json:"read_only"`
	Destructive bool `json:"destructive"`
	Idempotent  bool `json:"idempotent"`
	OpenWorld   bool `json:"open_world"`
}

// argDoc is one argument (or one result field).
type argDoc struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Required    bool     `json:"required"`
	Constraints []string `json:"constraints,omitempty"`
	Default     any      `json:"default,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Access kinds.
const (
	accessRead  = "read-only"
	accessWrite = "write"
	accessMixed = "read/write"
)

func accessOf(s tools.Spec) string {
	switch {
	case s.Hints.ReadOnly:
		return accessRead
	case s.Mixed:
		return accessMixed
	}
	return accessWrite
}

// serviceNames are the services as people name them.
var serviceNames = map[string]string{
	config.FortiGateCloud:  "FortiGate Cloud",
	config.FortiFlex:       "FortiFlex",
	config.FortiAnalyzer:   "FortiAnalyzer Cloud",
	config.SOCaaS:          "SOCaaS",
	tools.ApprovalsToolset: "approvals",
}

func serviceName(toolset string) string {
	if n, ok := serviceNames[toolset]; ok {
		return n
	}
	return toolset
}

// docFor describes a tool definition.
func docFor(d *tools.Definition) (toolDoc, error) {
	doc := toolDoc{Name: d.Spec.Name, Title: d.Spec.Title, Service: d.Spec.Toolset, ServiceName: serviceName(d.Spec.Toolset),
		Access: accessOf(d.Spec), Description: d.Spec.Description, Offered: true, def: d,
		Annotations: annotated{d.Spec.Hints.ReadOnly, d.Spec.Hints.Destructive, d.Spec.Hints.Idempotent, d.Spec.Hints.OpenWorld}}
	in, err := decodeOrdered(d.Tool.RawInputSchema)
	if err != nil {
		return doc, fmt.Errorf("%s: input schema: %w", d.Spec.Name, err)
	}
	doc.InputSchema = in
	doc.Arguments = fieldsOf(asObject(in), "", true)
	if len(d.Tool.RawOutputSchema) > 0 {
		out, err := decodeOrdered(d.Tool.RawOutputSchema)
		if err != nil {
			return doc, fmt.Errorf("%s: output schema: %w", d.Spec.Name, err)
		}
		doc.Output = out
		doc.Returns = fieldsOf(asObject(out), "", false)
	}
	if doc.Arguments == nil {
		doc.Arguments = []argDoc{}
	}
	return doc, nil
}

func asObject(v any) *object {
	o, _ := v.(*object)
	return o
}

// fieldsOf lists the properties of an object schema in their order; the properties of a nested
// object follow it as parent.child. deep also descends into nested objects' properties.
func fieldsOf(schema *object, prefix string, deep bool) []argDoc {
	props := schema.obj("properties")
	if props == nil {
		return nil
	}
	required := map[string]bool{}
	if list, ok := func() ([]any, bool) { v, _ := schema.get("required"); l, ok := v.([]any); return l, ok }(); ok {
		for _, r := range list {
			if s, ok := r.(string); ok {
				required[s] = true
			}
		}
	}
	var out []argDoc
	for _, name := range props.keys {
		p := props.obj(name)
		a := argDoc{Name: prefix + name, Type: typeOf(p), Required: required[name], Description: oneLine(p.str("description")),
			Constraints: constraintsOf(p)}
		if def, ok := p.get("default"); ok {
			a.Default = def
		}
		out = append(out, a)
		if deep && p.obj("properties") != nil {
			out = append(out, fieldsOf(p, prefix+name+".", deep)...)
		}
	}
	return out
}

// typeOf names a schema's type: string, integer, array of string, string or array of string.
func typeOf(p *object) string {
	if p == nil {
		return "any"
	}
	if v, ok := p.get("anyOf"); ok {
		if list, ok := v.([]any); ok {
			var kinds []string
			for _, s := range list {
				kinds = append(kinds, typeOf(asObject(s)))
			}
			return strings.Join(kinds, " or ")
		}
	}
	t := p.str("type")
	if t == "" {
		if v, ok := p.get("type"); ok {
			if list, ok := v.([]any); ok {
				var kinds []string
				for _, k := range list {
					if s, ok := k.(string); ok {
						kinds = append(kinds, s)
					}
				}
				return strings.Join(kinds, " or ")
			}
		}
		return "any"
	}
	if t == "array" {
		if items := p.obj("items"); items != nil {
			return "array of " + typeOf(items)
		}
	}
	return t
}

// constraintsOf renders what a value must be, as a person reads it.
func constraintsOf(p *object) []string {
	if p == nil {
		return nil
	}
	var c []string
	if e := enumOf(p); e != "" {
		c = append(c, "one of "+e)
	}
	if r := rangeOf(p, "minimum", "maximum", ""); r != "" {
		c = append(c, r)
	}
	if r := rangeOf(p, "minLength", "maxLength", "length"); r != "" {
		c = append(c, r)
	}
	if s := p.str("pattern"); s != "" {
		c = append(c, "pattern "+s)
	}
	if s := p.str("format"); s != "" {
		c = append(c, "format "+s)
	}
	if items := p.obj("items"); items != nil {
		if e := enumOf(items); e != "" {
			c = append(c, "items one of "+e)
		}
		for _, ic := range constraintsOf(items) {
			if !strings.HasPrefix(ic, "one of ") {
				c = append(c, "items "+ic)
			}
		}
	}
	if r := rangeOf(p, "minItems", "maxItems", "items"); r != "" {
		c = append(c, r)
	}
	if v, ok := p.get("uniqueItems"); ok && v == true {
		c = append(c, "unique items")
	}
	if r := rangeOf(p, "minProperties", "maxProperties", "keys"); r != "" {
		c = append(c, r)
	}
	if ap := p.obj("additionalProperties"); ap != nil {
		vc := typeOf(ap)
		if cs := constraintsOf(ap); len(cs) > 0 {
			vc += " (" + strings.Join(cs, ", ") + ")"
		}
		c = append(c, "values "+vc)
	}
	if v, ok := p.get("default"); ok {
		c = append(c, "default "+literal(v))
	}
	return c
}

func enumOf(p *object) string {
	v, ok := p.get("enum")
	if !ok {
		return ""
	}
	list, _ := v.([]any)
	var vals []string
	for _, e := range list {
		vals = append(vals, literal(e))
	}
	return strings.Join(vals, ", ")
}

// rangeOf renders min/max keywords: "1-1000", ">= 0", "<= 300"; what names the unit (length,
// items, keys), or nothing for a number.
func rangeOf(p *object, minKey, maxKey, what string) string {
	lo, hasLo := p.get(minKey)
	hi, hasHi := p.get(maxKey)
	unit := ""
	if what != "" {
		unit = " " + what
	}
	if what == "length" {
		switch {
		case hasLo && hasHi:
			return fmt.Sprintf("length %s-%s", literal(lo), literal(hi))
		case hasLo:
			return "min length " + literal(lo)
		case hasHi:
			return "max length " + literal(hi)
		}
		return ""
	}
	switch {
	case hasLo && hasHi:
		if what == "" {
			return fmt.Sprintf("%s-%s", literal(lo), literal(hi))
		}
		return fmt.Sprintf("%s-%s%s", literal(lo), literal(hi), unit)
	case hasLo:
		if what == "" {
			return ">= " + literal(lo)
		}
		return fmt.Sprintf("at least %s%s", literal(lo), unit)
	case hasHi:
		if what == "" {
			return "<= " + literal(hi)
		}
		return fmt.Sprintf("at most %s%s", literal(hi), unit)
	}
	return ""
}

// literal renders a JSON value the way it is written in arguments (strings unquoted).
func literal(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// sortDocs orders tools by service (in registration order) then keeps each service's own order.
func sortDocs(docs []toolDoc) {
	rank := map[string]int{}
	for i, s := range append(append([]string{}, config.AllServices...), tools.ApprovalsToolset) {
		rank[s] = i
	}
	sort.SliceStable(docs, func(i, j int) bool { return rank[docs[i].Service] < rank[docs[j].Service] })
}
