// Package approval is the gate every write passes through: it describes the exact action to a
// person and lets it run only after an explicit yes. The channels a person answers on
// (MCP elicitation, the approvals console) plug in behind Gate.
package approval

import (
	"context"
	"fmt"
	"log/slog"
)

// Action is one write, described for the person who approves it.
type Action struct {
	Tool    string // e.g. flex_create_vm
	Service string // e.g. FortiFlex
	Target  string // serial, config, ADOM, alert
	Method  string // HTTP method or operation, e.g. POST, create, stop
	Summary string // what will happen, in a sentence or two
	Payload any    // what will be sent upstream (secrets already removed)
}

func (a Action) String() string {
	return fmt.Sprintf("%s %s %s on %s", a.Tool, a.Service, a.Method, a.Target)
}

// DeniedError says a write did not run because no person approved it.
type DeniedError struct {
	Action Action
	Reason string
}

func (e *DeniedError) Error() string { return e.Reason }

// Gate decides whether a write may run. Approve returns nil to go ahead, or a *DeniedError.
type Gate interface {
	Approve(ctx context.Context, a Action) error
}

// Modes of --approval.
const (
	// ModeRequired: every write needs a person's yes (default).
	ModeRequired = "required"
	// ModeNone: writes run without asking, for pipelines that gate changes elsewhere.
	ModeNone = "none"
)

// New returns the gate for a mode.
func New(mode string, logger *slog.Logger) Gate {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if mode == ModeNone {
		logger.Warn("APPROVAL DISABLED (--approval=none): every write the model asks for runs without a person's approval. Use this only where changes are approved elsewhere.")
		return noneGate{logger}
	}
	return unavailableGate{}
}

// noneGate approves everything and logs each write loudly.
type noneGate struct{ logger *slog.Logger }

func (g noneGate) Approve(_ context.Context, a Action) error {
	g.logger.Warn("write running without human approval (--approval=none)", "tool", a.Tool, "service", a.Service, "target", a.Target, "method", a.Method)
	return nil
}

// unavailableGate is what ModeRequired means until a channel a person can answer on exists:
// every write is refused, clearly.
type unavailableGate struct{}

func (unavailableGate) Approve(_ context.Context, a Action) error {
	return &DeniedError{Action: a, Reason: a.Tool + " would change " + a.Service + " (" + a.Method + " " + a.Target + "); writes need a person's approval and this server " +
		"has no approval channel yet, so it refuses every write. An operator can start the server with --approval=none where changes are approved elsewhere"}
}
