/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the MADV_POPULATE_(READ|WRITE) selftests: observe what
 * populating did through /proc/self/pagemap, /proc/kpageflags, smaps and
 * fault counts; userfaultfd, SIGKILL and knob helpers shared by the
 * programs.  madv_populate_cases and madv_populate_hostile include
 * kselftest_harness.h before this file; madv_populate_promise and
 * madv_populate_footprint, which generate their cases, do not.
 */
#ifndef __MADV_POPULATE_H
#define __MADV_POPULATE_H

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT		1
#endif

/* /proc/self/pagemap */
#define PM_PRESENT		0x8000000000000000ULL	/* bit 63 */
#define PM_SOFT_DIRTY		0x0080000000000000ULL	/* bit 55 */
#define PM_PFN_MASK		0x007fffffffffffffULL	/* bits 0-54 */

/* /proc/kpageflags */
#define KPF_REFERENCED		2
#define KPF_DIRTY		4
#define KPF_ANON		12
#define KPF_KSM			21
#define KPF_THP			22
#define KPF_ZERO_PAGE		24
#define KPF_MLOCKED		33

#define NR_PAGES		16

static size_t pagesize;
static int kpageflags_fd = -1;
/* -i: also the tests that change global state (restored) or lose memory. */
static bool invasive;
/* The kernel tracks soft-dirty bits (CONFIG_MEM_SOFT_DIRTY: not arm64). */
static bool soft_dirty;
/* DIR: a directory on a disk filesystem, for the file-backed tests. */
static const char *disk_dir;

/*
 * A helper that cannot go on ends the process it runs in: under the
 * harness that is the test's own, which then fails with this reason.
 */
#define bail(fmt, ...) do {						\
	ksft_print_msg(fmt "\n", ##__VA_ARGS__);			\
	_exit(KSFT_FAIL);						\
} while (0)

static inline int populate(void *addr, size_t len, int advice)
{
	return madvise(addr, len, advice) ? errno : 0;
}

/*
 * /proc/self/pagemap shows the page tables of the process that opened
 * it: every process (each test runs in a fork of its own, and some fork
 * again) opens its own on first use.
 */
static inline int pagemap_fd(void)
{
	static pid_t owner;
	static int fd = -1;

	if (owner != getpid()) {
		if (fd >= 0)
			close(fd);
		fd = open("/proc/self/pagemap", O_RDONLY);
		if (fd < 0)
			bail("/proc/self/pagemap: %s", strerror(errno));
		owner = getpid();
	}
	return fd;
}

static inline uint64_t pagemap_entry(const void *addr)
{
	uint64_t ent = 0;
	off_t off = (uintptr_t)addr / pagesize * sizeof(ent);

	if (pread(pagemap_fd(), &ent, sizeof(ent), off) != sizeof(ent))
		bail("pread /proc/self/pagemap: %s", strerror(errno));
	return ent;
}

/*
 * The flags of the page mapped at @addr; 0 if none.  Only for tests that
 * began with REQUIRE_KPAGEFLAGS(), so that "no page has flag X" can never
 * pass for want of a way to look.
 */
static inline uint64_t page_flags(const void *addr)
{
	uint64_t ent = pagemap_entry(addr), flags = 0;

	if (kpageflags_fd < 0)
		bail("page flags read without /proc/kpageflags");
	if (!(ent & PM_PRESENT) || !(ent & PM_PFN_MASK))
		return 0;
	if (pread(kpageflags_fd, &flags, sizeof(flags),
		  (ent & PM_PFN_MASK) * sizeof(flags)) != sizeof(flags))
		bail("pread /proc/kpageflags: %s", strerror(errno));
	return flags;
}

static inline bool has_flag(const void *addr, int bit)
{
	return page_flags(addr) & (1ULL << bit);
}

/* Count the pages of [addr, addr + len) whose pagemap entry has @mask. */
static inline size_t count_pm(const char *addr, size_t len, uint64_t mask)
{
	size_t n = 0, off;

	for (off = 0; off < len; off += pagesize)
		n += (pagemap_entry(addr + off) & mask) == mask;
	return n;
}

