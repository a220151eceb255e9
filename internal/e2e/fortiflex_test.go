package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

type flexEnt struct {
	SerialNumber string `json:"serial_number"`
	ConfigID     int64  `json:"config_id"`
	Status       string `json:"status"`
	Token        string `json:"token"`
	TokenStatus  string `json:"token_status"`
	EndDate      string `json:"end_date"`
	Description  string `json:"description"`
}

// flexEnv runs the server with writes allowed (the approval channels are not built yet) and a
// state directory of the test's own.
func flexEnv(w *world, stateDir string, extra ...string) []string {
	return w.env(append([]string{"FORTICLOUD_MCP_APPROVAL=none", "FORTICLOUD_MCP_STATE_DIR=" + stateDir, "FORTICLOUD_MCP_TOOLSETS=fortiflex"}, extra...)...)
}

func flexRequests(w *world, pathSuffix string) int {
	n := 0
	for _, r := range w.em.Requests() {
		if r.Service == "fortiflex" && strings.HasSuffix(r.Path, pathSuffix) {
			n++
		}
	}
	return n
}

var hexToken = regexp.MustCompile(`^[0-9A-F]{20}$`)

// TestFlexFromProgramsToThreeVMs is the journey an agent makes: which programs, which
// configuration, create three VMs, get serials and tokens; the same call again creates nothing,
// even after a restart.
func TestFlexFromProgramsToThreeVMs(t *testing.T) {
	w := newWorld(t)
	state := t.TempDir()
	s := startStdio(t, flexEnv(w, state), "")

	var progs struct {
		Programs []struct {
			SerialNumber string `json:"serial_number"`
		} `json:"programs"`
	}
	res := s.call(t, "flex_list_programs", nil)
	structured(t, res, &progs)
	found := false
	for _, p := range progs.Programs {
		found = found || p.SerialNumber == emulator.DemoFlexProgramSerial
	}
	if res.IsError || !found {
		t.Fatalf("programs: %s", resultText(res))
	}

	var cfgs struct {
		Configs []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
			VM     bool   `json:"vm"`
		} `json:"configs"`
	}
	res = s.call(t, "flex_list_configs", map[string]any{"program_serial_number": emulator.DemoFlexProgramSerial})
	structured(t, res, &cfgs)
	var cfg int64
	for _, c := range cfgs.Configs {
		if c.ID == emulator.DemoFlexConfigFGTVM && c.Status == "ACTIVE" && c.VM {
			cfg = c.ID
		}
	}
	if cfg == 0 {
		t.Fatalf("configs: %s", resultText(res))
	}

	args := map[string]any{"config_id": cfg, "count": 3, "description": "branch rollout", "idempotency_key": "rollout-2026-11-24-001"}
	var first struct {
		Entitlements []flexEnt `json:"entitlements"`
		Replayed     bool      `json:"replayed"`
	}
	res = s.call(t, "flex_create_vm", args)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	structured(t, res, &first)
	if len(first.Entitlements) != 3 || first.Replayed {
		t.Fatalf("create: %s", resultText(res))
	}
	for _, e := range first.Entitlements {
		if e.Status != "PENDING" || e.TokenStatus != "NOTUSED" || !hexToken.MatchString(e.Token) || e.ConfigID != cfg || !strings.HasPrefix(e.SerialNumber, "FGVM") {
			t.Fatalf("entitlement %+v", e)
		}
	}
	if w.em.FlexCreates() != 1 {
		t.Fatalf("FlexCreates %d", w.em.FlexCreates())
	}

	// The same call again: nothing new.
	var again struct {
		Entitlements []flexEnt `json:"entitlements"`
		Replayed     bool      `json:"replayed"`
	}
	res = s.call(t, "flex_create_vm", args)
	structured(t, res, &again)
	if res.IsError || !again.Replayed || again.Entitlements[0].SerialNumber != first.Entitlements[0].SerialNumber || w.em.FlexCreates() != 1 {
		t.Fatalf("repeat: %s (creates %d)", resultText(res), w.em.FlexCreates())
	}

	// After a restart, with the same state directory: still nothing new.
	s.session.Close()
	s2 := startStdio(t, flexEnv(w, state), "")
	res = s2.call(t, "flex_create_vm", args)
	again.Replayed = false
	structured(t, res, &again)
	if res.IsError || !again.Replayed || w.em.FlexCreates() != 1 {
		t.Fatalf("after restart: %s (creates %d)", resultText(res), w.em.FlexCreates())
	}
	if n := flexRequests(w, "entitlements/vm/create"); n != 1 {
		t.Fatalf("%d vm/create requests, want 1", n)
	}

	// The new entitlements are listed.
	var list struct {
		Entitlements []flexEnt `json:"entitlements"`
		Total        int       `json:"total"`
	}
	res = s2.call(t, "flex_list_entitlements", map[string]any{"config_id": cfg, "description": "branch rollout"})
	structured(t, res, &list)
	if list.Total != 3 {
		t.Fatalf("list: %s", resultText(res))
	}
}

