package approval

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

// Modes of --approval.
const (
	// ModeRequired: every write needs a person's yes (default).
	ModeRequired = "required"
	// ModeNone: writes run without asking, for pipelines that gate changes elsewhere.
	ModeNone = "none"
)

// Channels an answer comes through, as the audit trail names them.
const (
	ChannelElicitation = "elicitation"
	ChannelConsole     = "console"
	ChannelNone        = "none"
	ChannelReadOnly    = "read-only"
)

// DeniedError says a write did not run because no person approved it.
type DeniedError struct {
	Action Action
	Reason string
}

func (e *DeniedError) Error() string { return e.Reason }

// InputRequired carries the elicitation a client must put to its user before the write can run
// (a 2026-07-28 input_required result; mcp-go turns it into a server-initiated elicitation for
// clients of earlier protocol versions). The tool returns Result as it is.
type InputRequired struct{ Result *mcp.CallToolResult }

func (*InputRequired) Error() string { return "waiting for the person's answer" }

// Config configures a Gate.
type Config struct {
	Mode  string
	Store *audit.Store // required: the audit trail and the approvals held for the console
	// TTL is how long an approval request stays open (default 10 minutes).
	TTL time.Duration
	// ExecTimeout bounds a held write once approved (default 5 minutes).
	ExecTimeout time.Duration
	Logger      *slog.Logger
}

// Gate decides whether a write may run.
type Gate struct {
	cfg       Config
	logger    *slog.Logger
	sealer    *sealer
	digestKey []byte // keys action digests: they never leave this process unkeyed
	server    string
	now       func() time.Time
	poll      time.Duration
	closing   chan struct{}
	close     sync.Once
	holding   sync.WaitGroup // held writes, until their outcome is recorded

	holdMu     sync.Mutex // one hold registers at a time, so identical calls queue once
	mu         sync.Mutex
	closed     bool // no write is held once the gate closes
	consoleURL string
	signals    map[string]chan struct{} // attempt id → closed when it changes in this process
	held       map[string]*heldWrite    // attempt id → a write parked for the console
	byDigest   map[string]string        // action digest → pending held attempt (one at a time)
}

// heldWrite is a write parked until a person decides, then run; its result waits here for
// approval_status.
type heldWrite struct {
	digest   string
	finished bool
	result   *mcp.CallToolResult
	at       time.Time
}

// New returns the gate for cfg.
func New(cfg Config) (*Gate, error) {
	if cfg.Store == nil {
		return nil, errors.New("approval: no audit store")
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeRequired
	}
	if cfg.Mode != ModeRequired && cfg.Mode != ModeNone {
		return nil, fmt.Errorf("approval: unknown mode %q (want required or none)", cfg.Mode)
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 10 * time.Minute
	}
	if cfg.ExecTimeout <= 0 {
		cfg.ExecTimeout = 5 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := newSealer()
	if err != nil {
		return nil, fmt.Errorf("approval: %w", err)
	}
	host, _ := os.Hostname()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	// host:pid:instance; the instance tells this process from an earlier one with the same pid
	// (a container restarted in place).
	server := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), strings.ToLower(rand.Text()[:8]))
	g := &Gate{cfg: cfg, logger: cfg.Logger, sealer: s, digestKey: key, server: server, now: time.Now,
		poll: 250 * time.Millisecond, closing: make(chan struct{}),
		signals: map[string]chan struct{}{}, held: map[string]*heldWrite{}, byDigest: map[string]string{}}
	if err := g.settleOrphans(context.Background()); err != nil {
		g.logger.Warn("audit: could not settle requests left open by stopped servers", "error", err)
	}
	if cfg.Mode == ModeNone {
		g.logger.Warn("APPROVAL DISABLED (--approval=none): every write the model asks for runs without a person's approval. Use this only where changes are approved elsewhere; the audit trail records it.")
	}
	return g, nil
}

// digest binds an approval to the exact action, keyed so that it reveals nothing of the payload.
func (g *Gate) digest(a Action) string {
	m := hmac.New(sha256.New, g.digestKey)
	m.Write(a.canonical())
	return hex.EncodeToString(m.Sum(nil))
}

// Mode is the gate's --approval mode.
func (g *Gate) Mode() string { return g.cfg.Mode }

