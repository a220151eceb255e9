// Package config holds forticloud-mcp's configuration: every setting is an environment variable
// and a flag (the kong tags below), validated at start-up with messages that say which variable is
// wrong, what is wrong and how to fix it.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Service names, also the toolset names of --toolsets.
const (
	FortiGateCloud = "fortigatecloud"
	FortiFlex      = "fortiflex"
	FortiAnalyzer  = "fortianalyzer"
	SOCaaS         = "socaas"
)

// AllServices lists the services in the order tools are registered.
var AllServices = []string{FortiGateCloud, FortiFlex, FortiAnalyzer, SOCaaS}

// Default endpoints (forticloud-api.md §1.1, §2.1, §3.1, §5.1).
const (
	DefaultAuthURL   = "https://customerapiauth.fortinet.com"
	DefaultFlexURL   = "https://support.fortinet.com"
	DefaultSOCaaSURL = "https://socaas.mss.fortinet.com"
)

// FortiGateCloudRegions maps FORTIGATECLOUD_REGION to the regional API host (forticloud-api.md §3.1;
// "us" comes from a third-party connector and is marked [3p] there).
var FortiGateCloudRegions = map[string]string{
	"global": "https://api.fortigate.forticloud.com",
	"us":     "https://usapi.fortigate.forticloud.com",
	"eu":     "https://euapi.fortigate.forticloud.com",
	"jp":     "https://jpapi.fortigate.forticloud.com",
}

// Credentials is the IAM API user shared by every service unless a service overrides it.
type Credentials struct {
	CredentialsFile string `name:"credentials-file" env:"FORTICLOUD_CREDENTIALS_FILE" placeholder:"PATH" help:"The unpacked file of IAM's \"Download Credentials\" (apiId:, password:, clientId lines, or CSV): sets --api-username and --api-password where they are not given." group:"FortiCloud"`
	Username        string `name:"api-username" env:"FORTICLOUD_API_USERNAME" help:"FortiCloud IAM API user (the apiId from \"Download Credentials\"); wins over --credentials-file." group:"FortiCloud"`
	Password        Secret `name:"api-password" env:"FORTICLOUD_API_PASSWORD" help:"FortiCloud IAM API user's password; wins over --credentials-file. Or FORTICLOUD_API_PASSWORD_FILE naming a file that holds it." group:"FortiCloud"`
	AuthURL         string `name:"auth-url" env:"FORTICLOUD_AUTH_URL" default:"https://customerapiauth.fortinet.com" help:"FortiCloud IAM base URL; tokens come from <base>/api/v1/oauth/token/." group:"FortiCloud"`
}

// FortiGateCloudConfig configures FortiGate Cloud.
type FortiGateCloudConfig struct {
	Region   string `name:"fortigatecloud-region" env:"FORTIGATECLOUD_REGION" default:"global" enum:"global,us,eu,jp" help:"FortiGate Cloud region (global, us, eu, jp)." group:"FortiGate Cloud"`
	URL      string `name:"fortigatecloud-url" env:"FORTIGATECLOUD_URL" help:"FortiGate Cloud base URL; overrides the region." group:"FortiGate Cloud"`
	Username string `name:"fortigatecloud-api-username" env:"FORTIGATECLOUD_API_USERNAME" help:"IAM API user for FortiGate Cloud only." group:"FortiGate Cloud"`
	Password Secret `name:"fortigatecloud-api-password" env:"FORTIGATECLOUD_API_PASSWORD" help:"Password of --fortigatecloud-api-username. Or FORTIGATECLOUD_API_PASSWORD_FILE naming a file that holds it." group:"FortiGate Cloud"`
	// Legacy account login (forticloud-api.md §3.1, "legacy scheme" [doc]: POST
	// https://www.forticloud.com/forticloudapi/v1/auth, a different host from the API's).
	LegacyAuthURL   string `name:"fortigatecloud-legacy-auth-url" env:"FORTIGATECLOUD_LEGACY_AUTH_URL" default:"https://www.forticloud.com" help:"Base URL of FortiGate Cloud's legacy account login (<base>/forticloudapi/v1/auth)." group:"FortiGate Cloud"`
	AccountID       string `name:"fortigatecloud-account-id" env:"FORTIGATECLOUD_ACCOUNT_ID" help:"FortiGate Cloud account id, for the legacy account login." group:"FortiGate Cloud"`
	AccountUser     string `name:"fortigatecloud-username" env:"FORTIGATECLOUD_USERNAME" help:"FortiGate Cloud account user name, for the legacy account login." group:"FortiGate Cloud"`
	AccountPassword Secret `name:"fortigatecloud-password" env:"FORTIGATECLOUD_PASSWORD" help:"FortiGate Cloud account password, for the legacy account login. Or FORTIGATECLOUD_PASSWORD_FILE naming a file that holds it." group:"FortiGate Cloud"`
}

