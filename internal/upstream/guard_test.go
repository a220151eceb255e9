package upstream

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server answers with the handler for attempt n (1-based); requests beyond the list get 200 "ok".
func server(t *testing.T, steps ...http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1))
		if i <= len(steps) {
			steps[i-1](w, r)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func status(code int, retryAfter string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.WriteHeader(code)
	}
}

// reset answers half a body, then drops the connection.
func reset(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Length", "100")
	w.WriteHeader(200)
	_, _ = io.WriteString(w, `{"partial":`)
	w.(http.Flusher).Flush()
	conn, _, _ := w.(http.Hijacker).Hijack()
	conn.Close()
}

func testGuard() (*Guard, *[]time.Duration) {
	g := NewGuard("Svc", Policy{})
	var slept []time.Duration
	g.Sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	return g, &slept
}

func TestRetriesOnlyWhatCannotHappenTwice(t *testing.T) {
	cases := []struct {
		name       string
		idempotent bool
		steps      []http.HandlerFunc
		sends      int32
		wantStatus int
		wantErr    bool
	}{
		{"read after 503", true, []http.HandlerFunc{status(503, "")}, 2, 200, false},
		{"read after reset mid-body", true, []http.HandlerFunc{reset}, 2, 200, false},
		{"read gives up after 3", true, []http.HandlerFunc{status(502, ""), status(504, ""), status(503, "")}, 3, 503, false},
		{"read not retried on 500", true, []http.HandlerFunc{status(500, "")}, 1, 500, false},
		{"read not retried on 404", true, []http.HandlerFunc{status(404, "")}, 1, 404, false},
		{"write not retried on 503", false, []http.HandlerFunc{status(503, "")}, 1, 503, false},
		{"write not retried after reset", false, []http.HandlerFunc{reset}, 1, 0, true},
		{"write retried after 429", false, []http.HandlerFunc{status(429, "1")}, 2, 200, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, n := server(t, c.steps...)
			g, _ := testGuard()
			rep, err := g.Exchange(context.Background(), srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodPost, URL: srv.URL, Body: []byte(`{}`), Limit: 1 << 20, Idempotent: c.idempotent})
			if n.Load() != c.sends {
				t.Fatalf("sent %d times, want %d", n.Load(), c.sends)
			}
			if c.wantErr != (err != nil) || (err == nil && rep.Status != c.wantStatus) {
				t.Fatalf("rep %+v err %v", rep, err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "Svc: op") {
				t.Fatalf("error does not name the service and operation: %v", err)
			}
		})
	}
}

func TestNeverSentIsRetriedEvenForWrites(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the connection is refused before anything is sent
	g, slept := testGuard()
	_, err = g.Exchange(context.Background(), http.DefaultClient, Call{Service: "Svc", Op: "create", Method: http.MethodPost, URL: "http://" + addr, Body: []byte(`{}`), Limit: 1024})
	if err == nil || len(*slept) != 2 {
		t.Fatalf("a refused connection proves nothing was sent, so a write may try again: %v, slept %v", err, *slept)
	}
}

func TestRetryAfterIsHonouredWithinTheDeadline(t *testing.T) {
	srv, n := server(t, status(429, "7"))
	g, slept := testGuard()
	rep, err := g.Exchange(context.Background(), srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true})
	if err != nil || rep.Status != 200 || len(*slept) != 1 || (*slept)[0] != 7*time.Second || n.Load() != 2 {
		t.Fatalf("%+v %v slept %v", rep, err, *slept)
	}
	// A wait longer than the deadline is not started: the 429 is the answer.
	srv, n = server(t, status(429, "20"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g, slept = testGuard()
	rep, err = g.Exchange(ctx, srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true})
	if err != nil || rep.Status != 429 || len(*slept) != 0 || n.Load() != 1 {
		t.Fatalf("%+v %v slept %v", rep, err, *slept)
	}
	// Longer than the policy allows: not waited for either.
	srv, _ = server(t, status(503, "3600"))
	g, slept = testGuard()
	if rep, _ = g.Exchange(context.Background(), srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true}); rep.Status != 503 || len(*slept) != 0 {
		t.Fatalf("%+v slept %v", rep, *slept)
	}
	for in, want := range map[string]time.Duration{"12": 12 * time.Second, "0": 0} {
		if d, ok := RetryAfter(in); !ok || d != want {
			t.Errorf("RetryAfter(%q) = %v %v", in, d, ok)
		}
	}
	if _, ok := RetryAfter("soon"); ok {
		t.Error("RetryAfter(soon) accepted")
	}
	if d, ok := RetryAfter(time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)); !ok || d < 28*time.Second || d > 31*time.Second {
		t.Errorf("RetryAfter(date) = %v", d)
	}
}

