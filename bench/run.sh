#!/usr/bin/env bash
# netplay's side-by-side benchmark runner.
#
#   bench/run.sh [echo] [idle] [lua] [line] [redis] [ws] [http]   (default: echo idle)
#
#   echo   netplay's reactor vs Go's net vs cloudwego/netpoll (and panjf2000/gnet
#          v2 as a reference point) echo servers under
#          loadgen, c=$CONNS size=$SIZE for each depth in $DEPTHS, interleaved
#          (A B C A B C ...) for $R rounds of $D each; medians and ratios.
#   idle   RSS per idle conn ($IDLE_N conns) for each server in $IDLE_SERVERS.
#   lua    the same echo scenarios with netplay's Lua echo (script VM: "lua",
#          loop VMs: "lualoop") beside the reactor's Go echo and Go's net.
#   line   '\n'-terminated lines (loadgen -mode line, so a read carries
#          DEPTH frames): netplay's codec.line() Lua echo (script VM
#          "lualine", loop VMs "lualineloop") vs Go's net with bufio line
#          framing, a goroutine per conn ("netline").
#   redis  scripts/examples/redis.lua vs redis-server under redis-benchmark
#          -c 50, with -P 1 and -P 16, interleaved; one redis-benchmark run per
#          test in $REDIS_TESTS, with CPU per command (srv_us, cli_us).
#   ws     WebSocket echo under wsload (bench/cmd/wsload), c=$CONNS size=$SIZE
#          text messages for each depth in $DEPTHS, interleaved: netplay's Lua
#          ws_echo.lua (script VM "wslua", loop VMs "wslualoop"), the Go-native
#          reactor + codecs/ws server "wsreactor", gorilla/websocket
#          (goroutine per conn) "wsgorilla" and lxzan/gws (goroutine per
#          conn, its own accept loop) "wsgws".
#   http   wrk -t2 -c64 on a "hello" handler: netplay's Lua handler (script
#          VM, loop VMs) vs Go's net/http vs nginx+content_by_lua_block,
#          interleaved; then netplay's http.client vs Go's http.Client
#          (see http_scenarios for its variables).
#
# Environment (all optional):
#   R=3 D=5s WARMUP=1s CONNS=50 SIZE=64 DEPTHS="1 16"   echo scenarios
#   SERVERS="reactor net netpoll"              servers of the echo mode, in run order
#   LUA_SERVERS="lua lualoop reactor net"      servers of the lua mode
#   LINE_SERVERS="lualineloop lualine netline" LINE_ECHO_SCRIPT=scripts/examples/line_echo.lua
#   RATIOS="reactor/net reactor/netpoll lua/reactor lualoop/reactor lua/net lualoop/net redis-lua/redis-server redis-lua1/redis-server"
#   IDLE_N=10000 IDLE_SERVERS="net netpoll reactor"
#   REDIS_N=200000 REDIS_PIPELINES="1 16" REDIS_CONNS=50 REDIS_TESTS="ping_inline ping_mbulk set get"
#   REDIS_SERVERS="redis-server redis-lua redis-lua1"   redis-lua1: redis.lua on one event loop
#   LOADGEN=path   use this loadgen binary instead of building ../shared/tools/loadgen
#   NETPLAY=path   use this netplay binary instead of building ./cmd/netplay
#   LUA_ECHO_SCRIPT=scripts/examples/echo.lua LUA_ECHO_LOOP_SCRIPT=scripts/examples/echo_loops.lua
#   REDIS_LUA_SCRIPT=scripts/examples/redis.lua
#   WS_SERVERS="wslua wslualoop wsreactor wsgorilla wsgws" WS_LUA_SCRIPT=scripts/examples/ws_echo.lua
#
# Netplay scripts are started as `netplay run SCRIPT PORT` (the examples'
# convention: arg[1] is the port to listen on at 127.0.0.1) with a port that
# was free a moment before; the runner waits until that port accepts.
#
# Every run is bounded by `timeout`; every server started here is killed on exit.
# Raw lines go to stdout and to bench/bin/last-run.txt.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
BIN=$BENCH_DIR/bin

