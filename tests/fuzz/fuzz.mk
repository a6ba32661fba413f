# The libFuzzer targets (issue 12): tests/fuzz/fuzz_<target>.c, linked with the sanitized
# library of the SANITIZE=1 build, seeded from tests/fuzz/corpus/<target>/ and run by
# tests/fuzz/run.sh. Included from the Makefile; it does not change the default goal.
#
#   make fuzz                                every target, FUZZ_SECONDS (60) each
#   make fuzz FUZZ_TARGETS=unpack FUZZ_SECONDS=3600
#   make test                                every target for FUZZ_SMOKE_SECONDS (3) each
#
# What a run finds, and the corpus it grows, stay in $(FUZZ_OUT)/<target>/ (build-fuzz/,
# which `make clean` leaves alone: a crashing input is worth keeping).

FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_OUT           ?= build-fuzz
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_NAMES)

fuzz__goal := $(.DEFAULT_GOAL)

.PHONY: fuzz fuzz-targets
ifeq ($(SANITIZE),1)
FUZZ_BIN  := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_GLUE := $(BUILD)/obj/tests/fuzz/glue.o
# The markdown is written by the compare subcommand itself, which reports usage errors
# through tools/usage.c.
$(BUILD)/fuzz/fuzz_markdown: $(BUILD)/obj/tools/compare.o $(BUILD)/obj/tools/usage.o
$(BUILD)/obj/tests/fuzz/fuzz_markdown.o: BB_CPPFLAGS += -Itools

$(BUILD)/fuzz/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_GLUE) $(BUILD)/libboxbench.a
	@mkdir -p $(@D)
	$(LINK) -fsanitize=fuzzer -o $@ $(filter %.o,$^) $(BUILD)/libboxbench.a $(LDLIBS)

# The stand-in gnuplot is no target: plain, so that plot's runs stay fast.
$(BUILD)/fuzz/bin/gnuplot: tests/fuzz/gnuplot_check.c | $(DEPS)
	@mkdir -p $(@D)
	$(CC) $(BB_CFLAGS) -O1 -o $@ $<

fuzz-targets: $(FUZZ_BIN) $(BUILD)/fuzz/bin/gnuplot

fuzz: fuzz-targets
	tests/fuzz/run.sh --build $(BUILD) --out $(FUZZ_OUT) --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)
else
fuzz fuzz-targets: | $(SKELS)
	$(MAKE) SANITIZE=1 BUILD=$(SAN_BUILD) SKEL_BUILD=$(SKEL_BUILD) $@
endif

.DEFAULT_GOAL := $(fuzz__goal)
