package tools

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortiflex"
	"github.com/forticloud-mcp/forticloud-mcp/internal/idempotency"
	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// FortiFlexAPI is what the FortiFlex tools need from the client.
type FortiFlexAPI interface {
	ListPrograms(ctx context.Context) ([]fortiflex.Program, error)
	ListConfigs(ctx context.Context, programSerial string) ([]fortiflex.Config, error)
	ListEntitlements(ctx context.Context, f fortiflex.EntitlementFilter) ([]fortiflex.Entitlement, error)
	CreateVMs(ctx context.Context, r fortiflex.CreateVMRequest) ([]fortiflex.Entitlement, error)
	UpdateEntitlement(ctx context.Context, serial, operation string) (*fortiflex.Entitlement, error)
}

// FortiFlex bundles the FortiFlex client with what its writes need.
type FortiFlex struct {
	API FortiFlexAPI
	// Idempotency remembers flex_create_vm outcomes by idempotency_key; nil disables keys.
	Idempotency *idempotency.Store
	// Scope keeps keys of different API users and endpoints apart.
	Scope string
	// Now is the clock for date checks (default time.Now).
	Now func() time.Time
}

// FortiFlexTools returns the FortiFlex tools.
func FortiFlexTools(f FortiFlex, opts Options) []Definition {
	if f.Now == nil {
		f.Now = time.Now
	}
	return []Definition{
		flexListPrograms(f),
		flexListConfigs(f),
		flexListEntitlements(f, opts),
		flexCreateVM(f, opts),
		flexUpdateEntitlement(f, opts),
	}
}

var flexReadHints = Hints{ReadOnly: true, Destructive: false, Idempotent: true, OpenWorld: true}

// FlexProgram is a program as the tools return it.
type FlexProgram struct {
	SerialNumber       string          `json:"serial_number"`
	AccountID          int64           `json:"account_id"`
	StartDate          *fortiflex.Time `json:"start_date,omitempty"`
	EndDate            *fortiflex.Time `json:"end_date,omitempty"`
	HasSupportCoverage bool            `json:"has_support_coverage"`
}

// FlexProgramList is flex_list_programs' result.
type FlexProgramList struct {
	Programs []FlexProgram `json:"programs"`
	Total    int           `json:"total"`
}

// Summary implements Summarizer.
func (l *FlexProgramList) Summary() string { return fmt.Sprintf("%d FortiFlex programs", l.Total) }

// NoArgs is the argument struct of tools without arguments.
type NoArgs struct{}

func timePtr(t fortiflex.Time) *fortiflex.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func flexListPrograms(f FortiFlex) Definition {
	return New(Spec{
		Name: "flex_list_programs", Title: "List FortiFlex programs", Toolset: config.FortiFlex, Hints: flexReadHints,
		Description: "List the account's FortiFlex programs, which hold configurations and entitlements.",
	}, func(ctx context.Context, _ NoArgs) (*FlexProgramList, error) {
		progs, err := f.API.ListPrograms(ctx)
		if err != nil {
			return nil, err
		}
		out := &FlexProgramList{Programs: make([]FlexProgram, 0, len(progs)), Total: len(progs)}
		for _, p := range progs {
			out.Programs = append(out.Programs, FlexProgram{SerialNumber: p.SerialNumber, AccountID: int64(p.AccountID),
				StartDate: timePtr(p.StartDate), EndDate: timePtr(p.EndDate), HasSupportCoverage: p.HasSupportCoverage})
		}
		return out, nil
	})
}

// FlexParameter is one configuration parameter.
type FlexParameter struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FlexConfig is a configuration as the tools return it.
type FlexConfig struct {
	ID            int64           `json:"id"`
	Name          string          `json:"name"`
	Status        string          `json:"status"`
	ProductType   string          `json:"product_type"`
	ProductTypeID int64           `json:"product_type_id"`
	VM            bool            `json:"vm" jsonschema_description:"A VM product, as flex_create_vm needs."`
	Parameters    []FlexParameter `json:"parameters"`
}

// FlexConfigList is flex_list_configs' result.
type FlexConfigList struct {
	ProgramSerialNumber string       `json:"program_serial_number"`
	Configs             []FlexConfig `json:"configs"`
	Total               int          `json:"total"`
}

// Summary implements Summarizer.
func (l *FlexConfigList) Summary() string {
	return fmt.Sprintf("%d configurations in program %s", l.Total, l.ProgramSerialNumber)
}

