// SPDX-License-Identifier: GPL-2.0
/*
 * MADV_POPULATE_(READ|WRITE) against hostile inputs, odd mappings, races,
 * I/O errors, memory pressure, fault injection and userfaultfd handlers
 * that change the range while the caller waits.
 *
 * Run as root.  Tests that need what the kernel or system lacks (debugfs
 * fault injection, memcg, KSM, pkeys, hugetlb pages, io_uring) skip,
 * saying what.
 *
 * Usage: madv_populate_hostile [-i] [DIR]
 *   -i:  also the tests that change global state (nr_hugepages, KSM,
 *        fault injection of page allocation, memcg controllers: each put
 *        back as it was) or take memory out of use (soft offline); they
 *        skip without it.
 *   DIR: a directory on a filesystem on a block device whose make-it-fail
 *        attribute can be set (e.g. ext4 on a loop device), for the I/O
 *        error test; it restores every knob it sets.  (The I/O error
 *        without fault injection is the selftest's, madv_populate.)
 */
#define _GNU_SOURCE
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "madv_populate.h"

/*
 * Under TCG or a debug kernel a test takes ten to fifty times as long as
 * on hardware; a test that hangs still ends, and the others run.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	120

#ifndef PKEY_DISABLE_ACCESS
#define PKEY_DISABLE_ACCESS	0x1
#define PKEY_DISABLE_WRITE	0x2
#endif
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE	101
#endif

#define LEN			(NR_PAGES * pagesize)
#define RACE_SECONDS		2

TEST(bad_args)
{
	char *p = map_anon(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	EXPECT_EQ(EINVAL, populate(p + 1, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(EINVAL, populate(p, -pagesize, MADV_POPULATE_READ));
	/* start + len wraps around */
	EXPECT_EQ(EINVAL, populate((void *)-(16 * pagesize), 32 * pagesize, MADV_POPULATE_READ));
	EXPECT_EQ(EINVAL, populate(p, LEN, 0x7fffffff));
	EXPECT_EQ(0, count_pm(p, LEN, PM_PRESENT));
	munmap(p, LEN);
	EXPECT_EQ(0, populate(p, 0, MADV_POPULATE_WRITE));
}

/* The top of the address space is the kernel's on every architecture. */
TEST(kernel_address)
{
	char *p = (char *)-(64 * pagesize);

	EXPECT_EQ(ENOMEM, populate(p, pagesize, MADV_POPULATE_READ));
	EXPECT_EQ(ENOMEM, populate(p, pagesize, MADV_POPULATE_WRITE));
}

TEST(x86_64_addresses)
{
#ifdef __x86_64__
	EXPECT_EQ(ENOMEM, populate((void *)(1UL << 63), pagesize, MADV_POPULATE_READ))
		TH_LOG("non-canonical address");
	/* The gate area: GUP knows it, madvise() must not populate it. */
	EXPECT_EQ(ENOMEM, populate((void *)0xffffffffff600000UL, pagesize, MADV_POPULATE_READ))
		TH_LOG("vsyscall page");
#else
	SKIP_TEST("non-canonical and vsyscall addresses: x86_64 only");
#endif
}

/* Populating below a MAP_GROWSDOWN mapping does not grow it. */
TEST(growsdown)
{
	char *area = map_anon(3 * LEN, PROT_NONE, MAP_PRIVATE), *stack;

	munmap(area, 3 * LEN);
	stack = mmap(area + LEN, LEN, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED, -1, 0);
	ASSERT_NE(MAP_FAILED, stack);
	EXPECT_EQ(ENOMEM, populate(stack - 4 * pagesize, 4 * pagesize, MADV_POPULATE_WRITE));
	EXPECT_EQ(ENOMEM, populate(stack - 4 * pagesize, 8 * pagesize, MADV_POPULATE_READ));
	EXPECT_EQ(0, count_pm(stack - 4 * pagesize, 4 * pagesize, PM_PRESENT));
	EXPECT_EQ(0, count_pm(stack, 4 * pagesize, PM_PRESENT));
	EXPECT_EQ(-1, smaps_kb(stack - pagesize, "Size:")) TH_LOG("the stack grew");
	munmap(stack, LEN);
}

TEST(vdso)
{
	unsigned long start, end;

	if (!find_mapping("[vdso]", &start, &end))
		SKIP_TEST("[vdso] not mapped");
	EXPECT_EQ(0, populate((void *)start, end - start, MADV_POPULATE_READ));
	EXPECT_EQ(EINVAL, populate((void *)start, end - start, MADV_POPULATE_WRITE));
}

TEST(dev_zero)
{
	int fd = open("/dev/zero", O_RDWR);
	char *p;

	if (fd < 0)
		SKIP_TEST("/dev/zero: %s", strerror(errno));
	p = map(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT)) TH_LOG("private");
	munmap(p, LEN);
	p = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT)) TH_LOG("shared");
	munmap(p, LEN);
	close(fd);
}

