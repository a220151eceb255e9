package console

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TokenFile is the console token's file in the state directory.
const TokenFile = "console-token"

// Token returns the token a person signs in to the approvals console with: configured when set
// (FORTICLOUD_MCP_APPROVALS_TOKEN), else the one in <stateDir>/console-token, created (0600) on
// first use so that it survives restarts and is shared by every process of the user. The model
// never sees it: it is in no tool result and no log.
func Token(stateDir, configured string) (string, error) {
	if t := strings.TrimSpace(configured); t != "" {
		if len(t) < 16 {
			return "", errors.New("FORTICLOUD_MCP_APPROVALS_TOKEN: must be at least 16 characters")
		}
		return t, nil
	}
	path := filepath.Join(stateDir, TokenFile)
	b, err := os.ReadFile(path)
	if err == nil {
		if t := strings.TrimSpace(string(b)); len(t) >= 16 {
			return t, nil
		}
		return "", fmt.Errorf("console: %s holds no usable token; delete it to get a new one", path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("console: %w", err)
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	t := rand.Text() + rand.Text()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process won the race: use its token
		return Token(stateDir, "")
	}
	if err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	if _, err := f.WriteString(t + "\n"); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("console: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	return t, nil
}
