package emulator

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestGrownTableStreamsWhatCmdbGetSends: a list GET of a grown table, streamed from generated
// entries, is byte for byte what cmdbGet sends once the entries are rows.
func TestGrownTableStreamsWhatCmdbGetSends(t *testing.T) {
	h := start(t, Options{})
	tok := h.demoToken()
	d := cmdbDevice(h)
	if err := h.e.GrowFortiOSTable(d.SN, "/api/v2/cmdb/firewall/address", 300); err != nil {
		t.Fatal(err)
	}
	queries := []string{"", "format=name|subnet", "start=5&count=20", "filter=type==fqdn", "filter=name=@h-10.64&count=7",
		"start=100000", "count=0", "filter=nonsense", "start=-1", "vdom=" + d.VDOMs[0]}
	path := "api/v2/cmdb/firewall/address"
	streamed := map[string][]byte{}
	for _, q := range queries {
		st, b := h.fos(tok, "GET", d.SN, path+"?"+q, nil)
		if st != 200 && !strings.Contains(q, "nonsense") && q != "start=-1" {
			t.Fatalf("%q: %d %.200s", q, st, b)
		}
		streamed[q] = b
	}
	var env struct {
		Size    int              `json:"size"`
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(streamed[""], &env); err != nil {
		t.Fatal(err)
	}
	if env.Size != len(env.Results) || env.Size < 300 {
		t.Fatalf("size %d, %d results", env.Size, len(env.Results))
	}
	// A GET by key turns the entries into rows; the same lists now come from cmdbGet.
	name := env.Results[len(env.Results)-1]["name"].(string)
	if st, one := h.fosJSON(tok, "GET", d.SN, path+"/"+url.PathEscape(name), nil); st != 200 || one["mkey"] != name {
		t.Fatalf("GET by key %q: %d %v", name, st, one)
	}
	if g := h.e.device(d.SN).os.grown; g == nil || g[d.VDOMs[0]+"/firewall/address"].pending != 0 {
		t.Fatal("the entries were not turned into rows")
	}
	for _, q := range queries {
		if _, b := h.fos(tok, "GET", d.SN, path+"?"+q, nil); !bytes.Equal(b, streamed[q]) {
			t.Errorf("%q: streamed and cmdbGet replies differ:\n%.300s\n%.300s", q, streamed[q], b)
		}
	}
	// The generated names are real rows now: a POST of one is a duplicate (§1.6, -5).
	st, dup := h.fosJSON(tok, "POST", d.SN, path, map[string]any{"name": name, "subnet": "192.0.2.1 255.255.255.255"})
	if st != 500 || jsonString(dup["error"]) != "-5" {
		t.Fatalf("duplicate POST: %d %v", st, dup)
	}
}

func TestGrownTableIsHugeAndQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("a 33 MB reply")
	}
	h := start(t, Options{})
	tok := h.demoToken()
	d := h.findDevice(func(d Device) bool { return reachable(d) && d.gzipMode() == GzipWithHeader && len(d.VDOMs) == 1 })
	if err := h.e.GrowFortiOSTable(d.SN, "firewall/address", 70_000); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	r := h.do("GET", fgtProxyPrefix+d.SN+"/api/v2/cmdb/firewall/address", bearer(tok), nil)
	took := time.Since(began)
	plain := gunzipIfNeeded(t, r.body)
	if r.status != 200 || r.header.Get("Content-Encoding") != "gzip" || len(plain) < 30<<20 {
		t.Fatalf("%d %q: %d bytes (%d on the wire)", r.status, r.header.Get("Content-Encoding"), len(plain), len(r.body))
	}
	var env struct {
		Size    int `json:"size"`
		Results []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"results"`
		Serial string `json:"serial"`
	}
	if err := json.Unmarshal(plain, &env); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	types := map[string]int{}
	for _, a := range env.Results {
		seen[a.Name] = true
		types[a.Type]++
	}
	if len(env.Results) != env.Size || len(seen) != env.Size || env.Serial != d.SN || types["ipmask"] == 0 || types["iprange"] == 0 || types["fqdn"] == 0 {
		t.Fatalf("size %d, %d results, %d distinct names, types %v", env.Size, len(env.Results), len(seen), types)
	}
	t.Logf("%d entries: %d bytes, %d gzipped, in %s", env.Size, len(plain), len(r.body), took.Round(time.Millisecond))
	if took > 20*time.Second {
		t.Errorf("a 33 MB reply took %s", took)
	}
}

func TestGrowFortiOSTableRefuses(t *testing.T) {
	h := start(t, Options{})
	d := cmdbDevice(h)
	for _, c := range []struct {
		serial, path string
		n            int
	}{
		{"FGT00NOSUCHDEV00", "firewall/address", 1},
		{d.SN, "firewall/policy", 1},
		{d.SN, "system/global", 1},
		{d.SN, "firewall/address", -1},
		{d.SN, "firewall/address", maxGrownRows + 1},
	} {
		if err := h.e.GrowFortiOSTable(c.serial, c.path, c.n); err == nil {
			t.Errorf("%s %s %d: accepted", c.serial, c.path, c.n)
		}
	}
}

// TestAppendObjectIsMustJSON: the streamed encoding is encoding/json's, for every seeded row
// and for strings encoding/json escapes.
func TestAppendObjectIsMustJSON(t *testing.T) {
	h := start(t, Options{})
	rows := 0
	for _, dev := range h.e.Devices() {
		ds := h.e.device(dev.SN)
		if ds == nil {
			continue // the fleet's device without a serial (forticloud-api.md §3.2)
		}
		ds.mu.Lock()
		for _, scope := range ds.os.tables {
			for _, table := range scope {
				for _, r := range *table {
					if got, want := appendObject(nil, r), mustJSON(r); !bytes.Equal(got, want) {
						t.Fatalf("%s\n%s", got, want)
					}
					rows++
				}
			}
		}
		ds.mu.Unlock()
	}
	odd := obj("a<b", "x&y>z", "q", "say \"hi\"\n\u2028", "u", "é\xff", "n", nil, "l", []object(nil), "e", []object{}, "o", object(nil),
		"f", 1.5, "i", 7, "m", map[string]any{"k": 1})
	if got, want := appendObject(nil, odd), mustJSON(odd); !bytes.Equal(got, want) {
		t.Fatalf("%s\n%s", got, want)
	}
	if rows < 1000 {
		t.Fatalf("only %d rows compared", rows)
	}
}
