package fortianalyzer

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
)

type oneToken struct{}

func (oneToken) Token(context.Context) (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "t"}, nil
}
func (oneToken) Invalidate(string) {}

// TestSearchThatStaysEmptyAt100PercentIsAnEmptyResult: FAZ 7.6.7 may report 100 % with no rows
// (§4.4); the search is re-issued once, and a second such reply is an empty result, not a nil one.
func TestSearchThatStaysEmptyAt100PercentIsAnEmptyResult(t *testing.T) {
	var adds atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/p/forticloud_jsonrpc_login/" {
			_, _ = io.WriteString(w, `{"session":"s"}`)
			return
		}
		var req struct {
			Method string `json:"method"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		switch req.Method {
		case "add":
			adds.Add(1)
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{"tid":7}}`)
		default:
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":2,"result":{"percentage":100,"return-lines":0,"total-count":5,"data":[],"status":{"code":0,"message":"ok"}}}`)
		}
	}))
	defer srv.Close()
	c := New(srv.URL, srv.Client(), oneToken{}, auth.SessionPoolOptions{})
	now := time.Now()
	res, err := c.SearchLogs(context.Background(), SearchRequest{ADOM: "root", LogType: "traffic", Start: now.Add(-time.Hour), End: now, Limit: 10, TimeOrder: "desc"}, nil)
	if err != nil || res == nil || len(res.Logs) != 0 || res.Total != 5 || adds.Load() != 2 {
		t.Fatalf("res %+v err %v adds %d", res, err, adds.Load())
	}
	if _, err := c.SearchLogs(context.Background(), SearchRequest{ADOM: "..", LogType: "traffic", Limit: 1}, nil); err == nil {
		t.Fatal("ADOM .. accepted")
	}
}
