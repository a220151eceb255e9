// Package tools defines forticloud-mcp's MCP tools: a typed-tool constructor (input struct →
// JSON Schema via invopop, validation, structured results), the inventory that selects tools by
// toolset and read-only mode, and one file per FortiCloud service. Tools know nothing of HTTP.
package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// Hints are the MCP tool annotations. Every tool declares all four here: clients auto-run tools
// marked read-only, so a wrong hint is a security bug (style.md). On the wire, annotations says
// only what the spec's defaults do not (see annotations).
type Hints struct {
	ReadOnly    bool
	Destructive bool
	Idempotent  bool
	OpenWorld   bool
}

// Spec describes a tool.
type Spec struct {
	Name        string
	Title       string
	Description string
	Toolset     string // the service: config.FortiGateCloud, ...
	// Mixed tools both read and write (fortios_proxy): they stay in read-only mode and refuse
	// writes themselves. Other tools that are not ReadOnly are removed in read-only mode.
	Mixed bool
	Hints Hints
}

// Definition is a tool ready to register.
type Definition struct {
	Spec    Spec
	Tool    mcp.Tool
	Handler server.ToolHandlerFunc
}

// Summarizer gives a result's one-line text rendering.
type Summarizer interface{ Summary() string }

// Handler is a typed tool handler. It returns the result or an error: *ArgumentError,
// *RefusedError, *upstream.Error and *auth.Error become tool errors the model reads.
type Handler[In, Out any] func(ctx context.Context, in In) (*Out, error)

// New turns a typed handler into a tool: In is reflected into the input schema (validated on
// every call before the handler runs), Out into the output schema, and the result is returned as
// structuredContent plus a text rendering (a summary line and the same JSON, for clients that
// ignore structuredContent, as the MCP spec asks).
func New[In, Out any](spec Spec, h Handler[In, Out]) Definition {
	var in In
	var out Out
	inSchema := schemaFor(&in)
	outSchema := outputSchemaFor(&out)
	v := newValidator(spec.Name, inSchema)
	// Built literally: mcp.NewTool presets a structured input schema, which conflicts with a raw one.
	tool := mcp.Tool{
		Name:            spec.Name,
		Title:           spec.Title,
		Description:     spec.Description,
		RawInputSchema:  inSchema,
		RawOutputSchema: outSchema,
		Annotations:     annotations(spec.Hints),
	}
	run := func(ctx context.Context, req mcp.CallToolRequest) *mcp.CallToolResult {
		raw := req.Params.RawArguments
		if len(raw) == 0 && req.Params.Arguments != nil {
			b, err := json.Marshal(req.Params.Arguments)
			if err != nil {
				return errorResult(spec.Name, &ArgumentError{Problems: []string{"arguments are not a JSON object"}})
			}
			raw = b
		}
		raw, err := canonicalArgs(raw)
		if err != nil {
			return errorResult(spec.Name, err)
		}
		if err := v.validate(raw); err != nil {
			return errorResult(spec.Name, err)
		}
		var args In
		if len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &args); err != nil {
				return errorResult(spec.Name, &ArgumentError{Problems: []string{err.Error()}})
			}
		}
		res, err := h(withProgressToken(ctx, req), args)
		if err != nil {
			return errorResult(spec.Name, err)
		}
		return structuredResult(spec.Name, res)
	}
	handler := func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if spec.Hints.ReadOnly {
			return run(ctx, req), nil
		}
		// Every tool that may write goes through the approval gate's call: a write held for
		// the console answers at once and runs later, once a person approves it.
		return approval.Run(ctx, req.Params.MultiRoundTripParams,
			func(ctx context.Context) *mcp.CallToolResult { return run(ctx, req) },
			heldResult), nil
	}
	return Definition{Spec: spec, Tool: tool, Handler: handler}
}

// annotations renders hints as the MCP spec (2025-06-18 and later) reads them, leaving out what
// its defaults already say, since tools/list is paid for in every conversation:
//   - readOnlyHint is always stated (default false): it is the hint clients act on, so a reader
//     never has to know the default to see that a tool writes;
//   - destructiveHint and idempotentHint mean something only when readOnlyHint is false: a write
//     states destructiveHint either way (its default, true, is not obvious) and idempotentHint
//     only when true (default false);
//   - openWorldHint is stated only when false (default true: every FortiCloud tool reaches an
//     outside service);
//   - the title is the tool's top-level title, which the spec shows before annotations.title.
func annotations(h Hints) mcp.ToolAnnotation {
	a := mcp.ToolAnnotation{ReadOnlyHint: mcp.ToBoolPtr(h.ReadOnly)}
	if !h.ReadOnly {
		a.DestructiveHint = mcp.ToBoolPtr(h.Destructive)
		if h.Idempotent {
			a.IdempotentHint = mcp.ToBoolPtr(true)
		}
	}
	if !h.OpenWorld {
		a.OpenWorldHint = mcp.ToBoolPtr(false)
	}
	return a
}

