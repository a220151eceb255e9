// Package audit is the durable record of write attempts: every write a model asks for, the
// person's decision on it (or its expiry), and what happened upstream. It lives in one SQLite
// file in the state directory, shared by every forticloud-mcp process of the user (WAL mode,
// busy timeout), so that an approval given in one process's console or by the `approvals`
// command reaches the process holding the write, and so that the trail survives restarts and
// crashes (synchronous=FULL).
//
// Payloads enter the store already redacted (approval.Action does it): secrets never do.
package audit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite: no cgo, one static binary
)

// Attempt statuses: pending until a person decides or it expires.
const (
	Pending   = "pending"
	Approved  = "approved"
	Denied    = "denied"
	Expired   = "expired"
	Cancelled = "cancelled"
)

// Outcomes of an approved write.
const (
	Succeeded = "succeeded"
	Failed    = "failed"
)

// Attempt is one write a model asked for.
type Attempt struct {
	ID        string    `json:"id"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	Tool      string    `json:"tool"`
	Service   string    `json:"service"`
	Target    string    `json:"target"`
	Method    string    `json:"method"`
	Summary   string    `json:"summary"`
	Cost      string    `json:"cost,omitempty"`
	Payload   string    `json:"payload,omitempty"` // redacted JSON
	Digest    string    `json:"digest"`            // binds the approval to the exact action
	Mode      string    `json:"approval_mode"`     // required | none
	Channel   string    `json:"channel"`           // elicitation | console | none | read-only
	Status    string    `json:"status"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	DecidedBy string    `json:"decided_by,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Outcome   string    `json:"outcome,omitempty"` // succeeded | failed, once the write ran
	Detail    string    `json:"outcome_detail,omitempty"`
	Finished  time.Time `json:"finished,omitzero"`
	Server    string    `json:"server,omitempty"` // host:pid of the process holding the write
}

// Open reports whether the attempt still waits for a decision at now.
func (a *Attempt) Open(now time.Time) bool { return a.Status == Pending && now.Before(a.Expires) }

// Event is one line of the audit trail.
type Event struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Attempt string    `json:"attempt,omitempty"`
	Event   string    `json:"event"` // requested, approved, denied, expired, cancelled, refused, succeeded, failed
	Channel string    `json:"channel,omitempty"`
	Actor   string    `json:"actor,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

// Errors of Decide.
var (
	ErrNotFound   = errors.New("no such approval")
	ErrNotPending = errors.New("already decided")
	ErrExpired    = errors.New("expired")
)

// Store is the audit database.
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time
}

const schema = `
CREATE TABLE IF NOT EXISTS attempts (
	id TEXT PRIMARY KEY,
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL,
	tool TEXT NOT NULL, service TEXT NOT NULL, target TEXT NOT NULL, method TEXT NOT NULL,
	summary TEXT NOT NULL, cost TEXT NOT NULL, payload TEXT NOT NULL, digest TEXT NOT NULL,
	mode TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL,
	decided_at INTEGER NOT NULL DEFAULT 0, decided_by TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '',
	outcome TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '', finished INTEGER NOT NULL DEFAULT 0,
	server TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS attempts_by_status ON attempts (status, created);
CREATE TABLE IF NOT EXISTS events (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL,
	attempt TEXT NOT NULL,
	event TEXT NOT NULL,
	channel TEXT NOT NULL DEFAULT '',
	actor TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS consoles (
	url TEXT PRIMARY KEY,
	pid INTEGER NOT NULL,
	started INTEGER NOT NULL
);
`

// FileName is the store's file in the state directory.
const FileName = "audit.db"

