// SPDX-License-Identifier: GPL-2.0
/*
 * What MADV_POPULATE_(READ|WRITE) do, shown with numbers ('make run').
 *
 *  1. Touching every page of a mapping by hand versus one
 *     MADV_POPULATE_WRITE: time and RSS.
 *  2. MADV_POPULATE_READ on private anonymous memory maps the shared
 *     zeropage: every page present, RSS unchanged.
 *  3. A size-limited tmpfs: MADV_POPULATE_WRITE returns EFAULT, where
 *     touching the pages kills the process with SIGBUS.
 *
 * Exits 0 when each step behaved as described, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif

#define MIB		(1UL << 20)
#define SIZE		(256 * MIB)

static size_t pagesize;
static int failures;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* RSS of the mapping that contains @addr, in KiB (from smaps). */
static long rss_kb(const void *addr)
{
	unsigned long start, end;
	char line[512];
	long rss = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			in = start <= (uintptr_t)addr && (uintptr_t)addr < end;
		else if (in && sscanf(line, "Rss: %ld kB", &rss) == 1)
			break;
	}
	if (f)
		fclose(f);
	return rss;
}

/* Number of pages of [p, p + len) present in /proc/self/pagemap. */
static size_t present(const char *p, size_t len)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	size_t n = 0, off;
	uint64_t ent;

	for (off = 0; fd >= 0 && off < len; off += pagesize)
		if (pread(fd, &ent, sizeof(ent), ((uintptr_t)p + off) / pagesize * 8) == 8)
			n += ent >> 63;
	if (fd >= 0)
		close(fd);
	return n;
}

static char *fresh(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	/* 4 KiB pages, so both ways fault the same number of pages. */
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void expect(int ok, const char *what)
{
	printf("  %s %s\n", ok ? "[ok]    " : "[FAILED]", what);
	failures += !ok;
}

static void demo_write(void)
{
	double t0, touch_ms, populate_ms;
	char *p = fresh(SIZE);
	size_t off;

	printf("1. Prefaulting %lu MiB of anonymous memory, 4 KiB pages\n", SIZE / MIB);
	t0 = now_ms();
	for (off = 0; off < SIZE; off += pagesize)
		p[off] = 0;
	touch_ms = now_ms() - t0;
	printf("   touching every page:     %8.1f ms, RSS %6ld MiB\n", touch_ms, rss_kb(p) / 1024);
	munmap(p, SIZE);

	p = fresh(SIZE);
	t0 = now_ms();
	if (madvise(p, SIZE, MADV_POPULATE_WRITE))
		printf("   MADV_POPULATE_WRITE: %s\n", strerror(errno));
	populate_ms = now_ms() - t0;
	printf("   MADV_POPULATE_WRITE:     %8.1f ms, RSS %6ld MiB (%.2fx the time of touching)\n",
	       populate_ms, rss_kb(p) / 1024, populate_ms / touch_ms);
	expect(rss_kb(p) == (long)(SIZE / 1024), "every page allocated by one madvise()");
	munmap(p, SIZE);
}

static void demo_read(void)
{
	char *p = fresh(SIZE);
	double t0 = now_ms();
	int ret = madvise(p, SIZE, MADV_POPULATE_READ);
	double ms = now_ms() - t0;

	printf("2. MADV_POPULATE_READ on %lu MiB of fresh anonymous memory\n", SIZE / MIB);
	printf("   %.1f ms: %zu of %lu pages present, RSS %ld KiB\n", ms,
	       present(p, SIZE), SIZE / pagesize, rss_kb(p));
	expect(!ret && present(p, SIZE) == SIZE / pagesize && rss_kb(p) == 0,
	       "all mapped to the shared zeropage: no memory used");
	munmap(p, SIZE);
}

static void demo_tmpfs(void)
{
	const char *dir = "/tmp/madv_populate_demo";
	size_t len = 4 * MIB;
	int fd, ret, status;
	char *p;
	pid_t pid;

	printf("3. A 4 MiB file on a tmpfs mounted with size=1m\n");
	mkdir(dir, 0700);
	if (mount("tmpfs", dir, "tmpfs", 0, "size=1m")) {
		printf("   cannot mount tmpfs: %s\n", strerror(errno));
		failures++;
		return;
	}
	fd = open("/tmp/madv_populate_demo/file", O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, len)) {
		perror("file");
		exit(1);
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ret = madvise(p, len, MADV_POPULATE_WRITE) ? errno : 0;
	printf("   MADV_POPULATE_WRITE: %s, %zu KiB populated, process alive\n",
	       ret ? strerror(ret) : "success", present(p, len) * pagesize / 1024);
	expect(ret == EFAULT, "out of tmpfs space is an error code (EFAULT)");

	pid = fork();
	if (!pid) {
		size_t off;

		for (off = 0; off < len; off += pagesize)
			p[off] = 1;
		_exit(0);
	}
	waitpid(pid, &status, 0);
	printf("   touching the pages instead: %s\n",
	       WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "no signal");
	expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS,
	       "the same shortage kills a process that touches the pages (SIGBUS)");
	munmap(p, len);
	close(fd);
	umount(dir);
}

int main(void)
{
	char cs[64] = "?";
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");

	setvbuf(stdout, NULL, _IOLBF, 0);
	pagesize = getpagesize();
	if (f) {
		if (fscanf(f, "%63s", cs) != 1)
			strcpy(cs, "?");
		fclose(f);
	}
	printf("MADV_POPULATE_(READ|WRITE) demo (clocksource %s; timings under emulation are rough)\n",
	       cs);
	if (madvise(NULL, 0, MADV_POPULATE_READ)) {
		printf("this kernel does not know MADV_POPULATE_READ: %s\n", strerror(errno));
		return 1;
	}
	demo_write();
	demo_read();
	demo_tmpfs();
	printf("%s\n", failures ? "demo: something did not behave as described" :
	       "demo: all as described");
	return failures ? 1 : 0;
}
