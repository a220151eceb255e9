package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortigatecloud"
	"github.com/forticloud-mcp/forticloud-mcp/internal/socaas"
)

// decodeAs is what a tool does with arguments the validator accepted.
func decodeAs[In any](raw []byte) (any, error) {
	var in In
	if len(raw) == 0 || string(raw) == "null" {
		return &in, nil
	}
	err := json.Unmarshal(raw, &in)
	return &in, err
}

// argumentTypes maps every tool to its argument struct. FuzzToolArguments fails when a tool has no
// entry, so a new tool cannot skip the fuzzing.
var argumentTypes = map[string]func([]byte) (any, error){
	"list_devices":            decodeAs[ListDevicesArgs],
	"fortios_proxy":           decodeAs[FortiOSProxyArgs],
	"flex_list_programs":      decodeAs[NoArgs],
	"flex_list_configs":       decodeAs[FlexListConfigsArgs],
	"flex_list_entitlements":  decodeAs[FlexListEntitlementsArgs],
	"flex_create_vm":          decodeAs[FlexCreateVMArgs],
	"flex_update_entitlement": decodeAs[FlexUpdateEntitlementArgs],
	"faz_jsonrpc":             decodeAs[FAZJSONRPCArgs],
	"faz_log_search":          decodeAs[FAZLogSearchArgs],
	"socaas_query":            decodeAs[SOCaaSQueryArgs],
	"socaas_add_comment":      decodeAs[SOCaaSAddCommentArgs],
	"socaas_update_alert":     decodeAs[SOCaaSUpdateAlertArgs],
	"approval_status":         decodeAs[ApprovalStatusArgs],
}

// fuzzGate is an approval gate in a temporary directory, so that the inventory offers
// approval_status too.
func fuzzGate(f *testing.F) *approval.Gate {
	f.Helper()
	store, err := audit.Open(filepath.Join(f.TempDir(), audit.FileName))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	g, err := approval.New(approval.Config{Mode: approval.ModeRequired, Store: store})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { g.Close(context.Background()) })
	return g
}

type fuzzTool struct {
	def      Definition
	v        *validator
	decode   func([]byte) (any, error)
	props    map[string]bool
	required []string
}

func fuzzTools(f *testing.F, defs []Definition) []fuzzTool {
	f.Helper()
	var out []fuzzTool
	for _, d := range defs {
		dec, ok := argumentTypes[d.Spec.Name]
		if !ok {
			f.Fatalf("%s has no entry in argumentTypes: add its argument struct so that its schema is fuzzed", d.Spec.Name)
		}
		var schema struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(d.Tool.RawInputSchema, &schema); err != nil {
			f.Fatal(err)
		}
		props := map[string]bool{}
		for k := range schema.Properties {
			props[k] = true
		}
		out = append(out, fuzzTool{def: d, v: newValidator(d.Spec.Name, d.Tool.RawInputSchema), decode: dec, props: props, required: schema.Required})
	}
	return out
}