// Open opens (creating if needed) the store at path. The directory is created private (0700)
// and the file is readable by its owner only.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	// Create the file ourselves so its mode is 0600 before SQLite writes into it.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	} else {
		_ = f.Close()
	}
	// A file: URI: the characters that would end or escape its path are percent-encoded (SQLite
	// decodes them), so any state directory name works.
	dsn := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	if _, err := db.Exec(schema); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("audit: open %s: %w", path, err)
	}
	return &Store{db: db, path: path, now: time.Now}, nil
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// NewID returns a fresh approval id: short enough to type, too random to guess.
func NewID() string { return "ap-" + strings.ToLower(rand.Text()[:16]) }

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// Create records a new attempt and its first event (requested, or the decision when the attempt
// is created decided, as with --approval=none and read-only refusals).
func (s *Store) Create(ctx context.Context, a *Attempt) error {
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.Created.IsZero() {
		a.Created = s.now().UTC()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO attempts (id, created, expires, tool, service, target, method, summary, cost, payload, digest, mode, channel, status, decided_at, decided_by, reason, server)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, ms(a.Created), ms(a.Expires), a.Tool, a.Service, a.Target, a.Method, a.Summary, a.Cost, a.Payload, a.Digest,
			a.Mode, a.Channel, a.Status, ms(a.DecidedAt), a.DecidedBy, a.Reason, a.Server)
		if err != nil {
			return err
		}
		if err := addEvent(ctx, tx, a.Created, a.ID, "requested", a.Channel, "", a.Summary); err != nil {
			return err
		}
		if a.Status != Pending {
			return addEvent(ctx, tx, a.Created, a.ID, a.Status, a.Channel, a.DecidedBy, a.Reason)
		}
		return nil
	})
}

// Decide records a person's decision (Approved or Denied) on a pending attempt. Exactly one
// decision wins, whichever process or channel gives it; the rest get ErrNotPending, and a
// decision after the expiry gets ErrExpired.
func (s *Store) Decide(ctx context.Context, id, status, actor, reason string) (*Attempt, error) {
	if status != Approved && status != Denied && status != Cancelled {
		return nil, fmt.Errorf("audit: decide: unknown decision %q", status)
	}
	now := s.now().UTC()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE attempts SET status = ?, decided_at = ?, decided_by = ?, reason = ? WHERE id = ? AND status = 'pending' AND expires > ?`,
			status, ms(now), actor, reason, id, ms(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return addEvent(ctx, tx, now, id, status, "", actor, reason)
		}
		a, err := get(ctx, tx, id)
		switch {
		case err != nil:
			return err
		case a.Status == Pending, a.Status == Expired: // past its expiry (ExpireDue settles it)
			return ErrExpired
		default:
			return fmt.Errorf("%w (%s)", ErrNotPending, a.Status)
		}
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Expire settles a pending attempt whose time is up; it is a no-op otherwise.
func (s *Store) Expire(ctx context.Context, id, reason string) error {
	now := s.now().UTC()
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE attempts SET status = 'expired', decided_at = ?, reason = ? WHERE id = ? AND status = 'pending'`, ms(now), reason, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return addEvent(ctx, tx, now, id, Expired, "", "", reason)
		}
		return nil
	})
}

// ExpireDue settles every pending attempt past its expiry (a crashed process's, say).
func (s *Store) ExpireDue(ctx context.Context) error {
	now := s.now().UTC()
	return s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM attempts WHERE status = 'pending' AND expires <= ?`, ms(now))
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				_ = rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE attempts SET status = 'expired', decided_at = ?, reason = 'no decision in time' WHERE id = ?`, ms(now), id); err != nil {
				return err
			}
			if err := addEvent(ctx, tx, now, id, Expired, "", "", "no decision in time"); err != nil {
				return err
			}
		}
		return nil
	})
}