R=${R:-3}
D=${D:-5s}
WARMUP=${WARMUP:-1s} # loadgen's -warmup: not measured
# CPU per request is sampled over the middle 80 % of the measured D.
D_SEC=$(awk -v d="$D" 'BEGIN { v = d + 0; if (d ~ /ms$/) v /= 1000; else if (d ~ /m$/) v *= 60; print v }')
CPU_SKIP=$(awk -v d="$D_SEC" 'BEGIN { printf "%.3f", d * 0.1 }')
CPU_WINDOW=$(awk -v d="$D_SEC" 'BEGIN { printf "%.3f", d * 0.8 }')
CONNS=${CONNS:-50}
SIZE=${SIZE:-64}
DEPTHS=${DEPTHS:-"1 16"}
SERVERS=${SERVERS:-"reactor net netpoll gnet"}
LUA_SERVERS=${LUA_SERVERS:-"lua lualoop reactor net"}
LINE_SERVERS=${LINE_SERVERS:-"lualineloop lualine netline"}
LINE_ECHO_SCRIPT=${LINE_ECHO_SCRIPT:-scripts/examples/line_echo.lua}
LOADGEN_MODE=echo # loadgen -mode; the line mode sets "line"
RATIOS=${RATIOS:-"lualineloop/netline lualine/netline reactor/net reactor/netpoll reactor/gnet gnet/net lua/reactor lualoop/reactor lua/net lualoop/net redis-lua/redis-server redis-lua1/redis-server wslualoop/wsgorilla wslua/wsgorilla wsreactor/wsgorilla wslualoop/wsreactor wslualoop/wsgws wslua/wsgws wsgorilla/wsgws"}
IDLE_N=${IDLE_N:-10000}
IDLE_SERVERS=${IDLE_SERVERS:-"net netpoll reactor"}
REDIS_N=${REDIS_N:-200000}
REDIS_PIPELINES=${REDIS_PIPELINES:-"1 16"}
REDIS_CONNS=${REDIS_CONNS:-50}
REDIS_TESTS=${REDIS_TESTS:-"ping_inline ping_mbulk set get"} # redis-benchmark -t names, one run each
LUA_ECHO_SCRIPT=${LUA_ECHO_SCRIPT:-scripts/examples/echo.lua}
LUA_ECHO_LOOP_SCRIPT=${LUA_ECHO_LOOP_SCRIPT:-scripts/examples/echo_loops.lua}
REDIS_LUA_SCRIPT=${REDIS_LUA_SCRIPT:-scripts/examples/redis.lua}
REDIS_SERVERS=${REDIS_SERVERS:-"redis-server redis-lua redis-lua1"} # redis-lua1: redis.lua with one event loop
WS_SERVERS=${WS_SERVERS:-"wslua wslualoop wsreactor wsgorilla wsgws"}
WS_LUA_SCRIPT=${WS_LUA_SCRIPT:-scripts/examples/ws_echo.lua}
RUN_TIMEOUT=${RUN_TIMEOUT:-120} # seconds; bound for any one loadgen/redis-benchmark/idleconns run

mkdir -p "$BIN"
OUT=$BIN/last-run.txt
: >"$OUT"
LOGDIR=$(mktemp -d)
PIDS=()

log() { printf '%s\n' "$*" | tee -a "$OUT"; }
note() { printf '# %s\n' "$*" | tee -a "$OUT" >&2; }

