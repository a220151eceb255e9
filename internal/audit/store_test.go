package audit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func pending(ttl time.Duration) *Attempt {
	now := time.Now().UTC()
	return &Attempt{Created: now, Expires: now.Add(ttl), Tool: "flex_create_vm", Service: "FortiFlex", Target: "configuration 41102",
		Method: "create", Summary: "Create 2", Payload: `{"count":2}`, Digest: "d1", Mode: "required", Channel: "console", Status: Pending}
}

func TestOneDecisionWinsAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	// Two stores on one file stand for two server processes (or a server and the CLI).
	a, b := open(t, path), open(t, path)
	at := pending(time.Minute)
	if err := a.Create(context.Background(), at); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.Decide(context.Background(), at.ID, Approved, "p", "")
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrNotPending):
			t.Errorf("unexpected: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d decisions won, want 1", won)
	}
	got, _ := b.Get(context.Background(), at.ID)
	if got.Status != Approved || got.DecidedBy != "p" || got.DecidedAt.IsZero() {
		t.Fatalf("%+v", got)
	}
}

func TestTrailSurvivesReopenAndSettlesExpired(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	done, stale := pending(time.Minute), pending(time.Millisecond)
	for _, a := range []*Attempt{done, stale} {
		if err := s.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Decide(ctx, done.ID, Approved, "console", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, done.ID, Succeeded, "created 2"); err != nil {
		t.Fatal(err)
	}
	s.Close() // a restart

	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit file mode: %v %v", fi.Mode(), err)
	}
	s = open(t, path)
	time.Sleep(5 * time.Millisecond)
	if _, err := s.Decide(ctx, stale.ID, Approved, "late", ""); !errors.Is(err, ErrExpired) {
		t.Fatalf("late decision: %v", err)
	}
	if err := s.ExpireDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, stale.ID); got.Status != Expired {
		t.Fatalf("stale: %+v", got)
	}
	if _, err := s.Decide(ctx, "ap-nope", Approved, "x", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	events, err := s.Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i, e := range events {
		if i > 0 && e.Seq <= events[i-1].Seq {
			t.Fatal("events out of order")
		}
		kinds = append(kinds, e.Attempt[:3]+":"+e.Event)
	}
	want := []string{"ap-:requested", "ap-:requested", "ap-:approved", "ap-:succeeded", "ap-:expired"}
	if len(kinds) != len(want) {
		t.Fatalf("events %v", kinds)
	}
	list, _ := s.List(ctx, false, 10)
	if len(list) != 2 || list[0].Outcome == "" && list[1].Outcome == "" {
		t.Fatalf("history %+v", list)
	}
	if p, _ := s.List(ctx, true, 10); len(p) != 0 {
		t.Fatalf("pending after settling: %+v", p)
	}
}

func TestConsolesAreRecorded(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), FileName))
	ctx := context.Background()
	if err := s.AddConsole(ctx, "http://127.0.0.1:1/approvals/"); err != nil {
		t.Fatal(err)
	}
	cs, _ := s.Consoles(ctx)
	if len(cs) != 1 || cs[0].PID != os.Getpid() {
		t.Fatalf("%+v", cs)
	}
	_ = s.RemoveConsole(ctx, cs[0].URL)
	if cs, _ := s.Consoles(ctx); len(cs) != 0 {
		t.Fatalf("%+v", cs)
	}
}

func TestAnyDirectoryNameWorks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "we?ird#dir%20x")
	s := open(t, filepath.Join(dir, FileName))
	if err := s.Create(context.Background(), pending(time.Minute)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil || fi.Size() == 0 {
		t.Fatalf("the database is not where it was asked to be: %v %v", fi, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 1 {
		t.Fatalf("stray files next to the state directory: %v", entries)
	}
}
