package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
)

const (
	testToken = "TESTTOKEN-0123456789-abcdefghijklmnop"
	base      = "/approvals/"
)

// lockedBuffer collects the console's log (written from server goroutines).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type fixture struct {
	t     *testing.T
	store *audit.Store
	gate  *approval.Gate
	srv   *httptest.Server
	log   *lockedBuffer

	mu       sync.Mutex
	sessions []string // session cookie values handed out
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store, err := audit.Open(filepath.Join(t.TempDir(), audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	gate, err := approval.New(approval.Config{Mode: approval.ModeRequired, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gate.Close(context.Background()) })
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mux := http.NewServeMux()
	mux.Handle(base, New(Options{Gate: gate, Token: testToken, Base: base, Logger: logger}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f := &fixture{t: t, store: store, gate: gate, srv: srv, log: logs}
	t.Cleanup(func() {
		// No secret ever reaches the log: neither the token nor a session cookie.
		out := logs.String()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, s := range append(f.sessions, testToken) {
			if strings.Contains(out, s) {
				t.Errorf("the log holds a secret:\n%s", out)
			}
		}
	})
	return f
}

// pending records a held write waiting for the console, as the gate does.
func (f *fixture) pending(mutate func(*audit.Attempt)) *audit.Attempt {
	f.t.Helper()
	now := time.Now().UTC()
	a := &audit.Attempt{ID: audit.NewID(), Created: now, Expires: now.Add(10 * time.Minute), Tool: "flex_create_vm", Service: "FortiFlex",
		Target: "config 41102", Method: "create", Summary: "Create 2 FortiGate-VM entitlements", Cost: "about 10 points a day",
		Payload: "{\n  \"configId\": 41102,\n  \"count\": 2\n}", Digest: "d", Mode: approval.ModeRequired, Channel: approval.ChannelConsole,
		Status: audit.Pending, Server: "test:1"}
	if mutate != nil {
		mutate(a)
	}
	if err := f.store.Create(context.Background(), a); err != nil {
		f.t.Fatal(err)
	}
	return a
}

func (f *fixture) status(id string) *audit.Attempt {
	f.t.Helper()
	a, err := f.store.Get(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// client is a browser-like client: no redirects followed unless asked, a cookie jar.
type client struct {
	f      *fixture
	hc     *http.Client
	cookie *http.Cookie
}

func (f *fixture) client() *client {
	return &client{f: f, hc: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	*http.Response
	body string
}

func (c *client) do(method, path string, body io.Reader, hdr map[string]string) response {
	c.f.t.Helper()
	req, err := http.NewRequest(method, c.f.srv.URL+path, body)
	if err != nil {
		c.f.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.f.t.Fatal(err)
	}
	return response{res, string(b)}
}

func (c *client) get(path string) response { return c.do(http.MethodGet, path, nil, nil) }

// postForm posts as a same-origin browser form would.
func (c *client) postForm(path string, form url.Values, hdr map[string]string) response {
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin", "Origin": c.f.srv.URL}
	for k, v := range hdr {
		if v == "" {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), h)
}

// signIn opens the sign-in link and keeps the session cookie.
func (c *client) signIn() {
	c.f.t.Helper()
	res := c.get(base + "login?token=" + url.QueryEscape(testToken))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != base {
		c.f.t.Fatalf("sign-in: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	cks := res.Cookies()
	if len(cks) != 1 {
		c.f.t.Fatalf("sign-in set %d cookies", len(cks))
	}
	c.cookie = &http.Cookie{Name: cks[0].Name, Value: cks[0].Value}
	c.f.mu.Lock()
	c.f.sessions = append(c.f.sessions, c.cookie.Value)
	c.f.mu.Unlock()
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token from the page, as the browser's form would send it.
func (c *client) csrf() string {
	c.f.t.Helper()
	res := c.get(base)
	m := csrfRE.FindStringSubmatch(res.body)
	if res.StatusCode != http.StatusOK || m == nil {
		c.f.t.Fatalf("no CSRF token on the page: %d\n%s", res.StatusCode, res.body)
	}
	return html.UnescapeString(m[1])
}

func (c *client) decide(id, decision, reason, csrf string) response {
	return c.postForm(base+"decide", url.Values{"id": {id}, "decision": {decision}, "reason": {reason}, "csrf": {csrf}}, nil)
}

// follow fetches the page a decision redirected to.
func (c *client) follow(res response) response {
	c.f.t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		c.f.t.Fatalf("want a redirect, got %d\n%s", res.StatusCode, res.body)
	}
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, base) {
		c.f.t.Fatalf("redirect to %q", loc)
	}
	return c.get(loc)
}

func TestNoDataWithoutSignIn(t *testing.T) {
	f := newFixture(t)
	a := f.pending(nil)
	c := f.client()

	res := c.get(base)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.body, `name="token"`) || !strings.Contains(res.body, `action="/approvals/login"`) {
		t.Fatalf("unsigned page: %d\n%s", res.StatusCode, res.body)
	}
	for _, path := range []string{base, base + "login", base + "api/approvals?status=pending", base + "api/approvals/" + a.ID} {
		res := c.get(path)
		if strings.Contains(res.body, a.ID) || strings.Contains(res.body, "41102") || strings.Contains(res.body, "flex_create_vm") {
			t.Errorf("GET %s without sign-in shows data: %d\n%s", path, res.StatusCode, res.body)
		}
	}
	if res := c.get(base + "api/approvals"); res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("API without auth: %d %q", res.StatusCode, res.body)
	}
	// A POST without a session is refused and decides nothing, even with a well-formed form.
	if res := c.decide(a.ID, "approve", "", "x"); res.StatusCode != http.StatusForbidden {
		t.Errorf("decide without session: %d", res.StatusCode)
	}
	if res := c.do(http.MethodPost, base+"api/approvals/"+a.ID+"/approve", nil, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("API decide without auth: %d", res.StatusCode)
	}
	if got := f.status(a.ID); got.Status != audit.Pending {
		t.Fatalf("decided without sign-in: %+v", got)
	}
}

func TestWrongTokenRefused(t *testing.T) {
	f := newFixture(t)
	a := f.pending(nil)
	c := f.client()
	for _, tok := range []string{"wrong", testToken + "x", testToken[:len(testToken)-1], ""} {
		res := c.get(base + "login?token=" + url.QueryEscape(tok))
		if tok == "" {
			if res.StatusCode != http.StatusOK || len(res.Cookies()) != 0 {
				t.Errorf("empty token: %d, %d cookies", res.StatusCode, len(res.Cookies()))
			}
			continue
		}
		if res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 || !strings.Contains(res.body, "not this console") {
			t.Errorf("GET login %q: %d, %d cookies\n%s", tok, res.StatusCode, len(res.Cookies()), res.body)
		}
		res = c.postForm(base+"login", url.Values{"token": {tok}}, nil)
		if res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 {
			t.Errorf("POST login %q: %d, %d cookies", tok, res.StatusCode, len(res.Cookies()))
		}
		res = c.do(http.MethodGet, base+"api/approvals", nil, map[string]string{"Authorization": "Bearer " + tok})
		if res.StatusCode != http.StatusUnauthorized || strings.Contains(res.body, a.ID) {
			t.Errorf("bearer %q: %d", tok, res.StatusCode)
		}
	}

	// A forged cookie, or one past its lifetime, is no sign-in.
	good := f.client()
	good.signIn()
	name := good.cookie.Name
	cons := newConsole(Options{Gate: f.gate, Token: testToken, Base: base})
	cons.now = func() time.Time { return time.Now().Add(-sessionTTL - time.Minute) }
	other := newConsole(Options{Gate: f.gate, Token: "ANOTHER-TOKEN-0123456789abcdef", Base: base})
	for what, v := range map[string]string{
		"forged":   "1700000000.AAAA",
		"expired":  cons.newSession(),
		"other":    other.newSession(),
		"tampered": strings.Replace(good.cookie.Value, ".", "9.", 1),
	} {
		c.cookie = &http.Cookie{Name: name, Value: v}
		if res := c.get(base); strings.Contains(res.body, a.ID) || !strings.Contains(res.body, `name="token"`) {
			t.Errorf("%s cookie shows the page", what)
		}
		if res := c.decide(a.ID, "approve", "", cons.csrfToken(v)); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s cookie decides: %d", what, res.StatusCode)
		}
	}
	if got := f.status(a.ID); got.Status != audit.Pending {
		t.Fatalf("decided with a bad sign-in: %+v", got)
	}
}

func TestSignInCookie(t *testing.T) {
	f := newFixture(t)
	a := f.pending(nil)
	for _, how := range []string{"link", "form"} {
		c := f.client()
		var res response
		if how == "link" {
			res = c.get(base + "login?token=" + url.QueryEscape(testToken))
		} else {
			res = c.postForm(base+"login", url.Values{"token": {testToken}}, nil)
		}
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != base {
			t.Fatalf("%s: %d %q", how, res.StatusCode, res.Header.Get("Location"))
		}
		raw := res.Header.Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/approvals/"} {
			if !strings.Contains(raw, want) {
				t.Errorf("%s: Set-Cookie %q lacks %s", how, raw, want)
			}
		}
		ck := res.Cookies()[0]
		if strings.Contains(ck.Value, testToken) {
			t.Fatalf("the cookie carries the token")
		}
		c.cookie = &http.Cookie{Name: ck.Name, Value: ck.Value}
		page := c.get(base)
		if page.StatusCode != http.StatusOK || !strings.Contains(page.body, a.ID) || strings.Contains(page.body, testToken) {
			t.Fatalf("%s: page after sign-in: %d\n%s", how, page.StatusCode, page.body)
		}
	}
	// A second console sharing the token (another process) accepts the same cookie.
	c := f.client()
	c.signIn()
	h := New(Options{Gate: f.gate, Token: testToken, Base: base})
	req := httptest.NewRequest(http.MethodGet, base, nil)
	req.AddCookie(c.cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), a.ID) {
		t.Fatalf("another console refused the cookie:\n%s", rec.Body)
	}
}

func TestApproveAndDenyThroughTheForm(t *testing.T) {
	f := newFixture(t)
	a := f.pending(nil)
	b := f.pending(func(x *audit.Attempt) { x.Target = "config 41103" })
	c := f.client()
	c.signIn()
	csrf := c.csrf()

	page := c.follow(c.decide(a.ID, "approve", "", csrf))
	got := f.status(a.ID)
	if got.Status != audit.Approved || got.DecidedBy != "console" {
		t.Fatalf("after approve: %+v", got)
	}
	if !strings.Contains(page.body, "Approved "+a.ID) {
		t.Errorf("no confirmation on the page:\n%s", page.body)
	}
	if strings.Contains(page.body, `id="pending-`+a.ID) {
		t.Errorf("the approved write is still listed as pending")
	}

	page = c.follow(c.decide(b.ID, "deny", "  not this config\u202e  ", csrf))
	got = f.status(b.ID)
	if got.Status != audit.Denied || got.DecidedBy != "console" || got.Reason != "not this config" {
		t.Fatalf("after deny: %+v", got)
	}
	if !strings.Contains(page.body, "Denied "+b.ID) || !strings.Contains(page.body, "not this config") {
		t.Errorf("no denial on the page:\n%s", page.body)
	}
	if !strings.Contains(f.log.String(), "approvals console: decided") {
		t.Errorf("decisions not logged:\n%s", f.log)
	}

	// An unknown decision decides nothing.
	d := f.pending(func(x *audit.Attempt) { x.Target = "config 41104" })
	page = c.follow(c.decide(d.ID, "maybe", "", csrf))
	if f.status(d.ID).Status != audit.Pending || !strings.Contains(page.body, "choose Approve or Deny") {
		t.Fatalf("decision %q: %+v", "maybe", f.status(d.ID))
	}
}

func TestCSRFTokenRequired(t *testing.T) {
	f := newFixture(t)
	a := f.pending(nil)
	c := f.client()
	c.signIn()
	other := f.client()
	other.signIn()
	third := f.client()
	third.signIn()
	if third.cookie.Value == other.cookie.Value {
		t.Fatal("two sign-ins share a session")
	}
	for what, tok := range map[string]string{"missing": "", "wrong": "AAAA", "another session's": third.csrf()} {
		res := other.decide(a.ID, "approve", "", tok)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, "CSRF") {
			t.Errorf("%s CSRF token: %d\n%s", what, res.StatusCode, res.body)
		}
	}
	// The JSON API with a cookie needs the CSRF header too.
	if res := c.do(http.MethodPost, base+"api/approvals/"+a.ID+"/approve", nil, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("API with a cookie and no CSRF header: %d", res.StatusCode)
	}
	if got := f.status(a.ID); got.Status != audit.Pending {
		t.Fatalf("decided without a CSRF token: %+v", got)
	}
	res := c.do(http.MethodPost, base+"api/approvals/"+a.ID+"/deny", nil, map[string]string{"X-CSRF-Token": c.csrf()})
	if res.StatusCode != http.StatusOK || f.status(a.ID).Status != audit.Denied {
		t.Fatalf("API with a cookie and the CSRF header: %d %s", res.StatusCode, res.body)
	}
}

func TestCrossOriginRefused(t *testing.T) {
	f := newFixture(t)
	a := f.pending(nil)
	c := f.client()
	c.signIn()
	csrf := c.csrf()
	form := url.Values{"id": {a.ID}, "decision": {"approve"}, "csrf": {csrf}}
	for what, hdr := range map[string]map[string]string{
		"evil origin":          {"Origin": "https://evil.example", "Sec-Fetch-Site": ""},
		"cross-site fetch":     {"Sec-Fetch-Site": "cross-site", "Origin": ""},
		"same-site subdomain":  {"Sec-Fetch-Site": "same-site", "Origin": "http://other.127.0.0.1.nip.io"},
		"cross-site with both": {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
	} {
		for _, path := range []string{base + "decide", base + "logout", base + "login"} {
			res := c.postForm(path, form, hdr)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s POST %s: %d", what, path, res.StatusCode)
			}
		}
		// Even with the bearer token, a browser's cross-site request is refused.
		res := c.do(http.MethodPost, base+"api/approvals/"+a.ID+"/approve", nil,
			map[string]string{"Authorization": "Bearer " + testToken, "Sec-Fetch-Site": "cross-site"})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s API: %d", what, res.StatusCode)
		}
	}
	if got := f.status(a.ID); got.Status != audit.Pending {
		t.Fatalf("a cross-origin request decided: %+v", got)
	}
	// The same form from the page itself goes through.
	c.follow(c.postForm(base+"decide", form, nil))
	if got := f.status(a.ID); got.Status != audit.Approved {
		t.Fatalf("same-origin approve: %+v", got)
	}
}

