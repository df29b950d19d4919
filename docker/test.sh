#!/usr/bin/env bash
# make docker-test: the image, built from this tree and run with the
# README's own `docker run` flags, checked through its published port.
#
#   1. a Docker daemon: the one running, or one of its own (vfs storage,
#      its data root in the cache directory, no firewall rules), stopped at
#      the end;
#   2. the base images from Debian's packages, if absent (base-images.sh);
#   3. docker build, this machine's CA certificates given as the
#      extra-ca-certs secret (a proxy that intercepts TLS has its CA there);
#   4. docker run with README.md's flags (the container's name, the host
#      port and the volume's name made unique; the port published on
#      127.0.0.1, with PLAYGROUND_PUBLIC_URL as README.md says for another
#      port than 8080);
#   5. /healthz, Docker's health status, the start-up lines (per-run uids
#      on), a Pool run, a fork bomb and a memory bomb with their limit
#      events and sentences, the runs' own host uids;
#   6. docker stop (exit 0 within the 15 s), a new container on the same
#      volume, serving the stored runs.
#
# It leaves nothing behind but its caches: no container, volume, image
# (the base images stay, as the daemon's build cache does), daemon or
# temporary file. Environment: PLAYGROUND_DOCKER_CACHE (default
# /var/cache/mpplayground-docker).
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
cache=${PLAYGROUND_DOCKER_CACHE:-/var/cache/mpplayground-docker}
tmp=$(mktemp -d /tmp/playground-docker-test.XXXXXX)
tag=$(basename "$tmp" | tr 'A-Z.' 'a-z-')
image=mpplayground-test:$tag
name=$tag
volume=$tag-data
own_daemon_pid=""
had_docker0=yes
had_cgroups=""
build_net=()
containers=()

say() { echo "docker-test [$(($(date +%s) - start)) s]: $*"; }
die() {
  say "FAIL: $*"
  exit 1
}

cleanup() {
  status=$?
  set +e
  if [ -n "${DOCKER:-}" ]; then
    for c in "${containers[@]}"; do
      if [ $status != 0 ]; then
        echo "---- docker logs $c"
        $DOCKER logs "$c" 2>&1 | tail -40
      fi
      $DOCKER rm -f "$c" >/dev/null 2>&1
    done
    $DOCKER volume rm -f "$volume" >/dev/null 2>&1
    $DOCKER image rm -f "$image" >/dev/null 2>&1
  fi
  if [ -n "$own_daemon_pid" ]; then
    # Its build cache, least recently used first, down to what keeps the
    # next build quick (vfs stores every layer whole).
    $DOCKER builder prune -f --keep-storage 6g >/dev/null 2>&1
    kill "$own_daemon_pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$own_daemon_pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$own_daemon_pid" 2>/dev/null; then
      kill -9 "$own_daemon_pid" 2>/dev/null
    fi
    [ $status != 0 ] && tail -20 "$tmp/dockerd.log"
    # The daemon's containerd and shims end with it; their mounts under
    # the exec root too.
    umount -R "$tmp/exec" 2>/dev/null
    # What the daemon set up on the host and leaves when it stops: its
    # bridge and its parent cgroups (it touched no firewall rule).
    if [ "$had_docker0" = no ]; then ip link delete docker0 2>/dev/null; fi
    for d in /sys/fs/cgroup/docker /sys/fs/cgroup/*/docker; do
      [ -d "$d" ] && ! grep -qxF "$d" <<<"$had_cgroups" && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
  fi
  rm -rf "$tmp"
  if [ $status = 0 ]; then say "PASS"; else say "FAILED (status $status)"; fi
}
trap cleanup EXIT

# A client that builds with BuildKit: one with the buildx plugin (Docker's
# own packages), or Debian's docker.io 20.10 client, whose daemon has
# BuildKit built in (DOCKER_BUILDKIT=1).
pick_client() {
  local c
  for c in docker /usr/bin/docker; do
    command -v "$c" >/dev/null || continue
    if $c buildx version >/dev/null 2>&1; then
      echo "$c"
      return
    fi
    local v
    v=$($c version --format '{{.Client.Version}}' 2>/dev/null || true)
    if [ -n "$v" ] && [ "${v%%.*}" -lt 23 ]; then
      echo "$c"
      return
    fi
  done
}
client=$(pick_client)
[ -n "$client" ] || die "no docker client that builds with BuildKit (install docker.io, or Docker's buildx plugin)"

# 1. The daemon.
if $client info >/dev/null 2>&1; then
  DOCKER=$client
  say "using the running Docker daemon"
else
  command -v dockerd >/dev/null || die "no Docker daemon runs and dockerd is not installed (apt-get install docker.io)"
  mkdir -p "$cache/docker"
  had_docker0=no
  ip link show docker0 >/dev/null 2>&1 && had_docker0=yes
  had_cgroups=$(ls -d /sys/fs/cgroup/docker /sys/fs/cgroup/*/docker 2>/dev/null || true)
  sock=$tmp/docker.sock
  # No firewall rules (--iptables=false): the published port is served
  # by Docker's userland proxy on 127.0.0.1, and the build reaches the
  # network through the host's (build_net).
  build_net=(--network host)
  dockerd --storage-driver vfs --iptables=false --data-root "$cache/docker" --exec-root "$tmp/exec" \
    --pidfile "$tmp/dockerd.pid" -H "unix://$sock" >"$tmp/dockerd.log" 2>&1 &
  own_daemon_pid=$!
  DOCKER="$client -H unix://$sock"
  for _ in $(seq 300); do
    $DOCKER info >/dev/null 2>&1 && break
    kill -0 "$own_daemon_pid" 2>/dev/null || die "dockerd stopped: $(tail -5 "$tmp/dockerd.log")"
    sleep 0.2
  done
  $DOCKER info >/dev/null 2>&1 || die "dockerd did not answer in 60 s"
  say "started dockerd (pid $own_daemon_pid, vfs, data root $cache/docker)"
