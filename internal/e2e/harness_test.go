// Package e2e runs the real forticloud-mcp binary against the FortiCloud emulator on real sockets
// and drives it with an MCP client from another implementation (the official go-sdk), over stdio
// and streamable HTTP.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
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
	dir, err := os.MkdirTemp("", "forticloud-mcp-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "forticloud-mcp")
	// Built with the race detector so that races in the server fail these tests too.
	build := exec.Command("go", "build", "-race", "-o", binary, "../../cmd/forticloud-mcp")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building forticloud-mcp:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// world is one emulator on a real socket.
type world struct {
	em  *emulator.Emulator
	url string
	// stateDir is the servers' state directory (audit trail, console token, idempotency keys).
	stateDir string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t, emulator.Options{})
}

func newWorldWith(t *testing.T, opts emulator.Options) *world {
	t.Helper()
	em := emulator.New(opts)
	url, err := em.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	return &world{em: em, url: url, stateDir: t.TempDir()}
}

// recordingProxy sits between the server and the emulator and keeps every request's headers,
// so that tests can check what the server sends upstream.
type recordingProxy struct {
	mu      sync.Mutex
	headers []http.Header
	url     string
}

func (w *world) proxy(t *testing.T) *recordingProxy {
	t.Helper()
	target, _ := url.Parse(w.url)
	rp := &recordingProxy{}
	inner := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rp.mu.Lock()
		rp.headers = append(rp.headers, r.Header.Clone())
		rp.mu.Unlock()
		inner.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	rp.url = srv.URL
	return rp
}

func (p *recordingProxy) seen() []http.Header {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]http.Header(nil), p.headers...)
}

// liveDevice returns a demo device the FortiOS proxy can reach (tunnel up, managed).
func (w *world) liveDevice(t *testing.T) string {
	t.Helper()
	for _, d := range w.em.Devices() {
		if d.TunnelAlive && d.Management {
			return d.SN
		}
	}
	t.Fatal("the demo fleet has no reachable device")
	return ""
}

// env is the environment that points the server at the emulator with the demo API user.
func (w *world) env(extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"FORTICLOUD_AUTH_URL=" + w.url,
		"FORTIGATECLOUD_URL=" + w.url,
		"FORTIFLEX_URL=" + w.url,
		"SOCAAS_URL=" + w.url,
		"FORTICLOUD_API_USERNAME=" + emulator.DemoAPIUsername,
		"FORTICLOUD_API_PASSWORD=" + emulator.DemoAPIPassword,
		"FORTICLOUD_MCP_LOG_LEVEL=debug",
		"FORTICLOUD_MCP_STATE_DIR=" + w.stateDir,
	}
	return append(env, extra...)
}

// syncBuffer collects a process's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is a running forticloud-mcp with a connected client session.
type server struct {
	session *mcp.ClientSession
	stderr  *syncBuffer
	cmd     *exec.Cmd
	base    string // http://host:port of an HTTP server
}

func client() *mcp.Client { return clientWith(nil) }

func clientWith(opts *mcp.ClientOptions) *mcp.Client {
	return mcp.NewClient(&mcp.Implementation{Name: "e2e-go-sdk", Version: "1"}, opts)
}

// startStdio spawns the server as an MCP client would and connects over stdio.
func startStdio(t *testing.T, env []string, protocol string, args ...string) *server {
	t.Helper()
	return startStdioWith(t, env, protocol, nil, args...)
}

func startStdioWith(t *testing.T, env []string, protocol string, opts *mcp.ClientOptions, args ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve"}, args...)...)
	cmd.Env = env
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	session, err := clientWith(opts).Connect(ctx, &mcp.CommandTransport{Command: cmd}, &mcp.ClientSessionOptions{ProtocolVersion: protocol})
	if err != nil {
		t.Fatalf("connect over stdio: %v\nstderr:\n%s", err, stderr)
	}
	t.Cleanup(func() { session.Close() })
	return &server{session: session, stderr: stderr, cmd: cmd}
}

var urlRE = regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+/mcp)`)

// startHTTPProcess runs `serve --http 127.0.0.1:0 ...` and returns its /mcp URL.
func startHTTPProcess(t *testing.T, env []string, args ...string) (string, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--http", "127.0.0.1:0"}, args...)...)
	cmd.Env = env
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	cmd.Stderr = io.MultiWriter(stderr, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
		pw.Close()
	})
	found := watchForURL(pr)
	select {
	case u := <-found:
		return u, stderr
	case <-time.After(20 * time.Second):
		t.Fatalf("server did not report its URL; stderr:\n%s", stderr)
		return "", nil
	}
}

// watchForURL reads a server's stderr until it reports its /mcp URL, sends that URL, then keeps
// draining the stream so the server never blocks on a full pipe.
func watchForURL(r io.Reader) <-chan string {
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 16<<20) // debug log lines can be long
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	return found
}

// bearer adds a caller token to every request.
type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

func startHTTP(t *testing.T, env []string, protocol, token string, args ...string) *server {
	t.Helper()
	return startHTTPWith(t, env, protocol, token, nil, args...)
}

func startHTTPWith(t *testing.T, env []string, protocol, token string, opts *mcp.ClientOptions, args ...string) *server {
	t.Helper()
	url, stderr := startHTTPProcess(t, env, args...)
	hc := &http.Client{Transport: http.DefaultTransport}
	if token != "" {
		hc.Transport = bearer{token: token, base: http.DefaultTransport}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	session, err := clientWith(opts).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc, MaxRetries: -1}, &mcp.ClientSessionOptions{ProtocolVersion: protocol})
	if err != nil {
		t.Fatalf("connect over HTTP: %v\nstderr:\n%s", err, stderr)
	}
	t.Cleanup(func() { session.Close() })
	return &server{session: session, stderr: stderr, base: strings.TrimSuffix(url, "/mcp")}
}

func (s *server) call(t *testing.T, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := s.session.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v\nstderr:\n%s", tool, err, s.stderr)
	}
	return res
}

func resultText(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// structured decodes a result's structuredContent.
func structured(t *testing.T, r *mcp.CallToolResult, into any) {
	t.Helper()
	raw, err := json.Marshal(r.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatalf("structuredContent: %v: %s", err, raw)
	}
}
