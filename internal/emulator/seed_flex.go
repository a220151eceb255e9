package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// The demo FortiFlex world (forticloud-api.md §2): the demo account runs an
// MSSP program (ELAVMS) with FortiGate VM bundles for its branches and data
// centre, a FortiAnalyzer and a FortiManager VM, and a prepaid program
// (ELAVMR) that ends in 20 days. A sub-account holds a franchise's VM, and
// another customer's account has a program of its own, so that ownership
// checks have something to refuse.
//
// Ids, serials and tokens are fixed. Dates are offsets from the day the
// emulator starts (per its Clock), so the demo never goes stale: with a
// ManualClock the world is the same on every run. Seeded serials carry the
// year "25" whatever the date; new ones carry the current year.

const (
	// DemoFlexAccountID is the demo users' FortiCloud account: the same
	// account as DemoAccountID, as a FortiFlex accountId (a number).
	DemoFlexAccountID int64 = 1734285
	// DemoFlexSubAccountID is a sub-account of the demo account (a franchise):
	// the demo users may name it in accountId.
	DemoFlexSubAccountID int64 = 1734290
	// DemoFlexOtherAccountID is another customer's account, out of the demo
	// users' reach.
	DemoFlexOtherAccountID int64 = 2050117

	// DemoFlexProgramSerial is the demo account's MSSP program; it ends 330
	// days after the emulator starts.
	DemoFlexProgramSerial = "ELAVMS0000004821"
	// DemoFlexPrepaidProgramSerial is the demo account's prepaid program;
	// it ends 20 days after the emulator starts.
	DemoFlexPrepaidProgramSerial = "ELAVMR0000007342"
	// DemoFlexOtherProgramSerial belongs to DemoFlexOtherAccountID.
	DemoFlexOtherProgramSerial = "ELAVMS0000009157"

	// DemoFlexConfigFGTVM is an ACTIVE FortiGate VM bundle (4 CPU, UTP) in
	// the MSSP program: the configuration to create VMs from.
	DemoFlexConfigFGTVM int64 = 41102
	// DemoFlexConfigFAZVM is an ACTIVE FortiAnalyzer VM (parameters 21, 22, 23).
	DemoFlexConfigFAZVM int64 = 41105
	// DemoFlexConfigDisabled is a DISABLED FortiGate VM bundle.
	DemoFlexConfigDisabled int64 = 41106
	// DemoFlexConfigHardware is a FortiGate hardware configuration (product
	// type 101): vm/create refuses it.
	DemoFlexConfigHardware int64 = 41107
	// DemoFlexConfigPrepaid is a FortiGate VM bundle in the prepaid program.
	DemoFlexConfigPrepaid int64 = 41109
	// DemoFlexConfigSubAccount is a FortiGate VM bundle of the sub-account.
	DemoFlexConfigSubAccount int64 = 41110
	// DemoFlexConfigOther belongs to DemoFlexOtherAccountID.
	DemoFlexConfigOther int64 = 41201

	// Demo entitlements, one per state (all on DemoFlexConfigFGTVM).
	DemoFlexActiveSerial  = "FGVMELTM25008301" // ACTIVE, token USED
	DemoFlexPendingSerial = "FGVMELTM25008307" // PENDING, token NOTUSED
	DemoFlexStoppedSerial = "FGVMELTM25008309" // STOPPED 12 days ago
	DemoFlexExpiredSerial = "FGVMELTM25008310" // EXPIRED: ended 30 days ago
)

type flexConfigRow struct {
	id      int64
	name    string
	program string
	account int64 // 0: the program's account
	product int
	params  string // "id=value id=value"; a list parameter repeats its id
	off     bool   // DISABLED
}

