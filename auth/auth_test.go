package auth

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// fakeIAM is a minimal OAuth token endpoint for unit tests (the full emulator is exercised by the
// end-to-end tests).
type fakeIAM struct {
	mu             sync.Mutex
	expiresIn      int
	password       string
	passwordGrants int
	refreshGrants  int
	refreshRefused bool
	delay          time.Duration
	lastRefresh    string
	issued         int
	contentTypes   []string
	clientIDs      []string
}

func (f *fakeIAM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != TokenPath {
		http.Error(w, "wrong path", http.StatusNotFound)
		return
	}
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.contentTypes = append(f.contentTypes, r.Header.Get("Content-Type"))
	f.clientIDs = append(f.clientIDs, r.PostForm.Get("client_id"))
	w.Header().Set("Content-Type", "application/json")
	switch r.PostForm.Get("grant_type") {
	case "password":
		f.passwordGrants++
		if r.PostForm.Get("password") != f.password {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_grant","error_description":"Invalid credentials given."}`)
			return
		}
	case "refresh_token":
		f.refreshGrants++
		if f.refreshRefused || r.PostForm.Get("refresh_token") != f.lastRefresh {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_grant","error_description":"Invalid refresh token."}`)
			return
		}
	default:
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.issued++
	f.lastRefresh = fmt.Sprintf("refresh-%d", f.issued)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": fmt.Sprintf("access-%d", f.issued), "expires_in": f.expiresIn,
		"refresh_token": f.lastRefresh, "token_type": "Bearer", "scope": "read write",
		"status": "success", "message": "successfully authenticated",
	})
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newTestSource(t *testing.T, iam *fakeIAM, password string) (*IAMSource, *fakeClock) {
	t.Helper()
	srv := httptest.NewServer(iam)
	t.Cleanup(srv.Close)
	clock := &fakeClock{now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	src := NewIAMSource(IAMConfig{BaseURL: srv.URL, ClientID: "fortigatecloud", Username: "API-USER", Password: password, HTTPClient: srv.Client()},
		Options{Now: clock.Now})
	return src, clock
}

func TestTokenCachedUntilEarlyRefreshThenRefreshGrant(t *testing.T) {
	iam := &fakeIAM{expiresIn: 3600, password: "pw"}
	src, clock := newTestSource(t, iam, "pw")
	ctx := context.Background()

	first, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		tok, err := src.Token(ctx)
		if err != nil || tok.AccessToken != first.AccessToken {
			t.Fatalf("cached token changed: %v %v", tok, err)
		}
	}
	// 3600 s token, refreshed 60 s early: still cached at +3539 s, renewed at +3541 s.
	clock.Advance(3539 * time.Second)
	if tok, _ := src.Token(ctx); tok.AccessToken != first.AccessToken {
		t.Fatalf("renewed too early")
	}
	clock.Advance(2 * time.Second)
	second, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if second.AccessToken == first.AccessToken {
		t.Fatal("token not renewed inside the early-refresh window")
	}
	if iam.passwordGrants != 1 || iam.refreshGrants != 1 {
		t.Fatalf("grants: password %d refresh %d, want 1 and 1", iam.passwordGrants, iam.refreshGrants)
	}
	if st := src.Stats(); st.PasswordGrants != 1 || st.RefreshGrants != 1 {
		t.Fatalf("stats %+v", st)
	}
	for i, ct := range iam.contentTypes {
		if ct != "application/x-www-form-urlencoded" || iam.clientIDs[i] != "fortigatecloud" {
			t.Fatalf("request %d: content type %q client_id %q", i, ct, iam.clientIDs[i])
		}
	}
}

func TestShortLivedTokenIsNotRenewedOnEveryCall(t *testing.T) {
	iam := &fakeIAM{expiresIn: 60, password: "pw"}
	src, clock := newTestSource(t, iam, "pw")
	ctx := context.Background()
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	// A 60 s token is renewed a quarter of its life early (45 s), not 60 s early (every call).
	clock.Advance(40 * time.Second)
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if iam.passwordGrants+iam.refreshGrants != 1 {
		t.Fatalf("grants %d+%d, want 1", iam.passwordGrants, iam.refreshGrants)
	}
}

