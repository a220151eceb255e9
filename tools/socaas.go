package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortios"
	"github.com/forticloud-mcp/forticloud-mcp/internal/socaas"
)

// SOCaaSAPI is what the SOCaaS tools need from the client.
type SOCaaSAPI interface {
	ListAlerts(ctx context.Context, from, to time.Time) ([]socaas.Item, error)
	GetAlert(ctx context.Context, uuid string) (socaas.Item, error)
	UpdateAlert(ctx context.Context, uuid, status, closureNotes string) error
	ListComments(ctx context.Context, module, uuid string) ([]socaas.Item, error)
	AddComment(ctx context.Context, alertUUID, content string) (socaas.Item, error)
	ListServiceRequests(ctx context.Context) ([]socaas.Item, error)
	GetServiceRequest(ctx context.Context, uuid string) (socaas.Item, error)
}

// SOCaaSTools returns the SOCaaS tools.
func SOCaaSTools(api SOCaaSAPI, opts Options) []Definition {
	return []Definition{socaasQuery(api, opts), socaasAddComment(api, opts), socaasUpdateAlert(api, opts)}
}

// SOCaaSQueryArgs are socaas_query's arguments.
type SOCaaSQueryArgs struct {
	Resource    string `json:"resource" jsonschema:"required,enum=alerts,enum=alert,enum=comments,enum=service_requests,enum=service_request"`
	ID          string `json:"id,omitempty" jsonschema:"pattern=^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$" jsonschema_description:"For alert, comments and service_request."`
	CreatedFrom string `json:"created_from,omitempty" jsonschema:"maxLength=40" jsonschema_description:"RFC 3339, e.g. 2026-11-01T00:00:00Z"`
	CreatedTo   string `json:"created_to,omitempty" jsonschema:"maxLength=40" jsonschema_description:"RFC 3339"`
	Severity    string `json:"severity,omitempty" jsonschema:"enum=Low,enum=Medium,enum=High,enum=Critical"`
	Status      string `json:"status,omitempty" jsonschema:"maxLength=40" jsonschema_description:"e.g. Confirmed, InProgress, Completed (case-insensitive)"`
	Limit       int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=500,default=50"`
	Offset      int    `json:"offset,omitempty" jsonschema:"minimum=0"`
}

// SOCaaSQueryResult is socaas_query's result: a list page, or one item.
type SOCaaSQueryResult struct {
	Resource   string               `json:"resource"`
	Items      Page[map[string]any] `json:"items,omitzero"`
	Total      *int                 `json:"total,omitempty"`
	Returned   *int                 `json:"returned,omitempty"`
	Truncated  bool                 `json:"truncated"`
	NextOffset *int                 `json:"next_offset,omitempty"`
	Item       map[string]any       `json:"item,omitempty"`
}

// Summary implements Summarizer.
func (r *SOCaaSQueryResult) Summary() string {
	if r.Item != nil {
		return fmt.Sprintf("SOCaaS %s", r.Resource)
	}
	return fmt.Sprintf("%d of %d SOCaaS %s", *r.Returned, *r.Total, r.Resource)
}

