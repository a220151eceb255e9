package idempotency

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

func TestBeginFinishReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "idempotency.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	d := Digest(map[string]int{"count": 3})
	if replay, err := s.Begin("k1", d); err != nil || replay != nil {
		t.Fatalf("first Begin: %s %v", replay, err)
	}
	if _, err := s.Begin("k1", d); !errors.Is(err, ErrPending) {
		t.Fatalf("Begin while pending: %v", err)
	}
	if err := s.Finish("k1", map[string]string{"serial": "FGVM1"}); err != nil {
		t.Fatal(err)
	}
	// Durable: a new Store on the same file (a restarted server) replays the result.
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	replay, err := s2.Begin("k1", d)
	if err != nil || string(replay) != `{"serial":"FGVM1"}` {
		t.Fatalf("replay after reopen: %s %v", replay, err)
	}
	if _, err := s2.Begin("k1", Digest(map[string]int{"count": 4})); !errors.Is(err, ErrConflict) {
		t.Fatalf("other arguments: %v", err)
	}
	rec, err := s2.Get("k1")
	if err != nil || rec.State != Done || rec.Created.IsZero() {
		t.Fatalf("Get: %+v %v", rec, err)
	}
}

func TestAbandonReleasesTheKey(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "i.db"))
	if err != nil {
		t.Fatal(err)
	}
	d := Digest("x")
	if _, err := s.Begin("k", d); err != nil {
		t.Fatal(err)
	}
	if err := s.Abandon("k"); err != nil {
		t.Fatal(err)
	}
	if replay, err := s.Begin("k", d); err != nil || replay != nil {
		t.Fatalf("after Abandon: %s %v", replay, err)
	}
}

// TestOneReservationUnderConcurrency: many callers (and two Store values on one file, as two
// server processes would have) race for one key; exactly one may write.
func TestOneReservationUnderConcurrency(t *testing.T) {
	path := filepath.Join(t.TempDir(), "i.db")
	a, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			replay, err := s.Begin("same", Digest("args"))
			if err == nil && replay == nil {
				won.Add(1)
			} else if err != nil && !errors.Is(err, ErrPending) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d callers reserved the key, want 1", won.Load())
	}
}

func TestOpenFailsEarlyOnBadPath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(file, "idempotency.db")); err == nil {
		t.Fatal("a path under a regular file was accepted")
	}
}
