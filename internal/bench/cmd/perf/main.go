// Command perf runs forticloud-mcp's performance measurements in one run and prints them as
// the table docs/performance.md holds (and as JSON with -json). scripts/bench.sh runs it with the
// peer installed; with -check it compares the run's ratios with a committed baseline and fails
// on a clear regression (CI).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/bench"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

func main() {
	var o bench.Options
	flag.IntVar(&o.Rounds, "rounds", 10, "interleaved rounds for the overhead comparison")
	flag.IntVar(&o.PerRound, "per-round", 200, "calls per contender per round")
	flag.IntVar(&o.Sessions, "sessions", 64, "concurrent HTTP sessions for the throughput run")
	flag.DurationVar(&o.LoadFor, "load-for", 5*time.Second, "how long each throughput run lasts")
	flag.IntVar(&o.Starts, "starts", 20, "server starts timed")
	flag.IntVar(&o.IdleSessions, "idle-sessions", 1000, "idle HTTP sessions opened for the memory figure")
	flag.StringVar(&o.PeerDir, "peer", os.Getenv("FORTICLOUD_MCP_BENCH_PEER"), "directory where npm installed "+bench.PeerPackage)
	flag.IntVar(&o.HugeEntries, "huge", 70000, "firewall addresses in the huge FortiOS reply (0: skip)")
	flag.BoolVar(&o.Scarce, "scarce", true, "count scarce upstream resources over 10 simulated minutes (about 2.5 min)")
	only := flag.String("only", "", "comma-separated parts to run (startup,memory,overhead,load,huge); default all")
	serverBin := flag.String("server-binary", "", "measure this forticloud-mcp binary instead of building the working tree's (before/after comparisons)")
	jsonOut := flag.String("json", "", "also write the figures as JSON to this file")
	check := flag.String("check", "", "compare the ratios with this baseline JSON and fail on a clear regression")
	flag.Parse()
	if *only != "" {
		o.Only = strings.Split(*only, ",")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := os.MkdirTemp("", "forticloud-mcp-perf")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	bin := *serverBin
	if bin == "" {
		if bin, err = bench.Build(dir); err != nil {
			fail(err)
		}
	}
	w, err := bench.NewWorld(bin, dir, emulator.Options{})
	if err != nil {
		fail(err)
	}
	defer w.Close()
	rep, err := bench.Run(ctx, w, o, func(s string) { fmt.Fprintln(os.Stderr, "perf:", s) })
	if err != nil {
		fail(err)
	}
	fmt.Print(rep.Markdown())
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			fail(err)
		}
	}
	if *check != "" {
		if err := rep.Check(*check); err != nil {
			fmt.Fprintln(os.Stderr, "perf: REGRESSION:", err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "perf: ratios within the baseline's bounds")
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "perf:", err)
	os.Exit(1)
}
