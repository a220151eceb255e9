package emulator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FortiFlex product types and their parameters (forticloud-api.md §2.4).
// Product type ids and parameter ids follow the reference's sources (CSE-FLEX
// constants, TF-FLEX paramID2Name, ANS-FLEX PRODUCTS); the value rules are
// ANS-FLEX's (settings.py and the tools_calc documentation). Parameter names
// beyond LAB105's "CPU", "SERVICEPACK" and "VDOM" are [inf], as are the
// display names in productType.name and the serial prefixes of products
// other than FortiGate VM.

type flexForm int

const (
	flexFormVM flexForm = iota
	flexFormHardware
	flexFormCloud
)

type paramKind int

const (
	paramInt    paramKind = iota // a whole number in [min, max]
	paramChoice                  // one of choices
	paramList                    // zero or more of choices, one {id, value} entry each; "NONE" for none (§2.2)
	paramText                    // any non-empty text (models whose full list the reference does not give)
)

type flexParamSpec struct {
	id       int
	name     string
	kind     paramKind
	min, max int64
	step     int64 // the value must be a multiple of step (0: any)
	orZero   bool  // 0 is allowed besides [min, max] ("0 or between 25 and 25000")
	choices  []string
	required bool
}

type flexProduct struct {
	id     int
	code   string // FGT_VM_BUNDLE, as in §2.4
	name   string // productType.name in replies [inf]
	form   flexForm
	prefix string // serial prefix of its VM entitlements
	params []flexParamSpec
	// centipoints is the daily point cost, in hundredths of a point, of one
	// entitlement with these (already validated) parameters.
	centipoints func(p paramValues) int64
}

func intParam(id int, name string, min, max int64, required bool) flexParamSpec {
	return flexParamSpec{id: id, name: name, kind: paramInt, min: min, max: max, required: required}
}

func choiceParam(id int, name string, required bool, choices ...string) flexParamSpec {
	return flexParamSpec{id: id, name: name, kind: paramChoice, choices: choices, required: required}
}

func listParam(id int, name string, choices ...string) flexParamSpec {
	return flexParamSpec{id: id, name: name, kind: paramList, choices: choices}
}

func endpointsParam(id int, name string) flexParamSpec {
	return flexParamSpec{id: id, name: name, kind: paramInt, min: 25, max: 25000, orZero: true, required: true}
}

// FortiGate VM service packages, per CPU per day. The points tables are not
// public: every rate below is [inf], chosen so that ENT > UTP > ATP > FC as
// the bundles' contents suggest, and so that entitlements/points and
// tools/calc agree.
var fgtPackRate = map[string]int64{"FC": 100, "ATP": 145, "UTP": 165, "ENT": 210}

