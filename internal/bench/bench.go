// Package bench measures forticloud-mcp's cost against a baseline taken in the same run: the
// server binary (built plain, as users run it) in front of the FortiCloud emulator, driven by the
// official go-sdk MCP client, side by side with the same request sent straight to the emulator
// and with the MCP project's reference TypeScript server (server-everything). Machines are
// noisy, so every figure that gates anything is a ratio of two measurements interleaved in one
// run. cmd/perf prints the table docs/performance.md holds; bench_test.go has the Go
// benchmarks; scarce.go counts the upstream resources a simulated run spends.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

// Build compiles the server binary into dir, as a user would install it (no race detector, no
// debug flags), and returns its path.
func Build(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "forticloud-mcp")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/forticloud-mcp")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("bench: go build: %w\n%s", err, out)
	}
	return bin, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("bench: go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("bench: not inside the forticloud-mcp module")
	}
	return filepath.Dir(mod), nil
}

// World is one emulator, in this process, and the server binary pointed at it.
type World struct {
	Em       *emulator.Emulator
	URL      string
	Binary   string
	StateDir string

	directOnce sync.Once
}

// NewWorld starts the emulator with its demo data on a loopback port.
func NewWorld(binary, stateDir string, opts emulator.Options) (*World, error) {
	em := emulator.New(opts)
	url, err := em.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: start emulator: %w", err)
	}
	return &World{Em: em, URL: url, Binary: binary, StateDir: stateDir}, nil
}

// Close stops the emulator.
func (w *World) Close() error { return w.Em.Close() }

// Env points the server at the emulator with the demo API user. Logs are at warn: the server
// under measurement should not spend its time writing lines nobody reads.
func (w *World) Env(extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"FORTICLOUD_AUTH_URL=" + w.URL,
		"FORTIGATECLOUD_URL=" + w.URL,
		"FORTIFLEX_URL=" + w.URL,
		"FORTIANALYZER_URL=" + w.URL,
		"SOCAAS_URL=" + w.URL,
		"FORTICLOUD_API_USERNAME=" + emulator.DemoAPIUsername,
		"FORTICLOUD_API_PASSWORD=" + emulator.DemoAPIPassword,
		"FORTICLOUD_MCP_LOG_LEVEL=warn",
		"FORTICLOUD_MCP_STATE_DIR=" + w.StateDir,
	}
	if gc := os.Getenv("GOGC"); gc != "" {
		env = append(env, "GOGC="+gc)
	}
	return append(env, extra...)
}

// Proc is a server process.
type Proc struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	// URL is the streamable HTTP endpoint, for HTTP servers.
	URL string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var urlInLog = regexp.MustCompile(`url=(http://[^ ]+/mcp)`)

// StartHTTP starts `serve --http` on a free loopback port, with per-caller rate limiting off (a
// benchmark is one caller sending as fast as it can), and waits for its URL.
func (w *World) StartHTTP(args ...string) (*Proc, error) {
	cmd := exec.Command(w.Binary, append([]string{"serve", "--http", "127.0.0.1:0", "--http-rate-limit", "0"}, args...)...)
	cmd.Env = w.Env("FORTICLOUD_MCP_LOG_LEVEL=info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	p := &Proc{cmd: cmd, stderr: &lockedBuffer{}}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start server: %w", err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			_, _ = p.stderr.Write([]byte(line + "\n"))
			if m := urlInLog.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case p.URL = <-found:
		return p, nil
	case <-time.After(20 * time.Second):
		p.Stop()
		return nil, fmt.Errorf("bench: the server printed no URL in 20 s:\n%s", p.stderr)
	}
}

// StartSession starts `serve --http` and opens one go-sdk session to it; stop closes both.
func (w *World) StartSession(ctx context.Context) (*Proc, *mcp.ClientSession, func(), error) {
	srv, err := w.StartHTTP()
	if err != nil {
		return nil, nil, nil, err
	}
	s, err := ConnectHTTP(ctx, srv.URL, &http.Client{})
	if err != nil {
		srv.Stop()
		return nil, nil, nil, err
	}
	return srv, s, func() { s.Close(); srv.Stop() }, nil
}

// Pid is the server's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Stop interrupts the server and waits for it.
func (p *Proc) Stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// ReadMemory reads a process's resident set and its peak (VmRSS, VmHWM) in bytes.
func ReadMemory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("bench: memory of %d: %w", pid, err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			rss = n << 10
		case "VmHWM":
			peak = n << 10
		}
	}
	return rss, peak, nil
}

// CPUTime reads a process's user+system CPU time so far (/proc/PID/stat, clock ticks of 10 ms
// on Linux; a benchmark reads it over seconds, so the tick is fine-grained enough).
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("bench: cpu of %d: %w", pid, err)
	}
	// The command name (field 2) is in parentheses and may hold spaces: count from after it.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: cpu of %d: short stat", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// ResetPeak resets a process's VmHWM to its current RSS (Linux clear_refs "5"), so that the next
// peak read is of what happens after now. It needs to own the process (the bench starts it).
func ResetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

func client() *mcp.Client {
	return mcp.NewClient(&mcp.Implementation{Name: "forticloud-mcp-bench", Version: "1"}, nil)
}

// ConnectHTTP opens an MCP session over streamable HTTP with the go-sdk client.
func ConnectHTTP(ctx context.Context, url string, hc *http.Client) (*mcp.ClientSession, error) {
	s, err := client().Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc, MaxRetries: -1}, nil)
	if err != nil {
		return nil, fmt.Errorf("bench: connect %s: %w", url, err)
	}
	return s, nil
}

