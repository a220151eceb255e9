package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// listedTool is one tool of `forticloud-mcp tools --format json`.
type listedTool struct {
	Name      string `json:"name"`
	Service   string `json:"service"`
	Access    string `json:"access"`
	Offered   bool   `json:"offered"`
	Needs     string `json:"needs"`
	Arguments []struct {
		Name        string   `json:"name"`
		Type        string   `json:"type"`
		Required    bool     `json:"required"`
		Constraints []string `json:"constraints"`
	} `json:"arguments"`
}

func listTools(t *testing.T, env []string, args ...string) ([]listedTool, cliRun) {
	t.Helper()
	run := runCLI(t, env, append([]string{"tools", "--format", "json"}, args...)...)
	if run.code != 0 {
		t.Fatalf("tools %v: exit %d\n%s", args, run.code, run.stderr)
	}
	var list []listedTool
	if err := json.Unmarshal([]byte(run.stdout), &list); err != nil {
		t.Fatalf("tools --format json: %v\n%s", err, run.stdout)
	}
	return list, run
}

func toolNames(list []listedTool) []string {
	var names []string
	for _, l := range list {
		names = append(names, l.Name)
	}
	return names
}

// TestCLIToolsWithoutCredentialsListsEveryTool: with nothing configured, every tool is listed,
// each saying what its service needs, with its arguments from the input schema.
func TestCLIToolsWithoutCredentialsListsEveryTool(t *testing.T) {
	list, _ := listTools(t, nil)
	if len(list) != 13 {
		t.Fatalf("%d tools, want every one of the 13: %v", len(list), toolNames(list))
	}
	for _, l := range list {
		if l.Service == "approvals" {
			continue
		}
		if l.Offered || l.Needs == "" {
			t.Errorf("%s: offered %v, needs %q; nothing is configured", l.Name, l.Offered, l.Needs)
		}
	}
	i := slices.IndexFunc(list, func(l listedTool) bool { return l.Name == "flex_create_vm" })
	if i < 0 || list[i].Access != "write" || list[i].Arguments[0].Name != "config_id" || !list[i].Arguments[0].Required {
		t.Errorf("flex_create_vm: %+v", list[i])
	}
	if j := slices.IndexFunc(list, func(l listedTool) bool { return l.Name == "faz_log_search" }); !strings.Contains(list[j].Needs, "FORTIANALYZER_URL") {
		t.Errorf("faz_log_search needs %q, want FORTIANALYZER_URL named", list[j].Needs)
	}

	run := runCLI(t, nil, "tools")
	if run.code != 0 || !strings.Contains(run.stderr, "no service is configured") || !strings.Contains(run.stdout, "not offered: no credentials") ||
		!strings.Contains(run.stdout, "limit (integer; optional; 1-1000; default 50)") {
		t.Errorf("tools (text): exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
	}
}

// TestCLIToolsListsWhatTheConfigurationOffers: configured services offer their tools, the
// others are named on stderr with the reason; read-only mode drops write tools.
func TestCLIToolsListsWhatTheConfigurationOffers(t *testing.T) {
	w := newWorld(t)
	list, _ := listTools(t, w.env())
	names := toolNames(list)
	for _, want := range []string{"list_devices", "fortios_proxy", "flex_create_vm", "socaas_query", "approval_status"} {
		if !slices.Contains(names, want) {
			t.Errorf("%s missing from %v", want, names)
		}
	}
	for _, l := range list {
		if strings.HasPrefix(l.Name, "faz_") || !l.Offered {
			t.Errorf("%s listed (offered %v) without FORTIANALYZER_URL", l.Name, l.Offered)
		}
	}
	text := runCLI(t, w.env(), "tools")
	if !strings.Contains(text.stderr, "FortiAnalyzer Cloud is off: FORTIANALYZER_URL is not set") {
		t.Errorf("tools should say why FortiAnalyzer is off:\n%s", text.stderr)
	}

	ro, _ := listTools(t, w.env("FORTICLOUD_MCP_READ_ONLY=true"))
	names = toolNames(ro)
	if slices.Contains(names, "flex_create_vm") || slices.Contains(names, "approval_status") || !slices.Contains(names, "fortios_proxy") {
		t.Errorf("read-only mode lists %v", names)
	}

	sandbox, _ := listTools(t, nil, "--sandbox")
	if len(sandbox) != 13 || slices.ContainsFunc(sandbox, func(l listedTool) bool { return !l.Offered }) {
		t.Errorf("the sandbox offers every tool: %v", toolNames(sandbox))
	}

	if run := runCLI(t, nil, "tools", "no_such_tool"); run.code != 3 || !strings.Contains(run.stderr, `no tool "no_such_tool"`) {
		t.Errorf("unknown tool: exit %d: %s", run.code, run.stderr)
	}
}

// TestCLIToolsMarkdownIsTheToolsDoc: the binary writes docs/tools.md as committed.
func TestCLIToolsMarkdownIsTheToolsDoc(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("..", "..", "docs", "tools.md"))
	if err != nil {
		t.Fatal(err)
	}
	run := runCLI(t, nil, "tools", "--all", "--format", "markdown")
	if run.code != 0 || run.stdout != string(want) {
		t.Fatalf("docs/tools.md differs from `tools --all --format markdown` (exit %d); regenerate it from the repository root with:\n  go run ./cmd/forticloud-mcp tools --all --format markdown > docs/tools.md", run.code)
	}
}
