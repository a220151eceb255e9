// Package auth obtains and caches FortiCloud credentials: IAM OAuth tokens per (API user,
// client_id), FortiGate Cloud's legacy account login, and an HTTP transport that attaches them.
// It knows nothing of tools or MCP.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"
)

// Source hands out a valid access token. Implementations are safe for concurrent use.
type Source interface {
	// Token returns a token valid for at least a short while, logging in or refreshing as needed.
	Token(ctx context.Context) (*oauth2.Token, error)
	// Invalidate tells the source that the service refused accessToken (HTTP 401): the next
	// Token call obtains a new one. A stale report (an older token) is ignored.
	Invalidate(accessToken string)
}

// grantor performs the two ways of obtaining a token against one issuer.
type grantor interface {
	// login is the password grant (or the legacy account login).
	login(ctx context.Context) (*oauth2.Token, error)
	// refresh is the refresh-token grant; errNoRefresh when the issuer has none.
	refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error)
	// describe names the issuer and client for messages, e.g. "FortiCloud IAM (client_id flexvm)".
	describe() string
	// login names the credentials, for the refusal guard (never printed).
	account() string
}

// RefusalGuard remembers refused logins per API user across all its client_ids: the IAM's
// lock-out covers every client_id of the account (forticloud-api.md §1.5 rule 2), so once one
// service's login is refused, no other service may try the same credentials until the back-off
// ends. Share one guard between the sources of a process.
type RefusalGuard struct {
	mu    sync.Mutex
	until map[string]time.Time
	errs  map[string]error
}

// NewRefusalGuard returns an empty guard.
func NewRefusalGuard() *RefusalGuard {
	return &RefusalGuard{until: map[string]time.Time{}, errs: map[string]error{}}
}

func (g *RefusalGuard) blocked(account string, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Before(g.until[account]) {
		return g.errs[account]
	}
	return nil
}

func (g *RefusalGuard) refuse(account string, until time.Time, err error) {
	g.mu.Lock()
	g.until[account], g.errs[account] = until, err
	g.mu.Unlock()
}

func (g *RefusalGuard) clear(account string) {
	g.mu.Lock()
	delete(g.until, account)
	delete(g.errs, account)
	g.mu.Unlock()
}

var errNoRefresh = errors.New("auth: issuer has no refresh grant")

// DefaultEarlyRefresh is Options.EarlyRefresh's default, exported so that measurements can state
// how long a token is reused (its lifetime less min(DefaultEarlyRefresh, lifetime/4)).
const DefaultEarlyRefresh = 60 * time.Second

