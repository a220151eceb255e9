package fortianalyzer

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

func TestDecodeBothEnvelopes(t *testing.T) {
	r, err := decode("get /dvmdb/device", "/dvmdb/device", []byte(`{"id":3,"result":[{"status":{"code":0,"message":"OK"},"url":"/dvmdb/device","data":[{"name":"dev_001","oid":276}]}],"session":"x"}`), false)
	if err != nil || string(r.Data) != `[{"name":"dev_001","oid":276}]` {
		t.Fatalf("classic: %+v %v", r, err)
	}
	r, err = decode("get", "/logview/x", []byte(`{"jsonrpc":"2.0","id":2,"result":{"percentage":100,"data":[],"status":"ok"}}`), true)
	if err != nil || r.Status.Message != "ok" || !strings.Contains(string(r.Data), "percentage") {
		t.Fatalf("v3 with string status: %+v %v", r, err)
	}
	r, err = decode("add", "/incidentmgmt/x", []byte(`{"jsonrpc":"2.0","id":2}`), true)
	if err != nil || r.Data != nil {
		t.Fatalf("v3 without result: %+v %v", r, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, c := range []struct {
		body    string
		expired bool
		code    string
	}{
		{`{"id":1,"result":[{"status":{"code":-11,"message":"No permission for the resource"},"url":"/sys/status"}]}`, true, ""},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":-11,"message":"No permission for the resource"}}`, true, ""},
		{`{"jsonrpc":"2.0","id":1,"result":{"status":{"code":-11,"message":"No permission for the resource"}}}`, true, ""},
		{`{"id":1,"result":[{"status":{"code":-6,"message":"Invalid url"},"url":"/x"}]}`, false, "code -6"},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Invalid tid"}}`, false, "code -32602"},
		{`not json`, false, ""},
		{`{"id":1,"result":[]}`, false, ""},
	} {
		_, err := decode("op", "/x", []byte(c.body), false)
		if err == nil {
			t.Errorf("%s: accepted", c.body)
			continue
		}
		if errors.Is(err, auth.ErrSessionExpired) != c.expired {
			t.Errorf("%s: expired=%v: %v", c.body, !c.expired, err)
		}
		var ue *upstream.Error
		if c.code != "" && (!errors.As(err, &ue) || ue.Code != c.code) {
			t.Errorf("%s: %v", c.body, err)
		}
	}
}

func TestIsV3(t *testing.T) {
	for u, want := range map[string]bool{"/logview/adom/root/logsearch": true, "fortiview/adom/root/top-sources/run": true, "/eventmgmt/adom/root/alerts": true,
		"/incidentmgmt/adom/root/incidents": true, "/sys/status": false, "/dvmdb/device": false, "/cli/global/system/admin": false, "/logviewer": false} {
		if IsV3(u) != want {
			t.Errorf("IsV3(%q) != %v", u, want)
		}
	}
}

func TestLoginClientSpeaksHTTP1Only(t *testing.T) {
	base := upstream.NewTransport()
	c := New("https://faz.example", &http.Client{Transport: base}, nil, auth.SessionPoolOptions{})
	lt := c.login1.Transport.(*http.Transport)
	if lt.ForceAttemptHTTP2 || lt.TLSNextProto == nil || len(lt.TLSNextProto) != 0 {
		t.Fatal("login transport may negotiate HTTP/2")
	}
	if !base.ForceAttemptHTTP2 || c.http.Transport != base {
		t.Fatal("the JSON-RPC transport was changed")
	}
}
