// Scarce upstream resources: a simulated run of the real server against the emulator on a manual
// clock, counting from the emulator's own records what it spent of the things FortiCloud rations
// (IAM grants, FortiAnalyzer sessions and search slots, SOCaaS writes) against what the calls
// needed.

package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortianalyzer"
	"github.com/forticloud-mcp/forticloud-mcp/internal/mcpserver"
)

// ScarceOptions shape a Scarce run. Zero values take the defaults.
type ScarceOptions struct {
	// Duration is the simulated time the run covers (default 10 min).
	Duration time.Duration
	// TokenLifetime is the expires_in the emulator grants every client_id (default 1 min).
	TokenLifetime time.Duration
	// Workers is how many MCP sessions call tools at once (default 32).
	Workers int
	// Step is how far simulated time moves per tick (default 5 s).
	Step time.Duration
	// CallsPerTick is how many tool calls each worker makes, one after another, at each lockstep
	// tick (default 2).
	CallsPerTick int
	// FAZMaxSessions is the server's FORTIANALYZER_MAX_SESSIONS (default 4, so that concurrent
	// calls may open more than one session).
	FAZMaxSessions int
	// FAZSearchPolls is how many polls a log search takes to finish (default 3, the emulator's).
	// The server waits 200 ms of real time before the second poll, 400 ms before the third.
	FAZSearchPolls int
	// SOCaaSReadsPerMinute caps socaas_query calls per simulated minute (default 90: SOCaaS
	// allows 100 GETs a minute and 1000 an hour per address, forticloud-api.md §5.1).
	SOCaaSReadsPerMinute int
	// SOCaaSWritesPerMinute is how many socaas_add_comment calls run per simulated minute
	// (default 4, under SOCaaS's 5 POSTs a minute and 60 an hour; negative: none).
	SOCaaSWritesPerMinute int
	// Overlap lets calls straddle ticks: workers call without pause while the clock moves on
	// once every call started two ticks ago has finished (so a call spans at most one step).
	// Requests are then in flight when a token is renewed, which lockstep ticks never show; the
	// figures are no longer exact, but every grant must still wait its turn and no request may
	// be refused. Default: lockstep.
	Overlap bool
	// Latency is a real-time delay the emulator adds before answering each request, as a network
	// round trip would: with Overlap, it keeps requests on their way while a token is renewed.
	Latency time.Duration
	// Logger receives the server's and the emulator's logs (default: discarded).
	Logger *slog.Logger
}

