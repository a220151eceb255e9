// Package console is the approvals console: the small web page where a person approves or denies
// the writes the approval gate holds, and a JSON API for the same. It keeps no state of its own:
// the attempts live in the audit store, and the sign-in is a cookie derived from the console
// token with HMAC, so every process sharing the state directory (and so the token) accepts it.
//
// Everything the page shows was written, at least in part, by a model (payloads, summaries,
// targets): it is escaped by html/template and stripped of hidden characters, never trusted.
package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

// Options configures the console.
type Options struct {
	Gate   *approval.Gate
	Token  string // the sign-in token (see Token); the model never sees it
	Base   string // path prefix the console is served under, e.g. "/approvals/"
	Logger *slog.Logger
}

// Actor is who the audit trail says decided, for decisions given here.
const Actor = "console"

const (
	// sessionTTL bounds a sign-in: the cookie carries its issue time under the HMAC.
	sessionTTL = 12 * time.Hour
	// maxBody bounds a form or JSON body (a decision is a few hundred bytes).
	maxBody = 64 << 10
	// maxReason bounds the reason a person gives, as the audit trail keeps it.
	maxReason = 500
	// historyLimit is how many attempts the history shows.
	historyLimit = 100
	// pendingLimit bounds the pending list (far more than a person can review).
	pendingLimit = 500
	// storeTimeout bounds one request's work on the audit store.
	storeTimeout = 15 * time.Second
	csrfField    = "csrf"
	csrfHeader   = "X-CSRF-Token"
)

// securityHeaders go on every response: no script, no framing, no referrer (a sign-in link
// carries the token), nothing cached (the page holds approvals and a CSRF token).
var securityHeaders = [][2]string{
	{"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
	{"Cache-Control", "no-store"},
	{"X-Content-Type-Options", "nosniff"},
}

// idPattern is the shape of the approval ids audit.NewID makes; anything else is not looked up.
var idPattern = regexp.MustCompile(`^ap-[a-z2-7]{16}$`)

type console struct {
	gate     *approval.Gate
	store    *audit.Store
	token    string
	tokenSum [32]byte
	base     string
	cookie   string
	logger   *slog.Logger
	now      func() time.Time
	broken   string // why the console cannot serve (misconfigured); "" when fine
}

// New returns the console's handler; it serves every path under o.Base.
func New(o Options) http.Handler { return newConsole(o).handler() }

func newConsole(o Options) *console {
	base := o.Base
	if !strings.HasPrefix(base, "/") {
		base = "/" + base
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	c := &console{gate: o.Gate, token: o.Token, base: base, logger: o.Logger, now: time.Now}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.Gate == nil:
		c.broken = "no approval gate"
	case len(o.Token) < 16:
		// An empty or short token would let anyone in: refuse to serve rather than guess.
		c.broken = "no usable console token"
	default:
		c.store = o.Gate.Store()
	}
	if c.broken != "" {
		c.logger.Error("approvals console disabled", "why", c.broken)
	}
	c.tokenSum = sha256.Sum256([]byte(o.Token))
	// The cookie name carries a fingerprint of the token so that two consoles with different
	// tokens on one host (cookies ignore ports) do not overwrite each other's sign-in.
	c.cookie = "forticloud_mcp_console_" + hex.EncodeToString(c.mac("cookie-name", "")[:4])
	return c
}

func (c *console) handler() http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(c.crossOrigin))
	return c.withHeaders(cop.Handler(http.HandlerFunc(c.route)))
}

func (c *console) withHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		for _, kv := range securityHeaders {
			hd.Set(kv[0], kv[1])
		}
		h.ServeHTTP(w, r)
	})
}

func (c *console) route(w http.ResponseWriter, r *http.Request) {
	if c.broken != "" {
		http.Error(w, "the approvals console is not configured on this server", http.StatusServiceUnavailable)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, c.base)
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch {
	case rest == "":
		if allow(w, r, http.MethodGet) {
			c.page(w, r)
		}
	case rest == "login":
		if !allow(w, r, http.MethodGet, http.MethodPost) {
			return
		}
		if r.Method == http.MethodPost {
			c.loginForm(w, r)
		} else {
			c.loginLink(w, r)
		}
	case rest == "logout":
		if allow(w, r, http.MethodPost) {
			c.logout(w, r)
		}
	case rest == "decide":
		if allow(w, r, http.MethodPost) {
			c.decideForm(w, r)
		}
	case rest == "api/approvals":
		if allow(w, r, http.MethodGet) {
			c.apiList(w, r)
		}
	case strings.HasPrefix(rest, "api/approvals/"):
		c.apiOne(w, r, strings.TrimPrefix(rest, "api/approvals/"))
	default:
		http.NotFound(w, r)
	}
}

