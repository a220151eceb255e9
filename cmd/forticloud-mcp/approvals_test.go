package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/alecthomas/kong"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
	"github.com/forticloud-mcp/forticloud-mcp/internal/console"
)

// fixture is a state directory with an audit store the commands under test open themselves.
type fixture struct {
	dir    string
	store  *audit.Store
	stdout *bytes.Buffer
	stderr *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := audit.Open(filepath.Join(dir, audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &fixture{dir: dir, store: st, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
}

// flags are the commands' common flags pointed at the fixture, with fresh output buffers.
func (f *fixture) flags() storeFlags {
	f.stdout.Reset()
	f.stderr.Reset()
	return storeFlags{StateDir: f.dir, output: output{stdout: f.stdout, stderr: f.stderr}}
}

// thisServer is the holder of a write held by a live process on this host (the test itself).
func thisServer() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

// add records an attempt held for the console, pending for 8 more minutes unless changed.
func (f *fixture) add(t *testing.T, change func(*audit.Attempt)) *audit.Attempt {
	t.Helper()
	now := time.Now().UTC()
	a := &audit.Attempt{ID: audit.NewID(), Created: now.Add(-2 * time.Minute), Expires: now.Add(8 * time.Minute),
		Tool: "flex_create_vm", Service: "FortiFlex", Target: "config 42", Method: "POST",
		Summary: "create 1 FortiFlex VM entitlement on configuration 42", Cost: "about 3.2 points a day",
		Payload: "{\n  \"configId\": 42,\n  \"count\": 1\n}", Digest: "d1g35t", Mode: approval.ModeRequired,
		Channel: approval.ChannelConsole, Status: audit.Pending, Server: thisServer()}
	if change != nil {
		change(a)
	}
	if err := f.store.Create(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) get(t *testing.T, id string) *audit.Attempt {
	t.Helper()
	a, err := f.store.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func exitCode(err error) int {
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	if err != nil {
		return 1
	}
	return 0
}

func TestApprovalsListTable(t *testing.T) {
	f := newFixture(t)
	long := strings.Repeat("word ", 30) + "\x1b[31mred"
	pending := f.add(t, func(a *audit.Attempt) { a.Summary = long })
	asked := f.add(t, func(a *audit.Attempt) { a.Channel = approval.ChannelElicitation })
	denied := f.add(t, func(a *audit.Attempt) {
		a.Status, a.DecidedAt, a.DecidedBy, a.Reason = audit.Denied, a.Created, "console:alice", "no"
	})
	lapsed := f.add(t, func(a *audit.Attempt) { a.Expires = time.Now().Add(-time.Second) })

	c := approvalsListCmd{storeFlags: f.flags()}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(f.stdout.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and the 2 open requests:\n%s", f.stdout)
	}
	header := strings.Fields(lines[0])
	if strings.Join(header, " ") != "ID REQUESTED EXPIRES IN TOOL TARGET SUMMARY STATUS" {
		t.Errorf("header %q", lines[0])
	}
	// Aligned: every column starts at the same offset on every line.
	col := strings.Index(lines[0], "TOOL")
	byID := map[string]string{}
	for _, l := range lines[1:] {
		if strings.Index(l, "flex_create_vm") != col {
			t.Errorf("TOOL not aligned at %d: %q", col, l)
		}
		byID[strings.Fields(l)[0]] = l
	}
	row := byID[pending.ID]
	if row == "" || byID[asked.ID] == "" || byID[denied.ID] != "" || byID[lapsed.ID] != "" {
		t.Fatalf("want only %s and %s:\n%s", pending.ID, asked.ID, f.stdout)
	}
	if !strings.Contains(row, "2m00s ago") && !strings.Contains(row, "2m01s ago") {
		t.Errorf("age missing: %q", row)
	}
	if !strings.Contains(row, " 7m5") && !strings.Contains(row, " 8m00s") {
		t.Errorf("expiry missing: %q", row)
	}
	if strings.ContainsRune(row, '\x1b') || strings.Contains(row, "red") {
		t.Errorf("summary not cut or not cleaned: %q", row)
	}
	i := strings.Index(row, "word")
	summary := strings.TrimSpace(row[i:strings.LastIndex(row, "pending")])
	if n := utf8.RuneCountInString(summary); n != 60 || !strings.HasSuffix(summary, "…") {
		t.Errorf("summary cut to %d runes: %q", n, summary)
	}
	if !strings.HasSuffix(byID[asked.ID], "pending (asked in the MCP client)") {
		t.Errorf("an elicitation request should say where it is answered: %q", byID[asked.ID])
	}

	c = approvalsListCmd{storeFlags: f.flags(), All: true}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := f.stdout.String()
	for id, status := range map[string]string{pending.ID: "pending", denied.ID: "denied", lapsed.ID: "expired"} {
		found := false
		for _, l := range strings.Split(out, "\n") {
			found = found || strings.HasPrefix(l, id) && strings.HasSuffix(l, status)
		}
		if !found {
			t.Errorf("--all: %s should be %s:\n%s", id, status, out)
		}
	}
}

func TestApprovalsListJSON(t *testing.T) {
	f := newFixture(t)
	older := f.add(t, func(a *audit.Attempt) { a.Created = a.Created.Add(-time.Minute) })
	newer := f.add(t, nil)
	c := approvalsListCmd{storeFlags: f.flags(), JSON: true}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []audit.Attempt
	sc := bufio.NewScanner(f.stdout)
	for sc.Scan() {
		var a audit.Attempt
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		got = append(got, a)
	}
	if len(got) != 2 || got[0].ID != newer.ID || got[1].ID != older.ID {
		t.Fatalf("want %s then %s (newest first), got %+v", newer.ID, older.ID, got)
	}
	if got[0].Payload != newer.Payload || got[0].Status != audit.Pending || got[0].Server != thisServer() {
		t.Errorf("attempt not complete: %+v", got[0])
	}
}

func TestApprovalsListEmpty(t *testing.T) {
	f := newFixture(t)
	f.add(t, func(a *audit.Attempt) { a.Status, a.DecidedAt, a.DecidedBy = audit.Approved, a.Created, "console:bob" })
	c := approvalsListCmd{storeFlags: f.flags()}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.stdout.Len() != 0 || strings.TrimSpace(f.stderr.String()) != "no approvals pending" {
		t.Fatalf("stdout %q stderr %q", f.stdout, f.stderr)
	}
}

func TestApprovalsShow(t *testing.T) {
	f := newFixture(t)
	payload := "{\n  \"configId\": 42,\n  \"description\": \"" + strings.Repeat("x", 500) + "\",\n  \"password\": \"[redacted]\"\n}"
	a := f.add(t, func(a *audit.Attempt) { a.Payload = payload })
	c := approvalsShowCmd{storeFlags: f.flags(), ID: " " + strings.ToUpper(a.ID) + "\n"}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := f.stdout.String()
	for _, want := range []string{"ID:         " + a.ID, "Status:     pending, expires in ", "Tool:       flex_create_vm",
		"Service:    FortiFlex", "Target:     config 42", "Operation:  POST", "Summary:    " + a.Summary, "Cost:       " + a.Cost,
		"through console", "Held by:    " + a.Server, "Approval:   --approval=required", "Digest:     d1g35t",
		"Payload:\n  {\n    \"configId\": 42,\n    \"description\": \"" + strings.Repeat("x", 500) + "\",\n    \"password\": \"[redacted]\"\n  }\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if !strings.Contains(f.stderr.String(), "approvals approve "+a.ID) {
		t.Errorf("no hint how to decide: %q", f.stderr)
	}

	d := f.add(t, nil)
	if _, err := f.store.Decide(context.Background(), d.ID, audit.Approved, "cli:carol", "looks right"); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Finish(context.Background(), d.ID, audit.Succeeded, "created 1 FortiFlex VM entitlements"); err != nil {
		t.Fatal(err)
	}
	c = approvalsShowCmd{storeFlags: f.flags(), ID: d.ID}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	out = f.stdout.String()
	for _, want := range []string{"Status:     succeeded\n", "by cli:carol: looks right\n", "Outcome:    succeeded at ", ": created 1 FortiFlex VM entitlements\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if f.stderr.Len() != 0 {
		t.Errorf("a decided request needs no hint: %q", f.stderr)
	}

	c = approvalsShowCmd{storeFlags: f.flags(), ID: "ap-aaaaaaaaaaaaaaaa"}
	if err := c.Run(context.Background()); exitCode(err) != 3 {
		t.Errorf("unknown id: %v (exit %d)", err, exitCode(err))
	}
}

func TestApprovalsApproveAndDeny(t *testing.T) {
	f := newFixture(t)
	me := actor()
	if !strings.HasPrefix(me, "cli:") || len(me) == len("cli:") {
		t.Fatalf("actor %q", me)
	}
	yes := f.add(t, nil)
	c := approvalsApproveCmd{storeFlags: f.flags(), ID: yes.ID, Reason: "expected"}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, yes.ID); got.Status != audit.Approved || got.DecidedBy != me || got.Reason != "expected" {
		t.Fatalf("store: %+v", got)
	}
	if want := "approved " + yes.ID + ": flex_create_vm on config 42 (FortiFlex): " + yes.Summary + "\n"; f.stdout.String() != want {
		t.Errorf("stdout %q, want %q", f.stdout, want)
	}

	no := f.add(t, func(a *audit.Attempt) { a.Digest = "other" })
	d := approvalsDenyCmd{storeFlags: f.flags(), ID: no.ID, Reason: "not today"}
	if err := d.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.get(t, no.ID); got.Status != audit.Denied || got.DecidedBy != me || got.Reason != "not today" {
		t.Fatalf("store: %+v", got)
	}
	if !strings.HasPrefix(f.stdout.String(), "denied "+no.ID+": flex_create_vm on config 42") {
		t.Errorf("stdout %q", f.stdout)
	}

	// The trail has each decision once, by this user.
	events, err := f.store.Events(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	decisions := map[string]string{}
	for _, e := range events {
		if e.Event == audit.Approved || e.Event == audit.Denied {
			if _, dup := decisions[e.Attempt]; dup || e.Actor != me {
				t.Errorf("event %+v", e)
			}
			decisions[e.Attempt] = e.Event
		}
	}
	if decisions[yes.ID] != audit.Approved || decisions[no.ID] != audit.Denied {
		t.Errorf("decisions %v", decisions)
	}
}

func TestApprovalsDecideExitCodes(t *testing.T) {
	f := newFixture(t)
	done := f.add(t, nil)
	if _, err := f.store.Decide(context.Background(), done.ID, audit.Denied, "console:alice", "no"); err != nil {
		t.Fatal(err)
	}
	lapsed := f.add(t, func(a *audit.Attempt) { a.Expires = time.Now().Add(-time.Second) })

	for _, tc := range []struct {
		name    string
		id      string
		approve bool
		code    int
		msg     string
	}{
		{"unknown approve", "ap-aaaaaaaaaaaaaaaa", true, 3, "no approval ap-aaaaaaaaaaaaaaaa in " + f.dir},
		{"unknown deny", "ap-aaaaaaaaaaaaaaaa", false, 3, "no approval ap-aaaaaaaaaaaaaaaa"},
		{"decided approve", done.ID, true, 4, done.ID + " was already decided (denied by console:alice at "},
		{"decided deny", done.ID, false, 4, "already decided (denied"},
		{"expired approve", lapsed.ID, true, 5, lapsed.ID + " expired"},
		{"expired deny", lapsed.ID, false, 5, "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.approve {
				c := approvalsApproveCmd{storeFlags: f.flags(), ID: tc.id}
				err = c.Run(context.Background())
			} else {
				c := approvalsDenyCmd{storeFlags: f.flags(), ID: tc.id}
				err = c.Run(context.Background())
			}
			if exitCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v (exit %d), want exit %d with %q", err, exitCode(err), tc.code, tc.msg)
			}
			if f.stdout.Len() != 0 {
				t.Errorf("nothing was decided, yet stdout says %q", f.stdout)
			}
		})
	}
	if got := f.get(t, done.ID); got.Status != audit.Denied || got.DecidedBy != "console:alice" {
		t.Errorf("a refused decision changed the store: %+v", got)
	}
}

// An approval that nothing can act on is refused rather than recorded as if it meant something.
func TestApprovalsApproveRefusesWhatCannotRun(t *testing.T) {
	f := newFixture(t)
	asked := f.add(t, func(a *audit.Attempt) { a.Channel = approval.ChannelElicitation })
	c := approvalsApproveCmd{storeFlags: f.flags(), ID: asked.ID}
	if err := c.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "answer it there") {
		t.Fatalf("approving an elicitation request: %v", err)
	}
	if got := f.get(t, asked.ID); got.Status != audit.Pending {
		t.Fatalf("store: %+v", got)
	}

	// A pid that existed and is gone: a child we waited for.
	child := exec.Command("true")
	if err := child.Run(); err != nil {
		t.Skip("no `true` to run:", err)
	}
	host, _ := os.Hostname()
	orphan := f.add(t, func(a *audit.Attempt) { a.Server = fmt.Sprintf("%s:%d", host, child.Process.Pid) })
	l := approvalsListCmd{storeFlags: f.flags()}
	if err := l.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.stdout.String(), "pending (its server stopped)") {
		t.Errorf("the list should say the write's server stopped:\n%s", f.stdout)
	}
	s := approvalsShowCmd{storeFlags: f.flags(), ID: asked.ID}
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.stderr.String(), "approvals deny "+asked.ID) || strings.Contains(f.stderr.String(), "approve") {
		t.Errorf("the hint for an elicitation request: %q", f.stderr)
	}
	c = approvalsApproveCmd{storeFlags: f.flags(), ID: orphan.ID}
	if err := c.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "has stopped") {
		t.Fatalf("approving a write whose server stopped: %v", err)
	}
	if got := f.get(t, orphan.ID); got.Status != audit.Pending {
		t.Fatalf("store: %+v", got)
	}

	// Denying either is still a decision worth recording.
	for _, id := range []string{asked.ID, orphan.ID} {
		d := approvalsDenyCmd{storeFlags: f.flags(), ID: id}
		if err := d.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := f.get(t, id); got.Status != audit.Denied {
			t.Fatalf("store: %+v", got)
		}
	}
}

