package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeFAZ struct {
	mu              sync.Mutex
	logins, logouts atomic.Int32
	live            map[string]bool
	loginErr        error
	loginDelay      time.Duration
	peak, current   int
}

func (f *fakeFAZ) funcs() SessionFuncs {
	return SessionFuncs{
		Login: func(ctx context.Context) (string, error) {
			time.Sleep(f.loginDelay)
			n := f.logins.Add(1)
			if f.loginErr != nil {
				return "", f.loginErr
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			s := fmt.Sprintf("sess-%d", n)
			f.live[s] = true
			f.current++
			f.peak = max(f.peak, f.current)
			return s, nil
		},
		Logout: func(_ context.Context, s string) error {
			f.logouts.Add(1)
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.live[s] {
				delete(f.live, s)
				f.current--
			}
			return nil
		},
	}
}

// use is a JSON-RPC call: -11 unless the session is live.
func (f *fakeFAZ) use(_ context.Context, s string) error {
	time.Sleep(time.Millisecond)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.live[s] {
		return ErrSessionExpired
	}
	return nil
}

func (f *fakeFAZ) expireAll() {
	f.mu.Lock()
	f.live = map[string]bool{}
	f.current = 0
	f.mu.Unlock()
}

func TestSessionPoolSharesOneSession(t *testing.T) {
	f := &fakeFAZ{live: map[string]bool{}, loginDelay: 20 * time.Millisecond}
	p := NewSessionPool(f.funcs(), SessionPoolOptions{})
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			if err := p.Do(context.Background(), f.use); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if f.logins.Load() != 1 {
		t.Fatalf("%d logins for 40 concurrent calls with one session allowed", f.logins.Load())
	}
	if err := p.Close(context.Background()); err != nil || f.logouts.Load() != 1 || p.Sessions() != 0 {
		t.Fatalf("close: %v, %d logouts", err, f.logouts.Load())
	}
	if err := p.Do(context.Background(), f.use); err == nil {
		t.Fatal("a closed pool accepted a call")
	}
}

func TestSessionPoolNeverExceedsItsBudget(t *testing.T) {
	f := &fakeFAZ{live: map[string]bool{}}
	p := NewSessionPool(f.funcs(), SessionPoolOptions{MaxSessions: 3, PerSession: 2})
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() { _ = p.Do(context.Background(), f.use) })
	}
	wg.Wait()
	if f.peak > 3 || f.logins.Load() > 3 {
		t.Fatalf("peak %d sessions, %d logins; budget 3", f.peak, f.logins.Load())
	}
	if NewSessionPool(f.funcs(), SessionPoolOptions{MaxSessions: 500}).opts.MaxSessions != LoginMax {
		t.Fatal("MaxSessions not capped at login-max")
	}
}

func TestSessionPoolRecoversAnExpiredSessionOnce(t *testing.T) {
	f := &fakeFAZ{live: map[string]bool{}}
	p := NewSessionPool(f.funcs(), SessionPoolOptions{})
	if err := p.Do(context.Background(), f.use); err != nil {
		t.Fatal(err)
	}
	f.expireAll()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := p.Do(context.Background(), f.use); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if f.logins.Load() != 2 {
		t.Fatalf("%d logins, want 2 (one re-login shared by 20 callers)", f.logins.Load())
	}
	// A -11 on a fresh session is a permission error, not a loop.
	calls := 0
	err := p.Do(context.Background(), func(context.Context, string) error { calls++; return ErrSessionExpired })
	if err == nil || !strings.Contains(err.Error(), "lacks permission") || calls != 2 || f.logins.Load() != 3 {
		t.Fatalf("err %v after %d calls and %d logins", err, calls, f.logins.Load())
	}
}

func TestSessionPoolDoesNotRetryAFailedLoginInALoop(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1000, 0)}
	f := &fakeFAZ{live: map[string]bool{}, loginErr: errors.New("login-max reached")}
	p := NewSessionPool(f.funcs(), SessionPoolOptions{Now: clock.Now})
	for range 10 {
		if err := p.Do(context.Background(), f.use); err == nil {
			t.Fatal("call succeeded without a session")
		}
	}
	if f.logins.Load() != 1 {
		t.Fatalf("%d login attempts for 10 calls, want 1", f.logins.Load())
	}
	clock.Advance(11 * time.Second)
	f.loginErr = nil
	if err := p.Do(context.Background(), f.use); err != nil || f.logins.Load() != 2 {
		t.Fatalf("after the back-off: %v, %d logins", err, f.logins.Load())
	}
}

func TestSessionPoolPermissionErrorCostsNoLogin(t *testing.T) {
	f := &fakeFAZ{live: map[string]bool{}}
	fn := f.funcs()
	fn.Check = func(ctx context.Context, s string) error { return f.use(ctx, s) }
	p := NewSessionPool(fn, SessionPoolOptions{})
	forbidden := func(context.Context, string) error { return ErrSessionExpired } // -11 on a live session
	for range 10 {
		if err := p.Do(context.Background(), forbidden); err == nil || !strings.Contains(err.Error(), "lacks permission") {
			t.Fatalf("%v", err)
		}
	}
	if f.logins.Load() != 1 || f.peak != 1 {
		t.Fatalf("10 permission errors caused %d logins (peak %d sessions)", f.logins.Load(), f.peak)
	}
	// A really expired session is still replaced.
	f.expireAll()
	if err := p.Do(context.Background(), f.use); err != nil || f.logins.Load() != 2 {
		t.Fatalf("%v, %d logins", err, f.logins.Load())
	}
}

func TestSessionPoolCloseDuringLoginLeavesNothingOpen(t *testing.T) {
	f := &fakeFAZ{live: map[string]bool{}, loginDelay: 100 * time.Millisecond}
	p := NewSessionPool(f.funcs(), SessionPoolOptions{})
	errc := make(chan error, 1)
	go func() { errc <- p.Do(context.Background(), f.use) }()
	time.Sleep(20 * time.Millisecond) // the login is in flight
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-errc
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.current != 0 {
		t.Fatalf("%d sessions left open after Close", f.current)
	}
}
