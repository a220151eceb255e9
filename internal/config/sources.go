package config

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Where a setting comes from, first match wins: a flag, then its environment variable (or, for a
// secret, the file its NAME_FILE variable names), then --credentials-file (API user and password
// only), then the default.

// CredentialsFileInfo is what a loaded --credentials-file said, less the password.
type CredentialsFileInfo struct {
	Path      string
	Username  string     // the file's apiId
	ClientIDs []ClientID // the portals the file lists, in file order
	// InEffect reports whether the shared API user (--api-username) is the file's: false when a
	// flag or variable named another user with its password.
	InEffect bool
}

// HasClientID reports whether the file lists client_id id (regardless of case).
func (i *CredentialsFileInfo) HasClientID(id string) bool {
	return CredentialsFile{ClientIDs: i.ClientIDs}.HasClientID(id)
}

// BeforeReset is a kong hook: it runs before kong reads environment variables, and resolves the
// *_FILE variants of the secret variables (ResolveFileEnv) so that a command embedding Config
// gets them even when main did not call ResolveFileEnv. Its error waits for Validate, so that
// --help still works.
func (c *Config) BeforeReset() error {
	c.fileEnvErr = ResolveFileEnv()
	return nil
}

// loadSources reports BeforeReset's error and loads --credentials-file. Validate calls it first:
// kong validates a command (calling Validate) after applying flags and variables but before its
// AfterApply hooks, so this is the first point where both are known.
func (c *Config) loadSources() error {
	if err := c.fileEnvErr; err != nil {
		c.fileEnvErr = nil
		return err
	}
	return c.LoadCredentialsFile(slog.Default())
}

// LoadCredentialsFile reads --credentials-file, if set, into the shared API user: the file's
// apiId and password fill --api-username and --api-password where no flag or variable set them.
// A file whose user differs from an explicitly set --api-username, with no explicit password,
// is an error (its password would go to the wrong user, and FortiCloud locks accounts after
// failed logins). It records what the file lists in FromCredentialsFile, and warns to log when
// the file is accessible to group or others. Loading the same file again does nothing.
func (c *Config) LoadCredentialsFile(log *slog.Logger) error {
	if c.CredentialsFile == "" {
		c.FromCredentialsFile = nil
		return nil
	}
	path := expandHome(c.CredentialsFile)
	if c.FromCredentialsFile != nil && c.FromCredentialsFile.Path == path {
		return nil
	}
	f, err := ReadCredentialsFile(path, log)
	if err != nil {
		return err
	}
	userSet, passSet := c.Username != "", c.Password.IsSet()
	switch {
	case !userSet && !passSet:
		c.Username, c.Password = f.Username, f.Password
	case !userSet:
		c.Username = f.Username // the password given explicitly wins
	case !passSet:
		if !strings.EqualFold(c.Username, f.Username) {
			return Problem{"FORTICLOUD_API_USERNAME", fmt.Sprintf("names another API user than %s, whose password belongs to its own user; "+
				"unset FORTICLOUD_API_USERNAME (--api-username) to use the file, or set FORTICLOUD_API_PASSWORD too", path)}
		}
		c.Password = f.Password
	default:
		if log != nil {
			log.Debug("--api-username and --api-password are set, so the credentials file's API user is not used", "file", path)
		}
	}
	c.FromCredentialsFile = &CredentialsFileInfo{
		Path:      path,
		Username:  f.Username,
		ClientIDs: f.ClientIDs,
		InEffect:  strings.EqualFold(c.Username, f.Username),
	}
	return nil
}

// expandHome expands a leading "~/" (MCP clients start the server without a shell to do it).
func expandHome(path string) string {
	rest, ok := strings.CutPrefix(path, "~"+string(filepath.Separator))
	if !ok {
		rest, ok = strings.CutPrefix(path, "~/")
	}
	if !ok {
		return path
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return path
	}
	return filepath.Join(home, rest)
}

// PortalWarning says that a service signs in as the credentials file's API user, but the file
// does not list the service's client_id.
type PortalWarning struct {
	Service  string
	ClientID string // the client_id the service signs in with
	Message  string
}

// PortalWarnings checks each service that is on (--toolsets, credentials and URL) and signs in as
// the credentials file's API user against the client_ids the file lists: a missing one usually
// means the user's permission profile lacks that portal, and FortiCloud will refuse the sign-in.
// It says nothing without a credentials file, or when the file lists no client_id at all.
// Log each at start-up, after any change to the configuration (such as --sandbox's).
func (c *Config) PortalWarnings() []PortalWarning {
	fi := c.FromCredentialsFile
	if fi == nil || len(fi.ClientIDs) == 0 {
		return nil
	}
	listed := CredentialsFile{ClientIDs: fi.ClientIDs}.IDs()
	var out []PortalWarning
	for _, s := range AllServices {
		if !c.ToolsetEnabled(s) {
			continue
		}
		a := c.Access(s)
		id := ServiceClientIDs[s]
		if !a.Enabled() || !strings.EqualFold(a.Username, fi.Username) || fi.HasClientID(id) {
			continue
		}
		out = append(out, PortalWarning{Service: s, ClientID: id, Message: fmt.Sprintf(
			"%s: the credentials file %s lists no client_id %q (it lists %s), so its API user probably has no access to this portal and sign-in will fail; "+
				"add the portal to the user's permission profile in IAM (the file shows the portals as they were when it was downloaded), or leave %s out of --toolsets",
			s, fi.Path, id, strings.Join(listed, ", "), s)})
	}
	return out
}
