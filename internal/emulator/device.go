package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// GzipMode is how a device's FortiOS replies come back through the proxy.
// forticloud-api.md §3.3: "FortiOS 7.0 and later versions return Gzipped
// binary file responses by default" [doc]; a client must check
// Content-Encoding and also sniff 1f 8b [inf], so the fleet has both.
type GzipMode int

const (
	// GzipAuto: gzip with Content-Encoding on FortiOS 7.0 and later, plain before.
	GzipAuto GzipMode = iota
	// GzipWithHeader: gzip bytes with "Content-Encoding: gzip".
	GzipWithHeader
	// GzipWithoutHeader: gzip bytes and no Content-Encoding header.
	GzipWithoutHeader
	// GzipOff: plain JSON, as older firmware sends.
	GzipOff
)

func (m GzipMode) String() string {
	switch m {
	case GzipWithHeader:
		return "gzip+header"
	case GzipWithoutHeader:
		return "gzip-no-header"
	case GzipOff:
		return "plain"
	default:
		return "auto"
	}
}

// Device is one FortiGate as FortiGate Cloud lists it, plus the emulator's
// state behind the FortiOS proxy. The JSON fields and their order are the
// device list element of forticloud-api.md §3.2 (total is added by the list).
type Device struct {
	SN              string  `json:"sn"`
	Name            string  `json:"name"`
	TimeZone        float64 `json:"timeZone"`
	TunnelAlive     bool    `json:"tunnelAlive"`
	ContractEndTime int64   `json:"contractEndTime"`
	Model           string  `json:"model"`
	FirmwareVersion string  `json:"firmwareVersion"`
	Management      bool    `json:"management"`
	Initialized     bool    `json:"initialized"`
	SubAccountOID   int64   `json:"subAccountOid"`
	IP              string  `json:"ip"`
	Latitude        *string `json:"latitude"`
	Longitude       *string `json:"longitude"`
	Trial           bool    `json:"trial"`

	// Emulator state, not part of the device list.

	// OSVersion is the FortiOS version the device reports ("7.4.4");
	// empty means FirmwareVersion.
	OSVersion string `json:"-"`
	// Build is the FortiOS build number; 0 means the known build of OSVersion.
	Build int `json:"-"`
	// Hostname is the FortiOS hostname; empty means derived from Name.
	Hostname string `json:"-"`
	// VDOMs lists the device's VDOMs; empty means ["root"] (no-vdom mode).
	VDOMs []string `json:"-"`
	// Gzip is how proxied FortiOS replies are encoded.
	Gzip GzipMode `json:"-"`
	// LAN is the site's internal address block ("10.12.0.0/16"); empty
	// means one derived from the serial number.
	LAN string `json:"-"`
	// Tunnels are the device's IPsec tunnels (phase1-interface and
	// monitor/vpn/ipsec).
	Tunnels []VPNTunnel `json:"-"`
	// HAPeerSN is the serial of the HA secondary; empty for a standalone unit.
	HAPeerSN string `json:"-"`
	// FSSO marks sites with FSSO-authenticated users (monitor/user/firewall).
	FSSO bool `json:"-"`
}

// VPNTunnel is an IPsec phase-1 interface.
type VPNTunnel struct {
	Name   string    // phase1-interface name, e.g. "to-hq"
	Dialup bool      // a dial-up server (hub side): Peers are its connected clients
	Peers  []VPNPeer // the remote end; one for a site-to-site tunnel
	VDOM   string    // "" means the management VDOM
}

// VPNPeer is the far end of a tunnel.
type VPNPeer struct {
	Name    string // peer's name, for comments
	Gateway string // peer's public address
	Subnet  string // CIDR reachable through the tunnel
	// Down forces the tunnel down. Otherwise it is up while the peer (when it
	// is an emulated device) keeps its FortiGate Cloud tunnel alive.
	Down bool
}

// MarshalJSON writes the device as one element of the FortiGate Cloud
// device list, without total.
func (d Device) MarshalJSON() ([]byte, error) { return d.appendJSON(nil, -1), nil }

// appendJSON writes the §3.2 element; total < 0 leaves it out. timeZone is
// written with a decimal point ("-7.0") as the service does.
func (d Device) appendJSON(b []byte, total int) []byte {
	str := func(s string) []byte { return mustJSON(s) }
	nullable := func(p *string) []byte {
		if p == nil {
			return []byte("null")
		}
		return mustJSON(*p)
	}
	var buf bytes.Buffer
	buf.Write(b)
	fmt.Fprintf(&buf, `{"sn":%s,"name":%s,"timeZone":%s,"tunnelAlive":%t,"contractEndTime":%d,"model":%s,`+
		`"firmwareVersion":%s,"management":%t,"initialized":%t,"subAccountOid":%d,"ip":%s,"latitude":%s,"longitude":%s,`,
		str(d.SN), str(d.Name), formatTimeZone(d.TimeZone), d.TunnelAlive, d.ContractEndTime, str(d.Model),
		str(d.FirmwareVersion), d.Management, d.Initialized, d.SubAccountOID, str(d.IP), nullable(d.Latitude), nullable(d.Longitude))
	if total >= 0 {
		fmt.Fprintf(&buf, `"total":%d,`, total)
	}
	fmt.Fprintf(&buf, `"trial":%t}`, d.Trial)
	return buf.Bytes()
}