func TestAlreadyDecidedAndExpired(t *testing.T) {
	f := newFixture(t)
	a := f.pending(nil)
	old := f.pending(func(x *audit.Attempt) {
		x.Created = time.Now().Add(-time.Hour)
		x.Expires = time.Now().Add(-time.Minute)
	})
	c := f.client()
	c.signIn()
	csrf := c.csrf()
	if strings.Contains(c.get(base).body, `id="pending-`+old.ID) {
		t.Error("an expired request is offered for a decision")
	}

	c.follow(c.decide(a.ID, "approve", "", csrf))
	page := c.follow(c.decide(a.ID, "deny", "changed my mind", csrf))
	if !strings.Contains(page.body, "already decided") || !strings.Contains(page.body, "approved (by console)") {
		t.Errorf("double decision: no clear message:\n%s", page.body)
	}
	if got := f.status(a.ID); got.Status != audit.Approved || got.Reason != "" {
		t.Fatalf("the second decision changed the first: %+v", got)
	}

	page = c.follow(c.decide(old.ID, "approve", "", csrf))
	if !strings.Contains(page.body, old.ID+" (flex_create_vm on config 41102) expired") {
		t.Errorf("expired: no clear message:\n%s", page.body)
	}
	if got := f.status(old.ID); got.Status == audit.Approved {
		t.Fatalf("an expired request was approved: %+v", got)
	}

	page = c.follow(c.decide("ap-aaaaaaaaaaaaaaaa", "approve", "", csrf))
	if !strings.Contains(page.body, "No such approval") {
		t.Errorf("unknown id: no clear message:\n%s", page.body)
	}
	page = c.follow(c.decide("<script>", "approve", "", csrf))
	if !strings.Contains(page.body, "No such approval") || strings.Contains(page.body, "<script>") {
		t.Errorf("bad id:\n%s", page.body)
	}
}

