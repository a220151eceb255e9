package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

func allEnv(w *world, extra ...string) []string {
	return w.env(append([]string{"FORTIANALYZER_URL=" + w.url}, extra...)...)
}

var ipRE = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)

// TestEnrichSOCaaSAlertReachesLogsAndDevices follows the enrich_socaas_alert prompt for a
// seeded alert: alert detail, comments, FortiAnalyzer logs for its IP indicator, the affected
// device in FortiGate Cloud and its FortiOS status; every call succeeds.
func TestEnrichSOCaaSAlertReachesLogsAndDevices(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, allEnv(w), "")
	ctx := context.Background()
	prompts, err := s.session.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, p := range prompts.Prompts {
		names[p.Name] = true
	}
	if !names["enrich_socaas_alert"] || !names["fleet_health"] {
		t.Fatalf("prompts: %v", names)
	}
	pr, err := s.session.GetPrompt(ctx, &mcp.GetPromptParams{Name: "enrich_socaas_alert", Arguments: map[string]string{"alert_id": emulator.DemoSOCaaSAlertUUID}})
	if err != nil {
		t.Fatal(err)
	}
	text := pr.Messages[0].Content.(*mcp.TextContent).Text
	for _, tool := range []string{"socaas_query", "faz_log_search", "list_devices", "fortios_proxy"} {
		if !strings.Contains(text, tool) {
			t.Fatalf("the prompt does not lead to %s:\n%s", tool, text)
		}
	}

	// Step 1: the alert and its indicators.
	var alert struct {
		Item map[string]any `json:"item"`
	}
	res := s.call(t, "socaas_query", map[string]any{"resource": "alert", "id": emulator.DemoSOCaaSAlertUUID})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	structured(t, res, &alert)
	ips := ipRE.FindAllString(resultText(res), -1)
	found := false
	for _, ip := range ips {
		found = found || ip == emulator.DemoFAZDeniedSrcIP
	}
	if !found {
		t.Fatalf("the alert does not name %s: %s", emulator.DemoFAZDeniedSrcIP, resultText(res))
	}
	// Step 2: comments.
	if res := s.call(t, "socaas_query", map[string]any{"resource": "comments", "id": emulator.DemoSOCaaSAlertUUID}); res.IsError {
		t.Fatal(resultText(res))
	}
	// Step 3: the logs of the IP indicator.
	var logs struct {
		Logs []map[string]any `json:"logs"`
	}
	res = s.call(t, "faz_log_search", map[string]any{"logtype": "traffic", "filter": "srcip==" + emulator.DemoFAZDeniedSrcIP})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	structured(t, res, &logs)
	if len(logs.Logs) == 0 {
		t.Fatal("no FortiAnalyzer rows for the alert's IP")
	}
	devname, _ := logs.Logs[0]["devname"].(string)
	// Step 4: the affected device in FortiGate Cloud.
	var devs struct {
		Devices []map[string]any `json:"devices"`
	}
	res = s.call(t, "list_devices", map[string]any{"name": devname})
	structured(t, res, &devs)
	if res.IsError || len(devs.Devices) == 0 {
		t.Fatalf("device %q not found in FortiGate Cloud: %s", devname, resultText(res))
	}
	sn, _ := devs.Devices[0]["sn"].(string)
	// Step 5: its FortiOS status.
	if res := s.call(t, "fortios_proxy", map[string]any{"serial": sn, "path": "/api/v2/monitor/system/status"}); res.IsError {
		t.Fatalf("fortios status of %s: %s", sn, resultText(res))
	}
}

