package e2e

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

func fazEnv(w *world, extra ...string) []string {
	return w.env(append([]string{"FORTIANALYZER_URL=" + w.url, "FORTICLOUD_MCP_TOOLSETS=fortianalyzer"}, extra...)...)
}

func TestFAZConcurrentReadsStayWithinTheSessionBudget(t *testing.T) {
	for _, budget := range []string{"1", "3"} {
		t.Run("max_sessions="+budget, func(t *testing.T) {
			w := newWorld(t)
			s := startStdio(t, fazEnv(w, "FORTIANALYZER_MAX_SESSIONS="+budget), "")
			urls := []string{"/sys/status", "/dvmdb/adom", "/dvmdb/device", "/eventmgmt/adom/root/alerts", "/incidentmgmt/adom/root/incidents"}
			var wg sync.WaitGroup
			for i := range 40 {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					res, err := s.session.CallTool(ctx, &mcp.CallToolParams{Name: "faz_jsonrpc", Arguments: map[string]any{"method": "get", "url": urls[i%len(urls)]}})
					if err != nil || res.IsError {
						t.Errorf("%s: %v %s", urls[i%len(urls)], err, resultText(res))
					}
				})
			}
			wg.Wait()
			max := map[string]int{"1": 1, "3": 3}[budget]
			if w.em.FAZPeakSessions() > max || w.em.FAZLogins() > max {
				t.Fatalf("peak %d sessions, %d logins; budget %d", w.em.FAZPeakSessions(), w.em.FAZLogins(), max)
			}
		})
	}
}

func TestFAZExpiredSessionsAreRecoveredAndLoggedOutOnShutdown(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, fazEnv(w), "")
	if res := s.call(t, "faz_jsonrpc", map[string]any{"method": "get", "url": "/sys/status"}); res.IsError {
		t.Fatal(resultText(res))
	}
	w.em.ExpireFAZSessions()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := s.session.CallTool(ctx, &mcp.CallToolParams{Name: "faz_jsonrpc", Arguments: map[string]any{"method": "get", "url": "/dvmdb/device"}})
			if err != nil || res.IsError {
				t.Errorf("after expiry: %v %s", err, resultText(res))
			}
		})
	}
	wg.Wait()
	if w.em.FAZLogins() != 2 {
		t.Fatalf("%d logins, want 2 (one re-login shared by 20 callers)", w.em.FAZLogins())
	}
	// Shutdown logs the session out.
	s.session.Close()
	deadline := time.Now().Add(10 * time.Second)
	for w.em.FAZActiveSessions() != 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if w.em.FAZLogouts() < 1 || w.em.FAZActiveSessions() != 0 {
		t.Fatalf("after shutdown: %d logouts, %d sessions open", w.em.FAZLogouts(), w.em.FAZActiveSessions())
	}
}

// TestFAZLogSearchAnswersTheAnalyst: "show me denied traffic from 10.0.0.5 in the last day",
// with progress while it runs.
func TestFAZLogSearchAnswersTheAnalyst(t *testing.T) {
	w := newWorld(t)
	var progress atomic.Int32
	opts := &mcp.ClientOptions{ProgressNotificationHandler: func(context.Context, *mcp.ProgressNotificationClientRequest) { progress.Add(1) }}
	s := startStdioWith(t, fazEnv(w), "2025-11-25", opts)
	params := &mcp.CallToolParams{Name: "faz_log_search", Arguments: map[string]any{
		"logtype": "traffic", "filter": "srcip==" + emulator.DemoFAZDeniedSrcIP + " and action==deny", "limit": 50}}
	params.SetProgressToken("search-1")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := s.session.CallTool(ctx, params)
	if err != nil || res.IsError {
		t.Fatalf("%v %s\n%s", err, resultText(res), s.stderr)
	}
	var out struct {
		Logs  []map[string]any `json:"logs"`
		Total int              `json:"total"`
	}
	structured(t, res, &out)
	if len(out.Logs) == 0 || out.Total < len(out.Logs) {
		t.Fatalf("no rows: %s", resultText(res))
	}
	for _, row := range out.Logs {
		if row["srcip"] != emulator.DemoFAZDeniedSrcIP || row["action"] != "deny" {
			t.Fatalf("row does not match the filter: %v", row)
		}
	}
	if progress.Load() == 0 {
		t.Fatal("no progress notification while the search ran")
	}
	if w.em.FAZActiveSearches() != 0 {
		t.Fatalf("%d searches left open", w.em.FAZActiveSearches())
	}
}

