package emulator

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Request is one request the emulator received, for tests that count
// upstream traffic. It never holds Authorization headers, tokens, passwords or
// bodies: only what a log line may show.
type Request struct {
	Time     time.Time // arrival, per the emulator's Clock
	Service  string    // "iam", "fortigatecloud", "fortios", "fortiflex", "fortianalyzer", "socaas"; "" for paths no service owns
	Method   string
	Path     string // URL path without the query string
	Status   int    // status sent; 0 when no response was sent (connection reset, client gone)
	ClientID string // IAM client_id when the request named or implied one
	User     string // API user (apiId) or legacy user name, when known
}

// defaultMaxRecords bounds the record log in long-running sandbox sessions.
const defaultMaxRecords = 100_000

type grantCount struct{ password, refresh int }

type recorder struct {
	mu     sync.Mutex
	max    int
	reqs   []Request
	total  int
	grants map[string]*grantCount
	legacy int
}

func newRecorder(max int) *recorder {
	if max <= 0 {
		max = defaultMaxRecords
	}
	return &recorder{max: max, grants: map[string]*grantCount{}}
}

func (r *recorder) add(req Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total++
	r.reqs = append(r.reqs, req)
	if len(r.reqs) > r.max {
		// Drop the oldest quarter at once so trimming stays amortised O(1).
		keep := r.max * 3 / 4
		r.reqs = append([]Request(nil), r.reqs[len(r.reqs)-keep:]...)
	}
}

func (r *recorder) countGrant(clientID string, refresh bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.grants[clientID]
	if g == nil {
		g = &grantCount{}
		r.grants[clientID] = g
	}
	if refresh {
		g.refresh++
	} else {
		g.password++
	}
}

func (r *recorder) countLegacy() {
	r.mu.Lock()
	r.legacy++
	r.mu.Unlock()
}

// Requests returns a snapshot of the recorded requests, oldest first. In a
// very long session only the most recent ones are kept (RequestCount still
// counts them all).
func (e *Emulator) Requests() []Request {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	return append([]Request(nil), e.rec.reqs...)
}

// RequestCount returns how many requests arrived since New or ResetRecords.
func (e *Emulator) RequestCount() int {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	return e.rec.total
}

// ResetRecords forgets recorded requests and grant counters.
func (e *Emulator) ResetRecords() {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	e.rec.reqs = nil
	e.rec.total = 0
	e.rec.grants = map[string]*grantCount{}
	e.rec.legacy = 0
}

// TokenGrants returns the successful password and refresh grants issued for
// clientID.
func (e *Emulator) TokenGrants(clientID string) int {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	if g := e.rec.grants[clientID]; g != nil {
		return g.password + g.refresh
	}
	return 0
}

// PasswordGrants returns the successful password grants for clientID.
func (e *Emulator) PasswordGrants(clientID string) int {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	if g := e.rec.grants[clientID]; g != nil {
		return g.password
	}
	return 0
}

// RefreshGrants returns the successful refresh grants for clientID.
func (e *Emulator) RefreshGrants(clientID string) int {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	if g := e.rec.grants[clientID]; g != nil {
		return g.refresh
	}
	return 0
}

// LegacyLogins returns the successful FortiGate Cloud account logins
// (POST /forticloudapi/v1/auth).
func (e *Emulator) LegacyLogins() int {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	return e.rec.legacy
}

// requestNote carries what a handler learnt about the caller back to the
// recording middleware.
type requestNote struct{ clientID, user string }

type noteKey struct{}

func withNote(r *http.Request) (*http.Request, *requestNote) {
	n := &requestNote{}
	return r.WithContext(context.WithValue(r.Context(), noteKey{}, n)), n
}

// noteCaller records the client_id and user of the request in flight.
// Handlers call it once they know who is calling; never pass secrets.
func noteCaller(r *http.Request, clientID, user string) {
	if n, ok := r.Context().Value(noteKey{}).(*requestNote); ok {
		if clientID != "" {
			n.clientID = clientID
		}
		if user != "" {
			n.user = user
		}
	}
}

// statusWriter captures the status a handler sends.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
