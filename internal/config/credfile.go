package config

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// CredentialsFileEnv is the variable of --credentials-file.
const CredentialsFileEnv = "FORTICLOUD_CREDENTIALS_FILE"

// ServiceClientIDs is the OAuth client_id each service signs in with (forticloud-api.md §1.4;
// FortiAnalyzer's is case-sensitive). A credentials file lists the client_ids of the portals its
// API user may use.
var ServiceClientIDs = map[string]string{
	FortiGateCloud: "fortigatecloud",
	FortiFlex:      "flexvm",
	FortiAnalyzer:  "FortiAnalyzer",
	SOCaaS:         "socaas",
}

// ClientID is one client_id a credentials file lists, e.g. from the line
// "clientId for FortiGate Cloud:fortigatecloud".
type ClientID struct {
	Portal string // as the file names it ("FortiGate Cloud"); empty when it names none
	ID     string // "fortigatecloud"
}

// Credentials file layouts (docs/configuration.md, "The credentials file"). IAM's "Download
// Credentials" gives a password-protected archive; unpacked, it holds a text file such as
// API_Credential_<apiId>_<date>.txt:
//
//	apiId:E8766032-7319-409F-902A-000000000001
//	password:0123456789abcdef0123456789abcdef!1Aa
//	clientId for FortiGate Cloud:fortigatecloud
//	clientId for FlexVM Cloud:flexvm
//
// (the layout of the file published with jpforcioli/github_howto_jsonrpc_api, one clientId line
// per portal). Fortinet's FortiFlex guide calls the file a CSV, so two CSV layouts are read too:
// the same key,value pairs one per row, and a header row naming the columns (apiId or username,
// password, clientId...) followed by the values.

// CredentialsFile is what a FortiCloud IAM credentials file holds.
type CredentialsFile struct {
	Username  string // the apiId
	Password  Secret
	ClientIDs []ClientID // in file order, without repeats
}

// HasClientID reports whether the file lists client_id id (regardless of case).
func (f CredentialsFile) HasClientID(id string) bool {
	return slices.ContainsFunc(f.ClientIDs, func(c ClientID) bool { return strings.EqualFold(c.ID, id) })
}

// IDs lists the client_ids alone.
func (f CredentialsFile) IDs() []string {
	ids := make([]string, len(f.ClientIDs))
	for i, c := range f.ClientIDs {
		ids[i] = c.ID
	}
	return ids
}

// ReadCredentialsFile reads and parses a credentials file. It warns (to log) when the file is
// accessible to group or others. Errors name the file and what is wrong, never a value from it.
func ReadCredentialsFile(path string, log *slog.Logger) (CredentialsFile, error) {
	data, err := readSmallFile(path, CredentialsFileEnv, log)
	if err != nil {
		return CredentialsFile{}, Problem{CredentialsFileEnv, err.Error()}
	}
	f, err := ParseCredentials(data)
	if err != nil {
		return CredentialsFile{}, Problem{CredentialsFileEnv, path + ": " + err.Error()}
	}
	return f, nil
}

// ParseCredentials parses the content of a credentials file (any layout above). Lines it does not
// know are ignored; a file without the API user's id or password is an error. Errors give line
// numbers and key names, never values.
func ParseCredentials(data []byte) (CredentialsFile, error) {
	text, err := credentialsText(data)
	if err != nil {
		return CredentialsFile{}, err
	}
	lines := strings.Split(text, "\n")
	for i := range lines {
		lines[i] = strings.TrimSuffix(lines[i], "\r")
	}
	p := credParser{}
	if h := findHeader(lines); h >= 0 {
		p.table(lines, h)
	} else {
		p.pairs(lines)
	}
	return p.result()
}

