package tools

import (
	"context"
	"errors"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
)

// Options are the server-wide settings tools obey.
type Options struct {
	// ReadOnly refuses every write; it wins over everything else.
	ReadOnly bool
	// MaxResultBytes caps the JSON a tool returns to the model.
	MaxResultBytes int
	// Gate approves writes; nil refuses them all.
	Gate *approval.Gate
}

func (o Options) budget() int {
	if o.MaxResultBytes <= 0 {
		return 64 << 10
	}
	return o.MaxResultBytes
}

// authorizeWrite lets a write run only outside read-only mode and after the approval gate says
// yes; it returns the context to run the write in (a held write runs after its request was
// answered, on its own clock). Read-only mode wins over everything.
func (o Options) authorizeWrite(ctx context.Context, a approval.Action) (context.Context, error) {
	if o.ReadOnly {
		reason := a.Tool + " " + a.Method + " is a write, and this server runs in read-only mode (--read-only / FORTICLOUD_MCP_READ_ONLY); only reads are allowed"
		if o.Gate != nil {
			o.Gate.Refuse(ctx, a, approval.ChannelReadOnly, "read-only mode")
		}
		return ctx, &RefusedError{Reason: reason}
	}
	if o.Gate == nil {
		return ctx, &RefusedError{Reason: a.Tool + " would change " + a.Service + "; writes need a person's approval and this server has no approval gate, so it refuses every write"}
	}
	runCtx, err := o.Gate.Approve(ctx, a)
	if err != nil {
		var denied *approval.DeniedError
		if errors.As(err, &denied) {
			return ctx, &RefusedError{Reason: denied.Reason}
		}
		return ctx, err
	}
	if approval.WasHeld(runCtx) {
		// The request that asked for progress was answered long ago.
		runCtx = context.WithValue(runCtx, progressKey{}, nil)
	}
	return runCtx, nil
}