func TestBackoffGrowsAndIsJittered(t *testing.T) {
	srv, _ := server(t, status(503, ""), status(503, ""), status(503, ""), status(503, ""))
	g, slept := testGuard()
	g.Policy.Attempts = 5
	_, _ = g.Exchange(context.Background(), srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true})
	if len(*slept) != 4 {
		t.Fatalf("slept %v", *slept)
	}
	for i, d := range *slept {
		if ceiling := min(4*time.Second, 250*time.Millisecond<<i); d <= 0 || d > ceiling {
			t.Errorf("wait %d = %v, want within (0, %v]", i, d, ceiling)
		}
	}
}

func TestBreakerFailsFastThenProbes(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	var sent atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		sent.Add(1)
		if down.Load() {
			w.WriteHeader(503)
			return
		}
		_, _ = io.WriteString(w, "{}")
	}))
	defer srv.Close()
	g, _ := testGuard()
	now := time.Now()
	g.Breaker.now = func() time.Time { return now }
	call := Call{Service: "Svc", Op: "list", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true}
	for range 2 { // 3 attempts each: 6 failures in a row open it (threshold 5)
		_, _ = g.Exchange(context.Background(), srv.Client(), call)
	}
	before := sent.Load()
	_, err := g.Exchange(context.Background(), srv.Client(), call)
	var ue *Error
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "not sent") || !strings.Contains(err.Error(), "Svc") || sent.Load() != before {
		t.Fatalf("an open breaker must fail fast, naming the service: %v (sent %d)", err, sent.Load()-before)
	}
	// After the cooldown one probe goes out; it succeeds and closes the breaker.
	down.Store(false)
	now = now.Add(31 * time.Second)
	if rep, err := g.Exchange(context.Background(), srv.Client(), call); err != nil || rep.Status != 200 {
		t.Fatalf("probe: %v %v", rep, err)
	}
	if rep, err := g.Exchange(context.Background(), srv.Client(), call); err != nil || rep.Status != 200 {
		t.Fatalf("after the probe: %v %v", rep, err)
	}
}

func TestRefusalsAndCancellationsDoNotOpenTheBreaker(t *testing.T) {
	srv, _ := server(t, status(429, "0"), status(429, "0"), status(429, "0"), status(404, ""), status(404, ""), status(404, ""), status(404, ""))
	g, _ := testGuard()
	call := Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true}
	for range 5 {
		_, _ = g.Exchange(context.Background(), srv.Client(), call)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 6 {
		_, _ = g.Exchange(ctx, srv.Client(), call)
	}
	if ok, _, _, _ := g.Breaker.allow(); !ok {
		t.Fatal("a live service that refuses, and our own cancellations, opened the breaker")
	}
}

func TestRelayedGatewayErrorsSpeakOfTheDevice(t *testing.T) {
	steps := make([]http.HandlerFunc, 12)
	for i := range steps {
		steps[i] = status(503, "")
	}
	srv, n := server(t, steps...)
	g, _ := testGuard()
	call := Call{Service: "Svc", Op: "proxy", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true, Relayed: true}
	for range 10 {
		if rep, err := g.Exchange(context.Background(), srv.Client(), call); err != nil || rep.Status != 503 {
			t.Fatalf("%v %v", rep, err)
		}
	}
	if n.Load() != 10 {
		t.Fatalf("a device's 503 was retried: %d sends", n.Load())
	}
	if ok, _, _, _ := g.Breaker.allow(); !ok {
		t.Fatal("one offline device opened the breaker for the whole service")
	}
}

func TestTooLargeIsNotRetried(t *testing.T) {
	big := func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, strings.Repeat("x", 2048)) }
	srv, n := server(t, big, big)
	g, _ := testGuard()
	_, err := g.Exchange(context.Background(), srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true})
	if err == nil || !strings.Contains(err.Error(), "larger than 1024") || n.Load() != 1 {
		t.Fatalf("%v after %d sends", err, n.Load())
	}
	rep, err := g.Exchange(context.Background(), srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true, AllowTruncated: true})
	if err != nil || !rep.Truncated || len(rep.Body) != 1024 {
		t.Fatalf("%v %v", rep, err)
	}
}

