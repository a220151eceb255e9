package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/console"
	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

// Exit codes of approve and deny, so that scripts can tell a lost race from a typo.
const (
	exitNotFound   = 3
	exitNotPending = 4
	exitExpired    = 5
)

// exitError is an error main exits with its own code instead of 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }
func (e *exitError) ExitCode() int { return e.code }

// output is where a command writes: results to stdout, messages to stderr. Tests set both.
type output struct {
	stdout io.Writer
	stderr io.Writer
}

func (o output) out() io.Writer {
	if o.stdout == nil {
		return os.Stdout
	}
	return o.stdout
}

func (o output) errOut() io.Writer {
	if o.stderr == nil {
		return os.Stderr
	}
	return o.stderr
}

// storeFlags locate the audit trail the servers of this user share.
type storeFlags struct {
	StateDir string `name:"state-dir" env:"FORTICLOUD_MCP_STATE_DIR" placeholder:"DIR" help:"The servers' state directory (default $XDG_STATE_HOME/forticloud-mcp or ~/.local/state/forticloud-mcp)."`
	output   `kong:"-"`
}

func (f *storeFlags) dir() (string, error) {
	if f.StateDir != "" {
		return f.StateDir, nil
	}
	return config.DefaultStateDir()
}

// open opens the audit store, refusing to create one: an empty store made here would only hide
// that the command looks in another directory than the server writes to.
func (f *storeFlags) open() (*audit.Store, string, error) {
	dir, err := f.dir()
	if err != nil {
		return nil, "", err
	}
	path := filepath.Join(dir, audit.FileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, dir, fmt.Errorf("no audit trail in %s yet: the server has not run with this state directory", dir)
	} else if err != nil {
		return nil, dir, fmt.Errorf("the audit trail: %w", err)
	}
	st, err := audit.Open(path)
	if err != nil {
		return nil, dir, fmt.Errorf("the audit trail in %s: %w", dir, err)
	}
	return st, dir, nil
}

type approvalsCmd struct {
	List    approvalsListCmd    `cmd:"" default:"withargs" help:"List the approvals waiting for a decision (--all: the last 100 of any status)."`
	Show    approvalsShowCmd    `cmd:"" help:"Show everything about one approval request, its payload included."`
	Approve approvalsApproveCmd `cmd:"" help:"Approve a held write: the server holding it runs it once."`
	Deny    approvalsDenyCmd    `cmd:"" help:"Deny a held write: it never runs."`
	Console approvalsConsoleCmd `cmd:"" help:"Print the sign-in link of each running approvals console (it contains the console token)."`
}

type approvalsListCmd struct {
	storeFlags `embed:""`
	All        bool `name:"all" help:"The last 100 requests of any status, not only those waiting."`
	JSON       bool `name:"json" help:"One JSON object per request and line."`

	now func() time.Time // tests fix the clock; nil is time.Now
}

func (c *approvalsListCmd) Run(ctx context.Context) error {
	st, _, err := c.open()
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.List(ctx, !c.All, 100)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		if c.All {
			fmt.Fprintln(c.errOut(), "no approval requests recorded")
		} else {
			fmt.Fprintln(c.errOut(), "no approvals pending")
		}
		return nil
	}
	if c.JSON {
		enc := json.NewEncoder(c.out())
		for _, a := range list {
			if err := enc.Encode(a); err != nil {
				return fmt.Errorf("writing: %w", err)
			}
		}
		return nil
	}
	now := clock(c.now)
	tw := tabwriter.NewWriter(c.out(), 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tREQUESTED\tEXPIRES IN\tTOOL\tTARGET\tSUMMARY\tSTATUS")
	for _, a := range list {
		expires := "-"
		if a.Open(now) {
			expires = duration(a.Expires.Sub(now))
		}
		fmt.Fprintf(tw, "%s\t%s ago\t%s\t%s\t%s\t%s\t%s\n", cell(a.ID, 0), duration(now.Sub(a.Created)), expires,
			cell(a.Tool, 0), cell(a.Target, 40), cell(a.Summary, 60), cell(statusText(a, now), 0))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing: %w", err)
	}
	return nil
}

type approvalsShowCmd struct {
	storeFlags `embed:""`
	ID         string `arg:"" name:"id" help:"The approval id (ap-...)."`
	JSON       bool   `name:"json" help:"The request as one JSON object."`

	now func() time.Time
}

