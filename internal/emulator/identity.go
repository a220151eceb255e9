package emulator

import (
	"crypto/subtle"
	"maps"
	"net/http"
	"strings"
	"time"
)

// APIUser is a FortiCloud IAM API user, as in a downloaded credentials file
// (forticloud-api.md §1.1: username is the apiId UUID, password the
// downloaded API password).
type APIUser struct {
	Username, Password string
	// Portals maps an IAM client_id to the access type: "Admin", "ReadWrite" or "Read".
	// A token is issued for any client_id the IAM knows (see §1.4), but FortiGate Cloud answers
	// 401 {"error":"invalid_client"} unless Portals["fortigatecloud"] == "Admin" (§1.5 rule 4).
	Portals map[string]string
	// AccountID is the FortiCloud account the user belongs to (FortiFlex
	// "accountId"). FortiFlex shows the user this account's programs and
	// those of its sub-accounts; 0 means none.
	AccountID int64
}

// Portal access types.
const (
	AccessAdmin     = "Admin"
	AccessReadWrite = "ReadWrite"
	AccessRead      = "Read"
)

// AddAPIUser adds an IAM API user, or replaces the one with the same
// username (tokens already issued stay valid; portal access is read at each
// request, so a change applies at once).
func (e *Emulator) AddAPIUser(u APIUser) {
	u.Portals = maps.Clone(u.Portals)
	e.mu.Lock()
	e.users[u.Username] = &u
	e.mu.Unlock()
}

// AddLegacyAccount adds a FortiGate Cloud account login for the legacy
// POST /forticloudapi/v1/auth (forticloud-api.md §3.1).
func (e *Emulator) AddLegacyAccount(accountID, userName, password string) {
	e.mu.Lock()
	e.legacy[legacyKey{accountID, userName}] = password
	e.mu.Unlock()
}

type legacyKey struct{ accountID, userName string }

// knownClientIDs are the client_id values the IAM issues tokens for
// (forticloud-api.md §1.4). Case matters: "FortiAnalyzer", not "fortianalyzer".
var knownClientIDs = map[string]bool{
	"flexvm":          true,
	"fortigatecloud":  true,
	"FortiAnalyzer":   true,
	"FortiManager":    true,
	"socaas":          true,
	"assetmanagement": true,
	"organization":    true,
	"iam":             true,
	"fortilancloud":   true,
	"fortiedgecloud":  true,
}

// defaultTTL is expires_in per client_id (forticloud-api.md §1.2 table).
func defaultTTL(clientID string) time.Duration {
	switch clientID {
	case "fortigatecloud", "fortilancloud", "fortiedgecloud":
		return 14400 * time.Second
	case "flexvm":
		return 3660 * time.Second
	case "socaas":
		return 36000 * time.Second
	default: // FortiAnalyzer, FortiManager: 3600 per §1.2; others [inf]
		return 3600 * time.Second
	}
}

// scopeFor is the token body's scope: SOCaaS shows "openid", every other
// documented body "read write" (forticloud-api.md §1.2).
func scopeFor(clientID string) string {
	if clientID == "socaas" {
		return "openid"
	}
	return "read write"
}

func (e *Emulator) accessTTL(clientID string) time.Duration {
	if d, ok := e.opts.TokenTTL[clientID]; ok && d > 0 {
		return d
	}
	return defaultTTL(clientID)
}

// tokenResponse is the documented success body (forticloud-api.md §1.2),
// field order as in the docs.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Message      string `json:"message"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	Status       string `json:"status"`
	TokenType    string `json:"token_type"`
}

// grant is one issued access/refresh token pair.
type grant struct {
	access, refresh string
	user, clientID  string
	legacy          bool // issued by FortiGate Cloud's own /auth, not by the IAM
	accessExp       time.Time
	refreshExp      time.Time
	ttl             time.Duration
}

func (g *grant) response() tokenResponse {
	secs := int64((g.ttl + time.Second - 1) / time.Second)
	return tokenResponse{
		AccessToken:  g.access,
		ExpiresIn:    secs,
		Message:      "successfully authenticated",
		RefreshToken: g.refresh,
		Scope:        scopeFor(g.clientID),
		Status:       "success",
		TokenType:    "Bearer",
	}
}

type pairKey struct {
	user, clientID string
	legacy         bool
}

// tokenStore holds the live grants. forticloud-api.md §1.5 rule 1: one live
// token per API user; a new grant invalidates the earlier one. Following the
// reference's [inf], the emulator applies it per (user, client_id), so
// tokens for different portals coexist. Memory stays bounded by
// users × client_ids because each pair holds at most one grant.
type tokenStore struct {
	byAccess  map[string]*grant
	byRefresh map[string]*grant
	byPair    map[pairKey]*grant
}

func newTokenStore() tokenStore {
	return tokenStore{byAccess: map[string]*grant{}, byRefresh: map[string]*grant{}, byPair: map[pairKey]*grant{}}
}

// issue stores g, superseding the pair's previous grant (its access and
// refresh tokens stop working).
func (s *tokenStore) issue(g *grant) {
	k := pairKey{g.user, g.clientID, g.legacy}
	if old := s.byPair[k]; old != nil {
		s.drop(old)
	}
	s.byPair[k] = g
	s.byAccess[g.access] = g
	s.byRefresh[g.refresh] = g
}

func (s *tokenStore) drop(g *grant) {
	delete(s.byAccess, g.access)
	delete(s.byRefresh, g.refresh)
	k := pairKey{g.user, g.clientID, g.legacy}
	if s.byPair[k] == g {
		delete(s.byPair, k)
	}
}

