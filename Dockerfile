# The playground as one small image: the server binary (lessons, templates and
# assets are embedded in it), Debian's python3, which runs the programs, and
# uidmap, which gives each run a uid of its own.
#
#   docker build -t mpplayground .
#   docker run ... mpplayground        (the flags the sandbox needs: README.md, "Docker")
#
# It needs BuildKit (docker build's default since Docker 23; DOCKER_BUILDKIT=1
# before) and its built-in Dockerfile frontend: no frontend image is fetched.
#
# Build arguments:
#   GO_IMAGE, DEBIAN_IMAGE   the base images (Go 1.26 on Debian bookworm, and
#                            Debian bookworm); docker/base-images.sh makes both
#                            from Debian's packages where no registry is reached.
# Secret:
#   extra-ca-certs           PEM certificates to trust besides Debian's, where a
#                            proxy intercepts TLS with its own CA (the module
#                            download is the build's only TLS):
#                            docker build --secret id=extra-ca-certs,src=ca.pem ...

ARG GO_IMAGE=golang:1.26-bookworm
ARG DEBIAN_IMAGE=debian:bookworm-slim

# go-sqlite3 is C (cgo): the binary links against the C library of the same
# Debian release as the runtime stage.
FROM ${GO_IMAGE} AS build
WORKDIR /src
# The modules first, so that a change to the source does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=secret,id=extra-ca-certs \
    if [ -s /run/secrets/extra-ca-certs ]; then \
        cat /etc/ssl/certs/ca-certificates.crt /run/secrets/extra-ca-certs > /tmp/ca-certificates.crt; \
        export SSL_CERT_FILE=/tmp/ca-certificates.crt; \
    fi; \
    go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 GOPROXY=off go build -trimpath -ldflags='-s -w' -o /out/playground ./cmd/playground

FROM ${DEBIAN_IMAGE}
# python3 runs the learners' programs; the sandbox shows them /usr read-only,
# so everything they may use must be in the image. uidmap's newuidmap and
# newgidmap give the server, without privileges, a user namespace in which
# it maps each run to a uid of its own (docker/entrypoint.sh). They get file
# capabilities instead of their set-uid bit: set-uid root, they would open
# the namespace's map as a root without CAP_SYS_ADMIN (Docker drops it),
# which the kernel refuses; as the server's own uid, the namespace's owner,
# with CAP_SETUID (CAP_SETGID) they may. CAP_SETFCAP lets newuidmap map uid 0.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 uidmap libcap2-bin \
    && chmod u-s /usr/bin/newuidmap /usr/bin/newgidmap \
    && setcap cap_setuid,cap_setfcap=ep /usr/bin/newuidmap \
    && setcap cap_setgid=ep /usr/bin/newgidmap \
    && apt-get purge -y libcap2-bin \
    && rm -rf /var/lib/apt/lists/*
# The server runs as an ordinary user. Its subordinate ids: 65533 for the
# sandbox's inits, 2000000000-2000000999 for the runs (PLAYGROUND_UID_RANGE),
# one each; none of them is root, on the host or in a run.
RUN groupadd --system --gid 10001 playground \
    && useradd --system --uid 10001 --gid playground --home-dir /data --no-create-home --shell /usr/sbin/nologin playground \
    && install -d -o playground -g playground -m 0750 /data \
    && printf 'playground:65533:1\nplayground:2000000000:1000\n' > /etc/subuid \
    && cp /etc/subuid /etc/subgid
COPY --from=build /out/playground /usr/local/bin/playground
COPY docker/entrypoint.sh /usr/local/bin/playground-entrypoint

# Runs are kept in SQLite on the volume (the file and its -wal and -shm files).
ENV PLAYGROUND_DB=/data/playground.db \
    PLAYGROUND_ADDR=:8080
VOLUME /data
WORKDIR /data
USER playground:playground
EXPOSE 8080

# No curl in the image: python3 asks /healthz, on the port of PLAYGROUND_ADDR.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request\nhost, _, port = (os.environ.get('PLAYGROUND_ADDR') or ':8080').rpartition(':')\nhost = host.strip('[]')\nhost = '127.0.0.1' if host in ('', '0.0.0.0', '::') else host\nhost = '[' + host + ']' if ':' in host else host\nurllib.request.urlopen('http://%s:%s/healthz' % (host, port), timeout=4)"]

ENTRYPOINT ["/usr/local/bin/playground-entrypoint"]
CMD ["serve"]
