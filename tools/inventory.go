package tools

import (
	"context"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Services are the upstream clients; a nil client means its service is off (no credentials, no
// URL, or not selected) and contributes no tools.
type Services struct {
	FortiGateCloud FortiGateCloudAPI
	FortiFlex      *FortiFlex
	FortiAnalyzer  *FortiAnalyzer
	SOCaaS         SOCaaSAPI
}

// Inventory returns every tool the configured services offer, filtered for read-only mode, which
// wins over everything: write-only tools are removed, mixed tools refuse writes themselves.
// Adding a service's tools is one line here.
func Inventory(svc Services, opts Options) []Definition {
	var defs []Definition
	if svc.FortiGateCloud != nil {
		defs = append(defs, FortiGateCloudTools(svc.FortiGateCloud, opts)...)
	}
	if svc.FortiFlex != nil {
		defs = append(defs, FortiFlexTools(*svc.FortiFlex, opts)...)
	}
	if svc.FortiAnalyzer != nil {
		defs = append(defs, FortiAnalyzerTools(*svc.FortiAnalyzer, opts)...)
	}
	if svc.SOCaaS != nil {
		defs = append(defs, SOCaaSTools(svc.SOCaaS, opts)...)
	}
	defs = append(defs, ApprovalTools(defs, opts)...)
	if !opts.ReadOnly {
		return defs
	}
	kept := defs[:0]
	for _, d := range defs {
		if d.Spec.Hints.ReadOnly || d.Spec.Mixed {
			kept = append(kept, d)
		}
	}
	return kept
}

// Register adds the tools to an MCP server. timeout (if positive) bounds each call: upstream
// waits (a rate limit's Retry-After, a slow search) end with a clear error instead of hanging.
func Register(s *server.MCPServer, defs []Definition, timeout time.Duration) {
	tools := make([]server.ServerTool, len(defs))
	for i, d := range defs {
		h := d.Handler
		if timeout > 0 {
			h = func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				ctx, cancel := context.WithTimeout(ctx, timeout)
				defer cancel()
				return d.Handler(ctx, req)
			}
		}
		tools[i] = server.ServerTool{Tool: d.Tool, Handler: h}
	}
	s.AddTools(tools...)
}
