// Package fortios holds what the product knows about FortiOS REST: which paths may be sent through
// the FortiGate Cloud proxy, which values are secrets, and how to cut a reply down to size
// (fortios-and-faz-data.md §1; forticloud-api.md §3.3).
package fortios

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxPathLen bounds a FortiOS path.
const MaxPathLen = 1024

var (
	serialRE = regexp.MustCompile(`^[A-Za-z0-9]{1,40}$`)
	vdomRE   = regexp.MustCompile(`^(\*|[A-Za-z0-9_.-]{1,31}(,[A-Za-z0-9_.-]{1,31})*)$`)
	queryKey = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// ValidateSerial accepts a FortiGate serial number: letters and digits only, so it cannot add
// path segments to /forticloudapi/v1/fgt/<SN>/.
func ValidateSerial(sn string) error {
	if !serialRE.MatchString(sn) {
		return errors.New("must be a FortiGate serial number: 1 to 40 letters and digits, e.g. FGT60FTK2209A001")
	}
	return nil
}

// ValidateVDOM accepts a VDOM name, a comma list of them, or * (fortios-and-faz-data.md §1.2).
func ValidateVDOM(v string) error {
	if !vdomRE.MatchString(v) {
		return errors.New("must be a VDOM name (letters, digits, _ . -), a comma list of names, or *")
	}
	return nil
}

// ValidateQueryKey accepts a FortiOS query parameter name.
func ValidateQueryKey(k string) error {
	if !queryKey.MatchString(k) {
		return errors.New("must be a query parameter name (letters, digits, _ . -)")
	}
	return nil
}

// pathChars are the bytes allowed in a path as given: unreserved, percent, slash and a few
// sub-delimiters seen in FortiOS object names. Anything else (space, backslash, ?, #, ;, quotes,
// non-ASCII) is refused rather than escaped, so what we check is what is sent.
var pathChars = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%/:@!$&'()*+,=" {
		t[c] = true
	}
	return t
}()

// lookalikes are characters some decoders fold into '.', '/' or '\'.
var lookalikes = []string{"\uff0e", "\u2024", "\ufe52", "\uff0f", "\u2215", "\u2044", "\uff3c", "\u29f5", "\ufe68"}

// ValidatePath checks a FortiOS REST path for the proxy and returns it with one leading slash.
// It must lie under /api/v2/ and must not be able to leave the device's proxy prefix: no `..` or
// `.` segments and no `//` in any percent-encoding depth, no scheme, no query string or fragment
// smuggled into the path, no backslashes or control characters.
func ValidatePath(p string) (string, error) {
	if p == "" {
		return "", errors.New("must not be empty; give a FortiOS REST path such as /api/v2/monitor/system/status")
	}
	if len(p) > MaxPathLen {
		return "", fmt.Errorf("must be at most %d characters", MaxPathLen)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '?' || c == '#':
			return "", errors.New("must not contain a query string or fragment; pass query parameters in the query argument")
		case c == '\\':
			return "", errors.New("must not contain backslashes")
		case !pathChars[c]:
			return "", fmt.Errorf("contains a character that is not allowed in a FortiOS path (byte 0x%02x at %d); percent-encode object names", c, i)
		}
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	// Check every decoding depth: a proxy or the device may decode more than once.
	cur := p
	for depth := 0; depth < 4; depth++ {
		if err := checkDecoded(cur); err != nil {
			return "", err
		}
		next, err := url.PathUnescape(cur)
		if err != nil {
			return "", errors.New("has an invalid percent-encoding")
		}
		if next == cur {
			break
		}
		if depth == 3 {
			return "", errors.New("is percent-encoded too many times")
		}
		cur = next
	}
	if !strings.HasPrefix(p, "/api/v2/") || len(p) == len("/api/v2/") {
		return "", errors.New("must be a FortiOS REST path under /api/v2/, e.g. /api/v2/monitor/system/status or /api/v2/cmdb/firewall/address")
	}
	return p, nil
}

func checkDecoded(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("decodes to invalid UTF-8")
	}
	// Compatibility forms ("\u2025" → "..", "\uff1f" → "?") must not smuggle what the ASCII
	// checks refuse: check the NFKC form as well.
	if n := norm.NFKC.String(s); n != s {
		if err := checkASCII(n); err != nil {
			return errors.New("contains characters that normalise to something not allowed: " + err.Error())
		}
	}
	return checkASCII(s)
}

func checkASCII(s string) error {
	lower := strings.ToLower(s)
	switch {
	case strings.Contains(s, ".."):
		return errors.New("must not contain '..' (in any encoding)")
	case strings.Contains(s, "//"):
		return errors.New("must not contain '//' (in any encoding)")
	case strings.Contains(s, "\\"):
		return errors.New("must not contain backslashes (in any encoding)")
	case strings.Contains(lower, "://") || strings.HasPrefix(lower, "http:") || strings.HasPrefix(lower, "https:"):
		return errors.New("must be a path, not a URL")
	case strings.ContainsAny(s, "?#"):
		return errors.New("must not contain a query string or fragment (in any encoding); use the query argument")
	case strings.HasSuffix(s, "/.") || strings.Contains(s, "/./"):
		return errors.New("must not contain '.' segments")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return errors.New("must not contain control characters (in any encoding)")
		}
	}
	for _, l := range lookalikes {
		if strings.Contains(s, l) {
			return errors.New("must not contain look-alike dot, slash or backslash characters")
		}
	}
	return nil
}
