package console

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestTokenIsCreatedOnceAndShared(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	tokens := make([]string, 16)
	var wg sync.WaitGroup
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := Token(dir, "")
			if err != nil {
				t.Error(err)
			}
			tokens[i] = tok
		}()
	}
	wg.Wait()
	for _, tok := range tokens {
		if tok != tokens[0] || len(tok) < 32 {
			t.Fatalf("processes starting together got different tokens: %q", tokens)
		}
	}
	fi, err := os.Stat(filepath.Join(dir, TokenFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, TokenFile+".*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	if tok, err := Token(dir, "configured-token-0123456789"); err != nil || tok != "configured-token-0123456789" {
		t.Fatalf("configured: %q %v", tok, err)
	}
	if _, err := Token(dir, "short"); err == nil {
		t.Fatal("a short configured token was accepted")
	}
}
