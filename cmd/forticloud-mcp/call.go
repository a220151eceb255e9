package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/mcpserver"
	"github.com/forticloud-mcp/forticloud-mcp/tools"
)

// Exit codes of call, beside approvals' 3 (not found) and 5 (expired), which keep their meaning.
const (
	exitToolError = 2 // the tool answered with an error (isError); doctor: a check failed
	exitDenied    = 6 // a held write was denied (or cancelled) by a person: it never ran
)

const callHelp = `Calls one tool in this process, exactly as an MCP client's tools/call would reach it through
serve: the same configuration (flags and FORTICLOUD_* variables), the same argument validation,
the same approval gate. The result's structuredContent goes to stdout (indented JSON, or a table
with --output table); messages go to stderr.

Arguments: --args '{"limit":5}', --args @args.json (a file), or --args - (standard input).

A write (flex_create_vm, a non-GET fortios_proxy, ...) needs a person's approval, as it does for
a client: this command holds it, prints its approval id and the commands that decide it
(forticloud-mcp approvals approve|deny ID, from another terminal), and waits until a person decides
or the request expires (--approval-ttl, default 10m). The write runs only while this command waits;
Ctrl-C withdraws it. --read-only refuses every write; --approval=none runs writes unasked.

Exit codes:
  0  the tool succeeded (for a held write: approved, and it ran)
  1  usage or configuration error (bad flags, --args not a JSON object, invalid settings)
  2  the tool answered with an error (bad argument, refused, upstream failure; message on stderr)
  3  no such tool in this configuration (its service is off, or read-only mode hides it)
  5  a held write expired (or was withdrawn) before anyone decided: nothing changed
  6  a held write was denied: nothing changed`

type callCmd struct {
	config.Config `embed:""`
	cliLogFlags   `embed:""`
	Sandbox       bool     `name:"sandbox" help:"Call the tool on the built-in FortiCloud emulator with demo data: no account needed."`
	Tool          string   `arg:"" name:"tool" predictor:"tool" help:"The tool to call (forticloud-mcp tools lists them)."`
	Args          string   `name:"args" default:"{}" placeholder:"JSON|@FILE|-" help:"The tool's arguments: a JSON object, @FILE to read it from a file, or - to read it from standard input."`
	Format        string   `name:"output" short:"o" default:"json" enum:"json,table" help:"json: structuredContent as indented JSON; table: a readable table."`
	Columns       []string `name:"columns" placeholder:"NAME,..." help:"With --output table: the columns of a list, in this order (default: chosen from the data)."`

	output `kong:"-"`
	stdin  io.Reader // tests set it; nil is os.Stdin
}

// Help documents the behaviour and the exit codes in `call --help`.
func (c *callCmd) Help() string { return callHelp }

