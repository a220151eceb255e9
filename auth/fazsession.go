package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// ErrSessionExpired is what a FortiAnalyzer call returns when the service answered -11 "No
// permission for the resource", its way of reporting an expired or closed session
// (forticloud-api.md §4.1 step 6).
var ErrSessionExpired = errors.New("FortiAnalyzer session expired (-11)")

// LoginMax is FortiAnalyzer's default cap on an API user's simultaneous sessions
// (fortinet-docs/fortianalyzer-cloud-api-users.txt: login-max, default 20).
const LoginMax = 20

// SessionFuncs are the two calls a session pool makes upstream.
type SessionFuncs struct {
	// Login turns a token into a JSON-RPC session (POST /p/forticloud_jsonrpc_login/).
	Login func(ctx context.Context) (session string, err error)
	// Logout ends a session (exec sys/logout).
	Logout func(ctx context.Context, session string) error
	// Check (optional) tells whether a session still works (a cheap read). -11 is also how
	// FortiAnalyzer refuses a request the API user may not make; Check tells the two apart so
	// that a permission error does not cost a logout and a login.
	Check func(ctx context.Context, session string) error
}

// SessionPoolOptions tune a SessionPool.
type SessionPoolOptions struct {
	// MaxSessions is how many sessions the pool may hold (FORTIANALYZER_MAX_SESSIONS): default 1,
	// never above LoginMax. Sessions are shared by concurrent calls; a second one opens only when
	// every open session already carries PerSession calls.
	MaxSessions int
	PerSession  int           // concurrent calls per session before another opens (default 8)
	RetryAfter  time.Duration // after a failed login, no new attempt for this long (default 10 s)
	Now         func() time.Time
	Logger      *slog.Logger
}

// SessionPool shares FortiAnalyzer JSON-RPC sessions between concurrent calls, the way a good
// citizen of a login-max budget should: one login in flight per slot, a session re-opened once
// when the service reports it expired, every session logged out on Close, and a failed login never
// retried in a loop.
type SessionPool struct {
	fn   SessionFuncs
	opts SessionPoolOptions

	mu        sync.Mutex
	slots     []*slot
	closed    bool
	failUntil time.Time
	failErr   error

	flight singleflight.Group
	logins sync.WaitGroup // logins in flight, waited for by Close
}

type slot struct {
	id       int
	session  string // "" while logged out
	inFlight int
}

// NewSessionPool returns a pool; no session is opened until the first call.
func NewSessionPool(fn SessionFuncs, opts SessionPoolOptions) *SessionPool {
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = 1
	}
	opts.MaxSessions = min(opts.MaxSessions, LoginMax)
	if opts.PerSession <= 0 {
		opts.PerSession = 8
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &SessionPool{fn: fn, opts: opts}
}

// Do runs call with a session. When call reports ErrSessionExpired, the session is replaced
// (one login) and call runs once more; a second expiry is a real permission error.
func (p *SessionPool) Do(ctx context.Context, call func(ctx context.Context, session string) error) error {
	s, err := p.acquire()
	if err != nil {
		return err
	}
	defer p.release(s)
	sess, err := p.sessionOf(ctx, s)
	if err != nil {
		return err
	}
	err = call(ctx, sess)
	if !errors.Is(err, ErrSessionExpired) {
		return err
	}
	if p.fn.Check != nil {
		if cerr := p.fn.Check(ctx, sess); cerr == nil {
			return permissionError(err) // the session works: this -11 is a real refusal
		}
	}
	p.drop(s, sess)
	if sess, err = p.sessionOf(ctx, s); err != nil {
		return err
	}
	if err = call(ctx, sess); errors.Is(err, ErrSessionExpired) {
		return permissionError(err)
	}
	return err
}

func permissionError(err error) error {
	return fmt.Errorf("FortiAnalyzer answered -11 \"No permission for the resource\" on a working session: the API user lacks permission for this request: %w", err)
}

// acquire picks the least-busy slot, adding one while under the cap and every slot is busy.
func (p *SessionPool) acquire() (*slot, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errClosed
	}
	var best *slot
	for _, s := range p.slots {
		if best == nil || s.inFlight < best.inFlight {
			best = s
		}
	}
	if best == nil || (best.inFlight >= p.opts.PerSession && len(p.slots) < p.opts.MaxSessions) {
		best = &slot{id: len(p.slots)}
		p.slots = append(p.slots, best)
	}
	best.inFlight++
	return best, nil
}

func (p *SessionPool) release(s *slot) {
	p.mu.Lock()
	s.inFlight--
	p.mu.Unlock()
}

// sessionOf returns the slot's session, logging in (once, shared by the slot's waiters) if needed.
func (p *SessionPool) sessionOf(ctx context.Context, s *slot) (string, error) {
	p.mu.Lock()
	if s.session != "" {
		sess := s.session
		p.mu.Unlock()
		return sess, nil
	}
	if p.opts.Now().Before(p.failUntil) {
		err := p.failErr
		p.mu.Unlock()
		return "", err
	}
	p.mu.Unlock()
	ch := p.flight.DoChan(fmt.Sprint(s.id), func() (any, error) {
		p.mu.Lock()
		if s.session != "" {
			sess := s.session
			p.mu.Unlock()
			return sess, nil
		}
		if p.closed {
			p.mu.Unlock()
			return "", errClosed
		}
		p.logins.Add(1)
		p.mu.Unlock()
		defer p.logins.Done()
		// Detached from the first caller so that its cancellation does not fail the others.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		sess, err := p.fn.Login(lctx)
		p.mu.Lock()
		defer p.mu.Unlock()
		if err != nil {
			p.failUntil, p.failErr = p.opts.Now().Add(p.opts.RetryAfter), err
			return "", err
		}
		if p.closed { // shut down while logging in: do not leak the session
			p.mu.Unlock()
			_ = p.fn.Logout(lctx, sess)
			p.mu.Lock()
			return "", errClosed
		}
		s.session = sess
		p.opts.Logger.Debug("FortiAnalyzer session opened", "slot", s.id)
		return sess, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// drop forgets a session the service no longer accepts (if the slot still holds it).
func (p *SessionPool) drop(s *slot, sess string) {
	p.mu.Lock()
	if s.session == sess {
		s.session = ""
	}
	p.mu.Unlock()
}

// Sessions reports how many sessions are open.
func (p *SessionPool) Sessions() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.slots {
		if s.session != "" {
			n++
		}
	}
	return n
}

var errClosed = errors.New("FortiAnalyzer: the session pool is closed (the server is shutting down)")

// Close logs every session out and refuses further calls. Logins still in flight log their
// session out when they finish; Close waits for them within ctx.
func (p *SessionPool) Close(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	var sessions []string
	for _, s := range p.slots {
		if s.session != "" {
			sessions = append(sessions, s.session)
			s.session = ""
		}
	}
	p.mu.Unlock()
	var errs []error
	for _, sess := range sessions {
		if err := p.fn.Logout(ctx, sess); err != nil {
			errs = append(errs, err)
		}
	}
	done := make(chan struct{})
	go func() { p.logins.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("FortiAnalyzer: a login still in flight at shutdown: %w", ctx.Err()))
	}
	return errors.Join(errs...)
}
