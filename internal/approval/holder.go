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
// host:pid:instance) is known to have stopped. Only a process on this host can be checked;
// elsewhere it is assumed alive.
func HolderGone(server string) bool {
	host, pid, _, ok := parseServer(server)
	if !ok {
		return false
	}
	me, _ := os.Hostname()
	return host == me && !ProcessAlive(pid)
}

// parseServer splits host:pid:instance (older entries lack the instance).
func parseServer(server string) (host string, pid int, instance string, ok bool) {
	parts := strings.Split(server, ":")
	if len(parts) == 3 {
		instance = parts[2]
		parts = parts[:2]
	}
	if len(parts) != 2 {
		return "", 0, "", false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return "", 0, "", false
	}
	return parts[0], pid, instance, true
}

// sameProcessSlot reports whether two servers share host and pid: one of them is gone (a
// container restarted in place reuses its pid).
func sameProcessSlot(a, b string) bool {
	ha, pa, _, ok1 := parseServer(a)
	hb, pb, _, ok2 := parseServer(b)
	return ok1 && ok2 && ha == hb && pa == pb
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
		if a.Server != g.server && (HolderGone(a.Server) || sameProcessSlot(a.Server, g.server)) {
			if err := g.cfg.Store.Expire(ctx, a.ID, "the server holding it stopped"); err != nil {
				return err
			}
		}
	}
	return nil
}
