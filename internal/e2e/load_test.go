package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/goleak"

	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
	"github.com/forticloud-mcp/forticloud-mcp/internal/mcpserver"
)

const (
	// loadSessions is how many MCP sessions run at once.
	loadSessions = 200
	// loadMaxRSS bounds the server process's resident memory under this load. The e2e binary
	// is built with -race, whose shadow memory and per-goroutine state multiply a Go program's
	// footprint: under this load (200 sessions, ~500 connections and ~1,500 goroutines at
	// once) a plain build of the server peaks at about 90 MB on a 2-core machine, the race
	// build at 450-480 MB, levelling off (a 30 s run ends within a few percent of a 10 s run).
	// The bound leaves a third on top: it catches memory that grows with the sessions or the
	// connections (a megabyte kept per session would cross it), while what outlives a session
	// is caught exactly by the descriptor and goroutine checks.
	loadMaxRSS = 640 << 20
	// upstreamIdleConns is the server's pool of idle upstream connections per host
	// (upstream.NewTransport's MaxIdleConnsPerHost): they may outlive the load, nothing else.
	upstreamIdleConns = 64
	loadToken         = "load-test-caller-token-0123456789"
	// loadUpstreamTimeout replaces the server's 30 s upstream timeout: on a busy machine the
	// emulator, in this process with the race detector and 200 sessions' requests queued, can
	// take longer than that to answer, and five such timeouts open FortiGate Cloud's circuit
	// breaker. The load is on this server's HTTP transport, not on upstream resilience (the
	// fault matrix covers that), so a slow emulator must make calls slow, not failed.
	loadUpstreamTimeout = "2m"
	// loadCallTimeout is longest one call may take before it counts as failed: past the
	// upstream timeout, so that only a server that stops answering fails a call.
	loadCallTimeout = 150 * time.Second
	// loadMaxCPUPerCall bounds the server's CPU time per call (CPU time, so that a busy machine
	// does not move it). The race-built server uses 7-10 ms a call on this mix, a plain build
	// about 1.3 ms.
	loadMaxCPUPerCall = 40 * time.Millisecond
	// inProcessSessions is the in-process variant's sessions: it looks for goroutines left
	// behind, which a hundred sessions of both kinds would show as well as more would.
	inProcessSessions = 100
)

