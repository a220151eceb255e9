// Package upstream holds what every FortiCloud client shares: the HTTP client, typed errors, and
// reading replies that may be gzipped with or without saying so.
package upstream

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"

	"github.com/forticloud-mcp/forticloud-mcp/internal/version"
)

// NewTransport returns the base transport for upstream calls. Compression is handled by
// DecodedBody (for ReadBody and Guard.ExchangeStream), not by net/http: FortiOS replies through the FortiGate Cloud proxy may be gzipped without a
// Content-Encoding header (forticloud-api.md §3.3), which net/http would not decode.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          128,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

// NewRequest builds a request with the headers every upstream call carries.
func NewRequest(req *http.Request) *http.Request {
	req.Header.Set("User-Agent", version.UserAgent())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Encoding", "gzip")
	return req
}

var errNotGzip = errors.New("reply says gzip but is not gzip")

// ReadBody reads a reply body, gunzipping it when it is gzip by header or by its magic bytes.
// It returns at most limit bytes; truncated says there was more.
func ReadBody(resp *http.Response, limit int64) (body []byte, truncated bool, err error) {
	r, err := DecodedBody(resp)
	if err != nil {
		return nil, false, err
	}
	body, err = io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, fmt.Errorf("reading reply: %w", err)
	}
	if int64(len(body)) > limit {
		return body[:limit], true, nil
	}
	return body, false, nil
}

// DecodedBody returns a reader of the decompressed body.
func DecodedBody(resp *http.Response) (io.Reader, error) {
	br := bufio.NewReader(resp.Body)
	magic, _ := br.Peek(2)
	gz := bytes.Equal(magic, []byte{0x1f, 0x8b})
	if !gz {
		if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") && len(magic) > 0 {
			return nil, errNotGzip
		}
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("corrupt gzip reply: %w", err)
	}
	return gzipErrors{zr}, nil
}

type gzipErrors struct{ r *gzip.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("corrupt gzip reply: %w", err)
	}
	return n, err
}

// Error is a failed upstream call, typed so that tools can tell the model what happened.
type Error struct {
	Service string // human name: "FortiGate Cloud", "FortiFlex", ...
	Op      string // what we were doing: "list devices"
	Status  int    // HTTP status, 0 when there was no answer
	Code    string // the service's error code, if any
	Message string // the service's message, clipped, secrets removed by the caller
	Hint    string // what the user can do about it
	Err     error  // transport error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Service)
	if e.Op != "" {
		b.WriteString(": " + e.Op)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Clip cleans a remote message for an error text: hidden characters removed, cut to at most n
// bytes on a character boundary.
func Clip(s string, n int) string {
	s = strings.TrimSpace(sanitize.String(s))
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// UnwrapURLError drops *url.Error's wrapper, whose text repeats the full request URL.
func UnwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Call is one HTTP exchange with a service.
type Call struct {
	Service, Op string
	Method, URL string
	Body        []byte      // sent as application/json when not nil
	Header      http.Header // extra headers (e.g. Authorization)
	Limit       int64       // largest reply body accepted
	// Idempotent marks a call that may be sent again without doing anything twice: every read,
	// and reads sent as POST (FortiFlex lists, FortiAnalyzer get). Writes leave it false.
	Idempotent bool
	// AllowTruncated returns the start of a reply longer than Limit instead of failing.
	AllowTruncated bool
	// Relayed marks a call the service relays to something behind it (the FortiOS proxy to one
	// FortiGate): a 502/503/504 then speaks of that device, not the service, so it is neither
	// retried nor counted against the service's circuit breaker.
	Relayed bool
}
