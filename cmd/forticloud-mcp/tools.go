package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/mcpserver"
	"github.com/forticloud-mcp/forticloud-mcp/tools"
)

type toolsCmd struct {
	config.Config `embed:""`
	cliLogFlags   `embed:""`
	Sandbox       bool     `name:"sandbox" help:"List what the sandbox (the built-in FortiCloud emulator) offers: every tool."`
	All           bool     `name:"all" help:"Every tool of every service with the default settings, whatever the configuration (as docs/tools.md lists them)."`
	Format        string   `name:"format" default:"text" enum:"text,json,markdown" help:"text for people, json for scripts, markdown for docs/tools.md."`
	Names         []string `arg:"" optional:"" name:"tool" predictor:"tool" help:"Only these tools."`
	output        `kong:"-"`
}

// Help explains which tools are listed.
func (c *toolsCmd) Help() string {
	return `Lists the tools the current configuration offers (flags and FORTICLOUD_* variables as for serve),
with their arguments (name, type, required, constraints, description) and whether they read or
write. With no credentials at all it lists every tool and says what each one's service needs.
Nothing is sent anywhere.

Exit codes: 0 listed; 1 usage or configuration error; 3 a named tool does not exist.`
}

// placeholderURL stands in for every service when tools are listed without a configured one:
// nothing connects while tools are only listed (clients log in on their first call).
const placeholderURL = "http://127.0.0.1:9"

func (c *toolsCmd) Run(ctx context.Context) error {
	logger := c.logger()
	cfg := c.Config
	if c.Sandbox {
		cfg = sandboxConfig(cfg, placeholderURL)
	}
	if c.All {
		cfg.ReadOnly, cfg.Approval, cfg.Toolsets = false, approval.ModeRequired, []string{"all"}
	}
	if err := validateConfig(&cfg); err != nil {
		return err
	}
	every := c.All || !anyServiceOn(&cfg)
	docs, err := listTools(ctx, cfg, every, logger)
	if err != nil {
		return err
	}
	if len(c.Names) > 0 {
		var picked []toolDoc
		for _, n := range c.Names {
			i := slices.IndexFunc(docs, func(d toolDoc) bool { return d.Name == n })
			if i < 0 {
				return &exitError{exitNotFound, fmt.Errorf("no tool %q here; `forticloud-mcp tools --all` lists every tool", n)}
			}
			picked = append(picked, docs[i])
		}
		docs = picked
	}
	w := c.out()
	switch c.Format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		err = enc.Encode(docs)
	case "markdown":
		err = renderToolsMarkdown(w, docs)
	default:
		if every && !c.All && len(c.Names) == 0 {
			fmt.Fprintln(c.errOut(), "no service is configured, so no tool is offered yet: these are every tool, with what each needs (forticloud-mcp doctor explains the configuration)")
		}
		err = renderToolsText(w, docs)
		if !every {
			for _, s := range config.AllServices {
				if why := serviceOff(&cfg, s); why != "" {
					fmt.Fprintf(c.errOut(), "%s is off: %s\n", serviceName(s), why)
				}
			}
		}
	}
	if err != nil {
		return fmt.Errorf("writing: %w", err)
	}
	return nil
}

// serviceOff says why cfg offers none of a service's tools, or "" when it offers them.
func serviceOff(cfg *config.Config, service string) string {
	if !cfg.ToolsetEnabled(service) {
		return "not selected by --toolsets (FORTICLOUD_MCP_TOOLSETS)"
	}
	return cfg.Access(service).Why
}

func anyServiceOn(cfg *config.Config) bool {
	return slices.ContainsFunc(config.AllServices, func(s string) bool { return serviceOff(cfg, s) == "" })
}

// listTools describes the tools cfg offers; with every, the tools of every service (read-only
// mode, --toolsets and --approval still apply), each marked with what cfg lacks for it.
func listTools(ctx context.Context, cfg config.Config, every bool, logger *slog.Logger) ([]toolDoc, error) {
	build := cfg
	if every {
		build = sandboxConfig(cfg, placeholderURL)
	}
	defs, err := inventory(ctx, build, logger)
	if err != nil {
		return nil, err
	}
	docs := make([]toolDoc, 0, len(defs))
	for i := range defs {
		d, err := docFor(&defs[i])
		if err != nil {
			return nil, err
		}
		if every && d.Service != tools.ApprovalsToolset {
			if why := serviceOff(&cfg, d.Service); why != "" {
				d.Offered, d.Needs = false, why
			}
		}
		docs = append(docs, d)
	}
	sortDocs(docs)
	return docs, nil
}

