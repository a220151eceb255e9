package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
)

// HTTPTokenEnv is the caller token of the HTTP transport. Its flag lives with the other HTTP flags
// in cmd/forticloud-mcp, but it is a secret like the ones here, so it has a *_FILE variant too.
const HTTPTokenEnv = "FORTICLOUD_MCP_HTTP_TOKEN"

// MetricsTokenEnv is the bearer token that opens /metrics only; a secret like HTTPTokenEnv.
const MetricsTokenEnv = "FORTICLOUD_MCP_METRICS_TOKEN"

// FileEnvSuffix turns a secret's environment variable into the one naming a file that holds it:
// FORTICLOUD_API_PASSWORD_FILE=/run/secrets/forticloud_api_password.
const FileEnvSuffix = "_FILE"

// maxSecretFile bounds what a *_FILE or credentials file may hold: both hold a few short lines.
const maxSecretFile = 64 << 10

// SecretEnvVars lists every environment variable that carries a secret, in the order of the
// flags: each Secret field of Config (found from its env tag, so a new secret is covered by
// adding it), then HTTPTokenEnv and MetricsTokenEnv. Each has a NAME_FILE variant (see ResolveFileEnv).
func SecretEnvVars() []string {
	var names []string
	collectSecretEnv(reflect.TypeFor[Config](), &names)
	return append(names, HTTPTokenEnv, MetricsTokenEnv)
}

func collectSecretEnv(t reflect.Type, names *[]string) {
	secret := reflect.TypeFor[Secret]()
	for i := range t.NumField() {
		f := t.Field(i)
		switch {
		case !f.IsExported() || f.Tag.Get("kong") == "-":
		case f.Type == secret:
			for env := range strings.SplitSeq(f.Tag.Get("env"), ",") {
				if env = strings.TrimSpace(env); env != "" {
					*names = append(*names, env)
				}
			}
		case f.Type.Kind() == reflect.Struct:
			collectSecretEnv(f.Type, names)
		}
	}
}

// ResolveFileEnv reads container-style secret files: for every variable NAME of SecretEnvVars
// whose NAME_FILE is set, it reads that file (one trailing newline removed) and sets NAME in the
// process environment, so that the command line parser finds it like any other variable. It
// refuses NAME and NAME_FILE both set, and warns (slog's default logger, to stderr) when a file
// is accessible to group or others. Call it before kong parses; calling it again is harmless.
// Errors name the variable and the file, never the content.
func ResolveFileEnv() error {
	return defaultFileEnv.resolve(SecretEnvVars(), osEnv{}, slog.Default())
}

// env is the process environment, replaceable in tests.
type env interface {
	Lookup(name string) (string, bool)
	Set(name, value string) error
}

type osEnv struct{}

func (osEnv) Lookup(name string) (string, bool) { return os.LookupEnv(name) }
func (osEnv) Set(name, value string) error      { return os.Setenv(name, value) }

// fileEnv remembers which variables it set itself, so that a second call (from main and again
// from Config's BeforeReset hook) neither reports them as set twice nor warns twice.
type fileEnv struct {
	mu  sync.Mutex
	set map[string]fromFile // NAME -> what was read into it
}

type fromFile struct{ path, value string }

var defaultFileEnv fileEnv

func (r *fileEnv) resolve(names []string, e env, log *slog.Logger) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, name := range names {
		fileVar := name + FileEnvSuffix
		path, ok := e.Lookup(fileVar)
		if !ok || path == "" {
			continue
		}
		cur, _ := e.Lookup(name)
		prev, ours := r.set[name]
		if ours && cur == prev.value {
			if prev.path == path {
				continue // already resolved from this file
			}
			cur = "" // NAME holds what an earlier call read: not set by the user
		}
		if cur != "" {
			errs = append(errs, Problem{fileVar, fmt.Sprintf("%s is set too; set only one of them (the value, or %s naming a file that holds it)", name, fileVar)})
			continue
		}
		value, err := readSecretFile(path, fileVar, log)
		if err != nil {
			errs = append(errs, Problem{fileVar, err.Error()})
			continue
		}
		if err := e.Set(name, value); err != nil {
			errs = append(errs, Problem{fileVar, fmt.Sprintf("setting %s from %s failed", name, path)})
			continue
		}
		if r.set == nil {
			r.set = map[string]fromFile{}
		}
		r.set[name] = fromFile{path, value}
	}
	return errors.Join(errs...)
}

// readSecretFile reads a file holding one secret: its content less one trailing newline ("\n" or
// "\r\n"). The content never reaches an error or a log line.
func readSecretFile(path, variable string, log *slog.Logger) (string, error) {
	data, err := readSmallFile(path, variable, log)
	if err != nil {
		return "", err
	}
	s := string(data)
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		s = strings.TrimSuffix(t, "\r")
	}
	switch {
	case s == "":
		return "", fmt.Errorf("%s is empty; it should hold the secret itself", path)
	case strings.ContainsAny(s, "\r\n"):
		return "", fmt.Errorf("%s holds more than one line; it should hold the secret alone (for the file IAM's \"Download Credentials\" gives, use FORTICLOUD_CREDENTIALS_FILE)", path)
	case strings.ContainsRune(s, 0):
		return "", fmt.Errorf("%s holds a NUL byte; it should hold the secret as text", path)
	}
	return s, nil
}

// readSmallFile reads a file of secrets, warning when its permissions let group or others in.
func readSmallFile(path, variable string, log *slog.Logger) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fileError(path, err)
	}
	if info.IsDir() {
		return nil, fmt.Errorf("%s is a directory; name the file inside it", path)
	}
	warnIfShared(log, variable, path, info)
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, fileError(path, err)
	}
	if len(data) > maxSecretFile {
		return nil, fmt.Errorf("%s is larger than %d KiB; is it the right file?", path, maxSecretFile>>10)
	}
	return data, nil
}

// fileError says why a file could not be read, without the *PathError's repetition of the path.
func fileError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s does not exist", path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%s cannot be read by this process (permission denied)", path)
	}
	return fmt.Errorf("reading %s: %v", path, err)
}

// warnIfShared warns when a file holding secrets is accessible to group or others. Windows has
// no such mode bits.
func warnIfShared(log *slog.Logger, variable, path string, info fs.FileInfo) {
	if runtime.GOOS == "windows" || log == nil {
		return
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		log.Warn("a file holding secrets is accessible to group or others; restrict it to its owner: chmod 600 "+path,
			"variable", variable, "file", path, "mode", fmt.Sprintf("%04o", perm))
	}
}
