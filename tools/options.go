package tools

// Options are the server-wide settings tools obey.
type Options struct {
	// ReadOnly refuses every write; it wins over everything else.
	ReadOnly bool
	// MaxResultBytes caps the JSON a tool returns to the model.
	MaxResultBytes int
}

func (o Options) budget() int {
	if o.MaxResultBytes <= 0 {
		return 64 << 10
	}
	return o.MaxResultBytes
}

// refuseWrite explains why a write cannot run. Human approval for writes is its own piece of work
// (the approval gate); until it exists every write is refused, and read-only mode names itself.
func (o Options) refuseWrite(what string) error {
	if o.ReadOnly {
		return &RefusedError{Reason: what + " is a write, and this server runs in read-only mode (--read-only / FORTICLOUD_MCP_READ_ONLY); only reads are allowed"}
	}
	return &RefusedError{Reason: what + " is a write; writes need a person's approval, and this server has no approval channel yet, so it refuses every write. Use GET to read"}
}
