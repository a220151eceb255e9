package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

// asker is a client's user: it answers the server's approval questions as told and keeps what
// it was asked.
type asker struct {
	mu       sync.Mutex
	action   string
	approve  bool
	messages []string
}

func (a *asker) set(action string, approve bool) {
	a.mu.Lock()
	a.action, a.approve = action, approve
	a.mu.Unlock()
}

func (a *asker) handle(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.messages = append(a.messages, req.Params.Message)
	res := &mcp.ElicitResult{Action: a.action}
	if a.action == "accept" {
		res.Content = map[string]any{"approve": a.approve}
	}
	return res, nil
}

func (a *asker) asked() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.messages...)
}

// TestApprovalThroughElicitation: a write runs only when the person says yes, once; over stdio
// and HTTP, with protocol 2026-07-28 (multi round-trip input requests) and 2025-11-25
// (server-initiated elicitation). A stateless HTTP server cannot send a 2025-11-25 client a
// request, so there the write is held for the console instead.
func TestApprovalThroughElicitation(t *testing.T) {
	w := newWorld(t)
	env := w.env("FORTICLOUD_MCP_TOOLSETS=fortiflex")
	user := &asker{}
	opts := &mcp.ClientOptions{ElicitationHandler: user.handle}
	transports := []struct {
		name  string
		start func(t *testing.T) *server
		held  bool
	}{
		{"stdio/latest", func(t *testing.T) *server { return startStdioWith(t, env, "", opts) }, false},
		{"stdio/2025-11-25", func(t *testing.T) *server { return startStdioWith(t, env, "2025-11-25", opts) }, false},
		{"http/latest", func(t *testing.T) *server { return startHTTPWith(t, env, "", "", opts) }, false},
		{"http/2025-11-25", func(t *testing.T) *server { return startHTTPWith(t, env, "2025-11-25", "", opts) }, false},
		{"http-stateless/latest", func(t *testing.T) *server { return startHTTPWith(t, env, "", "", opts, "--http-stateless") }, false},
		{"http-stateless/2025-11-25", func(t *testing.T) *server { return startHTTPWith(t, env, "2025-11-25", "", opts, "--http-stateless") }, true},
	}
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s := tr.start(t)
			cases := []struct {
				action  string
				approve bool
				created int
				want    string
			}{
				{"accept", true, 1, "created 1 FortiFlex VM entitlements"},
				{"accept", false, 0, "the person answered no"},
				{"decline", false, 0, "the person declined"},
				{"cancel", false, 0, "the person dismissed the question"},
			}
			if tr.held {
				cases = cases[:1]
			}
			for i, c := range cases {
				user.set(c.action, c.approve)
				before, asked := w.em.FlexCreates(), len(user.asked())
				res := s.call(t, "flex_create_vm", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1,
					"description": tr.name + " " + c.action + string(rune('a'+i))})
				if tr.held {
					var h struct {
						ApprovalID string `json:"approval_id"`
					}
					structured(t, res, &h)
					if !res.IsError || h.ApprovalID == "" || !strings.Contains(resultText(res), "waiting for a person's approval") || len(user.asked()) != asked {
						t.Fatalf("want a held write, got %q", resultText(res))
					}
					if w.em.FlexCreates() != before {
						t.Fatal("a held write ran")
					}
					continue
				}
				if got := w.em.FlexCreates() - before; got != c.created {
					t.Fatalf("%s/%v: %d creations upstream, want %d; result %q", c.action, c.approve, got, c.created, resultText(res))
				}
				if c.created == 1 && (res.IsError || !strings.Contains(resultText(res), c.want)) {
					t.Fatalf("%s: %q", c.action, resultText(res))
				}
				if c.created == 0 && (!res.IsError || !strings.Contains(resultText(res), c.want) || !strings.Contains(resultText(res), "Nothing was changed")) {
					t.Fatalf("%s/%v: %q", c.action, c.approve, resultText(res))
				}
				msgs := user.asked()
				if len(msgs) != asked+1 {
					t.Fatalf("the person was asked %d times, want once", len(msgs)-asked)
				}
				// The person sees what will happen, on what, and what it costs.
				for _, want := range []string{"FortiFlex", "configuration 41102", "create", "points per day", `"count": 1`} {
					if !strings.Contains(msgs[len(msgs)-1], want) {
						t.Errorf("the question lacks %q:\n%s", want, msgs[len(msgs)-1])
					}
				}
			}
		})
	}
}

