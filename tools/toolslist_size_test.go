package tools

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/server"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
)

var updateSizeBaseline = flag.Bool("update-size-baseline", false,
	"rewrite testdata/tools_list_size.json with the current tools/list size")

const (
	// toolsListMaxBytes is the hard ceiling for tools/list with every service enabled: the list
	// is sent into every conversation before the user has said anything.
	toolsListMaxBytes = 16 << 10
	// toolsListMaxGrowth is how far the list may grow over the committed baseline before the
	// test asks for a look (and a deliberate baseline update).
	toolsListMaxGrowth = 0.10
)

var sizeBaselineFile = filepath.Join("testdata", "tools_list_size.json")

// toolsListSize is what the baseline file records.
type toolsListSize struct {
	Bytes  int                 `json:"bytes"`
	Tokens int                 `json:"tokens"`
	Tools  map[string]toolSize `json:"tools"`
}

type toolSize struct {
	Bytes  int `json:"bytes"`
	Tokens int `json:"tokens"`
}

// TestToolsListSize measures tools/list as a client receives it (every service on, the approval
// tool included, served by mcp-go itself) and holds it under toolsListMaxBytes and within
// toolsListMaxGrowth of the committed baseline. Run
//
//	go test ./tools -run TestToolsListSize -update-size-baseline
//
// to rewrite the baseline after a growth that was worth it.
func TestToolsListSize(t *testing.T) {
	got := measureToolsList(t)
	t.Logf("tools/list: %d tools, %d bytes, ~%d tokens\n%s", len(got.Tools), got.Bytes, got.Tokens, sizeTable(got, nil))

	if got.Bytes > toolsListMaxBytes {
		t.Fatalf("tools/list is %d bytes, over the %d-byte ceiling: every conversation pays for it before the user says a word. "+
			"Shorten descriptions (say what the tool does, where ids come from, what writes), not input constraints; "+
			"no baseline update lifts this ceiling.\n%s",
			got.Bytes, toolsListMaxBytes, sizeTable(got, nil))
	}
	if *updateSizeBaseline {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(sizeBaselineFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", sizeBaselineFile)
		return
	}
	raw, err := os.ReadFile(sizeBaselineFile)
	if err != nil {
		t.Fatalf("no baseline (%v); create it with: go test ./tools -run TestToolsListSize -update-size-baseline", err)
	}
	var base toolsListSize
	if err := json.Unmarshal(raw, &base); err != nil {
		t.Fatalf("%s: %v", sizeBaselineFile, err)
	}
	limit := func(n int) int { return int(float64(n) * (1 + toolsListMaxGrowth)) }
	if got.Bytes > limit(base.Bytes) || got.Tokens > limit(base.Tokens) {
		t.Fatalf("tools/list grew to %d bytes (~%d tokens) from the baseline's %d bytes (~%d tokens), more than %.0f%%.\n%s\n"+
			"Every tool definition is paid for in every conversation, so growth should be rare and deliberate: first look for "+
			"repetition or prose to cut. If the growth is worth it (a new tool, a constraint a model needs), rewrite the baseline with\n"+
			"\tgo test ./tools -run TestToolsListSize -update-size-baseline\nand commit tools/%s with the change that needed it.",
			got.Bytes, got.Tokens, base.Bytes, base.Tokens, toolsListMaxGrowth*100, sizeTable(got, &base), sizeBaselineFile)
	}
	if got.Bytes < base.Bytes-base.Bytes/10 {
		t.Logf("tools/list shrank well below the baseline (%d → %d bytes): lock the gain in with -update-size-baseline", base.Bytes, got.Bytes)
	}
}

// measureToolsList registers the full inventory on an mcp-go server and asks it tools/list.
func measureToolsList(t *testing.T) toolsListSize {
	t.Helper()
	defs := Inventory(allServices(), Options{Gate: testGate(t, approval.ModeRequired)})
	s := server.NewMCPServer("forticloud-mcp", "test", server.WithToolCapabilities(false))
	Register(s, defs, 0)
	resp := s.HandleMessage(context.Background(), json.RawMessage(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	wire, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(wire, &msg); err != nil || msg.Result == nil {
		t.Fatalf("tools/list failed: %s", wire)
	}
	var result struct {
		Tools []json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(msg.Result, &result); err != nil {
		t.Fatal(err)
	}
	if len(result.Tools) != len(defs) {
		t.Fatalf("tools/list has %d tools; the inventory %d", len(result.Tools), len(defs))
	}
	out := toolsListSize{Bytes: len(msg.Result), Tokens: estimateTokens(string(msg.Result)), Tools: map[string]toolSize{}}
	for _, raw := range result.Tools {
		var tool struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(raw, &tool)
		out.Tools[tool.Name] = toolSize{Bytes: len(raw), Tokens: estimateTokens(string(raw))}
	}
	return out
}

// sizeTable lists the tools largest first, with the baseline's figures when there is one.
func sizeTable(got toolsListSize, base *toolsListSize) string {
	names := make([]string, 0, len(got.Tools))
	for n := range got.Tools {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return got.Tools[b].Bytes - got.Tools[a].Bytes })
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "  %-26s %6d bytes  ~%5d tokens", n, got.Tools[n].Bytes, got.Tools[n].Tokens)
		if base != nil {
			if was, ok := base.Tools[n]; ok {
				fmt.Fprintf(&b, "  (baseline %d bytes)", was.Bytes)
			} else {
				b.WriteString("  (new)")
			}
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "  %-26s %6d bytes  ~%5d tokens", "total", got.Bytes, got.Tokens)
	return b.String()
}

// tokenPieces splits text the way o200k_base (the tokenizer of GPT-4o and later) pre-splits it,
// less its one look-ahead, which RE2 lacks: a word with the character before it (camelCase splits
// at capitals), up to three digits, a run of punctuation, or white space.
var tokenPieces = regexp.MustCompile(`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?` +
	`|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?` +
	`|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+`)

// estimateTokens approximates a model's token count of s without shipping a vocabulary: the
// text is pre-split as above, and each piece counts one token, plus one per 7 further letters in
// a word (rare and long words split further) or per 4 further characters in a run of punctuation
// (JSON's `":"` and `","` are one token, `"}},"` two). Calibrated against o200k_base (the npm
// package gpt-tokenizer) on this server's tools/list: 5,618 estimated for 5,565 real tokens on
// the 22.5 KB list of 2026-11, and 4,001 for 4,004 on the 16 KB list that replaced it, within 5%
// on every tool (cl100k_base counts about 4% fewer). bytes/4 lands close on a whole list but
// drifts with the mix of prose and punctuation; the test needs a stable trend, not an exact count.
func estimateTokens(s string) int {
	n := 0
	for _, p := range tokenPieces.FindAllString(s, -1) {
		r := utf8.RuneCountInString(strings.TrimSpace(p))
		switch {
		case r == 0, p[0] >= '0' && p[0] <= '9':
			n++
		case strings.IndexFunc(p, unicode.IsLetter) >= 0:
			n += 1 + (r-1)/7
		default:
			n += 1 + (r-1)/4
		}
	}
	return n
}
