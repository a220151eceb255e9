package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Options sizes a run.
type Options struct {
	Rounds, PerRound int
	Sessions         int
	LoadFor          time.Duration
	Starts           int
	IdleSessions     int
	PeerDir          string
	// HugeEntries is the size the huge-reply table is grown to (0: skip that measurement).
	HugeEntries int
	// Scarce runs the simulated 10 minutes of 1-minute tokens (scarce.go; about 2.5 min of real
	// time).
	Scarce bool
	// Only limits the run to these parts (startup, memory, overhead, load, huge, scarce); empty: all.
	Only []string
}

func (o Options) wants(part string) bool {
	if len(o.Only) == 0 {
		return true
	}
	for _, p := range o.Only {
		if p == part {
			return true
		}
	}
	return false
}

// Report is one run's figures.
type Report struct {
	Machine  string
	When     time.Time
	Overhead *Overhead
	Load     *Load
	Startup  *Startup
	Memory   *Memory
	Huge     *Huge
	Scarce   *ScarceReport
	Ratios   Ratios
}

// Ratios are the figures CI guards: each compares two measurements of the same run, so a
// slower or busier machine moves both sides.
type Ratios struct {
	// StdioOverDirect and HTTPOverDirect: list_devices through the server / the same upstream
	// request sent directly, at p50.
	StdioOverDirect float64 `json:"stdio_over_direct"`
	HTTPOverDirect  float64 `json:"http_over_direct"`
	// PeerStdioOverOurs and PeerHTTPOverOurs: the peer's echo / our list_devices, at p50 (the
	// target is ≥ 2: ours twice as fast). 0 without the peer.
	PeerStdioOverOurs float64 `json:"peer_stdio_over_ours,omitempty"`
	PeerHTTPOverOurs  float64 `json:"peer_http_over_ours,omitempty"`
	// ServerOverDirectLoad: tool calls/s with 64 sessions / direct requests/s with 64 goroutines,
	// one device per call.
	ServerOverDirectLoad float64 `json:"server_over_direct_load"`
	// StartupOverExec: start-up to the first tools/list answer / start and exit of the same binary.
	StartupOverExec float64 `json:"startup_over_exec"`
}

// Run measures everything in one run. progress is told what runs now.
func Run(ctx context.Context, w *World, o Options, progress func(string)) (*Report, error) {
	r := &Report{Machine: machine(), When: time.Now().UTC()}
	var peer *Peer
	if o.PeerDir != "" {
		p, err := FindPeer(o.PeerDir)
		if err != nil {
			return nil, err
		}
		peer = p
	} else {
		progress("no peer (" + PeerPackage + "): its rows are skipped; scripts/bench.sh installs it")
	}
	var err error
	if o.wants("startup") {
		progress("start-up")
		if r.Startup, err = MeasureStartup(ctx, w, peer, o.Starts); err != nil {
			return nil, err
		}
	}
	if o.wants("memory") {
		progress("memory")
		if r.Memory, err = MeasureMemory(ctx, w, o.IdleSessions); err != nil {
			return nil, err
		}
	}
	if o.wants("overhead") {
		progress("overhead (interleaved)")
		if r.Overhead, err = MeasureOverhead(ctx, w, peer, o.Rounds, o.PerRound); err != nil {
			return nil, err
		}
	}
	if o.wants("load") {
		progress("throughput")
		if r.Load, err = MeasureLoad(ctx, w, o.Sessions, o.LoadFor); err != nil {
			return nil, err
		}
	}
	// Last: growing the table makes that device's table huge for the rest of the run.
	if o.HugeEntries > 0 && o.wants("huge") {
		progress(fmt.Sprintf("huge FortiOS reply (%d entries)", o.HugeEntries))
		if r.Huge, err = MeasureHuge(ctx, w, o.HugeEntries); err != nil {
			return nil, err
		}
	}
	if o.Scarce && o.wants("scarce") {
		progress("scarce resources (10 simulated minutes of 1-minute tokens)")
		if r.Scarce, err = Scarce(ctx, ScarceOptions{}); err != nil {
			return nil, err
		}
	}
	r.Ratios = r.ratios()
	return r, nil
}