static inline size_t count_flag(const char *addr, size_t len, int bit)
{
	size_t n = 0, off;

	for (off = 0; off < len; off += pagesize)
		n += has_flag(addr + off, bit);
	return n;
}

static inline size_t npages(size_t len)
{
	return len / pagesize;
}

/* "1": clear the accessed bits; "4": the soft-dirty bits. */
static inline void clear_page_refs(const char *what)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);

	if (fd < 0 || write(fd, what, 1) != 1)
		bail("clear_refs: %s", strerror(errno));
	close(fd);
}

/* The process's page faults so far, minor and major (swap-in, I/O). */
static inline long faults_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/*
 * A field of the mapping at @addr in /proc/self/smaps, in KiB ("Rss:",
 * "Locked:"): counted by walking the page tables, so exact (statm lags
 * behind the per-task RSS caches) and without the shared zeropage.
 */
static inline long smaps_kb(const void *addr, const char *field)
{
	size_t flen = strlen(field);
	unsigned long start, end;
	bool in = false;
	char line[512];
	long val = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = start <= (uintptr_t)addr && (uintptr_t)addr < end;
		} else if (in && !strncmp(line, field, flen)) {
			val = atol(line + flen);
			break;
		}
	}
	if (f)
		fclose(f);
	return val;
}

static inline char *map(size_t len, int prot, int flags, int fd)
{
	char *p = mmap(NULL, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		bail("mmap: %s", strerror(errno));
	return p;
}

static inline char *map_anon(size_t len, int prot, int flags)
{
	return map(len, prot, flags | MAP_ANONYMOUS, -1);
}

/* @len bytes of anonymous memory aligned to @align (a huge page size). */
static inline char *map_aligned(size_t len, size_t align)
{
	char *raw = map_anon(len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *p = (char *)(((uintptr_t)raw + align - 1) & ~(align - 1));

	if (p > raw)
		munmap(raw, p - raw);
	munmap(p + len, raw + align - p);
	return p;
}

/*
 * Touch every page of [p, p + len) with a read or a write; return the
 * faults that took, minor and major.  Nothing else may fault in between: in a process
 * just forked (the harness forks every test) the text of this function may
 * not be mapped yet (text is not copied at fork), and a stack page still
 * shared with the parent or a child faults on the first write to it.  So a
 * call on a byte of its own first runs all of it, on the same stack.
 */
static __attribute__((noinline)) long touch_pages(char *p, size_t len, bool write)
{
	long before = faults_now();
	size_t off;

	for (off = 0; off < len; off += pagesize) {
		if (write)
			__atomic_store_n(p + off, 1, __ATOMIC_RELAXED);
		else
			(void)__atomic_load_n(p + off, __ATOMIC_RELAXED);
	}
	return faults_now() - before;
}

static char touch_warm_up;

static inline long faults_on_read(const char *p, size_t len)
{
	touch_pages(&touch_warm_up, 1, false);
	return touch_pages((char *)p, len, false);
}

static inline long faults_on_write(char *p, size_t len)
{
	touch_pages(&touch_warm_up, 1, true);
	return touch_pages(p, len, true);
}

static inline long read_meminfo(const char *key)
{
	char line[256];
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			val = atol(line + strlen(key));
	if (f)
		fclose(f);
	return val;
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The PMD size of transparent huge pages; 0 without THP. */
static inline size_t thp_size(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	unsigned long size = 0;

	if (f) {
		if (fscanf(f, "%lu", &size) != 1)
			size = 0;
		fclose(f);
	}
	return size;
}

/*
 * Fold the per-CPU deltas of the vm counters into /proc/meminfo's, with
 * vm.stat_refresh (root); *exact says whether it could.
 */
static inline void stat_refresh(bool *exact)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);

	*exact = fd >= 0 && write(fd, "1", 1) == 1;
	if (fd >= 0)
		close(fd);
}

/* "Mlocked:" of /proc/meminfo in KiB, exact where *exact says so. */
static inline long mlocked_kb(bool *exact)
{
	stat_refresh(exact);
	return read_meminfo("Mlocked:");
}

static inline int file_equals(int fd, const char *buf, size_t len)
{
	char *tmp = malloc(len);
	int same;

	same = pread(fd, tmp, len, 0) == (ssize_t)len && !memcmp(tmp, buf, len);
	free(tmp);
	return same;
}

/* The start and end of the mapping named @name in /proc/self/maps. */
static inline bool find_mapping(const char *name, unsigned long *start, unsigned long *end)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, name) && sscanf(line, "%lx-%lx", start, end) == 2;
	if (f)
		fclose(f);
	return found;
}

