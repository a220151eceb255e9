package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/forticloud-mcp/forticloud-mcp/internal/approval"
	"github.com/forticloud-mcp/forticloud-mcp/internal/audit"
	"github.com/forticloud-mcp/forticloud-mcp/internal/sanitize"
)

// Flash codes: the outcome of a decision, carried through the redirect back to the page. Only
// these codes (and an id of the right shape) are read back, so a crafted link cannot put words
// on the page.
const (
	flashApproved = "approved"
	flashDenied   = "denied"
	flashAlready  = "already"
	flashExpired  = "expired"
	flashNotFound = "notfound"
	flashNothing  = "nothing"
	flashFailed   = "failed"
	flashInvalid  = "invalid"
)

func flashFor(approve bool, err error) string {
	switch {
	case err == nil && approve:
		return flashApproved
	case err == nil:
		return flashDenied
	case errors.Is(err, audit.ErrNotFound):
		return flashNotFound
	case errors.Is(err, audit.ErrNotPending):
		return flashAlready
	case errors.Is(err, audit.ErrExpired):
		return flashExpired
	case errors.Is(err, approval.ErrNothingToRun):
		return flashNothing
	}
	return flashFailed
}

type flashView struct {
	Kind string // ok | warn | error: the colour
	Text string
}

type pendingView struct {
	ID, Tool, Service, Target, Method, Summary, Cost, Payload string
	Requested, ExpiresAt, ExpiresIn                           string
	// NotApprovable says why an approval here would run nothing (its server stopped): only Deny
	// is offered.
	NotApprovable string
}

type historyView struct {
	Time, ID, Tool, Service, Target, Status, Reason, DecidedBy, Outcome, Detail string
	StatusClass                                                                 string
}

type pageData struct {
	Base, CSRF string
	Refresh    string // <meta refresh> content; "" while approvals wait (a reason being typed would be lost)
	Flash      *flashView
	Pending    []pendingView
	Elsewhere  int // pending attempts asked through an MCP client, not decidable here
	History    []historyView
	Now        string
}

// clean strips hidden characters from model-influenced text before display (escaping is the
// template's job): a bidi override could make a payload read differently than it is.
func clean(s string) string { return sanitize.String(s) }

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// until says how long is left, to the second.
func until(d time.Duration) string {
	if d <= 0 {
		return "expired"
	}
	d = d.Round(time.Second)
	m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
	if m == 0 {
		return fmt.Sprintf("%ds", s)
	}
	return fmt.Sprintf("%dm %02ds", m, s)
}

func (c *console) pageView(ctx context.Context, session string, pending, history []*audit.Attempt, q url.Values) pageData {
	now := c.now()
	d := pageData{Base: c.base, CSRF: c.csrfToken(session), Now: stamp(now)}
	for _, a := range pending {
		if a.Channel != approval.ChannelConsole {
			d.Elsewhere++
			continue
		}
		d.Pending = append(d.Pending, pendingView{ID: a.ID, Tool: clean(a.Tool), Service: clean(a.Service), Target: clean(a.Target),
			Method: clean(a.Method), Summary: clean(a.Summary), Cost: clean(a.Cost), Payload: clean(a.Payload),
			Requested: stamp(a.Created), ExpiresAt: stamp(a.Expires), ExpiresIn: until(a.Expires.Sub(now))})
		if err := approval.Approvable(a); err != nil {
			d.Pending[len(d.Pending)-1].NotApprovable = nothingToRun(err)
		}
	}
	for _, a := range history {
		h := historyView{Time: stamp(a.Created), ID: a.ID, Tool: clean(a.Tool), Service: clean(a.Service), Target: clean(a.Target),
			Status: a.Status, Reason: clean(a.Reason), DecidedBy: clean(a.DecidedBy), Outcome: a.Outcome, Detail: clean(a.Detail)}
		switch {
		case a.Status == audit.Pending && !a.Open(now):
			h.Status = "expired" // not yet settled in the store, but it can no longer be decided
		case a.Status == audit.Pending && a.Channel != approval.ChannelConsole:
			h.Status = "pending (asked in the MCP client)"
		case a.Status == audit.Approved && a.Outcome == "":
			h.Outcome = "not finished"
		}
		h.StatusClass = statusClass(a)
		d.History = append(d.History, h)
	}
	if len(d.Pending) == 0 {
		d.Refresh = "5; url=" + c.base
	}
	d.Flash = c.flash(ctx, q)
	if d.Flash != nil && d.Refresh != "" {
		d.Refresh = "15; url=" + c.base // time to read the message, then drop it from the address
	}
	return d
}