func formatTimeZone(tz float64) string {
	s := strconv.FormatFloat(tz, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// clone deep-copies the slices so a snapshot cannot alias live state.
func (d Device) clone() Device {
	d.VDOMs = slices.Clone(d.VDOMs)
	d.Tunnels = slices.Clone(d.Tunnels)
	for i := range d.Tunnels {
		d.Tunnels[i].Peers = slices.Clone(d.Tunnels[i].Peers)
	}
	if d.Latitude != nil {
		v := *d.Latitude
		d.Latitude = &v
	}
	if d.Longitude != nil {
		v := *d.Longitude
		d.Longitude = &v
	}
	return d
}

// osVersion returns the device's FortiOS version as "7.4.4".
func (d *Device) osVersion() string {
	if d.OSVersion != "" {
		return d.OSVersion
	}
	return d.FirmwareVersion
}

// versionAtLeast compares the device's FortiOS version with major.minor.
func (d *Device) versionAtLeast(major, minor int) bool {
	ma, mi, _ := splitVersion(d.osVersion())
	return ma > major || (ma == major && mi >= minor)
}

func splitVersion(v string) (major, minor, patch int) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	nums := [3]int{}
	for i := range parts {
		n, _ := strconv.Atoi(parts[i])
		nums[i] = n
	}
	return nums[0], nums[1], nums[2]
}

// gzipMode resolves GzipAuto against the firmware (forticloud-api.md §3.3).
func (d *Device) gzipMode() GzipMode {
	if d.Gzip != GzipAuto {
		return d.Gzip
	}
	if d.versionAtLeast(7, 0) {
		return GzipWithHeader
	}
	return GzipOff
}

// deviceState is one emulated device: identity and FortiOS state.
type deviceState struct {
	mu   sync.Mutex
	dev  Device
	spec modelSpec
	os   *fortiOS
}

// AddDevice adds a device to FortiGate Cloud, or replaces the device with the
// same serial number (which also resets its FortiOS configuration). Its
// FortiOS configuration and counters are generated from its identity, so the
// same Device always yields the same data.
func (e *Emulator) AddDevice(d Device) {
	d = d.clone()
	ds := newDeviceState(d)
	e.mu.Lock()
	defer e.mu.Unlock()
	if d.SN != "" {
		if old := e.bySN[d.SN]; old != nil {
			i := slices.Index(e.devices, old)
			e.devices[i] = ds
			e.bySN[d.SN] = ds
			return
		}
		e.bySN[d.SN] = ds
	}
	e.devices = append(e.devices, ds)
}

func newDeviceState(d Device) *deviceState {
	spec := specFor(d)
	if d.Build == 0 {
		d.Build = buildFor(d.osVersion(), d.SN)
	}
	if d.Hostname == "" {
		d.Hostname = d.Name
		if d.Hostname == "" {
			d.Hostname = "FortiGate-" + spec.number
		}
	}
	if len(d.VDOMs) == 0 {
		d.VDOMs = []string{"root"}
	}
	if d.LAN == "" {
		d.LAN = fmt.Sprintf("10.%d.0.0/16", 100+hash64("lan", d.SN)%150)
	}
	ds := &deviceState{dev: d, spec: spec}
	ds.os = newFortiOS(&ds.dev, spec)
	return ds
}

// Devices returns a snapshot of FortiGate Cloud's devices, in list order.
func (e *Emulator) Devices() []Device {
	e.mu.Lock()
	list := slices.Clone(e.devices)
	e.mu.Unlock()
	out := make([]Device, 0, len(list))
	for _, ds := range list {
		ds.mu.Lock()
		out = append(out, ds.dev.clone())
		ds.mu.Unlock()
	}
	return out
}

// SetTunnelAlive sets whether the device's management tunnel to FortiGate
// Cloud is up. The FortiOS proxy refuses devices whose tunnel is down
// (forticloud-api.md §3.3), and their VPN peers see the tunnels go down.
func (e *Emulator) SetTunnelAlive(sn string, alive bool) {
	if ds := e.device(sn); ds != nil {
		ds.mu.Lock()
		ds.dev.TunnelAlive = alive
		ds.mu.Unlock()
	}
}

// SetManagement sets the device's "management" flag.
func (e *Emulator) SetManagement(sn string, managed bool) {
	if ds := e.device(sn); ds != nil {
		ds.mu.Lock()
		ds.dev.Management = managed
		ds.mu.Unlock()
	}
}

func (e *Emulator) device(sn string) *deviceState {
	if sn == "" {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.bySN[sn]
}

// liveGateways maps each emulated device's public IP to whether its
// FortiGate Cloud tunnel is alive. The FortiOS proxy uses it to show VPN
// tunnels to offline peers as down. It takes each device lock in turn, so
// callers must not hold one.
func (e *Emulator) liveGateways() map[string]bool {
	e.mu.Lock()
	list := slices.Clone(e.devices)
	e.mu.Unlock()
	out := make(map[string]bool, len(list))
	for _, ds := range list {
		ds.mu.Lock()
		if ds.dev.IP != "" {
			out[ds.dev.IP] = ds.dev.TunnelAlive
		}
		ds.mu.Unlock()
	}
	return out
}

// modelSpec describes a FortiGate model: how it is named and what ports it has.
type modelSpec struct {
	model    string // device list "model", e.g. "FortiGate 60F"
	number   string // monitor/system/status model_number, e.g. "60F"
	platform string // model / platform-id, e.g. "FGT60F"
	prefix   string // serial number prefix
	wan      []string
	lan      string // the main internal interface
	lanType  string // "hard-switch" or "physical"
	dmz      string
	mgmt     string
	other    []string
	disk     bool // has a log disk
	cpus     int
	memMB    int64
	diskGB   int64
	vdomMax  int
	vm       bool
	sessions int64 // typical concurrent sessions at a busy hour
}

func ports(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, prefix+strconv.Itoa(i))
	}
	return out
}

