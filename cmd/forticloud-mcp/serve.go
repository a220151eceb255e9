package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/config"
	"github.com/forticloud-mcp/forticloud-mcp/internal/emulator"
	"github.com/forticloud-mcp/forticloud-mcp/internal/mcpserver"
)

type httpFlags struct {
	HTTP                     string   `name:"http" env:"FORTICLOUD_MCP_HTTP" placeholder:"HOST:PORT" help:"Serve streamable HTTP at http://HOST:PORT/mcp instead of stdio (e.g. 127.0.0.1:8080)." group:"HTTP transport"`
	HTTPToken                string   `name:"http-token" env:"FORTICLOUD_MCP_HTTP_TOKEN" help:"Bearer token HTTP callers must send; never forwarded upstream." group:"HTTP transport"`
	HTTPAllowedOrigins       []string `name:"http-allowed-origins" env:"FORTICLOUD_MCP_HTTP_ALLOWED_ORIGINS" sep:"," help:"Browser origins allowed to call /mcp (exact, e.g. http://localhost:6274); other Origin headers get 403." group:"HTTP transport"`
	HTTPAllowUnauthenticated bool     `name:"http-allow-unauthenticated" help:"Allow a non-loopback --http address without --http-token (only behind a proxy that authenticates)." group:"HTTP transport"`
	HTTPStateless            bool     `name:"http-stateless" env:"FORTICLOUD_MCP_HTTP_STATELESS" help:"Keep no session state between requests (for load balancers)." group:"HTTP transport"`
	HTTPMaxBody              int64    `name:"http-max-body" env:"FORTICLOUD_MCP_HTTP_MAX_BODY" default:"4194304" help:"Largest request body accepted (bytes)." group:"HTTP transport"`
	HTTPRateLimit            float64  `name:"http-rate-limit" env:"FORTICLOUD_MCP_HTTP_RATE_LIMIT" default:"50" help:"Requests per second one caller may send to /mcp (the caller token, or the remote IP without one); over it: 429 with Retry-After. 0 disables." group:"HTTP transport"`
	MetricsToken             string   `name:"metrics-token" env:"FORTICLOUD_MCP_METRICS_TOKEN" help:"Bearer token that opens /metrics (and nothing else), for a Prometheus scraper; /metrics also accepts --http-token." group:"HTTP transport"`
	MetricsListen            string   `name:"metrics-listen" env:"FORTICLOUD_MCP_METRICS_LISTEN" placeholder:"HOST:PORT" help:"Also serve /metrics, /healthz and /readyz on this address (any transport; e.g. 127.0.0.1:9464 for stdio mode)." group:"HTTP transport"`
	HTTPRateBurst            int      `name:"http-rate-burst" env:"FORTICLOUD_MCP_HTTP_RATE_BURST" default:"100" help:"Requests one caller may send at once before --http-rate-limit applies." group:"HTTP transport"`
}

type serveCmd struct {
	config.Config `embed:""`
	httpFlags     `embed:""`
	logFlags      `embed:""`
	Sandbox       bool `name:"sandbox" help:"Run against the built-in FortiCloud emulator with demo data: no account needed."`
}

