#!/usr/bin/env bash
# Install everything AFK Host Studio needs to build and test on Debian 12 (bookworm).
# Idempotent; runs as root, or through sudo otherwise; needs no stdin (CI=true is fine).
#   bash packaging/setup-debian.sh
# Node.js 20 and npm come with the machine (/usr/bin/node, /usr/bin/npm): they are not installed
# here (Debian's nodejs/npm packages conflict with them).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

PACKAGES=(
  # toolchain
  cmake ninja-build g++ pkg-config git
  # Qt 6.4 (Core, Network, HttpServer, WebSockets, Test in qt6-base-dev; Multimedia for the UI)
  qt6-base-dev qt6-base-dev-tools qt6-httpserver-dev qt6-websockets-dev qt6-multimedia-dev
  # the xcb platform plugin: the GUI on X11, and the screen-capture test's painter on Xvfb
  qt6-qpa-plugins
  # libav (in-process encoding)
  libavcodec-dev libavformat-dev libavfilter-dev libswscale-dev libswresample-dev
  libavdevice-dev libavutil-dev
  # Nostr signing, crypto
  libsecp256k1-dev libsodium-dev
  # tests and benchmarks: ffmpeg/ffprobe (inputs, checks, reference), headless Chromium for
  # hls.js, GNU time for the benchmark, Xvfb for the desktop UI, TLS roots for npm
  ffmpeg chromium time xvfb ca-certificates curl
  # the .deb test (packaging/test-deb.sh): dpkg-shlibdeps for CPack, and the validators
  dpkg-dev desktop-file-utils appstream lintian systemd
  # the RTMP push tests: a real RTMP server on loopback (nginx with the rtmp module)
  nginx-light libnginx-mod-rtmp
  # the serving benchmark (tests/bench/serve-bench.sh): the load generator and the reference server
  wrk nginx
  # the RTMP ingest tests: GStreamer's rtmp2sink/flvmux/x264enc as a second, independent publisher
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
  else
    echo "setup-debian.sh: not root and no sudo; run it as root" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

# Skip apt when everything is there already (AFK_SETUP_FORCE_APT=1 runs it anyway).
if [ "${#missing[@]}" -gt 0 ] || [ "${AFK_SETUP_FORCE_APT:-0}" = 1 ]; then
  echo "setup-debian.sh: apt-get install (missing: ${missing[*]:-none})"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${PACKAGES[@]}" </dev/null
else
  echo "setup-debian.sh: all ${#PACKAGES[@]} Debian packages already installed"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "setup-debian.sh: node/npm not found (expected Node.js >= 20 at /usr/bin; do not apt-get install nodejs/npm)" >&2
  exit 1
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "setup-debian.sh: Node.js $(node --version) is too old; the e2e tests need >= 20" >&2
  exit 1
fi

# hls.js for the watch page, compiled into afk-studio: the build needs it (exactly as locked).
echo "setup-debian.sh: npm ci in resources/web"
(cd "$REPO_ROOT/resources/web" && npm ci --no-audit --no-fund </dev/null)
# e2e test dependencies (playwright-core, hls.js) exactly as locked.
echo "setup-debian.sh: npm ci in tests/e2e"
(cd "$REPO_ROOT/tests/e2e" && npm ci --no-audit --no-fund </dev/null)
# nostr-tools, the oracle the Nostr tests check our events and keys against.
echo "setup-debian.sh: npm ci in tests/nostr/oracle"
(cd "$REPO_ROOT/tests/nostr/oracle" && npm ci --no-audit --no-fund </dev/null)
# A real Nostr relay (@nostr-relay/*) for the relay pool and NIP-53 tests.
echo "setup-debian.sh: npm ci in tests/nostr/relay"
(cd "$REPO_ROOT/tests/nostr/relay" && npm ci --no-audit --no-fund </dev/null)

echo "setup-debian.sh: done"
