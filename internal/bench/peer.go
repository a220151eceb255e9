package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// PeerPackage is the reference TypeScript server the bench compares with: the MCP project's
// server-everything, whose echo tool does no I/O, so a call to it is the cost of a typical MCP
// stack alone.
const PeerPackage = "@modelcontextprotocol/server-everything"

// Peer is an installed server-everything.
type Peer struct {
	Node   string // node binary
	Script string // its dist/index.js
}

// FindPeer looks for server-everything under dir/node_modules (scripts/bench.sh installs it
// there with npm) and for node on PATH.
func FindPeer(dir string) (*Peer, error) {
	if dir == "" {
		return nil, errors.New("bench: no peer directory (FORTICLOUD_MCP_BENCH_PEER): run scripts/bench.sh, which installs " + PeerPackage)
	}
	script := filepath.Join(dir, "node_modules", filepath.FromSlash(PeerPackage), "dist", "index.js")
	if _, err := os.Stat(script); err != nil {
		return nil, fmt.Errorf("bench: %s is not installed in %s: %w", PeerPackage, dir, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("bench: node: %w", err)
	}
	return &Peer{Node: node, Script: script}, nil
}

// StdioCommand runs the peer on stdio.
func (p *Peer) StdioCommand() *exec.Cmd {
	cmd := exec.Command(p.Node, p.Script, "stdio")
	cmd.Env = append(os.Environ(), "NODE_ENV=production")
	return cmd
}

// StartHTTP runs the peer's streamable HTTP transport on a free loopback port.
func (p *Peer) StartHTTP(ctx context.Context) (*Proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(p.Node, p.Script, "streamableHttp")
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "NODE_ENV=production")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	proc := &Proc{cmd: cmd, stderr: &lockedBuffer{}, URL: fmt.Sprintf("http://127.0.0.1:%d/mcp", port)}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start peer: %w", err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			_, _ = proc.stderr.Write([]byte(sc.Text() + "\n"))
			if !once && strings.Contains(sc.Text(), "listening on port") {
				once = true
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
		return proc, nil
	case <-time.After(20 * time.Second):
		proc.Stop()
		return nil, fmt.Errorf("bench: the peer did not listen in 20 s:\n%s", proc.stderr)
	case <-ctx.Done():
		proc.Stop()
		return nil, ctx.Err()
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("bench: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
