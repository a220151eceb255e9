package upstream

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Policy is how one service's calls are retried. Every client uses one (through a Guard), so the
// rules are the same everywhere:
//   - a request is sent again only when that cannot do anything twice: it is idempotent (a read),
//     or it provably never reached the service (the connection could not be made), or the service
//     refused it unprocessed (429 Too Many Requests);
//   - waits grow exponentially with full jitter, capped, and a Retry-After the service sends is
//     honoured (up to MaxRetryAfter);
//   - nothing waits past the call's deadline (the tool call's): a wait that would not fit ends the
//     call with the service's last answer instead.
type Policy struct {
	Attempts      int           // attempts in all, the first included (default 3)
	BaseDelay     time.Duration // first backoff (default 250 ms)
	MaxDelay      time.Duration // longest backoff (default 4 s)
	MaxRetryAfter time.Duration // longest Retry-After honoured (default 30 s)
	// RateLimitWait is the wait after a 429 without Retry-After (default: the backoff). A service
	// with per-minute quotas (SOCaaS) sets a minute.
	RateLimitWait time.Duration
}

func (p Policy) withDefaults() Policy {
	if p.Attempts <= 0 {
		p.Attempts = 3
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 250 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 4 * time.Second
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = 30 * time.Second
	}
	return p
}

// Breaker fails calls to a service fast once it looks down: after Threshold consecutive failures
// (no connection, connection reset, timeout, 502/503/504) it opens for Cooldown, then lets one
// probe through; the probe's success closes it. Answers that prove the service is up (any other
// status, 429 included) reset the count.
type Breaker struct {
	Threshold int           // default 5
	Cooldown  time.Duration // default 30 s

	mu        sync.Mutex
	failures  int
	openUntil time.Time
	probing   bool
	last      string
	now       func() time.Time
}

func (b *Breaker) clock() time.Time {
	if b.now != nil {
		return b.now()
	}
	return time.Now()
}

// State reports whether the breaker refuses calls now (open, or half-open with its one probe
// out), the failures in a row it has counted, the last one, and how long until a probe may go:
// what readiness and operators need, without changing the breaker.
func (b *Breaker) State() (open bool, failures int, last string, retryIn time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures < cmpOr(b.Threshold, 5) {
		return false, b.failures, b.last, 0
	}
	now := b.clock()
	if now.Before(b.openUntil) {
		return true, b.failures, b.last, b.openUntil.Sub(now)
	}
	return b.probing, b.failures, b.last, 0
}

// allow reports whether a call may go out; when not, how long until a probe may and the last
// failure seen.
func (b *Breaker) allow() (ok, probe bool, wait time.Duration, last string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	threshold := cmpOr(b.Threshold, 5)
	if b.failures < threshold {
		return true, false, 0, ""
	}
	now := b.clock()
	if now.Before(b.openUntil) || b.probing {
		return false, false, max(b.openUntil.Sub(now), time.Second), b.last
	}
	b.probing = true // half-open: one call finds out
	return true, true, 0, ""
}

// outcome is what one attempt says about the service.
type outcome int

const (
	neutral outcome = iota // says nothing: our cancellation, a credential failure, a local error
	healthy                // the service answered
	failing                // no answer, or a gateway said it is down
)

func (b *Breaker) record(probe bool, o outcome, why string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	switch o {
	case healthy:
		b.failures = 0
	case failing:
		b.failures++
		b.last = why
		if b.failures >= cmpOr(b.Threshold, 5) {
			b.openUntil = b.clock().Add(cmpOrDur(b.Cooldown, 30*time.Second))
		}
	case neutral:
		if probe { // the probe found nothing out: stay open for another cooldown
			b.openUntil = b.clock().Add(cmpOrDur(b.Cooldown, 30*time.Second))
		}
	}
}

