package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/forticloud-mcp/forticloud-mcp/internal/upstream"

	"golang.org/x/oauth2"
)

// IAMConfig names one (API user, client_id) pair at the FortiCloud IAM.
type IAMConfig struct {
	// BaseURL is the IAM base, e.g. https://customerapiauth.fortinet.com.
	BaseURL  string
	ClientID string // flexvm, fortigatecloud, FortiAnalyzer, socaas (forticloud-api.md §1.4)
	Username string
	Password string
	// HTTPClient makes the grant requests (timeouts, TLS). Default http.DefaultClient.
	HTTPClient *http.Client
}

// TokenPath is the IAM token endpoint. The trailing slash matters: without it the IAM answers
// 301 and the redirected request loses its body (forticloud-api.md §1.1).
const TokenPath = "/api/v1/oauth/token/"

// NewIAMSource returns a cached token source for one API user and client_id, built on x/oauth2:
// password grant and refresh grant, sent as form bodies with client_id in the body (the IAM accepts
// form and JSON bodies, §1.1).
func NewIAMSource(cfg IAMConfig, opts Options) *IAMSource {
	g := &iamGrantor{cfg: cfg, conf: &oauth2.Config{
		ClientID: cfg.ClientID,
		Endpoint: oauth2.Endpoint{TokenURL: strings.TrimRight(cfg.BaseURL, "/") + TokenPath, AuthStyle: oauth2.AuthStyleInParams},
	}}
	return &IAMSource{cachingSource: newCachingSource(g, opts)}
}

// IAMSource is a Source backed by the FortiCloud IAM.
type IAMSource struct{ *cachingSource }

type iamGrantor struct {
	cfg  IAMConfig
	conf *oauth2.Config
}

func (g *iamGrantor) account() string { return "iam|" + g.cfg.BaseURL + "|" + g.cfg.Username }

func (g *iamGrantor) describe() string { return "FortiCloud IAM (client_id " + g.cfg.ClientID + ")" }

func (g *iamGrantor) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, clientOrDefault(g.cfg.HTTPClient))
}

func (g *iamGrantor) login(ctx context.Context) (*oauth2.Token, error) {
	tok, err := g.conf.PasswordCredentialsToken(g.ctx(ctx), g.cfg.Username, g.cfg.Password)
	if err != nil {
		return nil, g.wrap("password grant", err)
	}
	return tok, nil
}

func (g *iamGrantor) refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	// An already-expired token makes x/oauth2 go straight to the refresh grant.
	tok, err := g.conf.TokenSource(g.ctx(ctx), &oauth2.Token{RefreshToken: refreshToken, Expiry: expired}).Token()
	if err != nil {
		return nil, g.wrap("refresh grant", err)
	}
	return tok, nil
}

// wrap turns x/oauth2's error into ours. RetrieveError.Error() would print the response body; we
// keep only the code, the description and the status.
func (g *iamGrantor) wrap(op string, err error) error {
	e := &Error{Issuer: g.describe(), Op: op}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil {
			e.Status = re.Response.StatusCode
		}
		e.Code, e.Description = re.ErrorCode, upstream.Clip(re.ErrorDescription, 200)
		// invalid_grant: wrong or locked credentials; invalid_client: unknown client_id (§1.3).
		e.Refused = e.Code == "invalid_grant" || e.Code == "invalid_client" || e.Status == http.StatusUnauthorized
		return e
	}
	e.Err = errors.Unwrap(err)
	if e.Err == nil {
		e.Err = err
	}
	return e
}
