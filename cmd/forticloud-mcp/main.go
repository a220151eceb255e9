// Command forticloud-mcp is an MCP server for Fortinet FortiCloud services.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
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
}

func main() {
	var c cli
	kctx := kong.Parse(&c,
		kong.Name("forticloud-mcp"),
		kong.Description("MCP server for Fortinet FortiCloud: FortiGate Cloud, FortiFlex, FortiAnalyzer Cloud, SOCaaS."),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
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
