#!/bin/sh
# Two "hosts" on one machine for MPI tests: network namespaces NAME-a and NAME-b joined by a veth pair
# (10.231.0.1/24 and 10.231.0.2/24, or SUBNET.1/.2 with NETNS_SUBNET=SUBNET), each process in them given the
# namespace's name as its UTS hostname, so Open MPI sees two nodes that talk over TCP. Needs root.
#
#   netns-hosts.sh up NAME             create the namespaces and the link
#   netns-hosts.sh down NAME           delete them (the veth pair goes with them)
#   netns-hosts.sh run NAME CMD...     run CMD on host NAME-a (where mpirun runs)
#   netns-hosts.sh agent HOST CMD...   mpirun's rsh agent: run the remote-shell command CMD on HOST
#
# mpirun, run on NAME-a, starts its daemon on NAME-b through the agent:
#   netns-hosts.sh run dft mpirun --host dft-a,dft-b -np 2 --mca plm_rsh_agent "$PWD/netns-hosts.sh agent" \
#     --mca oob_tcp_if_include 10.231.0.0/24 --mca btl_tcp_if_include 10.231.0.0/24 --mca btl tcp,self node rank.js
set -eu
usage() {
  echo "usage: netns-hosts.sh up|down NAME | run NAME CMD... | agent HOST CMD..." >&2
  exit 2
}
[ $# -ge 2 ] || usage
action=$1
name=$2
shift 2
subnet=${NETNS_SUBNET:-10.231.0}

# Runs "$@" in namespace $1 with hostname $1 (a UTS namespace of its own).
as_host() {
  host=$1
  shift
  exec ip netns exec "$host" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$host" "$@"
}

case $action in
up)
  trap 'ip netns del "$name-a" 2>/dev/null || true; ip netns del "$name-b" 2>/dev/null || true' EXIT
  ip netns add "$name-a"
  ip netns add "$name-b"
  ip link add name eth0 netns "$name-a" type veth peer name eth0 netns "$name-b"
  ip -n "$name-a" addr add "$subnet.1/24" dev eth0
  ip -n "$name-b" addr add "$subnet.2/24" dev eth0
  for host in "$name-a" "$name-b"; do
    ip -n "$host" link set lo up
    ip -n "$host" link set eth0 up
  done
  trap - EXIT
  ;;
down)
  status=0
  ip netns del "$name-a" || status=1
  ip netns del "$name-b" || status=1
  exit $status
  ;;
run)
  [ $# -ge 1 ] || usage
  as_host "$name-a" "$@"
  ;;
agent)
  # A remote shell gets one command line: its words are joined and run by a shell on the host.
  [ $# -ge 1 ] || usage
  as_host "$name" sh -c "$*"
  ;;
*)
  usage
  ;;
esac