func TestAttackerTextIsEscaped(t *testing.T) {
	f := newFixture(t)
	const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	a := f.pending(func(x *audit.Attempt) {
		x.Payload = `{"description": "` + evil + `"}`
		x.Summary, x.Target, x.Tool, x.Cost = "summary "+evil, "target "+evil, "tool"+evil, "cost "+evil
		x.Method = "POST\u202egnp.exe" // a bidi override would make the text read differently
	})
	c := f.client()
	c.signIn()
	page := c.get(base)
	if !strings.Contains(page.body, a.ID) {
		t.Fatalf("the attempt is not shown:\n%s", page.body)
	}
	for _, bad := range []string{"<script>", "<img", "\u202e"} {
		if strings.Contains(page.body, bad) {
			t.Errorf("the page contains %q unescaped", bad)
		}
	}
	if n := strings.Count(page.body, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 5 {
		t.Errorf("the attacker's text is shown escaped %d times, want ≥5 (payload, summary, target, tool, cost)", n)
	}
	if !strings.Contains(page.body, "POSTgnp.exe") {
		t.Error("the method is not shown without its hidden characters")
	}
	// The flash message names the attempt, escaped too.
	page = c.follow(c.decide(a.ID, "deny", evil, c.csrf()))
	if strings.Contains(page.body, "<script>") || !strings.Contains(page.body, "Denied "+a.ID) {
		t.Errorf("after deny:\n%s", page.body)
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	a := f.pending(nil)
	c := f.client()
	signed := f.client()
	signed.signIn()
	checks := map[string]response{
		"login form":    c.get(base),
		"bad sign-in":   c.get(base + "login?token=nope"),
		"sign-in":       c.get(base + "login?token=" + url.QueryEscape(testToken)),
		"page":          signed.get(base),
		"not found":     signed.get(base + "nope"),
		"wrong method":  signed.get(base + "decide"),
		"api":           c.do(http.MethodGet, base+"api/approvals", nil, map[string]string{"Authorization": "Bearer " + testToken}),
		"api 404":       c.do(http.MethodGet, base+"api/approvals/ap-aaaaaaaaaaaaaaaa", nil, map[string]string{"Authorization": "Bearer " + testToken}),
		"csrf refusal":  signed.decide(a.ID, "approve", "", ""),
		"cross-origin":  signed.postForm(base+"decide", url.Values{}, map[string]string{"Sec-Fetch-Site": "cross-site"}),
		"decision":      signed.decide(a.ID, "approve", "", signed.csrf()),
		"unauth decide": c.decide(a.ID, "approve", "", ""),
	}
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
		"X-Content-Type-Options":  "nosniff",
	}
	for what, res := range checks {
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Errorf("%s (%d): %s = %q, want %q", what, res.StatusCode, k, got, v)
			}
		}
	}
	if checks["wrong method"].StatusCode != http.StatusMethodNotAllowed || checks["not found"].StatusCode != http.StatusNotFound {
		t.Errorf("wrong method %d, not found %d", checks["wrong method"].StatusCode, checks["not found"].StatusCode)
	}
}