// Point rates [inf], in centipoints per day:
//
//	FGT_VM_BUNDLE  CPU × package (FC 1.00, ATP 1.45, UTP 1.65, ENT 2.10)
//	               + 0.10 per VDOM + 0.30 per FortiGuard or cloud service
//	               + 0.50 for FGTFCELU
//	FGT_VM_LCS     CPU × 0.80 + 0.10 per VDOM + 0.30 per service + 0.50 for ASET
//	FMG_VM         0.10 per managed device + 0.10 per ADOM
//	FAZ_VM         0.05 per GB of daily storage + 0.10 per ADOM + 0.30 per add-on
//	anything else  1.00
var flexProducts = func() map[int]*flexProduct {
	flat := func(paramValues) int64 { return 100 }
	list := []*flexProduct{
		{id: 1, code: "FGT_VM_BUNDLE", name: "FortiGate Virtual Machine - Service Bundle", form: flexFormVM, prefix: "FGVMELTM",
			params: []flexParamSpec{
				intParam(1, "CPU", 1, 96, true),
				choiceParam(2, "SERVICEPACK", true, "FC", "UTP", "ENT", "ATP"),
				intParam(10, "VDOM", 0, 500, false),
				listParam(43, "FORTIGUARDSERVICES", "FGTAVDB", "FGTFAIS", "FGTISSS", "FGTDLDB", "FGTFGSA", "FGTFCSS"),
				listParam(44, "CLOUDSERVICES", "FGTFAMS", "FGTSWNM", "FGTSOCA", "FGTFAZC", "FGTSWOS", "FGTFSPA"),
				choiceParam(45, "SUPPORTSERVICE", false, "FGTFCELU", "NONE"),
			},
			centipoints: func(p paramValues) int64 {
				c := p.int(1)*fgtPackRate[p.one(2)] + 10*p.int(10) + 30*int64(len(p.list(43))+len(p.list(44)))
				if p.one(45) == "FGTFCELU" {
					c += 50
				}
				return c
			}},
		{id: 2, code: "FMG_VM", name: "FortiManager Virtual Machine", form: flexFormVM, prefix: "FMVMELTM",
			params: []flexParamSpec{
				intParam(30, "MANAGEDDEVICES", 1, 100000, true),
				intParam(9, "ADOM", 1, 100000, true),
			},
			centipoints: func(p paramValues) int64 { return 10*p.int(30) + 10*p.int(9) }},
		{id: 3, code: "FWB_VM", name: "FortiWeb Virtual Machine - Service Bundle", form: flexFormVM, prefix: "FVVMELTM",
			params: []flexParamSpec{
				choiceParam(4, "CPU", true, "1", "2", "4", "8", "16"),
				choiceParam(5, "SERVICEPACK", true, "FWBSTD", "FWBADV", "FWBENT"),
			}, centipoints: flat},
		{id: 4, code: "FGT_VM_LCS", name: "FortiGate Virtual Machine - A La Carte Services", form: flexFormVM, prefix: "FGVMELTM",
			params: []flexParamSpec{
				intParam(6, "CPU", 1, 96, true),
				listParam(7, "FORTIGUARDSERVICES", "IPS", "AVDB", "FURLDNS", "FGSA", "DLDB", "FAIS"),
				choiceParam(8, "SUPPORTSERVICE", true, "FC247", "ASET"),
				intParam(11, "VDOM", 1, 500, true),
				listParam(12, "CLOUDSERVICES", "FAMS", "SWNM", "AFAC", "FAZC"),
			},
			centipoints: func(p paramValues) int64 {
				c := 80*p.int(6) + 10*p.int(11) + 30*int64(len(p.list(7))+len(p.list(12)))
				if p.one(8) == "ASET" {
					c += 50
				}
				return c
			}},
		{id: 5, code: "FC_EMS_OP", name: "FortiClient EMS On-Prem", form: flexFormVM, prefix: "FCTEMSEL",
			params: []flexParamSpec{
				endpointsParam(13, "ZTNA"),
				endpointsParam(14, "EPPZTNA"),
				endpointsParam(15, "CHROMEBOOK"),
				choiceParam(16, "SUPPORTSERVICE", true, "FCTFC247"),
				listParam(36, "ADDONS", "BPS"),
			}, centipoints: flat},
		{id: 7, code: "FAZ_VM", name: "FortiAnalyzer Virtual Machine", form: flexFormVM,
			// ANS-FLEX's points example names a FortiAnalyzer VM "FZVMMLTMXXXXXX" [sdk].
			prefix: "FZVMELTM",
			params: []flexParamSpec{
				intParam(21, "DAILYSTORAGE", 5, 8300, true),
				intParam(22, "ADOM", 0, 1200, true),
				choiceParam(23, "SUPPORTSERVICE", true, "FAZFC247"),
				listParam(58, "ADDONS", "FAZISSS", "FAZFGSA", "FAZAISN"),
			},
			centipoints: func(p paramValues) int64 {
				return 5*p.int(21) + 10*p.int(22) + 30*int64(len(p.list(58)))
			}},
		{id: 8, code: "FPC_VM", name: "FortiPortal Virtual Machine", form: flexFormVM, prefix: "FPCVMELT",
			params: []flexParamSpec{intParam(24, "MANAGEDDEVICES", 0, 100000, true)}, centipoints: flat},
		{id: 9, code: "FAD_VM", name: "FortiADC Virtual Machine", form: flexFormVM, prefix: "FADVELTM",
			params: []flexParamSpec{
				choiceParam(25, "CPU", true, "1", "2", "4", "8", "16", "32"),
				choiceParam(26, "SERVICEPACK", true, "FDVSTD", "FDVADV", "FDVFC247", "FDVNET", "FDVAPP", "FDVAI"),
			}, centipoints: flat},
		{id: 10, code: "FORTISOAR_VM", name: "FortiSOAR Virtual Machine", form: flexFormVM, prefix: "FSRVMELT",
			params: []flexParamSpec{
				choiceParam(69, "SERVICEPACK", true, "FSRE", "FSRM", "FSRD", "FSRR"),
				intParam(70, "ADDITIONALUSERS", 0, 1000, false),
				listParam(71, "ADDONS", "FSRTIMS"),
			}, centipoints: flat},
		{id: 11, code: "FORTIMAIL_VM", name: "FortiMail Virtual Machine", form: flexFormVM, prefix: "FEVMELTM",
			params: []flexParamSpec{
				choiceParam(73, "CPU", true, "1", "2", "4", "8", "16", "32"),
				choiceParam(74, "SERVICEPACK", true, "FMLBASE", "FMLATP"),
				listParam(75, "ADDONS", "FMLFEMS", "FMLFCAS", "FMLFEOP", "FMLFEEC"),
			}, centipoints: flat},
		// FortiNAC's parameter ids are past the end of the map the reference
		// read (TF-FLEX stops at 76): its parameters are not checked [inf].
		{id: 12, code: "FORTINAC_VM", name: "FortiNAC Virtual Machine", form: flexFormVM, prefix: "FNVMELTM", centipoints: flat},

		{id: 101, code: "FGT_HW", name: "FortiGate Hardware", form: flexFormHardware,
			params: []flexParamSpec{
				{id: 27, name: "DEVICEMODEL", kind: paramText, required: true},
				choiceParam(28, "SERVICEPACK", true, "FGHWFC247", "FGHWFCEL", "FGHWATP", "FGHWUTP", "FGHWENT", "FGHWFCESN"),
				listParam(29, "ADDONS", "FGHWFCELU", "FGHWFAMS", "FGHWFAIS", "FGHWSWNM", "FGHWDLDB", "FGHWFAZC",
					"FGHWSOCA", "FGHWMGAS", "FGHWSPAL", "FGHWFCSS", "FGHWISSS", "FGHWSWOS", "FGHWAVDB", "FGHWNIDS",
					"FGHWFGSA", "FGHWFURL", "FGHWFSFG"),
			}, centipoints: flat},
		{id: 102, code: "FAP_HW", name: "FortiAP Hardware", form: flexFormHardware,
			params: []flexParamSpec{
				{id: 55, name: "DEVICEMODEL", kind: paramText, required: true},
				choiceParam(56, "SERVICEPACK", true, "FAPHWFC247", "FAPHWFCEL"),
				listParam(57, "ADDONS", "FAPHWFSFG"),
			}, centipoints: flat},
		{id: 103, code: "FSW_HW", name: "FortiSwitch Hardware", form: flexFormHardware,
			params: []flexParamSpec{
				{id: 53, name: "DEVICEMODEL", kind: paramText, required: true},
				choiceParam(54, "SERVICEPACK", true, "FSWHWFC247", "FSWHWFCEL"),
			}, centipoints: flat},

		{id: 202, code: "FWBC_PRIVATE", name: "FortiWeb Cloud - Private", form: flexFormCloud,
			params:      []flexParamSpec{intParam(32, "THROUGHPUT", 10, 10000, true), intParam(33, "APPLICATIONS", 0, 2000, true)},
			centipoints: flat},
		{id: 203, code: "FWBC_PUBLIC", name: "FortiWeb Cloud - Public", form: flexFormCloud,
			params:      []flexParamSpec{intParam(34, "THROUGHPUT", 25, 10000, true), intParam(35, "APPLICATIONS", 0, 2000, true)},
			centipoints: flat},
		{id: 204, code: "FC_EMS_CLOUD", name: "FortiClient EMS Cloud", form: flexFormCloud,
			params: []flexParamSpec{
				endpointsParam(37, "ZTNA"), endpointsParam(38, "ZTNAFGF"), endpointsParam(39, "EPPZTNA"),
				endpointsParam(40, "EPPZTNAFGF"), endpointsParam(41, "CHROMEBOOK"), listParam(42, "ADDONS", "BPS"),
			}, centipoints: flat},
		{id: 205, code: "FORTISASE", name: "FortiSASE", form: flexFormCloud,
			params: []flexParamSpec{
				{id: 48, name: "USERS", kind: paramInt, min: 50, max: 50000, step: 25, required: true},
				choiceParam(49, "SERVICEPACK", true, "FSASESTD", "FSASEADV", "FSASECOM"),
				{id: 50, name: "BANDWIDTH", kind: paramInt, min: 0, max: 10000, step: 25, required: true},
				{id: 51, name: "DEDICATEDIPS", kind: paramInt, min: 0, max: 65534, step: 4, required: true},
				intParam(59, "COMPUTEREGION", 0, 16, false),
				intParam(72, "LOCATIONS", 0, 8, false),
			}, centipoints: flat},
		{id: 206, code: "FORTIEDR", name: "FortiEDR", form: flexFormCloud,
			params: []flexParamSpec{
				choiceParam(46, "SERVICEPACK", true, "FEDRPDR"),
				intParam(47, "ENDPOINTS", 0, 50000, false),
				listParam(52, "ADDONS", "FEDRXDR"),
				{id: 76, name: "REPOSITORYSTORAGE", kind: paramInt, min: 0, max: 30720, step: 512},
			}, centipoints: flat},
		{id: 207, code: "FORTINDR_CLOUD", name: "FortiNDR Cloud", form: flexFormCloud,
			params: []flexParamSpec{intParam(60, "METEREDUSAGE", 0, 10000, false)}, centipoints: flat},
		{id: 208, code: "FORTIRECON", name: "FortiRecon", form: flexFormCloud,
			params: []flexParamSpec{
				choiceParam(61, "SERVICEPACK", true, "FRNEASM", "FRNEASMBP", "FRNEASMBPACI"),
				{id: 62, name: "ASSETS", kind: paramInt, min: 200, max: 1000000, step: 50, required: true},
				intParam(63, "NETWORKS", 0, 100, false),
				intParam(64, "EXECUTIVES", 0, 1000, false),
				intParam(65, "VENDORS", 0, 1000, false),
			}, centipoints: flat},
		{id: 209, code: "SIEM_CLOUD", name: "FortiSIEM Cloud", form: flexFormCloud,
			params: []flexParamSpec{
				intParam(66, "COMPUTEUNITS", 10, 600, true),
				{id: 67, name: "ONLINESTORAGE", kind: paramInt, min: 500, max: 60000, step: 500},
				{id: 68, name: "ARCHIVESTORAGE", kind: paramInt, min: 0, max: 60000, step: 500},
			}, centipoints: flat},
		{id: 211, code: "FORTIAPPSEC", name: "FortiAppSec Cloud", form: flexFormCloud, centipoints: flat},
		{id: 212, code: "FORTIDLP", name: "FortiDLP", form: flexFormCloud, centipoints: flat},
	}
	m := make(map[int]*flexProduct, len(list))
	for _, p := range list {
		m[p.id] = p
	}
	return m
}()

