package mcpserver

import (
	"bytes"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for the limiter.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// limited is a limiter on a fake clock in front of a handler that counts what reaches it.
type limited struct {
	l       *callerLimiter
	clock   *fakeClock
	h       http.Handler
	reached int
}

func newLimited(perSecond float64, burst int, token string) *limited {
	x := &limited{clock: &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}}
	x.l = newCallerLimiter(perSecond, burst, token, x.clock.now)
	x.h = x.l.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x.reached++
		w.WriteHeader(http.StatusOK)
	}))
	return x
}

func (x *limited) do(remote, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/mcp", strings.NewReader("{}"))
	req.RemoteAddr = remote
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	x.h.ServeHTTP(rec, req)
	return rec
}

func TestRateLimitBucketPerCaller(t *testing.T) {
	x := newLimited(2, 5, "")
	for i := range 5 {
		if rec := x.do("192.0.2.1:1000", ""); rec.Code != 200 {
			t.Fatalf("request %d within the burst: %d", i, rec.Code)
		}
	}
	rec := x.do("192.0.2.1:1001", "") // another port, same caller
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("request over the burst: %d", rec.Code)
	}
	if x.reached != 5 {
		t.Fatalf("the handler saw %d requests, want 5: a refused request must not reach it", x.reached)
	}
	// 2 per second: the next token comes in 0.5 s, which Retry-After rounds up to 1 s.
	if ra := rec.Header().Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After %q, want 1", ra)
	}
	if body := rec.Body.String(); !strings.Contains(body, "Too Many Requests") || !strings.Contains(body, "--http-rate-limit") {
		t.Errorf("body %q", body)
	}
	// Another caller has its own bucket.
	if rec := x.do("192.0.2.2:1000", ""); rec.Code != 200 {
		t.Fatalf("another IP: %d", rec.Code)
	}
	// The bucket refills at the rate: 0.5 s later one more request passes, then none.
	x.clock.advance(500 * time.Millisecond)
	if rec := x.do("192.0.2.1:1000", ""); rec.Code != 200 {
		t.Fatalf("after a refill: %d", rec.Code)
	}
	if rec := x.do("192.0.2.1:1000", ""); rec.Code != 429 {
		t.Fatalf("the refill was one request: %d", rec.Code)
	}
	// A long pause fills the bucket to the burst, not beyond.
	x.clock.advance(time.Hour)
	ok := 0
	for range 20 {
		if x.do("192.0.2.1:1000", "").Code == 200 {
			ok++
		}
	}
	if ok != 5 {
		t.Errorf("after a long pause %d requests passed, want the burst (5)", ok)
	}
}

func TestRateLimitRetryAfterCoversTheWait(t *testing.T) {
	x := newLimited(0.1, 1, "") // one request per 10 s
	if x.do("192.0.2.1:1", "").Code != 200 {
		t.Fatal("first request refused")
	}
	x.clock.advance(2500 * time.Millisecond)
	rec := x.do("192.0.2.1:1", "")
	if rec.Code != 429 {
		t.Fatalf("second request: %d", rec.Code)
	}
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if err != nil || secs != 8 { // 7.5 s to go, rounded up
		t.Fatalf("Retry-After %q, want 8", rec.Header().Get("Retry-After"))
	}
	// Refused requests take nothing from the bucket: waiting as told is enough.
	x.clock.advance(time.Duration(secs) * time.Second)
	if rec := x.do("192.0.2.1:1", ""); rec.Code != 200 {
		t.Fatalf("after Retry-After: %d", rec.Code)
	}
}