func TestJSONAPIWithBearer(t *testing.T) {
	f := newFixture(t)
	a := f.pending(nil)
	b := f.pending(func(x *audit.Attempt) { x.Target = "config 41103" })
	old := f.pending(func(x *audit.Attempt) {
		x.Created = time.Now().Add(-time.Hour)
		x.Expires = time.Now().Add(-time.Minute)
	})
	c := f.client()
	auth := map[string]string{"Authorization": "Bearer " + testToken, "Content-Type": "application/json"}

	res := c.do(http.MethodGet, base+"api/approvals?status=pending", nil, auth)
	var list []audit.Attempt
	if err := json.Unmarshal([]byte(res.body), &list); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("list: %d %v\n%s", res.StatusCode, err, res.body)
	}
	ids := map[string]bool{}
	for _, x := range list {
		ids[x.ID] = true
	}
	if len(list) != 2 || !ids[a.ID] || !ids[b.ID] || list[0].Payload == "" {
		t.Fatalf("pending list: %+v", list)
	}

	var decided audit.Attempt
	res = c.do(http.MethodPost, base+"api/approvals/"+a.ID+"/approve", nil, auth)
	if err := json.Unmarshal([]byte(res.body), &decided); err != nil || res.StatusCode != http.StatusOK || decided.Status != audit.Approved || decided.DecidedBy != "console" {
		t.Fatalf("approve: %d %s", res.StatusCode, res.body)
	}
	res = c.do(http.MethodPost, base+"api/approvals/"+b.ID+"/deny", strings.NewReader(`{"reason":"wrong config"}`), auth)
	if err := json.Unmarshal([]byte(res.body), &decided); err != nil || res.StatusCode != http.StatusOK || decided.Status != audit.Denied || decided.Reason != "wrong config" {
		t.Fatalf("deny: %d %s", res.StatusCode, res.body)
	}

	for _, tc := range []struct {
		path, body string
		code       int
		msg        string
	}{
		{a.ID + "/deny", "", http.StatusConflict, "already decided: approved"},
		{old.ID + "/approve", "", http.StatusGone, "expired"},
		{"ap-aaaaaaaaaaaaaaaa/approve", "", http.StatusNotFound, "no approval ap-aaaaaaaaaaaaaaaa"},
		{a.ID + "/maybe", "", http.StatusNotFound, "approve or deny"},
		{a.ID + "/deny", "{not json", http.StatusBadRequest, "must be JSON"},
	} {
		res := c.do(http.MethodPost, base+"api/approvals/"+tc.path, strings.NewReader(tc.body), auth)
		var e struct{ Error string }
		_ = json.Unmarshal([]byte(res.body), &e)
		if res.StatusCode != tc.code || !strings.Contains(e.Error, tc.msg) || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %s, want %d %q", tc.path, res.StatusCode, res.body, tc.code, tc.msg)
		}
	}

	res = c.do(http.MethodGet, base+"api/approvals?status=denied", nil, auth)
	list = nil
	if err := json.Unmarshal([]byte(res.body), &list); err != nil || len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("denied list: %s", res.body)
	}
	res = c.do(http.MethodGet, base+"api/approvals/"+a.ID, nil, auth)
	if err := json.Unmarshal([]byte(res.body), &decided); err != nil || decided.ID != a.ID || decided.Status != audit.Approved {
		t.Fatalf("get: %s", res.body)
	}
	if res := c.do(http.MethodGet, base+"api/approvals?status=bogus", nil, auth); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad status filter: %d", res.StatusCode)
	}
	res = c.do(http.MethodGet, base+"api/approvals?status=pending", nil, auth)
	if strings.TrimSpace(res.body) != "[]" {
		t.Errorf("empty pending list: %q", res.body)
	}
}