func TestFlexBadInputNeverWrites(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, flexEnv(w, t.TempDir()), "")
	if res := s.call(t, "flex_list_programs", nil); res.IsError { // log in first
		t.Fatal(resultText(res))
	}
	before := w.em.RequestCount()
	local := []struct {
		args map[string]any
		want string
	}{
		{map[string]any{}, "config_id is required"},
		{map[string]any{"config_id": -3}, "config_id must be at least 1"},
		{map[string]any{"config_id": "41102"}, "config_id must be an integer"},
		{map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 0}, "count must be at least 1"},
		{map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 500}, "count must be at most 100"},
		{map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "end_date": "31/12/2026"}, "end_date must match"},
		{map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "end_date": "2026-13-01"}, "not a real date"},
		{map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "end_date": "2020-01-01"}, "in the past"},
		{map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "idempotency_key": "x y"}, "idempotency_key must match"},
		{map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "skip_pending": "yes"}, "skip_pending must be a boolean"},
		{map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "folder_path": "/etc"}, "folder_path must match"},
		{map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "surprise": 1}, "surprise is not an argument"},
	}
	for _, c := range local {
		res := s.call(t, "flex_create_vm", c.args)
		if !res.IsError || !strings.Contains(resultText(res), c.want) {
			t.Errorf("%v: %q, want %q", c.args, resultText(res), c.want)
		}
	}
	if after := w.em.RequestCount(); after != before {
		t.Fatalf("locally invalid input caused %d upstream requests", after-before)
	}
	// Rules that need FortiFlex's answer: only reads go out, never a creation.
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"config_id": emulator.DemoFlexConfigDisabled}, "DISABLED"},
		{map[string]any{"config_id": emulator.DemoFlexConfigHardware}, "not a VM product"},
		{map[string]any{"config_id": emulator.DemoFlexConfigOther}, "not a configuration of this account"},
		{map[string]any{"config_id": 999999}, "not a configuration of this account"},
		{map[string]any{"config_id": emulator.DemoFlexConfigPrepaid, "end_date": "2029-01-01"}, "after the end of program"},
	} {
		res := s.call(t, "flex_create_vm", c.args)
		if !res.IsError || !strings.Contains(resultText(res), c.want) {
			t.Errorf("%v: %q, want %q", c.args, resultText(res), c.want)
		}
	}
	for _, u := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"serial_number": "FGVM/../x", "action": "stop"}, "serial_number must match"},
		{map[string]any{"serial_number": emulator.DemoFlexActiveSerial, "action": "delete"}, "action must be one of"},
		{map[string]any{"action": "stop"}, "serial_number is required"},
	} {
		res := s.call(t, "flex_update_entitlement", u.args)
		if !res.IsError || !strings.Contains(resultText(res), u.want) {
			t.Errorf("%v: %q, want %q", u.args, resultText(res), u.want)
		}
	}
	if w.em.FlexCreates() != 0 || flexRequests(w, "vm/create")+flexRequests(w, "entitlements/stop") != 0 {
		t.Fatalf("invalid input wrote upstream")
	}
}

