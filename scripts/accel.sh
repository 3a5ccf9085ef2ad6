#!/bin/bash
# accel.sh KERNEL INITRD: decide how QEMU runs the guest on this machine and
# print it as one line "ACCEL CPU" (kvm host, or tcg max).  On stderr, one
# line says what was decided and why.
#
# ACCEL=auto (default) uses KVM only after a probe boot of KERNEL reached
# /init under it; otherwise TCG.  ACCEL=kvm fails with the reason instead of
# falling back; ACCEL=tcg never touches /dev/kvm.  A /dev/kvm can be there
# and still be unusable: nested KVM whose QEMU aborts on an MSR it cannot
# set, or whose guest never runs.  The probe's decision is kept in
# build/accel.conf for this boot of the host and this QEMU.
#
# accel.sh --judge DIR: the probe's judging step alone, on a recorded probe
# (DIR/kvm, DIR/timeout, DIR/rc, DIR/qemu.log, DIR/ktap.log); prints "ok" or the reason
# it is unusable (tests/accel/ holds recorded probes).
set -eu
. "$(dirname "$0")/lib.sh"

# CPU models tried under KVM, in order: the host's own (Intel and AMD
# alike); then the same without IA32_ARCH_CAPABILITIES, the MSR that nested
# KVM often refuses.
KVM_CPUS="host host,-arch-capabilities"
PROBE_TIMEOUT=${PROBE_TIMEOUT:-30}

# judge DIR: "ok" when the probe reached /init, else why not.
judge() {
	local d=$1 kvm rc why
	kvm=$(cat "$d/kvm")
	case $kvm in
	absent) echo "no /dev/kvm"; return ;;
	unwritable) echo "/dev/kvm is not readable and writable by this user"; return ;;
	esac
	rc=$(cat "$d/rc")
	if tr -d '\r' <"$d/ktap.log" 2>/dev/null | grep -qx '# wb: probe reached /init'; then
		echo ok
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "the guest did not reach /init in $(cat "$d/timeout")s"
	elif [ "$rc" != 0 ]; then
		why=$(grep -m1 -i 'error\|assert\|fail' "$d/qemu.log" | sed 's/^qemu-system-[a-z0-9_]*: //' || true)
		echo "qemu exited with status $rc${why:+: $why}"
	else
		echo "the guest stopped before /init"
	fi
}

if [ "${1:-}" = --judge ]; then
	judge "${2:?usage: accel.sh --judge DIR}"
	exit 0
fi

KERNEL=${1:?usage: accel.sh KERNEL INITRD}
INITRD=${2:?usage: accel.sh KERNEL INITRD}
ACCEL=${ACCEL:-auto}
CACHE=$BUILD/accel$SFX.conf

# TCG's CPU model: the arch file's (TCG_CPU_ICOUNT where make bench's
# instruction-counted clock asks for it: ICOUNT_CPU=1).
tcg_cpu=$TCG_CPU
[ "${ICOUNT_CPU:-}" != 1 ] || tcg_cpu=${TCG_CPU_ICOUNT:-$TCG_CPU}
case $ACCEL in
tcg)
	echo "accel: tcg (ACCEL=tcg)" >&2
	echo "tcg $tcg_cpu"
	exit 0 ;;
auto | kvm) ;;
*) die "ACCEL=$ACCEL: use auto, kvm or tcg" ;;
esac

# KVM runs only guests of the host's own architecture, and is probed only
# where the arch file says KVM_PROBE=yes (x86_64: arm64 hosts are untested).
if [ "$(uname -m)" != "$UNAME_M" ] || [ "$KVM_PROBE" != yes ]; then
	[ "$ACCEL" = auto ] ||
		die "ACCEL=kvm: KVM is not probed for an $WB_ARCH guest on an $(uname -m) host (configs/arch-$WB_ARCH.env)"
	echo "accel: tcg (an $WB_ARCH guest on an $(uname -m) host)" >&2
	echo "tcg $tcg_cpu"
	exit 0
fi

if [ ! -e /dev/kvm ]; then
	state=absent
elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	state=unwritable
else
	state=present
fi
# The decision holds for this boot of the host, this QEMU and this state
# of /dev/kvm (a user added to the kvm group probes again).
key="$(cat /proc/sys/kernel/random/boot_id 2>/dev/null) $("$QEMU_BIN" --version | head -n 1) $state"
decision= cpu= reason=
if [ -f "$CACHE" ] && [ "$(sed -n 's/^key=//p' "$CACHE")" = "$key" ]; then
	decision=$(sed -n 's/^accel=//p' "$CACHE")
	cpu=$(sed -n 's/^cpu=//p' "$CACHE")
	reason=$(sed -n 's/^reason=//p' "$CACHE")
	how="decided earlier, $CACHE"
else
	how="probed"
	reason=
	for c in $KVM_CPUS; do
		d=$(logdir accel-probe "$(echo "$c" | tr -c 'a-z0-9\n' -)")
		rm -rf "$d"
		mkdir -p "$d"
		echo "$state" >"$d/kvm"
		echo "$PROBE_TIMEOUT" >"$d/timeout"
		if [ "$state" = present ]; then
			echo "accel: probing KVM with -cpu $c (at most ${PROBE_TIMEOUT}s)" >&2
			# In a subshell, so that the shell's own "Aborted" goes to the log.
			(
				# shellcheck disable=SC2046
				timeout -k 2 "$PROBE_TIMEOUT" "$QEMU_BIN" -M "$QEMU_MACHINE" -accel kvm \
					-cpu "$c" -smp 1 -m 256M -display none -no-reboot -nodefaults \
					-kernel "$KERNEL" -initrd "$INITRD" \
					-append "$PORTS_CMDLINE panic=-1 wb.mode=probe" \
					$(qemu_ports "$d") </dev/null
				echo $? >"$d/rc"
			) >"$d/qemu.log" 2>&1 || true
		fi
		r=$(judge "$d")
		if [ "$r" = ok ]; then
			decision=kvm cpu=$c
			break
		fi
		if [ "$state" != present ]; then
			reason=$r
			break
		fi
		reason="${reason:+$reason; }-cpu $c: $r"
	done
	[ -n "$decision" ] || decision=tcg cpu=$tcg_cpu
	printf 'key=%s\naccel=%s\ncpu=%s\nreason=%s\n' "$key" "$decision" "$cpu" "$reason" >"$CACHE"
fi

if [ "$decision" = kvm ]; then
	echo "accel: kvm -cpu $cpu ($how)" >&2
elif [ "$ACCEL" = kvm ]; then
	die "ACCEL=kvm, but KVM is unusable here: $reason ($how; ACCEL=auto falls back to TCG)"
elif [ "$reason" = "no /dev/kvm" ]; then
	echo "accel: tcg (no /dev/kvm)" >&2
else
	echo "accel: KVM present but unusable: $reason; using TCG ($how)" >&2
fi
echo "$decision $cpu"