func cmpOr(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

func cmpOrDur(v, d time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return d
}

// Guard sends one service's calls under its retry policy and circuit breaker.
type Guard struct {
	Service string
	Policy  Policy
	Breaker *Breaker
	// Sleep waits between attempts (tests replace it); nil waits for real.
	Sleep func(context.Context, time.Duration) error
}

// NewGuard returns a guard for service with policy p (zero fields take the defaults).
func NewGuard(service string, p Policy) *Guard {
	return &Guard{Service: service, Policy: p.withDefaults(), Breaker: &Breaker{}}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Reply is a service's answer.
type Reply struct {
	Status    int
	Body      []byte // decoded (gunzipped), at most Call.Limit bytes
	Header    http.Header
	Truncated bool // Body is the start of a longer reply (only with Call.AllowTruncated)
}

// Exchange sends c and reads the whole reply, retrying under the guard's policy. It returns the
// last reply the service gave (a 429 or 503 it gave up waiting on included: the caller explains
// it) or an *Error when there was no usable reply.
func (g *Guard) Exchange(ctx context.Context, hc *http.Client, c Call) (*Reply, error) {
	p := g.Policy.withDefaults()
	var prev *answer
	for attempt := 1; ; attempt++ {
		ok, probe, wait, last := g.Breaker.allow()
		if !ok {
			return nil, g.refused(c, wait, last)
		}
		rep, err := g.attempt(ctx, hc, c, probe)
		if ctx.Err() != nil && prev != nil {
			// Our deadline cut the retry short: the service's previous answer says more.
			return prev.rep, prev.err
		}
		delay, retry := g.retryDelay(p, c, rep, err, attempt)
		if !retry || ctx.Err() != nil {
			return rep, err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay+minAttemptBudget {
			return rep, err // waiting would leave no time to try: report what the service said
		}
		prev = &answer{rep, err}
		sleep := g.Sleep
		if sleep == nil {
			sleep = sleepCtx
		}
		if serr := sleep(ctx, delay); serr != nil {
			return rep, err
		}
	}
}

// refused is the error of a call the open breaker did not let out.
func (g *Guard) refused(c Call, wait time.Duration, last string) error {
	return &Error{Service: g.Service, Op: c.Op, Message: fmt.Sprintf("not sent: %s failed %d times in a row (last: %s)", g.Service, cmpOr(g.Breaker.Threshold, 5), last),
		Hint: fmt.Sprintf("%s looks unreachable; calls resume in %s", g.Service, wait.Round(time.Second))}
}

// minAttemptBudget is the least time left for another attempt to be worth waiting for.
const minAttemptBudget = 2 * time.Second

type answer struct {
	rep *Reply
	err error
}

// attempt sends once and tells the breaker what it learnt; a panic below (a credential source,
// a transport) still releases a probe, as a failure, before it goes on up.
func (g *Guard) attempt(ctx context.Context, hc *http.Client, c Call, probe bool) (rep *Reply, err error) {
	done := false
	defer func() {
		if !done {
			g.Breaker.record(probe, failing, "panic")
		}
	}()
	rep, err = exchangeOnce(ctx, hc, c)
	o, why := serviceOutcome(ctx, c, rep, err)
	done = true
	g.Breaker.record(probe, o, why)
	return rep, err
}

// retryDelay decides whether to send again, and after how long.
func (g *Guard) retryDelay(p Policy, c Call, rep *Reply, err error, attempt int) (time.Duration, bool) {
	if attempt >= p.Attempts {
		return 0, false
	}
	backoff := min(p.MaxDelay, p.BaseDelay<<(attempt-1))
	backoff = time.Duration(rand.Int64N(int64(backoff)) + 1) // full jitter
	switch {
	case err != nil:
		if !transient(err) {
			return 0, false
		}
		if c.Idempotent || neverSent(err) {
			return backoff, true
		}
		return 0, false
	case rep.Status == http.StatusTooManyRequests:
		// Refused unprocessed: safe to send again, whatever the method; except through the
		// FortiOS proxy, where a write's 429 may be the device's own answer.
		if c.Relayed && !c.Idempotent {
			return 0, false
		}
		if _, ok := RetryAfter(rep.Header.Get("Retry-After")); !ok && p.RateLimitWait > 0 {
			// No usable Retry-After from a service with per-minute quotas: wait the window out,
			// spread a little so that waiting callers do not all come back at once.
			wait := p.RateLimitWait + time.Duration(rand.Int64N(int64(p.RateLimitWait/10)+1))
			return wait, wait <= p.MaxRetryAfter
		}
		return retryAfterOr(rep.Header, backoff, p.MaxRetryAfter)
	case rep.Status == http.StatusBadGateway, rep.Status == http.StatusServiceUnavailable, rep.Status == http.StatusGatewayTimeout:
		if !c.Idempotent || c.Relayed {
			return 0, false // the service may have acted before the gateway gave up
		}
		return retryAfterOr(rep.Header, backoff, p.MaxRetryAfter)
	}
	return 0, false
}

// retryAfterOr honours Retry-After (seconds or an HTTP date) when present and not longer than
// limit; a longer one is not waited for.
func retryAfterOr(h http.Header, backoff, limit time.Duration) (time.Duration, bool) {
	d, ok := RetryAfter(h.Get("Retry-After"))
	if !ok {
		return backoff, true
	}
	if d > limit {
		return 0, false
	}
	return max(d, backoff/4), true
}

// RetryAfter reads a Retry-After value: delay-seconds or an HTTP date.
func RetryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// serviceOutcome tells the breaker what an attempt says about the service: an answer (healthy),
// no answer or a gateway saying it is down (failing), or nothing (neutral: our own cancellation,
// a credential failure, a local error). For a relayed call only a connection that could not be
// made counts: a slow or failing device behind the proxy says nothing about the proxy.
func serviceOutcome(ctx context.Context, c Call, rep *Reply, err error) (outcome, string) {
	if err != nil {
		if ctx.Err() != nil || !transient(err) {
			return neutral, ""
		}
		if c.Relayed && !neverSent(err) {
			return neutral, ""
		}
		return failing, Clip(err.Error(), 160)
	}
	if c.Relayed {
		return healthy, ""
	}
	switch rep.Status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return failing, "HTTP " + strconv.Itoa(rep.Status)
	}
	return healthy, ""
}

// transient reports whether an exchange failed in a way another attempt might not: no
// connection, a reset, a timeout, a reply cut short or garbled in transit.
func transient(err error) bool {
	var tooBig *tooLargeError
	var cred interface{ CredentialFailure() bool }
	if errors.As(err, &tooBig) || errors.As(err, &cred) {
		return false // a reply too large, or no token: trying again cannot help here
	}
	var ne net.Error
	var ce flate.CorruptInputError
	return errors.As(err, &ne) || errors.As(err, &ce) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, errNotGzip)
}

// neverSent reports whether the request provably did not reach the service: the connection
// was never made.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string { return fmt.Sprintf("reply larger than %d bytes", e.limit) }

// exchangeOnce is one attempt: send, and read the whole (decoded) reply.
func exchangeOnce(ctx context.Context, hc *http.Client, c Call) (*Reply, error) {
	resp, err := send(ctx, hc, c)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readWhole(resp, c)
}

// send sends c once and returns the open response.
func send(ctx context.Context, hc *http.Client, c Call) (*http.Response, error) {
	var body io.Reader
	if c.Body != nil {
		body = bytes.NewReader(c.Body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, c.URL, body)
	if err != nil {
		return nil, &Error{Service: c.Service, Op: c.Op, Err: err}
	}
	NewRequest(req)
	if c.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.Header {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &Error{Service: c.Service, Op: c.Op, Err: UnwrapURLError(err)}
	}
	return resp, nil
}

// readWhole reads a response's whole (decoded) body, up to c.Limit.
func readWhole(resp *http.Response, c Call) (*Reply, error) {
	data, truncated, err := ReadBody(resp, c.Limit)
	if err != nil {
		return nil, &Error{Service: c.Service, Op: c.Op, Status: resp.StatusCode, Err: err}
	}
	rep := &Reply{Status: resp.StatusCode, Body: data, Header: resp.Header, Truncated: truncated}
	if truncated && !c.AllowTruncated {
		return rep, &Error{Service: c.Service, Op: c.Op, Status: resp.StatusCode, Err: &tooLargeError{c.Limit}}
	}
	return rep, nil
}
