package e2e

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

// browserChromium is Debian's Chromium, which CI installs.
const browserChromium = "/usr/bin/chromium"

// browserHeld is what a held write tells the model.
type browserHeld struct {
	ApprovalID string `json:"approval_id"`
	Status     string `json:"status"`
}

// browserStatus is approval_status's answer.
type browserStatus struct {
	ApprovalID string `json:"approval_id"`
	Status     string `json:"status"`
	DecidedBy  string `json:"decided_by"`
	Reason     string `json:"reason"`
}

// TestConsoleBrowser is a person at the approvals console in a real browser: a write the model
// asks for is held (its client cannot elicit), the person signs in with the link, sees exactly
// what will be sent, and approves it, and it runs once; a second is denied and never runs; the
// history shows both.
func TestConsoleBrowser(t *testing.T) {
	if _, err := os.Stat(browserChromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install Chromium at %s for the console's browser test: %v", browserChromium, err)
		}
		t.Skipf("no Chromium at %s: %v", browserChromium, err)
	}
	w := newWorld(t)
	mcpURL, stderr := startHTTPProcess(t, w.env("FORTICLOUD_MCP_TOOLSETS=fortiflex"))
	consoleURL := strings.TrimSuffix(mcpURL, "/mcp") + "/approvals/"

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// No elicitation handler: the client cannot ask its user, so writes wait in the console.
	session, err := client().Connect(ctx, &mcp.StreamableClientTransport{Endpoint: mcpURL, HTTPClient: &http.Client{}, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatalf("connect: %v\nstderr:\n%s", err, stderr)
	}
	t.Cleanup(func() { session.Close() })
	call := func(tool string, args map[string]any) *mcp.CallToolResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		res, err := session.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v\nstderr:\n%s", tool, err, stderr)
		}
		return res
	}
	hold := func(count int, description string) string {
		t.Helper()
		res := call("flex_create_vm", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": count, "description": description})
		var held browserHeld
		structured(t, res, &held)
		if !res.IsError || held.Status != "pending" || !strings.HasPrefix(held.ApprovalID, "ap-") || !strings.Contains(resultText(res), "waiting for a person's approval") {
			t.Fatalf("flex_create_vm was not held: %s\nstderr:\n%s", resultText(res), stderr)
		}
		return held.ApprovalID
	}
	status := func(id string) browserStatus {
		t.Helper()
		res := call("approval_status", map[string]any{"approval_id": id, "wait_seconds": 30})
		var st browserStatus
		structured(t, res, &st)
		if st.ApprovalID != id {
			t.Fatalf("approval_status %s: %s", id, resultText(res))
		}
		return st
	}
	created := func(description string) int {
		n := 0
		for _, e := range w.em.FlexEntitlements() {
			if e.Description == description {
				n++
			}
		}
		return n
	}

	first := hold(2, "console browser approve")
	if n := w.em.FlexCreates(); n != 0 {
		t.Fatalf("%d creations upstream before any approval", n)
	}
	token, err := os.ReadFile(filepath.Join(w.stateDir, "console-token"))
	if err != nil || len(strings.TrimSpace(string(token))) < 16 {
		t.Fatalf("console token: %v", err)
	}

	b := newBrowser(t)
	b.do("sign in", chromedp.Navigate(consoleURL+"login?token="+url.QueryEscape(strings.TrimSpace(string(token)))),
		chromedp.WaitVisible(chromedp.ID("pending-"+first)))
	card := b.text("pending card", "#pending-"+first)
	for _, want := range []string{first, "flex_create_vm", "FortiFlex", "configuration " + strconv.FormatInt(emulator.DemoFlexConfigFGTVM, 10), "create",
		`"configId": ` + strconv.FormatInt(emulator.DemoFlexConfigFGTVM, 10), `"count": 2`, `"description": "console browser approve"`} {
		if !strings.Contains(card, want) {
			t.Errorf("the pending card lacks %q:\n%s", want, card)
		}
	}
	if address := b.location(); strings.Contains(address, "token") {
		t.Errorf("the token stayed in the address bar: %s", address)
	}
	b.do("approve", chromedp.Click(chromedp.ID("approve-"+first)), chromedp.WaitVisible(chromedp.ID("flash")))
	if flash := b.text("flash", "#flash"); !strings.Contains(flash, "Approved "+first) {
		t.Fatalf("after Approve: %q", flash)
	}
	if st := status(first); st.Status != "succeeded" || st.DecidedBy != "console" {
		t.Fatalf("approval_status after Approve: %+v\nstderr:\n%s", st, stderr)
	}
	if n, c := w.em.FlexCreates(), created("console browser approve"); n != 1 || c != 2 {
		t.Fatalf("after Approve: %d creations upstream, %d entitlements; want 1 creation of 2", n, c)
	}

	second := hold(1, "console browser deny")
	b.do("deny", chromedp.Navigate(consoleURL),
		chromedp.WaitVisible(chromedp.ID("pending-"+second)),
		chromedp.SendKeys(chromedp.CSS("#pending-"+second+" input[name=reason]"), "not this week"),
		chromedp.Click(chromedp.ID("deny-"+second)),
		chromedp.WaitVisible(chromedp.ID("flash")))
	if flash := b.text("flash", "#flash"); !strings.Contains(flash, "Denied "+second) {
		t.Fatalf("after Deny: %q", flash)
	}
	if st := status(second); st.Status != "denied" || st.DecidedBy != "console" || !strings.Contains(st.Reason, "not this week") {
		t.Fatalf("approval_status after Deny: %+v", st)
	}
	if n, c := w.em.FlexCreates(), created("console browser deny"); n != 1 || c != 0 {
		t.Fatalf("after Deny: %d creations upstream, %d denied entitlements", n, c)
	}

	b.do("history", chromedp.Navigate(consoleURL), chromedp.WaitVisible(chromedp.ID("history-"+second)))
	approvedRow, deniedRow := b.text("approved row", "#history-"+first), b.text("denied row", "#history-"+second)
	for row, wants := range map[string][]string{approvedRow: {"approved", "console", "succeeded"}, deniedRow: {"denied", "not this week", "console"}} {
		for _, want := range wants {
			if !strings.Contains(row, want) {
				t.Errorf("history row lacks %q: %q", want, row)
			}
		}
	}
	if pending := b.text("pending", "#pending"); strings.Contains(deniedRow, "succeeded") || strings.Contains(pending, first) || strings.Contains(pending, second) {
		t.Errorf("after both decisions:\ndenied row %q\npending %q", deniedRow, pending)
	}
}

// browser is one headless Chromium with its own profile.
type browser struct {
	t   *testing.T
	ctx context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browserChromium),
		chromedp.UserDataDir(t.TempDir()),
		// Root in a container with no network: no sandbox, and nothing that phones home.
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-proxy-server", true),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first run starts the browser, with no timeout on its context (one would stop the
	// browser when it ends); the test's own deadline bounds it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return &browser{t: t, ctx: ctx}
}

// step bounds one step, so that a missing element fails the test instead of hanging it.
func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 30*time.Second)
}

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(what, err)
	}
}

// text is the visible text of the element css selects.
func (b *browser) text(what, css string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		b.fail(what, err)
	}
	return s
}

func (b *browser) location() string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.fail("location", err)
	}
	return s
}

// fail ends the test with the page as the browser shows it.
func (b *browser) fail(what string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	page, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	b.t.Fatalf("browser: %s: %v\npage:\n%s", what, err, page)
}
