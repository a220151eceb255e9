package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortigatecloud"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortios"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// FortiGateCloudAPI is what the FortiGate Cloud tools need from the client.
type FortiGateCloudAPI interface {
	ListDevices(ctx context.Context, limit, offset int) (*fortigatecloud.DevicePage, error)
	Proxy(ctx context.Context, req fortigatecloud.ProxyRequest) (*fortigatecloud.ProxyResponse, error)
}

// FortiGateCloudTools returns the FortiGate Cloud tools.
func FortiGateCloudTools(api FortiGateCloudAPI, opts Options) []Definition {
	return []Definition{
		listDevices(api, opts),
		fortiosProxy(api, opts),
	}
}

// ListDevicesArgs are list_devices' arguments.
type ListDevicesArgs struct {
	Limit       int      `json:"limit,omitempty" jsonschema:"minimum=1,maximum=1000,default=50"`
	Offset      int      `json:"offset,omitempty" jsonschema:"minimum=0" jsonschema_description:"next_offset of the previous page."`
	Fields      []string `json:"fields,omitempty" jsonschema:"uniqueItems=true,enum=sn,enum=name,enum=model,enum=firmwareVersion,enum=tunnelAlive,enum=management,enum=initialized,enum=ip,enum=timeZone,enum=contractEndTime,enum=subAccountOid,enum=latitude,enum=longitude,enum=trial" jsonschema_description:"Fields to return (default all; sn always)."`
	Model       string   `json:"model,omitempty" jsonschema:"maxLength=64" jsonschema_description:"Model contains this (any case), e.g. 60F."`
	Firmware    string   `json:"firmware,omitempty" jsonschema:"maxLength=32,pattern=^v?[0-9]+(\\.[0-9]+){0\\,2}$" jsonschema_description:"Firmware starts with this, e.g. 7.4."`
	Name        string   `json:"name,omitempty" jsonschema:"maxLength=128" jsonschema_description:"Name contains this (any case)."`
	TunnelAlive *bool    `json:"tunnel_alive,omitempty" jsonschema_description:"Management tunnel up (true) or down (false)."`
}

// DeviceList is list_devices' result.
type DeviceList struct {
	Devices    Page[deviceJSON] `json:"devices"`
	Total      int              `json:"total" jsonschema_description:"Devices matching the filters."`
	Returned   int              `json:"returned"`
	Truncated  bool             `json:"truncated"`
	NextOffset *int             `json:"next_offset,omitempty"`
}

// Summary implements Summarizer.
func (l *DeviceList) Summary() string {
	s := fmt.Sprintf("%d of %d devices", l.Returned, l.Total)
	if l.NextOffset != nil {
		s += fmt.Sprintf("; more with offset=%d", *l.NextOffset)
	}
	return s
}

// upstreamPage is the page size used when filters force a walk of the whole fleet.
const upstreamPage = 500

// maxFleetPages bounds that walk (500 × 40 = 20,000 devices).
const maxFleetPages = 40

func listDevices(api FortiGateCloudAPI, opts Options) Definition {
	return New(Spec{
		Name:    "list_devices",
		Title:   "List FortiGate Cloud devices",
		Toolset: config.FortiGateCloud,
		Description: "List the account's FortiGates: serial (sn), name, model, firmware, tunnel state, IP. " +
			"Filter, page, and pick fields to keep the answer small.",
		Hints: Hints{ReadOnly: true, Destructive: false, Idempotent: true, OpenWorld: true},
	}, func(ctx context.Context, in ListDevicesArgs) (*DeviceList, error) {
		if in.Limit == 0 {
			in.Limit = 50
		}
		filtered := in.Model != "" || in.Firmware != "" || in.Name != "" || in.TunnelAlive != nil
		shaper := getDeviceShaper(in.Fields)
		defer putDeviceShaper(shaper)
		if !filtered {
			// No filter: FortiGate Cloud pages for us.
			page, err := api.ListDevices(ctx, in.Limit, in.Offset)
			if err != nil {
				return nil, err
			}
			total := page.Total
			if total < 0 { // empty page past the end: the total is unknown from it
				first, err := api.ListDevices(ctx, 1, 0)
				if err != nil {
					return nil, err
				}
				total = max(first.Total, 0)
			}
			raw, err := pageDevices(page)
			if err != nil {
				return nil, err
			}
			if len(raw) > in.Limit {
				raw = raw[:in.Limit]
			}
			devs := make([]deviceJSON, 0, len(raw))
			for _, d := range raw {
				shaped, _, err := shaper.shape(d)
				if err != nil {
					return nil, upstreamShapeError(err)
				}
				devs = append(devs, shaped)
			}
			next := -1
			if in.Offset+len(devs) < total {
				next = in.Offset + len(devs)
			}
			return fitDevices(devs, total, in, opts, next), nil
		}
		// FortiGate Cloud has no filter parameters (§3.2): walk the fleet and filter here. The
		// service's largest page is not documented, so keep asking until `total` is reached or a
		// page comes back empty, whatever size the pages have.
		var matched []deviceJSON
		for page, off := 0, 0; ; page++ {
			if page == maxFleetPages {
				return nil, fmt.Errorf("list_devices: the fleet is too large to filter in one call (more than %d pages); page without filters instead", maxFleetPages)
			}
			p, err := api.ListDevices(ctx, upstreamPage, off)
			if err != nil {
				return nil, err
			}
			raw, err := pageDevices(p)
			if err != nil {
				return nil, err
			}
			for _, d := range raw {
				shaped, facts, err := shaper.shape(d)
				if err != nil {
					return nil, upstreamShapeError(err)
				}
				if facts.matches(in) {
					matched = append(matched, shaped)
				}
			}
			off += len(raw)
			if len(raw) == 0 || p.Total < 0 || off >= p.Total {
				break
			}
		}
		total := len(matched)
		start := min(in.Offset, total)
		end := min(start+in.Limit, total)
		next := -1
		if end < total {
			next = end
		}
		return fitDevices(matched[start:end], total, in, opts, next), nil
	})
}