func TestHonoursExpiresIn(t *testing.T) {
	for _, expiresIn := range []int{3600, 3660, 14400, 36000} {
		iam := &fakeIAM{expiresIn: expiresIn, password: "pw"}
		src, clock := newTestSource(t, iam, "pw")
		ctx := context.Background()
		if _, err := src.Token(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Duration(expiresIn-61) * time.Second)
		_, _ = src.Token(ctx)
		if iam.refreshGrants != 0 {
			t.Fatalf("expires_in %d: refreshed before the early window", expiresIn)
		}
		clock.Advance(2 * time.Second)
		_, _ = src.Token(ctx)
		if iam.refreshGrants != 1 {
			t.Fatalf("expires_in %d: not refreshed in the early window", expiresIn)
		}
	}
}

func TestRefreshFailureFallsBackToOnePasswordGrant(t *testing.T) {
	iam := &fakeIAM{expiresIn: 3600, password: "pw"}
	src, clock := newTestSource(t, iam, "pw")
	ctx := context.Background()
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	iam.mu.Lock()
	iam.refreshRefused = true
	iam.mu.Unlock()
	clock.Advance(time.Hour)
	if _, err := src.Token(ctx); err != nil {
		t.Fatalf("fallback to password grant failed: %v", err)
	}
	if iam.refreshGrants != 1 || iam.passwordGrants != 2 {
		t.Fatalf("grants: refresh %d password %d, want 1 and 2", iam.refreshGrants, iam.passwordGrants)
	}
}

func TestConcurrentCallersShareOneLogin(t *testing.T) {
	iam := &fakeIAM{expiresIn: 3600, password: "pw", delay: 50 * time.Millisecond}
	src, _ := newTestSource(t, iam, "pw")
	var wg sync.WaitGroup
	tokens := make([]string, 50)
	errs := make([]error, 50)
	for i := range 50 {
		wg.Go(func() {
			tok, err := src.Token(context.Background())
			errs[i] = err
			if tok != nil {
				tokens[i] = tok.AccessToken
			}
		})
	}
	wg.Wait()
	for i := range tokens {
		if errs[i] != nil || tokens[i] != tokens[0] {
			t.Fatalf("caller %d: %q %v", i, tokens[i], errs[i])
		}
	}
	if iam.passwordGrants != 1 {
		t.Fatalf("%d logins for 50 concurrent callers, want 1", iam.passwordGrants)
	}
}

func TestRefusedCredentialsAreNotRetried(t *testing.T) {
	iam := &fakeIAM{expiresIn: 3600, password: "right"}
	src, clock := newTestSource(t, iam, "wrong-password-value")
	ctx := context.Background()
	_, err := src.Token(ctx)
	var ae *Error
	if !errors.As(err, &ae) || !ae.Refused || ae.Code != "invalid_grant" || ae.Status != http.StatusBadRequest {
		t.Fatalf("want refused invalid_grant, got %v", err)
	}
	for range 10 {
		if _, err := src.Token(ctx); err == nil {
			t.Fatal("blocked source returned a token")
		}
	}
	if iam.passwordGrants != 1 {
		t.Fatalf("%d password grants after a refusal, want 1 (no retry loop)", iam.passwordGrants)
	}
	if strings.Contains(err.Error(), "wrong-password-value") {
		t.Fatal("error text contains the password")
	}
	// After the back-off one new attempt is allowed.
	clock.Advance(16 * time.Minute)
	_, _ = src.Token(ctx)
	if iam.passwordGrants != 2 {
		t.Fatalf("%d password grants after the back-off, want 2", iam.passwordGrants)
	}
}

func TestWaiterHonoursItsContext(t *testing.T) {
	iam := &fakeIAM{expiresIn: 3600, password: "pw", delay: 300 * time.Millisecond}
	src, _ := newTestSource(t, iam, "pw")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := src.Token(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline exceeded, got %v", err)
	}
	// The login itself carried on for the others.
	if _, err := src.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if iam.passwordGrants != 1 {
		t.Fatalf("%d logins, want 1", iam.passwordGrants)
	}
}