func TestSOCaaSBadInputNeverReachesUpstream(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, w.env("FORTICLOUD_MCP_TOOLSETS=socaas"), "")
	if res := s.call(t, "socaas_query", map[string]any{"resource": "alerts"}); res.IsError {
		t.Fatal(resultText(res))
	}
	before := w.em.RequestCount()
	for _, c := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"socaas_query", map[string]any{"resource": "alert", "id": "../../etc"}, "id must match"},
		{"socaas_query", map[string]any{"resource": "alert"}, "id is required"},
		{"socaas_query", map[string]any{"resource": "alerts", "created_from": "last week"}, "not an RFC 3339 time"},
		{"socaas_query", map[string]any{"resource": "incidents"}, "resource must be one of"},
		{"socaas_update_alert", map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID, "status": "closed(resolved)"}, "closure_notes is required"},
		{"socaas_update_alert", map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID, "status": "inprogress"}, "approval"},
		{"socaas_add_comment", map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID, "content": "x"}, "approval"},
	} {
		res := s.call(t, c.tool, c.args)
		if !res.IsError || !strings.Contains(resultText(res), c.want) {
			t.Errorf("%s %v: %q, want %q", c.tool, c.args, resultText(res), c.want)
		}
	}
	if w.em.RequestCount() != before {
		t.Fatalf("%d upstream requests from refused input", w.em.RequestCount()-before)
	}
}

func TestSOCaaSApprovedWrites(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, w.env("FORTICLOUD_MCP_TOOLSETS=socaas", "FORTICLOUD_MCP_APPROVAL=none"), "")
	res := s.call(t, "socaas_add_comment", map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID, "content": "Enriched by the copilot: camera at Paris HQ."})
	if res.IsError {
		t.Fatal(resultText(res))
	}
	found := false
	for _, c := range w.em.SOCaaSComments(emulator.DemoSOCaaSAlertUUID) {
		found = found || strings.Contains(c.Content, "camera at Paris HQ")
	}
	if !found {
		t.Fatal("comment not stored")
	}
	if res := s.call(t, "socaas_update_alert", map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID, "status": "inprogress"}); res.IsError {
		t.Fatal(resultText(res))
	}
	res = s.call(t, "socaas_update_alert", map[string]any{"alert_id": emulator.DemoSOCaaSClosedAlertUUID, "status": "inprogress"})
	if !res.IsError || !strings.Contains(resultText(res), "SOCaaS") {
		t.Fatalf("a closed alert changed: %s", resultText(res))
	}
}

// TestSOCaaSRateLimitIsWaitedOut: the emulator allows one GET a minute; the second call gets
// 429 with Retry-After, the server waits as asked and the call succeeds.
func TestSOCaaSRateLimitIsWaitedOut(t *testing.T) {
	clock := emulator.NewManualClock(time.Now())
	w := newWorldWith(t, emulator.Options{Clock: clock, SOCaaSGetPerMinute: 1})
	s := startStdio(t, w.env("FORTICLOUD_MCP_TOOLSETS=socaas"), "")
	if res := s.call(t, "socaas_query", map[string]any{"resource": "alerts"}); res.IsError {
		t.Fatal(resultText(res))
	}
	clock.Advance(58 * time.Second) // the window frees in ~2 s
	done := make(chan struct{})
	go func() {
		defer close(done)
		for w.em.SOCaaSRateLimited() == 0 {
			time.Sleep(20 * time.Millisecond)
		}
		clock.Advance(5 * time.Second) // time passes at the service while the server waits
	}()
	start := time.Now()
	res := s.call(t, "socaas_query", map[string]any{"resource": "service_requests"})
	<-done
	if res.IsError {
		t.Fatalf("after the wait: %s", resultText(res))
	}
	if w.em.SOCaaSRateLimited() != 1 || time.Since(start) < time.Second {
		t.Fatalf("rate limited %d times, call took %s", w.em.SOCaaSRateLimited(), time.Since(start))
	}
	// A wait longer than the tool's deadline is a clear error instead.
	s2 := startStdio(t, w.env("FORTICLOUD_MCP_TOOLSETS=socaas", "FORTICLOUD_MCP_TOOL_TIMEOUT=3s"), "")
	res = s2.call(t, "socaas_query", map[string]any{"resource": "alerts"})
	if !res.IsError || !strings.Contains(resultText(res), "rate limited") {
		t.Fatalf("%q", resultText(res))
	}
}
