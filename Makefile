# boxbench: everything builds into $(BUILD)/ (default build/).
#   make             build build/boxbench (installs missing packages first, via scripts/deps.sh)
#   make test        build and run every test: unit, integration on the real kernel, the unit
#                    tests again under ASan+UBSan with a short libFuzzer run of each target, then
#                    the kernel matrix
#   make test SANITIZE=1   unit and integration tests on an ASan+UBSan build (build-san/)
#   make fuzz        run each libFuzzer target for FUZZ_SECONDS (tests/fuzz/fuzz.mk)
#   make bench       build and run the default suite
#   make install PREFIX=/usr/local
#   make clean
# CFLAGS, CPPFLAGS and LDFLAGS are the user's (make CFLAGS='-O0 -g' builds): what boxbench
# itself needs is in BB_CFLAGS and BB_CPPFLAGS, which come first on every command line.

# SANITIZE=1: ASan and UBSan (a finding aborts) into a build dir of its own, with clang, so
# the same library objects serve the unit tests and the fuzz targets (libFuzzer is clang's).
SANITIZE ?= 0
CLANG    ?= clang
ifeq ($(SANITIZE),1)
BUILD    ?= build-san
override CC := $(CLANG)
CFLAGS   ?= -O1 -g
SAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# Coverage instrumentation for libFuzzer, without its main(): inert in the unit tests.
SAN_COV    := -fsanitize=fuzzer-no-link
endif

BUILD   ?= build
SAN_BUILD ?= $(BUILD)-san
# The BPF skeletons do not depend on CFLAGS: the sanitized build of `make test` takes them
# from the normal build instead of compiling the probes twice.
SKEL_BUILD ?= $(BUILD)
PREFIX  ?= /usr/local
CC      ?= gcc
BPFTOOL ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/')
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
CC_IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -qi clang && echo 1)

CFLAGS  ?= -O2 -g
# bench/ has one folder per subsystem (README, "Layout"); the agent, in bench/harness/agent/,
# is a program of its own and not part of the library. An include names the folder of a header
# from another one ("harness/cgroup.h", "probes/probes.h"), so the layering shows in the code.
BENCH_DIRS := common harness storage image inspect scenarios results doctor
BB_CPPFLAGS := -D_GNU_SOURCE -I$(SKEL_BUILD) -Ibench -I. \
	       -DBOXBENCH_VERSION='"$(VERSION)"' -DBOXBENCH_COMMIT='"$(COMMIT)"'
BB_CFLAGS   := -std=gnu11 -Wall -Wextra -Werror $(if $(CC_IS_CLANG),,-Wno-format-truncation)
COMPILE = $(CC) $(BB_CPPFLAGS) $(CPPFLAGS) $(BB_CFLAGS) $(SAN_CFLAGS) $(SAN_COV) $(CFLAGS)
LINK    = $(CC) $(BB_CFLAGS) $(SAN_CFLAGS) $(CFLAGS) $(LDFLAGS)
LDLIBS  := -lbpf -lelf -lz -ljansson -larchive -lcrypto -lm
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(SKEL_BUILD) -Iprobes \
	      -I/usr/include/$(shell uname -m)-linux-gnu -Wall -Werror

