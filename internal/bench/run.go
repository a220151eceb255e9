package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// listArgs is the measured call: list_devices' first page as a model asks for it (no
// arguments: 50 devices, every field).
var listArgs = map[string]any{}

// smallArgs is the throughput call: one device's serial, so that the figure is the cost of a
// tool call rather than of moving 50 devices' JSON through four JSON codecs.
var smallArgs = map[string]any{"limit": 1, "fields": []string{"sn"}}

// Overhead is list_devices through the server on each transport, the same upstream request sent
// straight to the emulator, and the peer's echo on each transport, interleaved.
type Overhead struct {
	Direct, Stdio, HTTP   Dist
	PeerStdio, PeerHTTP   Dist
	HasPeer               bool
	Rounds, CallsPerRound int
	// UpstreamBytes and ResultBytes are the sizes of the emulator's reply and of the tool result
	// (text rendering plus structuredContent, as JSON): the server moves the data twice, as the
	// MCP spec asks of a tool with structured output.
	UpstreamBytes, ResultBytes int
	// ClientDecode is the go-sdk client's decoding of one such result (its JSON-RPC response),
	// part of every call's time through any MCP server and not of the direct request's.
	ClientDecode Dist
}

// AddedStdio and AddedHTTP are the time the server adds to the upstream round trip, at p50.
func (o *Overhead) AddedStdio() time.Duration { return o.Stdio.P50 - o.Direct.P50 }
func (o *Overhead) AddedHTTP() time.Duration  { return o.HTTP.P50 - o.Direct.P50 }

