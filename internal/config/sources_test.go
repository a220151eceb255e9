package config

import (
	"bytes"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// testServe mirrors cmd/forticloud-mcp: Config embedded in the default command, next to the
// HTTP token flag, which lives outside this package.
type testServe struct {
	Config       `embed:""`
	HTTPToken    string `name:"http-token" env:"FORTICLOUD_MCP_HTTP_TOKEN"`
	MetricsToken string `name:"metrics-token" env:"FORTICLOUD_MCP_METRICS_TOKEN"`
}

type testCLI struct {
	Serve   testServe `cmd:"" default:"withargs"`
	Version struct{}  `cmd:""`
}

// cleanEnv empties every variable these tests touch; t.Setenv restores them afterwards, and
// also undoes the os.Setenv calls of ResolveFileEnv on the same names.
func cleanEnv(t *testing.T) {
	t.Helper()
	for _, name := range SecretEnvVars() {
		t.Setenv(name, "")
		t.Setenv(name+FileEnvSuffix, "")
	}
	for _, name := range []string{CredentialsFileEnv, "FORTICLOUD_API_USERNAME", "FORTIGATECLOUD_API_USERNAME", "FORTIFLEX_API_USERNAME",
		"FORTIANALYZER_API_USERNAME", "SOCAAS_API_USERNAME", "FORTIGATECLOUD_ACCOUNT_ID", "FORTIGATECLOUD_USERNAME", "FORTIANALYZER_URL", "FORTICLOUD_MCP_TOOLSETS"} {
		t.Setenv(name, "")
	}
}

func parse(t *testing.T, args ...string) (*testCLI, error) {
	t.Helper()
	var cli testCLI
	k, err := kong.New(&cli, kong.Name("forticloud-mcp"), kong.Exit(func(int) { panic("exit") }), kong.Writers(io.Discard, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	_, err = k.Parse(args)
	return &cli, err
}

func credentialsFile(t *testing.T, ids ...string) string {
	t.Helper()
	content := "apiId:" + testUser + "\npassword:" + testPass + "\n"
	for _, id := range ids {
		content += "clientId for " + id + " Cloud:" + id + "\n"
	}
	return writeFile(t, t.TempDir(), "API_Credential_"+testUser+".txt", content, 0o600)
}

func TestCredentialsFilePrecedence(t *testing.T) {
	file := credentialsFile(t, "fortigatecloud")
	cases := []struct {
		name     string
		env      map[string]string
		args     []string
		user, pw string
		inEffect bool
	}{
		{"file alone, by flag", nil, []string{"--credentials-file", file}, testUser, testPass, true},
		{"file alone, by variable", map[string]string{CredentialsFileEnv: file}, nil, testUser, testPass, true},
		{"variable wins over file", map[string]string{CredentialsFileEnv: file, "FORTICLOUD_API_USERNAME": "OTHER", "FORTICLOUD_API_PASSWORD": "env-pw"}, nil, "OTHER", "env-pw", false},
		{"flag wins over variable and file", map[string]string{CredentialsFileEnv: file, "FORTICLOUD_API_USERNAME": "OTHER", "FORTICLOUD_API_PASSWORD": "env-pw"},
			[]string{"--api-username", "FLAG", "--api-password", "flag-pw"}, "FLAG", "flag-pw", false},
		{"password variable wins, user from file", map[string]string{CredentialsFileEnv: file, "FORTICLOUD_API_PASSWORD": "env-pw"}, nil, testUser, "env-pw", true},
		{"password flag wins, user from file", nil, []string{"--credentials-file", file, "--api-password", "flag-pw"}, testUser, "flag-pw", true},
		{"same user named explicitly, password from file", map[string]string{"FORTICLOUD_API_USERNAME": strings.ToLower(testUser)}, []string{"--credentials-file", file},
			strings.ToLower(testUser), testPass, true},
		{"password file variable wins over credentials file", map[string]string{CredentialsFileEnv: file,
			"FORTICLOUD_API_PASSWORD_FILE": writeFile(t, t.TempDir(), "pw", "file-pw\n", 0o600)}, nil, testUser, "file-pw", true},
		{"explicit subcommand", nil, []string{"serve", "--credentials-file", file}, testUser, testPass, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			cli, err := parse(t, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			c := cli.Serve.Config
			if c.Username != tc.user || c.Password.Reveal() != tc.pw {
				t.Errorf("got %q/%q, want %q/%q", c.Username, c.Password.Reveal(), tc.user, tc.pw)
			}
			fi := c.FromCredentialsFile
			if fi == nil || fi.Path != file || fi.Username != testUser || fi.InEffect != tc.inEffect || !fi.HasClientID("fortigatecloud") {
				t.Errorf("FromCredentialsFile = %+v", fi)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestCredentialsFileOtherUserWithoutPassword(t *testing.T) {
	cleanEnv(t)
	file := credentialsFile(t)
	t.Setenv("FORTICLOUD_API_USERNAME", "E8766032-7319-409F-902A-000000000002")
	_, err := parse(t, "--credentials-file", file)
	if err == nil || !strings.Contains(err.Error(), "FORTICLOUD_API_USERNAME: names another API user than "+file) || strings.Contains(err.Error(), testPass) {
		t.Errorf("got %v", err)
	}
}

func TestCredentialsFileErrorThroughKong(t *testing.T) {
	cleanEnv(t)
	p := writeFile(t, t.TempDir(), "creds.csv", "apiId,password\n"+testUser+",\n", 0o600)
	_, err := parse(t, "--credentials-file", p)
	if err == nil || !strings.Contains(err.Error(), "FORTICLOUD_CREDENTIALS_FILE: "+p+": has no password") {
		t.Errorf("got %v", err)
	}
	_, err = parse(t, "--credentials-file", filepath.Join(t.TempDir(), "nope"))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("got %v", err)
	}
	// Without --credentials-file nothing is read and nothing recorded.
	cli, err := parse(t)
	if err != nil || cli.Serve.FromCredentialsFile != nil {
		t.Errorf("no file: %v, %+v", err, cli.Serve.FromCredentialsFile)
	}
}

// The *_FILE variables reach every secret, the HTTP token's too, through kong's hook alone (main
// did not call ResolveFileEnv), and a flag still wins over them.
func TestFileEnvThroughKong(t *testing.T) {
	cleanEnv(t)
	dir := t.TempDir()
	for _, name := range SecretEnvVars() {
		t.Setenv(name+FileEnvSuffix, writeFile(t, dir, name, "v-"+name+"\n", 0o600))
	}
	for _, name := range []string{"FORTICLOUD_API_USERNAME", "FORTIGATECLOUD_API_USERNAME", "FORTIFLEX_API_USERNAME", "FORTIANALYZER_API_USERNAME",
		"SOCAAS_API_USERNAME", "FORTIGATECLOUD_ACCOUNT_ID", "FORTIGATECLOUD_USERNAME"} {
		t.Setenv(name, "user")
	}
	cli, err := parse(t, "--fortiflex-api-password", "from-flag")
	if err != nil {
		t.Fatal(err)
	}
	s := cli.Serve
	got := map[string]string{
		"FORTICLOUD_API_PASSWORD":        s.Password.Reveal(),
		"FORTIGATECLOUD_API_PASSWORD":    s.FortiGateCloud.Password.Reveal(),
		"FORTIGATECLOUD_PASSWORD":        s.FortiGateCloud.AccountPassword.Reveal(),
		"FORTIFLEX_API_PASSWORD":         s.Flex.Password.Reveal(),
		"FORTIANALYZER_API_PASSWORD":     s.Analyzer.Password.Reveal(),
		"SOCAAS_API_PASSWORD":            s.SOCaaS.Password.Reveal(),
		"FORTICLOUD_MCP_APPROVALS_TOKEN": s.ApprovalsToken.Reveal(),
		"FORTICLOUD_MCP_HTTP_TOKEN":      s.HTTPToken,
		"FORTICLOUD_MCP_METRICS_TOKEN":   s.MetricsToken,
	}
	if len(got) != len(SecretEnvVars()) {
		t.Fatalf("test covers %d of %d variables", len(got), len(SecretEnvVars()))
	}
	for name, v := range got {
		want := "v-" + name
		if name == "FORTIFLEX_API_PASSWORD" {
			want = "from-flag"
		}
		if v != want {
			t.Errorf("%s: got %q, want %q", name, v, want)
		}
	}
	// Parsing again (a second kong.Parse in one process) is fine.
	if _, err := parse(t); err != nil {
		t.Errorf("second parse: %v", err)
	}
}

func TestFileEnvBothSetThroughKong(t *testing.T) {
	cleanEnv(t)
	t.Setenv("FORTICLOUD_MCP_HTTP_TOKEN", "from-env")
	t.Setenv("FORTICLOUD_MCP_HTTP_TOKEN_FILE", writeFile(t, t.TempDir(), "tok", "from-file\n", 0o600))
	_, err := parse(t)
	if err == nil || !strings.Contains(err.Error(), "FORTICLOUD_MCP_HTTP_TOKEN_FILE: FORTICLOUD_MCP_HTTP_TOKEN is set too") || strings.Contains(err.Error(), "from-") {
		t.Errorf("got %v", err)
	}
	// --help still shows help rather than the error.
	func() {
		defer func() {
			if r := recover(); r != "exit" {
				t.Errorf("--help: %v", r)
			}
		}()
		_, err = parse(t, "--help")
		t.Errorf("--help returned %v", err)
	}()
	// Commands without Config do not look at the variables.
	if _, err := parse(t, "version"); err != nil {
		t.Errorf("version: %v", err)
	}
}

func TestHelpNamesPrecedence(t *testing.T) {
	cleanEnv(t)
	var cli testCLI
	var out bytes.Buffer
	k, err := kong.New(&cli, kong.Name("forticloud-mcp"), kong.Exit(func(int) { panic("exit") }), kong.Writers(&out, &out))
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() { _ = recover() }()
		_, _ = k.Parse([]string{"serve", "--help"})
	}()
	help := out.String()
	for _, w := range []string{"--credentials-file=PATH", "($FORTICLOUD_CREDENTIALS_FILE)", "wins over --credentials-file", "FORTICLOUD_API_PASSWORD_FILE", "FORTICLOUD_MCP_APPROVALS_TOKEN_FILE"} {
		if !strings.Contains(help, w) {
			t.Errorf("help lacks %q", w)
		}
	}
}

func TestPortalWarnings(t *testing.T) {
	file := credentialsFile(t, "fortigatecloud", "flexvm")
	load := func(mutate func(*Config)) []PortalWarning {
		t.Helper()
		c := valid()
		c.Username, c.Password = "", ""
		c.CredentialsFile = file
		if mutate != nil {
			mutate(&c)
		}
		if err := c.LoadCredentialsFile(nil); err != nil {
			t.Fatal(err)
		}
		return c.PortalWarnings()
	}
	services := func(ws []PortalWarning) []string {
		var s []string
		for _, w := range ws {
			s = append(s, w.Service)
		}
		return s
	}
	// FortiAnalyzer is off without a URL: only SOCaaS is on and missing.
	ws := load(nil)
	if got := services(ws); !slices.Equal(got, []string{SOCaaS}) {
		t.Fatalf("got %q", got)
	}
	if w := ws[0]; w.ClientID != "socaas" || !strings.Contains(w.Message, `lists no client_id "socaas" (it lists fortigatecloud, flexvm)`) || !strings.Contains(w.Message, file) {
		t.Errorf("message %q", w.Message)
	}
	if got := services(load(func(c *Config) { c.Analyzer.URL = "https://x.fortianalyzer.forticloud.com" })); !slices.Equal(got, []string{FortiAnalyzer, SOCaaS}) {
		t.Errorf("with FAZ: %q", got)
	}
	// A service with its own API user, one not in --toolsets, or another shared user: no warning.
	if got := load(func(c *Config) { c.SOCaaS.Username, c.SOCaaS.Password = "OTHER", "pw" }); len(got) != 0 {
		t.Errorf("own user: %+v", got)
	}
	if got := load(func(c *Config) { c.Toolsets = []string{FortiGateCloud, FortiFlex} }); len(got) != 0 {
		t.Errorf("toolsets: %+v", got)
	}
	if got := load(func(c *Config) { c.Username, c.Password = "OTHER", "pw" }); len(got) != 0 {
		t.Errorf("other user: %+v", got)
	}
	// A file listing no client_id says nothing.
	c := valid()
	c.Username, c.Password, c.CredentialsFile = "", "", credentialsFile(t)
	if err := c.LoadCredentialsFile(nil); err != nil || len(c.PortalWarnings()) != 0 {
		t.Errorf("no ids: %v %+v", err, c.PortalWarnings())
	}
	// Loading twice changes nothing.
	before := *c.FromCredentialsFile
	if err := c.LoadCredentialsFile(nil); err != nil || c.FromCredentialsFile.InEffect != before.InEffect || c.Username != testUser {
		t.Errorf("second load: %v", err)
	}
}

func TestCredentialsFileHomeExpansion(t *testing.T) {
	cleanEnv(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	p := writeFile(t, home, "creds.txt", "apiId:"+testUser+"\npassword:"+testPass+"\n", 0o600)
	cli, err := parse(t, "--credentials-file", "~/creds.txt")
	if err != nil || cli.Serve.FromCredentialsFile == nil || cli.Serve.FromCredentialsFile.Path != p || cli.Serve.Username != testUser {
		t.Errorf("got %v, %+v", err, cli.Serve.FromCredentialsFile)
	}
}
