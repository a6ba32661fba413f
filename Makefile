# boxbench: everything builds into $(BUILD)/ (default build/).
#   make          build build/boxbench (installs missing packages first, via scripts/deps.sh)
#   make test     build and run every test (unit, then integration on the real kernel)
#   make bench    build and run the default suite
#   make install PREFIX=/usr/local
#   make clean

BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= $(or $(shell command -v bpftool 2>/dev/null),/usr/sbin/bpftool)
ARCH    := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/')
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-format-truncation -D_GNU_SOURCE -I$(BUILD) -Ibench -Iprobes \
	   -DBOXBENCH_VERSION='"$(VERSION)"' -DBOXBENCH_COMMIT='"$(COMMIT)"'
LDLIBS  := -lbpf -lelf -lz -ljansson -larchive -lcrypto -lm
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Iprobes \
	      -I/usr/include/$(shell uname -m)-linux-gnu -Wall -Werror

BENCH_SRC  := $(wildcard bench/*.c)
PROBE_SRC  := $(filter-out %.bpf.c,$(wildcard probes/*.c))
BPF_SRC    := $(wildcard probes/*.bpf.c)
TOOL_SRC   := $(wildcard tools/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
HELPER_SRC := $(wildcard tests/helpers/*.c)

LIB_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(BENCH_SRC) $(PROBE_SRC))
TOOL_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(TOOL_SRC))
SKELS    := $(patsubst probes/%.bpf.c,$(BUILD)/probes/%.skel.h,$(BPF_SRC))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
HELPERS  := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(HELPER_SRC))

# Packages: scripts/deps.sh names what is missing from the file system alone (fast), and
# is asked to install only then, so a second `make` does no package work at all.
MISSING_DEPS := $(shell scripts/deps.sh --missing 2>/dev/null)
ifneq ($(strip $(MISSING_DEPS)),)
DEPS := deps
endif

.PHONY: all deps test bench install clean format
.SECONDARY:
all: $(BUILD)/boxbench $(BUILD)/boxbench-agent

deps:
	scripts/deps.sh

# vmlinux.h comes from the running kernel's BTF at build time (see README, "Building").
$(BUILD)/vmlinux.h: | $(DEPS)
	@mkdir -p $(@D)
	@test -r /sys/kernel/btf/vmlinux || { echo "boxbench: /sys/kernel/btf/vmlinux is missing: this kernel was built without CONFIG_DEBUG_INFO_BTF, which boxbench's CO-RE probes need" >&2; exit 1; }
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/probes/%.bpf.o: probes/%.bpf.c $(BUILD)/vmlinux.h $(wildcard probes/*.h) | $(DEPS)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/probes/%.skel.h: $(BUILD)/probes/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: %.c | $(SKELS) $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libboxbench.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/boxbench: $(TOOL_OBJ) $(BUILD)/libboxbench.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The agent runs as a container's first process on a rootfs that has no libc: static.
$(BUILD)/boxbench-agent: bench/agent/agent.c bench/agent/protocol.h | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libboxbench.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/helpers/%: tests/helpers/%.c $(BUILD)/libboxbench.a | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

test: all $(UNIT_BIN) $(HELPERS)
	BUILD=$(BUILD) tests/run-all.sh

# What the kernel lets boxbench see, then the default suite (results/<date>-<host>.json).
bench: all
	$(BUILD)/boxbench doctor
	$(BUILD)/boxbench run --suite default

install: $(BUILD)/boxbench $(BUILD)/boxbench-agent
	install -D -m 0755 $(BUILD)/boxbench $(DESTDIR)$(PREFIX)/bin/boxbench
	install -D -m 0755 $(BUILD)/boxbench-agent $(DESTDIR)$(PREFIX)/lib/boxbench/boxbench-agent

format:
	clang-format -i $(wildcard bench/*.[ch] probes/*.[ch] tools/*.[ch] tests/*/*.[ch])

clean:
	rm -rf $(BUILD)

include scripts/vmtest.mk

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