// FlexListConfigsArgs are flex_list_configs' arguments.
type FlexListConfigsArgs struct {
	ProgramSerialNumber string `json:"program_serial_number" jsonschema:"required,pattern=^[A-Za-z0-9]{6\\,32}$" jsonschema_description:"From flex_list_programs."`
}

func shapeConfig(c fortiflex.Config) FlexConfig {
	out := FlexConfig{ID: int64(c.ID), Name: sanitize.String(c.Name), Status: c.Status, ProductType: c.ProductType.Name,
		ProductTypeID: int64(c.ProductType.ID), VM: fortiflex.IsVMProduct(int64(c.ProductType.ID)), Parameters: make([]FlexParameter, 0, len(c.Parameters))}
	for _, p := range c.Parameters {
		name := p.Name
		if name == "" {
			name = fortiflex.ParameterName(int(p.ID))
		}
		out.Parameters = append(out.Parameters, FlexParameter{ID: int64(p.ID), Name: name, Value: sanitize.String(string(p.Value))})
	}
	return out
}

func flexListConfigs(f FortiFlex) Definition {
	return New(Spec{
		Name: "flex_list_configs", Title: "List FortiFlex configurations", Toolset: config.FortiFlex, Hints: flexReadHints,
		Description: "List a FortiFlex program's configurations: id, status, product type, parameters (CPUs, service package...).",
	}, func(ctx context.Context, in FlexListConfigsArgs) (*FlexConfigList, error) {
		cfgs, err := f.API.ListConfigs(ctx, in.ProgramSerialNumber)
		if err != nil {
			return nil, err
		}
		out := &FlexConfigList{ProgramSerialNumber: in.ProgramSerialNumber, Configs: make([]FlexConfig, 0, len(cfgs)), Total: len(cfgs)}
		for _, c := range cfgs {
			out.Configs = append(out.Configs, shapeConfig(c))
		}
		return out, nil
	})
}

// FlexEntitlement is an entitlement as the tools return it.
type FlexEntitlement struct {
	SerialNumber string          `json:"serial_number"`
	ConfigID     int64           `json:"config_id"`
	Status       string          `json:"status"`
	Token        string          `json:"token"`
	TokenStatus  string          `json:"token_status"`
	StartDate    *fortiflex.Time `json:"start_date,omitempty"`
	EndDate      *fortiflex.Time `json:"end_date,omitempty"`
	Description  string          `json:"description"`
}

// WrittenEntitlements are the entitlements a FortiFlex write returns, and WrittenEntitlement one
// of them: the same fields, but their output schema points at flex_list_entitlements' rather than
// spelling the eight fields out again in every write tool (tools/list is paid for in every
// conversation).
type (
	WrittenEntitlements []FlexEntitlement
	WrittenEntitlement  FlexEntitlement
)

const sameAsListed = "Fields as in flex_list_entitlements."

// JSONSchema describes WrittenEntitlements to invopop.
func (WrittenEntitlements) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "array", Items: &jsonschema.Schema{Type: "object"}, Description: sameAsListed}
}

// JSONSchema describes WrittenEntitlement to invopop.
func (WrittenEntitlement) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "object", Description: sameAsListed}
}

func shapeEntitlement(e fortiflex.Entitlement) FlexEntitlement {
	return FlexEntitlement{SerialNumber: e.SerialNumber, ConfigID: int64(e.ConfigID), Status: e.Status, Token: e.Token, TokenStatus: e.TokenStatus,
		StartDate: timePtr(e.StartDate), EndDate: timePtr(e.EndDate), Description: sanitize.String(e.Description)}
}

// FlexListEntitlementsArgs are flex_list_entitlements' arguments.
type FlexListEntitlementsArgs struct {
	ConfigID            int64  `json:"config_id,omitempty" jsonschema:"minimum=1" jsonschema_description:"Give this or program_serial_number."`
	ProgramSerialNumber string `json:"program_serial_number,omitempty" jsonschema:"pattern=^[A-Za-z0-9]{6\\,32}$"`
	Status              string `json:"status,omitempty" jsonschema:"enum=PENDING,enum=ACTIVE,enum=STOPPED,enum=EXPIRED"`
	Description         string `json:"description,omitempty" jsonschema:"maxLength=200" jsonschema_description:"Substring, case-insensitive."`
	Limit               int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=1000,default=50"`
	Offset              int    `json:"offset,omitempty" jsonschema:"minimum=0"`
}

