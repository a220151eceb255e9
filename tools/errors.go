package tools

import (
	"fmt"
	"strings"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

// ArgumentError is bad input: it names the field and the rule, comes back as a tool error the
// model can act on, and is raised before anything is sent upstream.
type ArgumentError struct {
	Problems []string
}

func (e *ArgumentError) Error() string {
	return "invalid arguments: " + strings.Join(e.Problems, "; ")
}

// InvalidArgument builds an ArgumentError for one field.
func InvalidArgument(field, format string, a ...any) *ArgumentError {
	return &ArgumentError{Problems: []string{field + " " + fmt.Sprintf(format, a...)}}
}

// RefusedError is a call the server will not make on principle (read-only mode, a write with no
// approval). It is a tool error, not a failure of the service.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return "refused: " + e.Reason }

// shownName is a name the caller chose, fit to quote in an error: hidden characters removed and
// cut short (a model can send a megabyte as a key).
func shownName(s string) string {
	s = sanitize.String(s)
	if len(s) > 64 {
		s = strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}

// checkYear refuses times whose UTC form leaves years 1970-9999: FortiAnalyzer reads a date it
// cannot parse as "all time", and Go's zero time means "no bound" to our clients.
func checkYear(field, raw string, t time.Time) error {
	if y := t.UTC().Year(); y < 1970 || y > 9999 {
		return InvalidArgument(field, "%q is outside the years 1970-9999 (in UTC)", shownName(raw))
	}
	return nil
}
