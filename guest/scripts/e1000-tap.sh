#!/bin/sh
# Guest script for test/guest/e1000-tap.test.ts: our e1000 (through QEMU's proxy) on a TAP
# interface whose host side is 10.88.0.1 in the test's network namespace. The guest takes
# 10.88.0.2, listens for the host's data on TCP 5003, says "TAP-TEST ready" (the host then
# pings it and sends), and sends 16 MiB to the host's TCP 5004 once that listens.
# Output: CHECK name PASS|FAIL detail, VALUE name value.
set -u
check() { if [ "$2" = 0 ]; then echo "CHECK $1 PASS $3"; else echo "CHECK $1 FAIL $3"; fi; }
ip link set lo up
ip addr add 10.88.0.2/24 dev eth0
ip link set eth0 up
up=1
for _ in $(seq 200); do [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && { up=0; break; }; sleep 0.1; done
check link "$up" "carrier $(cat /sys/class/net/eth0/carrier)"

dd if=/dev/urandom of=/tmp/block bs=1M count=1 2>/dev/null
for _ in $(seq 16); do cat /tmp/block; done > /tmp/blob
echo "VALUE sent_md5 $(md5sum < /tmp/blob | cut -d' ' -f1)"
rm -f /tmp/rx.md5
nc -l -p 5003 -e sh -c 'md5sum > /tmp/rx.md5' &
rx=$!
until netstat -ltn | grep -q ':5003 '; do sleep 0.05; done
echo "TAP-TEST ready"

sent=1
for _ in $(seq 300); do
  if nc 10.88.0.1 5004 -e cat /tmp/blob 2>/dev/null; then sent=0; break; fi
  sleep 0.2
done
check send-to-host "$sent" "nc exit $sent"
wait $rx
echo "VALUE received_md5 $(cut -d' ' -f1 /tmp/rx.md5 2>/dev/null)"
for f in rx_packets tx_packets rx_errors tx_errors; do echo "VALUE eth0_$f $(cat /sys/class/net/eth0/statistics/$f)"; done
