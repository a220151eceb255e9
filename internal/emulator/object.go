package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// object is a JSON object that keeps its keys in insertion order. FortiOS
// emits keys in a fixed schema order (policyid first, q_origin_key second...);
// a Go map would sort them alphabetically, which no real device does.
type object []field

type field struct {
	k string
	v any
}

// obj builds an object from alternating keys and values. A malformed call is
// a programming error in the seed code, so it panics.
func obj(kv ...any) object {
	if len(kv)%2 != 0 {
		panic("emulator: obj needs key/value pairs")
	}
	o := make(object, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			panic(fmt.Sprintf("emulator: obj key %v is not a string", kv[i]))
		}
		o = append(o, field{k, kv[i+1]})
	}
	return o
}

func (o object) get(k string) (any, bool) {
	for _, f := range o {
		if f.k == k {
			return f.v, true
		}
	}
	return nil, false
}

func (o object) str(k string) string {
	v, _ := o.get(k)
	s, _ := v.(string)
	return s
}

func (o object) has(k string) bool {
	_, ok := o.get(k)
	return ok
}

// set replaces the value of k, or appends k when absent.
func (o *object) set(k string, v any) {
	for i := range *o {
		if (*o)[i].k == k {
			(*o)[i].v = v
			return
		}
	}
	*o = append(*o, field{k, v})
}

func (o object) clone() object {
	c := make(object, len(o))
	for i, f := range o {
		c[i] = field{f.k, cloneValue(f.v)}
	}
	return c
}

// cloneValue deep-copies the value kinds the emulator stores.
func cloneValue(v any) any {
	switch t := v.(type) {
	case object:
		return t.clone()
	case []object:
		c := make([]object, len(t))
		for i := range t {
			c[i] = t[i].clone()
		}
		return c
	case []any:
		c := make([]any, len(t))
		for i := range t {
			c[i] = cloneValue(t[i])
		}
		return c
	case []int64:
		return append([]int64(nil), t...)
	case [][2]int64:
		return append([][2]int64(nil), t...)
	default:
		return v
	}
}

// MarshalJSON writes the fields in insertion order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.k)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.k, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// refs builds a FortiOS reference list: [{"name":n,"q_origin_key":n}, ...]
// (fortios-and-faz-data.md §1.4).
func refs(names ...string) []object {
	out := make([]object, 0, len(names))
	for _, n := range names {
		out = append(out, obj("name", n, "q_origin_key", n))
	}
	return out
}

// refNames returns the names in a reference list.
func refNames(v any) []string {
	list, _ := v.([]object)
	out := make([]string, 0, len(list))
	for _, r := range list {
		out = append(out, r.str("name"))
	}
	return out
}
