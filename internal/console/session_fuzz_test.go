package console

import (
	"crypto/hmac"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzNow is the clock of the fuzzed consoles.
var fuzzNow = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func fuzzConsole() *console {
	return &console{token: testToken, now: func() time.Time { return fuzzNow }}
}

// FuzzSessionOK feeds arbitrary cookie values to the console's session check. Whatever it
// accepts must be a value the console itself could have issued: at most 128 bytes,
// "<unix seconds>.<data>.<signature>" with the signature the canonical unpadded base64url encoding
// of the HMAC of the rest (one session, one cookie value: no alternative spellings of a
// signature), issued within the sign-in lifetime (a minute of clock skew allowed). Its CSRF
// token is accepted and a token made for another session is not. A console with another token
// refuses it.
func FuzzSessionOK(f *testing.F) {
	c := fuzzConsole()
	valid := c.newSession()
	c.now = func() time.Time { return fuzzNow.Add(-13 * time.Hour) }
	expired := c.newSession()
	c.now = func() time.Time { return fuzzNow.Add(10 * time.Minute) }
	future := c.newSession()
	c.now = func() time.Time { return fuzzNow }
	sign := func(data string) string {
		return data + "." + base64.RawURLEncoding.EncodeToString(c.mac("session", data))
	}
	for _, s := range []string{valid, expired, future, "", ".", "..", "a.b.c", valid + "x", valid[:len(valid)-1],
		strings.Replace(valid, ".", "..", 1), sign("+" + strconv.FormatInt(fuzzNow.Unix(), 10) + ".x"),
		sign(strconv.FormatInt(fuzzNow.Unix(), 10)), sign("0x10.x"), sign(" " + strconv.FormatInt(fuzzNow.Unix(), 10) + ".x"),
		sign("-9223372036854775808.x"), sign("9223372036854775807.x"), strings.Repeat("A", 200),
		sign(strconv.FormatInt(fuzzNow.Unix(), 10) + "." + strings.Repeat("n", 60))} {
		f.Add(s)
	}
	other := &console{token: testToken + "-other", now: c.now}
	f.Fuzz(func(t *testing.T, v string) {
		if !c.sessionOK(v) {
			return
		}
		if len(v) > 128 {
			t.Fatalf("accepted a %d-byte value", len(v))
		}
		i := strings.LastIndexByte(v, '.')
		data, sig := v[:i], v[i+1:]
		want := base64.RawURLEncoding.EncodeToString(c.mac("session", data))
		if sig != want {
			t.Errorf("accepted %q with signature %q; the console signs it %q", v, sig, want)
		}
		got, _ := base64.RawURLEncoding.DecodeString(sig)
		if !hmac.Equal(got, c.mac("session", data)) {
			t.Fatalf("accepted %q without its HMAC", v)
		}
		issued, _, _ := strings.Cut(data, ".")
		secs, err := strconv.ParseInt(issued, 10, 64)
		if err != nil {
			t.Fatalf("accepted %q with issue time %q", v, issued)
		}
		age := fuzzNow.Sub(time.Unix(secs, 0))
		if age >= sessionTTL || age <= -time.Minute {
			t.Fatalf("accepted %q issued %s ago", v, age)
		}
		if !c.csrfOK(v, c.csrfToken(v)) || c.csrfOK(v, c.csrfToken(valid+"x")) || c.csrfOK(v, "") {
			t.Fatalf("CSRF check of %q is wrong", v)
		}
		if other.sessionOK(v) {
			t.Fatalf("a console with another token accepted %q", v)
		}
	})
}