// models lists the emulated FortiGate models. Port layouts follow the
// default configurations of these models in outline; serial prefixes and
// platform ids for the large and cloud models are [inf].
var models = map[string]modelSpec{
	"40F":      {model: "FortiGate 40F", number: "40F", platform: "FGT40F", prefix: "FGT40FTK", wan: []string{"wan"}, lan: "lan", lanType: "hard-switch", other: []string{"a"}, cpus: 4, memMB: 2048, vdomMax: 10, sessions: 4000},
	"60F":      {model: "FortiGate 60F", number: "60F", platform: "FGT60F", prefix: "FGT60FTK", wan: []string{"wan1", "wan2"}, lan: "internal", lanType: "hard-switch", dmz: "dmz", other: []string{"a", "b"}, cpus: 4, memMB: 2048, vdomMax: 10, sessions: 9000},
	"61F":      {model: "FortiGate 61F", number: "61F", platform: "FGT61F", prefix: "FGT61FTK", wan: []string{"wan1", "wan2"}, lan: "internal", lanType: "hard-switch", dmz: "dmz", other: []string{"a", "b"}, disk: true, diskGB: 128, cpus: 4, memMB: 2048, vdomMax: 10, sessions: 9000},
	"80F":      {model: "FortiGate 80F", number: "80F", platform: "FGT80F", prefix: "FGT80FTK", wan: []string{"wan1", "wan2"}, lan: "internal", lanType: "hard-switch", other: []string{"a", "b"}, cpus: 4, memMB: 4096, vdomMax: 10, sessions: 15000},
	"100F":     {model: "FortiGate 100F", number: "100F", platform: "FG100F", prefix: "FG100FTK", wan: []string{"wan1", "wan2"}, lan: "port1", lanType: "physical", dmz: "dmz", mgmt: "mgmt", other: append([]string{"ha1", "ha2"}, ports("port", 2, 8)...), cpus: 8, memMB: 8192, vdomMax: 10, sessions: 60000},
	"200F":     {model: "FortiGate 200F", number: "200F", platform: "FG200F", prefix: "FG200FTK", wan: []string{"wan1", "wan2"}, lan: "port1", lanType: "physical", dmz: "port2", mgmt: "mgmt", other: append([]string{"ha1", "ha2"}, ports("port", 3, 8)...), cpus: 8, memMB: 8192, vdomMax: 10, sessions: 150000},
	"400F":     {model: "FortiGate 400F", number: "400F", platform: "FG4H0F", prefix: "FG4H0FTB", wan: []string{"port1", "port2"}, lan: "port3", lanType: "physical", dmz: "port4", mgmt: "mgmt", other: append([]string{"ha1", "ha2"}, ports("port", 5, 8)...), cpus: 16, memMB: 16384, vdomMax: 10, sessions: 400000},
	"600E":     {model: "FortiGate 600E", number: "600E", platform: "FG6H0E", prefix: "FG6H0ETB", wan: []string{"port1", "port2"}, lan: "port3", lanType: "physical", dmz: "port4", mgmt: "mgmt1", other: append([]string{"mgmt2", "ha1", "ha2"}, ports("port", 5, 8)...), cpus: 8, memMB: 16384, vdomMax: 10, sessions: 500000},
	"1100E":    {model: "FortiGate 1100E", number: "1100E", platform: "FG1K1E", prefix: "FG1K1ETB", wan: []string{"port1", "port2"}, lan: "port3", lanType: "physical", dmz: "port4", mgmt: "mgmt1", other: append([]string{"mgmt2", "ha1", "ha2"}, ports("port", 5, 12)...), disk: true, diskGB: 480, cpus: 16, memMB: 32768, vdomMax: 10, sessions: 900000},
	"VM64":     {model: "FortiGate VM64", number: "VM64", platform: "FGVM64", prefix: "FGVM02TM", wan: []string{"port1"}, lan: "port2", lanType: "physical", dmz: "port3", other: []string{"port4"}, disk: true, diskGB: 30, cpus: 2, memMB: 4096, vdomMax: 10, vm: true, sessions: 30000},
	"VM64-KVM": {model: "FortiGate VM64-KVM", number: "VM64-KVM", platform: "FGVMK6", prefix: "FGVM04TM", wan: []string{"port1"}, lan: "port2", lanType: "physical", dmz: "port3", other: []string{"port4"}, disk: true, diskGB: 30, cpus: 4, memMB: 8192, vdomMax: 10, vm: true, sessions: 60000},
	"VM64-AWS": {model: "FortiGate VM64-AWS", number: "VM64-AWS", platform: "FGVMAW", prefix: "FGVM04TM", wan: []string{"port1"}, lan: "port2", lanType: "physical", disk: true, diskGB: 30, cpus: 4, memMB: 16384, vdomMax: 10, vm: true, sessions: 80000},
}

