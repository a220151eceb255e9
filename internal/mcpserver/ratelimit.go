package mcpserver

import (
	"container/list"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

const (
	// rateIdleAfter is how long a caller's bucket is kept without requests (longer when its
	// bucket takes longer to refill: forgetting a caller must not hand it a fresh burst early).
	rateIdleAfter = 10 * time.Minute
	// rateMaxCallers bounds the callers remembered; past it the least recently seen is forgotten.
	rateMaxCallers = 10000
	// rateLogEvery is how often one caller's refusals are logged.
	rateLogEvery = time.Minute
)

// CheckRateLimit checks the --http-rate-limit and --http-rate-burst settings.
func CheckRateLimit(perSecond float64, burst int) error {
	switch {
	case math.IsNaN(perSecond) || math.IsInf(perSecond, 0) || perSecond < 0:
		return fmt.Errorf("--http-rate-limit (FORTICLOUD_MCP_HTTP_RATE_LIMIT) %v: want requests per second per caller, 0 or more (0 disables the limit)", perSecond)
	case perSecond > 0 && burst < 1:
		return fmt.Errorf("--http-rate-burst (FORTICLOUD_MCP_HTTP_RATE_BURST) %d: want 1 or more requests", burst)
	}
	return nil
}

// limitRate answers 429 Too Many Requests, with Retry-After, to a caller over perSecond requests
// per second (a token bucket per caller holding burst requests) and passes the others to next.
// The caller is the caller token when one is configured and the request carries it; otherwise
// (no token configured, or a missing or wrong one, so that guessing is limited too) the remote IP
// address, an IPv6 address by its /64. perSecond 0 or less (or infinite): no limit.
func limitRate(perSecond float64, burst int, token string, logger *slog.Logger, next http.Handler) http.Handler {
	return rateLimiter(perSecond, burst, token, logger)(next)
}

// rateLimiter is limitRate's buckets, to share between handlers: /mcp and /metrics both accept
// the caller token, so guesses at it count against one budget whichever path they try.
func rateLimiter(perSecond float64, burst int, token string, logger *slog.Logger) func(http.Handler) http.Handler {
	if perSecond <= 0 || math.IsNaN(perSecond) || math.IsInf(perSecond, 1) {
		return func(next http.Handler) http.Handler { return next }
	}
	l := newCallerLimiter(perSecond, burst, token, time.Now)
	l.logger = logger
	return l.wrap
}

// callerLimiter keeps one token bucket per caller, forgetting idle callers and, past max, the
// least recently seen one.
type callerLimiter struct {
	limit  rate.Limit
	burst  int
	idle   time.Duration
	max    int
	now    func() time.Time
	logger *slog.Logger

	tokenSum [sha256.Size]byte // of the caller token; zero without one
	hasToken bool

	mu      sync.Mutex
	callers map[string]*list.Element // → *callerEntry in lru
	lru     *list.List               // most recently seen first
}

type callerEntry struct {
	key        string
	lim        *rate.Limiter
	seen       time.Time
	lastLogged time.Time
}

func newCallerLimiter(perSecond float64, burst int, token string, now func() time.Time) *callerLimiter {
	if burst < 1 {
		burst = max(1, int(math.Ceil(perSecond)))
	}
	// A bucket left alone refills in burst/perSecond: keep it at least that long.
	refill := time.Duration(float64(burst) / perSecond * float64(time.Second))
	l := &callerLimiter{
		limit: rate.Limit(perSecond), burst: burst, idle: max(rateIdleAfter, refill), max: rateMaxCallers, now: now,
		callers: map[string]*list.Element{}, lru: list.New(),
	}
	if token != "" {
		l.tokenSum, l.hasToken = sha256.Sum256([]byte(token)), true
	}
	return l
}

func (l *callerLimiter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := l.callerKey(r)
		wait, ok := l.admit(key)
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		secs := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		http.Error(w, fmt.Sprintf("Too Many Requests: more than %g requests per second from this caller; retry in %d s (the server's --http-rate-limit)", float64(l.limit), secs),
			http.StatusTooManyRequests)
	})
}

// admit takes one request from key's bucket, or says how long until one is available.
func (l *callerLimiter) admit(key string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	// Forget callers idle for long (the list is ordered by last request, oldest at the back).
	for back := l.lru.Back(); back != nil && now.Sub(back.Value.(*callerEntry).seen) >= l.idle; back = l.lru.Back() {
		l.forget(back)
	}
	var e *callerEntry
	if el, ok := l.callers[key]; ok {
		l.lru.MoveToFront(el)
		e = el.Value.(*callerEntry)
	} else {
		if l.lru.Len() >= l.max {
			l.forget(l.lru.Back())
		}
		e = &callerEntry{key: key, lim: rate.NewLimiter(l.limit, l.burst)}
		l.callers[key] = l.lru.PushFront(e)
	}
	e.seen = now
	if e.lim.AllowN(now, 1) {
		return 0, true
	}
	wait := time.Duration((1 - e.lim.TokensAt(now)) / float64(l.limit) * float64(time.Second))
	if l.logger != nil && now.Sub(e.lastLogged) >= rateLogEvery {
		e.lastLogged = now
		who := key
		if strings.HasPrefix(key, "token:") {
			who = "the caller token"
		}
		l.logger.Warn("HTTP caller over the rate limit: answering 429 (logged once a minute per caller)", "caller", who,
			"limit_per_second", float64(l.limit), "burst", l.burst)
	}
	return wait, false
}

func (l *callerLimiter) forget(el *list.Element) {
	delete(l.callers, el.Value.(*callerEntry).key)
	l.lru.Remove(el)
}

// size is how many callers are remembered.
func (l *callerLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// callerKey names the request's caller: the caller token (by a digest) when it is configured and
// presented, otherwise the remote address.
func (l *callerLimiter) callerKey(r *http.Request) string {
	if l.hasToken {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
			if subtle.ConstantTimeCompare(sum[:], l.tokenSum[:]) == 1 {
				return "token:" + hex.EncodeToString(sum[:8])
			}
		}
	}
	ip, err := remoteIP(r.RemoteAddr)
	if err != nil {
		return "addr:" + r.RemoteAddr
	}
	return "ip:" + ip
}

// remoteIP is the client address of host:port, an IPv6 address as its /64 (one host usually
// holds a whole /64).
func remoteIP(hostport string) (string, error) {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return "", err
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return "", err
	}
	a = a.Unmap().WithZone("")
	if a.Is4() || a.IsLoopback() {
		return a.String(), nil
	}
	p, err := a.Prefix(64)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}
