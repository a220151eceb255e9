package mcpserver

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
)

// HTTPOptions configure the streamable HTTP transport.
type HTTPOptions struct {
	// Token, when set, is the bearer token callers must present. It is compared in constant time
	// and removed from the request before anything else sees it: it never travels upstream.
	Token string
	// AllowedOrigins lists the browser origins accepted (exact match, e.g. http://localhost:6274).
	// A request with any other Origin header gets 403, as the MCP spec requires; requests
	// without an Origin (non-browser clients) pass.
	AllowedOrigins []string
	// MaxBodyBytes limits a request body (default 4 MiB).
	MaxBodyBytes int64
	// Stateless serves every request on its own (for load balancers without sticky sessions).
	Stateless bool
	// RateLimit is how many /mcp requests per second one caller may send (a token bucket per
	// caller: the caller token when one is configured, otherwise the remote IP); over it the
	// caller gets 429 with Retry-After. 0: no limit. RateBurst is the bucket's size (default:
	// RateLimit rounded up).
	RateLimit float64
	RateBurst int
	// MetricsToken, when set, is a bearer token that opens /metrics (and nothing else), so that a
	// Prometheus scraper need not hold the caller token, which opens the tools. /metrics also
	// accepts the caller token. With neither configured, /metrics is open like /mcp.
	MetricsToken string
}

// EndpointPath is where MCP is served.
const EndpointPath = "/mcp"

// HTTPHandler returns the HTTP handler: /mcp behind the Origin check, the caller token and the
// body limit, the approvals console at /approvals/ (behind its own token), /metrics (behind the
// caller token or the metrics token), and the probes /healthz and /readyz (no token: they tell
// nothing secret).
func (s *Server) HTTPHandler(o HTTPOptions) http.Handler {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 4 << 20
	}
	var opts []server.StreamableHTTPOption
	if o.Stateless {
		opts = append(opts, server.WithStateLess(true),
			// No stream stays open to carry a request to a client of protocols before
			// 2026-07-28: its writes wait in the approvals console instead of asking.
			server.WithHTTPContextFunc(func(ctx context.Context, _ *http.Request) context.Context {
				return approval.WithoutServerRequests(ctx)
			}))
	} else {
		// Track sessions so a deleted or unknown session id is refused (the default manager keeps
		// no state; mcp-testing.md, behaviours that bite, 2).
		opts = append(opts, server.WithStateful(true), server.WithSessionIdleTTL(30*time.Minute))
	}
	opts = append(opts, server.WithStreamableHTTPLogger(s.logger))
	mcpHandler := server.NewStreamableHTTPServer(s.MCP, opts...)
	s.onClose(mcpHandler.Shutdown) // its session sweeper runs until then

	mux := http.NewServeMux()
	// The rate limit comes before the token check so that wrong tokens are limited too (by IP).
	limit := rateLimiter(o.RateLimit, o.RateBurst, o.Token, s.logger)
	mux.Handle(EndpointPath, checkOrigin(o.AllowedOrigins, limit(checkToken(o.Token, limitBody(o.MaxBodyBytes, mcpHandler)))))
	if s.ConsoleWanted() {
		// The console has its own sign-in token: the MCP caller token must not open it (a model's
		// client holds that one), and browsers reach it from its own origin.
		mux.Handle(ConsolePath, s.consoleHandler())
	}
	mux.HandleFunc(HealthzPath, healthz)
	mux.HandleFunc(ReadyzPath, s.readyz)
	// Rate-limited like /mcp: it accepts the caller token too, and its 200/401 must not make an
	// unthrottled oracle for guessing it (found in review).
	mux.Handle(MetricsPath, limit(s.metricsHandler(o.Token, o.MetricsToken)))
	return mux
}

// checkOrigin refuses browser requests from origins not on the allowlist (403, as the MCP spec
// requires against DNS rebinding) and answers CORS for the allowed ones, preflight included
// (a preflight carries no Authorization, so it is answered before the token check).
func checkOrigin(allowed []string, next http.Handler) http.Handler {
	set := make(map[string]bool, len(allowed))
	for _, a := range allowed {
		set[normOrigin(a)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !set[normOrigin(origin)] {
			http.Error(w, "Forbidden: origin not allowed (add it with --http-allowed-origins)", http.StatusForbidden)
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Expose-Headers", "Mcp-Session-Id, Mcp-Protocol-Version, Retry-After")
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func normOrigin(o string) string {
	return strings.TrimRight(strings.ToLower(strings.TrimSpace(o)), "/")
}

func checkToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The scheme is case-insensitive (RFC 6750 via RFC 7235).
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		ok = ok && strings.EqualFold(scheme, "Bearer")
		// Hash both sides so the comparison takes the same time whatever the lengths.
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="forticloud-mcp"`)
			http.Error(w, "Unauthorized: send Authorization: Bearer <FORTICLOUD_MCP_HTTP_TOKEN>", http.StatusUnauthorized)
			return
		}
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r)
	})
}

func limitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			http.Error(w, fmt.Sprintf("Request Entity Too Large: the limit is %d bytes", n), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, n)
		next.ServeHTTP(w, r)
	})
}

// CheckBind refuses to expose the server beyond loopback without a caller token, unless the
// operator says so explicitly (allowUnauthenticated).
func CheckBind(addr, token string, allowUnauthenticated bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--http %q: want host:port, e.g. 127.0.0.1:8080: %w", addr, err)
	}
	if config.IsLoopbackHost(host) || token != "" || allowUnauthenticated {
		return nil
	}
	return errors.New("--http " + addr + " listens beyond loopback without a caller token: anyone who reaches it could use your FortiCloud credentials. " +
		"Set --http-token (or FORTICLOUD_MCP_HTTP_TOKEN), bind 127.0.0.1, or pass --http-allow-unauthenticated if a proxy in front authenticates callers")
}

// ListenAndServe serves h on addr until ctx ends, then shuts down gracefully. ready, if not nil,
// receives the bound address (useful with port 0).
func ListenAndServe(ctx context.Context, addr string, h http.Handler, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http: listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		return nil
	}
}
