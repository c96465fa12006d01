# pgmq: thin driver over extension/ (PGXS) and the scripts in scripts/.
#
#   make run      install what is missing, build, install, start a local
#                 PostgreSQL with pgmq in .run/ and show a queue working
#                 (SQL, then the pgmq command)
#   make client   libpgmq and the pgmq command in client/build
#                 (make client-install PREFIX=... installs them)
#   make test     the same set-up, then every test suite
#   make bench    benchmarks: throughput against plain SQL, long-poll latency,
#                 grouped reads on a deep backlog and topic sends
#                 (see bench/README.md)
#   make soak     the low-water model test with 40,000 steps, then production
#                 scenarios (steady load, held xmin, many queues, message
#                 sizes, durable commits) with 10-minute runs
#   make memcheck the regression suite with the server under valgrind
#   make format   reformat the C files (clang-format, .clang-format)
#   make deb      the Debian package postgresql-15-pgmq-c into build/
#                 (scripts/deb.sh; docs/install.md)
#   make chaos    the long runs, each printing its counts (docs/reliability.md):
#                 crash chaos for CHAOS_SECONDS (600; make test runs 120),
#                 the API fuzzer for FUZZ_SECONDS (600; make test runs 60),
#                 failover under pg_auto_failover and SQLsmith
#                 (SQLSMITH_QUERIES, 10000)
#
# On a fresh machine run and test need root to install packages, and run
# also to install the extension system-wide. test, bench and memcheck build
# into private copies of the PostgreSQL installation (scripts/prefix.sh)
# and never change the system's. Servers run as the postgres OS user.

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
STRICT_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
                -Wno-missing-field-initializers -DUSE_ASSERT_CHECKING

.PHONY: all deps build install client client-install run stop psql test test-build format deb bench soak memcheck chaos clean

all: build

deps:
	@scripts/deps.sh

build: deps
	$(MAKE) -C extension PG_CONFIG=$(PG_CONFIG)
	$(MAKE) -C client

# libpgmq and the pgmq command (client/, docs/cli.md, docs/libpgmq.md):
# make client-install PREFIX=/usr/local [DESTDIR=...]
PREFIX ?= /usr/local
client: deps
	$(MAKE) -C client

client-install: client
	$(MAKE) -C client install PREFIX=$(PREFIX)

install: build
	$(MAKE) -C extension PG_CONFIG=$(PG_CONFIG) install

run: install
	@scripts/cluster.sh start
	@scripts/cluster.sh psql -f $(CURDIR)/examples/demo.sql
	@PGMQ_CMD=$(CURDIR)/client/build/pgmq examples/demo.sh "$$(scripts/cluster.sh url)"
	@echo
	@echo "pgmq is running: scripts/cluster.sh psql   (or psql $$(scripts/cluster.sh url))"
	@echo "and the command: client/build/pgmq -d $$(scripts/cluster.sh url) top"

stop:
	@scripts/cluster.sh stop

psql:
	@scripts/cluster.sh psql

# Tests build with warnings as errors and assertions on, into a private
# copy of the PostgreSQL installation in build/test (scripts/prefix.sh): the
# host's installation is left as it is.
test-build: deps
	@bash -c '. scripts/common.sh && . scripts/prefix.sh && \
		private_install "$(CURDIR)/build/test" "$(STRICT_CFLAGS)" && echo "built pgmq into build/test"'

# The host's PostgreSQL installation is checksummed before the build and
# compared after the suites (scripts/hostsum.sh): testing must not change it.
test: deps
	@mkdir -p build && scripts/hostsum.sh >build/host-before.txt
	@$(MAKE) --no-print-directory test-build
	@PGMQ_HOST_BEFORE=$(CURDIR)/build/host-before.txt scripts/test.sh $(SUITES)

# Rewrites the C files with clang-format (.clang-format); `make test`
# checks them (the build suite).
format:
	clang-format -i --style=file:$(CURDIR)/.clang-format extension/src/*.c extension/src/*.h \
		client/src/*.c client/include/*.h client/cli/*.c client/cli/*.h client/test/*.c examples/*.c

# Built from a copy of extension/ with DESTDIR: nothing is installed.
deb: deps
	@scripts/deb.sh $(CURDIR)/build

bench: deps
	@bench/run.sh
	@bench/latency.sh
	@bench/fifo.sh
	@bench/dead_letter.sh
	@bench/soak.sh

# The production scenarios with 10-minute steady and held-xmin runs.
soak: test-build
	@PGMQ_TAP_ONLY=006_low_water_model PGMQ_MODEL_STEPS=40000 scripts/test.sh tap
	@SOAK_MINUTES=10 bench/soak.sh

# The long runs: crash chaos and failover (extension/test/chaos), the API
# fuzzer and SQLsmith (extension/test/fuzz).
CHAOS_SECONDS ?= 600
FUZZ_SECONDS ?= 600
SQLSMITH_QUERIES ?= 10000
chaos: test-build
	@scripts/deps.sh sqlsmith pg-auto-failover-cli postgresql-15-auto-failover
	@CHAOS_SECONDS=$(CHAOS_SECONDS) FUZZ_SECONDS=$(FUZZ_SECONDS) SQLSMITH_QUERIES=$(SQLSMITH_QUERIES) \
		scripts/test.sh chaos fuzz failover sqlsmith

memcheck:
	@scripts/deps.sh valgrind
	@scripts/memcheck.sh

clean:
	$(MAKE) -C extension PG_CONFIG=$(PG_CONFIG) clean
	$(MAKE) -C client clean
	rm -rf build