cleanup() {
  local p
  for p in "${PIDS[@]:-}"; do
    if [ -n "$p" ]; then kill "$p" 2>/dev/null || true; fi
  done
  sleep 0.2
  for p in "${PIDS[@]:-}"; do
    if [ -n "$p" ]; then kill -9 "$p" 2>/dev/null || true; fi
  done
  rm -rf "$LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- build

build_tools() {
  if [ -z "${LOADGEN:-}" ]; then
    note "building loadgen from ../shared/tools/loadgen"
    (cd "$ROOT/../shared/tools/loadgen" && go build -o "$BIN/loadgen" .)
    LOADGEN=$BIN/loadgen
  fi
  [ -x "$LOADGEN" ] || { echo "run.sh: loadgen $LOADGEN is not executable" >&2; exit 1; }
  note "building servers into $BIN"
  (cd "$BENCH_DIR" && go build -o "$BIN/" ./cmd/netecho ./cmd/netpollecho ./cmd/gnetecho ./cmd/idleconns ./cmd/freeport)
  if (cd "$BENCH_DIR" && go build -o "$BIN/" ./cmd/reactorecho) 2>"$LOGDIR/reactor-build.txt"; then
    HAVE_REACTOR=1
  else
    HAVE_REACTOR=0
    note "reactorecho does not build yet; reactor runs are skipped:"
    head -5 "$LOGDIR/reactor-build.txt" >&2
  fi
}

# have_netplay reports whether netplay's runtime can run a Lua chunk, building
# the binary on first use.
NETPLAY_STATE=""
have_netplay() {
  if [ -z "$NETPLAY_STATE" ]; then
    NETPLAY_STATE=no
    if [ -z "${NETPLAY:-}" ]; then
      if (cd "$ROOT" && go build -o "$BIN/netplay" ./cmd/netplay) 2>"$LOGDIR/netplay-build.txt"; then
        NETPLAY=$BIN/netplay
      else
        note "netplay does not build yet:"
        head -5 "$LOGDIR/netplay-build.txt" >&2
        return 1
      fi
    fi
    if [ "$(timeout 10 "$NETPLAY" -e 'print(1 + 1)' 2>/dev/null)" = "2" ]; then
      NETPLAY_STATE=yes
    else
      note "netplay's runtime cannot run Lua yet (\`netplay -e 'print(1 + 1)'\` did not print 2)"
    fi
  fi
  [ "$NETPLAY_STATE" = yes ]
}

# ---------------------------------------------------------------- servers

# server_available NAME: whether NAME can run here (prints why not).
server_available() {
  case $1 in
    net | netpoll | gnet | netline) return 0 ;;
    lualine | lualineloop)
      have_netplay || { note "skip $1: netplay's runtime is not ready"; return 1; }
      [ -f "$ROOT/$LINE_ECHO_SCRIPT" ] || { note "skip $1: $LINE_ECHO_SCRIPT does not exist yet"; return 1; } ;;
    reactor) [ "$HAVE_REACTOR" = 1 ] || { note "skip reactor: reactorecho does not build"; return 1; } ;;
    lua | lualoop)
      local s=$LUA_ECHO_SCRIPT
      [ "$1" = lualoop ] && s=$LUA_ECHO_LOOP_SCRIPT
      have_netplay || { note "skip $1: netplay's runtime is not ready"; return 1; }
      [ -f "$ROOT/$s" ] || { note "skip $1: $s does not exist yet"; return 1; } ;;
    redis-server)
      command -v redis-server >/dev/null || { note "skip redis-server: not installed (apt-get install redis-server)"; return 1; } ;;
    redis-lua | redis-lua1)
      have_netplay || { note "skip $1: netplay's runtime is not ready"; return 1; }
      [ -f "$ROOT/$REDIS_LUA_SCRIPT" ] || { note "skip $1: $REDIS_LUA_SCRIPT does not exist yet"; return 1; } ;;
    *) echo "run.sh: unknown server $1" >&2; exit 2 ;;
  esac
}

# server_argv NAME PORT: the command line of server NAME, shell-quoted for
# eval. PORT is 0 for servers that choose their own port and print
# "listening HOST:PORT".
server_argv() {
  local port=$2
  case $1 in
    net) printf '%q -addr 127.0.0.1:0' "$BIN/netecho" ;;
    netline) printf '%q -addr 127.0.0.1:0 -line' "$BIN/netecho" ;;
    lualine) printf '%q run %q %s' "$NETPLAY" "$ROOT/$LINE_ECHO_SCRIPT" "$port" ;;
    lualineloop) printf '%q run %q %s loop' "$NETPLAY" "$ROOT/$LINE_ECHO_SCRIPT" "$port" ;;
    netpoll) printf '%q -addr 127.0.0.1:0' "$BIN/netpollecho" ;;
    gnet) printf '%q -addr 127.0.0.1:0' "$BIN/gnetecho" ;;
    reactor) printf '%q -addr 127.0.0.1:0' "$BIN/reactorecho" ;;
    lua) printf '%q run %q %s' "$NETPLAY" "$ROOT/$LUA_ECHO_SCRIPT" "$port" ;;
    lualoop) printf '%q run %q %s' "$NETPLAY" "$ROOT/$LUA_ECHO_LOOP_SCRIPT" "$port" ;;
    redis-server) printf "redis-server --port %s --bind 127.0.0.1 --save '' --appendonly no" "$port" ;;
    redis-lua) printf '%q run %q %s' "$NETPLAY" "$ROOT/$REDIS_LUA_SCRIPT" "$port" ;;
    redis-lua1) printf '%q run %q %s 1' "$NETPLAY" "$ROOT/$REDIS_LUA_SCRIPT" "$port" ;; # one event loop
  esac
}