fi
export DOCKER

# 2. Base images.
mapfile -t bases < <(DOCKER="$DOCKER" PLAYGROUND_DOCKER_CACHE="$cache" docker/base-images.sh)
say "base images: ${bases[*]}"

# 3. Build.
secret=()
ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
[ -s "$ca" ] && secret=(--secret "id=extra-ca-certs,src=$ca")
build_start=$(date +%s)
if ! DOCKER_BUILDKIT=1 $DOCKER build --progress=plain "${build_net[@]}" "${secret[@]}" \
  --build-arg "DEBIAN_IMAGE=${bases[0]}" --build-arg "GO_IMAGE=${bases[1]}" \
  -t "$image" . >"$tmp/build.log" 2>&1; then
  tail -40 "$tmp/build.log"
  die "docker build failed"
fi
size=$($DOCKER image inspect -f '{{.Size}}' "$image")
say "built $image in $(($(date +%s) - build_start)) s, $((size / 1000000)) MB"

# 4. Run it with README.md's flags.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
readme_run() {
  # The `docker run` command of README.md's Docker section, continuation
  # lines joined.
  awk '/^## Docker/ { d = 1 } d && /^docker run/ { r = 1 } r { print } r && !/\\$/ { exit }' README.md |
    sed -e 's/\\$//' | tr '\n' ' '
}
cmdline=$(readme_run)
[[ $cmdline == "docker run "* ]] || die "no docker run command in README.md's Docker section"
read -r -a words <<<"$cmdline"
args=()
for ((i = 2; i < ${#words[@]}; i++)); do
  w=${words[i]}
  case "$w" in
  --name) args+=(--name "$name"); i=$((i + 1)) ;;
  -p) args+=(-p "127.0.0.1:$port:${words[i + 1]##*:}" -e "PLAYGROUND_PUBLIC_URL=$base"); i=$((i + 1)) ;;
  -v) args+=(-v "$volume:${words[i + 1]#*:}"); i=$((i + 1)) ;;
  mpplayground) args+=("$image") ;;
  *) args+=("$w") ;;
  esac
done
say "docker run ${args[*]}"

run_container() {
  local c
  c=$($DOCKER run "${args[@]}")
  containers+=("$c")
  echo "$c"
}