// flexParam is one {id, value} entry. Values are strings on the wire, even
// numeric ones (§2.2).
type flexParam struct {
	id    int
	value string
}

// paramValues reads validated parameters by id.
type paramValues []flexParam

func (p paramValues) one(id int) string {
	for _, x := range p {
		if x.id == id {
			return x.value
		}
	}
	return ""
}

func (p paramValues) int(id int) int64 {
	n, _ := strconv.ParseInt(p.one(id), 10, 64)
	return n
}

// list returns the values of a list parameter, without "NONE".
func (p paramValues) list(id int) []string {
	var out []string
	for _, x := range p {
		if x.id == id && x.value != "NONE" {
			out = append(out, x.value)
		}
	}
	return out
}

func (prod *flexProduct) spec(id int) *flexParamSpec {
	for i := range prod.params {
		if prod.params[i].id == id {
			return &prod.params[i]
		}
	}
	return nil
}

// validateParams checks a configuration's parameters against its product,
// the way the real service reports them: by number, "Parameter id <n> ..."
// (forticloud-api.md §2.1; the exact wording is [inf]). It returns the
// parameters with numbers in canonical form ("08" becomes "8").
func (prod *flexProduct) validateParams(in []flexParam) ([]flexParam, *flexError) {
	if len(in) == 0 {
		return nil, flexBad("parameters is required.")
	}
	out := make([]flexParam, 0, len(in))
	seen := map[int]int{}
	for _, p := range in {
		seen[p.id]++
		if prod.params == nil { // parameters the reference does not list: stored as given
			if p.id <= 0 || p.value == "" {
				return nil, flexBad(fmt.Sprintf("Parameter id %d is not valid.", p.id))
			}
			out = append(out, p)
			continue
		}
		s := prod.spec(p.id)
		if s == nil {
			return nil, flexBad(fmt.Sprintf("Parameter id %d is not valid for product type %d.", p.id, prod.id))
		}
		if s.kind != paramList && seen[p.id] > 1 {
			return nil, flexBad(fmt.Sprintf("Parameter id %d is given more than once.", p.id))
		}
		v, err := s.check(p.value)
		if err != nil {
			return nil, err
		}
		out = append(out, flexParam{p.id, v})
	}
	for _, s := range prod.params {
		if s.required && seen[s.id] == 0 {
			return nil, flexBad(fmt.Sprintf("Parameter id %d is required.", s.id))
		}
		if s.kind == paramList && seen[s.id] > 1 && slices.Contains(paramValues(out).allOf(s.id), "NONE") {
			return nil, flexBad(fmt.Sprintf("Parameter id %d cannot combine NONE with other values.", s.id))
		}
	}
	return out, nil
}