func (r *Report) ratios() Ratios {
	var q Ratios
	if ov := r.Overhead; ov != nil {
		q.StdioOverDirect = ratio(ov.Stdio.P50, ov.Direct.P50)
		q.HTTPOverDirect = ratio(ov.HTTP.P50, ov.Direct.P50)
		if ov.HasPeer {
			q.PeerStdioOverOurs = ratio(ov.PeerStdio.P50, ov.Stdio.P50)
			q.PeerHTTPOverOurs = ratio(ov.PeerHTTP.P50, ov.HTTP.P50)
		}
	}
	if r.Load != nil && r.Load.DirectSmall > 0 {
		q.ServerOverDirectLoad = r.Load.ServerSmall / r.Load.DirectSmall
	}
	if r.Startup != nil {
		q.StartupOverExec = ratio(r.Startup.Server.P50, r.Startup.Exec.P50)
	}
	return q
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d CPUs (GOMAXPROCS %d), %s %s/%s", cpu, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

// Markdown renders the figures as docs/performance.md's tables.
func (r *Report) Markdown() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("Machine: %s; run %s.\n\n", r.Machine, r.When.Format(time.RFC3339))
	if r.Overhead != nil {
		r.overheadMarkdown(&b)
	}
	if r.Load != nil {
		r.loadMarkdown(&b)
	}
	if r.Startup != nil || r.Memory != nil || r.Huge != nil {
		r.memoryMarkdown(&b)
	}
	if r.Scarce != nil {
		b.WriteString("\n" + r.Scarce.Table())
	}
	return b.String()
}

func (r *Report) overheadMarkdown(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	ov := r.Overhead
	p("| per call (p50 / p99, %d interleaved rounds × %d calls) | stdio | streamable HTTP |\n|---|---|---|\n", ov.Rounds, ov.CallsPerRound)
	p("| `list_devices` straight to the emulator (net/http + decode) | %s / %s | same |\n", ms(ov.Direct.P50), ms(ov.Direct.P99))
	p("| `list_devices` through forticloud-mcp | %s / %s | %s / %s |\n", ms(ov.Stdio.P50), ms(ov.Stdio.P99), ms(ov.HTTP.P50), ms(ov.HTTP.P99))
	p("| added by forticloud-mcp (p50) | %s (×%.2f) | %s (×%.2f) |\n", ms(ov.AddedStdio()), r.Ratios.StdioOverDirect, ms(ov.AddedHTTP()), r.Ratios.HTTPOverDirect)
	if ov.HasPeer {
		p("| peer: server-everything `echo` | %s / %s | %s / %s |\n", ms(ov.PeerStdio.P50), ms(ov.PeerStdio.P99), ms(ov.PeerHTTP.P50), ms(ov.PeerHTTP.P99))
		p("| peer echo ÷ our list_devices (p50; target ≥ 2) | %.2f | %.2f |\n", r.Ratios.PeerStdioOverOurs, r.Ratios.PeerHTTPOverOurs)
	}
	p("\nOne `list_devices` first page: the emulator's reply is %d bytes; the tool result (text rendering and structuredContent) %d bytes, which the go-sdk client takes %s (p50) to decode.\n",
		ov.UpstreamBytes, ov.ResultBytes, ms(ov.ClientDecode.P50))
}

