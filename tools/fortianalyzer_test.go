package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/forticloud-mcp/forticloud-mcp/internal/fortianalyzer"
)

type fakeFAZAPI struct {
	calls, searches atomic.Int32
	last            fortianalyzer.Request
	lastSearch      fortianalyzer.SearchRequest
}

func (f *fakeFAZAPI) Call(_ context.Context, r fortianalyzer.Request) (*fortianalyzer.Response, error) {
	f.calls.Add(1)
	f.last = r
	return &fortianalyzer.Response{URL: r.URL, Status: fortianalyzer.Status{Code: 0, Message: "OK"}, Data: json.RawMessage(`{"data":[{"alertid":"1"}]}`)}, nil
}

func (f *fakeFAZAPI) SearchLogs(_ context.Context, r fortianalyzer.SearchRequest, onProgress func(int)) (*fortianalyzer.SearchResult, error) {
	f.searches.Add(1)
	f.lastSearch = r
	var rows []map[string]any
	for i := range r.Limit {
		rows = append(rows, map[string]any{"srcip": "10.0.0.5", "action": "deny", "msg": fmt.Sprintf("row %d\u200b", i)})
	}
	return &fortianalyzer.SearchResult{Logs: rows, Total: 500}, nil
}

func TestFAZJSONRPCReadsRunAndWritesWait(t *testing.T) {
	api := &fakeFAZAPI{}
	rpc := byName(FortiAnalyzerTools(FortiAnalyzer{API: api}, Options{}), "faz_jsonrpc")
	for _, c := range []struct{ args, want string }{
		{`{"method":"get","url":"/sys/status"}`, ""},
		{`{"method":"add","url":"/logview/adom/root/logsearch","params":{"logtype":"traffic"}}`, ""},
		{`{"method":"delete","url":"/logview/adom/root/logsearch/12"}`, ""},
		{`{"method":"update","url":"/eventmgmt/adom/root/alerts/ack","params":{"alertid":["1"]}}`, "approval"},
		{`{"method":"add","url":"/incidentmgmt/adom/root/incident","params":{"severity":"high"}}`, "approval"},
		{`{"method":"exec","url":"/sys/reboot"}`, "approval"},
	} {
		before := api.calls.Load()
		res := call(t, rpc, c.args)
		if c.want == "" && (res.IsError || api.calls.Load() != before+1) {
			t.Errorf("%s: %s", c.args, text(res))
		}
		if c.want != "" && (!res.IsError || !strings.Contains(text(res), c.want) || api.calls.Load() != before) {
			t.Errorf("%s: %s", c.args, text(res))
		}
	}
	if api.last.Method != "delete" || api.last.URL != "/logview/adom/root/logsearch/12" {
		t.Errorf("last call %+v", api.last)
	}
}

func TestFAZBadInputNeverReachesUpstream(t *testing.T) {
	api := &fakeFAZAPI{}
	defs := FortiAnalyzerTools(FortiAnalyzer{API: api}, approveAll(t))
	for _, c := range []struct{ tool, args, want string }{
		{"faz_jsonrpc", `{"url":"/sys/status"}`, "method is required"},
		{"faz_jsonrpc", `{"method":"fetch","url":"/sys/status"}`, "method must be one of"},
		{"faz_jsonrpc", `{"method":"get"}`, "url is required"},
		{"faz_jsonrpc", `{"method":"get","url":"/sys/../status"}`, "url must not contain"},
		{"faz_jsonrpc", `{"method":"get","url":"/sys/status?x=1"}`, "url must be a FortiAnalyzer JSON-RPC url"},
		{"faz_jsonrpc", `{"method":"exec","url":"sys/logout"}`, "sessions are managed by the server"},
		{"faz_jsonrpc", `{"method":"get","url":"/sys/status","params":{"session":"x"}}`, "params.session is set by the server"},
		{"faz_jsonrpc", `{"method":"get","url":"/sys/status","params":"x"}`, "params must be an object"},
		{"faz_log_search", `{"limit":1001}`, "limit must be at most 1000"},
		{"faz_log_search", `{"logtype":"everything"}`, "logtype must be one of"},
		{"faz_log_search", `{"adom":"root/../x"}`, "adom must match"},
		{"faz_log_search", `{"time_range":{"start":"yesterday","end":"2026-11-24 00:00:00"}}`, "time_range.start \"yesterday\" is not a date"},
		{"faz_log_search", `{"time_range":{"start":"2026-11-24T00:00:00Z"}}`, "time_range.end is required"},
		{"faz_log_search", `{"time_range":{"start":"2026-11-24T00:00:00Z","end":"2026-11-23T00:00:00Z"}}`, "start must be before end"},
		{"faz_log_search", `{"devices":["FGT1; drop"]}`, "devices.0 must be a device name"},
		{"faz_log_search", `{"filter":"srcip==1\n"}`, "filter must not contain control characters"},
		{"faz_log_search", `{"time_order":"random"}`, "time_order must be one of"},
	} {
		res := call(t, byName(defs, c.tool), c.args)
		if !res.IsError || !strings.Contains(text(res), c.want) {
			t.Errorf("%s %s: %q, want %q", c.tool, c.args, text(res), c.want)
		}
	}
	if api.calls.Load()+api.searches.Load() != 0 {
		t.Fatalf("bad input reached FortiAnalyzer")
	}
}

func TestFAZLogSearchDefaultsAndShaping(t *testing.T) {
	api := &fakeFAZAPI{}
	search := byName(FortiAnalyzerTools(FortiAnalyzer{API: api}, Options{MaxResultBytes: 4096}), "faz_log_search")
	res := call(t, search, `{"filter":"srcip==10.0.0.5 and action==deny","limit":200}`)
	if res.IsError {
		t.Fatal(text(res))
	}
	var out FAZLogSearchResult
	_ = json.Unmarshal(res.StructuredContent.(json.RawMessage), &out)
	r := api.lastSearch
	if r.ADOM != "root" || r.LogType != "traffic" || r.TimeOrder != "desc" || r.End.Sub(r.Start).Hours() != 24 {
		t.Fatalf("defaults: %+v", r)
	}
	if out.Total != 500 || !out.Truncated || out.Returned >= 200 || *out.NextOffset != out.Returned || strings.Contains(text(res), "\u200b") {
		t.Fatalf("shaping: total %d returned %d", out.Total, out.Returned)
	}
}
