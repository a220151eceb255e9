package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// wantSecretEnv is every secret variable; a new Secret field in Config must be added here too.
var wantSecretEnv = []string{
	"FORTICLOUD_API_PASSWORD",
	"FORTIGATECLOUD_API_PASSWORD",
	"FORTIGATECLOUD_PASSWORD",
	"FORTIFLEX_API_PASSWORD",
	"FORTIANALYZER_API_PASSWORD",
	"SOCAAS_API_PASSWORD",
	"FORTICLOUD_MCP_APPROVALS_TOKEN",
	"FORTICLOUD_MCP_HTTP_TOKEN",
	"FORTICLOUD_MCP_METRICS_TOKEN",
}

func TestSecretEnvVars(t *testing.T) {
	if got := SecretEnvVars(); !slices.Equal(got, wantSecretEnv) {
		t.Errorf("SecretEnvVars() = %q\nwant %q", got, wantSecretEnv)
	}
}

// mapEnv is a fake environment.
type mapEnv map[string]string

func (m mapEnv) Lookup(name string) (string, bool) { v, ok := m[name]; return v, ok }
func (m mapEnv) Set(name, value string) error      { m[name] = value; return nil }

func captureLog() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func TestResolveFileEnvEverySecret(t *testing.T) {
	dir := t.TempDir()
	e := mapEnv{}
	for i, name := range SecretEnvVars() {
		// echo adds a newline, printf does not, a file saved on Windows ends in CRLF.
		content := []string{"s3cret-%d\n", "s3cret-%d", "s3cret-%d\r\n"}[i%3]
		e[name+"_FILE"] = writeFile(t, dir, strings.ToLower(name), strings.Replace(content, "%d", name, 1), 0o600)
	}
	log, buf := captureLog()
	var r fileEnv
	if err := r.resolve(SecretEnvVars(), e, log); err != nil {
		t.Fatal(err)
	}
	for _, name := range SecretEnvVars() {
		if got := e[name]; got != "s3cret-"+name {
			t.Errorf("%s = %q", name, got)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("logged for 0600 files: %s", buf)
	}
	// Again: nothing to do, no error although NAME and NAME_FILE are both set now.
	if err := r.resolve(SecretEnvVars(), e, log); err != nil {
		t.Errorf("second call: %v", err)
	}
	// A changed file behind a NAME this resolver set is read again.
	e["SOCAAS_API_PASSWORD_FILE"] = writeFile(t, dir, "other", "rotated\n", 0o600)
	if err := r.resolve(SecretEnvVars(), e, log); err != nil || e["SOCAAS_API_PASSWORD"] != "rotated" {
		t.Errorf("re-read: %q, %v", e["SOCAAS_API_PASSWORD"], err)
	}
}

func TestResolveFileEnvKeepsInnerWhitespace(t *testing.T) {
	p := writeFile(t, t.TempDir(), "pw", " pass word \n\n", 0o600)
	e := mapEnv{"FORTICLOUD_API_PASSWORD_FILE": p}
	var r fileEnv
	err := r.resolve([]string{"FORTICLOUD_API_PASSWORD"}, e, nil)
	if err == nil || !strings.Contains(err.Error(), "more than one line") {
		t.Errorf("two newlines: %v", err)
	}
	p = writeFile(t, t.TempDir(), "pw", " pass word \n", 0o600)
	e = mapEnv{"FORTICLOUD_API_PASSWORD_FILE": p}
	if err := r.resolve([]string{"FORTICLOUD_API_PASSWORD"}, e, nil); err != nil || e["FORTICLOUD_API_PASSWORD"] != " pass word " {
		t.Errorf("got %q, %v", e["FORTICLOUD_API_PASSWORD"], err)
	}
}

func TestResolveFileEnvBothSet(t *testing.T) {
	for _, name := range SecretEnvVars() {
		p := writeFile(t, t.TempDir(), "s", "from-file\n", 0o600)
		e := mapEnv{name: "from-env", name + "_FILE": p}
		var r fileEnv
		err := r.resolve(SecretEnvVars(), e, nil)
		if err == nil || !strings.Contains(err.Error(), name+"_FILE: "+name+" is set too; set only one") {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.Contains(err.Error(), "from-env") || strings.Contains(err.Error(), "from-file") || e[name] != "from-env" {
			t.Errorf("%s: %q, value %q", name, err, e[name])
		}
	}
	// Empty values count as unset.
	e := mapEnv{"FORTICLOUD_API_PASSWORD": "", "FORTICLOUD_API_PASSWORD_FILE": writeFile(t, t.TempDir(), "s", "x", 0o600), "SOCAAS_API_PASSWORD": "y", "SOCAAS_API_PASSWORD_FILE": ""}
	var r fileEnv
	if err := r.resolve(SecretEnvVars(), e, nil); err != nil || e["FORTICLOUD_API_PASSWORD"] != "x" || e["SOCAAS_API_PASSWORD"] != "y" {
		t.Errorf("empty: %v", err)
	}
}

func TestResolveFileEnvBadFiles(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		path string
		want string
	}{
		{filepath.Join(dir, "missing"), "does not exist"},
		{dir, "is a directory"},
		{writeFile(t, dir, "empty", "", 0o600), "is empty"},
		{writeFile(t, dir, "newline", "\n", 0o600), "is empty"},
		{writeFile(t, dir, "creds.txt", "apiId:"+testUser+"\npassword:"+testPass+"\n", 0o600), "FORTICLOUD_CREDENTIALS_FILE"},
		{writeFile(t, dir, "nul", "ab\x00cd", 0o600), "NUL byte"},
		{writeFile(t, dir, "big", strings.Repeat("a", maxSecretFile+1), 0o600), "larger than"},
	}
	for _, tc := range cases {
		e := mapEnv{"FORTIFLEX_API_PASSWORD_FILE": tc.path}
		var r fileEnv
		err := r.resolve(SecretEnvVars(), e, nil)
		if err == nil || !strings.HasPrefix(err.Error(), "FORTIFLEX_API_PASSWORD_FILE: ") || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%s: %v", tc.path, err)
		}
		if err != nil && strings.Contains(err.Error(), testPass) {
			t.Errorf("error shows the content: %v", err)
		}
		if _, set := e["FORTIFLEX_API_PASSWORD"]; set {
			t.Errorf("%s: set the variable", tc.path)
		}
	}
	// Errors of several variables are all reported.
	e := mapEnv{"FORTIFLEX_API_PASSWORD_FILE": cases[0].path, "SOCAAS_API_PASSWORD_FILE": cases[0].path}
	var r fileEnv
	if err := r.resolve(SecretEnvVars(), e, nil); err == nil || !strings.Contains(err.Error(), "FORTIFLEX") || !strings.Contains(err.Error(), "SOCAAS") {
		t.Errorf("joined: %v", err)
	}
}

