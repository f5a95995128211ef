#!/usr/bin/env bash
# Captures BFD control packets between two FRR 8.4 bfdd instances in network namespaces (run as root).
# Rebuilds frr-bfdd.pcap, frr-bfdd.tsv (tshark's decode, one line per packet) and the *.bin files (one UDP payload each) here.
# See README.md in this directory for what each file holds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
s=$$; a=bfdA$s; b=bfdB$s; tmp=$(mktemp -d)
cleanup() {
    for n in $a $b; do
        [ -f /var/run/frr/$n/bfdd.pid ] && kill "$(cat /var/run/frr/$n/bfdd.pid)" 2>/dev/null || true
        rm -rf /var/run/frr/$n
        ip netns del $n 2>/dev/null || true
    done
    [ -n "${dump:-}" ] && kill "$dump" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add $a; ip netns add $b
ip link add va$s netns $a type veth peer name vb$s netns $b
ip -n $a addr add 10.99.0.1/24 dev va$s; ip -n $b addr add 10.99.0.2/24 dev vb$s
ip -n $a link set va$s up; ip -n $b link set vb$s up; ip -n $a link set lo up; ip -n $b link set lo up
# Loopbacks for the multihop session (RFC 5883), routed over the link.
ip -n $a addr add 10.99.1.1/32 dev lo; ip -n $b addr add 10.99.1.2/32 dev lo
ip -n $a route add 10.99.1.2/32 via 10.99.0.2; ip -n $b route add 10.99.1.1/32 via 10.99.0.1

# A: FRR's defaults (300 ms x 3). B: different timers, so the negotiated values differ per direction.
cat > $tmp/a.conf <<CONF
bfd
 peer 10.99.0.2
 !
 peer 10.99.1.2 multihop local-address 10.99.1.1
  minimum-ttl 250
 !
!
CONF
cat > $tmp/b.conf <<CONF
bfd
 peer 10.99.0.1
  transmit-interval 200
  receive-interval 250
  detect-multiplier 5
 !
 peer 10.99.1.1 multihop local-address 10.99.1.2
 !
!
CONF
chmod 644 $tmp/*.conf; chmod 755 $tmp
mkdir -p /var/run/frr/$a /var/run/frr/$b; chown frr:frr /var/run/frr /var/run/frr/$a /var/run/frr/$b

ip netns exec $a tcpdump -i va$s -w "$here/frr-bfdd.pcap" -U 'udp port 3784 or udp port 4784' 2>/dev/null & dump=$!
sleep 1
ip netns exec $b /usr/lib/frr/bfdd -d -N $b -f $tmp/b.conf -u frr -g frr
sleep 2.5   # B alone: Down packets at the slow-start rate
ip netns exec $a /usr/lib/frr/bfdd -d -N $a -f $tmp/a.conf -u frr -g frr
sleep 4     # three-way handshake, then Up
# A timer change while Up: a Poll sequence (RFC 5880 6.5).
vtysh -N $a -c 'configure terminal' -c 'bfd' -c 'peer 10.99.0.2' -c 'transmit-interval 100' -c 'receive-interval 150' >/dev/null
sleep 2
# B shuts its single-hop session: AdminDown, diag 7 (Administratively Down).
vtysh -N $b -c 'configure terminal' -c 'bfd' -c 'peer 10.99.0.1' -c 'shutdown' >/dev/null
sleep 2
ip netns exec $a vtysh -N $a -c 'show bfd peers json' > "$here/frr-show-bfd-peers.json" 2>/dev/null || true
# B's bfdd killed: A's detection time expires (diag 1).
kill "$(cat /var/run/frr/$b/bfdd.pid)"
sleep 3
kill $dump; wait $dump 2>/dev/null || true; dump=
# One line per packet, tshark's own decode beside the payload: the decoder tests check theirs against it.
tshark -r "$here/frr-bfdd.pcap" -Y bfd -T fields -E separator=/t -E header=y \
    -e frame.time_relative -e ip.src -e ip.dst -e ip.ttl -e udp.dstport \
    -e bfd.version -e bfd.diag -e bfd.sta -e bfd.flags.p -e bfd.flags.f -e bfd.flags.c -e bfd.flags.a \
    -e bfd.flags.d -e bfd.flags.m -e bfd.detect_time_multiplier -e bfd.message_length \
    -e bfd.my_discriminator -e bfd.your_discriminator -e bfd.desired_min_tx_interval \
    -e bfd.required_min_rx_interval -e bfd.required_min_echo_interval -e udp.payload > "$here/frr-bfdd.tsv"
# The first packet of each kind as its own file, named after what it is.
python3 - "$here" <<'PYTHON'
import sys, csv
here = sys.argv[1]
names = {0: "admindown", 1: "down", 2: "init", 3: "up"}
seen = set()
with open(f"{here}/frr-bfdd.tsv") as f:
    for row in csv.DictReader(f, delimiter="\t"):
        hop = "multihop" if row["udp.dstport"] == "4784" else "singlehop"
        name = f"{hop}-{row['ip.src']}-{names[int(row['bfd.sta'], 0)]}"
        for key, word in (("bfd.flags.p", "poll"), ("bfd.flags.f", "final")):
            if row[key] in ("1", "True"): name += "-" + word
        name += f"-diag{int(row['bfd.diag'], 0)}"
        if name in seen: continue
        seen.add(name)
        open(f"{here}/{name}.bin", "wb").write(bytes.fromhex(row["udp.payload"].replace(":", "")))
PYTHON
