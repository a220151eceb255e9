// Package metrics is forticloud-mcp's Prometheus instrumentation: tool calls and their latency,
// upstream HTTP requests per service, credential requests per client_id, and the gauges a server
// supplies (FortiAnalyzer sessions, pending approvals, service readiness). Every server has its
// own registry, so that a process (a test) can hold many servers. The package knows nothing of
// MCP: its callers name tools and outcomes. docs/observability.md lists every metric.
package metrics

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
)

// Namespace prefixes every metric of ours (the Go runtime's go_* and process_* keep theirs).
const Namespace = "forticloud_mcp"

// Set is one server's metrics and their registry.
type Set struct {
	reg              *prometheus.Registry
	toolCalls        *prometheus.CounterVec
	toolSeconds      *prometheus.HistogramVec
	upstreamRequests *prometheus.CounterVec
	upstreamSeconds  *prometheus.HistogramVec
	upstreamRetries  *prometheus.CounterVec
	tokenRequests    *prometheus.CounterVec
}

// Tool call latencies run from a cached read (milliseconds) to a FortiAnalyzer search or an
// approval_status wait (minutes).
var toolBuckets = []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

// Upstream requests are timed to the response headers; --upstream-timeout bounds them (30 s).
var upstreamBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// New returns a Set registered on a fresh registry, with the Go runtime and process collectors
// and forticloud_mcp_build_info{version}.
func New(version string) *Set {
	s := &Set{
		reg: prometheus.NewRegistry(),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "tool_calls_total",
			Help: "Tool calls by tool and outcome (ok, tool_error, refused, held, input_required, error)."}, []string{"tool", "outcome"}),
		toolSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "tool_call_duration_seconds",
			Help: "Time from a tool call's arrival to its result, by tool.", Buckets: toolBuckets}, []string{"tool"}),
		upstreamRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "upstream_requests_total",
			Help: "HTTP requests to FortiCloud services (every attempt, retries included), by service, method and status code (\"error\": no response)."},
			[]string{"service", "method", "code"}),
		upstreamSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "upstream_request_duration_seconds",
			Help: "Time from sending an upstream request to its response headers (or failure), by service.", Buckets: upstreamBuckets}, []string{"service"}),
		upstreamRetries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "upstream_retries_total",
			Help: "Upstream requests sent again within one tool call after a failed attempt (no response, 429, 502, 503, 504), by service."}, []string{"service"}),
		tokenRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "token_requests_total",
			Help: "Credential requests by client_id, grant_type (password, refresh_token, account_login) and status code (\"error\": no response)."},
			[]string{"client_id", "grant_type", "code"}),
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "build_info", Help: "Always 1; the version label names the build.",
		ConstLabels: prometheus.Labels{"version": version}})
	info.Set(1)
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		info, s.toolCalls, s.toolSeconds, s.upstreamRequests, s.upstreamSeconds, s.upstreamRetries, s.tokenRequests)
	return s
}

// Registry is the Set's registry (tests gather from it).
func (s *Set) Registry() *prometheus.Registry { return s.reg }

// Handler serves the registry in the Prometheus text (or OpenMetrics) format.
func (s *Set) Handler() http.Handler {
	// A collector failing (none should) leaves the others' series in the scrape.
	return promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg, EnableOpenMetrics: true, ErrorHandling: promhttp.ContinueOnError})
}

// GaugeFunc registers a gauge whose value f computes at each scrape (f must be safe for
// concurrent use). Name is without the namespace.
func (s *Set) GaugeFunc(name, help string, labels prometheus.Labels, f func() float64) {
	s.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help, ConstLabels: labels}, f))
}

// ToolCall records one finished tool call.
func (s *Set) ToolCall(tool, outcome string, d time.Duration) {
	s.toolCalls.WithLabelValues(tool, outcome).Inc()
	s.toolSeconds.WithLabelValues(tool).Observe(d.Seconds())
}

// Retry records an upstream request sent again after a failed attempt.
func (s *Set) Retry(service string) { s.upstreamRetries.WithLabelValues(service).Inc() }

// Upstream counts and times every request next sends to service. Labels name the service, never
// the URL, so that series stay few whatever the paths.
func (s *Set) Upstream(service string, next http.RoundTripper) http.RoundTripper {
	return &upstreamTransport{next: next, requests: s.upstreamRequests.MustCurryWith(prometheus.Labels{"service": service}),
		seconds: s.upstreamSeconds.WithLabelValues(service)}
}

type upstreamTransport struct {
	next     http.RoundTripper
	requests *prometheus.CounterVec
	seconds  prometheus.Observer
}

func (t *upstreamTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	t.seconds.Observe(time.Since(start).Seconds())
	t.requests.WithLabelValues(method(req.Method), code(resp, err)).Inc()
	return resp, err
}

// TokenRequests counts the credential requests next sends for clientID: IAM token requests by
// their grant_type, FortiGate Cloud's account login as grant_type="account_login". It reads the
// grant_type field of a token request's form body from a copy (GetBody) and nothing else of it:
// the body also carries the password or the refresh token.
func (s *Set) TokenRequests(clientID string, next http.RoundTripper) http.RoundTripper {
	return &tokenTransport{next: next, requests: s.tokenRequests.MustCurryWith(prometheus.Labels{"client_id": clientID})}
}

type tokenTransport struct {
	next     http.RoundTripper
	requests *prometheus.CounterVec
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	grant := grantType(req) // before sending: the transport consumes the body
	resp, err := t.next.RoundTrip(req)
	t.requests.WithLabelValues(grant, code(resp, err)).Inc()
	return resp, err
}

// grantType names a credential request: the IAM token endpoint's grant_type, or account_login
// for anything else the credential sources send (FortiGate Cloud's legacy login).
func grantType(req *http.Request) string {
	if !strings.HasSuffix(req.URL.Path, auth.TokenPath) {
		return "account_login"
	}
	if req.GetBody == nil {
		return "unknown"
	}
	body, err := req.GetBody()
	if err != nil {
		return "unknown"
	}
	defer body.Close()
	form, _ := io.ReadAll(io.LimitReader(body, 8<<10))
	for field := range bytes.SplitSeq(form, []byte("&")) {
		v, ok := bytes.CutPrefix(field, []byte("grant_type="))
		if !ok {
			continue
		}
		g, err := url.QueryUnescape(string(v))
		if err != nil {
			return "unknown"
		}
		switch g {
		case "password", "refresh_token", "client_credentials", "authorization_code":
			return g
		}
		return "other"
	}
	return "unknown"
}

// method keeps the method label to the few methods there are.
func method(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodHead:
		return m
	case "":
		return http.MethodGet
	}
	return "other"
}

func code(resp *http.Response, err error) string {
	if err != nil || resp == nil {
		return "error"
	}
	return strconv.Itoa(resp.StatusCode)
}