// apiServer answers 401 for tokens it was told to refuse.
type apiServer struct {
	mu       sync.Mutex
	refuse   map[string]bool
	body401  string
	requests atomic.Int32
	bodies   []string
}

func (a *apiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.requests.Add(1)
	b, _ := io.ReadAll(r.Body)
	a.mu.Lock()
	a.bodies = append(a.bodies, string(b))
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	refused := a.refuse[tok] || a.refuse["*"]
	a.mu.Unlock()
	if refused {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, a.body401)
		return
	}
	_, _ = io.WriteString(w, "ok:"+tok)
}

// transportFixture wires a Transport to a fake IAM and an API that refuses the given tokens.
func transportFixture(t *testing.T, refuse map[string]bool, body401 string) (*fakeIAM, *apiServer, *httptest.Server, *http.Client) {
	t.Helper()
	iam := &fakeIAM{expiresIn: 3600, password: "pw"}
	src, _ := newTestSource(t, iam, "pw")
	api := &apiServer{refuse: refuse, body401: body401}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return iam, api, srv, &http.Client{Transport: &Transport{Source: src}}
}

func TestTransportRetriesOnceAfter401WithFreshToken(t *testing.T) {
	_, api, srv, hc := transportFixture(t, map[string]bool{"access-1": true}, `{"error":"invalid_token"}`)

	resp, err := hc.Post(srv.URL, "application/json", strings.NewReader(`{"x":1}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok:access-2" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if api.requests.Load() != 2 || api.bodies[1] != `{"x":1}` {
		t.Fatalf("requests %d bodies %q", api.requests.Load(), api.bodies)
	}
}

func TestTransportDoesNotLoopOnRepeated401(t *testing.T) {
	_, api, srv, hc := transportFixture(t, map[string]bool{"*": true}, `{"error":"invalid_token"}`)
	resp, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || api.requests.Load() != 2 {
		t.Fatalf("status %d after %d requests, want 401 after 2", resp.StatusCode, api.requests.Load())
	}
}

func TestTransportPassesInvalidClientThrough(t *testing.T) {
	iam, api, srv, hc := transportFixture(t, map[string]bool{"*": true}, `{"error":"invalid_client"}`)
	resp, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !IsInvalidClient(body) {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	if api.requests.Load() != 1 || iam.passwordGrants != 1 || iam.refreshGrants != 0 {
		t.Fatalf("invalid_client caused a retry or a new login: requests %d grants %d/%d", api.requests.Load(), iam.passwordGrants, iam.refreshGrants)
	}
}

func TestLegacyAccountLogin(t *testing.T) {
	var logins atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/forticloudapi/v1/auth" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		logins.Add(1)
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		if body["accountId"] != "1234" || body["userName"] != "ops" || body["password"] != "pw" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		_, _ = io.WriteString(w, `{"access_token":"legacy-token","expires_in":14400,"refresh_token":"r","status":"success","token_type":"Bearer"}`)
	}))
	defer srv.Close()
	good := NewLegacySource(LegacyConfig{BaseURL: srv.URL, AccountID: "1234", UserName: "ops", Password: "pw", HTTPClient: srv.Client()}, Options{})
	tok, err := good.Token(context.Background())
	if err != nil || tok.AccessToken != "legacy-token" {
		t.Fatalf("%v %v", tok, err)
	}
	bad := NewLegacySource(LegacyConfig{BaseURL: srv.URL, AccountID: "1234", UserName: "ops", Password: "nope", HTTPClient: srv.Client()}, Options{})
	_, err = bad.Token(context.Background())
	var ae *Error
	if !errors.As(err, &ae) || !ae.Refused {
		t.Fatalf("want refused, got %v", err)
	}
	_, _ = bad.Token(context.Background())
	if logins.Load() != 2 {
		t.Fatalf("%d logins, want 2 (one good, one refused, no retry)", logins.Load())
	}
}

func TestTransportRecognisesGzippedInvalidClient(t *testing.T) {
	iam := &fakeIAM{expiresIn: 3600, password: "pw"}
	src, _ := newTestSource(t, iam, "pw")
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusUnauthorized)
		zw := gzip.NewWriter(w)
		_, _ = io.WriteString(zw, `{"error":"invalid_client"}`)
		_ = zw.Close()
	}))
	defer srv.Close()
	hc := &http.Client{Transport: &Transport{Source: src, Base: &http.Transport{DisableCompression: true}}}
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if requests.Load() != 1 || iam.refreshGrants+iam.passwordGrants != 1 {
		t.Fatalf("gzipped invalid_client caused a retry: requests %d grants %d", requests.Load(), iam.refreshGrants+iam.passwordGrants)
	}
}

func TestRefusalIsSharedAcrossClientIDsOfOneUser(t *testing.T) {
	iam := &fakeIAM{expiresIn: 3600, password: "right"}
	srv := httptest.NewServer(iam)
	defer srv.Close()
	guard := NewRefusalGuard()
	mk := func(clientID string) *IAMSource {
		return NewIAMSource(IAMConfig{BaseURL: srv.URL, ClientID: clientID, Username: "U", Password: "wrong-pass", HTTPClient: srv.Client()}, Options{Guard: guard})
	}
	for _, id := range []string{"fortigatecloud", "flexvm", "socaas", "FortiAnalyzer"} {
		if _, err := mk(id).Token(context.Background()); err == nil {
			t.Fatal("wrong password accepted")
		}
	}
	if iam.passwordGrants != 1 {
		t.Fatalf("%d password grants across 4 services, want 1 (the IAM lock-out is per account)", iam.passwordGrants)
	}
}

func TestRefusedRefreshTokenIsNotReused(t *testing.T) {
	iam := &fakeIAM{expiresIn: 3600, password: "pw"}
	src, clock := newTestSource(t, iam, "pw")
	if _, err := src.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	iam.mu.Lock()
	iam.refreshRefused, iam.password = true, "changed" // refresh refused, then the login fails too
	iam.mu.Unlock()
	clock.Advance(time.Hour)
	_, _ = src.Token(context.Background())
	clock.Advance(16 * time.Minute)
	_, _ = src.Token(context.Background())
	if iam.refreshGrants != 1 {
		t.Fatalf("a refused refresh token was sent %d times", iam.refreshGrants)
	}
}

// liveTokenAPI accepts only the token the IAM issued last, as FortiCloud does (a grant retires
// the previous token, forticloud-api.md §1.5 rule 1), and checks it only after a delay, as a
// request on its way would reach the service.
type liveTokenAPI struct {
	iam     *fakeIAM
	delay   time.Duration
	arrived atomic.Int32
	refused atomic.Int32
}

func (a *liveTokenAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.arrived.Add(1)
	time.Sleep(a.delay)
	a.iam.mu.Lock()
	live := fmt.Sprintf("access-%d", a.iam.issued)
	a.iam.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+live {
		a.refused.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"invalid_token"}`)
		return
	}
	_, _ = io.WriteString(w, "ok")
}

