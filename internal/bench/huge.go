package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// DefaultResultCap is the server's default --max-result-bytes: what a tool hands the model.
const DefaultResultCap = 64 << 10

// Huge is one fortios_proxy GET of a cmdb table grown to tens of MB (gzipped on the wire), which
// the server must cut to the model's cap: its resident memory before and at its peak.
type Huge struct {
	Entries     int
	ReplyBytes  int64 // the table's JSON before gzip, as the emulator would send it
	Cap         int
	RSSBefore   int64
	PeakRSS     int64
	Growth      int64 // PeakRSS - RSSBefore
	ResultBytes int
	Took        time.Duration
	Truncated   bool
}

// MeasureHuge grows firewall/address on a live device to n entries and reads it through the server.
func MeasureHuge(ctx context.Context, w *World, n int) (*Huge, error) {
	serial := ""
	for _, d := range w.Em.Devices() {
		if d.TunnelAlive && d.Management {
			serial = d.SN
			break
		}
	}
	if serial == "" {
		return nil, errors.New("bench: no reachable device in the demo fleet")
	}
	if err := w.Em.GrowFortiOSTable(serial, "/api/v2/cmdb/firewall/address", n); err != nil {
		return nil, err
	}
	srv, s, stop, err := w.StartSession(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	// A small FortiOS call first, so that tokens, connections and code paths are warm and the
	// figure is the huge reply's alone.
	if err := Call(ctx, s, "fortios_proxy", map[string]any{"serial": serial, "path": "/api/v2/monitor/system/status"}); err != nil {
		return nil, err
	}
	settle()
	h := &Huge{Entries: n, Cap: DefaultResultCap, ReplyBytes: int64(n) * 470}
	if h.RSSBefore, _, err = ReadMemory(srv.Pid()); err != nil {
		return nil, err
	}
	if err := ResetPeak(srv.Pid()); err != nil {
		return nil, fmt.Errorf("bench: reset peak RSS: %w", err)
	}
	start := time.Now()
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: "fortios_proxy", Arguments: map[string]any{"serial": serial, "path": "/api/v2/cmdb/firewall/address"}})
	if err != nil {
		return nil, fmt.Errorf("bench: huge fortios_proxy: %w", err)
	}
	h.Took = time.Since(start)
	if res.IsError {
		return nil, fmt.Errorf("bench: huge fortios_proxy: tool error: %v", res.Content)
	}
	if _, h.PeakRSS, err = ReadMemory(srv.Pid()); err != nil {
		return nil, err
	}
	h.Growth = h.PeakRSS - h.RSSBefore
	b, _ := json.Marshal(res.StructuredContent)
	h.ResultBytes = len(b)
	var out struct {
		Truncated bool `json:"truncated"`
	}
	_ = json.Unmarshal(b, &out)
	h.Truncated = out.Truncated
	return h, nil
}
