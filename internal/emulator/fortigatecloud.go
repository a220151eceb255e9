package emulator

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// FortiGate Cloud API (forticloud-api.md §3): base /forticloudapi/v1/,
// device inventory, the legacy account login, and (fortios.go) the FortiOS
// proxy.

const fgcBase = "/forticloudapi/v1/"

func (e *Emulator) serveFortiGateCloud(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if path == fgcBase+"auth" {
		e.fgcLegacyAuth(w, r)
		return
	}
	if !strings.HasPrefix(path, fgcBase) {
		notFoundPage(w) // outside the API the host serves its web app (§3.1)
		return
	}
	if _, ok := e.authorizeFGC(w, r); !ok {
		return
	}
	segs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(path, fgcBase), "/"), "/")
	switch {
	case len(segs) == 1 && segs[0] == "devices":
		switch r.Method {
		case http.MethodGet:
			e.fgcListDevices(w, r)
		case http.MethodPost:
			fgcNotEmulated(w)
		default:
			methodNotAllowed(w, "GET, POST")
		}
	case len(segs) == 2 && segs[0] == "devices":
		if r.Method != http.MethodGet {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		e.fgcGetDevice(w, segs[1])
	case len(segs) == 3 && segs[0] == "devices" && segs[2] == "management":
		if r.Method != http.MethodPut {
			methodNotAllowed(w, http.MethodPut)
			return
		}
		e.fgcSetManagement(w, r, segs[1])
	case len(segs) >= 3 && segs[0] == "devices" && (segs[2] == "reportschedules" || segs[2] == "configbackups"):
		fgcNotEmulated(w)
	default:
		writeJSON(w, http.StatusNotFound, oauthError{Error: "not_found", Description: "No such API endpoint."})
	}
}

// fgcNotEmulated answers the §3.2 endpoints the emulator does not model.
// 501 says so plainly rather than inventing a reply.
func fgcNotEmulated(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotImplemented, oauthError{Error: "not_implemented",
		Description: "This FortiGate Cloud endpoint is not emulated."})
}

// authorizeFGC checks the bearer token for FortiGate Cloud and writes the
// 401 itself when it fails.
//   - Missing, unknown, expired, superseded or revoked token, or a token
//     issued for another portal's client_id: 401 {"error":"invalid_token"}
//     [inf: the reference shows no body for this case].
//   - A valid IAM token whose user lacks FortiGate Cloud Admin: 401
//     {"error":"invalid_client"} (forticloud-api.md §1.5 rule 4, §3.2).
//
// Tokens from the legacy /auth login carry account rights and pass.
func (e *Emulator) authorizeFGC(w http.ResponseWriter, r *http.Request) (caller, bool) {
	c, ok := e.callerFor(r)
	if !ok || c.clientID != "fortigatecloud" {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, oauthError{Error: "invalid_token"})
		return caller{}, false
	}
	if c.legacy {
		_, userName, _ := strings.Cut(c.user, "/") // grants key legacy logins by "account/user"
		noteCaller(r, "", userName)
		return c, true
	}
	noteCaller(r, c.clientID, c.user)
	if e.portalAccess(c.user, "fortigatecloud") != AccessAdmin {
		writeJSON(w, http.StatusUnauthorized, oauthError{Error: "invalid_client"})
		return caller{}, false
	}
	return c, true
}

