package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortigatecloud"
)

// countingAPI is a FortiGate Cloud fake that counts calls, so tests can show bad input never
// reaches upstream.
type countingAPI struct {
	pageCap int // the most devices one page returns, like an undocumented server limit (0: none)
	calls   atomic.Int32
	devices []fortigatecloud.Device
	proxy   func(fortigatecloud.ProxyRequest) (*fortigatecloud.ProxyResponse, error)
}

func (c *countingAPI) ListDevices(_ context.Context, limit, offset int) (*fortigatecloud.DevicePage, error) {
	c.calls.Add(1)
	if c.pageCap > 0 {
		limit = min(limit, c.pageCap)
	}
	end := min(offset+limit, len(c.devices))
	start := min(offset, len(c.devices))
	page := &fortigatecloud.DevicePage{Total: len(c.devices)}
	for _, d := range c.devices[start:end] {
		cp := fortigatecloud.Device{}
		for k, v := range d {
			cp[k] = v
		}
		page.Devices = append(page.Devices, cp)
	}
	if len(page.Devices) == 0 {
		page.Total = -1
	}
	return page, nil
}

func (c *countingAPI) Proxy(_ context.Context, r fortigatecloud.ProxyRequest) (*fortigatecloud.ProxyResponse, error) {
	c.calls.Add(1)
	if c.proxy != nil {
		return c.proxy(r)
	}
	return &fortigatecloud.ProxyResponse{Status: 200, Body: []byte(`{"http_method":"GET","results":{"hostname":"fw"},"status":"success"}`), FortiOS: true}, nil
}

func fleet(n int) []fortigatecloud.Device {
	out := make([]fortigatecloud.Device, n)
	models := []string{"FortiGate 60F", "FortiGate 100F", "FortiGate-VM64"}
	fws := []string{"7.4.3", "7.2.8", "7.0.15"}
	for i := range out {
		out[i] = fortigatecloud.Device{"sn": fmt.Sprintf("FGT%013d", i), "name": fmt.Sprintf("branch-%03d", i),
			"model": models[i%3], "firmwareVersion": fws[i%3], "tunnelAlive": i%4 != 0, "ip": "192.0.2.1", "management": true}
	}
	return out
}

func call(t *testing.T, d Definition, args string) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = d.Spec.Name
	req.Params.RawArguments = json.RawMessage(args)
	res, err := d.Handler(context.Background(), req)
	if err != nil {
		t.Fatalf("%s(%s): protocol error %v", d.Spec.Name, args, err)
	}
	return res
}

func text(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func byName(defs []Definition, name string) Definition {
	for _, d := range defs {
		if d.Spec.Name == name {
			return d
		}
	}
	panic("no tool " + name)
}

func TestBadInputIsAToolErrorNamingTheFieldAndNeverReachesUpstream(t *testing.T) {
	api := &countingAPI{devices: fleet(10)}
	defs := FortiGateCloudTools(api, Options{})
	cases := []struct{ tool, args, want string }{
		{"list_devices", `{"limit":0}`, "limit must be at least 1 (got 0)"},
		{"list_devices", `{"limit":1001}`, "limit must be at most 1000 (got 1001)"},
		{"list_devices", `{"limit":"ten"}`, "limit must be an integer, not string"},
		{"list_devices", `{"offset":-1}`, "offset must be at least 0"},
		{"list_devices", `{"fields":["sn","password"]}`, "fields.1 must be one of"},
		{"list_devices", `{"firmware":"seven"}`, "firmware must match the pattern"},
		{"list_devices", `{"tunnel_alive":"yes"}`, "tunnel_alive must be a boolean, not string"},
		{"list_devices", `{"limt":5}`, "limt is not an argument of this tool"},
		{"fortios_proxy", `{}`, "path is required"},
		{"fortios_proxy", `{"path":"/api/v2/monitor/system/status"}`, "serial is required"},
		{"fortios_proxy", `{"serial":"FGT1/../x","path":"/api/v2/monitor/system/status"}`, "serial must match the pattern"},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v2/../../devices"}`, "path must not contain '..'"},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v2/%2e%2e/devices"}`, "path must not contain '..'"},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v2/%252e%252e/devices"}`, "path must not contain '..'"},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v2//monitor/x"}`, "path must not contain '//'"},
		{"fortios_proxy", `{"serial":"FGT1","path":"https://evil.example/api/v2/x"}`, "path"},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v2/monitor/x?vdom=root"}`, "path must not contain a query string"},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v2/monitor/x%3Fa=b"}`, "path must not contain a query string"},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v1/x/y/z"}`, "path must be a FortiOS REST path under /api/v2/"},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v2/monitor/x","method":"PATCH"}`, `method must be one of "GET", "POST", "PUT", "DELETE"`},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v2/monitor/x","vdom":"root&x=1"}`, "vdom must be a VDOM name"},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v2/monitor/x","query":{"a b":"1"}}`, "query.a b must be a query parameter name"},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v2/monitor/x","body":{"a":1}}`, "body is only allowed with POST or PUT"},
		{"fortios_proxy", `{"serial":"FGT1","path":"/api/v2/monitor/x","body":"text"}`, "body must be an object, not string"},
	}
	for _, c := range cases {
		res := call(t, byName(defs, c.tool), c.args)
		if !res.IsError || !strings.Contains(text(res), c.want) {
			t.Errorf("%s(%s): isError=%v %q; want it to contain %q", c.tool, c.args, res.IsError, text(res), c.want)
		}
	}
	if n := api.calls.Load(); n != 0 {
		t.Fatalf("bad input caused %d upstream calls", n)
	}
}