// TestApprovalStateCannotBeTampered drives the 2026-07-28 round trips by hand: a forged state, a
// changed payload and a replayed answer are refused, and nothing reaches FortiFlex without the
// person's yes.
func TestApprovalStateCannotBeTampered(t *testing.T) {
	w := newWorld(t)
	user := &asker{}
	opts := &mcp.ClientOptions{ElicitationHandler: user.handle, MultiRoundTrip: &mcp.MultiRoundTripOptions{Disabled: true}}
	s := startStdioWith(t, w.env("FORTICLOUD_MCP_TOOLSETS=fortiflex"), "", opts)
	args := map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 2}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	call := func(args map[string]any, responses mcp.InputResponseMap, state string) *mcp.CallToolResult {
		t.Helper()
		res, err := s.session.CallTool(ctx, &mcp.CallToolParams{Name: "flex_create_vm", Arguments: args, InputResponses: responses, RequestState: state})
		if err != nil {
			t.Fatalf("%v\n%s", err, s.stderr)
		}
		return res
	}
	first := call(args, nil, "")
	if len(first.InputRequests) != 1 || first.RequestState == "" || first.InputRequests["approval"] == nil {
		t.Fatalf("no approval question: %+v", first)
	}
	yes := mcp.InputResponseMap{"approval": &mcp.ElicitResult{Action: "accept", Content: map[string]any{"approve": true}}}
	state := first.RequestState
	forged := state[:len(state)-4] + "AAAA"

	refusals := []struct {
		name  string
		args  map[string]any
		state string
		want  string
	}{
		{"forged state", args, forged, "not issued by this server"},
		{"invented state", args, "eyJ2IjoxfQ", "not issued by this server"},
		{"changed payload", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 50}, state, "arguments differ"},
	}
	for _, r := range refusals {
		res := call(r.args, yes, r.state)
		if !res.IsError || !strings.Contains(resultText(res), r.want) {
			t.Errorf("%s: %q", r.name, resultText(res))
		}
	}
	if w.em.FlexCreates() != 0 {
		t.Fatal("a refused approval reached FortiFlex")
	}
	if res := call(args, yes, state); res.IsError {
		t.Fatalf("the genuine answer: %q", resultText(res))
	}
	if res := call(args, yes, state); !res.IsError || !strings.Contains(resultText(res), "already used") {
		t.Errorf("replay: %q", resultText(res))
	}
	if w.em.FlexCreates() != 1 {
		t.Fatalf("%d creations, want exactly 1", w.em.FlexCreates())
	}
}

// auditSecret is a password in a write's payload: the person and the audit trail see it masked.
const auditSecret = "Audit-Secret-Value-7731"

// writeSamples are arguments that make each write tool write. TestEveryWriteIsGated fails when a
// tool that can write has none here, so a new write tool cannot skip the gate unnoticed.
func writeSamples(device string) map[string]map[string]any {
	return map[string]map[string]any{
		"fortios_proxy":           {"serial": device, "method": "PUT", "path": "/api/v2/cmdb/system/admin/netops", "body": map[string]any{"accprofile": "super_admin", "password": auditSecret}},
		"flex_create_vm":          {"config_id": emulator.DemoFlexConfigFGTVM, "count": 1},
		"flex_update_entitlement": {"serial_number": emulator.DemoFlexActiveSerial, "action": "stop"},
		"faz_jsonrpc":             {"method": "update", "url": "/eventmgmt/adom/root/alerts/ack", "params": map[string]any{"alertid": []string{"1"}}},
		"socaas_add_comment":      {"alert_id": emulator.DemoSOCaaSAlertUUID, "content": "looked at it"},
		"socaas_update_alert":     {"alert_id": emulator.DemoSOCaaSAlertUUID, "status": "closed(resolved)", "closure_notes": "benign"},
	}
}

// isWrite tells the emulator's requests that change something from reads.
func isWrite(r emulator.Request) bool {
	switch r.Service {
	case "fortios", "socaas":
		return r.Method != "GET"
	case "fortiflex":
		return !strings.HasSuffix(r.Path, "/list") && !strings.HasSuffix(r.Path, "/calc") && !strings.HasSuffix(r.Path, "/points")
	case "fortianalyzer":
		return true // JSON-RPC over POST: no FAZ call at all may happen before approval
	}
	return false
}

