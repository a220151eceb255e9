package emulator

import (
	"slices"
	"sync"
	"time"
)

// SOCaaS state: alerts, comments, files, service requests, the per-IP rate
// limiter and counters, under one lock (forticloud-api.md §5).

// SOCaaSIndicator is an indicator of compromise on an alert [inf: shape].
type SOCaaSIndicator struct {
	Type  string // "ip", "domain", "hash", "user"
	Value string
}

// SOCaaSEndpoint is an endpoint an alert affects [inf: shape].
type SOCaaSEndpoint struct{ Hostname, IP, MAC, OS string }

// SOCaaSAsset is a monitored device (a FortiGate of the demo fleet) [inf: shape].
type SOCaaSAsset struct{ Serial, Name, Model string }

// SOCaaSEvent is a log row behind an alert, copied from a FortiAnalyzer
// row [inf: shape].
type SOCaaSEvent struct {
	Time                                                  time.Time
	LogID, LogType, DevName, DevID, SrcIP, DstIP, DstPort string
	Action, Msg                                           string
}

// SOCaaSLinkedAlert is a FortiAnalyzer alert the SOC escalation groups [inf].
type SOCaaSLinkedAlert struct {
	FAZAlertID, Trigger, Severity, DevName string
	Time                                   time.Time
	LogCount                               int
}

// SOCaaSAttachment names a file served by GET /socaasAPI/v1/file.
type SOCaaSAttachment struct{ UUID, Filename, ContentType string }

// SOCaaSAlert is a SOCaaS alert (forticloud-api.md §5.2 list item plus the
// detail arrays). CreatedDate may be the Unix epoch, rendered
// 1970-01-01T00:00:00Z as the reference shows.
type SOCaaSAlert struct {
	UUID                                                    string
	ID                                                      int
	Name, Severity, Type, Status, SLA, Description          string
	ClosureNotes, AnalysisRecommendation, EscalationPath    string
	AffectedEndpoint, ClientUUID, ClientName, FCClientName  string
	FCAccountID, SelfFCAccountID, MSSPFCAccountID           int64
	CreatedDate, ModifiedDate, DetectedDate, EscalationDate time.Time
	// Escalated is escalated_to_incident=yes. Only escalated alerts in a
	// SOC-reviewed status are served (§5.2); the others exist for realism.
	Escalated        bool
	Alerts           []SOCaaSLinkedAlert
	Assets           []SOCaaSAsset
	Attachments      []SOCaaSAttachment
	Endpoints        []SOCaaSEndpoint
	Events           []SOCaaSEvent
	EventUsers       []string
	ForensicAnalysis []string
	Indicators       []SOCaaSIndicator
}

func (a *SOCaaSAlert) clone() SOCaaSAlert {
	c := *a
	c.Alerts = slices.Clone(a.Alerts)
	c.Assets = slices.Clone(a.Assets)
	c.Attachments = slices.Clone(a.Attachments)
	c.Endpoints = slices.Clone(a.Endpoints)
	c.Events = slices.Clone(a.Events)
	c.EventUsers = slices.Clone(a.EventUsers)
	c.ForensicAnalysis = slices.Clone(a.ForensicAnalysis)
	c.Indicators = slices.Clone(a.Indicators)
	return c
}

// SOCaaSComment is a comment on an alert or a service request.
type SOCaaSComment struct {
	UUID, Module, RelatedUUID string // Module: "alerts" or "service_request"
	Content, Tag              string
	CreateUser, ModifyUser    string
	CreatedDate, ModifiedDate time.Time
}

// SOCaaSServiceRequest is a service request (§5.2).
type SOCaaSServiceRequest struct {
	UUID                       string
	ID                         int
	Title, Type, Status, Notes string
	Notification               bool
	ClientUUID, ClientName     string
	ClosureNotes, CreateUser   string
	CreatedDate, ModifiedDate  time.Time
	FCAccountID                int64
	Attachments                []SOCaaSAttachment
}

type socFile struct {
	uuid, module, filename, contentType string // module: "attachment" or "report"
	content                             []byte
}

type socStore struct {
	mu       sync.Mutex
	alerts   []*SOCaaSAlert
	byUUID   map[string]*SOCaaSAlert
	comments map[string][]*SOCaaSComment // module + "\x00" + uuid
	ncomment int
	files    map[string]*socFile
	srs      []*SOCaaSServiceRequest
	srByUUID map[string]*SOCaaSServiceRequest
	nextSR   int

	hits    map[string][]time.Time // accepted requests per source IP and method class, last hour
	posts   int
	limited int
}

