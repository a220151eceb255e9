package sanitize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for in, want := range map[string]string{
		"branch-01":                      "branch-01",
		"line1\nline2\tx":                "line1\nline2\tx",
		"a\x00b\x1bc\x7f":                "abc",
		"ign\u200bore\u202e previous":    "ignore previous",
		"tag\U000E0041\U000E0042 hidden": "tag hidden",
		"\ufeffBOM":                      "BOM",
		"東京-branch":                      "東京-branch",
	} {
		if got := String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzString(f *testing.F) {
	f.Add("ok\u200b\x00text")
	f.Fuzz(func(t *testing.T, s string) {
		out := String(s)
		for _, r := range out {
			if drop(r) {
				t.Fatalf("%q kept a dropped rune %U", out, r)
			}
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("valid input became invalid UTF-8")
		}
		if String(out) != out || len(out) > len(s) || (strings.ContainsRune(s, 'a') && !strings.ContainsRune(out, 'a')) {
			t.Fatalf("not idempotent or lost text: %q -> %q", s, out)
		}
	})
}