# needs_port NAME: whether NAME must be told a port.
needs_port() { case $1 in net | netline | netpoll | gnet | reactor) return 1 ;; *) return 0 ;; esac; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_server NAME: starts NAME with a raised fd limit and sets ADDR and
# SERVER_PID. Fails if it is not accepting within 15 s.
start_server() {
  local name=$1 port=0 argv first i
  needs_port "$name" && port=$("$BIN/freeport")
  argv=$(server_argv "$name" "$port")
  local out=$LOGDIR/$name.out
  (ulimit -n "$(ulimit -Hn)"; eval "exec $argv") >"$out" 2>"$LOGDIR/$name.err" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  ADDR=""
  for ((i = 0; i < 150; i++)); do
    first=$(head -n 1 "$out" 2>/dev/null || true)
    case $first in listening\ *) ADDR=${first#listening } ;; esac
    if [ -z "$ADDR" ] && [ "$port" != 0 ] && port_open "$port"; then ADDR=127.0.0.1:$port; fi
    [ -n "$ADDR" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  note "server $name did not come up ($argv):"
  tail -5 "$LOGDIR/$name.err" >&2
  stop_server "$SERVER_PID"
  return 1
}

stop_server() {
  kill "$1" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------- echo scenarios

# echo_scenarios PREFIX SERVER...: every depth, R rounds, servers
# interleaved; scenario names start with PREFIX.
echo_scenarios() {
  local prefix=$1 names=() s depth round
  shift
  for s in "$@"; do server_available "$s" && names+=("$s"); done
  [ "${#names[@]}" -gt 0 ] || { note "no echo server can run"; return 0; }
  declare -A addr pid
  for s in "${names[@]}"; do
    start_server "$s" || continue
    addr[$s]=$ADDR
    pid[$s]=$SERVER_PID
    note "$s listening on $ADDR (pid $SERVER_PID)"
  done
  for depth in $DEPTHS; do
    for ((round = 1; round <= R; round++)); do
      for s in "${names[@]}"; do
        [ -n "${addr[$s]:-}" ] || continue
        local line tpid lpid s0 s1 l0 l1 w0 w1
        timeout "$RUN_TIMEOUT" "$LOADGEN" -addr "${addr[$s]}" -mode "$LOADGEN_MODE" -c "$CONNS" -size "$SIZE" -depth "$depth" \
          -warmup "$WARMUP" -d "$D" >"$LOGDIR/loadgen.out" 2>&1 &
        tpid=$!
        # CPU of the server and of loadgen over the middle of loadgen's
        # measurement window (it may end before a sleep of D would)
        sleep "$WARMUP"
        sleep "$CPU_SKIP"
        lpid=$(pgrep -P "$tpid" | head -n 1)
        s0=$(cpu_ticks "${pid[$s]}") l0=$(cpu_ticks "$lpid") w0=$(date +%s%N)
        sleep "$CPU_WINDOW"
        s1=$(cpu_ticks "${pid[$s]}") l1=$(cpu_ticks "$lpid") w1=$(date +%s%N)
        wait "$tpid" || true
        line=$(tail -n 1 "$LOGDIR/loadgen.out")
        log "scenario=$prefix-c$CONNS-s$SIZE-d$depth server=$s round=$round $line $(cpu_per_req "$line" "$s0" "$s1" "$l0" "$l1" $((w1 - w0)))"
      done
    done
  done
  for s in "${names[@]}"; do [ -n "${pid[$s]:-}" ] && stop_server "${pid[$s]}"; done
  return 0
}

# cpu_ticks PID: the user+system CPU clock ticks PID has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# cpu_per_req LINE S0 S1 L0 L1 NS: srv_us= and cli_us=, the server's and
# loadgen's CPU microseconds per request: their CPU ticks from S0, L0 to
# S1, L1 over NS nanoseconds inside loadgen's measurement window, divided
# by the requests that window's rate (LINE's rps=) gives. Both share the
# machine's cores, so what one saves the other can use: these say where the
# time went, the rps says what came of it.
cpu_per_req() {
  awk -v line="$1" -v s0="$2" -v s1="$3" -v l0="$4" -v l1="$5" -v ns="$6" -v hz="$CLK_TCK" 'BEGIN {
    n = split(line, f, " "); rps = 0
    for (i = 1; i <= n; i++) if (f[i] ~ /^rps=/) rps = substr(f[i], 5) + 0
    reqs = rps * ns / 1e9
    if (reqs > 0 && s1 > s0 && l1 > l0)
      printf "srv_us=%.3f cli_us=%.3f", (s1 - s0) * 1e6 / hz / reqs, (l1 - l0) * 1e6 / hz / reqs
  }'
}

# ---------------------------------------------------------------- idle conns

idle_conns() {
  local s argv port
  for s in $IDLE_SERVERS; do
    server_available "$s" || continue
    port=0
    needs_port "$s" && port=$("$BIN/freeport")
    argv=$(server_argv "$s" "$port")
    local cmd
    printf -v cmd '%q ' timeout "$RUN_TIMEOUT" "$BIN/idleconns" -n "$IDLE_N" -name "$s"
    [ "$port" != 0 ] && cmd+="-addr 127.0.0.1:$port "
    log "$(eval "$cmd -- $argv" 2>&1 | tail -n 1)"
  done
}

# ---------------------------------------------------------------- redis

redis_scenarios() {
  command -v redis-benchmark >/dev/null || { note "skip redis: redis-benchmark not installed (apt-get install redis-tools)"; return 0; }
  local names=() s p round
  for s in $REDIS_SERVERS; do server_available "$s" && names+=("$s"); done
  if [ "${#names[@]}" -lt 2 ] || [ "${names[0]}" != redis-server ]; then
    note "skip redis: needs redis-server and redis-lua"
    return 0
  fi
  declare -A addr pid
  for s in "${names[@]}"; do
    start_server "$s" || return 0
    addr[$s]=$ADDR
    pid[$s]=$SERVER_PID
  done
  local TIMEFORMAT='%U %S' # bash's time: redis-benchmark's user and system seconds
  for p in $REDIS_PIPELINES; do
    for ((round = 1; round <= R; round++)); do
      for s in "${names[@]}"; do
        local n=$REDIS_N t s0 s1
        [ "$p" -gt 1 ] && n=$((REDIS_N * 5))
        # one redis-benchmark per test, so each test's CPU can be told apart
        for t in $REDIS_TESTS; do
          s0=$(cpu_ticks "${pid[$s]}")
          { time timeout "$RUN_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "${addr[$s]##*:}" -t "$t" \
            -c "$REDIS_CONNS" -n "$n" -P "$p" --csv >"$LOGDIR/rb.csv" 2>/dev/null; } 2>"$LOGDIR/rb.time" || true
          s1=$(cpu_ticks "${pid[$s]}")
          awk -F'"' -v sc="redis-c$REDIS_CONNS-P$p" -v srv="$s" -v r="$round" -v n="$n" -v hz="$CLK_TCK" \
            -v st="$((s1 - s0))" -v ct="$(awk '{ print $1 + $2 }' "$LOGDIR/rb.time" 2>/dev/null)" \
            'NR > 1 && $2 != "" { printf "scenario=%s-%s server=%s round=%d rps=%s", sc, $2, srv, r, $4
               if (st > 0 && ct > 0) printf " srv_us=%.3f cli_us=%.3f", st * 1e6 / hz / n, ct * 1e6 / n
               printf "\n" }' "$LOGDIR/rb.csv" | tee -a "$OUT"
        done
      done
    done
  done
  for s in "${names[@]}"; do stop_server "${pid[$s]}"; done
  return 0
}

# ---------------------------------------------------------------- websocket

# ws_start NAME: starts WebSocket server NAME and sets ADDR and SERVER_PID,
# or returns 1 (with a note) when NAME cannot run here.
ws_start() {
  local name=$1 port=0 argv out i first
  case $name in
    wsreactor | wsgorilla | wsgws)
      (cd "$BENCH_DIR" && go build -o "$BIN/" "./cmd/$name") 2>"$LOGDIR/$name-build.txt" ||
        { note "skip $name: it does not build"; return 1; }
      printf -v argv '%q -addr 127.0.0.1:0' "$BIN/$name" ;;
    wslua | wslualoop)
      have_netplay || { note "skip $name: netplay's runtime is not ready"; return 1; }
      [ -f "$ROOT/$WS_LUA_SCRIPT" ] || { note "skip $name: $WS_LUA_SCRIPT does not exist yet"; return 1; }
      port=$("$BIN/freeport")
      printf -v argv '%q run %q %s' "$NETPLAY" "$ROOT/$WS_LUA_SCRIPT" "$port"
      [ "$name" = wslualoop ] && argv+=" loop" ;;
    *) echo "run.sh: unknown ws server $name" >&2; exit 2 ;;
  esac
  out=$LOGDIR/$name.out
  (ulimit -n "$(ulimit -Hn)"; eval "exec $argv") >"$out" 2>"$LOGDIR/$name.err" &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  ADDR=""
  for ((i = 0; i < 150; i++)); do
    first=$(head -n 1 "$out" 2>/dev/null || true)
    case $first in listening\ *) ADDR=${first#listening } ;; esac
    if [ -z "$ADDR" ] && [ "$port" != 0 ] && port_open "$port"; then ADDR=127.0.0.1:$port; fi
    [ -n "$ADDR" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  note "server $name did not come up ($argv):"
  tail -5 "$LOGDIR/$name.err" >&2
  stop_server "$SERVER_PID"
  return 1
}

# ws_scenarios: every depth, R rounds, the servers of $WS_SERVERS
# interleaved under wsload, with CPU per message like echo_scenarios.
ws_scenarios() {
  (cd "$BENCH_DIR" && go build -o "$BIN/" ./cmd/wsload) || { note "skip ws: wsload does not build"; return 0; }
  local names=() s depth round
  declare -A addr pid
  for s in $WS_SERVERS; do
    ws_start "$s" || continue
    names+=("$s")
    addr[$s]=$ADDR
    pid[$s]=$SERVER_PID
    note "$s listening on $ADDR (pid $SERVER_PID)"
  done
  [ "${#names[@]}" -gt 0 ] || { note "no ws server can run"; return 0; }
  for depth in $DEPTHS; do
    for ((round = 1; round <= R; round++)); do
      for s in "${names[@]}"; do
        local line tpid lpid s0 s1 l0 l1 w0 w1
        timeout "$RUN_TIMEOUT" "$BIN/wsload" -addr "${addr[$s]}" -c "$CONNS" -size "$SIZE" -depth "$depth" \
          -warmup "$WARMUP" -d "$D" >"$LOGDIR/wsload.out" 2>&1 &
        tpid=$!
        sleep "$WARMUP"
        sleep "$CPU_SKIP"
        lpid=$(pgrep -P "$tpid" | head -n 1)
        s0=$(cpu_ticks "${pid[$s]}") l0=$(cpu_ticks "$lpid") w0=$(date +%s%N)
        sleep "$CPU_WINDOW"
        s1=$(cpu_ticks "${pid[$s]}") l1=$(cpu_ticks "$lpid") w1=$(date +%s%N)
        wait "$tpid" || true
        line=$(tail -n 1 "$LOGDIR/wsload.out")
        log "scenario=ws-c$CONNS-s$SIZE-d$depth server=$s round=$round $line $(cpu_per_req "$line" "$s0" "$s1" "$l0" "$l1" $((w1 - w0)))"
      done
    done
  done
  for s in "${names[@]}"; do stop_server "${pid[$s]}"; done
  return 0
}

# ---------------------------------------------------------------- http

# http_scenarios: wrk -t2 -c$HTTP_CONNS -d$D on a "hello" handler, servers
# interleaved for R rounds: netplay's Lua handler on the script VM
# (http-lua) and on loop VMs (http-lualoop), Go's net/http (http-go) and
# nginx with content_by_lua_block (http-nginx: 2 workers, access log off;
# skipped without libnginx-mod-http-lua). srv_us is the server's CPU (all
# its processes) per request over the whole run, cli_us wrk's. Then the
# client side: http_client_load.lua (one http.client, $HTTP_CLIENT_G
# coroutines) vs nethttpclient (Go's http.Client, as many goroutines),
# both against the Go server.
HTTP_SERVERS=${HTTP_SERVERS:-"http-nginx http-lualoop http-lua http-go"}
HTTP_CONNS=${HTTP_CONNS:-64}
HTTP_CLIENT_G=${HTTP_CLIENT_G:-50}
HTTP_SCRIPT=${HTTP_SCRIPT:-scripts/examples/http_hello.lua}
HTTP_CLIENT_SCRIPT=${HTTP_CLIENT_SCRIPT:-scripts/examples/http_client_load.lua}

# tree_ticks PID: CPU ticks of PID and its children (nginx's workers).
tree_ticks() {
  local p t=0
  for p in "$1" $(pgrep -P "$1" 2>/dev/null); do t=$((t + $(cpu_ticks "$p"))); done
  echo "$t"
}

# http_start NAME: starts an HTTP server, sets ADDR and SERVER_PID.
http_start() {
  local name=$1 port i
  port=$("$BIN/freeport")
  port=${port##*:}
  case $name in
    http-lua | http-lualoop)
      local mode=script
      [ "$name" = http-lualoop ] && mode=loop
      (ulimit -n "$(ulimit -Hn)"; exec "$NETPLAY" run "$ROOT/$HTTP_SCRIPT" "$port" "$mode") >"$LOGDIR/$name.out" 2>"$LOGDIR/$name.err" & ;;
    http-go) (ulimit -n "$(ulimit -Hn)"; exec "$BIN/nethttp" -addr "127.0.0.1:$port") >"$LOGDIR/$name.out" 2>"$LOGDIR/$name.err" & ;;
    http-nginx)
      mkdir -p "$LOGDIR/nginx"
      cat >"$LOGDIR/nginx/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
