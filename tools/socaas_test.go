package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/forticloud-mcp/forticloud-mcp/internal/socaas"
)

type fakeSOCaaS struct{ calls, writes atomic.Int32 }

const alertA = "3a90b295-c110-4333-a361-469789cb5b16"

func (f *fakeSOCaaS) ListAlerts(_ context.Context, from, to time.Time) ([]socaas.Item, error) {
	f.calls.Add(1)
	var out []socaas.Item
	for i := range 45 {
		out = append(out, socaas.Item{"uuid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "severity": []string{"Low", "Medium", "High", "Critical"}[i%4],
			"status": []string{"Confirmed", "InProgress", "Completed"}[i%3], "name": "alert\u202e " + fmt.Sprint(i)})
	}
	return out, nil
}
func (f *fakeSOCaaS) GetAlert(_ context.Context, id string) (socaas.Item, error) {
	f.calls.Add(1)
	return socaas.Item{"uuid": id, "indicators": []any{map[string]any{"type": "ip", "value": "10.0.0.5"}}}, nil
}
func (f *fakeSOCaaS) UpdateAlert(context.Context, string, string, string) error {
	f.writes.Add(1)
	return nil
}
func (f *fakeSOCaaS) ListComments(context.Context, string, string) ([]socaas.Item, error) {
	f.calls.Add(1)
	return []socaas.Item{{"content": "looked at it"}}, nil
}
func (f *fakeSOCaaS) AddComment(_ context.Context, id, c string) (socaas.Item, error) {
	f.writes.Add(1)
	return socaas.Item{"content": c}, nil
}
func (f *fakeSOCaaS) ListServiceRequests(context.Context) ([]socaas.Item, error) {
	f.calls.Add(1)
	return nil, nil
}
func (f *fakeSOCaaS) GetServiceRequest(_ context.Context, id string) (socaas.Item, error) {
	f.calls.Add(1)
	return socaas.Item{"uuid": id, "clientName": "x"}, nil
}

func TestSOCaaSQueryValidatesBeforeSending(t *testing.T) {
	api := &fakeSOCaaS{}
	defs := SOCaaSTools(api, approveAll(t))
	for _, c := range []struct{ tool, args, want string }{
		{"socaas_query", `{}`, "resource is required"},
		{"socaas_query", `{"resource":"cases"}`, "resource must be one of"},
		{"socaas_query", `{"resource":"alert"}`, "id is required for resource alert"},
		{"socaas_query", `{"resource":"alert","id":"12345"}`, "id must match the pattern"},
		{"socaas_query", `{"resource":"alerts","id":"` + alertA + `"}`, "id is not used with resource alerts"},
		{"socaas_query", `{"resource":"alerts","created_from":"2026-11-01"}`, "created_from \"2026-11-01\" is not an RFC 3339 time"},
		{"socaas_query", `{"resource":"alerts","created_from":"2026-11-10T00:00:00Z","created_to":"2026-11-01T00:00:00Z"}`, "created_to is before created_from"},
		{"socaas_query", `{"resource":"alerts","severity":"Severe"}`, "severity must be one of"},
		{"socaas_query", `{"resource":"comments","id":"` + alertA + `","severity":"High"}`, "filter resource alerts only"},
		{"socaas_query", `{"resource":"alerts","limit":501}`, "limit must be at most 500"},
		{"socaas_add_comment", `{"alert_id":"` + alertA + `"}`, "content is required"},
		{"socaas_add_comment", `{"alert_id":"x","content":"hi"}`, "alert_id must match the pattern"},
		{"socaas_add_comment", `{"alert_id":"` + alertA + `","content":""}`, "content must be at least 1 characters"},
		{"socaas_update_alert", `{"alert_id":"` + alertA + `","status":"closed(resolved)"}`, "closure_notes is required to close an alert"},
		{"socaas_update_alert", `{"alert_id":"` + alertA + `","status":"done"}`, "status must be one of"},
	} {
		res := call(t, byName(defs, c.tool), c.args)
		if !res.IsError || !strings.Contains(text(res), c.want) {
			t.Errorf("%s %s: %q, want %q", c.tool, c.args, text(res), c.want)
		}
	}
	if api.calls.Load()+api.writes.Load() != 0 {
		t.Fatal("bad input reached SOCaaS")
	}
}

