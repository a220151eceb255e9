package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/posener/complete"
	"github.com/willabides/kongplete"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
)

// Shell completion is dynamic: the script a shell loads calls this binary back with the command
// line in COMP_LINE (bash's `complete -C`), and kongplete answers from kong's model of the
// command line (commands, flags, enum values) plus the tool names for call and tools.

const completionHelp = `Prints the completion script for your shell. Load it for this session, or add the same line to
your shell's start-up file for every session:

  bash (~/.bashrc):                  source <(forticloud-mcp completion bash)
  zsh (~/.zshrc):                    source <(forticloud-mcp completion zsh)
  fish (~/.config/fish/config.fish): forticloud-mcp completion fish | source

The script calls this binary (by its absolute path) to complete commands, flags, their values and
tool names: print it again after moving the binary.`

type completionCmd struct {
	Shell string `arg:"" name:"shell" enum:"bash,zsh,fish" help:"bash, zsh or fish."`

	output `kong:"-"`
}

// Help says how to install the script.
func (c *completionCmd) Help() string { return completionHelp }

// completionScripts are the scripts by shell; %[1]s is the program's name, %[2]s the binary's
// absolute path, quoted for the shell, %[3]s a function-name-safe form of the name.
var completionScripts = map[string]string{
	"bash": `# %[1]s completion for bash: source <(%[1]s completion bash)
complete -o default -o bashdefault -C %[2]s %[1]s
`,
	"zsh": `# %[1]s completion for zsh: source <(%[1]s completion zsh)
(( $+functions[compdef] )) || { autoload -U +X compinit && compinit }
autoload -U +X bashcompinit && bashcompinit
complete -o default -C %[2]s %[1]s
`,
	"fish": `# %[1]s completion for fish: %[1]s completion fish | source
function __complete_%[3]s
    set -lx COMP_LINE (commandline -cp)
    test -z (commandline -ct)
    and set COMP_LINE "$COMP_LINE "
    %[2]s
end
complete -f -c %[1]s -a "(__complete_%[3]s)"
`,
}

func (c *completionCmd) Run(kctx *kong.Context) error {
	bin, err := os.Executable()
	if err == nil {
		bin, err = filepath.Abs(bin)
	}
	if err != nil {
		return fmt.Errorf("finding this binary's path: %w", err)
	}
	name := kctx.Model.Name
	script := fmt.Sprintf(completionScripts[c.Shell], name, shellQuote(bin), strings.ReplaceAll(name, "-", "_"))
	_, err = fmt.Fprint(c.out(), script)
	return err
}

// completeCommandLine answers a shell's completion request (COMP_LINE set) and exits; otherwise
// it returns at once.
func completeCommandLine(parser *kong.Kong) {
	kongplete.Complete(parser, kongplete.WithPredictor("tool", complete.PredictFunc(predictTools)))
}

// predictTools offers every tool name (every service's: completion does not read credentials).
func predictTools(complete.Args) []string {
	cfg := config.Config{Approval: approval.ModeRequired, Toolsets: []string{"all"}, MaxResultBytes: 65536, UpstreamTimeout: 30_000_000_000}
	defs, err := inventory(context.Background(), sandboxConfig(cfg, placeholderURL), slog.New(slog.DiscardHandler))
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(defs))
	for _, d := range defs {
		names = append(names, d.Spec.Name)
	}
	return names
}
