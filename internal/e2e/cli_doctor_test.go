package e2e

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
)

// doctorRow finds the report's row for a service and check; it fails the test if there is none.
func doctorRow(t *testing.T, out, service, check string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, service+" ") && strings.Contains(line, " "+check) {
			return line
		}
	}
	t.Fatalf("no %s / %s row in:\n%s", service, check, out)
	return ""
}

// doctorNoSecrets fails the test if doctor printed a token the emulator issued, a FortiAnalyzer
// session id or a password.
func doctorNoSecrets(t *testing.T, w *world, run cliRun, extra ...string) {
	t.Helper()
	set := &secretSet{}
	for _, tok := range w.em.IssuedTokens() {
		set.add("token", tok)
	}
	set.add("password", emulator.DemoAPIPassword)
	set.add("password", emulator.DemoReadOnlyAPIPassword)
	for _, s := range extra {
		set.add("secret", s)
	}
	sc := newScanner(set.all())
	if leaks := append(sc.scan("stdout", []byte(run.stdout)), sc.scan("stderr", []byte(run.stderr))...); len(leaks) > 0 {
		t.Errorf("doctor printed secrets: %v", leaks)
	}
}

// TestCLIDoctorSandbox: the self-test against the built-in emulator passes every check.
func TestCLIDoctorSandbox(t *testing.T) {
	run := runCLI(t, nil, "doctor", "--sandbox")
	if run.code != 0 || strings.Contains(run.stdout, "FAIL") || !strings.HasPrefix(run.stdout, "SERVICE ") {
		t.Fatalf("exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
	}
	for _, c := range [][2]string{{"FortiGate Cloud", "list devices (limit 1)"}, {"FortiFlex", "list programs"},
		{"FortiAnalyzer Cloud", "login + get sys/status"}, {"FortiAnalyzer Cloud", "logout"}, {"SOCaaS", "list alerts (last 24 h)"}} {
		if row := doctorRow(t, run.stdout, c[0], c[1]); !strings.Contains(row, " ok: ") {
			t.Errorf("%s", row)
		}
	}
}

// TestCLIDoctorChecksEveryService: against a configured emulator, doctor grants one token per
// client_id, makes one read per service, logs FortiAnalyzer out, says where the credentials come
// from, and prints no token, password or session id.
func TestCLIDoctorChecksEveryService(t *testing.T) {
	w := newWorld(t)
	faz := newFAZRecorder(t, w.url)
	run := runCLI(t, w.env("FORTIANALYZER_URL="+faz.url), "doctor")
	if run.code != 0 || !strings.Contains(run.stderr, "every check passed") {
		t.Fatalf("exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
	}
	for _, id := range []string{"fortigatecloud", "flexvm", "FortiAnalyzer", "socaas"} {
		if n := w.em.PasswordGrants(id); n != 1 {
			t.Errorf("%d password grants for %s, want 1", n, id)
		}
	}
	if n := w.em.FAZActiveSessions(); n != 0 || w.em.FAZLogouts() != 1 {
		t.Errorf("FortiAnalyzer: %d sessions left open, %d logouts", n, w.em.FAZLogouts())
	}
	if row := doctorRow(t, run.stdout, "FortiFlex", "credentials"); !strings.Contains(row, "user from FORTICLOUD_API_USERNAME, password from FORTICLOUD_API_PASSWORD") ||
		strings.Contains(row, emulator.DemoAPIUsername) {
		t.Errorf("credentials row: %s", row)
	}
	if len(faz.sessionIDs()) != 1 {
		t.Fatalf("FortiAnalyzer sessions opened: %d", len(faz.sessionIDs()))
	}
	doctorNoSecrets(t, w, run, faz.sessionIDs()...)
}

// TestCLIDoctorSaysWhereCredentialsComeFrom: a password from a *_FILE variable, and the API user
// of --credentials-file with a warning for a portal the file does not list.
func TestCLIDoctorSaysWhereCredentialsComeFrom(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte(emulator.DemoAPIPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := slices.DeleteFunc(w.env("FORTICLOUD_MCP_TOOLSETS=fortiflex,socaas"), func(kv string) bool { return strings.HasPrefix(kv, "FORTICLOUD_API_PASSWORD=") })
	run := runCLI(t, append(env, "FORTICLOUD_API_PASSWORD_FILE="+pw), "doctor")
	if row := doctorRow(t, run.stdout, "FortiFlex", "credentials"); run.code != 0 || !strings.Contains(row, "password from the file in FORTICLOUD_API_PASSWORD_FILE") {
		t.Errorf("exit %d: %s\n%s", run.code, row, run.stderr)
	}
	doctorNoSecrets(t, w, run)

	cred := filepath.Join(dir, "API_Credential.txt")
	body := "apiId:" + emulator.DemoAPIUsername + "\npassword:" + emulator.DemoAPIPassword + "\nclientId for FlexVM Cloud:flexvm\n"
	if err := os.WriteFile(cred, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "FORTICLOUD_API_USERNAME=") })
	run = runCLI(t, env, "doctor", "--credentials-file", cred)
	if row := doctorRow(t, run.stdout, "FortiFlex", "credentials"); run.code != 0 || !strings.Contains(row, "ok: shared IAM API user E8766032… (user and password from --credentials-file "+cred+")") {
		t.Errorf("exit %d: %s\n%s", run.code, row, run.stderr)
	}
	if row := doctorRow(t, run.stdout, "SOCaaS", "credentials"); !strings.Contains(row, "warn: ") || !strings.Contains(row, `lists no client_id "socaas"`) {
		t.Errorf("the file lists no socaas client_id: %s", row)
	}
	doctorNoSecrets(t, w, run)
}

// TestCLIDoctorExplainsMisconfiguration: each usual mistake gets a failed check, a hint that says
// what to do, exit code 2, and no secret in the output.
func TestCLIDoctorExplainsMisconfiguration(t *testing.T) {
	closed := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr
	}()

	t.Run("wrong password", func(t *testing.T) {
		w := newWorld(t)
		env := slices.DeleteFunc(w.env(), func(kv string) bool { return strings.HasPrefix(kv, "FORTICLOUD_API_PASSWORD=") })
		run := runCLI(t, append(env, "FORTICLOUD_API_PASSWORD=not-the-password"), "doctor")
		row := doctorRow(t, run.stdout, "FortiGate Cloud", "token (client_id fortigatecloud)")
		if run.code != 2 || !strings.Contains(row, "FAIL") || !strings.Contains(row, "invalid_grant") || !strings.Contains(row, "locks the account") {
			t.Errorf("exit %d: %s", run.code, row)
		}
		if row := doctorRow(t, run.stdout, "FortiFlex", "token"); !strings.Contains(row, "skipped") || !strings.Contains(row, "not tried again") {
			t.Errorf("the other services must not try the refused password: %s", row)
		}
		grants := 0
		for _, r := range w.em.Requests() {
			if r.Service == "iam" {
				grants++
			}
		}
		if grants != 1 {
			t.Errorf("%d requests to the IAM with a wrong password, want 1", grants)
		}
		doctorNoSecrets(t, w, run, "not-the-password")
	})

	t.Run("locked out", func(t *testing.T) {
		w := newWorld(t)
		w.em.LockOut(emulator.DemoAPIUsername)
		run := runCLI(t, w.env("FORTICLOUD_MCP_TOOLSETS=fortiflex"), "doctor")
		if row := doctorRow(t, run.stdout, "FortiFlex", "token"); run.code != 2 || !strings.Contains(row, "LOCKED") || !strings.Contains(row, "15-30 minutes") {
			t.Errorf("exit %d: %s", run.code, row)
		}
		doctorNoSecrets(t, w, run)
	})

	t.Run("no FortiGate Cloud Admin", func(t *testing.T) {
		w := newWorld(t)
		env := slices.DeleteFunc(w.env(), func(kv string) bool { return strings.HasPrefix(kv, "FORTICLOUD_API_") })
		env = append(env, "FORTICLOUD_API_USERNAME="+emulator.DemoReadOnlyAPIUsername, "FORTICLOUD_API_PASSWORD="+emulator.DemoReadOnlyAPIPassword,
			"FORTICLOUD_MCP_TOOLSETS=fortigatecloud,fortiflex")
		run := runCLI(t, env, "doctor")
		if row := doctorRow(t, run.stdout, "FortiGate Cloud", "token"); !strings.Contains(row, " ok: granted") {
			t.Errorf("the token itself is granted: %s", row)
		}
		row := doctorRow(t, run.stdout, "FortiGate Cloud", "list devices")
		if run.code != 2 || !strings.Contains(row, "invalid_client") || !strings.Contains(row, "no Admin access to FortiGate Cloud") || !strings.Contains(row, "Access Type Admin") {
			t.Errorf("exit %d: %s", run.code, row)
		}
		if row := doctorRow(t, run.stdout, "FortiFlex", "list programs"); !strings.Contains(row, " ok: ") {
			t.Errorf("FortiFlex works for this user: %s", row)
		}
		doctorNoSecrets(t, w, run)
	})

	t.Run("unreachable service", func(t *testing.T) {
		w := newWorld(t)
		run := runCLI(t, w.env("FORTIFLEX_URL="+closed, "FORTICLOUD_MCP_TOOLSETS=fortiflex,socaas"), "doctor")
		row := doctorRow(t, run.stdout, "FortiFlex", "list programs")
		if run.code != 2 || !strings.Contains(row, "connection refused") || !strings.Contains(row, "could not reach FortiFlex") || !strings.Contains(row, "FORTIFLEX_URL") {
			t.Errorf("exit %d: %s", run.code, row)
		}
		if row := doctorRow(t, run.stdout, "SOCaaS", "list alerts"); !strings.Contains(row, " ok: ") {
			t.Errorf("SOCaaS is reachable: %s", row)
		}
	})

	t.Run("unreachable IAM", func(t *testing.T) {
		w := newWorld(t)
		run := runCLI(t, w.env("FORTICLOUD_AUTH_URL="+closed, "FORTICLOUD_MCP_TOOLSETS=socaas"), "doctor")
		if row := doctorRow(t, run.stdout, "SOCaaS", "token"); run.code != 2 || !strings.Contains(row, "could not reach the login service") || !strings.Contains(row, "FORTICLOUD_AUTH_URL") {
			t.Errorf("exit %d: %s", run.code, row)
		}
	})

	t.Run("service failing", func(t *testing.T) {
		w := newWorld(t)
		w.em.InjectFault(emulator.Fault{Service: "socaas", Status: 503})
		run := runCLI(t, w.env("FORTICLOUD_MCP_TOOLSETS=socaas"), "doctor", "--timeout", "10s")
		if row := doctorRow(t, run.stdout, "SOCaaS", "list alerts"); run.code != 2 || !strings.Contains(row, "HTTP 503") || !strings.Contains(row, "try again later") {
			t.Errorf("exit %d: %s", run.code, row)
		}
	})

	t.Run("invalid and missing configuration", func(t *testing.T) {
		run := runCLI(t, []string{"FORTIFLEX_URL=http://flex.example.com", "FORTICLOUD_API_USERNAME=someone"}, "doctor")
		// Every problem is named, whether the command line's own check or doctor's table says it.
		if all := run.stdout + run.stderr; run.code != 1 || !strings.Contains(all, "FORTIFLEX_URL: http:// is accepted only for loopback") ||
			!strings.Contains(all, "FORTICLOUD_API_PASSWORD: is empty") {
			t.Errorf("invalid configuration: exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
		}
		run = runCLI(t, nil, "doctor")
		if run.code != 1 || !strings.Contains(run.stderr, "no service is configured") || !strings.Contains(run.stdout, "FORTIANALYZER_URL is not set") {
			t.Errorf("nothing configured: exit %d\n%s\n%s", run.code, run.stdout, run.stderr)
		}
	})
}
