package emulator

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Growing a cmdb table to the size of a large estate, so that benchmarks and tests can make one
// device's FortiOS reply huge (tens of MB). The entries are generated, not stored: a list GET of
// the table streams them, encoded and gzipped as they are written, so that the emulator stays
// fast and small whatever the size. Anything else that could read or change the table (a GET by
// key, a filter over several VDOMs, any write) first turns them into ordinary rows.

// maxGrownRows bounds a grown table: generated names stay unique up to here (and the reply is
// then some 240 MB).
const maxGrownRows = 500_000

// grownTable is the generated entries of one table: entries [total-pending, total) are not
// rows yet; those before were turned into rows.
type grownTable struct {
	total, pending int
}

// rowGenerators make entry i of a growable table. Only tables no monitor endpoint reads can be
// grown: monitor requests never turn generated entries into rows.
var rowGenerators = map[string]func(tmpl object, sn, vdom string, i int) object{
	"firewall/address": grownAddress,
}

// GrowFortiOSTable adds n generated entries to a cmdb table of one device, in its management VDOM
// (or the global scope for a global table). path names the table as the FortiOS URL does,
// /api/v2/cmdb/firewall/address, or as firewall/address. The entries are realistic
// (fortios-and-faz-data.md §2.14 for addresses): for firewall/address about 470 bytes each in
// the reply, so n = 70 000 makes a list GET some 33 MB before gzip.
func (e *Emulator) GrowFortiOSTable(serial, path string, n int) error {
	ds := e.device(serial)
	if ds == nil {
		return fmt.Errorf("grow FortiOS table: no device %q", serial)
	}
	key := strings.Trim(strings.TrimPrefix(strings.TrimPrefix(path, "/"), "api/v2/cmdb/"), "/")
	spec := tableSpecs[key]
	if spec == nil || rowGenerators[key] == nil {
		return fmt.Errorf("grow FortiOS table: %q cannot be grown (only firewall/address)", path)
	}
	if n < 0 {
		return fmt.Errorf("grow FortiOS table: n is %d", n)
	}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	f := ds.os
	vdom := f.mgmtVDOM
	gk := grownKey(spec, vdom)
	if f.grown == nil {
		f.grown = map[string]*grownTable{}
	}
	g := f.grown[gk]
	if g == nil {
		g = &grownTable{}
		f.grown[gk] = g
	}
	if g.total+n > maxGrownRows {
		return fmt.Errorf("grow FortiOS table: %d entries in %s is more than %d", g.total+n, key, maxGrownRows)
	}
	g.total += n
	g.pending += n
	f.bump(vdom)
	return nil
}

func grownKey(spec *tableSpec, vdom string) string {
	if spec.global {
		vdom = ""
	}
	return vdom + "/" + spec.key
}

// materializeGrown turns the generated entries of every grown table into rows; the caller
// holds the device lock.
func (f *fortiOS) materializeGrown() {
	for gk, g := range f.grown {
		if g.pending == 0 {
			continue
		}
		scope, key, _ := strings.Cut(gk, "/")
		spec := tableSpecs[key]
		rows := f.rows(spec, scope)
		gen, tmpl := rowGenerators[key], spec.template(f)
		for i := g.total - g.pending; i < g.total; i++ {
			*rows = append(*rows, gen(tmpl, f.dev.SN, scope, i))
		}
		g.pending = 0
	}
}

// needsGrownRows says whether a request that handle answers could read or change a table with
// generated entries: a cmdb write (references), or any cmdb request on such a table. The caller
// holds the device lock.
func (f *fortiOS) needsGrownRows(c fosCall) bool {
	if len(f.grown) == 0 || len(c.segs) < 3 || c.segs[2] != "cmdb" {
		return false
	}
	if c.method != http.MethodGet {
		return true
	}
	if len(c.segs) < 5 {
		return false
	}
	key := c.segs[3] + "/" + c.segs[4]
	for gk, g := range f.grown {
		if _, k, _ := strings.Cut(gk, "/"); k == key && g.pending > 0 {
			return true
		}
	}
	return false
}