func (p paramValues) allOf(id int) []string {
	var out []string
	for _, x := range p {
		if x.id == id {
			out = append(out, x.value)
		}
	}
	return out
}

// check validates one value and returns its canonical form.
func (s *flexParamSpec) check(v string) (string, *flexError) {
	v = strings.TrimSpace(v)
	switch s.kind {
	case paramInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", flexBad(fmt.Sprintf("Parameter id %d value %q is not a whole number.", s.id, clip(v, 40)))
		}
		if !(s.orZero && n == 0) && (n < s.min || n > s.max) {
			rng := fmt.Sprintf("%d-%d", s.min, s.max)
			if s.orZero {
				rng = "0 or " + rng
			}
			return "", flexBad(fmt.Sprintf("Parameter id %d value %d is out of range (%s).", s.id, n, rng))
		}
		if s.step > 0 && n%s.step != 0 {
			return "", flexBad(fmt.Sprintf("Parameter id %d value %d must be a multiple of %d.", s.id, n, s.step))
		}
		return strconv.FormatInt(n, 10), nil
	case paramChoice, paramList:
		if s.kind == paramList && v == "NONE" {
			return v, nil
		}
		if !slices.Contains(s.choices, v) {
			return "", flexBad(fmt.Sprintf("Parameter id %d value %q is not one of %s.", s.id, clip(v, 40), strings.Join(s.choices, ", ")))
		}
		return v, nil
	default:
		if v == "" || len(v) > 64 {
			return "", flexBad(fmt.Sprintf("Parameter id %d value is not valid.", s.id))
		}
		return v, nil
	}
}

// clip shortens caller-supplied text quoted back in an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// dailyCentipoints is what one entitlement of this product and parameters
// costs per day, in hundredths of a point (see the rate table above) [inf].
func (prod *flexProduct) dailyCentipoints(params []flexParam) int64 {
	if prod.centipoints == nil {
		return 100
	}
	return prod.centipoints(params)
}