var demoFlexConfigs = []flexConfigRow{
	{id: 41101, name: "FGT-VM-2CPU-FC-Lab", program: DemoFlexProgramSerial, product: 1, params: "1=2 2=FC 10=0"},
	{id: 41102, name: "FGT-VM-4CPU-UTP-Branch", program: DemoFlexProgramSerial, product: 1, params: "1=4 2=UTP 10=0 44=FGTFAMS"},
	{id: 41103, name: "FGT-VM-8CPU-ATP-DC", program: DemoFlexProgramSerial, product: 1,
		params: "1=8 2=ATP 10=5 43=FGTAVDB 43=FGTFAIS 45=FGTFCELU"},
	{id: 41104, name: "FGT-VM-16CPU-ENT-Core", program: DemoFlexProgramSerial, product: 1,
		params: "1=16 2=ENT 10=10 44=FGTFAZC 44=FGTSOCA"},
	{id: 41105, name: "FAZ-VM-25GB-Logs", program: DemoFlexProgramSerial, product: 7, params: "21=25 22=3 23=FAZFC247"},
	{id: 41106, name: "FGT-VM-2CPU-UTP-Retired", program: DemoFlexProgramSerial, product: 1, params: "1=2 2=UTP 10=0", off: true},
	{id: 41107, name: "FGT-60F-UTP-Stores", program: DemoFlexProgramSerial, product: 101, params: "27=FGT60F 28=FGHWUTP 29=NONE"},
	{id: 41108, name: "FMG-VM-50-Devices", program: DemoFlexProgramSerial, product: 2, params: "30=50 9=5"},
	{id: 41109, name: "FGT-VM-1CPU-FC-Pilot", program: DemoFlexPrepaidProgramSerial, product: 1, params: "1=1 2=FC 10=0"},
	{id: 41110, name: "FGT-VM-2CPU-UTP-Franchise", program: DemoFlexProgramSerial, account: DemoFlexSubAccountID, product: 1,
		params: "1=2 2=UTP 10=0"},
	{id: 41201, name: "ACME-FGT-VM-4CPU-ENT", program: DemoFlexOtherProgramSerial, product: 1, params: "1=4 2=ENT 10=2"},
}

// flexEntRow is one demo entitlement. Days are counted back from the day
// the emulator starts.
type flexEntRow struct {
	config  int64
	seq     int    // serial number: the product's prefix, "25", six digits
	state   string // ACTIVE, ACTIVE-SKIP (skipPending: token never used), PENDING, STOPPED, EXPIRED
	age     int    // days since creation
	stopped int    // STOPPED: days since the stop
	end     int    // days from today to endDate; 0: the program's end date
	desc    string
	folder  string // "" is "My Assets"
}

const vmFolder = "My Assets/vm_entitlements"

var demoFlexEnts = []flexEntRow{
	// Branch VMs.
	{config: 41102, seq: 8301, state: FlexActive, age: 380, desc: "PAR-BR-VM01 (Paris branch)", folder: vmFolder},
	{config: 41102, seq: 8302, state: FlexActive, age: 370, desc: "LYO-BR-VM01 (Lyon branch)", folder: vmFolder},
	{config: 41102, seq: 8303, state: FlexActive, age: 300, desc: "MRS-BR-VM01 (Marseille branch)", folder: vmFolder},
	{config: 41102, seq: 8304, state: FlexActive, age: 210, desc: "LIL-BR-VM01 (Lille branch)", folder: vmFolder},
	{config: 41102, seq: 8305, state: FlexActive, age: 120, end: 180, desc: "NTE-BR-VM01 (Nantes branch, 6-month lease)", folder: vmFolder},
	{config: 41102, seq: 8306, state: FlexActive, age: 45, folder: vmFolder},
	{config: 41102, seq: 8307, state: FlexPending, age: 3, desc: "BDX-BR-VM01 (Bordeaux branch, not deployed yet)", folder: vmFolder},
	{config: 41102, seq: 8308, state: FlexPending, age: 1, desc: "TLS-BR-VM01 (Toulouse branch, not deployed yet)", folder: vmFolder},
	{config: 41102, seq: 8309, state: FlexStopped, age: 250, stopped: 12, desc: "STR-BR-VM01 (Strasbourg, closed for works)", folder: vmFolder},
	{config: 41102, seq: 8310, state: FlexExpired, age: 390, end: -30, desc: "NCE-BR-VM01 (Nice, decommissioned)", folder: vmFolder},
	// Data centre and cloud.
	{config: 41103, seq: 8311, state: FlexActive, age: 365, desc: "FRA-DC-VM01 (Frankfurt DC, primary)"},
	{config: 41103, seq: 8312, state: FlexActive, age: 365, desc: "FRA-DC-VM02 (Frankfurt DC, secondary)"},
	{config: 41104, seq: 8313, state: FlexActive, age: 200, desc: "AWS-EUC1-VM01 (cloud hub)"},
	// Lab.
	{config: 41101, seq: 8314, state: "ACTIVE-SKIP", age: 20, desc: "LAB-VM01 (test bench, created with skipPending)"},
	{config: 41101, seq: 8315, state: FlexStopped, age: 90, stopped: 60, desc: "LAB-VM02 (paused)"},
	{config: 41106, seq: 8316, state: FlexStopped, age: 330, stopped: 100, desc: "OLD-BR-VM01 (on the retired configuration)"},
	// Management and logging.
	{config: 41105, seq: 4101, state: FlexActive, age: 280, desc: "FAZ-VM01 (central logging)"},
	{config: 41105, seq: 4102, state: FlexPending, age: 2, desc: "FAZ-VM02 (EU log archive)"},
	{config: 41108, seq: 2201, state: FlexActive, age: 300, desc: "FMG-VM01 (central management)"},
	// The prepaid program, ending soon.
	{config: 41109, seq: 8317, state: FlexActive, age: 340, desc: "PILOT-VM01 (pilot, program ends soon)"},
	{config: 41109, seq: 8318, state: FlexActive, age: 200},
	// The franchise sub-account.
	{config: 41110, seq: 8319, state: FlexActive, age: 150, desc: "FRANCHISE-VM01 (Grenoble franchise)"},
	// Another customer.
	{config: 41201, seq: 8401, state: FlexActive, age: 100, desc: "ACME-VM01"},
	{config: 41201, seq: 8402, state: FlexPending, age: 5, desc: "ACME-VM02"},
}

func (e *Emulator) seedDemoFlex() {
	day0 := day(e.clock.Now())
	days := func(n int) time.Time { return day0.AddDate(0, 0, n) }
	f := e.flex
	f.mu.Lock()
	defer f.mu.Unlock()
	f.parent[DemoFlexSubAccountID] = DemoFlexAccountID
	f.programs = []*flexProgram{
		{serial: DemoFlexProgramSerial, account: DemoFlexAccountID, start: days(-400), end: days(330), support: true},
		{serial: DemoFlexPrepaidProgramSerial, account: DemoFlexAccountID, start: days(-345), end: days(20)},
		{serial: DemoFlexOtherProgramSerial, account: DemoFlexOtherAccountID, start: days(-200), end: days(500), support: true},
	}
	for _, row := range demoFlexConfigs {
		prod := flexProducts[row.product]
		var params []flexParam
		for _, kv := range strings.Fields(row.params) {
			var id int
			var v string
			if n, _ := fmt.Sscanf(strings.Replace(kv, "=", " ", 1), "%d %s", &id, &v); n != 2 {
				panic("emulator: bad flex seed parameter " + kv)
			}
			params = append(params, flexParam{id, v})
		}
		params, err := prod.validateParams(params)
		if err != nil {
			panic("emulator: flex seed config " + row.name + ": " + err.msg)
		}
		acct := row.account
		if acct == 0 {
			acct = f.program(row.program).account
		}
		status := FlexActive
		if row.off {
			status = FlexDisabled
		}
		f.addConfig(&flexConfig{id: row.id, name: row.name, status: status, account: acct, program: row.program,
			product: prod, params: params})
	}
	for i, row := range demoFlexEnts {
		cfg := f.config(row.config)
		// A fixed time of day per row, with milliseconds, as real startDates have.
		start := days(-row.age).Add(time.Duration(8*3600+i*2671)*time.Second + time.Duration(137+i*71)*time.Millisecond)
		end := f.program(cfg.program).end
		if row.end != 0 {
			end = days(row.end)
		}
		folder := row.folder
		if folder == "" {
			folder = flexRootFolder
		}
		serial := fmt.Sprintf("%s25%06d", cfg.product.prefix, row.seq)
		sum := sha256.Sum256([]byte("demo flex token " + serial))
		x := &flexEnt{serial: serial, configID: cfg.id, account: cfg.account, desc: row.desc, start: start, end: end,
			folder: folder, token: strings.ToUpper(hex.EncodeToString(sum[:10])), tokenStatus: FlexUsed, status: FlexActive}
		activated := start.Add(2 * time.Hour) // the VM booted and used its token
		switch row.state {
		case FlexActive:
			x.spans = []flexSpan{{from: activated}}
		case "ACTIVE-SKIP":
			x.tokenStatus = FlexNotUsed
			x.spans = []flexSpan{{from: start}}
		case FlexPending:
			x.status, x.tokenStatus = FlexPending, FlexNotUsed
		case FlexStopped:
			x.status, x.stoppedAt = FlexStopped, days(-row.stopped).Add(15*time.Hour+4*time.Minute+32*time.Second+653146300)
			x.spans = []flexSpan{{from: activated, to: x.stoppedAt}}
		case FlexExpired:
			x.status = FlexExpired
			x.spans = []flexSpan{{from: activated, to: expiry(end)}}
		default:
			panic("emulator: bad flex seed state " + row.state)
		}
		f.addEnt(x)
	}
}