func (c *approvalsShowCmd) Run(ctx context.Context) error {
	st, dir, err := c.open()
	if err != nil {
		return err
	}
	defer st.Close()
	id := normalizeID(c.ID)
	a, err := st.Get(ctx, id)
	if errors.Is(err, audit.ErrNotFound) {
		return &exitError{exitNotFound, fmt.Errorf("no approval %s in %s", id, dir)}
	}
	if err != nil {
		return err
	}
	if c.JSON {
		if err := json.NewEncoder(c.out()).Encode(a); err != nil {
			return fmt.Errorf("writing: %w", err)
		}
		return nil
	}
	now := clock(c.now)
	w := &strings.Builder{}
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(w, "%-11s %s\n", name+":", sanitize.String(value))
		}
	}
	field("ID", a.ID)
	status := statusText(a, now)
	if a.Open(now) {
		status += fmt.Sprintf(", expires in %s (at %s)", duration(a.Expires.Sub(now)), stamp(a.Expires))
	}
	field("Status", status)
	field("Tool", a.Tool)
	field("Service", a.Service)
	field("Target", a.Target)
	field("Operation", a.Method)
	field("Summary", a.Summary)
	field("Cost", a.Cost)
	field("Requested", fmt.Sprintf("%s (%s ago) through %s", stamp(a.Created), duration(now.Sub(a.Created)), a.Channel))
	field("Held by", a.Server)
	field("Approval", "--approval="+a.Mode)
	if !a.DecidedAt.IsZero() {
		decided := stamp(a.DecidedAt)
		if a.DecidedBy != "" {
			decided += " by " + a.DecidedBy
		}
		if a.Reason != "" {
			decided += ": " + a.Reason
		}
		field("Decided", decided)
	}
	if a.Outcome != "" {
		outcome := a.Outcome + " at " + stamp(a.Finished)
		if a.Detail != "" {
			outcome += ": " + a.Detail
		}
		field("Outcome", outcome)
	}
	field("Digest", a.Digest)
	if a.Payload != "" {
		w.WriteString("Payload:\n")
		for line := range strings.SplitSeq(sanitize.String(a.Payload), "\n") {
			w.WriteString("  " + line + "\n")
		}
	} else {
		w.WriteString("Payload:    (none)\n")
	}
	if _, err := io.WriteString(c.out(), w.String()); err != nil {
		return fmt.Errorf("writing: %w", err)
	}
	gone := approval.HolderGone(a.Server)
	switch {
	case !a.Open(now):
	case a.Channel != approval.ChannelConsole, gone:
		fmt.Fprintf(c.errOut(), "no approval from here can run this one; refuse it with: forticloud-mcp approvals deny %s --reason TEXT\n", a.ID)
	default:
		fmt.Fprintf(c.errOut(), "decide with: forticloud-mcp approvals approve %s   or   forticloud-mcp approvals deny %s --reason TEXT\n", a.ID, a.ID)
	}
	return nil
}

const decideHelp = `Exit codes: 0 decided; 3 no such approval; 4 already decided (approved, denied, cancelled or
expired); 5 expired before this decision; 1 any other failure.`

type approvalsApproveCmd struct {
	storeFlags `embed:""`
	ID         string `arg:"" name:"id" help:"The approval id (ap-...)."`
	Reason     string `name:"reason" placeholder:"TEXT" help:"Why, for the audit trail."`
}

// Help documents the exit codes in `approvals approve --help`.
func (c *approvalsApproveCmd) Help() string { return decideHelp }

func (c *approvalsApproveCmd) Run(ctx context.Context) error {
	return decide(ctx, &c.storeFlags, c.ID, audit.Approved, c.Reason)
}

type approvalsDenyCmd struct {
	storeFlags `embed:""`
	ID         string `arg:"" name:"id" help:"The approval id (ap-...)."`
	Reason     string `name:"reason" placeholder:"TEXT" help:"Why, for the audit trail and the model."`
}

// Help documents the exit codes in `approvals deny --help`.
func (c *approvalsDenyCmd) Help() string { return decideHelp }

func (c *approvalsDenyCmd) Run(ctx context.Context) error {
	return decide(ctx, &c.storeFlags, c.ID, audit.Denied, c.Reason)
}

