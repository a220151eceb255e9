package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// FortiFlex request bodies (forticloud-api.md §2.1–§2.3).
//
// The service looks like an ASP.NET application: the stop reply's endDate
// "2025-08-07T15:04:32.6531463-07:00" is .NET's round-trip date form, and
// startDate "2023-03-13T11:48:53.03" drops trailing zeros the way
// Json.NET does. The emulator therefore binds bodies the way such a service
// does [inf]: field names match case-insensitively, unknown fields are
// ignored, a numeric string is accepted for a number (Postman sends configId
// as "000", §2.3) and a number for a string.

// flexBody is a decoded request body, keyed by lower-cased field name.
type flexBody map[string]any

var errFlexNotObject = flexBad("Request body must be a JSON object.")

// parseFlexBody decodes a request body. An empty body, null and "" count as
// {}: CSE-FLEX's programs_list posts the JSON string "" (§2.1 allows {}) [inf].
func parseFlexBody(b []byte) (flexBody, *flexError) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return flexBody{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, flexBad("Request body is not valid JSON.")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, flexBad("Request body is not valid JSON.")
	}
	switch t := v.(type) {
	case nil:
		return flexBody{}, nil
	case string:
		if t == "" {
			return flexBody{}, nil
		}
		return nil, errFlexNotObject
	case map[string]any:
		// Sorted so that keys differing only in case resolve the same way
		// every time (the later one in byte order wins) [inf].
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(flexBody, len(t))
		for _, k := range keys {
			out[strings.ToLower(k)] = t[k]
		}
		return out, nil
	default:
		return nil, errFlexNotObject
	}
}

func invalidField(name string) *flexError {
	return flexBad(fmt.Sprintf("Invalid value for %s.", name))
}

func requiredField(name string) *flexError {
	return flexBad(fmt.Sprintf("%s is required.", name))
}

// str reads a text field. A number is accepted as its text [inf].
func (b flexBody) str(name string) (string, bool, *flexError) {
	switch v := b[strings.ToLower(name)].(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case json.Number:
		return v.String(), true, nil
	default:
		return "", false, invalidField(name)
	}
}

// reqStr reads a text field that must be present and not blank.
func (b flexBody) reqStr(name string) (string, *flexError) {
	s, ok, err := b.str(name)
	if err != nil {
		return "", err
	}
	if !ok || strings.TrimSpace(s) == "" {
		return "", requiredField(name)
	}
	return strings.TrimSpace(s), nil
}

// int reads a whole-number field: a JSON integer or a numeric string [inf].
// An empty string counts as absent, as a nullable number binds it [inf].
func (b flexBody) int(name string) (int64, bool, *flexError) {
	var s string
	switch v := b[strings.ToLower(name)].(type) {
	case nil:
		return 0, false, nil
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
		if s == "" {
			return 0, false, nil
		}
	default:
		return 0, false, invalidField(name)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, invalidField(name)
	}
	return n, true, nil
}

func (b flexBody) reqInt(name string) (int64, *flexError) {
	n, ok, err := b.int(name)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, requiredField(name)
	}
	return n, nil
}

// boolean reads a true/false field; "true" and "false" strings are accepted [inf].
func (b flexBody) boolean(name string) (bool, bool, *flexError) {
	switch v := b[strings.ToLower(name)].(type) {
	case nil:
		return false, false, nil
	case bool:
		return v, true, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, true, nil
		case "false":
			return false, true, nil
		}
	}
	return false, false, invalidField(name)
}

// params reads a parameters array: [{"id": n, "value": "..."}].
func (b flexBody) params(name string) ([]flexParam, bool, *flexError) {
	raw := b[strings.ToLower(name)]
	if raw == nil {
		return nil, false, nil
	}
	arr, ok := raw.([]any)
	if !ok {
		return nil, false, invalidField(name)
	}
	if len(arr) > maxFlexParams {
		return nil, false, flexBad(fmt.Sprintf("Too many %s.", name))
	}
	out := make([]flexParam, 0, len(arr))
	for _, el := range arr {
		m, ok := el.(map[string]any)
		if !ok {
			return nil, false, invalidField(name)
		}
		entry := flexBody{}
		for k, v := range m {
			entry[strings.ToLower(k)] = v
		}
		id, ok, err := entry.int("id")
		if err != nil || !ok || id <= 0 || id > math.MaxInt32 {
			return nil, false, flexBad("Parameter id is missing or not valid.")
		}
		v, ok, err := entry.str("value")
		if err != nil || !ok {
			return nil, false, flexBad(fmt.Sprintf("Parameter id %d value is missing or not valid.", id))
		}
		out = append(out, flexParam{id: int(id), value: v})
	}
	return out, true, nil
}

// maxFlexParams bounds the parameters of one request [inf].
const maxFlexParams = 64

// Dates. Input endDate takes any ISO 8601 form; the reference lists
// YYYY-MM-DD, YYYY-MM-DDThh:mm:ss and YYYY-MM-DD hh:mm:ss, with fraction or
// offset (§2.1). A time without an offset is read as UTC: the emulator keeps
// every date in UTC [inf].
var flexDateLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04:05Z07:00", // Go accepts a fraction after the seconds when parsing
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
}

func parseFlexDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 || len(s) > 40 {
		return time.Time{}, false
	}
	for _, l := range flexDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// date reads an optional date field.
func (b flexBody) date(name string) (time.Time, bool, *flexError) {
	s, ok, err := b.str(name)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	if strings.TrimSpace(s) == "" {
		return time.Time{}, false, nil
	}
	t, ok := parseFlexDate(s)
	if !ok {
		return time.Time{}, false, flexBad(fmt.Sprintf("%s %q is not a valid date.", name, clip(s, 40)))
	}
	return t, true, nil
}

// Date forms in replies (§2.1), all in UTC except the stop date.
const (
	flexProgramDate = "2006-01-02T15:04:05"     // programs: "2026-05-10T00:00:00"
	flexStartDate   = "2006-01-02T15:04:05.999" // "2025-08-06T10:36:29.723"; trailing zeros dropped, as Json.NET does
	flexEndDate     = "2006-01-02T15:04:05"     // "2025-08-09T00:00:00"
	// flexStopDate is endDate after a stop: "2025-08-07T15:04:32.6531463-07:00".
	flexStopDate = "2006-01-02T15:04:05.9999999-07:00"
)

// flexStopZone renders stop dates with the service's offset. LAB105 shows
// -07:00 (US Pacific, daylight time); a fixed offset keeps the emulator free
// of time-zone data while still giving clients a non-UTC offset to parse [inf].
var flexStopZone = time.FixedZone("PDT", -7*3600)

// day truncates t to its UTC calendar day.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
