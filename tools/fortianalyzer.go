package tools

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortianalyzer"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortios"
)

// FortiAnalyzerAPI is what the FortiAnalyzer tools need from the client.
type FortiAnalyzerAPI interface {
	Call(ctx context.Context, r fortianalyzer.Request) (*fortianalyzer.Response, error)
	SearchLogs(ctx context.Context, r fortianalyzer.SearchRequest, onProgress func(percent int)) (*fortianalyzer.SearchResult, error)
}

// FortiAnalyzer bundles the client with the log search settings.
type FortiAnalyzer struct {
	API FortiAnalyzerAPI
	// SearchTimeout bounds one faz_log_search; past it the search is cancelled upstream
	// (default 2 minutes).
	SearchTimeout time.Duration
	Now           func() time.Time
}

// FortiAnalyzerTools returns the FortiAnalyzer tools.
func FortiAnalyzerTools(f FortiAnalyzer, opts Options) []Definition {
	if f.Now == nil {
		f.Now = time.Now
	}
	if f.SearchTimeout <= 0 {
		f.SearchTimeout = 2 * time.Minute
	}
	return []Definition{fazJSONRPC(f.API, opts), fazLogSearch(f, opts)}
}

// FAZJSONRPCArgs are faz_jsonrpc's arguments.
type FAZJSONRPCArgs struct {
	Method string         `json:"method" jsonschema:"required,enum=get,enum=add,enum=set,enum=update,enum=delete,enum=exec,enum=move,enum=clone" jsonschema_description:"get, and starting or cancelling a log search or FortiView run, read; the rest write."`
	URL    string         `json:"url" jsonschema:"required,maxLength=512" jsonschema_description:"e.g. /sys/status, /dvmdb/adom/root/device, /eventmgmt/adom/root/alerts, /incidentmgmt/adom/root/incidents"`
	Params map[string]any `json:"params,omitempty" jsonschema_extras:"maxProperties=64" jsonschema_description:"Merged into params[0] (filter, limit, offset, time-range...); the server builds the envelope."`
}

// FAZStatus is a JSON-RPC status.
type FAZStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// FAZJSONRPCResult is faz_jsonrpc's result.
type FAZJSONRPCResult struct {
	Method    string          `json:"method"`
	URL       string          `json:"url"`
	Status    FAZStatus       `json:"status"`
	Data      json.RawMessage `json:"data,omitempty"`
	DataText  string          `json:"data_text,omitempty"`
	Truncated bool            `json:"truncated"`
	Note      string          `json:"note,omitempty"`
}

// Summary implements Summarizer.
func (r *FAZJSONRPCResult) Summary() string {
	s := fmt.Sprintf("FortiAnalyzer %s %s: %d %s", r.Method, r.URL, r.Status.Code, r.Status.Message)
	if r.Truncated {
		s += " (truncated)"
	}
	return s
}

// reservedParams belong to the envelope, which the server builds.
var reservedParams = []string{"url", "session", "apiver", "jsonrpc", "id", "method"}

func fazJSONRPC(api FortiAnalyzerAPI, opts Options) Definition {
	return New(Spec{
		Name: "faz_jsonrpc", Title: "FortiAnalyzer JSON-RPC call", Toolset: config.FortiAnalyzer, Mixed: true,
		Hints: Hints{ReadOnly: false, Destructive: true, Idempotent: false, OpenWorld: true},
		Description: "Call FortiAnalyzer Cloud's JSON-RPC API (the server keeps the session): devices, alerts, incidents, FortiView. " +
			"Writes, such as acknowledging an alert, need a person's approval. For logs use faz_log_search.",
	}, func(ctx context.Context, in FAZJSONRPCArgs) (*FAZJSONRPCResult, error) {
		url, err := fortianalyzer.NormalizeURL(in.URL)
		if err != nil {
			return nil, InvalidArgument("url", "%v", err)
		}
		for _, k := range reservedParams {
			if _, ok := in.Params[k]; ok {
				return nil, InvalidArgument("params."+k, "is set by the server (the envelope and session are managed); remove it")
			}
		}
		kind, err := fortianalyzer.Classify(in.Method, url)
		if err != nil {
			return nil, InvalidArgument("url", "%v", err)
		}
		if kind == fortianalyzer.Write {
			action := approval.Action{Tool: "faz_jsonrpc", Service: fortianalyzer.ServiceName, Target: url, Method: in.Method,
				Summary: fmt.Sprintf("FortiAnalyzer %s %s", in.Method, url), Payload: in.Params}
			var err error
			if ctx, err = opts.authorizeWrite(ctx, action); err != nil {
				return nil, err
			}
		}
		resp, err := api.Call(ctx, fortianalyzer.Request{Method: in.Method, URL: url, Params: in.Params})
		if err != nil {
			return nil, err
		}
		out := &FAZJSONRPCResult{Method: in.Method, URL: url, Status: FAZStatus{Code: resp.Status.Code, Message: resp.Status.Message}}
		if len(resp.Data) > 0 {
			shaped := fortios.Shape(resp.Data, opts.budget()-512, false)
			out.Data, out.DataText, out.Truncated, out.Note = shaped.JSON, shaped.Text, shaped.Truncated, shaped.Note
		}
		return out, nil
	})
}

// FAZTimeRange is a log search window.
type FAZTimeRange struct {
	Start string `json:"start" jsonschema:"required,maxLength=40" jsonschema_description:"RFC 3339, or YYYY-MM-DD HH:MM:SS in UTC."`
	End   string `json:"end" jsonschema:"required,maxLength=40" jsonschema_description:"Same forms as start."`
}

