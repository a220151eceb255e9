package mcpserver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
)

// Paths of the observability endpoints, on the HTTP transport's listener and on the metrics
// listener (StartMetrics).
const (
	HealthzPath = "/healthz" // liveness: the process answers
	ReadyzPath  = "/readyz"  // readiness: every enabled service usable, the approvals store open
	MetricsPath = "/metrics" // Prometheus
)

// Readiness is /readyz's answer.
type Readiness struct {
	Ready bool `json:"ready"`
	// NotReady names the checks that failed (a service's configuration name, "approvals", "server").
	NotReady []string `json:"not_ready,omitempty"`
	// Checks says "ok" or why not for each check. It never holds an address, a secret or an
	// upstream error's text: /readyz answers without the caller token.
	Checks map[string]string `json:"checks"`
}

// readyCheckTimeout bounds the approvals store check.
const readyCheckTimeout = 2 * time.Second

// Readiness checks the server: it is not shutting down, the approvals store answers, and no
// enabled service's circuit breaker is open.
func (s *Server) Readiness(ctx context.Context) Readiness {
	r := Readiness{Ready: true, Checks: map[string]string{}}
	fail := func(name, why string) {
		r.Ready = false
		r.NotReady = append(r.NotReady, name)
		r.Checks[name] = why
	}
	if s.closing.Load() {
		fail("server", "shutting down")
	} else {
		r.Checks["server"] = "ok"
	}
	ctx, cancel := context.WithTimeout(ctx, readyCheckTimeout)
	defer cancel()
	if _, err := s.Store.List(ctx, true, 1); err != nil {
		fail("approvals", "the audit store (approvals) does not answer")
	} else {
		r.Checks["approvals"] = "ok"
	}
	s.obs.mu.Lock()
	services := slices.Clone(s.obs.services)
	s.obs.mu.Unlock()
	for _, h := range services {
		if ok, why := h.state(); ok {
			r.Checks[h.name] = "ok"
		} else {
			fail(h.name, why)
		}
	}
	return r
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	rep := s.Readiness(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !rep.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rep)
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// pendingApprovals counts the writes waiting for a person in the audit store (every process
// sharing the state directory), up to maxPendingCounted; NaN when the store does not answer.
func (s *Server) pendingApprovals() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), readyCheckTimeout)
	defer cancel()
	pending, err := s.Store.List(ctx, true, maxPendingCounted)
	if err != nil {
		return math.NaN()
	}
	return float64(len(pending))
}

// maxPendingCounted bounds the pending approvals gauge (a scrape reads that many rows at most).
const maxPendingCounted = 1000

// metricsHandler serves /metrics to callers presenting one of tokens (none configured: anyone
// who reaches the listener), and on a loopback listener only to localhost or IP Host headers (a
// DNS-rebinding page cannot read it).
func (s *Server) metricsHandler(tokens ...string) http.Handler {
	return loopbackHost(checkAnyToken(tokens, s.obs.metrics.Handler()))
}

// checkAnyToken is checkToken accepting any of the non-empty tokens (the caller token or the
// metrics token); with none, every request passes.
func checkAnyToken(tokens []string, next http.Handler) http.Handler {
	var sums [][sha256.Size]byte
	for _, t := range tokens {
		if t != "" {
			sums = append(sums, sha256.Sum256([]byte(t)))
		}
	}
	if len(sums) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		ok = ok && strings.EqualFold(scheme, "Bearer")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		match := 0
		for _, want := range sums {
			match |= subtle.ConstantTimeCompare(sum[:], want[:])
		}
		if !ok || match != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="forticloud-mcp"`)
			http.Error(w, "Unauthorized: send Authorization: Bearer <the metrics token or the caller token>", http.StatusUnauthorized)
			return
		}
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r)
	})
}

// MetricsHandler serves /metrics, /healthz and /readyz: the handler of StartMetrics' listener.
// /metrics asks for token when one is given; the probes never do.
func (s *Server) MetricsHandler(token string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(MetricsPath, s.metricsHandler(token))
	mux.HandleFunc(HealthzPath, healthz)
	mux.HandleFunc(ReadyzPath, s.readyz)
	return mux
}

// StartMetrics serves MetricsHandler on its own listener (--metrics-listen) until ctx ends, and
// returns its base URL. It is for stdio mode, which has no HTTP listener, and for operators who
// scrape and probe on a port of their own. Beyond loopback without a token, anyone who reaches
// addr reads the metrics (they hold no secret): a warning says so.
func (s *Server) StartMetrics(ctx context.Context, addr, token string) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--metrics-listen %q: want host:port, e.g. 127.0.0.1:9464: %w", addr, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("metrics: listen on %s (--metrics-listen): %w", addr, err)
	}
	srv := &http.Server{Handler: s.MetricsHandler(token), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("metrics listener stopped", "error", err)
		}
	}()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	url := "http://" + ln.Addr().String()
	if !config.IsLoopbackHost(host) && token == "" {
		s.logger.Warn("metrics listener beyond loopback without --metrics-token: anyone who reaches it reads the metrics (they hold no secrets)", "url", url+MetricsPath)
	}
	s.logger.Info("serving metrics and probes", "metrics", url+MetricsPath, "readyz", url+ReadyzPath, "healthz", url+HealthzPath, "metrics_token", token != "")
	return url, nil
}