// upstreamShapeError reports a device list FortiGate Cloud sent that is not what §3.2 describes.
func upstreamShapeError(err error) error {
	return &upstream.Error{Service: fortigatecloud.ServiceName, Op: "list devices", Message: "reply is not the expected JSON", Err: err}
}

// fitDevices keeps the shaped devices within the result budget (cutting whole devices and
// pointing at the next page).
func fitDevices(devs []deviceJSON, total int, in ListDevicesArgs, opts Options, next int) *DeviceList {
	out := &DeviceList{Total: total}
	var end int
	out.Devices, end = fitPage(devs, opts.budget(), in.Offset)
	if end < in.Offset+len(devs) {
		next = end
	}
	out.Returned = out.Devices.Len()
	if next >= 0 {
		out.NextOffset, out.Truncated = &next, true
	}
	return out
}

// FortiOSProxyArgs are fortios_proxy's arguments.
type FortiOSProxyArgs struct {
	Serial string                `json:"serial" jsonschema:"required,pattern=^[A-Za-z0-9]{1\\,40}$" jsonschema_description:"sn from list_devices."`
	Path   string                `json:"path" jsonschema:"required,minLength=9,maxLength=1024" jsonschema_description:"Path under /api/v2/, without query string."`
	Method string                `json:"method,omitempty" jsonschema:"enum=GET,enum=POST,enum=PUT,enum=DELETE,default=GET" jsonschema_description:"Anything but GET is a write."`
	Query  map[string]QueryValue `json:"query,omitempty" jsonschema_extras:"maxProperties=32" jsonschema_description:"e.g. {\"filter\":[\"action==accept\",\"srcintf==port1\"],\"format\":\"name|subnet\",\"count\":\"20\"}; a list repeats the parameter (filters AND)."`
	Body   map[string]any        `json:"body,omitempty" jsonschema_description:"JSON body for POST or PUT."`
	VDOM   string                `json:"vdom,omitempty" jsonschema:"maxLength=256" jsonschema_description:"A name, a comma list, or *; default: the management VDOM."`
}

// QueryValue is one query parameter: a string, or a list of strings to repeat the parameter.
type QueryValue []string

// maxQueryValue bounds one query value.
const maxQueryValue = 1024

// UnmarshalJSON accepts a string or an array of strings.
func (q *QueryValue) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*q = QueryValue{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("query values must be strings or lists of strings")
	}
	*q = many
	return nil
}

// JSONSchema describes QueryValue to invopop.
func (QueryValue) JSONSchema() *jsonschema.Schema {
	str := &jsonschema.Schema{Type: "string", MaxLength: ptrUint(maxQueryValue)}
	return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{str, {Type: "array", Items: str, MinItems: ptrUint(1), MaxItems: ptrUint(16)}}}
}

func ptrUint(n uint64) *uint64 { return &n }

// ProxyResult is fortios_proxy's result.
type ProxyResult struct {
	Serial       string          `json:"serial"`
	Method       string          `json:"method"`
	Path         string          `json:"path"`
	HTTPStatus   int             `json:"http_status"`
	Response     json.RawMessage `json:"response,omitempty" jsonschema_description:"FortiOS's JSON reply, secrets redacted."`
	ResponseText string          `json:"response_text,omitempty" jsonschema_description:"A reply that is not JSON, cut."`
	Truncated    bool            `json:"truncated"`
	Note         string          `json:"note,omitempty"`
}