func statusClass(a *audit.Attempt) string {
	switch {
	case a.Outcome == audit.Failed:
		return "bad"
	case a.Outcome == audit.Succeeded:
		return "good"
	case a.Status == audit.Approved:
		return "good"
	case a.Status == audit.Pending:
		return "wait"
	}
	return "bad"
}

// flash turns a flash code back into the message, naming the approval when the id is one.
func (c *console) flash(ctx context.Context, q url.Values) *flashView {
	code := q.Get("flash")
	if code == "" {
		return nil
	}
	id := q.Get("id")
	var a *audit.Attempt
	if idPattern.MatchString(id) {
		a, _ = c.store.Get(ctx, id)
	}
	name, what := "That approval", ""
	if a != nil {
		name, what = a.ID, fmt.Sprintf(" (%s on %s)", clean(a.Tool), clean(a.Target))
	}
	switch code {
	case flashApproved:
		return &flashView{"ok", fmt.Sprintf("Approved %s%s. The server holding it runs it now; its outcome appears in the history below.", name, what)}
	case flashDenied:
		return &flashView{"ok", fmt.Sprintf("Denied %s%s: it will not run.", name, what)}
	case flashAlready:
		text := fmt.Sprintf("%s%s was already decided; your decision was not recorded.", name, what)
		if a != nil {
			text = fmt.Sprintf("%s%s was already decided: it is %s", name, what, a.Status)
			if a.DecidedBy != "" {
				text += " (by " + clean(a.DecidedBy) + ")"
			}
			text += "; your decision was not recorded."
		}
		return &flashView{"warn", text}
	case flashExpired:
		return &flashView{"warn", fmt.Sprintf("%s%s expired before a decision: it did not run and can no longer be approved. If the change is still wanted, ask the assistant to request it again.", name, what)}
	case flashNotFound:
		return &flashView{"error", "No such approval is known to this server's audit trail."}
	case flashNothing:
		text := fmt.Sprintf("%s%s was not approved: an approval here would run nothing. You can still deny it.", name, what)
		if a != nil {
			if err := approval.Approvable(a); err != nil {
				text = fmt.Sprintf("%s%s was not approved: %s.", name, what, nothingToRun(err))
			}
		}
		return &flashView{"warn", text}
	case flashFailed:
		return &flashView{"error", "The decision could not be recorded: the audit trail is unavailable. See the server's log."}
	case flashInvalid:
		return &flashView{"error", "The form was incomplete: choose Approve or Deny."}
	}
	return nil
}

func (c *console) renderPage(w http.ResponseWriter, d pageData) {
	render(w, http.StatusOK, pageTmpl, d)
}

func (c *console) renderLogin(w http.ResponseWriter, status int, msg string) {
	render(w, status, loginTmpl, struct{ Base, Message string }{c.base, msg})
}

func (c *console) renderMessage(w http.ResponseWriter, status int, msg string) {
	render(w, status, messageTmpl, struct {
		Base, Message string
		Status        int
	}{c.base, msg, status})
}