// FlexEntitlementList is flex_list_entitlements' result.
type FlexEntitlementList struct {
	Entitlements Page[FlexEntitlement] `json:"entitlements"`
	Total        int                   `json:"total"`
	Returned     int                   `json:"returned"`
	Truncated    bool                  `json:"truncated"`
	NextOffset   *int                  `json:"next_offset,omitempty"`
}

// Summary implements Summarizer.
func (l *FlexEntitlementList) Summary() string {
	s := fmt.Sprintf("%d of %d entitlements", l.Returned, l.Total)
	if l.NextOffset != nil {
		s += fmt.Sprintf("; more with offset=%d", *l.NextOffset)
	}
	return s
}

func flexListEntitlements(f FortiFlex, opts Options) Definition {
	return New(Spec{
		Name: "flex_list_entitlements", Title: "List FortiFlex entitlements", Toolset: config.FortiFlex, Hints: flexReadHints,
		Description: "List the FortiFlex entitlements (VM licences and their tokens) of one configuration or program.",
	}, func(ctx context.Context, in FlexListEntitlementsArgs) (*FlexEntitlementList, error) {
		if (in.ConfigID == 0) == (in.ProgramSerialNumber == "") {
			return nil, InvalidArgument("config_id", "or program_serial_number is required (exactly one of them)")
		}
		if in.Limit == 0 {
			in.Limit = 50
		}
		filter := fortiflex.EntitlementFilter{ConfigID: in.ConfigID, Status: in.Status}
		if in.ProgramSerialNumber != "" {
			prog, err := findProgram(ctx, f.API, in.ProgramSerialNumber)
			if err != nil {
				return nil, err
			}
			filter.ProgramSerialNumber, filter.AccountID = prog.SerialNumber, int64(prog.AccountID)
		}
		ents, err := f.API.ListEntitlements(ctx, filter)
		if err != nil {
			return nil, err
		}
		var matched []FlexEntitlement
		for _, e := range ents {
			if in.Status != "" && !strings.EqualFold(e.Status, in.Status) {
				continue
			}
			if in.Description != "" && !strings.Contains(strings.ToLower(e.Description), strings.ToLower(in.Description)) {
				continue
			}
			matched = append(matched, shapeEntitlement(e))
		}
		out := &FlexEntitlementList{Total: len(matched)}
		out.Entitlements, out.NextOffset = pageOf(matched, in.Offset, in.Limit, opts.budget())
		out.Returned, out.Truncated = out.Entitlements.Len(), out.NextOffset != nil
		return out, nil
	})
}

// findProgram returns the program with that serial number.
func findProgram(ctx context.Context, api FortiFlexAPI, serial string) (*fortiflex.Program, error) {
	progs, err := api.ListPrograms(ctx)
	if err != nil {
		return nil, err
	}
	for i := range progs {
		if strings.EqualFold(progs[i].SerialNumber, serial) {
			return &progs[i], nil
		}
	}
	return nil, InvalidArgument("program_serial_number", "%q is not a program of this account; flex_list_programs lists them", serial)
}

// findConfig looks a configuration up across the account's programs (FortiFlex has no
// "get configuration" call).
func findConfig(ctx context.Context, api FortiFlexAPI, id int64) (*fortiflex.Config, *fortiflex.Program, error) {
	progs, err := api.ListPrograms(ctx)
	if err != nil {
		return nil, nil, err
	}
	for i := range progs {
		cfgs, err := api.ListConfigs(ctx, progs[i].SerialNumber)
		if err != nil {
			return nil, nil, err
		}
		for j := range cfgs {
			if int64(cfgs[j].ID) == id {
				return &cfgs[j], &progs[i], nil
			}
		}
	}
	return nil, nil, InvalidArgument("config_id", "%d is not a configuration of this account; flex_list_configs lists them", id)
}

// FlexCreateVMArgs are flex_create_vm's arguments.
type FlexCreateVMArgs struct {
	ConfigID       int64  `json:"config_id" jsonschema:"required,minimum=1" jsonschema_description:"An ACTIVE configuration with vm true (flex_list_configs)."`
	Count          int    `json:"count,omitempty" jsonschema:"minimum=1,maximum=100,default=1" jsonschema_description:"Each one costs points."`
	Description    string `json:"description,omitempty" jsonschema:"maxLength=200"`
	EndDate        string `json:"end_date,omitempty" jsonschema:"pattern=^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2})?$" jsonschema_description:"From today to the program's end (the default)."`
	FolderPath     string `json:"folder_path,omitempty" jsonschema:"maxLength=200,pattern=^My Assets(/[^/]+)*$,default=My Assets"`
	SkipPending    bool   `json:"skip_pending,omitempty" jsonschema_description:"Points accrue from now, even if the token is never used."`
	IdempotencyKey string `json:"idempotency_key,omitempty" jsonschema:"pattern=^[A-Za-z0-9._:-]{8\\,128}$" jsonschema_description:"A repeat with the same key returns the first call's result."`
}