func TestFlexWritesWaitForApproval(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, w.env("FORTICLOUD_MCP_STATE_DIR="+t.TempDir()), "")
	res := s.call(t, "flex_create_vm", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 2})
	if !res.IsError || !strings.Contains(resultText(res), "approval") {
		t.Fatalf("%q", resultText(res))
	}
	res = s.call(t, "flex_update_entitlement", map[string]any{"serial_number": emulator.DemoFlexActiveSerial, "action": "stop"})
	if !res.IsError || !strings.Contains(resultText(res), "approval") {
		t.Fatalf("%q", resultText(res))
	}
	if w.em.FlexCreates() != 0 || flexRequests(w, "entitlements/stop") != 0 {
		t.Fatal("an unapproved write reached FortiFlex")
	}
	ro := startStdio(t, w.env("FORTICLOUD_MCP_READ_ONLY=true", "FORTICLOUD_MCP_APPROVAL=none"), "")
	list, err := ro.session.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range list.Tools {
		if tool.Name == "flex_create_vm" || tool.Name == "flex_update_entitlement" {
			t.Fatalf("%s offered in read-only mode", tool.Name)
		}
	}
}

// TestFlexExpiredTokenInBodyRecovers: FortiFlex answers a revoked token with HTTP 200 and
// "Invalid security token." in the body; the server renews the token and the call succeeds,
// and a creation still happens exactly once.
func TestFlexExpiredTokenInBodyRecovers(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, flexEnv(w, t.TempDir()), "")
	if res := s.call(t, "flex_list_programs", nil); res.IsError {
		t.Fatal(resultText(res))
	}
	w.em.RevokeTokens()
	if res := s.call(t, "flex_list_programs", nil); res.IsError {
		t.Fatalf("after revocation: %s", resultText(res))
	}
	w.em.RevokeTokens()
	res := s.call(t, "flex_create_vm", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM, "count": 1})
	if res.IsError {
		t.Fatalf("create after revocation: %s", resultText(res))
	}
	if w.em.FlexCreates() != 1 {
		t.Fatalf("FlexCreates %d, want 1", w.em.FlexCreates())
	}
	if n := w.em.PasswordGrants("flexvm") + w.em.RefreshGrants("flexvm"); n != 3 {
		t.Fatalf("%d grants, want 3 (first login and one after each revocation)", n)
	}
}

func TestFlexEntitlementStateMachine(t *testing.T) {
	w := newWorld(t)
	s := startStdio(t, flexEnv(w, t.TempDir()), "")
	step := func(serial, action string) (flexEnt, string, bool) {
		res := s.call(t, "flex_update_entitlement", map[string]any{"serial_number": serial, "action": action})
		var out struct {
			Entitlement flexEnt `json:"entitlement"`
		}
		if !res.IsError {
			structured(t, res, &out)
		}
		return out.Entitlement, resultText(res), res.IsError
	}
	if e, txt, isErr := step(emulator.DemoFlexActiveSerial, "stop"); isErr || e.Status != "STOPPED" {
		t.Fatalf("stop active: %s", txt)
	}
	if _, txt, isErr := step(emulator.DemoFlexActiveSerial, "stop"); !isErr || !strings.Contains(txt, "FortiFlex") {
		t.Fatalf("stop stopped: %s", txt)
	}
	if e, txt, isErr := step(emulator.DemoFlexActiveSerial, "reactivate"); isErr || e.Status != "ACTIVE" {
		t.Fatalf("reactivate: %s", txt)
	}
	if _, txt, isErr := step(emulator.DemoFlexExpiredSerial, "reactivate"); !isErr {
		t.Fatalf("reactivate expired: %s", txt)
	}
	if _, txt, isErr := step(emulator.DemoFlexPendingSerial, "stop"); !isErr {
		t.Fatalf("stop pending: %s", txt)
	}
	var before string
	for _, e := range w.em.FlexEntitlements() {
		if e.SerialNumber == emulator.DemoFlexPendingSerial {
			before = e.Token
		}
	}
	if e, txt, isErr := step(emulator.DemoFlexPendingSerial, "regenerate_token"); isErr || e.Token == before || !hexToken.MatchString(e.Token) || e.TokenStatus != "NOTUSED" {
		t.Fatalf("regenerate: %s", txt)
	}
}

func TestFlexAcceptsTheVMsKey(t *testing.T) {
	w := newWorld(t)
	w.em.SetFlexVMsKey(true)
	s := startStdio(t, flexEnv(w, t.TempDir()), "")
	var list struct {
		Total int `json:"total"`
	}
	res := s.call(t, "flex_list_entitlements", map[string]any{"config_id": emulator.DemoFlexConfigFGTVM})
	structured(t, res, &list)
	if res.IsError || list.Total == 0 {
		t.Fatalf("%s", resultText(res))
	}
}
