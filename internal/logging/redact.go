// Package logging builds the server's slog handlers. Redaction is by construction: whatever
// logs through them, our code or a library's, attributes that can carry a credential or a session
// id have their values replaced.
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

// Redacted replaces a secret attribute's value.
const Redacted = "[redacted]"

// sensitive key fragments: matched case-insensitively anywhere in an attribute key
// (e.g. mcp-go's "mcp.session.id", "Authorization", "access_token", "password").
var sensitive = []string{"session", "token", "password", "passwd", "secret", "authorization", "cookie", "credential", "api-key", "apikey"}

func isSensitive(key string) bool {
	k := strings.ToLower(key)
	for _, s := range sensitive {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// Redact wraps h so that sensitive attributes are redacted at any depth (groups included).
func Redact(h slog.Handler) slog.Handler { return redactHandler{h} }

type redactHandler struct{ next slog.Handler }

func (r redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.next.Enabled(ctx, l) }

func (r redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, rec.Message, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.next.Handle(ctx, out)
}

func (r redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = redactAttr(a)
	}
	return redactHandler{r.next.WithAttrs(red)}
}

func (r redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{r.next.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if isSensitive(a.Key) {
		switch v.Kind() {
		case slog.KindBool, slog.KindInt64, slog.KindUint64, slog.KindFloat64, slog.KindDuration:
			// A number or a flag cannot carry a credential (max_sessions=2, caller_token=true).
			return slog.Attr{Key: a.Key, Value: v}
		}
		return slog.String(a.Key, Redacted)
	}
	if v.Kind() == slog.KindGroup {
		attrs := v.Group()
		red := make([]any, len(attrs))
		for i, g := range attrs {
			red[i] = redactAttr(g)
		}
		return slog.Group(a.Key, red...)
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// New returns the server's logger: text or JSON on w, at level, with redaction.
func New(w io.Writer, level slog.Level, json bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if json {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(Redact(h))
}