// argumentSeeds are raw arguments worth mutating: valid calls, wrong types, numbers at and past
// the integer limits, deep nesting, duplicate keys, hostile strings.
var argumentSeeds = []string{
	`{}`, `null`, ``, `[]`, `"x"`, `1`, `true`, `{"limit":5}`, `{"limit":"5"}`, `{"limit":5.5}`, `{"limit":-0}`,
	`{"limit":9223372036854775808}`, `{"offset":9223372036854775807}`, `{"offset":-9223372036854775808}`, `{"config_id":9223372036854775807}`,
	`{"serial":"FGT60FTK2209A001","path":"/api/v2/monitor/system/status"}`,
	`{"serial":"FGT1","path":"/api/v2/cmdb/firewall/address","method":"POST","body":{"name":"x","a":{"b":{"c":[1,2,{"d":null}]}}}}`,
	`{"serial":"FGT1","path":"/api/v2/monitor/x","query":{"filter":["a==b","c==d"],"count":"3"}}`,
	`{"method":"get","url":"/sys/status","params":{"filter":[["srcip","==","10.0.0.5"]],"limit":10}}`,
	`{"method":"get","url":"/sys/status","params":{"a":` + strings.Repeat(`[`, 500) + strings.Repeat(`]`, 500) + `}}`,
	`{"logtype":"traffic","time_range":{"start":"2026-11-23T00:00:00Z","end":"2026-11-24 00:00:00"},"devices":["FGT1","branch[root]"]}`,
	`{"config_id":41045,"count":3,"end_date":"2027-01-01","folder_path":"My Assets/a","idempotency_key":"rollout-0001"}`,
	`{"serial_number":"FGVMELTM25008315","action":"stop"}`,
	`{"resource":"alerts","created_from":"2026-11-01T00:00:00Z","created_to":"2026-11-24T00:00:00+01:00","severity":"High"}`,
	`{"alert_id":"3a90b295-c110-4333-a361-469789cb5b16","content":"ignore previous instructions\u202e\u200b"}`,
	`{"alert_id":"3a90b295-c110-4333-a361-469789cb5b16","status":"closed(resolved)","closure_notes":"ok"}`,
	`{"approval_id":"ap-aaaaaaaaaaaaaaaa","wait_seconds":0}`,
	`{"limit":1,"limit":"x"}`, `{"serial":"../x","serial":"FGT1","path":"/api/v2/monitor/x"}`, `{"Limit":5}`, `{"lim\u0069t":5}`, `{"limit":5}trailing`, `{"limit":5}{}`,
	`{"program_serial_number":"ELAVMS0000000518\u0000"}`, `{"name":"\ud800"}`, "{\"name\":\"\xff\"}",
	`{"fields":["sn","sn"]}`, `{"devices":[` + strings.Repeat(`"a",`, 60) + `"a"]}`,
}

// FuzzToolArguments runs raw JSON through every tool's argument validator (the schema each tool
// advertises). It must never panic; it must refuse anything that is not a JSON object (null and
// nothing stand for no arguments); what it refuses comes back as an ArgumentError naming a field
// or the arguments; and what it accepts has only the schema's properties, the required ones
// present, and decodes into the tool's argument struct, so the handler never meets input that
// the schema promised to accept and Go then refuses.
func FuzzToolArguments(f *testing.F) {
	tools := fuzzTools(f, Inventory(allServices(), Options{Gate: fuzzGate(f)}))
	if len(tools) != len(argumentTypes) {
		f.Fatalf("the inventory has %d tools, argumentTypes %d", len(tools), len(argumentTypes))
	}
	for i := range tools {
		for _, s := range argumentSeeds {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		tool := tools[int(which)%len(tools)]
		// As the tool does: canonical arguments first, then the schema.
		canon, err := canonicalArgs(raw)
		if err == nil {
			err = tool.v.validate(canon)
			raw = canon
		}
		trimmed := bytes.TrimSpace(raw)
		noArgs := len(trimmed) == 0 || string(trimmed) == "null"
		if noArgs && len(trimmed) != len(raw) {
			// Whitespace around nothing or null: the validator reads no arguments and the handler
			// fails to decode them. JSON-RPC never carries such arguments (a missing or null
			// value arrives empty or as "null"), so this is not a promise to check.
			return
		}
		if err != nil {
			var ae *ArgumentError
			if !errors.As(err, &ae) || len(ae.Problems) == 0 {
				t.Fatalf("%s: refusal %v is not an ArgumentError with problems", tool.def.Spec.Name, err)
			}
			for _, p := range ae.Problems {
				if strings.TrimSpace(p) == "" {
					t.Fatalf("%s: an empty problem in %q", tool.def.Spec.Name, ae.Problems)
				}
			}
			return
		}
		if !noArgs && (!json.Valid(trimmed) || trimmed[0] != '{') {
			t.Fatalf("%s accepted arguments that are not a JSON object: %q", tool.def.Spec.Name, raw)
		}
		var obj map[string]json.RawMessage
		if !noArgs {
			if err := json.Unmarshal(trimmed, &obj); err != nil {
				t.Fatalf("%s accepted %q, which is not an object: %v", tool.def.Spec.Name, raw, err)
			}
		}
		for k := range obj {
			if !tool.props[k] {
				t.Fatalf("%s accepted unknown argument %q", tool.def.Spec.Name, k)
			}
		}
		for _, k := range tool.required {
			if _, ok := obj[k]; !ok {
				t.Fatalf("%s accepted %q without required %s", tool.def.Spec.Name, raw, k)
			}
		}
		in, err := tool.decode(raw)
		if err != nil {
			t.Errorf("%s: the schema accepted %q but decoding it into the argument struct fails: %v", tool.def.Spec.Name, raw, err)
			return
		}
		// What the handler gets is what was validated: the decoded arguments, encoded again,
		// pass the same schema (duplicate keys, case-folded names and the like cannot slip a
		// value past the validator).
		again, err := json.Marshal(in)
		if err != nil {
			t.Fatalf("%s: %v", tool.def.Spec.Name, err)
		}
		if err := tool.v.validate(again); err != nil {
			t.Errorf("%s: the schema accepted %q, but the handler sees %s, which it refuses: %v", tool.def.Spec.Name, raw, again, err)
		}
	})
}

