package auth

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
)

// Transport attaches a Source's bearer token to each request. When the service answers 401 it
// invalidates that token and sends the request once more with a fresh one (a 401 means the
// request was refused before it did anything, so the replay is safe even for writes). A 401 whose
// body says invalid_client is not a token problem: FortiGate Cloud sends it when the API user lacks
// Admin access (forticloud-api.md §1.5 rule 4, §6 gotcha 7), so it is passed through without a
// new login. The token is leased for the round trip (cachingSource.lease), so that an early renewal
// lets the request reach the service before the new grant retires the token it carries.
type Transport struct {
	Source Source
	Base   http.RoundTripper // default http.DefaultTransport
}

// maxPeek bounds how much of a 401 body is read to classify it.
const maxPeek = 16 << 10

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, release, err := leaseFrom(req.Context(), t.Source)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.base().RoundTrip(withBearer(req, tok.AccessToken))
	release() // answered: the service has checked the token
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	peek, _ := io.ReadAll(io.LimitReader(resp.Body, maxPeek))
	rest := resp.Body
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(peek), rest), rest}
	if IsInvalidClient(plain(peek)) {
		return resp, nil
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil // the body cannot be sent again
	}
	t.Source.Invalidate(tok.AccessToken)
	fresh, release, err := leaseFrom(req.Context(), t.Source)
	if err != nil {
		// The login failure explains the 401 (an account locked, a password changed): report it.
		resp.Body.Close()
		return nil, err
	}
	retry := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			release()
			return resp, nil
		}
		retry.Body = body
	}
	resp.Body.Close()
	defer release()
	return t.base().RoundTrip(withBearer(retry, fresh.AccessToken))
}

// plain returns the text of a peeked body, gunzipping what it can: replies may be gzipped (we ask
// for gzip), and a compressed invalid_client must not be mistaken for an expired token.
func plain(peek []byte) []byte {
	if len(peek) < 2 || peek[0] != 0x1f || peek[1] != 0x8b {
		return peek
	}
	zr, err := gzip.NewReader(bytes.NewReader(peek))
	if err != nil {
		return peek
	}
	out, _ := io.ReadAll(io.LimitReader(zr, maxPeek)) // a cut stream still yields its start
	return out
}

// IsInvalidClient reports whether a 401 body is FortiGate Cloud's {"error":"invalid_client"}.
func IsInvalidClient(body []byte) bool {
	return bytes.Contains(body, []byte(`"invalid_client"`))
}

func withBearer(req *http.Request, token string) *http.Request {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// WithToken runs call with a token from src. When refused says the service rejected that token
// (however the service reports it: FortiFlex answers an expired token with HTTP 200 and a body
// status of -1, forticloud-api.md §2.1), the token is invalidated and call runs once more with a
// fresh one. A refusal means the request did nothing, so this is safe for writes too. The token is
// leased while call runs (see Transport).
func WithToken[T any](ctx context.Context, src Source, call func(ctx context.Context, token string) (T, error), refused func(T) bool) (T, error) {
	var zero T
	tok, release, err := leaseFrom(ctx, src)
	if err != nil {
		return zero, err
	}
	res, err := call(ctx, tok.AccessToken)
	release()
	if err != nil || !refused(res) {
		return res, err
	}
	src.Invalidate(tok.AccessToken)
	fresh, release, err := leaseFrom(ctx, src)
	if err != nil {
		// The login failure explains the refusal (an account locked, a password changed).
		return zero, err
	}
	defer release()
	return call(ctx, fresh.AccessToken)
}
