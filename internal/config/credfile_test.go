package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

const (
	testUser = "E8766032-7319-409F-902A-000000000001"
	testPass = "7b6593822fc0000000000fb05d82ca3131!1Aa" // the shape of a real one: hex, then "!1Aa"
)

// The layouts ParseCredentials accepts (docs/configuration.md, "The credentials file").
var credentialsLayouts = []struct {
	name, content string
	ids           []string
}{
	{
		// The file of jpforcioli/github_howto_jsonrpc_api (datas/API_Credential_<apiId>_<date>.txt),
		// values replaced: no space after the colons, no final newline.
		name:    "IAM text file",
		content: "apiId:" + testUser + "\npassword:" + testPass + "\nclientId for FortiManager Cloud Cloud:FortiManager",
		ids:     []string{"FortiManager"},
	},
	{
		name: "text file listing several portals, aligned",
		content: "apiId: " + testUser + "\npassword: " + testPass + "\n" +
			"clientId for FortiGate Cloud:      fortigatecloud\n" +
			"clientId for FortiAnalyzer Cloud:    FortiAnalyzer\n" +
			"clientId for FlexVM Cloud:   flexvm\n",
		ids: []string{"fortigatecloud", "FortiAnalyzer", "flexvm"},
	},
	{
		name:    "Windows line ends and byte order mark, extra lines",
		content: "\uFEFFFortiCloud API user credentials\r\nDate: 12/10/2021 10:00:00\r\napiId:" + testUser + "\r\npassword:" + testPass + "\r\nclientId for SOCaaS Cloud:socaas\r\n\r\n",
		ids:     []string{"socaas"},
	},
	{
		name:    "CSV, one key,value pair a row",
		content: "apiId," + testUser + "\npassword,\"" + testPass + "\"\nclientId for FortiGate Cloud,fortigatecloud,,\n",
		ids:     []string{"fortigatecloud"},
	},
	{
		name:    "CSV with a header row",
		content: "API ID,Password,Client ID,Description\r\n" + testUser + "," + testPass + ",flexvm,mcp server\r\n",
		ids:     []string{"flexvm"},
	},
	{
		name:    "CSV with a header row and a column per portal",
		content: "username,password,clientId for FortiGate Cloud,clientId for FlexVM Cloud\n" + testUser + "," + testPass + ",fortigatecloud,flexvm\n",
		ids:     []string{"fortigatecloud", "flexvm"},
	},
	{
		name:    "CSV with a header row and a row per portal",
		content: "apiId,password,clientId\n" + testUser + "," + testPass + ",fortigatecloud\n" + testUser + "," + testPass + ",socaas\n,,FortiAnalyzer\n",
		ids:     []string{"fortigatecloud", "socaas", "FortiAnalyzer"},
	},
	{
		name:    "tab-separated pairs",
		content: "apiId\t" + testUser + "\npassword\t" + testPass + "\n",
	},
}

func TestParseCredentialsLayouts(t *testing.T) {
	for _, tc := range credentialsLayouts {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseCredentials([]byte(tc.content))
			if err != nil {
				t.Fatal(err)
			}
			if f.Username != testUser || f.Password.Reveal() != testPass {
				t.Errorf("got user %q, password ok %v", f.Username, f.Password.Reveal() == testPass)
			}
			if got := f.IDs(); !slices.Equal(got, tc.ids) && len(got)+len(tc.ids) > 0 {
				t.Errorf("client ids %q, want %q", got, tc.ids)
			}
		})
	}
}

func TestParseCredentialsPortals(t *testing.T) {
	f, err := ParseCredentials([]byte(credentialsLayouts[1].content))
	if err != nil {
		t.Fatal(err)
	}
	want := []ClientID{{"FortiGate Cloud", "fortigatecloud"}, {"FortiAnalyzer Cloud", "FortiAnalyzer"}, {"FlexVM Cloud", "flexvm"}}
	if !slices.Equal(f.ClientIDs, want) {
		t.Errorf("got %+v", f.ClientIDs)
	}
	if !f.HasClientID("fortianalyzer") || f.HasClientID("socaas") {
		t.Error("HasClientID")
	}
}

func TestParseCredentialsUTF16(t *testing.T) {
	text := "apiId:" + testUser + "\r\npassword:" + testPass + "\r\n"
	for _, big := range []bool{false, true} {
		var b bytes.Buffer
		if big {
			b.Write([]byte{0xFE, 0xFF})
		} else {
			b.Write([]byte{0xFF, 0xFE})
		}
		for _, u := range utf16.Encode([]rune(text)) {
			if big {
				b.Write([]byte{byte(u >> 8), byte(u)})
			} else {
				b.Write([]byte{byte(u), byte(u >> 8)})
			}
		}
		f, err := ParseCredentials(b.Bytes())
		if err != nil || f.Username != testUser || f.Password.Reveal() != testPass {
			t.Errorf("big endian %v: %q, %v", big, f.Username, err)
		}
	}
}

