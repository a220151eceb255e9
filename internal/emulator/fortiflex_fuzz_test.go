package emulator

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// FuzzFlexBody: body parsing and the typed readers never panic, and what
// they accept is well formed.
func FuzzFlexBody(f *testing.F) {
	for _, s := range []string{
		`{}`, `""`, ``, `null`, `[]`, `{`, `{} {}`,
		`{"configId":41102,"count":3,"description":"x","endDate":"2026-05-01","folderPath":"My Assets","skipPending":true}`,
		`{"configId":"41102","count":"2","skipPending":"TRUE","endDate":"2026-05-01T10:00:00.123-07:00"}`,
		`{"ConfigId":1,"configid":2}`,
		`{"parameters":[{"id":1,"value":"4"},{"id":"2","value":"UTP"},{"ID":10,"Value":0}]}`,
		`{"parameters":[{"id":1.5,"value":"4"}]}`,
		`{"parameters":{"id":1}}`,
		`{"configId":1e3,"count":-1,"endDate":"2026-02-30"}`,
		`{"startDate":"2026-03-02 00:00:00","endDate":"9999-12-31T23:59:59.9999999Z"}`,
		`{"accountId":99999999999999999999}`,
	} {
		f.Add(s)
	}
	fields := []string{"configId", "count", "accountId", "id", "productTypeId", "description", "endDate", "startDate",
		"folderPath", "skipPending", "programSerialNumber", "serialNumber", "status", "tokenStatus", "name", "parameters"}
	f.Fuzz(func(t *testing.T, body string) {
		b, err := parseFlexBody([]byte(body))
		if err != nil {
			if err.status != http.StatusBadRequest || err.msg == "" {
				t.Fatalf("error %+v", err)
			}
			return
		}
		for k := range b {
			if k != strings.ToLower(k) {
				t.Fatalf("key %q not lower-cased", k)
			}
		}
		for _, name := range fields {
			_, _, _ = b.str(name)
			_, _, _ = b.int(name)
			_, _, _ = b.boolean(name)
			if d, ok, err := b.date(name); err == nil && ok && d.Location() != time.UTC {
				t.Fatalf("%s: date not in UTC", name)
			}
			if ps, ok, err := b.params(name); err == nil && ok {
				for _, p := range ps {
					if p.id <= 0 {
						t.Fatalf("accepted parameter id %d", p.id)
					}
				}
			}
			_, _ = enumArg(b, name, FlexActive, FlexPending)
			_, _ = folderArg(b)
		}
	})
}

// FuzzFlexRequest drives every endpoint with arbitrary bodies against the
// demo world: it must answer data that marshals, or a 400/403 refusal with
// a message, and leave the state machine's invariants intact.
func FuzzFlexRequest(f *testing.F) {
	names := make([]string, 0, len(flexEndpoints))
	for n := range flexEndpoints {
		names = append(names, n)
	}
	sort.Strings(names)
	seeds := map[string][]string{
		"programs/list":           {`{}`},
		"configs/list":            {`{"programSerialNumber":"ELAVMS0000004821","accountId":1734290}`},
		"configs/create":          {`{"programSerialNumber":"ELAVMS0000004821","name":"n","productTypeId":1,"parameters":[{"id":1,"value":"2"},{"id":2,"value":"FC"}]}`},
		"configs/update":          {`{"id":41102,"parameters":[{"id":1,"value":"97"}]}`, `{"id":41102,"name":"x"}`},
		"configs/disable":         {`{"id":41101}`},
		"configs/enable":          {`{"id":41106}`},
		"entitlements/list":       {`{"configId":41102,"status":"ACTIVE"}`, `{"accountId":1734285,"programSerialNumber":"ELAVMR0000007342"}`},
		"entitlements/vm/create":  {`{"configId":41102,"count":2,"skipPending":true,"endDate":"2026-04-01"}`, `{"configId":41107}`},
		"entitlements/update":     {`{"serialNumber":"FGVMELTM25008301","configId":41103,"description":null}`},
		"entitlements/stop":       {`{"serialNumber":"FGVMELTM25008301"}`},
		"entitlements/reactivate": {`{"serialNumber":"FGVMELTM25008309"}`},
		"entitlements/vm/token":   {`{"serialNumber":"FGVMELTM25008307"}`},
		"entitlements/points":     {`{"configId":41102,"startDate":"2025-01-01","endDate":"2026-03-02"}`},
		"groups/list":             {`{"accountId":1734285}`},
		"tools/calc":              {`{"programSerialNumber":"ELAVMS0000004821","count":2,"productTypeId":7,"parameters":[{"id":21,"value":"5"},{"id":22,"value":"0"},{"id":23,"value":"FAZFC247"}]}`},
	}
	for i, n := range names {
		for _, s := range seeds[n] {
			f.Add(uint8(i), s, uint16(0))
		}
	}
	c := flexCaller{user: DemoAPIUsername, account: DemoFlexAccountID, access: AccessReadWrite}
	f.Fuzz(func(t *testing.T, ep uint8, body string, hours uint16) {
		// A fresh demo world each time, so that every input is reproducible.
		clock := NewManualClock(testEpoch)
		e := New(Options{NoDemoData: true, Clock: clock})
		e.seedDemoFlex()
		clock.Advance(time.Duration(hours) * time.Hour) // up to 7.5 years: past every end date
		b, ferr := parseFlexBody([]byte(body))
		if ferr != nil {
			return
		}
		fl := e.flex
		fl.mu.Lock()
		defer fl.mu.Unlock()
		now := clock.Now()
		fl.refreshLocked(now)
		data, ferr := flexEndpoints[names[int(ep)%len(names)]].handle(e, fl, c, b, now)
		if ferr != nil {
			if (ferr.status != http.StatusBadRequest && ferr.status != http.StatusForbidden) || ferr.msg == "" {
				t.Fatalf("refusal %+v", ferr)
			}
		} else if _, err := json.Marshal(data); err != nil {
			t.Fatalf("reply does not marshal: %v", err)
		}
		for _, x := range fl.ents {
			switch {
			case !reFlexToken.MatchString(x.token) || fl.byToken[x.token] != x || fl.bySerial[x.serial] != x:
				t.Fatalf("%s: token or index broken", x.serial)
			case x.status == FlexPending && x.tokenStatus != FlexNotUsed:
				t.Fatalf("%s: PENDING with a used token", x.serial)
			case x.status != FlexExpired && !now.Before(expiry(x.end)):
				t.Fatalf("%s: %s past its end date", x.serial, x.status)
			case x.status == FlexActive && (len(x.spans) == 0 || !x.spans[len(x.spans)-1].to.IsZero()):
				t.Fatalf("%s: ACTIVE without an open span", x.serial)
			case x.status != FlexActive && len(x.spans) > 0 && x.spans[len(x.spans)-1].to.IsZero():
				t.Fatalf("%s: %s with an open span", x.serial, x.status)
			}
		}
	})
}
