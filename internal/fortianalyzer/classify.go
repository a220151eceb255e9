package fortianalyzer

import (
	"errors"
	"regexp"
	"strings"
)

// Methods are the JSON-RPC verbs (§4.6).
var Methods = []string{"get", "add", "set", "update", "delete", "exec", "move", "clone"}

// Kind says whether a call only reads.
type Kind int

const (
	Read Kind = iota
	Write
)

func (k Kind) String() string {
	if k == Read {
		return "read"
	}
	return "write"
}

var (
	urlChars = regexp.MustCompile(`^/[A-Za-z0-9_.:@/-]{1,511}$`)
	// Calls that create or cancel a temporary task only, so they are reads although their verb is
	// add or delete (§4.6, [inf]).
	logsearchStart  = regexp.MustCompile(`^/logview/adom/[^/]+/logsearch$`)
	logsearchCancel = regexp.MustCompile(`^/logview/adom/[^/]+/logsearch/[0-9]+$`)
	fortiviewStart  = regexp.MustCompile(`^/fortiview/adom/[^/]+/[^/]+/run$`)
	fortiviewCancel = regexp.MustCompile(`^/fortiview/adom/[^/]+/[^/]+/run/[0-9]+$`)
)

// NormalizeURL checks a JSON-RPC url and returns it with one leading slash. It refuses what could
// address something other than the named resource: dot segments, empty segments, query strings,
// spaces and anything outside a conservative character set.
func NormalizeURL(u string) (string, error) {
	if u == "" {
		return "", errors.New("must not be empty; e.g. /sys/status or /logview/adom/root/logsearch")
	}
	if !strings.HasPrefix(u, "/") {
		u = "/" + u
	}
	if !urlChars.MatchString(u) {
		return "", errors.New("must be a FortiAnalyzer JSON-RPC url: /segment/segment..., letters, digits and _ . : @ - only, at most 512 characters")
	}
	for _, seg := range strings.Split(u[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", errors.New("must not contain empty, '.' or '..' segments")
		}
	}
	return u, nil
}

// Classify decides whether (method, url) reads or writes — by the pair, not by the verb alone
// (§4.6). url must be normalised. Session management is not the model's business: sys/login and
// sys/logout are refused, since the server manages sessions itself.
func Classify(method, url string) (Kind, error) {
	if url == "/sys/logout" || strings.HasPrefix(url, "/sys/login") {
		return Write, errors.New("sessions are managed by the server; sys/login and sys/logout cannot be called")
	}
	switch method {
	case "get":
		return Read, nil
	case "add":
		if logsearchStart.MatchString(url) || fortiviewStart.MatchString(url) {
			return Read, nil
		}
	case "delete":
		if logsearchCancel.MatchString(url) || fortiviewCancel.MatchString(url) {
			return Read, nil
		}
	case "set", "update", "exec", "move", "clone":
	default:
		return Write, errors.New("is not a JSON-RPC method; use get, add, set, update, delete, exec, move or clone")
	}
	return Write, nil
}
