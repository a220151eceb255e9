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
	Gate approval.Gate
}

func (o Options) budget() int {
	if o.MaxResultBytes <= 0 {
		return 64 << 10
	}
	return o.MaxResultBytes
}

// authorizeWrite lets a write run only outside read-only mode and after the approval gate says
// yes. Read-only mode wins over everything.
func (o Options) authorizeWrite(ctx context.Context, a approval.Action) error {
	if o.ReadOnly {
		return &RefusedError{Reason: a.Tool + " " + a.Method + " is a write, and this server runs in read-only mode (--read-only / FORTICLOUD_MCP_READ_ONLY); only reads are allowed"}
	}
	gate := o.Gate
	if gate == nil {
		gate = approval.New(approval.ModeRequired, nil)
	}
	if err := gate.Approve(ctx, a); err != nil {
		var denied *approval.DeniedError
		if errors.As(err, &denied) {
			return &RefusedError{Reason: denied.Reason}
		}
		return err
	}
	return nil
}
