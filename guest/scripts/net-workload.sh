#!/bin/sh
# `hvmio run --device e1000,...` workload: how Linux sees the NIC (driver, PCI id, MAC), link,
# a DHCP lease (busybox udhcpc) and pings of the gateway. Made for `--netdev user` (passt,
# whose gateway answers pings where the host allows ping sockets); on other backends the DHCP
# step fails unless a DHCP server is on the wire. Exit status: the number of failed steps.
set -u
failed=0
step() { if [ "$2" = 0 ]; then echo "PASS $1: $3"; else echo "FAIL $1: $3"; failed=$((failed + 1)); fi; }
#@include lib/net-lease.sh
drv=$(basename "$(readlink /sys/class/net/eth0/device/driver 2>/dev/null)" 2>/dev/null)
step driver "$([ "$drv" = e1000 ]; echo $?)" "eth0 bound to ${drv:-nothing}, PCI $(cat /sys/class/net/eth0/device/vendor 2>/dev/null):$(cat /sys/class/net/eth0/device/device 2>/dev/null), MAC $(cat /sys/class/net/eth0/address 2>/dev/null)"
link_wait
step link "$link_up" "$(dmesg | grep 'eth0 NIC Link is Up' | tail -n1 | sed 's/^\[[^]]*\] //')"

dhcp_lease
step dhcp "$dhcp_ok" "$(cat /tmp/lease 2>/dev/null || tail -n1 /tmp/udhcpc.out)"
if lease_apply; then
  ping -c 1 -W 3 "$router" >/dev/null 2>&1 || true
  out=$(ping -c 5 -W 3 "$router" 2>&1); rc=$?
  hint=""
  [ "$rc" = 0 ] || hint=" (with --netdev user, passt forwards pings through host ping sockets: see the note from hvmio remote above)"
  step ping "$rc" "$(echo "$out" | tail -n1)$hint"
fi
echo "counters: rx_packets=$(cat /sys/class/net/eth0/statistics/rx_packets) tx_packets=$(cat /sys/class/net/eth0/statistics/tx_packets) rx_missed=$(cat /sys/class/net/eth0/statistics/rx_missed_errors)"
exit $failed