func structuredResult(tool string, res any) *mcp.CallToolResult {
	body, err := json.Marshal(res)
	if err != nil {
		return errorResult(tool, fmt.Errorf("encoding the result: %w", err))
	}
	text := string(body)
	if s, ok := res.(Summarizer); ok {
		text = s.Summary() + "\n" + text
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(text)},
		StructuredContent: json.RawMessage(body),
	}
}

// errorResult renders an error as a tool error (isError: true). Unknown errors keep their text:
// every error in this code base is built without secrets (auth.Error, upstream.Error).
func errorResult(tool string, err error) *mcp.CallToolResult {
	var input *approval.InputRequired
	if errors.As(err, &input) {
		return input.Result // the client asks its user, then calls again with the answer
	}
	var (
		ae *ArgumentError
		re *RefusedError
		ue *upstream.Error
		au *auth.Error
	)
	switch {
	case errors.As(err, &ae), errors.As(err, &re), errors.As(err, &ue), errors.As(err, &au):
	case errors.Is(err, context.DeadlineExceeded):
		err = fmt.Errorf("%s timed out waiting for FortiCloud: %w", tool, err)
	case errors.Is(err, context.Canceled):
		err = fmt.Errorf("%s was cancelled", tool)
	default:
		slog.Default().Warn("tool failed", "tool", tool, "error", err)
	}
	return mcp.NewToolResultError(tool + ": " + err.Error())
}

// Page is a result list whose items were encoded once: fitting them to the result budget has to
// encode each item, and the result reuses those bytes instead of encoding the list a second time
// (a list call's largest cost in the server; docs/performance.md). Its schema is that of []T.
type Page[T any] struct {
	Items []T
	raw   []json.RawMessage // Items' encodings, when fitPage made them
}

// Len is the number of items.
func (p Page[T]) Len() int { return len(p.Items) }

// IsZero makes `omitzero` leave out an empty page, as `omitempty` does an empty slice.
func (p Page[T]) IsZero() bool { return len(p.Items) == 0 }

// MarshalJSON writes the items' saved encodings, or encodes them when there are none.
func (p Page[T]) MarshalJSON() ([]byte, error) {
	if len(p.raw) != len(p.Items) {
		if p.Items == nil {
			return []byte("[]"), nil
		}
		return json.Marshal(p.Items)
	}
	n := 2
	for _, r := range p.raw {
		n += len(r) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, r := range p.raw {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, r...)
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads a list (tests decode results).
func (p *Page[T]) UnmarshalJSON(b []byte) error {
	p.raw = nil
	return json.Unmarshal(b, &p.Items)
}

// JSONSchemaAlias gives the schema reflector the list type.
func (Page[T]) JSONSchemaAlias() any { return []T{} }

// fitPage keeps the longest prefix of items whose JSON fits the result budget; it returns the kept
// items and the offset just after them (start is the offset of items[0]).
func fitPage[T any](items []T, budget, start int) (Page[T], int) {
	size := 256
	raw := make([]json.RawMessage, 0, len(items))
	for i, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			// Not expected from decoded JSON; the result encoder will report it.
			return Page[T]{Items: items}, start + len(items)
		}
		if size+len(b)+1 > budget {
			if i > 0 {
				return Page[T]{Items: items[:i], raw: raw}, start + i
			}
			// The first item alone is too big (a device named with a megabyte): keep it, with
			// its long texts cut, so that paging still moves on.
			m, ok := any(it).(map[string]any)
			if d, isDevice := any(it).(deviceJSON); isDevice {
				ok = json.Unmarshal(d, &m) == nil
			}
			if ok {
				shrinkMap(m, budget-size)
				b, _ = json.Marshal(m)
			}
		}
		raw = append(raw, b)
		size += len(b) + 1
	}
	return Page[T]{Items: items, raw: raw}, start + len(items)
}

// shrinkMap cuts the longest strings in m until its JSON fits budget bytes.
func shrinkMap(m map[string]any, budget int) {
	for limit := 1024; limit >= 16; limit /= 2 {
		if b, _ := json.Marshal(m); len(b) <= budget {
			return
		}
		cutStrings(m, limit)
	}
}

func cutStrings(v any, limit int) any {
	switch x := v.(type) {
	case string:
		if len(x) > limit {
			return strings.ToValidUTF8(x[:limit], "") + "… (cut)"
		}
	case map[string]any:
		for k, e := range x {
			x[k] = cutStrings(e, limit)
		}
	case []any:
		if len(x) > limit/16+1 {
			x = append(x[:limit/16+1:limit/16+1], "… (cut)")
		}
		for i, e := range x {
			x[i] = cutStrings(e, limit)
		}
		return x
	}
	return v
}

// pageOf cuts one page out of a filtered list: offset and limit, then the result budget. It
// returns the page (never nil) and the next offset when more remain.
func pageOf[T any](all []T, offset, limit, budget int) (page Page[T], next *int) {
	start := min(offset, len(all))
	end := min(start+limit, len(all))
	page, end = fitPage(all[start:end], budget, start)
	if page.Items == nil {
		page.Items = []T{}
	}
	if end < len(all) {
		next = &end
	}
	return page, next
}
