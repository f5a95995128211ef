# Shared by the VTEP-side scenario runners of scripts/bench (vtep, move, idle): namespaces with cleanup,
# starting evpnd, FRR and GoBGP in them, reading a process's memory and CPU, and the output lines.
# Sourced, not run. Every name made here carries BV_PREFIX (unique per run); bv_cleanup removes them all
# and is installed as the EXIT/INT/TERM trap by bv_init.

BV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BV_BIN=${EVPND_BIN_DIR:-$BV_ROOT/.build/release}
BV_FRR=/usr/lib/frr
BV_SUFFIX=$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')
BV_PREFIX="bv$BV_SUFFIX"
BV_WORK=""
BV_PIDS=()
BV_FRRS=()
BV_QUICK=0
BV_ROUND=1

bv_log() { printf '%s: %s\n' "${BV_SCENARIO:-bench}" "$*" >&2; }
bv_die() { bv_log "$*"; exit 1; }

# BENCH<TAB>scenario<TAB>figure<TAB>daemon<TAB>value<TAB>unit
bv_bench() { printf 'BENCH\t%s\t%s\t%s\t%s\t%s\n' "$BV_SCENARIO" "$1" "$2" "$3" "$4"; }
# LOST<TAB>scenario<TAB>daemon<TAB>count
bv_lost() { printf 'LOST\t%s\t%s\t%s\n' "$BV_SCENARIO" "$1" "$2"; }

bv_parse_args() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --quick) BV_QUICK=1 ;;
            --round) BV_ROUND=$2; shift ;;
            -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
            *) bv_die "unknown argument $1 (--quick, --round K)" ;;
        esac
        shift
    done
}

bv_init() {
    [ "$(id -u)" = 0 ] || bv_die "needs root (network namespaces)"
    BV_WORK=$(mktemp -d "/tmp/evpnd-bench-$BV_SCENARIO-$BV_SUFFIX.XXXX")
    chmod 755 "$BV_WORK"  # FRR reads its configuration as user frr
    trap bv_cleanup EXIT
    trap 'exit 130' INT TERM
}

bv_build() {
    [ "${BENCH_NO_BUILD:-0}" = 1 ] && return 0
    local p
    for p in "$@"; do
        (cd "$BV_ROOT" && swift build -c release --product "$p" 2>&1 | grep -E "error|warning: unre" >&2) || true
        [ -x "$BV_BIN/$p" ] || bv_die "no $BV_BIN/$p after building"
    done
}

bv_cleanup() {
    bv_teardown
    [ -n "$BV_WORK" ] && [ "${BENCH_KEEP_WORK:-0}" != 1 ] && rm -rf "$BV_WORK"
    return 0
}