// TTL is how long an approval request stays open.
func (g *Gate) TTL() time.Duration { return g.cfg.TTL }

// Store is the audit store behind the gate.
func (g *Gate) Store() *audit.Store { return g.cfg.Store }

// SetConsoleURL tells the gate where the approvals console is, for the messages it gives.
func (g *Gate) SetConsoleURL(u string) {
	g.mu.Lock()
	g.consoleURL = u
	g.mu.Unlock()
}

// ConsoleURL is where a person approves held writes ("" when no console runs).
func (g *Gate) ConsoleURL() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.consoleURL
}

// Close refuses the writes still held (their requests expire as "server stopped") and waits,
// until ctx ends, for approved ones that are running to record their outcome.
func (g *Gate) Close(ctx context.Context) {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.close.Do(func() { close(g.closing) })
	done := make(chan struct{})
	go func() { g.holding.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		g.logger.Warn("stopping while an approved write still runs; its outcome may be missing from the audit trail")
	}
}

// Refuse records a write refused before any channel was asked (read-only mode).
func (g *Gate) Refuse(ctx context.Context, a Action, channel, reason string) {
	now := g.now().UTC()
	at := g.attempt(a, channel, audit.Denied)
	at.DecidedAt, at.DecidedBy, at.Reason, at.Expires = now, channel, reason, now
	if err := g.cfg.Store.Create(context.WithoutCancel(ctx), at); err != nil {
		g.logger.Error("audit: recording a refused write", "tool", a.Tool, "error", err)
	}
}

func (g *Gate) attempt(a Action, channel, status string) *audit.Attempt {
	now := g.now().UTC()
	// Model-written text is stored without hidden characters, as every reader (console, CLI,
	// audit lines) would show it.
	return &audit.Attempt{ID: audit.NewID(), Created: now, Expires: now.Add(g.cfg.TTL), Tool: a.Tool, Service: a.Service,
		Target: sanitize.String(a.Target), Method: sanitize.String(a.Method), Summary: sanitize.String(a.Summary), Cost: sanitize.String(a.Cost),
		Payload: a.PayloadText(), Digest: g.digest(a), Mode: g.cfg.Mode,
		Channel: channel, Status: status, Server: g.server}
}

// Approve returns when a may run, with the context to run it in; or a *DeniedError, or an
// *InputRequired the tool must return so that the client asks its user. It must be called from
// a tool call started with Begin.
func (g *Gate) Approve(ctx context.Context, a Action) (context.Context, error) {
	call := callFrom(ctx)
	if g.cfg.Mode == ModeNone {
		at := g.attempt(a, ChannelNone, audit.Approved)
		at.DecidedAt, at.DecidedBy = at.Created, "--approval=none"
		if err := g.cfg.Store.Create(ctx, at); err != nil {
			return ctx, fmt.Errorf("approval: the audit trail is unavailable, so no write runs: %w", err)
		}
		g.logger.Warn("write running without human approval (--approval=none)", "tool", a.Tool, "service", a.Service, "target", a.Target, "method", a.Method, "attempt", at.ID)
		call.approved(g, at.ID, false)
		return ctx, nil
	}
	if call == nil {
		return ctx, &DeniedError{Action: a, Reason: a.Tool + " would change " + a.Service + " but no approval channel reaches this call; it was refused"}
	}
	if call.state != "" || len(call.responses) > 0 {
		return g.answered(ctx, call, a)
	}
	if canElicit(ctx) {
		return ctx, g.askElicitation(ctx, a)
	}
	return g.hold(ctx, call, a)
}

// finish records what an approved write did; for a held write it keeps the result for
// approval_status.
func (g *Gate) finish(ctx context.Context, id string, held bool, res *mcp.CallToolResult) {
	outcome, detail := audit.Succeeded, resultText(res)
	if res == nil || res.IsError {
		outcome = audit.Failed
	}
	if err := g.cfg.Store.Finish(context.WithoutCancel(ctx), id, outcome, detail); err != nil {
		g.logger.Error("audit: recording a write's outcome", "attempt", id, "error", err)
	}
	if held {
		g.mu.Lock()
		if h := g.held[id]; h != nil {
			h.finished, h.result, h.at = true, res, g.now()
			if g.byDigest[h.digest] == id {
				delete(g.byDigest, h.digest)
			}
		}
		g.pruneLocked()
		g.mu.Unlock()
	}
	g.signal(id)
}

