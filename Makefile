# The workbench: base + patches/ -> a booted, tested kernel.  See README.md.
# Every target is one script in scripts/, runnable on its own.
PROFILE ?= default
export PROFILE

S := scripts

.PHONY: all deps fetch tree kernel initramfs run test exec shell export check \
	verdict-test peer bench clean help

all: run

help:
	@sed -n 's/^## //p' README.md

deps:
	@$(S)/deps.sh

fetch: deps
	@$(S)/fetch-base.sh >/dev/null

tree: fetch
	@$(S)/tree.sh

kernel: tree
	@$(S)/build.sh

initramfs: tree
	@$(S)/initramfs.sh

run: kernel initramfs
	@$(S)/boot.sh list run
	@$(S)/report.sh run

test: check verdict-test kernel initramfs
	@$(S)/boot.sh list tests
	@$(S)/report.sh tests

exec: kernel initramfs
	@$(S)/boot.sh exec "$$CMD"

shell: kernel initramfs
	@$(S)/boot.sh shell

peer: deps
	@$(S)/peer.sh

bench: kernel initramfs peer
	@$(S)/bench.sh

export:
	@$(S)/export.sh

check: tree
	@$(S)/check.sh

verdict-test:
	@tests/verdict/run.sh

clean:
	rm -rf build/obj-* build/initramfs build/logs