// specFor finds the model of a device: by its "model" string, then by its
// serial prefix, else a 60F layout (the commonest branch unit).
func specFor(d Device) modelSpec {
	for _, s := range models {
		if strings.EqualFold(d.Model, s.model) || strings.EqualFold(d.Model, s.number) {
			return s
		}
	}
	// Sorted keys keep the choice stable where models share a prefix
	// (FGVM04TM: VM64-AWS and VM64-KVM).
	keys := make([]string, 0, len(models))
	for k := range models {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if s := models[k]; d.SN != "" && strings.HasPrefix(d.SN, s.prefix) {
			return s
		}
	}
	return models["60F"]
}

// fortiOSBuilds maps FortiOS versions to build numbers. 7.4.4 (2662) and
// 7.4.5 (2702) are the reference's (fortios-and-faz-data.md §2.10); the rest
// are plausible, increasing build numbers for the demo [inf].
var fortiOSBuilds = map[string]int{
	"6.4.12": 2060, "6.4.13": 2092, "6.4.14": 2093, "6.4.15": 2095, "6.4.16": 2102,
	"7.0.13": 566, "7.0.14": 601, "7.0.15": 632, "7.0.16": 667, "7.0.17": 682,
	"7.2.8": 1639, "7.2.9": 1688, "7.2.10": 1706, "7.2.11": 1740, "7.2.12": 1761,
	"7.4.3": 2573, "7.4.4": 2662, "7.4.5": 2702, "7.4.6": 2726, "7.4.7": 2731, "7.4.8": 2795,
	"7.6.0": 3401, "7.6.1": 3462, "7.6.2": 3510, "7.6.3": 3645, "7.6.4": 3690,
}

func buildFor(version, sn string) int {
	if b, ok := fortiOSBuilds[strings.TrimPrefix(version, "v")]; ok {
		return b
	}
	return int(between(100, 3999, "build", version, sn))
}

// newerFirmware lists the images FortiGuard would offer a device: later
// patches of its branch and of the next branch, newest first.
func newerFirmware(version string) []string {
	ma, mi, pa := splitVersion(version)
	var out []string
	for v := range fortiOSBuilds {
		a, b, c := splitVersion(v)
		if a == ma && ((b == mi && c > pa) || b == mi+2) {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a1, b1, c1 := splitVersion(out[i])
		a2, b2, c2 := splitVersion(out[j])
		if a1 != a2 {
			return a1 > a2
		}
		if b1 != b2 {
			return b1 > b2
		}
		return c1 > c2
	})
	return out
}

// bootTime is when the device last booted: a fixed time before refEpoch.
func (d *Device) bootTime() time.Time {
	return refEpoch.Add(-time.Duration(between(3*24, 200*24, "boot", d.SN)) * time.Hour)
}

var _ json.Marshaler = Device{}
