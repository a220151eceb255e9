package emulator

import (
	"fmt"
	"strings"
)

// The demo fleet: a retail group with a Paris HQ (HA pair, VPN hub), a
// Frankfurt data centre (multi-VDOM, VPN hub), a New York regional HQ (hub
// for the Americas), a cloud FortiGate, European offices and branches, French
// stores, US and APAC branches, two lab VMs and one unit not yet registered.
//
// Everything is fixed: serial numbers, addresses and LAN blocks come from the
// row's position, so the fleet is the same on every run. Field forms follow
// forticloud-api.md §3.2 (model "FortiGate 60F", firmwareVersion "7.2.8",
// timeZone as a number, latitude/longitude as strings or null).

// fleetRow is one device. flags is a space-separated list of:
//
//	ha        HA pair (the secondary appears only in monitor/system/ha-*)
//	fsso      FSSO-authenticated users on the LAN
//	down      FortiGate Cloud tunnel down (the proxy refuses it)
//	unmanaged management disabled in FortiGate Cloud
//	trial     trial unit: no FortiGuard subscriptions
//	nogeo     no latitude/longitude on record (null)
//	nohdr     gzip replies without Content-Encoding (a client must sniff 1f 8b)
//	natted    reaches FortiGate Cloud from a private address
//	uninit    not initialised in FortiGate Cloud
//	contract  support end recorded in contractEndTime
type fleetRow struct {
	name  string
	model string // key of models
	fw    string
	city  string
	sub   int64  // subAccountOid; -1: the main account
	hub   string // this row is the VPN hub with that key
	dials string // hub keys this row has tunnels to
	vdoms string // space-separated VDOMs; empty: no-vdom mode
	flags string
	lan   int // second octet of the 10.x.0.0/16 block; 0: derived from the position
}

