#!/usr/bin/env bash
# Performance figures in one run (docs/performance.md). Needs Go, and Node.js with npm for the peer.
#   scripts/bench.sh          the full run: prints the table, writes bench-results.json, then the Go
#                             benchmarks (BenchmarkListDevices, BenchmarkPeerEcho, fortios shaping)
#   scripts/bench.sh check    the short run CI does: fails when a ratio is clearly worse than the
#                             committed baseline (internal/bench/testdata/baseline.json)
#   scripts/bench.sh baseline the short run, written as the new baseline (after a deliberate change)
set -euo pipefail
cd "$(dirname "$0")/.."

# The peer: the MCP project's reference TypeScript server, pinned so that runs compare alike.
peer_version=2026.8.31
peer_dir=${FORTICLOUD_MCP_BENCH_PEER:-$PWD/.cache/bench-peer}
if [ ! -f "$peer_dir/node_modules/@modelcontextprotocol/server-everything/package.json" ] ||
   ! grep -q "\"version\": \"$peer_version\"" "$peer_dir/node_modules/@modelcontextprotocol/server-everything/package.json"; then
  echo "== npm install @modelcontextprotocol/server-everything@$peer_version into $peer_dir" >&2
  mkdir -p "$peer_dir"
  npm install --prefix "$peer_dir" --no-audit --no-fund --silent --no-save "@modelcontextprotocol/server-everything@$peer_version" >&2
fi
export FORTICLOUD_MCP_BENCH_PEER=$peer_dir

short=(-rounds 5 -per-round 100 -load-for 3s -starts 10 -idle-sessions 300 -huge 0 -scarce=false)
case "${1:-full}" in
full)
  go run ./internal/bench/cmd/perf -json bench-results.json
  go test -run '^$' -bench 'ListDevices|PeerEcho' -benchtime 2000x ./internal/bench
  go test -run '^$' -bench 'Shape' -benchmem ./internal/fortios
  ;;
check)
  go run ./internal/bench/cmd/perf "${short[@]}" -check internal/bench/testdata/baseline.json
  ;;
baseline)
  go run ./internal/bench/cmd/perf "${short[@]}" -json internal/bench/testdata/baseline.json
  ;;
*)
  echo "usage: scripts/bench.sh [full|check|baseline]" >&2; exit 2
  ;;
esac
