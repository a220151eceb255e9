package auth

import (
	"fmt"
	"strings"
)

// Error is a failed login or refresh. Its text never carries a credential.
type Error struct {
	Issuer      string // e.g. "FortiCloud IAM (client_id fortigatecloud)"
	Op          string // "password grant", "refresh grant", "account login"
	Status      int    // HTTP status, 0 when the request did not get an answer
	Code        string // OAuth error code such as invalid_grant
	Description string
	// Refused is true when the issuer rejected the credentials themselves: retrying cannot help
	// and repeated attempts lock the account.
	Refused bool
	Err     error // transport error, if any
}

// CredentialFailure marks the error as the credentials' (getting a token), not the service's:
// upstream's retry policy neither retries it nor counts it against the service's breaker.
func (e *Error) CredentialFailure() bool { return true }

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "auth: %s: %s failed", e.Issuer, e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, " (%s)", e.Description)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Refused {
		b.WriteString("; check the API user name and password")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }
