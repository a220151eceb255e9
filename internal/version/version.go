// Package version holds the build's version, set at link time with
// -ldflags "-X github.com/forticloud-mcp/forticloud-mcp/internal/version.Version=v1.2.3".
package version

import (
	"runtime/debug"
	"sync"
)

// Version is the release version; "dev" when not set at link time.
var Version = "dev"

// String returns the version, falling back to the module version recorded by `go install`.
func String() string {
	if Version != "dev" {
		return Version
	}
	return moduleVersion()
}

// moduleVersion reads the build info once: UserAgent is on every upstream request, and
// debug.ReadBuildInfo parses the whole module list each time it is called.
var moduleVersion = sync.OnceValue(func() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
})

// UserAgent is sent on every upstream request.
func UserAgent() string { return "forticloud-mcp/" + String() }
