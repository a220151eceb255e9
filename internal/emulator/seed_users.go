package emulator

// Demo identities, present unless Options.NoDemoData. They are public by
// design: `forticloud-mcp serve --sandbox` prints them so a newcomer can log
// in without an account. Forms follow forticloud-api.md §1.1 (apiId is an
// upper-case UUID; the API password is 32 hex digits and "!1Aa", like the
// doc example) and §3.1 (numeric account id for the legacy login).

const (
	// DemoAPIUsername is the demo IAM API user: Admin on FortiGate Cloud,
	// Read/Write on FortiFlex and FortiAnalyzer, Read/Write on SOCaaS. It
	// belongs to account DemoFlexAccountID.
	DemoAPIUsername = "E8766032-7319-409F-8E3A-5B1C2D9F4A60"
	DemoAPIPassword = "3f9c1ad7e8b2406c5d1e7a9b0c4f2e68!1Aa"

	// DemoReadOnlyAPIUsername has only Read access to FortiGate Cloud, so
	// FortiGate Cloud refuses its valid tokens with 401 invalid_client
	// (forticloud-api.md §1.5 rule 4), and Read on FortiFlex, so FortiFlex
	// lets it list but not change anything (§1.5 rule 4). Same account.
	DemoReadOnlyAPIUsername = "7D2E9B41-0C6A-4F58-9B13-E4A7C2F08D35"
	DemoReadOnlyAPIPassword = "b71e04c9a2d35f86e0c4a1b9d7f2e3a5!1Aa"

	// DemoAccountID, DemoAccountUser and DemoAccountPassword are the
	// FortiGate Cloud account for the legacy POST /forticloudapi/v1/auth.
	DemoAccountID       = "1734285"
	DemoAccountUser     = "netops@example.com"
	DemoAccountPassword = "Fortin3t-Demo!2026"
)

func (e *Emulator) seedDemoUsers() {
	e.AddAPIUser(APIUser{
		Username: DemoAPIUsername,
		Password: DemoAPIPassword,
		Portals: map[string]string{
			"fortigatecloud": AccessAdmin,
			"flexvm":         AccessReadWrite,
			"FortiAnalyzer":  AccessReadWrite,
			"FortiManager":   AccessRead,
			"socaas":         AccessReadWrite,
		},
		AccountID: DemoFlexAccountID,
	})
	e.AddAPIUser(APIUser{
		Username: DemoReadOnlyAPIUsername,
		Password: DemoReadOnlyAPIPassword,
		Portals: map[string]string{
			"fortigatecloud": AccessRead,
			"flexvm":         AccessRead,
		},
		AccountID: DemoFlexAccountID,
	})
	e.AddLegacyAccount(DemoAccountID, DemoAccountUser, DemoAccountPassword)
}
