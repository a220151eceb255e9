package upstream

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
)

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = io.WriteString(w, s)
	_ = w.Close()
	return b.Bytes()
}

func resp(body []byte, encoding string) *http.Response {
	h := http.Header{}
	if encoding != "" {
		h.Set("Content-Encoding", encoding)
	}
	return &http.Response{Header: h, Body: io.NopCloser(bytes.NewReader(body))}
}

func TestReadBodyDecodesGzipByHeaderOrMagic(t *testing.T) {
	for name, r := range map[string]*http.Response{
		"plain":          resp([]byte(`{"a":1}`), ""),
		"gzip+header":    resp(gz(`{"a":1}`), "gzip"),
		"gzip no header": resp(gz(`{"a":1}`), ""),
	} {
		body, cut, err := ReadBody(r, 1<<20)
		if err != nil || cut || string(body) != `{"a":1}` {
			t.Errorf("%s: %q %v %v", name, body, cut, err)
		}
	}
}

func TestReadBodyLimitsAndReportsCorruption(t *testing.T) {
	body, cut, err := ReadBody(resp(gz(strings.Repeat("x", 10000)), ""), 100)
	if err != nil || !cut || len(body) != 100 {
		t.Errorf("limit: %d %v %v", len(body), cut, err)
	}
	broken := gz(strings.Repeat("y", 10000))
	broken = broken[:len(broken)/2]
	if _, _, err := ReadBody(resp(broken, "gzip"), 1<<20); err == nil || !strings.Contains(err.Error(), "corrupt gzip") {
		t.Errorf("truncated gzip: %v", err)
	}
	if _, _, err := ReadBody(resp([]byte("not gzip"), "gzip"), 1<<20); err == nil {
		t.Error("a body claiming gzip but plain was accepted")
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Service: "FortiGate Cloud", Op: "list devices", Status: 401, Code: "invalid_client", Message: "m", Hint: "h"}
	if got := e.Error(); got != "FortiGate Cloud: list devices: HTTP 401 invalid_client: m (h)" {
		t.Fatal(got)
	}
}

func TestClipIsCleanAndCutsOnACharacter(t *testing.T) {
	if got := Clip("  héllo\u202e wörld  ", 3); got != "hé…" {
		t.Fatalf("%q", got)
	}
	if got := Clip("ab\x00c", 10); got != "abc" {
		t.Fatalf("%q", got)
	}
}
