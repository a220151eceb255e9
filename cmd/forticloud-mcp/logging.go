package main

import (
	"io"
	"log/slog"
	"strings"

	"github.com/forticloud-mcp/forticloud-mcp/internal/logging"
)

// logFlags configure logging. Logs always go to stderr: in stdio mode stdout carries only protocol.
type logFlags struct {
	LogLevel  string `name:"log-level" env:"FORTICLOUD_MCP_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level (debug, info, warn, error)." group:"Logging"`
	LogFormat string `name:"log-format" env:"FORTICLOUD_MCP_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format (text, json)." group:"Logging"`
}

func (f logFlags) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(f.LogLevel)))
	return logging.New(w, level, f.LogFormat == "json")
}