/* ---- knobs: global settings a test changes, always put back ---- */

#define NR_KNOBS		24

/*
 * The values to put back live in memory shared by every process of the
 * program: a test (a forked child under the harness) puts back what it
 * set, and if it cannot (a timeout killed it), the main process does at
 * exit or on SIGINT/SIGTERM.
 */
static struct knobs {
	int nr;
	struct {
		char path[96];
		char old[32];
	} k[NR_KNOBS];
} *knobs;
static pid_t knobs_owner;

/* The value of a sysfs/procfs file; of "a [b] c" the bracketed one. */
static inline bool knob_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);
	char *s;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	s = strchr(buf, '[');
	if (s) {
		s++;
		s[strcspn(s, "]")] = 0;
		memmove(buf, s, strlen(s) + 1);
	}
	return true;
}

static inline bool knob_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	bool ok = fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Put back every knob knob_set() changed, last first. */
static inline void knobs_restore(void)
{
	if (!knobs)
		return;
	while (knobs->nr > 0) {
		knobs->nr--;
		if (!knob_write(knobs->k[knobs->nr].path, knobs->k[knobs->nr].old))
			fprintf(stderr, "# could not put back %s = %s\n",
				knobs->k[knobs->nr].path, knobs->k[knobs->nr].old);
	}
}

static inline void knobs_restore_at_exit(void)
{
	/* A child's exit() must not undo what its parent set. */
	if (getpid() == knobs_owner)
		knobs_restore();
}

static inline void knobs_restore_on_signal(int sig)
{
	knobs_restore_at_exit();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* In the main process, before any test runs. */
static inline void knobs_init(void)
{
	knobs = mmap(NULL, sizeof(*knobs), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (knobs == MAP_FAILED)
		bail("mmap: %s", strerror(errno));
	knobs_owner = getpid();
	atexit(knobs_restore_at_exit);
	signal(SIGINT, knobs_restore_on_signal);
	signal(SIGTERM, knobs_restore_on_signal);
}

/* Remember @path's value (once), then write @val; false if not possible. */
static inline bool knob_set(const char *path, const char *val)
{
	int i;

	if (!knobs)
		bail("a knob set before knobs_init()");
	for (i = 0; i < knobs->nr && strcmp(knobs->k[i].path, path); i++)
		;
	if (i == knobs->nr) {
		if (i == NR_KNOBS)
			bail("more than %d knobs", NR_KNOBS);
		snprintf(knobs->k[i].path, sizeof(knobs->k[i].path), "%s", path);
		if (!knob_read(path, knobs->k[i].old, sizeof(knobs->k[i].old)))
			return false;
		knobs->nr++;
	}
	return knob_write(path, val);
}

/* ---- hugetlb: every page size the kernel has, a pool for each ---- */

/* arm64 with 4 KiB pages has four: 64 KiB, 2 MiB, 32 MiB and 1 GiB. */
#define NR_HSIZES		4
#ifndef MFD_HUGETLB
#define MFD_HUGETLB		0x0004U
#endif
#define MFD_HUGE_SHIFT_		26	/* uapi's MFD_HUGE_SHIFT */

/*
 * The hugetlb page sizes of this kernel (its directories under
 * /sys/kernel/mm/hugepages), smallest first, into @sizes; how many.
 */
static inline int hugetlb_sizes(size_t *sizes, int max)
{
	DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *e;
	unsigned long kb;
	int n = 0, i;

	while (d && (e = readdir(d))) {
		if (sscanf(e->d_name, "hugepages-%lukB", &kb) != 1 || n == max)
			continue;
		for (i = n++; i > 0 && sizes[i - 1] > kb << 10; i--)
			sizes[i] = sizes[i - 1];
		sizes[i] = kb << 10;
	}
	if (d)
		closedir(d);
	return n;
}

/* "64 KiB", "2 MiB", "1 GiB": a hugetlb size as the cases name it. */
static inline const char *size_name(size_t size)
{
	static char buf[NR_HSIZES][16];
	static int next;
	char *s = buf[next++ % NR_HSIZES];

	if (size >= 1UL << 30)
		snprintf(s, sizeof(buf[0]), "%zu GiB", size >> 30);
	else if (size >= 1UL << 20)
		snprintf(s, sizeof(buf[0]), "%zu MiB", size >> 20);
	else
		snprintf(s, sizeof(buf[0]), "%zu KiB", size >> 10);
	return s;
}

static inline bool hugetlb_knob(size_t size, const char *file, char *buf, size_t len)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/%s",
		 size >> 10, file);
	return knob_read(path, buf, len);
}

