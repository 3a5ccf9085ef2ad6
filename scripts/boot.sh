#!/bin/bash
# boot.sh MODE [ARG]: boot build/obj-$PROFILE's kernel with the initramfs.
#
#   list NAME   run guest/NAME.list; logs in build/logs/NAME-$PROFILE/
#   exec CMD    run CMD in the guest on the host's root (read-only 9p)
#   shell       interactive shell on this terminal
#
# QEMU exits 0 whatever the guest did: the verdict comes from the logs
# (scripts/verdict.sh).  GUEST_TIMEOUT (seconds) bounds the whole boot.
set -eu
. "$(dirname "$0")/lib.sh"
need qemu-system-x86_64 timeout

MODE=${1:-}
# KERNEL boots another kernel (make bench: the peer), TAG names its logs.
KERNEL=${KERNEL:-$BUILD/obj-$PROFILE/arch/x86/boot/bzImage}
TAG=${TAG:-$PROFILE}
INITRD=$BUILD/initramfs/initramfs.cpio
[ -f "$KERNEL" ] || die "no kernel at $KERNEL; run 'make kernel'"
[ -f "$INITRD" ] || die "no initramfs at $INITRD; run 'make initramfs'"

# configs/$PROFILE.env may set GUEST_MEM and the like; the caller's win.
if [ -f "$TOP/configs/$PROFILE.env" ] && [ -z "${GUEST_MEM:-}" ]; then
	. "$TOP/configs/$PROFILE.env"
fi
cmdline=$(cat "$TOP/configs/default.cmdline")
[ "$PROFILE" = default ] || [ ! -f "$TOP/configs/$PROFILE.cmdline" ] ||
	cmdline="$cmdline $(cat "$TOP/configs/$PROFILE.cmdline")"

qemu=(qemu-system-x86_64 -M q35 -smp 2 -m "${GUEST_MEM:-2G}" -display none
      -no-reboot -nodefaults -kernel "$KERNEL")
if [ -w /dev/kvm ]; then
	qemu+=(-enable-kvm -cpu host)
else
	qemu+=(-accel tcg -cpu max)
fi
# QEMU_EXTRA: more QEMU arguments (make bench attaches a disk), split on
# spaces; CMDLINE_EXTRA: more kernel parameters.
# shellcheck disable=SC2206
qemu+=(${QEMU_EXTRA:-})
cmdline="$cmdline ${CMDLINE_EXTRA:-}"
share=(-fsdev local,id=host,path=/,security_model=none,readonly=on,multidevs=remap
       -device virtio-9p-pci,fsdev=host,mount_tag=hostroot)

case "$MODE" in
list)
	name=${2:?usage: boot.sh list NAME}
	[ -f "$TOP/guest/$name.list" ] || die "no guest/$name.list"
	LOGS=$BUILD/logs/$name-$TAG
	rm -rf "$LOGS"
	mkdir -p "$LOGS"
	stage "boot: $name ($TAG)"
	set +e
	timeout --foreground -k 5 "${GUEST_TIMEOUT:-1500}" "${qemu[@]}" -initrd "$INITRD" \
		-append "$cmdline wb.mode=list wb.list=/etc/wb/$name.list" \
		-serial "file:$LOGS/console.log" -serial "file:$LOGS/ktap.log" \
		>"$LOGS/qemu.log" 2>&1
	rc=$?
	set -e
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "guest timed out after ${GUEST_TIMEOUT:-1500}s; last console lines:" >&2
		tail -n 15 "$LOGS/console.log" >&2
	elif [ $rc != 0 ]; then
		cat "$LOGS/qemu.log" >&2
		die "qemu failed (exit $rc)"
	fi
	stage_done
	echo "logs: $LOGS"
	;;
exec)
	[ -n "${2:-}" ] || die "usage: make exec CMD='command line'"
	LOGS=$BUILD/logs/exec-$TAG
	rm -rf "$LOGS"
	mkdir -p "$LOGS/extra/etc/wb"
	printf '%s\n' "$2" >"$LOGS/extra/etc/wb/cmd"
	pwd >"$LOGS/extra/etc/wb/cwd"
	(cd "$LOGS/extra" && find . | cpio -o -H newc -R 0:0 --quiet) >"$LOGS/extra.cpio"
	cat "$INITRD" "$LOGS/extra.cpio" >"$LOGS/initrd"
	set +e
	timeout --foreground -k 5 "${GUEST_TIMEOUT:-1500}" "${qemu[@]}" -initrd "$LOGS/initrd" \
		"${share[@]}" -append "$cmdline wb.mode=exec" \
		-serial "file:$LOGS/console.log" -serial "file:$LOGS/ktap.log" \
		>"$LOGS/qemu.log" 2>&1
	rc=$?
	set -e
	rm -f "$LOGS/initrd"
	tr -d '\r' <"$LOGS/ktap.log" | grep -v '^wb-exit: \|^# wb: end of run$' || true
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "guest timed out after ${GUEST_TIMEOUT:-1500}s; last console lines:" >&2
		tail -n 15 "$LOGS/console.log" >&2
		exit 125
	fi
	[ $rc = 0 ] || { cat "$LOGS/qemu.log" >&2; die "qemu failed (exit $rc)"; }
	# The command's status, unless the kernel splatted or the guest died.
	# The command's own output is not KTAP: judge the kernel log and the
	# end-of-run sentinel only.
	if ! "$TOP/scripts/verdict.sh" "$LOGS/console.log" \
		<(tr -d '\r' <"$LOGS/ktap.log" | grep -x '# wb: end of run') >"$LOGS/verdict.txt"; then
		grep -v '^[0-9]* passed' "$LOGS/verdict.txt" >&2
		echo "kernel splat or crash; console log: $LOGS/console.log" >&2
		exit 125
	fi
	st=$(tr -d '\r' <"$LOGS/ktap.log" | sed -n 's/^wb-exit: //p' | tail -n 1)
	exit "${st:-125}"
	;;
shell)
	exec "${qemu[@]}" -initrd "$INITRD" "${share[@]}" -append "$cmdline wb.mode=shell" \
		-serial mon:stdio -serial null
	;;
*)
	die "usage: boot.sh list NAME | exec CMD | shell"
	;;
esac
