package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/console"
)

// ConsolePath is where the approvals console is served, on the HTTP transport's listener and on
// the console's own listener in stdio mode.
const ConsolePath = "/approvals/"

// ConsoleWanted reports whether writes wait for a person, so that a console is worth serving.
func (s *Server) ConsoleWanted() bool {
	return s.Gate.Mode() == approval.ModeRequired && !s.cfg.ReadOnly
}

// ConsoleToken is the approvals console's sign-in token, for the sandbox's sign-in link.
func (s *Server) ConsoleToken() string { return s.consoleToken }

func (s *Server) consoleHandler() http.Handler {
	return loopbackHost(console.New(console.Options{Gate: s.Gate, Token: s.consoleToken, Base: ConsolePath, Logger: s.logger.With("component", "console")}))
}

// loopbackHost refuses, on a loopback listener, requests whose Host is a name other than
// localhost: a DNS-rebinding page (evil.example resolving to 127.0.0.1) then cannot even load the
// console's sign-in page. mcp-go does the same for /mcp.
func loopbackHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		if tcp, ok := local.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
			host := r.Host
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
			host = strings.Trim(host, "[]")
			if net.ParseIP(host) == nil && !strings.EqualFold(host, "localhost") {
				http.Error(w, "Forbidden: this console answers only to localhost or an IP address", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// AnnounceConsole records where the console is (in held writes' messages, and for `forticloud-mcp
// approvals console`) and logs it. url ends with ConsolePath.
func (s *Server) AnnounceConsole(url string) {
	s.Gate.SetConsoleURL(url)
	if err := s.Store.AddConsole(context.Background(), url); err != nil {
		s.logger.Warn("could not record the approvals console for `forticloud-mcp approvals console`", "error", err)
	} else {
		s.consoles = append(s.consoles, url)
	}
	s.logger.Info("approvals console: held writes are approved here; sign in with the token in the state directory, or run `forticloud-mcp approvals console` for a sign-in link",
		"url", url, "state_dir", s.StateDir)
}

// StartConsole serves the approvals console on its own loopback listener (stdio mode) until ctx
// ends, and returns its URL.
func (s *Server) StartConsole(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("approvals console: listen on %s (--approvals-listen): %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle(ConsolePath, s.consoleHandler())
	mux.Handle("/{$}", http.RedirectHandler(ConsolePath, http.StatusFound))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Error("approvals console stopped", "error", err)
		}
	}()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	url := "http://" + ln.Addr().String() + ConsolePath
	s.AnnounceConsole(url)
	return url, nil
}
