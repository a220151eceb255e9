package tools

import (
	"fmt"
	"strings"
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