/*
 * The free pages of @size's pool, after growing the pool (put back at
 * exit) to @want free pages where it had fewer; where the kernel cannot
 * find the memory for all of them, the pool is put back at once (a
 * partly grown 1 GiB pool would hold GiBs for nothing).  -1 if there is
 * no such pool.
 */
static inline long hugetlb_reserve(size_t size, long want)
{
	char path[96], buf[32], val[32];
	long nr_free;

	if (!hugetlb_knob(size, "free_hugepages", buf, sizeof(buf)))
		return -1;
	nr_free = atol(buf);
	if (nr_free >= want || !hugetlb_knob(size, "nr_hugepages", buf, sizeof(buf)))
		return nr_free;
	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages",
		 size >> 10);
	snprintf(val, sizeof(val), "%ld", atol(buf) + want - nr_free);
	knob_set(path, val);
	if (hugetlb_knob(size, "free_hugepages", val, sizeof(val)) && atol(val) >= want)
		return atol(val);
	knob_write(path, buf);
	return hugetlb_knob(size, "free_hugepages", buf, sizeof(buf)) ? atol(buf) : -1;
}

/* memfd_create()'s flags for a hugetlb file of @size pages. */
static inline unsigned int mfd_hugetlb(size_t size)
{
	return MFD_HUGETLB | (unsigned int)__builtin_ctzl(size) << MFD_HUGE_SHIFT_;
}

/* ---- userfaultfd ---- */

/*
 * A userfaultfd (non-blocking: handlers poll) with [area, area + len)
 * registered in @mode; -1 where the kernel or the caller's rights do not
 * allow it, errno saying why.
 */
static inline int uffd_open(void *area, size_t len, uint64_t mode, uint64_t features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)area, .len = len },
		.mode = mode,
	};
	int uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK), err;

	if (uffd < 0)
		return -1;
	if (ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		err = errno;
		close(uffd);
		errno = err;
		return -1;
	}
	return uffd;
}

/*
 * The next page fault message of @uffd, waiting up to @ms milliseconds
 * (-1: for ever); false if none came.
 */
static inline bool uffd_next_fault(int uffd, struct uffd_msg *msg, int ms)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };

	while (poll(&pfd, 1, ms) > 0) {
		if (read(uffd, msg, sizeof(*msg)) != sizeof(*msg))
			continue;
		if (msg->event == UFFD_EVENT_PAGEFAULT)
			return true;
	}
	return false;
}