func (o *ScarceOptions) defaults() {
	if o.Duration <= 0 {
		o.Duration = 10 * time.Minute
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = time.Minute
	}
	if o.Workers <= 0 {
		o.Workers = 32
	}
	if o.Step <= 0 {
		o.Step = 5 * time.Second
	}
	if o.CallsPerTick <= 0 {
		o.CallsPerTick = 2
	}
	if o.FAZMaxSessions <= 0 {
		o.FAZMaxSessions = 4
	}
	if o.FAZSearchPolls <= 0 {
		o.FAZSearchPolls = 3
	}
	if o.SOCaaSReadsPerMinute <= 0 {
		o.SOCaaSReadsPerMinute = 90
	}
	if o.SOCaaSWritesPerMinute == 0 {
		o.SOCaaSWritesPerMinute = 4
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// ScarceClientIDs are the IAM client_ids the server uses, one token each (forticloud-api.md §1.4).
var ScarceClientIDs = []string{"fortigatecloud", "flexvm", "FortiAnalyzer", "socaas"}

// SOCaaS's per-address quotas (forticloud-api.md §5.1 [3p]; the emulator's defaults).
const (
	socGetPerMinute, socGetPerHour   = 100, 1000
	socPostPerMinute, socPostPerHour = 5, 60
)

// scarceEmulatorSearches is the emulator's search-task cap per API user, set explicitly so that
// the report can name it.
const scarceEmulatorSearches = 8

// ClientGrants is what one client_id's token cost.
type ClientGrants struct {
	ClientID          string
	Password, Refresh int // successful grants the emulator issued
	// Needed is the fewest grants that serve every upstream request made with this client_id's
	// token (at the simulated times the emulator recorded them), when a token is reused until it
	// is due for early renewal: from the first need, a new grant at the first need at or after
	// issue + ReuseFor. For FortiAnalyzer only the session logins use the token. Exact in
	// lockstep; with Overlap a request may reach the emulator a step after its token was chosen.
	Needed int
	// EveryTick is true when the token was needed at every tick; then (in lockstep) Needed must
	// equal 1 + floor(Duration / RenewEvery) (ScarceReport.Continuous).
	EveryTick bool
	NeedTimes int // distinct simulated times the token was needed
	// MinGap is the shortest simulated time between two successive grants (0 with one grant):
	// at least ScarceReport.MinGap when no token is renewed before it is due.
	MinGap time.Duration
}

// Grants is Password + Refresh.
func (c ClientGrants) Grants() int { return c.Password + c.Refresh }

// ScarceReport is what a Scarce run spent and what it needed.
type ScarceReport struct {
	Options ScarceOptions
	Ticks   int // simulated times the workers called at: 0, Step, ..., Duration
	// ReuseFor is how long the server uses a token before renewing it: TokenLifetime less
	// min(auth.DefaultEarlyRefresh, TokenLifetime/4) (auth.Options.EarlyRefresh).
	ReuseFor time.Duration
	// RenewEvery is ReuseFor rounded up to whole steps: renewal happens at the first tick at or
	// after it.
	RenewEvery time.Duration
	Grants     []ClientGrants // in ScarceClientIDs order
	// Unauthorized counts the upstream requests refused with 401 per service: requests sent with
	// a token that had expired or been replaced, each one sent again.
	Unauthorized map[string]int

	FAZLogins, FAZLogouts int
	FAZLoginTimes         []time.Duration // simulated offsets of the session logins
	FAZPeakSessions       int             // sessions held at once: the sessions the load needed
	FAZMaxSessions        int             // the server's cap (FORTIANALYZER_MAX_SESSIONS)
	FAZLoginMax           int             // the API user's login-max
	FAZPeakSearches       int             // live search tasks at once
	FAZSearchLimit        int             // the server's own cap (fortianalyzer.SearchSlots)
	FAZEmulatorSearches   int             // the emulator's slots per API user
	FAZCancelledSearches  int             // searches abandoned and cancelled
	FAZSearches           int             // faz_log_search calls that succeeded

	SOCaaSWriteCalls   int // socaas_add_comment calls that succeeded: one POST each
	SOCaaSPosts        int // POSTs SOCaaS accepted
	SOCaaSPostRequests int // POST requests that reached SOCaaS, refused ones included
	SOCaaSReads        int // socaas_query calls that succeeded: one GET each
	SOCaaSRateLimited  int // 429s SOCaaS sent

	Calls, Failures int
	ByTool          map[string]int // calls per tool
	FailureSamples  []string       // the first few failures
	Requests        int            // upstream requests the emulator received
	Elapsed         time.Duration  // real time the run took
}

// Continuous is the expected grants of a client_id needed at every tick: the first at 0, then
// one each RenewEvery.
func (r *ScarceReport) Continuous() int {
	return 1 + int(r.Options.Duration/r.RenewEvery)
}

// MaxGrants is the most grants one client_id may need: one at 0, then one per ReuseFor.
func (r *ScarceReport) MaxGrants() int {
	return 1 + int(r.Options.Duration/r.ReuseFor)
}

// MinGap is the closest two grants of one client_id may be, as the emulator recorded them:
// ReuseFor, less a step with Overlap, where the clock may move on while a grant is on its way
// (the server counts a token's life from when it asked, the emulator from when it answered).
func (r *ScarceReport) MinGap() time.Duration {
	if r.Options.Overlap {
		return max(0, r.ReuseFor-r.Options.Step)
	}
	return r.ReuseFor
}

// Scarce runs the server in process against the emulator for o.Duration of simulated time and
// counts what it spent. By default ticks run in lockstep: at each tick every worker makes its
// calls at the same simulated time, then the clock moves on once all are back. So every call
// sees one simulated time (the expectations are exact), and at each renewal tick all the workers
// reach the token that is due at once, which is when duplicate grants would happen. With
// o.Overlap, calls straddle ticks instead.
func Scarce(ctx context.Context, o ScarceOptions) (*ScarceReport, error) {
	o.defaults()
	started := time.Now()
	clock := emulator.NewManualClock(time.Now().Truncate(time.Second))
	t0 := clock.Now()
	ttl := map[string]time.Duration{}
	for _, id := range ScarceClientIDs {
		ttl[id] = o.TokenLifetime
	}
	em := emulator.New(emulator.Options{Clock: clock, TokenTTL: ttl, Logger: o.Logger.With("component", "emulator"),
		FAZLoginMax: auth.LoginMax, FAZSearchPolls: o.FAZSearchPolls, FAZMaxSearches: scarceEmulatorSearches,
		MaxRecords: 1 << 22})
	base, err := em.Start("127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: starting the emulator: %w", err)
	}
	defer em.Close()
	if o.Latency > 0 {
		em.InjectFault(emulator.Fault{Latency: o.Latency})
	}
	mix, err := scarceMix(em)
	if err != nil {
		return nil, err
	}

	stateDir, err := os.MkdirTemp("", "forticloud-mcp-scarce-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(stateDir)
	cfg := scarceConfig(base, stateDir, o.FAZMaxSessions)
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bench: configuration: %w", err)
	}
	srv, err := mcpserver.New(&cfg, o.Logger, mcpserver.WithClock(clock.Now))
	if err != nil {
		return nil, fmt.Errorf("bench: starting the server: %w", err)
	}
	hs := httptest.NewServer(srv.HTTPHandler(mcpserver.HTTPOptions{}))
	serverClosed := false
	closeServer := func() error {
		if serverClosed {
			return nil
		}
		serverClosed = true
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		err := srv.Close(cctx) // logs the FortiAnalyzer sessions out
		hs.Close()
		return err
	}
	defer closeServer()

	tr := &http.Transport{MaxIdleConns: 4 * o.Workers, MaxIdleConnsPerHost: 4 * o.Workers, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	sessions := make([]*mcp.ClientSession, o.Workers)
	defer func() {
		for _, s := range sessions {
			if s != nil {
				_ = s.Close()
			}
		}
	}()
	cl := mcp.NewClient(&mcp.Implementation{Name: "forticloud-mcp-scarce", Version: "1"}, nil)
	var connect errgroupLite
	for i := range sessions {
		connect.Go(func() error {
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			s, err := cl.Connect(cctx, &mcp.StreamableClientTransport{Endpoint: hs.URL + mcpserver.EndpointPath, HTTPClient: hc, MaxRetries: -1}, nil)
			if err != nil {
				return fmt.Errorf("bench: connecting worker %d: %w", i, err)
			}
			sessions[i] = s
			return nil
		})
	}
	if err := connect.Wait(); err != nil {
		return nil, err
	}

	rep := &ScarceReport{Options: o, ByTool: map[string]int{}, Unauthorized: map[string]int{}, FAZMaxSessions: o.FAZMaxSessions,
		FAZLoginMax: auth.LoginMax, FAZSearchLimit: fortianalyzer.SearchSlots, FAZEmulatorSearches: scarceEmulatorSearches}
	rep.ReuseFor = o.TokenLifetime - min(auth.DefaultEarlyRefresh, o.TokenLifetime/4)
	rep.RenewEvery = o.Step * ((rep.ReuseFor + o.Step - 1) / o.Step)
	rep.Ticks = int(o.Duration/o.Step) + 1
	if time.Duration(rep.Ticks-1)*o.Step != o.Duration {
		return nil, fmt.Errorf("bench: the step %v does not divide the duration %v", o.Step, o.Duration)
	}

	var (
		mu       sync.Mutex
		calls    atomic.Int64
		failures atomic.Int64
		writes   atomic.Int64
		reads    atomic.Int64
		searches atomic.Int64
	)
	call := func(s *mcp.ClientSession, c scarceCall) {
		calls.Add(1)
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		res, err := s.CallTool(cctx, &mcp.CallToolParams{Name: c.tool, Arguments: c.args})
		msg := ""
		switch {
		case err != nil:
			msg = err.Error()
		case res.IsError:
			for _, ct := range res.Content {
				if tc, ok := ct.(*mcp.TextContent); ok {
					msg += tc.Text
				}
			}
			msg = "tool error: " + msg
		}
		mu.Lock()
		rep.ByTool[c.tool]++
		if msg != "" && len(rep.FailureSamples) < 5 {
			rep.FailureSamples = append(rep.FailureSamples, fmt.Sprintf("%s at +%v: %.300s", c.tool, clock.Now().Sub(t0), msg))
		}
		mu.Unlock()
		if msg != "" {
			failures.Add(1)
			return
		}
		switch c.tool {
		case "socaas_add_comment":
			writes.Add(1)
		case "socaas_query":
			reads.Add(1)
		case "faz_log_search":
			searches.Add(1)
		}
	}

	d := &scarceDispatch{mix: mix, t0: t0, step: o.Step, readRate: o.SOCaaSReadsPerMinute, writeRate: o.SOCaaSWritesPerMinute,
		reads: &scarceQuota{perMin: socGetPerMinute, perHour: socGetPerHour}, writes: &scarceQuota{perMin: socPostPerMinute, perHour: socPostPerHour}}
	var runErr error
	if o.Overlap {
		// A SOCaaS request reaches the emulator up to a step after it was counted.
		d.lag = o.Step
		runErr = runOverlap(ctx, o, rep.Ticks, clock, d, sessions, call)
	} else {
		runErr = runLockstep(ctx, o, rep.Ticks, clock, d, sessions, call)
	}
	for i, s := range sessions {
		if s != nil {
			_ = s.Close()
			sessions[i] = nil
		}
	}
	closeErr := closeServer()
	if runErr != nil {
		return nil, runErr
	}
	if closeErr != nil {
		return nil, fmt.Errorf("bench: closing the server: %w", closeErr)
	}

	rep.Calls, rep.Failures = int(calls.Load()), int(failures.Load())
	rep.SOCaaSWriteCalls, rep.SOCaaSReads, rep.FAZSearches = int(writes.Load()), int(reads.Load()), int(searches.Load())
	records := em.Requests()
	rep.Requests = em.RequestCount()
	if len(records) != rep.Requests {
		return nil, fmt.Errorf("bench: the emulator kept %d of %d request records; raise MaxRecords", len(records), rep.Requests)
	}
	needs, grants := map[string][]time.Time{}, map[string][]time.Time{}
	for _, r := range records {
		login := r.Service == "fortianalyzer" && strings.HasPrefix(r.Path, "/p/forticloud_jsonrpc_login")
		switch {
		case r.Service == "socaas" && r.Method == http.MethodPost:
			rep.SOCaaSPostRequests++
		case login:
			rep.FAZLoginTimes = append(rep.FAZLoginTimes, r.Time.Sub(t0))
		case r.Service == "iam" && r.Path == auth.TokenPath && r.Status == http.StatusOK:
			grants[r.ClientID] = append(grants[r.ClientID], r.Time)
		}
		if r.Status == http.StatusUnauthorized {
			rep.Unauthorized[r.Service]++
		}
		// A FortiAnalyzer session outlives the token it was opened with: only logins need one.
		if r.Service == "iam" || r.ClientID == "" || (r.ClientID == "FortiAnalyzer" && !login) {
			continue
		}
		needs[r.ClientID] = append(needs[r.ClientID], r.Time)
	}
	for _, id := range ScarceClientIDs {
		times := needs[id]
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		times = slices.Compact(times)
		g := ClientGrants{ClientID: id, Password: em.PasswordGrants(id), Refresh: em.RefreshGrants(id),
			Needed: neededGrants(times, rep.ReuseFor), EveryTick: len(times) == rep.Ticks, NeedTimes: len(times)}
		gt := grants[id]
		slices.SortFunc(gt, func(a, b time.Time) int { return a.Compare(b) })
		for i := 1; i < len(gt); i++ {
			if gap := gt[i].Sub(gt[i-1]); i == 1 || gap < g.MinGap {
				g.MinGap = gap
			}
		}
		rep.Grants = append(rep.Grants, g)
	}
	rep.FAZLogins, rep.FAZLogouts, rep.FAZPeakSessions = em.FAZLogins(), em.FAZLogouts(), em.FAZPeakSessions()
	rep.FAZPeakSearches, rep.FAZCancelledSearches = em.FAZPeakSearches(), em.FAZCancelledSearches()
	rep.SOCaaSPosts, rep.SOCaaSRateLimited = em.SOCaaSPosts(), em.SOCaaSRateLimited()
	rep.Elapsed = time.Since(started)
	return rep, nil
}

// runLockstep makes each worker's CallsPerTick calls at every tick, all at one simulated time,
// and moves the clock on only when every call of the tick is back.
func runLockstep(ctx context.Context, o ScarceOptions, ticks int, clock *emulator.ManualClock, d *scarceDispatch,
	sessions []*mcp.ClientSession, call func(*mcp.ClientSession, scarceCall)) error {
	var tick sync.WaitGroup
	for k := range ticks {
		if err := ctx.Err(); err != nil {
			return err
		}
		if k > 0 {
			clock.Advance(o.Step)
		}
		now := clock.Now()
		tick.Add(len(sessions))
		for _, s := range sessions {
			go func() {
				defer tick.Done()
				for range o.CallsPerTick {
					call(s, d.next(now))
				}
			}()
		}
		tick.Wait()
	}
	return nil
}

// runOverlap lets every worker call without pause and moves the clock a step at a time, each
// time once the calls started before the previous step have finished: so calls are in flight
// across every step (a token renewal lands among them), yet none spans more than one step.
// Log searches are not waited for: they need no token once their session is open, and their
// real-time polling would set the pace.
func runOverlap(ctx context.Context, o ScarceOptions, ticks int, clock *emulator.ManualClock, d *scarceDispatch,
	sessions []*mcp.ClientSession, call func(*mcp.ClientSession, scarceCall)) error {
	ep := &scarceEpochs{inFlight: map[int]int{}}
	ep.cond = sync.NewCond(&ep.mu)
	var stop atomic.Bool
	var workers sync.WaitGroup
	for _, s := range sessions {
		workers.Go(func() {
			for !stop.Load() && ctx.Err() == nil {
				e := ep.start()
				c := d.next(clock.Now())
				if c.tool == "faz_log_search" {
					ep.done(e)
					call(s, c)
					continue
				}
				call(s, c)
				ep.done(e)
			}
		})
	}
	for k := 1; k < ticks && ctx.Err() == nil; k++ {
		time.Sleep(time.Millisecond) // let calls of the new tick start
		ep.waitBefore(k - 1)
		ep.advance(clock, o.Step)
	}
	time.Sleep(time.Millisecond)
	stop.Store(true)
	workers.Wait()
	return ctx.Err()
}

// scarceEpochs tracks the calls in flight by the tick they started at.
type scarceEpochs struct {
	mu       sync.Mutex
	cond     *sync.Cond
	cur      int
	inFlight map[int]int
}

func (p *scarceEpochs) start() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight[p.cur]++
	return p.cur
}

func (p *scarceEpochs) done(e int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.inFlight[e]--; p.inFlight[e] == 0 {
		delete(p.inFlight, e)
		p.cond.Broadcast()
	}
}

// waitBefore waits until no call started before tick e is in flight.
func (p *scarceEpochs) waitBefore(e int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		busy := false
		for k := range p.inFlight {
			busy = busy || k < e
		}
		if !busy {
			return
		}
		p.cond.Wait()
	}
}

