#!/bin/sh
# Guest script for test/guest/e1000-remote.test.ts: eth0 is our e1000 (through QEMU's proxy),
# eth1 QEMU's own in-process e1000, the two wired together on the host (dgram). eth1 goes into
# its own network namespace so that traffic really crosses both NICs (as in the kit's
# examples/e1000-test.sh). Checks: driver bound, link, ping, 64 MiB TCP both ways with md5,
# then the cable pulled and plugged back by the host (it waits for our LINK-TEST lines).
# Output: CHECK name PASS|FAIL detail, VALUE name value.
set -u
check() { if [ "$2" = 0 ]; then echo "CHECK $1 PASS $3"; else echo "CHECK $1 FAIL $3"; fi; }
now() { awk '/^now at/ {print $3; exit}' /proc/timer_list; }
rate() { awk -v mib="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", mib / ((b - a) / 1e9) }'; }
#@include lib/net-pair.sh
waitfor /sys/class/net/eth1 20

drv=$(basename "$(readlink /sys/class/net/eth0/device/driver)")
ids="$(cat /sys/class/net/eth0/device/vendor):$(cat /sys/class/net/eth0/device/device)"
check driver "$([ "$drv" = e1000 ] && [ "$ids" = 0x8086:0x100e ]; echo $?)" "eth0 $drv $ids mac $(cat /sys/class/net/eth0/address)"
echo "VALUE mac $(cat /sys/class/net/eth0/address)"

net_pair_setup
check link "$link_up" "$(dmesg | grep 'eth0 NIC Link is Up' | tail -n1 | sed 's/^\[[^]]*\] //')"

ping -c 1 -W 3 10.0.0.2 >/dev/null 2>&1 || true   # ARP, qdisc start
out=$(ping -c 5 -W 3 10.0.0.2 2>&1); rc=$?
check ping "$rc" "$(echo "$out" | tail -n1)"
echo "VALUE ping_avg_ms $(echo "$out" | awk -F/ '/round-trip/ {print $4}')"

dd if=/dev/urandom of=/tmp/block bs=1M count=4 2>/dev/null
for _ in $(seq 16); do cat /tmp/block; done > /tmp/blob
want=$(md5sum < /tmp/blob)
transfer() {   # transfer NAME SENDER-PREFIX RECEIVER-PREFIX RECEIVER-IP PORT
  rm -f /tmp/rx.md5
  $3 nc -l -p "$5" -e sh -c 'md5sum > /tmp/rx.md5' &
  rx=$!
  until $3 netstat -ltn | grep -q ":$5 "; do sleep 0.05; done
  t0=$(now); $2 nc "$4" "$5" -e cat /tmp/blob; wait $rx; t1=$(now)
  got=$(cat /tmp/rx.md5 2>/dev/null)
  check "$1" "$([ "$got" = "$want" ]; echo $?)" "md5 ${got%% *} want ${want%% *}"
  echo "VALUE $1_mibps $(rate 64 "$t0" "$t1")"
}
transfer tcp-out "" peer 10.0.0.2 5001
transfer tcp-in peer "" 10.0.0.1 5002

# The host pulls the cable when it sees this line, and plugs it back after LINK-TEST down.
echo "LINK-TEST ready"
down=1
for _ in $(seq 600); do [ "$(cat /sys/class/net/eth0/carrier)" = 0 ] && { down=0; break; }; sleep 0.1; done
check link-down "$down" "carrier $(cat /sys/class/net/eth0/carrier); $(dmesg | grep 'eth0 NIC Link is Down' | tail -n1 | sed 's/^\[[^]]*\] //')"
lost=$(ping -c 2 -W 1 10.0.0.2 >/dev/null 2>&1; echo $?)
check no-ping-while-down "$([ "$lost" != 0 ]; echo $?)" "ping exit $lost"
echo "LINK-TEST down"
up=1
for _ in $(seq 600); do [ "$(cat /sys/class/net/eth0/carrier)" = 1 ] && { up=0; break; }; sleep 0.1; done
check link-up-again "$up" "carrier $(cat /sys/class/net/eth0/carrier)"
ping -c 1 -W 3 10.0.0.2 >/dev/null 2>&1 || true
out=$(ping -c 3 -W 3 10.0.0.2 2>&1); rc=$?
check ping-after-link "$rc" "$(echo "$out" | tail -n1)"

for f in rx_packets tx_packets rx_errors tx_errors rx_dropped rx_missed_errors; do
  echo "VALUE eth0_$f $(cat /sys/class/net/eth0/statistics/$f)"
done
kill $ns