// loadDuration is how long the load runs: 10 s, or FORTICLOUD_MCP_LOAD_SECONDS to run longer
// by hand.
func loadDuration(t *testing.T) time.Duration {
	t.Helper()
	s := os.Getenv("FORTICLOUD_MCP_LOAD_SECONDS")
	if s == "" {
		return 10 * time.Second
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 {
		t.Fatalf("FORTICLOUD_MCP_LOAD_SECONDS=%q: want seconds", s)
	}
	return time.Duration(n * float64(time.Second))
}

// loadCall is one tool call of the mix.
type loadCall struct {
	tool string
	args map[string]any
}

// loadMix returns the read calls session i makes in turn: the fleet with various filters,
// FortiOS monitor and cmdb reads, FortiFlex programs and SOCaaS alerts. Sessions read different
// live devices, as clients of a fleet do (the emulator serialises the requests of one device).
func loadMix(t *testing.T, em *emulator.Emulator) func(i int) []loadCall {
	t.Helper()
	var live []string
	for _, d := range em.Devices() {
		if d.TunnelAlive && d.Management {
			live = append(live, d.SN)
		}
	}
	if len(live) < 3 {
		t.Fatalf("the demo fleet has %d reachable devices, want 3", len(live))
	}
	return func(i int) []loadCall {
		dev := func(k int) string { return live[(3*i+k)%len(live)] }
		return []loadCall{
			{"list_devices", map[string]any{"limit": 10}},
			{"fortios_proxy", map[string]any{"serial": dev(0), "path": "/api/v2/monitor/system/status"}},
			{"list_devices", map[string]any{"limit": 5, "offset": 10, "fields": []string{"name", "model", "firmwareVersion"}}},
			{"flex_list_programs", nil},
			{"fortios_proxy", map[string]any{"serial": dev(1), "path": "/api/v2/cmdb/firewall/address", "query": map[string]any{"count": "3"}}},
			{"list_devices", map[string]any{"model": "60F", "limit": 20}},
			{"socaas_query", map[string]any{"resource": "alerts", "limit": 5}},
			{"fortios_proxy", map[string]any{"serial": dev(2), "path": "/api/v2/monitor/system/resource/usage"}},
			{"list_devices", map[string]any{"tunnel_alive": false}},
			{"socaas_query", map[string]any{"resource": "alert", "id": emulator.DemoSOCaaSAlertUUID}},
			{"fortios_proxy", map[string]any{"serial": dev(0), "path": "/api/v2/monitor/system/interface"}},
			{"list_devices", map[string]any{"firmware": "7.4", "name": "a"}},
			{"fortios_proxy", map[string]any{"serial": dev(1), "path": "/api/v2/cmdb/system/interface"}},
		}
	}
}

// loadResult is what one run of the load measured.
type loadResult struct {
	calls, failed int64
	failures      []string // the first few
	sessions      int64    // sessions that connected
	minPerSession int64
	elapsed       time.Duration
	latencies     []time.Duration
	byTool        map[string][]time.Duration
}

// toolFigures is p50/p99/max per tool, for the log.
func (r *loadResult) toolFigures() string {
	var b strings.Builder
	for _, tool := range slices.Sorted(maps.Keys(r.byTool)) {
		l := r.byTool[tool]
		slices.Sort(l)
		fmt.Fprintf(&b, "\n  %-20s %6d calls, p50 %v, p99 %v, max %v", tool, len(l), l[len(l)/2].Round(time.Millisecond),
			l[min(len(l)-1, len(l)*99/100)].Round(time.Millisecond), l[len(l)-1].Round(time.Millisecond))
	}
	return b.String()
}

func (r *loadResult) rate() float64 { return float64(r.calls) / r.elapsed.Seconds() }

func (r *loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(float64(len(r.latencies))*p))]
}

// runLoad opens n sessions on endpoint (half on the go-sdk's latest protocol, stateless, half on
// 2025-11-25 with a session and its SSE stream), then lets every session call the mix in turn
// for d. Requests carry the caller token and go through tr, whose idle connections are closed
// at the end.
func runLoad(t *testing.T, endpoint string, tr *http.Transport, n int, d time.Duration, mixFor func(int) []loadCall) *loadResult {
	t.Helper()
	hc := &http.Client{Transport: bearer{token: loadToken, base: tr}}
	res := &loadResult{minPerSession: -1, byTool: map[string][]time.Duration{}}
	var mu sync.Mutex
	fail := func(msg string) {
		atomic.AddInt64(&res.failed, 1)
		mu.Lock()
		if len(res.failures) < 10 {
			res.failures = append(res.failures, msg)
		}
		mu.Unlock()
	}
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	var deadline time.Time
	ready.Add(n)
	for i := range n {
		done.Go(func() {
			protocol := []string{"", "2025-11-25"}[i%2]
			ctx, cancel := context.WithTimeout(context.Background(), loadCallTimeout)
			session, err := client().Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, MaxRetries: -1},
				&mcp.ClientSessionOptions{ProtocolVersion: protocol})
			cancel()
			ready.Done()
			if err != nil {
				fail(fmt.Sprintf("session %d: connect: %v", i, err))
				return
			}
			defer session.Close()
			atomic.AddInt64(&res.sessions, 1)
			<-start
			mix := mixFor(i)
			var lat []time.Duration
			byTool := map[string][]time.Duration{}
			for j := i; time.Now().Before(deadline); j++ {
				c := mix[j%len(mix)]
				ctx, cancel := context.WithTimeout(context.Background(), loadCallTimeout)
				began := time.Now()
				r, err := session.CallTool(ctx, &mcp.CallToolParams{Name: c.tool, Arguments: c.args})
				took := time.Since(began)
				cancel()
				switch {
				case err != nil:
					fail(fmt.Sprintf("session %d: %s: %v", i, c.tool, err))
				case r.IsError:
					fail(fmt.Sprintf("session %d: %s %v: tool error: %.300s", i, c.tool, c.args, resultText(r)))
				default:
					lat = append(lat, took)
					byTool[c.tool] = append(byTool[c.tool], took)
				}
			}
			atomic.AddInt64(&res.calls, int64(len(lat)))
			mu.Lock()
			res.latencies = append(res.latencies, lat...)
			for tool, l := range byTool {
				res.byTool[tool] = append(res.byTool[tool], l...)
			}
			if res.minPerSession < 0 || int64(len(lat)) < res.minPerSession {
				res.minPerSession = int64(len(lat))
			}
			mu.Unlock()
		})
	}
	ready.Wait()
	began := time.Now()
	deadline = began.Add(d)
	close(start)
	done.Wait()
	res.elapsed = time.Since(began)
	tr.CloseIdleConnections()
	slices.Sort(res.latencies)
	return res
}

