# The workbench: base + patches/ -> a booted, tested kernel.  See README.md.
# Every target is one script in scripts/, runnable on its own.  'make help'
# lists the targets from the '## ' comments below.  Variables (PROFILE,
# ARCH, ...) go to the scripts, which give them their defaults (lib.sh).
S := scripts

.PHONY: all deps fetch tree kernel initramfs run test exec shell export check kselftest deb \
	verdict-test accel-test bench-test upstream-test mutants kselftest-bullseye cross peer bench bench-gate bench-profile upstream soak clean help

all: run

help: ## this list
	@awk -F':.*## ' '/^[a-z-]+:.*## / { printf "  make %-19s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo "  variables (PROFILE, ARCH, ACCEL, GUEST_MEM, ...): docs/targets.md, 'Inputs you can override'"

deps: ## install the host packages the workbench needs (apt-get, as root)
	@$(S)/deps.sh

fetch: deps ## download and verify the base (base.conf) into the cache
	@$(S)/fetch-base.sh >/dev/null

tree: fetch ## build/linux: the base plus patches/series, with git am
	@$(S)/tree.sh

kernel: tree ## build the kernel into build/obj-PROFILE
	@$(S)/build.sh

initramfs: tree ## the guest image: /init, busybox, the test programs
	@$(S)/initramfs.sh

run: kernel initramfs ## boot and run the demo (guest/run.list)
	@$(S)/boot.sh list run
	@$(S)/report.sh run

test: check verdict-test accel-test bench-test upstream-test kernel initramfs ## static checks, then the suite (guest/tests.list)
	@$(S)/boot.sh list tests
	@$(S)/report.sh tests

# CMD goes to the guest as typed ($(value)): make expands nothing in it, so
# `make exec CMD='false; echo $?'` prints 1, as it would in a shell.  make
# itself can only exit 0 or 2: it prints CMD's status, and scripts that need
# that status run scripts/boot.sh exec, which exits with it.
exec: kernel initramfs ## boot and run CMD='...' on the host's root, read-only
	@$(S)/boot.sh exec '$(subst ','\'',$(value CMD))' || \
		{ st=$$?; echo "exec: exit status $$st (scripts/boot.sh exec exits with it)" >&2; exit $$st; }

shell: kernel initramfs ## an interactive shell in the guest
	@$(S)/boot.sh shell

peer: deps ## build the 6.1 peer kernel of make bench (peer/)
	@$(S)/peer.sh

upstream: deps kernel initramfs ## guest/upstream.list on the series, 6.1 and 6.12; upstream/results.md
	@$(S)/upstream.sh

# Twenty promise runs: 30 min on this 2-core host with a debug build and
# make test PROFILE=debug beside it (docs/targets.md).
soak: kernel initramfs ## guest/soak.list: the promise 20 times after the series' other programs
	@GUEST_TIMEOUT=$${GUEST_TIMEOUT:-7200} $(S)/boot.sh list soak
	@$(S)/report.sh soak

bench: kernel initramfs peer ## the cover letter's benchmark, series vs peer (instruction-counted)
	@$(S)/bench.sh

bench-gate: kernel initramfs peer ## the performance gate: series within its limit of the peer, each mutants/perf/ beyond
	@$(S)/bench-gate.sh

bench-profile: kernel initramfs peer ## where populate's instructions go, per function and page, series vs peer
	@$(S)/bench-profile.sh

cross: tree ## alpha, mips, parisc: mm/madvise.o, mm/gup.o; uapi 22/23 on every touched arch
	@$(S)/cross.sh

deb: kernel initramfs ## bindeb-pkg of the series' kernel; dpkg -i into a bullseye root; boot it, run the suite (root)
	@$(S)/deb.sh

kselftest: kernel initramfs ## install the vm selftests (kselftest Makefile), run run_kselftest.sh in the guest
	@$(S)/kselftest-run.sh

kselftest-bullseye: tree ## build the vm selftests with Debian 11's gcc 10 / glibc 2.31 (root)
	@$(S)/kselftest.sh

mutants: tree initramfs ## build and test the series with each mutants/*.patch: all must fail
	@$(S)/mutants.sh

export: ## write build/linux's commits back to patches/
	@$(S)/export.sh

check: tree ## the series applies, exports identically, passes checkpatch
	@$(S)/check.sh

verdict-test: ## the verdict's recorded logs (tests/verdict/)
	@tests/verdict/run.sh

accel-test: ## the KVM probe's recorded logs (tests/accel/)
	@tests/accel/run.sh

bench-test: ## the bench report's verdicts on made-up results (tests/bench/)
	@tests/bench/run.sh

upstream-test: ## make upstream's judge on made-up logs (tests/upstream/)
	@tests/upstream/run.sh

clean: ## remove builds, the guest image and logs (not build/linux)
	rm -rf build/obj-* build/peer*-obj-* build/initramfs* build/logs build/accel*.conf build/cross-*
