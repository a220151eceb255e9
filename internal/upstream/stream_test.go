package upstream

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// readAll is a read callback that keeps the last reply it saw.
type readAll struct {
	runs   int
	status int
	body   string
}

func (r *readAll) read(s *Stream) error {
	r.runs++
	b, err := io.ReadAll(s.Body)
	if err != nil {
		return err
	}
	r.status, r.body = s.Status, string(b)
	return nil
}

func gzipped(s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = io.WriteString(zw, s)
	_ = zw.Close()
	return buf.Bytes()
}

func TestExchangeStreamRetriesAsExchangeDoes(t *testing.T) {
	corrupt := func(w http.ResponseWriter, _ *http.Request) {
		b := gzipped(strings.Repeat(`{"a":1}`, 2000))
		b[len(b)/2] ^= 0xff
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(b)
	}
	cases := []struct {
		name       string
		idempotent bool
		steps      []http.HandlerFunc
		sends      int32
		runs       int // how often read ran
		wantStatus int
		wantErr    string
	}{
		{"read after 503: the 503 is not handed over", true, []http.HandlerFunc{status(503, "")}, 2, 1, 200, ""},
		{"read gives up after 3: the last answer is handed over", true, []http.HandlerFunc{status(502, ""), status(504, ""), status(503, "")}, 3, 1, 503, ""},
		{"read after reset mid-body: read runs again", true, []http.HandlerFunc{reset}, 2, 2, 200, ""},
		{"read after corrupt gzip: read runs again", true, []http.HandlerFunc{corrupt}, 2, 2, 200, ""},
		{"read not retried on 500", true, []http.HandlerFunc{status(500, "")}, 1, 1, 500, ""},
		{"write not retried on 503", false, []http.HandlerFunc{status(503, "")}, 1, 1, 503, ""},
		{"write not retried after reset", false, []http.HandlerFunc{reset}, 1, 1, 0, "unexpected EOF"},
		{"write not retried after corrupt gzip", false, []http.HandlerFunc{corrupt}, 1, 1, 0, "corrupt gzip"},
		{"write retried after 429", false, []http.HandlerFunc{status(429, "1")}, 2, 1, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, n := server(t, c.steps...)
			g, _ := testGuard()
			var r readAll
			err := g.ExchangeStream(context.Background(), srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodPost, URL: srv.URL, Body: []byte(`{}`),
				Limit: 1 << 20, Idempotent: c.idempotent}, r.read)
			if n.Load() != c.sends || r.runs != c.runs {
				t.Fatalf("sent %d times, read ran %d times; want %d and %d (err %v)", n.Load(), r.runs, c.sends, c.runs, err)
			}
			if c.wantErr != "" {
				var ue *Error
				if !errors.As(err, &ue) || ue.Service != "Svc" || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("want a typed error saying %q, got %v", c.wantErr, err)
				}
				return
			}
			if err != nil || r.status != c.wantStatus {
				t.Fatalf("status %d err %v, want %d", r.status, err, c.wantStatus)
			}
		})
	}
}

// TestExchangeStreamStopsReadingWhenReadReturns: a reader that stops early leaves the rest of a
// huge reply unread and unsent; the body is closed.
func TestExchangeStreamStopsReadingWhenReadReturns(t *testing.T) {
	const size = 256 << 20
	var written atomic.Int64
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		defer close(done)
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for written.Load() < size {
			n, err := w.Write(chunk)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	g, _ := testGuard()
	err := g.ExchangeStream(context.Background(), srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Idempotent: true},
		func(s *Stream) error {
			_, err := io.ReadFull(s.Body, make([]byte, 4096))
			return err
		})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the server is still sending: the body was not closed")
	}
	if w := written.Load(); w >= size {
		t.Fatalf("the whole %d-byte reply was sent for a 4 KiB read", w)
	}
	t.Logf("server wrote %d bytes before the client closed", written.Load())
}

func TestExchangeStreamBreakerOutcomes(t *testing.T) {
	// The service answered: whatever read makes of the answer is not a service failure.
	srv, _ := server(t)
	g, _ := testGuard()
	call := Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true}
	for range 8 {
		err := g.ExchangeStream(context.Background(), srv.Client(), call, func(*Stream) error { return errors.New("not what I wanted") })
		if err == nil || err.Error() != "not what I wanted" {
			t.Fatalf("read's own error must come back as it is: %v", err)
		}
	}
	if ok, _, _, _ := g.Breaker.allow(); !ok {
		t.Fatal("read's own refusals opened the breaker")
	}

	// Bodies cut in transit count against the service, as failed whole reads do ...
	steps := make([]http.HandlerFunc, 6)
	for i := range steps {
		steps[i] = reset
	}
	srv, _ = server(t, steps...)
	g, _ = testGuard()
	call.URL = srv.URL
	var r readAll
	for range 2 {
		_ = g.ExchangeStream(context.Background(), srv.Client(), call, r.read)
	}
	if ok, _, _, _ := g.Breaker.allow(); ok {
		t.Fatal("six bodies cut in transit did not open the breaker")
	}
	// ... except through a relay, where they speak of the device behind it.
	srv, _ = server(t, steps...)
	g, _ = testGuard()
	call.URL, call.Relayed = srv.URL, true
	for range 6 {
		_ = g.ExchangeStream(context.Background(), srv.Client(), call, r.read)
	}
	if ok, _, _, _ := g.Breaker.allow(); !ok {
		t.Fatal("a device's cut replies opened the breaker for the whole service")
	}
}

func TestExchangeStreamPanicReleasesTheProbeAndClosesTheBody(t *testing.T) {
	g, _ := testGuard()
	now := time.Now()
	g.Breaker.now = func() time.Time { return now }
	for range 5 {
		g.Breaker.record(false, failing, "HTTP 503")
	}
	now = now.Add(31 * time.Second)
	body := &closeTracker{Reader: strings.NewReader(`{"ok":true}`)}
	hc := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: body}, nil
	})}
	func() {
		defer func() { _ = recover() }()
		_ = g.ExchangeStream(context.Background(), hc, Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: "http://svc.invalid/x", Idempotent: true},
			func(*Stream) error { panic("reader exploded") })
	}()
	g.Breaker.mu.Lock()
	probing := g.Breaker.probing
	g.Breaker.mu.Unlock()
	if probing {
		t.Fatal("a panicking reader left the breaker half-open for good")
	}
	if !body.closed.Load() {
		t.Fatal("the body was not closed after the reader panicked")
	}
}

func TestExchangeStreamDeadlineHandsOverTheLastAnswer(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(429)
		_, _ = io.WriteString(w, `{"error":"rate_limit_exceeded"}`)
	}, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	g, _ := testGuard()
	g.Sleep = nil
	ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
	defer cancel()
	var r readAll
	err := g.ExchangeStream(ctx, srv.Client(), Call{Service: "Svc", Op: "op", Method: http.MethodGet, URL: srv.URL, Limit: 1024, Idempotent: true}, r.read)
	if err != nil || r.status != 429 || !strings.Contains(r.body, "rate_limit") {
		t.Fatalf("want the 429 and its body, got %d %q %v", r.status, r.body, err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type closeTracker struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeTracker) Close() error { c.closed.Store(true); return nil }