// allow answers 405 unless r uses one of methods (GET admits HEAD).
func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m || (m == http.MethodGet && r.Method == http.MethodHead) {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

func (c *console) crossOrigin(w http.ResponseWriter, r *http.Request) {
	c.logger.Warn("approvals console: cross-origin request refused", "method", r.Method, "path", r.URL.Path)
	const msg = "refused: this request came from another site; decide in the console page itself"
	if c.isAPI(r) {
		writeJSONError(w, http.StatusForbidden, msg)
		return
	}
	c.renderMessage(w, http.StatusForbidden, msg)
}

func (c *console) isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, c.base+"api/")
}

// --- authentication ---

// mac is HMAC-SHA256 under the console token, with the purpose bound in so that a value made
// for one role (session, CSRF, cookie name) never passes for another.
func (c *console) mac(purpose, data string) []byte {
	m := hmac.New(sha256.New, []byte(c.token))
	m.Write([]byte("forticloud-mcp/console/" + purpose + "/v1\x00" + data))
	return m.Sum(nil)
}

// tokenOK compares a presented token with ours in constant time (hashing first, so that not
// even the length is compared early).
func (c *console) tokenOK(presented string) bool {
	sum := sha256.Sum256([]byte(presented))
	return presented != "" && subtle.ConstantTimeCompare(sum[:], c.tokenSum[:]) == 1
}

// newSession is a session cookie value: its issue time and a random nonce (so that each sign-in
// has its own CSRF token), under an HMAC. Any process with the token can check it.
func (c *console) newSession() string {
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	data := strconv.FormatInt(c.now().Unix(), 10) + "." + base64.RawURLEncoding.EncodeToString(nonce)
	return data + "." + base64.RawURLEncoding.EncodeToString(c.mac("session", data))
}

func (c *console) sessionOK(v string) bool {
	i := strings.LastIndexByte(v, '.')
	if i < 0 || len(v) > 128 {
		return false
	}
	data, sig := v[:i], v[i+1:]
	// Compare the text itself: base64 decoders skip line breaks and tolerate other spellings,
	// and only the form the console issued may pass.
	want := base64.RawURLEncoding.EncodeToString(c.mac("session", data))
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return false
	}
	issued, _, _ := strings.Cut(data, ".")
	secs, err := strconv.ParseInt(issued, 10, 64)
	if err != nil {
		return false
	}
	age := c.now().Sub(time.Unix(secs, 0))
	return age < sessionTTL && age > -time.Minute
}

// session returns the request's valid session cookie value.
func (c *console) session(r *http.Request) (string, bool) {
	ck, err := r.Cookie(c.cookie)
	if err != nil || !c.sessionOK(ck.Value) {
		return "", false
	}
	return ck.Value, true
}

// bearer reports whether the request carries the console token as a bearer token.
func (c *console) bearer(r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && c.tokenOK(strings.TrimSpace(tok))
}

// csrfToken is the CSRF token of a session: bound to it, so it dies with it.
func (c *console) csrfToken(session string) string {
	return base64.RawURLEncoding.EncodeToString(c.mac("csrf", session))
}

func (c *console) csrfOK(session, presented string) bool {
	return presented != "" && subtle.ConstantTimeCompare([]byte(presented), []byte(c.csrfToken(session))) == 1
}

func (c *console) setSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: c.cookie, Value: c.newSession(), Path: c.base, MaxAge: int(sessionTTL / time.Second),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// loginLink signs in with GET <base>login?token=..., the link a person can open.
func (c *console) loginLink(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	if tok == "" {
		if _, ok := c.session(r); ok {
			http.Redirect(w, r, c.base, http.StatusSeeOther)
			return
		}
		c.renderLogin(w, http.StatusOK, "")
		return
	}
	c.signIn(w, r, tok)
}

// loginForm signs in with the form's token field.
func (c *console) loginForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		c.renderLogin(w, http.StatusBadRequest, "The sign-in form could not be read.")
		return
	}
	c.signIn(w, r, strings.TrimSpace(r.PostForm.Get("token")))
}

func (c *console) signIn(w http.ResponseWriter, r *http.Request, tok string) {
	if !c.tokenOK(tok) {
		c.logger.Warn("approvals console: sign-in refused (wrong token)", "remote", r.RemoteAddr)
		c.renderLogin(w, http.StatusForbidden, "That token is not this console's token.")
		return
	}
	c.setSession(w, r)
	c.logger.Info("approvals console: signed in", "remote", r.RemoteAddr)
	// Redirect so that the token leaves the address bar.
	http.Redirect(w, r, c.base, http.StatusSeeOther)
}