// callReply is a tools/call answer as it goes over the wire.
type callReply struct {
	Result *toolResult `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type toolResult struct {
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StructuredContent json.RawMessage `json:"structuredContent"`
	IsError           bool            `json:"isError"`
}

func (r *toolResult) text() string {
	var parts []string
	for _, c := range r.Content {
		if c.Type == "text" && c.Text != "" {
			parts = append(parts, c.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func (c *callCmd) Run(ctx context.Context) error {
	args, err := readArgs(c.Args, c.stdin)
	if err != nil {
		return err
	}
	logger := c.logger()
	cfg := c.Config
	if c.Sandbox {
		sb, err := startSandbox(logger)
		if err != nil {
			return err
		}
		defer sb.Close()
		cfg = sb.configure(cfg)
	}
	if err := validateConfig(&cfg); err != nil {
		return err
	}
	srv, err := mcpserver.New(&cfg, logger)
	if err != nil {
		return err
	}
	defer closeServer(srv, logger)
	i := slices.IndexFunc(srv.Tools, func(d tools.Definition) bool { return d.Spec.Name == c.Tool })
	if i < 0 {
		return &exitError{exitNotFound, errors.New(whyNoTool(ctx, cfg, c.Tool, logger))}
	}
	spec := srv.Tools[i].Spec
	if !spec.Hints.ReadOnly && srv.Gate.Mode() == approval.ModeNone && !cfg.ReadOnly {
		fmt.Fprintln(c.errOut(), "warning: approval is off (--approval=none): a write this call makes runs without a person's approval")
	}
	res, err := callTool(ctx, srv, c.Tool, args)
	if err != nil {
		return err
	}
	if res.IsError {
		if id := heldID(res); id != "" {
			res, err = c.waitHeld(ctx, srv, cfg, id)
			if err != nil {
				return err
			}
		}
	}
	if res.IsError {
		msg := res.text()
		if msg == "" {
			msg = c.Tool + " failed"
		}
		return &exitError{exitToolError, errors.New(msg)}
	}
	return c.print(res)
}

// readArgs reads --args: a JSON object given inline, in @FILE or on stdin (-).
func readArgs(spec string, stdin io.Reader) (json.RawMessage, error) {
	var data []byte
	switch {
	case spec == "-":
		if stdin == nil {
			stdin = os.Stdin
		}
		b, err := io.ReadAll(io.LimitReader(stdin, 16<<20))
		if err != nil {
			return nil, fmt.Errorf("--args -: reading standard input: %w", err)
		}
		data = b
	case strings.HasPrefix(spec, "@"):
		b, err := os.ReadFile(spec[1:])
		if err != nil {
			return nil, fmt.Errorf("--args %s: %w", spec, err)
		}
		data = b
	default:
		data = []byte(spec)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return json.RawMessage("{}"), nil
	}
	if !json.Valid(data) {
		var probe any
		err := json.Unmarshal(data, &probe)
		return nil, fmt.Errorf("--args: not valid JSON (%v); write a JSON object such as '{\"limit\":5}'", err)
	}
	if data[0] != '{' {
		return nil, errors.New(`--args: the arguments must be a JSON object such as '{"limit":5}'`)
	}
	return json.RawMessage(data), nil
}

// callTool sends one tools/call through the MCP server's own message handler, so that the call
// takes the path a client's does: lookup, the call timeout, validation, the approval gate.
func callTool(ctx context.Context, srv *mcpserver.Server, name string, args json.RawMessage) (*toolResult, error) {
	msg, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
		"params": map[string]any{"name": name, "arguments": args}})
	if err != nil {
		return nil, err
	}
	return decodeReply(srv.MCP.HandleMessage(ctx, msg))
}

func decodeReply(resp any) (*toolResult, error) {
	raw, err := json.Marshal(resp)
	if err != nil {
		return nil, fmt.Errorf("reading the tool's answer: %w", err)
	}
	var r callReply
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("reading the tool's answer: %w", err)
	}
	if r.Error != nil {
		return nil, &exitError{exitToolError, fmt.Errorf("the server refused the call: %s (JSON-RPC error %d)", r.Error.Message, r.Error.Code)}
	}
	if r.Result == nil {
		return nil, errors.New("the server gave no answer")
	}
	return r.Result, nil
}

// heldID is the approval id of a write the gate held for a person's decision.
func heldID(res *toolResult) string {
	var held struct {
		ApprovalID string `json:"approval_id"`
		Status     string `json:"status"`
	}
	if len(res.StructuredContent) == 0 || json.Unmarshal(res.StructuredContent, &held) != nil {
		return ""
	}
	if held.Status != audit.Pending || !strings.HasPrefix(held.ApprovalID, "ap-") {
		return ""
	}
	return held.ApprovalID
}

// waitHeld tells the person how to decide on a held write and waits, holding it, until someone
// decides or it expires; it returns the write's result once approved.
func (c *callCmd) waitHeld(ctx context.Context, srv *mcpserver.Server, cfg config.Config, id string) (*toolResult, error) {
	dirFlag := ""
	if cfg.StateDir != "" {
		dirFlag = " --state-dir " + shellQuote(srv.StateDir)
	}
	st, err := srv.Gate.Wait(ctx, id, 0, nil)
	if err != nil {
		return nil, fmt.Errorf("reading %s from the audit trail: %w", id, err)
	}
	a := st.Attempt
	fmt.Fprintf(c.errOut(), `%s is a write: it waits for a person's approval as %s.
  change:  %s (%s)
  expires: %s (in %s)
Decide from another terminal:
  forticloud-mcp approvals show %s%s
  forticloud-mcp approvals approve %s%s
  forticloud-mcp approvals deny %s%s --reason TEXT
The write runs only while this command waits (Ctrl-C withdraws it). Waiting...
`, a.Tool, id, cell(a.Summary, 0), cell(a.Target, 0), stamp(a.Expires), duration(time.Until(a.Expires)), id, dirFlag, id, dirFlag, id, dirFlag)
	for {
		st, err = srv.Gate.Wait(ctx, id, time.Minute, nil)
		if err != nil {
			return nil, fmt.Errorf("reading %s from the audit trail: %w", id, err)
		}
		if st.Done() {
			break
		}
		if ctx.Err() != nil {
			// Withdraw it before saying so: closing the gate settles the held write, and a person
			// who approved it a moment ago has it run now (found in review: it used to run later,
			// during shutdown, after "nothing changed" was printed).
			cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			srv.Gate.Close(cctx)
			st, err = srv.Gate.Wait(cctx, id, 0, nil)
			cancel()
			if err == nil && st.Done() && st.Attempt.Status == audit.Approved {
				break // it was approved before the interrupt took effect: report what ran
			}
			return nil, &exitError{exitExpired, fmt.Errorf("interrupted: %s is withdrawn and will not run; nothing changed", id)}
		}
	}
	a = st.Attempt
	switch a.Status {
	case audit.Approved:
		if st.Result == nil {
			return nil, fmt.Errorf("%s was approved by %s, but the write did not run: %s", id, a.DecidedBy, a.Detail)
		}
		fmt.Fprintf(c.errOut(), "%s approved by %s; the write ran\n", id, a.DecidedBy)
		raw, err := json.Marshal(st.Result)
		if err != nil {
			return nil, err
		}
		var res toolResult
		if err := json.Unmarshal(raw, &res); err != nil {
			return nil, fmt.Errorf("reading the write's result: %w", err)
		}
		return &res, nil
	case audit.Expired:
		return nil, &exitError{exitExpired, fmt.Errorf("%s expired: nobody decided in time (%s); nothing changed", id, orDefault(a.Reason, "no decision"))}
	default: // denied, cancelled
		msg := fmt.Sprintf("%s was %s", id, a.Status)
		if a.DecidedBy != "" {
			msg += " by " + a.DecidedBy
		}
		if a.Reason != "" {
			msg += ": " + a.Reason
		}
		return nil, &exitError{exitDenied, errors.New(msg + "; nothing changed")}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// print writes the result: structuredContent, or the text of a tool that has none.
func (c *callCmd) print(res *toolResult) error {
	if len(res.StructuredContent) == 0 || string(res.StructuredContent) == "null" {
		_, err := fmt.Fprintln(c.out(), res.text())
		return err
	}
	v, err := decodeOrdered(res.StructuredContent)
	if err != nil {
		return fmt.Errorf("reading the result: %w", err)
	}
	if c.Format == "table" {
		return renderTable(c.out(), c.errOut(), v, tableOptions{Columns: splitColumns(c.Columns)})
	}
	return writeIndented(c.out(), v)
}

// whyNoTool explains why the configuration offers no tool of that name.
func whyNoTool(ctx context.Context, cfg config.Config, name string, logger *slog.Logger) string {
	full := cfg
	full.ReadOnly, full.Approval, full.Toolsets = false, approval.ModeRequired, []string{"all"}
	docs, err := listTools(ctx, full, true, logger)
	if err != nil {
		return fmt.Sprintf("%s is not offered here (%v)", name, err)
	}
	i := slices.IndexFunc(docs, func(d toolDoc) bool { return d.Name == name })
	if i < 0 {
		return fmt.Sprintf("no tool %q; `forticloud-mcp tools --all` lists every tool", name)
	}
	d := docs[i]
	if d.Service != tools.ApprovalsToolset {
		if why := serviceOff(&cfg, d.Service); why != "" {
			return fmt.Sprintf("%s is a %s tool, and %s is off: %s", name, d.ServiceName, d.ServiceName, why)
		}
	}
	switch {
	case cfg.ReadOnly:
		return fmt.Sprintf("%s is a write, and read-only mode (--read-only / FORTICLOUD_MCP_READ_ONLY) offers no write tool", name)
	case d.Service == tools.ApprovalsToolset:
		return name + " is offered only when writes wait for a person's approval (--approval=required) and a write tool is offered"
	}
	return name + " is not offered by this configuration; `forticloud-mcp tools` lists what is"
}