func TestEarlyRenewalWaitsForRequestsOnTheirWay(t *testing.T) {
	iam := &fakeIAM{expiresIn: 3600, password: "pw"}
	src, clock := newTestSource(t, iam, "pw")
	api := &liveTokenAPI{iam: iam, delay: 100 * time.Millisecond}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: &Transport{Source: src}}
	get := func(wg *sync.WaitGroup) {
		wg.Go(func() {
			resp, err := hc.Get(srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	if _, err := src.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Ten requests on their way with access-1 when it falls due and ten more calls come.
	var wg sync.WaitGroup
	for range 10 {
		get(&wg)
	}
	for api.arrived.Load() < 10 {
		time.Sleep(time.Millisecond)
	}
	clock.Advance(3541 * time.Second)
	for range 10 {
		get(&wg)
	}
	wg.Wait()
	if n := api.refused.Load(); n != 0 {
		t.Errorf("%d requests refused: the renewal retired the token they carried", n)
	}
	if api.arrived.Load() != 20 || iam.passwordGrants != 1 || iam.refreshGrants != 1 {
		t.Errorf("%d requests, %d password and %d refresh grants; want 20, 1 and 1", api.arrived.Load(), iam.passwordGrants, iam.refreshGrants)
	}
}

func TestEarlyRenewalWaitsNoLongerThanDrainWait(t *testing.T) {
	iam := &fakeIAM{expiresIn: 3600, password: "pw"}
	srv := httptest.NewServer(iam)
	t.Cleanup(srv.Close)
	clock := &fakeClock{now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	src := NewIAMSource(IAMConfig{BaseURL: srv.URL, ClientID: "socaas", Username: "API-USER", Password: "pw", HTTPClient: srv.Client()},
		Options{Now: clock.Now, DrainWait: 50 * time.Millisecond})
	first, _, err := src.lease(context.Background()) // never released, like a request stuck upstream
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(3541 * time.Second)
	start := time.Now()
	second, err := src.Token(context.Background())
	if err != nil || second.AccessToken == first.AccessToken {
		t.Fatalf("renewal: %v %v", second, err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond || waited > 5*time.Second {
		t.Errorf("the renewal waited %v for the stuck lease, want about DrainWait (50ms)", waited)
	}
	// An expired token holds nothing back: nothing on its way with it can succeed.
	_, _, _ = src.lease(context.Background())
	clock.Advance(2 * time.Hour)
	start = time.Now()
	if _, err := src.Token(context.Background()); err != nil || time.Since(start) > 40*time.Millisecond {
		t.Errorf("renewing an expired token: %v after %v", err, time.Since(start))
	}
	if iam.refreshGrants != 2 {
		t.Errorf("%d refresh grants, want 2", iam.refreshGrants)
	}
}

// slowGrantor answers each grant after the clock has moved on by lag, as a slow IAM reply would.
type slowGrantor struct {
	clock *fakeClock
	lag   time.Duration
	n     int
}

func (g *slowGrantor) grant() *oauth2.Token {
	g.clock.Advance(g.lag)
	g.n++
	return &oauth2.Token{AccessToken: fmt.Sprintf("access-%d", g.n), RefreshToken: "r", ExpiresIn: 3600}
}
func (g *slowGrantor) login(context.Context) (*oauth2.Token, error)           { return g.grant(), nil }
func (g *slowGrantor) refresh(context.Context, string) (*oauth2.Token, error) { return g.grant(), nil }
func (g *slowGrantor) describe() string                                       { return "slow issuer" }
func (g *slowGrantor) account() string                                        { return "slow" }

func TestLifetimeCountsFromTheGrantRequest(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	src := newCachingSource(&slowGrantor{clock: clock, lag: 20 * time.Second}, Options{Now: clock.Now})
	first, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Issued at 0 s (the reply came at 20 s): it expires at 3600 s and is due at 3540 s, not 3560 s.
	clock.Advance(3519 * time.Second) // 3539 s
	if tok, _ := src.Token(context.Background()); tok.AccessToken != first.AccessToken {
		t.Fatal("renewed before it was due")
	}
	clock.Advance(time.Second) // 3540 s
	if tok, _ := src.Token(context.Background()); tok.AccessToken == first.AccessToken {
		t.Fatal("still used at 3540 s: its lifetime was counted from the reply, 20 s late")
	}
}

// TestDrainWaitDoesNotEatTheGrantTimeout: the wait for requests still on their way comes before
// the grant's own timeout starts, so a short --upstream-timeout does not fail every renewal
// while a request holds the old token (a review found LoginTimeout spent on the drain).
func TestDrainWaitDoesNotEatTheGrantTimeout(t *testing.T) {
	iam := &fakeIAM{expiresIn: 3600, password: "pw", delay: 100 * time.Millisecond}
	srv := httptest.NewServer(iam)
	t.Cleanup(srv.Close)
	clock := &fakeClock{now: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	src := NewIAMSource(IAMConfig{BaseURL: srv.URL, ClientID: "socaas", Username: "API-USER", Password: "pw", HTTPClient: srv.Client()},
		Options{Now: clock.Now, DrainWait: 300 * time.Millisecond, LoginTimeout: 250 * time.Millisecond})
	first, _, err := src.lease(context.Background()) // never released
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(3541 * time.Second)
	second, err := src.Token(context.Background())
	if err != nil || second.AccessToken == first.AccessToken {
		t.Fatalf("renewal after a 300 ms drain with a 250 ms grant timeout: %v %v", second, err)
	}
}
