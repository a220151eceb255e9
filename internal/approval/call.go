package approval

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
)

// Held describes a write parked for the console: what the tool tells the model.
type Held struct {
	ID         string
	Tool       string
	ConsoleURL string
	Expires    time.Time
	// Duplicate: the same action was already waiting under ID; nothing new was queued.
	Duplicate bool
}

// Call is one write-capable tool call on its way through the gate.
type Call struct {
	responses mcp.InputResponses
	state     string
	heldCh    chan Held

	mu       sync.Mutex
	gate     *Gate
	attempt  string // approved attempt: its outcome is recorded by Finish
	wasHeld  bool
	holder   *Gate // the gate holding this call, told when it ends
	cancelFn context.CancelFunc
}

type callKey struct{}

func callFrom(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}

// Run runs one write-capable tool call. fn runs in its own goroutine: when the gate parks the
// write for the console, Run returns held(...) at once while fn waits for the person's decision
// in the background and, if approved, runs the write; its result is kept for approval_status.
// The audit trail gets the outcome of every approved write.
func Run(ctx context.Context, params mcp.MultiRoundTripParams, fn func(context.Context) *mcp.CallToolResult, held func(Held) *mcp.CallToolResult) *mcp.CallToolResult {
	call := &Call{responses: params.InputResponses, state: params.RequestState, heldCh: make(chan Held, 1)}
	ctx = context.WithValue(ctx, callKey{}, call)
	done := make(chan *mcp.CallToolResult, 1)
	go func() {
		var res *mcp.CallToolResult
		defer func() {
			if p := recover(); p != nil {
				res = mcp.NewToolResultError(fmt.Sprintf("internal error: %v", p))
			}
			call.finish(ctx, res)
			done <- res
		}()
		res = fn(ctx)
	}()
	select {
	case res := <-done:
		select { // a duplicate of a held write both answers and points at the held one
		case h := <-call.heldCh:
			return held(h)
		default:
			return res
		}
	case h := <-call.heldCh:
		return held(h)
	}
}

// approved notes that the call's write may run; Finish will record its outcome.
func (c *Call) approved(g *Gate, id string, held bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.gate, c.attempt, c.wasHeld = g, id, held
	c.mu.Unlock()
}

func (c *Call) finish(ctx context.Context, res *mcp.CallToolResult) {
	c.mu.Lock()
	g, id, held, cancel, holder := c.gate, c.attempt, c.wasHeld, c.cancelFn, c.holder
	c.mu.Unlock()
	if cancel != nil {
		defer cancel()
	}
	if holder != nil {
		defer holder.holding.Done()
	}
	if g != nil && id != "" {
		g.finish(ctx, id, held, res)
	}
}

// WasHeld reports whether ctx is a held write's context (its request has long been answered, so
// nothing may be reported to the client through it).
func WasHeld(ctx context.Context) bool {
	c := callFrom(ctx)
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wasHeld
}

// maxHeld bounds the writes one process holds at once: each waits with a goroutine and polls
// the store, and a queue a person cannot review is no safeguard.
const maxHeld = 50