// TestElicitationAttemptsAreNotApprovedHere: an attempt put to the person in their MCP client
// must be answered there; a console approval would run nothing and only make that answer fail
// as a replay. Denying it is fine.
func TestElicitationAttemptsAreNotApprovedHere(t *testing.T) {
	f := newFixture(t)
	a := f.pending(func(x *audit.Attempt) { x.Channel = approval.ChannelElicitation })
	c := f.client()
	c.signIn()
	page := c.get(base)
	if strings.Contains(page.body, `id="approve-`+a.ID) || !strings.Contains(page.body, "1 more waiting in an MCP client") {
		t.Fatalf("an elicitation attempt is offered here:\n%s", page.body)
	}
	page = c.follow(c.decide(a.ID, "approve", "", c.csrf()))
	if !strings.Contains(page.body, "was not approved: an approval here would run nothing") || !strings.Contains(page.body, "answer it there") ||
		f.status(a.ID).Status != audit.Pending {
		t.Fatalf("approved an elicitation attempt: %+v\n%s", f.status(a.ID), page.body)
	}
	bearer := map[string]string{"Authorization": "Bearer " + testToken}
	res := c.do(http.MethodPost, base+"api/approvals/"+a.ID+"/approve", nil, bearer)
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.body, "would run nothing") || f.status(a.ID).Status != audit.Pending {
		t.Fatalf("API approved an elicitation attempt: %d %s", res.StatusCode, res.body)
	}
	res = c.do(http.MethodPost, base+"api/approvals/"+a.ID+"/deny", strings.NewReader(`{"reason":"stuck"}`), bearer)
	if got := f.status(a.ID); res.StatusCode != http.StatusOK || got.Status != audit.Denied || got.DecidedBy != "console" {
		t.Fatalf("API deny of an elicitation attempt: %d %s %+v", res.StatusCode, res.body, got)
	}
}

