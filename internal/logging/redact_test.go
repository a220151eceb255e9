package logging

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactsSensitiveAttributesAtAnyDepth(t *testing.T) {
	for _, json := range []bool{false, true} {
		var buf bytes.Buffer
		l := New(&buf, slog.LevelDebug, json)
		l.Info("req", "mcp.session.id", "mcp-session-abc123", "Authorization", "Bearer s3cr3t", slog.Group("http", "access_token", "t0k3n"), "path", "/mcp")
		l.With("session", "sess-42").WithGroup("g").Info("again", "refresh_token", "rr99", "count", 3)
		out := buf.String()
		for _, leak := range []string{"abc123", "s3cr3t", "t0k3n", "sess-42", "rr99"} {
			if strings.Contains(out, leak) {
				t.Fatalf("json=%v: %q leaked: %s", json, leak, out)
			}
		}
		l.Info("flags", "max_sessions", 2, "caller_token", true)
		out = buf.String()
		if !strings.Contains(out, "/mcp") || !strings.Contains(out, "3") || !strings.Contains(out, "max_sessions") || strings.Contains(out, `max_sessions=[redacted]`) || strings.Contains(out, `"max_sessions":"[redacted]"`) {
			t.Fatalf("json=%v: harmless attributes lost: %s", json, out)
		}
	}
}
