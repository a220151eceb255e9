package fortios

import (
	"net/url"
	"strings"
	"testing"
)

func TestValidatePathAccepts(t *testing.T) {
	for in, want := range map[string]string{
		"/api/v2/monitor/system/status":                  "/api/v2/monitor/system/status",
		"api/v2/monitor/system/status":                   "/api/v2/monitor/system/status",
		"/api/v2/cmdb/firewall/address/srv-web-01":       "/api/v2/cmdb/firewall/address/srv-web-01",
		"/api/v2/cmdb/firewall/address/net_10.0.0.0%2F8": "/api/v2/cmdb/firewall/address/net_10.0.0.0%2F8",
		"/api/v2/cmdb/firewall/address/my%20host":        "/api/v2/cmdb/firewall/address/my%20host",
		"/api/v2/cmdb/vpn.ipsec/phase1-interface":        "/api/v2/cmdb/vpn.ipsec/phase1-interface",
		"/api/v2/monitor/license/status/select":          "/api/v2/monitor/license/status/select",
	} {
		got, err := ValidatePath(in)
		if err != nil || got != want {
			t.Errorf("ValidatePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestValidatePathRejectsEscapes(t *testing.T) {
	for _, in := range []string{
		"",
		"/api/v2/",
		"/api/v1/monitor/system/status",
		"/forticloudapi/v1/devices",
		"/api/v2/../../devices",
		"/api/v2/monitor/..",
		"/api/v2/%2e%2e/%2e%2e/devices",
		"/api/v2/%2E%2E/devices",
		"/api/v2/%252e%252e/devices",
		"/api/v2/%25252e%25252e/devices",
		"/api/v2/.%2e/devices",
		"/api/v2/monitor%2f..%2f..%2fdevices",
		"/api/v2//monitor",
		"//evil.example/api/v2/x",
		"/api/v2/%2f%2fevil",
		"/api/v2/%2F/x",
		"https://evil.example/api/v2/monitor",
		"http:/api/v2/x",
		"/api/v2/monitor/x?vdom=root",
		"/api/v2/monitor/x%3Fvdom=root",
		"/api/v2/monitor/x%253Fa=b",
		"/api/v2/monitor/x#frag",
		"/api/v2/monitor/x%23frag",
		"/api/v2/monitor\\..\\x",
		"/api/v2/monitor/%5c..%5cx",
		"/api/v2/monitor/x\x00",
		"/api/v2/monitor/x%00",
		"/api/v2/monitor/x%0d%0aHost:evil",
		"/api/v2/monitor/x y",
		"/api/v2/./monitor",
		"/api/v2/monitor/.",
		"/api/v2/monitor/%c0%ae%c0%ae/x",
		"/api/v2/monitor/\uff0e\uff0e/x",
		"/api/v2/monitor/%ef%bc%8e%ef%bc%8e/x",
		"/api/v2/monitor/%zz",
		"/api/v2/monitor/x;jsessionid=1",
		"/api/v2/%E2%80%A5/devices",
		"/api/v2/%EF%B8%B0/devices",
		"/api/v2/monitor/x%EF%BC%9Fvdom=root",
		"/api/v2/monitor/x%EF%BC%83frag",
		"/api/v2/%E2%80%A6/devices",
		"/api/v2/" + strings.Repeat("a", MaxPathLen),
	} {
		if got, err := ValidatePath(in); err == nil {
			t.Errorf("ValidatePath(%q) accepted (%q)", in, got)
		}
	}
}

func TestValidateSerial(t *testing.T) {
	for _, ok := range []string{"FGT60FTK2209A001", "FGVMEVYYQT3AB5352", "FG100F3G19000001"} {
		if err := ValidateSerial(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "FGT60F/../x", "FGT 60F", "FGT60F%2f", "FGT60F?x", "FGT-60F", strings.Repeat("A", 41), "ＦＧＴ"} {
		if ValidateSerial(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidateVDOM(t *testing.T) {
	for _, ok := range []string{"root", "*", "vd1,vd2", "dmz_vdom", "tp.1"} {
		if err := ValidateVDOM(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "root&global=1", "a,", ",a", "*,root", "r/oot", "root\n"} {
		if ValidateVDOM(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzValidatePath checks the validator's promise: whatever it accepts starts with /api/v2/ and,
// decoded any number of times, has no dot segment, no empty segment, no query or fragment and no
// scheme, so the proxy URL cannot leave /forticloudapi/v1/fgt/<SN>/api/v2/.
func FuzzValidatePath(f *testing.F) {
	for _, s := range []string{"/api/v2/monitor/system/status", "api/v2/cmdb/firewall/address/a%2Fb", "/api/v2/%2e%2e/x", "/api/v2/x%252e%252e", "/api/v2//x", "/api/v2/x?y", "/api/v2/\uff0e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ValidatePath(in)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "/api/v2/") {
			t.Fatalf("accepted %q without the /api/v2/ prefix", got)
		}
		cur := got
		for range 8 {
			for _, seg := range strings.Split(cur, "/")[1:] {
				if seg == "." || seg == ".." || strings.Contains(seg, "..") {
					t.Fatalf("accepted %q: decodes to a dot segment in %q", in, cur)
				}
			}
			if strings.Contains(cur, "//") || strings.ContainsAny(cur, "?#\\") || strings.Contains(cur, "://") {
				t.Fatalf("accepted %q: decodes to %q", in, cur)
			}
			next, err := url.PathUnescape(cur)
			if err != nil || next == cur {
				break
			}
			cur = next
		}
		// The URL built from it keeps the device prefix.
		u, err := url.Parse("https://api.example/forticloudapi/v1/fgt/FGT1" + got)
		if err != nil {
			return
		}
		if u.Host != "api.example" || !strings.HasPrefix(u.EscapedPath(), "/forticloudapi/v1/fgt/FGT1/api/v2/") || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("accepted %q: URL %q leaves the device prefix", in, u.String())
		}
	})
}