# Every process, FRR instance and namespace this run made; the work directory stays.
bv_teardown() {
    set +e
    local pid inst f ns
    for pid in "${BV_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for inst in "${BV_FRRS[@]}"; do
        for f in /var/run/frr/"$inst"/*.pid; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done
    done
    [ ${#BV_PIDS[@]} -gt 0 ] || [ ${#BV_FRRS[@]} -gt 0 ] && sleep 0.3
    for pid in "${BV_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    for inst in "${BV_FRRS[@]}"; do
        for f in /var/run/frr/"$inst"/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null; done
        rm -rf "/var/run/frr/$inst"
    done
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$BV_PREFIX-"); do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
        ip netns del "$ns"
    done
    BV_PIDS=()
    BV_FRRS=()
    set -e
}

bv_ns() { echo "$BV_PREFIX-$1"; }
bv_nsx() { local ns; ns=$(bv_ns "$1"); shift; ip netns exec "$ns" "$@"; }

# bv_add_ns ROLE: a namespace with lo up and IPv6 off (only MAC-only routes, as in VTEPInteropTests).
bv_add_ns() {
    local ns; ns=$(bv_ns "$1")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# bv_link A ADDR_A B ADDR_B: a veth between namespaces A (dev to-B) and B (dev to-A), addresses with prefix.
bv_link() {
    local a b; a=$(bv_ns "$1"); b=$(bv_ns "$3")
    ip link add name "to-$3" netns "$a" type veth peer name "to-$1" netns "$b"
    ip -n "$a" addr add "$2" dev "to-$3"
    ip -n "$b" addr add "$4" dev "to-$1"
    ip -n "$a" link set "to-$3" up
    ip -n "$b" link set "to-$1" up
}

# bv_vxlan ROLE LOCAL_IP [N]: br100 + vxlan100 (id 100 dstport 4789 local LOCAL_IP nolearning), as the
# seed's switches and VTEPInteropTests have them.
bv_vxlan() {
    local ns n; ns=$(bv_ns "$1"); n=${3:-1}
    ip -n "$ns" link add br100 address "$(printf '02:00:00:00:%02x:ff' "$n")" type bridge
    ip -n "$ns" link add vxlan100 address "$(printf '02:00:00:00:%02x:64' "$n")" type vxlan id 100 dstport 4789 local "$2" nolearning
    ip -n "$ns" link set vxlan100 master br100
    ip -n "$ns" link set vxlan100 up
    ip -n "$ns" link set br100 up
}

# bv_start_evpnd ROLE CONFIG_TEXT: evpnd in namespace ROLE; sets BV_LAST_PID. Socket $BV_WORK/ROLE.sock.
bv_start_evpnd() {
    local role=$1
    printf '%s\n' "$2" >"$BV_WORK/$role.conf"
    # BENCH_EVPND_WRAP: a command to run evpnd under, e.g. "valgrind --tool=callgrind --callgrind-out-file=F".
    # shellcheck disable=SC2086
    ip netns exec "$(bv_ns "$role")" ${BENCH_EVPND_WRAP:-} "$BV_BIN/evpnd" --config "$BV_WORK/$role.conf" --socket "$BV_WORK/$role.sock" \
        --log-level "${BENCH_EVPND_LOG:-info}" >"$BV_WORK/$role.log" 2>&1 &
    BV_LAST_PID=$!
    BV_PIDS+=("$BV_LAST_PID")
}

bv_evpnctl() { local role=$1; shift; "$BV_BIN/evpnctl" -s "$BV_WORK/$role.sock" "$@"; }

# bv_start_frr ROLE CONFIG_TEXT DAEMON...: FRR daemons (zebra first) in namespace ROLE, instance name
# PREFIX-ROLE. Extra bgpd arguments in BV_BGPD_ARGS. Sets BV_LAST_PIDS (space separated, in order).
bv_start_frr() {
    local role=$1 conf=$2; shift 2
    local inst; inst=$(bv_ns "$role")
    mkdir -p "/var/run/frr/$inst"
    chown frr:frr /var/run/frr "/var/run/frr/$inst"
    printf '%s\n' "$conf" >"$BV_WORK/$role.frr"
    BV_FRRS+=("$inst")
    BV_LAST_PIDS=""
    local d i extra
    for d in "$@"; do
        extra=()
        [ "$d" = bgpd ] && extra=(${BV_BGPD_ARGS:-})
        ip netns exec "$inst" "$BV_FRR/$d" -d -N "$inst" -f "$BV_WORK/$role.frr" -u frr -g frr "${extra[@]}" \
            >>"$BV_WORK/$role-start.log" 2>&1 || bv_die "$d of $role did not start: $(cat "$BV_WORK/$role-start.log")"
        for i in $(seq 200); do [ -s "/var/run/frr/$inst/$d.pid" ] && break; sleep 0.02; done
        BV_LAST_PIDS="$BV_LAST_PIDS $(cat "/var/run/frr/$inst/$d.pid")"
    done
}

bv_vtysh() { local role=$1; shift; vtysh -N "$(bv_ns "$role")" -c "$*" 2>/dev/null; }

# bv_start_gobgp ROLE TOML API_PORT: gobgpd in namespace ROLE; sets BV_LAST_PID.
bv_start_gobgp() {
    local role=$1
    printf '%s\n' "$2" >"$BV_WORK/$role.toml"
    ip netns exec "$(bv_ns "$role")" gobgpd -f "$BV_WORK/$role.toml" --api-hosts "127.0.0.1:$3" -l warn \
        >"$BV_WORK/$role.log" 2>&1 &
    BV_LAST_PID=$!
    BV_PIDS+=("$BV_LAST_PID")
}

# Established EVPN sessions of a daemon (0 while it cannot answer).
bv_established_evpnd() {
    bv_evpnctl "$1" show bgp l2vpn evpn summary --json 2>/dev/null |
        python3 -c 'import json,sys
try: print(sum(1 for p in json.load(sys.stdin).get("peers",{}).values() if p.get("state")=="Established"))
except Exception: print(0)' || true
}
bv_established_frr() {
    bv_vtysh "$1" show bgp l2vpn evpn summary json |
        python3 -c 'import json,sys
try: print(sum(1 for p in json.load(sys.stdin).get("peers",{}).values() if p.get("state")=="Established"))
except Exception: print(0)' || true
}
bv_established_gobgp() {
    bv_nsx "$1" gobgp -u 127.0.0.1 -p "$2" neighbor 2>/dev/null | awk '$0 ~ /Establ/ {n++} END {print n+0}' || true
}

# bv_now: CLOCK_MONOTONIC seconds (the clock evpn-bench and evpn-load stamp with).
bv_now() { "$BV_BIN/evpn-bench" now; }

# bv_rss_kb PID...: summed VmRSS (kB); bv_hwm_kb: summed VmHWM; bv_cpu_s: summed utime+stime (seconds).
bv_rss_kb() { local p s=0 v; for p in "$@"; do v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null); s=$((s + ${v:-0})); done; echo "$s"; }
bv_hwm_kb() { local p s=0 v; for p in "$@"; do v=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null); s=$((s + ${v:-0})); done; echo "$s"; }
bv_cpu_s() {
    local p ticks=0 v hz; hz=$(getconf CLK_TCK)
    for p in "$@"; do
        # Fields 14 and 15 of /proc/PID/stat (after the parenthesized name, which may hold spaces).
        # (A daemon that died has no stat file: it counts 0, and the runner goes on.)
        v=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}' || true)
        ticks=$((ticks + ${v:-0}))
    done
    awk -v t="$ticks" -v hz="$hz" 'BEGIN {printf "%.2f", t / hz}'
}

# bv_wait SECONDS INTERVAL COMMAND...: true as soon as COMMAND succeeds.
bv_wait() {
    local limit=$1 interval=$2; shift 2
    local end; end=$(awk -v n="$(date +%s.%N)" -v l="$limit" 'BEGIN {printf "%.3f", n + l}')
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        awk -v n="$(date +%s.%N)" -v e="$end" 'BEGIN {exit !(n > e)}' && return 1
        sleep "$interval"
    done
}

bv_sub() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a - b}'; }