// TestEveryWriteIsGated calls every tool that can write, through a client that cannot elicit:
// each one is held for the console, and nothing changes upstream.
func TestEveryWriteIsGated(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, w.env("FORTIANALYZER_URL="+w.url), "")
	samples := writeSamples(w.liveDevice(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	list, err := s.session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	before := len(w.em.Requests())
	for _, tool := range list.Tools {
		if tool.Annotations == nil || tool.Annotations.ReadOnlyHint {
			continue
		}
		args, ok := samples[tool.Name]
		if !ok {
			t.Errorf("%s can write but has no sample in writeSamples: add one so the approval gate is tested for it", tool.Name)
			continue
		}
		seen[tool.Name] = true
		res := s.call(t, tool.Name, args)
		var h struct {
			ApprovalID string `json:"approval_id"`
			Status     string `json:"status"`
		}
		structured(t, res, &h)
		if !res.IsError || h.Status != "pending" || !strings.HasPrefix(h.ApprovalID, "ap-") {
			t.Errorf("%s was not held for approval: %q", tool.Name, resultText(res))
		}
	}
	for name := range samples {
		if !seen[name] {
			t.Errorf("%s is in writeSamples but not offered as a write tool", name)
		}
	}
	for _, r := range w.em.Requests()[before:] {
		if isWrite(r) {
			t.Errorf("reached upstream without approval: %s %s %s", r.Service, r.Method, r.Path)
		}
	}
	// The pending approvals are in the audit trail, each with its payload, secrets masked.
	store, err := audit.Open(filepath.Join(w.stateDir, audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	pending, err := store.List(ctx, true, 100)
	if err != nil || len(pending) != len(samples) {
		t.Fatalf("%d pending in the audit trail, want %d (%v)", len(pending), len(samples), err)
	}
	for _, a := range pending {
		if a.Payload == "" || a.Channel != "console" || strings.Contains(a.Payload, auditSecret) {
			t.Errorf("%s: payload %q channel %s", a.Tool, a.Payload, a.Channel)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(w.stateDir, audit.FileName))
	wal, _ := os.ReadFile(filepath.Join(w.stateDir, audit.FileName+"-wal"))
	if bytes.Contains(append(raw, wal...), []byte(auditSecret)) || strings.Contains(s.stderr.String(), auditSecret) {
		t.Error("a password from a payload reached the audit database or the logs")
	}
	res := s.call(t, "approval_status", map[string]any{"approval_id": "ap-aaaaaaaaaaaaaaaa", "wait_seconds": 0})
	if !res.IsError || !strings.Contains(resultText(res), "not an approval this server knows") {
		t.Errorf("unknown id: %q", resultText(res))
	}
}

// TestReadOnlyWinsOverApproval: in read-only mode write-only tools are gone, the mixed ones refuse
// writes outright (nobody is asked), and approval_status is not offered.
func TestReadOnlyWinsOverApproval(t *testing.T) {
	w := newWorld(t)
	user := &asker{}
	user.set("accept", true)
	s := startStdioWith(t, w.env("FORTIANALYZER_URL="+w.url, "FORTICLOUD_MCP_READ_ONLY=true"), "", &mcp.ClientOptions{ElicitationHandler: user.handle})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	list, err := s.session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range list.Tools {
		switch tool.Name {
		case "flex_create_vm", "flex_update_entitlement", "socaas_add_comment", "socaas_update_alert", "approval_status":
			t.Errorf("%s offered in read-only mode", tool.Name)
		}
	}
	samples := writeSamples(w.liveDevice(t))
	for _, name := range []string{"fortios_proxy", "faz_jsonrpc"} {
		res := s.call(t, name, samples[name])
		if !res.IsError || !strings.Contains(resultText(res), "read-only mode") {
			t.Errorf("%s: %q", name, resultText(res))
		}
	}
	if len(user.asked()) != 0 {
		t.Error("read-only mode asked the person anyway")
	}
}

// consoleDecide approves or denies a held write through the console's JSON API, signed in with
// the console token from the state directory (which the model never sees).
func consoleDecide(t *testing.T, w *world, base, id, decision string) *http.Response {
	t.Helper()
	token, err := os.ReadFile(filepath.Join(w.stateDir, "console-token"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/approvals/api/approvals/"+id+"/"+decision, strings.NewReader(`{"reason":"e2e"}`))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// TestHeldWriteWaitsForTheConsole: a client that cannot elicit gets an approval id; the write
// waits (approval_status reports progress meanwhile) until a person approves it in the console,
// then runs once, and approval_status returns its result. The MCP caller token does not open the
// console.
func TestHeldWriteWaitsForTheConsole(t *testing.T) {
	w := newWorld(t)
	var progress atomic.Int32
	opts := &mcp.ClientOptions{ProgressNotificationHandler: func(context.Context, *mcp.ProgressNotificationClientRequest) { progress.Add(1) }}
	s := startHTTPWith(t, w.env("FORTICLOUD_MCP_TOOLSETS=fortiflex", "FORTICLOUD_MCP_HTTP_TOKEN=caller-token-0123456789"), "", "caller-token-0123456789", opts)

	res := s.call(t, "flex_create_vm", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 2, "description": "held"})
	var held struct {
		ApprovalID string `json:"approval_id"`
		ConsoleURL string `json:"console_url"`
	}
	structured(t, res, &held)
	if !res.IsError || held.ApprovalID == "" || held.ConsoleURL != s.base+"/approvals/" {
		t.Fatalf("not held: %q %+v", resultText(res), held)
	}
	token, _ := os.ReadFile(filepath.Join(w.stateDir, "console-token"))
	if strings.Contains(resultText(res), strings.TrimSpace(string(token))) {
		t.Fatal("the console token reached the model")
	}

	// Waiting reports progress and returns pending when nobody decided.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	params := &mcp.CallToolParams{Name: "approval_status", Arguments: map[string]any{"approval_id": held.ApprovalID, "wait_seconds": 3}}
	params.SetProgressToken("wait-1")
	st, err := s.session.CallTool(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	var status struct {
		Status string          `json:"status"`
		Result json.RawMessage `json:"result"`
	}
	structured(t, st, &status)
	if status.Status != "pending" || progress.Load() == 0 || w.em.FlexCreates() != 0 {
		t.Fatalf("status %q, %d progress notifications, %d creations", status.Status, progress.Load(), w.em.FlexCreates())
	}

	// The caller token is not a console token.
	req, _ := http.NewRequest(http.MethodPost, s.base+"/approvals/api/approvals/"+held.ApprovalID+"/approve", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer caller-token-0123456789")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode < 400 {
		t.Fatalf("the MCP caller token opened the console: %v %v", resp.Status, err)
	}

	if resp := consoleDecide(t, w, s.base, held.ApprovalID, "approve"); resp.StatusCode != http.StatusOK {
		t.Fatalf("approve: %s", resp.Status)
	}
	st = s.call(t, "approval_status", map[string]any{"approval_id": held.ApprovalID, "wait_seconds": 20})
	structured(t, st, &status)
	if status.Status != "succeeded" || !strings.Contains(string(status.Result), "FGVM") || w.em.FlexCreates() != 1 {
		t.Fatalf("after approval: %q %s (%d creations)", status.Status, status.Result, w.em.FlexCreates())
	}
	// A second approval of the same request changes nothing.
	if resp := consoleDecide(t, w, s.base, held.ApprovalID, "approve"); resp.StatusCode != http.StatusConflict {
		t.Fatalf("second approve: %s", resp.Status)
	}
	time.Sleep(500 * time.Millisecond)
	if w.em.FlexCreates() != 1 {
		t.Fatalf("%d creations, want exactly 1", w.em.FlexCreates())
	}
}

var signInRE = regexp.MustCompile(`sign-in link: (http://\S+/approvals/)login\?token=(\S+)`)

// TestSandboxWritesAskOrWait is the newcomer's path: in the sandbox, a client that can elicit is
// asked and the write runs on yes; a client that cannot gets an approval id, and the write runs
// once after a person approves it in the console whose sign-in link the sandbox printed.
func TestSandboxWritesAskOrWait(t *testing.T) {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}

	user := &asker{}
	user.set("accept", true)
	s := startStdioWith(t, env, "", &mcp.ClientOptions{ElicitationHandler: user.handle}, "--sandbox")
	res := s.call(t, "flex_create_vm", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1})
	if res.IsError || len(user.asked()) != 1 {
		t.Fatalf("stdio sandbox with elicitation: %q (asked %d times)", resultText(res), len(user.asked()))
	}

	h := startHTTPWith(t, env, "", "", nil, "--sandbox")
	var link []string
	for deadline := time.Now().Add(10 * time.Second); link == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		link = signInRE.FindStringSubmatch(h.stderr.String())
	}
	if link == nil || link[1] != h.base+"/approvals/" {
		t.Fatalf("no sign-in link for the console: %v\n%s", link, h.stderr)
	}
	res = h.call(t, "flex_create_vm", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1})
	var held struct {
		ApprovalID string `json:"approval_id"`
	}
	structured(t, res, &held)
	if !res.IsError || held.ApprovalID == "" {
		t.Fatalf("not held: %q", resultText(res))
	}
	req, _ := http.NewRequest(http.MethodPost, link[1]+"api/approvals/"+held.ApprovalID+"/approve", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+link[2])
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("approve in the console: %v %v", resp, err)
	}
	resp.Body.Close()
	res = h.call(t, "approval_status", map[string]any{"approval_id": held.ApprovalID, "wait_seconds": 20})
	var status struct {
		Status string `json:"status"`
	}
	structured(t, res, &status)
	if status.Status != "succeeded" {
		t.Fatalf("after approval: %q", resultText(res))
	}
}