// pruneLocked forgets held results nobody fetched within an hour.
func (g *Gate) pruneLocked() {
	for id, h := range g.held {
		if h.finished && g.now().Sub(h.at) > time.Hour {
			delete(g.held, id)
		}
	}
}

// resultText is the one-line account of a result the audit trail keeps: the summary line of a
// success, the message of a failure.
func resultText(res *mcp.CallToolResult) string {
	if res == nil {
		return "no result"
	}
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			s := t.Text
			if !res.IsError {
				if i := indexNewline(s); i >= 0 {
					s = s[:i]
				}
			}
			if len(s) > 1000 {
				s = strings.ToValidUTF8(s[:1000], "") + "…"
			}
			return s
		}
	}
	return ""
}

func indexNewline(s string) int {
	for i := range len(s) {
		if s[i] == '\n' {
			return i
		}
	}
	return -1
}

// watch returns a channel closed at the next change of attempt id in this process.
func (g *Gate) watch(id string) <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	ch, ok := g.signals[id]
	if !ok {
		ch = make(chan struct{})
		g.signals[id] = ch
	}
	return ch
}

// unwatch forgets a watch nobody waits on any more (unless it changed meanwhile).
func (g *Gate) unwatch(id string, ch <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if cur, ok := g.signals[id]; ok && (<-chan struct{})(cur) == ch {
		delete(g.signals, id)
	}
}

func (g *Gate) signal(id string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if ch, ok := g.signals[id]; ok {
		close(ch)
		delete(g.signals, id)
	}
}

// Decide records a person's decision from the console; the process holding the write (this one
// or another sharing the state directory) sees it and runs or drops the write.
func (g *Gate) Decide(ctx context.Context, id string, approve bool, actor, reason string) (*audit.Attempt, error) {
	status := audit.Denied
	if approve {
		status = audit.Approved
		cur, err := g.cfg.Store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := Approvable(cur); err != nil {
			return nil, err
		}
	}
	a, err := g.cfg.Store.Decide(ctx, id, status, actor, reason)
	g.signal(id)
	return a, err
}

// Status is what approval_status reports.
type Status struct {
	Attempt *audit.Attempt
	// Result is the held write's result once it ran in this process.
	Result *mcp.CallToolResult
	// Held says this process holds (or held) the write.
	Held    bool
	dropped bool // held here, but dropped without running
}

// Done reports whether nothing more will happen to the attempt.
func (s *Status) Done() bool {
	switch {
	case s.Attempt.Status == audit.Pending:
		return false
	case s.Attempt.Status == audit.Approved && s.Held && s.Result == nil && !s.dropped:
		return false // running
	}
	return true
}

// Wait reports on attempt id, waiting up to wait for it to be decided and, when approved, for
// the held write to finish. tick is called about every second while waiting (progress).
func (g *Gate) Wait(ctx context.Context, id string, wait time.Duration, tick func(elapsed time.Duration)) (*Status, error) {
	start := g.now()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	poll := time.NewTicker(g.poll)
	defer poll.Stop()
	for {
		changed := g.watch(id)
		st, err := g.status(ctx, id)
		if err != nil || st.Done() {
			g.unwatch(id, changed)
			return st, err
		}
		select {
		case <-changed:
		case <-poll.C:
		case <-ticker.C:
			if tick != nil {
				tick(g.now().Sub(start))
			}
		case <-deadline.C:
			g.unwatch(id, changed)
			return st, nil
		case <-ctx.Done():
			g.unwatch(id, changed)
			return st, nil
		}
	}
}

func (g *Gate) status(ctx context.Context, id string) (*Status, error) {
	a, err := g.cfg.Store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Status == audit.Pending && !a.Open(g.now()) {
		_ = g.cfg.Store.Expire(ctx, id, "no decision in time")
		if a, err = g.cfg.Store.Get(ctx, id); err != nil {
			return nil, err
		}
	}
	st := &Status{Attempt: a}
	g.mu.Lock()
	if h := g.held[id]; h != nil {
		st.Held = true
		if h.finished {
			st.Result, st.dropped = h.result, h.result == nil
		}
	}
	g.mu.Unlock()
	return st, nil
}
