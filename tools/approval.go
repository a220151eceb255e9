package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
)

// ApprovalsToolset names the approval tools.
const ApprovalsToolset = "approvals"

// ApprovalTools returns approval_status when writes wait for a person (approval required, not
// read-only) and some tool can write.
func ApprovalTools(defs []Definition, opts Options) []Definition {
	if opts.ReadOnly || opts.Gate == nil || opts.Gate.Mode() != approval.ModeRequired {
		return nil
	}
	for _, d := range defs {
		if !d.Spec.Hints.ReadOnly {
			return []Definition{approvalStatus(opts.Gate)}
		}
	}
	return nil
}

// heldResult tells the model that its write waits for a person. It is a tool error (isError) so
// that nothing mistakes it for the write's result, and it carries the approval id.
func heldResult(h approval.Held) *mcp.CallToolResult {
	where := "in the approvals console"
	if h.ConsoleURL != "" {
		where += " (" + h.ConsoleURL + ")"
	}
	lead := h.Tool + " is waiting for a person's approval"
	if h.Duplicate {
		lead = "the same " + h.Tool + " change is already waiting for a person's approval"
	}
	// Addressed to the model: the person decides, outside this conversation's tools.
	text := fmt.Sprintf("%s as %s; nothing has changed yet. Ask the user to approve or deny it %s; you cannot approve it yourself. "+
		"The request expires at %s. Call approval_status with approval_id %q to wait for the decision and get the result; do not call %s again for this change.",
		lead, h.ID, where, h.Expires.UTC().Format(time.RFC3339), h.ID, h.Tool)
	structured := map[string]any{"approval_id": h.ID, "status": "pending", "expires_at": h.Expires.UTC().Format(time.RFC3339)}
	if h.ConsoleURL != "" {
		structured["console_url"] = h.ConsoleURL
	}
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{mcp.NewTextContent(text)}, StructuredContent: structured}
}

// ApprovalStatusArgs are approval_status's arguments.
type ApprovalStatusArgs struct {
	ApprovalID  string `json:"approval_id" jsonschema:"required,pattern=^ap-[a-z2-7]{16}$"`
	WaitSeconds *int   `json:"wait_seconds,omitempty" jsonschema:"minimum=0,maximum=300,default=60"`
}

// ApprovalStatusResult is approval_status's result.
type ApprovalStatusResult struct {
	ApprovalID string `json:"approval_id"`
	Status     string `json:"status" jsonschema:"enum=pending,enum=running,enum=succeeded,enum=failed,enum=unknown,enum=denied,enum=expired,enum=cancelled" jsonschema_description:"running: approved, writing; unknown: its server stopped mid-write; denied, expired, cancelled: never ran."`
	Tool       string `json:"tool"`
	Service    string `json:"service"`
	Target     string `json:"target"`
	What       string `json:"summary"`
	DecidedBy  string `json:"decided_by,omitempty"`
	Reason     string `json:"reason,omitempty"`
	ExpiresAt  string `json:"expires_at,omitempty"`
	// Result is the write's structured result, once it succeeded.
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// Summary implements Summarizer.
func (r *ApprovalStatusResult) Summary() string {
	switch r.Status {
	case "pending":
		return fmt.Sprintf("%s (%s on %s) still waits for a person's decision", r.ApprovalID, r.Tool, r.Target)
	case "succeeded", "running":
		return fmt.Sprintf("%s (%s on %s) was approved by %s and %s", r.ApprovalID, r.Tool, r.Target, r.DecidedBy, r.Status)
	case "failed":
		return fmt.Sprintf("%s (%s on %s) was approved and failed: %s", r.ApprovalID, r.Tool, r.Target, r.Error)
	case "unknown":
		return fmt.Sprintf("%s (%s on %s) was approved, but whether it ran is unknown: %s", r.ApprovalID, r.Tool, r.Target, r.Error)
	}
	return fmt.Sprintf("%s (%s on %s) did not run: %s %s", r.ApprovalID, r.Tool, r.Target, r.Status, r.Reason)
}

func approvalStatus(g *approval.Gate) Definition {
	return New(Spec{
		Name: "approval_status", Title: "Wait for a write's approval", Toolset: ApprovalsToolset,
		Hints: Hints{ReadOnly: true, Destructive: false, Idempotent: true, OpenWorld: false},
		Description: "Wait up to wait_seconds for a person's decision on a held write (its approval_id) and, once approved, " +
			"for the write's result. It cannot approve anything.",
	}, func(ctx context.Context, in ApprovalStatusArgs) (*ApprovalStatusResult, error) {
		wait := 60 * time.Second
		if in.WaitSeconds != nil {
			wait = time.Duration(*in.WaitSeconds) * time.Second
		}
		st, err := g.Wait(ctx, in.ApprovalID, wait, func(elapsed time.Duration) {
			reportProgress(ctx, elapsed.Seconds(), wait.Seconds(), "waiting for a person to decide on "+in.ApprovalID)
		})
		if err != nil {
			if err == audit.ErrNotFound {
				return nil, InvalidArgument("approval_id", "%s is not an approval this server knows", in.ApprovalID)
			}
			return nil, err
		}
		a := st.Attempt
		out := &ApprovalStatusResult{ApprovalID: a.ID, Status: a.Status, Tool: a.Tool, Service: a.Service, Target: a.Target, What: a.Summary,
			DecidedBy: a.DecidedBy, Reason: a.Reason}
		if a.Status == audit.Pending {
			out.ExpiresAt = a.Expires.UTC().Format(time.RFC3339)
		}
		if a.Status == audit.Approved {
			switch {
			case st.Result != nil && !st.Result.IsError:
				out.Status = audit.Succeeded
				if b, err := json.Marshal(st.Result.StructuredContent); err == nil {
					out.Result = b
				}
			case st.Result != nil:
				out.Status, out.Error = audit.Failed, resultMessage(st.Result)
			case a.Outcome != "":
				out.Status, out.Error = a.Outcome, a.Detail
				if a.Outcome == audit.Succeeded {
					out.Error = ""
				}
			case !st.Held && approval.HolderGone(a.Server):
				out.Status = "unknown"
				out.Error = "approved, but the server that held the write stopped before recording what happened; check " + a.Service + " before asking for the change again"
			default:
				out.Status = "running"
			}
		}
		return out, nil
	})
}

func resultMessage(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return "failed"
}