func newSOCStore() *socStore {
	return &socStore{byUUID: map[string]*SOCaaSAlert{}, comments: map[string][]*SOCaaSComment{},
		files: map[string]*socFile{}, srByUUID: map[string]*SOCaaSServiceRequest{}, hits: map[string][]time.Time{}}
}

// Bounds for long sandbox sessions (the POST rate limit bounds them too).
const (
	socMaxComments = 20000
	socMaxSRs      = 5000
)

func (s *socStore) addAlert(a *SOCaaSAlert) {
	s.alerts = append(s.alerts, a)
	s.byUUID[a.UUID] = a
}

func (s *socStore) addSR(sr *SOCaaSServiceRequest) {
	s.srs = append(s.srs, sr)
	s.srByUUID[sr.UUID] = sr
	if sr.ID >= s.nextSR {
		s.nextSR = sr.ID + 1
	}
}

func (s *socStore) addComment(c *SOCaaSComment) {
	k := c.Module + "\x00" + c.RelatedUUID
	s.comments[k] = append(s.comments[k], c)
	s.ncomment++
}

func (s *socStore) addFile(f *socFile) { s.files[f.uuid] = f }

// SOCaaSAlerts returns a snapshot of every SOCaaS alert, escalated or not,
// in seed order.
func (e *Emulator) SOCaaSAlerts() []SOCaaSAlert {
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SOCaaSAlert, len(s.alerts))
	for i, a := range s.alerts {
		out[i] = a.clone()
	}
	return out
}

// SOCaaSComments returns the comments on the alert or service request uuid,
// oldest first.
func (e *Emulator) SOCaaSComments(uuid string) []SOCaaSComment {
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SOCaaSComment
	for _, m := range []string{"alerts", "service_request"} {
		for _, c := range s.comments[m+"\x00"+uuid] {
			out = append(out, *c)
		}
	}
	return out
}

// SOCaaSServiceRequests returns a snapshot of the service requests.
func (e *Emulator) SOCaaSServiceRequests() []SOCaaSServiceRequest {
	s := e.soc
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SOCaaSServiceRequest, len(s.srs))
	for i, sr := range s.srs {
		out[i] = *sr
		out[i].Attachments = slices.Clone(sr.Attachments)
	}
	return out
}

// SOCaaSPosts returns how many SOCaaS POSTs succeeded.
func (e *Emulator) SOCaaSPosts() int {
	e.soc.mu.Lock()
	defer e.soc.mu.Unlock()
	return e.soc.posts
}

// SOCaaSRateLimited returns how many 429s SOCaaS sent.
func (e *Emulator) SOCaaSRateLimited() int {
	e.soc.mu.Lock()
	defer e.soc.mu.Unlock()
	return e.soc.limited
}

// Rate limits per source IP (forticloud-api.md §5.1 [3p]): GET 100/min and
// 1000/h, POST 5/min and 60/h. A configured per-minute figure keeps the
// reference's ratio for the hour (GET ×10, POST ×12) [inf].
func (e *Emulator) socLimits(post bool) (perMin, perHour int) {
	n, defMin, ratio := e.opts.SOCaaSGetPerMinute, 100, 10
	if post {
		n, defMin, ratio = e.opts.SOCaaSPostPerMinute, 5, 12
	}
	switch {
	case n < 0:
		return -1, -1
	case n == 0:
		n = defMin
	}
	return n, n * ratio
}

// admit counts a request against key's windows. When a window is full it
// refuses, counts a 429 and returns how long until a slot frees. Refused
// requests do not use a slot [inf].
func (s *socStore) admit(key string, now time.Time, perMin, perHour int) (bool, time.Duration) {
	if perMin < 0 {
		return true, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	hits := s.hits[key]
	i := 0
	for i < len(hits) && !now.Before(hits[i].Add(time.Hour)) {
		i++
	}
	hits = hits[i:]
	inMin := 0
	for j := len(hits) - 1; j >= 0 && now.Before(hits[j].Add(time.Minute)); j-- {
		inMin++
	}
	var wait time.Duration
	if inMin >= perMin {
		wait = max(wait, hits[len(hits)-perMin].Add(time.Minute).Sub(now))
	}
	if len(hits) >= perHour {
		wait = max(wait, hits[len(hits)-perHour].Add(time.Hour).Sub(now))
	}
	if inMin >= perMin || len(hits) >= perHour {
		s.hits[key] = hits
		s.limited++
		return false, max(wait, time.Second)
	}
	if len(hits) == 0 {
		hits = nil // let the old backing array go
	}
	s.hits[key] = append(hits, now)
	return true, 0
}
