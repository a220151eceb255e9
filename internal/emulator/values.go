package emulator

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Everything the demo world shows is derived from stable inputs (serial
// numbers, names) through these helpers, so two emulators built from the same
// seed answer byte for byte the same at the same clock reading. Nothing here
// draws on run-time randomness except newToken.

// refEpoch anchors counters that grow with time ("bytes since boot"). It is a
// fixed date near the reference captures (fortios-and-faz-data.md uses
// epoch 1772489217, March 2026), not the wall clock.
var refEpoch = time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC)

// hash64 is FNV-1a over the parts with a separator, so ("ab","c") and
// ("a","bc") differ.
func hash64(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	// FNV's low bits are weak for small inputs; fold the high half in.
	v := h.Sum64()
	return v ^ (v >> 29) ^ (v << 17)
}

// between returns a value in [lo, hi] chosen by the parts.
func between(lo, hi int64, parts ...string) int64 {
	if hi <= lo {
		return lo
	}
	return lo + int64(hash64(parts...)%uint64(hi-lo+1))
}

// chance reports true for roughly pct percent of distinct parts.
func chance(pct int, parts ...string) bool {
	return int(hash64(parts...)%100) < pct
}

// md5hex gives the 32-hex-digit form FortiOS uses for cmdb revisions and HA
// checksums (fortios-and-faz-data.md §1.1, §2.4).
func md5hex(parts ...string) string {
	sum := md5.Sum([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// detUUID is a name-based (version 5 layout) UUID, like the policy and address
// UUIDs FortiOS shows (…-51ef-… in fortios-and-faz-data.md §2.8).
func detUUID(parts ...string) string {
	sum := sha256.Sum256([]byte("uuid\x00" + strings.Join(parts, "\x00")))
	b := sum[:16]
	b[6] = (b[6] & 0x0f) | 0x50
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// encSecret renders a stored secret the way FortiOS returns it: "ENC " and
// base64 ciphertext (fortios-and-faz-data.md §1.8). The bytes are a digest of
// the parts, so the plaintext never appears.
func encSecret(parts ...string) string {
	var out []byte
	seed := []byte("enc\x00" + strings.Join(parts, "\x00"))
	for len(out) < 72 {
		sum := sha256.Sum256(seed)
		out = append(out, sum[:]...)
		seed = sum[:]
	}
	return "ENC " + base64.StdEncoding.EncodeToString(out[:72])
}

// macFor gives a stable MAC in a Fortinet OUI for a device's nth port.
func macFor(sn string, n int) string {
	ouis := [][3]byte{{0x04, 0xd5, 0x90}, {0x70, 0x4c, 0xa5}, {0xe8, 0x1c, 0xba}, {0x90, 0x6c, 0xac}, {0x00, 0x09, 0x0f}}
	h := hash64("mac", sn)
	o := ouis[h%uint64(len(ouis))]
	var tail [8]byte
	binary.BigEndian.PutUint64(tail[:], h>>8)
	last := int(tail[7]) + n
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", o[0], o[1], o[2], tail[5], tail[6], byte(last))
}

// tokenAlphabet matches the opaque tokens in the IAM docs: mixed-case
// letters and digits (forticloud-api.md §1.2).
const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// newToken returns a 30-character opaque token from crypto/rand
// (forticloud-api.md §1.2: "Access tokens are 30-character opaque strings").
func newToken() string {
	const n = 30
	out := make([]byte, 0, n)
	buf := make([]byte, 64)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("emulator: crypto/rand failed: " + err.Error())
		}
		for _, b := range buf {
			// Rejection sampling keeps the alphabet uniform.
			if b < 248 && len(out) < n {
				out = append(out, tokenAlphabet[int(b)%len(tokenAlphabet)])
			}
		}
	}
	return string(out)
}

// maskOf returns the dotted mask for a prefix length.
func maskOf(bits int) string {
	if bits < 0 || bits > 32 {
		return "0.0.0.0"
	}
	m := uint32(0)
	if bits > 0 {
		m = ^uint32(0) << (32 - bits)
	}
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, (m>>16)&0xff, (m>>8)&0xff, m&0xff)
}

// bitsOf returns the prefix length of a dotted mask, or -1 if it is not a
// contiguous mask.
func bitsOf(mask string) int {
	a, err := netip.ParseAddr(mask)
	if err != nil || !a.Is4() {
		return -1
	}
	b := a.As4()
	m := binary.BigEndian.Uint32(b[:])
	bits := 0
	for m&0x80000000 != 0 {
		bits++
		m <<= 1
	}
	if m != 0 {
		return -1
	}
	return bits
}

// ipMask renders "a.b.c.d/len" as FortiOS's "a.b.c.d m.m.m.m".
func ipMask(cidr string) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "0.0.0.0 0.0.0.0"
	}
	return p.Addr().String() + " " + maskOf(p.Bits())
}

// netMask is ipMask for the network address of the prefix.
func netMask(cidr string) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "0.0.0.0 0.0.0.0"
	}
	return p.Masked().Addr().String() + " " + maskOf(p.Bits())
}

// parseIPMask accepts "a.b.c.d m.m.m.m", "a.b.c.d/len" or a bare address
// (taken as /32) and returns the address and prefix length.
func parseIPMask(s string) (netip.Addr, int, bool) {
	s = strings.TrimSpace(s)
	if addr, bits, ok := strings.Cut(s, "/"); ok {
		a, err := netip.ParseAddr(addr)
		n, err2 := strconv.Atoi(bits)
		if err != nil || err2 != nil || !a.Is4() || n < 0 || n > 32 {
			return netip.Addr{}, 0, false
		}
		return a, n, true
	}
	f := strings.Fields(s)
	switch len(f) {
	case 1:
		a, err := netip.ParseAddr(f[0])
		if err != nil || !a.Is4() {
			return netip.Addr{}, 0, false
		}
		return a, 32, true
	case 2:
		a, err := netip.ParseAddr(f[0])
		n := bitsOf(f[1])
		if err != nil || !a.Is4() || n < 0 {
			return netip.Addr{}, 0, false
		}
		return a, n, true
	}
	return netip.Addr{}, 0, false
}

// hostIn returns the nth host address of a prefix ("10.1.20.0/24", 1 → 10.1.20.1).
func hostIn(cidr string, n int) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return "0.0.0.0"
	}
	b := p.Masked().Addr().As4()
	v := binary.BigEndian.Uint32(b[:]) + uint32(n)
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b).String()
}

// growing returns a counter that started at base at boot and grows by
// perHour, evaluated at now. Counters therefore only go up between polls.
func growing(now, boot time.Time, base, perHour int64) int64 {
	el := now.Sub(boot)
	if el < 0 {
		el = 0
	}
	return base + int64(float64(perHour)*el.Hours())
}
