#!/bin/sh
# Guest script for test/guest/e1000-user.test.ts: our e1000 (through QEMU's proxy) on
# `--netdev user`, i.e. passt. Checks: link, a DHCP lease from passt (busybox udhcpc), the
# address configured from it, ping of the gateway (passt answers for the host).
# Output: CHECK name PASS|FAIL detail, VALUE name value.
set -u
check() { if [ "$2" = 0 ]; then echo "CHECK $1 PASS $3"; else echo "CHECK $1 FAIL $3"; fi; }
ip link set lo up
ip link set eth0 up
up=1
for _ in $(seq 200); do [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && { up=0; break; }; sleep 0.1; done
check link "$up" "carrier $(cat /sys/class/net/eth0/carrier)"

cat > /tmp/dhcp.sh <<'S'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip subnet=$subnet router=$router mtu=${mtu:-}" > /tmp/lease
exit 0
S
chmod +x /tmp/dhcp.sh
udhcpc -i eth0 -n -q -t 10 -T 2 -s /tmp/dhcp.sh >/tmp/udhcpc.out 2>&1
rc=$?
check dhcp "$([ $rc = 0 ] && [ -s /tmp/lease ]; echo $?)" "$(cat /tmp/lease 2>/dev/null) $(tail -n1 /tmp/udhcpc.out)"
ip= subnet= router=
[ -s /tmp/lease ] && eval "$(sed 's/mtu=.*//' /tmp/lease)"
echo "VALUE ip $ip"
echo "VALUE router $router"
prefix=$(ipcalc -p "$ip" "$subnet" 2>/dev/null | sed 's/PREFIX=//')
ip addr add "$ip/${prefix:-24}" dev eth0
ip route add default via "$router" 2>/dev/null
ping -c 1 -W 3 "$router" >/dev/null 2>&1 || true   # ARP, qdisc start
out=$(ping -c 3 -W 3 "$router" 2>&1); rc=$?
check ping-gateway "$rc" "$(echo "$out" | tail -n2 | tr '\n' ' ')"
