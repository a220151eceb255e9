package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortiflex"
	"github.com/forticloud-mcp/forticloud-mcp/internal/idempotency"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// fakeFlex is a FortiFlex fake that counts reads and writes.
type fakeFlex struct {
	reads, creates, updates atomic.Int32
	createErr               error
}

var flexNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func ftime(s string) fortiflex.Time { t, _ := fortiflex.ParseTime(s); return fortiflex.Time{Time: t} }

func (f *fakeFlex) ListPrograms(context.Context) ([]fortiflex.Program, error) {
	f.reads.Add(1)
	return []fortiflex.Program{{SerialNumber: "ELAVMS0000000518", AccountID: 1525959, StartDate: ftime("2024-03-16T00:00:00"), EndDate: ftime("2027-05-10T00:00:00"), HasSupportCoverage: true}}, nil
}

func (f *fakeFlex) ListConfigs(_ context.Context, prog string) ([]fortiflex.Config, error) {
	f.reads.Add(1)
	return []fortiflex.Config{
		{ID: 41045, Name: "FGT-VM-4CPU-UTP", Status: "ACTIVE", ProgramSerialNumber: prog, ProductType: fortiflex.ProductType{ID: 1, Name: "FGT_VM_BUNDLE"},
			Parameters: []fortiflex.Parameter{{ID: 1, Name: "CPU", Value: "4"}, {ID: 2, Name: "SERVICEPACK", Value: "UTP"}}},
		{ID: 41046, Name: "old", Status: "DISABLED", ProductType: fortiflex.ProductType{ID: 1, Name: "FGT_VM_BUNDLE"}},
		{ID: 41047, Name: "branch-hw", Status: "ACTIVE", ProductType: fortiflex.ProductType{ID: 101, Name: "FGT_HW"}},
	}, nil
}

func (f *fakeFlex) ListEntitlements(_ context.Context, flt fortiflex.EntitlementFilter) ([]fortiflex.Entitlement, error) {
	f.reads.Add(1)
	var out []fortiflex.Entitlement
	for i := range 120 {
		st := []string{"ACTIVE", "PENDING", "STOPPED"}[i%3]
		out = append(out, fortiflex.Entitlement{SerialNumber: fmt.Sprintf("FGVMELTM2500%04d", i), ConfigID: 41045, Status: st, Description: fmt.Sprintf("site-%d", i%10)})
	}
	return out, nil
}

func (f *fakeFlex) CreateVMs(_ context.Context, r fortiflex.CreateVMRequest) ([]fortiflex.Entitlement, error) {
	n := f.creates.Add(1)
	if f.createErr != nil {
		return nil, f.createErr
	}
	var out []fortiflex.Entitlement
	for i := range r.Count {
		out = append(out, fortiflex.Entitlement{SerialNumber: fmt.Sprintf("FGVMELTM2600%02d%02d", n, i), ConfigID: fortiflex.Int(r.ConfigID), Status: "PENDING", TokenStatus: "NOTUSED", Token: "B07496A9C7717050DEE4"})
	}
	return out, nil
}

func (f *fakeFlex) UpdateEntitlement(_ context.Context, serial, op string) (*fortiflex.Entitlement, error) {
	f.updates.Add(1)
	return &fortiflex.Entitlement{SerialNumber: serial, Status: "STOPPED"}, nil
}

func flexTools(t *testing.T, api *fakeFlex, opts Options) []Definition {
	store, err := idempotency.Open(filepath.Join(t.TempDir(), "i.db"))
	if err != nil {
		t.Fatal(err)
	}
	return FortiFlexTools(FortiFlex{API: api, Idempotency: store, Scope: "test", Now: func() time.Time { return flexNow }}, opts)
}

// approveAll lets every write run (--approval=none), with an audit trail in a temporary directory.
func approveAll(t *testing.T) Options { return Options{Gate: testGate(t, approval.ModeNone)} }

