#!/bin/sh
# Guest side of bench/guest-net.ts: eth0 is the NIC under test, eth1 its peer (QEMU's
# in-process e1000), eth1 in its own network namespace so that traffic crosses both NICs.
# @MIB@ MiB of TCP each way (eth0 -> eth1 "tx", eth1 -> eth0 "rx") with md5 compare, then
# ping. "BENCH mark begin|end NAME" lines let the host sample its CPU time around each
# transfer; the last line sums up: NETBENCH tx_ns=... tx_ok=0|1 rx_ns=... rx_ok=0|1 ping_ms=...
set -u
MIB=@MIB@
now() { awk '/^now at/ {print $3; exit}' /proc/timer_list; }
#@include lib/net-pair.sh
net_pair_setup
ping -c 2 -W 3 10.0.0.2 >/dev/null 2>&1 || true
dd if=/dev/urandom of=/tmp/block bs=1M count=1 2>/dev/null
for _ in $(seq "$MIB"); do cat /tmp/block; done > /tmp/blob
want=$(md5sum < /tmp/blob)
transfer() {   # transfer NAME SENDER-PREFIX RECEIVER-PREFIX RECEIVER-IP PORT
  rm -f /tmp/rx.md5
  $3 nc -l -p "$5" -e sh -c 'md5sum > /tmp/rx.md5' &
  rx=$!
  until $3 netstat -ltn | grep -q ":$5 "; do sleep 0.05; done
  echo "BENCH mark begin $1"
  t0=$(now); $2 nc "$4" "$5" -e cat /tmp/blob; wait $rx; t1=$(now)
  echo "BENCH mark end $1"
  ok=0; [ "$(cat /tmp/rx.md5 2>/dev/null)" = "$want" ] && ok=1
  eval "${1}_ns=$((t1 - t0)) ${1}_ok=$ok"
}
transfer tx "" peer 10.0.0.2 5001
transfer rx peer "" 10.0.0.1 5002
ping_ms=$(ping -c 10 -i 0.2 -W 3 10.0.0.2 2>/dev/null | awk -F/ '/round-trip/ {print $4}')
kill $ns
echo "NETBENCH tx_ns=$tx_ns tx_ok=$tx_ok rx_ns=$rx_ns rx_ok=$rx_ok ping_ms=${ping_ms:-nan}"
