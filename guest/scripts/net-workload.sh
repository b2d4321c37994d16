#!/bin/sh
# `hvmio run --device e1000,...` workload: how Linux sees the NIC (driver, PCI id, MAC), link,
# a DHCP lease (busybox udhcpc) and pings of the gateway. Made for `--netdev user` (passt,
# whose gateway answers pings where the host allows ping sockets); on other backends the DHCP
# step fails unless a DHCP server is on the wire. Exit status: the number of failed steps.
set -u
failed=0
step() { if [ "$2" = 0 ]; then echo "PASS $1: $3"; else echo "FAIL $1: $3"; failed=$((failed + 1)); fi; }
ip link set lo up
drv=$(basename "$(readlink /sys/class/net/eth0/device/driver 2>/dev/null)" 2>/dev/null)
step driver "$([ "$drv" = e1000 ]; echo $?)" "eth0 bound to ${drv:-nothing}, PCI $(cat /sys/class/net/eth0/device/vendor 2>/dev/null):$(cat /sys/class/net/eth0/device/device 2>/dev/null), MAC $(cat /sys/class/net/eth0/address 2>/dev/null)"
ip link set eth0 up
up=1
for _ in $(seq 200); do [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && { up=0; break; }; sleep 0.1; done
step link "$up" "$(dmesg | grep 'eth0 NIC Link is Up' | tail -n1 | sed 's/^\[[^]]*\] //')"

cat > /tmp/dhcp.sh <<'S'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip subnet=$subnet router=$router" > /tmp/lease
exit 0
S
chmod +x /tmp/dhcp.sh
udhcpc -i eth0 -n -q -t 10 -T 2 -s /tmp/dhcp.sh >/tmp/udhcpc.out 2>&1
rc=$?
step dhcp "$([ $rc = 0 ] && [ -s /tmp/lease ]; echo $?)" "$(cat /tmp/lease 2>/dev/null || tail -n1 /tmp/udhcpc.out)"
if [ -s /tmp/lease ]; then
  eval "$(cat /tmp/lease)"
  prefix=$(ipcalc -p "$ip" "$subnet" 2>/dev/null | sed 's/PREFIX=//')
  ip addr add "$ip/${prefix:-24}" dev eth0
  ip route add default via "$router" 2>/dev/null
  ping -c 1 -W 3 "$router" >/dev/null 2>&1 || true
  out=$(ping -c 5 -W 3 "$router" 2>&1); rc=$?
  hint=""
  [ "$rc" = 0 ] || hint=" (with --netdev user, passt forwards pings through host ping sockets: see the note from hvmio remote above)"
  step ping "$rc" "$(echo "$out" | tail -n1)$hint"
fi
echo "counters: rx_packets=$(cat /sys/class/net/eth0/statistics/rx_packets) tx_packets=$(cat /sys/class/net/eth0/statistics/tx_packets) rx_missed=$(cat /sys/class/net/eth0/statistics/rx_missed_errors)"
exit $failed