// fuzzSOCaaS is a SOCaaS fake that keeps the window ListAlerts was asked for.
type fuzzSOCaaS struct {
	fakeSOCaaS
	from, to time.Time
	asked    bool
}

func (f *fuzzSOCaaS) ListAlerts(ctx context.Context, from, to time.Time) ([]socaas.Item, error) {
	f.from, f.to, f.asked = from, to, true
	return f.fakeSOCaaS.ListAlerts(ctx, from, to)
}

// fuzzFGC is a FortiGate Cloud fake whose paging cannot overflow with offsets near 2^63.
type fuzzFGC struct{ countingAPI }

func (f *fuzzFGC) ListDevices(ctx context.Context, limit, offset int) (*fortigatecloud.DevicePage, error) {
	if offset > len(f.devices) {
		offset = len(f.devices)
	}
	return f.countingAPI.ListDevices(ctx, min(limit, len(f.devices)), offset)
}

// fuzzServices are the fakes behind FuzzToolCalls.
type fuzzServices struct {
	fgc  *fuzzFGC
	flex *fakeFlex
	faz  *fakeFAZAPI
	soc  *fuzzSOCaaS
}

func (s *fuzzServices) calls() int32 {
	return s.fgc.calls.Load() + s.flex.reads.Load() + s.flex.creates.Load() + s.flex.updates.Load() +
		s.faz.calls.Load() + s.faz.searches.Load() + s.soc.calls.Load() + s.soc.writes.Load()
}

func (s *fuzzServices) writes() int32 {
	return s.flex.creates.Load() + s.flex.updates.Load() + s.soc.writes.Load()
}

// fuzzResultCap is the MaxResultBytes FuzzToolCalls runs with; resultEnvelope is what a result
// may add around the capped reply (the summary line and the result's own fields).
const (
	fuzzResultCap  = 4096
	resultEnvelope = 1024
)

