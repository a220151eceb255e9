package tools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/invopop/jsonschema"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/forticloud-mcp/forticloud-mcp/internal/fortiflex"
)

// reflector turns argument and result structs into JSON Schemas: one expanded object, no $refs
// (clients and models handle inline schemas best), additionalProperties false on every struct,
// and only fields tagged `jsonschema:"required"` required.
var reflector = &jsonschema.Reflector{
	DoNotReference:             true,
	ExpandedStruct:             true,
	RequiredFromJSONSchemaTags: true,
	Anonymous:                  true,
	Mapper: func(t reflect.Type) *jsonschema.Schema {
		// interface{} and json.RawMessage become {} (any JSON value) rather than the bare `true`
		// invopop emits for an empty schema: MCP's schema.ts wants every property schema to be an
		// object, and the TypeScript SDK's listTools() rejects the whole list otherwise. The
		// empty, non-nil Extras keeps invopop from collapsing the schema to `true`.
		if t.Kind() == reflect.Interface || t == reflect.TypeFor[json.RawMessage]() {
			return &jsonschema.Schema{Extras: map[string]any{}}
		}
		// A FortiFlex date is a struct in Go but an RFC 3339 string on the wire (its MarshalJSON).
		if t == reflect.TypeFor[fortiflex.Time]() {
			return &jsonschema.Schema{Type: "string"}
		}
		return nil
	},
}

// schemaFor reflects v's type into an input schema document without $schema/$id (they only cost
// tokens). Every object in it is closed (additionalProperties: false): arguments are validated
// against exactly this schema, so a misspelt argument is refused rather than ignored.
func schemaFor(v any) json.RawMessage {
	return marshalSchema(v, reflectSchema(v))
}

// outputSchemaFor reflects a result type into its output schema: the same properties and types,
// with objects left open. additionalProperties: false there would only constrain this server's
// own results, built from these very types, so it tells a model nothing while costing tokens in
// every tools/list; structuredContent still validates against the schema (the e2e tests check).
func outputSchemaFor(v any) json.RawMessage {
	s := reflectSchema(v)
	openObjects(s)
	return marshalSchema(v, s)
}

func reflectSchema(v any) *jsonschema.Schema {
	s := reflector.Reflect(v)
	s.Version = ""
	s.ID = ""
	numericExtras(s)
	return s
}

func marshalSchema(v any, s *jsonschema.Schema) json.RawMessage {
	raw, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("tools: schema for %T: %v", v, err))
	}
	return raw
}

// openObjects drops additionalProperties: false throughout s.
func openObjects(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if s.AdditionalProperties == jsonschema.FalseSchema {
		s.AdditionalProperties = nil
	}
	openObjects(s.AdditionalProperties)
	if s.Properties != nil {
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			openObjects(pair.Value)
		}
	}
	openObjects(s.Items)
	for _, sub := range [][]*jsonschema.Schema{s.AnyOf, s.OneOf, s.AllOf} {
		for _, x := range sub {
			openObjects(x)
		}
	}
}

// numericExtras turns `jsonschema_extras:"maxProperties=N"` (invopop's tag parser ignores
// maxProperties, and extras arrive as strings) into the schema's integer keyword.
func numericExtras(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if v, ok := s.Extras["maxProperties"].(string); ok {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			s.MaxProperties = &n
			delete(s.Extras, "maxProperties")
		}
	}
	if s.Properties != nil {
		for pair := s.Properties.Oldest(); pair != nil; pair = pair.Next() {
			numericExtras(pair.Value)
		}
	}
	numericExtras(s.Items)
	for _, d := range s.Definitions {
		numericExtras(d)
	}
}

// validator checks arguments against the exact schema the tool advertises, with messages that
// name the field and the rule. (mcp-go's own validation reports `/n: &{Got:0/1 Want:1/1}`, which a
// model cannot act on; mcp-testing.md, "behaviours that bite" 4.)
type validator struct{ schema *sjs.Schema }

func newValidator(name string, schema json.RawMessage) *validator {
	doc, err := sjs.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		panic(fmt.Sprintf("tools: %s: schema: %v", name, err))
	}
	c := sjs.NewCompiler()
	url := "mem:///tools/" + name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		panic(fmt.Sprintf("tools: %s: schema: %v", name, err))
	}
	s, err := c.Compile(url)
	if err != nil {
		panic(fmt.Sprintf("tools: %s: schema: %v", name, err))
	}
	return &validator{schema: s}
}

// validate returns nil or an *ArgumentError listing every problem.
func (v *validator) validate(raw json.RawMessage) error {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		raw = json.RawMessage(`{}`)
	}
	inst, err := sjs.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return &ArgumentError{Problems: []string{"arguments are not valid JSON"}}
	}
	err = v.schema.Validate(inst)
	if err == nil {
		return nil
	}
	var verr *sjs.ValidationError
	if !errors.As(err, &verr) {
		return &ArgumentError{Problems: []string{err.Error()}}
	}
	var problems []string
	collect(verr, &problems)
	sort.Strings(problems)
	return &ArgumentError{Problems: dedupe(problems)}
}