// FlexConfig configures FortiFlex.
type FlexConfig struct {
	URL      string `name:"fortiflex-url" env:"FORTIFLEX_URL" default:"https://support.fortinet.com" help:"FortiFlex base URL; calls <base>/ES/api/fortiflex/v2/..." group:"FortiFlex"`
	Username string `name:"fortiflex-api-username" env:"FORTIFLEX_API_USERNAME" help:"IAM API user for FortiFlex only." group:"FortiFlex"`
	Password Secret `name:"fortiflex-api-password" env:"FORTIFLEX_API_PASSWORD" help:"Password of --fortiflex-api-username. Or FORTIFLEX_API_PASSWORD_FILE naming a file that holds it." group:"FortiFlex"`
}

// AnalyzerConfig configures FortiAnalyzer Cloud.
type AnalyzerConfig struct {
	URL      string `name:"fortianalyzer-url" env:"FORTIANALYZER_URL" help:"FortiAnalyzer Cloud instance URL (https://<account>.<region>.fortianalyzer.forticloud.com); FAZ tools are off without it." group:"FortiAnalyzer Cloud"`
	Username string `name:"fortianalyzer-api-username" env:"FORTIANALYZER_API_USERNAME" help:"IAM API user for FortiAnalyzer Cloud only." group:"FortiAnalyzer Cloud"`
	Password Secret `name:"fortianalyzer-api-password" env:"FORTIANALYZER_API_PASSWORD" help:"Password of --fortianalyzer-api-username. Or FORTIANALYZER_API_PASSWORD_FILE naming a file that holds it." group:"FortiAnalyzer Cloud"`
	// MaxSessions bounds the JSON-RPC sessions the server holds; the API user's login-max (20 by
	// default) is shared with every other client of that user.
	SearchTimeout time.Duration `name:"fortianalyzer-search-timeout" env:"FORTIANALYZER_SEARCH_TIMEOUT" default:"2m" help:"Longest a faz_log_search may run before it is cancelled upstream." group:"FortiAnalyzer Cloud"`
	MaxSessions   int           `name:"fortianalyzer-max-sessions" env:"FORTIANALYZER_MAX_SESSIONS" default:"1" help:"JSON-RPC sessions the server may hold at once (1-20; the API user's login-max is 20)." group:"FortiAnalyzer Cloud"`
}

// SOCaaSConfig configures SOCaaS.
type SOCaaSConfig struct {
	URL      string `name:"socaas-url" env:"SOCAAS_URL" default:"https://socaas.mss.fortinet.com" help:"SOCaaS base URL; calls <base>/socaasAPI/v1/..." group:"SOCaaS"`
	Username string `name:"socaas-api-username" env:"SOCAAS_API_USERNAME" help:"IAM API user for SOCaaS only." group:"SOCaaS"`
	Password Secret `name:"socaas-api-password" env:"SOCAAS_API_PASSWORD" help:"Password of --socaas-api-username. Or SOCAAS_API_PASSWORD_FILE naming a file that holds it." group:"SOCaaS"`
}

