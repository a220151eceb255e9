package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"
)

// The FortiCloud IAM OAuth server (forticloud-api.md §1), a FortiAuthenticator
// at customerapiauth.fortinet.com.

const (
	iamTokenPath  = "/api/v1/oauth/token/"
	iamRevokePath = "/api/v1/oauth/revoke_token/"
	iamVerifyPath = "/api/v1/oauth/verify_token/"

	maxOAuthBody = 64 << 10

	descBadCredentials = "Invalid credentials given."
	descNotJSON        = "Request is not valid JSON"
)

func (e *Emulator) serveIAM(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case iamTokenPath:
		e.iamToken(w, r)
	case iamRevokePath:
		e.iamRevoke(w, r)
	case iamVerifyPath:
		e.iamVerify(w, r)
	case iamTokenPath[:len(iamTokenPath)-1], iamRevokePath[:len(iamRevokePath)-1], iamVerifyPath[:len(iamVerifyPath)-1]:
		// forticloud-api.md §1.1: without the trailing slash the server answers
		// 301; a client that follows drops the POST body and then gets a
		// misleading 400 (see iamToken's GET case). Applying it to revoke and
		// verify too is [inf].
		target := r.URL.Path + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
	default:
		notFoundPage(w)
	}
}

// oauthRequestError is a rejected IAM request: status, OAuth error code and
// description.
type oauthRequestError struct {
	status int
	code   string
	desc   string
}

func (e *oauthRequestError) Error() string { return e.code + ": " + e.desc }

func badRequest(desc string) error {
	return &oauthRequestError{http.StatusBadRequest, "invalid_request", desc}
}

// oauthFields are the body fields the IAM endpoints read.
var oauthFields = []string{"grant_type", "username", "password", "client_id", "refresh_token", "token"}

// parseOAuthBody reads an IAM request body. JSON is what Fortinet documents;
// application/x-www-form-urlencoded is what FortinetCloudCSE's Postman
// collection sends, so the server accepts both (forticloud-api.md §1.1).
// Other content types are parsed as JSON, as a JSON-first server would [inf].
func parseOAuthBody(contentType string, body []byte) (map[string]string, error) {
	out := map[string]string{}
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/x-www-form-urlencoded" {
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, badRequest("Request body is not valid form data")
		}
		for _, k := range oauthFields {
			if v := vals.Get(k); v != "" {
				out[k] = v
			}
		}
		return out, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil || raw == nil {
		// An empty body (what a client sends after following the 301) lands
		// here too: forticloud-api.md §1.1's "Request is not valid JSON".
		return nil, badRequest(descNotJSON)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, badRequest(descNotJSON)
	}
	for _, k := range oauthFields {
		switch v := raw[k].(type) {
		case nil:
		case string:
			if v != "" {
				out[k] = v
			}
		default:
			return nil, badRequest(fmt.Sprintf("%s must be a string", k)) // [inf]
		}
	}
	return out, nil
}

func readOAuthBody(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOAuthBody))
	if err != nil {
		return nil, badRequest("Request body too large")
	}
	return parseOAuthBody(r.Header.Get("Content-Type"), body)
}

func writeOAuthRequestError(w http.ResponseWriter, err error) {
	var oe *oauthRequestError
	if errors.As(err, &oe) {
		writeOAuthError(w, oe.status, oe.code, oe.desc)
		return
	}
	writeOAuthError(w, http.StatusInternalServerError, "server_error", "Internal error")
}

// iamToken is POST /api/v1/oauth/token/ (forticloud-api.md §1.1–§1.5).
func (e *Emulator) iamToken(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodPost:
	case http.MethodGet, http.MethodHead:
		// What a client sees after following the 301 from the slash-less URL:
		// the body is gone and the server complains that it is not JSON
		// (forticloud-api.md §1.1, [3p] FGC-CONN, "checked live").
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", descNotJSON)
		return
	default:
		methodNotAllowed(w, http.MethodPost)
		return
	}
	f, err := readOAuthBody(w, r)
	if err != nil {
		writeOAuthRequestError(w, err)
		return
	}
	grantType, clientID := f["grant_type"], f["client_id"]
	noteCaller(r, clientID, f["username"])
	switch grantType {
	case "password", "refresh_token":
	case "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	default:
		// RFC 6749 §5.2 code [inf]; the reference lists no other grant types.
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type")
		return
	}
	// forticloud-api.md §1.3: a wrong client_id is 401 invalid_client. It is
	// checked before the password, so it never counts towards the lock-out [inf].
	if !knownClientIDs[clientID] {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client_id")
		return
	}
	var (
		g         *grant
		refreshed bool
		oerr      *oauthRequestError
	)
	if grantType == "password" {
		g, oerr = e.passwordGrant(f["username"], f["password"], clientID)
	} else {
		g, oerr = e.refreshGrant(f["refresh_token"], clientID)
		refreshed = true
	}
	if oerr != nil {
		writeOAuthRequestError(w, oerr)
		return
	}
	noteCaller(r, clientID, g.user)
	e.rec.countGrant(clientID, refreshed)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, g.response())
}

