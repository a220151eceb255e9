package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

// cliRun is one run of a forticloud-mcp terminal command.
type cliRun struct {
	stdout, stderr string
	code           int
}

// runCLI runs the binary as a person or script would, with only PATH and HOME from the test's
// environment plus env.
func runCLI(t *testing.T, env []string, args ...string) cliRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
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

// held calls a write that no approval channel of the client can answer: the server holds it and
// returns its approval id.
func held(t *testing.T, s *server, tool string, args map[string]any) string {
	t.Helper()
	res := s.call(t, tool, args)
	var out struct {
		ApprovalID string `json:"approval_id"`
		Status     string `json:"status"`
	}
	structured(t, res, &out)
	if !res.IsError || out.Status != "pending" || !strings.HasPrefix(out.ApprovalID, "ap-") {
		t.Fatalf("%s should be held for approval: %s %+v\nstderr:\n%s", tool, resultText(res), out, s.stderr)
	}
	return out.ApprovalID
}

type approvalStatus struct {
	ApprovalID string          `json:"approval_id"`
	Status     string          `json:"status"`
	DecidedBy  string          `json:"decided_by"`
	Reason     string          `json:"reason"`
	Result     json.RawMessage `json:"result"`
	Error      string          `json:"error"`
}

// statusOf calls approval_status, waiting up to 30 s for the decision and the write.
func statusOf(t *testing.T, s *server, id string) approvalStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	res, err := s.session.CallTool(ctx, &mcp.CallToolParams{Name: "approval_status", Arguments: map[string]any{"approval_id": id, "wait_seconds": 30}})
	if err != nil {
		t.Fatalf("approval_status: %v\nstderr:\n%s", err, s.stderr)
	}
	if res.IsError {
		t.Fatalf("approval_status: %s\nstderr:\n%s", resultText(res), s.stderr)
	}
	var st approvalStatus
	structured(t, res, &st)
	return st
}

