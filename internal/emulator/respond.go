package emulator

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
)

// oauthError is the OAuth2 error body used by the IAM (forticloud-api.md §1.3)
// and by FortiGate Cloud's 401s (§3.2).
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Every value the emulator marshals is built from JSON-safe kinds;
		// failing here is a bug in the emulator, not in the caller.
		panic("emulator: marshal: " + err.Error())
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b := mustJSON(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	// OAuth2 (RFC 6749 §5.1) forbids caching token responses, errors included.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, oauthError{Error: code, Description: desc})
}

// notFoundPage answers paths no API owns. The real hosts serve their web app
// there (forticloud-api.md §3.1: "A path without the prefix serves the web
// app, not the API"), so the emulator answers with HTML, never with JSON that
// a client could mistake for an API reply.
func notFoundPage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>" +
		"<body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>\n"))
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, oauthError{Error: "method_not_allowed", Description: "Method not allowed."})
}

// gzipBytes compresses b; it cannot fail on an in-memory buffer.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}