// advance moves the clock and the tick together: a call registered at tick k reads the clock
// after registering, so it sees tick k's time or a later one, never an earlier.
func (p *scarceEpochs) advance(clock *emulator.ManualClock, step time.Duration) {
	p.mu.Lock()
	clock.Advance(step)
	p.cur++
	p.mu.Unlock()
}

// neededGrants counts the grants a cache that reuses each token for reuse needs to cover the
// sorted times.
func neededGrants(times []time.Time, reuse time.Duration) int {
	n := 0
	var issued time.Time
	for _, t := range times {
		if n == 0 || !t.Before(issued.Add(reuse)) {
			n++
			issued = t
		}
	}
	return n
}

// scarceConfig is the sandbox's configuration (cmd/forticloud-mcp sandboxConfig: every service
// on the emulator with the demo API user), set field by field so that no FORTICLOUD_* variable of
// the machine running the benchmark leaks in. Writes run unapproved: the SOCaaS comments are the
// benchmark's own, and nobody is there to approve them.
func scarceConfig(base, stateDir string, fazSessions int) config.Config {
	var cfg config.Config
	cfg.AuthURL = base
	cfg.Username = emulator.DemoAPIUsername
	cfg.Password = config.Secret(emulator.DemoAPIPassword)
	cfg.FortiGateCloud = config.FortiGateCloudConfig{Region: "global", URL: base, LegacyAuthURL: base}
	cfg.Flex = config.FlexConfig{URL: base}
	cfg.Analyzer = config.AnalyzerConfig{URL: base, SearchTimeout: 2 * time.Minute, MaxSessions: fazSessions}
	cfg.SOCaaS = config.SOCaaSConfig{URL: base}
	cfg.Approval = "none"
	cfg.ApprovalTTL = 10 * time.Minute
	cfg.ApprovalsListen = "off"
	cfg.StateDir = stateDir
	cfg.Toolsets = []string{"all"}
	cfg.ToolTimeout = 5 * time.Minute
	cfg.UpstreamTimeout = 30 * time.Second
	cfg.BreakerThreshold = 5
	cfg.BreakerCooldown = 30 * time.Second
	cfg.MaxResultBytes = 64 << 10
	return cfg
}

