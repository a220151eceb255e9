//go:build !unix

package approval

// ProcessAlive cannot tell here: assume alive, so nothing is expired wrongly (the TTL still ends
// every request).
func ProcessAlive(int) bool { return true }
