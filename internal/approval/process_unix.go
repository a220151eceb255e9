//go:build unix

package approval

import (
	"errors"
	"syscall"
)

// ProcessAlive reports whether process pid exists (EPERM: it does, as another user's).
func ProcessAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