// Finish records what happened upstream once an approved write ran.
func (s *Store) Finish(ctx context.Context, id, outcome, detail string) error {
	now := s.now().UTC()
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE attempts SET outcome = ?, detail = ?, finished = ? WHERE id = ?`, outcome, detail, ms(now), id); err != nil {
			return err
		}
		return addEvent(ctx, tx, now, id, outcome, "", "", detail)
	})
}

// Note appends an event that changes no attempt: a refused approval (forged, replayed, changed
// payload) or the like. attempt may be empty when the request named none we know.
func (s *Store) Note(ctx context.Context, attempt, event, channel, detail string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		return addEvent(ctx, tx, s.now().UTC(), attempt, event, channel, "", detail)
	})
}

func addEvent(ctx context.Context, tx *sql.Tx, at time.Time, attempt, event, channel, actor, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO events (at, attempt, event, channel, actor, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		ms(at), attempt, event, channel, actor, detail)
	return err
}

const attemptColumns = `id, created, expires, tool, service, target, method, summary, cost, payload, digest, mode, channel, status, decided_at, decided_by, reason, outcome, detail, finished, server`

type scanner interface{ Scan(...any) error }

func scanAttempt(r scanner) (*Attempt, error) {
	var a Attempt
	var created, expires, decided, finished int64
	if err := r.Scan(&a.ID, &created, &expires, &a.Tool, &a.Service, &a.Target, &a.Method, &a.Summary, &a.Cost, &a.Payload, &a.Digest,
		&a.Mode, &a.Channel, &a.Status, &decided, &a.DecidedBy, &a.Reason, &a.Outcome, &a.Detail, &finished, &a.Server); err != nil {
		return nil, err
	}
	a.Created, a.Expires, a.DecidedAt, a.Finished = fromMS(created), fromMS(expires), fromMS(decided), fromMS(finished)
	return &a, nil
}

func get(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id string) (*Attempt, error) {
	a, err := scanAttempt(q.QueryRowContext(ctx, `SELECT `+attemptColumns+` FROM attempts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return a, err
}

// Get returns one attempt, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*Attempt, error) {
	a, err := get(ctx, s.db, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("audit: get %s: %w", id, err)
	}
	return a, err
}

// List returns attempts newest first: only pending ones when pendingOnly, at most limit.
func (s *Store) List(ctx context.Context, pendingOnly bool, limit int) ([]*Attempt, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + attemptColumns + ` FROM attempts`
	args := []any{}
	if pendingOnly {
		q += ` WHERE status = 'pending' AND expires > ?`
		args = append(args, ms(s.now()))
	}
	q += ` ORDER BY created DESC, id LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []*Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Events returns the trail in order, from seq after onwards, at most limit (0: all).
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]Event, error) {
	q := `SELECT seq, at, attempt, event, channel, actor, detail FROM events WHERE seq > ? ORDER BY seq`
	args := []any{after}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit: events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Attempt, &e.Event, &e.Channel, &e.Actor, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit: events: %w", err)
		}
		e.Time = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Console is a running approvals console, so that `forticloud-mcp approvals console` can point
// a person at it.
type Console struct {
	URL     string
	PID     int
	Started time.Time
}

// AddConsole records a console this process serves; RemoveConsole forgets it.
func (s *Store) AddConsole(ctx context.Context, url string) error {
	_, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO consoles (url, pid, started) VALUES (?, ?, ?)`, url, os.Getpid(), ms(s.now()))
	return err
}

// RemoveConsole forgets a console.
func (s *Store) RemoveConsole(ctx context.Context, url string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM consoles WHERE url = ?`, url)
	return err
}

// Consoles lists the consoles recorded, newest first.
func (s *Store) Consoles(ctx context.Context) ([]Console, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT url, pid, started FROM consoles ORDER BY started DESC`)
	if err != nil {
		return nil, fmt.Errorf("audit: consoles: %w", err)
	}
	defer rows.Close()
	var out []Console
	for rows.Next() {
		var c Console
		var started int64
		if err := rows.Scan(&c.URL, &c.PID, &started); err != nil {
			return nil, err
		}
		c.Started = fromMS(started)
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotPending) || errors.Is(err, ErrExpired) {
			return err
		}
		return fmt.Errorf("audit: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audit: commit: %w", err)
	}
	return nil
}