var demoFleet = []fleetRow{
	// Core: hubs, data centre, cloud.
	{name: "PAR-HQ-FW01", model: "600E", fw: "7.4.4", city: "Paris", sub: -1, hub: "hq", flags: "ha fsso contract", lan: 1},
	{name: "FRA-DC-FW01", model: "1100E", fw: "7.2.10", city: "Frankfurt", sub: -1, hub: "dc", vdoms: "root PROD DMZ", flags: "fsso contract", lan: 2},
	{name: "NYC-RHQ-FW01", model: "400F", fw: "7.4.5", city: "New York", sub: 1310, hub: "nyc", flags: "ha fsso", lan: 3},
	{name: "AWS-EUC1-FW01", model: "VM64-AWS", fw: "7.4.5", city: "Frankfurt", sub: -1, dials: "hq dc", flags: "nohdr", lan: 4},

	// European offices and branches.
	{name: "LON-OFF-FW01", model: "200F", fw: "7.4.3", city: "London", sub: 1201, dials: "hq dc", flags: "fsso"},
	{name: "MAD-OFF-FW01", model: "100F", fw: "7.2.9", city: "Madrid", sub: 1201, dials: "hq dc", flags: "fsso"},
	{name: "MIL-OFF-FW01", model: "100F", fw: "7.2.10", city: "Milan", sub: 1201, dials: "hq dc"},
	{name: "AMS-OFF-FW01", model: "100F", fw: "7.4.4", city: "Amsterdam", sub: 1201, dials: "hq dc", vdoms: "root GUEST"},
	{name: "BRU-BR-FW01", model: "80F", fw: "7.2.8", city: "Brussels", sub: 1201, dials: "hq dc", flags: "nohdr"},
	{name: "MUC-BR-FW01", model: "80F", fw: "7.4.3", city: "Munich", sub: 1201, dials: "hq dc"},
	{name: "HAM-BR-FW01", model: "61F", fw: "7.2.9", city: "Hamburg", sub: 1201, dials: "hq dc"},
	{name: "ZRH-BR-FW01", model: "61F", fw: "7.4.4", city: "Zurich", sub: 1201, dials: "hq dc"},
	{name: "VIE-BR-FW01", model: "60F", fw: "7.0.15", city: "Vienna", sub: 1201, dials: "hq dc", flags: "nohdr"},
	{name: "WAW-BR-FW01", model: "60F", fw: "7.0.14", city: "Warsaw", sub: 1201, dials: "hq dc", flags: "down"},
	{name: "PRG-BR-FW01", model: "60F", fw: "7.2.8", city: "Prague", sub: 1201, dials: "hq dc"},
	{name: "DUB-BR-FW01", model: "61F", fw: "7.4.5", city: "Dublin", sub: 1201, dials: "hq dc"},
	{name: "LIS-BR-FW01", model: "60F", fw: "6.4.14", city: "Lisbon", sub: 1201, dials: "hq dc"},
	{name: "STO-BR-FW01", model: "80F", fw: "7.6.1", city: "Stockholm", sub: 1201, dials: "hq dc"},
	{name: "CPH-BR-FW01", model: "60F", fw: "7.6.0", city: "Copenhagen", sub: 1201, dials: "hq dc"},
	{name: "OSL-BR-FW01", model: "40F", fw: "7.2.10", city: "Oslo", sub: 1201, dials: "hq"},
	{name: "BCN-BR-FW01", model: "60F", fw: "7.0.16", city: "Barcelona", sub: 1201, dials: "hq dc", flags: "unmanaged"},

	// French stores.
	{name: "STORE-0101-LYON", model: "60F", fw: "7.2.9", city: "Lyon", sub: 1202, dials: "hq"},
	{name: "STORE-0102-MARSEILLE", model: "60F", fw: "7.2.9", city: "Marseille", sub: 1202, dials: "hq"},
	{name: "STORE-0103-LILLE", model: "40F", fw: "7.0.15", city: "Lille", sub: 1202, dials: "hq", flags: "nohdr"},
	{name: "STORE-0104-BORDEAUX", model: "40F", fw: "6.4.15", city: "Bordeaux", sub: 1202, dials: "hq"},
	{name: "STORE-0105-TOULOUSE", model: "60F", fw: "7.4.4", city: "Toulouse", sub: 1202, dials: "hq"},
	{name: "STORE-0106-NANTES", model: "40F", fw: "7.2.8", city: "Nantes", sub: 1202, dials: "hq", flags: "down"},
	{name: "STORE-0107-STRASBOURG", model: "60F", fw: "6.4.14", city: "Strasbourg", sub: 1202, dials: "hq"},
	{name: "STORE-0108-NICE", model: "40F", fw: "7.0.14", city: "Nice", sub: 1202, dials: "hq", flags: "nogeo"},
	{name: "STORE-0109-RENNES", model: "60F", fw: "7.4.3", city: "Rennes", sub: 1202, dials: "hq"},
	{name: "STORE-0110-MONTPELLIER", model: "40F", fw: "7.2.10", city: "Montpellier", sub: 1202, dials: "hq", flags: "nohdr"},
	{name: "STORE-0111-GRENOBLE", model: "60F", fw: "7.6.2", city: "Grenoble", sub: 1202, dials: "hq"},
	{name: "STORE-0112-DIJON", model: "40F", fw: "6.4.13", city: "Dijon", sub: 1202, dials: "hq", flags: "nogeo"},
	{name: "STORE-0113-REIMS", model: "60F", fw: "7.2.9", city: "Reims", sub: 1202, dials: "hq"},
	{name: "STORE-0114-TOURS", model: "40F", fw: "7.0.17", city: "Tours", sub: 1202, dials: "hq"},
	{name: "STORE-0115-ANGERS", model: "60F", fw: "7.4.5", city: "Angers", sub: 1202, dials: "hq", flags: "unmanaged"},
	{name: "STORE-0116-METZ", model: "40F", fw: "7.2.8", city: "Metz", sub: 1202, dials: "hq", flags: "down"},
	{name: "STORE-0117-ROUEN", model: "60F", fw: "7.0.13", city: "Rouen", sub: 1202, dials: "hq", flags: "nohdr"},
	{name: "STORE-0118-CAEN", model: "40F", fw: "6.4.15", city: "Caen", sub: 1202, dials: "hq"},
	{name: "STORE-0119-LE-MANS", model: "60F", fw: "7.4.4", city: "Le Mans", sub: 1202, dials: "hq"},
	{name: "STORE-0120-CLERMONT", model: "40F", fw: "7.2.10", city: "Clermont-Ferrand", sub: 1202, dials: "hq", flags: "trial"},

	// Americas.
	{name: "CHI-BR-FW01", model: "100F", fw: "7.4.4", city: "Chicago", sub: 1310, dials: "nyc", flags: "fsso"},
	{name: "DAL-BR-FW01", model: "100F", fw: "7.2.10", city: "Dallas", sub: 1310, dials: "nyc"},
	{name: "DEN-BR-FW01", model: "80F", fw: "7.4.3", city: "Denver", sub: 1310, dials: "nyc"},
	{name: "SJC-BR-FW01", model: "200F", fw: "7.6.1", city: "San Jose", sub: 1310, dials: "nyc", flags: "fsso contract"},
	{name: "SEA-BR-FW01", model: "80F", fw: "7.0.15", city: "Seattle", sub: 1310, dials: "nyc", flags: "nohdr"},
	{name: "ATL-BR-FW01", model: "60F", fw: "7.2.8", city: "Atlanta", sub: 1310, dials: "nyc"},
	{name: "BOS-BR-FW01", model: "61F", fw: "7.4.4", city: "Boston", sub: 1310, dials: "nyc", flags: "down"},
	{name: "YYZ-BR-FW01", model: "60F", fw: "6.4.14", city: "Toronto", sub: 1310, dials: "nyc"},
	{name: "YUL-BR-FW01", model: "60F", fw: "7.2.9", city: "Montreal", sub: 1310, dials: "nyc", flags: "nogeo"},
	{name: "MIA-STORE-FW01", model: "40F", fw: "7.4.5", city: "Miami", sub: 1310, dials: "nyc"},

	// Asia-Pacific.
	{name: "SGP-OFF-FW01", model: "200F", fw: "7.4.4", city: "Singapore", sub: 1420, dials: "hq", flags: "fsso"},
	{name: "TYO-OFF-FW01", model: "100F", fw: "7.2.10", city: "Tokyo", sub: 1420, dials: "hq"},
	{name: "SYD-OFF-FW01", model: "100F", fw: "7.4.3", city: "Sydney", sub: 1420, dials: "hq", flags: "nohdr"},
	{name: "HKG-BR-FW01", model: "60F", fw: "7.0.16", city: "Hong Kong", sub: 1420, dials: "hq"},

	// Labs and a unit not registered yet.
	{name: "PAR-LAB-VM01", model: "VM64", fw: "7.6.2", city: "Paris", sub: -1, vdoms: "root LAB-A LAB-B", flags: "trial natted"},
	{name: "AMS-DEV-VM01", model: "VM64-KVM", fw: "7.6.3", city: "Amsterdam", sub: -1, flags: "trial natted nogeo"},
	{name: "", model: "60F", fw: "7.2.8", city: "", sub: -1, flags: "down unmanaged uninit nogeo"},
}

