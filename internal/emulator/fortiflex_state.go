package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// FortiFlex state: programs, configurations, entitlements and the
// entitlement state machine (forticloud-api.md §2.2, §2.3).
//
//	PENDING --token used (UseFlexToken)--> ACTIVE <--stop / reactivate--> STOPPED
//	PENDING, ACTIVE, STOPPED --end date passed--> EXPIRED
//
// vm/create starts an entitlement PENDING, or ACTIVE with skipPending. Only
// ACTIVE↔STOPPED can be changed by hand; PENDING cannot be forced ACTIVE
// (TF-FLEX). EXPIRED is evaluated lazily, on every request, from the Clock.

// Entitlement and configuration states.
const (
	FlexPending  = "PENDING"
	FlexActive   = "ACTIVE"
	FlexStopped  = "STOPPED"
	FlexExpired  = "EXPIRED"
	FlexNotUsed  = "NOTUSED"
	FlexUsed     = "USED"
	FlexDisabled = "DISABLED" // configuration status; ACTIVE is the other one
)

// FlexProgram is a FortiFlex program as programs/list returns it (§2.2,
// LAB105 flex-auth-return.png).
type FlexProgram struct {
	AccountID          int64  `json:"accountId"`
	EndDate            string `json:"endDate"`
	HasSupportCoverage bool   `json:"hasSupportCoverage"`
	SerialNumber       string `json:"serialNumber"`
	StartDate          string `json:"startDate"`
}

