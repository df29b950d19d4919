# syntax=docker/dockerfile:1
#
# The playground as one small image: the server binary (lessons, templates and
# assets are embedded in it) and Debian's python3, which runs the programs.
#
#   docker build -t mpplayground .
#   docker run ... mpplayground        (the flags the sandbox needs: README.md, "Docker")

# Go 1.26 on Debian bookworm, as the runtime stage: go-sqlite3 is C (cgo), and
# the binary links against the C library of the same Debian release.
ARG GO_VERSION=1.26
ARG DEBIAN_RELEASE=bookworm

FROM golang:${GO_VERSION}-${DEBIAN_RELEASE} AS build
WORKDIR /src
# The modules first, so that a change to the source does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o /out/playground ./cmd/playground

FROM debian:${DEBIAN_RELEASE}-slim
# python3 runs the learners' programs; the sandbox shows them /usr read-only,
# so everything they may use must be in the image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 \
    && rm -rf /var/lib/apt/lists/*
# The server runs as an ordinary user: runs are mapped to this uid on the host
# through the user namespace, never to root.
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home --shell /usr/sbin/nologin playground \
    && install -d -o playground -g playground -m 0750 /data
COPY --from=build /out/playground /usr/local/bin/playground

# Runs are kept in SQLite on the volume (the file and its -wal and -shm files).
ENV PLAYGROUND_DB=/data/playground.db \
    PLAYGROUND_ADDR=:8080
VOLUME /data
WORKDIR /data
USER playground:playground
EXPOSE 8080

# No curl in the image: python3 asks /healthz, on the port of PLAYGROUND_ADDR.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request\nhost, _, port = (os.environ.get('PLAYGROUND_ADDR') or ':8080').rpartition(':')\nhost = host.strip('[]')\nhost = '127.0.0.1' if host in ('', '0.0.0.0', '::') else host\nhost = '[' + host + ']' if ':' in host else host\nurllib.request.urlopen('http://%s:%s/healthz' % (host, port), timeout=4)"]

ENTRYPOINT ["/usr/local/bin/playground"]
CMD ["serve"]
