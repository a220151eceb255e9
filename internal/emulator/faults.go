package emulator

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault makes matching requests misbehave. Faults are checked before routing,
// in the order they were injected; the first match applies.
type Fault struct {
	Service    string        // "" any, or "iam", "fortigatecloud", "fortios", "fortiflex", "fortianalyzer", "socaas"
	Method     string        // "" any
	PathPrefix string        // "" any; matched against the URL path
	Latency    time.Duration // delay before answering; stops waiting when the client goes away
	Status     int           // non-zero: answer with this status instead of the real handler
	Body       string        // body for Status (default: a body shaped like that service's errors)
	RetryAfter string        // Retry-After header value sent with Status (e.g. for 429)
	Times      int           // how many matching requests it affects; 0 = until cleared
	// ResetConnection closes the connection without a response. Note that
	// Go's transport retries an idempotent request (GET, PUT, DELETE) once
	// when it fails on a reused keep-alive connection, so with Times 1 such
	// a client may never see the reset.
	ResetConnection bool
}

type faultEntry struct {
	id        int
	f         Fault
	remaining int // meaningful when f.Times > 0
}

type faultSet struct {
	mu   sync.Mutex
	next int
	list []*faultEntry
}

// InjectFault adds a fault and returns its id (for RemoveFault).
func (e *Emulator) InjectFault(f Fault) (id int) {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	e.faults.next++
	e.faults.list = append(e.faults.list, &faultEntry{id: e.faults.next, f: f, remaining: f.Times})
	return e.faults.next
}

// RemoveFault removes one fault; it reports whether the fault was still active.
func (e *Emulator) RemoveFault(id int) bool {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	for i, fe := range e.faults.list {
		if fe.id == id {
			e.faults.list = append(e.faults.list[:i], e.faults.list[i+1:]...)
			return true
		}
	}
	return false
}

// ClearFaults removes every fault.
func (e *Emulator) ClearFaults() {
	e.faults.mu.Lock()
	e.faults.list = nil
	e.faults.mu.Unlock()
}

// match returns the first fault matching the request and uses up one of its
// Times; a fault whose Times run out is dropped.
func (fs *faultSet) match(service, method, path string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, fe := range fs.list {
		f := fe.f
		if f.Service != "" && f.Service != service {
			continue
		}
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.PathPrefix != "" && !strings.HasPrefix(path, f.PathPrefix) {
			continue
		}
		if f.Times > 0 {
			fe.remaining--
			if fe.remaining <= 0 {
				fs.list = append(fs.list[:i], fs.list[i+1:]...)
			}
		}
		return f, true
	}
	return Fault{}, false
}

// applyFault runs a matched fault. It reports whether the fault answered the
// request (or killed it), in which case the real handler must not run.
func (e *Emulator) applyFault(w http.ResponseWriter, r *http.Request, service string, f Fault) (handled bool) {
	if f.Latency > 0 && !sleepCtx(r.Context(), f.Latency) {
		return true // the client gave up; nothing left to answer
	}
	if f.ResetConnection {
		resetConnection(w)
		return true
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	body := f.Body
	if body == "" {
		body = defaultFaultBody(service, r.Method, f.Status)
	}
	if ct := strings.TrimSpace(body); strings.HasPrefix(ct, "{") || strings.HasPrefix(ct, "[") {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(body))
	return true
}

// defaultFaultBody shapes an injected error like the service's own errors:
// OAuth-style for IAM and FortiGate Cloud (forticloud-api.md §1.3, §3.2),
// the FortiOS error envelope for the proxy (fortios-and-faz-data.md §1.6),
// the FortiFlex envelope with status -1 (forticloud-api.md §2.1; the data
// key is left out, as for an unknown endpoint), and for FortiAnalyzer a
// classic JSON-RPC result with code -1 (§4.2, §4.3) [inf: what a
// FortiAnalyzer Cloud front end sends on a 5xx is not known].
func defaultFaultBody(service, method string, status int) string {
	switch service {
	case svcIAM, svcFortiGateCloud:
		return string(mustJSON(oauthError{Error: oauthCodeFor(status), Description: http.StatusText(status)}))
	case svcFortiOS:
		return string(mustJSON(obj("http_method", method, "status", "error", "http_status", status)))
	case svcFortiFlex:
		msg := http.StatusText(status)
		return string(mustJSON(obj("error", msg, "message", msg, "status", -1)))
	case svcFortiAnalyzer:
		return string(mustJSON(obj("id", nil, "result", []object{obj("status",
			obj("code", fazErrRuntime, "message", "runtime error 0: "+http.StatusText(status)))})))
	case svcSOCaaS: // its §5.1 envelope: status 1, a string errorArr item, data null
		return string(mustJSON(socEnvelope(1, []any{http.StatusText(status)}, nil)))
	default:
		return http.StatusText(status) + "\n"
	}
}

// oauthCodeFor picks the OAuth2 error code that fits an HTTP status [inf].
func oauthCodeFor(status int) string {
	switch {
	case status == http.StatusBadRequest:
		return "invalid_request"
	case status == http.StatusUnauthorized:
		return "invalid_client"
	case status == http.StatusForbidden:
		return "access_denied"
	case status == http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case status == http.StatusServiceUnavailable:
		return "temporarily_unavailable"
	case status >= 500:
		return "server_error"
	default:
		return "invalid_request"
	}
}

// resetConnection drops the connection without a response. With linger 0
// the peer sees a TCP reset rather than an orderly close.
func resetConnection(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	conn, _, err := rc.Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): abort the stream instead.
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