func (c *serveCmd) Run(ctx context.Context) error {
	logger := c.logger(os.Stderr)
	slog.SetDefault(logger)
	cfg := c.Config
	if c.Sandbox {
		sb, err := startSandbox(logger)
		if err != nil {
			return err
		}
		defer sb.Close()
		cfg = sb.configure(cfg)
		logger.Info("sandbox: every service points at the built-in FortiCloud emulator; nothing leaves this machine", "emulator", sb.base)
		logger.Info("sandbox: things to try", "prompt", "enrich_socaas_alert alert_id="+emulator.DemoSOCaaSAlertUUID,
			"faz_log_search", "filter=srcip=="+emulator.DemoFAZDeniedSrcIP+" and action==deny",
			"flex_create_vm", fmt.Sprintf("config_id=%d (a write: your client asks you, or it waits in the approvals console)", emulator.DemoFlexConfigFGTVM))
	}
	if err := validateConfig(&cfg); err != nil {
		return err
	}
	for _, w := range cfg.PortalWarnings() {
		logger.Warn(w.Message, "service", w.Service, "client_id", w.ClientID)
	}
	if c.HTTP != "" {
		if err := mcpserver.CheckBind(c.HTTP, c.HTTPToken, c.HTTPAllowUnauthenticated); err != nil {
			return err
		}
		if err := mcpserver.CheckRateLimit(c.HTTPRateLimit, c.HTTPRateBurst); err != nil {
			return err
		}
	}
	srv, err := mcpserver.New(&cfg, logger)
	if err != nil {
		return err
	}
	defer closeServer(srv, logger)
	if c.MetricsListen != "" {
		if _, err := srv.StartMetrics(ctx, c.MetricsListen, c.MetricsToken); err != nil {
			return err
		}
	}
	if c.HTTP == "" {
		if srv.ConsoleWanted() && cfg.ApprovalsListen != "off" {
			if _, err := srv.StartConsole(ctx, cfg.ApprovalsListen); err != nil {
				return err
			}
			if c.Sandbox {
				logger.Info("sandbox: for a console sign-in link run: forticloud-mcp approvals console --state-dir " + srv.StateDir)
			}
		}
		if c.Sandbox {
			logger.Info("sandbox: serving MCP on stdio; an MCP client starts this command itself, e.g. claude mcp add forticloud-sandbox -- forticloud-mcp serve --sandbox")
		}
		return srv.ServeStdio(ctx, os.Stdin, os.Stdout)
	}
	h := srv.HTTPHandler(mcpserver.HTTPOptions{Token: c.HTTPToken, AllowedOrigins: c.HTTPAllowedOrigins, MaxBodyBytes: c.HTTPMaxBody, Stateless: c.HTTPStateless,
		RateLimit: c.HTTPRateLimit, RateBurst: c.HTTPRateBurst, MetricsToken: c.MetricsToken})
	return mcpserver.ListenAndServe(ctx, c.HTTP, h, func(a net.Addr) {
		logger.Info("serving MCP over streamable HTTP", "url", "http://"+a.String()+mcpserver.EndpointPath, "caller_token", c.HTTPToken != "", "stateless", c.HTTPStateless)
		if srv.ConsoleWanted() {
			url := "http://" + consoleHost(a) + mcpserver.ConsolePath
			srv.AnnounceConsole(url)
			if c.Sandbox {
				// The sandbox is for trying things at a terminal: hand the person the sign-in link
				// directly (to the terminal, not the log). Its token lives in a temporary state
				// directory that goes away with the sandbox.
				fmt.Fprintf(os.Stderr, "\nsandbox: approvals console sign-in link: %slogin?token=%s\n\n", url, srv.ConsoleToken())
			}
		}
	})
}

// closeServer stops a server, waiting long enough for an approved write that is running to
// finish and be recorded.
func closeServer(srv *mcpserver.Server, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Close(ctx); err != nil {
		logger.Warn("closing upstream sessions", "error", err)
	}
}

// consoleHost is the address a person's browser reaches the console at: a wildcard listen
// address is reachable as loopback from this machine.
func consoleHost(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}

// sandboxConfig points every service at the emulator with its demo API user.
func sandboxConfig(cfg config.Config, base string) config.Config {
	cfg.AuthURL = base
	cfg.Username = emulator.DemoAPIUsername
	cfg.Password = config.Secret(emulator.DemoAPIPassword)
	cfg.FortiGateCloud.URL = base
	cfg.FortiGateCloud.LegacyAuthURL = base
	cfg.FortiGateCloud.Username, cfg.FortiGateCloud.Password = "", ""
	cfg.FortiGateCloud.AccountID, cfg.FortiGateCloud.AccountUser, cfg.FortiGateCloud.AccountPassword = "", "", ""
	cfg.Flex = config.FlexConfig{URL: base}
	cfg.Analyzer = config.AnalyzerConfig{URL: base}
	cfg.SOCaaS = config.SOCaaSConfig{URL: base}
	return cfg
}

// indent lays joined configuration errors out one per line.
func indent(err error) error {
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return err
	}
	msg := ""
	for i, e := range joined.Unwrap() {
		if i > 0 {
			msg += "\n  "
		}
		msg += e.Error()
	}
	return errors.New(msg)
}