// Summary implements Summarizer.
func (r *ProxyResult) Summary() string {
	s := fmt.Sprintf("FortiOS %s %s on %s: HTTP %d", r.Method, r.Path, r.Serial, r.HTTPStatus)
	if r.Truncated {
		s += " (truncated)"
	}
	return s
}

func fortiosProxy(api FortiGateCloudAPI, opts Options) Definition {
	return New(Spec{
		Name:    "fortios_proxy",
		Title:   "FortiOS REST call on a FortiGate",
		Toolset: config.FortiGateCloud,
		Mixed:   true,
		Description: "Call one FortiGate's FortiOS REST API through FortiGate Cloud (its tunnel must be up): GET " +
			"monitor endpoints (/api/v2/monitor/system/status, .../vpn/ipsec) and cmdb tables (/api/v2/cmdb/firewall/policy). " +
			"POST, PUT and DELETE change the device: they need a person's approval. Secrets are redacted, large replies cut.",
		Hints: Hints{ReadOnly: false, Destructive: true, Idempotent: false, OpenWorld: true},
	}, func(ctx context.Context, in FortiOSProxyArgs) (*ProxyResult, error) {
		if in.Method == "" {
			in.Method = http.MethodGet
		}
		if err := fortios.ValidateSerial(in.Serial); err != nil {
			return nil, InvalidArgument("serial", "%v", err)
		}
		path, err := fortios.ValidatePath(in.Path)
		if err != nil {
			return nil, InvalidArgument("path", "%v", err)
		}
		q := url.Values{}
		for k, vals := range in.Query {
			if err := fortios.ValidateQueryKey(k); err != nil {
				return nil, InvalidArgument("query."+shownName(k), "%v", err)
			}
			for _, v := range vals {
				if strings.ContainsAny(v, "\x00\r\n") {
					return nil, InvalidArgument("query."+shownName(k), "must not contain control characters")
				}
				q.Add(k, v)
			}
		}
		if in.VDOM != "" {
			if err := fortios.ValidateVDOM(in.VDOM); err != nil {
				return nil, InvalidArgument("vdom", "%v", err)
			}
			if _, dup := in.Query["vdom"]; dup {
				return nil, InvalidArgument("vdom", "is given twice: as vdom and as query.vdom; keep one")
			}
			q.Set("vdom", in.VDOM)
		} else if v, ok := in.Query["vdom"]; ok {
			if len(v) != 1 {
				return nil, InvalidArgument("query.vdom", "must be one value (a name, a comma list, or *)")
			}
			if err := fortios.ValidateVDOM(v[0]); err != nil {
				return nil, InvalidArgument("query.vdom", "%v", err)
			}
		}
		var body []byte
		if in.Body != nil {
			if in.Method == http.MethodGet || in.Method == http.MethodDelete {
				return nil, InvalidArgument("body", "is only allowed with POST or PUT (method is %s)", in.Method)
			}
			body, _ = json.Marshal(in.Body)
		}
		if in.Method != http.MethodGet {
			// The approval binds everything sent: serial and path (Target), the query (vdom,
			// scope, action=move ...) and the body (Payload).
			action := approval.Action{Tool: "fortios_proxy", Service: fortigatecloud.ServiceName, Target: in.Serial + " " + path, Method: in.Method,
				Summary: fmt.Sprintf("FortiOS %s %s on FortiGate %s", in.Method, path, in.Serial),
				Payload: map[string]any{"query": q, "body": in.Body}}
			if q.Get("vdom") != "" {
				action.Summary += " (VDOM " + q.Get("vdom") + ")"
			}
			var err error
			if ctx, err = opts.authorizeWrite(ctx, action); err != nil {
				return nil, err
			}
		}
		// The client shapes the reply as it reads it, so that a reply of tens of MB is never held
		// whole; a client that returns the body instead gets it shaped here.
		resp, err := api.Proxy(ctx, fortigatecloud.ProxyRequest{Serial: in.Serial, Method: in.Method, Path: path, Query: q, Body: body,
			Budget: opts.budget() - 512})
		if err != nil {
			return nil, err
		}
		var shaped fortios.Shaped
		if resp.Shaped != nil {
			shaped = *resp.Shaped
		} else {
			shaped = fortios.Shape(resp.Body, opts.budget()-512, resp.Truncated)
		}
		res := &ProxyResult{Serial: in.Serial, Method: in.Method, Path: path, HTTPStatus: resp.Status,
			Response: shaped.JSON, ResponseText: shaped.Text, Truncated: shaped.Truncated, Note: shaped.Note}
		if shaped.Redacted > 0 {
			res.Note = strings.TrimPrefix(res.Note+fmt.Sprintf("; %d secret values redacted", shaped.Redacted), "; ")
		}
		return res, nil
	})
}