// Config is everything the server needs to talk to FortiCloud.
type Config struct {
	Credentials    `embed:""`
	FortiGateCloud FortiGateCloudConfig `embed:""`
	Flex           FlexConfig           `embed:""`
	Analyzer       AnalyzerConfig       `embed:""`
	SOCaaS         SOCaaSConfig         `embed:""`

	Approval         string        `name:"approval" env:"FORTICLOUD_MCP_APPROVAL" default:"required" enum:"required,none" help:"required: a person approves every write; none: writes run unapproved (only where changes are approved elsewhere)." group:"Tools"`
	ApprovalTTL      time.Duration `name:"approval-ttl" env:"FORTICLOUD_MCP_APPROVAL_TTL" default:"10m" help:"How long a write waits for a person's decision before it expires." group:"Approvals"`
	ApprovalsListen  string        `name:"approvals-listen" env:"FORTICLOUD_MCP_APPROVALS_LISTEN" default:"127.0.0.1:0" help:"In stdio mode, where the approvals console listens (loopback; port 0 picks one; off disables it). Over HTTP it is served at /approvals/." group:"Approvals"`
	ApprovalsToken   Secret        `name:"approvals-token" env:"FORTICLOUD_MCP_APPROVALS_TOKEN" help:"Token a person signs in to the approvals console with; default: generated once into <state dir>/console-token. Or FORTICLOUD_MCP_APPROVALS_TOKEN_FILE naming a file that holds it." group:"Approvals"`
	StateDir         string        `name:"state-dir" env:"FORTICLOUD_MCP_STATE_DIR" help:"Directory for durable state (audit trail, idempotency keys, console token); default $XDG_STATE_HOME/forticloud-mcp or ~/.local/state/forticloud-mcp." group:"Tools"`
	ReadOnly         bool          `name:"read-only" env:"FORTICLOUD_MCP_READ_ONLY" help:"Refuse every write (non-GET FortiOS calls, FortiFlex creation, ...)." group:"Tools"`
	Toolsets         []string      `name:"toolsets" env:"FORTICLOUD_MCP_TOOLSETS" sep:"," default:"all" help:"Services whose tools to enable: all, or a comma list of fortigatecloud, fortiflex, fortianalyzer, socaas." group:"Tools"`
	ToolTimeout      time.Duration `name:"tool-timeout" env:"FORTICLOUD_MCP_TOOL_TIMEOUT" default:"5m" help:"Longest one tool call may take, waits for rate limits included." group:"Tools"`
	UpstreamTimeout  time.Duration `name:"upstream-timeout" env:"FORTICLOUD_MCP_UPSTREAM_TIMEOUT" default:"30s" help:"Timeout for each upstream HTTP call." group:"Tools"`
	BreakerThreshold int           `name:"breaker-threshold" env:"FORTICLOUD_MCP_BREAKER_THRESHOLD" default:"5" help:"Consecutive failures (no answer, 502/503/504) after which calls to a service fail fast." group:"Tools"`
	BreakerCooldown  time.Duration `name:"breaker-cooldown" env:"FORTICLOUD_MCP_BREAKER_COOLDOWN" default:"30s" help:"How long calls to a failing service fail fast before one is tried again." group:"Tools"`
	MaxResultBytes   int           `name:"max-result-bytes" env:"FORTICLOUD_MCP_MAX_RESULT_BYTES" default:"65536" help:"Cap on the size of one upstream reply returned to the model (bytes)." group:"Tools"`
	AllowInsecureURL bool          `name:"allow-insecure-upstream" hidden:"" help:"Accept http:// upstream URLs on non-loopback hosts (testing only)." group:"Tools"`

	// FromCredentialsFile is what --credentials-file held (its password aside), set once the
	// file is loaded (LoadCredentialsFile); nil without one.
	FromCredentialsFile *CredentialsFileInfo `kong:"-" json:"-"`

	fileEnvErr error // from BeforeReset's ResolveFileEnv, returned by Validate
}

// Problem is one start-up configuration error.
type Problem struct {
	Variable string // the environment variable (and flag) at fault
	Message  string // what is wrong and how to fix it
}

func (p Problem) Error() string { return p.Variable + ": " + p.Message }