type city struct {
	lat, long string
	tz        float64
}

// cities: coordinates (as FortiGate Cloud stores them, strings) and the
// standard UTC offset.
var cities = map[string]city{
	"Paris": {"48.8566", "2.3522", 1}, "Frankfurt": {"50.1109", "8.6821", 1}, "New York": {"40.7128", "-74.0060", -5},
	"London": {"51.5074", "-0.1278", 0}, "Madrid": {"40.4168", "-3.7038", 1}, "Milan": {"45.4642", "9.1900", 1},
	"Amsterdam": {"52.3676", "4.9041", 1}, "Brussels": {"50.8503", "4.3517", 1}, "Munich": {"48.1351", "11.5820", 1},
	"Hamburg": {"53.5511", "9.9937", 1}, "Zurich": {"47.3769", "8.5417", 1}, "Vienna": {"48.2082", "16.3738", 1},
	"Warsaw": {"52.2297", "21.0122", 1}, "Prague": {"50.0755", "14.4378", 1}, "Dublin": {"53.3498", "-6.2603", 0},
	"Lisbon": {"38.7223", "-9.1393", 0}, "Stockholm": {"59.3293", "18.0686", 1}, "Copenhagen": {"55.6761", "12.5683", 1},
	"Oslo": {"59.9139", "10.7522", 1}, "Barcelona": {"41.3874", "2.1686", 1}, "Lyon": {"45.7640", "4.8357", 1},
	"Marseille": {"43.2965", "5.3698", 1}, "Lille": {"50.6292", "3.0573", 1}, "Bordeaux": {"44.8378", "-0.5792", 1},
	"Toulouse": {"43.6047", "1.4442", 1}, "Nantes": {"47.2184", "-1.5536", 1}, "Strasbourg": {"48.5734", "7.7521", 1},
	"Nice": {"43.7102", "7.2620", 1}, "Rennes": {"48.1173", "-1.6778", 1}, "Montpellier": {"43.6108", "3.8767", 1},
	"Grenoble": {"45.1885", "5.7245", 1}, "Dijon": {"47.3220", "5.0415", 1}, "Reims": {"49.2583", "4.0317", 1},
	"Tours": {"47.3941", "0.6848", 1}, "Angers": {"47.4784", "-0.5632", 1}, "Metz": {"49.1193", "6.1757", 1},
	"Rouen": {"49.4432", "1.0999", 1}, "Caen": {"49.1829", "-0.3707", 1}, "Le Mans": {"48.0061", "0.1996", 1},
	"Clermont-Ferrand": {"45.7772", "3.0870", 1}, "Chicago": {"41.8781", "-87.6298", -6},
	"Dallas": {"32.7767", "-96.7970", -6}, "Denver": {"39.7392", "-104.9903", -7}, "San Jose": {"37.3382", "-121.8863", -8},
	"Seattle": {"47.6062", "-122.3321", -8}, "Atlanta": {"33.7490", "-84.3880", -5}, "Boston": {"42.3601", "-71.0589", -5},
	"Toronto": {"43.6532", "-79.3832", -5}, "Montreal": {"45.5019", "-73.5674", -5}, "Miami": {"25.7617", "-80.1918", -5},
	"Singapore": {"1.3521", "103.8198", 8}, "Tokyo": {"35.6762", "139.6503", 9}, "Sydney": {"-33.8688", "151.2093", 10},
	"Hong Kong": {"22.3193", "114.1694", 8},
}