func socaasQuery(api SOCaaSAPI, opts Options) Definition {
	return New(Spec{
		Name: "socaas_query", Title: "Query SOCaaS", Toolset: config.SOCaaS,
		Hints: Hints{ReadOnly: true, Destructive: false, Idempotent: true, OpenWorld: true},
		Description: "Read FortiGuard SOCaaS: escalated alerts (its cases; created_from, created_to and severity filter only these), " +
			"one alert in full, an alert's comments, service requests.",
	}, func(ctx context.Context, in SOCaaSQueryArgs) (*SOCaaSQueryResult, error) {
		var from, to time.Time
		var err error
		if in.CreatedFrom != "" {
			if from, err = time.Parse(time.RFC3339, in.CreatedFrom); err != nil {
				return nil, InvalidArgument("created_from", "%q is not an RFC 3339 time such as 2026-11-01T00:00:00Z", in.CreatedFrom)
			}
			if err := checkYear("created_from", in.CreatedFrom, from); err != nil {
				return nil, err
			}
		}
		if in.CreatedTo != "" {
			if to, err = time.Parse(time.RFC3339, in.CreatedTo); err != nil {
				return nil, InvalidArgument("created_to", "%q is not an RFC 3339 time such as 2026-11-24T00:00:00Z", in.CreatedTo)
			}
			if err := checkYear("created_to", in.CreatedTo, to); err != nil {
				return nil, err
			}
		}
		if !from.IsZero() && !to.IsZero() && to.Before(from) {
			return nil, InvalidArgument("created_to", "is before created_from")
		}
		needsID := in.Resource == "alert" || in.Resource == "comments" || in.Resource == "service_request"
		if needsID && in.ID == "" {
			return nil, InvalidArgument("id", "is required for resource %s", in.Resource)
		}
		if !needsID && in.ID != "" {
			return nil, InvalidArgument("id", "is not used with resource %s (lists take created_from/created_to, severity, status)", in.Resource)
		}
		if in.Resource != "alerts" && (in.CreatedFrom != "" || in.CreatedTo != "" || in.Severity != "") {
			return nil, InvalidArgument("created_from", "created_from, created_to and severity filter resource alerts only")
		}
		if in.Limit == 0 {
			in.Limit = 50
		}
		out := &SOCaaSQueryResult{Resource: in.Resource}
		var items []socaas.Item
		switch in.Resource {
		case "alert", "service_request":
			var item socaas.Item
			if in.Resource == "alert" {
				item, err = api.GetAlert(ctx, in.ID)
			} else {
				item, err = api.GetServiceRequest(ctx, in.ID)
			}
			if err != nil {
				return nil, err
			}
			raw, err := json.Marshal(item)
			if err != nil {
				return nil, err
			}
			shaped := fortios.Shape(raw, opts.budget()-512, false)
			if shaped.JSON == nil {
				return nil, fmt.Errorf("socaas_query: the %s is too large to return", in.Resource)
			}
			if err := json.Unmarshal(shaped.JSON, &out.Item); err != nil {
				return nil, err
			}
			out.Truncated = shaped.Truncated
			return out, nil
		case "alerts":
			items, err = api.ListAlerts(ctx, from, to)
		case "comments":
			items, err = api.ListComments(ctx, "alerts", in.ID)
		case "service_requests":
			items, err = api.ListServiceRequests(ctx)
		}
		if err != nil {
			return nil, err
		}
		var matched []map[string]any
		for _, it := range items {
			if in.Severity != "" && !strings.EqualFold(fmt.Sprint(it["severity"]), in.Severity) {
				continue
			}
			if in.Status != "" && !strings.EqualFold(fmt.Sprint(it["status"]), in.Status) {
				continue
			}
			clean, _ := fortios.Clean(map[string]any(it))
			matched = append(matched, clean.(map[string]any))
		}
		total := len(matched)
		out.Items, out.NextOffset = pageOf(matched, in.Offset, in.Limit, opts.budget())
		returned := out.Items.Len()
		out.Total, out.Returned, out.Truncated = &total, &returned, out.NextOffset != nil
		return out, nil
	})
}

// SOCaaSAddCommentArgs are socaas_add_comment's arguments.
type SOCaaSAddCommentArgs struct {
	AlertID string `json:"alert_id" jsonschema:"required,pattern=^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$"`
	Content string `json:"content" jsonschema:"required,minLength=1,maxLength=4000" jsonschema_description:"Plain text."`
}

// SOCaaSCommentResult is socaas_add_comment's result.
type SOCaaSCommentResult struct {
	AlertID string         `json:"alert_id"`
	Comment map[string]any `json:"comment"`
}

// Summary implements Summarizer.
func (r *SOCaaSCommentResult) Summary() string { return "comment added to SOCaaS alert " + r.AlertID }