// ConnectStdio starts a server command and opens an MCP session over its stdio.
func ConnectStdio(ctx context.Context, cmd *exec.Cmd) (*mcp.ClientSession, error) {
	s, err := client().Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		return nil, fmt.Errorf("bench: connect %s: %w", cmd.Path, err)
	}
	return s, nil
}

// StdioCommand is the server on stdio, pointed at the emulator.
func (w *World) StdioCommand(args ...string) *exec.Cmd {
	cmd := exec.Command(w.Binary, append([]string{"serve"}, args...)...)
	cmd.Env = w.Env()
	return cmd
}

// Call calls one tool and fails on a tool error, so that a benchmark never times errors.
func Call(ctx context.Context, s *mcp.ClientSession, tool string, args map[string]any) error {
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		return fmt.Errorf("bench: %s: %w", tool, err)
	}
	if res.IsError {
		var text string
		for _, c := range res.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				text += tc.Text
			}
		}
		return fmt.Errorf("bench: %s: tool error: %s", tool, text)
	}
	return nil
}

// Direct sends list_devices' upstream request straight to the emulator with net/http and decodes
// it: the baseline the server's added time is measured against.
type Direct struct {
	hc    *http.Client
	url   string
	token string
}

// Direct's own API user: a new grant invalidates the user's previous token for the same
// client_id (forticloud-api.md §1.5 rule 3), so the baseline and the servers must not share one.
const (
	directUser     = "B7E0C2D4-5A61-4F0E-9C3B-2D8E6A1F7C90"
	directPassword = "bench-direct-0c5e9a7f3b1d!1Aa"
)

// NewDirect gets a FortiGate Cloud token once; every call reuses it, as the server does.
func (w *World) NewDirect(ctx context.Context) (*Direct, error) {
	w.directOnce.Do(func() {
		w.Em.AddAPIUser(emulator.APIUser{Username: directUser, Password: directPassword, Portals: map[string]string{"fortigatecloud": emulator.AccessAdmin}})
	})
	src := auth.NewIAMSource(auth.IAMConfig{BaseURL: w.URL, ClientID: "fortigatecloud", Username: directUser, Password: directPassword}, auth.Options{})
	tok, err := src.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: direct token: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	// The same first page list_devices asks for by default (fortigatecloud.Client.ListDevices).
	return &Direct{hc: &http.Client{Transport: tr}, url: w.URL + "/forticloudapi/v1/devices?limit=50&offset=0&sort=sn", token: tok.AccessToken}, nil
}

// ListDevices is one request and its decoding.
func (d *Direct) ListDevices(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	req.Header.Set("Accept", "application/json")
	resp, err := d.hc.Do(req)
	if err != nil {
		return fmt.Errorf("bench: direct: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("bench: direct: status %d", resp.StatusCode)
	}
	var devices []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&devices); err != nil {
		return fmt.Errorf("bench: direct: decode: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	if len(devices) == 0 {
		return errors.New("bench: direct: no devices")
	}
	return nil
}

// replySize is the size of the reply ListDevices decodes.
func (d *Direct) replySize(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := d.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("bench: direct: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return len(b), err
}

// Dist is a latency distribution.
type Dist struct {
	N    int           `json:"n"`
	P50  time.Duration `json:"p50_ns"`
	P99  time.Duration `json:"p99_ns"`
	Mean time.Duration `json:"mean_ns"`
}

// NewDist summarises samples.
func NewDist(samples []time.Duration) Dist {
	if len(samples) == 0 {
		return Dist{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Dist{N: len(s), P50: quantile(s, 0.50), P99: quantile(s, 0.99), Mean: sum / time.Duration(len(s))}
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted)) + 0.5)
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

// Contender is one way of making the measured call.
type Contender struct {
	Name string
	Call func(context.Context) error
}

// Interleave runs the contenders in turn, `per` calls each, for `rounds` rounds, so that a
// machine that gets busier or quieter during the run moves every contender alike. The first
// round warms connections, tokens and caches and is not counted.
func Interleave(ctx context.Context, rounds, per int, cs []Contender) (map[string]Dist, error) {
	samples := make(map[string][]time.Duration, len(cs))
	for r := 0; r <= rounds; r++ {
		for _, c := range cs {
			for range per {
				start := time.Now()
				if err := c.Call(ctx); err != nil {
					return nil, fmt.Errorf("%s: %w", c.Name, err)
				}
				if r > 0 {
					samples[c.Name] = append(samples[c.Name], time.Since(start))
				}
			}
		}
	}
	out := make(map[string]Dist, len(cs))
	for name, s := range samples {
		out[name] = NewDist(s)
	}
	return out, nil
}

// Throughput runs `workers` goroutines, each calling its own function in a loop, for d, and
// returns completed calls per second. Any error stops the run.
func Throughput(ctx context.Context, d time.Duration, calls []func(context.Context) error) (float64, int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		total int
		first error
		wg    sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for _, call := range calls {
		wg.Go(func() {
			n := 0
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := call(ctx); err != nil {
					mu.Lock()
					if first == nil && ctx.Err() == nil {
						first = err
					}
					mu.Unlock()
					cancel()
					break
				}
				n++
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if first != nil {
		return 0, total, first
	}
	return float64(total) / elapsed.Seconds(), total, nil
}
