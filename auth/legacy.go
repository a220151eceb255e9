package auth

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"

	"golang.org/x/oauth2"
)

// LegacyConfig is a FortiGate Cloud account login (forticloud-api.md §3.1, "legacy scheme"):
// POST <base>/forticloudapi/v1/auth with {"accountId","userName","password"}.
type LegacyConfig struct {
	BaseURL    string // where the login lives: https://www.forticloud.com per §3.1 [doc]
	AccountID  string
	UserName   string
	Password   string
	HTTPClient *http.Client
}

// NewLegacySource returns a cached token source using FortiGate Cloud's account login. The legacy
// scheme has no refresh grant, so renewal is a new login.
func NewLegacySource(cfg LegacyConfig, opts Options) *LegacySource {
	return &LegacySource{cachingSource: newCachingSource(&legacyGrantor{cfg: cfg}, opts)}
}

// LegacySource is a Source backed by FortiGate Cloud's account login.
type LegacySource struct{ *cachingSource }

type legacyGrantor struct{ cfg LegacyConfig }

func (g *legacyGrantor) account() string {
	return "legacy|" + g.cfg.BaseURL + "|" + g.cfg.AccountID + "|" + g.cfg.UserName
}

func (g *legacyGrantor) describe() string { return "FortiGate Cloud account login" }

func (g *legacyGrantor) refresh(context.Context, string) (*oauth2.Token, error) {
	return nil, errNoRefresh
}

// tokenBody is the documented token reply (§1.2), shared by the IAM and the legacy login.
type tokenBody struct {
	AccessToken      string `json:"access_token"`
	RefreshToken     string `json:"refresh_token"`
	TokenType        string `json:"token_type"`
	ExpiresIn        int64  `json:"expires_in"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Message          string `json:"message"`
}

func (g *legacyGrantor) login(ctx context.Context) (*oauth2.Token, error) {
	payload, _ := json.Marshal(map[string]string{"accountId": g.cfg.AccountID, "userName": g.cfg.UserName, "password": g.cfg.Password})
	url := strings.TrimRight(g.cfg.BaseURL, "/") + "/forticloudapi/v1/auth"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return nil, &Error{Issuer: g.describe(), Op: "account login", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := clientOrDefault(g.cfg.HTTPClient).Do(req)
	if err != nil {
		return nil, &Error{Issuer: g.describe(), Op: "account login", Err: err}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body tokenBody
	decodeErr := json.Unmarshal(raw, &body)
	if resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		e := &Error{Issuer: g.describe(), Op: "account login", Status: resp.StatusCode, Code: body.Error,
			Description: upstream.Clip(cmp.Or(body.ErrorDescription, body.Message), 200)}
		e.Refused = resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden
		if decodeErr != nil && resp.StatusCode == http.StatusOK {
			e.Err = fmt.Errorf("reply is not a token: %w", decodeErr)
		}
		return nil, e
	}
	tok := &oauth2.Token{AccessToken: body.AccessToken, TokenType: body.TokenType, RefreshToken: body.RefreshToken, ExpiresIn: body.ExpiresIn}
	return tok, nil
}

// clientOrDefault never follows redirects: a redirected POST would carry the password to
// whatever host the redirect names.
func clientOrDefault(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// expired is a time in the past that makes x/oauth2 treat a token as due for refresh.
var expired = time.Unix(1, 0)
