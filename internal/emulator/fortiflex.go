package emulator

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// FortiFlex API v2 (forticloud-api.md §2), under /ES/api/fortiflex/v2/ on
// support.fortinet.com. Every endpoint is a POST with a JSON body, and every
// reply is the envelope of §2.1:
//
//	{"<key>": data, "error": null, "message": "Request processed successfully.", "status": 0}
//	{"<key>": null, "error": "...", "message": "...", "status": -1}
//
// HTTP status per error kind (the reference knows only the body; the codes
// are [inf] unless marked):
//
//	200  missing, unknown, expired, revoked or other-client token:
//	     "Invalid security token." (§2.1, gotcha 5: detect it by the body;
//	     the project chose 200 so that clients must)
//	400  a body that is not a JSON object; a missing or invalid field; a
//	     parameter the product refuses ("Parameter id <n> ...", §2.1); a
//	     date out of bounds; a state change the state machine refuses
//	     ("Unable to update ...", the prefix ANS-FLEX matches); an unknown
//	     or foreign program, configuration or entitlement (reported as not
//	     found, so other accounts' objects stay invisible)
//	403  a user with only Read access on FortiFlex asking for a change
//	     (§1.5 rule 4, fortinet-docs/fortiflex-api.txt), a user with no
//	     FortiFlex access at all, an accountId that is not the caller's
//	     account or one of its sub-accounts
//	404  a path under /ES/api/ that is not a FortiFlex v2 endpoint
//	405  any method but POST
//	413  a body over 256 KiB
//
// The error field repeats the message [inf: the reference says only that
// errors carry both].

const (
	flexBase     = "/ES/api/fortiflex/v2/"
	flexOK       = "Request processed successfully."
	flexBadToken = "Invalid security token." // §2.1, ANS-FLEX connection.py matches it exactly
	maxFlexBody  = 256 << 10

	maxFlexCreate  = 100    // entitlements per vm/create call [inf]
	maxFlexCalc    = 10_000 // count for tools/calc [inf]
	maxFlexConfigs = 5_000  // bounds the state of a long sandbox session [inf]
	maxFlexEnts    = 50_000
	maxFlexText    = 250 // description and name length [inf]
	flexRootFolder = "My Assets"
)

// flexError is a refused FortiFlex request: HTTP status and message.
type flexError struct {
	status int
	msg    string
}

func flexBad(msg string) *flexError { return &flexError{http.StatusBadRequest, msg} }

func flexForbidden(msg string) *flexError { return &flexError{http.StatusForbidden, msg} }

// flexCaller is who a valid flexvm token belongs to.
type flexCaller struct {
	user    string
	account int64
	access  string // Portals["flexvm"]
}

type flexHandler func(e *Emulator, f *flexStore, c flexCaller, b flexBody, now time.Time) (any, *flexError)

type flexEndpoint struct {
	key    string // data key of the reply (§2.2)
	write  bool   // creates or changes data: needs ReadWrite or Admin (§1.4-§1.5)
	handle flexHandler
}

// flexEndpoints are the §2.2 endpoints the emulator serves. hardware/create,
// cloud/create, transfer and groups/nexttoken are not emulated (404).
var flexEndpoints = map[string]flexEndpoint{
	"programs/list":           {"programs", false, flexProgramsList},
	"configs/list":            {"configs", false, flexConfigsList},
	"configs/create":          {"configs", true, flexConfigsCreate},
	"configs/update":          {"configs", true, flexConfigsUpdate},
	"configs/disable":         {"configs", true, flexConfigStatus(FlexDisabled)},
	"configs/enable":          {"configs", true, flexConfigStatus(FlexActive)},
	"entitlements/list":       {"entitlements", false, flexEntitlementsList},
	"entitlements/vm/create":  {"entitlements", true, flexVMCreate},
	"entitlements/update":     {"entitlements", true, flexEntitlementUpdate},
	"entitlements/stop":       {"entitlements", true, flexEntitlementStop},
	"entitlements/reactivate": {"entitlements", true, flexEntitlementReactivate},
	"entitlements/vm/token":   {"entitlements", true, flexVMToken},
	"entitlements/points":     {"entitlements", false, flexPoints},
	"groups/list":             {"groups", false, flexGroupsList},
	"tools/calc":              {"configs", false, flexCalc},
}