// Options tune a caching source. Zero values take the defaults.
type Options struct {
	// Now is the clock (tests drive expiry with it). Default time.Now.
	Now func() time.Time
	// EarlyRefresh is the most a token is renewed before it expires (forticloud-api.md §1.5 rule 3:
	// SDKs refresh 30-60 s early). Default 60 s; never more than a quarter of the token's lifetime,
	// so that short-lived tokens are not renewed on every call.
	EarlyRefresh time.Duration
	// LoginTimeout bounds one grant request. Default 30 s.
	LoginTimeout time.Duration
	// RefusedBackoff is how long a refused password grant (invalid_grant) blocks further password
	// grants: the IAM locks an account after repeated failures (§1.5 rule 2), so we never loop.
	// Default 15 min, the low end of the lock-out window.
	RefusedBackoff time.Duration
	// DrainWait is the longest an early renewal waits for the requests still on their way with the
	// current token (see lease). A grant retires the previous token at once (§1.5 rule 1), so
	// renewing under them would have each refused with 401 and sent again, a write costing a
	// second slot of a tight quota (SOCaaS: 5 POSTs a minute). Default 5 s; never past expiry.
	DrainWait time.Duration
	// Guard shares refusals between sources of the same API user; nil: this source alone.
	Guard  *RefusalGuard
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.EarlyRefresh <= 0 {
		o.EarlyRefresh = DefaultEarlyRefresh
	}
	if o.LoginTimeout <= 0 {
		o.LoginTimeout = 30 * time.Second
	}
	if o.RefusedBackoff <= 0 {
		o.RefusedBackoff = 15 * time.Minute
	}
	if o.DrainWait <= 0 {
		o.DrainWait = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Guard == nil {
		o.Guard = NewRefusalGuard()
	}
}

// Stats counts what a source asked of its issuer.
type Stats struct {
	PasswordGrants, RefreshGrants, Failures int64
}

// cachingSource caches one token, renews it early with the refresh grant, falls back once to the
// password grant, and lets only one grant be in flight (§1.5 rule 1: a new token may invalidate
// the previous one, so parallel logins would fight each other). For the same reason an early
// renewal first lets the requests leased on the current token reach the service.
type cachingSource struct {
	g    grantor
	opts Options

	mu     sync.Mutex
	tok    *oauth2.Token
	issued time.Time
	expiry time.Time
	gen    uint64        // bumped whenever tok changes: leases on an older token no longer count
	leases int           // requests on their way with tok
	drain  chan struct{} // closed when leases drops to 0, while a renewal waits for that

	flight singleflight.Group

	passwordGrants, refreshGrants, failures atomic.Int64
}

func newCachingSource(g grantor, opts Options) *cachingSource {
	opts.defaults()
	return &cachingSource{g: g, opts: opts}
}

// Stats reports the grants made so far.
func (s *cachingSource) Stats() Stats {
	return Stats{PasswordGrants: s.passwordGrants.Load(), RefreshGrants: s.refreshGrants.Load(), Failures: s.failures.Load()}
}

func (s *cachingSource) Token(ctx context.Context) (*oauth2.Token, error) {
	if tok := s.cached(); tok != nil {
		return tok, nil
	}
	// The grant runs detached from the first caller's context so that one caller giving up does
	// not fail the others waiting on the same flight; each caller still stops waiting on its own
	// cancellation.
	ch := s.flight.DoChan("token", func() (any, error) { return s.obtain() })
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*oauth2.Token), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("auth: waiting for %s: %w", s.g.describe(), ctx.Err())
	}
}

// cached returns the current token if it is not due for renewal.
func (s *cachingSource) cached() *oauth2.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cachedLocked()
}

func (s *cachingSource) cachedLocked() *oauth2.Token {
	if s.tok == nil || s.tok.AccessToken == "" {
		return nil
	}
	early := s.opts.EarlyRefresh
	if life := s.expiry.Sub(s.issued); life/4 < early {
		early = life / 4
	}
	if !s.opts.Now().Before(s.expiry.Add(-early)) {
		return nil
	}
	return s.tok
}

func (s *cachingSource) obtain() (*oauth2.Token, error) {
	if tok := s.cached(); tok != nil { // another flight finished just before this one started
		return tok, nil
	}
	s.mu.Lock()
	var refreshToken string
	if s.tok != nil {
		refreshToken = s.tok.RefreshToken
	}
	drain, wait := s.drainLocked()
	s.mu.Unlock()
	if drain != nil {
		// New callers wait for this flight meanwhile, so the leases only go down.
		t := time.NewTimer(wait)
		select {
		case <-drain:
		case <-t.C:
			s.opts.Logger.Debug("renewing a token while requests with it are still on their way", "issuer", s.g.describe(), "waited", wait)
		}
		t.Stop()
	}
	// The grant's own timeout starts after the drain: waiting for requests on their way must not
	// eat into the time the IAM has to answer.
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.LoginTimeout)
	defer cancel()

	if refreshToken != "" {
		sent := s.opts.Now()
		tok, err := s.g.refresh(ctx, refreshToken)
		if err == nil {
			s.refreshGrants.Add(1)
			return s.store(tok, sent), nil
		}
		if !errors.Is(err, errNoRefresh) {
			s.failures.Add(1)
			s.opts.Logger.Warn("token refresh failed; falling back to one password grant", "issuer", s.g.describe(), "error", err)
			var ae *Error
			if errors.As(err, &ae) && ae.Refused {
				s.mu.Lock()
				s.setLocked(nil) // a refused refresh token is dead: never send it again
				s.mu.Unlock()
			}
		}
	}

	if err := s.opts.Guard.blocked(s.g.account(), s.opts.Now()); err != nil {
		return nil, err
	}

	sent := s.opts.Now()
	tok, err := s.g.login(ctx)
	if err != nil {
		s.failures.Add(1)
		var ae *Error
		if errors.As(err, &ae) && ae.Refused {
			until := s.opts.Now().Add(s.opts.RefusedBackoff)
			s.opts.Guard.refuse(s.g.account(), until, fmt.Errorf("%w (no new login attempt with these credentials, for any service, until %s, so that the account is not locked out; fix the credentials and restart)",
				err, until.UTC().Format(time.RFC3339)))
			s.mu.Lock()
			s.setLocked(nil)
			s.mu.Unlock()
		}
		return nil, err
	}
	s.passwordGrants.Add(1)
	return s.store(tok, sent), nil
}