// loadTransport is the clients' HTTP transport: enough idle connections for every session,
// so that the load is on MCP and not on connection setup.
func loadTransport(local net.IP) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	if local != nil {
		dialer.LocalAddr = &net.TCPAddr{IP: local}
	}
	return &http.Transport{DialContext: dialer.DialContext, MaxIdleConns: 2 * loadSessions, MaxIdleConnsPerHost: 2 * loadSessions, IdleConnTimeout: time.Minute}
}

// proc is a server process this file started itself, to read its /proc entries.
type proc struct {
	url    string
	port   int
	pid    int
	stderr *syncBuffer
}

// startServerProc runs `serve --http 127.0.0.1:0 args...` like startHTTPProcess, keeping the pid.
func startServerProc(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--http", "127.0.0.1:0"}, args...)...)
	cmd.Env = env
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	cmd.Stderr = io.MultiWriter(stderr, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited); pw.Close() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		// The binary is built with -race: a race in the server is printed when it happens.
		if strings.Contains(stderr.String(), "DATA RACE") || strings.Contains(stderr.String(), "panic:") {
			t.Errorf("the server reported a race or a panic:\n%s", stderr)
		}
	})
	found := watchForURL(pr)
	select {
	case u := <-found:
		pu, _ := url.Parse(u)
		port, _ := strconv.Atoi(pu.Port())
		return &proc{url: u, port: port, pid: cmd.Process.Pid, stderr: stderr}
	case <-exited:
		t.Fatalf("the server exited; stderr:\n%s", stderr)
	case <-time.After(20 * time.Second):
		t.Fatalf("the server did not report its URL; stderr:\n%s", stderr)
	}
	return nil
}

// procStatus reads a field of /proc/<pid>/status in kB (VmRSS, VmHWM) or as a count (Threads).
func procStatus(pid int, field string) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

func mustProcStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	n, err := procStatus(pid, field)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// cpuTime is the CPU time a process has used (user and system), from /proc/<pid>/stat.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// The command name, in parentheses, may hold spaces: count fields after it.
	_, rest, _ := strings.Cut(string(raw), ") ")
	f := strings.Fields(rest)
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ is 100 on Linux
}

// fdCount is the process's open file descriptors, sorted by what they are: connections of
// clients to its listener, upstream connections (to the emulator), other sockets (the
// listener itself), and everything else (files, pipes, epoll).
type fdCount struct {
	total, clients, upstream, sockets, other int
}

func (f fdCount) String() string {
	return fmt.Sprintf("%d (client connections %d, upstream %d, other sockets %d, files/pipes %d)", f.total, f.clients, f.upstream, f.sockets, f.other)
}

