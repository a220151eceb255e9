// Package idempotency remembers the outcome of writes by a caller-chosen key, durably across
// restarts, so that a repeated call returns the first call's result instead of writing again.
// It is a bbolt file opened for each operation: several server processes (one per chat window
// is common with stdio clients) share it, their writes serialised by bbolt's file lock.
package idempotency

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucket = []byte("idempotency")

// State of a key.
const (
	// Pending: the write was about to be sent, or was sent and its outcome is unknown (the
	// process died, or the request timed out after it may have reached the service).
	Pending = "pending"
	// Done: the write succeeded and Result holds what it returned.
	Done = "done"
)

// Record is what is stored for a key.
type Record struct {
	State   string          `json:"state"`
	Digest  string          `json:"digest"` // of the arguments the key was first used with
	Result  json.RawMessage `json:"result,omitempty"`
	Created time.Time       `json:"created"`
	Updated time.Time       `json:"updated"`
}

// Store is the durable key → outcome table.
type Store struct {
	path string
	now  func() time.Time
}

// Open prepares a store at path (the file is created on first write).
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("idempotency: %w", err)
	}
	s := &Store{path: path, now: time.Now}
	// Open once now so that a bad path fails at start-up, not at the first write.
	return s, s.update(func(*bolt.Bucket) error { return nil })
}

// DefaultPath is where the store lives unless configured: $XDG_STATE_HOME/forticloud-mcp, or
// ~/.local/state/forticloud-mcp.
func DefaultPath() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("idempotency: no state directory: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "forticloud-mcp", "idempotency.db"), nil
}

func (s *Store) update(fn func(*bolt.Bucket) error) error {
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: 10 * time.Second})
	if err != nil {
		return fmt.Errorf("idempotency: open %s: %w", s.path, err)
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		return fn(b)
	})
}

// Digest fingerprints a write's arguments.
func Digest(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ErrConflict: the key was first used with other arguments.
var ErrConflict = errors.New("idempotency key was already used with different arguments; choose a new key")

// ErrPending: a write with this key is in flight, or its outcome is unknown.
var ErrPending = errors.New("a write with this idempotency key is in progress or its outcome is unknown")

// Begin reserves key for a write with the given digest. It returns the stored result when the
// key already completed (replay: do not write again), ErrConflict when the arguments differ, and
// ErrPending when another write holds the key or an earlier one ended without a known outcome.
// Otherwise it records the key as pending and returns (nil, nil): the caller writes, then calls
// Finish or Abandon.
func (s *Store) Begin(key, digest string) (json.RawMessage, error) {
	var replay json.RawMessage
	err := s.update(func(b *bolt.Bucket) error {
		if raw := b.Get([]byte(key)); raw != nil {
			var r Record
			if err := json.Unmarshal(raw, &r); err != nil {
				return fmt.Errorf("idempotency: corrupt record for key: %w", err)
			}
			switch {
			case r.Digest != digest:
				return ErrConflict
			case r.State == Done:
				replay = r.Result
				return nil
			default:
				return ErrPending
			}
		}
		now := s.now().UTC()
		return put(b, key, Record{State: Pending, Digest: digest, Created: now, Updated: now})
	})
	return replay, err
}

// Finish records a write's result under key.
func (s *Store) Finish(key string, result any) error {
	res, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("idempotency: %w", err)
	}
	return s.update(func(b *bolt.Bucket) error {
		var r Record
		if raw := b.Get([]byte(key)); raw != nil {
			_ = json.Unmarshal(raw, &r)
		}
		r.State, r.Result, r.Updated = Done, res, s.now().UTC()
		if r.Created.IsZero() {
			r.Created = r.Updated
		}
		return put(b, key, r)
	})
}

// Abandon releases key after a write that provably did not happen (the service refused it), so
// that the same key may be used again.
func (s *Store) Abandon(key string) error {
	return s.update(func(b *bolt.Bucket) error { return b.Delete([]byte(key)) })
}

// Get returns the record for key, if any.
func (s *Store) Get(key string) (*Record, error) {
	var out *Record
	err := s.update(func(b *bolt.Bucket) error {
		raw := b.Get([]byte(key))
		if raw == nil {
			return nil
		}
		out = &Record{}
		return json.Unmarshal(raw, out)
	})
	return out, err
}

func put(b *bolt.Bucket, key string, r Record) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), raw)
}
