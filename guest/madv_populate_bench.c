// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark of the MADV_POPULATE_(READ|WRITE) cover letter, extended.
 *
 * For each size, mapping (MAP_PRIVATE, MAP_SHARED) and backing of the cover
 * letter's table, time each way of prefaulting an empty mapping (single
 * thread, a fresh mapping and file every run).  The runs are rounds: each
 * round measures every cell once, so that a slow episode of the host
 * (under emulation) spoils one run of many cells, not every run of one:
 *
 *   Read, Write, Read/Write   touch every page by hand (one byte per page;
 *                             Read/Write reads it and writes it back)
 *   POPULATE_READ/_WRITE      one madvise()
 *   FALLOCATE[+method]        fallocate() the file first (shared files)
 *   MAP_POPULATE, mlock       the other ways a user would prefault
 *   memset                    the floor: writing the already populated range
 *
 * ext4's FALLOCATE alone runs 5 times and reports the fastest.
 *
 * Output: one TSV line per cell and run on stdout,
 *   run  size_mib  mapping  backing  method  ms
 * progress on stderr.  A cell that cannot be measured prints "NA" with the
 * reason, and the exit status is 1.
 *
 * Usage: madv_populate_bench [-s MIB[,MIB...]] [-n RUNS] [-d DIR] [-H DIR]
 *                            [-m MIB] [-w] [-o CELL[,CELL...]] [-P]
 *   -s sizes in MiB (default 2)     -n runs (rounds) of every cell (default 1)
 *   -m a size under MIB runs as many passes as it takes to populate MIB
 *      in each run, numbered on (a run of 2 MiB at -m 16 is 8 passes,
 *      "run" 1 to 8 for -n 1): the median of many passes of a small cell
 *      repeats where one pass, a few ms, can be moved by one event
 *   -w a warm-up pass of every cell at 2 MiB first, not reported: on a
 *      fresh ext4 the first fallocate() of 2 MiB took 1.8 ms, every
 *      later one 0.26 ms, a first time that is no cost of the cell
 *   -d directory on a disk filesystem for "file" (default: skip "file")
 *   -H hugetlbfs mount for "hugetlbfs" (default: skip it)
 *   -o only these cells, each MAPPING:BACKING:METHOD with '_' for a space
 *      and "*" for any (MAP_SHARED:Memfd_4_KiB:FALLOCATE+POPULATE_READ,
 *      *:tmpfs:*)
 *   -P (x86_64) mark each cell's timed region for scripts/insn-profile.c:
 *      "xchg %bx,%bx" before it, "xchg %cx,%cx" after it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MFD_HUGETLB
#define MFD_HUGETLB		0x0004U
#endif

#define MIB			(1UL << 20)
#define HPAGE			(2UL << 20)

enum backing { ANON, ANON_HUGE, MEMFD, MEMFD_HUGE, TMPFS, FILE_DISK, HUGETLBFS, NR_BACKINGS };

static const char * const backing_names[] = {
	"Anon 4 KiB", "Anon 2 MiB", "Memfd 4 KiB", "Memfd 2 MiB", "tmpfs", "file", "hugetlbfs",
};

enum method {
	READ, WRITE, READ_WRITE, POP_READ, POP_WRITE,
	FALLOC, FALLOC_READ, FALLOC_WRITE, FALLOC_READ_WRITE, FALLOC_POP_READ, FALLOC_POP_WRITE,
	MAP_POP, MLOCK, MEMSET, NR_METHODS
};

static const char * const method_names[] = {
	"Read", "Write", "Read/Write", "POPULATE_READ", "POPULATE_WRITE",
	"FALLOCATE", "FALLOCATE+Read", "FALLOCATE+Write", "FALLOCATE+Read/Write",
	"FALLOCATE+POPULATE_READ", "FALLOCATE+POPULATE_WRITE",
	"MAP_POPULATE", "mlock", "memset",
};

static const char *disk_dir, *hugetlbfs_dir, *only;
static size_t pagesize;
static bool markers, warming;

/* The profiler's markers (-P): no-ops that nothing else executes. */
static inline void mark_start(void)
{
#ifdef __x86_64__
	if (markers && !warming)
		asm volatile("xchg %%bx, %%bx" ::: "memory");
#endif
}

