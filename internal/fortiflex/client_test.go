package fortiflex

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

// stubSource hands out numbered tokens and records invalidations.
type stubSource struct {
	mu          sync.Mutex
	n           int
	invalidated []string
}

func (s *stubSource) Token(context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == 0 || len(s.invalidated) >= s.n {
		s.n++
	}
	return &oauth2.Token{AccessToken: "tok-" + string(rune('0'+s.n))}, nil
}

func (s *stubSource) Invalidate(tok string) {
	s.mu.Lock()
	s.invalidated = append(s.invalidated, tok)
	s.mu.Unlock()
}

func fake(t *testing.T, h func(w http.ResponseWriter, r *http.Request, body map[string]any)) (*Client, *stubSource) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/ES/api/fortiflex/v2/") || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("bad request %s %s", r.Method, r.URL.Path)
		}
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		h(w, r, body)
	}))
	t.Cleanup(srv.Close)
	src := &stubSource{}
	return New(srv.URL, srv.Client(), src), src
}

func TestExpiredTokenInBodyIsRenewedOnce(t *testing.T) {
	var calls atomic.Int32
	c, src := fake(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		calls.Add(1)
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			_, _ = io.WriteString(w, `{"entitlements":null,"error":null,"message":"Invalid security token.","status":-1}`)
			return
		}
		_, _ = io.WriteString(w, `{"entitlements":[{"serialNumber":"FGVMELTM25008315","configId":"41045","status":"PENDING","token":"B07496A9C7717050DEE4","tokenStatus":"NOTUSED","startDate":"2025-08-06T10:36:29.723","endDate":"2025-08-09T00:00:00","description":null,"accountId":1698857}],"error":null,"message":"Request processed successfully.","status":0}`)
	})
	ents, err := c.CreateVMs(context.Background(), CreateVMRequest{ConfigID: 41045, Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 || len(src.invalidated) != 1 || src.invalidated[0] != "tok-1" {
		t.Fatalf("calls %d invalidated %v", calls.Load(), src.invalidated)
	}
	e := ents[0]
	if e.ConfigID != 41045 || e.Token != "B07496A9C7717050DEE4" || e.StartDate.Format(time.RFC3339Nano) != "2025-08-06T10:36:29.723Z" || e.Description != "" {
		t.Fatalf("%+v", e)
	}
}

func TestRefusedTwiceIsAClearErrorNotALoop(t *testing.T) {
	var calls atomic.Int32
	c, _ := fake(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		calls.Add(1)
		_, _ = io.WriteString(w, `{"programs":null,"error":null,"message":"Invalid security token.","status":-1}`)
	})
	_, err := c.ListPrograms(context.Background())
	var ue *upstream.Error
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "Invalid security token.") || calls.Load() != 2 {
		t.Fatalf("%v after %d calls", err, calls.Load())
	}
}

func TestBodyStatusIsCheckedNotOnlyHTTP(t *testing.T) {
	c, _ := fake(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		_, _ = io.WriteString(w, `{"configs":null,"error":"Parameter id 1 value 200 is out of range.","message":"Request failed.","status":-1}`)
	})
	_, err := c.ListConfigs(context.Background(), "ELAVMS0000000518")
	if err == nil || !strings.Contains(err.Error(), "Parameter id 1 (CPU)") || !strings.Contains(err.Error(), "FortiFlex") {
		t.Fatalf("%v", err)
	}
}

