package approval

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
)

// HolderGone reports whether the server process that held a write (audit.Attempt.Server,
// host:pid) is known to have stopped. Only a process on this host can be checked; elsewhere it
// is assumed alive.
func HolderGone(server string) bool {
	i := strings.LastIndexByte(server, ':')
	if i < 0 {
		return false
	}
	pid, err := strconv.Atoi(server[i+1:])
	if err != nil || pid <= 0 {
		return false
	}
	host, _ := os.Hostname()
	return server[:i] == host && !ProcessAlive(pid)
}

// ErrNothingToRun says an approval from the console or a terminal would run nothing.
var ErrNothingToRun = errors.New("an approval here would run nothing")

// Approvable says whether a person's approval from the console or the `approvals` command can
// run this attempt: requests put to the person through their MCP client are answered there (an
// approval elsewhere would only make their real answer look like a replay), and a write whose
// server stopped is gone. Denying is always possible.
func Approvable(a *audit.Attempt) error {
	switch {
	case a.Status != audit.Pending:
		return nil // the store says why it cannot be decided
	case a.Channel != ChannelConsole:
		return fmt.Errorf("%w: %s was put to the person through their MCP client (%s); answer it there, or deny it here", ErrNothingToRun, a.ID, a.Channel)
	case HolderGone(a.Server):
		return fmt.Errorf("%w: the server that held %s (%s) has stopped; ask for the change again", ErrNothingToRun, a.ID, a.Server)
	}
	return nil
}

// settleOrphans expires requests nothing can run any more: past their time, or held by a server
// on this host that has stopped.
func (g *Gate) settleOrphans(ctx context.Context) error {
	if err := g.cfg.Store.ExpireDue(ctx); err != nil {
		return err
	}
	pending, err := g.cfg.Store.List(ctx, true, 1000)
	if err != nil {
		return err
	}
	for _, a := range pending {
		if a.Channel == ChannelConsole && a.Server != g.server && HolderGone(a.Server) {
			if err := g.cfg.Store.Expire(ctx, a.ID, "the server holding it stopped"); err != nil {
				return err
			}
		}
	}
	return nil
}
