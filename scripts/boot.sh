#!/bin/bash
# boot.sh MODE [ARG]: boot build/obj-$PROFILE's kernel with the initramfs.
#
#   list NAME   run guest/NAME.list; logs in build/logs/NAME-$TAG/
#   exec CMD    run CMD in the guest on the host's root (read-only 9p);
#               exits with CMD's status (the guest sends it on a port of
#               its own), 125 if the kernel splatted or the guest died
#   ktap NAME CMD  the same, but CMD prints KTAP (results, nested subtests,
#               "# wb: begin NAME" markers as a list prints them), which the
#               verdict judges like a list's; logs in build/logs/NAME-$TAG/
#   shell       interactive shell on this terminal
#
# After a list or exec boot, scripts/verdict.sh judges the logs into
# LOGDIR/verdict.txt; the readers (report.sh, exec here, bench.sh) go by it.
# LOGDIR/qemu.cmd is the QEMU command line, to boot again by hand.
# GUEST_TIMEOUT (seconds) bounds the whole boot.  KVM or TCG: accel.sh.
# The machine, console and ports: configs/arch-$ARCH.env (lib.sh).
#
# For other scripts (make bench): KERNEL boots another bzImage, TAG names
# its logs (default $PROFILE), QEMU_EXTRA adds QEMU arguments (split on
# spaces), CMDLINE_EXTRA adds kernel parameters, EXTRA_CPIO (list) is a cpio
# archive appended to the initramfs (make bench's ext4 image).
set -eu
. "$(dirname "$0")/lib.sh"
need "$QEMU_BIN" timeout

MODE=${1:-}
# KERNEL boots another kernel (make bench: the peer), TAG names its logs.
KERNEL=${KERNEL:-$(objdir)/$KIMAGE}
TAG=${TAG:-$LOG_TAG}
: "${GUEST_TIMEOUT:=1500}"
INITRD=$BUILD/initramfs$SFX/initramfs.cpio
[ -f "$KERNEL" ] || die "no kernel at $KERNEL; run 'make kernel'"
[ -f "$INITRD" ] || die "no initramfs at $INITRD; run 'make initramfs'"

# configs/$PROFILE.env may set GUEST_MEM and the like; the caller's win.
if [ -f "$TOP/configs/$PROFILE.env" ] && [ -z "${GUEST_MEM:-}" ]; then
	. "$TOP/configs/$PROFILE.env"
fi
cmdline="$PORTS_CMDLINE $(cat "$TOP/configs/default.cmdline")"
[ "$PROFILE" = default ] || [ ! -f "$TOP/configs/$PROFILE.cmdline" ] ||
	cmdline="$cmdline $(cat "$TOP/configs/$PROFILE.cmdline")"

read -r accel cpu < <("$TOP/scripts/accel.sh" "$KERNEL" "$INITRD") || exit 1
# exec on a host of another kind: the host's programs cannot run in the
# guest; the guest's busybox and /tests run the command, the host's root
# at /host.
[ "$(uname -m)" = "$UNAME_M" ] || cmdline="$cmdline wb.root=guest"
qemu=("$QEMU_BIN" -M "$QEMU_MACHINE")
# GUEST_NODES=2 (default): two NUMA nodes, a socket (CPU, cache) and half
# the memory each, described to the kernel by the firmware tables (ACPI
# SRAT on q35, the device tree on virt), as on a real two-socket machine.
# 1: one node, no -numa.  GUEST_CPUS=2 (default) or 1 (one node only):
# make bench's instruction-counted guests have one (QEMU 7.2's -icount
# with two vCPUs hangs an x86_64 guest's boot, docs/bench.md).
nodes=${GUEST_NODES:-2}
cpus=${GUEST_CPUS:-2}
case $cpus in 1 | 2) ;; *) die "GUEST_CPUS=$cpus: 1 or 2" ;; esac
[ "$cpus" = 2 ] || [ "$nodes" = 1 ] || die "GUEST_CPUS=1 needs GUEST_NODES=1 (a CPU per node)"
qemu+=(-accel "$accel" -cpu "$cpu" -smp "$cpus,sockets=$nodes" -m "${GUEST_MEM:-2G}"
       -display none -no-reboot -nodefaults -kernel "$KERNEL")
case $nodes in
1) ;;
2)
	mem=${GUEST_MEM:-2G}
	case $mem in
	*[Gg]) mib=$((${mem%[Gg]} * 1024)) ;;
	*[Mm]) mib=${mem%[Mm]} ;;
	*) die "GUEST_MEM=$mem: give it in M or G with GUEST_NODES=2" ;;
	esac
	half=$((mib / 2))
	qemu+=(-object "memory-backend-ram,id=node0,size=${half}M"
	       -object "memory-backend-ram,id=node1,size=$((mib - half))M"
	       -numa node,nodeid=0,cpus=0,memdev=node0
	       -numa node,nodeid=1,cpus=1,memdev=node1) ;;