// credErr stands for auth.Error: the credentials failed, not the service.
type credErr struct{}

func (credErr) Error() string           { return "password grant failed: dial tcp: lookup iam" }
func (credErr) CredentialFailure() bool { return true }

type failingTransport struct {
	err   error
	panic bool
	calls atomic.Int32
}

func (f *failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.calls.Add(1)
	if f.panic {
		panic("transport exploded")
	}
	return nil, f.err
}

func TestBreakerIgnoresWhatIsNotTheServices(t *testing.T) {
	// A login failure (the IAM service is down) is neither retried nor held against the service.
	g, _ := testGuard()
	ft := &failingTransport{err: credErr{}}
	call := Call{Service: "Svc", Op: "list", Method: http.MethodGet, URL: "http://svc.invalid/x", Limit: 1024, Idempotent: true}
	for range 10 {
		if _, err := g.Exchange(context.Background(), &http.Client{Transport: ft}, call); err == nil || !strings.Contains(err.Error(), "password grant") {
			t.Fatalf("%v", err)
		}
	}
	if ft.calls.Load() != 10 {
		t.Fatalf("a credential failure was retried: %d sends", ft.calls.Load())
	}
	if ok, _, _, _ := g.Breaker.allow(); !ok {
		t.Fatal("a login failure opened the service's breaker")
	}
	// A relayed call timing out (a slow FortiGate behind the proxy) says nothing about the proxy.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	relayed := Call{Service: "Svc", Op: "proxy", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true, Relayed: true}
	for range 8 {
		_, _ = g.Exchange(context.Background(), hc, relayed)
	}
	if ok, _, _, _ := g.Breaker.allow(); !ok {
		t.Fatal("a slow device behind the proxy opened the breaker for the whole service")
	}
}

func TestProbeOutcomes(t *testing.T) {
	open := func() (*Guard, *time.Time) {
		g, _ := testGuard()
		now := time.Now()
		g.Breaker.now = func() time.Time { return now }
		for range 5 {
			g.Breaker.record(false, failing, "HTTP 503")
		}
		now = now.Add(31 * time.Second) // cooldown over: the next call is the probe
		return g, &now
	}
	call := Call{Service: "Svc", Op: "list", Method: http.MethodGet, URL: "http://svc.invalid/x", Limit: 1024, Idempotent: true}

	// A probe that panics releases the breaker (as a failure) before the panic goes on.
	g, _ := open()
	func() {
		defer func() { _ = recover() }()
		_, _ = g.Exchange(context.Background(), &http.Client{Transport: &failingTransport{panic: true}}, call)
	}()
	g.Breaker.mu.Lock()
	probing := g.Breaker.probing
	g.Breaker.mu.Unlock()
	if probing {
		t.Fatal("a panicking probe left the breaker half-open for good")
	}

	// A probe cut short by our own cancellation does not close the breaker.
	g, _ = open()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _ = g.Exchange(ctx, &http.Client{Transport: &failingTransport{err: context.Canceled}}, call)
	if ok, _, _, _ := g.Breaker.allow(); ok {
		t.Fatal("a cancelled probe closed the breaker")
	}
}

func TestDeadlineKeepsTheServicesLastAnswer(t *testing.T) {
	// 429 with Retry-After 1, then a reply slower than what is left: the 429 is the answer.
	srv, _ := server(t, status(429, "1"), func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	g, _ := testGuard()
	g.Sleep = nil
	ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
	defer cancel()
	rep, err := g.Exchange(ctx, srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true})
	if err != nil || rep == nil || rep.Status != 429 {
		t.Fatalf("want the 429, got %+v %v", rep, err)
	}
}

func TestUnreadableRetryAfterWaitsTheWindow(t *testing.T) {
	srv, _ := server(t, status(429, "1m"))
	g, slept := testGuard()
	g.Policy.RateLimitWait, g.Policy.MaxRetryAfter = time.Minute, 2*time.Minute
	_, _ = g.Exchange(context.Background(), srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true})
	if len(*slept) != 1 || (*slept)[0] < time.Minute || (*slept)[0] > 66*time.Second {
		t.Fatalf("slept %v", *slept)
	}
}
