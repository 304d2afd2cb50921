#!/usr/bin/env bash
# Benchmark (not a test; ctest does not run it): RTMP ingest. The ffmpeg program publishes (-re,
# -c copy) a generated 1080p30 H.264 (veryfast, 2 s GOP, 6 Mbit/s) + AAC FLV of MEDIA seconds to
#   (a) afk-studio --rtmp-port, the top rung encoded            (ladder 1080p,720p,480p,360p)
#   (b) afk-studio --rtmp-port --rtmp-passthrough, the top rung copied
#   (c) the ffmpeg program as the peer: `ffmpeg -listen 1 -i rtmp://…` → the same four rungs
#       (split+scale, libx264 veryfast, same bitrates/VBV, 2 s GOP, AAC 128k) → `-f hls`
# and reports, per case: publish start → first servable segment (a playlist names a .ts), the
# server's CPU seconds per media second (user+sys of its process from before the publisher
# connects to after its stream ended), and the ratios ours/ffmpeg and passthrough/encode, with
# the load average beside each. The default ladder (720p,480p,360p) tops out below a 1080p
# publisher, so its passthrough needs the 1080p rung: the ladder here is that rung plus the
# default ones, on every side alike.
#   bash tests/bench/rtmp-bench.sh        (AFK_STUDIO_BIN=<path> or build/app/afk-studio)
# Knobs: AFK_RTMP_BENCH_SECONDS (media seconds, default 20), AFK_BENCH_WAIT (s to wait for a
#   quiet machine before each case, default 120).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO="$PWD"
BIN="${AFK_STUDIO_BIN:-$REPO/build/app/afk-studio}"
[ -x "$BIN" ] || { echo "rtmp-bench: $BIN not built" >&2; exit 1; }
MEDIA="${AFK_RTMP_BENCH_SECONDS:-20}"
LADDER=1080p,720p,480p,360p
HZ="$(getconf CLK_TCK)"