*) die "GUEST_NODES=$nodes: 1 or 2" ;;
esac
# shellcheck disable=SC2206
qemu+=(${QEMU_EXTRA:-})
cmdline="$cmdline ${CMDLINE_EXTRA:-}"
# The host's root, and the working directory on its own: under /tmp (say)
# the guest's own tmpfs would hide it.
share=(-fsdev local,id=host,path=/,security_model=none,readonly=on,multidevs=remap
       -device "virtio-9p-$VIRTIO,fsdev=host,mount_tag=hostroot"
       -fsdev "local,id=cwd,path=$PWD,security_model=none,readonly=on,multidevs=remap"
       -device "virtio-9p-$VIRTIO,fsdev=cwd,mount_tag=cwd")

# boot LOGS MODE INITRD ARGS...: boot once, logs in LOGS, then judge them
# into LOGS/verdict.txt.  Returns QEMU's status (124: timed out).
boot() {
	local logs=$1 mode=$2 initrd=$3 rc
	shift 3
	echo "$mode" >"$logs/mode"
	# shellcheck disable=SC2046
	set -- "${qemu[@]}" -initrd "$initrd" "$@" -append "$cmdline wb.mode=$mode ${WB_ARGS:-}" \
		$(qemu_ports "$logs")
	printf '%q ' "$@" >"$logs/qemu.cmd"
	echo >>"$logs/qemu.cmd"
	set +e
	timeout --foreground -k 5 "$GUEST_TIMEOUT" "$@" </dev/null >"$logs/qemu.log" 2>&1
	rc=$?
	set -e
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "guest timed out after ${GUEST_TIMEOUT}s; last console lines:" >&2
		tail -n 15 "$logs/console.log" >&2
	elif [ $rc != 0 ]; then
		cat "$logs/qemu.log" >&2
		echo "error: qemu failed (exit $rc)" >&2
	fi
	"$TOP/scripts/verdict.sh" "$logs" >"$logs/verdict.txt" || true
	return $rc
}

case "$MODE" in
list)
	name=${2:?usage: boot.sh list NAME}
	[ -f "$TOP/guest/$name.list" ] || die "no guest/$name.list"
	LOGS=$(logdir "$name" "$TAG")
	rm -rf "$LOGS"
	mkdir -p "$LOGS"
	stage "boot: $name ($TAG)"
	initrd=$INITRD
	if [ -n "${EXTRA_CPIO:-}" ]; then
		cat "$INITRD" "$EXTRA_CPIO" >"$LOGS/initrd" || die "appending $EXTRA_CPIO failed"
		initrd=$LOGS/initrd
	fi
	rc=0
	WB_ARGS="wb.list=/etc/wb/$name.list" boot "$LOGS" list "$initrd" || rc=$?
	[ $rc = 0 ] || [ $rc = 124 ] || [ $rc = 137 ] || die "qemu failed (exit $rc)"
	stage_done
	echo "logs: $LOGS"
	;;
exec | ktap)
	if [ "$MODE" = ktap ]; then
		[ -n "${2:-}" ] && [ -n "${3:-}" ] || die "usage: boot.sh ktap NAME CMD"
		LOGS=$(logdir "$2" "$TAG") cmd=$3
	else
		[ -n "${2:-}" ] || die "usage: make exec CMD='command line'"
		LOGS=$(logdir exec "$TAG") cmd=$2
	fi
	rm -rf "$LOGS"
	mkdir -p "$LOGS/extra/etc/wb"
	printf '%s\n' "$cmd" >"$LOGS/extra/etc/wb/cmd"
	pwd >"$LOGS/extra/etc/wb/cwd"
	(cd "$LOGS/extra" && find . | cpio -o -H newc -R 0:0 --quiet) >"$LOGS/extra.cpio"
	cat "$INITRD" "$LOGS/extra.cpio" >"$LOGS/initrd"
	rc=0
	[ "$MODE" = exec ] || stage "boot: $2 ($TAG)"
	# Kept: qemu.cmd boots it again.
	boot "$LOGS" "$MODE" "$LOGS/initrd" "${share[@]}" || rc=$?
	if [ "$MODE" = ktap ]; then
		[ $rc = 0 ] || [ $rc = 124 ] || [ $rc = 137 ] || die "qemu failed (exit $rc)"
		stage_done
		echo "logs: $LOGS"
		exit 0
	fi
	tr -d '\r' <"$LOGS/ktap.log" | grep -v '^# wb: end of run$' || true
	[ $rc = 0 ] || [ $rc = 124 ] || [ $rc = 137 ] || die "qemu failed (exit $rc)"
	# The command's status, unless the kernel splatted or the guest died.
	if ! verdict_passed "$LOGS"; then
		grep -v '^[0-9]* passed' "$LOGS/verdict.txt" >&2
		echo "kernel splat, crash or timeout; console log: $LOGS/console.log" >&2
		exit 125
	fi
	st=$(tr -d '\r' <"$LOGS/status" 2>/dev/null | grep -x '[0-9]*' | tail -n 1)
	exit "${st:-125}"
	;;
shell)
	exec "${qemu[@]}" -initrd "$INITRD" "${share[@]}" -append "$cmdline wb.mode=shell" \
		-serial mon:stdio
	;;
*)
	die "usage: boot.sh list NAME | exec CMD | ktap NAME CMD | shell"
	;;
esac
