#!/usr/bin/env bash
# Benchmark (not a test; ctest does not run it): the studio's HLS serving against nginx on the same
# files in the same run. A finished 20 s 720p/480p/360p stream (the ladder benchmark's input,
# encoded by afk-studio --no-realtime) is served by `afk-studio --source none` and by nginx 1.22
# (2 workers, sendfile on, started here with its own config on loopback); wrk takes turns on the
# two, row by row, AFK_SERVE_ROUNDS times (default 2). Also the studio's RSS before and after the
# load. Takes about 2 minutes; run it on a quiet machine (it waits up to AFK_BENCH_WAIT s for one).
#   bash tests/bench/serve-bench.sh            (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO="$PWD"
BIN="${AFK_STUDIO_BIN:-$REPO/build/app/afk-studio}"
DURATION="${AFK_SERVE_SECONDS:-8}"
ROUNDS="${AFK_SERVE_ROUNDS:-2}"
[ -x "$BIN" ] || { echo "serve-bench: $BIN not built" >&2; exit 1; }
for tool in wrk nginx ffmpeg node; do
  command -v "$tool" >/dev/null || { echo "serve-bench: $tool missing (packaging/setup-debian.sh)" >&2; exit 1; }
done
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

T="$(mktemp -d /tmp/afk-serve-bench.XXXXXX)"
STUDIO_PID=""
NGINX_PID=""
cleanup() {
  [ -n "$STUDIO_PID" ] && kill "$STUDIO_PID" 2>/dev/null && wait "$STUDIO_PID" 2>/dev/null
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

busy() { # names of running compilers/encoders/browsers (not this benchmark's own studio)
  local n out=""
  for n in cc1plus ninja afk-studio ffmpeg chromium wrk; do
    pgrep -x "$n" | grep -qvx "${STUDIO_PID:-0}" && out="$out $n"
  done
  echo "${out# }"
}
SHARED_NOTE="quiet machine"
wait_quiet() {
  local waited=0 limit="${AFK_BENCH_WAIT:-300}" b
  while b="$(busy)"; [ -n "$b" ]; do
    if [ "$waited" -ge "$limit" ]; then
      echo "serve-bench: machine still busy after ${limit}s ($b); measuring anyway" >&2
      SHARED_NOTE="measured while busy ($b)"
      return 0
    fi
    [ "$waited" -eq 0 ] && echo "serve-bench: waiting for other work to finish ($b)..." >&2
    sleep 5; waited=$((waited + 5))
  done
}

echo "== input: 20 s 1280x720 30 fps VP8 + Opus WebM, encoded to the 720p/480p/360p ladder"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30,noise=alls=12:allf=t \
  -f lavfi -i sine=frequency=440:sample_rate=48000 -t 20 -c:v libvpx -b:v 2500k -deadline realtime \
  -cpu-used 8 -c:a libopus "$T/in.webm"
nice -n 5 "$BIN" --headless --rtmp-port 0 --source "file:$T/in.webm" --no-realtime --ladder 720p,480p,360p \
  --segment-seconds 2 --data-dir "$T/data" --stream-key bench --port 0 --stats-interval 0 \
  >"$T/encode.log" 2>&1 || { cat "$T/encode.log" >&2; exit 1; }
S="$T/data/bench"
SEG720="720p/segment_3.ts"
SEG360="360p/segment_3.ts"
[ -f "$S/$SEG720" ] && [ -f "$S/$SEG360" ] && [ -f "$S/stream.m3u8" ] ||
  { echo "serve-bench: the encode left no $SEG720/$SEG360" >&2; exit 1; }

STUDIO_PORT="$(free_port)"
"$BIN" --headless --rtmp-port 0 --source none --data-dir "$T/data" --port "$STUDIO_PORT" --stats-interval 0 \
  --max-connections 4096 >"$T/studio.log" 2>&1 &
STUDIO_PID=$!

NGINX_PORT="$(free_port)"
mkdir -p "$T/nginx"
USER_LINE=""
[ "$(id -u)" -eq 0 ] && USER_LINE="user root;"
cat >"$T/nginx/nginx.conf" <<CONF
$USER_LINE
worker_processes 2;
daemon off;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log warn;
events { worker_connections 4096; }
http {
  sendfile on;
  tcp_nopush on;
  access_log off;
  keepalive_requests 100000;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  client_body_temp_path $T/nginx/tmp;
  proxy_temp_path $T/nginx/tmp;
  fastcgi_temp_path $T/nginx/tmp;
  uwsgi_temp_path $T/nginx/tmp;
  scgi_temp_path $T/nginx/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location /livestream/bench/ { alias $S/; }
  }
}
CONF
nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" &
NGINX_PID=$!

