package socaas

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

type staticSource struct{ invalidated atomic.Int32 }

func (s *staticSource) Token(context.Context) (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "t" + string(rune('0'+s.invalidated.Load()))}, nil
}
func (s *staticSource) Invalidate(string) { s.invalidated.Add(1) }

func fake(t *testing.T, h http.HandlerFunc) (*Client, *[]time.Duration, *staticSource) {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	src := &staticSource{}
	c := New(srv.URL, srv.Client(), src)
	var slept []time.Duration
	c.guard.Sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	return c, &slept, src
}

func TestErrorArrBothForms(t *testing.T) {
	for _, body := range []string{
		`{"result":{"status":1,"errorArr":["Invalid status transition."],"data":null}}`,
		`{"result":{"status":14,"errorArr":[{"code":14,"desc":"Invalid status transition.","name":"InvalidRequest"}],"data":null}}`,
	} {
		c, _, _ := fake(t, func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(400)
			_, _ = io.WriteString(w, body)
		})
		err := c.UpdateAlert(context.Background(), "3a90b295-c110-4333-a361-469789cb5b16", "inprogress", "")
		var ue *upstream.Error
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "Invalid status transition.") || ue.Status != 400 {
			t.Fatalf("%s: %v", body, err)
		}
	}
}

func TestRateLimitIsWaitedOut(t *testing.T) {
	var n atomic.Int32
	c, slept, _ := fake(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
			_, _ = io.WriteString(w, `{"result":{"status":1,"errorArr":["Too many requests"],"data":null}}`)
			return
		}
		_, _ = io.WriteString(w, `{"result":{"status":0,"errorArr":[],"data":[{"uuid":"a"}]}}`)
	})
	items, err := c.ListAlerts(context.Background(), time.Time{}, time.Time{})
	if err != nil || len(items) != 1 || len(*slept) != 2 || (*slept)[0] != 7*time.Second {
		t.Fatalf("%v %v slept %v", items, err, *slept)
	}
}

func TestRateLimitBeyondTheDeadlineIsAClearError(t *testing.T) {
	c, slept, _ := fake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "40")
		w.WriteHeader(429)
		_, _ = io.WriteString(w, `{"result":{"status":1,"errorArr":["Too many requests"],"data":null}}`)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.ListAlerts(ctx, time.Time{}, time.Time{})
	if err == nil || !strings.Contains(err.Error(), "rate limited") || !strings.Contains(err.Error(), "retry after 40s") || len(*slept) != 0 {
		t.Fatalf("%v, slept %v", err, *slept)
	}
}

func TestRefusedTokenRenewedOnce(t *testing.T) {
	var n atomic.Int32
	c, _, src := fake(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.Header.Get("Authorization") == "Bearer t0" {
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"result":{"status":1,"errorArr":["Invalid credentials given."],"data":null}}`)
			return
		}
		_, _ = io.WriteString(w, `{"result":{"status":0,"errorArr":[],"data":{"uuid":"a","indicators":[]}}}`)
	})
	item, err := c.GetAlert(context.Background(), "3a90b295-c110-4333-a361-469789cb5b16")
	if err != nil || item["uuid"] != "a" || n.Load() != 2 || src.invalidated.Load() != 1 {
		t.Fatalf("%v %v after %d requests", item, err, n.Load())
	}
}
