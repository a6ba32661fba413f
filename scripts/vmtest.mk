# The kernel matrix (issue 8): `make vmtest` boots Debian's 6.1 and 6.12 kernels under qemu
# and runs tests/vm/payload.sh inside each with this build's boxbench (see scripts/vmtest).
# Included from the Makefile after BUILD and DEPS are set; it does not change the default goal.
#
#   make vmtest                          both kernels, 240 s per guest at most
#   make vmtest VMTEST_KERNELS=6.12      one kernel (a series or a full package name)
#   make vmtest VMTEST_TIMEOUT=600       a slower machine
#   make vmtest VMTEST_FLAGS=--quiet     the guests' consoles only when one fails

VMTEST_KERNELS ?= 6.1 6.12
VMTEST_TIMEOUT ?= 240
VMTEST_FLAGS   ?=

vmtest__goal := $(.DEFAULT_GOAL)

.PHONY: vmtest
vmtest: $(BUILD)/boxbench $(BUILD)/boxbench-agent | $(DEPS)
	scripts/vmtest --build $(BUILD) --timeout $(VMTEST_TIMEOUT) $(VMTEST_FLAGS) $(VMTEST_KERNELS)

# Included before the first rule, vmtest would become what a bare `make` builds.
.DEFAULT_GOAL := $(vmtest__goal)