func TestMissingAuditTrail(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "never-served")
	flags := storeFlags{StateDir: dir, output: output{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}}
	want := "no audit trail in " + dir + " yet: the server has not run with this state directory"
	for name, run := range map[string]func(context.Context) error{
		"list":    (&approvalsListCmd{storeFlags: flags}).Run,
		"show":    (&approvalsShowCmd{storeFlags: flags, ID: "ap-aaaaaaaaaaaaaaaa"}).Run,
		"approve": (&approvalsApproveCmd{storeFlags: flags, ID: "ap-aaaaaaaaaaaaaaaa"}).Run,
		"deny":    (&approvalsDenyCmd{storeFlags: flags, ID: "ap-aaaaaaaaaaaaaaaa"}).Run,
		"console": (&approvalsConsoleCmd{storeFlags: flags}).Run,
		"audit":   (&auditCmd{storeFlags: flags}).Run,
	} {
		if err := run(context.Background()); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the commands created %s: %v", dir, err)
	}
}

func TestApprovalsConsole(t *testing.T) {
	f := newFixture(t)
	t.Setenv("FORTICLOUD_MCP_APPROVALS_TOKEN", "")
	c := approvalsConsoleCmd{storeFlags: f.flags()}
	if err := c.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "no approvals console is running") {
		t.Fatalf("no console: %v", err)
	}
	if err := f.store.AddConsole(context.Background(), "http://127.0.0.1:4711/approvals/"); err != nil {
		t.Fatal(err)
	}

	// Without a token file the server had its token from its environment: no link is made up.
	c = approvalsConsoleCmd{storeFlags: f.flags()}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.stdout.String() != "http://127.0.0.1:4711/approvals/\n" || !strings.Contains(f.stderr.String(), "FORTICLOUD_MCP_APPROVALS_TOKEN") {
		t.Errorf("stdout %q stderr %q", f.stdout, f.stderr)
	}
	if _, err := os.Stat(filepath.Join(f.dir, console.TokenFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a token file was made: %v", err)
	}
	token, err := console.Token(f.dir, "") // as the server does on start
	if err != nil {
		t.Fatal(err)
	}

	// One console of a live process (this one) and one left behind by a process that is gone.
	child := exec.Command("true")
	if err := child.Run(); err != nil {
		t.Skip("no `true` to run:", err)
	}
	db, err := sql.Open("sqlite", filepath.Join(f.dir, audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO consoles (url, pid, started) VALUES (?, ?, ?)`, "http://127.0.0.1:4712/", child.Process.Pid, time.Now().UnixMilli()); err != nil {
		t.Fatal(err)
	}

	c = approvalsConsoleCmd{storeFlags: f.flags()}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := "http://127.0.0.1:4711/approvals/login?token=" + token + "\n"; f.stdout.String() != want {
		t.Errorf("stdout %q, want %q", f.stdout, want)
	}

	// A configured token wins over the file, as in the server.
	t.Setenv("FORTICLOUD_MCP_APPROVALS_TOKEN", "a configured token & more")
	c = approvalsConsoleCmd{storeFlags: f.flags()}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := "http://127.0.0.1:4711/approvals/login?token=a+configured+token+%26+more\n"; f.stdout.String() != want {
		t.Errorf("stdout %q, want %q", f.stdout, want)
	}
}

// auditLines runs the audit command and decodes its output.
func auditLines(t *testing.T, c *auditCmd) []map[string]any {
	t.Helper()
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(c.stdout.(*bytes.Buffer))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func TestAudit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ran := f.add(t, nil)
	if _, err := f.store.Decide(ctx, ran.ID, audit.Approved, "cli:carol", ""); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Finish(ctx, ran.ID, audit.Succeeded, "created 1 FortiFlex VM entitlements"); err != nil {
		t.Fatal(err)
	}
	refused := f.add(t, func(a *audit.Attempt) { a.Digest = "other" })
	if _, err := f.store.Decide(ctx, refused.ID, audit.Denied, "cli:carol", "not today"); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Note(ctx, "", "refused", approval.ChannelElicitation, "a forged answer"); err != nil {
		t.Fatal(err)
	}

	lines := auditLines(t, &auditCmd{storeFlags: f.flags()})
	type ev struct{ id, event string }
	want := []ev{{ran.ID, "requested"}, {ran.ID, "approved"}, {ran.ID, "succeeded"}, {refused.ID, "requested"}, {refused.ID, "denied"}, {"", "refused"}}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d: %v", len(lines), len(want), lines)
	}
	var last float64
	for i, l := range lines {
		id, _ := l["id"].(string)
		if (ev{id, l["event"].(string)}) != want[i] {
			t.Errorf("line %d: %v, want %v", i, l, want[i])
		}
		seq := l["seq"].(float64)
		if seq <= last {
			t.Errorf("line %d: seq %v after %v", i, seq, last)
		}
		last = seq
		ts, err := time.Parse(time.RFC3339, l["time"].(string))
		if err != nil || time.Since(ts) > 3*time.Minute || !strings.HasSuffix(l["time"].(string), "Z") || len(l["time"].(string)) != len("2006-01-02T15:04:05.000Z") {
			t.Errorf("line %d: time %v (%v)", i, l["time"], err)
		}
	}
	approved := lines[1]
	for k, v := range map[string]any{"actor": "cli:carol", "tool": "flex_create_vm", "service": "FortiFlex", "target": "config 42", "method": "POST",
		"summary": ran.Summary, "cost": ran.Cost, "payload": ran.Payload, "digest": "d1g35t", "approval_mode": "required",
		"status": "approved", "outcome": "succeeded"} {
		if approved[k] != v {
			t.Errorf("%s = %v, want %v", k, approved[k], v)
		}
	}
	if lines[2]["detail"] != "created 1 FortiFlex VM entitlements" || lines[4]["detail"] != "not today" || lines[5]["detail"] != "a forged answer" {
		t.Errorf("details: %v / %v / %v", lines[2], lines[4], lines[5])
	}
	if _, ok := lines[5]["tool"]; ok {
		t.Errorf("an event of no attempt has attempt fields: %v", lines[5])
	}

	// --after resumes after the last line read; --limit stops early.
	page := auditLines(t, &auditCmd{storeFlags: f.flags(), After: int64(lines[1]["seq"].(float64)), Limit: 2})
	if len(page) != 2 || page[0]["seq"] != lines[2]["seq"] || page[1]["seq"] != lines[3]["seq"] {
		t.Errorf("--after --limit: %v", page)
	}
	// --since counts back from now.
	later := func() time.Time { return time.Now().Add(2 * time.Hour) }
	if got := auditLines(t, &auditCmd{storeFlags: f.flags(), Since: time.Hour, now: later}); len(got) != 0 {
		t.Errorf("--since 1h, two hours on: %v", got)
	}
	if got := auditLines(t, &auditCmd{storeFlags: f.flags(), Since: 3 * time.Hour, now: later, Limit: 1}); len(got) != 1 || got[0]["seq"] != lines[0]["seq"] {
		t.Errorf("--since 3h --limit 1: %v", got)
	}
}

// A trail longer than one page streams whole and in order.
func TestAuditPages(t *testing.T) {
	f := newFixture(t)
	for range auditPage + 7 {
		if err := f.store.Note(context.Background(), "", "refused", approval.ChannelElicitation, "x"); err != nil {
			t.Fatal(err)
		}
	}
	lines := auditLines(t, &auditCmd{storeFlags: f.flags()})
	if len(lines) != auditPage+7 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, l := range lines {
		if l["seq"] != float64(i+1) {
			t.Fatalf("line %d: seq %v", i, l["seq"])
		}
	}
	if got := auditLines(t, &auditCmd{storeFlags: f.flags(), Limit: auditPage + 2}); len(got) != auditPage+2 {
		t.Errorf("--limit across a page: %d lines", len(got))
	}
}

// The command line reaches the commands as documented.
func TestApprovalsCommandLine(t *testing.T) {
	t.Setenv("FORTICLOUD_MCP_STATE_DIR", "/from/env")
	for _, tc := range []struct {
		args []string
		cmd  string
		want func(c *cli) bool
	}{
		{[]string{"approvals"}, "approvals list", func(c *cli) bool { return !c.Approvals.List.All && c.Approvals.List.StateDir == "/from/env" }},
		{[]string{"approvals", "--all", "--json"}, "approvals list", func(c *cli) bool { return c.Approvals.List.All && c.Approvals.List.JSON }},
		{[]string{"approvals", "show", "ap-x", "--state-dir", "/d"}, "approvals show <id>", func(c *cli) bool {
			return c.Approvals.Show.ID == "ap-x" && c.Approvals.Show.StateDir == "/d"
		}},
		{[]string{"approvals", "approve", "ap-x", "--reason", "ok"}, "approvals approve <id>", func(c *cli) bool {
			return c.Approvals.Approve.ID == "ap-x" && c.Approvals.Approve.Reason == "ok"
		}},
		{[]string{"approvals", "deny", "ap-x", "--reason", "not today"}, "approvals deny <id>", func(c *cli) bool { return c.Approvals.Deny.Reason == "not today" }},
		{[]string{"approvals", "console"}, "approvals console", func(c *cli) bool { return c.Approvals.Console.StateDir == "/from/env" }},
		{[]string{"audit", "--after", "7", "--since", "90m", "--limit", "3"}, "audit", func(c *cli) bool {
			return c.Audit.After == 7 && c.Audit.Since == 90*time.Minute && c.Audit.Limit == 3
		}},
	} {
		var c cli
		p, err := kong.New(&c, kong.Name("forticloud-mcp"), kong.Exit(func(int) { t.Fatalf("%v: exited", tc.args) }))
		if err != nil {
			t.Fatal(err)
		}
		kctx, err := p.Parse(tc.args)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if kctx.Command() != tc.cmd || !tc.want(&c) {
			t.Errorf("%v: command %q, flags %+v", tc.args, kctx.Command(), c.Approvals)
		}
	}
}