// grownListGet returns the streamed reply of a list GET of a table with generated entries in
// one VDOM, or nil when the request is something else (handle answers it). The caller holds the
// device lock; the reply is written without it.
func (f *fortiOS) grownListGet(c fosCall) *grownReply {
	s := c.segs
	if len(f.grown) == 0 || c.method != http.MethodGet || len(s) != 5 || s[0] != "api" || s[1] != "v2" || s[2] != "cmdb" {
		return nil
	}
	path, name := s[3], s[4]
	spec := tableSpecs[path+"/"+name]
	if spec == nil || spec.singleton {
		return nil
	}
	vdoms, multi, bad := f.targetVDOMs(c.query)
	if multi || bad != "" {
		return nil
	}
	g := f.grown[grownKey(spec, vdoms[0])]
	if g == nil || g.pending == 0 {
		return nil
	}
	r := &grownReply{env: f.listEnv(vdoms[0], path, name), format: parseFormat(c.query.Get("format")),
		gen: rowGenerators[spec.key], tmpl: spec.template(f), sn: f.dev.SN, vdom: vdoms[0], from: g.total - g.pending, to: g.total}
	lq, ok := parseListQuery(c.query)
	if !ok {
		// The 400 of cmdbGet, which reads no rows.
		r.status, r.body = f.reply(f.errorEnvelope("GET", vdoms[0], path, name, true, &fosError{status: 400}))
		return r
	}
	r.lq = lq
	for _, row := range *f.rows(spec, vdoms[0]) {
		r.rows = append(r.rows, row.clone())
	}
	return r
}

// grownReply is a list GET of a grown table: the table's rows (copies), then its generated
// entries [from, to); or a ready error reply (body).
type grownReply struct {
	status int
	body   []byte

	env      listEnv
	lq       listQuery
	format   []string
	rows     []object
	gen      func(tmpl object, sn, vdom string, i int) object
	tmpl     object
	sn, vdom string
	from, to int
}

// each calls fn with every row of the table in order (rows, then generated entries) until fn
// returns false.
func (g *grownReply) each(fn func(object) bool) {
	for _, r := range g.rows {
		if !fn(r) {
			return
		}
	}
	for i := g.from; i < g.to; i++ {
		if !fn(g.gen(g.tmpl, g.sn, g.vdom, i)) {
			return
		}
	}
}

// write sends the reply as cmdbGet would build it, byte for byte, encoded and gzipped (per the
// device's mode, forticloud-api.md §3.3 and §6 gotcha 8: FortiOS 7.0+ gzips whether or not the
// request asked) as it goes. A client that stops reading ends it at its next write.
func (g *grownReply) write(w http.ResponseWriter, mode GzipMode) {
	w.Header().Set("Content-Type", "application/json")
	if g.body != nil {
		if mode != GzipOff {
			g.body = gzipBytes(g.body)
			if mode == GzipWithHeader {
				w.Header().Set("Content-Encoding", "gzip")
			}
		}
		w.WriteHeader(g.status)
		_, _ = w.Write(g.body)
		return
	}
	size := len(g.rows) + g.to - g.from
	matched := size
	if len(g.lq.conds) > 0 {
		matched = 0
		g.each(func(r object) bool {
			if matchAll(r, g.lq.conds) {
				matched++
			}
			return true
		})
	}
	pageLen := max(matched-g.lq.start, 0)
	limited := g.lq.count >= 0 && g.lq.count < pageLen
	if limited {
		pageLen = g.lq.count
	}
	head := appendObject(nil, g.env.head(size, matched, g.lq.start, pageLen, limited))
	tail := appendObject(nil, g.env.after())

	var out io.Writer = w
	var zw *gzip.Writer
	if mode != GzipOff {
		if mode == GzipWithHeader {
			w.Header().Set("Content-Encoding", "gzip")
		}
		// The fastest level: the emulator must keep up with a reply of tens of MB.
		zw, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
		out = zw
	}
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(out, 64<<10)
	_, _ = bw.Write(head[:len(head)-1])
	_, _ = bw.WriteString(`,"results":[`)
	var buf []byte
	idx, sent := 0, 0
	var err error
	g.each(func(r object) bool {
		if len(g.lq.conds) > 0 && !matchAll(r, g.lq.conds) {
			return true
		}
		idx++
		if idx <= g.lq.start {
			return true
		}
		if sent == pageLen {
			return false
		}
		if sent > 0 {
			_ = bw.WriteByte(',')
		}
		if g.format != nil {
			r = project(r, g.format)
		}
		buf = appendObject(buf[:0], r)
		_, err = bw.Write(buf)
		sent++
		return err == nil // the client went away
	})
	if err != nil {
		return
	}
	_ = bw.WriteByte(']')
	_ = bw.WriteByte(',')
	_, _ = bw.Write(tail[1:])
	if bw.Flush() == nil && zw != nil {
		_ = zw.Close()
	}
}