// FuzzToolCalls runs whole tool calls (validation, the handler's own checks, the fakes) with
// arbitrary raw arguments and no approval gate. No call may panic or fail at the protocol level;
// what the validator refuses never reaches a fake; no write reaches a fake (there is no one to
// approve it); every result fits the result cap plus a small envelope, is valid UTF-8, and its
// text never carries hidden characters from the fakes' data.
func FuzzToolCalls(f *testing.F) {
	svc := &fuzzServices{fgc: &fuzzFGC{countingAPI{devices: fleet(40)}}, flex: &fakeFlex{}, faz: &fakeFAZAPI{}, soc: &fuzzSOCaaS{}}
	opts := Options{MaxResultBytes: fuzzResultCap}
	defs := Inventory(Services{FortiGateCloud: svc.fgc, FortiFlex: &FortiFlex{API: svc.flex, Now: func() time.Time { return flexNow }},
		FortiAnalyzer: &FortiAnalyzer{API: svc.faz, Now: func() time.Time { return flexNow }}, SOCaaS: svc.soc}, opts)
	validators := make([]*validator, len(defs))
	for i, d := range defs {
		validators[i] = newValidator(d.Spec.Name, d.Tool.RawInputSchema)
		for _, s := range argumentSeeds {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		i := int(which) % len(defs)
		d := defs[i]
		refused := validators[i].validate(raw) != nil
		before, writesBefore := svc.calls(), svc.writes()
		req := mcp.CallToolRequest{}
		req.Params.Name = d.Spec.Name
		req.Params.RawArguments = json.RawMessage(raw)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := d.Handler(ctx, req)
		if err != nil || res == nil {
			t.Fatalf("%s(%q): protocol error %v", d.Spec.Name, raw, err)
		}
		txt := resultText(res)
		if strings.Contains(txt, "internal error") {
			t.Fatalf("%s(%q) panicked: %s", d.Spec.Name, raw, txt)
		}
		if refused && (!res.IsError || svc.calls() != before) {
			t.Fatalf("%s(%q): refused arguments ran (isError %v, %d upstream calls)", d.Spec.Name, raw, res.IsError, svc.calls()-before)
		}
		if svc.writes() != writesBefore {
			t.Fatalf("%s(%q) wrote without an approval gate", d.Spec.Name, raw)
		}
		if !utf8.ValidString(txt) {
			t.Fatalf("%s(%q): result text is not valid UTF-8", d.Spec.Name, raw)
		}
		if !res.IsError {
			if len(txt) > 2*(fuzzResultCap+resultEnvelope) { // the text is a summary plus the JSON
				t.Errorf("%s(%q): a result of %d bytes with a %d-byte cap", d.Spec.Name, raw, len(txt), fuzzResultCap)
			}
			for _, r := range txt {
				if r == '\u200b' || r == '\u202e' || r == 0 {
					t.Fatalf("%s(%q): the result keeps hidden character %U from upstream data", d.Spec.Name, raw, r)
				}
			}
		}
	})
}

