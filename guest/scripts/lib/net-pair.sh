# Two NICs of one guest wired to each other on the host: eth0 (the NIC under test) stays here
# as 10.0.0.1/24, eth1 moves into a network namespace of its own as 10.0.0.2/24, so that
# traffic between the two addresses really crosses both NICs (as in the kit's
# examples/e1000-test.sh). Inlined where a script says "#@include lib/net-pair.sh"
# (src/host/run/guest-script.ts).

# peer CMD...: runs CMD in eth1's namespace.
peer() { nsenter -t "$ns" -n "$@"; }

# net_pair_setup: builds the pair and waits up to 20 s for both carriers. Sets $ns (the pid
# holding the namespace; kill it to end) and $link_up (0 when both links came up, else 1).
net_pair_setup() {
  waitfor /sys/class/net/eth1 20
  unshare -n sleep 100000 &
  ns=$!
  while [ "$(readlink /proc/$ns/ns/net)" = "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done
  ip link set eth1 netns "$ns"
  peer ip link set lo up
  peer ip addr add 10.0.0.2/24 dev eth1
  peer ip link set eth1 up
  ip addr add 10.0.0.1/24 dev eth0
  ip link set eth0 up
  link_up=1
  for _ in $(seq 200); do
    if [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = 1 ] && peer ip link show eth1 | grep -q LOWER_UP; then link_up=0; break; fi
    sleep 0.1
  done
}
