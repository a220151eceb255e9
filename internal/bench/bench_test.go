package bench

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
	// The server is built by TestMain with `go build`, which the test cache cannot see; importing
	// its packages ties this package's cached results to their sources.
	_ "github.com/forticloud-mcp/forticloud-mcp/internal/mcpserver"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "forticloud-mcp-bench")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary, err = Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func newWorld(tb testing.TB) *World {
	tb.Helper()
	w, err := NewWorld(binary, tb.TempDir(), emulator.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	return w
}

// measure runs call b.N times and reports its p50 and p99 beside ns/op.
func measure(b *testing.B, call func(context.Context) error) {
	b.Helper()
	ctx := context.Background()
	for range 20 { // warm: connections, tokens, caches
		if err := call(ctx); err != nil {
			b.Fatal(err)
		}
	}
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if err := call(ctx); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(start))
	}
	d := NewDist(samples)
	b.ReportMetric(float64(d.P50.Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(d.P99.Nanoseconds())/1e3, "p99-µs")
}

func sessionCall(s *mcp.ClientSession, tool string, args map[string]any) func(context.Context) error {
	return func(ctx context.Context) error { return Call(ctx, s, tool, args) }
}

// BenchmarkListDevices is list_devices through the server over each transport, and the same
// upstream request sent straight to the emulator.
func BenchmarkListDevices(b *testing.B) {
	w := newWorld(b)
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		d, err := w.NewDirect(ctx)
		if err != nil {
			b.Fatal(err)
		}
		measure(b, d.ListDevices)
	})
	b.Run("stdio", func(b *testing.B) {
		s, err := ConnectStdio(ctx, w.StdioCommand())
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		measure(b, sessionCall(s, "list_devices", nil))
	})
	b.Run("http", func(b *testing.B) {
		p, err := w.StartHTTP()
		if err != nil {
			b.Fatal(err)
		}
		defer p.Stop()
		s, err := ConnectHTTP(ctx, p.URL, &http.Client{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		measure(b, sessionCall(s, "list_devices", nil))
	})
}

// BenchmarkPeerEcho is server-everything's echo tool, over each transport, with the same client.
// It needs FORTICLOUD_MCP_BENCH_PEER (scripts/bench.sh sets it).
func BenchmarkPeerEcho(b *testing.B) {
	peer, err := FindPeer(os.Getenv("FORTICLOUD_MCP_BENCH_PEER"))
	if err != nil {
		b.Skip(err)
	}
	ctx := context.Background()
	args := map[string]any{"message": "hello"}
	b.Run("stdio", func(b *testing.B) {
		s, err := ConnectStdio(ctx, peer.StdioCommand())
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		measure(b, sessionCall(s, "echo", args))
	})
	b.Run("http", func(b *testing.B) {
		p, err := peer.StartHTTP(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Stop()
		s, err := ConnectHTTP(ctx, p.URL, &http.Client{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		measure(b, sessionCall(s, "echo", args))
	})
}