// A password may hold the separators: the first separator on a line splits it.
func TestParseCredentialsSeparatorsInPassword(t *testing.T) {
	for _, pw := range []string{"ab:cd,ef", "a,b:c"} {
		f, err := ParseCredentials([]byte("apiId:" + testUser + "\npassword:" + pw + "\n"))
		if err != nil || f.Password.Reveal() != pw {
			t.Errorf("%q: got ok=%v, %v", pw, f.Password.Reveal() == pw, err)
		}
	}
	f, err := ParseCredentials([]byte("apiId," + testUser + "\npassword,\"x,y:z\"\n"))
	if err != nil || f.Password.Reveal() != "x,y:z" {
		t.Errorf("quoted CSV password: %v", err)
	}
}

func TestParseCredentialsErrors(t *testing.T) {
	cases := []struct {
		content string
		want    []string
	}{
		{"password:" + testPass + "\n", []string{"has no API user id", "apiId"}},
		{"apiId:" + testUser + "\nclientId for FortiGate Cloud:fortigatecloud\n", []string{"no password", `"password:" line`}},
		{"hello\nworld\n", []string{"API user id", "and no password", "Download Credentials"}},
		{"", []string{"API user id", "password"}},
		{"apiId:" + testUser + "\npassword:\n", []string{"line 2: the password is empty"}},
		{"apiId:\npassword:" + testPass + "\n", []string{"line 1: the API user id is empty"}},
		{"apiId:" + testUser + "\npassword:" + testPass + "\npassword:" + testPass + "X\n", []string{"lines 2 and 3 hold different passwords"}},
		{"apiId:" + testUser + "\napiId:E8766032-7319-409F-902A-000000000002\npassword:" + testPass + "\n", []string{"lines 1 and 2 name different API users"}},
		{"apiId:E876 6032\npassword:" + testPass + "\n", []string{"line 1: the API user id holds spaces"}},
		{"apiId:" + testUser + "\npassword:" + testPass + "\x01\n", []string{"line 2: the password is not plain text"}},
		{"PK\x03\x04\x14\x00\x01\x00" + testPass, []string{"zip archive", "unpack"}},
		{"apiId:" + testUser + "\x00\npassword:" + testPass, []string{"not a text file"}},
		{"apiId,password\n" + testUser + "," + testPass + "\nE8766032-7319-409F-902A-000000000002," + testPass + "\n", []string{"lines 2 and 3 name different API users"}},
		{"apiId,password\n" + testUser + ",\n", []string{"no password"}},
		{strings.Repeat("password:\n", 1000), []string{"has no API user id", "line 5: the password is empty; and 995 more problems"}},
	}
	for i, tc := range cases {
		_, err := ParseCredentials([]byte(tc.content))
		if err == nil {
			t.Errorf("case %d: accepted", i)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("case %d: %q lacks %q", i, err, w)
			}
		}
		if strings.Contains(err.Error(), "7b6593822") {
			t.Errorf("case %d: error shows the password: %q", i, err)
		}
	}
}

// Duplicated lines with the same value, and other keys holding "password", are fine.
func TestParseCredentialsLenient(t *testing.T) {
	content := "Password reset on: 2021-12-10\napiId:" + testUser + "\nAPI_USER_ID: " + testUser + "\n" +
		"\"password\": \"not this one\",\npassword:" + testPass + "\nhttps://customerapiauth.fortinet.com/api/v1/oauth/token/\n" +
		"clientId for FortiGate Cloud:fortigatecloud\nclient_id:FORTIGATECLOUD\nclientId:\n"
	f, err := ParseCredentials([]byte(content))
	if err != nil {
		t.Fatal(err)
	}
	if f.Username != testUser || f.Password.Reveal() != testPass || !slices.Equal(f.IDs(), []string{"fortigatecloud"}) {
		t.Errorf("got %q %v %q", f.Username, f.Password.Reveal() == testPass, f.IDs())
	}
}

func TestReadCredentialsFileErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.txt")
	_, err := ReadCredentialsFile(missing, nil)
	if err == nil || !strings.Contains(err.Error(), "FORTICLOUD_CREDENTIALS_FILE: "+missing+" does not exist") {
		t.Errorf("missing file: %v", err)
	}
	p := writeFile(t, dir, "creds.txt", "password:"+testPass+"\n", 0o600)
	_, err = ReadCredentialsFile(p, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "FORTICLOUD_CREDENTIALS_FILE: "+p+": has no API user id") || strings.Contains(err.Error(), testPass) {
		t.Errorf("no user: %v", err)
	}
	_, err = ReadCredentialsFile(dir, nil)
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	big := writeFile(t, dir, "big.txt", strings.Repeat("x", maxSecretFile+1), 0o600)
	if _, err = ReadCredentialsFile(big, nil); err == nil || !strings.Contains(err.Error(), "larger than 64 KiB") {
		t.Errorf("big file: %v", err)
	}
}

func writeFile(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // past the umask
		t.Fatal(err)
	}
	return p
}

// The largest file accepted parses quickly, however many client_ids it lists.
func TestParseCredentialsLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiId:" + testUser + "\npassword:" + testPass + "\nclientId:")
	for i := 0; b.Len() < maxSecretFile-16; i++ {
		fmt.Fprintf(&b, "c%d ", i)
	}
	start := time.Now()
	f, err := ParseCredentials([]byte(b.String()))
	if err != nil || len(f.ClientIDs) < 5000 {
		t.Fatalf("%d ids, %v", len(f.ClientIDs), err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}