// Validate checks the configuration and returns every problem found, joined.
//
// It first reports a failed *_FILE variable and loads --credentials-file (see loadSources), so
// that the checks see the credentials from every source.
func (c *Config) Validate() error {
	if err := c.loadSources(); err != nil {
		return err
	}
	var errs []error
	add := func(v, format string, a ...any) { errs = append(errs, Problem{v, fmt.Sprintf(format, a...)}) }

	for _, u := range []struct{ env, val string }{
		{"FORTICLOUD_AUTH_URL", c.AuthURL},
		{"FORTIGATECLOUD_URL", c.FortiGateCloud.URL},
		{"FORTIGATECLOUD_LEGACY_AUTH_URL", c.FortiGateCloud.LegacyAuthURL},
		{"FORTIFLEX_URL", c.Flex.URL},
		{"FORTIANALYZER_URL", c.Analyzer.URL},
		{"SOCAAS_URL", c.SOCaaS.URL},
	} {
		if u.val == "" {
			continue
		}
		if err := checkBaseURL(u.val, c.AllowInsecureURL); err != nil {
			add(u.env, "%v", err)
		}
	}
	if c.FortiGateCloud.Region != "" {
		if _, ok := FortiGateCloudRegions[c.FortiGateCloud.Region]; !ok {
			add("FORTIGATECLOUD_REGION", "unknown region %q; use one of global, us, eu, jp", c.FortiGateCloud.Region)
		}
	}
	pairs := []struct {
		userEnv, passEnv string
		user             string
		pass             Secret
	}{
		{"FORTICLOUD_API_USERNAME", "FORTICLOUD_API_PASSWORD", c.Username, c.Password},
		{"FORTIGATECLOUD_API_USERNAME", "FORTIGATECLOUD_API_PASSWORD", c.FortiGateCloud.Username, c.FortiGateCloud.Password},
		{"FORTIFLEX_API_USERNAME", "FORTIFLEX_API_PASSWORD", c.Flex.Username, c.Flex.Password},
		{"FORTIANALYZER_API_USERNAME", "FORTIANALYZER_API_PASSWORD", c.Analyzer.Username, c.Analyzer.Password},
		{"SOCAAS_API_USERNAME", "SOCAAS_API_PASSWORD", c.SOCaaS.Username, c.SOCaaS.Password},
	}
	for _, p := range pairs {
		switch {
		case p.user != "" && !p.pass.IsSet():
			add(p.passEnv, "is empty but %s is set; set both (the password is in the file IAM's \"Download Credentials\" gives you)", p.userEnv)
		case p.user == "" && p.pass.IsSet():
			add(p.userEnv, "is empty but %s is set; set both", p.passEnv)
		case strings.TrimSpace(p.user) != p.user:
			add(p.userEnv, "has leading or trailing spaces; remove them")
		}
	}
	legacy := []string{c.FortiGateCloud.AccountID, c.FortiGateCloud.AccountUser, string(c.FortiGateCloud.AccountPassword)}
	if n := countSet(legacy...); n != 0 && n != 3 {
		add("FORTIGATECLOUD_ACCOUNT_ID", "the legacy account login needs FORTIGATECLOUD_ACCOUNT_ID, FORTIGATECLOUD_USERNAME and FORTIGATECLOUD_PASSWORD together; %d of 3 are set", n)
	}
	for _, t := range c.Toolsets {
		t = strings.TrimSpace(strings.ToLower(t))
		if t != "all" && !slices.Contains(AllServices, t) {
			add("FORTICLOUD_MCP_TOOLSETS", "unknown toolset %q; use all or a comma list of %s", t, strings.Join(AllServices, ", "))
		}
	}
	if c.Analyzer.MaxSessions < 0 || c.Analyzer.MaxSessions > 20 {
		add("FORTIANALYZER_MAX_SESSIONS", "must be between 1 and 20 (FortiAnalyzer's login-max); got %d", c.Analyzer.MaxSessions)
	}
	if c.UpstreamTimeout <= 0 {
		add("FORTICLOUD_MCP_UPSTREAM_TIMEOUT", "must be a positive duration such as 30s")
	}
	if c.ApprovalTTL != 0 && (c.ApprovalTTL < 10*time.Second || c.ApprovalTTL > 24*time.Hour) {
		add("FORTICLOUD_MCP_APPROVAL_TTL", "must be between 10s and 24h (got %s)", c.ApprovalTTL)
	}
	if l := c.ApprovalsListen; l != "" && l != "off" {
		if host, _, err := net.SplitHostPort(l); err != nil {
			add("FORTICLOUD_MCP_APPROVALS_LISTEN", "%q: want host:port such as 127.0.0.1:0, or off", l)
		} else if !IsLoopbackHost(host) {
			add("FORTICLOUD_MCP_APPROVALS_LISTEN", "%q is not a loopback address; the console approves billable changes, so it listens on loopback only (serve over --http to reach it from elsewhere)", l)
		}
	}
	if c.BreakerThreshold < 0 || c.BreakerCooldown < 0 {
		add("FORTICLOUD_MCP_BREAKER_THRESHOLD", "the breaker's threshold and cooldown cannot be negative")
	}
	if c.MaxResultBytes < 1024 {
		add("FORTICLOUD_MCP_MAX_RESULT_BYTES", "must be at least 1024 (got %d)", c.MaxResultBytes)
	}
	return errors.Join(errs...)
}

func countSet(vals ...string) int {
	n := 0
	for _, v := range vals {
		if v != "" {
			n++
		}
	}
	return n
}