static inline void *wp_writer(void *arg)
{
	__atomic_store_n((char *)arg, 1, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * Whether write-protection is enforced: 5.10 takes UFFDIO_WRITEPROTECT on
 * every architecture but enforces it only where page tables have a uffd-wp
 * bit (x86_64).  A write to a protected page must wait for the handler.
 */
static inline bool uffd_wp_works(int uffd, char *p)
{
	struct uffdio_writeprotect wp = { .range = { (uintptr_t)p, pagesize } };
	struct uffd_msg msg;
	pthread_t writer;
	bool works;

	if (pthread_create(&writer, NULL, wp_writer, p))
		return false;
	/* Long enough for a loaded TCG host; where it is not enforced, once. */
	works = uffd_next_fault(uffd, &msg, 5000);
	ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);	/* un-protect, wake the writer */
	pthread_join(writer, NULL);
	wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
	return works && !ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
}

/* ---- SIGKILL of a populate ---- */

struct killed {
	bool started;	/* the child got as far as the populate */
	bool finished;	/* the populate returned before the kill landed */
	int status;	/* the child's wait status */
	double reap;	/* seconds from kill() to the child's end */
};

/*
 * In a child, populate with @advice the @len bytes that @mapping(@len)
 * maps (NULL: it cannot), SIGKILL the child @delay_us microseconds after
 * the populate began, and say how that ended.
 */
static inline struct killed kill_populate(char *(*mapping)(size_t len), size_t len,
					  int advice, unsigned int delay_us)
{
	struct killed k = { 0 };
	int go[2];
	double t0;
	char c = 0;
	pid_t pid;

	if (pipe(go))
		bail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		bail("fork: %s", strerror(errno));
	if (!pid) {
		char *p = mapping(len);

		close(go[0]);
		if (!p)
			_exit(KSFT_SKIP);
		(void)!write(go[1], "s", 1);
		populate(p, len, advice);
		(void)!write(go[1], "d", 1);
		pause();
		_exit(0);
	}
	close(go[1]);
	k.started = read(go[0], &c, 1) == 1;
	if (k.started)
		usleep(delay_us);
	t0 = now();
	kill(pid, SIGKILL);
	waitpid(pid, &k.status, 0);
	k.reap = now() - t0;
	c = 0;
	k.finished = read(go[0], &c, 1) == 1 && c == 'd';
	close(go[0]);
	return k;
}

/* ---- generated cases (promise, footprint): one child a case ---- */

/* What a case found: "P", or 'S'kip / 'F'ail and why. */
static char case_result[512];

/* Set case_result; returns -1 for the caller to return. */
static inline int case_outcome(char what, const char *fmt, ...)
{
	va_list ap;

	case_result[0] = what;
	va_start(ap, fmt);
	vsnprintf(case_result + 1, sizeof(case_result) - 1, fmt, ap);
	va_end(ap);
	return -1;
}

#define CASE_SKIP(...)	case_outcome('S', __VA_ARGS__)
#define CASE_FAIL(...)	case_outcome('F', __VA_ARGS__)

/*
 * Run @fn(@arg) in a child of its own, so that its mappings, knobs'
 * effects and crashes stay there, and report its result as the test
 * @name: once, never again.  The child has @timeout seconds.
 */
static inline void case_report(const char *name, int (*fn)(const void *arg),
			       const void *arg, unsigned int timeout)
{
	char buf[sizeof(case_result)];
	int fds[2], pid, st;
	ssize_t n, got = 0;

	if (pipe(fds))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		close(fds[0]);
		alarm(timeout);
		snprintf(case_result, sizeof(case_result), "Fno result");
		if (!fn(arg))
			snprintf(case_result, sizeof(case_result), "P");
		if (write(fds[1], case_result, strlen(case_result)) < 0)
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	buf[got] = 0;
	close(fds[0]);
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st))
		ksft_test_result_fail("%s: killed by signal %d%s\n", name, WTERMSIG(st),
				      WTERMSIG(st) == SIGALRM ? " (timed out)" : "");
	else if (buf[0] == 'P' && WIFEXITED(st) && !WEXITSTATUS(st))
		ksft_test_result_pass("%s\n", name);
	else if (buf[0] == 'S')
		ksft_test_result_skip("%s: %s\n", name, buf + 1);
	else
		ksft_test_result_fail("%s: %s\n", name, buf[0] ? buf + 1 : "no result");
}