// fgcLegacyAuth is POST /forticloudapi/v1/auth {"accountId","userName",
// "password"}; it returns the §1.2 token body (forticloud-api.md §3.1, and
// fortinet-docs/fortigate-cloud-api-access.txt).
func (e *Emulator) fgcLegacyAuth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, http.MethodPost)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOAuthBody))
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Request body too large")
		return
	}
	var req struct {
		AccountID any    `json:"accountId"`
		UserName  string `json:"userName"`
		Password  string `json:"password"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", descNotJSON)
		return
	}
	// accountId is numeric; accept it as a JSON number or string [inf].
	account, _ := toStr(req.AccountID)
	noteCaller(r, "", req.UserName)
	if account == "" || req.UserName == "" || req.Password == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "accountId, userName and password are required")
		return
	}
	now := e.clock.Now()
	lockKey := "legacy:" + account + "/" + req.UserName
	e.mu.Lock()
	want, known := e.legacy[legacyKey{account, req.UserName}]
	var g *grant
	var oerr *oauthRequestError
	switch {
	case !known:
		oerr = &oauthRequestError{http.StatusBadRequest, "invalid_grant", descBadCredentials}
	case e.lockedLocked(lockKey, now):
		// The same lock-out policy as the IAM (§1.5 rule 2) [inf].
		oerr = &oauthRequestError{http.StatusBadRequest, "invalid_grant",
			"Account is locked due to too many failed login attempts. Try again later."}
	case !secretEqual(want, req.Password):
		e.failLocked(lockKey, now)
		oerr = &oauthRequestError{http.StatusBadRequest, "invalid_grant", descBadCredentials}
	default:
		e.succeedLocked(lockKey)
		g = e.newGrantLocked(account+"/"+req.UserName, "fortigatecloud", true, now)
	}
	e.mu.Unlock()
	if oerr != nil {
		writeOAuthError(w, oerr.status, oerr.code, oerr.desc)
		return
	}
	e.rec.countLegacy()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, g.response())
}

// deviceSortKeys are the fields GET /devices?sort= accepts. The reference
// shows only sort=sn; the others are the list's own field names [inf].
var deviceSortKeys = map[string]func(a, b *Device) int{
	"sn":              func(a, b *Device) int { return strings.Compare(a.SN, b.SN) },
	"name":            func(a, b *Device) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) },
	"model":           func(a, b *Device) int { return strings.Compare(a.Model, b.Model) },
	"firmwareVersion": func(a, b *Device) int { return compareVersions(a.FirmwareVersion, b.FirmwareVersion) },
	"ip":              func(a, b *Device) int { return strings.Compare(a.IP, b.IP) },
	"timeZone":        func(a, b *Device) int { return cmp.Compare(a.TimeZone, b.TimeZone) },
	"contractEndTime": func(a, b *Device) int { return cmp.Compare(a.ContractEndTime, b.ContractEndTime) },
	"subAccountOid":   func(a, b *Device) int { return cmp.Compare(a.SubAccountOID, b.SubAccountOID) },
}

func compareVersions(a, b string) int {
	a1, a2, a3 := splitVersion(a)
	b1, b2, b3 := splitVersion(b)
	for _, d := range [][2]int{{a1, b1}, {a2, b2}, {a3, b3}} {
		if d[0] != d[1] {
			return cmp.Compare(int64(d[0]), int64(d[1]))
		}
	}
	return 0
}

var errBadParam = errors.New("bad parameter")

// nonNegative parses an optional non-negative integer query parameter.
func nonNegative(s string) (int, bool, error) {
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false, errBadParam
	}
	return n, true, nil
}

// fgcListDevices is GET /devices: a bare JSON array; every element repeats
// total, the number of devices before paging (forticloud-api.md §3.2; the
// reference reads total as the grand total [inf]).
func (e *Emulator) fgcListDevices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, hasLimit, err1 := nonNegative(q.Get("limit"))
	offset, _, err2 := nonNegative(q.Get("offset"))
	if err1 != nil || err2 != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{Error: "invalid_request",
			Description: "limit and offset must be non-negative integers."})
		return
	}
	devs := e.Devices()
	if s := q.Get("sort"); s != "" {
		cmp, ok := deviceSortKeys[s]
		if !ok {
			writeJSON(w, http.StatusBadRequest, oauthError{Error: "invalid_request", Description: "Unsupported sort field."})
			return
		}
		sort.SliceStable(devs, func(i, j int) bool { return cmp(&devs[i], &devs[j]) < 0 })
	}
	total := len(devs)
	if offset > len(devs) {
		offset = len(devs)
	}
	devs = devs[offset:]
	if hasLimit && limit < len(devs) {
		devs = devs[:limit]
	}
	buf := []byte{'['}
	for i, d := range devs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = d.appendJSON(buf, total)
	}
	buf = append(buf, ']')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf)
}

// fgcGetDevice is GET /devices/{sn}: one object (§3.2). The reference does
// not show whether it carries total; it does not here [inf].
func (e *Emulator) fgcGetDevice(w http.ResponseWriter, sn string) {
	ds := e.device(sn)
	if ds == nil {
		writeJSON(w, http.StatusNotFound, oauthError{Error: "not_found", Description: "Device not found."})
		return
	}
	ds.mu.Lock()
	b := ds.dev.appendJSON(nil, -1)
	ds.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// fgcSetManagement is PUT /devices/{sn}/management with
// {"management": true, "username", "password", "forcePasswordChange"} or
// {"management": false} (§3.2). The reply body is not documented: the
// updated device object [inf].
func (e *Emulator) fgcSetManagement(w http.ResponseWriter, r *http.Request, sn string) {
	ds := e.device(sn)
	if ds == nil {
		writeJSON(w, http.StatusNotFound, oauthError{Error: "not_found", Description: "Device not found."})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOAuthBody))
	var req map[string]any
	if err != nil || json.Unmarshal(body, &req) != nil {
		writeJSON(w, http.StatusBadRequest, oauthError{Error: "invalid_request", Description: descNotJSON})
		return
	}
	on, ok := req["management"].(bool)
	if !ok {
		writeJSON(w, http.StatusBadRequest, oauthError{Error: "invalid_request", Description: "management must be a boolean."})
		return
	}
	if on {
		// Enabling management hands FortiGate Cloud an admin login for the unit.
		user, _ := req["username"].(string)
		pass, _ := req["password"].(string)
		if user == "" || pass == "" {
			writeJSON(w, http.StatusBadRequest, oauthError{Error: "invalid_request",
				Description: "username and password are required to enable management."})
			return
		}
	}
	ds.mu.Lock()
	ds.dev.Management = on
	b := ds.dev.appendJSON(nil, -1)
	ds.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
