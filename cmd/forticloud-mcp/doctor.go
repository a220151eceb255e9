package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/auth"
	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortianalyzer"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortiflex"
	"github.com/forticloud-mcp/forticloud-mcp/internal/fortigatecloud"
	"github.com/forticloud-mcp/forticloud-mcp/internal/socaas"
	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"
)

const doctorHelp = `Checks the configuration (flags and FORTICLOUD_* variables as for serve): whether it is valid,
which services are on and why the others are off, and where the credentials come from. Then, for
each service that is on, one token grant per IAM client_id and one cheap read: FortiGate Cloud
lists one device, FortiFlex lists programs, FortiAnalyzer Cloud logs in, reads sys/status and logs
out, SOCaaS lists the last day's alerts. A refused login is not repeated for the other services
(FortiCloud locks an account after a few failed logins). No token, password or session id is
ever printed.

Exit codes: 0 every check passed; 1 usage or configuration error (or no service configured);
2 a check failed.`

type doctorCmd struct {
	config.Config `embed:""`
	cliLogFlags   `embed:""`
	Sandbox       bool          `name:"sandbox" help:"Check the built-in FortiCloud emulator with the demo API user (a self-test)."`
	Timeout       time.Duration `name:"timeout" default:"20s" help:"Longest each check may take."`

	output `kong:"-"`
}

// Help documents the checks and exit codes in `doctor --help`.
func (c *doctorCmd) Help() string { return doctorHelp }

// Results of a check.
const (
	resultOK      = "ok"
	resultFail    = "FAIL"
	resultOff     = "off"
	resultSkipped = "skipped"
	resultWarn    = "warn" // worth a look, but not a failure
)

// check is one row of the report. No field may hold a secret.
type check struct {
	service, name, result, detail, hint string
}

type report struct{ rows []check }

func (r *report) add(service, name, result, detail, hint string) {
	r.rows = append(r.rows, check{service, name, result, detail, hint})
}

func (r *report) failed() int {
	n := 0
	for _, c := range r.rows {
		if c.result == resultFail {
			n++
		}
	}
	return n
}

func (r *report) write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tCHECK\tRESULT\tHINT")
	for _, c := range r.rows {
		res := c.result
		if c.detail != "" {
			res += ": " + c.detail
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", cell(c.service, 0), cell(c.name, 0), cell(res, 0), cell(c.hint, 0))
	}
	return tw.Flush()
}

// serviceVars name a service's settings in messages.
type serviceVars struct {
	clientID, url, user, pass string
}

var doctorVars = map[string]serviceVars{
	config.FortiGateCloud: {"fortigatecloud", "FORTIGATECLOUD_URL (or FORTIGATECLOUD_REGION)", "FORTIGATECLOUD_API_USERNAME", "FORTIGATECLOUD_API_PASSWORD"},
	config.FortiFlex:      {"flexvm", "FORTIFLEX_URL", "FORTIFLEX_API_USERNAME", "FORTIFLEX_API_PASSWORD"},
	config.FortiAnalyzer:  {"FortiAnalyzer", "FORTIANALYZER_URL", "FORTIANALYZER_API_USERNAME", "FORTIANALYZER_API_PASSWORD"},
	config.SOCaaS:         {"socaas", "SOCAAS_URL", "SOCAAS_API_USERNAME", "SOCAAS_API_PASSWORD"},
}

