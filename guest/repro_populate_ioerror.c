// SPDX-License-Identifier: GPL-2.0
/*
 * repro_populate_ioerror DIR: MADV_POPULATE_READ over a file page that
 * cannot be read must fail with EFAULT, not retry forever.
 *
 * DIR is on a block device; the device's make-it-fail and debugfs's
 * fail_make_request fail every read.  filemap_fault() drops the mmap_lock
 * for the read and, when it fails, returns VM_FAULT_RETRY unless the fault
 * carries FAULT_FLAG_TRIED; a caller that faults the page again without
 * the flag gets the same answer forever.  madvise_populate() of v5.14 to
 * v6.8 does that (fixed by 631426ba1d45, v6.9); the series' (2/4) passes
 * the flag on the retry.
 *
 * Exit 0: EFAULT.  1: another result, or still running after 20 s (then
 * killed: a fatal signal ends the loop).  4: cannot set up the error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#define FMR "/sys/kernel/debug/fail_make_request/"
#define LEN (64 * 1024)

static const char *knobs[] = { FMR "probability", FMR "interval", FMR "times", FMR "verbose" };
static const char *want[] = { "100", "1", "-1", "0" };
static char saved[4][32];

static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	int ok = fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Fail every read of fail_make_request's devices; 0 if it cannot. */
static int fail_reads(void)
{
	int i, fd, n;

	for (i = 0; i < 4; i++) {
		fd = open(knobs[i], O_RDONLY);
		n = fd < 0 ? -1 : read(fd, saved[i], sizeof(saved[i]) - 1);
		if (fd >= 0)
			close(fd);
		if (n <= 0)
			return 0;
		saved[i][n] = 0;
	}
	for (i = 0; i < 4; i++)
		if (!put(knobs[i], want[i]))
			return 0;
	return 1;
}

static void restore(void)
{
	int i;

	for (i = 0; i < 4; i++)
		if (saved[i][0])
			put(knobs[i], saved[i]);
}

int main(int argc, char **argv)
{
	char path[4096], dev[128], buf[LEN];
	struct stat st;
	int fd, status, i;
	pid_t pid;

	if (argc != 2 || stat(argv[1], &st)) {
		fprintf(stderr, "usage: %s DIR (on a block device)\n", argv[0]);
		return 4;
	}
	snprintf(dev, sizeof(dev), "/sys/dev/block/%u:%u/make-it-fail",
		 major(st.st_dev), minor(st.st_dev));
	snprintf(path, sizeof(path), "%s/repro-ioerror", argv[1]);
	memset(buf, 'x', sizeof(buf));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, LEN) != LEN || fsync(fd) ||
	    posix_fadvise(fd, 0, LEN, POSIX_FADV_DONTNEED) ||
	    !fail_reads() || !put(dev, "1")) {
		restore();
		printf("cannot fail reads on %s (%s)\n", argv[1], strerror(errno));
		return 4;
	}
	pid = fork();
	if (!pid) {
		char *p = mmap(NULL, LEN, PROT_READ, MAP_SHARED, fd, 0);

		if (p == MAP_FAILED)
			_exit(255);
		_exit(madvise(p, LEN, MADV_POPULATE_READ) ? errno : 0);
	}
	for (i = 0; i < 200 && !waitpid(pid, &status, WNOHANG); i++)
		usleep(100 * 1000);
	if (i == 200) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	put(dev, "0");
	restore();
	close(fd);
	unlink(path);
	if (i == 200) {
		printf("MADV_POPULATE_READ still running after 20 s: it retries the failed read forever\n");
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != EFAULT) {
		printf("MADV_POPULATE_READ: want EFAULT, got %s\n",
		       WIFEXITED(status) ? strerror(WEXITSTATUS(status)) : "a signal");
		return 1;
	}
	printf("MADV_POPULATE_READ: EFAULT after the failed read\n");
	return 0;
}