// credentialsText turns the file into text: UTF-16 (as Windows editors save "Unicode") is
// decoded, a UTF-8 byte order mark dropped; an archive or binary file is refused with a hint.
func credentialsText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return "", errors.New(`is a zip archive: "Download Credentials" gives a password-protected archive; unpack it (unzip or 7z, with the password you set when downloading) and name the .txt or .csv file inside`)
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		big := data[0] == 0xFE
		data = data[2:]
		u := make([]uint16, len(data)/2)
		for i := range u {
			if big {
				u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
			} else {
				u[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
			}
		}
		data = []byte(string(utf16.Decode(u)))
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if bytes.IndexByte(data, 0) >= 0 {
		return "", errors.New("is not a text file; name the unpacked .txt or .csv file that IAM's \"Download Credentials\" archive holds")
	}
	return string(data), nil
}

type keyKind int

const (
	keyOther keyKind = iota
	keyUser
	keyPassword
	keyClientID
)

// clientIDKey matches "clientId", "client_id", "Client ID for FortiGate Cloud"...; group 1 is the
// portal.
var clientIDKey = regexp.MustCompile(`(?i)^client[\s_-]*id(?:\s+for\b)?\s*(.*)$`)

// classify says what a key (or column header) names. Keys are compared without case, spaces,
// '_', '-' or '.'; a key holding other characters (quotes, brackets...) names nothing.
func classify(key string) (keyKind, string) {
	key = strings.TrimSpace(key)
	if m := clientIDKey.FindStringSubmatch(key); m != nil {
		return keyClientID, strings.TrimSpace(m[1])
	}
	var norm strings.Builder
	for _, r := range key {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			norm.WriteRune(r)
		case 'A' <= r && r <= 'Z':
			norm.WriteRune(r + 'a' - 'A')
		case r == ' ' || r == '_' || r == '-' || r == '.':
		default:
			return keyOther, ""
		}
	}
	switch norm.String() {
	case "apiid", "apiuserid", "apiuser", "apiusername", "username", "userid":
		return keyUser, ""
	case "password", "apipassword", "apiuserpassword":
		return keyPassword, ""
	}
	return keyOther, ""
}

// findHeader returns the index of the first line that is a CSV header naming both the user
// and the password column, or -1.
func findHeader(lines []string) int {
	for i, l := range lines {
		if !strings.Contains(l, ",") {
			continue
		}
		fields := csvFields(l)
		var user, pass bool
		for _, f := range fields {
			switch k, _ := classify(f); k {
			case keyUser:
				user = true
			case keyPassword:
				pass = true
			}
		}
		if user && pass {
			return i
		}
	}
	return -1
}

// csvFields splits one CSV line, leniently; nil when it is not CSV.
func csvFields(line string) []string {
	r := csv.NewReader(strings.NewReader(line))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	fields, err := r.Read()
	if err != nil {
		return nil
	}
	return fields
}

// credParser collects the values found, with their line numbers for error messages.
type credParser struct {
	user, pass         string
	userLine, passLine int
	userBad, passBad   bool // an error about the value was reported already
	ids                []ClientID
	seen               map[string]bool // lower-cased ids
	errs               []string
	more               int // errors past maxErrors
}

// maxErrors bounds the problems one message lists.
const maxErrors = 5

func (p *credParser) fail(format string, a ...any) {
	if len(p.errs) == maxErrors {
		p.more++
		return
	}
	p.errs = append(p.errs, fmt.Sprintf(format, a...))
}

// pairs reads "key:value" lines, or "key,value" (CSV) and "key<TAB>value" ones: whichever
// separator comes first on the line splits it, so a password holding ':' or ',' stays whole.
func (p *credParser) pairs(lines []string) {
	for n, line := range lines {
		i := strings.IndexAny(line, ":,\t")
		if i < 0 {
			continue
		}
		key, value := line[:i], line[i+1:]
		if line[i] == ',' {
			fields := csvFields(line)
			if len(fields) < 2 {
				continue
			}
			key, value = fields[0], ""
			for _, f := range fields[1:] {
				if strings.TrimSpace(f) == "" {
					continue
				}
				if value != "" {
					value = "" // several values: a table row, not a pair
					break
				}
				value = f
			}
			if value == "" {
				continue
			}
		}
		p.add(key, value, n+1)
	}
}