worker_processes 2;
daemon off;
pid $LOGDIR/nginx/nginx.pid;
error_log $LOGDIR/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $LOGDIR/nginx; proxy_temp_path $LOGDIR/nginx; fastcgi_temp_path $LOGDIR/nginx;
  uwsgi_temp_path $LOGDIR/nginx; scgi_temp_path $LOGDIR/nginx;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$port;
    location / { default_type text/plain; content_by_lua_block { ngx.print("hello\\n") } }
  }
}
CONF
      nginx -p "$LOGDIR/nginx" -c "$LOGDIR/nginx/nginx.conf" >"$LOGDIR/$name.out" 2>"$LOGDIR/$name.err" & ;;
  esac
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for ((i = 0; i < 150; i++)); do
    if port_open "$port"; then ADDR=127.0.0.1:$port; return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  note "server $name did not come up:"
  tail -5 "$LOGDIR/$name.err" >&2
  stop_server "$SERVER_PID"
  return 1
}

http_scenarios() {
  RATIOS="$RATIOS http-lualoop/http-nginx http-lua/http-nginx http-go/http-nginx http-lualoop/http-go http-lua/http-go netplay-client/go-client"
  command -v wrk >/dev/null || { note "skip http: wrk not installed (apt-get install wrk)"; return 0; }
  (cd "$BENCH_DIR" && go build -o "$BIN/" ./cmd/nethttp ./cmd/nethttpclient)
  local names=() s round
  for s in $HTTP_SERVERS; do
    case $s in
      http-lua | http-lualoop) have_netplay || { note "skip $s: netplay's runtime is not ready"; continue; } ;;
      http-nginx)
        { command -v nginx >/dev/null && [ -f /usr/lib/nginx/modules/ngx_http_lua_module.so ]; } ||
          { note "skip http-nginx: needs nginx and libnginx-mod-http-lua"; continue; } ;;
    esac
    names+=("$s")
  done
  declare -A addr pid
  for s in "${names[@]}"; do
    http_start "$s" || continue
    addr[$s]=$ADDR
    pid[$s]=$SERVER_PID
    note "$s listening on $ADDR (pid $SERVER_PID)"
  done
  local TIMEFORMAT='%U %S'
  for ((round = 1; round <= R; round++)); do
    for s in "${names[@]}"; do
      [ -n "${addr[$s]:-}" ] || continue
      local s0 s1
      s0=$(tree_ticks "${pid[$s]}")
      { time timeout "$RUN_TIMEOUT" wrk -t2 -c"$HTTP_CONNS" -d"$D" --latency "http://${addr[$s]}/" >"$LOGDIR/wrk.out" 2>&1; } 2>"$LOGDIR/wrk.time" || true
      s1=$(tree_ticks "${pid[$s]}")
      awk -v sc="http-c$HTTP_CONNS" -v srv="$s" -v r="$round" -v st="$((s1 - s0))" -v hz="$CLK_TCK" \
        -v ct="$(awk '{ print $1 + $2 }' "$LOGDIR/wrk.time" 2>/dev/null)" '
        function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; if (v ~ /s$/) return v * 1e6; return v }
        /requests in/ { n = $1 }
        /^ +50%/ { p50 = us($2) } /^ +99%/ { p99 = us($2) }
        /^Requests\/sec:/ { rps = $2 }
        /Non-2xx|Socket errors/ { bad = bad " " $0 }
        END { if (rps == "") exit
              printf "scenario=%s server=%s round=%d rps=%.0f p50_us=%.0f p99_us=%.0f", sc, srv, r, rps, p50, p99
              if (n > 0 && st > 0) printf " srv_us=%.3f cli_us=%.3f", st * 1e6 / hz / n, ct * 1e6 / n
              if (bad != "") printf " errors=\"%s\"", bad
              printf "\n" }' "$LOGDIR/wrk.out" | tee -a "$OUT"
    done
  done
  # the client side: one netplay http.client vs Go's http.Client, against http-go
  if [ -n "${addr[http-go]:-}" ] && have_netplay; then
    for ((round = 1; round <= R; round++)); do
      local line
      line=$(timeout "$RUN_TIMEOUT" "$NETPLAY" run "$ROOT/$HTTP_CLIENT_SCRIPT" "http://${addr[http-go]}/" "$HTTP_CLIENT_G" "${D_SEC%.*}" 2>&1 | tail -n 1)
      log "scenario=httpclient-g$HTTP_CLIENT_G server=netplay-client round=$round $line"
      line=$(timeout "$RUN_TIMEOUT" "$BIN/nethttpclient" -url "http://${addr[http-go]}/" -g "$HTTP_CLIENT_G" -d "$D" 2>&1 | tail -n 1)
      log "scenario=httpclient-g$HTTP_CLIENT_G server=go-client round=$round $line"
    done
  fi
  for s in "${names[@]}"; do [ -n "${pid[$s]:-}" ] && stop_server "${pid[$s]}"; done
  return 0
}