var printer = message.NewPrinter(language.English)

func collect(e *sjs.ValidationError, out *[]string) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			collect(c, out)
		}
		return
	}
	field := strings.Join(e.InstanceLocation, ".")
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, fmt.Sprintf("%s is required", join(field, m)))
		}
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			*out = append(*out, fmt.Sprintf("%s is not an argument of this tool (check the spelling against the tool's input schema)", join(field, shownName(p))))
		}
	case *kind.Type:
		*out = append(*out, fmt.Sprintf("%s must be %s, not %s", nameOr(field), article(strings.Join(k.Want, " or ")), k.Got))
	case *kind.Minimum:
		*out = append(*out, fmt.Sprintf("%s must be at least %s (got %s)", nameOr(field), k.Want.RatString(), k.Got.RatString()))
	case *kind.Maximum:
		*out = append(*out, fmt.Sprintf("%s must be at most %s (got %s)", nameOr(field), k.Want.RatString(), k.Got.RatString()))
	case *kind.MinLength:
		*out = append(*out, fmt.Sprintf("%s must be at least %d characters long", nameOr(field), k.Want))
	case *kind.MaxLength:
		*out = append(*out, fmt.Sprintf("%s must be at most %d characters long (got %d)", nameOr(field), k.Want, k.Got))
	case *kind.Pattern:
		*out = append(*out, fmt.Sprintf("%s must match the pattern %s", nameOr(field), k.Want))
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			b, _ := json.Marshal(w)
			want[i] = string(b)
		}
		*out = append(*out, fmt.Sprintf("%s must be one of %s", nameOr(field), strings.Join(want, ", ")))
	case *kind.MaxItems:
		*out = append(*out, fmt.Sprintf("%s must have at most %d items (got %d)", nameOr(field), k.Want, k.Got))
	case *kind.MaxProperties:
		*out = append(*out, fmt.Sprintf("%s must have at most %d entries (got %d)", nameOr(field), k.Want, k.Got))
	default:
		*out = append(*out, fmt.Sprintf("%s: %s", nameOr(field), e.ErrorKind.LocalizedString(printer)))
	}
}

func join(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}

func nameOr(field string) string {
	if field == "" {
		return "the arguments"
	}
	return field
}

func article(t string) string {
	if t != "" && strings.ContainsRune("aeiou", rune(t[0])) {
		return "an " + t
	}
	return "a " + t
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// canonicalArgs re-encodes raw arguments the way the handler then reads them, so that what the
// schema validates is exactly what the handler decodes: one value per key (the last, as the
// validator reads them), integral numbers written as integers (5.0 and 1e2 become 5 and 100, which
// JSON Schema calls integers and Go's decoder would refuse), and no number beyond ±2^63-1 (no
// argument needs one).
func canonicalArgs(raw json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return raw, nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &ArgumentError{Problems: []string{"arguments are not valid JSON"}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &ArgumentError{Problems: []string{"arguments are not valid JSON (data after the object)"}}
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, &ArgumentError{Problems: []string{"arguments must be a JSON object"}}
	}
	v, err := canonicalNumbers(v, "")
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, &ArgumentError{Problems: []string{"arguments cannot be encoded: " + err.Error()}}
	}
	return out, nil
}

var (
	minInt64 = big.NewInt(math.MinInt64)
	maxInt64 = big.NewInt(math.MaxInt64)
)

func canonicalNumbers(v any, at string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			c, err := canonicalNumbers(e, join(at, shownName(k)))
			if err != nil {
				return nil, err
			}
			x[k] = c
		}
	case []any:
		for i, e := range x {
			c, err := canonicalNumbers(e, join(at, strconv.Itoa(i)))
			if err != nil {
				return nil, err
			}
			x[i] = c
		}
	case json.Number:
		s := string(x)
		if len(s) > 400 {
			return nil, InvalidArgument(nameOr(at), "is a number out of range")
		}
		if i := strings.IndexAny(s, "eE"); i >= 0 {
			if exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+")); err != nil || exp > 400 || exp < -400 {
				return nil, InvalidArgument(nameOr(at), "is a number out of range")
			}
		}
		f, _, err := big.ParseFloat(s, 10, 256, big.ToNearestEven)
		if err != nil {
			return nil, InvalidArgument(nameOr(at), "is not a number")
		}
		if !f.IsInt() {
			return x, nil
		}
		n, _ := f.Int(nil)
		if n.Cmp(minInt64) < 0 || n.Cmp(maxInt64) > 0 {
			return nil, InvalidArgument(nameOr(at), "is out of range: integers must lie between %d and %d", int64(math.MinInt64), int64(math.MaxInt64))
		}
		return json.Number(n.String()), nil
	}
	return v, nil
}
