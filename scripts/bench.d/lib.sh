# Shared helpers for the scenario runners in scripts/bench.d (sourced, not run). Bash.
# Contract of a runner: see the top of scripts/bench.
#
#   . "$(dirname "$0")/lib.sh"
#   bench_init rf                      # prefix of every namespace/file this run makes; installs the cleanup trap
#   bench_netns R; ns=$BENCH_NS        # namespace "rfR-<run id>", lo up; deleted on exit
#   bench_veth "$nsA" a0 10.77.0.1/24 "$nsB" b0 10.77.0.10/24
#   bench_evpnd_start "$ns" "$conf"; pid=$BENCH_PID   # or bench_frr_start NS NAME CONF, bench_gobgp_start NS CONF
# Helpers that start or make something record it for the cleanup, so they must run in this shell, never
# inside $(...) (a subshell's records are lost with it): they hand results back in BENCH_NS / BENCH_PID.
#   bench_result reflector cold_100k_s evpnd 0.41 s
#
# Everything started through these helpers (processes, namespaces, FRR run directories, temp files) is removed
# on exit, on failure and on SIGINT/SIGTERM. Processes are stopped by their own pid, never by name.

BENCH_ROOT=${BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BENCH_BIN=${EVPND_BIN_DIR:-$BENCH_ROOT/.build/release}
BENCH_FRR_DIR=${BENCH_FRR_DIR:-/usr/lib/frr}
BENCH_NAMESPACES=()
BENCH_PIDS=()
BENCH_FRR_NAMES=()

# bench_init PREFIX: a per-run id, a temp dir ($BENCH_TMP) and the cleanup trap.
bench_init() {
    BENCH_PREFIX=$1
    BENCH_RUN=$(printf '%04x%04x' $RANDOM $RANDOM)
    BENCH_TMP=$(mktemp -d "/tmp/bench-$BENCH_PREFIX-$BENCH_RUN.XXXX")
    chmod 755 "$BENCH_TMP"   # FRR reads its config as user frr
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

bench_cleanup() {
    local pid name
    for pid in "${BENCH_PIDS[@]}"; do bench_stop "$pid"; done
    for name in "${BENCH_FRR_NAMES[@]}"; do bench_frr_stop "$name"; done
    for name in "${BENCH_NAMESPACES[@]}"; do ip netns del "$name" 2>/dev/null || true; done
    [ -n "${BENCH_KEEP_TMP:-}" ] || rm -rf "$BENCH_TMP"
}

bench_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# Result lines (the driver reads these from stdout; everything else should go to stderr).
bench_result() { printf 'BENCH\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5"; }
bench_lost() { printf 'LOST\t%s\t%s\t%s\n' "$1" "$2" "$3"; }
bench_note() { printf 'NOTE\t%s\t%s\t%s\n' "$1" "$2" "$3"; bench_log "note: $1 $2: $3"; }

# bench_netns NAME: makes namespace PREFIX NAME - RUN with lo up; sets BENCH_NS to its name.
bench_netns() {
    BENCH_NS="$BENCH_PREFIX$1-$BENCH_RUN"
    ip netns add "$BENCH_NS"
    BENCH_NAMESPACES+=("$BENCH_NS")
    ip -n "$BENCH_NS" link set lo up
}

# bench_veth NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN [EXTRA ADDRS FOR IF2...]
bench_veth() {
    local ns1=$1 if1=$2 a1=$3 ns2=$4 if2=$5 a2=$6
    shift 6
    ip link add "$if1-$BENCH_RUN" type veth peer name "$if2-$BENCH_RUN"
    ip link set "$if1-$BENCH_RUN" netns "$ns1" name "$if1"
    ip link set "$if2-$BENCH_RUN" netns "$ns2" name "$if2"
    ip -n "$ns1" addr add "$a1" dev "$if1"
    ip -n "$ns2" addr add "$a2" dev "$if2"
    local extra
    for extra in "$@"; do ip -n "$ns2" addr add "$extra" dev "$if2"; done
    ip -n "$ns1" link set "$if1" up
    ip -n "$ns2" link set "$if2" up
}

# bench_spawn LOGNAME CMD...: runs CMD in the background, output to $BENCH_TMP/LOGNAME.log; sets BENCH_PID.
# (Not in a $(...): the process must be a child of this shell so that `wait` and the trap see it.)
bench_spawn() {
    local log="$BENCH_TMP/$1.log"
    shift
    "$@" >"$log" 2>&1 </dev/null &
    BENCH_PID=$!
    BENCH_PIDS+=("$BENCH_PID")
}

# bench_stop PID: SIGTERM, up to 5 s, then SIGKILL. Only a pid this run started.
bench_stop() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# bench_wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s until it succeeds; fails after SECONDS.
bench_wait_for() {
    local limit=$1 i
    shift
    for i in $(seq $((limit * 10))); do "$@" && return 0; sleep 0.1; done
    return 1
}

# Process figures from /proc: kB, kB, seconds (utime+stime).
bench_rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
bench_hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
bench_cpu_s() {
    # Fields 14 and 15 of /proc/PID/stat, after the ")" that ends the command name (which may hold spaces).
    local ticks
    ticks=$(getconf CLK_TCK)
    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk -v hz="$ticks" '{printf "%.2f\n", ($12 + $13) / hz}'
}

# evpnd in a namespace. Prints nothing; sets BENCH_PID (the evpnd process: `ip netns exec` execs it).
bench_evpnd_start() {
    local ns=$1 conf=$2 name=${3:-evpnd}
    bench_spawn "$name" ip netns exec "$ns" "$BENCH_BIN/evpnd" --config "$conf" --socket "$BENCH_TMP/$name.sock" \
        --log-level "${BENCH_EVPND_LOG_LEVEL:-notice}"
    bench_wait_for 10 test -S "$BENCH_TMP/$name.sock" || { bench_log "evpnd did not start:"; cat "$BENCH_TMP/$name.log" >&2; return 1; }
}

# FRR daemons (default bgpd only, --no_zebra) in a namespace, instance NAME; sets BENCH_PID to bgpd's pid.
bench_frr_start() {
    local ns=$1 name=$2 conf=$3 daemons=${4:-bgpd} run=/var/run/frr/$2 daemon
    mkdir -p "$run"
    chown frr:frr /var/run/frr "$run"
    chmod 644 "$conf"
    BENCH_FRR_NAMES+=("$name")
    for daemon in $daemons; do
        local extra=()
        [ "$daemon" = bgpd ] && [[ " $daemons " != *" zebra "* ]] && extra=(--no_zebra)
        ip netns exec "$ns" "$BENCH_FRR_DIR/$daemon" -d -N "$name" -f "$conf" -u frr -g frr "${extra[@]}" \
            >"$BENCH_TMP/$name-$daemon-start.log" 2>&1
    done
    bench_wait_for 10 test -s "$run/bgpd.pid" || { bench_log "FRR bgpd $name did not start"; return 1; }
    BENCH_PID=$(cat "$run/bgpd.pid")
}

bench_frr_stop() {
    local name=$1 file pid
    for file in /var/run/frr/"$name"/*.pid; do
        [ -f "$file" ] || continue
        pid=$(cat "$file")
        kill -TERM "$pid" 2>/dev/null || true
        bench_wait_for 5 sh -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "/var/run/frr/$name"
}

# gobgpd in a namespace (API on 127.0.0.1:50051 of that namespace); sets BENCH_PID.
bench_gobgp_start() {
    local ns=$1 conf=$2 name=${3:-gobgpd}
    bench_spawn "$name" ip netns exec "$ns" gobgpd -f "$conf" --api-hosts 127.0.0.1:50051 -l warn
    bench_wait_for 10 ip netns exec "$ns" gobgp -u 127.0.0.1 -p 50051 global >/dev/null 2>&1 \
        || { bench_log "gobgpd did not start:"; cat "$BENCH_TMP/$name.log" >&2; return 1; }
}

# bench_field LINE KEY: the value of KEY=VALUE in an evpn-load output line.
bench_field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -n1; }

# Arithmetic with awk (bash has none for decimals): bench_calc '1.5 * 2'
bench_calc() { awk "BEGIN { printf \"%.4g\n\", $1 }"; }
