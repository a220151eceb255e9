package config

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func valid() Config {
	return Config{
		Credentials:     Credentials{Username: "E8766032-7319-409F-8E3A-000000000001", Password: "pw", AuthURL: DefaultAuthURL},
		FortiGateCloud:  FortiGateCloudConfig{Region: "global"},
		Flex:            FlexConfig{URL: DefaultFlexURL},
		SOCaaS:          SOCaaSConfig{URL: DefaultSOCaaSURL},
		Toolsets:        []string{"all"},
		UpstreamTimeout: 30 * time.Second,
		MaxResultBytes:  65536,
	}
}

func TestValidateNamesTheVariable(t *testing.T) {
	cases := []struct {
		mutate func(*Config)
		want   []string
	}{
		{func(c *Config) { c.Password = "" }, []string{"FORTICLOUD_API_PASSWORD", "Download Credentials"}},
		{func(c *Config) { c.Username = "" }, []string{"FORTICLOUD_API_USERNAME"}},
		{func(c *Config) { c.FortiGateCloud.URL = "http://fgc.example.com" }, []string{"FORTIGATECLOUD_URL", "loopback", "https://"}},
		{func(c *Config) { c.AuthURL = "ftp://x" }, []string{"FORTICLOUD_AUTH_URL", "scheme"}},
		{func(c *Config) { c.SOCaaS.URL = "socaas.example.com" }, []string{"SOCAAS_URL", "absolute URL"}},
		{func(c *Config) { c.Analyzer.URL = "https://user:pw@faz.example.com" }, []string{"FORTIANALYZER_URL", "user information"}},
		{func(c *Config) { c.FortiGateCloud.Region = "mars" }, []string{"FORTIGATECLOUD_REGION", "global, us, eu, jp"}},
		{func(c *Config) { c.FortiGateCloud.AccountID = "123" }, []string{"FORTIGATECLOUD_ACCOUNT_ID", "1 of 3"}},
		{func(c *Config) { c.Toolsets = []string{"fortigatecloud", "fortinac"} }, []string{"FORTICLOUD_MCP_TOOLSETS", "fortinac"}},
		{func(c *Config) { c.Flex.Password = "x" }, []string{"FORTIFLEX_API_USERNAME"}},
		{func(c *Config) { c.MaxResultBytes = 10 }, []string{"FORTICLOUD_MCP_MAX_RESULT_BYTES"}},
		{func(c *Config) { c.ApprovalTTL = time.Second }, []string{"FORTICLOUD_MCP_APPROVAL_TTL", "10s and 24h"}},
		{func(c *Config) { c.ApprovalsListen = "0.0.0.0:9000" }, []string{"FORTICLOUD_MCP_APPROVALS_LISTEN", "loopback"}},
		{func(c *Config) { c.ApprovalsListen = "9000" }, []string{"FORTICLOUD_MCP_APPROVALS_LISTEN", "host:port"}},
	}
	for i, tc := range cases {
		c := valid()
		tc.mutate(&c)
		err := c.Validate()
		if err == nil {
			t.Errorf("case %d: accepted", i)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("case %d: %q lacks %q", i, err, w)
			}
		}
	}
	c := valid()
	c.FortiGateCloud.URL = "http://127.0.0.1:8443"
	c.Analyzer.URL = "http://localhost:9000"
	if err := c.Validate(); err != nil {
		t.Errorf("loopback http refused: %v", err)
	}
}

func TestAccessResolvesOverridesAndSaysWhyOff(t *testing.T) {
	c := valid()
	c.Flex.Username, c.Flex.Password = "FLEX-USER", "flexpw"
	if a := c.Access(FortiFlex); a.Username != "FLEX-USER" || a.Password != "flexpw" || !a.Enabled() {
		t.Errorf("flex override: %+v", a)
	}
	if a := c.Access(FortiGateCloud); a.BaseURL != "https://api.fortigate.forticloud.com" || a.AuthURL != DefaultAuthURL {
		t.Errorf("fgc: %+v", a)
	}
	c.FortiGateCloud.Region = "eu"
	if a := c.Access(FortiGateCloud); a.BaseURL != "https://euapi.fortigate.forticloud.com" {
		t.Errorf("eu: %s", a.BaseURL)
	}
	if a := c.Access(FortiAnalyzer); a.Enabled() || !strings.Contains(a.Why, "FORTIANALYZER_URL") {
		t.Errorf("faz should be off: %+v", a)
	}
	c.Username, c.Password = "", ""
	if a := c.Access(SOCaaS); a.Enabled() {
		t.Errorf("socaas without credentials is on")
	}
	c.FortiGateCloud.AccountID, c.FortiGateCloud.AccountUser, c.FortiGateCloud.AccountPassword = "1", "u", "p"
	if a := c.Access(FortiGateCloud); !a.Enabled() || a.AccountID != "1" {
		t.Errorf("legacy login should enable FortiGate Cloud: %+v", a)
	}
}

func TestToolsetSelection(t *testing.T) {
	c := valid()
	c.Toolsets = []string{"FortiGateCloud", " socaas"}
	if !c.ToolsetEnabled(FortiGateCloud) || !c.ToolsetEnabled(SOCaaS) || c.ToolsetEnabled(FortiFlex) {
		t.Error("toolset selection wrong")
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := Secret("hunter2-very-secret")
	var buf strings.Builder
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "pw", s, "cfg", valid())
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "pw", s)
	j, _ := json.Marshal(struct{ P Secret }{s})
	out := buf.String() + fmt.Sprint(s) + fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s, s) + string(j)
	if strings.Contains(out, "hunter2") {
		t.Fatalf("secret printed: %s", out)
	}
	if s.Reveal() != "hunter2-very-secret" {
		t.Fatal("Reveal")
	}
}