func (e *Emulator) serveFortiFlex(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, flexBase)
	ep, known := flexEndpoints[name]
	if !ok || !known {
		writeFlex(w, http.StatusNotFound, "", nil, &flexError{http.StatusNotFound, "No such API endpoint."})
		return
	}
	key := ep.key
	if key == "entitlements" && e.flexVMsKey.Load() {
		key = "vms" // §2.1 "TMP FortiFlex API BUG fix"
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeFlex(w, http.StatusMethodNotAllowed, key, nil, &flexError{http.StatusMethodNotAllowed, "Method not allowed."})
		return
	}
	c, ok := e.flexCallerFor(r)
	if !ok {
		writeFlex(w, http.StatusOK, key, nil, &flexError{http.StatusOK, flexBadToken})
		return
	}
	noteCaller(r, "flexvm", c.user)
	switch {
	case c.access != AccessAdmin && c.access != AccessReadWrite && c.access != AccessRead:
		writeFlex(w, http.StatusForbidden, key, nil, flexForbidden("The API user has no permission to access FortiFlex."))
		return
	case ep.write && c.access == AccessRead:
		writeFlex(w, http.StatusForbidden, key, nil,
			flexForbidden("Permission denied: this operation needs Read/Write access to FortiFlex."))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFlexBody))
	if err != nil {
		writeFlex(w, http.StatusRequestEntityTooLarge, key, nil,
			&flexError{http.StatusRequestEntityTooLarge, "Request body is too large."})
		return
	}
	b, ferr := parseFlexBody(raw)
	if ferr != nil {
		writeFlex(w, ferr.status, key, nil, ferr)
		return
	}
	now := e.clock.Now()
	f := e.flex
	f.mu.Lock()
	f.refreshLocked(now)
	data, ferr := ep.handle(e, f, c, b, now)
	var out []byte
	if ferr == nil {
		out = mustJSON(data) // marshalled under the lock: data may share state
	}
	f.mu.Unlock()
	if ferr != nil {
		writeFlex(w, ferr.status, key, nil, ferr)
		return
	}
	writeFlex(w, http.StatusOK, key, out, nil)
}