func TestPermissionWarning(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o400, false}, {0o640, true}, {0o604, true}, {0o620, true}, {0o644, true}} {
		p := writeFile(t, dir, "token", "hunter2-secret\n", tc.mode)
		log, buf := captureLog()
		e := mapEnv{"FORTICLOUD_MCP_HTTP_TOKEN_FILE": p}
		var r fileEnv
		if err := r.resolve(SecretEnvVars(), e, log); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if got := strings.Contains(out, "level=WARN"); got != tc.warn {
			t.Errorf("mode %04o: warned %v: %s", tc.mode, got, out)
		}
		if tc.warn && (!strings.Contains(out, "chmod 600 "+p) || !strings.Contains(out, "variable=FORTICLOUD_MCP_HTTP_TOKEN_FILE") ||
			!strings.Contains(out, fmt.Sprintf("mode=%04o", tc.mode))) {
			t.Errorf("mode %04o: %s", tc.mode, out)
		}
		if strings.Contains(out, "hunter2") {
			t.Errorf("logged the secret: %s", out)
		}
	}
}

func TestCredentialsFilePermissionWarning(t *testing.T) {
	p := writeFile(t, t.TempDir(), "API_Credential.txt", "apiId:"+testUser+"\npassword:"+testPass+"\n", 0o644)
	log, buf := captureLog()
	c := Config{Credentials: Credentials{CredentialsFile: p}}
	if err := c.LoadCredentialsFile(log); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "chmod 600 "+p) || !strings.Contains(out, "variable=FORTICLOUD_CREDENTIALS_FILE") || !strings.Contains(out, "mode=0644") {
		t.Errorf("log: %s", out)
	}
	if strings.Contains(out, testPass) || strings.Contains(out, testUser) {
		t.Errorf("logged the file's content: %s", out)
	}
}