func countFDs(t *testing.T, pid, serverPort, upstreamPort int) fdCount {
	t.Helper()
	c, err := readFDs(pid, serverPort, upstreamPort)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readFDs(pid, serverPort, upstreamPort int) (fdCount, error) {
	// socket inode → local and remote port, from the process's network namespace.
	type ends struct{ local, remote int }
	socks := map[string]ends{}
	for _, f := range []string{"tcp", "tcp6"} {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, f))
		if err != nil {
			continue
		}
		for i, line := range strings.Split(string(raw), "\n") {
			fields := strings.Fields(line)
			if i == 0 || len(fields) < 10 {
				continue
			}
			port := func(addr string) int {
				_, hex, _ := strings.Cut(addr, ":")
				n, _ := strconv.ParseInt(hex, 16, 32)
				return int(n)
			}
			socks[fields[9]] = ends{port(fields[1]), port(fields[2])}
		}
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fdCount{}, err
	}
	var c fdCount
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		c.total++
		inode, ok := strings.CutPrefix(target, "socket:[")
		if !ok {
			c.other++
			continue
		}
		s := socks[strings.TrimSuffix(inode, "]")]
		switch {
		case s.local == serverPort && s.remote != 0:
			c.clients++
		case s.remote == upstreamPort:
			c.upstream++
		default:
			c.sockets++
		}
	}
	return c, nil
}