TEST(memfd_sealed)
{
	int fd = memfd_create("sealed", MFD_ALLOW_SEALING);
	char *buf = malloc(LEN), *p;

	memset(buf, 's', LEN);
	if (fd < 0 || write(fd, buf, LEN) != (ssize_t)LEN ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE))
		SKIP_TEST("memfd F_SEAL_WRITE: %s", strerror(errno));
	/* Shared, read-only: WRITE is EINVAL. */
	p = map(LEN, PROT_READ, MAP_SHARED, fd);
	EXPECT_EQ(EINVAL, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_TRUE(file_equals(fd, buf, LEN)) TH_LOG("the memfd changed");
	munmap(p, LEN);
	/* Private: WRITE makes copies, the memfd unchanged. */
	p = map(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(0, faults_on_write(p, LEN));
	EXPECT_TRUE(file_equals(fd, buf, LEN)) TH_LOG("the memfd changed");
	munmap(p, LEN);
	close(fd);
	free(buf);
}

/* A protection key denying access or write: as the vma's protection. */
TEST(pkeys)
{
	char *p = map_anon(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int pkey = syscall(__NR_pkey_alloc, 0, PKEY_DISABLE_ACCESS);

	if (pkey < 0)
		SKIP_TEST("pkey_alloc: %s (5.10 has protection keys on x86 and powerpc only)",
			  strerror(errno));
	syscall(__NR_pkey_mprotect, p, LEN, PROT_READ | PROT_WRITE, pkey);
	EXPECT_EQ(EINVAL, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(EINVAL, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(0, count_pm(p, LEN, PM_PRESENT));
	syscall(__NR_pkey_free, pkey);
	munmap(p, LEN);

	p = map_anon(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	pkey = syscall(__NR_pkey_alloc, 0, PKEY_DISABLE_WRITE);
	syscall(__NR_pkey_mprotect, p, LEN, PROT_READ | PROT_WRITE, pkey);
	EXPECT_EQ(EINVAL, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT));
	syscall(__NR_pkey_free, pkey);
	munmap(p, LEN);
}

/*
 * A perf ring buffer: its first page (the control page) is writable, its
 * data pages are not (perf_mmap_fault() gives SIGBUS on a write to them).
 */
TEST(perf_ring)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_DUMMY,
		.size = sizeof(attr),
		.disabled = 1,
	};
	size_t len = 3 * pagesize;
	int fd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, 0);
	char *p;

	if (fd < 0)
		SKIP_TEST("perf_event_open: %s", strerror(errno));
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		SKIP_TEST("mmap of a perf ring buffer: %s", strerror(errno));
	EXPECT_EQ(0, populate(p, len, MADV_POPULATE_READ));
	EXPECT_EQ(0, populate(p, pagesize, MADV_POPULATE_WRITE));
	EXPECT_EQ(EFAULT, populate(p, len, MADV_POPULATE_WRITE));
	munmap(p, len);
	close(fd);
}

TEST(hugetlb_empty_pool)
{
	long hsize = read_meminfo("Hugepagesize:") * 1024;
	char *p;

	REQUIRE_INVASIVE("changes nr_hugepages");
	if (hsize <= 0 || !knob_set("/proc/sys/vm/nr_hugepages", "0")) {
		knobs_restore();
		SKIP_TEST("cannot set nr_hugepages");
	}
	p = map_anon(hsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_HUGETLB | MAP_NORESERVE);
	EXPECT_EQ(EFAULT, populate(p, hsize, MADV_POPULATE_READ));
	EXPECT_EQ(EFAULT, populate(p, hsize, MADV_POPULATE_WRITE));
	munmap(p, hsize);
	knobs_restore();
}

/*
 * MADV_POPULATE_READ over the first @len bytes of @fd, mapped shared, in a
 * child: its errno (0: success), or -1 if it ran for 30 s (an endless
 * retry: killed then).
 */
static int populate_in_child(int fd, size_t len)
{
	double t0 = now();
	int status;
	pid_t pid = fork();

	if (!pid) {
		char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

		_exit(p == MAP_FAILED ? 255 : populate(p, len, MADV_POPULATE_READ));
	}
	while (now() - t0 < 30 && waitpid(pid, &status, WNOHANG) == 0)
		usleep(10000);
	if (now() - t0 >= 30) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ksft_print_msg("populate still running after 30s: endless retry\n");
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * A read error on a file page must end in EFAULT.  5.10's filemap_fault()
 * asks for a retry after an I/O error while it may drop the mmap_lock; a
 * populate that retries without FAULT_FLAG_TRIED never ends.
 */
TEST(io_error)
{
	const char *fmr = "/sys/kernel/debug/fail_make_request";
	char path[4096], attr[128], *buf;
	int fd, err;
	struct stat st;
	double t0;

	REQUIRE_DISK_DIR();
	if (stat(disk_dir, &st) || access(fmr, F_OK))
		SKIP_TEST("needs a block-device directory and fail_make_request");
	snprintf(attr, sizeof(attr), "/sys/dev/block/%u:%u/make-it-fail",
		 major(st.st_dev), minor(st.st_dev));
	snprintf(path, sizeof(path), "%s/ioerr", disk_dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	buf = malloc(LEN);
	memset(buf, 'd', LEN);
	ASSERT_EQ(LEN, write(fd, buf, LEN));
	ASSERT_EQ(0, fsync(fd));
	free(buf);
	close(fd);
	fd = open(path, O_RDONLY);
	/* This file's page cache only, not the whole machine's. */
	if (fd < 0 || posix_fadvise(fd, 0, LEN, POSIX_FADV_DONTNEED) ||
	    !knob_set(attr, "1")) {
		knobs_restore();
		unlink(path);
		SKIP_TEST("cannot set %s", attr);
	}
	knob_set("/sys/kernel/debug/fail_make_request/probability", "100");
	knob_set("/sys/kernel/debug/fail_make_request/interval", "1");
	knob_set("/sys/kernel/debug/fail_make_request/times", "-1");
	knob_set("/sys/kernel/debug/fail_make_request/verbose", "0");

	t0 = now();
	err = populate_in_child(fd, LEN);
	knobs_restore();
	ksft_print_msg("READ with failing reads: %s after %.2fs\n",
		       err < 0 ? "no result" : strerror(err), now() - t0);
	EXPECT_EQ(EFAULT, err);
	close(fd);
	unlink(path);
}

/* Run @fn in a child; returns its wait status. */
static int in_child(void (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		fn(arg);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return status;
}

static const char *cg = "/sys/fs/cgroup/madv_populate";

static void join_cgroup(void)
{
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!knob_write("/sys/fs/cgroup/madv_populate/cgroup.procs", pid))
		_exit(100);
}

static void populate_64m(void *arg)
{
	size_t len = 64UL << 20;
	char *p;
	int ret;

	if (arg)
		knob_write("/proc/self/oom_score_adj", "-1000");
	join_cgroup();
	p = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ret = populate(p, len, MADV_POPULATE_WRITE);
	_exit(ret);
}

static long memcg_events(const char *key)
{
	char line[128];
	long val = -1;
	FILE *f = fopen("/sys/fs/cgroup/madv_populate/memory.events", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ' ')
			val = atol(line + strlen(key) + 1);
	if (f)
		fclose(f);
	return val;
}

/* WRITE of 64 MiB in a memcg of 16 MiB without swap: OOM kill, or ENOMEM. */
TEST(memcg)
{
	char ctl[256] = "";
	int status, fd;

	REQUIRE_INVASIVE("enables the memory controller of the root cgroup");
	fd = open("/sys/fs/cgroup/cgroup.subtree_control", O_RDONLY);
	if (fd >= 0) {
		(void)!read(fd, ctl, sizeof(ctl) - 1);
		close(fd);
	}
	knob_write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	mkdir(cg, 0755);
	if (!knob_write("/sys/fs/cgroup/madv_populate/memory.max", "16M")) {
		rmdir(cg);
		if (!strstr(ctl, "memory"))
			knob_write("/sys/fs/cgroup/cgroup.subtree_control", "-memory");
		SKIP_TEST("memcg v2: cannot set memory.max");
	}
	knob_write("/sys/fs/cgroup/madv_populate/memory.swap.max", "0");
	status = in_child(populate_64m, NULL);
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("not OOM-killed: status %#x", status);
	EXPECT_LE(1, memcg_events("oom_kill"));
	/* A task the OOM killer must not pick: ENOMEM. */
	status = in_child(populate_64m, (void *)1);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == ENOMEM)
		TH_LOG("unkillable task: status %#x", status);
	rmdir(cg);
	if (!strstr(ctl, "memory"))
		knob_write("/sys/fs/cgroup/cgroup.subtree_control", "-memory");
}

/* Fail the n-th allocation of populate, for every n: ENOMEM, then a retry works. */
TEST(fail_nth)
{
	const char *fpa = "/sys/kernel/debug/fail_page_alloc";
	int n, ret, bad = 0, enomem = 0, fd;
	char path[64], num[16];

	REQUIRE_INVASIVE("sets fault injection knobs");
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth", syscall(__NR_gettid));
	if (access(fpa, F_OK) || access(path, W_OK))
		SKIP_TEST("no fail_page_alloc or fail-nth");
	knob_set("/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait", "N");
	knob_set("/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem", "N");
	knob_set("/sys/kernel/debug/fail_page_alloc/min-order", "0");
	knob_set("/sys/kernel/debug/fail_page_alloc/verbose", "0");
	knob_set("/sys/kernel/debug/failslab/ignore-gfp-wait", "N");
	knob_set("/sys/kernel/debug/failslab/verbose", "0");
	for (n = 1; n <= 64; n++) {
		char *p = map_anon(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);

		madvise(p, LEN, MADV_NOHUGEPAGE);
		snprintf(num, sizeof(num), "%d", n);
		fd = open(path, O_WRONLY);
		(void)!write(fd, num, strlen(num));
		ret = populate(p, LEN, MADV_POPULATE_WRITE);
		(void)!write(fd, "0", 1);
		close(fd);
		enomem += ret == ENOMEM;
		if ((ret && ret != ENOMEM) || populate(p, LEN, MADV_POPULATE_WRITE) ||
		    count_pm(p, LEN, PM_PRESENT) != NR_PAGES) {
			TH_LOG("fail-nth %d: %s, retry did not populate", n, strerror(ret));
			bad++;
		}
		munmap(p, LEN);
	}
	knobs_restore();
	ksft_print_msg("fail-nth 1..64: %d ENOMEM\n", enomem);
	EXPECT_EQ(0, bad);
	EXPECT_LT(0, enomem);
}

/*
 * A soft-offlined page is migrated and never used again: populating a
 * mapping of the file afresh must map the copy, with the contents intact.
 */
TEST(soft_offline)
{
	int fd = memfd_create("soft_offline", 0);
	char *p, *copy = malloc(LEN);
	uint64_t pfn;
	size_t i;

	REQUIRE_INVASIVE("takes a page out of use");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, LEN));
	p = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	for (i = 0; i < LEN; i++)
		p[i] = i * 7;
	memcpy(copy, p, LEN);
	pfn = pagemap_entry(p + 3 * pagesize) & PM_PFN_MASK;
	if (madvise(p + 3 * pagesize, pagesize, MADV_SOFT_OFFLINE))
		SKIP_TEST("MADV_SOFT_OFFLINE: %s", strerror(errno));
	munmap(p, LEN);
	p = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	EXPECT_EQ(0, count_pm(p, LEN, PM_PRESENT));
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT));
	EXPECT_EQ(0, memcmp(p, copy, LEN)) TH_LOG("contents changed");
	EXPECT_NE(pfn, pagemap_entry(p + 3 * pagesize) & PM_PFN_MASK)
		TH_LOG("the offlined page is mapped again");
	munmap(p, LEN);
	close(fd);
	free(copy);
}