// MeasureOverhead runs the overhead comparison.
func MeasureOverhead(ctx context.Context, w *World, peer *Peer, rounds, per int) (*Overhead, error) {
	direct, err := w.NewDirect(ctx)
	if err != nil {
		return nil, err
	}
	stdio, err := ConnectStdio(ctx, w.StdioCommand())
	if err != nil {
		return nil, err
	}
	defer stdio.Close()
	_, httpSess, stop, err := w.StartSession(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	cs := []Contender{
		{"direct", direct.ListDevices},
		{"stdio", sessionCaller(stdio, "list_devices", listArgs)},
		{"http", sessionCaller(httpSess, "list_devices", listArgs)},
	}
	if peer != nil {
		ps, err := ConnectStdio(ctx, peer.StdioCommand())
		if err != nil {
			return nil, err
		}
		defer ps.Close()
		ph, err := peer.StartHTTP(ctx)
		if err != nil {
			return nil, err
		}
		defer ph.Stop()
		phs, err := ConnectHTTP(ctx, ph.URL, &http.Client{})
		if err != nil {
			return nil, err
		}
		defer phs.Close()
		echo := map[string]any{"message": "hello"}
		cs = append(cs, Contender{"peer-stdio", sessionCaller(ps, "echo", echo)}, Contender{"peer-http", sessionCaller(phs, "echo", echo)})
	}
	d, err := Interleave(ctx, rounds, per, cs)
	if err != nil {
		return nil, err
	}
	o := &Overhead{Direct: d["direct"], Stdio: d["stdio"], HTTP: d["http"], PeerStdio: d["peer-stdio"], PeerHTTP: d["peer-http"],
		HasPeer: peer != nil, Rounds: rounds, CallsPerRound: per}
	if o.UpstreamBytes, err = direct.replySize(ctx); err != nil {
		return nil, err
	}
	res, err := httpSess.CallTool(ctx, &mcp.CallToolParams{Name: "list_devices", Arguments: listArgs})
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(res)
	o.ResultBytes = len(b)
	resp := []byte(`{"jsonrpc":"2.0","id":7,"result":` + string(b) + `}`)
	var samples []time.Duration
	for range 300 {
		start := time.Now()
		var msg struct {
			Result mcp.CallToolResult `json:"result"`
		}
		if err := json.Unmarshal(resp, &msg); err != nil {
			return nil, fmt.Errorf("bench: decode result: %w", err)
		}
		samples = append(samples, time.Since(start))
	}
	o.ClientDecode = NewDist(samples)
	return o, nil
}

func sessionCaller(s *mcp.ClientSession, tool string, args map[string]any) func(context.Context) error {
	return func(ctx context.Context) error { return Call(ctx, s, tool, args) }
}

// Load is tool calls per second over HTTP with many sessions, beside the same number of
// goroutines sending the upstream request straight to the emulator.
type Load struct {
	Sessions             int
	Seconds              float64
	ServerSmall, Server  float64 // calls/s: list_devices limit=1, and the default first page
	DirectSmall, Direct  float64 // requests/s straight to the emulator, same pages
	CallsSmall, CallsBig int
	// CPUPerCallSmall and CPUPerCall are the server process's CPU time per call: what a call
	// costs the server alone, whatever the load generator and the emulator, which share the
	// machine's cores with it here, cost.
	CPUPerCallSmall, CPUPerCall time.Duration
}

// Capacity is the calls/s the server's own CPU time per call allows on the machine's cores.
func (l *Load) Capacity() float64 {
	if l.CPUPerCallSmall <= 0 {
		return 0
	}
	return float64(runtime.NumCPU()) / l.CPUPerCallSmall.Seconds()
}

// MeasureLoad opens `sessions` HTTP sessions to one server and calls list_devices from all of
// them at once for d, for each page size, and the same with direct requests.
func MeasureLoad(ctx context.Context, w *World, sessions int, d time.Duration) (*Load, error) {
	srv, err := w.StartHTTP()
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	ss, closeAll, err := openSessions(ctx, srv.URL, sessions, sessions*2)
	defer closeAll()
	if err != nil {
		return nil, err
	}
	direct, err := w.NewDirect(ctx)
	if err != nil {
		return nil, err
	}
	smallDirect := *direct
	smallDirect.url = strings.Replace(direct.url, "limit=50", "limit=1", 1)
	run := func(args map[string]any, cpu *time.Duration) (float64, int, error) {
		calls := make([]func(context.Context) error, len(ss))
		for i, s := range ss {
			calls[i] = sessionCaller(s, "list_devices", args)
		}
		before, err := CPUTime(srv.Pid())
		if err != nil {
			return 0, 0, err
		}
		rate, n, err := Throughput(ctx, d, calls)
		after, cerr := CPUTime(srv.Pid())
		if err == nil && cerr == nil && n > 0 {
			*cpu = (after - before) / time.Duration(n)
		}
		return rate, n, errors.Join(err, cerr)
	}
	runDirect := func(dr *Direct) (float64, error) {
		calls := make([]func(context.Context) error, sessions)
		for i := range calls {
			calls[i] = dr.ListDevices
		}
		r, _, err := Throughput(ctx, d, calls)
		return r, err
	}
	l := &Load{Sessions: sessions, Seconds: d.Seconds()}
	if _, _, err := Throughput(ctx, time.Second, []func(context.Context) error{sessionCaller(ss[0], "list_devices", smallArgs)}); err != nil {
		return nil, err // warm
	}
	if l.DirectSmall, err = runDirect(&smallDirect); err != nil {
		return nil, err
	}
	if l.ServerSmall, l.CallsSmall, err = run(smallArgs, &l.CPUPerCallSmall); err != nil {
		return nil, err
	}
	if l.Direct, err = runDirect(direct); err != nil {
		return nil, err
	}
	if l.Server, l.CallsBig, err = run(listArgs, &l.CPUPerCall); err != nil {
		return nil, err
	}
	return l, nil
}

// Startup is the time from starting a stdio server to its answer to tools/list, the first thing
// every client asks, beside the time to start and end the same binary doing nothing
// (`forticloud-mcp version`): the part of start-up that is the operating system's.
type Startup struct {
	Server, Exec, Peer Dist
	HasPeer            bool
	ToolsListBytes     int
}

// MeasureStartup starts the server n times (and the peer, when given).
func MeasureStartup(ctx context.Context, w *World, peer *Peer, n int) (*Startup, error) {
	var st Startup
	var srv, ex, pe []time.Duration
	for range n {
		d, size, err := firstToolsList(ctx, w.StdioCommand())
		if err != nil {
			return nil, err
		}
		srv, st.ToolsListBytes = append(srv, d), size
		start := time.Now()
		if err := exec.CommandContext(ctx, w.Binary, "version").Run(); err != nil {
			return nil, fmt.Errorf("bench: %s version: %w", w.Binary, err)
		}
		ex = append(ex, time.Since(start))
		if peer != nil {
			d, _, err := firstToolsList(ctx, peer.StdioCommand())
			if err != nil {
				return nil, err
			}
			pe = append(pe, d)
		}
	}
	st.Server, st.Exec, st.Peer, st.HasPeer = NewDist(srv), NewDist(ex), NewDist(pe), peer != nil
	return &st, nil
}

// firstToolsList starts cmd, sends initialize, initialized and tools/list at once (as clients
// do, without waiting), and times the tools/list answer. It speaks raw JSON-RPC lines so that
// only the server's time is measured.
func firstToolsList(ctx context.Context, cmd *exec.Cmd) (time.Duration, int, error) {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, fmt.Errorf("bench: start %s: %w", cmd.Path, err)
	}
	defer func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	msgs := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}
{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"tools/list"}
`
	if _, err := io.WriteString(stdin, msgs); err != nil {
		return 0, 0, err
	}
	type answer struct {
		d    time.Duration
		size int
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		r := bufio.NewReaderSize(stdout, 256<<10)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				got <- answer{err: fmt.Errorf("bench: %s: no tools/list answer: %w", cmd.Path, err)}
				return
			}
			var m struct {
				ID     json.RawMessage `json:"id"`
				Result json.RawMessage `json:"result"`
			}
			if json.Unmarshal(line, &m) == nil && string(m.ID) == "2" {
				if len(m.Result) == 0 {
					got <- answer{err: fmt.Errorf("bench: tools/list failed: %s", line)}
					return
				}
				got <- answer{d: time.Since(start), size: len(m.Result)}
				return
			}
		}
	}()
	select {
	case a := <-got:
		return a.d, a.size, a.err
	case <-time.After(20 * time.Second):
		return 0, 0, errors.New("bench: no tools/list answer in 20 s")
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
}

// Memory is the server's resident memory: idle, and with idle HTTP sessions open.
type Memory struct {
	IdleRSS       int64 // after start-up and one tools/list, no session open
	Sessions      int
	SessionsRSS   int64 // with Sessions idle sessions open (each with the go-sdk client's GET stream)
	PerHundred    int64 // (SessionsRSS - IdleRSS) per 100 sessions
	PeakAfterLoad int64
}

// MeasureMemory starts an HTTP server, reads its idle RSS, opens sessions and reads it again.
func MeasureMemory(ctx context.Context, w *World, sessions int) (*Memory, error) {
	srv, err := w.StartHTTP()
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	s, err := ConnectHTTP(ctx, srv.URL, &http.Client{})
	if err != nil {
		return nil, err
	}
	if _, err := s.ListTools(ctx, nil); err != nil {
		return nil, err
	}
	s.Close()
	settle()
	m := &Memory{Sessions: sessions}
	if m.IdleRSS, _, err = ReadMemory(srv.Pid()); err != nil {
		return nil, err
	}
	_, closeAll, err := openSessions(ctx, srv.URL, sessions, 16)
	defer closeAll()
	if err != nil {
		return nil, err
	}
	settle()
	if m.SessionsRSS, m.PeakAfterLoad, err = ReadMemory(srv.Pid()); err != nil {
		return nil, err
	}
	m.PerHundred = (m.SessionsRSS - m.IdleRSS) * 100 / int64(sessions)
	return m, nil
}

// openSessions opens n go-sdk sessions to url over one HTTP client keeping idle connections per
// host; closeAll closes those opened, also after an error.
func openSessions(ctx context.Context, url string, n, idleConns int) (ss []*mcp.ClientSession, closeAll func(), err error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = idleConns
	hc := &http.Client{Transport: tr}
	closeAll = func() {
		for _, s := range ss {
			s.Close()
		}
	}
	for range n {
		s, err := ConnectHTTP(ctx, url, hc)
		if err != nil {
			return ss, closeAll, err
		}
		ss = append(ss, s)
	}
	return ss, closeAll, nil
}

// settle gives a server a moment to finish what a burst of requests started (goroutines
// parking, the GC's background sweep), so that RSS is read at rest.
func settle() {
	runtime.Gosched()
	time.Sleep(1500 * time.Millisecond)
}