static inline void mark_stop(void)
{
#ifdef __x86_64__
	if (markers && !warming)
		asm volatile("xchg %%cx, %%cx" ::: "memory");
#endif
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static bool is_huge(enum backing b)
{
	return b == ANON_HUGE || b == MEMFD_HUGE || b == HUGETLBFS;
}

static bool has_fd(enum backing b)
{
	return b != ANON && b != ANON_HUGE;
}

/* The cells of the cover letter's table, plus MAP_POPULATE, mlock, memset. */
static bool cell_wanted(bool shared, enum backing b, enum method m)
{
	if (!shared && b == ANON_HUGE)
		return false;
	if (m >= FALLOC && m <= FALLOC_POP_WRITE)
		return shared && has_fd(b);
	if (b == FILE_DISK && !disk_dir)
		return false;
	if (b == HUGETLBFS && !hugetlbfs_dir)
		return false;
	return true;
}

/* Does @field (up to ':', ',' or the end) match @name, or is it "*"? */
static bool field_matches(const char *field, const char *name)
{
	size_t n = strcspn(field, ":,");

	return (n == 1 && *field == '*') || (n == strlen(name) && !strncmp(field, name, n));
}

/*
 * -o: is the cell in the list?  Each item is MAPPING:BACKING:METHOD, '_'
 * for a space in a name, "*" for any value of a field.
 */
static bool cell_listed(bool shared, enum backing b, enum method m)
{
	char backing[32], *c;
	const char *l, *f[3];
	int i;

	if (!only)
		return true;
	snprintf(backing, sizeof(backing), "%s", backing_names[b]);
	for (c = backing; *c; c++)
		if (*c == ' ')
			*c = '_';
	for (l = only; l; l = strchr(l, ',') ? strchr(l, ',') + 1 : NULL) {
		f[0] = l;
		for (i = 1; i < 3; i++) {
			f[i] = f[i - 1] + strcspn(f[i - 1], ":,");
			if (*f[i] != ':')
				break;
			f[i]++;
		}
		if (i == 3 && field_matches(f[0], shared ? "MAP_SHARED" : "MAP_PRIVATE") &&
		    field_matches(f[1], backing) && field_matches(f[2], method_names[m]))
			return true;
	}
	return false;
}

/* A fresh, empty file of @len for @b, or -1 (no fd needed) / -2 (error). */
static int open_backing(enum backing b, size_t len)
{
	char path[4096];
	int fd;

	switch (b) {
	case MEMFD:
		fd = memfd_create("bench", 0);
		break;
	case MEMFD_HUGE:
		fd = memfd_create("bench", MFD_HUGETLB);
		break;
	case TMPFS:
	case FILE_DISK:
	case HUGETLBFS:
		snprintf(path, sizeof(path), "%s/bench.XXXXXX",
			 b == TMPFS ? "/dev/shm" : b == FILE_DISK ? disk_dir : hugetlbfs_dir);
		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
		break;
	default:
		return -1;
	}
	if (fd < 0 || ftruncate(fd, len))
		return -2;
	return fd;
}

static void touch(char *p, size_t len, size_t step, enum method m)
{
	size_t off;

	for (off = 0; off < len; off += step) {
		char *c = p + off;

		switch (m) {
		case READ:
		case FALLOC_READ:
			(void)__atomic_load_n(c, __ATOMIC_RELAXED);
			break;
		case WRITE:
		case FALLOC_WRITE:
			__atomic_store_n(c, 0, __ATOMIC_RELAXED);
			break;
		default:	/* Read/Write: keep the data, fault read then write */
			__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
			break;
		}
	}
}

/* One run of one cell: the time in ms, or a negative errno. */
static double run_once(bool shared, enum backing b, enum method m, size_t len)
{
	int flags = (shared ? MAP_SHARED : MAP_PRIVATE) | (has_fd(b) ? 0 : MAP_ANONYMOUS);
	size_t step = is_huge(b) ? HPAGE : pagesize;
	double t0, t = 0;
	int fd, err = 0;
	char *p;

	if (b == ANON_HUGE)
		flags |= MAP_HUGETLB;
	fd = open_backing(b, len);
	if (fd == -2)
		return -errno;
	if (m == MAP_POP) {
		t0 = now_ms();
		mark_start();
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_POPULATE, fd, 0);
		mark_stop();
		t = now_ms() - t0;
	} else {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	}
	if (p == MAP_FAILED) {
		err = errno;
		goto out;
	}
	if (b == ANON)
		madvise(p, len, MADV_NOHUGEPAGE);	/* 4 KiB means 4 KiB */

	t0 = now_ms();
	if (m != MEMSET && m != MAP_POP)	/* their own start, below and above */
		mark_start();
	switch (m) {
	case READ:
	case WRITE:
	case READ_WRITE:
		touch(p, len, step, m);
		break;
	case POP_READ:
	case POP_WRITE:
		if (madvise(p, len, m == POP_READ ? MADV_POPULATE_READ : MADV_POPULATE_WRITE))
			err = errno;
		break;
	case FALLOC:
	case FALLOC_READ:
	case FALLOC_WRITE:
	case FALLOC_READ_WRITE:
	case FALLOC_POP_READ:
	case FALLOC_POP_WRITE:
		if (fallocate(fd, 0, 0, len)) {
			err = errno;
			break;
		}
		if (m == FALLOC_POP_READ || m == FALLOC_POP_WRITE) {
			if (madvise(p, len, m == FALLOC_POP_READ ?
				    MADV_POPULATE_READ : MADV_POPULATE_WRITE))
				err = errno;
		} else if (m != FALLOC) {
			touch(p, len, step, m);
		}
		break;
	case MLOCK:
		if (mlock(p, len))
			err = errno;
		break;
	case MEMSET:
		if (madvise(p, len, MADV_POPULATE_WRITE)) {
			err = errno;
			break;
		}
		t0 = now_ms();
		mark_start();
		memset(p, 1, len);
		break;
	default:
		break;
	}
	if (m != MAP_POP) {
		mark_stop();
		t = now_ms() - t0;
	}
	munmap(p, len);
out:
	if (fd >= 0)
		close(fd);
	return err ? -err : t;
}

