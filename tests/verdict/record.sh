#!/bin/bash
# record.sh [NAME...]: record, from real kernels, a console log for each
# splat pattern that scripts/verdict.sh knows, into tests/verdict/splat-NAME/
# (console.log, ktap.log, mode, status, and expected: what the verdict says
# now; read it before committing).  Not part of make test: it builds a
# kernel of its own and boots it once per case (about 25 minutes here).
#
# The kernel: build/linux with the series, the debug profile (KASAN, UBSAN,
# lockdep), LKDTM (splat.config) and wb_splat.c, a debugfs trigger for what
# LKDTM cannot do (lockdep, bad page, bad rss-counter, a general protection
# fault), in build/splat-src and build/obj-splat.  Each case boots it with
# 'boot.sh exec' and the command of the case's line below.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib.sh"
[ "$WB_ARCH" = x86_64 ] || die "record.sh records x86_64 logs"
export PROFILE=debug

D=/sys/kernel/debug/provoke-crash/DIRECT W=/sys/kernel/debug/wb-splat
# NAME|COMMAND: the pattern it shows is in the name; the ones that leave the
# guest stuck make it panic (its sysctls), so that the boot ends.
CASES="kasan|echo READ_AFTER_FREE >$D
ubsan|echo ARRAY_BOUNDS >$D
gpf|echo gpf >$W
panic|echo PANIC >$D
lockdep-recursive|echo recursive >$W
lockdep-circular|echo circular >$W
bad-page|echo bad-page >$W
bad-rss|sh -c 'echo bad-rss >$W'
hung-task|echo 1 >/proc/sys/kernel/hung_task_panic; echo 2 >/proc/sys/kernel/hung_task_timeout_secs; echo HUNG_TASK >$D
soft-lockup|echo 1 >/proc/sys/kernel/softlockup_panic; echo 2 >/proc/sys/kernel/watchdog_thresh; echo SOFTLOCKUP >$D
rcu-stall|echo 0 >/proc/sys/kernel/soft_watchdog; echo 1 >/proc/sys/kernel/panic_on_rcu_stall; echo 3 >/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout; echo SOFTLOCKUP >$D"

SRC=$BUILD/splat-src OBJ=$BUILD/obj-splat
git -C "$BUILD/linux" rev-parse -q --verify base >/dev/null || die "run 'make tree' first"
# The source again only when the series or the trigger changed: a new copy
# would make the next build a whole one.
stamp="$(git -C "$BUILD/linux" rev-parse HEAD) $(sha256sum <"$here/wb_splat.c")"
if [ "$(cat "$SRC/.wb-stamp" 2>/dev/null)" != "$stamp" ]; then
	stage "splat kernel source"
	rm -rf "$SRC"
	mkdir -p "$SRC"
	git -C "$BUILD/linux" archive HEAD | tar -x -C "$SRC"
	cp "$here/wb_splat.c" "$SRC/mm/"
	echo 'obj-y += wb_splat.o' >>"$SRC/mm/Makefile"
	echo "$stamp" >"$SRC/.wb-stamp"
	stage_done
fi
LINUX=$SRC OBJ=$OBJ EXTRA_FRAGMENTS=$here/splat.config "$TOP/scripts/build.sh"
"$TOP/scripts/initramfs.sh" >/dev/null

echo "$CASES" | while IFS='|' read -r name cmd; do
	[ $# = 0 ] || [[ " $* " = *" $name "* ]] || continue
	stage "record splat-$name"
	KERNEL=$OBJ/$KIMAGE TAG=splat-$name GUEST_TIMEOUT=${GUEST_TIMEOUT:-300} \
		"$TOP/scripts/boot.sh" exec "$cmd" >/dev/null 2>&1 || true
	logs=$(logdir exec "splat-$name")
	out=$here/splat-$name
	rm -rf "$out"
	mkdir -p "$out"
	for f in console.log ktap.log mode status; do
		[ ! -f "$logs/$f" ] || tr -d '\r' <"$logs/$f" >"$out/$f"
	done
	{ "$TOP/scripts/verdict.sh" "$out"; echo "exit $?"; } >"$out/expected" 2>&1 || true
	grep '^FAIL' "$out/expected" || echo "splat-$name: no failure: nothing recorded" >&2
	stage_done
done
