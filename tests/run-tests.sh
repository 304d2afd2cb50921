#!/usr/bin/env bash
# The one test command: install dependencies, configure, build, run every test with ctest.
#   bash tests/run-tests.sh            (AFK_SKIP_SETUP=1 skips packaging/setup-debian.sh)
# Extra arguments go to ctest, e.g.  bash tests/run-tests.sh -R e2e_spine
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "${AFK_SKIP_SETUP:-0}" != 1 ]; then
  bash packaging/setup-debian.sh
fi

BUILD_DIR="${AFK_BUILD_DIR:-build}"
GEN=(-G Ninja)
# An existing build folder made with another generator is reused as it is.
if [ -f "$BUILD_DIR/CMakeCache.txt" ] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$BUILD_DIR/CMakeCache.txt"; then
  GEN=()
fi
cmake -S . -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$BUILD_DIR" -j2

set +e
ctest --test-dir "$BUILD_DIR" --output-on-failure --no-tests=error "$@"
rc=$?
set -e
exit "$rc"
