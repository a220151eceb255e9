package emulator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault makes matching requests misbehave. Faults are checked before routing,
// in the order they were injected; the first match applies.
//
// A fault applies in this order: Latency; then ResetConnection (no reply at
// all); then the reply, either Status/Body or, when Status is 0, the real
// handler's. The body faults (MalformedJSON, CorruptGzip, TruncateGzip,
// ResetMidBody) damage that reply, in that order, and may be combined; without
// any of them and with Status 0 the real handler answers normally.
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

	// ResetMidBody sends the status line, the headers with the Content-Length
	// of the whole body, and the first half of the body, then closes the
	// connection. A net/http client gets the headers, then io.ErrUnexpectedEOF
	// from the body after the partial data. The close is an orderly one (FIN),
	// so the partial data always arrives. An empty body (HEAD, 204) arrives
	// whole before the close.
	ResetMidBody bool
	// CorruptGzip sends the body gzip-compressed with "Content-Encoding: gzip"
	// (a body the handler already gzipped keeps its bytes and its headers, as
	// for a GzipWithoutHeader device) and flips bytes in the middle of the
	// deflate stream and in the CRC-32 of the trailer. The gzip header stays
	// intact, so gzip.NewReader succeeds and reading fails.
	CorruptGzip bool
	// TruncateGzip sends the body gzip-compressed like CorruptGzip, without the
	// 8-byte trailer and the second half of the deflate stream, with a
	// Content-Length that matches what is sent: the HTTP message is complete
	// and reading the gzip stream fails with io.ErrUnexpectedEOF.
	TruncateGzip bool
	// MalformedJSON keeps the reply's status and headers but sends only the
	// first half of its body ("{" when the body is empty, and a "{" is added
	// if the half happens to be valid JSON), with a matching Content-Length. A
	// gzipped body is cut inside the gzip stream: it decompresses cleanly to
	// broken JSON.
	MalformedJSON bool

	// JSONRPCMethod and JSONRPCURL narrow the fault to FortiAnalyzer
	// JSON-RPC calls (POST /jsonrpc): the body's "method" must equal
	// JSONRPCMethod (case-insensitive), and params[0].url must start with
	// JSONRPCURL (leading "/" ignored on both sides, so "logview/" matches
	// "/logview/adom/root/logsearch"). A fault that sets either never
	// matches any other request.
	JSONRPCMethod string
	JSONRPCURL    string
}

// damagesBody reports whether f alters the reply's bytes (so the reply must
// be captured first).
func (f *Fault) damagesBody() bool {
	return f.ResetMidBody || f.CorruptGzip || f.TruncateGzip || f.MalformedJSON
}

func (f *Fault) wantsJSONRPC() bool { return f.JSONRPCMethod != "" || f.JSONRPCURL != "" }

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

// rpcCall is what a JSON-RPC fault matches: the body's method and
// params[0].url. ok is false for requests that are not FortiAnalyzer
// JSON-RPC calls or whose body is not one.
type rpcCall struct {
	ok          bool
	method, url string
}