# ---------------------------------------------------------------- summary

# summary: medians per scenario and server (rps, p50, p99, and for loadgen
# runs the server's and loadgen's CPU µs per request) and the ratios of
# median rps named in $RATIOS, from the lines in $OUT.
summary() {
  grep '^scenario=' "$OUT" >/dev/null 2>&1 || return 0
  echo
  echo "== medians over rounds (rps; latency and CPU per request in us)"
  # one "scenario server rps p50 p99" row per run, then medians per group
  awk '{ sc = ""; sv = ""; rps = ""; p50 = "-"; p99 = "-"; srv = "-"; cli = "-"
         for (i = 1; i <= NF; i++) {
           split($i, kv, "=")
           if (kv[1] == "scenario") sc = kv[2]; else if (kv[1] == "server") sv = kv[2]
           else if (kv[1] == "rps") rps = kv[2]; else if (kv[1] == "p50_us") p50 = kv[2]
           else if (kv[1] == "p99_us") p99 = kv[2]; else if (kv[1] == "srv_us") srv = kv[2]
           else if (kv[1] == "cli_us") cli = kv[2]
         }
         if (sc != "" && rps != "") print sc, sv, rps, p50, p99, srv, cli }' "$OUT" >"$LOGDIR/rows"
  local col
  : >"$LOGDIR/med"
  for col in 3 4 5 6 7; do
    sort -k1,1 -k2,2 -k${col},${col}n "$LOGDIR/rows" |
      awk -v c="$col" '
        function flush() { if (n) { m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2; if (v[1] == "-") m = "-"; print key, c, m, n } }
        { k = $1 " " $2; if (k != key) { flush(); key = k; n = 0 } v[++n] = $c }
        END { flush() }' >>"$LOGDIR/med"
  done
  awk '{ key = $1 " " $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
         val[key, $3] = $4; runs[key] = $5 }
       END { printf "%-26s %-13s %5s %12s %8s %8s %8s %8s\n", "scenario", "server", "runs", "rps", "p50_us", "p99_us", "srv_us", "cli_us"
             for (i = 1; i <= n; i++) { split(order[i], a, " ")
               printf "%-26s %-13s %5d %12.0f %8s %8s %8s %8s\n", a[1], a[2], runs[order[i]], val[order[i], 3], val[order[i], 4], val[order[i], 5], val[order[i], 6], val[order[i], 7] } }' \
    "$LOGDIR/med" | tee -a "$OUT"
  echo
  echo "== ratios of median rps"
  ratios | sort -s -k1,1 | tee -a "$OUT"
}