// decide records a decision in the store; the process holding the write polls the store and
// runs or drops it.
func decide(ctx context.Context, f *storeFlags, rawID, status, reason string) error {
	st, dir, err := f.open()
	if err != nil {
		return err
	}
	defer st.Close()
	id := normalizeID(rawID)
	if status == audit.Approved {
		// An approval nothing can act on would read as "approved" in the trail while the write
		// never runs, so refuse it and say where the decision belongs.
		if cur, err := st.Get(ctx, id); err == nil {
			if err := approval.Approvable(cur); err != nil {
				return err
			}
		}
	}
	a, err := st.Decide(ctx, id, status, actor(), reason)
	switch {
	case errors.Is(err, audit.ErrNotFound):
		return &exitError{exitNotFound, fmt.Errorf("no approval %s in %s", id, dir)}
	case errors.Is(err, audit.ErrNotPending):
		msg := fmt.Sprintf("%s was already decided", id)
		if cur, gerr := st.Get(ctx, id); gerr == nil {
			msg += " (" + cur.Status
			if cur.DecidedBy != "" {
				msg += " by " + cur.DecidedBy
			}
			if !cur.DecidedAt.IsZero() {
				msg += " at " + stamp(cur.DecidedAt)
			}
			msg += ")"
		}
		return &exitError{exitNotPending, errors.New(msg)}
	case errors.Is(err, audit.ErrExpired):
		return &exitError{exitExpired, fmt.Errorf("%s expired: nobody decided in time, and the write will not run", id)}
	case err != nil:
		return fmt.Errorf("recording the decision on %s: %w", id, err)
	}
	fmt.Fprintf(f.out(), "%s %s: %s on %s (%s): %s\n", status, a.ID, a.Tool, sanitize.String(a.Target), a.Service, sanitize.String(a.Summary))
	if status == audit.Approved {
		fmt.Fprintf(f.errOut(), "the server holding the write runs it now; `forticloud-mcp approvals show %s` reports the outcome\n", a.ID)
	}
	return nil
}

type approvalsConsoleCmd struct {
	storeFlags `embed:""`
}

func (c *approvalsConsoleCmd) Run(ctx context.Context) error {
	st, dir, err := c.open()
	if err != nil {
		return err
	}
	defer st.Close()
	consoles, err := st.Consoles(ctx)
	if err != nil {
		return err
	}
	var live []audit.Console
	for _, cn := range consoles {
		if approval.ProcessAlive(cn.PID) {
			live = append(live, cn)
		}
	}
	if len(live) == 0 {
		return fmt.Errorf("no approvals console is running with state directory %s", dir)
	}
	configured := os.Getenv("FORTICLOUD_MCP_APPROVALS_TOKEN")
	if strings.TrimSpace(configured) == "" {
		// No token file while a console runs: the server was given its token in its own
		// environment. Making a file here would print a link that cannot sign in.
		if _, err := os.Stat(filepath.Join(dir, console.TokenFile)); errors.Is(err, fs.ErrNotExist) {
			for _, cn := range live {
				fmt.Fprintln(c.out(), cn.URL)
			}
			fmt.Fprintln(c.errOut(), "sign in with the FORTICLOUD_MCP_APPROVALS_TOKEN the server was started with (set it here too for a sign-in link)")
			return nil
		}
	}
	token, err := console.Token(dir, configured)
	if err != nil {
		return err
	}
	// The one place the token is printed: to the person's own terminal, on request.
	for _, cn := range live {
		base := cn.URL
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		fmt.Fprintf(c.out(), "%slogin?token=%s\n", base, url.QueryEscape(token))
	}
	return nil
}

// statusText is an attempt's status as a person reads it: the outcome once an approved write
// ran, and a pending request past its expiry as expired (the store settles it lazily).
func statusText(a *audit.Attempt, now time.Time) string {
	switch {
	case a.Status == audit.Pending && !a.Open(now):
		return audit.Expired
	case a.Status == audit.Pending && a.Channel != approval.ChannelConsole:
		return "pending (asked in the MCP client)"
	case a.Status == audit.Pending:
		if gone := approval.HolderGone(a.Server); gone {
			return "pending (its server stopped)"
		}
	case a.Status == audit.Approved && a.Outcome != "":
		return a.Outcome
	case a.Status == audit.Approved:
		return "approved, not finished"
	}
	return a.Status
}

// cell is s on one line, without control characters (the text comes from a model), cut to limit
// runes when limit > 0.
func cell(s string, limit int) string {
	s = strings.Join(strings.Fields(sanitize.String(s)), " ")
	if limit > 0 && utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit-1]) + "…"
	}
	if s == "" {
		return "-"
	}
	return s
}

// duration is d rounded for a person: 45s, 7m12s, 3h5m, 2d4h.
func duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd%02dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

func stamp(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05 MST") }

func clock(now func() time.Time) time.Time {
	if now == nil {
		return time.Now()
	}
	return now()
}

// normalizeID accepts an id as a person may type or paste it.
func normalizeID(id string) string { return strings.ToLower(strings.TrimSpace(id)) }

// actor names the person deciding in the audit trail.
func actor() string {
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	if name == "" {
		name = os.Getenv("USER")
	}
	if name == "" {
		name = "uid" + strconv.Itoa(os.Getuid())
	}
	return "cli:" + name
}
