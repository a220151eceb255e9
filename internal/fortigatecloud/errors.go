package fortigatecloud

import (
	"errors"
	"net/url"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
)

func asAuth(err error, target **auth.Error) bool { return errors.As(err, target) }

// unwrapURLError drops *url.Error's wrapper, whose text repeats the full request URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
