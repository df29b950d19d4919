# The one test command is `make test` (see README.md).
GO ?= go

.PHONY: test test-under-load check js-test bundle-check generate build lessons-check bench cpython-suite cluster-test docker-test

# Every package under the race detector, but for the soak of cmd/playground,
# which then runs alone on a build without it (2,000 runs; each costs less
# there, as the sandbox's init is this test binary): the race detector
# watches the server's concurrency in every other test of the package.
# Packages run one after another (-p 1): the soak loads both cores, and the
# browser tests measure a page's reactions in seconds.
# SOAK_RUNS sets the soak's length (2,000 when empty); a laptop may run a
# short one: make test SOAK_RUNS=200. go test prints each package's time.
SOAK_RUNS ?=
SOAK = '^TestSoakReturnsToBaseline$$'
CLUSTER = '^TestCluster$$'

test: check js-test bundle-check
	$(GO) test -race -count=1 -p 1 -timeout 60m -skip '^(TestSoakReturnsToBaseline|TestCluster)$$' ./...
	PLAYGROUND_SOAK_RUNS=$(SOAK_RUNS) $(GO) test -count=1 -timeout 60m -run $(SOAK) -v ./cmd/playground
	$(MAKE) --no-print-directory cluster-test
	$(GO) run ./cmd/playground lessons check --timeout 20s --start-method fork,spawn,forkserver
	$(MAKE) --no-print-directory cpython-suite

# The cluster on this one machine, each part a process of the built
# binary: PostgreSQL (Debian's packages, which .ci/run installs), three
# NATS servers in a cluster, two web nodes and three workers; runs across
# nodes, a resumed page, the queue, a worker killed and one drained, a NATS
# server killed, every run in PostgreSQL (cmd/playground/cluster_test.go).
# Without the race detector: its processes are the product as shipped.
cluster-test:
	$(GO) test -count=1 -timeout 20m -run $(CLUSTER) -v ./cmd/playground

# CPython's own multiprocessing tests (Debian's libpython3.11-testsuite,
# which .ci/run installs) with fork, forkserver and spawn, bare and as a
# program in the sandbox with its IPC reports on: fails on every test that
# passes bare and not inside (runner/cpython_suite_test.go). Without the
# testsuite it skips, except under CI. 4 to 5 minutes on a busy 2-core machine.
cpython-suite:
	PLAYGROUND_CPYTHON_SUITE=1 $(GO) test -count=1 -timeout 60m -run '^TestCPythonSuiteInsideTheSandbox$$' -v ./runner

# The Docker image, built from this tree and run with README.md's flags,
# checked through its port: health, a Pool run, a fork bomb and a memory
# bomb with their limit sentences, per-run uids, runs kept across a
# restart (docker/test.sh). Needs root and Docker (a daemon of its own is
# started when none runs); the base images are made from Debian's
# packages when absent.
docker-test:
	bash docker/test.sh

# The whole suite while a busy loop per core keeps the machine loaded, as a
# laptop doing other work or a shared CI host would: the tests' time bounds
# must hold there too.
test-under-load:
	@n=$$(nproc); pids=""; \
	for i in $$(seq $$n); do sh -c 'while :; do :; done' & pids="$$pids $$!"; done; \
	echo "load: $$n busy loops ($$pids)"; \
	$(MAKE) test; status=$$?; kill $$pids; exit $$status

# The page's logic (static/src/*.test.js) with node's own test runner; no
# packages needed. Skipped where node is not installed, except under CI.
js-test:
	@if command -v node >/dev/null; then cd static/src && node --test --test-reporter=dot; \
	elif [ "$$CI" = true ]; then echo "js-test: node is required under CI"; exit 1; \
	else echo "js-test: node not found; skipping the tests of static/src"; fi

# The committed browser bundle is built from the current sources (the
# versions pinned in static/src/package-lock.json). Skipped where npm is not
# installed, except under CI.
bundle-check:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory -C static check-bundle; \
	elif [ "$$CI" = true ]; then echo "bundle-check: npm is required under CI"; exit 1; \
	else echo "bundle-check: npm not found; skipping the check of static/js/app.js"; fi

# Formatting, vet, and generated templ output that matches its sources.
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff || { echo "go.mod is not tidy: run 'go mod tidy' and commit"; exit 1; }
	$(GO) tool templ generate -path web
	@git diff --exit-code --stat -- '*_templ.go' || { echo "templ output is not up to date: run 'go tool templ generate' and commit"; exit 1; }

generate:
	$(GO) tool templ generate -path web

build:
	$(GO) build -o playground ./cmd/playground

# The course under each start method a Python may default to (fork, spawn,
# forkserver), one pass after another: every example and solution must
# pass, every starter and wrong answer must fail.
lessons-check:
	$(GO) run ./cmd/playground lessons check --timeout 20s --start-method fork,spawn,forkserver

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./runner
