# finca — build, run, test.  See README.md.
#
#   make          build build/finca (release, warnings are errors)
#   make run      install what is missing, build, create a demo data
#                 directory if there is none, start finca
#   make test     install what is missing, build with ASan+UBSan, run every
#                 unit and end-to-end test, replay fuzz/crashes through the
#                 libFuzzer harnesses (tests/e2e/fuzz_repro.sh)
#   make bench    the benchmarks in bench/ (run on purpose, not in CI)
#   make fuzz     build the libFuzzer harnesses in fuzz/

CC      ?= cc
PKGS    := libcrypto sqlite3 inih jansson libmicrohttpd gnutls libargon2 libp11 \
           libzip libxml-2.0 xlsxwriter pangocairo libcurl libpq
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wno-format-nonliteral -Werror
DEFS    := -D_GNU_SOURCE -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED
PKGCFLAGS = $(shell pkg-config --cflags $(PKGS) p11-kit-1 2>/dev/null)
PKGLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS_BASE = -std=c17 $(WARN) $(DEFS) -Isrc $(PKGCFLAGS)
LDLIBS  = $(PKGLIBS) -lpthread

REL_CFLAGS  := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2
SAN_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=all -DFINCA_TESTING

LIB_SRC := $(sort $(wildcard src/util/*.c src/doc/*.c src/crypto/*.c \
                   src/store/*.c src/km/*.c src/audit/*.c src/ca/*.c src/auth/*.c \
                   src/token/*.c src/notify/*.c src/authz/*.c src/ra/*.c \
                   src/station/*.c src/agent/*.c src/tlcp/*.c src/http/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
HDRS    := $(wildcard src/*/*.h)

REL_OBJ := $(patsubst src/%.c,build/obj/%.o,$(LIB_SRC) $(CLI_SRC))
SAN_OBJ := $(patsubst src/%.c,build/san/obj/%.o,$(LIB_SRC) $(CLI_SRC))
SAN_LIB_OBJ := $(patsubst src/%.c,build/san/obj/%.o,$(LIB_SRC))

# The web console: scripts/embed.sh turns every file under web/ into one C
# table, build/gen/console_assets.c, part of the library (src/http/console.c
# serves it).  The directories are prerequisites too: removing a file
# changes its directory's time, and the table is made again.  (Symbolic
# links are neither embedded nor prerequisites: an editor's lock file is a
# dangling one.)
WEB_DEPS := $(shell find web \( -type f -o -type d \) 2>/dev/null)
REL_OBJ += build/obj/gen/console_assets.o
SAN_OBJ += build/san/obj/gen/console_assets.o
SAN_LIB_OBJ += build/san/obj/gen/console_assets.o

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,build/san/%,$(UNIT_SRC))

DEMO_DIR ?= demo-data

.PHONY: all deps run test unit e2e bench fuzz clean

all: build/finca

deps:
	@./scripts/deps.sh

build/finca: $(REL_OBJ)
	$(CC) $(REL_CFLAGS) -o $@ $^ $(LDLIBS)

# -MMD: each object depends on the headers it includes (build/**/*.d)
build/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(REL_CFLAGS) -MMD -MP -c -o $@ $<

build/san/finca: $(SAN_OBJ)
	$(CC) $(SAN_CFLAGS) -o $@ $^ $(LDLIBS)

build/san/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

build/gen/console_assets.c: scripts/embed.sh $(WEB_DEPS)
	@mkdir -p $(dir $@)
	sh scripts/embed.sh web $@

build/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(REL_CFLAGS) -MMD -MP -c -o $@ $<

build/san/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(SAN_CFLAGS) -MMD -MP -c -o $@ $<

-include $(REL_OBJ:.o=.d) $(SAN_OBJ:.o=.d)

build/san/test_%: tests/unit/test_%.c $(SAN_LIB_OBJ) $(HDRS) $(wildcard tests/unit/*.h)
	$(CC) $(CFLAGS_BASE) $(SAN_CFLAGS) -Wno-missing-prototypes -o $@ $< \
		$(SAN_LIB_OBJ) $(LDLIBS) -lcmocka

run: deps
	@$(MAKE) --no-print-directory build/finca
	@./scripts/demo.sh "$(DEMO_DIR)"

test: deps
	@$(MAKE) --no-print-directory build/finca build/san/finca $(UNIT_BIN) \
		tests/browser/node_modules/.package-lock.json
	@$(MAKE) --no-print-directory -C fuzz
	@./tests/run.sh

# the browser tests' playwright-core, from the npm registry, as locked
tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund

bench: deps build/finca build/bench/import build/bench/list
	@./bench/issue
	@./bench/crl
	@./bench/ocsp
	@./bench/auth
	@./bench/slowloris
	@./bench/session
	@./bench/pg
	@./build/bench/import
	@./build/bench/list

# C benches linked against the release objects of the library
BENCH_LIB_OBJ := $(patsubst src/%.c,build/obj/%.o,$(LIB_SRC)) build/obj/gen/console_assets.o
build/bench/import: bench/import.c $(BENCH_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(REL_CFLAGS) -o $@ $< $(BENCH_LIB_OBJ) $(LDLIBS)
build/bench/list: bench/list.c $(BENCH_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(REL_CFLAGS) -o $@ $< $(BENCH_LIB_OBJ) $(LDLIBS)

fuzz: deps
	@$(MAKE) --no-print-directory -C fuzz

clean:
	rm -rf build