// match returns the first fault matching the request and uses up one of its
// Times; a fault whose Times run out is dropped. The request body is read
// (and put back for the handler) only when a fault needs the JSON-RPC
// method or URL.
func (fs *faultSet) match(service string, r *http.Request) (Fault, bool) {
	var rpc rpcCall
	if fs.anyJSONRPC() && service == svcFortiAnalyzer && r.Method == http.MethodPost && r.URL.Path == fazRPCPath {
		rpc = peekJSONRPC(r)
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, fe := range fs.list {
		f := fe.f
		if f.Service != "" && f.Service != service {
			continue
		}
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.PathPrefix != "" && !strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			continue
		}
		if f.wantsJSONRPC() {
			if !rpc.ok {
				continue
			}
			if f.JSONRPCMethod != "" && !strings.EqualFold(f.JSONRPCMethod, rpc.method) {
				continue
			}
			if f.JSONRPCURL != "" && !strings.HasPrefix(strings.TrimPrefix(rpc.url, "/"), strings.TrimPrefix(f.JSONRPCURL, "/")) {
				continue
			}
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

func (fs *faultSet) anyJSONRPC() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, fe := range fs.list {
		if fe.f.wantsJSONRPC() {
			return true
		}
	}
	return false
}

// peekJSONRPC reads the method and params[0].url of a /jsonrpc body and puts
// the body back, unread, for the handler (whose own size limit still applies).
func peekJSONRPC(r *http.Request) rpcCall {
	if r.Body == nil {
		return rpcCall{}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxFAZBody+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
	if err != nil || len(b) > maxFAZBody {
		return rpcCall{}
	}
	req, err := parseFAZRequest(b)
	if err != nil || len(req.params) == 0 {
		return rpcCall{}
	}
	return rpcCall{ok: true, method: req.method, url: req.params[0].url()}
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
	if !f.damagesBody() {
		if f.Status == 0 {
			return false
		}
		writeFaultStatus(w, r, service, f)
		return true
	}
	c := &captureWriter{header: http.Header{}}
	if f.Status != 0 {
		writeFaultStatus(c, r, service, f)
	} else {
		e.serveRoute(c, r)
	}
	sendDamaged(w, r, f, c)
	return true
}

// serveRoute is the routing step of serve, for a reply a fault damages.
func (e *Emulator) serveRoute(w http.ResponseWriter, r *http.Request) {
	rt := serviceFor(r.URL.Path)
	if rt == nil {
		notFoundPage(w)
		return
	}
	rt.handle(e, w, r)
}

// writeFaultStatus answers with the fault's Status, Body and Retry-After.
func writeFaultStatus(w http.ResponseWriter, r *http.Request, service string, f Fault) {
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
}

// captureWriter buffers a whole reply so that a fault can damage it.
type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status = code
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

// sendDamaged sends the captured reply with the fault's damage.
func sendDamaged(w http.ResponseWriter, r *http.Request, f Fault, c *captureWriter) {
	status := c.status
	if status == 0 {
		status = http.StatusOK
	}
	h := w.Header()
	for k, v := range c.header {
		h[k] = v
	}
	h.Del("Transfer-Encoding")
	h.Del("Content-Length")
	if r.Method == http.MethodHead || !bodyAllowed(status) {
		w.WriteHeader(status)
		if f.ResetMidBody {
			closeConnection(w)
		}
		return
	}
	body := c.body.Bytes()
	if f.MalformedJSON {
		body = malformBody(body)
	}
	if f.CorruptGzip || f.TruncateGzip {
		if !isGzip(body) {
			body = gzipBytes(body)
			h.Set("Content-Encoding", "gzip")
		}
		if f.CorruptGzip {
			body = corruptGzip(body)
		}
		if f.TruncateGzip {
			body = truncateGzip(body)
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if !f.ResetMidBody {
		_, _ = w.Write(body)
		return
	}
	_, _ = w.Write(body[:len(body)/2])
	closeConnection(w)
}

// bodyAllowed mirrors net/http: 1xx, 204 and 304 replies carry no body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// closeConnection flushes what was written and closes the connection in an
// orderly way (FIN), so the peer reads every byte sent and then an early EOF.
func closeConnection(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	conn, _, err := rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // not hijackable (HTTP/2): abort the stream
	}
	_ = conn.Close()
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// malformBody cuts a body to broken JSON (see Fault.MalformedJSON). A
// gzipped body is decompressed, cut and compressed again.
func malformBody(body []byte) []byte {
	if isGzip(body) {
		if zr, err := gzip.NewReader(bytes.NewReader(body)); err == nil {
			if plain, err := io.ReadAll(zr); err == nil {
				return gzipBytes(cutJSON(plain))
			}
		}
	}
	return cutJSON(body)
}

func cutJSON(b []byte) []byte {
	out := append([]byte(nil), b[:len(b)/2]...)
	if len(bytes.TrimSpace(out)) == 0 || json.Valid(out) {
		out = append(out, '{')
	}
	return out
}

// gzipSpan returns where the deflate stream of a single-member gzip body
// starts and ends (the 8-byte trailer follows), per RFC 1952 §2.3.
func gzipSpan(b []byte) (start, end int, ok bool) {
	if len(b) < 18 || !isGzip(b) || b[2] != 8 {
		return 0, 0, false
	}
	flg, n := b[3], 10
	if flg&0x04 != 0 { // FEXTRA
		if n+2 > len(b) {
			return 0, 0, false
		}
		n += 2 + (int(b[n]) | int(b[n+1])<<8)
	}
	for _, bit := range []byte{0x08, 0x10} { // FNAME, FCOMMENT: zero-terminated
		if flg&bit != 0 {
			if n > len(b) {
				return 0, 0, false
			}
			i := bytes.IndexByte(b[n:], 0)
			if i < 0 {
				return 0, 0, false
			}
			n += i + 1
		}
	}
	if flg&0x02 != 0 { // FHCRC
		n += 2
	}
	if n >= len(b)-8 {
		return 0, 0, false
	}
	return n, len(b) - 8, true
}

// corruptGzip flips the middle byte of the deflate stream and the first
// byte of the trailer's CRC-32, leaving the header intact.
func corruptGzip(b []byte) []byte {
	out := append([]byte(nil), b...)
	start, end, ok := gzipSpan(out)
	if !ok {
		out[len(out)/2] ^= 0xff
		return out
	}
	out[start+(end-start)/2] ^= 0xff
	out[end] ^= 0xff
	return out
}

// truncateGzip drops the trailer and the second half of the deflate stream.
func truncateGzip(b []byte) []byte {
	start, end, ok := gzipSpan(b)
	if !ok {
		return append([]byte(nil), b[:len(b)/2]...)
	}
	keep := start + max((end-start)/2, 1)
	return append([]byte(nil), b[:keep]...)
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
