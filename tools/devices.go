package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/invopop/jsonschema"

	"github.com/forticloud-mcp/forticloud-mcp/internal/fortigatecloud"
	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

// deviceJSON is one device of list_devices' result, already encoded: FortiGate Cloud's object
// with the fields asked for, its strings cleaned.
type deviceJSON json.RawMessage

// MarshalJSON writes the encoded device.
func (d deviceJSON) MarshalJSON() ([]byte, error) { return d, nil }

// UnmarshalJSON keeps a device's JSON (tests decode results).
func (d *deviceJSON) UnmarshalJSON(b []byte) error {
	*d = append((*d)[:0], b...)
	return nil
}

// JSONSchema describes a device to invopop: an object with FortiGate Cloud's field names.
func (deviceJSON) JSONSchema() *jsonschema.Schema { return &jsonschema.Schema{Type: "object"} }

// deviceFacts are the values list_devices filters on, read while a device is reshaped.
type deviceFacts struct {
	model, firmware, name string
	tunnelAlive           *bool
}

// matches applies list_devices' filters (FortiGate Cloud has none of its own, §3.2).
func (f deviceFacts) matches(in ListDevicesArgs) bool {
	if in.Model != "" && !strings.Contains(strings.ToLower(f.model), strings.ToLower(in.Model)) {
		return false
	}
	if in.Firmware != "" {
		fw := strings.TrimPrefix(strings.ToLower(f.firmware), "v")
		want := strings.TrimPrefix(strings.ToLower(in.Firmware), "v")
		if fw != want && !strings.HasPrefix(fw, want+".") {
			return false
		}
	}
	if in.Name != "" && !strings.Contains(strings.ToLower(f.name), strings.ToLower(in.Name)) {
		return false
	}
	if in.TunnelAlive != nil && (f.tunnelAlive == nil || *f.tunnelAlive != *in.TunnelAlive) {
		return false
	}
	return true
}

// deviceShaper reshapes FortiGate Cloud device objects for the model in one pass over their
// JSON, with no maps: the fields asked for (sn always), `total` (list metadata) dropped, every
// string and name cleaned (sanitize.String), the first of duplicate names kept, and the values
// the filters need read on the way. Decoding 50 devices into maps and encoding them again was
// the largest part of list_devices' time in the server (docs/performance.md).
type deviceShaper struct {
	fields []string
	rd     bytes.Reader
	dec    *jsontext.Decoder
	buf    bytes.Buffer
	enc    *jsontext.Encoder
	seen   map[string]bool
}

// shapers keeps deviceShapers (a decoder and an encoder with their buffers) between calls.
var shapers = sync.Pool{New: func() any {
	s := &deviceShaper{seen: map[string]bool{}}
	// Upstream text is taken as it comes (duplicate names, invalid UTF-8): cleaning, not the
	// decoder, decides what reaches the model, as encoding/json's maps did before.
	s.dec = jsontext.NewDecoder(&s.rd, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	s.enc = jsontext.NewEncoder(&s.buf)
	return s
}}

// getDeviceShaper returns a shaper for these fields; putDeviceShaper gives it back.
func getDeviceShaper(fields []string) *deviceShaper {
	s := shapers.Get().(*deviceShaper)
	s.fields = fields
	return s
}

func putDeviceShaper(s *deviceShaper) {
	s.fields = nil
	s.rd.Reset(nil)
	if s.buf.Cap() > 64<<10 { // a huge device must not stay in the pool
		s.buf = bytes.Buffer{}
	}
	shapers.Put(s)
}

func (s *deviceShaper) keep(name string) bool {
	return name != "total" && (len(s.fields) == 0 || name == "sn" || slices.Contains(s.fields, name))
}

// shape reshapes one device object.
func (s *deviceShaper) shape(raw []byte) (deviceJSON, deviceFacts, error) {
	var f deviceFacts
	s.rd.Reset(raw)
	s.dec.Reset(&s.rd, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	s.buf.Reset()
	s.enc.Reset(&s.buf)
	clear(s.seen)
	if tok, err := s.dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, f, fmt.Errorf("a device is not a JSON object")
	}
	if err := s.enc.WriteToken(jsontext.BeginObject); err != nil {
		return nil, f, err
	}
	for s.dec.PeekKind() != '}' {
		nameTok, err := s.dec.ReadToken()
		if err != nil {
			return nil, f, err
		}
		name := nameTok.String()
		clean := sanitize.String(name)
		keep := s.keep(name) && !s.seen[clean]
		kind := s.dec.PeekKind()
		// The filters' values, read from the raw value before it is copied or skipped.
		switch {
		case kind == '"' && (name == "model" || name == "firmwareVersion" || name == "name"):
			v, err := s.dec.ReadToken()
			if err != nil {
				return nil, f, err
			}
			str := v.String()
			switch name {
			case "model":
				f.model = str
			case "firmwareVersion":
				f.firmware = str
			default:
				f.name = str
			}
			if keep {
				if err := s.writeMember(clean, jsontext.String(sanitize.String(str))); err != nil {
					return nil, f, err
				}
			}
			continue
		case (kind == 't' || kind == 'f') && name == "tunnelAlive":
			v, err := s.dec.ReadToken()
			if err != nil {
				return nil, f, err
			}
			b := v.Bool()
			f.tunnelAlive = &b
			if keep {
				if err := s.writeMember(clean, jsontext.Bool(b)); err != nil {
					return nil, f, err
				}
			}
			continue
		}
		if !keep {
			if err := s.dec.SkipValue(); err != nil {
				return nil, f, err
			}
			continue
		}
		s.seen[clean] = true
		if err := s.enc.WriteToken(jsontext.String(clean)); err != nil {
			return nil, f, err
		}
		if err := s.copyClean(); err != nil {
			return nil, f, err
		}
	}
	if _, err := s.dec.ReadToken(); err != nil { // '}'
		return nil, f, err
	}
	if err := s.enc.WriteToken(jsontext.EndObject); err != nil {
		return nil, f, err
	}
	out := bytes.TrimRight(s.buf.Bytes(), "\n")
	return deviceJSON(bytes.Clone(out)), f, nil
}

func (s *deviceShaper) writeMember(name string, v jsontext.Token) error {
	s.seen[name] = true
	if err := s.enc.WriteToken(jsontext.String(name)); err != nil {
		return err
	}
	return s.enc.WriteToken(v)
}

// copyClean copies one value, cleaning every string and name in it.
func (s *deviceShaper) copyClean() error {
	depth := 0
	for {
		tok, err := s.dec.ReadToken()
		if err != nil {
			return err
		}
		switch tok.Kind() {
		case '"':
			tok = jsontext.String(sanitize.String(tok.String()))
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		if err := s.enc.WriteToken(tok); err != nil {
			return err
		}
		if depth == 0 {
			return nil
		}
	}
}

// pageDevices returns a page's devices as JSON objects: FortiGate Cloud's own bytes, or the
// decoded devices encoded (test fakes build pages by hand).
func pageDevices(p *fortigatecloud.DevicePage) ([]json.RawMessage, error) {
	if len(p.Raw) > 0 || len(p.Devices) == 0 {
		return p.Raw, nil
	}
	out := make([]json.RawMessage, 0, len(p.Devices))
	for _, d := range p.Devices {
		b, err := json.Marshal(d)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