/* userfaultfd: a handler that changes the range instead of resolving it. */
enum uffd_action { RESOLVE, UNMAP, PROTNONE, MAP_RO };

struct uffd_ctx {
	int uffd;
	char *area;
	size_t len;
	enum uffd_action action;
	int events;
};

static void *uffd_handler(void *arg)
{
	struct uffd_ctx *ctx = arg;
	struct uffdio_range range = { (uintptr_t)ctx->area, ctx->len };
	struct uffd_msg msg;

	if (!uffd_next_fault(ctx->uffd, &msg, 5000))
		return NULL;
	ctx->events++;
	switch (ctx->action) {
	case RESOLVE: {
		struct uffdio_zeropage zp = { .range = range };

		ioctl(ctx->uffd, UFFDIO_ZEROPAGE, &zp);
		return NULL;
	}
	case UNMAP:
		munmap(ctx->area, ctx->len);
		break;
	case PROTNONE:
		mprotect(ctx->area, ctx->len, PROT_NONE);
		break;
	case MAP_RO:
		mmap(ctx->area, ctx->len, PROT_READ,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		break;
	}
	/* Wake the waiting fault: it retries and finds the range changed. */
	ioctl(ctx->uffd, UFFDIO_WAKE, &range);
	return NULL;
}

/* The handler's answer to the populate's first fault decides the result. */
FIXTURE(uffd_change) {
};

FIXTURE_VARIANT(uffd_change) {
	enum uffd_action action;
	int expect;
};

/* The handler maps zeropages: WRITE breaks COW of each, 0. */
FIXTURE_VARIANT_ADD(uffd_change, resolve) { .action = RESOLVE, .expect = 0 };
FIXTURE_VARIANT_ADD(uffd_change, munmap) { .action = UNMAP, .expect = ENOMEM };
FIXTURE_VARIANT_ADD(uffd_change, mprotect_none) { .action = PROTNONE, .expect = EINVAL };
FIXTURE_VARIANT_ADD(uffd_change, map_read_only) { .action = MAP_RO, .expect = EINVAL };

FIXTURE_SETUP(uffd_change)
{
}

FIXTURE_TEARDOWN(uffd_change)
{
}

TEST_F(uffd_change, write)
{
	struct uffd_ctx ctx = { .len = LEN, .action = variant->action };
	pthread_t thread;

	ctx.area = map_anon(ctx.len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	ctx.uffd = uffd_open(ctx.area, ctx.len, UFFDIO_REGISTER_MODE_MISSING, 0);
	if (ctx.uffd < 0)
		SKIP_TEST("userfaultfd: %s", strerror(errno));
	pthread_create(&thread, NULL, uffd_handler, &ctx);
	EXPECT_EQ(variant->expect, populate(ctx.area, ctx.len, MADV_POPULATE_WRITE));
	pthread_join(thread, NULL);
	EXPECT_EQ(1, ctx.events);
	close(ctx.uffd);
	munmap(ctx.area, ctx.len);
}

static int uffd_wp_open(char *p, size_t len)
{
	struct uffdio_writeprotect wp = {
		.range = { (uintptr_t)p, len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	int uffd;

	populate(p, len, MADV_POPULATE_WRITE);
	uffd = uffd_open(p, len, UFFDIO_REGISTER_MODE_WP, UFFD_FEATURE_PAGEFAULT_FLAG_WP);
	if (uffd >= 0 && (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) || !uffd_wp_works(uffd, p))) {
		close(uffd);
		return -1;
	}
	return uffd;
}

static void *uffd_wp_handler(void *arg)
{
	struct uffd_ctx *ctx = arg;
	struct uffdio_writeprotect wp;
	struct uffd_msg msg;

	while (ctx->events < NR_PAGES && uffd_next_fault(ctx->uffd, &msg, 5000)) {
		if (!(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
			continue;
		ctx->events++;
		wp.range.start = msg.arg.pagefault.address & ~(pagesize - 1);
		wp.range.len = pagesize;
		wp.mode = 0;	/* un-protect and wake */
		ioctl(ctx->uffd, UFFDIO_WRITEPROTECT, &wp);
	}
	return NULL;
}

TEST(uffd_wp)
{
	struct uffd_ctx ctx = { .len = LEN };
	struct pollfd pfd;
	pthread_t thread;

	ctx.area = map_anon(ctx.len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	madvise(ctx.area, ctx.len, MADV_NOHUGEPAGE);
	ctx.uffd = uffd_wp_open(ctx.area, ctx.len);
	if (ctx.uffd < 0)
		SKIP_TEST("no userfaultfd write-protect (5.10 has it on x86_64 only)");
	pfd.fd = ctx.uffd;
	pfd.events = POLLIN;
	/*
	 * 5.10's uffd-wp protects present PTEs only, so the pages were
	 * populated before they were protected.  READ must take no fault,
	 * raise no event and leave them protected: the WRITE below then
	 * needs one un-protect for each of them.
	 */
	EXPECT_EQ(0, populate(ctx.area, ctx.len, MADV_POPULATE_READ));
	EXPECT_EQ(0, poll(&pfd, 1, 100)) TH_LOG("READ raised an event");
	pthread_create(&thread, NULL, uffd_wp_handler, &ctx);
	EXPECT_EQ(0, populate(ctx.area, ctx.len, MADV_POPULATE_WRITE));
	pthread_join(thread, NULL);
	EXPECT_EQ(NR_PAGES, ctx.events);
	close(ctx.uffd);
	munmap(ctx.area, ctx.len);
}

/* Write-protected pages nobody un-protects; NULL where that cannot be. */
static char *map_wp_protected(size_t len)
{
	char *p = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	return uffd_wp_open(p, len) < 0 ? NULL : p;
}

/* Nobody resolves: the populating process blocks, SIGKILL ends it. */
TEST(uffd_wp_sigkill)
{
	struct killed k = kill_populate(map_wp_protected, LEN, MADV_POPULATE_WRITE, 500000);

	if (!k.started)
		SKIP_TEST("no userfaultfd write-protect (5.10 has it on x86_64 only)");
	EXPECT_FALSE(k.finished) TH_LOG("WRITE did not wait for the handler");
	EXPECT_TRUE(WIFSIGNALED(k.status));
	EXPECT_GT(2, k.reap);
}

/* Races: populate in one thread while another changes the range. */
enum racer { R_REMAP, R_MPROTECT, R_MREMAP, R_MADVISE, R_TRUNCATE, R_FORK };

struct race {
	enum racer racer;
	char *p;
	size_t len;
	int fd;
	bool stop;	/* accessed with __atomic builtins */
};

static void *race_thread(void *arg)
{
	static const int advices[] = { MADV_DONTNEED, MADV_FREE, MADV_COLD, MADV_PAGEOUT };
	static const int prots[] = { PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE };
	struct race *r = arg;
	char *tmp = map_anon(r->len, PROT_NONE, MAP_PRIVATE);
	unsigned int i = 0;
	int status;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		switch (r->racer) {
		case R_REMAP:
			if (i & 1)
				munmap(r->p, r->len);
			else
				mmap(r->p, r->len, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		case R_MPROTECT:
			mprotect(r->p, r->len, prots[i % 3]);
			break;
		case R_MREMAP:
			mremap(r->p, r->len, r->len, MREMAP_MAYMOVE | MREMAP_FIXED, tmp);
			mremap(tmp, r->len, r->len, MREMAP_MAYMOVE | MREMAP_FIXED, r->p);
			break;
		case R_MADVISE:
			madvise(r->p, r->len, advices[i % 4]);
			break;
		case R_TRUNCATE:
			(void)!ftruncate(r->fd, (i & 1) ? 0 : r->len);
			break;
		case R_FORK:
			if (!fork())
				_exit(0);
			wait(&status);
			break;
		}
		i++;
	}
	munmap(tmp, r->len);
	return NULL;
}

FIXTURE(race) {
};

FIXTURE_VARIANT(race) {
	enum racer racer;
};

FIXTURE_VARIANT_ADD(race, munmap_mmap) { .racer = R_REMAP };
FIXTURE_VARIANT_ADD(race, mprotect) { .racer = R_MPROTECT };
FIXTURE_VARIANT_ADD(race, mremap) { .racer = R_MREMAP };
/* MADV_DONTNEED, MADV_FREE, MADV_COLD, MADV_PAGEOUT in turn */
FIXTURE_VARIANT_ADD(race, madvise) { .racer = R_MADVISE };
/* of a shared memfd */
FIXTURE_VARIANT_ADD(race, ftruncate) { .racer = R_TRUNCATE };
FIXTURE_VARIANT_ADD(race, fork) { .racer = R_FORK };

FIXTURE_SETUP(race)
{
}

FIXTURE_TEARDOWN(race)
{
}

/* Populate in one thread while another changes the range. */
TEST_F(race, populate)
{
	struct race r = { .racer = variant->racer, .len = 64 * pagesize, .fd = -1 };
	int counts[4] = { 0 }, other = 0, ret, adv = 0;
	pthread_t thread;
	double t0;

	if (r.racer == R_TRUNCATE) {
		r.fd = memfd_create("race", 0);
		ASSERT_LE(0, r.fd);
		ASSERT_EQ(0, ftruncate(r.fd, r.len));
		r.p = map(r.len, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd);
	} else {
		r.p = map_anon(r.len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	}
	pthread_create(&thread, NULL, race_thread, &r);
	for (t0 = now(); now() - t0 < RACE_SECONDS; adv ^= 1) {
		ret = populate(r.p, r.len, adv ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
		switch (ret) {
		case 0:
			counts[0]++;
			break;
		case ENOMEM:
			counts[1]++;
			break;
		case EINVAL:
			counts[2]++;
			break;
		case EFAULT:
			/*
			 * Only a truncated file has pages past its end; for
			 * anonymous memory EFAULT is the symptom of the bug
			 * 631426ba1d45 fixed (GUP's retry path).
			 */
			if (r.racer == R_TRUNCATE)
				counts[3]++;
			else if (!other++)
				TH_LOG("EFAULT, with no file to truncate");
			break;
		default:
			if (!other++)
				TH_LOG("unexpected %s", strerror(ret));
		}
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	ksft_print_msg("0 x%d, ENOMEM x%d, EINVAL x%d, EFAULT x%d\n",
		       counts[0], counts[1], counts[2], counts[3]);
	EXPECT_EQ(0, other);
	/*
	 * How often populate won the race depends on the scheduler (under a
	 * debug kernel on a loaded host, ftruncate can win every time), so
	 * what is asserted is no unexpected error during the race and a
	 * range that populates again once the racer has stopped and the
	 * range is put back.
	 */
	if (r.fd >= 0)
		ret = ftruncate(r.fd, r.len) ? errno : 0;
	else
		ret = mmap(r.p, r.len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == r.p ? 0 : errno;
	ASSERT_EQ(0, ret) TH_LOG("putting the range back: %s", strerror(ret));
	EXPECT_EQ(0, populate(r.p, r.len, MADV_POPULATE_WRITE)) TH_LOG("after the race");
	munmap(r.p, r.len);
	if (r.fd >= 0)
		close(r.fd);
}

/* Dirty COW: WRITE on a private mapping of a read-only file never writes it. */
struct cow_race {
	char *p;
	size_t len;
	bool stop;	/* accessed with __atomic builtins */
};

static void *dontneed_thread(void *arg)
{
	struct cow_race *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED))
		madvise(r->p, r->len, MADV_DONTNEED);
	return NULL;
}

TEST(dirty_cow)
{
	char path[] = "/tmp/madv_populate_cow.XXXXXX", *buf;
	struct cow_race r = { .len = 4 * pagesize };
	pthread_t thread;
	int fd, rofd, bad = 0;
	double t0;

	buf = malloc(r.len);
	memset(buf, 'r', r.len);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ(r.len, write(fd, buf, r.len));
	rofd = open(path, O_RDONLY);
	unlink(path);
	ASSERT_LE(0, rofd);
	/*
	 * PROT_READ: only FOLL_FORCE could write here, through a COW of the
	 * page cache page, which the Dirty COW race once turned into a write
	 * to the page cache itself.
	 */
	r.p = map(r.len, PROT_READ, MAP_PRIVATE, rofd);
	pthread_create(&thread, NULL, dontneed_thread, &r);
	for (t0 = now(); now() - t0 < RACE_SECONDS;)
		bad += populate(r.p, r.len, MADV_POPULATE_WRITE) != EINVAL;
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	EXPECT_EQ(0, bad) TH_LOG("WRITE was not EINVAL");
	EXPECT_TRUE(file_equals(fd, buf, r.len)) TH_LOG("the file changed");
	munmap(r.p, r.len);
	close(rofd);
	close(fd);
	free(buf);
}

/* Every free huge page, without a reservation. */
static char *map_free_hugetlb(size_t len)
{
	return map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_HUGETLB | MAP_NORESERVE);
}

/*
 * SIGKILL of a process populating all free huge pages: the populate is
 * interrupted (it has not returned when the kill lands), the process ends
 * promptly and every huge page goes back to the pool.
 */
TEST(sigkill_hugetlb)
{
	long hsize = read_meminfo("Hugepagesize:") * 1024, free0 = read_meminfo("HugePages_Free:");
	struct killed k;

	if (hsize <= 0 || free0 < 8)
		SKIP_TEST("fewer than 8 free huge pages");
	/* Zeroing a huge page takes longer than 1ms, let alone all of them. */
	k = kill_populate(map_free_hugetlb, free0 * hsize, MADV_POPULATE_WRITE, 1000);
	ASSERT_TRUE(k.started);
	if (k.finished)
		SKIP_TEST("the populate finished before the kill");
	EXPECT_TRUE(WIFSIGNALED(k.status));
	EXPECT_GT(2, k.reap);
	EXPECT_EQ(free0, read_meminfo("HugePages_Free:")) TH_LOG("huge pages lost");
}

/* READ leaves merged pages merged; WRITE unshares every one. */
TEST(ksm)
{
	size_t len = 64 * pagesize;
	char *p = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	double t0;

	REQUIRE_INVASIVE("starts ksmd");
	REQUIRE_KPAGEFLAGS();
	madvise(p, len, MADV_NOHUGEPAGE);
	memset(p, 'k', len);
	if (madvise(p, len, MADV_MERGEABLE) ||
	    !knob_set("/sys/kernel/mm/ksm/pages_to_scan", "1000") ||
	    !knob_set("/sys/kernel/mm/ksm/sleep_millisecs", "10") ||
	    !knob_set("/sys/kernel/mm/ksm/run", "1")) {
		knobs_restore();
		SKIP_TEST("KSM not available");
	}
	for (t0 = now(); now() - t0 < 30 && count_flag(p, len, KPF_KSM) < 64;)
		usleep(50000);
	/* Stop ksmd, keeping the merged pages: it must not merge them again. */
	knob_write("/sys/kernel/mm/ksm/run", "0");
	if (count_flag(p, len, KPF_KSM) < 64) {
		knobs_restore();
		SKIP_TEST("pages not merged within 30s");
	}
	EXPECT_EQ(0, populate(p, len, MADV_POPULATE_READ));
	EXPECT_EQ(64, count_flag(p, len, KPF_KSM)) TH_LOG("READ unshared pages");
	EXPECT_EQ(0, populate(p, len, MADV_POPULATE_WRITE));
	EXPECT_EQ(0, count_flag(p, len, KPF_KSM)) TH_LOG("WRITE left pages merged");
	EXPECT_EQ(64, count_flag(p, len, KPF_ANON));
	munmap(p, len);
	knobs_restore();
}

/* Start and end inside a huge page: the THP is mapped. */
TEST(thp_inside)
{
	size_t hsize = thp_size();
	char *p;

	REQUIRE_KPAGEFLAGS();
	if (!hsize)
		SKIP_TEST("no THP");
	p = map_aligned(hsize, hsize);
	if (madvise(p, hsize, MADV_HUGEPAGE))
		SKIP_TEST("MADV_HUGEPAGE: %s", strerror(errno));
	EXPECT_EQ(0, populate(p + pagesize, hsize - 2 * pagesize, MADV_POPULATE_WRITE));
	EXPECT_TRUE(has_flag(p, KPF_THP));
	EXPECT_EQ(npages(hsize), count_pm(p, hsize, PM_PRESENT));
	munmap(p, hsize);
}

/* io_uring: IORING_OP_MADVISE gives what madvise() gives. */
struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_init(struct ring *r)
{
	struct io_uring_params params = { 0 };
	char *sq, *cq;

	r->fd = syscall(__NR_io_uring_setup, 4, &params);
	if (r->fd < 0)
		return -1;
	sq = mmap(NULL, params.sq_off.array + params.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, params.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	r->sq_tail = (unsigned int *)(sq + params.sq_off.tail);
	r->sq_mask = (unsigned int *)(sq + params.sq_off.ring_mask);
	r->sq_array = (unsigned int *)(sq + params.sq_off.array);
	r->cq_head = (unsigned int *)(cq + params.cq_off.head);
	r->cq_tail = (unsigned int *)(cq + params.cq_off.tail);
	r->cq_mask = (unsigned int *)(cq + params.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + params.cq_off.cqes);
	return 0;
}

/* Queue one IORING_OP_MADVISE (io_uring_enter() submits it). */
static void ring_queue(struct ring *r, void *addr, size_t len, int advice)
{
	unsigned int tail = *r->sq_tail, idx = tail & *r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[idx];

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_MADVISE;
	sqe->addr = (uintptr_t)addr;
	sqe->len = len;
	sqe->fadvise_advice = advice;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

/* Submit one IORING_OP_MADVISE and return its result as a positive errno. */
static int ring_madvise(struct ring *r, void *addr, size_t len, int advice)
{
	unsigned int head;
	int res;

	ring_queue(r, addr, len, advice);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -1;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -1;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return -res;
}

/* IORING_OP_MADVISE gives what madvise() gives. */
TEST(io_uring)
{
	int advice, probe;
	struct ring r;
	char *p, *q;

	if (ring_init(&r))
		SKIP_TEST("io_uring: %s", strerror(errno));
	/*
	 * The probe is an advice every kernel with IORING_OP_MADVISE knows:
	 * probing with MADV_POPULATE_READ would turn its EINVAL into a skip.
	 */
	probe = ring_madvise(&r, NULL, 0, MADV_NORMAL);
	if (probe == EINVAL || probe < 0)
		SKIP_TEST("no IORING_OP_MADVISE");
	for (advice = MADV_POPULATE_READ; advice <= MADV_POPULATE_WRITE; advice++) {
		p = map_anon(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		q = map_anon(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		EXPECT_EQ(populate(q, LEN, advice), ring_madvise(&r, p, LEN, advice));
		EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT));
		munmap(p + LEN / 2, LEN / 2);
		EXPECT_EQ(ENOMEM, ring_madvise(&r, p, LEN, advice));
		mprotect(p, LEN / 2, PROT_NONE);
		EXPECT_EQ(populate(p, LEN / 2, advice), ring_madvise(&r, p, LEN / 2, advice));
		EXPECT_EQ(EINVAL, ring_madvise(&r, p + 1, pagesize, advice));
		munmap(p, LEN / 2);
		munmap(q, LEN);
	}
	close(r.fd);
}

/* The kB of page tables /proc/PID/status reports for a task, or -1. */
static long vmpte_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * A populate whose task is killed returns -EINTR, as upstream's does.  A
 * task with a fatal signal pending never returns to user space, but an
 * IORING_OP_MADVISE runs in an io worker of the submitter's thread group
 * (5.10.162 and later carry 5.15's io_uring), which SIGKILL reaches too,
 * and its completion lands in ring memory the parent shares: the errno is
 * seen.  The child submits a READ over 4 GiB of zero-page mappings (about
 * two seconds under TCG) and is killed once its page tables begin to grow.
 */
TEST(io_uring_killed)
{
	const size_t len = (UINT32_MAX + 1UL) - pagesize;	/* sqe->len is 32 bits */
	unsigned int head;
	long pte0, pte = -1;
	int go[2], status;
	bool done;
	struct ring r;
	double t0;
	char c = 0;
	pid_t pid;

	if (ring_init(&r))
		SKIP_TEST("io_uring: %s", strerror(errno));
	if (ring_madvise(&r, NULL, 0, MADV_NORMAL))
		SKIP_TEST("no IORING_OP_MADVISE");
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);

		long kb = vmpte_kb(getpid());

		/* 4 KiB zero-page ptes, not the huge zero page: VmPTE grows. */
		if (p == MAP_FAILED || madvise(p, len, MADV_NOHUGEPAGE) ||
		    write(go[1], &kb, sizeof(kb)) != sizeof(kb))
			_exit(1);
		ring_queue(&r, p, len, MADV_POPULATE_READ);
		if (syscall(__NR_io_uring_enter, r.fd, 1, 0, 0, NULL, 0) != 1)
			_exit(1);
		(void)!write(go[1], "s", 1);
		pause();
		_exit(0);
	}
	close(go[1]);
	ASSERT_EQ(sizeof(pte0), read(go[0], &pte0, sizeof(pte0)));
	ASSERT_EQ(1, read(go[0], &c, 1));
	for (t0 = now(); now() - t0 < 60; usleep(1000)) {
		pte = vmpte_kb(pid);
		if (pte >= pte0 + 256)
			break;
	}
	done = *r.cq_head != __atomic_load_n(r.cq_tail, __ATOMIC_ACQUIRE);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	close(go[0]);
	ASSERT_FALSE(done) TH_LOG("the populate finished before the kill");
	ASSERT_LE(pte0 + 256, pte) TH_LOG("the populate did not start in 60 s");
	/*
	 * waitpid() returned once every thread of the child had exited, its
	 * io worker too, which posts the completion before it exits.
	 */
	head = *r.cq_head;
	ASSERT_NE(head, __atomic_load_n(r.cq_tail, __ATOMIC_ACQUIRE))
		TH_LOG("no completion for the killed populate");
	/* 0: it finished before the kill landed; ENOMEM: the errno is wrong. */
	EXPECT_EQ(-EINTR, r.cqes[head & *r.cq_mask].res)
		TH_LOG("page tables %ld kB when killed", pte);
	__atomic_store_n(r.cq_head, head + 1, __ATOMIC_RELEASE);
	close(r.fd);
}

int main(int argc, char **argv)
{
	setup(argc, argv);
	return test_harness_run(argc, argv);
}