// publicIP gives row i the second address of its own /29 in the IPv4
// documentation ranges (RFC 5737): 3 × 32 blocks.
func publicIP(i int) string {
	ranges := []string{"198.51.100", "203.0.113", "192.0.2"}
	return fmt.Sprintf("%s.%d", ranges[(i/32)%3], (i%32)*8+2)
}

// serialFor builds a 16-character serial: the model prefix, a two-digit year,
// a two-digit week, a letter and a three-digit sequence, like
// "FGT60FTK2209A001" in the reference.
func serialFor(prefix string, i int) string {
	year := 19 + i%6
	week := 1 + (i*7)%52
	letter := "ABCDEFGH"[i%8]
	seq := (i*37 + 101) % 1000
	return fmt.Sprintf("%s%02d%02d%c%03d", prefix, year, week, letter, seq)
}

func hasFlag(flags, f string) bool {
	for _, x := range strings.Fields(flags) {
		if x == f {
			return true
		}
	}
	return false
}

var knownFlags = []string{"ha", "fsso", "down", "unmanaged", "trial", "nogeo", "nohdr", "natted", "uninit", "contract"}

// demoDevices builds the fleet from demoFleet. It panics on a malformed
// row: the table is code, and a test builds it.
func demoDevices() []Device {
	devs := make([]Device, len(demoFleet))
	hubs := map[string]int{}
	for i, row := range demoFleet {
		for _, f := range strings.Fields(row.flags) {
			if !hasFlag(strings.Join(knownFlags, " "), f) {
				panic("emulator: unknown fleet flag " + f)
			}
		}
		spec, ok := models[row.model]
		if !ok {
			panic("emulator: unknown fleet model " + row.model)
		}
		d := Device{
			Name:            row.name,
			Model:           spec.model,
			FirmwareVersion: row.fw,
			TunnelAlive:     !hasFlag(row.flags, "down"),
			Management:      !hasFlag(row.flags, "unmanaged"),
			Initialized:     !hasFlag(row.flags, "uninit"),
			Trial:           hasFlag(row.flags, "trial"),
			SubAccountOID:   row.sub,
			IP:              publicIP(i),
			FSSO:            hasFlag(row.flags, "fsso"),
		}
		if row.name != "" {
			d.SN = serialFor(spec.prefix, i)
		}
		if c, ok := cities[row.city]; ok {
			d.TimeZone = c.tz
			if !hasFlag(row.flags, "nogeo") {
				lat, long := c.lat, c.long
				d.Latitude, d.Longitude = &lat, &long
			}
		} else if row.city != "" {
			panic("emulator: unknown fleet city " + row.city)
		}
		if hasFlag(row.flags, "natted") {
			d.IP = fmt.Sprintf("172.16.30.%d", 190+i%60)
		}
		if row.name == "" {
			d.IP = ""
		}
		if hasFlag(row.flags, "ha") {
			d.HAPeerSN = serialFor(spec.prefix, 500+i)
		}
		if hasFlag(row.flags, "contract") {
			// Epoch milliseconds [inf]; the reference shows only 0.
			d.ContractEndTime = refEpoch.AddDate(2, 0, 0).UnixMilli()
		}
		if hasFlag(row.flags, "nohdr") {
			d.Gzip = GzipWithoutHeader
		}
		if row.vdoms != "" {
			d.VDOMs = strings.Fields(row.vdoms)
		}
		lan := row.lan
		if lan == 0 {
			lan = 10 + i
		}
		d.LAN = fmt.Sprintf("10.%d.0.0/16", lan)
		if row.hub != "" {
			hubs[row.hub] = i
		}
		devs[i] = d
	}
	// Tunnels: each spoke dials its hubs ("to-<hub>"); each hub has one
	// dial-up phase-1 ("SPOKES") whose clients are its spokes.
	for i, row := range demoFleet {
		for _, h := range strings.Fields(row.dials) {
			hi, ok := hubs[h]
			if !ok {
				panic("emulator: unknown hub " + h)
			}
			hub := &devs[hi]
			devs[i].Tunnels = append(devs[i].Tunnels, VPNTunnel{Name: "to-" + h,
				Peers: []VPNPeer{{Name: hub.Name, Gateway: hub.IP, Subnet: hub.LAN}}})
			t := tunnelNamed(hub, "SPOKES")
			t.Peers = append(t.Peers, VPNPeer{Name: devs[i].Name, Gateway: devs[i].IP, Subnet: devs[i].LAN})
		}
	}
	return devs
}

func tunnelNamed(d *Device, name string) *VPNTunnel {
	for i := range d.Tunnels {
		if d.Tunnels[i].Name == name {
			return &d.Tunnels[i]
		}
	}
	d.Tunnels = append(d.Tunnels, VPNTunnel{Name: name, Dialup: true})
	return &d.Tunnels[len(d.Tunnels)-1]
}

func (e *Emulator) seedDemoFleet() {
	for _, d := range demoDevices() {
		e.AddDevice(d)
	}
}