// hold parks the write until a person decides in the console (or with `forticloud-mcp
// approvals`), or the request expires.
func (g *Gate) hold(ctx context.Context, call *Call, a Action) (context.Context, error) {
	digest := g.digest(a)
	g.holdMu.Lock()
	registered := false
	defer func() {
		if !registered {
			g.holdMu.Unlock()
		}
	}()
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ctx, &DeniedError{Action: a, Reason: a.Tool + " did not run: the server is stopping. Nothing was changed"}
	}
	if id, ok := g.byDigest[digest]; ok {
		if h := g.held[id]; h != nil && !h.finished {
			g.mu.Unlock()
			// The same change is already waiting (or approved and running): point at it instead
			// of queueing it twice.
			exp := g.now()
			if at, err := g.cfg.Store.Get(ctx, id); err == nil {
				exp = at.Expires
			}
			call.heldCh <- Held{ID: id, Tool: a.Tool, ConsoleURL: g.ConsoleURL(), Expires: exp, Duplicate: true}
			return ctx, &DeniedError{Action: a, Reason: "already waiting for approval as " + id}
		}
		delete(g.byDigest, digest)
	}
	waiting := 0
	for _, h := range g.held {
		if !h.finished {
			waiting++
		}
	}
	g.mu.Unlock()
	if waiting >= maxHeld {
		return ctx, &DeniedError{Action: a, Reason: fmt.Sprintf("%s did not run: %d writes already wait for a person's decision in this server; "+
			"ask the user to decide on those first. Nothing was changed", a.Tool, waiting)}
	}

	at := g.attempt(a, ChannelConsole, audit.Pending)
	at.Digest = digest
	if err := g.cfg.Store.Create(ctx, at); err != nil {
		return ctx, fmt.Errorf("approval: the audit trail is unavailable, so no write runs: %w", err)
	}
	g.mu.Lock()
	g.held[at.ID] = &heldWrite{digest: digest}
	g.byDigest[digest] = at.ID
	g.holding.Add(1) // under g.mu with closed false: Close's Wait cannot have started yet
	g.mu.Unlock()
	registered = true
	g.holdMu.Unlock()
	g.logger.Info("write held for approval", "tool", a.Tool, "service", a.Service, "target", a.Target, "attempt", at.ID, "console", g.ConsoleURL())
	call.mu.Lock()
	call.wasHeld, call.holder = true, g
	call.mu.Unlock()
	call.heldCh <- Held{ID: at.ID, Tool: a.Tool, ConsoleURL: g.ConsoleURL(), Expires: at.Expires}

	// From here on the tool call has been answered: wait on our own clock, not the request's.
	expiry := time.NewTimer(time.Until(at.Expires))
	defer expiry.Stop()
	poll := time.NewTicker(g.poll)
	defer poll.Stop()
	bg := context.WithoutCancel(ctx)
	drop := func(err error) (context.Context, error) {
		g.forget(at.ID)
		return ctx, err
	}
	readErrors := 0
	for {
		changed := g.watch(at.ID)
		cur, err := g.cfg.Store.Get(bg, at.ID)
		switch {
		case err != nil:
			// A busy or briefly unavailable store: keep waiting, up to a point, then settle the
			// request so that nobody approves a write that no longer waits.
			if readErrors++; readErrors >= 40 {
				g.logger.Error("approval: the audit trail stays unreadable; dropping the held write", "attempt", at.ID, "error", err)
				_ = g.cfg.Store.Expire(bg, at.ID, "the server could not read the audit trail")
				return drop(fmt.Errorf("approval: reading %s: %w", at.ID, err))
			}
		case cur.Status == audit.Approved:
			g.unwatch(at.ID, changed)
			runCtx, cancel := context.WithTimeout(bg, g.cfg.ExecTimeout)
			call.mu.Lock()
			call.gate, call.attempt, call.cancelFn = g, at.ID, cancel
			call.mu.Unlock()
			g.logger.Info("held write approved: running it", "tool", a.Tool, "attempt", at.ID, "by", cur.DecidedBy)
			return runCtx, nil
		case cur.Status != audit.Pending:
			g.unwatch(at.ID, changed)
			return drop(&DeniedError{Action: a, Reason: fmt.Sprintf("%s was %s (%s)", at.ID, cur.Status, cur.Reason)})
		default:
			readErrors = 0
		}
		select {
		case <-changed:
		case <-poll.C:
		case <-expiry.C:
			if err := g.cfg.Store.Expire(bg, at.ID, "no decision in time"); err != nil {
				g.logger.Warn("approval: recording an expiry", "attempt", at.ID, "error", err)
			}
			g.signal(at.ID)
		case <-g.closing:
			if err := g.cfg.Store.Expire(bg, at.ID, "the server stopped before a decision"); err != nil {
				g.logger.Warn("approval: recording an expiry", "attempt", at.ID, "error", err)
			}
			g.unwatch(at.ID, changed)
			return drop(&DeniedError{Action: a, Reason: at.ID + " was dropped: the server stopped before a decision. Nothing was changed"})
		}
	}
}

// forget drops a held write that will not run (its status stays in the store).
func (g *Gate) forget(id string) {
	g.mu.Lock()
	if h := g.held[id]; h != nil {
		h.finished, h.at = true, g.now()
		if g.byDigest[h.digest] == id {
			delete(g.byDigest, h.digest)
		}
	}
	g.pruneLocked()
	g.mu.Unlock()
	g.signal(id)
}

// The elicitation asks one question: approve, yes or no.
const elicitKey = "approval"

// askElicitation records the attempt and returns the elicitation for the client to put to its
// user, with the attempt sealed into the request state.
func (g *Gate) askElicitation(ctx context.Context, a Action) error {
	at := g.attempt(a, ChannelElicitation, audit.Pending)
	if err := g.cfg.Store.Create(ctx, at); err != nil {
		return fmt.Errorf("approval: the audit trail is unavailable, so no write runs: %w", err)
	}
	state := g.sealer.seal(sealedState{Attempt: at.ID, Tool: a.Tool, Digest: at.Digest, Expires: at.Expires.Unix()})
	res := server.NewInputRequestBuilder(state).Elicit(elicitKey, mcp.ElicitationParams{
		Mode:    mcp.ElicitationModeForm,
		Message: a.Describe(),
		RequestedSchema: map[string]any{
			"type": "object",
			"properties": map[string]any{
				"approve": map[string]any{"type": "boolean", "title": "Approve this change",
					"description": "Yes runs it once, exactly as described; no refuses it."},
			},
			"required": []string{"approve"},
		},
	}).ToolResult()
	return &InputRequired{Result: res}
}