type scarceCall struct {
	tool string
	args map[string]any
}

// scarceMix is the read mix: every read tool, on the demo world's live devices and objects.
func scarceMix(em *emulator.Emulator) ([]scarceCall, error) {
	var live []string
	for _, d := range em.Devices() {
		if d.TunnelAlive && d.Management {
			live = append(live, d.SN)
		}
	}
	if len(live) < 2 {
		return nil, fmt.Errorf("bench: the demo fleet has %d reachable devices, want 2", len(live))
	}
	return []scarceCall{
		{"list_devices", map[string]any{"limit": 10}},
		{"faz_log_search", map[string]any{"filter": "srcip==" + emulator.DemoFAZDeniedSrcIP + " and action==deny", "limit": 20}},
		{"fortios_proxy", map[string]any{"serial": live[0], "path": "/api/v2/monitor/system/status"}},
		{"flex_list_programs", nil},
		{"faz_jsonrpc", map[string]any{"method": "get", "url": "/sys/status"}},
		{"socaas_query", map[string]any{"resource": "alerts", "limit": 5}},
		{"flex_list_entitlements", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "limit": 10}},
		{"faz_jsonrpc", map[string]any{"method": "get", "url": "/dvmdb/adom/root/device"}},
		{"fortios_proxy", map[string]any{"serial": live[1], "path": "/api/v2/monitor/system/resource/usage"}},
		{"socaas_query", map[string]any{"resource": "alert", "id": emulator.DemoSOCaaSAlertUUID}},
	}, nil
}