func (s *tokenStore) accessGrant(tok string, now time.Time) *grant {
	g := s.byAccess[tok]
	if g == nil || !now.Before(g.accessExp) {
		return nil
	}
	return g
}

func (s *tokenStore) refreshGrant(tok string, now time.Time) *grant {
	g := s.byRefresh[tok]
	if g == nil || !now.Before(g.refreshExp) {
		return nil
	}
	return g
}

// newGrantLocked issues a grant for (user, clientID). Caller holds e.mu.
func (e *Emulator) newGrantLocked(user, clientID string, legacy bool, now time.Time) *grant {
	ttl := e.accessTTL(clientID)
	g := &grant{
		access: newToken(), refresh: newToken(),
		user: user, clientID: clientID, legacy: legacy,
		accessExp: now.Add(ttl), refreshExp: now.Add(e.opts.RefreshTokenTTL), ttl: ttl,
	}
	e.tokens.issue(g)
	e.issued = append(e.issued, g.access, g.refresh)
	if len(e.issued) > maxIssuedHistory {
		e.issued = append([]string(nil), e.issued[len(e.issued)-maxIssuedHistory*3/4:]...)
	}
	return g
}

// maxIssuedHistory bounds IssuedTokens in long sandbox sessions.
const maxIssuedHistory = 10_000

// IssuedTokens returns every access and refresh token issued since New (the
// most recent 10,000), revoked and expired ones included, so that tests can
// check none of them leaks into results or logs. It returns secrets: never
// log it.
func (e *Emulator) IssuedTokens() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.issued...)
}

// RevokeTokens invalidates every issued access and refresh token, as if the
// service had revoked or expired them all.
func (e *Emulator) RevokeTokens() {
	e.mu.Lock()
	e.tokens = newTokenStore()
	e.mu.Unlock()
}

// RevokeAccessTokens makes every access token issued so far for clientID
// ("" = every client_id, FortiGate Cloud's legacy /auth tokens included)
// stop working at once: each service then answers as for an unknown token.
// Refresh tokens stay valid, so a client recovers with a refresh grant;
// RevokeTokens ends those too. FortiAnalyzer sessions already open live on
// (forticloud-api.md §4.1 step 4).
func (e *Emulator) RevokeAccessTokens(clientID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for tok, g := range e.tokens.byAccess {
		if clientID == "" || g.clientID == clientID {
			delete(e.tokens.byAccess, tok)
		}
	}
}

// LockOut locks the IAM API user username at once, in the state that
// Options.LockoutThreshold failed password grants leave (forticloud-api.md
// §1.5 rule 2): every password grant, on any client_id and with the right
// password, is refused with invalid_grant until Options.LockoutDuration has
// passed on the Clock or Unlock is called. Issued tokens and refresh grants
// are not affected, as after a real streak (the reference is silent [inf]).
func (e *Emulator) LockOut(username string) {
	now := e.clock.Now()
	e.mu.Lock()
	e.lockouts[username] = &lockState{failures: e.opts.LockoutThreshold, lockedUntil: now.Add(e.opts.LockoutDuration)}
	e.mu.Unlock()
}

// Unlock lifts a lock-out of username (by LockOut or by failed grants) and
// resets its count of failures.
func (e *Emulator) Unlock(username string) {
	e.mu.Lock()
	delete(e.lockouts, username)
	e.mu.Unlock()
}

// lockState counts consecutive failed password grants for one login.
type lockState struct {
	failures    int
	lockedUntil time.Time
}

// lockedLocked reports whether key is locked out at now; an expired lock is
// cleared. Caller holds e.mu. forticloud-api.md §1.5 rule 2: the lock-out
// covers every client_id, so the key is the login, never (login, client_id).
func (e *Emulator) lockedLocked(key string, now time.Time) bool {
	ls := e.lockouts[key]
	if ls == nil || ls.lockedUntil.IsZero() {
		return false
	}
	if now.Before(ls.lockedUntil) {
		return true
	}
	delete(e.lockouts, key) // lock expired: start counting afresh [inf]
	return false
}

// failLocked counts a failed password grant and locks the login once the
// threshold is reached. Only known logins are tracked, so guessing names
// cannot grow the table.
func (e *Emulator) failLocked(key string, now time.Time) {
	ls := e.lockouts[key]
	if ls == nil {
		ls = &lockState{}
		e.lockouts[key] = ls
	}
	ls.failures++
	if ls.failures >= e.opts.LockoutThreshold {
		ls.lockedUntil = now.Add(e.opts.LockoutDuration)
	}
}

func (e *Emulator) succeedLocked(key string) { delete(e.lockouts, key) }

func secretEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// bearerToken extracts the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// caller is who a valid bearer token belongs to (a copy, safe to use without
// the lock).
type caller struct {
	user, clientID string
	legacy         bool
	expires        time.Time
}

// callerFor resolves the request's bearer token. It reports false for a
// missing, unknown, expired, superseded or revoked token.
func (e *Emulator) callerFor(r *http.Request) (caller, bool) {
	tok, ok := bearerToken(r)
	if !ok {
		return caller{}, false
	}
	now := e.clock.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.tokens.accessGrant(tok, now)
	if g == nil {
		return caller{}, false
	}
	return caller{user: g.user, clientID: g.clientID, legacy: g.legacy, expires: g.accessExp}, true
}

// portalAccess returns the user's access type for a portal ("" when none).
func (e *Emulator) portalAccess(user, clientID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if u := e.users[user]; u != nil {
		return u.Portals[clientID]
	}
	return ""
}
