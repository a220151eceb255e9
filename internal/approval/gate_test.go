package approval

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
)

func newGate(t *testing.T, mode string, logs *bytes.Buffer) *Gate {
	t.Helper()
	store, err := audit.Open(filepath.Join(t.TempDir(), audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var logger *slog.Logger
	if logs != nil {
		logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	g, err := New(Config{Mode: mode, Store: store, TTL: time.Minute, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	g.poll = 10 * time.Millisecond
	t.Cleanup(func() { g.Close(context.Background()) })
	return g
}

var createAction = Action{Tool: "flex_create_vm", Service: "FortiFlex", Target: "configuration 41102", Method: "create",
	Summary: "Create 2 VM entitlements", Payload: map[string]any{"configId": 41102, "count": 2, "adminPassword": "hunter2-secret"}}

// write is a write tool: it asks the gate, then counts the write it would send upstream.
func write(g *Gate, a Action, writes *atomic.Int32) func(context.Context) *mcp.CallToolResult {
	return func(ctx context.Context) *mcp.CallToolResult {
		if _, err := g.Approve(ctx, a); err != nil {
			var in *InputRequired
			if errors.As(err, &in) {
				return in.Result
			}
			return mcp.NewToolResultError(err.Error())
		}
		writes.Add(1)
		return mcp.NewToolResultText("created 2")
	}
}

func heldAs(h Held) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{mcp.NewTextContent("held " + h.ID)}, StructuredContent: h}
}

func text(r *mcp.CallToolResult) string {
	if len(r.Content) == 0 {
		return ""
	}
	return r.Content[0].(mcp.TextContent).Text
}

// elicit runs the first round: the gate asks, and returns the sealed state.
func elicit(t *testing.T, g *Gate, a Action) string {
	t.Helper()
	err := g.askElicitation(context.Background(), a)
	var in *InputRequired
	if !errors.As(err, &in) || in.Result.RequestState == "" || in.Result.InputRequests[elicitKey].Elicitation == nil {
		t.Fatalf("askElicitation: %v", err)
	}
	msg := in.Result.InputRequests[elicitKey].Elicitation.Message
	for _, want := range []string{"FortiFlex", "configuration 41102", "create", "Create 2 VM entitlements", `"count": 2`} {
		if !strings.Contains(msg, want) {
			t.Errorf("the person is not told %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("a secret reached the person's screen:\n%s", msg)
	}
	return in.Result.RequestState
}

func answer(action mcp.ElicitationResponseAction, approve bool) mcp.InputResponses {
	return mcp.InputResponses{elicitKey: mcp.NewElicitationInputResponse(mcp.ElicitationResult{
		ElicitationResponse: mcp.ElicitationResponse{Action: action, Content: map[string]any{"approve": approve}}})}
}

func TestElicitationAnswers(t *testing.T) {
	cases := []struct {
		name    string
		resp    mcp.InputResponses
		runs    int32
		status  string
		message string
	}{
		{"accept yes", answer(mcp.ElicitationResponseActionAccept, true), 1, audit.Approved, "created 2"},
		{"accept no", answer(mcp.ElicitationResponseActionAccept, false), 0, audit.Denied, "the person answered no"},
		{"decline", answer(mcp.ElicitationResponseActionDecline, false), 0, audit.Denied, "the person declined"},
		{"cancel", answer(mcp.ElicitationResponseActionCancel, false), 0, audit.Cancelled, "dismissed"},
		{"no answer", mcp.InputResponses{}, 0, audit.Pending, "no answer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := newGate(t, ModeRequired, nil)
			state := elicit(t, g, createAction)
			var writes atomic.Int32
			res := Run(context.Background(), mcp.MultiRoundTripParams{InputResponses: c.resp, RequestState: state}, write(g, createAction, &writes), heldAs)
			if writes.Load() != c.runs || !strings.Contains(text(res), c.message) {
				t.Fatalf("writes %d, result %q", writes.Load(), text(res))
			}
			list, _ := g.Store().List(context.Background(), false, 10)
			if len(list) != 1 || list[0].Status != c.status || list[0].Channel != ChannelElicitation {
				t.Fatalf("audit: %+v", list[0])
			}
			if c.runs == 1 && list[0].Outcome != audit.Succeeded {
				t.Fatalf("outcome not recorded: %+v", list[0])
			}
			if strings.Contains(list[0].Payload, "hunter2") || !strings.Contains(list[0].Payload, "41102") {
				t.Fatalf("audit payload: %s", list[0].Payload)
			}
		})
	}
}

func TestElicitationStateCannotBeForgedReplayedOrReused(t *testing.T) {
	g := newGate(t, ModeRequired, nil)
	yes := answer(mcp.ElicitationResponseActionAccept, true)
	var writes atomic.Int32
	run := func(a Action, state string) string {
		return text(Run(context.Background(), mcp.MultiRoundTripParams{InputResponses: yes, RequestState: state}, write(g, a, &writes), heldAs))
	}
	state := elicit(t, g, createAction)

	// Forged: garbage, a flipped bit, a state sealed by another process (restart).
	other := newGate(t, ModeRequired, nil)
	foreign := elicit(t, other, createAction)
	flipped := []byte(state)
	flipped[len(flipped)/2] ^= 1
	for _, s := range []string{"e30", "not-base64!", string(flipped), foreign, strings.Repeat("A", 10000)} {
		if got := run(createAction, s); !strings.Contains(got, "not issued by this server") {
			t.Errorf("forged state %.20q: %s", s, got)
		}
	}
	// Payload changed after the person said yes.
	changed := createAction
	changed.Payload = map[string]any{"configId": 41102, "count": 20, "adminPassword": "hunter2-secret"}
	if got := run(changed, state); !strings.Contains(got, "arguments differ") {
		t.Errorf("changed payload: %s", got)
	}
	otherTool := createAction
	otherTool.Tool = "flex_update_entitlement"
	if got := run(otherTool, state); !strings.Contains(got, "arguments differ") {
		t.Errorf("another tool: %s", got)
	}
	if writes.Load() != 0 {
		t.Fatalf("%d writes before the real answer", writes.Load())
	}
	// The real answer runs once; the same answer again is a replay.
	if got := run(createAction, state); got != "created 2" {
		t.Fatalf("approved: %s", got)
	}
	if got := run(createAction, state); !strings.Contains(got, "already used") {
		t.Errorf("replay: %s", got)
	}
	if writes.Load() != 1 {
		t.Fatalf("%d writes, want exactly 1", writes.Load())
	}
	events, _ := g.Store().Events(context.Background(), 0, 0)
	refused := 0
	for _, e := range events {
		if e.Event == "refused" {
			refused++
		}
	}
	if refused != 8 {
		t.Errorf("%d refusals in the audit trail, want 8: %+v", refused, events)
	}
}

func TestElicitationExpires(t *testing.T) {
	g := newGate(t, ModeRequired, nil)
	state := elicit(t, g, createAction)
	g.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	var writes atomic.Int32
	got := text(Run(context.Background(), mcp.MultiRoundTripParams{InputResponses: answer(mcp.ElicitationResponseActionAccept, true), RequestState: state},
		write(g, createAction, &writes), heldAs))
	if !strings.Contains(got, "expired") || writes.Load() != 0 {
		t.Fatalf("%s (%d writes)", got, writes.Load())
	}
	list, _ := g.Store().List(context.Background(), false, 1)
	if list[0].Status != audit.Expired {
		t.Fatalf("status %s", list[0].Status)
	}
}

func TestHeldWriteRunsOnceAfterApproval(t *testing.T) {
	g := newGate(t, ModeRequired, nil)
	g.SetConsoleURL("http://127.0.0.1:1/approvals/")
	var writes atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	res := Run(ctx, mcp.MultiRoundTripParams{}, write(g, createAction, &writes), heldAs)
	cancel() // the request is over; the held write must not care
	h, ok := res.StructuredContent.(Held)
	if !ok || !res.IsError || h.ConsoleURL == "" || h.Duplicate {
		t.Fatalf("not held: %+v", res)
	}
	// The same change again points at the same approval.
	dup := Run(context.Background(), mcp.MultiRoundTripParams{}, write(g, createAction, &writes), heldAs)
	if d := dup.StructuredContent.(Held); d.ID != h.ID || !d.Duplicate {
		t.Fatalf("duplicate: %+v", dup.StructuredContent)
	}
	time.Sleep(50 * time.Millisecond)
	if writes.Load() != 0 {
		t.Fatal("a held write ran before approval")
	}
	st, _ := g.Wait(context.Background(), h.ID, 10*time.Millisecond, nil)
	if st.Attempt.Status != audit.Pending || st.Done() {
		t.Fatalf("status %+v", st.Attempt)
	}
	// Two people click approve at once: one decision wins, the write runs once.
	errs := make(chan error, 2)
	for range 2 {
		go func() { _, err := g.Decide(context.Background(), h.ID, true, "console", ""); errs <- err }()
	}
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) || !(errors.Is(e1, audit.ErrNotPending) || errors.Is(e2, audit.ErrNotPending)) {
		t.Fatalf("decisions: %v, %v", e1, e2)
	}
	st, err := g.Wait(context.Background(), h.ID, 5*time.Second, nil)
	if err != nil || st.Result == nil || text(st.Result) != "created 2" || writes.Load() != 1 {
		t.Fatalf("after approval: %+v %v (%d writes)", st, err, writes.Load())
	}
	a, _ := g.Store().Get(context.Background(), h.ID)
	if a.Outcome != audit.Succeeded || a.DecidedBy != "console" {
		t.Fatalf("audit: %+v", a)
	}
}

func TestHeldWriteDeniedOrExpiredNeverRuns(t *testing.T) {
	g := newGate(t, ModeRequired, nil)
	var writes atomic.Int32
	res := Run(context.Background(), mcp.MultiRoundTripParams{}, write(g, createAction, &writes), heldAs)
	h := res.StructuredContent.(Held)
	if _, err := g.Decide(context.Background(), h.ID, false, "console", "not today"); err != nil {
		t.Fatal(err)
	}
	st, _ := g.Wait(context.Background(), h.ID, 5*time.Second, nil)
	if st.Attempt.Status != audit.Denied || st.Attempt.Reason != "not today" {
		t.Fatalf("%+v", st.Attempt)
	}

	other := createAction
	other.Target = "configuration 41103"
	g.cfg.TTL = 100 * time.Millisecond
	res = Run(context.Background(), mcp.MultiRoundTripParams{}, write(g, other, &writes), heldAs)
	h = res.StructuredContent.(Held)
	st, _ = g.Wait(context.Background(), h.ID, 5*time.Second, nil)
	if st.Attempt.Status != audit.Expired {
		t.Fatalf("%+v", st.Attempt)
	}
	if _, err := g.Decide(context.Background(), h.ID, true, "console", ""); !errors.Is(err, audit.ErrExpired) && !errors.Is(err, audit.ErrNotPending) {
		t.Fatalf("late approval: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if writes.Load() != 0 {
		t.Fatalf("%d writes", writes.Load())
	}
}

func TestCloseDropsHeldWrites(t *testing.T) {
	g := newGate(t, ModeRequired, nil)
	var writes atomic.Int32
	h := Run(context.Background(), mcp.MultiRoundTripParams{}, write(g, createAction, &writes), heldAs).StructuredContent.(Held)
	g.Close(context.Background())
	st, _ := g.Wait(context.Background(), h.ID, 5*time.Second, nil)
	if st.Attempt.Status != audit.Expired || !strings.Contains(st.Attempt.Reason, "server stopped") || writes.Load() != 0 {
		t.Fatalf("%+v", st.Attempt)
	}
}

func TestModeNoneRecordsAndWarns(t *testing.T) {
	var logs bytes.Buffer
	g := newGate(t, ModeNone, &logs)
	var writes atomic.Int32
	if got := text(Run(context.Background(), mcp.MultiRoundTripParams{}, write(g, createAction, &writes), heldAs)); got != "created 2" {
		t.Fatal(got)
	}
	if !strings.Contains(logs.String(), "APPROVAL DISABLED") || !strings.Contains(logs.String(), "without human approval") {
		t.Fatalf("no warnings: %s", logs.String())
	}
	list, _ := g.Store().List(context.Background(), false, 1)
	if list[0].Mode != ModeNone || list[0].Status != audit.Approved || list[0].Outcome != audit.Succeeded {
		t.Fatalf("%+v", list[0])
	}
}

func TestNoCallNoChannel(t *testing.T) {
	g := newGate(t, ModeRequired, nil)
	_, err := g.Approve(context.Background(), createAction)
	var denied *DeniedError
	if !errors.As(err, &denied) {
		t.Fatal(err)
	}
}

func FuzzOpenState(f *testing.F) {
	s, err := newSealer()
	if err != nil {
		f.Fatal(err)
	}
	good := s.seal(sealedState{Attempt: "ap-x", Tool: "t", Digest: "d", Expires: 1})
	f.Add(good)
	f.Add("")
	f.Add("e30")
	f.Fuzz(func(t *testing.T, in string) {
		st, err := s.open(in)
		if err == nil && in != good {
			t.Fatalf("opened a state we did not seal: %q → %+v", in, st)
		}
	})
}

func TestApprovalsThatWouldRunNothingAreRefused(t *testing.T) {
	g := newGate(t, ModeRequired, nil)
	ctx := context.Background()
	// Asked through elicitation: only the person's answer in their client decides it.
	elicit(t, g, createAction)
	asked, _ := g.Store().List(ctx, true, 1)
	if _, err := g.Decide(ctx, asked[0].ID, true, "console", ""); !errors.Is(err, ErrNothingToRun) {
		t.Fatalf("approving an elicitation request elsewhere: %v", err)
	}
	// Held by a server that has stopped: expired when a gate starts on the same trail.
	child := exec.Command("true")
	if err := child.Run(); err != nil {
		t.Skip(err)
	}
	host, _ := os.Hostname()
	now := time.Now().UTC()
	orphan := &audit.Attempt{Created: now, Expires: now.Add(time.Hour), Tool: "t", Service: "s", Target: "x", Method: "m", Digest: "d",
		Mode: ModeRequired, Channel: ChannelConsole, Status: audit.Pending, Server: fmt.Sprintf("%s:%d", host, child.Process.Pid)}
	if err := g.Store().Create(ctx, orphan); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Decide(ctx, orphan.ID, true, "console", ""); !errors.Is(err, ErrNothingToRun) {
		t.Fatalf("approving an orphan: %v", err)
	}
	if _, err := New(Config{Store: g.Store()}); err != nil {
		t.Fatal(err)
	}
	if a, _ := g.Store().Get(ctx, orphan.ID); a.Status != audit.Expired || !strings.Contains(a.Reason, "stopped") {
		t.Fatalf("orphan after restart: %+v", a)
	}
}

func TestHeldWritesAreBoundedAndLeaveNothingBehind(t *testing.T) {
	g := newGate(t, ModeRequired, nil)
	var writes atomic.Int32
	var ids []string
	for i := range maxHeld + 1 {
		a := createAction
		a.Target = fmt.Sprintf("configuration %d", 50000+i)
		res := Run(context.Background(), mcp.MultiRoundTripParams{}, write(g, a, &writes), heldAs)
		if i < maxHeld {
			ids = append(ids, res.StructuredContent.(Held).ID)
			continue
		}
		if !strings.Contains(text(res), "already wait for a person's decision") {
			t.Fatalf("write %d beyond the cap: %q", i, text(res))
		}
	}
	for _, id := range ids {
		if _, err := g.Decide(context.Background(), id, false, "console", ""); err != nil {
			t.Fatal(err)
		}
		if st, err := g.Wait(context.Background(), id, 5*time.Second, nil); err != nil || !st.Done() {
			t.Fatalf("%v %v", st, err)
		}
	}
	// approval_status on ids that never change leaves no watch behind.
	for range 100 {
		_, _ = g.Wait(context.Background(), "ap-aaaaaaaaaaaaaaaa", 0, nil)
	}
	time.Sleep(50 * time.Millisecond)
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.signals) != 0 || len(g.byDigest) != 0 {
		t.Fatalf("left behind: %d watches, %d digests", len(g.signals), len(g.byDigest))
	}
}

func TestDuplicateWhileApprovedWriteRuns(t *testing.T) {
	g := newGate(t, ModeRequired, nil)
	release := make(chan struct{})
	var writes atomic.Int32
	slow := func(ctx context.Context) *mcp.CallToolResult {
		if _, err := g.Approve(ctx, createAction); err != nil {
			return mcp.NewToolResultError(err.Error())
		}
		<-release
		writes.Add(1)
		return mcp.NewToolResultText("created 2")
	}
	h := Run(context.Background(), mcp.MultiRoundTripParams{}, slow, heldAs).StructuredContent.(Held)
	if _, err := g.Decide(context.Background(), h.ID, true, "console", ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // approved, running
	dup := Run(context.Background(), mcp.MultiRoundTripParams{}, slow, heldAs)
	if d, ok := dup.StructuredContent.(Held); !ok || d.ID != h.ID || !d.Duplicate {
		t.Fatalf("a repeat while the approved write runs must point at it: %+v", dup.StructuredContent)
	}
	close(release)
	if st, _ := g.Wait(context.Background(), h.ID, 5*time.Second, nil); st.Result == nil || writes.Load() != 1 {
		t.Fatalf("%+v, %d writes", st, writes.Load())
	}
}

func TestStoredDigestRevealsNothing(t *testing.T) {
	g := newGate(t, ModeRequired, nil)
	elicit(t, g, createAction)
	list, _ := g.Store().List(context.Background(), false, 1)
	sum := sha256.Sum256(createAction.canonical())
	if list[0].Digest == hex.EncodeToString(sum[:]) || len(list[0].Digest) != 64 {
		t.Fatal("the stored digest is an unkeyed hash of the payload: a redacted secret could be guessed from it")
	}
}
