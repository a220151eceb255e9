package fortianalyzer

import (
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		method, url string
		want        Kind
		err         bool
	}{
		{"get", "/sys/status", Read, false},
		{"get", "/dvmdb/adom", Read, false},
		{"get", "/logview/adom/root/logsearch/123", Read, false},
		{"add", "/logview/adom/root/logsearch", Read, false},
		{"delete", "/logview/adom/root/logsearch/123", Read, false},
		{"add", "/fortiview/adom/root/top-sources/run", Read, false},
		{"delete", "/fortiview/adom/root/top-sources/run/9", Read, false},
		{"get", "/eventmgmt/adom/root/alerts", Read, false},
		{"update", "/eventmgmt/adom/root/alerts/ack", Write, false},
		{"update", "/eventmgmt/adom/root/alerts/comment", Write, false},
		{"update", "/eventmgmt/adom/root/alerts/assign", Write, false},
		{"add", "/incidentmgmt/adom/root/incident", Write, false},
		{"update", "/incidentmgmt/adom/root/incident/42", Write, false},
		{"add", "/logview/adom/root/logsearch/extra", Write, false},
		{"delete", "/logview/adom/root/logsearch", Write, false},
		{"delete", "/dvmdb/adom/root/device/FGT1", Write, false},
		{"set", "/cli/global/system/admin/user", Write, false},
		{"exec", "/sys/reboot", Write, false},
		{"move", "/pm/config/adom/root/pkg/default/firewall/policy/1", Write, false},
		{"clone", "/dvmdb/adom/root", Write, false},
		{"exec", "/sys/logout", Write, true},
		{"exec", "/sys/login/user", Write, true},
		{"GET", "/sys/status", Write, true},
	} {
		got, err := Classify(c.method, c.url)
		if got != c.want || (err != nil) != c.err {
			t.Errorf("Classify(%s, %s) = %v, %v", c.method, c.url, got, err)
		}
	}
}

func TestNormalizeURL(t *testing.T) {
	for in, want := range map[string]string{"sys/status": "/sys/status", "/logview/adom/root/logsearch/12": "/logview/adom/root/logsearch/12", "/dvmdb/adom/Branch-2/device/FGT60F:x": "/dvmdb/adom/Branch-2/device/FGT60F:x"} {
		if got, err := NormalizeURL(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "/", "//sys", "/sys/../status", "/sys/./status", "/sys/status?x=1", "/sys/status#f", "/sys/ status", "/sys/%2e%2e", "http://x/sys", "/sys\\status", "/" + strings.Repeat("a", 600), "/logview/adom/root/\u2025"} {
		if got, err := NormalizeURL(bad); err == nil {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}

// FuzzClassify checks that whatever the url, a normalised url has no dot segments and the only
// reads among non-get verbs are the search start/cancel patterns.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"add|/logview/adom/root/logsearch", "delete|/logview/adom/root/logsearch/1", "update|/eventmgmt/adom/root/alerts/ack", "get|sys/status"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		method, url, _ := strings.Cut(in, "|")
		u, err := NormalizeURL(url)
		if err != nil {
			return
		}
		if strings.Contains(u, "..") && strings.Contains(u, "/../") || strings.Contains(u, "//") || strings.ContainsAny(u, "?# %\\") {
			t.Fatalf("normalised %q to %q", url, u)
		}
		k, err := Classify(method, u)
		if err == nil && k == Read && method != "get" {
			if !(logsearchStart.MatchString(u) || fortiviewStart.MatchString(u) || logsearchCancel.MatchString(u) || fortiviewCancel.MatchString(u)) {
				t.Fatalf("%s %s classified read", method, u)
			}
		}
	})
}
