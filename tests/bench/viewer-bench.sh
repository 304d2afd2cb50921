#!/usr/bin/env bash
# Benchmark (not a test; ctest does not run it): Socket.IO viewer scale, afk-studio against the
# Node socket.io 4 server in the same run (see tests/bench/viewer-bench.mjs for what is measured).
# The client holds 10,000 sockets and each server as many: the descriptor limit is raised to the
# hard limit first (it must be above ~10,300). Takes about 8 minutes on 2 cores.
#   bash tests/bench/viewer-bench.sh [--sizes 1000,5000,10000] [--viewers 10000] [--idle-seconds 60]
#   (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ -x "${AFK_STUDIO_BIN:-build/app/afk-studio}" ] || { echo "viewer-bench: afk-studio not built" >&2; exit 1; }
[ -d tests/e2e/node_modules/socket.io ] || (cd tests/e2e && npm ci --no-audit --no-fund)
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 10300 ]; then
  echo "viewer-bench: only $(ulimit -n) descriptors allowed (raise the hard limit)" >&2
  exit 1
fi
exec node tests/bench/viewer-bench.mjs "$@"
