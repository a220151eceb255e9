package fortianalyzer

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// SearchRequest is one log search (§4.4).
type SearchRequest struct {
	ADOM      string
	LogType   string // traffic, event, attack, virus, webfilter, app-ctrl, ...
	Filter    string // FortiAnalyzer filter syntax, e.g. srcip==10.0.0.5 and action==deny
	Start     time.Time
	End       time.Time
	Devices   []string // device names or ids; empty: all FortiGates
	Limit     int      // at most 1000 (§4.4)
	Offset    int
	TimeOrder string // desc or asc
}

// SearchResult is what a finished search returned.
type SearchResult struct {
	Logs  []map[string]any
	Total int
}

// MaxSearchLimit is FortiAnalyzer's cap on one fetch (§4.4).
const MaxSearchLimit = 1000

var devidRE = regexp.MustCompile(`^F[A-Z0-9]{6,}(\[[A-Za-z0-9_.-]+\])?$`)

// SearchSlots caps one client's concurrent searches: the appliance's search slots are scarce
// (§4.4, FAZ-MCP uses 4). Exported for measurements that check the cap holds.
const SearchSlots = 4

// SearchLogs runs the whole flow: start, poll until 100 %, fetch. onProgress (may be nil) hears
// the percentage while it polls. A search that is abandoned (cancellation, timeout, error) is
// cancelled upstream so that its slot is freed.
func (c *Client) SearchLogs(ctx context.Context, r SearchRequest, onProgress func(percent int)) (*SearchResult, error) {
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	base, err := NormalizeURL("/logview/adom/" + r.ADOM + "/logsearch")
	if err != nil || !logsearchStart.MatchString(base) {
		return nil, fmt.Errorf("fortianalyzer: log search: ADOM %q does not make a valid url", r.ADOM)
	}
	devices := []map[string]string{{"devname": "All_FortiGate"}}
	if len(r.Devices) > 0 {
		devices = devices[:0]
		for _, d := range r.Devices {
			if devidRE.MatchString(d) {
				devices = append(devices, map[string]string{"devid": d})
			} else {
				devices = append(devices, map[string]string{"devname": d})
			}
		}
	}
	start := map[string]any{
		"logtype": r.LogType, "device": devices,
		// RFC 3339 carries its offset, so the window means the same whatever the ADOM's time zone.
		"time-range": map[string]string{"start": r.Start.UTC().Format(time.RFC3339), "end": r.End.UTC().Format(time.RFC3339)},
		"time-order": r.TimeOrder, "case-sensitive": false, "limit": r.Limit, "offset": r.Offset,
	}
	if r.Filter != "" {
		start["filter"] = r.Filter
	}
	for attempt := 0; ; attempt++ {
		res, early, err := c.searchOnce(ctx, base, start, r, onProgress)
		// FAZ 7.6.7 can report 100 % with an empty page too early: search again, once (§4.4).
		if err == nil && early && attempt == 0 {
			continue
		}
		return res, err
	}
}

func (c *Client) searchOnce(ctx context.Context, base string, start map[string]any, r SearchRequest, onProgress func(int)) (_ *SearchResult, early bool, err error) {
	resp, err := c.Call(ctx, Request{Method: "add", URL: base, Params: start})
	if err != nil {
		return nil, false, err
	}
	var started struct {
		TID int64 `json:"tid"`
	}
	if err := json.Unmarshal(resp.Data, &started); err != nil || started.TID == 0 {
		return nil, false, &upstream.Error{Service: ServiceName, Op: "start log search", Message: "reply has no tid"}
	}
	tidURL := fmt.Sprintf("%s/%d", base, started.TID)
	done := false
	defer func() {
		if !done { // abandoned: free the search slot upstream, even if our caller is gone
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_, _ = c.Call(cctx, Request{Method: "delete", URL: tidURL})
		}
	}()
	wait := 200 * time.Millisecond
	for {
		resp, err := c.Call(ctx, Request{Method: "get", URL: tidURL, Params: map[string]any{"limit": r.Limit, "offset": r.Offset}})
		if err != nil {
			return nil, false, err
		}
		var page struct {
			Percentage  int              `json:"percentage"`
			ReturnLines int              `json:"return-lines"`
			TotalCount  int              `json:"total-count"`
			Data        []map[string]any `json:"data"`
		}
		if err := json.Unmarshal(resp.Data, &page); err != nil {
			return nil, false, &upstream.Error{Service: ServiceName, Op: "fetch log search", Message: "unexpected reply", Err: err}
		}
		if onProgress != nil {
			onProgress(page.Percentage)
		}
		if page.Percentage >= 100 {
			done = true // a fetch at 100 % reaps the tid (single use): nothing to cancel
			res := &SearchResult{Logs: page.Data, Total: page.TotalCount}
			return res, len(page.Data) == 0 && page.TotalCount > r.Offset, nil
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		wait = min(wait*2, 2*time.Second)
	}
}
