#!/bin/sh
# The image's entry point: runs `playground "$@"` as root of a user
# namespace of its own, so that each run gets a host uid of its own without
# any privilege (README.md, "Docker").
#
# The server's user (uid 10001) owns subordinate ids (/etc/subuid and
# /etc/subgid): 65533 for the sandbox's inits and the runs' range
# (PLAYGROUND_UID_RANGE, 2000000000-2000000999). newuidmap and newgidmap
# (Debian's uidmap) map them, with uid 10001 as root, into a new user
# namespace; the server in it is then a root server to the runner, which
# gives every run one id of the range, as on a host where it runs as root.
# The ids map to themselves: a run's host_uid is its uid on the host.
#
# Where that cannot be done (no user namespaces, no newuidmap, ids not
# owned), it says why and runs the server as it is: all runs then share
# uid 10001. PLAYGROUND_PER_RUN_UIDS=off asks for that; a container run as
# root (--user 0:0) has per-run uids without this.
set -eu

bin=/usr/local/bin/playground
say() { echo "playground-entrypoint: $*" >&2; }

if [ "$(id -u)" = 0 ] || [ "${PLAYGROUND_PER_RUN_UIDS:-on}" = off ]; then
  exec "$bin" "$@"
fi

range=${PLAYGROUND_UID_RANGE:-2000000000-2000000999}
first=${range%%-*}
last=${range##*-}
case "$first$last" in
*[!0-9]* | "") exec "$bin" "$@" ;; # the server says what is wrong with the range
esac
count=$((last - first + 1))
uid=$(id -u)
gid=$(id -g)
# inside, outside, count: the server, the inits, the runs.
uidmap="0 $uid 1 65533 65533 1 $first $first $count"
gidmap="0 $gid 1 65533 65533 1 $first $first $count"

# unshared PID: waits until PID is in a user namespace other than this
# one (at most 5 s).
unshared() {
  own=$(readlink /proc/self/ns/user)
  i=0
  while [ "$(readlink "/proc/$1/ns/user" 2>/dev/null || echo gone)" = "$own" ]; do
    i=$((i + 1))
    [ $i -le 500 ] || return 1
    sleep 0.01
  done
  [ -e "/proc/$1" ]
}

# mapped PID: writes PID's uid and gid maps.
mapped() {
  newuidmap "$1" $uidmap && newgidmap "$1" $gidmap
}

# A trial on a process that does nothing, so that a failure leaves the
# server to run as it is.
trial() {
  command -v newuidmap >/dev/null || {
    echo "newuidmap is not installed"
    return 1
  }
  unshare --user sleep 10 &
  t=$!
  ok=0
  if unshared $t && mapped $t; then ok=1; fi
  kill $t 2>/dev/null || true
  wait $t 2>/dev/null || true
  [ $ok = 1 ]
}

if ! why=$(trial 2>&1); then
  why=$(echo "$why" | grep -v '^Terminated' | head -1)
  say "per-run uids off: cannot map ids $first-$last into a user namespace as uid $uid${why:+ ($why)}; all runs share uid $uid"
  exec "$bin" "$@"
fi

say "per-run uids on: the server is root of a user namespace of uid $uid, each run gets a uid of $first-$last (newuidmap, /etc/subuid)"
self=$$
# A helper outside the new namespace maps it once this shell has become
# it; started in a subshell that ends at once, so that the container's
# init, not the server, reaps it.
(
  (unshared $self && mapped $self) || say "mapping the ids failed" &
)
exec unshare --user -- /bin/sh -c '
  i=0
  until read -r line < /proc/self/gid_map 2>/dev/null && [ -n "$line" ]; do
    i=$((i + 1))
    if [ $i -gt 500 ]; then echo "playground-entrypoint: the user namespace was not mapped in 5 s" >&2; exit 1; fi
    sleep 0.01
  done
  exec "$0" "$@"' "$bin" "$@"
