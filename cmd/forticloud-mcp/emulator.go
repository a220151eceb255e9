package main

import (
	"context"
	"fmt"
	"os"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

type emulatorCmd struct {
	Listen   string `name:"listen" default:"127.0.0.1:8443" help:"Address to listen on (host:port)."`
	logFlags `embed:""`
}

func (c *emulatorCmd) Run(ctx context.Context) error {
	logger := c.logger(os.Stderr)
	em := emulator.New(emulator.Options{Logger: logger})
	base, err := em.Start(c.Listen)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	defer em.Close()
	fmt.Fprintf(os.Stderr, `FortiCloud emulator listening on %s
Point forticloud-mcp at it:
  FORTICLOUD_AUTH_URL=%[1]s FORTIGATECLOUD_URL=%[1]s FORTIFLEX_URL=%[1]s FORTIANALYZER_URL=%[1]s SOCAAS_URL=%[1]s \
  FORTICLOUD_API_USERNAME=%s FORTICLOUD_API_PASSWORD=%s forticloud-mcp serve
`, base, emulator.DemoAPIUsername, emulator.DemoAPIPassword)
	<-ctx.Done()
	return nil
}