// scarceFallback replaces a socaas_query over the SOCaaS read quota.
var scarceFallback = []scarceCall{
	{"list_devices", map[string]any{"limit": 5, "offset": 5}},
	{"flex_list_programs", nil},
	{"faz_jsonrpc", map[string]any{"method": "get", "url": "/sys/status"}},
}

// scarceDispatch hands out the next call: SOCaaS comments at their fair share of
// writeRate per minute, otherwise the mix in turn (so that every tick reaches every service),
// with socaas_query kept to its fair share of readRate per minute. Both stay inside SOCaaS's
// quotas.
type scarceDispatch struct {
	mu                  sync.Mutex
	mix                 []scarceCall
	i                   int
	t0                  time.Time
	step                time.Duration
	lag                 time.Duration // how long after it is counted a request may reach SOCaaS
	readRate, writeRate int
	reads, writes       *scarceQuota
	nReads, nWrites     int
}

func (d *scarceDispatch) next(now time.Time) scarceCall {
	d.mu.Lock()
	defer d.mu.Unlock()
	elapsed := now.Sub(d.t0)
	if d.writeRate > 0 && d.nWrites < fairShare(elapsed, d.step, d.writeRate) && d.writes.take(now, d.lag) {
		d.nWrites++
		return scarceCall{"socaas_add_comment", map[string]any{"alert_id": emulator.DemoSOCaaSAlertUUID,
			"content": fmt.Sprintf("forticloud-mcp scarce-resource benchmark, comment %d at +%v", d.nWrites, elapsed)}}
	}
	c := d.mix[d.i%len(d.mix)]
	d.i++
	if c.tool == "socaas_query" {
		if d.nReads < fairShare(elapsed, d.step, d.readRate) && d.reads.take(now, d.lag) {
			d.nReads++
		} else {
			c = scarceFallback[d.i%len(scarceFallback)]
		}
	}
	return c
}

