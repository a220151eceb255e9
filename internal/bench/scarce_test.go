// Tests of the scarce-resource measurement: the server spends exactly what the load needs.

package bench

import (
	"context"
	"os"
	"testing"
	"time"
)

// checkScarce asserts that a run wasted nothing.
func checkScarce(t *testing.T, r *ScarceReport) {
	t.Helper()
	o := r.Options
	if r.Failures != 0 {
		t.Errorf("%d of %d calls failed, e.g. %q", r.Failures, r.Calls, r.FailureSamples)
	}
	if want := o.Workers * o.CallsPerTick * r.Ticks; !o.Overlap && r.Calls != want {
		t.Errorf("%d calls, want %d", r.Calls, want)
	}
	// Every request carried a live token: none was refused and sent again.
	for svc, n := range r.Unauthorized {
		t.Errorf("%s: %d requests refused with 401 (a token expired or replaced while they were on their way)", svc, n)
	}
	for _, g := range r.Grants {
		if g.Password != 1 {
			t.Errorf("client_id %s: %d password grants, want 1 then refreshes", g.ClientID, g.Password)
		}
		// Never two grants where one serves: none before the token is due.
		if g.Grants() > 1 && g.MinGap < r.MinGap() {
			t.Errorf("client_id %s: two grants %v apart, the token is reused for %v", g.ClientID, g.MinGap, r.ReuseFor)
		}
		if g.Grants() > r.MaxGrants() {
			t.Errorf("client_id %s: %d grants, at most %d can be needed", g.ClientID, g.Grants(), r.MaxGrants())
		}
		if o.Overlap {
			continue
		}
		if g.Grants() != g.Needed {
			t.Errorf("client_id %s: %d grants (%d password, %d refresh), needed %d", g.ClientID, g.Grants(), g.Password, g.Refresh, g.Needed)
		}
		if g.ClientID == "FortiAnalyzer" {
			continue
		}
		// Used at every tick, so the closed form holds: one grant at 0, then one per RenewEvery.
		if !g.EveryTick {
			t.Errorf("client_id %s used at %d of %d ticks: the mix must reach every service at every tick", g.ClientID, g.NeedTimes, r.Ticks)
		} else if g.Needed != r.Continuous() {
			t.Errorf("client_id %s: needed %d, the formula says %d", g.ClientID, g.Needed, r.Continuous())
		}
	}
	if r.FAZLogins < 1 || r.FAZLogins != r.FAZPeakSessions {
		t.Errorf("FortiAnalyzer: %d logins for %d sessions held at once (at %v)", r.FAZLogins, r.FAZPeakSessions, r.FAZLoginTimes)
	}
	if r.FAZPeakSessions > r.FAZMaxSessions || r.FAZMaxSessions > r.FAZLoginMax {
		t.Errorf("FortiAnalyzer: %d sessions at once, cap %d, login-max %d", r.FAZPeakSessions, r.FAZMaxSessions, r.FAZLoginMax)
	}
	if r.FAZLogouts != r.FAZLogins {
		t.Errorf("FortiAnalyzer: %d logouts at shutdown for %d logins", r.FAZLogouts, r.FAZLogins)
	}
	if r.FAZSearches == 0 || r.FAZPeakSearches < 1 || r.FAZPeakSearches > r.FAZSearchLimit {
		t.Errorf("FortiAnalyzer: %d search tasks at once over %d searches, the server's cap %d", r.FAZPeakSearches, r.FAZSearches, r.FAZSearchLimit)
	}
	if r.FAZCancelledSearches != 0 {
		t.Errorf("FortiAnalyzer: %d searches abandoned", r.FAZCancelledSearches)
	}
	if r.SOCaaSWriteCalls == 0 || r.SOCaaSPosts != r.SOCaaSWriteCalls || r.SOCaaSPostRequests != r.SOCaaSWriteCalls {
		t.Errorf("SOCaaS: %d POSTs accepted, %d sent, for %d comment calls", r.SOCaaSPosts, r.SOCaaSPostRequests, r.SOCaaSWriteCalls)
	}
	if r.SOCaaSRateLimited != 0 {
		t.Errorf("SOCaaS: %d 429s", r.SOCaaSRateLimited)
	}
}

