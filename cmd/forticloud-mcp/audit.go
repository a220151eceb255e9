package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
)

type auditCmd struct {
	storeFlags `embed:""`
	After      int64         `name:"after" placeholder:"SEQ" help:"Only events after this sequence number (the seq of the last line you read)."`
	Since      time.Duration `name:"since" placeholder:"DURATION" help:"Only events of the last DURATION (e.g. 30m, 24h)."`
	Limit      int           `name:"limit" placeholder:"N" help:"At most N events (default: all)."`

	now func() time.Time // tests fix the clock; nil is time.Now
}

// auditLine is one event of the trail with the attempt it belongs to, so that each line stands
// alone for grep and jq.
type auditLine struct {
	Seq     int64  `json:"seq"`
	Time    string `json:"time"`
	Event   string `json:"event"`
	Channel string `json:"channel,omitempty"`
	Actor   string `json:"actor,omitempty"`
	Detail  string `json:"detail,omitempty"`

	ID      string `json:"id,omitempty"`
	Tool    string `json:"tool,omitempty"`
	Service string `json:"service,omitempty"`
	Target  string `json:"target,omitempty"`
	Method  string `json:"method,omitempty"`
	Summary string `json:"summary,omitempty"`
	Cost    string `json:"cost,omitempty"`
	Payload string `json:"payload,omitempty"` // redacted when recorded
	Digest  string `json:"digest,omitempty"`
	Mode    string `json:"approval_mode,omitempty"`
	Status  string `json:"status,omitempty"`  // the attempt's status now, not at the event
	Outcome string `json:"outcome,omitempty"` // likewise
	Missing bool   `json:"attempt_missing,omitempty"`
}

// auditPage bounds the events read at once, so that a long trail streams instead of loading.
const auditPage = 500

func (c *auditCmd) Run(ctx context.Context) error {
	if c.Limit < 0 {
		return errors.New("--limit: must not be negative")
	}
	if c.Since < 0 {
		return errors.New("--since: must not be negative")
	}
	st, _, err := c.open()
	if err != nil {
		return err
	}
	defer st.Close()
	var cutoff time.Time
	if c.Since > 0 {
		cutoff = clock(c.now).Add(-c.Since)
	}
	attempts := map[string]*audit.Attempt{}
	enc := json.NewEncoder(c.out())
	after, written := c.After, 0
	for {
		events, err := st.Events(ctx, after, auditPage)
		if err != nil {
			return err
		}
		for _, e := range events {
			after = e.Seq
			if !cutoff.IsZero() && e.Time.Before(cutoff) {
				continue
			}
			line := auditLine{Seq: e.Seq, Time: e.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Event: e.Event,
				Channel: e.Channel, Actor: e.Actor, Detail: e.Detail, ID: e.Attempt}
			if e.Attempt != "" {
				a, ok := attempts[e.Attempt]
				if !ok {
					a, err = st.Get(ctx, e.Attempt)
					if err != nil && !errors.Is(err, audit.ErrNotFound) {
						return err
					}
					attempts[e.Attempt] = a
				}
				if a != nil {
					line.Tool, line.Service, line.Target, line.Method, line.Summary = a.Tool, a.Service, a.Target, a.Method, a.Summary
					line.Cost, line.Payload, line.Digest, line.Mode = a.Cost, a.Payload, a.Digest, a.Mode
					line.Status, line.Outcome = a.Status, a.Outcome
				} else {
					line.Missing = true // a refused answer naming an attempt we never recorded
				}
			}
			if err := enc.Encode(line); err != nil {
				return fmt.Errorf("writing: %w", err)
			}
			written++
			if c.Limit > 0 && written == c.Limit {
				return nil
			}
		}
		if len(events) < auditPage {
			return nil
		}
	}
}
