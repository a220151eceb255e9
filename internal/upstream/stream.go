package upstream

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Stream is a reply handed over open by ExchangeStream: status, headers, and the body decoded
// (gunzipped, by header or by magic bytes) as it is read.
type Stream struct {
	Status int
	Header http.Header
	Body   io.Reader
}

// ExchangeStream sends c under the guard's policy, as Exchange does, but hands the reply to read
// open instead of reading it whole, so that read can stop as soon as it has what it needs: the
// body is closed when read returns, however much of it was read. It returns read's error, or an
// *Error when there was no usable reply.
//
// The retry and breaker rules are Exchange's:
//   - An answer its status would have retried (429; 502/503/504 of an idempotent, not relayed
//     call) is read here, up to c.Limit, and handed to read only when the guard gives up on it
//     (attempts spent, or no time left to wait), as Exchange returns the last answer.
//   - A body that fails in transit while read reads it (a reset, corrupt or cut gzip) is what a
//     failed whole read is to Exchange: an idempotent call is sent again, and read runs again
//     from the start on the new reply. read must therefore keep nothing from an earlier run.
//     Nothing else read returns is retried.
//   - The breaker hears about the attempt once read is done: a body that failed in transit
//     counts as Exchange's failed read; whatever read itself decides (an error status, a body it
//     does not like) is not a transport failure: the service answered.
func (g *Guard) ExchangeStream(ctx context.Context, hc *http.Client, c Call, read func(*Stream) error) error {
	p := g.Policy.withDefaults()
	var prev *answer
	for attempt := 1; ; attempt++ {
		ok, probe, wait, last := g.Breaker.allow()
		if !ok {
			return g.refused(c, wait, last)
		}
		st := g.streamAttempt(ctx, hc, c, probe, p, attempt, read)
		if ctx.Err() != nil && prev != nil && !st.handed {
			// Our deadline cut the retry short: the service's previous answer says more.
			return handOver(prev, read)
		}
		if !st.retry || ctx.Err() != nil {
			return st.result(read)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < st.delay+minAttemptBudget {
			return st.result(read) // waiting would leave no time to try
		}
		prev = &st.answer
		sleep := g.Sleep
		if sleep == nil {
			sleep = sleepCtx
		}
		if serr := sleep(ctx, st.delay); serr != nil {
			return st.result(read)
		}
	}
}

// streamed is what one ExchangeStream attempt came to.
type streamed struct {
	answer        // a reply buffered here (or no reply), when read did not run
	handed  bool  // read ran on this attempt's reply
	readErr error // what read returned
	retry   bool  // the policy would send again
	delay   time.Duration
}

// result ends the exchange with this attempt: read's own outcome, or the buffered answer handed
// over.
func (s *streamed) result(read func(*Stream) error) error {
	if s.handed {
		return s.readErr
	}
	return handOver(&s.answer, read)
}

// handOver gives read a reply the guard buffered, or returns the attempt's error.
func handOver(a *answer, read func(*Stream) error) error {
	if a.err != nil {
		return a.err
	}
	return read(&Stream{Status: a.rep.Status, Header: a.rep.Header, Body: bytes.NewReader(a.rep.Body)})
}

// streamAttempt sends once and tells the breaker what it learnt; a panic below (a credential
// source, a transport, read) still releases a probe, as a failure, before it goes on up.
func (g *Guard) streamAttempt(ctx context.Context, hc *http.Client, c Call, probe bool, p Policy, attempt int, read func(*Stream) error) streamed {
	done := false
	defer func() {
		if !done {
			g.Breaker.record(probe, failing, "panic")
		}
	}()
	st, rep, err := g.streamOnce(ctx, hc, c, p, attempt, read)
	o, why := serviceOutcome(ctx, c, rep, err)
	done = true
	g.Breaker.record(probe, o, why)
	return st
}

// streamOnce sends once and, unless the status calls for another attempt, hands the open reply
// to read. rep and err are what Exchange's attempt would have seen, for the breaker: the reply,
// or how the exchange failed (sending, or in transit while the body was read).
func (g *Guard) streamOnce(ctx context.Context, hc *http.Client, c Call, p Policy, attempt int, read func(*Stream) error) (st streamed, rep *Reply, err error) {
	resp, err := send(ctx, hc, c)
	if err != nil {
		st.answer = answer{nil, err}
		st.delay, st.retry = g.retryDelay(p, c, nil, err, attempt)
		return st, nil, err
	}
	defer resp.Body.Close()
	rep = &Reply{Status: resp.StatusCode, Header: resp.Header}
	if delay, retry := g.retryDelay(p, c, rep, nil, attempt); retry {
		// An answer to send again after (a 429, a gateway error): small, and kept whole in
		// case the guard gives up on it and must hand it over.
		rep, err = readWhole(resp, c)
		st.answer = answer{rep, err}
		if err != nil {
			st.delay, st.retry = g.retryDelay(p, c, nil, err, attempt)
			return st, rep, err
		}
		st.delay, st.retry = delay, true
		return st, rep, nil
	}
	body, err := DecodedBody(resp)
	if err != nil {
		err = &Error{Service: c.Service, Op: c.Op, Status: resp.StatusCode, Err: err}
		st.answer = answer{nil, err}
		st.delay, st.retry = g.retryDelay(p, c, nil, err, attempt)
		return st, nil, err
	}
	tb := &transitBody{r: body, service: c.Service, op: c.Op, status: resp.StatusCode}
	st.handed = true
	st.readErr = read(&Stream{Status: resp.StatusCode, Header: resp.Header, Body: tb})
	if tb.err == nil {
		return st, rep, nil
	}
	if st.readErr != nil {
		// read gave up because the body failed: the rule of a failed whole read.
		st.answer = answer{nil, tb.err}
		st.delay, st.retry = g.retryDelay(p, c, nil, tb.err, attempt)
	}
	return st, nil, tb.err
}

// transitBody is a handed-over body that remembers how it failed in transit, for the retry
// rules and the breaker, and names the call in that failure.
type transitBody struct {
	r       io.Reader
	service string
	op      string
	status  int
	err     error // the first failure other than io.EOF
}

func (b *transitBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = &Error{Service: b.service, Op: b.op, Status: b.status, Err: fmt.Errorf("reading reply: %w", err)}
		return n, b.err
	}
	return n, err
}