func TestWritesAreRefusedWithoutApprovalAndInReadOnlyMode(t *testing.T) {
	api := &countingAPI{}
	for _, ro := range []bool{false, true} {
		proxy := byName(FortiGateCloudTools(api, Options{ReadOnly: ro}), "fortios_proxy")
		for _, m := range []string{"POST", "PUT", "DELETE"} {
			res := call(t, proxy, `{"serial":"FGT1","path":"/api/v2/cmdb/firewall/address","method":"`+m+`","body":{"name":"x"}}`)
			if m == "DELETE" {
				res = call(t, proxy, `{"serial":"FGT1","path":"/api/v2/cmdb/firewall/address/x","method":"DELETE"}`)
			}
			want := "approval"
			if ro {
				want = "read-only mode"
			}
			if !res.IsError || !strings.Contains(text(res), want) {
				t.Errorf("readOnly=%v %s: %q", ro, m, text(res))
			}
		}
	}
	if api.calls.Load() != 0 {
		t.Fatalf("a refused write reached upstream")
	}
}

func TestListDevicesFiltersAndPages(t *testing.T) {
	api := &countingAPI{devices: fleet(1200)}
	ld := byName(FortiGateCloudTools(api, Options{MaxResultBytes: 1 << 20}), "list_devices")
	var out DeviceList
	res := call(t, ld, `{"model":"60f","firmware":"7.4","tunnel_alive":true,"limit":10,"fields":["name"]}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &out)
	// 400 are 60F on 7.4.3 (i%3==0); of those, tunnel down when i%4==0 → i%12==0: 100 → 300 match.
	if out.Total != 300 || out.Returned != 10 || !out.Truncated || out.NextOffset == nil || *out.NextOffset != 10 {
		t.Fatalf("got %+v", out)
	}
	for _, raw := range out.Devices.Items {
		var d map[string]any
		if err := json.Unmarshal(raw, &d); err != nil || len(d) != 2 || d["sn"] == nil || d["name"] == nil {
			t.Fatalf("fields not applied: %v", d)
		}
	}
	api.calls.Store(0)
	res = call(t, ld, `{"limit":5,"offset":1198}`)
	out = DeviceList{}
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &out)
	if out.Total != 1200 || out.Returned != 2 || out.Truncated || out.NextOffset != nil || api.calls.Load() != 1 {
		t.Fatalf("last page: %+v calls %d", out, api.calls.Load())
	}
}

func TestListDevicesFiltersTheWholeFleetWhateverThePageSize(t *testing.T) {
	api := &countingAPI{devices: fleet(1200), pageCap: 100}
	ld := byName(FortiGateCloudTools(api, Options{MaxResultBytes: 1 << 20}), "list_devices")
	res := call(t, ld, `{"model":"60F","limit":1000}`)
	var out DeviceList
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &out)
	if out.Total != 400 || out.Returned != 400 || api.calls.Load() != 12 {
		t.Fatalf("total %d returned %d after %d calls; want 400/400/12", out.Total, out.Returned, api.calls.Load())
	}
}

func TestListDevicesStaysWithinResultBudget(t *testing.T) {
	api := &countingAPI{devices: fleet(1000)}
	ld := byName(FortiGateCloudTools(api, Options{MaxResultBytes: 8192}), "list_devices")
	res := call(t, ld, `{"limit":1000}`)
	sc := res.StructuredContent.(json.RawMessage)
	var out DeviceList
	_ = json.Unmarshal(sc, &out)
	if len(sc) > 8192 || !out.Truncated || out.NextOffset == nil || *out.NextOffset != out.Returned {
		t.Fatalf("len %d, %+v", len(sc), out)
	}
}

func TestFortiOSProxyRedactsAndCuts(t *testing.T) {
	big := `{"http_method":"GET","results":[` + strings.Repeat(`{"name":"a","password":"ENC c2VjcmV0"},`, 5000) + `{"name":"z"}],"status":"success"}`
	api := &countingAPI{proxy: func(r fortigatecloud.ProxyRequest) (*fortigatecloud.ProxyResponse, error) {
		if r.Path != "/api/v2/cmdb/system/admin" || r.Query.Get("vdom") != "root" || r.Method != "GET" {
			return nil, fmt.Errorf("unexpected request %+v", r)
		}
		return &fortigatecloud.ProxyResponse{Status: 200, Body: []byte(big), FortiOS: true}, nil
	}}
	proxy := byName(FortiGateCloudTools(api, Options{MaxResultBytes: 16384}), "fortios_proxy")
	res := call(t, proxy, `{"serial":"FGT1","path":"api/v2/cmdb/system/admin","vdom":"root"}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	sc := res.StructuredContent.(json.RawMessage)
	if len(sc) > 16384 || bytes.Contains(sc, []byte("c2VjcmV0")) || !bytes.Contains(sc, []byte(`"truncated":true`)) {
		t.Fatalf("len %d: %.300s", len(sc), sc)
	}
}

// TestEveryToolStatesItsAnnotations: clients auto-run tools marked read-only, so every tool states
// readOnlyHint and every write states destructiveHint (style.md; github-mcp-server does the same).
// The other hints are left out where the MCP spec's defaults already say them, so the test reads
// the advertised annotations with those defaults and wants exactly what the tool declares.
func TestEveryToolStatesItsAnnotations(t *testing.T) {
	for _, d := range Inventory(allServices(), Options{Gate: testGate(t, approval.ModeRequired)}) {
		raw, _ := json.Marshal(d.Tool)
		var tool struct {
			Annotations map[string]any `json:"annotations"`
		}
		_ = json.Unmarshal(raw, &tool)
		a := tool.Annotations
		hint := func(name string, def bool) bool {
			if v, ok := a[name].(bool); ok {
				return v
			}
			return def
		}
		declared := d.Spec.Hints
		if _, ok := a["readOnlyHint"].(bool); !ok {
			t.Errorf("%s does not state readOnlyHint", d.Spec.Name)
		}
		if declared.ReadOnly && declared.Destructive {
			t.Errorf("%s is declared both read-only and destructive", d.Spec.Name)
		}
		got := Hints{ReadOnly: hint("readOnlyHint", false), OpenWorld: hint("openWorldHint", true)}
		want := Hints{ReadOnly: declared.ReadOnly, OpenWorld: declared.OpenWorld}
		if declared.ReadOnly {
			// destructiveHint and idempotentHint mean nothing for a read-only tool.
			for _, h := range []string{"destructiveHint", "idempotentHint"} {
				if _, ok := a[h]; ok {
					t.Errorf("%s is read-only but states %s", d.Spec.Name, h)
				}
			}
		} else {
			if _, ok := a["destructiveHint"].(bool); !ok {
				t.Errorf("%s can write but does not state destructiveHint", d.Spec.Name)
			}
			got.Destructive, got.Idempotent = hint("destructiveHint", true), hint("idempotentHint", false)
			want.Destructive, want.Idempotent = declared.Destructive, declared.Idempotent
		}
		if got != want {
			t.Errorf("%s: annotations %v read as %+v; declared %+v", d.Spec.Name, a, got, want)
		}
		if _, ok := a["title"]; ok {
			t.Errorf("%s: annotations.title repeats the top-level title", d.Spec.Name)
		}
		if d.Spec.Toolset == "" || d.Tool.Description == "" || d.Spec.Title == "" || d.Tool.Title != d.Spec.Title {
			t.Errorf("%s lacks a toolset, title or description", d.Spec.Name)
		}
	}
}

func TestReadOnlyKeepsOnlyReadsAndMixedTools(t *testing.T) {
	for _, d := range Inventory(allServices(), Options{ReadOnly: true}) {
		if !d.Spec.Hints.ReadOnly && !d.Spec.Mixed {
			t.Errorf("%s offered in read-only mode", d.Spec.Name)
		}
	}
}

// TestSchemaSnapshots compares every tool's advertised definition with its golden file; run with
// UPDATE_SNAPSHOTS=1 to rewrite them after an intended change.
func TestSchemaSnapshots(t *testing.T) {
	total := 0
	all := Inventory(allServices(), Options{Gate: testGate(t, approval.ModeRequired)})
	for _, d := range all {
		wire, err := json.Marshal(d.Tool)
		if err != nil {
			t.Fatal(err)
		}
		total += len(wire)
		// tools/list costs context in every conversation: keep each definition lean.
		if len(wire) > 2600 {
			t.Errorf("%s: definition is %d bytes on the wire; keep descriptions short", d.Spec.Name, len(wire))
		}
		got, _ := json.MarshalIndent(d.Tool, "", "  ")
		got = append(got, '\n')
		file := filepath.Join("testdata", "schemas", d.Spec.Name+".json")
		if os.Getenv("UPDATE_SNAPSHOTS") == "1" {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%s: no snapshot (run UPDATE_SNAPSHOTS=1 go test ./tools/): %v", d.Spec.Name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: advertised definition changed; if intended, run UPDATE_SNAPSHOTS=1 go test ./tools/ and review the diff\n got: %s", d.Spec.Name, got)
		}
		var schema struct {
			InputSchema struct {
				Type                 string `json:"type"`
				AdditionalProperties *bool  `json:"additionalProperties"`
			} `json:"inputSchema"`
			OutputSchema struct {
				Type string `json:"type"`
			} `json:"outputSchema"`
		}
		_ = json.Unmarshal(got, &schema)
		if schema.InputSchema.Type != "object" || schema.InputSchema.AdditionalProperties == nil || *schema.InputSchema.AdditionalProperties || schema.OutputSchema.Type != "object" {
			t.Errorf("%s: input schema must be a closed object and output an object: %+v", d.Spec.Name, schema)
		}
	}
	t.Logf("tools/list: %d tools, %d bytes", len(all), total)
}

