package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
	"github.com/forticloud-mcp/forticloud-mcp/internal/mcpserver"
)

// inProcessServer is the server in this process behind httptest, for CPU and allocation
// profiles of one tool call (`go test -bench InProcess -cpuprofile`): a subprocess's time does
// not show in this process's profile.
func inProcessServer(b *testing.B, w *World) string {
	b.Helper()
	var cfg config.Config
	parser, err := kong.New(&cfg, kong.Exit(func(int) { b.Fatal("kong exited") }))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := parser.Parse([]string{"--state-dir=" + b.TempDir(), "--approvals-listen=off"}); err != nil {
		b.Fatal(err)
	}
	cfg.AuthURL, cfg.Username, cfg.Password = w.URL, emulator.DemoAPIUsername, config.Secret(emulator.DemoAPIPassword)
	cfg.FortiGateCloud.URL, cfg.Flex.URL, cfg.SOCaaS.URL, cfg.Analyzer.URL = w.URL, w.URL, w.URL, w.URL
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	srv, err := mcpserver.New(&cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.HTTPHandler(mcpserver.HTTPOptions{}))
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		hs.Close()
	})
	return hs.URL + mcpserver.EndpointPath
}

// BenchmarkInProcess is list_devices through the server in this process, over HTTP.
func BenchmarkInProcess(b *testing.B) {
	w := newWorld(b)
	url := inProcessServer(b, w)
	s, err := ConnectHTTP(context.Background(), url, &http.Client{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, limit := range []int{50, 1} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			b.ReportAllocs()
			measure(b, sessionCall(s, "list_devices", map[string]any{"limit": limit}))
		})
	}
}