// appendObject appends o's JSON: the bytes of mustJSON(o), without its reflection for the value
// kinds rows hold.
func appendObject(b []byte, o object) []byte {
	b = append(b, '{')
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.k)
		b = append(b, ':')
		b = appendValue(b, f.v)
	}
	return append(b, '}')
}

func appendValue(b []byte, v any) []byte {
	switch t := v.(type) {
	case string:
		return appendString(b, t)
	case int64:
		return strconv.AppendInt(b, t, 10)
	case int:
		return strconv.AppendInt(b, int64(t), 10)
	case bool:
		return strconv.AppendBool(b, t)
	case nil:
		return append(b, "null"...)
	case object:
		return appendObject(b, t) // MarshalJSON has a value receiver: a nil object is {}
	case []object:
		if t == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, o := range t {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendObject(b, o)
		}
		return append(b, ']')
	}
	return append(b, mustJSON(v)...)
}

// appendString quotes s as encoding/json does; only plain ASCII is done here.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// grownAddress is generated firewall/address entry i, as an administrator's import from an IPAM
// would look (fortios-and-faz-data.md §2.14): mostly hosts, some subnets, ranges and FQDNs, each
// name unique (up to maxGrownRows).
func grownAddress(tmpl object, sn, vdom string, i int) object {
	r := tmpl.clone()
	var name, comment string
	switch k := i % 10; {
	case k < 6:
		ip := fmt.Sprintf("10.%d.%d.%d", 64+(i>>16)%64, i>>8&255, i&255)
		name = "h-" + ip
		r.set("subnet", ip+" 255.255.255.255")
		comment = [...]string{"", "IPAM import", "branch server", "printer", "", "building management"}[k]
	case k < 8:
		ip := fmt.Sprintf("10.%d.%d.%d", 128+(i>>12)%128, i>>4&255, (i&15)<<4)
		name = "n-" + ip + "_28"
		r.set("subnet", ip+" 255.255.255.240")
		comment = "IPAM import: site subnet"
	case k == 8:
		start := fmt.Sprintf("100.%d.%d.%d", 64+(i>>14)%64, i>>6&255, (i&63)<<2)
		name = "r-" + start
		r.set("type", "iprange")
		r.set("start-ip", start)
		r.set("end-ip", fmt.Sprintf("100.%d.%d.%d", 64+(i>>14)%64, i>>6&255, (i&63)<<2+3))
		comment = "DHCP pool"
	default:
		name = fmt.Sprintf("app%d.cdn%d.example.net", i, i%7)
		r.set("type", "fqdn")
		r.set("fqdn", name)
		r.set("cache-ttl", int64(3600))
	}
	r.set("name", name)
	r.set("q_origin_key", name)
	r.set("uuid", detUUID(sn, vdom, "address", name))
	r.set("comment", comment)
	r.set("color", int64(i%33))
	if r.str("type") == "ipmask" { // as addrRow: start-ip holds the network, end-ip the mask (§2.14)
		addr, mask, _ := strings.Cut(r.str("subnet"), " ")
		r.set("start-ip", addr)
		r.set("end-ip", mask)
	}
	return r
}