for port in "$STUDIO_PORT" "$NGINX_PORT"; do
  for _ in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/livestream/bench/stream.m3u8" && break
    sleep 0.1
  done
  curl -sf -o /dev/null "http://127.0.0.1:$port/livestream/bench/$SEG720" ||
    { echo "serve-bench: nothing serves on port $port" >&2; cat "$T/studio.log" "$T/nginx/error.log" >&2; exit 1; }
done
rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$STUDIO_PID/status"; }

# run <port> <path> <connections>: "req/s p50 p99 timeouts errors"
run() {
  local out
  out="$(wrk -t2 -c"$3" -d"${DURATION}s" --timeout 5s --latency "http://127.0.0.1:$1/livestream/bench/$2")"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /Socket errors:/ { gsub(",", ""); timeouts = $NF; errors = $4 + $6 + $8 }
    /Non-2xx/ { errors += $NF }
    END { printf "%.0f %.1f %.1f %d %d\n", rps, p50, p99, timeouts + 0, errors + 0 }' <<<"$out"
}

wait_quiet
RSS_BEFORE="$(rss_mb)"
RSS_PEAK="$RSS_BEFORE"
ROWS=("$SEG720 100 720p segment ($(($(stat -c %s "$S/$SEG720") / 1024)) KB), 100 connections"
      "stream.m3u8 100 \`stream.m3u8\`, 100 connections"
      "$SEG360 1000 360p segment ($(($(stat -c %s "$S/$SEG360") / 1024)) KB), 1000 connections")
declare -A OURS THEIRS
for round in $(seq "$ROUNDS"); do
  for i in "${!ROWS[@]}"; do
    read -r path conns _ <<<"${ROWS[$i]}"
    OURS[$round,$i]="$(run "$STUDIO_PORT" "$path" "$conns")"
    rss="$(rss_mb)"; [ "$rss" -gt "$RSS_PEAK" ] && RSS_PEAK="$rss"
    THEIRS[$round,$i]="$(run "$NGINX_PORT" "$path" "$conns")"
    echo "round $round, ${ROWS[$i]#* * }: afk-studio ${OURS[$round,$i]} | nginx ${THEIRS[$round,$i]}  (req/s p50 p99 timeouts errors)"
  done
done
RSS_AFTER="$(rss_mb)"

# range <column> <array name> <row>: "min–max" over the rounds
range() {
  local -n values=$2
  local list=""
  for round in $(seq "$ROUNDS"); do list="$list $(cut -d' ' -f"$1" <<<"${values[$round,$3]}")"; done
  awk -v l="$list" 'BEGIN { n = split(l, v, " "); lo = v[1]; hi = v[1]
    for (i = 2; i <= n; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
    if (lo == hi) printf "%s", lo; else printf "%s–%s", lo, hi }'
}
ratio() { # worst and best of ours/theirs requests/s over the rounds
  local row=$1 list=""
  for round in $(seq "$ROUNDS"); do
    list="$list $(awk -v a="$(cut -d' ' -f1 <<<"${OURS[$round,$row]}")" -v b="$(cut -d' ' -f1 <<<"${THEIRS[$round,$row]}")" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
  done
  awk -v l="$list" 'BEGIN { n = split(l, v, " "); lo = v[1]; hi = v[1]
    for (i = 2; i <= n; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
    if (lo == hi) printf "%s×", lo; else printf "%s–%s×", lo, hi }'
}

echo
echo "wrk -t2 -d${DURATION}s, $ROUNDS rounds taking turns; $SHARED_NOTE; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| load | afk-studio | nginx | ratio |"
echo "|---|---|---|---|"
for i in "${!ROWS[@]}"; do
  read -r _ conns label <<<"${ROWS[$i]}"
  if [ "$conns" -ge 1000 ]; then
    echo "| $label | $(range 1 OURS "$i") req/s, p50 $(range 2 OURS "$i") ms, p99 $(range 3 OURS "$i") ms, $(range 4 OURS "$i") timeouts, $(range 5 OURS "$i") errors | $(range 1 THEIRS "$i") req/s, p99 $(range 3 THEIRS "$i") ms, $(range 4 THEIRS "$i") timeouts | $(ratio "$i") |"
  else
    echo "| $label | $(range 1 OURS "$i") req/s | $(range 1 THEIRS "$i") req/s | $(ratio "$i") |"
  fi
done
echo "| studio RSS before → peak → after that load | $RSS_BEFORE → $RSS_PEAK → $RSS_AFTER MB | | |"