// TestStoppedServerCannotBeApproved: a write whose server process has stopped can only be
// denied: an approval would read as approved while nothing ever runs it.
func TestStoppedServerCannotBeApproved(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	dead := fmt.Sprintf("%s:%d", host, cmd.Process.Pid)
	if !approval.HolderGone(dead) {
		t.Skipf("pid %d was reused already", cmd.Process.Pid)
	}
	f := newFixture(t)
	a := f.pending(func(x *audit.Attempt) { x.Server = dead })
	live := f.pending(func(x *audit.Attempt) { x.Server = fmt.Sprintf("%s:%d", host, os.Getpid()); x.Target = "config 41103" })
	c := f.client()
	c.signIn()
	page := c.get(base)
	if strings.Contains(page.body, `id="approve-`+a.ID) || !strings.Contains(page.body, `id="deny-`+a.ID) || !strings.Contains(page.body, "has stopped") {
		t.Fatalf("a stopped server's write is offered for approval:\n%s", page.body)
	}
	if !strings.Contains(page.body, `id="approve-`+live.ID) {
		t.Fatalf("a live server's write is not offered for approval")
	}
	page = c.follow(c.decide(a.ID, "approve", "", c.csrf()))
	if !strings.Contains(page.body, "has stopped") || f.status(a.ID).Status != audit.Pending {
		t.Fatalf("approved a stopped server's write: %+v\n%s", f.status(a.ID), page.body)
	}
	c.follow(c.decide(a.ID, "deny", "", c.csrf()))
	if got := f.status(a.ID); got.Status != audit.Denied {
		t.Fatalf("deny: %+v", got)
	}
}

