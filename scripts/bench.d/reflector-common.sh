# Shared by scripts/bench.d/reflector and churn (sourced): one reflector namespace and one client namespace
# (the injector and the four sinks, each on its own address) joined by a veth pair, and the reflector
# configurations of evpnd, FRR 8.4 (bgpd only) and GoBGP 3.10 for them.
#
#   R (reflector) 10.77.0.1/24 --- C: injector 10.77.0.10, sinks 10.77.0.11 .. 10.77.0.14
# Every client is an iBGP route-reflector client (AS 65000) and dials in; the reflector is passive.

RR_ADDR=10.77.0.1
INJECTOR_ADDR=10.77.0.10
SINK_ADDRS=(10.77.0.11 10.77.0.12 10.77.0.13 10.77.0.14)
CLIENT_ADDRS=("$INJECTOR_ADDR" "${SINK_ADDRS[@]}")

rr_topology() {
    bench_netns R
    NS_R=$BENCH_NS
    bench_netns C
    NS_C=$BENCH_NS
    local extra=()
    local a
    for a in "${SINK_ADDRS[@]}"; do extra+=("$a/24"); done
    bench_veth "$NS_R" r0 "$RR_ADDR/24" "$NS_C" c0 "$INJECTOR_ADDR/24" "${extra[@]}"
}

# rr_config_frr_syntax FILE: the reflector's configuration in FRR's syntax, which evpnd reads too; prints FILE.
rr_config_frr_syntax() {
    local file=$1 a
    {
        echo "frr defaults datacenter"
        echo "hostname bench-rr"
        echo "router bgp 65000"
        echo " bgp router-id $RR_ADDR"
        echo " bgp cluster-id $RR_ADDR"
        echo " no bgp default ipv4-unicast"
        echo " neighbor CLIENTS peer-group"
        echo " neighbor CLIENTS remote-as 65000"
        echo " neighbor CLIENTS passive"
        for a in "${CLIENT_ADDRS[@]}"; do echo " neighbor $a peer-group CLIENTS"; done
        echo " address-family l2vpn evpn"
        echo "  neighbor CLIENTS activate"
        echo "  neighbor CLIENTS route-reflector-client"
        echo " exit-address-family"
        echo "exit"
    } >"$file"
    echo "$file"
}

rr_config_evpnd() { rr_config_frr_syntax "$BENCH_TMP/evpnd.conf"; }

rr_config_frr() { rr_config_frr_syntax "$BENCH_TMP/frr.conf"; }

rr_config_gobgp() {
    local file=$BENCH_TMP/gobgp.toml a
    {
        printf '[global.config]\n  as = 65000\n  router-id = "%s"\n' "$RR_ADDR"
        for a in "${CLIENT_ADDRS[@]}"; do
            printf '[[neighbors]]\n  [neighbors.config]\n    neighbor-address = "%s"\n    peer-as = 65000\n' "$a"
            printf '  [neighbors.transport.config]\n    passive-mode = true\n'
            printf '  [neighbors.route-reflector.config]\n    route-reflector-client = true\n    route-reflector-cluster-id = "%s"\n' "$RR_ADDR"
            printf '  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "l2vpn-evpn"\n'
        done
    } >"$file"
    echo "$file"
}

# rr_start DAEMON: the reflector in $NS_R; sets RR_PID (the process whose memory and CPU are measured).
rr_start() {
    case $1 in
        evpnd) bench_evpnd_start "$NS_R" "$(rr_config_evpnd)" "evpnd-$BENCH_CASE" ;;
        frr) bench_frr_start "$NS_R" "bench-$BENCH_PREFIX-$BENCH_RUN" "$(rr_config_frr)" bgpd ;;
        gobgp) bench_gobgp_start "$NS_R" "$(rr_config_gobgp)" "gobgpd-$BENCH_CASE" ;;
        *) bench_log "unknown daemon $1"; return 1 ;;
    esac
    RR_PID=$BENCH_PID
    # BENCH_PERF=DIR: record the reflector with `perf record -g` into DIR/perf-CASE.data (for finding what bounds it).
    RR_PERF_PID=
    if [ -n "${BENCH_PERF:-}" ]; then
        bench_spawn "perf-$BENCH_CASE" perf record -F 4999 -g -p "$RR_PID" -o "$BENCH_PERF/perf-$BENCH_CASE.data"
        RR_PERF_PID=$BENCH_PID
        sleep 0.5
    fi
}

rr_stop() {
    if [ -n "${RR_PERF_PID:-}" ]; then kill -INT "$RR_PERF_PID" 2>/dev/null || true; wait "$RR_PERF_PID" 2>/dev/null || true; RR_PERF_PID=; fi
    case $1 in
        frr) bench_frr_stop "bench-$BENCH_PREFIX-$BENCH_RUN" ;;
        *) bench_stop "$RR_PID" ;;
    esac
}

# rr_order ROUND DAEMON...: the daemons rotated by the round number, so that across rounds each one
# runs first, second, ... equally often and the machine's noise falls on all of them.
rr_order() {
    local round=$1
    shift
    local list=("$@") n=$# i
    for ((i = 0; i < n; i++)); do echo "${list[$(((i + round) % n))]}"; done
}

# rr_label N: 100000 -> 100k
rr_label() { if (($1 % 1000 == 0)); then echo "$(($1 / 1000))k"; else echo "$1"; fi; }

# rr_wait_line FILE PATTERN SECONDS: waits until FILE holds a line matching PATTERN.
rr_wait_line() { bench_wait_for "$3" grep -qs -- "$2" "$1"; }