// table reads a header line and the rows under it.
func (p *credParser) table(lines []string, header int) {
	cols := csvFields(lines[header])
	kinds := make([]keyKind, len(cols))
	portals := make([]string, len(cols))
	for i, c := range cols {
		kinds[i], portals[i] = classify(c)
	}
	r := csv.NewReader(strings.NewReader(strings.Join(lines[header+1:], "\n")))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	for {
		row, err := r.Read()
		if err == io.EOF {
			return
		}
		line, _ := r.FieldPos(0)
		line += header + 1
		if err != nil {
			p.fail("line %d is not valid CSV", line)
			return
		}
		for i, v := range row {
			if i >= len(cols) || strings.TrimSpace(v) == "" {
				continue
			}
			switch kinds[i] {
			case keyUser:
				p.setUser(v, line)
			case keyPassword:
				p.setPass(v, line)
			case keyClientID:
				p.addIDs(portals[i], v)
			}
		}
	}
}

func (p *credParser) add(key, value string, line int) {
	kind, portal := classify(key)
	switch kind {
	case keyUser:
		p.setUser(value, line)
	case keyPassword:
		p.setPass(value, line)
	case keyClientID:
		p.addIDs(portal, value)
	}
}

func (p *credParser) setUser(v string, line int) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		p.userBad = true
		p.fail("line %d: the API user id is empty", line)
	case strings.IndexFunc(v, unicode.IsSpace) >= 0 || !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
		p.userBad = true
		p.fail("line %d: the API user id holds spaces or is not plain text", line)
	case p.userLine == 0:
		p.user, p.userLine = v, line
	case v != p.user:
		p.fail("lines %d and %d name different API users; keep one user per file", p.userLine, line)
	}
}

func (p *credParser) setPass(v string, line int) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		p.passBad = true
		p.fail("line %d: the password is empty", line)
	case !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
		p.passBad = true
		p.fail("line %d: the password is not plain text", line)
	case p.passLine == 0:
		p.pass, p.passLine = v, line
	case v != p.pass:
		p.fail("lines %d and %d hold different passwords; keep the one from the latest download (each download resets the password)", p.passLine, line)
	}
}

// addIDs records client_ids; a value may list several, separated by commas, semicolons or spaces.
func (p *credParser) addIDs(portal, value string) {
	for _, id := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ';' || r == '|' || unicode.IsSpace(r) }) {
		if !utf8.ValidString(id) || strings.ContainsFunc(id, unicode.IsControl) {
			continue
		}
		if key := strings.ToLower(id); !p.seen[key] {
			if p.seen == nil {
				p.seen = map[string]bool{}
			}
			p.seen[key] = true
			p.ids = append(p.ids, ClientID{Portal: portal, ID: id})
		}
	}
}

func (p *credParser) result() (CredentialsFile, error) {
	var missing []string
	if p.userLine == 0 && !p.userBad {
		missing = append(missing, `no API user id (an "apiId:" line, or an apiId or username column)`)
	}
	if p.passLine == 0 && !p.passBad {
		missing = append(missing, `no password (a "password:" line, or a password column)`)
	}
	if len(missing) > 0 {
		p.errs = slices.Insert(p.errs, 0, fmt.Sprintf("has %s; is it the unpacked file of IAM's \"Download Credentials\"?", strings.Join(missing, " and ")))
	}
	if p.more > 0 {
		p.errs = append(p.errs, fmt.Sprintf("and %d more problems", p.more))
	}
	if len(p.errs) > 0 {
		return CredentialsFile{}, errors.New(strings.Join(p.errs, "; "))
	}
	return CredentialsFile{Username: p.user, Password: Secret(p.pass), ClientIDs: p.ids}, nil
}