// fairShare is how many of perMinute calls may have started by the end of the tick at elapsed:
// floor((elapsed + step) · perMinute / 1 min), so that they spread evenly over the ticks.
func fairShare(elapsed, step time.Duration, perMinute int) int {
	return int(int64(elapsed+step) * int64(perMinute) / int64(time.Minute))
}

// scarceQuota mirrors SOCaaS's sliding per-minute and per-hour windows (the emulator counts a
// request against every window it falls in), so that the benchmark never sends what it would
// refuse: a 429 would cost real-time waits and say nothing about waste.
type scarceQuota struct {
	perMin, perHour int
	hits            []time.Time
}

// take admits one request at now if both windows have room. The request is recorded lag later,
// as late as it may reach SOCaaS, so that it stays in the windows at least as long as there.
func (q *scarceQuota) take(now time.Time, lag time.Duration) bool {
	i := 0
	for i < len(q.hits) && !now.Before(q.hits[i].Add(time.Hour)) {
		i++
	}
	q.hits = q.hits[i:]
	inMin := 0
	for _, h := range q.hits {
		if now.Before(h.Add(time.Minute)) {
			inMin++
		}
	}
	if inMin >= q.perMin || len(q.hits) >= q.perHour {
		return false
	}
	q.hits = append(q.hits, now.Add(lag))
	return true
}