func TestSOCaaSQueryFiltersPagesAndCleans(t *testing.T) {
	api := &fakeSOCaaS{}
	q := byName(SOCaaSTools(api, Options{}), "socaas_query")
	res := call(t, q, `{"resource":"alerts","severity":"High","limit":5}`)
	var out SOCaaSQueryResult
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &out)
	if res.IsError || *out.Total != 11 || *out.Returned != 5 || *out.NextOffset != 5 || strings.Contains(text(res), "\u202e") {
		t.Fatalf("%s", text(res))
	}
	res = call(t, q, `{"resource":"alert","id":"`+alertA+`"}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	out = SOCaaSQueryResult{}
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &out)
	if res.IsError || out.Item["uuid"] != alertA {
		t.Fatalf("%s", text(res))
	}
}

func TestSOCaaSWritesWaitForApproval(t *testing.T) {
	api := &fakeSOCaaS{}
	defs := SOCaaSTools(api, Options{})
	for _, c := range []struct{ tool, args string }{
		{"socaas_add_comment", `{"alert_id":"` + alertA + `","content":"benign: printer"}`},
		{"socaas_update_alert", `{"alert_id":"` + alertA + `","status":"closed(falsepositive)","closure_notes":"printer"}`},
	} {
		if res := call(t, byName(defs, c.tool), c.args); !res.IsError || !strings.Contains(text(res), "approval") {
			t.Errorf("%s: %q", c.tool, text(res))
		}
	}
	if api.writes.Load() != 0 {
		t.Fatal("an unapproved write reached SOCaaS")
	}
}

var toolNameRE = regexp.MustCompile(`\b(list_devices|fortios_proxy|flex_[a-z_]+|faz_[a-z_]+|socaas_[a-z_]+)\b`)

// TestPromptsOnlyNameOfferedTools renders every prompt for several tool sets and checks each tool
// named in its text is offered.
func TestPromptsOnlyNameOfferedTools(t *testing.T) {
	full := Inventory(allServices(), Options{})
	onlySOC := Inventory(Services{SOCaaS: &fakeSOCaaS{}}, Options{})
	onlyFGC := Inventory(Services{FortiGateCloud: &countingAPI{}}, Options{})
	readOnly := Inventory(allServices(), Options{ReadOnly: true})
	for name, defs := range map[string][]Definition{"full": full, "socaas only": onlySOC, "fortigatecloud only": onlyFGC, "read-only": readOnly} {
		have := map[string]bool{}
		for _, d := range defs {
			have[d.Spec.Name] = true
		}
		for _, p := range Prompts(defs) {
			req := mcp.GetPromptRequest{}
			req.Params.Name = p.Prompt.Name
			req.Params.Arguments = map[string]string{"alert_id": alertA}
			res, err := p.Handler(context.Background(), req)
			if err != nil {
				t.Fatalf("%s/%s: %v", name, p.Prompt.Name, err)
			}
			txt := res.Messages[0].Content.(mcp.TextContent).Text
			for _, m := range toolNameRE.FindAllString(txt, -1) {
				if !have[m] {
					t.Errorf("%s: prompt %s names %s, which is not offered", name, p.Prompt.Name, m)
				}
			}
		}
	}
	if len(Prompts(full)) != 2 || len(Prompts(onlyFGC)) != 1 || len(Prompts(onlySOC)) != 1 {
		t.Fatalf("prompts offered: %d %d %d", len(Prompts(full)), len(Prompts(onlyFGC)), len(Prompts(onlySOC)))
	}
	p := Prompts(onlySOC)[0]
	req := mcp.GetPromptRequest{}
	req.Params.Arguments = map[string]string{"alert_id": "not-a-uuid"}
	if _, err := p.Handler(context.Background(), req); err == nil {
		t.Fatal("bad alert_id accepted")
	}
}