/*
 * The options of a generated program: [-d DIR] [-f PATTERN] [-l].
 * Returns the PATTERN (or NULL); *list: -l was given.
 */
static inline const char *case_options(int argc, char **argv, bool *list)
{
	const char *pattern = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "d:f:l")) != -1) {
		switch (opt) {
		case 'd':
			disk_dir = optarg;
			break;
		case 'f':
			pattern = optarg;
			break;
		case 'l':
			*list = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-d DIR] [-f PATTERN] [-l]\n", argv[0]);
			exit(KSFT_FAIL);
		}
	}
	return pattern;
}

/* ---- the programs' setup, and what a test needs of the machine ---- */

/*
 * Parse "[-i] [DIR]", probe what the machine offers, and ready the knob
 * table.  Exits (skip) where MADV_POPULATE_READ is not known.
 */
static inline void setup(int argc, char **argv)
{
	int i = 1;
	char *p;

	/* Whole lines only: a forked child must not print the parent's again. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (i < argc && !strcmp(argv[i], "-i")) {
		invasive = true;
		i++;
	}
	if (i + 1 < argc || (i < argc && argv[i][0] == '-')) {
		fprintf(stderr, "usage: %s [-i] [DIR]\n", argv[0]);
		exit(KSFT_FAIL);
	}
	disk_dir = i < argc ? argv[i] : NULL;

	pagesize = sysconf(_SC_PAGESIZE);
	if (madvise(NULL, 0, MADV_POPULATE_READ)) {
		ksft_print_header();
		ksft_exit_skip("MADV_POPULATE_READ not supported by this kernel\n");
	}
	/* Every test observes through it (CONFIG_PROC_PAGE_MONITOR). */
	if (access("/proc/self/pagemap", R_OK)) {
		ksft_print_header();
		ksft_exit_skip("no /proc/self/pagemap: %s\n", strerror(errno));
	}
	kpageflags_fd = open("/proc/kpageflags", O_RDONLY);
	if (kpageflags_fd < 0)
		ksft_print_msg("no /proc/kpageflags (%s): tests of page flags skip\n",
			       strerror(errno));
	/* A page just written to in a new mapping is soft-dirty, if tracked. */
	p = map_anon(pagesize, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	__atomic_store_n(p, 1, __ATOMIC_RELAXED);
	soft_dirty = pagemap_entry(p) & PM_SOFT_DIRTY;
	munmap(p, pagesize);
	if (!soft_dirty)
		ksft_print_msg("no soft-dirty tracking: tests of soft-dirty bits skip\n");
	if (!invasive)
		ksft_print_msg("tests that change global state or lose memory skip (-i)\n");
	knobs_init();
}

/*
 * For tests on kselftest_harness.h: skip, naming the test and what it
 * lacks.  It ends the test's process, as the harness's own exit of a
 * skipped test does: 5.10's harness runs the test after a fixture's setup
 * called SKIP().
 */
#define SKIP_TEST(fmt, ...) do {					\
	SKIP(, "%s: " fmt, _metadata->name, ##__VA_ARGS__);		\
	fflush(NULL);							\
	_exit(255);							\
} while (0)
#define REQUIRE_KPAGEFLAGS() do {					\
	if (kpageflags_fd < 0)						\
		SKIP_TEST("needs /proc/kpageflags (root)");		\
} while (0)
#define REQUIRE_SOFT_DIRTY() do {					\
	if (!soft_dirty)						\
		SKIP_TEST("no soft-dirty tracking (CONFIG_MEM_SOFT_DIRTY: "	\
			  "5.10 has it on x86_64, s390, powerpc64 only)");	\
} while (0)
#define REQUIRE_INVASIVE(what) do {					\
	if (!invasive)							\
		SKIP_TEST("%s (-i)", what);				\
} while (0)
#define REQUIRE_DISK_DIR() do {						\
	if (!disk_dir)							\
		SKIP_TEST("no directory on a disk filesystem given");	\
} while (0)

#endif /* __MADV_POPULATE_H */
