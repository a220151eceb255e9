package config

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzParseCredentials: the parser never panics, what it returns is usable as a login, it is
// deterministic, and its errors never show the password, whatever surrounds it.
func FuzzParseCredentials(f *testing.F) {
	for _, l := range credentialsLayouts {
		f.Add(l.content, "")
	}
	for _, s := range []string{
		"", "\n\n", "apiId:\npassword:\n", "apiId,password\n,\n", "PK\x03\x04", "\xff\xfea\x00:\x00",
		"apiId:a\npassword:b\napiId:c\n", "\"apiId\",\"password\"\n\"a\nb\",c\n", "clientId for X Cloud:a;b|c d\n",
		"apiId\tu\npassword\t", "apiId,password\nu,\"unterminated\n",
	} {
		f.Add(s, "")
	}
	f.Add("apiId:"+testUser+"\npassword:", "!1Aa")
	f.Add("apiId,password\n"+testUser+",", ",x")
	f.Add("password:", "\napiId:x\napiId:y")
	f.Fuzz(func(t *testing.T, content, secret string) {
		// The password gets a prefix that no message holds, so finding it in an error means
		// the error echoes the value.
		pw := "Zq9!" + secret
		data := []byte(content + pw + "\n")
		cf, err := ParseCredentials(data)
		cf2, err2 := ParseCredentials(data)
		if (err == nil) != (err2 == nil) || cf.Username != cf2.Username || cf.Password != cf2.Password || len(cf.ClientIDs) != len(cf2.ClientIDs) {
			t.Fatal("not deterministic")
		}
		if err != nil {
			if strings.Contains(err.Error(), "Zq9!") {
				t.Fatalf("error shows the password: %q", err)
			}
			return
		}
		if cf.Username == "" || !cf.Password.IsSet() {
			t.Fatalf("accepted without user or password: %q", cf.Username)
		}
		if strings.IndexFunc(cf.Username, unicode.IsSpace) >= 0 {
			t.Fatalf("user id with spaces: %q", cf.Username)
		}
		if p := cf.Password.Reveal(); p != strings.TrimSpace(p) || strings.ContainsFunc(p, unicode.IsControl) {
			t.Fatalf("password with surrounding space or control characters")
		}
		for _, c := range cf.ClientIDs {
			if c.ID == "" || strings.ContainsAny(c.ID, ",;| \t\r\n") {
				t.Fatalf("client id %q", c.ID)
			}
		}
	})
}
