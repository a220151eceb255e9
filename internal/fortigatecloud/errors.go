package fortigatecloud

import (
	"errors"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
)

func asAuth(err error, target **auth.Error) bool { return errors.As(err, target) }
