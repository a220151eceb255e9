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
		// Invalid bytes come out as U+FFFD, so the result is always valid UTF-8 (and may then be
		// longer than the input).
		if !utf8.ValidString(out) {
			t.Fatalf("%q became invalid UTF-8 %q", s, out)
		}
		if utf8.ValidString(s) && len(out) > len(s) {
			t.Fatalf("valid input grew: %q -> %q", s, out)
		}
		if String(out) != out || (strings.ContainsRune(s, 'a') && !strings.ContainsRune(out, 'a')) {
			t.Fatalf("not idempotent or lost text: %q -> %q", s, out)
		}
	})
}
