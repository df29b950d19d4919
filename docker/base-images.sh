#!/usr/bin/env bash
# Makes the two base images the Dockerfile builds from, out of Debian's
# packages alone, for a machine that reaches Debian's mirror but no image
# registry:
#
#   mpplayground-base/debian:bookworm         debootstrap --variant=minbase bookworm
#   mpplayground-base/golang:GOVERSION-bookworm  that, with gcc, libc6-dev and
#                                              this machine's Go toolchain
#
# An image already there is kept. The debootstrapped tree is kept as a
# tarball in the cache directory, so that a daemon with an empty store (a
# fresh data root) gets its base images back in seconds.
#
#   docker/base-images.sh            print the two names, one a line (debian, then golang)
#
# Environment: DOCKER (the client command, default docker), PLAYGROUND_DOCKER_CACHE
# (default /var/cache/mpplayground-docker), DEBIAN_MIRROR (default: the first
# Debian mirror of apt's sources, else http://deb.debian.org/debian).
set -euo pipefail

DOCKER=${DOCKER:-docker}
cache=${PLAYGROUND_DOCKER_CACHE:-/var/cache/mpplayground-docker}
goroot=$(go env GOROOT)
gover=$(go env GOVERSION) # go1.26.8
gover=${gover#go}
debian_image=mpplayground-base/debian:bookworm
golang_image=mpplayground-base/golang:${gover}-bookworm

log() { echo "base-images: $*" >&2; }

have_image() { $DOCKER image inspect "$1" >/dev/null 2>&1; }

mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then
    echo "$DEBIAN_MIRROR"
    return
  fi
  local m
  m=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
    awk '{print $2}' | head -1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

# The root file system of Debian bookworm, minbase variant, as a tarball.
rootfs_tarball() {
  local tarball=$cache/bookworm-minbase.tar
  if [ -s "$tarball" ]; then
    echo "$tarball"
    return
  fi
  command -v debootstrap >/dev/null || {
    log "debootstrap is not installed (apt-get install debootstrap)"
    exit 1
  }
  mkdir -p "$cache"
  local dir
  dir=$(mktemp -d "$cache/rootfs.XXXXXX")
  # The tree is removed whatever happens; only a finished tarball stays.
  trap 'rm -rf "$dir"' RETURN
  local m
  m=$(mirror)
  log "debootstrap --variant=minbase bookworm from $m"
  debootstrap --variant=minbase bookworm "$dir/root" "$m" >"$dir/debootstrap.log" 2>&1 || {
    tail -20 "$dir/debootstrap.log" >&2
    exit 1
  }
  # As Debian's own images are set: the release, its updates and its
  # security fixes, and no package lists or caches in the image.
  rm -f "$dir/root/etc/apt/sources.list"
  cat >"$dir/root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $m
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${m%/debian*}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  rm -rf "$dir/root/var/lib/apt/lists/"* "$dir/root/var/cache/apt/"*.bin "$dir/root/var/cache/apt/archives/"*.deb
  tar --numeric-owner -C "$dir/root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  echo "$tarball"
}

if ! have_image "$debian_image"; then
  tarball=$(rootfs_tarball)
  log "docker import $tarball as $debian_image"
  $DOCKER import --change 'CMD ["bash"]' "$tarball" "$debian_image" >/dev/null
fi

if ! have_image "$golang_image"; then
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  cp -a "$goroot" "$ctx/go"
  cat >"$ctx/Dockerfile" <<'EOF'
ARG BASE
FROM ${BASE}
# cgo (go-sqlite3) needs a C compiler; the module proxy needs CA certificates.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY go /usr/local/go
ENV GOPATH=/go PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
EOF
  log "building $golang_image (gcc, libc6-dev, ca-certificates, Go $gover from $goroot)"
  DOCKER_BUILDKIT=1 $DOCKER build -q --network host --build-arg BASE="$debian_image" -t "$golang_image" "$ctx" >/dev/null
fi

echo "$debian_image"
echo "$golang_image"