func (c *console) logout(w http.ResponseWriter, r *http.Request) {
	sess, ok := c.session(r)
	if !ok {
		c.renderMessage(w, http.StatusForbidden, "You are not signed in.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil || !c.csrfOK(sess, r.PostForm.Get(csrfField)) {
		c.renderMessage(w, http.StatusForbidden, "Refused: the form's CSRF token is missing or wrong. Reload the console and try again.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: c.cookie, Value: "", Path: c.base, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, c.base, http.StatusSeeOther)
}

// --- the page ---

func (c *console) page(w http.ResponseWriter, r *http.Request) {
	sess, ok := c.session(r)
	if !ok {
		// Never any data without a sign-in: just the form.
		c.renderLogin(w, http.StatusOK, "")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	pending, err := c.store.List(ctx, true, pendingLimit)
	if err == nil {
		var history []*audit.Attempt
		if history, err = c.store.List(ctx, false, historyLimit); err == nil {
			c.renderPage(w, c.pageView(ctx, sess, pending, history, r.URL.Query()))
			return
		}
	}
	c.logger.Error("approvals console: reading the audit trail", "error", err)
	c.renderMessage(w, http.StatusInternalServerError, "The audit trail could not be read; see the server's log.")
}

// decideForm takes a decision from the page's form, then redirects back to the page with the
// outcome as a flash code (never free text: a link cannot make the page say anything).
func (c *console) decideForm(w http.ResponseWriter, r *http.Request) {
	sess, ok := c.session(r)
	if !ok {
		c.renderMessage(w, http.StatusForbidden, "Refused: you are not signed in (or your sign-in expired). Sign in and try again.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		c.renderMessage(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	if !c.csrfOK(sess, r.PostForm.Get(csrfField)) {
		c.logger.Warn("approvals console: decision refused (CSRF token missing or wrong)", "remote", r.RemoteAddr)
		c.renderMessage(w, http.StatusForbidden, "Refused: the form's CSRF token is missing or wrong. Reload the console and decide again.")
		return
	}
	id := r.PostForm.Get("id")
	var approve bool
	switch r.PostForm.Get("decision") {
	case "approve":
		approve = true
	case "deny":
	default:
		c.redirectFlash(w, r, flashInvalid, id)
		return
	}
	_, err := c.decide(r.Context(), id, approve, cleanReason(r.PostForm.Get("reason")), "form")
	c.redirectFlash(w, r, flashFor(approve, err), id)
}

func (c *console) redirectFlash(w http.ResponseWriter, r *http.Request, code, id string) {
	q := url.Values{"flash": {code}}
	if idPattern.MatchString(id) {
		q.Set("id", id)
	}
	http.Redirect(w, r, c.base+"?"+q.Encode(), http.StatusSeeOther)
}

// decide records the person's decision through the gate, so that the process holding the write
// (this one or another) runs or drops it.
func (c *console) decide(ctx context.Context, id string, approve bool, reason, via string) (*audit.Attempt, error) {
	// The decision stands once the person has given it: a closed browser tab must not cut the
	// write to the audit trail short. The gate refuses an approval that would run nothing (a
	// request put to the person in their MCP client, or one whose server stopped).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if !idPattern.MatchString(id) {
		return nil, audit.ErrNotFound
	}
	at, err := c.gate.Decide(ctx, id, approve, Actor, reason)
	if err != nil {
		if knownRefusal(err) {
			c.logger.Info("approvals console: decision not recorded", "attempt", id, "approve", approve, "why", err)
		} else {
			c.logger.Error("approvals console: deciding", "attempt", id, "error", err)
		}
		return nil, fmt.Errorf("console: deciding %s: %w", id, err)
	}
	c.logger.Info("approvals console: decided", "attempt", id, "status", at.Status, "tool", at.Tool, "service", at.Service,
		"target", at.Target, "via", via, "reason", reason)
	return at, nil
}

// knownRefusal reports whether err is a decision the store refused for a reason the person can
// read (as opposed to the store failing).
func knownRefusal(err error) bool {
	return errors.Is(err, audit.ErrNotFound) || errors.Is(err, audit.ErrNotPending) || errors.Is(err, audit.ErrExpired) || errors.Is(err, approval.ErrNothingToRun)
}

// cleanReason bounds the person's reason and drops hidden characters.
func cleanReason(s string) string {
	s = strings.TrimSpace(sanitize.String(s))
	if len(s) > maxReason {
		s = strings.ToValidUTF8(s[:maxReason], "")
	}
	return s
}

// --- JSON API ---

// apiAuth admits a bearer token, or a session cookie (with the CSRF header for a POST).
func (c *console) apiAuth(w http.ResponseWriter, r *http.Request) bool {
	if c.bearer(r) {
		return true
	}
	sess, ok := c.session(r)
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if ok {
			return true
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="forticloud-mcp approvals"`)
		writeJSONError(w, http.StatusUnauthorized, "sign in: send the console token as Authorization: Bearer <token>")
		return false
	}
	if ok && c.csrfOK(sess, r.Header.Get(csrfHeader)) {
		return true
	}
	writeJSONError(w, http.StatusForbidden, "refused: send the console token as Authorization: Bearer <token> (or a session cookie with the "+csrfHeader+" header)")
	return false
}

// apiList: GET <base>api/approvals?status=pending|approved|denied|expired|cancelled|all&limit=N.
func (c *console) apiList(w http.ResponseWriter, r *http.Request) {
	if !c.apiAuth(w, r) {
		return
	}
	q := r.URL.Query()
	limit := historyLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			writeJSONError(w, http.StatusBadRequest, "limit must be a whole number from 1 to 1000")
			return
		}
		limit = n
	}
	status := q.Get("status")
	switch status {
	case "", "all", audit.Pending, audit.Approved, audit.Denied, audit.Expired, audit.Cancelled:
	default:
		writeJSONError(w, http.StatusBadRequest, "status must be one of pending, approved, denied, expired, cancelled, all")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
	defer cancel()
	fetch := limit
	if status != "" && status != "all" && status != audit.Pending {
		fetch = 1000 // filtered below: look further back
	}
	list, err := c.store.List(ctx, status == audit.Pending, fetch)
	if err != nil {
		c.logger.Error("approvals console: reading the audit trail", "error", err)
		writeJSONError(w, http.StatusInternalServerError, "the audit trail could not be read")
		return
	}
	out := make([]*audit.Attempt, 0, len(list))
	for _, a := range list {
		if status == "" || status == "all" || a.Status == status {
			out = append(out, a)
		}
		if len(out) == limit {
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// apiOne: GET <base>api/approvals/{id}, POST <base>api/approvals/{id}/approve|deny.
func (c *console) apiOne(w http.ResponseWriter, r *http.Request, rest string) {
	id, action, hasAction := strings.Cut(rest, "/")
	if !hasAction {
		if !allow(w, r, http.MethodGet) || !c.apiAuth(w, r) {
			return
		}
		if !idPattern.MatchString(id) {
			writeJSONError(w, http.StatusNotFound, "no such approval")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), storeTimeout)
		defer cancel()
		a, err := c.store.Get(ctx, id)
		if err != nil {
			if !errors.Is(err, audit.ErrNotFound) {
				c.logger.Error("approvals console: reading an approval", "attempt", id, "error", err)
			}
			c.writeDecideError(r.Context(), w, id, err)
			return
		}
		writeJSON(w, http.StatusOK, a)
		return
	}
	if action != "approve" && action != "deny" {
		writeJSONError(w, http.StatusNotFound, "unknown action: use approve or deny")
		return
	}
	if !allow(w, r, http.MethodPost) || !c.apiAuth(w, r) {
		return
	}
	var body struct {
		Reason string `json:"reason"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		writeJSONError(w, http.StatusBadRequest, "the body must be JSON like {\"reason\": \"...\"} (or empty)")
		return
	}
	a, err := c.decide(r.Context(), id, action == "approve", cleanReason(body.Reason), "api")
	if err != nil {
		c.writeDecideError(r.Context(), w, id, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

func (c *console) writeDecideError(ctx context.Context, w http.ResponseWriter, id string, err error) {
	switch {
	case errors.Is(err, audit.ErrNotFound):
		writeJSONError(w, http.StatusNotFound, "no approval "+quoteID(id)+" is known to this server's audit trail")
	case errors.Is(err, audit.ErrNotPending):
		msg := id + " was already decided"
		// Say how, from the store rather than from the error's text.
		if a, gerr := c.store.Get(ctx, id); gerr == nil {
			msg += ": " + a.Status
			if a.DecidedBy != "" {
				msg += " by " + a.DecidedBy
			}
		}
		writeJSONError(w, http.StatusConflict, msg)
	case errors.Is(err, audit.ErrExpired):
		writeJSONError(w, http.StatusGone, id+" expired before a decision: it did not run")
	case errors.Is(err, approval.ErrNothingToRun):
		writeJSONError(w, http.StatusConflict, nothingToRun(err))
	default:
		writeJSONError(w, http.StatusInternalServerError, "the audit trail could not be updated; see the server's log")
	}
}

// nothingToRun is the gate's account of an approval that would run nothing (its text is the
// gate's own, naming the id, channel and holding server), without our wrapping.
func nothingToRun(err error) string {
	s := err.Error()
	if i := strings.Index(s, approval.ErrNothingToRun.Error()); i >= 0 {
		s = s[i:]
	}
	return s
}

// quoteID shows an id the caller sent only when it has the shape of one.
func quoteID(id string) string {
	if idPattern.MatchString(id) {
		return id
	}
	return "with that id"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "encoding the answer failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