// FlexCreateVMResult is flex_create_vm's result.
type FlexCreateVMResult struct {
	Entitlements   WrittenEntitlements `json:"entitlements"`
	Replayed       bool                `json:"replayed" jsonschema_description:"An earlier call's result (same idempotency_key): nothing new created."`
	IdempotencyKey string              `json:"idempotency_key,omitempty"`
}

// Summary implements Summarizer.
func (r *FlexCreateVMResult) Summary() string {
	if r.Replayed {
		return fmt.Sprintf("%d entitlements from the earlier call with this idempotency_key (nothing new created)", len(r.Entitlements))
	}
	return fmt.Sprintf("created %d FortiFlex VM entitlements", len(r.Entitlements))
}

// parseEndDate checks a date argument locally (a real date, not in the past).
func parseEndDate(s string, now time.Time) (time.Time, error) {
	layout := "2006-01-02"
	if strings.Contains(s, "T") {
		layout = "2006-01-02T15:04:05"
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, InvalidArgument("end_date", "%q is not a real date (YYYY-MM-DD)", s)
	}
	today := now.UTC().Truncate(24 * time.Hour)
	if t.Before(today) {
		return time.Time{}, InvalidArgument("end_date", "%s is in the past; it must lie between today (%s) and the program's end", s, today.Format("2006-01-02"))
	}
	return t, nil
}

func flexCreateVM(f FortiFlex, opts Options) Definition {
	return New(Spec{
		Name: "flex_create_vm", Title: "Create FortiFlex VM entitlements", Toolset: config.FortiFlex,
		Hints: Hints{ReadOnly: false, Destructive: true, Idempotent: false, OpenWorld: true},
		Description: "Create billable FortiFlex VM entitlements: serial numbers and license tokens. " +
			"Needs a person's approval; an idempotency_key makes retries safe.",
	}, func(ctx context.Context, in FlexCreateVMArgs) (*FlexCreateVMResult, error) {
		if in.Count == 0 {
			in.Count = 1
		}
		var end time.Time
		if in.EndDate != "" {
			var err error
			if end, err = parseEndDate(in.EndDate, f.Now()); err != nil {
				return nil, err
			}
		}
		if in.IdempotencyKey != "" && f.Idempotency == nil {
			return nil, &RefusedError{Reason: "idempotency_key cannot be honoured: this server has no state directory (FORTICLOUD_MCP_STATE_DIR)"}
		}
		if opts.ReadOnly {
			_, err := opts.authorizeWrite(ctx, approval.Action{Tool: "flex_create_vm", Service: fortiflex.ServiceName, Target: fmt.Sprintf("configuration %d", in.ConfigID), Method: "create"})
			return nil, err
		}
		storeKey := f.Scope + "|flex_create_vm|" + in.IdempotencyKey
		digest := idempotency.Digest(struct {
			A FlexCreateVMArgs
			K string
		}{withoutKey(in), ""})
		if in.IdempotencyKey != "" {
			if rec, err := f.Idempotency.Get(storeKey); err != nil {
				return nil, err
			} else if rec != nil {
				return replayOrRefuse(rec, digest, in.IdempotencyKey)
			}
		}
		// Validate against FortiFlex before anything is written (reads only).
		cfg, prog, err := findConfig(ctx, f.API, in.ConfigID)
		if err != nil {
			return nil, err
		}
		if !strings.EqualFold(cfg.Status, "ACTIVE") {
			return nil, InvalidArgument("config_id", "%d (%q) is %s; only ACTIVE configurations can create entitlements", in.ConfigID, cfg.Name, cfg.Status)
		}
		if !fortiflex.IsVMProduct(int64(cfg.ProductType.ID)) {
			return nil, InvalidArgument("config_id", "%d (%q) is a %s configuration, not a VM product; flex_create_vm creates VM entitlements only", in.ConfigID, cfg.Name, cmp.Or(cfg.ProductType.Name, "non-VM"))
		}
		if !end.IsZero() && !prog.EndDate.IsZero() && end.After(prog.EndDate.Time) {
			return nil, InvalidArgument("end_date", "%s is after the end of program %s (%s)", in.EndDate, prog.SerialNumber, prog.EndDate.Format("2006-01-02"))
		}
		req := fortiflex.CreateVMRequest{ConfigID: in.ConfigID, Count: in.Count, Description: in.Description, EndDate: in.EndDate, FolderPath: in.FolderPath, SkipPending: in.SkipPending}
		action := approval.Action{Tool: "flex_create_vm", Service: fortiflex.ServiceName, Target: fmt.Sprintf("configuration %d", in.ConfigID), Method: "create",
			Summary: createSummary(in, cfg, prog), Cost: dailyCost(ctx, f.API, *cfg, in.Count), Payload: req}
		if ctx, err = opts.authorizeWrite(ctx, action); err != nil {
			return nil, err
		}
		if in.IdempotencyKey != "" {
			replay, err := f.Idempotency.Begin(storeKey, digest)
			if err != nil {
				return nil, idempotencyError(err, in.IdempotencyKey)
			}
			if replay != nil { // another process finished the same key meanwhile
				rec := &idempotency.Record{State: idempotency.Done, Digest: digest, Result: replay}
				return replayOrRefuse(rec, digest, in.IdempotencyKey)
			}
		}
		ents, err := f.API.CreateVMs(ctx, req)
		if err != nil {
			if in.IdempotencyKey != "" && refusedBeforeWriting(err) {
				_ = f.Idempotency.Abandon(storeKey)
			}
			return nil, err
		}
		out := &FlexCreateVMResult{Entitlements: make(WrittenEntitlements, 0, len(ents)), IdempotencyKey: in.IdempotencyKey}
		for _, e := range ents {
			out.Entitlements = append(out.Entitlements, shapeEntitlement(e))
		}
		if in.IdempotencyKey != "" {
			if err := f.Idempotency.Finish(storeKey, out); err != nil {
				return nil, fmt.Errorf("flex_create_vm: created %d entitlements but could not record idempotency_key %q: %w", len(out.Entitlements), in.IdempotencyKey, err)
			}
		}
		return out, nil
	})
}