// flexCallerFor resolves the bearer token. Only live IAM tokens issued for
// client_id flexvm pass (§1.4); FortiGate Cloud's legacy tokens do not.
func (e *Emulator) flexCallerFor(r *http.Request) (flexCaller, bool) {
	c, ok := e.callerFor(r)
	if !ok || c.legacy || c.clientID != "flexvm" {
		return flexCaller{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.users[c.user]
	if u == nil {
		return flexCaller{}, false
	}
	return flexCaller{user: c.user, account: u.AccountID, access: u.Portals["flexvm"]}, true
}

// writeFlex writes the envelope with its fields in the reference's order.
// data is JSON already; key "" leaves the data key out (unknown endpoints).
func writeFlex(w http.ResponseWriter, status int, key string, data []byte, ferr *flexError) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	if key != "" {
		buf.Write(mustJSON(key))
		buf.WriteByte(':')
		if ferr != nil || data == nil {
			buf.WriteString("null")
		} else {
			buf.Write(data)
		}
		buf.WriteByte(',')
	}
	if ferr == nil {
		buf.WriteString(`"error":null,"message":` + string(mustJSON(flexOK)) + `,"status":0}`)
	} else {
		msg := mustJSON(ferr.msg)
		buf.WriteString(`"error":` + string(msg) + `,"message":` + string(msg) + `,"status":-1}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// Lookups that hide other accounts' objects: a foreign object is "not found".

func (f *flexStore) ownedProgram(c flexCaller, serial string) (*flexProgram, *flexError) {
	if p := f.program(serial); p != nil && f.inScope(c.account, p.account) {
		return p, nil
	}
	return nil, flexBad(fmt.Sprintf("Program serial number %s was not found.", clip(serial, 40)))
}

func (f *flexStore) ownedConfig(c flexCaller, id int64) (*flexConfig, *flexError) {
	if cfg := f.config(id); cfg != nil && f.inScope(c.account, cfg.account) {
		return cfg, nil
	}
	return nil, flexBad(fmt.Sprintf("Config id %d was not found.", id))
}

func (f *flexStore) ownedEnt(c flexCaller, b flexBody) (*flexEnt, *flexError) {
	serial, err := b.reqStr("serialNumber")
	if err != nil {
		return nil, err
	}
	if x := f.bySerial[strings.ToUpper(serial)]; x != nil && f.inScope(c.account, x.account) {
		return x, nil
	}
	return nil, flexBad(fmt.Sprintf("Entitlement %s was not found.", clip(serial, 40)))
}

// accountArg reads the optional accountId: the caller's account when absent;
// refused unless it is the caller's account or a sub-account of it.
func (f *flexStore) accountArg(c flexCaller, b flexBody) (int64, *flexError) {
	id, ok, err := b.int("accountId")
	if err != nil {
		return 0, err
	}
	if !ok {
		return c.account, nil
	}
	if !f.inScope(c.account, id) {
		return 0, flexForbidden(fmt.Sprintf("Account id %d is not accessible to this API user.", id))
	}
	return id, nil
}

// textArg reads an optional free-text field (description, name).
func textArg(b flexBody, name string) (string, bool, *flexError) {
	s, ok, err := b.str(name)
	if err != nil || !ok {
		return "", false, err
	}
	s = strings.TrimSpace(s)
	if len([]rune(s)) > maxFlexText {
		return "", false, flexBad(fmt.Sprintf("%s must be at most %d characters.", name, maxFlexText))
	}
	return s, true, nil
}

// endDateArg reads an entitlement endDate. It must lie between today and
// the program's end date (§2.3; compared by UTC calendar day [inf]); when
// absent, the program's end date applies.
func endDateArg(b flexBody, prog *flexProgram, now time.Time) (time.Time, bool, *flexError) {
	t, ok, err := b.date("endDate")
	if err != nil {
		return time.Time{}, false, err
	}
	today := day(now)
	if day(prog.end).Before(today) {
		return time.Time{}, false, flexBad(fmt.Sprintf("Program %s ended on %s.", prog.serial, prog.end.Format(time.DateOnly)))
	}
	if !ok {
		return prog.end, false, nil
	}
	if day(t).Before(today) {
		return time.Time{}, false, flexBad("endDate cannot be earlier than today.")
	}
	if day(t).After(day(prog.end)) {
		return time.Time{}, false, flexBad(fmt.Sprintf("endDate cannot be later than the program's end date %s.",
			prog.end.Format(time.DateOnly)))
	}
	return t, true, nil
}

// programs/list: the programs of the caller's account and its sub-accounts.
func flexProgramsList(_ *Emulator, f *flexStore, c flexCaller, _ flexBody, _ time.Time) (any, *flexError) {
	out := []FlexProgram{}
	for _, p := range f.programs {
		if f.inScope(c.account, p.account) {
			out = append(out, p.wire())
		}
	}
	return out, nil
}

// configs/list {programSerialNumber, accountId?}: the configurations of one
// account (the caller's by default [inf]) in a program.
func flexConfigsList(_ *Emulator, f *flexStore, c flexCaller, b flexBody, _ time.Time) (any, *flexError) {
	psn, err := b.reqStr("programSerialNumber")
	if err != nil {
		return nil, err
	}
	prog, err := f.ownedProgram(c, psn)
	if err != nil {
		return nil, err
	}
	acct, err := f.accountArg(c, b)
	if err != nil {
		return nil, err
	}
	out := []FlexConfig{}
	for _, cfg := range f.configs {
		if cfg.program == prog.serial && cfg.account == acct {
			out = append(out, cfg.wire())
		}
	}
	return out, nil
}

// productArg reads productTypeId and parameters and validates them (§2.4).
func productArg(b flexBody) (*flexProduct, []flexParam, *flexError) {
	pt, err := b.reqInt("productTypeId")
	if err != nil {
		return nil, nil, err
	}
	prod := flexProducts[int(pt)]
	if prod == nil || pt != int64(prod.id) {
		return nil, nil, flexBad(fmt.Sprintf("Product type id %d is not valid.", pt))
	}
	params, ok, err := b.params("parameters")
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, requiredField("parameters")
	}
	params, err = prod.validateParams(params)
	if err != nil {
		return nil, nil, err
	}
	return prod, params, nil
}

// configs/create {programSerialNumber, accountId?, name, productTypeId,
// parameters}: one config object, ACTIVE.
func flexConfigsCreate(_ *Emulator, f *flexStore, c flexCaller, b flexBody, _ time.Time) (any, *flexError) {
	psn, err := b.reqStr("programSerialNumber")
	if err != nil {
		return nil, err
	}
	prog, err := f.ownedProgram(c, psn)
	if err != nil {
		return nil, err
	}
	acct, err := f.accountArg(c, b)
	if err != nil {
		return nil, err
	}
	name, ok, err := textArg(b, "name")
	if err != nil {
		return nil, err
	}
	if !ok || name == "" {
		return nil, requiredField("name")
	}
	prod, params, err := productArg(b)
	if err != nil {
		return nil, err
	}
	if len(f.configs) >= maxFlexConfigs {
		return nil, flexBad("The emulator's configuration limit is reached.")
	}
	cfg := &flexConfig{name: name, status: FlexActive, account: acct, program: prog.serial, product: prod, params: params}
	f.addConfig(cfg)
	return cfg.wire(), nil
}

// configs/update {id, name?, parameters?}: parameters, when given, replace
// the whole set and are checked against the config's product [inf].
func flexConfigsUpdate(_ *Emulator, f *flexStore, c flexCaller, b flexBody, _ time.Time) (any, *flexError) {
	id, err := b.reqInt("id")
	if err != nil {
		return nil, err
	}
	cfg, err := f.ownedConfig(c, id)
	if err != nil {
		return nil, err
	}
	name, hasName, err := textArg(b, "name")
	if err != nil {
		return nil, err
	}
	if hasName && name == "" {
		return nil, requiredField("name")
	}
	params, hasParams, err := b.params("parameters")
	if err != nil {
		return nil, err
	}
	if hasParams {
		if params, err = cfg.product.validateParams(params); err != nil {
			return nil, err
		}
		cfg.params = params
	}
	if hasName {
		cfg.name = name
	}
	return cfg.wire(), nil
}

// configs/disable and configs/enable {id}. Repeating one is not an error [inf].
func flexConfigStatus(status string) flexHandler {
	return func(_ *Emulator, f *flexStore, c flexCaller, b flexBody, _ time.Time) (any, *flexError) {
		id, err := b.reqInt("id")
		if err != nil {
			return nil, err
		}
		cfg, err := f.ownedConfig(c, id)
		if err != nil {
			return nil, err
		}
		cfg.status = status
		return cfg.wire(), nil
	}
}

// selectEnts picks entitlements by {configId} or by {accountId,
// programSerialNumber} (entitlements/list and /points, §2.2).
func (f *flexStore) selectEnts(c flexCaller, b flexBody) ([]*flexEnt, *flexError) {
	cid, hasCfg, err := b.int("configId")
	if err != nil {
		return nil, err
	}
	var out []*flexEnt
	if hasCfg {
		cfg, err := f.ownedConfig(c, cid)
		if err != nil {
			return nil, err
		}
		for _, x := range f.ents {
			if x.configID == cfg.id {
				out = append(out, x)
			}
		}
		return out, nil
	}
	acct, hasAcct, err := b.int("accountId")
	if err != nil {
		return nil, err
	}
	psn, hasPsn, err := b.str("programSerialNumber")
	if err != nil {
		return nil, err
	}
	if !hasAcct || !hasPsn || strings.TrimSpace(psn) == "" {
		return nil, flexBad("Either configId, or accountId and programSerialNumber, are required.")
	}
	if !f.inScope(c.account, acct) {
		return nil, flexForbidden(fmt.Sprintf("Account id %d is not accessible to this API user.", acct))
	}
	prog, ferr := f.ownedProgram(c, strings.TrimSpace(psn))
	if ferr != nil {
		return nil, ferr
	}
	for _, x := range f.ents {
		if cfg := f.config(x.configID); x.account == acct && cfg != nil && cfg.program == prog.serial {
			out = append(out, x)
		}
	}
	return out, nil
}

// enumArg reads an optional filter that must be one of values.
func enumArg(b flexBody, name string, values ...string) (string, *flexError) {
	s, ok, err := b.str(name)
	if err != nil || !ok || strings.TrimSpace(s) == "" {
		return "", err
	}
	s = strings.ToUpper(strings.TrimSpace(s))
	for _, v := range values {
		if s == v {
			return s, nil
		}
	}
	return "", invalidField(name)
}

// entitlements/list: configId or accountId+programSerialNumber, plus the
// optional filters description (a case-insensitive substring [inf]),
// serialNumber, status and tokenStatus.
func flexEntitlementsList(_ *Emulator, f *flexStore, c flexCaller, b flexBody, _ time.Time) (any, *flexError) {
	ents, err := f.selectEnts(c, b)
	if err != nil {
		return nil, err
	}
	desc, _, err := b.str("description")
	if err != nil {
		return nil, err
	}
	serial, _, err := b.str("serialNumber")
	if err != nil {
		return nil, err
	}
	status, err := enumArg(b, "status", FlexPending, FlexActive, FlexStopped, FlexExpired)
	if err != nil {
		return nil, err
	}
	tokenStatus, err := enumArg(b, "tokenStatus", FlexNotUsed, FlexUsed)
	if err != nil {
		return nil, err
	}
	desc, serial = strings.ToLower(strings.TrimSpace(desc)), strings.TrimSpace(serial)
	out := []FlexEntitlement{}
	for _, x := range ents {
		switch {
		case desc != "" && !strings.Contains(strings.ToLower(x.desc), desc),
			serial != "" && !strings.EqualFold(x.serial, serial),
			status != "" && x.status != status,
			tokenStatus != "" && x.tokenStatus != tokenStatus:
			continue
		}
		out = append(out, x.wire())
	}
	return out, nil
}

// entitlements/vm/create (§2.3): count new VM entitlements of an ACTIVE VM
// configuration, PENDING with a fresh token, or ACTIVE with skipPending.
func flexVMCreate(_ *Emulator, f *flexStore, c flexCaller, b flexBody, now time.Time) (any, *flexError) {
	cid, err := b.reqInt("configId")
	if err != nil {
		return nil, err
	}
	cfg, err := f.ownedConfig(c, cid)
	if err != nil {
		return nil, err
	}
	if cfg.status != FlexActive {
		return nil, flexBad(fmt.Sprintf("Config id %d is %s.", cfg.id, cfg.status))
	}
	if cfg.product.form != flexFormVM {
		return nil, flexBad(fmt.Sprintf("Config id %d is not a virtual machine product (product type %d, %s).",
			cfg.id, cfg.product.id, cfg.product.code))
	}
	count, hasCount, err := b.int("count")
	if err != nil {
		return nil, err
	}
	if !hasCount {
		count = 1
	}
	if count < 1 || count > maxFlexCreate {
		return nil, flexBad(fmt.Sprintf("count must be between 1 and %d.", maxFlexCreate))
	}
	desc, _, err := textArg(b, "description")
	if err != nil {
		return nil, err
	}
	folder, err := folderArg(b)
	if err != nil {
		return nil, err
	}
	skip, _, err := b.boolean("skipPending")
	if err != nil {
		return nil, err
	}
	prog := f.program(cfg.program)
	end, _, err := endDateArg(b, prog, now)
	if err != nil {
		return nil, err
	}
	if len(f.ents)+int(count) > maxFlexEnts {
		return nil, flexBad("The emulator's entitlement limit is reached.")
	}
	out := make([]FlexEntitlement, 0, count)
	for range count {
		x := &flexEnt{serial: f.nextSerial(cfg.product.prefix, now), configID: cfg.id, account: cfg.account,
			desc: desc, start: now, end: end, status: FlexPending, folder: folder}
		f.setToken(x, f.freshToken())
		if skip {
			x.activate(now)
		}
		f.addEnt(x)
		out = append(out, x.wire())
	}
	f.creates++
	return out, nil
}

// freshToken returns a token no entitlement holds.
func (f *flexStore) freshToken() string {
	for {
		if t := newFlexToken(); f.byToken[t] == nil {
			return t
		}
	}
}

// folderArg reads folderPath: "My Assets" by default, and always inside it
// (§2.3 shows "My Assets/vm_entitlements") [inf].
func folderArg(b flexBody) (string, *flexError) {
	s, ok, err := textArg(b, "folderPath")
	if err != nil {
		return "", err
	}
	s = strings.TrimRight(s, "/")
	if !ok || s == "" {
		return flexRootFolder, nil
	}
	if s != flexRootFolder && !strings.HasPrefix(s, flexRootFolder+"/") || strings.Contains(s, "//") {
		return "", flexBad(fmt.Sprintf("folderPath must be %q or a folder inside it.", flexRootFolder))
	}
	return s, nil
}

// unableToUpdate is the refusal of a state change. ANS-FLEX recognises these
// by the "Unable to update" prefix (fortiflexvm_entitlements_update.py) [sdk];
// the rest of the wording is [inf].
func unableToUpdate(x *flexEnt, why string) *flexError {
	return flexBad(fmt.Sprintf("Unable to update entitlement %s: %s (status %s).", x.serial, why, x.status))
}

// entitlements/update {serialNumber, configId?, description?, endDate?}:
// only an ACTIVE entitlement can be updated (ANS-FLEX: PENDING and STOPPED
// ones answer "Unable to update"; EXPIRED [inf]). A new configId must be an
// ACTIVE configuration of the same product and account [inf].
func flexEntitlementUpdate(_ *Emulator, f *flexStore, c flexCaller, b flexBody, now time.Time) (any, *flexError) {
	x, err := f.ownedEnt(c, b)
	if err != nil {
		return nil, err
	}
	if x.status != FlexActive {
		return nil, unableToUpdate(x, "only an ACTIVE entitlement can be updated")
	}
	cfg := f.config(x.configID)
	if cid, ok, err := b.int("configId"); err != nil {
		return nil, err
	} else if ok && cid != x.configID {
		next, err := f.ownedConfig(c, cid)
		if err != nil {
			return nil, err
		}
		switch {
		case next.status != FlexActive:
			return nil, flexBad(fmt.Sprintf("Config id %d is %s.", next.id, next.status))
		case next.product != cfg.product:
			return nil, flexBad(fmt.Sprintf("Config id %d is not of the entitlement's product type %d.", next.id, cfg.product.id))
		case next.account != x.account:
			return nil, flexBad(fmt.Sprintf("Config id %d belongs to another account.", next.id))
		}
		cfg = next
	}
	desc, hasDesc, err := textArg(b, "description")
	if err != nil {
		return nil, err
	}
	if _, present := b["description"]; present {
		hasDesc = true // null clears it
	}
	prog := f.program(cfg.program)
	end, hasEnd, err := endDateArg(b, prog, now)
	if err != nil {
		return nil, err
	}
	x.configID = cfg.id
	switch {
	case hasEnd:
		x.end = end
	case day(x.end).After(day(prog.end)): // moved to a program that ends sooner [inf]
		x.end = prog.end
	}
	if hasDesc {
		x.desc = desc
	}
	return []FlexEntitlement{x.wire()}, nil
}

// entitlements/stop {serialNumber}: ACTIVE → STOPPED only.
func flexEntitlementStop(_ *Emulator, f *flexStore, c flexCaller, b flexBody, now time.Time) (any, *flexError) {
	return f.transition(c, b, FlexActive, "only an ACTIVE entitlement can be stopped", func(x *flexEnt) { x.stop(now) })
}

// entitlements/reactivate {serialNumber}: STOPPED → ACTIVE only; PENDING
// cannot be forced ACTIVE (TF-FLEX).
func flexEntitlementReactivate(_ *Emulator, f *flexStore, c flexCaller, b flexBody, now time.Time) (any, *flexError) {
	return f.transition(c, b, FlexStopped, "only a STOPPED entitlement can be reactivated", func(x *flexEnt) { x.activate(now) })
}

// transition applies a by-hand state change to the caller's entitlement,
// refusing it unless the entitlement is in state from.
func (f *flexStore) transition(c flexCaller, b flexBody, from, refusal string, apply func(*flexEnt)) (any, *flexError) {
	x, err := f.ownedEnt(c, b)
	if err != nil {
		return nil, err
	}
	if x.status != from {
		return nil, unableToUpdate(x, refusal)
	}
	apply(x)
	return []FlexEntitlement{x.wire()}, nil
}

// entitlements/vm/token {serialNumber}: a new token, tokenStatus NOTUSED;
// allowed on PENDING and ACTIVE entitlements [inf]. The status is unchanged.
func flexVMToken(_ *Emulator, f *flexStore, c flexCaller, b flexBody, _ time.Time) (any, *flexError) {
	x, err := f.ownedEnt(c, b)
	if err != nil {
		return nil, err
	}
	if x.status != FlexPending && x.status != FlexActive {
		return nil, unableToUpdate(x, "a token can be regenerated only for a PENDING or ACTIVE entitlement")
	}
	f.setToken(x, f.freshToken())
	return []FlexEntitlement{x.wire()}, nil
}

// flexPointsItem is one entitlements/points row, in the reference's order.
type flexPointsItem struct {
	SerialNumber string  `json:"serialNumber"`
	Points       float64 `json:"points"`
	AccountID    int64   `json:"accountId"`
}

// entitlements/points {startDate, endDate, configId | accountId +
// programSerialNumber, serialNumber?}: the points each entitlement used on
// the days from startDate to endDate, both included (§2.2). A time of day in
// the dates is ignored [inf].
func flexPoints(_ *Emulator, f *flexStore, c flexCaller, b flexBody, now time.Time) (any, *flexError) {
	from, ok, err := b.date("startDate")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, requiredField("startDate")
	}
	to, ok, err := b.date("endDate")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, requiredField("endDate")
	}
	from, to = day(from), day(to)
	if to.Before(from) {
		return nil, flexBad("endDate cannot be earlier than startDate.")
	}
	ents, err := f.selectEnts(c, b)
	if err != nil {
		return nil, err
	}
	serial, _, err := b.str("serialNumber")
	if err != nil {
		return nil, err
	}
	serial = strings.TrimSpace(serial)
	out := []flexPointsItem{}
	for _, x := range ents {
		if serial != "" && !strings.EqualFold(serial, x.serial) {
			continue
		}
		out = append(out, flexPointsItem{x.serial, float64(f.points(x, from, to, now)) / 100, x.account})
	}
	return out, nil
}

// flexGroup is one groups/list row (ANS-FLEX fortiflexvm_groups_list_info).
type flexGroup struct {
	AccountID       int64  `json:"accountId"`
	FolderPath      string `json:"folderPath"`
	AvailableTokens int    `json:"availableTokens"`
	UsedTokens      int    `json:"usedTokens"`
}

// groups/list {accountId}: the asset folders holding the account's
// entitlements. accountId is required on v2: the SDKs call the v1 path
// without one (§2.2). availableTokens counts NOTUSED tokens of PENDING or
// ACTIVE entitlements, usedTokens the USED ones not EXPIRED [inf].
func flexGroupsList(_ *Emulator, f *flexStore, c flexCaller, b flexBody, _ time.Time) (any, *flexError) {
	acct, ok, err := b.int("accountId")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, requiredField("accountId")
	}
	if !f.inScope(c.account, acct) {
		return nil, flexForbidden(fmt.Sprintf("Account id %d is not accessible to this API user.", acct))
	}
	groups := map[string]*flexGroup{}
	for _, x := range f.ents {
		if x.account != acct {
			continue
		}
		g := groups[x.folder]
		if g == nil {
			g = &flexGroup{AccountID: acct, FolderPath: x.folder}
			groups[x.folder] = g
		}
		switch {
		case x.tokenStatus == FlexNotUsed && (x.status == FlexPending || x.status == FlexActive):
			g.AvailableTokens++
		case x.tokenStatus == FlexUsed && x.status != FlexExpired:
			g.UsedTokens++
		}
	}
	out := make([]flexGroup, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].FolderPath < out[j].FolderPath })
	return out, nil
}

// flexCalcResult is tools/calc's configs object. Its shape comes from
// ANS-FLEX's RETURN block, which the reference marks low confidence; what
// latest and latestEffectiveDate hold is unknown, so they are null [inf].
type flexCalcResult struct {
	Current             float64 `json:"current"`
	Latest              *string `json:"latest"`
	LatestEffectiveDate *string `json:"latestEffectiveDate"`
}

// tools/calc {programSerialNumber, count, productTypeId, parameters}: the
// points per day count entitlements of that configuration would use, the
// same rate entitlements/points charges [inf].
func flexCalc(_ *Emulator, f *flexStore, c flexCaller, b flexBody, _ time.Time) (any, *flexError) {
	psn, err := b.reqStr("programSerialNumber")
	if err != nil {
		return nil, err
	}
	if _, err := f.ownedProgram(c, psn); err != nil {
		return nil, err
	}
	count, hasCount, err := b.int("count")
	if err != nil {
		return nil, err
	}
	if !hasCount {
		count = 1
	}
	if count < 1 || count > maxFlexCalc {
		return nil, flexBad(fmt.Sprintf("count must be between 1 and %d.", maxFlexCalc))
	}
	prod, params, err := productArg(b)
	if err != nil {
		return nil, err
	}
	return flexCalcResult{Current: float64(count*prod.dailyCentipoints(params)) / 100}, nil
}