// errgroupLite runs functions and keeps the first error (x/sync/errgroup without the import).
type errgroupLite struct {
	wg   sync.WaitGroup
	mu   sync.Mutex
	errs []error
}

func (g *errgroupLite) Go(f func() error) {
	g.wg.Go(func() {
		if err := f(); err != nil {
			g.mu.Lock()
			g.errs = append(g.errs, err)
			g.mu.Unlock()
		}
	})
}

func (g *errgroupLite) Wait() error {
	g.wg.Wait()
	return errors.Join(g.errs...)
}

// Table is the report as a markdown table (header and rows) for the docs.
func (r *ScarceReport) Table() string {
	var b strings.Builder
	o := r.Options
	row := func(what, spent, needed string) { fmt.Fprintf(&b, "| %s | %s | %s |\n", what, spent, needed) }
	b.WriteString("| scarce resource | spent | needed |\n|---|---|---|\n")
	for _, g := range r.Grants {
		spent := fmt.Sprintf("%d (%d password + %d refresh)", g.Grants(), g.Password, g.Refresh)
		var needed string
		switch {
		case o.Overlap:
			closest := "one grant"
			if g.Grants() > 1 {
				closest = "closest: " + g.MinGap.String()
			}
			needed = fmt.Sprintf("≤ %d = 1 + ⌊%v / %v⌋, successive grants at least %v apart (%s; a grant may arrive a step after it was asked for)",
				r.MaxGrants(), o.Duration, r.ReuseFor, r.MinGap(), closest)
		case g.EveryTick:
			needed = fmt.Sprintf("%d = 1 + ⌊%v / %v⌋ (used at every tick; reused %v = %v − min(%v, %v/4), renewed at the first tick after)",
				g.Needed, o.Duration, r.RenewEvery, r.ReuseFor, o.TokenLifetime, auth.DefaultEarlyRefresh, o.TokenLifetime)
		case g.ClientID == "FortiAnalyzer":
			needed = fmt.Sprintf("%d (the token only opens sessions: logins at %s)", g.Needed, offsets(r.FAZLoginTimes))
		default:
			needed = fmt.Sprintf("%d (used at %d of %d ticks)", g.Needed, g.NeedTimes, r.Ticks)
		}
		row(fmt.Sprintf("IAM grants, client_id `%s`", g.ClientID), spent, needed)
	}
	var refused []string
	for _, svc := range slices.Sorted(maps.Keys(r.Unauthorized)) {
		refused = append(refused, fmt.Sprintf("%s %d", svc, r.Unauthorized[svc]))
	}
	row("upstream requests refused with 401 (each sent again)", cmp.Or(strings.Join(refused, ", "), "0"), "0 (every request carried a live token)")
	row("FortiAnalyzer logins", fmt.Sprint(r.FAZLogins), fmt.Sprintf("%d (sessions held at once; none idles out, so one login each)", r.FAZPeakSessions))
	row("FortiAnalyzer sessions at once (peak)", fmt.Sprint(r.FAZPeakSessions), fmt.Sprintf("≤ %d (FORTIANALYZER_MAX_SESSIONS) ≤ %d (login-max)", r.FAZMaxSessions, r.FAZLoginMax))
	row("FortiAnalyzer logouts at shutdown", fmt.Sprint(r.FAZLogouts), fmt.Sprintf("%d (every session)", r.FAZLogins))
	row("FortiAnalyzer search tasks at once (peak)", fmt.Sprint(r.FAZPeakSearches),
		fmt.Sprintf("≤ %d (the server's cap; the emulator allows %d) over %d searches", r.FAZSearchLimit, r.FAZEmulatorSearches, r.FAZSearches))
	row("FortiAnalyzer searches abandoned (cancelled)", fmt.Sprint(r.FAZCancelledSearches), "0")
	row("SOCaaS POSTs", fmt.Sprintf("%d accepted, %d sent", r.SOCaaSPosts, r.SOCaaSPostRequests), fmt.Sprintf("%d (socaas_add_comment calls)", r.SOCaaSWriteCalls))
	row("SOCaaS 429s", fmt.Sprint(r.SOCaaSRateLimited), fmt.Sprintf("0 (%d reads and %d writes kept under 100 GETs and 5 POSTs a minute)", r.SOCaaSReads, r.SOCaaSWriteCalls))
	pace := fmt.Sprintf("%d calls each per tick", o.CallsPerTick)
	if o.Overlap {
		pace = fmt.Sprintf("calling across ticks, %v upstream latency", o.Latency)
	}
	row("tool calls / failures", fmt.Sprintf("%d / %d", r.Calls, r.Failures),
		fmt.Sprintf("0 failures (%d workers, %s, %d ticks of %v: %v simulated in %v real)",
			o.Workers, pace, r.Ticks, o.Step, o.Duration, r.Elapsed.Round(100*time.Millisecond)))
	return b.String()
}

func offsets(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = "+" + d.String()
	}
	return strings.Join(parts, ", ")
}
