package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

// This file holds what every command that builds the server (serve, tools, call, doctor) shares,
// so that they read, check and sandbox the configuration the same way.

// sandbox is the built-in FortiCloud emulator on a loopback port, with a throwaway state directory:
// the sandbox's world is new each run, so its idempotency keys and audit trail must be too.
type sandbox struct {
	em       *emulator.Emulator
	base     string
	stateDir string
}

// startSandbox starts the emulator; Close stops it and removes the state directory.
func startSandbox(logger *slog.Logger) (*sandbox, error) {
	em := emulator.New(emulator.Options{Logger: logger.With("component", "emulator")})
	base, err := em.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sandbox: starting the emulator: %w", err)
	}
	stateDir, err := os.MkdirTemp("", "forticloud-mcp-sandbox-")
	if err != nil {
		em.Close()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return &sandbox{em: em, base: base, stateDir: stateDir}, nil
}

// configure points every service of cfg at the emulator with its demo API user.
func (s *sandbox) configure(cfg config.Config) config.Config {
	cfg = sandboxConfig(cfg, s.base)
	cfg.StateDir = s.stateDir
	return cfg
}

func (s *sandbox) Close() {
	os.RemoveAll(s.stateDir)
	s.em.Close()
}

// validateConfig checks the configuration as serve does, one problem per line.
func validateConfig(cfg *config.Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("configuration:\n  %w", indent(err))
	}
	return nil
}

// cliLogFlags are logFlags for the commands a person or script runs in a terminal (tools, call,
// doctor): quiet unless asked, since their output is the result, not a log.
type cliLogFlags struct {
	LogLevel  string `name:"log-level" env:"FORTICLOUD_MCP_LOG_LEVEL" default:"error" enum:"debug,info,warn,error" help:"Log level (debug, info, warn, error); logs go to stderr." group:"Logging"`
	LogFormat string `name:"log-format" env:"FORTICLOUD_MCP_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format (text, json)." group:"Logging"`
}

func (f cliLogFlags) logger() *slog.Logger {
	return logFlags(f).logger(os.Stderr)
}
