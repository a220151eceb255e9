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
	// Write the token to a temporary file and link it into place: the link either appears whole
	// or not at all, so a process starting at the same moment never reads a half-written file.
	t := rand.Text() + rand.Text()
	tmp, err := os.CreateTemp(stateDir, TokenFile+".*")
	if err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return "", fmt.Errorf("console: %w", err)
	}
	if _, err := tmp.WriteString(t + "\n"); err != nil {
		_ = tmp.Close()
		return "", fmt.Errorf("console: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return Token(stateDir, "") // another process won the race: use its token
	} else if err != nil {
		return "", fmt.Errorf("console: %w", err)
	}
	return t, nil
}