// store keeps a token obtained by a grant sent at sent. Its lifetime counts from then, not from
// the reply: the issuer started the clock before answering, so a slow reply must not make the
// token look valid past its real expiry (requests sent then would be refused and sent again).
func (s *cachingSource) store(tok *oauth2.Token, sent time.Time) *oauth2.Token {
	now := sent
	// Honour the expires_in the service returned (it differs by client_id, §1.2); x/oauth2 computes
	// Expiry with the wall clock, so recompute it with ours.
	expiry := tok.Expiry
	if tok.ExpiresIn > 0 {
		expiry = now.Add(time.Duration(tok.ExpiresIn) * time.Second)
	}
	if expiry.IsZero() {
		expiry = now.Add(time.Hour) // [inf] no lifetime given: assume the shortest seen (§1.2)
	}
	s.mu.Lock()
	s.setLocked(tok)
	s.issued, s.expiry = now, expiry
	s.mu.Unlock()
	s.opts.Guard.clear(s.g.account())
	s.opts.Logger.Debug("token obtained", "issuer", s.g.describe(), "expires_in", expiry.Sub(now).Round(time.Second))
	return tok
}

func (s *cachingSource) Invalidate(accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok != nil && s.tok.AccessToken == accessToken {
		// Keep the refresh token: the next Token call tries it before the password grant.
		s.setLocked(&oauth2.Token{RefreshToken: s.tok.RefreshToken})
	}
}

// setLocked replaces the token; the leases on the old one stop holding a renewal back.
func (s *cachingSource) setLocked(tok *oauth2.Token) {
	s.tok = tok
	s.gen++
	s.leases = 0
	if s.drain != nil {
		close(s.drain)
		s.drain = nil
	}
}

// drainLocked returns, when the current token still works and requests are on their way with
// it, a channel closed once they have arrived, and how long to wait for that at most.
func (s *cachingSource) drainLocked() (<-chan struct{}, time.Duration) {
	left := s.expiry.Sub(s.opts.Now())
	if s.tok == nil || s.tok.AccessToken == "" || s.leases == 0 || left <= 0 {
		return nil, 0
	}
	if s.drain == nil {
		s.drain = make(chan struct{})
	}
	return s.drain, min(s.opts.DrainWait, left)
}

// leaser is implemented by the caching sources.
type leaser interface {
	lease(ctx context.Context) (tok *oauth2.Token, release func(), err error)
}

// lease is Token for a request about to be sent: until release (call it once the service has
// answered, or when the request is not sent), an early renewal waits for it (Options.DrainWait),
// so that the new grant does not retire the token under it.
func (s *cachingSource) lease(ctx context.Context) (*oauth2.Token, func(), error) {
	s.mu.Lock()
	if tok := s.cachedLocked(); tok != nil {
		release := s.leaseLocked()
		s.mu.Unlock()
		return tok, release, nil
	}
	s.mu.Unlock()
	for {
		tok, err := s.Token(ctx)
		if err != nil {
			return nil, nil, err
		}
		s.mu.Lock()
		if s.tok == tok { // still current: even a token due at once is better than another grant
			release := s.leaseLocked()
			s.mu.Unlock()
			return tok, release, nil
		}
		s.mu.Unlock()
		if err := ctx.Err(); err != nil { // renewed again meanwhile; ask once more
			return nil, nil, err
		}
	}
}

func (s *cachingSource) leaseLocked() func() {
	gen := s.gen
	s.leases++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.gen != gen {
				return
			}
			if s.leases--; s.leases == 0 && s.drain != nil {
				close(s.drain)
				s.drain = nil
			}
		})
	}
}

// leaseFrom leases a token from src when it can, else just takes one.
func leaseFrom(ctx context.Context, src Source) (*oauth2.Token, func(), error) {
	if l, ok := src.(leaser); ok {
		return l.lease(ctx)
	}
	tok, err := src.Token(ctx)
	return tok, func() {}, err
}
