package emulator

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestFAZSeedDeterministic(t *testing.T) {
	a := New(Options{Clock: NewManualClock(testEpoch)})
	b := New(Options{Clock: NewManualClock(testEpoch)})
	if len(a.faz.logs) < 2000 {
		t.Fatalf("%d log rows, want a few thousand", len(a.faz.logs))
	}
	if !bytes.Equal(mustJSON(fazRowsOf(a)), mustJSON(fazRowsOf(b))) {
		t.Error("two emulators at the same clock reading hold different logs")
	}
	if len(a.FAZAlerts()) < 18 || len(a.FAZAlerts()) > 24 || len(a.FAZIncidents()) != 8 {
		t.Errorf("%d alerts, %d incidents", len(a.FAZAlerts()), len(a.FAZIncidents()))
	}
	if !bytes.Equal(mustJSON(a.FAZAlerts()), mustJSON(b.FAZAlerts())) {
		t.Error("alerts differ")
	}
	// Relative to the start: a later start shifts every row.
	c := New(Options{Clock: NewManualClock(testEpoch.Add(72 * time.Hour))})
	if d := c.faz.logs[len(c.faz.logs)-1].t.Sub(a.faz.logs[len(a.faz.logs)-1].t); d != 72*time.Hour {
		t.Errorf("latest row moved by %v", d)
	}
	if n := len(New(Options{NoDemoData: true}).faz.logs); n != 0 {
		t.Errorf("NoDemoData: %d rows", n)
	}
}

func fazRowsOf(e *Emulator) []fazRow {
	out := make([]fazRow, len(e.faz.logs))
	for i, l := range e.faz.logs {
		out[i] = l.row
	}
	return out
}

func TestFAZSeedCoherent(t *testing.T) {
	e := New(Options{Clock: NewManualClock(testEpoch)})
	now := testEpoch
	bySN := map[string]*deviceState{}
	for _, d := range e.Devices() {
		bySN[d.SN] = e.device(d.SN)
	}
	// Policy UUIDs per device, from its FortiOS table.
	uuids := map[string]map[string]string{}
	for sn, ds := range bySN {
		if ds == nil {
			continue
		}
		ds.mu.Lock()
		for _, v := range ds.dev.VDOMs {
			m := map[string]string{}
			if rows := ds.os.tables[v][policySpec.key]; rows != nil {
				for _, r := range *rows {
					id, _ := r.get("policyid")
					m[itoa(int(id.(int64)))] = r.str("uuid")
				}
			}
			uuids[sn+"/"+v] = m
		}
		ds.mu.Unlock()
	}
	types := map[string]string{"traffic": "traffic", "event": "event", "attack": "utm", "virus": "utm", "webfilter": "utm", "app-ctrl": "utm"}
	var denied, attacks int
	prev := time.Time{}
	for i := range e.faz.logs {
		l := &e.faz.logs[i]
		ds := bySN[l.devid]
		if ds == nil || ds.dev.Name != l.devname || adomOf(l.devname) != l.adom {
			t.Fatalf("row %d: device %s/%s not in the fleet", i, l.devid, l.devname)
		}
		if l.t.Before(prev) || !l.t.Before(now) || now.Sub(l.t) > 8*24*time.Hour {
			t.Fatalf("row %d: time %v", i, l.t)
		}
		prev = l.t
		if typ, _ := l.get("type"); typ != types[l.logtype] {
			t.Fatalf("row %d: type %s for logtype %s", i, typ, l.logtype)
		}
		if dt, _ := l.get("dtime"); dt != fazTime(l.t) {
			t.Fatalf("row %d: dtime %s", i, dt)
		}
		if pid, ok := l.get("policyid"); ok && l.logtype == "traffic" {
			if u, _ := l.get("poluuid"); pid != "0" && u != uuids[l.devid+"/"+l.vd][pid] {
				t.Fatalf("row %d: poluuid %s is not policy %s's uuid", i, u, pid)
			}
		}
		for _, k := range l.row.keys {
			v, _ := l.get(k)
			if strings.Contains(v, "ENC ") {
				t.Fatalf("row %d: secret in %s", i, k)
			}
		}
		if src, _ := l.get("srcip"); src == DemoFAZDeniedSrcIP && now.Sub(l.t) <= 24*time.Hour {
			if act, _ := l.get("action"); l.logtype == "traffic" && act == "deny" {
				denied++
			}
			if l.logtype == "attack" {
				attacks++
			}
		}
	}
	if denied < 24 || attacks < 6 {
		t.Errorf("%s in the last day: %d denied, %d attacks", DemoFAZDeniedSrcIP, denied, attacks)
	}
	// Alerts and incidents point at real devices and rows.
	for _, a := range e.FAZAlerts() {
		ds := bySN[a.DevID]
		if ds == nil || ds.dev.Name != a.DevName || a.Time.After(now) || len(a.ID) != 18 {
			t.Errorf("alert %+v", a)
		}
	}
	ids := map[string]bool{}
	for _, a := range e.FAZAlerts() {
		ids[a.ID] = true
	}
	for _, x := range e.FAZIncidents() {
		if (x.AlertID != "" && !ids[x.AlertID]) || x.Created.After(now) || x.Updated.Before(x.Created) {
			t.Errorf("incident %+v", x)
		}
	}
}
