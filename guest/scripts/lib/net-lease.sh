# eth0 on a network with a DHCP server (passt's, for `--netdev user`): link, lease, address.
# Inlined where a script says "#@include lib/net-lease.sh" (src/host/run/guest-script.ts).

# link_wait: brings lo and eth0 up and waits up to 20 s for eth0's carrier. Sets $link_up
# (0 when the carrier came).
link_wait() {
  ip link set lo up
  ip link set eth0 up
  link_up=1
  for _ in $(seq 200); do [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && { link_up=0; break; }; sleep 0.1; done
}

# dhcp_lease: asks for a lease on eth0 with busybox udhcpc (10 tries, 2 s apart). Sets
# $dhcp_ok (0 when a lease came); the lease is in /tmp/lease as "ip=... subnet=... router=...
# mtu=...", udhcpc's output in /tmp/udhcpc.out.
dhcp_lease() {
  cat > /tmp/dhcp.sh <<'S'
#!/bin/sh
[ "$1" = bound ] && echo "ip=$ip subnet=$subnet router=$router mtu=${mtu:-}" > /tmp/lease
exit 0
S
  chmod +x /tmp/dhcp.sh
  rm -f /tmp/lease
  udhcpc -i eth0 -n -q -t 10 -T 2 -s /tmp/dhcp.sh >/tmp/udhcpc.out 2>&1
  dhcp_ok=$([ $? = 0 ] && [ -s /tmp/lease ]; echo $?)
}

# lease_apply: sets $ip $subnet $router from the lease (empty without one) and, with one,
# gives eth0 the address and a default route through the router.
lease_apply() {
  ip= subnet= router=
  [ -s /tmp/lease ] || return 1
  eval "$(sed 's/mtu=.*//' /tmp/lease)"
  prefix=$(ipcalc -p "$ip" "$subnet" 2>/dev/null | sed 's/PREFIX=//')
  ip addr add "$ip/${prefix:-24}" dev eth0
  ip route add default via "$router" 2>/dev/null
  return 0
}