static int failed_cells;

/*
 * ext4's FALLOCATE alone does no work per page (a few extent operations,
 * 0.4 ms at 64 MiB, where every other cell takes more than 1 ms), and its
 * runs one after the other take different times, by a pattern that
 * differs from boot to boot (2 MiB: 0.256 ms, then 0.259 to 0.291 every
 * other run; 64 MiB: 0.41, 0.49, 4.7, 0.46, 0.41), whose median moved 3%
 * from one boot to the next.  It runs SHORT_RUNS times, fresh each time,
 * and reports the fastest (the profiler's markers on the first run only).
 */
#define SHORT_RUNS	5

static double run_cell(bool shared, enum backing b, enum method m, size_t len)
{
	bool was_warming = warming;
	double t[SHORT_RUNS];
	int i;

	t[0] = run_once(shared, b, m, len);
	if (t[0] < 0 || b != FILE_DISK || m != FALLOC)
		return t[0];
	warming = true;
	for (i = 1; i < SHORT_RUNS && t[i - 1] >= 0; i++)
		t[i] = run_once(shared, b, m, len);
	warming = was_warming;
	if (t[i - 1] < 0)
		return t[i - 1];
	for (i = 1; i < SHORT_RUNS; i++)
		if (t[i] < t[0])
			t[0] = t[i];
	return t[0];
}

/*
 * One run (round) of every cell of @size_mib: the number of cells.  Run 0
 * is the warm-up (-w): nothing printed, nothing counted.
 */
static int bench(int run, size_t size_mib)
{
	size_t len = size_mib * MIB;
	int shared, b, m, cells = 0;
	double t;

	for (shared = 0; shared <= 1; shared++) {
		for (b = 0; b < NR_BACKINGS; b++) {
			for (m = 0; m < NR_METHODS; m++) {
				if (!cell_wanted(shared, b, m) || !cell_listed(shared, b, m))
					continue;
				warming = !run;
				t = run_cell(shared, b, m, len);
				if (!run)
					continue;
				printf("%d\t%zu\t%s\t%s\t%s\t", run, size_mib,
				       shared ? "MAP_SHARED" : "MAP_PRIVATE",
				       backing_names[b], method_names[m]);
				if (t < 0) {
					printf("NA\t%s\n", strerror(-t));
					failed_cells++;
				} else {
					printf("%.3f\n", t);
				}
				fflush(stdout);
				fprintf(stderr, "# run %d: %zu MiB %s %s %s: %s%s\n", run, size_mib,
					shared ? "MAP_SHARED" : "MAP_PRIVATE",
					backing_names[b], method_names[m],
					t < 0 ? "NA: " : "done", t < 0 ? strerror(-t) : "");
				cells++;
			}
		}
	}
	return cells;
}

int main(int argc, char **argv)
{
	char *sizes = "2", *list, *tok, *save;
	int opt, run, pass, passes, runs = 1, cells = 0;
	size_t size, min_mib = 0;
	bool warmup = false;

	pagesize = getpagesize();
	while ((opt = getopt(argc, argv, "s:n:d:H:m:wo:P")) != -1) {
		switch (opt) {
		case 's':
			sizes = optarg;
			break;
		case 'n':
			runs = atoi(optarg);
			break;
		case 'd':
			disk_dir = optarg;
			break;
		case 'H':
			hugetlbfs_dir = optarg;
			break;
		case 'm':
			min_mib = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			warmup = true;
			break;
		case 'o':
			only = optarg;
			break;
		case 'P':
			markers = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-s MIB,...] [-n RUNS] [-d DIR] [-H DIR] "
				"[-m MIB] [-w] [-o CELL,...] [-P]\n", argv[0]);
			return 2;
		}
	}
	if (runs < 1)
		runs = 1;
	printf("run\tsize_mib\tmapping\tbacking\tmethod\tms\n");
	if (warmup) {
		fprintf(stderr, "# warm-up: every cell at 2 MiB, not reported\n");
		bench(0, 2);
	}
	for (run = 1; run <= runs; run++) {
		list = strdup(sizes);
		for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			size = strtoul(tok, NULL, 10);
			passes = size && size < min_mib ? (min_mib + size - 1) / size : 1;
			for (pass = 1; pass <= passes; pass++)
				cells += bench((run - 1) * passes + pass, size);
		}
		free(list);
	}
	fprintf(stderr, "# %d cells measured in %d runs, %d not measured\n",
		cells, runs, failed_cells);
	return failed_cells ? 1 : 0;
}