func (c *doctorCmd) Run(ctx context.Context) error {
	logger := c.logger()
	cfg := c.Config
	r := &report{}
	if c.Sandbox {
		sb, err := startSandbox(logger)
		if err != nil {
			return err
		}
		defer sb.Close()
		cfg = sb.configure(cfg)
	}
	if err := cfg.Validate(); err != nil {
		var joined interface{ Unwrap() []error }
		problems := []error{err}
		if errors.As(err, &joined) {
			problems = joined.Unwrap()
		}
		for _, p := range problems {
			var pr config.Problem
			if errors.As(p, &pr) {
				r.add("configuration", pr.Variable, resultFail, "invalid", pr.Message)
			} else {
				r.add("configuration", "settings", resultFail, "invalid", p.Error())
			}
		}
		_ = r.write(c.out())
		return fmt.Errorf("configuration: %d problem(s); fix them and run doctor again", len(problems))
	}
	r.add("configuration", "settings", resultOK, "valid", "")
	if !anyServiceOn(&cfg) {
		for _, s := range config.AllServices {
			r.add(serviceName(s), "enabled", resultOff, "", serviceOff(&cfg, s))
		}
		_ = r.write(c.out())
		return errors.New("no service is configured: each row above says why (most often: set FORTICLOUD_API_USERNAME and FORTICLOUD_API_PASSWORD, or --credentials-file); forticloud-mcp doctor --sandbox tries the built-in emulator")
	}

	base := upstream.NewTransport()
	defer base.CloseIdleConnections()
	guard := auth.NewRefusalGuard()
	refused := map[string]string{} // credentials → the service whose login was refused
	for _, s := range config.AllServices {
		name := serviceName(s)
		if why := serviceOff(&cfg, s); why != "" {
			r.add(name, "enabled", resultOff, "", why)
			continue
		}
		acc := cfg.Access(s)
		r.add(name, "enabled", resultOK, acc.BaseURL, "")
		if warning := portalWarning(&cfg, s); warning != "" {
			r.add(name, "credentials", resultWarn, credentialOrigin(&cfg, s, acc, c.Sandbox), warning)
		} else {
			r.add(name, "credentials", resultOK, credentialOrigin(&cfg, s, acc, c.Sandbox), "")
		}
		key := "legacy|" + acc.LegacyAuthURL + "|" + acc.AccountID + "|" + acc.AccountUser
		if acc.Username != "" {
			key = "iam|" + acc.AuthURL + "|" + acc.Username
		}
		v := doctorVars[s]
		tokenCheck := "token (client_id " + v.clientID + ")"
		if acc.Username == "" {
			tokenCheck = "account login"
		}
		if first, ok := refused[key]; ok {
			r.add(name, tokenCheck, resultSkipped, "", fmt.Sprintf("the same credentials were refused for %s: not tried again, so that the account is not locked out", first))
			continue
		}
		src := doctorSource(acc, v.clientID, base, c.Timeout, guard, logger)
		tctx, cancel := context.WithTimeout(ctx, c.Timeout)
		tok, err := src.Token(tctx)
		cancel()
		if err != nil {
			detail, hint := explain(err, &cfg, s, acc)
			r.add(name, tokenCheck, resultFail, detail, hint)
			var ae *auth.Error
			if errors.As(err, &ae) && ae.Refused {
				refused[key] = name
			}
			continue
		}
		valid := "granted"
		if !tok.Expiry.IsZero() {
			valid += ", valid for " + duration(time.Until(tok.Expiry))
		}
		r.add(name, tokenCheck, resultOK, valid, "")
		c.read(ctx, r, &cfg, s, acc, src, base, logger)
	}
	if err := r.write(c.out()); err != nil {
		return fmt.Errorf("writing: %w", err)
	}
	if n := r.failed(); n > 0 {
		return &exitError{exitToolError, fmt.Errorf("%d check(s) failed; see the hints above", n)}
	}
	fmt.Fprintln(c.errOut(), "every check passed")
	return nil
}

// read makes the one cheap read of a service.
func (c *doctorCmd) read(ctx context.Context, r *report, cfg *config.Config, s string, acc config.ServiceAccess, src auth.Source, base http.RoundTripper, logger *slog.Logger) {
	name := serviceName(s)
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	hc := &http.Client{Transport: base, Timeout: c.Timeout, CheckRedirect: noFollow}
	fail := func(check string, err error) {
		detail, hint := explain(err, cfg, s, acc)
		r.add(name, check, resultFail, detail, hint)
	}
	switch s {
	case config.FortiGateCloud:
		api := &http.Client{Transport: &auth.Transport{Source: src, Base: base}, Timeout: c.Timeout, CheckRedirect: noFollow}
		page, err := fortigatecloud.New(acc.BaseURL, api, 0).ListDevices(ctx, 1, 0)
		if err != nil {
			fail("list devices (limit 1)", err)
			return
		}
		detail := fmt.Sprintf("%d device(s) returned", page.Len())
		if page.Total >= 0 {
			detail = fmt.Sprintf("%d device(s) in the account", page.Total)
		}
		r.add(name, "list devices (limit 1)", resultOK, detail, "")
	case config.FortiFlex:
		programs, err := fortiflex.New(acc.BaseURL, hc, src).ListPrograms(ctx)
		if err != nil {
			fail("list programs", err)
			return
		}
		hint := ""
		if len(programs) == 0 {
			hint = "the API user sees no FortiFlex program: check its account and FortiFlex portal access"
		}
		r.add(name, "list programs", resultOK, fmt.Sprintf("%d program(s)", len(programs)), hint)
	case config.FortiAnalyzer:
		faz := fortianalyzer.New(acc.BaseURL, hc, src, auth.SessionPoolOptions{MaxSessions: 1, Logger: logger})
		res, err := faz.Call(ctx, fortianalyzer.Request{Method: "get", URL: "/sys/status"})
		if err != nil {
			fail("login + get sys/status", err)
		} else {
			var status map[string]any
			_ = json.Unmarshal(res.Data, &status)
			detail := "logged in"
			if v, ok := status["Version"].(string); ok && v != "" {
				detail += ", " + v
			} else if p, ok := status["Platform Type"].(string); ok && p != "" {
				detail += ", " + p
			}
			r.add(name, "login + get sys/status", resultOK, detail, "")
		}
		cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), c.Timeout)
		defer ccancel()
		if err := faz.Close(cctx); err != nil {
			fail("logout", err)
		} else if err == nil && faz.Sessions() == 0 {
			r.add(name, "logout", resultOK, "no session left open", "")
		}
	case config.SOCaaS:
		now := time.Now()
		alerts, err := socaas.New(acc.BaseURL, hc, src).ListAlerts(ctx, now.Add(-24*time.Hour), now)
		if err != nil {
			fail("list alerts (last 24 h)", err)
			return
		}
		r.add(name, "list alerts (last 24 h)", resultOK, fmt.Sprintf("%d alert(s)", len(alerts)), "")
	}
}