// FlexProductType is a configuration's productType.
type FlexProductType struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// FlexParameter is one configuration parameter; Value is always a string.
type FlexParameter struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FlexConfig is a FortiFlex configuration as configs/* return it (§2.2,
// LAB105 p-config-list.png).
type FlexConfig struct {
	ID                  int64           `json:"id"`
	Name                string          `json:"name"`
	Status              string          `json:"status"`
	AccountID           int64           `json:"accountId"`
	ProgramSerialNumber string          `json:"programSerialNumber"`
	ProductType         FlexProductType `json:"productType"`
	Parameters          []FlexParameter `json:"parameters"`
}

// FlexEntitlement is an entitlement as entitlements/* return it (§2.2, LAB105
// p-entitlements-list.png). An empty Description is sent as null.
// FolderPath is not part of the reply; groups/list counts by it.
type FlexEntitlement struct {
	ConfigID     int64
	Description  string
	EndDate      string
	SerialNumber string
	StartDate    string
	Status       string
	Token        string
	TokenStatus  string
	AccountID    int64
	FolderPath   string
}

// MarshalJSON writes the reply form, in the field order of the reference.
func (x FlexEntitlement) MarshalJSON() ([]byte, error) {
	var desc *string
	if x.Description != "" {
		desc = &x.Description
	}
	return json.Marshal(struct {
		ConfigID     int64   `json:"configId"`
		Description  *string `json:"description"`
		EndDate      string  `json:"endDate"`
		SerialNumber string  `json:"serialNumber"`
		StartDate    string  `json:"startDate"`
		Status       string  `json:"status"`
		Token        string  `json:"token"`
		TokenStatus  string  `json:"tokenStatus"`
		AccountID    int64   `json:"accountId"`
	}{x.ConfigID, desc, x.EndDate, x.SerialNumber, x.StartDate, x.Status, x.Token, x.TokenStatus, x.AccountID})
}

type flexProgram struct {
	serial     string
	account    int64
	start, end time.Time
	support    bool
}

type flexConfig struct {
	id      int64
	name    string
	status  string
	account int64
	program string
	product *flexProduct
	params  []flexParam
}

// flexSpan is a period during which an entitlement was ACTIVE; to is zero
// while it still is.
type flexSpan struct{ from, to time.Time }

type flexEnt struct {
	serial      string
	configID    int64
	account     int64
	desc        string
	start       time.Time
	end         time.Time // the scheduled end (endDate outside STOPPED)
	stoppedAt   time.Time // endDate while STOPPED
	status      string
	token       string
	tokenStatus string
	folder      string
	spans       []flexSpan
}

// flexStore holds every FortiFlex object. It has its own lock, never held
// together with Emulator.mu.
type flexStore struct {
	mu         sync.Mutex
	programs   []*flexProgram
	configs    []*flexConfig // by id
	ents       []*flexEnt    // creation order
	bySerial   map[string]*flexEnt
	byToken    map[string]*flexEnt
	parent     map[int64]int64 // sub-account → its parent account
	nextConfig int64
	serialSeq  map[string]int // serial prefix → next sequence number
	creates    int
}

func newFlexStore() *flexStore {
	return &flexStore{bySerial: map[string]*flexEnt{}, byToken: map[string]*flexEnt{},
		parent: map[int64]int64{}, serialSeq: map[string]int{}, nextConfig: 50001}
}

// inScope reports whether account is the caller's own account or one of its
// sub-accounts (at any depth).
func (f *flexStore) inScope(caller, account int64) bool {
	for i := 0; i < 8 && account != 0; i++ {
		if account == caller {
			return true
		}
		account = f.parent[account]
	}
	return false
}

func (f *flexStore) program(serial string) *flexProgram {
	for _, p := range f.programs {
		if strings.EqualFold(p.serial, serial) {
			return p
		}
	}
	return nil
}

func (f *flexStore) config(id int64) *flexConfig {
	i := sort.Search(len(f.configs), func(i int) bool { return f.configs[i].id >= id })
	if i < len(f.configs) && f.configs[i].id == id {
		return f.configs[i]
	}
	return nil
}

func (f *flexStore) addConfig(c *flexConfig) {
	if c.id == 0 {
		c.id = f.nextConfig
	}
	if c.id >= f.nextConfig {
		f.nextConfig = c.id + 1
	}
	f.configs = append(f.configs, c)
	sort.Slice(f.configs, func(i, j int) bool { return f.configs[i].id < f.configs[j].id })
}

// expiry is when an entitlement ending at end turns EXPIRED: once its end
// date has passed, i.e. at the start of the next day. An endDate of today is
// valid through today [inf].
func expiry(end time.Time) time.Time { return day(end).Add(24 * time.Hour) }

// refreshLocked applies the lazy transitions due at now.
func (f *flexStore) refreshLocked(now time.Time) {
	for _, x := range f.ents {
		if x.status == FlexExpired {
			continue
		}
		if exp := expiry(x.end); !now.Before(exp) {
			x.closeSpan(exp)
			x.status = FlexExpired
		}
	}
}

func (x *flexEnt) openSpan(now time.Time) {
	if n := len(x.spans); n == 0 || !x.spans[n-1].to.IsZero() {
		x.spans = append(x.spans, flexSpan{from: now})
	}
}

func (x *flexEnt) closeSpan(at time.Time) {
	if n := len(x.spans); n > 0 && x.spans[n-1].to.IsZero() {
		if at.Before(x.spans[n-1].from) {
			at = x.spans[n-1].from
		}
		x.spans[n-1].to = at
	}
}

func (x *flexEnt) activate(now time.Time) {
	x.status = FlexActive
	x.stoppedAt = time.Time{}
	x.openSpan(now)
}

func (x *flexEnt) stop(now time.Time) {
	x.status = FlexStopped
	x.stoppedAt = now
	x.closeSpan(now)
}

func (f *flexStore) setToken(x *flexEnt, tok string) {
	delete(f.byToken, x.token)
	x.token = tok
	x.tokenStatus = FlexNotUsed
	f.byToken[tok] = x
}

func (f *flexStore) addEnt(x *flexEnt) {
	f.ents = append(f.ents, x)
	f.bySerial[x.serial] = x
	if x.token != "" {
		f.byToken[x.token] = x
	}
}

// wire is the reply form of an entitlement.
func (x *flexEnt) wire() FlexEntitlement {
	end := x.end.UTC().Format(flexEndDate)
	if x.status == FlexStopped {
		end = x.stoppedAt.In(flexStopZone).Format(flexStopDate)
	}
	return FlexEntitlement{ConfigID: x.configID, Description: x.desc, EndDate: end, SerialNumber: x.serial,
		StartDate: x.start.UTC().Format(flexStartDate), Status: x.status, Token: x.token, TokenStatus: x.tokenStatus,
		AccountID: x.account, FolderPath: x.folder}
}

func (p *flexProgram) wire() FlexProgram {
	return FlexProgram{AccountID: p.account, EndDate: p.end.UTC().Format(flexProgramDate), HasSupportCoverage: p.support,
		SerialNumber: p.serial, StartDate: p.start.UTC().Format(flexProgramDate)}
}

func (c *flexConfig) wire() FlexConfig {
	params := make([]FlexParameter, 0, len(c.params))
	for _, p := range c.params {
		name := ""
		if s := c.product.spec(p.id); s != nil {
			name = s.name
		}
		params = append(params, FlexParameter{ID: p.id, Name: name, Value: p.value})
	}
	return FlexConfig{ID: c.id, Name: c.name, Status: c.status, AccountID: c.account, ProgramSerialNumber: c.program,
		ProductType: FlexProductType{ID: c.product.id, Name: c.product.name}, Parameters: params}
}

// newFlexToken returns a VM license token: 20 upper-case hex digits (§2.2).
func newFlexToken() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// nextSerial returns an unused serial: prefix, two-digit year, six digits,
// like FGVMELTM25008315 (§2.2).
func (f *flexStore) nextSerial(prefix string, now time.Time) string {
	for {
		n := f.serialSeq[prefix]
		if n == 0 {
			n = 9001 // after the demo world's serials
		}
		f.serialSeq[prefix] = n + 1
		s := fmt.Sprintf("%s%02d%06d", prefix, now.UTC().Year()%100, n%1_000_000)
		if f.bySerial[s] == nil {
			return s
		}
	}
}

// points returns the centipoints an entitlement accrued on the UTC days
// from first to last (inclusive): its config's daily rate for every day on
// which it was ACTIVE at some moment. PENDING and STOPPED days cost nothing
// [inf]. The rate is the config's current one, even for past days [inf].
func (f *flexStore) points(x *flexEnt, first, last, now time.Time) int64 {
	c := f.config(x.configID)
	if c == nil {
		return 0
	}
	type dayRange struct{ a, b time.Time }
	var rs []dayRange
	for _, s := range x.spans {
		to := s.to
		if to.IsZero() {
			to = now
		}
		if !to.After(s.from) {
			to = s.from.Add(time.Nanosecond) // activated and stopped at once: that day still counts
		}
		a, b := day(s.from), day(to.Add(-time.Nanosecond))
		if a.Before(first) {
			a = first
		}
		if b.After(last) {
			b = last
		}
		if !b.Before(a) {
			rs = append(rs, dayRange{a, b})
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].a.Before(rs[j].a) })
	var days int64
	var cur *dayRange
	for i := range rs {
		r := rs[i]
		if cur != nil && !r.a.After(cur.b.Add(24*time.Hour)) {
			if r.b.After(cur.b) {
				cur.b = r.b
			}
			continue
		}
		if cur != nil {
			days += int64(cur.b.Sub(cur.a)/(24*time.Hour)) + 1
		}
		cur = &rs[i]
	}
	if cur != nil {
		days += int64(cur.b.Sub(cur.a)/(24*time.Hour)) + 1
	}
	return days * c.product.dailyCentipoints(c.params)
}

// Test helpers: snapshots of the FortiFlex state, as the API would show it
// now (lazy expiry applied).

// FlexPrograms returns every program, of every account.
func (e *Emulator) FlexPrograms() []FlexProgram {
	f := e.flex
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FlexProgram, 0, len(f.programs))
	for _, p := range f.programs {
		out = append(out, p.wire())
	}
	return out
}

// FlexConfigs returns every configuration, of every account, by id.
func (e *Emulator) FlexConfigs() []FlexConfig {
	f := e.flex
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FlexConfig, 0, len(f.configs))
	for _, c := range f.configs {
		out = append(out, c.wire())
	}
	return out
}

// FlexEntitlements returns every entitlement, of every account, oldest
// first. Tokens are license secrets of the emulated world: do not log them.
func (e *Emulator) FlexEntitlements() []FlexEntitlement {
	f := e.flex
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshLocked(e.clock.Now())
	out := make([]FlexEntitlement, 0, len(f.ents))
	for _, x := range f.ents {
		out = append(out, x.wire())
	}
	return out
}

// FlexCreates returns how many entitlements/vm/create calls succeeded since
// New (ResetRecords does not reset it), so tests can prove a write was not
// repeated.
func (e *Emulator) FlexCreates() int {
	f := e.flex
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.creates
}

// UseFlexToken simulates a VM activating its license with token: a PENDING
// entitlement turns ACTIVE, and the token becomes USED (an ACTIVE one
// created with skipPending, or whose token was regenerated, just marks it
// USED). It reports false for an unknown or already used token, or an
// entitlement that is STOPPED or EXPIRED.
func (e *Emulator) UseFlexToken(token string) bool {
	f := e.flex
	now := e.clock.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshLocked(now)
	x := f.byToken[token]
	if x == nil || x.tokenStatus != FlexNotUsed {
		return false
	}
	switch x.status {
	case FlexPending:
		x.activate(now)
	case FlexActive:
	default:
		return false
	}
	x.tokenStatus = FlexUsed
	return true
}

// SetFlexVMsKey switches entitlement replies between the "entitlements" key
// and the "vms" key (Options.FlexVMsKey) while the emulator runs.
func (e *Emulator) SetFlexVMsKey(on bool) { e.flexVMsKey.Store(on) }