func TestFAZLogSearchIsCancelledUpstreamWhenTheClientCancels(t *testing.T) {
	w := newWorldWith(t, emulator.Options{FAZSearchPolls: 10000})
	s := startStdio(t, fazEnv(w), "2025-11-25")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err := s.session.CallTool(ctx, &mcp.CallToolParams{Name: "faz_log_search", Arguments: map[string]any{"logtype": "traffic"}})
	if err == nil {
		t.Fatal("the search finished although it should still be running")
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.em.FAZCancelledSearches() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if w.em.FAZCancelledSearches() != 1 || w.em.FAZActiveSearches() != 0 {
		t.Fatalf("cancelled %d, still active %d", w.em.FAZCancelledSearches(), w.em.FAZActiveSearches())
	}
}

func TestFAZWritesWaitForApprovalAndBadInputStaysLocal(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, fazEnv(w), "")
	if res := s.call(t, "faz_jsonrpc", map[string]any{"method": "get", "url": "/sys/status"}); res.IsError {
		t.Fatal(resultText(res))
	}
	before := w.em.RequestCount()
	for _, c := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"faz_jsonrpc", map[string]any{"method": "update", "url": "/eventmgmt/adom/root/alerts/ack", "params": map[string]any{"alertid": []string{"1"}}}, "approval"},
		{"faz_jsonrpc", map[string]any{"method": "add", "url": "/incidentmgmt/adom/root/incident", "params": map[string]any{"severity": "high"}}, "approval"},
		{"faz_jsonrpc", map[string]any{"method": "exec", "url": "/sys/logout"}, "sessions are managed"},
		{"faz_jsonrpc", map[string]any{"method": "get", "url": "/sys/../x"}, "url must not contain"},
		{"faz_jsonrpc", map[string]any{"method": "get", "url": "/sys/status", "params": map[string]any{"session": "stolen"}}, "params.session"},
		{"faz_log_search", map[string]any{"limit": 5000}, "limit must be at most 1000"},
		{"faz_log_search", map[string]any{"time_range": map[string]any{"start": "last week", "end": "now"}}, "is not a date"},
	} {
		res := s.call(t, c.tool, c.args)
		if !res.IsError || !strings.Contains(resultText(res), c.want) {
			t.Errorf("%s %v: %q, want %q", c.tool, c.args, resultText(res), c.want)
		}
	}
	if w.em.RequestCount() != before {
		t.Fatalf("refused or invalid calls caused %d upstream requests", w.em.RequestCount()-before)
	}
	// An unknown url is FortiAnalyzer's -6, reported clearly.
	res := s.call(t, "faz_jsonrpc", map[string]any{"method": "get", "url": "/no/such/thing"})
	if !res.IsError || !strings.Contains(resultText(res), "-6") {
		t.Fatalf("%q", resultText(res))
	}
}

func TestFAZApprovedWriteChangesState(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, fazEnv(w, "FORTICLOUD_MCP_APPROVAL=none"), "")
	alerts := w.em.FAZAlerts()
	if len(alerts) == 0 {
		t.Fatal("no demo alerts")
	}
	id := alerts[0].ID
	res := s.call(t, "faz_jsonrpc", map[string]any{"method": "update", "url": "/eventmgmt/adom/root/alerts/ack", "params": map[string]any{"alertid": []string{id}, "update-by": "copilot"}})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	for _, a := range w.em.FAZAlerts() {
		if a.ID == id && !a.Acked {
			t.Fatalf("alert %s not acknowledged", id)
		}
	}
}

func TestFAZLogSearchTimesOutAndCancelsUpstream(t *testing.T) {
	w := newWorldWith(t, emulator.Options{FAZSearchPolls: 10000})
	s := startStdio(t, fazEnv(w, "FORTIANALYZER_SEARCH_TIMEOUT=1s"), "")
	res := s.call(t, "faz_log_search", map[string]any{"logtype": "traffic"})
	if !res.IsError || !strings.Contains(resultText(res), "longer than 1s") {
		t.Fatalf("%q", resultText(res))
	}
	deadline := time.Now().Add(5 * time.Second)
	for w.em.FAZCancelledSearches() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if w.em.FAZCancelledSearches() != 1 || w.em.FAZActiveSearches() != 0 {
		t.Fatalf("cancelled %d, active %d", w.em.FAZCancelledSearches(), w.em.FAZActiveSearches())
	}
}