func noFollow(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// doctorSource is the credential source serve would use for the service: the IAM API user, or
// FortiGate Cloud's legacy account login.
func doctorSource(acc config.ServiceAccess, clientID string, base http.RoundTripper, timeout time.Duration, guard *auth.RefusalGuard, logger *slog.Logger) auth.Source {
	hc := &http.Client{Transport: base, Timeout: timeout, CheckRedirect: noFollow}
	opts := auth.Options{Logger: logger, LoginTimeout: timeout, Guard: guard}
	if acc.Username != "" {
		return auth.NewIAMSource(auth.IAMConfig{BaseURL: acc.AuthURL, ClientID: clientID, Username: acc.Username, Password: acc.Password.Reveal(), HTTPClient: hc}, opts)
	}
	return auth.NewLegacySource(auth.LegacyConfig{BaseURL: acc.LegacyAuthURL, AccountID: acc.AccountID, UserName: acc.AccountUser, Password: acc.AccountPassword.Reveal(), HTTPClient: hc}, opts)
}

// credentialOrigin says which credentials a service uses and where they were set: a flag, an
// environment variable, the file a NAME_FILE variable names, or --credentials-file
// (config.FromCredentialsFile). It shows at most the start of the API user's id, never a password.
func credentialOrigin(cfg *config.Config, s string, acc config.ServiceAccess, sandbox bool) string {
	if sandbox {
		return "the sandbox's demo API user " + abbrev(acc.Username)
	}
	if acc.Username == "" {
		return "FortiGate Cloud account login " + abbrev(acc.AccountUser) + " (password " + origin("FORTIGATECLOUD_PASSWORD", "--fortigatecloud-password") + ")"
	}
	v := doctorVars[s]
	own := map[string]string{config.FortiGateCloud: cfg.FortiGateCloud.Username, config.FortiFlex: cfg.Flex.Username,
		config.FortiAnalyzer: cfg.Analyzer.Username, config.SOCaaS: cfg.SOCaaS.Username}[s]
	if own != "" {
		flag := "--" + strings.ToLower(strings.ReplaceAll(v.user, "_", "-"))
		return fmt.Sprintf("IAM API user %s of this service (user %s, password %s)", abbrev(acc.Username),
			origin(v.user, flag), origin(v.pass, strings.Replace(flag, "username", "password", 1)))
	}
	user, pass := origin("FORTICLOUD_API_USERNAME", "--api-username"), origin("FORTICLOUD_API_PASSWORD", "--api-password")
	if fi := cfg.FromCredentialsFile; fi != nil && fi.InEffect {
		file := "--credentials-file " + fi.Path
		if os.Getenv("FORTICLOUD_API_USERNAME") == "" {
			user = "from " + file
		}
		if os.Getenv("FORTICLOUD_API_PASSWORD") == "" && os.Getenv("FORTICLOUD_API_PASSWORD"+config.FileEnvSuffix) == "" {
			pass = "from " + file
		}
	}
	if user == pass {
		return fmt.Sprintf("shared IAM API user %s (user and password %s)", abbrev(acc.Username), user)
	}
	return fmt.Sprintf("shared IAM API user %s (user %s, password %s)", abbrev(acc.Username), user, pass)
}

// origin says where a setting came from, as far as the environment tells: a NAME_FILE variable
// (config resolves it into NAME, so it is looked at first), the variable itself, else the flag.
func origin(variable, flag string) string {
	switch {
	case os.Getenv(variable+config.FileEnvSuffix) != "":
		return "from the file in " + variable + config.FileEnvSuffix
	case os.Getenv(variable) != "":
		return "from " + variable
	}
	return "from " + flag
}

// portalWarning is what the credentials file says against the service's client_id, if anything.
func portalWarning(cfg *config.Config, s string) string {
	for _, w := range cfg.PortalWarnings() {
		if w.Service == s {
			return w.Message
		}
	}
	return ""
}

// abbrev shows the start of an identifier: enough to tell API users apart.
func abbrev(id string) string {
	r := []rune(id)
	if len(r) <= 8 {
		return id
	}
	return string(r[:8]) + "…"
}

// explain turns a failed check's error into its result and a hint; neither holds a secret.
func explain(err error, cfg *config.Config, s string, acc config.ServiceAccess) (detail, hint string) {
	v := doctorVars[s]
	var ae *auth.Error
	var ue *upstream.Error
	switch {
	case errors.As(err, &ae):
		detail = ae.Error()
		where := acc.AuthURL
		urlVar := "FORTICLOUD_AUTH_URL"
		userVars := "FORTICLOUD_API_USERNAME/FORTICLOUD_API_PASSWORD (or " + v.user + "/" + v.pass + ")"
		if acc.Username == "" {
			where, urlVar, userVars = acc.LegacyAuthURL, "FORTIGATECLOUD_LEGACY_AUTH_URL", "FORTIGATECLOUD_ACCOUNT_ID/USERNAME/PASSWORD"
		}
		desc := strings.ToLower(ae.Description)
		switch {
		case ae.Status == 0 && ae.Err != nil:
			hint = fmt.Sprintf("could not reach the login service at %s: check %s, the network, DNS and any proxy (HTTPS_PROXY)", where, urlVar)
		case strings.Contains(desc, "lock"):
			hint = "the account is LOCKED after too many failed logins: wait 15-30 minutes without trying (each failed attempt can extend the lock), then check the password before the next try"
		case ae.Code == "invalid_client":
			hint = fmt.Sprintf("the IAM does not accept client_id %s for this API user: give the API user access to %s in FortiCloud IAM", v.clientID, serviceName(s))
		case ae.Refused:
			hint = "the API user name or password was refused: check " + userVars + " against IAM's \"Download Credentials\" file. " +
				"WARNING: FortiCloud locks the account after a few failed logins in a row, so doctor does not try these credentials again; fix them before the next run"
		case ae.Status == http.StatusTooManyRequests:
			hint = "the login service is rate limiting: wait a minute"
		case ae.Status >= 500:
			hint = "the login service failed: try again later"
		default:
			hint = "the login failed; check " + urlVar + " and the credentials"
		}
	case errors.As(err, &ue):
		plain := *ue
		plain.Hint = ""
		detail = plain.Error()
		hint = ue.Hint
		var inner *auth.Error
		if errors.As(ue.Err, &inner) {
			return explain(inner, cfg, s, acc)
		}
		switch {
		case ue.Status == http.StatusUnauthorized && ue.Code == "invalid_client" && s == config.FortiGateCloud:
			hint = "the API user has no Admin access to FortiGate Cloud (its token works, but FortiGate Cloud answers invalid_client): in FortiCloud IAM, give the API user the FortiGate Cloud portal with Access Type Admin"
		case ue.Status == 0 && (ue.Err != nil || errors.Is(err, context.DeadlineExceeded)):
			hint = fmt.Sprintf("could not reach %s at %s: check %s, the network, DNS and any proxy (HTTPS_PROXY)", serviceName(s), acc.BaseURL, v.url)
		case hint == "" && ue.Status == http.StatusNotFound:
			hint = fmt.Sprintf("%s answered 404: check that %s names the service's base URL", serviceName(s), v.url)
		case hint == "" && (ue.Status == http.StatusUnauthorized || ue.Status == http.StatusForbidden):
			hint = fmt.Sprintf("the service refused the API user: check its %s access in FortiCloud IAM", serviceName(s))
		case hint == "" && ue.Status >= 500:
			hint = serviceName(s) + " failed: try again later"
		}
	case errors.Is(err, context.DeadlineExceeded):
		detail = "no answer in time"
		hint = fmt.Sprintf("%s did not answer within --timeout: check %s, the network and any proxy", serviceName(s), v.url)
	default:
		detail = err.Error()
	}
	return detail, hint
}
