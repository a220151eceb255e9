package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

// runCLIInput is runCLI with standard input.
func runCLIInput(t *testing.T, env []string, stdin string, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	run := cliRun{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		run.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%v: %v", args, err)
	}
	return run
}

// TestCLICallListDevicesSandbox: `call list_devices --sandbox` prints the demo fleet as JSON and
// as a table, with arguments inline, from a file or from stdin.
func TestCLICallListDevicesSandbox(t *testing.T) {
	run := runCLI(t, nil, "call", "list_devices", "--sandbox")
	if run.code != 0 {
		t.Fatalf("exit %d\n%s", run.code, run.stderr)
	}
	var page struct {
		Devices []map[string]any `json:"devices"`
		Total   int              `json:"total"`
	}
	if err := json.Unmarshal([]byte(run.stdout), &page); err != nil || len(page.Devices) == 0 || page.Total < 50 {
		t.Fatalf("devices: %v %d of %d\n%s", err, len(page.Devices), page.Total, run.stdout)
	}
	if !strings.HasPrefix(run.stdout, "{\n  \"devices\": [\n") {
		t.Errorf("want indented JSON in the tool's key order:\n%.200s", run.stdout)
	}

	run = runCLI(t, nil, "call", "list_devices", "--sandbox", "--output", "table", "--args", `{"limit":3,"model":"100F"}`)
	lines := strings.Split(strings.TrimSpace(run.stdout), "\n")
	if run.code != 0 || len(lines) != 5 || !strings.HasPrefix(lines[0], "sn ") || !strings.Contains(lines[0], "name") ||
		!strings.Contains(lines[1], "FortiGate 100F") || !strings.HasPrefix(lines[4], "total: ") {
		t.Fatalf("table: exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
	}

	file := filepath.Join(t.TempDir(), "args.json")
	if err := os.WriteFile(file, []byte(`{"limit": 2, "fields": ["sn", "name"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	run = runCLI(t, nil, "call", "list_devices", "--sandbox", "--args", "@"+file, "-o", "table")
	if lines := strings.Split(strings.TrimSpace(run.stdout), "\n"); run.code != 0 || len(lines) != 4 || strings.Join(strings.Fields(lines[0]), " ") != "sn name" {
		t.Errorf("--args @file: exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
	}
	run = runCLIInput(t, nil, `{"resource":"alerts","limit":2}`, "call", "socaas_query", "--sandbox", "--args", "-")
	if run.code != 0 || !strings.Contains(run.stdout, `"returned": 2`) {
		t.Errorf("--args -: exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
	}
}

// TestCLICallExitCodes: scripts can tell usage errors, tool errors and unknown tools apart.
func TestCLICallExitCodes(t *testing.T) {
	w := newWorld(t)
	env := slices.Clip(w.env("FORTICLOUD_MCP_LOG_LEVEL=error"))
	for _, c := range []struct {
		name   string
		env    []string
		args   []string
		code   int
		stderr string
	}{
		{"args not JSON", env, []string{"call", "list_devices", "--args", "{limit:1}"}, 1, "--args: not valid JSON"},
		{"args not an object", env, []string{"call", "list_devices", "--args", "[1]"}, 1, "must be a JSON object"},
		{"unknown flag", env, []string{"call", "list_devices", "--bogus"}, 1, "unknown flag --bogus"},
		{"no tool named", env, []string{"call"}, 1, "expected \"<tool>\""},
		{"invalid enum", append(env, "FORTIGATECLOUD_REGION=mars"), []string{"call", "list_devices"}, 1, "--fortigatecloud-region must be one of"},
		{"invalid setting", append(env, "FORTIFLEX_URL=http://flex.example.com"), []string{"call", "list_devices"}, 1, "FORTIFLEX_URL: http:// is accepted only for loopback"},
		{"bad argument", env, []string{"call", "list_devices", "--args", `{"limit":0}`}, 2, "limit"},
		{"unknown argument", env, []string{"call", "list_devices", "--args", `{"colour":"red"}`}, 2, "colour"},
		{"upstream refusal", env, []string{"call", "socaas_query", "--args", `{"resource":"alert","id":"00000000-0000-0000-0000-000000000000"}`}, 2, "socaas_query"},
		{"no such tool", env, []string{"call", "no_such_tool"}, 3, `no tool "no_such_tool"`},
		{"service off", env, []string{"call", "faz_log_search"}, 3, "FORTIANALYZER_URL is not set"},
		{"write in read-only mode", append(env, "FORTICLOUD_MCP_READ_ONLY=true"), []string{"call", "flex_create_vm", "--args", `{"config_id":1}`}, 3, "read-only mode"},
		{"mixed write in read-only mode", append(env, "FORTICLOUD_MCP_READ_ONLY=true"),
			[]string{"call", "fortios_proxy", "--args", `{"serial":"` + w.liveDevice(t) + `","path":"/api/v2/cmdb/firewall/address","method":"POST","body":{"name":"x"}}`}, 2, "read-only mode"},
	} {
		t.Run(c.name, func(t *testing.T) {
			run := runCLI(t, c.env, c.args...)
			if run.code != c.code || !strings.Contains(run.stderr, c.stderr) {
				t.Errorf("exit %d (want %d), stderr (want %q):\n%s", run.code, c.code, c.stderr, run.stderr)
			}
			if run.code != 0 && run.stdout != "" {
				t.Errorf("stdout on failure: %s", run.stdout)
			}
		})
	}
	if n := w.em.FlexCreates(); n != 0 {
		t.Errorf("FlexCreates %d", n)
	}
	help := runCLI(t, nil, "call", "--help")
	for _, want := range []string{"Exit codes:", "2  the tool answered with an error", "6  a held write was denied", "forticloud-mcp approvals approve"} {
		if !strings.Contains(help.stdout, want) {
			t.Errorf("call --help lacks %q", want)
		}
	}
}

// heldCall is a `call` of a write, running while it waits for a decision.
type heldCall struct {
	cmd    *exec.Cmd
	stdout strings.Builder
	stderr *syncBuffer
	id     string
	done   chan struct{}
}

var approvalIDRE = regexp.MustCompile(`waits for a person's approval as (ap-[a-z2-7]{16})`)

// startHeldCall runs `call` on a write and returns once it reports its approval id.
func startHeldCall(t *testing.T, env []string, args ...string) *heldCall {
	t.Helper()
	h := &heldCall{cmd: exec.Command(binary, args...), stderr: &syncBuffer{}, done: make(chan struct{})}
	h.cmd.Env = env
	h.cmd.Stdout = &h.stdout
	pr, pw := io.Pipe()
	h.cmd.Stderr = io.MultiWriter(h.stderr, pw)
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = h.cmd.Wait(); pw.Close(); close(h.done) }()
	t.Cleanup(func() {
		select {
		case <-h.done:
		default:
			_ = h.cmd.Process.Kill()
			<-h.done
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := approvalIDRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case h.id = <-found:
		return h
	case <-h.done:
		t.Fatalf("call ended without holding the write: %s\n%s", h.cmd.ProcessState, h.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("call reported no approval id:\n%s", h.stderr)
	}
	return nil
}

// wait returns the exit code once the call ends.
func (h *heldCall) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-h.done:
		return h.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Fatalf("call still waits after %s:\n%s", within, h.stderr)
		return -1
	}
}

// TestCLICallWriteWaitsForApproval: a write from the terminal is held by the same gate as a
// client's; the command names the approval and how to decide it, and runs the write only once a
// person approves it with `approvals approve`.
func TestCLICallWriteWaitsForApproval(t *testing.T) {
	w := newWorld(t)
	env := w.env("FORTICLOUD_MCP_TOOLSETS=fortiflex", "FORTICLOUD_MCP_LOG_LEVEL=error")
	args := []string{"call", "flex_create_vm", "--args", `{"config_id":` + jsonInt(emulator.DemoFlexConfigFGTVM) + `,"count":1}`}
	h := startHeldCall(t, env, args...)
	time.Sleep(500 * time.Millisecond)
	if n := w.em.FlexCreates(); n != 0 {
		t.Fatalf("the write reached FortiFlex before anyone approved it (%d)", n)
	}
	if s := h.stderr.String(); !strings.Contains(s, "forticloud-mcp approvals approve "+h.id) || !strings.Contains(s, "forticloud-mcp approvals deny "+h.id) {
		t.Fatalf("call should say how to decide:\n%s", s)
	}
	if run := runCLI(t, []string{"FORTICLOUD_MCP_STATE_DIR=" + w.stateDir}, "approvals", "approve", h.id); run.code != 0 {
		t.Fatalf("approvals approve: exit %d: %s", run.code, run.stderr)
	}
	if code := h.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("approved write: exit %d\n%s", code, h.stderr)
	}
	var out struct {
		Entitlements []struct {
			SerialNumber string `json:"serial_number"`
		} `json:"entitlements"`
	}
	if err := json.Unmarshal([]byte(h.stdout.String()), &out); err != nil || len(out.Entitlements) != 1 {
		t.Fatalf("result: %v\n%s", err, h.stdout.String())
	}
	if n := w.em.FlexCreates(); n != 1 {
		t.Fatalf("FlexCreates %d after one approval, want 1", n)
	}
	if got := eventNames(auditEvents(t, w.stateDir)[h.id]); got != "requested,approved,succeeded" {
		t.Errorf("audit of %s: %s", h.id, got)
	}
	set := &secretSet{}
	for _, tok := range w.em.IssuedTokens() {
		set.add("token", tok)
	}
	set.add("password", emulator.DemoAPIPassword)
	sc := newScanner(set.all())
	if leaks := append(sc.scan("stdout", []byte(h.stdout.String())), sc.scan("stderr", []byte(h.stderr.String()))...); len(leaks) > 0 {
		t.Errorf("secrets in call's output: %v", leaks)
	}
}

// TestCLICallWriteDeniedOrExpired: a denied write exits 6, an expired one 5; neither runs.
func TestCLICallWriteDeniedOrExpired(t *testing.T) {
	w := newWorld(t)
	env := slices.Clip(w.env("FORTICLOUD_MCP_TOOLSETS=fortiflex", "FORTICLOUD_MCP_LOG_LEVEL=error"))
	args := []string{"call", "flex_create_vm", "--args", `{"config_id":` + jsonInt(emulator.DemoFlexConfigFGTVM) + `,"count":2}`}

	h := startHeldCall(t, env, args...)
	if run := runCLI(t, nil, "approvals", "deny", h.id, "--reason", "not today", "--state-dir", w.stateDir); run.code != 0 {
		t.Fatalf("approvals deny: exit %d: %s", run.code, run.stderr)
	}
	if code := h.wait(t, 30*time.Second); code != 6 || !strings.Contains(h.stderr.String(), "denied by cli:") || !strings.Contains(h.stderr.String(), "not today") {
		t.Fatalf("denied write: exit %d\n%s", code, h.stderr)
	}
	if h.stdout.String() != "" {
		t.Errorf("a denied write printed a result: %s", h.stdout.String())
	}

	h = startHeldCall(t, append(env, "FORTICLOUD_MCP_APPROVAL_TTL=10s"), args...)
	if code := h.wait(t, 40*time.Second); code != 5 || !strings.Contains(h.stderr.String(), "expired") {
		t.Fatalf("expired write: exit %d\n%s", code, h.stderr)
	}
	if run := runCLI(t, nil, "approvals", "approve", h.id, "--state-dir", w.stateDir); run.code != 5 {
		t.Errorf("approving the expired write: exit %d (want 5): %s", run.code, run.stderr)
	}
	if n := w.em.FlexCreates(); n != 0 {
		t.Fatalf("FlexCreates %d, want 0", n)
	}
}

func jsonInt(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
