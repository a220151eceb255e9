// Package emulator is a stateful fake of Fortinet's cloud APIs (the FortiCloud
// IAM OAuth server, FortiGate Cloud and the FortiOS REST API behind its proxy,
// FortiFlex v2, FortiAnalyzer Cloud JSON-RPC, SOCaaS) served on real sockets, with
// fault injection and request records.
//
// It follows the project's reference, /work/shared/forticloud-api.md and
// fortios-and-faz-data.md; comments cite their sections ("forticloud-api.md
// §1.5") and mark inferred behaviour "[inf]". It must reject what the real
// services reject, so it is a test of the product's clients, not a mirror of
// them. End-to-end tests and `forticloud-mcp serve --sandbox` use it.
//
// Layout: emulator.go (options, routing, lifecycle), records.go, faults.go,
// clock.go, respond.go (shared envelopes); one file per service (iam.go,
// fortigatecloud.go, fortios*.go, fortiflex*.go, fortianalyzer*.go, socaas*.go);
// identity.go (users, tokens, lock-out); device.go; seed_*.go (the demo
// world).
package emulator

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Service names, as used in Request.Service and Fault.Service.
const (
	svcIAM            = "iam"
	svcFortiGateCloud = "fortigatecloud"
	svcFortiOS        = "fortios"
	svcFortiFlex      = "fortiflex"
	svcFortiAnalyzer  = "fortianalyzer"
	svcSOCaaS         = "socaas"
)

// Options configures an Emulator. The zero value is a demo world on real time.
type Options struct {
	Clock  Clock        // nil: real time
	Logger *slog.Logger // nil: discard
	// TokenTTL overrides expires_in per client_id. Missing entries use the
	// reference's values (forticloud-api.md §1.2): fortigatecloud 14400s,
	// flexvm 3660s, FortiAnalyzer 3600s, FortiManager 3600s, socaas 36000s,
	// others 3600s.
	TokenTTL map[string]time.Duration
	// RefreshTokenTTL is how long a refresh token stays usable (default 24h;
	// the reference gives no figure [inf]).
	RefreshTokenTTL  time.Duration
	LockoutThreshold int           // failed password grants before the account locks (default 5)
	LockoutDuration  time.Duration // default 15m (forticloud-api.md §1.5: 15–30 min)
	NoDemoData       bool          // true: start with no users, devices, FortiFlex or FortiAnalyzer data (tests add their own)
	MaxRecords       int           // request records kept (default 100000); RequestCount counts all
	// FlexVMsKey makes FortiFlex entitlement replies carry their data under
	// "vms" instead of "entitlements", the bug TF-FLEX works around
	// (forticloud-api.md §2.1). SetFlexVMsKey changes it at run time.
	FlexVMsKey bool

	// FortiAnalyzer Cloud (forticloud-api.md §4).

	// FAZLoginMax is how many sessions one API user may hold at once
	// (default 20, the login-max of fortinet-docs/fortianalyzer-cloud-api-users.txt).
	FAZLoginMax int
	// FAZSessionIdle ends a session after this long without a request
	// (default 30m [inf]; the reference does not know the timeout).
	FAZSessionIdle time.Duration
	// FAZSearchPolls is how many polls a log search or FortiView task takes
	// to reach 100 % (default 3).
	FAZSearchPolls int
	// FAZMaxSearches is how many live search tasks (tids) one API user may
	// hold (default 8 [inf]; §4.4 says only that slots run out).
	FAZMaxSearches int

	// SOCaaS (forticloud-api.md §5).

	// SOCaaSObjectErrors makes errorArr items {"code","desc","name"}
	// objects (SOAR-SOC's schema) instead of strings (SOC-REF), §5.1.
	SOCaaSObjectErrors bool
	// SOCaaSGetPerMinute and SOCaaSPostPerMinute are the per-source-IP
	// rate limits (§5.1 [3p]: GET 100/min and 1000/h, POST 5/min and
	// 60/h). 0 means the default; the hourly limit keeps the reference's
	// ratio (×10, ×12); negative means unlimited.
	SOCaaSGetPerMinute  int
	SOCaaSPostPerMinute int
}

// Emulator serves every emulated service on one handler.
type Emulator struct {
	clock Clock
	log   *slog.Logger
	opts  Options

	mu       sync.Mutex // guards the identity and device state below
	users    map[string]*APIUser
	legacy   map[legacyKey]string // → password
	lockouts map[string]*lockState
	tokens   tokenStore
	issued   []string // every token issued, for IssuedTokens
	devices  []*deviceState
	bySN     map[string]*deviceState

	flex       *flexStore // FortiFlex programs, configs, entitlements (own lock)
	flexVMsKey atomic.Bool

	faz *fazStore // FortiAnalyzer sessions, tasks, logs, alerts, incidents (own lock)

	soc *socStore // SOCaaS alerts, comments, files, service requests, rate limits (own lock)

	rec    *recorder
	faults faultSet

	handler http.Handler

	srvMu   sync.Mutex
	srv     *http.Server
	srvDone chan struct{}
}