// auditEvents runs `forticloud-mcp audit` and returns the events of each attempt in order.
func auditEvents(t *testing.T, stateDir string) map[string][]map[string]any {
	t.Helper()
	run := runCLI(t, nil, "audit", "--state-dir", stateDir)
	if run.code != 0 {
		t.Fatalf("audit: exit %d: %s", run.code, run.stderr)
	}
	byID := map[string][]map[string]any{}
	var last float64
	sc := bufio.NewScanner(strings.NewReader(run.stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		seq, _ := line["seq"].(float64)
		if seq <= last {
			t.Fatalf("audit: seq %v after %v", seq, last)
		}
		last = seq
		id, _ := line["id"].(string)
		byID[id] = append(byID[id], line)
	}
	return byID
}

func eventNames(lines []map[string]any) string {
	var names []string
	for _, l := range lines {
		names = append(names, l["event"].(string))
	}
	return strings.Join(names, ",")
}

// TestCLIApprovesAndDeniesHeldWrites: a client that cannot ask its user gets its writes held; a
// person lists them, approves one and denies another from a terminal; the server runs exactly
// the approved one; the audit trail and the list survive the server's restart.
func TestCLIApprovesAndDeniesHeldWrites(t *testing.T) {
	w := newWorld(t)
	env := w.env("FORTICLOUD_MCP_TOOLSETS=fortiflex")
	dirFlag := []string{"--state-dir", w.stateDir}
	s := startStdio(t, env, "")

	first := held(t, s, "flex_create_vm", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1})
	run := runCLI(t, nil, append([]string{"approvals", "list"}, dirFlag...)...)
	if run.code != 0 || !strings.Contains(run.stdout, first) || !strings.Contains(run.stdout, "flex_create_vm") || !strings.HasPrefix(run.stdout, "ID ") {
		t.Fatalf("approvals list: exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
	}
	if w.em.FlexCreates() != 0 {
		t.Fatal("a held write reached FortiFlex before anyone approved it")
	}
	run = runCLI(t, []string{"FORTICLOUD_MCP_STATE_DIR=" + w.stateDir}, "approvals", "show", first)
	if run.code != 0 || !strings.Contains(run.stdout, "Payload:") || !strings.Contains(run.stdout, "Status:     pending") {
		t.Fatalf("approvals show: exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
	}

	run = runCLI(t, nil, append([]string{"approvals", "approve", first}, dirFlag...)...)
	if run.code != 0 || !strings.HasPrefix(run.stdout, "approved "+first+": flex_create_vm") {
		t.Fatalf("approvals approve: exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
	}
	st := statusOf(t, s, first)
	if st.Status != "succeeded" || !strings.HasPrefix(st.DecidedBy, "cli:") || len(st.Result) == 0 {
		t.Fatalf("approval_status after approve: %+v\nstderr:\n%s", st, s.stderr)
	}
	if n := w.em.FlexCreates(); n != 1 {
		t.Fatalf("FlexCreates %d after one approval, want 1", n)
	}

	second := held(t, s, "flex_create_vm", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 2})
	if second == first {
		t.Fatalf("a new write got the approved one's id %s", first)
	}
	run = runCLI(t, nil, append([]string{"approvals", "deny", second, "--reason", "not today"}, dirFlag...)...)
	if run.code != 0 || !strings.HasPrefix(run.stdout, "denied "+second+": flex_create_vm") {
		t.Fatalf("approvals deny: exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
	}
	st = statusOf(t, s, second)
	if st.Status != "denied" || st.Reason != "not today" || !strings.HasPrefix(st.DecidedBy, "cli:") {
		t.Fatalf("approval_status after deny: %+v", st)
	}
	if n := w.em.FlexCreates(); n != 1 {
		t.Fatalf("FlexCreates %d after a denial, want still 1", n)
	}

	// Mistakes a script must be able to tell apart.
	if run = runCLI(t, nil, append([]string{"approvals", "approve", "ap-aaaaaaaaaaaaaaaa"}, dirFlag...)...); run.code != 3 || !strings.Contains(run.stderr, "no approval ap-aaaaaaaaaaaaaaaa") {
		t.Errorf("approving an unknown id: exit %d: %s", run.code, run.stderr)
	}
	if run = runCLI(t, nil, append([]string{"approvals", "approve", first}, dirFlag...)...); run.code != 4 || !strings.Contains(run.stderr, "already decided (approved by cli:") {
		t.Errorf("approving twice: exit %d: %s", run.code, run.stderr)
	}
	if run = runCLI(t, nil, append([]string{"approvals", "approve", second}, dirFlag...)...); run.code != 4 || !strings.Contains(run.stderr, "already decided (denied") {
		t.Errorf("approving a denied write: exit %d: %s", run.code, run.stderr)
	}
	if n := w.em.FlexCreates(); n != 1 {
		t.Fatalf("FlexCreates %d after refused decisions, want still 1", n)
	}

	// Restart: the trail is on disk, not in the process.
	if err := s.session.Close(); err != nil {
		t.Logf("closing the session: %v", err)
	}
	if s.cmd.ProcessState == nil {
		t.Fatalf("the server still runs after its session closed")
	}
	events := auditEvents(t, w.stateDir)
	if got := eventNames(events[first]); got != "requested,approved,succeeded" {
		t.Errorf("audit of %s: %s", first, got)
	}
	if got := eventNames(events[second]); got != "requested,denied" {
		t.Errorf("audit of %s: %s", second, got)
	}
	if d := events[second][1]; d["detail"] != "not today" || !strings.HasPrefix(d["actor"].(string), "cli:") || d["tool"] != "flex_create_vm" {
		t.Errorf("the denial's line: %v", d)
	}
	for _, lines := range events {
		for _, l := range lines {
			if p, _ := l["payload"].(string); strings.Contains(p, emulator.DemoAPIPassword) {
				t.Errorf("a secret in the trail: %v", l)
			}
		}
	}

	s2 := startStdio(t, env, "")
	run = runCLI(t, nil, append([]string{"approvals", "list", "--all"}, dirFlag...)...)
	if run.code != 0 {
		t.Fatalf("approvals list --all after restart: exit %d: %s", run.code, run.stderr)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(run.stdout, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			rows[f[0]] = l
		}
	}
	if !strings.HasSuffix(rows[first], "succeeded") || !strings.HasSuffix(rows[second], "denied") {
		t.Errorf("approvals list --all after restart:\n%s", run.stdout)
	}
	if run = runCLI(t, nil, append([]string{"approvals"}, dirFlag...)...); run.code != 0 || run.stdout != "" || strings.TrimSpace(run.stderr) != "no approvals pending" {
		t.Errorf("approvals with nothing pending: exit %d %q %q", run.code, run.stdout, run.stderr)
	}
	// The new server knows the old decisions too.
	if st := statusOf(t, s2, second); st.Status != "denied" || st.Reason != "not today" {
		t.Errorf("approval_status of %s after restart: %+v", second, st)
	}
}

// TestCLIWithoutAuditTrail: pointed at a directory no server used, the commands say so and
// create nothing.
func TestCLIWithoutAuditTrail(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"approvals", "list"}, {"approvals", "approve", "ap-aaaaaaaaaaaaaaaa"}, {"audit"}} {
		run := runCLI(t, []string{"FORTICLOUD_MCP_STATE_DIR=" + dir}, args...)
		if run.code != 1 || !strings.Contains(run.stderr, "no audit trail in "+dir+" yet") || run.stdout != "" {
			t.Errorf("%v: exit %d %q %q", args, run.code, run.stdout, run.stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the commands created %v", entries)
	}
}

// TestCLIConsoleLink: `approvals console` prints the running console's sign-in link, the link
// signs in, and once the server stops there is no console to point at.
func TestCLIConsoleLink(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, w.env("FORTICLOUD_MCP_TOOLSETS=fortiflex"), "")
	run := runCLI(t, nil, "approvals", "console", "--state-dir", w.stateDir)
	lines := strings.Split(strings.TrimSpace(run.stdout), "\n")
	if run.code != 0 || len(lines) != 1 || !consoleLinkRE.MatchString(lines[0]) {
		t.Fatalf("approvals console: exit %d\n%s\n%s\nserver stderr:\n%s", run.code, run.stdout, run.stderr, s.stderr)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(lines[0])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Fatalf("the sign-in link: %s, cookies %v", resp.Status, resp.Cookies())
	}
	if strings.Contains(s.stderr.String(), strings.SplitN(lines[0], "token=", 2)[1]) {
		t.Error("the console token is in the server's log")
	}

	if err := s.session.Close(); err != nil {
		t.Logf("closing the session: %v", err)
	}
	run = runCLI(t, nil, "approvals", "console", "--state-dir", w.stateDir)
	if run.code != 1 || run.stdout != "" || !strings.Contains(run.stderr, "no approvals console is running") {
		t.Errorf("approvals console after the server stopped: exit %d %q %q", run.code, run.stdout, run.stderr)
	}
}

var consoleLinkRE = regexp.MustCompile(`^http://127\.0\.0\.1:\d+/approvals/login\?token=[A-Z2-7]{16,}$`)
