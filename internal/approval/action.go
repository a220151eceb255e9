// Package approval is the gate every write passes through: it describes the exact action to a
// person and lets it run only after an explicit yes, bound to that exact action, single-use and
// short-lived. A person answers through MCP elicitation when the client can ask them (form mode;
// server-initiated requests for protocol 2025-06-18/2025-11-25, multi round-trip input requests
// for 2026-07-28), and otherwise through the approvals console or the `forticloud-mcp approvals`
// command while the write is held. Every attempt lands in the audit trail (internal/audit).
package approval

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/forticloud-mcp/forticloud-mcp/internal/fortios"
	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

// Action is one write, described for the person who approves it.
type Action struct {
	Tool    string // e.g. flex_create_vm
	Service string // e.g. FortiFlex
	Target  string // serial, config, ADOM, alert
	Method  string // HTTP method or operation, e.g. POST, create, stop
	Summary string // what will happen, in a sentence or two
	Cost    string // what it costs, where the service can tell (FortiFlex points)
	Payload any    // what will be sent upstream
}

func (a Action) String() string {
	return fmt.Sprintf("%s %s %s on %s", a.Tool, a.Service, a.Method, a.Target)
}

// canonical is what an approval binds: tool, service, target, operation and payload. A payload
// that differs in any byte needs a new approval. The gate keys it (HMAC) before storing it, so
// the stored digest cannot be used to guess a redacted secret.
func (a Action) canonical() []byte {
	b, _ := json.Marshal(struct {
		Tool, Service, Target, Method string
		Payload                       any
	}{a.Tool, a.Service, a.Target, a.Method, a.Payload})
	return b
}

// maxPayloadText bounds the payload shown to a person and kept in the audit trail.
const maxPayloadText = 16 << 10

// PayloadText is the payload as indented JSON with secrets redacted (password, token, key, ...
// fields and FortiOS ENC values) and hidden characters removed: what the person sees and what
// the audit trail keeps.
func (a Action) PayloadText() string {
	if a.Payload == nil {
		return ""
	}
	raw, err := json.Marshal(a.Payload)
	if err != nil || string(raw) == "null" {
		return ""
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return ""
	}
	v, _ = fortios.Clean(v)
	b, _ := json.MarshalIndent(v, "", "  ")
	s := sanitize.String(string(b))
	if len(s) > maxPayloadText {
		s = strings.ToValidUTF8(s[:maxPayloadText], "") + "\n… (cut)"
	}
	return s
}

// Describe is the text a person reads before deciding.
func (a Action) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "An AI assistant wants to make this change:\n\n")
	fmt.Fprintf(&b, "Service: %s\nTarget: %s\nOperation: %s (tool %s)\n", a.Service, a.Target, a.Method, a.Tool)
	if a.Summary != "" {
		// One line: model-written text must not imitate the lines around it.
		fmt.Fprintf(&b, "What it does: %s\n", strings.Join(strings.Fields(sanitize.String(a.Summary)), " "))
	}
	if a.Cost != "" {
		fmt.Fprintf(&b, "Cost: %s\n", a.Cost)
	}
	if p := a.PayloadText(); p != "" {
		fmt.Fprintf(&b, "Payload:\n%s\n", p)
	}
	b.WriteString("\nApprove it only if you expected this change.")
	return b.String()
}
