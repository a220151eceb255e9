package config

import "log/slog"

// Secret holds a password or token. Its String, GoString, slog and JSON forms are redacted, so a
// secret that reaches a log line, an error or a panic by accident prints as "[redacted]".
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret itself: call it only where the value goes on the wire.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s != "" }

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return `config.Secret("` + s.String() + `")` }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON keeps the value out of JSON dumps of configuration.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.String() + `"`), nil }

// MarshalText keeps the value out of text encodings (and slog's JSON handler).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
