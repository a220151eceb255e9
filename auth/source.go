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
	// Guard shares refusals between sources of the same API user; nil: this source alone.
	Guard  *RefusalGuard
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.EarlyRefresh <= 0 {
		o.EarlyRefresh = 60 * time.Second
	}
	if o.LoginTimeout <= 0 {
		o.LoginTimeout = 30 * time.Second
	}
	if o.RefusedBackoff <= 0 {
		o.RefusedBackoff = 15 * time.Minute
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
// the previous one, so parallel logins would fight each other).
type cachingSource struct {
	g    grantor
	opts Options

	mu     sync.Mutex
	tok    *oauth2.Token
	issued time.Time
	expiry time.Time

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
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.LoginTimeout)
	defer cancel()

	s.mu.Lock()
	var refreshToken string
	if s.tok != nil {
		refreshToken = s.tok.RefreshToken
	}
	s.mu.Unlock()

	if refreshToken != "" {
		tok, err := s.g.refresh(ctx, refreshToken)
		if err == nil {
			s.refreshGrants.Add(1)
			return s.store(tok), nil
		}
		if !errors.Is(err, errNoRefresh) {
			s.failures.Add(1)
			s.opts.Logger.Warn("token refresh failed; falling back to one password grant", "issuer", s.g.describe(), "error", err)
			var ae *Error
			if errors.As(err, &ae) && ae.Refused {
				s.mu.Lock()
				s.tok = nil // a refused refresh token is dead: never send it again
				s.mu.Unlock()
			}
		}
	}

	if err := s.opts.Guard.blocked(s.g.account(), s.opts.Now()); err != nil {
		return nil, err
	}

	tok, err := s.g.login(ctx)
	if err != nil {
		s.failures.Add(1)
		var ae *Error
		if errors.As(err, &ae) && ae.Refused {
			until := s.opts.Now().Add(s.opts.RefusedBackoff)
			s.opts.Guard.refuse(s.g.account(), until, fmt.Errorf("%w (no new login attempt with these credentials, for any service, until %s, so that the account is not locked out; fix the credentials and restart)",
				err, until.UTC().Format(time.RFC3339)))
			s.mu.Lock()
			s.tok = nil
			s.mu.Unlock()
		}
		return nil, err
	}
	s.passwordGrants.Add(1)
	return s.store(tok), nil
}

func (s *cachingSource) store(tok *oauth2.Token) *oauth2.Token {
	now := s.opts.Now()
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
	s.tok, s.issued, s.expiry = tok, now, expiry
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
		s.tok = &oauth2.Token{RefreshToken: s.tok.RefreshToken}
	}
}