// TestHTTPLoad runs the built server over HTTP under 200 concurrent sessions of mixed read calls
// for a fixed time: no call fails, memory stays bounded, and once the sessions are gone the
// process is back to its file descriptors from before the load (goroutines are counted by
// TestHTTPLoadInProcess, which can see them).
func TestHTTPLoad(t *testing.T) {
	d := loadDuration(t)
	// The emulator's SOCaaS per-IP limits (100 GET/min) would fail calls: raise them so the
	// load measures this server.
	w := newWorldWith(t, emulator.Options{SOCaaSGetPerMinute: -1, SOCaaSPostPerMinute: -1})
	emURL, _ := url.Parse(w.url)
	emPort, _ := strconv.Atoi(emURL.Port())
	// No per-caller limit (one caller token: every session is one caller), info logs (debug
	// logs every call), a longer upstream timeout (loadUpstreamTimeout).
	p := startServerProc(t, w.env("FORTICLOUD_MCP_HTTP_TOKEN="+loadToken, "FORTICLOUD_MCP_LOG_LEVEL=info",
		"FORTICLOUD_MCP_UPSTREAM_TIMEOUT="+loadUpstreamTimeout), "--http-rate-limit", "0")
	mix := loadMix(t, w.em)
	tr := loadTransport(nil)

	// Warm up: one session makes every call of the mix once (logins, connection pools, lazily
	// built state), then goes away.
	warmUp(t, p.url, tr, mix(0))
	tr.CloseIdleConnections()
	settled := func(ok func(fdCount) bool) fdCount {
		t.Helper()
		var c fdCount
		for end := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			c = countFDs(t, p.pid, p.port, emPort)
			if ok(c) || time.Now().After(end) {
				return c
			}
		}
	}
	before := settled(func(c fdCount) bool { return c.clients == 0 })
	rssBefore := mustProcStatus(t, p.pid, "VmRSS")
	threadsBefore := mustProcStatus(t, p.pid, "Threads")

	// RSS and descriptors while the load runs, twice a second.
	type sample struct {
		at       time.Duration
		rss, fds int64
	}
	var samples []sample
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	began := time.Now()
	sampler.Go(func() {
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				// Not t.Fatal: this is not the test's goroutine. A process gone shows in the calls.
				rss, _ := procStatus(p.pid, "VmRSS")
				fds, _ := readFDs(p.pid, p.port, emPort)
				samples = append(samples, sample{time.Since(began), rss, int64(fds.total)})
			}
		}
	})
	serverCPU, selfCPU := cpuTime(t, p.pid), cpuTime(t, os.Getpid())
	res := runLoad(t, p.url, tr, loadSessions, d, mix)
	serverCPU, selfCPU = cpuTime(t, p.pid)-serverCPU, cpuTime(t, os.Getpid())-selfCPU
	close(stop)
	sampler.Wait()
	hwm := mustProcStatus(t, p.pid, "VmHWM")
	threadsPeak := mustProcStatus(t, p.pid, "Threads")
	after := settled(func(c fdCount) bool {
		return c.clients == 0 && c.other <= before.other && c.sockets <= before.sockets
	})
	rssAfter := mustProcStatus(t, p.pid, "VmRSS")

	// For the log: a timeline of RSS and descriptors.
	var peakFDs int64
	var timeline strings.Builder
	for i, s := range samples {
		peakFDs = max(peakFDs, s.fds)
		if i%2 == 1 {
			fmt.Fprintf(&timeline, " %.0fs:%dMB/%dfd", s.at.Seconds(), s.rss>>10, s.fds)
		}
	}

	t.Logf("%d sessions for %v (load %v, then the calls in flight): %d calls, %.0f calls/s, p50 %v, p99 %v, max %v, fewest calls in a session %d, failed %d",
		res.sessions, res.elapsed.Round(time.Millisecond), d, res.calls, res.rate(), res.percentile(0.5).Round(time.Millisecond),
		res.percentile(0.99).Round(time.Millisecond), res.percentile(1).Round(time.Millisecond), res.minPerSession, res.failed)
	t.Logf("per tool:%s", res.toolFigures())
	perCall := time.Duration(0)
	if res.calls > 0 {
		perCall = serverCPU / time.Duration(res.calls)
	}
	t.Logf("CPU during the load: server %v (%v a call), this process (clients and emulator) %v; share of the machine's %d CPUs: %.0f%%",
		serverCPU.Round(time.Millisecond), perCall.Round(10*time.Microsecond), selfCPU.Round(time.Millisecond), runtime.NumCPU(),
		100*(serverCPU+selfCPU).Seconds()/(res.elapsed.Seconds()*float64(runtime.NumCPU())))
	t.Logf("server RSS: before %d MB, peak %d MB, after %d MB; OS threads before %d, after the load %d",
		rssBefore>>10, hwm>>10, rssAfter>>10, threadsBefore, threadsPeak)
	t.Logf("server fds: before %v; peak %d; after %v", before, peakFDs, after)
	t.Logf("timeline (RSS/fds):%s", timeline.String())

	if res.failed != 0 {
		t.Errorf("%d calls failed, e.g.:\n%s", res.failed, strings.Join(res.failures, "\n"))
	}
	if res.sessions != loadSessions {
		t.Errorf("%d of %d sessions connected", res.sessions, loadSessions)
	}
	// Every session makes progress. Calls per second depend on what else the machine runs
	// (35-90/s with the race detector in the server, the clients and the emulator on an
	// otherwise idle 2-core machine, a plain build 300/s); the server's CPU time per call
	// does not.
	if res.calls < loadSessions || res.minPerSession < 1 {
		t.Errorf("%d calls in %v (fewest in a session %d), want every session to complete calls", res.calls, d, res.minPerSession)
	}
	if res.calls > 0 && serverCPU/time.Duration(res.calls) > loadMaxCPUPerCall {
		t.Errorf("the server used %v of CPU per call, over %v", serverCPU/time.Duration(res.calls), loadMaxCPUPerCall)
	}
	if hwm<<10 > loadMaxRSS {
		t.Errorf("peak RSS %d MB, over the bound of %d MB", hwm>>10, loadMaxRSS>>20)
	}
	if after.clients != 0 {
		t.Errorf("%d client connections still open on the server after every session closed", after.clients)
	}
	if after.other > before.other || after.sockets > before.sockets {
		t.Errorf("file descriptors leaked: before %v, after %v", before, after)
	}
	if after.upstream > max(before.upstream, upstreamIdleConns) {
		t.Errorf("%d upstream connections kept after the load, more than the idle pool (%d)", after.upstream, upstreamIdleConns)
	}
}