BENCH_SRC  := $(wildcard $(BENCH_DIRS:%=bench/%/*.c))
PROBE_SRC  := $(filter-out %.bpf.c,$(wildcard probes/*.c))
BPF_SRC    := $(wildcard probes/*.bpf.c)
TOOL_SRC   := $(wildcard tools/*.c)
# Unit tests need nothing but the code; kernel-tier tests need root and a real kernel
# (mounts, cgroups, loop devices, trusted.* xattrs). Both are cmocka, in a folder per subsystem.
UNIT_SRC   := $(wildcard tests/unit/*/test_*.c tests/kernel/*/test_*.c)
HELPER_SRC := $(wildcard tests/helpers/*.c)

LIB_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(BENCH_SRC) $(PROBE_SRC))
TOOL_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(TOOL_SRC))
SKELS    := $(patsubst probes/%.bpf.c,$(SKEL_BUILD)/probes/%.skel.h,$(BPF_SRC))
UNIT_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
HELPERS  := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(HELPER_SRC))

# Packages: scripts/deps.sh names what is missing from the file system alone (fast), and
# is asked to install only then, so a second `make` does no package work at all.
MISSING_DEPS := $(shell scripts/deps.sh --missing 2>/dev/null)
ifneq ($(strip $(MISSING_DEPS)),)
DEPS := deps
endif

.PHONY: all deps test bench install clean format format-check
.SECONDARY:
all: $(BUILD)/boxbench $(BUILD)/boxbench-agent

deps:
	scripts/deps.sh

# vmlinux.h comes from the running kernel's BTF at build time (see README, "Building").
$(SKEL_BUILD)/vmlinux.h: | $(DEPS)
	@mkdir -p $(@D)
	@test -r /sys/kernel/btf/vmlinux || { echo "boxbench: /sys/kernel/btf/vmlinux is missing: this kernel was built without CONFIG_DEBUG_INFO_BTF, which boxbench's CO-RE probes need" >&2; exit 1; }
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(SKEL_BUILD)/probes/%.bpf.o: probes/%.bpf.c $(SKEL_BUILD)/vmlinux.h $(wildcard probes/*.h) | $(DEPS)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL_BUILD)/probes/%.skel.h: $(SKEL_BUILD)/probes/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: %.c | $(SKELS) $(DEPS)
	@mkdir -p $(@D)
	$(COMPILE) -MMD -MP -c $< -o $@

# The commit goes into every result (context.git_commit), doctor --json and --version: the
# objects that hold it are rebuilt when HEAD moves, not only when their source changes.
# (Made while the Makefile is read: under .SECONDARY a missing stamp would not count.)
COMMIT_STAMP := $(BUILD)/commit-$(COMMIT).stamp
$(shell test -e $(COMMIT_STAMP) || { mkdir -p $(BUILD) && rm -f $(BUILD)/commit-*.stamp && \
	touch $(COMMIT_STAMP); })
$(BUILD)/obj/bench/results/result_write.o $(BUILD)/obj/tools/doctor.o $(BUILD)/obj/tools/main.o: \
	$(COMMIT_STAMP)

# ar names members by basename (library basenames are unique); rebuilt whole, so a moved or
# removed file never lingers in it.
$(BUILD)/libboxbench.a: $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/boxbench: $(TOOL_OBJ) $(BUILD)/libboxbench.a
	$(LINK) -o $@ $^ $(LDLIBS)

# The agent runs as a container's first process on a rootfs that has no libc: static. So it
# is never sanitized (ASan and UBSan's runtimes do not link statically), SANITIZE=1 or not.
$(BUILD)/boxbench-agent: bench/harness/agent/agent.c bench/harness/agent/protocol.h | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(BB_CPPFLAGS) $(CPPFLAGS) $(BB_CFLAGS) $(filter-out -fsanitize%,$(CFLAGS)) \
		$(filter-out -fsanitize%,$(LDFLAGS)) -static -o $@ $<

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libboxbench.a
	@mkdir -p $(@D)
	$(LINK) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/kernel/%: $(BUILD)/obj/tests/kernel/%.o $(BUILD)/libboxbench.a
	@mkdir -p $(@D)
	$(LINK) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/helpers/%: tests/helpers/%.c $(BUILD)/libboxbench.a | $(SKELS) $(DEPS)
	@mkdir -p $(@D)
	$(COMPILE) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# make test SANITIZE=1: the unit and integration tiers and the fuzz smoke on the sanitized
# build (the kernel matrix's guests need the plain one). make test: the sanitized tier is a
# second make into $(SAN_BUILD), other flags, other objects.
ifeq ($(SANITIZE),1)
test: all $(UNIT_BIN) $(HELPERS) fuzz-targets
	BUILD=$(BUILD) SANITIZED=1 FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) BOXBENCH_VMTEST=0 \
		tests/run-all.sh
else
test: format-check all $(UNIT_BIN) $(HELPERS) san-tier
	BUILD=$(BUILD) SAN_BUILD=$(SAN_BUILD) FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) tests/run-all.sh
endif

# It takes the skeletons from this build: they must be there first.
.PHONY: san-tier
san-tier: | $(SKELS)
	$(MAKE) SANITIZE=1 BUILD=$(SAN_BUILD) SKEL_BUILD=$(SKEL_BUILD) unit-tests fuzz-targets

.PHONY: unit-tests
unit-tests: $(UNIT_BIN)

# What the kernel lets boxbench see, then the default suite (results/<date>-<host>.json).
bench: all
	$(BUILD)/boxbench doctor
	$(BUILD)/boxbench run --suite default

install: $(BUILD)/boxbench $(BUILD)/boxbench-agent
	install -D -m 0755 $(BUILD)/boxbench $(DESTDIR)$(PREFIX)/bin/boxbench
	install -D -m 0755 $(BUILD)/boxbench-agent $(DESTDIR)$(PREFIX)/lib/boxbench/boxbench-agent

FORMAT_SRC := $(wildcard bench/*/*.[ch] bench/*/*/*.[ch] probes/*.[ch] tools/*.[ch] \
		tests/*/*.[ch] tests/*/*/*.[ch])
format:
	clang-format -i $(FORMAT_SRC)

# Part of make test: a file that differs from .clang-format fails it, naming the file. The
# style is calibrated on clang-format 14 (Debian 12's); other majors format a few constructs
# differently.
format-check: | $(DEPS)
	@mkdir -p $(BUILD)
	@clang-format --dry-run -Werror $(FORMAT_SRC) 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u >$(BUILD)/format-diff.txt || true
	@if [ -s $(BUILD)/format-diff.txt ]; then \
		echo "format-check: these files differ from .clang-format (run 'make format'):"; \
		sed 's/^/  /' $(BUILD)/format-diff.txt; exit 1; fi

clean:
	rm -rf $(BUILD) $(SAN_BUILD)

include scripts/vmtest.mk
include tests/fuzz/fuzz.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