// New builds an emulator. Unless opts.NoDemoData, it holds the demo world:
// the users and accounts of seed_users.go, the fleet of seed_fleet.go, the
// FortiFlex programs of seed_flex.go and the FortiAnalyzer logs, alerts and
// incidents of seed_faz*.go.
func New(opts Options) *Emulator {
	if opts.Clock == nil {
		opts.Clock = realClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.LockoutThreshold <= 0 {
		opts.LockoutThreshold = 5
	}
	if opts.LockoutDuration <= 0 {
		opts.LockoutDuration = 15 * time.Minute
	}
	if opts.RefreshTokenTTL <= 0 {
		opts.RefreshTokenTTL = 24 * time.Hour
	}
	e := &Emulator{
		clock:    opts.Clock,
		log:      opts.Logger,
		opts:     opts,
		users:    map[string]*APIUser{},
		legacy:   map[legacyKey]string{},
		lockouts: map[string]*lockState{},
		tokens:   newTokenStore(),
		bySN:     map[string]*deviceState{},
		rec:      newRecorder(opts.MaxRecords),
		flex:     newFlexStore(),
		faz:      newFAZStore(),
		soc:      newSOCStore(),
	}
	e.flexVMsKey.Store(opts.FlexVMsKey)
	e.handler = http.HandlerFunc(e.serve)
	if !opts.NoDemoData {
		e.seedDemoUsers()
		e.seedDemoFleet()
		e.seedDemoFlex()
		e.seedDemoFAZ()
		e.seedDemoSOCaaS() // after FortiAnalyzer: drawn from its logs and alerts
	}
	return e
}

// Handler returns every service on one handler (their paths do not clash).
func (e *Emulator) Handler() http.Handler { return e.handler }

// Start listens on addr (e.g. "127.0.0.1:0"; "" means that) and serves in the
// background. It returns the base URL, "http://127.0.0.1:PORT".
func (e *Emulator) Start(addr string) (baseURL string, err error) {
	e.srvMu.Lock()
	defer e.srvMu.Unlock()
	if e.srv != nil {
		return "", errors.New("emulator: already started")
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{
		Handler:           e.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("emulator stopped serving", "err", err)
		}
	}()
	e.srv, e.srvDone = srv, done
	host := ln.Addr().(*net.TCPAddr)
	if host.IP.IsUnspecified() {
		// A wildcard listen is reachable on loopback; "http://[::]:N" is not a usable URL.
		return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(host.Port)), nil
	}
	return "http://" + ln.Addr().String(), nil
}

// Close stops the server started by Start. It is safe to call more than once.
func (e *Emulator) Close() error {
	e.srvMu.Lock()
	srv, done := e.srv, e.srvDone
	e.srv, e.srvDone = nil, nil
	e.srvMu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Close()
	<-done
	return err
}

// route maps a path prefix to a service. Prefixes are matched in order, so
// more specific ones come first. Services added later (SOCaaS under
// /socaasAPI/) add their rows here.
type route struct {
	prefix  string
	service string
	handle  func(*Emulator, http.ResponseWriter, *http.Request)
}

var routes = []route{
	{"/api/v1/oauth", svcIAM, (*Emulator).serveIAM},
	{"/ES/api/", svcFortiFlex, (*Emulator).serveFortiFlex},
	{"/forticloudapi/v1/fgt/", svcFortiOS, (*Emulator).serveFortiOSProxy},
	{"/forticloudapi/", svcFortiGateCloud, (*Emulator).serveFortiGateCloud},
	{"/p/forticloud_jsonrpc_login", svcFortiAnalyzer, (*Emulator).serveFAZLogin},
	{"/jsonrpc", svcFortiAnalyzer, (*Emulator).serveFAZRPC},
	{"/socaasAPI/", svcSOCaaS, (*Emulator).serveSOCaaS},
}

func serviceFor(path string) *route {
	for i := range routes {
		if strings.HasPrefix(path, routes[i].prefix) {
			return &routes[i]
		}
	}
	return nil
}

// serve is the single entry point: classify, record, apply faults, route.
// It deliberately avoids http.ServeMux, which would clean ".." and "//" out of
// paths and redirect, hiding exactly the traversal attempts the FortiOS proxy
// must refuse (forticloud-api.md §3.3).
func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) {
	start := e.clock.Now()
	rt := serviceFor(r.URL.Path)
	service := ""
	if rt != nil {
		service = rt.service
	}
	r, note := withNote(r)
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		// Deferred so that a connection reset (which may abort the handler)
		// is still recorded.
		req := Request{Time: start, Service: service, Method: r.Method, Path: r.URL.Path,
			Status: sw.status, ClientID: note.clientID, User: note.user}
		e.rec.add(req)
		e.log.Debug("emulator request", "service", service, "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "client_id", note.clientID)
	}()

	if f, ok := e.faults.match(service, r); ok {
		if e.applyFault(sw, r, service, f) {
			return
		}
	}
	if rt == nil {
		notFoundPage(sw)
		return
	}
	rt.handle(e, sw, r)
}

// sleepCtx waits for d or until ctx ends; it reports whether d elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