// pricer is the part of the FortiFlex client that can price a creation (tools/calc).
type pricer interface {
	DailyPoints(ctx context.Context, cfg fortiflex.Config, count int) (float64, error)
}

// dailyCost tells the person approving a creation what it will cost, when FortiFlex can say;
// a failed price check does not block the write (the person still sees the count).
func dailyCost(ctx context.Context, api FortiFlexAPI, cfg fortiflex.Config, count int) string {
	p, ok := api.(pricer)
	if !ok {
		return ""
	}
	points, err := p.DailyPoints(ctx, cfg, count)
	if err != nil {
		return "unknown (FortiFlex could not price it: " + err.Error() + ")"
	}
	return fmt.Sprintf("%.2f points per day for %d entitlement(s) (%.2f each) while active, per FortiFlex tools/calc", points, count, points/float64(count))
}

func withoutKey(in FlexCreateVMArgs) FlexCreateVMArgs { in.IdempotencyKey = ""; return in }

// createSummary describes a creation for the person approving it.
func createSummary(in FlexCreateVMArgs, cfg *fortiflex.Config, prog *fortiflex.Program) string {
	var params []string
	for _, p := range cfg.Parameters {
		name := p.Name
		if name == "" {
			name = fortiflex.ParameterName(int(p.ID))
		}
		params = append(params, name+" "+string(p.Value))
	}
	end := in.EndDate
	if end == "" && !prog.EndDate.IsZero() {
		end = prog.EndDate.Format("2006-01-02") + " (program end)"
	}
	s := fmt.Sprintf("Create %d FortiFlex VM entitlement(s) on configuration %d %q (%s: %s) in program %s, ending %s",
		in.Count, in.ConfigID, cfg.Name, cfg.ProductType.Name, strings.Join(params, ", "), prog.SerialNumber, end)
	if in.SkipPending {
		s += "; activated at once (points accrue from now)"
	} else {
		s += "; points accrue once each licence token is used"
	}
	return s
}