# ratios: the ratios of median rps listed in $RATIOS, per scenario.
ratios() {
  awk -v ratios="$RATIOS" '
    $3 == 3 { rps[$1 SUBSEP $2] = $4; sc[$1] = 1 }
    END {
      nr = split(ratios, rr, " ")
      for (s in sc) for (i = 1; i <= nr; i++) {
        split(rr[i], ab, "/")
        if (((s, ab[1]) in rps) && ((s, ab[2]) in rps) && rps[s, ab[2]] > 0)
          printf "%-26s %-24s %6.2fx\n", s, rr[i], rps[s, ab[1]] / rps[s, ab[2]]
      }
    }' "$LOGDIR/med"
}

# ---------------------------------------------------------------- main

MODES=("$@")
[ "${#MODES[@]}" -gt 0 ] || MODES=(echo idle)
build_tools
log "# run.sh $(date -u +%Y-%m-%dT%H:%MZ) nproc=$(nproc) R=$R D=$D c=$CONNS size=$SIZE depths=\"$DEPTHS\" $(go version | awk '{print $3}')"
for mode in "${MODES[@]}"; do
  # shellcheck disable=SC2086 # server lists are word lists
  case $mode in
    echo) echo_scenarios echo $SERVERS ;;
    lua)
      if server_available lua || server_available lualoop; then
        echo_scenarios lua $LUA_SERVERS
      else
        note "skip lua: neither Lua echo can run yet"
      fi ;;
    line) LOADGEN_MODE=line; echo_scenarios line $LINE_SERVERS; LOADGEN_MODE=echo ;;
    idle) idle_conns ;;
    redis) redis_scenarios ;;
    ws) ws_scenarios ;;
    http) http_scenarios ;;
    *) echo "usage: run.sh [echo] [idle] [lua] [line] [redis] [ws] [http]" >&2; exit 2 ;;
  esac
done
summary