// passwordGrant checks credentials and the lock-out, then issues a grant.
func (e *Emulator) passwordGrant(username, password, clientID string) (*grant, *oauthRequestError) {
	if username == "" || password == "" {
		return nil, &oauthRequestError{http.StatusBadRequest, "invalid_request", "username and password are required"}
	}
	now := e.clock.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.users[username]
	if u == nil {
		return nil, &oauthRequestError{http.StatusBadRequest, "invalid_grant", descBadCredentials}
	}
	// forticloud-api.md §1.5 rule 2: while locked, even the right password
	// is refused with invalid_grant.
	if e.lockedLocked(username, now) {
		return nil, &oauthRequestError{http.StatusBadRequest, "invalid_grant",
			"Account is locked due to too many failed login attempts. Try again later."}
	}
	if !secretEqual(u.Password, password) {
		e.failLocked(username, now)
		return nil, &oauthRequestError{http.StatusBadRequest, "invalid_grant", descBadCredentials}
	}
	e.succeedLocked(username)
	return e.newGrantLocked(username, clientID, false, now), nil
}

// refreshGrant swaps a refresh token for a new pair. The old pair stops
// working: refresh tokens rotate [inf], and the new grant supersedes the
// old one under the one-live-token rule (§1.5 rule 1).
func (e *Emulator) refreshGrant(refresh, clientID string) (*grant, *oauthRequestError) {
	if refresh == "" {
		return nil, &oauthRequestError{http.StatusBadRequest, "invalid_request", "refresh_token is required"}
	}
	now := e.clock.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.tokens.refreshGrant(refresh, now)
	// Tokens from FortiGate Cloud's own /auth are not the IAM's to refresh,
	// and a refresh token only works for the client_id it was issued to [inf].
	if old == nil || old.legacy || old.clientID != clientID {
		return nil, &oauthRequestError{http.StatusBadRequest, "invalid_grant", "Invalid refresh token"}
	}
	return e.newGrantLocked(old.user, clientID, false, now), nil
}

// iamRevoke is POST /api/v1/oauth/revoke_token/ {client_id, token}. Per the
// FortiAuthenticator REST guide ("OAuth server revoke token", 6.1.1 and
// 6.5.6): 200 whether or not a token was deleted, 400 for an empty token, 401
// for a wrong client; the documented reply is a bare "200 OK".
func (e *Emulator) iamRevoke(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, http.MethodPost)
		return
	}
	f, err := readOAuthBody(w, r)
	if err != nil {
		writeOAuthRequestError(w, err)
		return
	}
	clientID := f["client_id"]
	noteCaller(r, clientID, "")
	if !knownClientIDs[clientID] {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client_id")
		return
	}
	tok := f["token"]
	if tok == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	e.mu.Lock()
	g := e.tokens.byAccess[tok]
	if g == nil {
		g = e.tokens.byRefresh[tok] // revoking either half ends the grant [inf]
	}
	if g != nil && !g.legacy && g.clientID == clientID {
		noteCaller(r, "", g.user)
		e.tokens.drop(g)
	}
	e.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// iamVerify is GET /api/v1/oauth/verify_token/?client_id= with a Bearer
// token: 200 with the username and expires_in, 401 if the token is invalid
// (forticloud-api.md §1.1, FortiAuthenticator doc; unconfirmed on
// customerapiauth [inf]).
func (e *Emulator) iamVerify(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, http.MethodGet)
		return
	}
	clientID := r.URL.Query().Get("client_id")
	noteCaller(r, clientID, "")
	if clientID == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "client_id is required")
		return
	}
	if !knownClientIDs[clientID] {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client_id")
		return
	}
	c, ok := e.callerFor(r)
	if !ok || c.legacy || c.clientID != clientID {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_token", "Invalid or expired token")
		return
	}
	noteCaller(r, "", c.user)
	left := c.expires.Sub(e.clock.Now())
	writeJSON(w, http.StatusOK, obj("username", c.user, "expires_in", int64((left+time.Second-1)/time.Second)))
}