func socaasAddComment(api SOCaaSAPI, opts Options) Definition {
	return New(Spec{
		Name: "socaas_add_comment", Title: "Comment on a SOCaaS alert", Toolset: config.SOCaaS,
		Hints:       Hints{ReadOnly: false, Destructive: false, Idempotent: false, OpenWorld: true},
		Description: "Comment on a SOCaaS alert (the SOC analysts see it). Needs a person's approval; SOCaaS allows 5 writes a minute.",
	}, func(ctx context.Context, in SOCaaSAddCommentArgs) (*SOCaaSCommentResult, error) {
		action := approval.Action{Tool: "socaas_add_comment", Service: socaas.ServiceName, Target: "alert " + in.AlertID, Method: "comment",
			Summary: "Add a comment (shown in the payload) to SOCaaS alert " + in.AlertID, Payload: map[string]string{"content": in.Content}}
		var err error
		if ctx, err = opts.authorizeWrite(ctx, action); err != nil {
			return nil, err
		}
		c, err := api.AddComment(ctx, in.AlertID, in.Content)
		if err != nil {
			return nil, err
		}
		// The reply echoes text (ours, and SOCaaS's fields): cleaned like every other reply.
		clean, _ := fortios.Clean(map[string]any(c))
		comment, _ := clean.(map[string]any)
		return &SOCaaSCommentResult{AlertID: in.AlertID, Comment: comment}, nil
	})
}

// SOCaaSUpdateAlertArgs are socaas_update_alert's arguments.
type SOCaaSUpdateAlertArgs struct {
	AlertID      string `json:"alert_id" jsonschema:"required,pattern=^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$"`
	Status       string `json:"status" jsonschema:"required,enum=inprogress,enum=confirmed,enum=closed(duplicate),enum=closed(falsepositive),enum=closed(riskaccepted),enum=closed(resolved)"`
	ClosureNotes string `json:"closure_notes,omitempty" jsonschema:"maxLength=4000" jsonschema_description:"Required to close."`
}

// SOCaaSUpdateAlertResult is socaas_update_alert's result.
type SOCaaSUpdateAlertResult struct {
	AlertID string `json:"alert_id"`
	Status  string `json:"status"`
}

// Summary implements Summarizer.
func (r *SOCaaSUpdateAlertResult) Summary() string {
	return fmt.Sprintf("SOCaaS alert %s set to %s", r.AlertID, r.Status)
}

func socaasUpdateAlert(api SOCaaSAPI, opts Options) Definition {
	return New(Spec{
		Name: "socaas_update_alert", Title: "Change a SOCaaS alert's status", Toolset: config.SOCaaS,
		Hints:       Hints{ReadOnly: false, Destructive: true, Idempotent: false, OpenWorld: true},
		Description: "Set a SOCaaS alert's status; a closed alert cannot change again. Needs a person's approval.",
	}, func(ctx context.Context, in SOCaaSUpdateAlertArgs) (*SOCaaSUpdateAlertResult, error) {
		if strings.HasPrefix(in.Status, "closed") && strings.TrimSpace(in.ClosureNotes) == "" {
			return nil, InvalidArgument("closure_notes", "is required to close an alert (status %s)", in.Status)
		}
		action := approval.Action{Tool: "socaas_update_alert", Service: socaas.ServiceName, Target: "alert " + in.AlertID, Method: in.Status,
			Summary: fmt.Sprintf("Set SOCaaS alert %s to %s", in.AlertID, in.Status), Payload: in}
		if in.ClosureNotes != "" {
			action.Summary += " with closure notes (shown in the payload)"
		}
		var err error
		if ctx, err = opts.authorizeWrite(ctx, action); err != nil {
			return nil, err
		}
		if err := api.UpdateAlert(ctx, in.AlertID, in.Status, in.ClosureNotes); err != nil {
			return nil, err
		}
		return &SOCaaSUpdateAlertResult{AlertID: in.AlertID, Status: in.Status}, nil
	})
}