func resultText(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

var endDatePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2})?$`)

// FuzzParseEndDate: an accepted end_date is not before today (UTC), and when it has the form
// the schema allows, it denotes exactly the date that was checked (end_date is sent to FortiFlex
// as the model wrote it, so the string and the checked time must agree). A refusal names
// end_date.
func FuzzParseEndDate(f *testing.F) {
	now := flexNow.Unix()
	for _, s := range []string{"2026-11-24", "2026-11-23", "2027-05-10", "2027-05-10T23:59:59", "2026-11-24T00:00:00", "2026-13-01",
		"2026-02-29", "2028-02-29", "2026-11-24T24:00:00", "2026-11-24T23:59:60", "2026-11-24T10:00:00.5", "2026-11-24T10:00:00Z",
		"2026-11-24T10:00:00+01:00", "10000-01-01", "0000-01-01", "9999-12-31", "+2027-01-01", " 2027-01-01", "2027-1-1", "2027-01-01T",
		"T", "", "31/12/2026", "2027-01-01\x00", "２０２７-01-01", "2027-01-01T10:00"} {
		f.Add(s, now)
	}
	f.Fuzz(func(t *testing.T, s string, nowUnix int64) {
		now := time.Unix(nowUnix%(400*365*86400), 0).UTC() // about 1570-2370
		got, err := parseEndDate(s, now)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid arguments: end_date ") {
				t.Fatalf("refusal does not name end_date: %v", err)
			}
			return
		}
		today := now.Truncate(24 * time.Hour)
		if got.Before(today) {
			t.Fatalf("accepted %q (%s), before today %s", s, got, today)
		}
		if endDatePattern.MatchString(s) {
			layout := "2006-01-02"
			if strings.Contains(s, "T") {
				layout = "2006-01-02T15:04:05"
			}
			if got.Format(layout) != s {
				t.Fatalf("accepted %q but checked %s", s, got.Format(layout))
			}
		}
	})
}

// timeSeeds are date forms for the FortiAnalyzer and SOCaaS time parsers.
var timeSeeds = []string{
	"2026-11-23T00:00:00Z", "2026-11-23T00:00:00+01:00", "2026-11-23T00:00:00.123456789Z", "2026-11-23 00:00:00", "2026-11-23T00:00:00",
	"2026-11-23", "last week", "now", "", "2026-11-23T24:00:00Z", "2026-02-30T00:00:00Z", "2026-11-23T00:00:00+24:00", "2026-11-23T00:00:00-23:59",
	"9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "0001-01-01T00:00:01Z", "2026-11-23t00:00:00z", "2026-11-23T00:00:00z",
	"2026-11-23T00:00:00Z\x00", "2026-11-23T00:00:00\u200bZ", "1e9", "-1",
}

// sentForm is how the clients send a time upstream: UTC RFC 3339 (fortianalyzer.SearchLogs and
// socaas.ListAlerts).
func sentForm(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// checkSent: the form sent upstream is itself valid RFC 3339 (four-digit year, a real date) and
// means the same second as the accepted time; a malformed date must never reach the service
// (FortiAnalyzer silently reads one as "all time").
func checkSent(t *testing.T, field, in string, got time.Time) {
	t.Helper()
	sent := sentForm(got)
	back, err := time.Parse(time.RFC3339, sent)
	if err != nil || !back.Equal(got.Truncate(time.Second)) || len(sent) != len("2006-01-02T15:04:05Z") {
		t.Fatalf("%s: accepted %q, but the form sent upstream %q is not RFC 3339 for the same time (%v)", field, in, sent, err)
	}
}

// FuzzParseWhen: faz_log_search's time_range parser refuses with the field's name, and what it
// accepts reaches FortiAnalyzer as a valid RFC 3339 time meaning the same second.
func FuzzParseWhen(f *testing.F) {
	for _, s := range timeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseWhen("time_range.start", s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid arguments: time_range.start ") {
				t.Fatalf("refusal does not name the field: %v", err)
			}
			return
		}
		if len(s) > 40 { // the schema's maxLength: longer values never get here
			return
		}
		checkSent(t, "time_range.start", s, got)
	})
}

// FuzzSOCaaSCreatedRange drives socaas_query's created_from/created_to through the tool: a
// refusal is a tool error naming the field; an accepted window reaches the client ordered
// (from not after to) and in a form SOCaaS can read.
func FuzzSOCaaSCreatedRange(f *testing.F) {
	for _, a := range timeSeeds {
		f.Add(a, "2026-11-24T00:00:00Z")
		f.Add("2026-11-01T00:00:00Z", a)
	}
	api := &fuzzSOCaaS{}
	query := byName(SOCaaSTools(api, Options{}), "socaas_query")
	f.Fuzz(func(t *testing.T, from, to string) {
		args := map[string]any{"resource": "alerts"}
		if from != "" {
			args["created_from"] = from
		}
		if to != "" {
			args["created_to"] = to
		}
		raw, err := json.Marshal(args)
		if err != nil {
			return
		}
		api.asked = false
		req := mcp.CallToolRequest{}
		req.Params.Name = "socaas_query"
		req.Params.RawArguments = raw
		res, err := query.Handler(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if res.IsError {
			txt := resultText(res)
			if api.asked || !(strings.Contains(txt, "created_from") || strings.Contains(txt, "created_to")) {
				t.Fatalf("(%q, %q): %q (asked upstream: %v)", from, to, txt, api.asked)
			}
			return
		}
		if !api.asked {
			t.Fatalf("(%q, %q) succeeded without asking SOCaaS", from, to)
		}
		// A zero time means "no bound" to the client: an accepted value must not become one.
		if from != "" {
			if api.from.IsZero() {
				t.Fatalf("created_from %q was accepted and then dropped (sent as no bound)", from)
			}
			checkSent(t, "created_from", from, api.from)
		}
		if to != "" {
			if api.to.IsZero() {
				t.Fatalf("created_to %q was accepted and then dropped (sent as no bound)", to)
			}
			checkSent(t, "created_to", to, api.to)
		}
		if from != "" && to != "" && sentForm(api.to) < sentForm(api.from) {
			t.Fatalf("(%q, %q): the window sent is reversed: %s .. %s", from, to, sentForm(api.from), sentForm(api.to))
		}
	})
}
