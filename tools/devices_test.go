package tools

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

func shapeOne(t *testing.T, fields []string, raw string) (map[string]any, deviceFacts) {
	t.Helper()
	s := getDeviceShaper(fields)
	defer putDeviceShaper(s)
	out, facts, err := s.shape([]byte(raw))
	if err != nil {
		t.Fatalf("shape %s: %v", raw, err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("shaped device is not JSON: %s: %v", out, err)
	}
	return m, facts
}

func TestDeviceShaper(t *testing.T) {
	raw := `{"sn":"FGT60F\u200b0001","name":"HQ\u202e-FW","model":"FortiGate 60F","firmwareVersion":"7.4.3",` +
		`"tunnelAlive":true,"total":58,"ip":"10.0.0.1","timeZone":-7.0,"latitude":null,` +
		`"extra":{"note\u0007":["a\u0000b",1,{"k":"v\u2066"}]},"ip":"dup"}`
	m, f := shapeOne(t, nil, raw)
	if _, has := m["total"]; has {
		t.Error("total kept")
	}
	if m["sn"] != "FGT60F0001" || m["name"] != "HQ-FW" || m["ip"] != "10.0.0.1" || m["timeZone"] != -7.0 || m["latitude"] != nil {
		t.Errorf("fields: %v", m)
	}
	extra, _ := json.Marshal(m["extra"])
	if string(extra) != `{"note":["ab",1,{"k":"v"}]}` {
		t.Errorf("nested strings not cleaned: %s", extra)
	}
	if f.model != "FortiGate 60F" || f.firmware != "7.4.3" || f.name != "HQ\u202e-FW" || f.tunnelAlive == nil || !*f.tunnelAlive {
		t.Errorf("facts: %+v", f)
	}
	// Fields asked for, sn always; facts are read whatever the fields.
	m, f = shapeOne(t, []string{"name"}, raw)
	if len(m) != 2 || m["sn"] == nil || m["name"] == nil || f.model == "" || f.tunnelAlive == nil {
		t.Errorf("fields=[name]: %v %+v", m, f)
	}
	// Invalid UTF-8 from upstream becomes U+FFFD, as encoding/json's maps made it.
	m, _ = shapeOne(t, nil, "{\"name\":\"a\xffb\"}")
	if m["name"] != "a\ufffdb" {
		t.Errorf("invalid UTF-8: %q", m["name"])
	}
	s := getDeviceShaper(nil)
	defer putDeviceShaper(s)
	for _, bad := range []string{`[1]`, `"x"`, `{"a":}`, ``, `{"a":1`} {
		if _, _, err := s.shape([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestDeviceFactsMatch(t *testing.T) {
	up, down := true, false
	f := deviceFacts{model: "FortiGate 60F", firmware: "v7.4.3", name: "HQ-FW", tunnelAlive: &up}
	for _, c := range []struct {
		in   ListDevicesArgs
		want bool
	}{
		{ListDevicesArgs{Model: "60f"}, true},
		{ListDevicesArgs{Model: "100F"}, false},
		{ListDevicesArgs{Firmware: "7.4"}, true},
		{ListDevicesArgs{Firmware: "7.4.3"}, true},
		{ListDevicesArgs{Firmware: "7.4.30"}, false},
		{ListDevicesArgs{Firmware: "7"}, true},
		{ListDevicesArgs{Firmware: "7.2"}, false},
		{ListDevicesArgs{Name: "hq"}, true},
		{ListDevicesArgs{TunnelAlive: &up}, true},
		{ListDevicesArgs{TunnelAlive: &down}, false},
	} {
		if got := f.matches(c.in); got != c.want {
			t.Errorf("%+v: %v, want %v", c.in, got, c.want)
		}
	}
	if (deviceFacts{}).matches(ListDevicesArgs{TunnelAlive: &down}) {
		t.Error("a device without tunnelAlive matched tunnel_alive=false")
	}
}

// FuzzDeviceShaper: whatever FortiGate Cloud sends as a device, the shaped device is a JSON
// object whose names and strings are clean, without total, with only the fields asked for.
func FuzzDeviceShaper(f *testing.F) {
	f.Add(`{"sn":"FGT1","name":"a","total":3,"model":"FortiGate 60F","tunnelAlive":false}`, "name")
	f.Add(`{"sn":"x\u200by","x":{"y":["\u0007",true,null,1.5e3]}}`, "")
	f.Add("{\"n\\u0000\":\"\xff\",\"n\":1}", "n")
	f.Fuzz(func(t *testing.T, raw, field string) {
		var fields []string
		if field != "" {
			fields = []string{field}
		}
		s := getDeviceShaper(fields)
		defer putDeviceShaper(s)
		out, _, err := s.shape([]byte(raw))
		if err != nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("not a JSON object: %q from %q", out, raw)
		}
		if _, has := m["total"]; has {
			t.Fatalf("total kept: %q", out)
		}
		var check func(v any)
		check = func(v any) {
			switch x := v.(type) {
			case string:
				if x != sanitize.String(x) || !utf8.ValidString(x) {
					t.Fatalf("unclean string %q in %q", x, out)
				}
			case map[string]any:
				for k, e := range x {
					check(k)
					check(e)
				}
			case []any:
				for _, e := range x {
					check(e)
				}
			}
		}
		check(m)
		for k := range m {
			if len(fields) > 0 && k != "sn" && k != sanitize.String(field) {
				t.Fatalf("field %q kept with fields=%q", k, fields)
			}
		}
	})
}
