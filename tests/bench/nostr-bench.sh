#!/usr/bin/env bash
# Benchmark (not a test; ctest does not run it): Nostr signing and verification by afk_nostr
# (afk-nostr-bench) vs nostr-tools in Node on the same event shape, and the time from the
# studio's first servable segment to the relay holding its live event (median of 3 runs).
#   bash tests/bench/nostr-bench.sh [build dir]   (default build/; needs afk-studio and
#                                                  afk-nostr-bench built there)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO="$PWD"
BUILD="${1:-$REPO/build}"
BENCH_BIN="$BUILD/tests/bench/afk-nostr-bench"
export AFK_STUDIO_BIN="${AFK_STUDIO_BIN:-$BUILD/app/afk-studio}"
EVENTS="${AFK_BENCH_EVENTS:-2000}"
for bin in "$BENCH_BIN" "$AFK_STUDIO_BIN"; do
  [ -x "$bin" ] || { echo "nostr-bench: $bin not built" >&2; exit 1; }
done
[ -f tests/e2e/node_modules/nostr-tools/package.json ] || (cd tests/e2e && npm ci --no-audit --no-fund)
[ -f tests/nostr/relay/node_modules/@nostr-relay/core/package.json ] || (cd tests/nostr/relay && npm ci --no-audit --no-fund)

# Best of 3 for each side (the machine is shared: the best run is the least disturbed one).
best() { # <field> <json lines…>
  local field="$1"; shift
  printf '%s\n' "$@" | sed -n "s/.*\"$field\":\([0-9.]*\).*/\1/p" | sort -n | tail -1
}
ours=(); theirs=()
for _ in 1 2 3; do
  ours+=("$("$BENCH_BIN" --events "$EVENTS")")
  theirs+=("$(node tests/bench/nostr-bench.mjs sign-verify --events "$EVENTS")")
done
our_sign=$(best signPerSecond "${ours[@]}"); our_verify=$(best verifyPerSecond "${ours[@]}")
their_sign=$(best signPerSecond "${theirs[@]}"); their_verify=$(best verifyPerSecond "${theirs[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
printf 'events per run: %s (kind 1311, one a tag), best of 3 runs\n' "$EVENTS"
printf '%-10s %14s %14s %8s\n' '' 'afk_nostr/s' 'nostr-tools/s' 'ratio'
printf '%-10s %14s %14s %8s\n' sign "$our_sign" "$their_sign" "$(ratio "$our_sign" "$their_sign")"
printf '%-10s %14s %14s %8s\n' verify "$our_verify" "$their_verify" "$(ratio "$our_verify" "$their_verify")"

golive=$(node tests/bench/nostr-bench.mjs go-live --runs 3)
printf 'first segment ready -> live event on the relay: %s ms median (runs: %s)\n' \
  "$(sed -n 's/.*"medianMs":\([0-9]*\).*/\1/p' <<<"$golive")" \
  "$(sed -n 's/.*"runsMs":\[\([0-9,]*\)\].*/\1/p' <<<"$golive")"
