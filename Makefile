# The one test command is `make test` (see README.md).
GO ?= go

.PHONY: test race-test soak-test suite-docker-test test-under-load check js-test bundle-check generate build lessons-check bench cpython-suite cluster-test docker-test

# The suite in four stages, each as short as the machine allows:
#   1. every package under the race detector (but for the soak and the
#      cluster), two packages at a time: their tests mostly wait on
#      programs and browsers (one at a time keeps about one core busy);
#   2. the soak, alone: 2,000 runs keep both cores busy;
#   3. the course under three start methods (about one core), the cluster
#      and the Docker image's test (its build compiles), side by side;
#   4. CPython's suite, alone (it keeps nearly two cores busy).
# Each test's time bounds hold on a loaded machine (make test-under-load);
# go test prints each package's time, and each step its own. The output of
# steps side by side comes as it is written, line by line (the Docker
# test's lines begin with "docker-test"), not held back to a step's end.
# SOAK_RUNS sets the soak's length (2,000 when empty); a laptop may run a
# short one: make test SOAK_RUNS=200.
SOAK_RUNS ?=
SOAK = '^TestSoakReturnsToBaseline$$'
CLUSTER = '^TestCluster$$'

# timed NAME, COMMAND: runs COMMAND and says how long it took (a comma in
# COMMAND is written $(comma)).
comma := ,
timed = s=$$(date +%s); $(2); st=$$?; echo "── $(1): $$(($$(date +%s) - s)) s (exit $$st)"; exit $$st

test: check js-test bundle-check
	@$(MAKE) --no-print-directory race-test
	@$(MAKE) --no-print-directory soak-test
	@$(MAKE) --no-print-directory -j 3 lessons-check cluster-test suite-docker-test
	@$(MAKE) --no-print-directory cpython-suite

# The packages run two at a time (-p 2): their tests wait on Python
# programs and browsers more than they compute. Four at a time on 2 cores
# made the step longer, not shorter; three at a time, shorter by a few
# minutes, loaded the machine past what some tests' bounds allowed. The
# longest start first, so that none of them is left running alone at
# the end.
RACE_FIRST = ./web ./cmd/playground ./runner
race-test:
	@$(call timed,race-test,$(GO) test -race -count=1 -p 2 -timeout 60m -skip '^(TestSoakReturnsToBaseline|TestCluster)$$' $(RACE_FIRST) ./...)

# The soak of cmd/playground on a build without the race detector (each
# run costs less there, as the sandbox's init is this test binary): the
# race detector watches the server's concurrency in every other test.
soak-test:
	@$(call timed,soak-test,PLAYGROUND_SOAK_RUNS=$(SOAK_RUNS) $(GO) test -count=1 -timeout 60m -run $(SOAK) -v ./cmd/playground)

# In the suite the image's test needs root and Docker (docker.io, which
# .ci/run installs); without them it is skipped, except under CI.
suite-docker-test:
	@if [ "$$(id -u)" = 0 ] && command -v docker >/dev/null; then $(call timed,docker-test,bash docker/test.sh); \
	elif [ "$$CI" = true ]; then echo "docker-test: root and Docker are required under CI"; exit 1; \
	else echo "docker-test: needs root and Docker (apt-get install docker.io debootstrap); skipping the image's test"; fi

# The cluster on this one machine, each part a process of the built
# binary: PostgreSQL (Debian's packages, which .ci/run installs), three
# NATS servers in a cluster, two web nodes and three workers; runs across
# nodes, a resumed page, the queue, a worker killed and one drained, a NATS
# server killed, every run in PostgreSQL (cmd/playground/cluster_test.go).
# Without the race detector: its processes are the product as shipped.
cluster-test:
	@$(call timed,cluster-test,$(GO) test -count=1 -timeout 20m -run $(CLUSTER) -v ./cmd/playground)

# CPython's own multiprocessing tests (Debian's libpython3.11-testsuite,
# which .ci/run installs) with fork, forkserver and spawn, bare and as a
# program in the sandbox with its IPC reports on: fails on every test that
# passes bare and not inside (runner/cpython_suite_test.go). Without the
# testsuite it skips, except under CI. 4 to 5 minutes on a busy 2-core machine.
cpython-suite:
	@$(call timed,cpython-suite,PLAYGROUND_CPYTHON_SUITE=1 $(GO) test -count=1 -timeout 60m -run '^TestCPythonSuiteInsideTheSandbox$$' -v ./runner)

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
	@$(call timed,lessons-check,$(GO) run ./cmd/playground lessons check --timeout 20s --start-method fork$(comma)spawn$(comma)forkserver)

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./runner