// answered checks the person's answer that came back with the sealed state: the state must be
// ours, unexpired, for this exact action, and not used before.
func (g *Gate) answered(ctx context.Context, call *Call, a Action) (context.Context, error) {
	refuse := func(attempt, why string) (context.Context, error) {
		_ = g.cfg.Store.Note(context.WithoutCancel(ctx), attempt, "refused", ChannelElicitation, why)
		g.logger.Warn("approval refused", "tool", a.Tool, "attempt", attempt, "why", why)
		return ctx, &DeniedError{Action: a, Reason: a.Tool + " did not run: " + why + ". Call the tool again, without input responses, to ask the person anew"}
	}
	st, err := g.sealer.open(call.state)
	if err != nil {
		return refuse("", err.Error())
	}
	if st.Tool != a.Tool || !hmac.Equal([]byte(st.Digest), []byte(g.digest(a))) {
		return refuse(st.Attempt, "the arguments differ from those the person approved; a changed payload needs a new approval")
	}
	if st.expired(g.now()) {
		_ = g.cfg.Store.Expire(context.WithoutCancel(ctx), st.Attempt, "answered after the approval request expired")
		return refuse(st.Attempt, "the approval request expired before the answer came back")
	}
	answer := server.ElicitationResponse(call.responses, elicitKey)
	status, reason := audit.Denied, ""
	switch {
	case answer == nil:
		return refuse(st.Attempt, "no answer to the approval question came back")
	case answer.Action == mcp.ElicitationResponseActionAccept && approveField(answer.Content):
		status = audit.Approved
	case answer.Action == mcp.ElicitationResponseActionAccept:
		reason = "the person answered no"
	case answer.Action == mcp.ElicitationResponseActionDecline:
		reason = "the person declined"
	default:
		status, reason = audit.Cancelled, "the person dismissed the question"
	}
	if _, err := g.cfg.Store.Decide(ctx, st.Attempt, status, ChannelElicitation, reason); err != nil {
		switch {
		case errors.Is(err, audit.ErrNotPending):
			return refuse(st.Attempt, "this approval was already used (a replayed answer)")
		case errors.Is(err, audit.ErrExpired):
			return refuse(st.Attempt, "the approval request expired before the answer came back")
		case errors.Is(err, audit.ErrNotFound):
			return refuse(st.Attempt, "the approval request is unknown to the audit trail")
		}
		return ctx, fmt.Errorf("approval: the audit trail is unavailable, so no write runs: %w", err)
	}
	if status != audit.Approved {
		return ctx, &DeniedError{Action: a, Reason: a.Tool + " did not run: " + reason + ". Nothing was changed"}
	}
	g.logger.Info("write approved through elicitation", "tool", a.Tool, "attempt", st.Attempt)
	call.approved(g, st.Attempt, false)
	return ctx, nil
}

func approveField(content any) bool {
	m, ok := content.(map[string]any)
	if !ok {
		return false
	}
	v, ok := m["approve"].(bool)
	return ok && v
}

type noServerRequestsKey struct{}

// WithoutServerRequests marks a request whose transport cannot carry a server-initiated request
// back to the client (stateless HTTP): clients of protocols before 2026-07-28 use the console.
func WithoutServerRequests(ctx context.Context) context.Context {
	return context.WithValue(ctx, noServerRequestsKey{}, true)
}

// canElicit reports whether the client can put a form to its user for this request.
func canElicit(ctx context.Context) bool {
	if info := server.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return formMode(info.ClientCapabilities.Elicitation)
	}
	if ctx.Value(noServerRequestsKey{}) != nil {
		return false
	}
	sess, ok := server.ClientSessionFromContext(ctx).(server.SessionWithClientInfo)
	if !ok {
		return false
	}
	if _, ok := sess.(server.SessionWithElicitation); !ok {
		return false
	}
	caps := sess.GetClientCapabilities()
	return formMode(caps.Elicitation)
}

// formMode: an empty elicitation capability means form mode (MCP 2025-11-25).
func formMode(c *mcp.ElicitationCapability) bool {
	return c != nil && (c.Form != nil || c.URL == nil)
}