// TestScarceResources runs 10 simulated minutes of 1-minute tokens under load and checks that
// every grant, login and POST was needed. The runs share nothing, so they run side by side.
func TestScarceResources(t *testing.T) {
	t.Run("lockstep", func(t *testing.T) {
		t.Parallel()
		// 15 s steps divide the 45 s a 60 s token is reused for: 41 ticks, 14 grants per client_id.
		r, err := Scarce(context.Background(), ScarceOptions{Workers: 6, Step: 15 * time.Second, FAZSearchPolls: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("\n%s", r.Table())
		if r.Continuous() != 14 {
			t.Errorf("expected %d grants per client_id, want 14 (1 + ⌊600 s / 45 s⌋)", r.Continuous())
		}
		checkScarce(t, r)
	})
	t.Run("expired token stampede", func(t *testing.T) {
		t.Parallel()
		// 2-minute steps: at every tick the token has fully expired (at the emulator too) and all
		// 32 workers reach it at once; one grant per tick, never two.
		r, err := Scarce(context.Background(), ScarceOptions{Workers: 32, CallsPerTick: 1, Step: 2 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("\n%s", r.Table())
		if r.Continuous() != r.Ticks {
			t.Errorf("expected %d grants per client_id, want one per tick (%d)", r.Continuous(), r.Ticks)
		}
		checkScarce(t, r)
	})
	t.Run("overlapping", func(t *testing.T) {
		t.Parallel()
		// Requests on their way (20 ms each) while tokens are renewed: a renewal must not
		// strand them, or each comes back 401 and is sent again (a SOCaaS POST costing a second
		// slot of 5 a minute), since a grant retires the previous token (§1.5 rule 1).
		r, err := Scarce(context.Background(), ScarceOptions{Workers: 8, Step: 15 * time.Second, FAZSearchPolls: 2, Overlap: true,
			Latency: 20 * time.Millisecond, SOCaaSWritesPerMinute: 5})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("\n%s", r.Table())
		checkScarce(t, r)
	})
}

// TestScarceFull is the documented run (10 simulated minutes, 32 workers, the defaults); it takes
// a minute or two, so it runs only with FORTICLOUD_MCP_SCARCE_FULL=1.
func TestScarceFull(t *testing.T) {
	if os.Getenv("FORTICLOUD_MCP_SCARCE_FULL") == "" {
		t.Skip("set FORTICLOUD_MCP_SCARCE_FULL=1 for the full run")
	}
	r, err := Scarce(context.Background(), ScarceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", r.Table())
	checkScarce(t, r)
}

func TestNeededGrants(t *testing.T) {
	t0 := time.Unix(0, 0)
	at := func(secs ...int) []time.Time {
		var out []time.Time
		for _, s := range secs {
			out = append(out, t0.Add(time.Duration(s)*time.Second))
		}
		return out
	}
	for _, c := range []struct {
		times []time.Time
		want  int
	}{
		{nil, 0},
		{at(0), 1},
		{at(0, 44, 45), 2},        // due at 45 s
		{at(0, 30, 60, 90), 2},    // renewed at 60 s, good until 105 s
		{at(0, 200, 230, 244), 2}, // idle, then one grant at 200 s
	} {
		if got := neededGrants(c.times, 45*time.Second); got != c.want {
			t.Errorf("neededGrants(%v) = %d, want %d", c.times, got, c.want)
		}
	}
}

func TestScarceQuota(t *testing.T) {
	q := &scarceQuota{perMin: 5, perHour: 8}
	t0 := time.Unix(0, 0)
	take := func(at time.Duration, n int, lag time.Duration) int {
		got := 0
		for range n {
			if q.take(t0.Add(at), lag) {
				got++
			}
		}
		return got
	}
	if got := take(0, 4, 0); got != 4 {
		t.Fatalf("first take %d", got)
	}
	if got := take(59*time.Second, 4, 0); got != 1 {
		t.Fatalf("same minute: %d, want 1", got)
	}
	if got := take(60*time.Second, 4, 0); got != 3 {
		t.Fatalf("next minute: %d, want 3 (hour cap 8)", got)
	}
	if got := take(time.Hour, 9, 5*time.Second); got != 4 {
		t.Fatalf("next hour: %d, want 4 (the 59 s and 60 s hits still count)", got)
	}
	// Recorded 5 s late, the last four still fill the minute at +1h59s.
	if got := take(time.Hour+59*time.Second, 1, 0); got != 1 {
		t.Fatalf("+1h59s: %d, want 1", got)
	}
	if got := take(time.Hour+64*time.Second, 1, 0); got != 0 {
		t.Fatalf("+1h64s: %d, want 0 (the four taken at 1h count until 1h1m5s)", got)
	}
	total := 0
	for k := range 120 {
		total += fairShare(time.Duration(k)*5*time.Second, 5*time.Second, 4) - fairShare(time.Duration(k-1)*5*time.Second, 5*time.Second, 4)
	}
	if total != 40 {
		t.Errorf("shares over 10 minutes: %d, want 40", total)
	}
}