// checkBaseURL accepts https URLs, and http only for loopback hosts (credentials must not cross a
// network in clear text).
func checkBaseURL(raw string, allowInsecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL; write it like https://host", raw)
	}
	if u.User != nil {
		return fmt.Errorf("must not carry user information; put credentials in the *_USERNAME/*_PASSWORD variables")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must be a base URL without query or fragment", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if allowInsecure || IsLoopbackHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("http:// is accepted only for loopback hosts (127.0.0.1, ::1, localhost); use https://")
	default:
		return fmt.Errorf("scheme %q is not supported; use https://", u.Scheme)
	}
}

// IsLoopbackHost reports whether host (no port) names the local machine.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ServiceAccess is what a service needs to authenticate, resolved from the shared and
// per-service settings.
type ServiceAccess struct {
	Service  string
	BaseURL  string
	AuthURL  string // the IAM base
	Username string
	Password Secret
	// Legacy FortiGate Cloud account login, used when no IAM API user is configured.
	LegacyAuthURL          string
	AccountID, AccountUser string
	AccountPassword        Secret
	// Why is set when the service is off: the start-up log says it.
	Why string
}

// Enabled reports whether the service has what it needs.
func (a ServiceAccess) Enabled() bool { return a.Why == "" }

// Access resolves one service's endpoint and credentials, or says why it is off.
func (c *Config) Access(service string) ServiceAccess {
	a := ServiceAccess{Service: service, AuthURL: c.AuthURL, Username: c.Username, Password: c.Password}
	if a.AuthURL == "" {
		a.AuthURL = DefaultAuthURL
	}
	override := func(user string, pass Secret) {
		if user != "" {
			a.Username, a.Password = user, pass
		}
	}
	switch service {
	case FortiGateCloud:
		a.BaseURL = c.FortiGateCloud.URL
		if a.BaseURL == "" {
			a.BaseURL = FortiGateCloudRegions[c.FortiGateCloud.Region]
			if a.BaseURL == "" {
				a.BaseURL = FortiGateCloudRegions["global"]
			}
		}
		override(c.FortiGateCloud.Username, c.FortiGateCloud.Password)
		a.LegacyAuthURL = cmp.Or(c.FortiGateCloud.LegacyAuthURL, "https://www.forticloud.com")
		a.AccountID, a.AccountUser, a.AccountPassword = c.FortiGateCloud.AccountID, c.FortiGateCloud.AccountUser, c.FortiGateCloud.AccountPassword
		if a.Username == "" && a.AccountID == "" {
			a.Why = "no credentials: set FORTICLOUD_API_USERNAME/FORTICLOUD_API_PASSWORD (or FORTIGATECLOUD_API_*, or the legacy FORTIGATECLOUD_ACCOUNT_ID/USERNAME/PASSWORD)"
		}
	case FortiFlex:
		a.BaseURL = c.Flex.URL
		override(c.Flex.Username, c.Flex.Password)
	case FortiAnalyzer:
		a.BaseURL = c.Analyzer.URL
		override(c.Analyzer.Username, c.Analyzer.Password)
		if a.BaseURL == "" {
			a.Why = "FORTIANALYZER_URL is not set (it names your FortiAnalyzer Cloud instance)"
		}
	case SOCaaS:
		a.BaseURL = c.SOCaaS.URL
		override(c.SOCaaS.Username, c.SOCaaS.Password)
	default:
		a.Why = "unknown service"
		return a
	}
	if a.Why == "" && service != FortiGateCloud && a.Username == "" {
		a.Why = "no credentials: set FORTICLOUD_API_USERNAME/FORTICLOUD_API_PASSWORD or the service's own *_API_USERNAME/*_API_PASSWORD"
	}
	if a.Why == "" && a.BaseURL == "" {
		a.Why = "no base URL"
	}
	return a
}

// ToolsetEnabled reports whether --toolsets selects the service.
func (c *Config) ToolsetEnabled(service string) bool {
	if len(c.Toolsets) == 0 {
		return true
	}
	for _, t := range c.Toolsets {
		t = strings.TrimSpace(strings.ToLower(t))
		if t == "all" || t == service {
			return true
		}
	}
	return false
}

// StateDirectory is where durable state lives: --state-dir, else $XDG_STATE_HOME/forticloud-mcp,
// else ~/.local/state/forticloud-mcp.
func (c *Config) StateDirectory() (string, error) {
	if c.StateDir != "" {
		return c.StateDir, nil
	}
	return DefaultStateDir()
}

// DefaultStateDir is $XDG_STATE_HOME/forticloud-mcp or ~/.local/state/forticloud-mcp.
func DefaultStateDir() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no state directory: set FORTICLOUD_MCP_STATE_DIR (%w)", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "forticloud-mcp"), nil
}
