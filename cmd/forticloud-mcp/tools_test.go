package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// runCommand parses args as main does and runs the command with its output captured. Variables
// that configure the server are cleared, so that the machine's environment cannot change results.
func runCommand(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		for _, p := range []string{"FORTICLOUD_", "FORTIGATECLOUD_", "FORTIFLEX_", "FORTIANALYZER_", "SOCAAS_"} {
			if strings.HasPrefix(name, p) {
				t.Setenv(name, "")
				os.Unsetenv(name)
			}
		}
	}
	var c cli
	parser, err := kong.New(&c, kong.Name("forticloud-mcp"), kong.Exit(func(int) { t.Fatalf("kong exited on %v", args) }))
	if err != nil {
		t.Fatal(err)
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		return "", "", err
	}
	var out, errOut bytes.Buffer
	o := output{stdout: &out, stderr: &errOut}
	switch cmd := kctx.Selected().Target.Addr().Interface().(type) {
	case *toolsCmd:
		cmd.output = o
	case *callCmd:
		cmd.output = o
	case *doctorCmd:
		cmd.output = o
	case *completionCmd:
		cmd.output = o
	}
	kctx.BindTo(context.Background(), (*context.Context)(nil))
	err = kctx.Run()
	return out.String(), errOut.String(), err
}

// TestToolsDocUpToDate fails when docs/tools.md is not what `tools --all --format markdown`
// writes, and says how to regenerate it.
func TestToolsDocUpToDate(t *testing.T) {
	got, _, err := runCommand(t, "tools", "--all", "--format", "markdown")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "tools.md")
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v\nregenerate it from the repository root with:\n  %s", err, regenerateToolsDoc)
	}
	if string(want) != got {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		line := 0
		for line < len(gl) && line < len(wl) && gl[line] == wl[line] {
			line++
		}
		t.Fatalf("docs/tools.md is out of date (first difference at line %d); regenerate it from the repository root with:\n  %s", line+1, regenerateToolsDoc)
	}
}

// TestToolsDocDescribesArguments: every tool and argument of every service is described, with
// types, required flags and constraints taken from the input schema.
func TestToolsDocDescribesArguments(t *testing.T) {
	out, _, err := runCommand(t, "tools", "--all", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name": "list_devices"`, `"name": "flex_create_vm"`, `"name": "faz_log_search"`, `"name": "socaas_update_alert"`, `"name": "approval_status"`,
		`"access": "read/write"`, `"name": "time_range.start"`, `"1-1000"`, `"default 50"`} {
		if !strings.Contains(out, want) {
			t.Errorf("tools --all --format json lacks %s", want)
		}
	}
	text, _, err := runCommand(t, "tools", "--all", "flex_create_vm")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"flex_create_vm  [FortiFlex, write]", "config_id (integer; required; >= 1)", "count (integer; optional; 1-100; default 1)"} {
		if !strings.Contains(text, want) {
			t.Errorf("text listing lacks %q:\n%s", want, text)
		}
	}
	if _, _, err := runCommand(t, "tools", "--all", "no_such_tool"); err == nil || !strings.Contains(err.Error(), "no tool") {
		t.Errorf("unknown tool: %v", err)
	}
}

// TestCallReadArgs: inline, @file and stdin arguments; anything but a JSON object is refused.
func TestCallReadArgs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "args.json")
	if err := os.WriteFile(file, []byte(` {"limit": 2}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for spec, want := range map[string]string{`{"a":1}`: `{"a":1}`, "": "{}", "@" + file: `{"limit": 2}`} {
		got, err := readArgs(spec, nil)
		if err != nil || string(got) != want {
			t.Errorf("readArgs(%q) = %s, %v", spec, got, err)
		}
	}
	got, err := readArgs("-", strings.NewReader(`{"b":true}`))
	if err != nil || string(got) != `{"b":true}` {
		t.Errorf("stdin: %s, %v", got, err)
	}
	for _, bad := range []string{`[1]`, `"x"`, `{"a":`, `{} {}`, "@" + file + ".missing"} {
		if _, err := readArgs(bad, nil); err == nil {
			t.Errorf("readArgs(%q) accepted", bad)
		}
	}
}