func TestRateLimitCallerIsTheTokenWhenConfigured(t *testing.T) {
	x := newLimited(1, 3, "tok-123")
	// One caller token: one bucket, whatever address the requests come from.
	for i, remote := range []string{"192.0.2.1:1", "192.0.2.2:1", "[2001:db8::1]:1"} {
		if rec := x.do(remote, "Bearer tok-123"); rec.Code != 200 {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
	if rec := x.do("192.0.2.3:1", "bearer  tok-123 "); rec.Code != 429 {
		t.Fatalf("the token's bucket is empty, from a new address too: %d", rec.Code)
	}
	// Missing and wrong tokens count against the address: guessing is limited, and each guess
	// is not a new caller.
	for i := range 3 {
		if rec := x.do("192.0.2.1:1", fmt.Sprintf("Bearer guess-%d", i)); rec.Code != 200 {
			t.Fatalf("guess %d (passed on to the token check): %d", i, rec.Code)
		}
	}
	if rec := x.do("192.0.2.1:1", "Bearer guess-99"); rec.Code != 429 {
		t.Fatalf("guesses over the limit: %d", rec.Code)
	}
	if rec := x.do("192.0.2.1:1", ""); rec.Code != 429 {
		t.Fatalf("no token, same address: %d", rec.Code)
	}
	if n := x.l.size(); n != 2 {
		t.Errorf("%d callers remembered, want 2 (the token and 192.0.2.1)", n)
	}
}

func TestRateLimitCallerAddress(t *testing.T) {
	for _, c := range []struct{ remote, want string }{
		{"192.0.2.1:443", "ip:192.0.2.1"},
		{"[::ffff:192.0.2.1]:443", "ip:192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "ip:2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::9]:1", "ip:2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:1", "ip:fe80::/64"},
		{"[::1]:1", "ip:::1"},
		{"127.0.0.2:1", "ip:127.0.0.2"},
		{"not-an-address", "addr:not-an-address"},
	} {
		l := newCallerLimiter(1, 1, "", time.Now)
		req := httptest.NewRequest("GET", "/mcp", nil)
		req.RemoteAddr = c.remote
		if got := l.callerKey(req); got != c.want {
			t.Errorf("%s: caller %q, want %q", c.remote, got, c.want)
		}
	}
}

func TestRateLimitForgetsIdleCallers(t *testing.T) {
	x := newLimited(50, 100, "")
	for i := range 30 {
		x.do(fmt.Sprintf("192.0.2.%d:1", i), "")
	}
	if n := x.l.size(); n != 30 {
		t.Fatalf("%d callers, want 30", n)
	}
	x.clock.advance(rateIdleAfter - time.Second)
	x.do("192.0.2.200:1", "")
	if n := x.l.size(); n != 31 {
		t.Fatalf("before the idle time: %d callers, want 31", n)
	}
	x.clock.advance(2 * time.Second)
	x.do("192.0.2.200:1", "")
	if n := x.l.size(); n != 1 {
		t.Fatalf("after the idle time: %d callers, want 1", n)
	}
}

func TestRateLimitKeepsASlowBucketUntilItRefills(t *testing.T) {
	// 100 requests at 0.05/s take 2000 s to refill, longer than the idle time: forgetting the
	// caller after 10 min would hand it a fresh burst early.
	x := newLimited(0.05, 100, "")
	for range 100 {
		x.do("192.0.2.1:1", "")
	}
	x.clock.advance(rateIdleAfter + time.Minute)
	ok := 0
	for range 100 {
		if x.do("192.0.2.1:1", "").Code == 200 {
			ok++
		}
	}
	if ok != 33 { // 660 s at 0.05/s
		t.Fatalf("%d requests passed after 11 min, want 33", ok)
	}
}

func TestRateLimitBoundsTheCallers(t *testing.T) {
	x := newLimited(1, 1, "")
	x.l.max = 3
	for i := range 10 {
		x.do(fmt.Sprintf("192.0.2.%d:1", i), "")
		x.clock.advance(time.Millisecond)
	}
	if n := x.l.size(); n != 3 {
		t.Fatalf("%d callers, want the cap (3)", n)
	}
	// The least recently seen were forgotten: the newest are still limited.
	if rec := x.do("192.0.2.9:1", ""); rec.Code != 429 {
		t.Fatalf("a remembered caller: %d", rec.Code)
	}
	x.do("192.0.2.7:1", "") // seen again: now the most recent
	x.do("192.0.2.50:1", "")
	for _, keep := range []string{"ip:192.0.2.7", "ip:192.0.2.9", "ip:192.0.2.50"} {
		if _, ok := x.l.callers[keep]; !ok {
			t.Errorf("%s was forgotten; remembered: %v", keep, x.l.callers)
		}
	}
}

func TestRateLimitOffPassesEverything(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	h := limitRate(0, 0, "", nil, inner)
	for i := range 1000 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/mcp", nil))
		if rec.Code != 200 {
			t.Fatalf("request %d with no limit: %d", i, rec.Code)
		}
	}
}

func TestRateLimitDefaultBurst(t *testing.T) {
	if b := newCallerLimiter(2.5, 0, "", time.Now).burst; b != 3 {
		t.Errorf("burst %d, want 3 (the rate rounded up)", b)
	}
	if b := newCallerLimiter(0.2, 0, "", time.Now).burst; b != 1 {
		t.Errorf("burst %d, want 1", b)
	}
}

func TestRateLimitLogsOncePerMinute(t *testing.T) {
	var logs bytes.Buffer
	x := newLimited(1, 1, "tok-123")
	x.l.logger = slog.New(slog.NewTextHandler(&logs, nil))
	for range 10 {
		x.do("192.0.2.1:1", "Bearer tok-123")
	}
	if n := strings.Count(logs.String(), "over the rate limit"); n != 1 {
		t.Fatalf("%d log lines for 9 refusals in a second, want 1:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "token:") || strings.Contains(logs.String(), "tok-123") {
		t.Errorf("the log names the token: %s", logs.String())
	}
	x.clock.advance(rateLogEvery)
	x.do("192.0.2.1:1", "Bearer tok-123")
	x.do("192.0.2.1:1", "Bearer tok-123")
	if n := strings.Count(logs.String(), "over the rate limit"); n != 2 {
		t.Fatalf("%d log lines after a minute, want 2", n)
	}
}

func TestRateLimitConcurrentCallers(t *testing.T) {
	// Many goroutines on one limiter (run with -race): exactly the burst passes per caller.
	l := newCallerLimiter(0.001, 20, "", (&fakeClock{t: time.Unix(1e9, 0)}).now)
	var mu sync.Mutex
	passed := map[string]int{}
	h := l.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		passed[r.RemoteAddr]++
		mu.Unlock()
	}))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 50 {
				req := httptest.NewRequest("POST", "/mcp", nil)
				req.RemoteAddr = fmt.Sprintf("192.0.2.%d:1", g%4)
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
	wg.Wait()
	for c, n := range passed {
		if n != 20 {
			t.Errorf("%s: %d passed, want 20", c, n)
		}
	}
	if len(passed) != 4 {
		t.Errorf("callers %v", passed)
	}
}

func TestCheckRateLimit(t *testing.T) {
	for _, c := range []struct {
		limit float64
		burst int
		ok    bool
	}{
		{50, 100, true},
		{0, 0, true},
		{0.5, 1, true},
		{-1, 100, false},
		{50, 0, false},
		{50, -3, false},
		{math.NaN(), 100, false},
		{math.Inf(1), 100, false},
	} {
		if err := CheckRateLimit(c.limit, c.burst); (err == nil) != c.ok {
			t.Errorf("CheckRateLimit(%v, %d) = %v", c.limit, c.burst, err)
		}
	}
}