func testGate(t *testing.T, mode string) *approval.Gate {
	t.Helper()
	store, err := audit.Open(filepath.Join(t.TempDir(), audit.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	g, err := approval.New(approval.Config{Mode: mode, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(context.Background()) })
	return g
}

func TestFlexCreateVMValidationNeverWrites(t *testing.T) {
	api := &fakeFlex{}
	create := byName(flexTools(t, api, approveAll(t)), "flex_create_vm")
	cases := []struct {
		args   string
		want   string
		noRead bool // rejected before any upstream read
	}{
		{`{}`, "config_id is required", true},
		{`{"config_id":0}`, "config_id must be at least 1", true},
		{`{"config_id":"41045"}`, "config_id must be an integer", true},
		{`{"config_id":41045,"count":0}`, "count must be at least 1", true},
		{`{"config_id":41045,"count":101}`, "count must be at most 100", true},
		{`{"config_id":41045,"end_date":"next week"}`, "end_date must match the pattern", true},
		{`{"config_id":41045,"end_date":"2026-02-30"}`, "end_date \"2026-02-30\" is not a real date", true},
		{`{"config_id":41045,"end_date":"2025-01-01"}`, "end_date 2025-01-01 is in the past", true},
		{`{"config_id":41045,"folder_path":"../etc"}`, "folder_path must match the pattern", true},
		{`{"config_id":41045,"idempotency_key":"short"}`, "idempotency_key must match the pattern", true},
		{`{"config_id":41045,"description":"` + strings.Repeat("x", 201) + `"}`, "description must be at most 200", true},
		{`{"config_id":99999}`, "config_id 99999 is not a configuration of this account", false},
		{`{"config_id":41046}`, "is DISABLED; only ACTIVE", false},
		{`{"config_id":41047}`, "not a VM product", false},
		{`{"config_id":41045,"end_date":"2027-06-01"}`, "after the end of program ELAVMS0000000518", false},
	}
	for _, c := range cases {
		before := api.reads.Load()
		res := call(t, create, c.args)
		if !res.IsError || !strings.Contains(text(res), c.want) {
			t.Errorf("%s: %q, want %q", c.args, text(res), c.want)
		}
		if c.noRead && api.reads.Load() != before {
			t.Errorf("%s: reached upstream", c.args)
		}
	}
	if api.creates.Load() != 0 {
		t.Fatalf("invalid input created %d times", api.creates.Load())
	}
}

func TestFlexWritesNeedApprovalAndAreRefusedReadOnly(t *testing.T) {
	api := &fakeFlex{}
	for _, opts := range []Options{{}, {ReadOnly: true, Gate: testGate(t, approval.ModeNone)}} {
		defs := flexTools(t, api, opts)
		for _, c := range []struct{ tool, args, want string }{
			{"flex_create_vm", `{"config_id":41045,"count":3}`, "approval"},
			{"flex_update_entitlement", `{"serial_number":"FGVMELTM25008315","action":"stop"}`, "approval"},
		} {
			want := c.want
			if opts.ReadOnly {
				want = "read-only mode"
			}
			if res := call(t, byName(defs, c.tool), c.args); !res.IsError || !strings.Contains(text(res), want) {
				t.Errorf("%+v %s: %q", opts.ReadOnly, c.tool, text(res))
			}
		}
	}
	if api.creates.Load()+api.updates.Load() != 0 {
		t.Fatal("an unapproved write reached upstream")
	}
}

func TestFlexCreateVMIdempotencyKey(t *testing.T) {
	api := &fakeFlex{}
	create := byName(flexTools(t, api, approveAll(t)), "flex_create_vm")
	args := `{"config_id":41045,"count":3,"idempotency_key":"deploy-2026-11-24-a"}`
	var first, second FlexCreateVMResult
	res := call(t, create, args)
	if res.IsError {
		t.Fatal(text(res))
	}
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &first)
	res = call(t, create, args)
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &second)
	if api.creates.Load() != 1 || len(first.Entitlements) != 3 || first.Replayed || !second.Replayed ||
		second.Entitlements[2].SerialNumber != first.Entitlements[2].SerialNumber {
		t.Fatalf("creates %d, first %+v, second %+v", api.creates.Load(), first, second)
	}
	res = call(t, create, `{"config_id":41045,"count":4,"idempotency_key":"deploy-2026-11-24-a"}`)
	if !res.IsError || !strings.Contains(text(res), "already used with different arguments") || api.creates.Load() != 1 {
		t.Fatalf("conflict: %q", text(res))
	}
}