// allServices has a fake for every service, so that inventory tests see every tool.
func allServices() Services {
	return Services{FortiGateCloud: &countingAPI{}, FortiFlex: &FortiFlex{API: &fakeFlex{}}, FortiAnalyzer: &FortiAnalyzer{API: &fakeFAZAPI{}}, SOCaaS: &fakeSOCaaS{}}
}

// TestProxyApprovalBindsPathAndQuery: a FortiOS write's approval covers its path and query, not
// only the device: another path or another vdom is another change, asked about on its own.
func TestProxyApprovalBindsPathAndQuery(t *testing.T) {
	api := &countingAPI{}
	proxy := byName(FortiGateCloudTools(api, Options{Gate: testGate(t, approval.ModeRequired)}), "fortios_proxy")
	ids := map[string]string{}
	for _, args := range []string{
		`{"serial":"FGT60F0000000001","method":"DELETE","path":"/api/v2/cmdb/firewall/address/old-host"}`,
		`{"serial":"FGT60F0000000001","method":"DELETE","path":"/api/v2/cmdb/firewall/policy/1"}`,
		`{"serial":"FGT60F0000000001","method":"DELETE","path":"/api/v2/cmdb/firewall/address/old-host","vdom":"root"}`,
		`{"serial":"FGT60F0000000001","method":"DELETE","path":"/api/v2/cmdb/firewall/address/old-host","query":{"scope":"global"}}`,
	} {
		res := call(t, proxy, args)
		held, ok := res.StructuredContent.(map[string]any)
		if !ok || !res.IsError {
			t.Fatalf("%s: not held: %q", args, text(res))
		}
		id := held["approval_id"].(string)
		for prev, other := range ids {
			if other == id {
				t.Errorf("%s shares approval %s with %s", args, id, prev)
			}
		}
		ids[args] = id
	}
	if api.calls.Load() != 0 {
		t.Fatal("a held write reached FortiGate Cloud")
	}
}

// TestNoBooleanPropertySchemas: MCP's schema.ts types every property schema as an object, and the
// TypeScript SDK's client rejects a tools/list holding a bare `true` (conformance `tools-list`).
func TestNoBooleanPropertySchemas(t *testing.T) {
	for _, d := range Inventory(allServices(), Options{Gate: testGate(t, approval.ModeRequired)}) {
		for which, raw := range map[string]json.RawMessage{"inputSchema": d.Tool.RawInputSchema, "outputSchema": d.Tool.RawOutputSchema} {
			var walk func(path string, v any)
			walk = func(path string, v any) {
				m, ok := v.(map[string]any)
				if !ok {
					return
				}
				if props, ok := m["properties"].(map[string]any); ok {
					for name, p := range props {
						if _, isBool := p.(bool); isBool {
							t.Errorf("%s %s: property %s%s is a bare boolean schema", d.Spec.Name, which, path, name)
						}
						walk(path+name+".", p)
					}
				}
				if items, ok := m["items"]; ok {
					walk(path+"[].", items)
				}
			}
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatalf("%s %s: %v", d.Spec.Name, which, err)
			}
			walk("", v)
		}
	}
}
