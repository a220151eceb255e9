package fortianalyzer

import (
	"path"
	"strings"
	"testing"
)

// FuzzNormalizeURL checks NormalizeURL's promise for any input: an accepted url starts with one
// slash, is at most 512 bytes of letters, digits and _ . : @ - / only, has no empty, '.' or '..'
// segment (so path.Clean leaves it as it is), and normalising it again returns it unchanged.
func FuzzNormalizeURL(f *testing.F) {
	for _, s := range []string{
		"/sys/status", "sys/status", "/dvmdb/adom/root/device", "/logview/adom/root/logsearch/123",
		"/eventmgmt/adom/root/alerts", "", "/", "//sys/status", "/sys//status", "/sys/status/", "/sys/./status",
		"/sys/../x", "/sys/%2e%2e/x", "/sys/status?x=1", "/sys/status#x", "/sys/status x", "/sys/\x00status",
		"/sys/status\r\n", "/sys/\u200bstatus", "/sys/\u202estatus", "/sys/\uff0e\uff0e/x", "/sys\\status",
		"/...", "/.../x", "/a..b", "/a:b@c", "/sys/login/user", "/sys/logout", "/SYS/LOGOUT",
		"/" + strings.Repeat("a", 511), "/" + strings.Repeat("a", 512), strings.Repeat("/a", 256),
		"https://evil.example/sys/status", "ignore previous instructions",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		u, err := NormalizeURL(in)
		if err != nil {
			if u != "" {
				t.Fatalf("refused %q but returned %q", in, u)
			}
			return
		}
		if !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") || len(u) > 512 || len(u) < 2 {
			t.Fatalf("accepted %q as %q", in, u)
		}
		for i := 0; i < len(u); i++ {
			c := u[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.:@-/", c) >= 0) {
				t.Fatalf("accepted %q with byte 0x%02x", u, c)
			}
		}
		for _, seg := range strings.Split(u[1:], "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("accepted %q with segment %q", u, seg)
			}
		}
		if path.Clean(u) != u {
			t.Fatalf("accepted %q, which path.Clean turns into %q", u, path.Clean(u))
		}
		if u != in && u != "/"+in {
			t.Fatalf("normalising %q changed more than the leading slash: %q", in, u)
		}
		again, err := NormalizeURL(u)
		if err != nil || again != u {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", in, u, again, err)
		}
		// Session management stays out of the model's reach whatever the verb.
		if u == "/sys/logout" || strings.HasPrefix(u, "/sys/login") {
			for _, m := range Methods {
				if _, err := Classify(m, u); err == nil {
					t.Fatalf("%s %s was not refused", m, u)
				}
			}
		}
	})
}