T="$(mktemp -d /tmp/afk-rtmp-bench.XXXXXX)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
load() { cut -d' ' -f1 /proc/loadavg; }
now_ms() { date +%s%3N; }
# user+sys ticks of a running process (fields 14 and 15 of /proc/PID/stat; the name has no spaces)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
busy() {
  local n out=""
  for n in cc1plus ninja afk-studio ffmpeg chromium headless_shell; do
    pgrep -x "$n" >/dev/null && out="$out $n"
  done
  echo "${out# }"
}
wait_quiet() {
  local waited=0 limit="${AFK_BENCH_WAIT:-120}" b
  while b="$(busy)"; [ -n "$b" ]; do
    [ "$waited" -ge "$limit" ] && { echo "   (machine still busy after ${limit}s: $b)"; return 0; }
    sleep 5; waited=$((waited + 5))
  done
}
wait_port() { # <port>: until something listens on it
  local i
  for ((i = 0; i < 300; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# ms from <start ms> until <playlist file> names a .ts (polled every 50 ms), or "n/a"
first_segment_ms() {
  local start="$1" playlist="$2" deadline=$(( $(now_ms) + 120000 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    if grep -q '\.ts' "$playlist" 2>/dev/null; then echo $(( $(now_ms) - start )); return; fi
    sleep 0.05
  done
  echo n/a
}

IN="$T/in.flv"
echo "== input: ${MEDIA} s 1920x1080 30 fps H.264 (veryfast, 2 s GOP, 6 Mbit/s) + AAC FLV"
nice -n 5 ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1920x1080:rate=30,noise=alls=8:allf=t" \
  -f lavfi -i sine=frequency=440:sample_rate=48000 -t "$MEDIA" \
  -c:v libx264 -preset veryfast -g 60 -keyint_min 60 -sc_threshold 0 -b:v 6000k -maxrate 6000k \
  -bufsize 12000k -c:a aac -b:a 128k -f flv "$IN"

declare -A FIRST CPU LOADS DROPS
publish() { # <url>: real time, the bytes unchanged
  ffmpeg -hide_banner -loglevel error -nostdin -re -i "$IN" -c copy -f flv "$1"
}

run_ours() { # <case> [extra args...]
  local name="$1"; shift
  local port rtmp dir pid t0 c0 c1 start
  wait_quiet
  port="$(free_port)"; rtmp="$(free_port)"; dir="$T/$name"
  mkdir -p "$dir"
  echo "secret$name benchstream" >"$T/keys-$name"
  "$BIN" --headless --source none --port "$port" --bind 127.0.0.1 --data-dir "$dir/data" \
    --ladder "$LADDER" --segment-seconds 2 --stats-interval 0 --retain-hours 0 --media-timeout 120 \
    --rtmp-port "$rtmp" --rtmp-key-file "$T/keys-$name" "$@" >"$dir/log" 2>&1 &
  pid=$!; PIDS+=("$pid")
  wait_port "$rtmp" || { echo "afk-studio did not listen:"; tail "$dir/log"; exit 1; }
  LOADS[$name]="$(load)"
  c0="$(cpu_ticks "$pid")"
  start="$(now_ms)"
  publish "rtmp://127.0.0.1:$rtmp/live/secret$name" &
  local publisher=$!
  FIRST[$name]="$(first_segment_ms "$start" "$dir/data/benchstream/stream.m3u8")"
  wait "$publisher"
  # The publisher's disconnect ends the stream: done when stream.m3u8 is ended.
  local i
  for ((i = 0; i < 6000; i++)); do
    grep -q ENDLIST "$dir/data/benchstream/stream.m3u8" 2>/dev/null && break
    sleep 0.1
  done
  c1="$(cpu_ticks "$pid")"
  # Behind real time a live source drops frames and the ladder repeats others (cheap to encode):
  # the counts say how much of the media was really encoded.
  DROPS[$name]="$(curl -s "http://127.0.0.1:$port/livestream/benchstream/status" | node -e '
    let t = ""; process.stdin.on("data", (d) => t += d).on("end", () => { try {
      const s = JSON.parse(t).stats; console.log(`${s.mediaSeconds.toFixed(2)} ${s.videoFramesIn} in, ${s.videoFramesDropped} dropped, ${s.videoFramesDuplicated} repeated, ${s.videoFramesLate} late`);
    } catch { console.log("0 n/a"); } });')"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  # Per media second actually encoded (a publisher cut off by a full buffer sent less).
  local media="${DROPS[$name]%% *}"
  DROPS[$name]="${DROPS[$name]#* } (${media} media s)"
  CPU[$name]="$(awk -v t="$((c1 - c0))" -v hz="$HZ" -v m="$media" 'BEGIN{ if (m > 0) printf "%.3f", t / hz / m; else print "n/a" }')"
  grep -F "[media]" "$dir/log" | sed 's/^/   /' || true
  echo "   $name: first segment ${FIRST[$name]} ms, ${CPU[$name]} CPU s per media s (load ${LOADS[$name]}); frames: ${DROPS[$name]}"
}

echo "== (a) afk-studio, every rung encoded"
run_ours encode
echo "== (b) afk-studio --rtmp-passthrough"
run_ours passthrough --rtmp-passthrough

echo "== (c) the ffmpeg program: -listen 1 → the same ladder → -f hls"
wait_quiet
rtmp="$(free_port)"; dir="$T/ffmpeg"; mkdir -p "$dir"
LOADS[ffmpeg]="$(load)"
ffmpeg -hide_banner -loglevel error -nostdin -listen 1 -i "rtmp://127.0.0.1:$rtmp/live/key" \
  -filter_complex "[0:v]split=4[v0][v1][v2][v3];[v1]scale=-2:720[o1];[v2]scale=-2:480[o2];[v3]scale=-2:360[o3]" \
  -map "[v0]" -map "[o1]" -map "[o2]" -map "[o3]" -map 0:a -map 0:a -map 0:a -map 0:a \
  -c:v libx264 -preset veryfast \
  -b:v:0 5000k -maxrate:v:0 5500k -bufsize:v:0 10000k \
  -b:v:1 2500k -maxrate:v:1 2750k -bufsize:v:1 5000k \
  -b:v:2 1500k -maxrate:v:2 1650k -bufsize:v:2 3000k \
  -b:v:3 800k -maxrate:v:3 880k -bufsize:v:3 1600k \
  -g 60 -keyint_min 60 -sc_threshold 0 -c:a aac -b:a 128k -ar 48000 -ac 2 \
  -f hls -hls_time 2 -hls_playlist_type event -hls_segment_type mpegts \
  -var_stream_map "v:0,a:0 v:1,a:1 v:2,a:2 v:3,a:3" -master_pl_name master.m3u8 \
  -hls_segment_filename "$dir/stream_%v_%d.ts" "$dir/stream_%v.m3u8" 2>"$dir/log" &
pid=$!; PIDS+=("$pid")
# -listen 1 takes one publisher: wait until its socket listens (a probe would be that one).
for ((i = 0; i < 300; i++)); do
  ss -ltn 2>/dev/null | grep -q ":$rtmp " && break
  sleep 0.1
done
c0="$(cpu_ticks "$pid")"
start="$(now_ms)"
publish "rtmp://127.0.0.1:$rtmp/live/key" &
publisher=$!
FIRST[ffmpeg]="$(first_segment_ms "$start" "$dir/stream_0.m3u8")"
wait "$publisher"
c_last="$c0"
while kill -0 "$pid" 2>/dev/null; do c_last="$(cpu_ticks "$pid")"; sleep 0.1; done
wait "$pid" || true
CPU[ffmpeg]="$(awk -v t="$((c_last - c0))" -v hz="$HZ" -v m="$MEDIA" 'BEGIN{printf "%.3f", t / hz / m}')"
echo "   ffmpeg: first segment ${FIRST[ffmpeg]} ms, ${CPU[ffmpeg]} CPU s per media s (load ${LOADS[ffmpeg]})"

echo
echo "== results ($(nproc) cores; ${MEDIA} s of 1080p30 published in real time; ladder $LADDER; load = 1-min average at each case's start)"
printf "%-14s %16s %16s %7s  %s\n" "case" "first segment ms" "CPU s / media s" "load" "source frames"
for c in encode passthrough ffmpeg; do
  printf "%-14s %16s %16s %7s  %s\n" "$c" "${FIRST[$c]}" "${CPU[$c]}" "${LOADS[$c]}" "${DROPS[$c]:-every frame (TCP back-pressure)}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "ratio ours (encode) / ffmpeg CPU:          $(ratio "${CPU[encode]}" "${CPU[ffmpeg]}")"
echo "ratio ours (passthrough) / ffmpeg CPU:     $(ratio "${CPU[passthrough]}" "${CPU[ffmpeg]}")"
echo "ratio passthrough / encode CPU:            $(ratio "${CPU[passthrough]}" "${CPU[encode]}")"
echo "(the ffmpeg program's CPU is counted from the publisher's connection to its exit; ours from"
echo " the publisher's connection to the stream's end. First segment: publish start → a playlist"
echo " names a .ts — stream.m3u8 for ours, stream_0.m3u8 for the ffmpeg program)"
