#!/bin/bash
# in-root.sh ROOT CMD...: run CMD in the build root ROOT (chroot, working
# directory /), with this checkout bind-mounted at its own path inside, so
# that paths in build outputs are the same in and out.  The mounts live in
# a private mount namespace and go away with CMD.  Needs root.
set -eu
. "$(dirname "$0")/lib.sh"
root=${1:?usage: in-root.sh ROOT CMD...}
shift
[ "$(id -u)" = 0 ] || die "building in $root needs root (chroot)"
need unshare chroot
mkdir -p "$root$TOP"
exec unshare -m --propagation private sh -c '
	mount --rbind "$1" "$2$1" && mount -t proc proc "$2/proc" || exit 1
	shift 2
	exec chroot "$0" "$@"' "$root" "$TOP" "$root" "$@"