// render executes into a buffer first, so that a template error never leaves half a page.
func render(w http.ResponseWriter, status int, t *template.Template, data any) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "page", data); err != nil {
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

const layout = `{{define "page"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
{{block "refresh" .}}{{end}}
<title>{{block "title" .}}Approvals{{end}} · forticloud-mcp</title>
<style>
:root { color-scheme: light dark; --fg: #1d232a; --muted: #5b6672; --bg: #f5f6f8; --card: #fff; --line: #d9dde3;
  --good: #1a7f37; --bad: #b42318; --wait: #9a6700; --accent: #0b5cad; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ed; --muted: #9aa4af; --bg: #15191e; --card: #1e242b; --line: #333c46;
  --good: #4ac26b; --bad: #ff7b72; --wait: #d29922; --accent: #58a6ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 1rem; padding: .8rem 1.5rem; background: var(--card); border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.15rem; margin: 0; flex: 1; }
header h1 small { color: var(--muted); font-weight: normal; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h2 { font-size: 1.05rem; margin: 1.6rem 0 .6rem; }
.muted { color: var(--muted); }
.flash { padding: .7rem 1rem; border-radius: 6px; border: 1px solid var(--line); background: var(--card); border-left: 5px solid var(--accent); }
.flash.ok { border-left-color: var(--good); } .flash.warn { border-left-color: var(--wait); } .flash.error { border-left-color: var(--bad); }
.card { background: var(--card); border: 1px solid var(--line); border-left: 5px solid var(--wait); border-radius: 6px; padding: 1rem 1.2rem; margin: 0 0 1rem; }
.card h3 { margin: 0 0 .3rem; font-size: 1.05rem; }
.card h3 code { font-size: .95rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .7rem 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: .6rem .8rem; margin: .3rem 0 .8rem;
  max-height: 24rem; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85rem; }
form.decide { display: flex; flex-wrap: wrap; align-items: center; gap: .6rem; }
input[type=text], input[type=password] { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
form.decide input[type=text] { flex: 1; min-width: 14rem; }
button { font: inherit; padding: .35rem .9rem; border-radius: 4px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; }
button.approve { background: var(--good); border-color: var(--good); color: #fff; }
button.deny { background: var(--bad); border-color: var(--bad); color: #fff; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); font-size: .88rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
td.detail { max-width: 28rem; overflow-wrap: anywhere; }
.good { color: var(--good); } .bad { color: var(--bad); } .wait { color: var(--wait); }
.nowrap { white-space: nowrap; }
a { color: var(--accent); }
</style>
</head>
<body>
{{block "body" .}}{{end}}
</body>
</html>
{{end}}`

var pageTmpl = template.Must(template.Must(template.New("layout").Parse(layout)).Parse(`
{{define "refresh"}}{{with .Refresh}}<meta http-equiv="refresh" content="{{.}}">{{end}}{{end}}
{{define "title"}}{{with .Pending}}({{len .}}) {{end}}Approvals{{end}}
{{define "body"}}
<header>
<h1>Approvals <small>forticloud-mcp</small></h1>
<a href="{{.Base}}">Refresh</a>
<form method="post" action="{{.Base}}logout"><input type="hidden" name="csrf" value="{{.CSRF}}"><button type="submit">Sign out</button></form>
</header>
<main>
{{with .Flash}}<p class="flash {{.Kind}}" role="status" id="flash">{{.Text}}</p>{{end}}

<section id="pending">
<h2>Waiting for your decision{{with .Pending}} ({{len .}}){{end}}</h2>
{{range .Pending}}
<article class="card" id="pending-{{.ID}}">
<h3><code>{{.Tool}}</code> · {{.Service}}</h3>
{{with .Summary}}<p>{{.}}</p>{{end}}
<dl>
<dt>Approval</dt><dd><code>{{.ID}}</code></dd>
<dt>Tool</dt><dd><code>{{.Tool}}</code></dd>
<dt>Service</dt><dd>{{.Service}}</dd>
<dt>Target</dt><dd class="target">{{.Target}}</dd>
<dt>Operation</dt><dd>{{.Method}}</dd>
{{with .Cost}}<dt>Cost</dt><dd>{{.}}</dd>{{end}}
<dt>Requested</dt><dd>{{.Requested}}</dd>
<dt>Expires</dt><dd>{{.ExpiresAt}} <span class="muted">(in {{.ExpiresIn}} when this page loaded)</span></dd>
</dl>
{{with .NotApprovable}}<p class="flash warn">Not approvable: {{.}}.</p>{{end}}
{{if .Payload}}<div class="muted">Payload sent upstream (secrets redacted):</div>
<pre class="payload">{{.Payload}}</pre>{{else}}<p class="muted">No payload.</p>{{end}}
<form class="decide" method="post" action="{{$.Base}}decide">
<input type="hidden" name="csrf" value="{{$.CSRF}}">
<input type="hidden" name="id" value="{{.ID}}">
<input type="text" name="reason" maxlength="500" placeholder="Reason (optional; kept in the audit trail and shown to the assistant)" aria-label="Reason">
{{if not .NotApprovable}}<button type="submit" name="decision" value="approve" class="approve" id="approve-{{.ID}}">Approve</button>{{end}}
<button type="submit" name="decision" value="deny" class="deny" id="deny-{{.ID}}">Deny</button>
</form>
</article>
{{else}}
<p class="muted">Nothing is waiting for a decision. This page refreshes itself every few seconds.</p>
{{end}}
{{if .Pending}}<p class="muted">This page does not refresh itself while approvals wait, so that a reason you type is not lost; use Refresh to see new ones.</p>{{end}}
{{with .Elsewhere}}<p class="muted">{{.}} more waiting in an MCP client's own approval prompt: answer those there (or deny them with <code>forticloud-mcp approvals deny</code>).</p>{{end}}
</section>

<section id="history">
<h2>History <span class="muted">(last 100 writes, newest first)</span></h2>
{{if .History}}
<table>
<thead><tr><th>Requested</th><th>Approval</th><th>Tool</th><th>Target</th><th>Status</th><th>Decided by</th><th>Outcome</th><th>Outcome detail</th></tr></thead>
<tbody>
{{range .History}}<tr id="history-{{.ID}}">
<td class="nowrap">{{.Time}}</td>
<td class="nowrap"><code>{{.ID}}</code></td>
<td><code>{{.Tool}}</code><br><span class="muted">{{.Service}}</span></td>
<td>{{.Target}}</td>
<td class="status {{.StatusClass}}">{{.Status}}{{with .Reason}}<br><span class="muted">{{.}}</span>{{end}}</td>
<td>{{.DecidedBy}}</td>
<td class="outcome {{.StatusClass}}">{{.Outcome}}</td>
<td class="detail">{{.Detail}}</td>
</tr>
{{end}}</tbody>
</table>
{{else}}<p class="muted">No writes yet.</p>{{end}}
<p class="muted">As of {{.Now}}.</p>
</section>
</main>
{{end}}`))

var loginTmpl = template.Must(template.Must(template.New("layout").Parse(layout)).Parse(`
{{define "title"}}Sign in{{end}}
{{define "body"}}
<header><h1>Approvals <small>forticloud-mcp</small></h1></header>
<main>
<h2>Sign in</h2>
{{with .Message}}<p class="flash error" role="alert">{{.}}</p>{{end}}
<p>Writes an AI assistant asks for wait here until you approve or deny them. Sign in with the console token:
the file <code>console-token</code> in forticloud-mcp's state directory (<code>FORTICLOUD_MCP_STATE_DIR</code>,
by default <code>~/.local/state/forticloud-mcp</code>).</p>
<form method="post" action="{{.Base}}login">
<input type="password" name="token" autocomplete="off" required aria-label="Console token" placeholder="Console token" size="40">
<button type="submit">Sign in</button>
</form>
</main>
{{end}}`))

var messageTmpl = template.Must(template.Must(template.New("layout").Parse(layout)).Parse(`
{{define "title"}}{{.Status}}{{end}}
{{define "body"}}
<header><h1>Approvals <small>forticloud-mcp</small></h1></header>
<main>
<p class="flash error" role="alert">{{.Message}}</p>
<p><a href="{{.Base}}">Back to the approvals</a></p>
</main>
{{end}}`))
