package fortiflex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Program is a FortiFlex program (forticloud-api.md §2.2, LAB105 screenshot).
type Program struct {
	SerialNumber       string `json:"serialNumber"`
	AccountID          Int    `json:"accountId"`
	StartDate          Time   `json:"startDate"`
	EndDate            Time   `json:"endDate"`
	HasSupportCoverage bool   `json:"hasSupportCoverage"`
}

// ProductType names a configuration's product (§2.4).
type ProductType struct {
	ID   Int    `json:"id"`
	Name string `json:"name"`
}

// Parameter is one configuration parameter. Values are strings on the wire, even numeric ones;
// a list-valued parameter repeats its id (§2.2).
type Parameter struct {
	ID    Int    `json:"id"`
	Name  string `json:"name,omitempty"`
	Value String `json:"value"`
}

// Config is a FortiFlex configuration (§2.2).
type Config struct {
	ID                  Int         `json:"id"`
	Name                string      `json:"name"`
	Status              string      `json:"status"`
	AccountID           Int         `json:"accountId"`
	ProgramSerialNumber string      `json:"programSerialNumber"`
	ProductType         ProductType `json:"productType"`
	Parameters          []Parameter `json:"parameters"`
}

// Entitlement is a FortiFlex entitlement (§2.2).
type Entitlement struct {
	SerialNumber string `json:"serialNumber"`
	ConfigID     Int    `json:"configId"`
	AccountID    Int    `json:"accountId"`
	Description  string `json:"description"`
	StartDate    Time   `json:"startDate"`
	EndDate      Time   `json:"endDate"`
	Status       string `json:"status"`
	Token        string `json:"token"`
	TokenStatus  string `json:"tokenStatus"`
}

// Points is an entitlement's point consumption over a period.
type Points struct {
	SerialNumber string  `json:"serialNumber"`
	Points       float64 `json:"points"`
	AccountID    Int     `json:"accountId"`
}

// Group is a FortiFlex folder with token counts.
type Group struct {
	AccountID       Int    `json:"accountId"`
	FolderPath      string `json:"folderPath"`
	AvailableTokens int    `json:"availableTokens"`
	UsedTokens      int    `json:"usedTokens"`
}

// VM product types (§2.4): vm/create accepts only these.
var vmProductTypes = map[int64]string{1: "FGT_VM_BUNDLE", 2: "FMG_VM", 3: "FWB_VM", 4: "FGT_VM_LCS", 5: "FC_EMS_OP", 7: "FAZ_VM", 8: "FPC_VM", 9: "FAD_VM", 10: "FORTISOAR_VM", 11: "FORTIMAIL_VM", 12: "FORTINAC_VM"}

// IsVMProduct reports whether a product type id is a VM product.
func IsVMProduct(id int64) bool { _, ok := vmProductTypes[id]; return ok }

// parameterNames maps parameter ids to names for messages: the service names parameters by
// number ("Parameter id 1 ..."), and both Fortinet SDKs rewrite that to a name (§2.1).
var parameterNames = map[int]string{1: "CPU", 2: "service package", 10: "VDOM", 43: "FortiGuard services", 44: "cloud services", 45: "support service",
	21: "daily storage (GB)", 22: "ADOMs", 23: "support service", 58: "addons", 30: "devices", 9: "ADOMs"}

// ParameterName returns a readable name for a parameter id.
func ParameterName(id int) string {
	if n, ok := parameterNames[id]; ok {
		return n
	}
	return "parameter " + strconv.Itoa(id)
}

// Int accepts a JSON number or a numeric string (Postman sends configId as "000", §2.3).
type Int int64

func (i *Int) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*i = 0
		return nil
	}
	s := strings.Trim(string(b), `"`)
	if s == "" {
		*i = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) {
			return fmt.Errorf("fortiflex: %q is not an integer", s)
		}
		n = int64(f)
	}
	*i = Int(n)
	return nil
}

// String accepts a JSON string, number or boolean (parameter values are strings, but a client
// must not break on a number, §2.1).
type String string

func (s *String) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = String(v)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		*s = ""
		return nil
	}
	*s = String(b)
	return nil
}

// Time accepts the date forms the reference lists (§2.1): "2026-05-10T00:00:00",
// "2021-05-15 00:00:00", "2025-08-06T10:36:29.723", "2025-08-07T15:04:32.6531463-07:00",
// "2025-08-09". Values without an offset are taken as UTC [inf: the service does not say].
type Time struct{ time.Time }

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02",
}

// ParseTime parses a FortiFlex date.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("fortiflex: %q is not a date FortiFlex uses", s)
}

func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("fortiflex: date: %w", err)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	v, err := ParseTime(s)
	if err != nil {
		return err
	}
	t.Time = v
	return nil
}

// MarshalJSON writes RFC 3339, or null for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(time.RFC3339) + `"`), nil
}
