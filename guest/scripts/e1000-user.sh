#!/bin/sh
# Guest script for test/guest/e1000-user.test.ts: our e1000 (through QEMU's proxy) on
# `--netdev user`, i.e. passt. Checks: link, a DHCP lease from passt (busybox udhcpc), the
# address configured from it, ping of the gateway (passt answers for the host).
# Output: CHECK name PASS|FAIL detail, VALUE name value.
set -u
check() { if [ "$2" = 0 ]; then echo "CHECK $1 PASS $3"; else echo "CHECK $1 FAIL $3"; fi; }
#@include lib/net-lease.sh
link_wait
check link "$link_up" "carrier $(cat /sys/class/net/eth0/carrier)"

dhcp_lease
check dhcp "$dhcp_ok" "$(cat /tmp/lease 2>/dev/null) $(tail -n1 /tmp/udhcpc.out)"
lease_apply
echo "VALUE ip $ip"
echo "VALUE router $router"
ping -c 1 -W 3 "$router" >/dev/null 2>&1 || true   # ARP, qdisc start
out=$(ping -c 3 -W 3 "$router" 2>&1); rc=$?
check ping-gateway "$rc" "$(echo "$out" | tail -n2 | tr '\n' ' ')"