// warmUp makes each of one session's calls once, in a session of its own.
func warmUp(t *testing.T, endpoint string, tr *http.Transport, mix []loadCall) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	hc := &http.Client{Transport: bearer{token: loadToken, base: tr}}
	session, err := client().Connect(ctx, &mcp.StreamableClientTransport{Endpoint: endpoint, HTTPClient: hc, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	for _, c := range mix {
		r, err := session.CallTool(ctx, &mcp.CallToolParams{Name: c.tool, Arguments: c.args})
		if err != nil {
			t.Fatalf("warm-up %s: %v", c.tool, err)
		}
		if r.IsError {
			t.Fatalf("warm-up %s %v: %s", c.tool, c.args, resultText(r))
		}
	}
}

// mcpGoroutines counts the goroutines running MCP code (mcp-go's server, the go-sdk client):
// what a session that outlives its client would leave behind.
func mcpGoroutines() (int, string) {
	buf := make([]byte, 16<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	var sample string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "mark3labs/mcp-go") || strings.Contains(g, "modelcontextprotocol/go-sdk") {
			n++
			if sample == "" {
				sample = g
			}
		}
	}
	return n, sample
}

// TestHTTPLoadInProcess runs the same load on the server in this process (mcpserver.New and
// its HTTP handler on a loopback listener), where goroutines can be counted: the MCP goroutines
// return to their number from before the load once the sessions are gone, and after shutdown
// nothing the test started is left running.
func TestHTTPLoadInProcess(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	d := loadDuration(t) * 4 / 10
	em := emulator.New(emulator.Options{SOCaaSGetPerMinute: -1, SOCaaSPostPerMinute: -1})
	base, err := em.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	var cfg config.Config
	parser, err := kong.New(&cfg, kong.Exit(func(int) { t.Fatal("kong exited") }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parser.Parse([]string{"--state-dir=" + t.TempDir(), "--approvals-listen=off", "--upstream-timeout=" + loadUpstreamTimeout}); err != nil {
		t.Fatal(err)
	}
	cfg.AuthURL, cfg.Username, cfg.Password = base, emulator.DemoAPIUsername, config.Secret(emulator.DemoAPIPassword)
	cfg.FortiGateCloud.URL, cfg.Flex.URL, cfg.SOCaaS.URL = base, base, base
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	srv, err := mcpserver.New(&cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.HTTPHandler(mcpserver.HTTPOptions{Token: loadToken}))
	closed := false
	shutdown := func() {
		if closed {
			return
		}
		closed = true
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			t.Errorf("closing the server: %v", err)
		}
		hs.Close()
		em.Close()
	}
	defer shutdown()
	endpoint := hs.URL + mcpserver.EndpointPath
	mix := loadMix(t, em)
	tr := loadTransport(nil)

	warmUp(t, endpoint, tr, mix(0))
	tr.CloseIdleConnections()
	// settle waits until the MCP goroutines are down to want, or stop changing for a second.
	settle := func(want int) (int, string) {
		n, sample := mcpGoroutines()
		for end, steady := time.Now().Add(10*time.Second), 0; n > want && steady < 10 && time.Now().Before(end); {
			time.Sleep(100 * time.Millisecond)
			m, s := mcpGoroutines()
			if m == n {
				steady++
			} else {
				steady = 0
			}
			n, sample = m, s
		}
		return n, sample
	}
	mcpBefore, _ := settle(0)
	before := runtime.NumGoroutine()

	stop := make(chan struct{})
	var sampler sync.WaitGroup
	peak := 0
	sampler.Go(func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				peak = max(peak, runtime.NumGoroutine())
			}
		}
	})
	res := runLoad(t, endpoint, tr, inProcessSessions, d, mix)
	close(stop)
	sampler.Wait()
	mcpAfter, sample := settle(mcpBefore)
	after := runtime.NumGoroutine()

	t.Logf("in process: %d sessions for %v: %d calls, %.0f calls/s, p50 %v, p99 %v, failed %d",
		res.sessions, res.elapsed.Round(time.Millisecond), res.calls, res.rate(), res.percentile(0.5).Round(time.Microsecond),
		res.percentile(0.99).Round(time.Microsecond), res.failed)
	t.Logf("goroutines: before %d (MCP %d), peak %d, after the sessions closed %d (MCP %d; the rest are idle upstream connections)",
		before, mcpBefore, peak, after, mcpAfter)
	if res.failed != 0 {
		t.Errorf("%d calls failed, e.g.:\n%s", res.failed, strings.Join(res.failures, "\n"))
	}
	if res.sessions != inProcessSessions || res.minPerSession < 1 {
		t.Errorf("%d of %d sessions connected; fewest calls in a session %d", res.sessions, inProcessSessions, res.minPerSession)
	}
	if peak < before+inProcessSessions {
		t.Errorf("goroutines peaked at %d from %d: the load did not run %d sessions at once", peak, before, inProcessSessions)
	}
	// Left running: idle upstream connections (each a read and a write loop here and the
	// emulator's connection; up to the transport's MaxIdleConns of 128 over its two pools, the
	// FortiAnalyzer login having its own), and nothing per session: the MCP goroutines above and
	// goleak after shutdown are the strict checks.
	if after > before+3*2*upstreamIdleConns+8 {
		t.Errorf("goroutines: %d before the load, %d after every session closed", before, after)
	}
	if mcpAfter > mcpBefore {
		t.Errorf("MCP goroutines: %d before the load, %d after every session closed; one of them:\n%s", mcpBefore, mcpAfter, sample)
	}
	// After shutdown the deferred goleak check finds nothing this test started.
	shutdown()
}

