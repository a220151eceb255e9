// Command forticloud-mcp is an MCP server for Fortinet FortiCloud services.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/alecthomas/kong"
)

// cli is the command line; the command and flag names are a contract other tooling relies on.
type cli struct {
	Serve    serveCmd    `cmd:"" default:"withargs" help:"Serve MCP over stdio (default) or streamable HTTP (--http)."`
	Emulator emulatorCmd `cmd:"" help:"Run the FortiCloud emulator alone (a fake of every upstream API, with demo data)."`
	Version  versionCmd  `cmd:"" help:"Print the version."`

	Approvals approvalsCmd `cmd:"" help:"List, show, approve or deny the writes held for a person's approval."`
	Audit     auditCmd     `cmd:"" help:"Print the audit trail of writes as JSON lines, oldest first."`

	Tools      toolsCmd      `cmd:"" help:"List the tools this configuration offers, with their arguments (--format text, json or markdown)."`
	Call       callCmd       `cmd:"" help:"Call one tool from a terminal or script, as a client would through serve; writes wait for approval."`
	Doctor     doctorCmd     `cmd:"" help:"Check the configuration and reach every configured service: one login and one cheap read each."`
	Completion completionCmd `cmd:"" help:"Print the shell completion script (bash, zsh or fish)."`
}

// gcPercent replaces Go's default GOGC of 100 unless GOGC is set: a tool call allocates mostly
// short-lived JSON over a live heap of a few MB, so at 100 the collector runs every few calls.
// At 200 a call costs the server 12-19 % less CPU (docs/performance.md) for a few MB more under load.
const gcPercent = 200

// exitKongUsage is the code kong exits with on a command line it cannot parse.
const exitKongUsage = 80

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	var c cli
	parser, err := kong.New(&c,
		kong.Name("forticloud-mcp"),
		kong.Description("MCP server for Fortinet FortiCloud: FortiGate Cloud, FortiFlex, FortiAnalyzer Cloud, SOCaaS."),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		// A command line kong cannot parse is a usage error: exit 1, as docs/cli.md says, not
		// kong's own 80.
		kong.Exit(func(code int) {
			if code == exitKongUsage {
				code = 1
			}
			os.Exit(code)
		}),
	)
	if err != nil {
		panic(err) // the cli struct is wrong: a programming error
	}
	completeCommandLine(parser)
	kctx, err := parser.Parse(os.Args[1:])
	parser.FatalIfErrorf(err)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	if err := kctx.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "forticloud-mcp:", err)
		var coded interface{ ExitCode() int }
		if errors.As(err, &coded) {
			os.Exit(coded.ExitCode())
		}
		os.Exit(1)
	}
}
