package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// complete asks the binary for completions the way the shell scripts do: the command line so far
// in COMP_LINE.
func complete(t *testing.T, line string) []string {
	t.Helper()
	run := runCLI(t, []string{"COMP_LINE=" + line, "COMP_POINT=" + strconv.Itoa(len(line))})
	if run.code != 0 {
		t.Fatalf("completing %q: exit %d: %s", line, run.code, run.stderr)
	}
	out := strings.Fields(run.stdout)
	slices.Sort(out)
	return out
}

// TestCLICompletionCompletes: commands, flags, enum values and tool names complete.
func TestCLICompletionCompletes(t *testing.T) {
	for _, c := range []struct {
		line string
		want []string
	}{
		{"forticloud-mcp do", []string{"doctor"}},
		{"forticloud-mcp c", []string{"call", "completion"}},
		{"forticloud-mcp call list_d", []string{"list_devices"}},
		{"forticloud-mcp call flex_", []string{"flex_create_vm", "flex_list_configs", "flex_list_entitlements", "flex_list_programs", "flex_update_entitlement"}},
		{"forticloud-mcp tools socaas_", []string{"socaas_add_comment", "socaas_query", "socaas_update_alert"}},
		{"forticloud-mcp call list_devices --output ", []string{"json", "table"}},
		{"forticloud-mcp call list_devices --outp", []string{"--output"}},
		{"forticloud-mcp tools --format ", []string{"json", "markdown", "text"}},
		{"forticloud-mcp completion ", []string{"bash", "fish", "zsh"}},
		{"forticloud-mcp approvals ap", []string{"approve"}},
	} {
		if got := complete(t, c.line); !slices.Equal(got, c.want) {
			t.Errorf("%q completes to %v, want %v", c.line, got, c.want)
		}
	}
}

// TestCLICompletionScripts: each script calls this binary back and loads in its shell.
func TestCLICompletionScripts(t *testing.T) {
	abs, err := filepath.Abs(binary)
	if err != nil {
		t.Fatal(err)
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			run := runCLI(t, nil, "completion", shell)
			if run.code != 0 || !strings.Contains(run.stdout, abs) || !strings.Contains(run.stdout, "forticloud-mcp") {
				t.Fatalf("exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
			}
			path, err := exec.LookPath(shell)
			if err != nil {
				t.Skipf("%s is not installed", shell)
			}
			script := filepath.Join(t.TempDir(), "completion."+shell)
			if err := os.WriteFile(script, []byte(run.stdout), 0o600); err != nil {
				t.Fatal(err)
			}
			var check string
			switch shell {
			case "bash":
				check = "source " + script + " && complete -p forticloud-mcp"
			case "zsh":
				check = "source " + script + " && complete -p forticloud-mcp"
			case "fish":
				check = "source " + script + "; complete -C'forticloud-mcp call list_d'"
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			args := []string{"-c", check}
			if shell == "zsh" {
				args = []string{"-f", "-c", check}
			}
			cmd := exec.CommandContext(ctx, path, args...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s could not load the script: %v\n%s", shell, err, out)
			}
			wants := []string{"-C", abs}
			if shell == "fish" {
				wants = []string{"list_devices"}
			}
			for _, want := range wants {
				if !strings.Contains(string(out), want) {
					t.Errorf("%s: %q lacks %q", shell, out, want)
				}
			}
		})
	}
	help := runCLI(t, nil, "completion", "--help")
	if !strings.Contains(help.stdout, "source <(forticloud-mcp completion bash)") {
		t.Errorf("completion --help should say how to install:\n%s", help.stdout)
	}
}