// TestHTTPRateLimitPerCaller: with a low per-caller limit, a burst from one address gets 429
// with Retry-After while a client on another address (127.0.0.2) still gets through.
func TestHTTPRateLimitPerCaller(t *testing.T) {
	w := newWorld(t)
	// 10 requests at once, then one per 5 s: nothing refills during the test.
	p := startServerProc(t, w.env(), "--http-rate-limit", "0.2", "--http-rate-burst", "10")
	initialize := func(hc *http.Client) (int, string, string) {
		req, _ := http.NewRequest("POST", p.url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"burst","version":"1"}}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := hc.Do(req)
		if err != nil {
			t.Error(err)
			return 0, "", ""
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(body)
	}
	first := &http.Client{Transport: loadTransport(net.IPv4(127, 0, 0, 1))}
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			code, retry, body := initialize(first)
			mu.Lock()
			defer mu.Unlock()
			codes[code]++
			if code == http.StatusTooManyRequests {
				if secs, err := strconv.Atoi(retry); err != nil || secs < 1 || secs > 5 {
					t.Errorf("Retry-After %q, want 1-5 s at 0.2/s", retry)
				}
				if !strings.Contains(body, "Too Many Requests") {
					t.Errorf("429 body %q", body)
				}
			}
		})
	}
	wg.Wait()
	if codes[200] != 10 || codes[429] != 20 {
		t.Fatalf("a burst of 30 from one address: %v, want 10 × 200 and 20 × 429", codes)
	}

	// Another address is another caller: a whole session with calls goes through.
	second := loadTransport(net.IPv4(127, 0, 0, 2))
	defer second.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	session, err := client().Connect(ctx, &mcp.StreamableClientTransport{Endpoint: p.url, HTTPClient: &http.Client{Transport: second}, MaxRetries: -1},
		&mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatalf("a second caller (127.0.0.2) while the first is limited: %v\nstderr:\n%s", err, p.stderr)
	}
	for i := range 3 {
		r, err := session.CallTool(ctx, &mcp.CallToolParams{Name: "list_devices", Arguments: map[string]any{"limit": 2}})
		if err != nil || r.IsError {
			t.Fatalf("second caller, call %d: %v %v", i, err, r)
		}
	}
	session.Close()
	// The first is still limited.
	if code, _, body := initialize(first); code != http.StatusTooManyRequests {
		t.Errorf("the first caller after the second's session: %d %s", code, body)
	}
	if n := strings.Count(p.stderr.String(), "over the rate limit"); n != 1 {
		t.Errorf("%d log lines about the limit, want 1 (once a minute per caller):\n%s", n, p.stderr)
	}
}