func TestVMsKeyStringStatusAndLooseValues(t *testing.T) {
	c, _ := fake(t, func(w http.ResponseWriter, r *http.Request, body map[string]any) {
		switch {
		case strings.HasSuffix(r.URL.Path, "entitlements/list"):
			if body["configId"] != float64(7) {
				t.Errorf("body %v", body)
			}
			_, _ = io.WriteString(w, `{"vms":[{"serialNumber":"FGVMMLTM1","configId":7,"status":"ACTIVE","startDate":"2021-05-15 00:00:00","endDate":"2025-08-07T15:04:32.6531463-07:00"}],"error":null,"message":"ok","status":"success"}`)
		case strings.HasSuffix(r.URL.Path, "configs/list"):
			_, _ = io.WriteString(w, `{"configs":[{"id":"39712","name":"c","status":"ACTIVE","productType":{"id":1,"name":"FGT_VM_BUNDLE"},"parameters":[{"id":1,"name":"CPU","value":4},{"id":10,"name":"VDOM","value":"0"}]}],"error":null,"message":"","status":0}`)
		}
	})
	ents, err := c.ListEntitlements(context.Background(), EntitlementFilter{ConfigID: 7})
	if err != nil || len(ents) != 1 || ents[0].EndDate.UTC().Format(time.RFC3339) != "2025-08-07T22:04:32Z" || ents[0].StartDate.Year() != 2021 {
		t.Fatalf("%+v %v", ents, err)
	}
	cfgs, err := c.ListConfigs(context.Background(), "ELAVMS1")
	if err != nil || cfgs[0].ID != 39712 || cfgs[0].Parameters[0].Value != "4" {
		t.Fatalf("%+v %v", cfgs, err)
	}
}

func TestHTTPErrorAndNonJSON(t *testing.T) {
	c, _ := fake(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html>bad gateway</html>")
	})
	_, err := c.ListPrograms(context.Background())
	var ue *upstream.Error
	if !errors.As(err, &ue) || ue.Status != 502 {
		t.Fatalf("%v", err)
	}
}

func TestParseTimeForms(t *testing.T) {
	for _, s := range []string{"2026-05-10T00:00:00", "2021-05-15 00:00:00", "2025-08-06T10:36:29.723", "2025-08-07T15:04:32.6531463-07:00", "2025-08-09", "2025-08-09T00:00:00Z"} {
		if _, err := ParseTime(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"", "09/08/2025", "2025-13-01", "tomorrow"} {
		if _, err := ParseTime(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func FuzzDecodeEntitlements(f *testing.F) {
	f.Add([]byte(`{"entitlements":[{"serialNumber":"X","configId":"1","startDate":"2025-08-06T10:36:29.723"}],"status":0}`))
	f.Add([]byte(`{"vms":[{"configId":1.0}],"status":"success"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env := &envelope{http: 200}
		if json.Unmarshal(data, &env.raw) != nil {
			return
		}
		env.parseStatus()
		var out []Entitlement
		_ = env.data("fuzz", &out, entitlementKeys...)
		_ = env.asError("fuzz").Error()
	})
}

func TestDailyPoints(t *testing.T) {
	c, _ := fake(t, func(w http.ResponseWriter, r *http.Request, body map[string]any) {
		if r.URL.Path != "/ES/api/fortiflex/v2/tools/calc" || body["programSerialNumber"] != "ELAVMS0000000518" || body["count"] != float64(3) || body["productTypeId"] != float64(1) {
			t.Errorf("calc request %s %v", r.URL.Path, body)
		}
		if ps, _ := body["parameters"].([]any); len(ps) != 1 {
			t.Errorf("parameters %v", body["parameters"])
		}
		io.WriteString(w, `{"status":0,"message":"","configs":{"current":37.5,"latest":null}}`)
	})
	cfg := Config{ID: 41102, ProgramSerialNumber: "ELAVMS0000000518", ProductType: ProductType{ID: 1}, Parameters: []Parameter{{ID: 1, Value: "2"}}}
	got, err := c.DailyPoints(context.Background(), cfg, 3)
	if err != nil || got != 37.5 {
		t.Fatalf("%v %v", got, err)
	}
	c, _ = fake(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		io.WriteString(w, `{"status":0,"configs":{}}`)
	})
	if _, err := c.DailyPoints(context.Background(), cfg, 3); err == nil || !strings.Contains(err.Error(), "configs.current") {
		t.Fatalf("reply without a price: %v", err)
	}
}