func (r *Report) loadMarkdown(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	l := r.Load
	p("\n| throughput, %d HTTP sessions, %.0f s each | calls/s | direct requests/s (same page, %d goroutines) | ratio |\n|---|---|---|---|\n", l.Sessions, l.Seconds, l.Sessions)
	p("| `list_devices` limit=1 fields=[sn] | %.0f | %.0f | %.2f |\n", l.ServerSmall, l.DirectSmall, l.ServerSmall/l.DirectSmall)
	p("| `list_devices` first page (50 devices) | %.0f | %.0f | %.2f |\n", l.Server, l.Direct, l.Server/l.Direct)
	p("\nServer CPU per call: %s (limit=1), %s (first page); the server alone could serve %.0f calls/s of the first kind on %d cores.\n",
		ms(l.CPUPerCallSmall), ms(l.CPUPerCall), l.Capacity(), runtime.NumCPU())
}

func (r *Report) memoryMarkdown(b *strings.Builder) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("\n| start-up and memory | figure |\n|---|---|\n")
	if st := r.Startup; st != nil {
		p("| start to first `tools/list` answer, stdio (p50 / p99 of %d) | %s / %s |\n", st.Server.N, ms(st.Server.P50), ms(st.Server.P99))
		p("| start and exit of the same binary (`version`, p50) | %s |\n", ms(st.Exec.P50))
		if st.HasPeer {
			p("| peer: start to first `tools/list` answer (p50) | %s |\n", ms(st.Peer.P50))
		}
		p("| `tools/list` result size | %d bytes |\n", st.ToolsListBytes)
	}
	if m := r.Memory; m != nil {
		p("| idle RSS (HTTP, after one tools/list) | %s |\n", mb(m.IdleRSS))
		p("| RSS with %d idle HTTP sessions | %s (%s per 100) |\n", m.Sessions, mb(m.SessionsRSS), mb(m.PerHundred))
	}
	if h := r.Huge; h != nil {
		p("| `fortios_proxy` GET of %d addresses (~%s of JSON, gzipped on the wire), cut to the %d KiB cap | took %s; result %d bytes, truncated %v |\n",
			h.Entries, mb(h.ReplyBytes), h.Cap>>10, ms(h.Took), h.ResultBytes, h.Truncated)
		p("| RSS before it / peak during it / growth | %s / %s / %s (%.1f× the cap) |\n", mb(h.RSSBefore), mb(h.PeakRSS), mb(h.Growth), float64(h.Growth)/float64(h.Cap))
	}
}

// Bound is how much worse than the baseline a ratio may get before CI fails: machines differ
// and runs are noisy, so only a clear regression trips it.
const Bound = 1.5

// LoadBound is Bound for the throughput ratio, the noisiest: the server and the direct baseline
// react differently to anything else on the machine (runs on one idle machine gave 0.20-0.34).
const LoadBound = 2.0

// Check compares the run's ratios with a baseline file (a Report's JSON, or just its Ratios).
func (r *Report) Check(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var base struct{ Ratios Ratios }
	if err := json.Unmarshal(b, &base); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var errs []error
	worse := func(name string, got, was float64, higherIsBetter bool) {
		if was == 0 || got == 0 {
			return
		}
		bound := Bound
		if name == "server_over_direct_load" {
			bound = LoadBound
		}
		if higherIsBetter && got*bound < was || !higherIsBetter && got > was*bound {
			errs = append(errs, fmt.Errorf("%s: %.2f, baseline %.2f (more than ×%.1f worse)", name, got, was, bound))
		}
	}
	g, w := r.Ratios, base.Ratios
	worse("stdio_over_direct", g.StdioOverDirect, w.StdioOverDirect, false)
	worse("http_over_direct", g.HTTPOverDirect, w.HTTPOverDirect, false)
	worse("peer_stdio_over_ours", g.PeerStdioOverOurs, w.PeerStdioOverOurs, true)
	worse("peer_http_over_ours", g.PeerHTTPOverOurs, w.PeerHTTPOverOurs, true)
	worse("server_over_direct_load", g.ServerOverDirectLoad, w.ServerOverDirectLoad, true)
	worse("startup_over_exec", g.StartupOverExec, w.StartupOverExec, false)
	return errors.Join(errs...)
}
