#!/usr/bin/env bash
# The Debian package end to end, from an existing build: cpack, lintian, `apt-get install` on this
# machine, the validators of the installed desktop entry, AppStream file and systemd unit, and the
# installed afk-studio serving a playable stream (ffprobe of a segment) and its watch page; then
# `apt-get purge`. Installing needs root (CI runs as root): otherwise it exits 77 (skipped).
#   bash packaging/test-deb.sh BUILD_DIR
set -euo pipefail
BUILD_DIR="$(cd "${1:?usage: test-deb.sh BUILD_DIR}" && pwd)"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ "$(id -u)" -ne 0 ]; then
  echo "test-deb.sh: installing the package needs root; skipped"
  exit 77
fi

WORK="$(mktemp -d /tmp/afk-deb-XXXXXX)"
STUDIO_PID=
cleanup() {
  if [ -n "$STUDIO_PID" ]; then kill -9 "$STUDIO_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "test-deb.sh: FAILED: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "cpack"
cpack --config "$BUILD_DIR/CPackConfig.cmake" -B "$WORK/pkg" >"$WORK/cpack.log" 2>&1 ||
  { cat "$WORK/cpack.log"; fail "cpack"; }
DEB="$(ls "$WORK"/pkg/afk-host-studio_*.deb)"
echo "$DEB: $(du -h "$DEB" | cut -f1)"
dpkg-deb --field "$DEB"
DEPENDS="$(dpkg-deb --field "$DEB" Depends)"
# shlibdeps found the libraries the binary links (Qt, libav, secp256k1, sodium).
LIBS=(libqt6core6 libqt6httpserver6 libqt6websockets6 libavcodec59 libavformat59 libsecp256k1 libsodium23)
HAS_GUI=0
if grep -q '^AFK_BUILD_UI:BOOL=ON$' "$BUILD_DIR/CMakeCache.txt"; then
  HAS_GUI=1
  LIBS+=(libqt6widgets6)
fi
for lib in "${LIBS[@]}"; do
  grep -q "$lib" <<<"$DEPENDS" || fail "Depends lacks $lib: $DEPENDS"
done

if command -v lintian >/dev/null; then
  step "lintian"
  # Tags explained in packaging/README.md (no Debian source package, no license chosen yet).
  lintian --fail-on error --tag-display-limit 0 \
    --suppress-tags no-manual-page,copyright-without-copyright-notice,initial-upload-closes-no-bugs \
    "$DEB" || fail "lintian reports errors"
else
  echo "lintian not installed: skipped"
fi

step "apt-get install"
DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall --no-install-recommends "$DEB" </dev/null >"$WORK/apt.log" 2>&1 ||
  { cat "$WORK/apt.log"; fail "apt-get install"; }
dpkg-query -W -f='${Package} ${Version} ${Status}\n' afk-host-studio

step "validators"
desktop-file-validate /usr/share/applications/org.afkhost.Studio.desktop || fail "desktop-file-validate"
# The entry starts the desktop studio when the package has it.
EXEC="$(sed -n 's/^Exec=//p' /usr/share/applications/org.afkhost.Studio.desktop)"
if [ "$HAS_GUI" = 1 ]; then [ "$EXEC" = afk-studio ] || fail "Exec=$EXEC in a GUI build"; fi
appstreamcli validate --no-net /usr/share/metainfo/org.afkhost.Studio.metainfo.xml || fail "appstreamcli validate"
test -f /usr/share/icons/hicolor/scalable/apps/org.afkhost.Studio.svg || fail "icon missing"
if command -v systemd-analyze >/dev/null; then
  # verify exits 0 on unknown keys and unparsable values: any line it prints is a failure.
  VERIFY="$(systemd-analyze verify /usr/lib/systemd/system/afk-studio.service 2>&1)" ||
    fail "systemd-analyze verify: $VERIFY"
  [ -z "$VERIFY" ] || fail "systemd-analyze verify: $VERIFY"
else
  echo "systemd-analyze not available: skipped"
fi
[ "$(stat -c %a /etc/afk-host-studio/secrets.env)" = 600 ] || fail "secrets.env is not mode 600"

step "the installed afk-studio"
/usr/bin/afk-studio --headless --source test-pattern --port 0 --data-dir "$WORK/data" \
  --stream-key deb-check --ladder 360p >"$WORK/studio.log" 2>&1 &
STUDIO_PID=$!
BASE=
for _ in $(seq 1 120); do
  BASE="$(sed -n 's|^AFK Host Studio .* serving on \(http://[^ ]*\) .*|\1|p' "$WORK/studio.log")"
  if [ -n "$BASE" ] && curl -sf "$BASE/livestream/deb-check/stream.m3u8" 2>/dev/null | grep -q '^segment_'; then
    break
  fi
  kill -0 "$STUDIO_PID" 2>/dev/null || { cat "$WORK/studio.log"; fail "afk-studio exited"; }
  sleep 1
done
SEGMENT="$(curl -sf "$BASE/livestream/deb-check/stream.m3u8" | grep -m1 '^segment_')" ||
  { cat "$WORK/studio.log"; fail "no segment within 120 s"; }
curl -sf -o "$WORK/segment.ts" "$BASE/livestream/deb-check/$SEGMENT"
CODECS="$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$WORK/segment.ts" | grep . | sort -u | paste -sd' ')"
echo "$SEGMENT: $CODECS"
[ "$CODECS" = "aac h264" ] || fail "segment codecs: $CODECS"
curl -sf "$BASE/watch/deb-check" | grep -q 'src="/assets/hls.light.min.js"' || fail "no watch page"
curl -sf -o /dev/null "$BASE/assets/hls.light.min.js" || fail "no hls.js"
kill -TERM "$STUDIO_PID"
wait "$STUDIO_PID" || fail "afk-studio exited $? after SIGTERM"
STUDIO_PID=

step "apt-get purge"
DEBIAN_FRONTEND=noninteractive apt-get purge -y afk-host-studio </dev/null >"$WORK/apt.log" 2>&1 ||
  { cat "$WORK/apt.log"; fail "apt-get purge"; }
test ! -e /usr/bin/afk-studio || fail "/usr/bin/afk-studio left after purge"
test ! -e /etc/afk-host-studio/secrets.env || fail "secrets.env left after purge"
echo "test-deb.sh: ok"