// TestHeldWriteRunsAfterApproval goes through the real gate: a write held by Gate.Approve runs
// once the console approves it, and not at all when the console denies it.
func TestHeldWriteRunsAfterApproval(t *testing.T) {
	f := newFixture(t)
	c := f.client()
	c.signIn()
	csrf := c.csrf()

	for _, approve := range []bool{true, false} {
		var ran sync.WaitGroup
		ran.Add(1)
		runs := 0
		done := make(chan error, 1)
		act := approval.Action{Tool: "flex_create_vm", Service: "FortiFlex", Target: "config 41102", Method: "create",
			Summary: "Create VMs", Payload: map[string]any{"configId": 41102, "approve": approve}}
		res := approval.Run(context.Background(), mcp.MultiRoundTripParams{}, func(ctx context.Context) *mcp.CallToolResult {
			defer ran.Done()
			_, err := f.gate.Approve(ctx, act)
			done <- err
			if err != nil {
				return mcp.NewToolResultError(err.Error())
			}
			runs++
			return mcp.NewToolResultText("created")
		}, func(h approval.Held) *mcp.CallToolResult {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{mcp.NewTextContent("held " + h.ID)}}
		})
		text := res.Content[0].(mcp.TextContent).Text
		id, ok := strings.CutPrefix(text, "held ")
		if !ok {
			t.Fatalf("not held: %s", text)
		}
		page := c.get(base)
		if !strings.Contains(page.body, `id="pending-`+id) || !strings.Contains(page.body, "&#34;configId&#34;: 41102") {
			t.Fatalf("the held write is not on the page:\n%s", page.body)
		}
		decision := "deny"
		if approve {
			decision = "approve"
		}
		c.follow(c.decide(id, decision, "", csrf))
		select {
		case err := <-done:
			var denied *approval.DeniedError
			if approve != (err == nil) || (!approve && !errors.As(err, &denied)) {
				t.Fatalf("approve=%v: the gate answered %v", approve, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("approve=%v: the gate did not see the decision", approve)
		}
		ran.Wait()
		want := map[bool]int{true: 1, false: 0}[approve]
		if runs != want {
			t.Fatalf("approve=%v: ran %d times", approve, runs)
		}
		if approve {
			deadline := time.Now().Add(5 * time.Second)
			for f.status(id).Outcome != audit.Succeeded && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if page := c.get(base); !strings.Contains(page.body, "succeeded") || !strings.Contains(page.body, "created") {
				t.Fatalf("the outcome is not in the history:\n%s", page.body)
			}
		} else if got := f.status(id); got.Status != audit.Denied || got.Outcome != "" {
			t.Fatalf("after deny: %+v", got)
		}
	}
}

func TestMisconfiguredConsoleServesNothing(t *testing.T) {
	f := newFixture(t)
	f.pending(nil)
	for _, o := range []Options{{Gate: f.gate, Token: "", Base: base}, {Gate: f.gate, Token: "short", Base: base}, {Token: testToken, Base: base}} {
		h := New(o)
		for _, target := range []string{base, base + "login?token=", base + "login?token=short", base + "api/approvals"} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
			if rec.Code != http.StatusServiceUnavailable || len(rec.Result().Cookies()) != 0 {
				t.Errorf("%+v %s: %d", o.Token, target, rec.Code)
			}
		}
	}
}
