package main

import (
	"fmt"
	"runtime"

	"github.com/forticloud-mcp/forticloud-mcp/internal/version"
)

type versionCmd struct{}

func (versionCmd) Run() error {
	fmt.Printf("forticloud-mcp %s (%s, %s/%s)\n", version.String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