func TestFlexCreateVMUnknownOutcomeBlocksTheKey(t *testing.T) {
	api := &fakeFlex{createErr: &upstream.Error{Service: "FortiFlex", Op: "create", Err: context.DeadlineExceeded}}
	create := byName(flexTools(t, api, approveAll(t)), "flex_create_vm")
	args := `{"config_id":41045,"idempotency_key":"deploy-unknown-1"}`
	if res := call(t, create, args); !res.IsError {
		t.Fatal("timeout reported as success")
	}
	api.createErr = nil
	res := call(t, create, args)
	if !res.IsError || !strings.Contains(text(res), "without a known outcome") || api.creates.Load() != 1 {
		t.Fatalf("the key was sent again after an unknown outcome: %q (creates %d)", text(res), api.creates.Load())
	}
	// A gateway's 502 page (the create may have gone through behind it) also blocks the key.
	api.createErr = &upstream.Error{Service: "FortiFlex", Op: "create", Status: 502, Message: "reply is not a FortiFlex JSON envelope"}
	args = `{"config_id":41045,"idempotency_key":"deploy-502-0001"}`
	_ = call(t, create, args)
	api.createErr = nil
	if res := call(t, create, args); !res.IsError || !strings.Contains(text(res), "without a known outcome") {
		t.Fatalf("the key was released after a 502: %q", text(res))
	}
	// A refusal by FortiFlex itself (its envelope, status -1) created nothing: the key may be used again.
	api.createErr = &upstream.Error{Service: "FortiFlex", Op: "create", Code: "status -1", Message: "Insufficient points."}
	args = `{"config_id":41045,"idempotency_key":"deploy-refused-1"}`
	_ = call(t, create, args)
	api.createErr = nil
	if res := call(t, create, args); res.IsError {
		t.Fatalf("key blocked after a refusal: %q", text(res))
	}
}

func TestFlexListEntitlementsFiltersAndPages(t *testing.T) {
	api := &fakeFlex{}
	list := byName(flexTools(t, api, Options{}), "flex_list_entitlements")
	if res := call(t, list, `{}`); !res.IsError || !strings.Contains(text(res), "config_id or program_serial_number is required") {
		t.Fatalf("%q", text(res))
	}
	if res := call(t, list, `{"config_id":1,"program_serial_number":"ELAVMS0000000518"}`); !res.IsError {
		t.Fatal("both selectors accepted")
	}
	res := call(t, list, `{"program_serial_number":"ELAVMS0000000518","status":"ACTIVE","description":"SITE-1","limit":5}`)
	var out FlexEntitlementList
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &out)
	// 120 entitlements: ACTIVE when i%3==0 (40); description site-1 when i%10==1 → i%30==21: 4.
	if res.IsError || out.Total != 4 || out.Returned != 4 || out.Truncated {
		t.Fatalf("%s", text(res))
	}
	res = call(t, list, `{"config_id":41045,"limit":50,"offset":100}`)
	out = FlexEntitlementList{}
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &out)
	if out.Total != 120 || out.Returned != 20 || out.NextOffset != nil {
		t.Fatalf("%s", text(res))
	}
}

// TestFlexResultsMatchTheirOutputSchemas: clients that validate structuredContent (the TypeScript
// SDK does) must accept every FortiFlex result, dates included (fortiflex.Time is a struct in Go
// and a string on the wire).
func TestFlexResultsMatchTheirOutputSchemas(t *testing.T) {
	defs := flexTools(t, &fakeFlex{}, approveAll(t))
	for _, c := range []struct{ tool, args string }{
		{"flex_list_programs", `{}`},
		{"flex_list_configs", `{"program_serial_number":"ELAVMS0000000518"}`},
		{"flex_list_entitlements", `{"config_id":41045,"limit":3}`},
		{"flex_create_vm", `{"config_id":41045,"count":2}`},
		{"flex_update_entitlement", `{"serial_number":"FGVMELTM25000001","action":"stop"}`},
	} {
		d := byName(defs, c.tool)
		res := call(t, d, c.args)
		if res.IsError {
			t.Fatalf("%s: %s", c.tool, text(res))
		}
		raw := res.StructuredContent.(json.RawMessage)
		if err := newValidator(c.tool+"-output", d.Tool.RawOutputSchema).validate(raw); err != nil {
			t.Errorf("%s: structuredContent does not match the output schema: %v\n%s", c.tool, err, raw)
		}
	}
}