// FAZLogSearchArgs are faz_log_search's arguments.
type FAZLogSearchArgs struct {
	ADOM      string        `json:"adom,omitempty" jsonschema:"pattern=^[A-Za-z0-9_-][A-Za-z0-9_.-]{0\\,63}$,default=root"`
	LogType   string        `json:"logtype,omitempty" jsonschema:"enum=traffic,enum=event,enum=attack,enum=virus,enum=webfilter,enum=app-ctrl,enum=dns,enum=emailfilter,enum=dlp,enum=ssl,default=traffic"`
	Filter    string        `json:"filter,omitempty" jsonschema:"maxLength=1024" jsonschema_description:"e.g. srcip==10.0.0.5 and action==deny"`
	TimeRange *FAZTimeRange `json:"time_range,omitempty" jsonschema_description:"Default: the last 24 hours."`
	Devices   []string      `json:"devices,omitempty" jsonschema:"maxItems=50" jsonschema_description:"Names or serials (default all)."`
	Limit     int           `json:"limit,omitempty" jsonschema:"minimum=1,maximum=1000,default=100"`
	Offset    int           `json:"offset,omitempty" jsonschema:"minimum=0"`
	TimeOrder string        `json:"time_order,omitempty" jsonschema:"enum=desc,enum=asc,default=desc"`
}

// FAZLogSearchResult is faz_log_search's result.
type FAZLogSearchResult struct {
	Logs       Page[map[string]any] `json:"logs"`
	Total      int                  `json:"total" jsonschema_description:"Matches in the whole window."`
	Returned   int                  `json:"returned"`
	Truncated  bool                 `json:"truncated"`
	NextOffset *int                 `json:"next_offset,omitempty"`
	Start      string               `json:"start"`
	End        string               `json:"end"`
}

// Summary implements Summarizer.
func (r *FAZLogSearchResult) Summary() string {
	return fmt.Sprintf("%d of %d log rows between %s and %s", r.Returned, r.Total, r.Start, r.End)
}

var devicePattern = func(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("_.-[]", c)) {
			return false
		}
	}
	return true
}

// parseWhen accepts RFC 3339 or "YYYY-MM-DD HH:MM:SS" (taken as UTC). A malformed date must never
// reach FortiAnalyzer: it silently turns it into "all time" (§4.4).
func parseWhen(field, s string) (time.Time, error) {
	for _, l := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, checkYear(field, s, t)
		}
	}
	return time.Time{}, InvalidArgument(field, "%q is not a date: use RFC 3339 (2026-11-23T00:00:00Z) or YYYY-MM-DD HH:MM:SS", s)
}

func fazLogSearch(f FortiAnalyzer, opts Options) Definition {
	return New(Spec{
		Name: "faz_log_search", Title: "Search FortiAnalyzer logs", Toolset: config.FortiAnalyzer,
		Hints:       Hints{ReadOnly: true, Destructive: false, Idempotent: true, OpenWorld: true},
		Description: "Search FortiAnalyzer Cloud logs of one type in a time window, waiting (with progress) for the search to finish.",
	}, func(ctx context.Context, in FAZLogSearchArgs) (*FAZLogSearchResult, error) {
		r := fortianalyzer.SearchRequest{ADOM: cmp.Or(in.ADOM, "root"), LogType: cmp.Or(in.LogType, "traffic"), Filter: in.Filter,
			Limit: in.Limit, Offset: in.Offset, TimeOrder: cmp.Or(in.TimeOrder, "desc")}
		if r.Limit == 0 {
			r.Limit = 100
		}
		if strings.ContainsAny(in.Filter, "\x00\r\n") {
			return nil, InvalidArgument("filter", "must not contain control characters")
		}
		for i, d := range in.Devices {
			if !devicePattern(d) {
				return nil, InvalidArgument(fmt.Sprintf("devices.%d", i), "must be a device name or serial (letters, digits, _ . - and [vdom])")
			}
		}
		r.Devices = in.Devices
		if in.TimeRange == nil {
			r.End = f.Now().UTC()
			r.Start = r.End.Add(-24 * time.Hour)
		} else {
			var err error
			if r.Start, err = parseWhen("time_range.start", in.TimeRange.Start); err != nil {
				return nil, err
			}
			if r.End, err = parseWhen("time_range.end", in.TimeRange.End); err != nil {
				return nil, err
			}
			if !r.Start.Before(r.End) {
				return nil, InvalidArgument("time_range", "start must be before end")
			}
		}
		reportProgress(ctx, 0, 100, "log search started")
		sctx, cancel := context.WithTimeoutCause(ctx, f.SearchTimeout, fmt.Errorf("the log search ran longer than %s (FORTIANALYZER_SEARCH_TIMEOUT) and was cancelled; narrow the time range or the filter", f.SearchTimeout))
		defer cancel()
		res, err := f.API.SearchLogs(sctx, r, func(pct int) {
			reportProgress(ctx, float64(pct), 100, fmt.Sprintf("searching %s logs: %d%%", r.LogType, pct))
		})
		if err != nil {
			if cause := context.Cause(sctx); cause != nil && ctx.Err() == nil {
				return nil, cause
			}
			return nil, err
		}
		rows := make([]map[string]any, 0, len(res.Logs))
		for _, row := range res.Logs {
			clean, _ := fortios.Clean(row)
			rows = append(rows, clean.(map[string]any))
		}
		out := &FAZLogSearchResult{Total: res.Total, Start: r.Start.Format(time.RFC3339), End: r.End.Format(time.RFC3339)}
		var next int
		out.Logs, next = fitPage(rows, opts.budget(), r.Offset)
		out.Returned = out.Logs.Len()
		if next < res.Total {
			out.NextOffset, out.Truncated = &next, true
		}
		return out, nil
	})
}