// replayOrRefuse answers a repeated idempotency_key from its record.
func replayOrRefuse(rec *idempotency.Record, digest, key string) (*FlexCreateVMResult, error) {
	switch {
	case rec.Digest != digest:
		return nil, idempotencyError(idempotency.ErrConflict, key)
	case rec.State != idempotency.Done:
		return nil, idempotencyError(idempotency.ErrPending, key)
	}
	var out FlexCreateVMResult
	if err := json.Unmarshal(rec.Result, &out); err != nil {
		return nil, fmt.Errorf("flex_create_vm: stored result for idempotency_key %q: %w", key, err)
	}
	out.Replayed = true
	return &out, nil
}

func idempotencyError(err error, key string) error {
	switch {
	case errors.Is(err, idempotency.ErrConflict):
		return InvalidArgument("idempotency_key", "%q was already used with different arguments; use a new key for a different request", key)
	case errors.Is(err, idempotency.ErrPending):
		return &RefusedError{Reason: fmt.Sprintf("a flex_create_vm call with idempotency_key %q is in progress or ended without a known outcome (it may have created entitlements). "+
			"Check flex_list_entitlements before creating more; this key will not be sent again", key)}
	}
	return err
}

// refusedBeforeWriting reports whether FortiFlex itself refused the creation: its JSON envelope
// said status -1 on a 2xx or 4xx reply, so nothing was created. Anything else (a timeout, a
// gateway's 502 page, a 5xx, an unreadable or oversized reply) leaves the outcome unknown.
func refusedBeforeWriting(err error) bool {
	var ue *upstream.Error
	return errors.As(err, &ue) && ue.Err == nil && strings.HasPrefix(ue.Code, "status ") && ue.Status < 500
}

// FlexUpdateEntitlementArgs are flex_update_entitlement's arguments.
type FlexUpdateEntitlementArgs struct {
	SerialNumber string `json:"serial_number" jsonschema:"required,pattern=^[A-Za-z0-9]{8\\,32}$" jsonschema_description:"From flex_list_entitlements."`
	Action       string `json:"action" jsonschema:"required,enum=stop,enum=reactivate,enum=regenerate_token" jsonschema_description:"stop: ACTIVE to STOPPED; reactivate: STOPPED to ACTIVE; regenerate_token: a new token, the old one stops working."`
}

// FlexUpdateEntitlementResult is flex_update_entitlement's result.
type FlexUpdateEntitlementResult struct {
	Action      string             `json:"action"`
	Entitlement WrittenEntitlement `json:"entitlement"`
}

// Summary implements Summarizer.
func (r *FlexUpdateEntitlementResult) Summary() string {
	return fmt.Sprintf("%s %s: now %s", r.Action, r.Entitlement.SerialNumber, r.Entitlement.Status)
}

func flexUpdateEntitlement(f FortiFlex, opts Options) Definition {
	return New(Spec{
		Name: "flex_update_entitlement", Title: "Change a FortiFlex entitlement", Toolset: config.FortiFlex,
		Hints:       Hints{ReadOnly: false, Destructive: true, Idempotent: false, OpenWorld: true},
		Description: "Stop, reactivate or re-token a FortiFlex entitlement. Needs a person's approval.",
	}, func(ctx context.Context, in FlexUpdateEntitlementArgs) (*FlexUpdateEntitlementResult, error) {
		summaries := map[string]string{
			fortiflex.OpStop:            "Stop FortiFlex entitlement %s: the VM loses its licence and stops consuming points",
			fortiflex.OpReactivate:      "Reactivate FortiFlex entitlement %s: it consumes points again",
			fortiflex.OpRegenerateToken: "Regenerate the license token of FortiFlex entitlement %s: the current token stops working",
		}
		action := approval.Action{Tool: "flex_update_entitlement", Service: fortiflex.ServiceName, Target: in.SerialNumber, Method: in.Action,
			Summary: fmt.Sprintf(summaries[in.Action], in.SerialNumber), Payload: map[string]string{"serialNumber": in.SerialNumber}}
		var err error
		if ctx, err = opts.authorizeWrite(ctx, action); err != nil {
			return nil, err
		}
		e, err := f.API.UpdateEntitlement(ctx, in.SerialNumber, in.Action)
		if err != nil {
			return nil, err
		}
		return &FlexUpdateEntitlementResult{Action: in.Action, Entitlement: WrittenEntitlement(shapeEntitlement(*e))}, nil
	})
}

// FlexScope builds the idempotency scope of one FortiFlex endpoint and API user; the URL is
// normalised so that https://Support.fortinet.com/ and https://support.fortinet.com share keys.
func FlexScope(baseURL, user string) string {
	return strings.TrimRight(strings.ToLower(baseURL), "/") + "|" + strings.ToUpper(user)
}