// inventory builds the server for cfg as serve would and returns its tools. Nothing is started
// and nothing connects: the server gets a throwaway state directory.
func inventory(ctx context.Context, cfg config.Config, logger *slog.Logger) ([]tools.Definition, error) {
	dir, err := os.MkdirTemp("", "forticloud-mcp-tools-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg.StateDir, cfg.ApprovalsToken = dir, ""
	srv, err := mcpserver.New(&cfg, logger)
	if err != nil {
		return nil, err
	}
	defs := srv.Tools
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = srv.Close(ctx)
	return defs, nil
}

// renderToolsText lists tools for a person at a terminal.
func renderToolsText(w io.Writer, docs []toolDoc) error {
	var b strings.Builder
	for i, d := range docs {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s  [%s, %s]\n", d.Name, d.ServiceName, d.Access)
		if !d.Offered {
			fmt.Fprintf(&b, "    not offered: %s\n", d.Needs)
		}
		text := d.Description
		if d.Title != "" {
			text = d.Title + ". " + text
		}
		wrap(&b, text, "    ", 100)
		if len(d.Arguments) == 0 {
			b.WriteString("    Arguments: none\n")
			continue
		}
		b.WriteString("    Arguments:\n")
		for _, a := range d.Arguments {
			req := "optional"
			if a.Required {
				req = "required"
				if parent, _, nested := strings.Cut(a.Name, "."); nested {
					req = "required in " + parent
				}
			}
			parts := append([]string{a.Type, req}, a.Constraints...)
			fmt.Fprintf(&b, "      %s (%s)\n", a.Name, strings.Join(parts, "; "))
			if a.Description != "" {
				wrap(&b, a.Description, "          ", 100)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// wrap writes text in lines of at most width runes (longer words stay whole), each indented.
func wrap(b *strings.Builder, text, indent string, width int) {
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len([]rune(line))+1+len([]rune(word)) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	if len(line) > len(indent) {
		b.WriteString(line + "\n")
	}
}

// regenerateToolsDoc is the command that writes docs/tools.md.
const regenerateToolsDoc = "go run ./cmd/forticloud-mcp tools --all --format markdown > docs/tools.md"

// renderToolsMarkdown writes docs/tools.md.
func renderToolsMarkdown(w io.Writer, docs []toolDoc) error {
	var b strings.Builder
	b.WriteString("# Tools\n\n")
	b.WriteString("<!-- Generated by `" + regenerateToolsDoc + "`: do not edit by hand. -->\n\n")
	b.WriteString("Every tool forticloud-mcp offers when every service is configured, with the arguments each one\n" +
		"accepts. Every call is validated against the tool's input schema before anything is sent; a bad\n" +
		"argument comes back as a tool error naming the field and the rule. A service without credentials\n" +
		"(or left out of `--toolsets`) offers none of its tools: `forticloud-mcp tools` lists what your\n" +
		"configuration offers and `forticloud-mcp doctor` says why a service is off.\n\n" +
		"**access**: `read-only` tools only read; a `write` waits for a person's approval (see\n" +
		"[approvals.md](approvals.md)) and is not offered in `--read-only` mode; a `read/write` tool reads\n" +
		"freely and its writes (a non-GET FortiOS call, a FortiAnalyzer add/set/update/delete/exec) wait\n" +
		"for approval, or are refused in `--read-only` mode.\n\n" +
		"Call any tool from a terminal with `forticloud-mcp call TOOL --args '{...}'` (see [cli.md](cli.md)).\n\n")
	b.WriteString("| tool | service | access | what it does |\n|---|---|---|---|\n")
	for _, d := range docs {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s |\n", d.Name, d.Name, d.ServiceName, d.Access, mdCell(d.Title))
	}
	service := ""
	for _, d := range docs {
		if d.Service != service {
			service = d.Service
			fmt.Fprintf(&b, "\n## %s\n", d.ServiceName)
		}
		fmt.Fprintf(&b, "\n### `%s`\n\n", d.Name)
		if d.Title != "" {
			fmt.Fprintf(&b, "**%s** · %s\n\n", d.Title, d.Access)
		} else {
			fmt.Fprintf(&b, "%s\n\n", d.Access)
		}
		b.WriteString(oneLine(d.Description) + "\n\n")
		if len(d.Arguments) == 0 {
			b.WriteString("No arguments.\n")
		} else {
			b.WriteString("| argument | type | required | constraints | description |\n|---|---|---|---|---|\n")
			for _, a := range d.Arguments {
				req := "no"
				if a.Required {
					req = "yes"
					if parent, _, nested := strings.Cut(a.Name, "."); nested {
						req = "yes, in `" + parent + "`"
					}
				}
				var cs []string
				for _, c := range a.Constraints {
					cs = append(cs, mdConstraint(c))
				}
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", a.Name, mdCell(a.Type), req, strings.Join(cs, "; "), mdCell(a.Description))
			}
		}
		if len(d.Returns) > 0 {
			b.WriteString("\nReturns (`structuredContent`):")
			for i, r := range d.Returns {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, " `%s` (%s)", r.Name, mdCell(r.Type))
			}
			b.WriteString(".\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell makes text safe in a Markdown table cell.
func mdCell(s string) string {
	s = oneLine(s)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "<", "&lt;")
	return s
}

// mdConstraint formats a constraint for Markdown: patterns as code.
func mdConstraint(c string) string {
	for _, p := range []string{"pattern ", "items pattern "} {
		if rest, ok := strings.CutPrefix(c, p); ok {
			return p + "`" + strings.ReplaceAll(rest, "|", `\|`) + "`"
		}
	}
	return mdCell(c)
}