# wait_healthy CONTAINER: /healthz answers ok through the port, then Docker
# reports the container healthy (its check runs every 10 s). The bounds
# are far above what a quiet machine needs (about 2 s and 12 s): the test
# shares the machine with others.
wait_healthy() {
  local c=$1 i
  for i in $(seq 600); do
    if python3 - "$base/healthz" <<'EOF' 2>/dev/null; then break; fi
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
    assert json.load(r)["ok"] is True
EOF
    [ "$($DOCKER inspect -f '{{.State.Running}}' "$c")" = true ] || die "the container stopped"
    sleep 0.2
  done
  [ "$i" -lt 600 ] || die "/healthz did not answer ok in 120 s"
  say "/healthz ok"
  for i in $(seq 180); do
    h=$($DOCKER inspect -f '{{.State.Health.Status}}' "$c")
    [ "$h" = healthy ] && break
    sleep 1
  done
  [ "$h" = healthy ] || die "Docker's health status is $h after 180 s"
  say "Docker reports it healthy"
}

c1=$(run_container)
wait_healthy "$c1"
logs=$($DOCKER logs "$c1" 2>&1)
grep -q 'playground-entrypoint: per-run uids on' <<<"$logs" || die "the entry point did not turn per-run uids on: $(grep entrypoint <<<"$logs")"
grep -q 'per_run_uids="range 2000000000-2000000999' <<<"$logs" || die "the server's sandbox line: $(grep 'msg=sandbox' <<<"$logs")"
say "start-up: $(grep -o 'per-run uids on[^(]*' <<<"$logs")"

# 5. Runs through the port, as a page makes them.
go build -o "$tmp/wsrun" docker/testdata/wsrun.go
ids=()
uids=()
# run_program NAME WSRUN-FLAGS... < PROGRAM
run_program() {
  local what=$1 out
  shift
  out=$("$tmp/wsrun" -url "$base" "$@") || die "$what"
  ids+=("$(head -1 <<<"$out")")
  uids+=("$(sed -n 's/^host_uid=//p' <<<"$out")")
  say "$what: ok (run ${ids[-1]}, host uid ${uids[-1]})"
}
run_program "a Pool run" -want-status ok -want-output 285 <<'EOF'
from multiprocessing import Pool
def square(x):
    return x * x
if __name__ == "__main__":
    with Pool(4) as pool:
        print(sum(pool.map(square, range(10))))
EOF
run_program "a fork bomb" -want-status limit -want-limit pids \
  -want-message "Stopped: the program tried to run more than 64 processes at once." -want-output starting <<'EOF'
import os, time
print("starting", flush=True)
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.01)
EOF
run_program "a memory bomb" -want-status limit -want-limit memory \
  -want-message "Stopped: the program used more than 256 MiB of memory." -want-output eating <<'EOF'
print("eating", flush=True)
x = []
while True:
    x.append(b"x" * (1 << 20))
EOF
for u in "${uids[@]}"; do
  [ "$u" -ge 2000000000 ] && [ "$u" -le 2000000999 ] || die "a run had host uid $u, not one of the range"
done
[ "$(printf '%s\n' "${uids[@]}" | sort -u | wc -l)" = "${#uids[@]}" ] || die "runs shared a host uid: ${uids[*]}"
say "each run had a host uid of its own: ${uids[*]}"

# 6. Stop, then a new container on the same volume serves the runs.
stop_start=$(date +%s)
$DOCKER stop -t 15 "$c1" >/dev/null
code=$($DOCKER inspect -f '{{.State.ExitCode}}' "$c1")
[ "$code" = 0 ] || die "the server exited $code on docker stop"
say "docker stop: exit 0 in $(($(date +%s) - stop_start)) s"
$DOCKER rm "$c1" >/dev/null
c2=$(run_container)
wait_healthy "$c2"
statuses=(ok limit limit)
for i in "${!ids[@]}"; do
  python3 - "$base/api/runs/${ids[i]}" "${statuses[i]}" <<'EOF' || die "run ${ids[i]} was not served after the restart"
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    run = json.load(r)
assert run["status"] == sys.argv[2], run["status"]
assert any(e["type"] == "run.end" for e in run["events"])
EOF
done
say "the new container serves the ${#ids[@]} stored runs"
say "done in $(($(date +%s) - start)) s"
