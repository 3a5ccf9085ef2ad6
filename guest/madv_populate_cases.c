// SPDX-License-Identifier: GPL-2.0
/*
 * MADV_POPULATE_READ and MADV_POPULATE_WRITE tests.
 *
 * Every test checks what populating did by observation: presence and
 * soft-dirty bits in /proc/self/pagemap, page flags (zeropage, anon, dirty,
 * THP, mlocked) in /proc/kpageflags, fault counts (minor and major), RSS, file
 * contents and sizes.  Run as root for /proc/kpageflags, hugetlb, tmpfs
 * mounts and MADV_HWPOISON; a test that needs what is missing skips,
 * saying what.
 *
 * Usage: madv_populate_cases [-i] [DIR]
 *   -i:  also the tests that lose memory for good (MADV_HWPOISON); they
 *        skip without it.
 *   DIR: a directory on a disk filesystem (e.g. ext4) for the file tests;
 *        they skip without one.
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <linux/magic.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <sys/vfs.h>

#include "kselftest_harness.h"
#include "madv_populate.h"

/*
 * Under TCG or a debug kernel a test takes ten to fifty times as long as
 * on hardware; a test that hangs still ends, and the others run.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	120

#define LEN			(NR_PAGES * pagesize)

TEST(args)
{
	char *p = map_anon(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	EXPECT_EQ(EINVAL, populate(p + 1, pagesize, MADV_POPULATE_READ));
	EXPECT_EQ(EINVAL, populate(p, -pagesize, MADV_POPULATE_WRITE));
	EXPECT_EQ(EINVAL, populate(p, 0x7fffffff, 0x7fffffff));
	munmap(p, LEN);
	/* Length 0 at an unmapped address: 0; the unmapped range: ENOMEM. */
	EXPECT_EQ(0, populate(p, 0, MADV_POPULATE_READ));
	EXPECT_EQ(0, populate(p, 0, MADV_POPULATE_WRITE));
	EXPECT_EQ(ENOMEM, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(ENOMEM, populate(p, LEN, MADV_POPULATE_WRITE));
}

/* Private anonymous memory in base pages. */
static char *map_anon_4k(size_t len)
{
	char *p = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	madvise(p, len, MADV_NOHUGEPAGE);	/* EINVAL without THP: fine */
	return p;
}

/* READ maps the shared zeropage: present, no memory, no fault later. */
TEST(anon_private_read)
{
	char *p = map_anon_4k(LEN);

	REQUIRE_KPAGEFLAGS();
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT));
	EXPECT_EQ(NR_PAGES, count_flag(p, LEN, KPF_ZERO_PAGE));
	EXPECT_EQ(0, smaps_kb(p, "Rss:"));
	EXPECT_EQ(0, faults_on_read(p, LEN));
}

/* WRITE after READ replaces each zeropage with a page of its own. */
TEST(anon_private_write_after_read)
{
	char *p = map_anon_4k(LEN);

	REQUIRE_KPAGEFLAGS();
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT));
	EXPECT_EQ(0, count_flag(p, LEN, KPF_ZERO_PAGE));
	EXPECT_EQ(NR_PAGES, count_flag(p, LEN, KPF_ANON));
	EXPECT_EQ(LEN / 1024, smaps_kb(p, "Rss:"));
	EXPECT_EQ(0, faults_on_write(p, LEN));
}

TEST(soft_dirty_anon_private)
{
	char *p = map_anon_4k(LEN);

	REQUIRE_SOFT_DIRTY();
	clear_page_refs("4");
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(0, count_pm(p, LEN, PM_SOFT_DIRTY)) TH_LOG("READ set soft-dirty bits");
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_SOFT_DIRTY));
}

/*
 * Soft-dirty tracking write-protects present pages (clear_refs 4): WRITE
 * must fault them again, which sets soft-dirty, and READ must not.
 */
TEST(soft_dirty_cleared)
{
	char *p = map_anon_4k(LEN);

	REQUIRE_SOFT_DIRTY();
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	clear_page_refs("4");
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(0, count_pm(p, LEN, PM_SOFT_DIRTY));
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT | PM_SOFT_DIRTY));
}

/* WRITE faults every missing page; pages mapped as needed take no fault. */
TEST(no_refault)
{
	char *p = map_anon_4k(LEN);
	long before = faults_now();

	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_LE(NR_PAGES, faults_now() - before);
	before = faults_now();
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(before, faults_now());
}

/* Shared memory: anonymous shared and memfd (both shmem). */
FIXTURE(shared) {
	char *p;
	int fd;
};

FIXTURE_VARIANT(shared) {
	bool memfd;
};

FIXTURE_VARIANT_ADD(shared, anon) {
	.memfd = false,
};

FIXTURE_VARIANT_ADD(shared, memfd) {
	.memfd = true,
};

FIXTURE_SETUP(shared)
{
	self->fd = -1;
	if (variant->memfd) {
		self->fd = memfd_create("madv_populate", 0);
		ASSERT_LE(0, self->fd);
		ASSERT_EQ(0, ftruncate(self->fd, LEN));
		self->p = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd);
	} else {
		self->p = map_anon(LEN, PROT_READ | PROT_WRITE, MAP_SHARED);
	}
}

FIXTURE_TEARDOWN(shared)
{
	munmap(self->p, LEN);
	if (self->fd >= 0)
		close(self->fd);
}

/* READ maps the page cache: no zeropage, no fault on reads. */
TEST_F(shared, read)
{
	REQUIRE_KPAGEFLAGS();
	ASSERT_EQ(0, populate(self->p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(NR_PAGES, count_pm(self->p, LEN, PM_PRESENT));
	EXPECT_EQ(0, count_flag(self->p, LEN, KPF_ZERO_PAGE));
	EXPECT_EQ(0, faults_on_read(self->p, LEN));
}

/*
 * WRITE of pages that READ mapped finds their PTEs writable already
 * (shmem maps them so): it takes no fault, and where the hardware does
 * not set dirty bits itself (arm64 before ARMv8.1) the first user write
 * then still takes one to set it.  From scratch, WRITE maps them dirty.
 */
TEST_F(shared, write)
{
	ASSERT_EQ(0, populate(self->p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(self->p, LEN, PM_PRESENT));
	EXPECT_EQ(0, faults_on_write(self->p, LEN));
}

TEST_F(shared, soft_dirty)
{
	REQUIRE_SOFT_DIRTY();
	clear_page_refs("4");
	ASSERT_EQ(0, populate(self->p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(0, count_pm(self->p, LEN, PM_SOFT_DIRTY));
	madvise(self->p, LEN, MADV_DONTNEED);
	ASSERT_EQ(0, populate(self->p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(self->p, LEN, PM_SOFT_DIRTY));
}

/* Beyond the end of the file a real access would raise SIGBUS. */
TEST(memfd_beyond_eof)
{
	int fd = memfd_create("madv_populate", 0);
	char *p;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, pagesize));
	p = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	EXPECT_EQ(EFAULT, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(EFAULT, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(1, count_pm(p, LEN, PM_PRESENT)) TH_LOG("the page before EOF");
	munmap(p, LEN);
	close(fd);
}

/* A sparse file of @len bytes in DIR, unlinked, synced. */
static int disk_file(size_t len)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/madv_populate.XXXXXX", disk_dir);
	fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, len))
		bail("%s: %s", path, strerror(errno));
	unlink(path);
	fsync(fd);
	return fd;
}

/* READ reads the page cache in, WRITE allocates blocks (->page_mkwrite). */
TEST(disk_file_shared)
{
	struct stat st0, st;
	int fd;
	char *p;

	REQUIRE_DISK_DIR();
	REQUIRE_KPAGEFLAGS();
	fd = disk_file(LEN);
	fstat(fd, &st0);
	p = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT));
	fstat(fd, &st);
	EXPECT_EQ(st0.st_blocks, st.st_blocks) TH_LOG("READ allocated blocks");
	EXPECT_EQ(0, count_flag(p, LEN, KPF_DIRTY));
	EXPECT_EQ(0, count_flag(p, LEN, KPF_ANON));
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT));
	fstat(fd, &st);
	EXPECT_LT(st0.st_blocks, st.st_blocks) TH_LOG("WRITE allocated no blocks");
	EXPECT_EQ(NR_PAGES, count_flag(p, LEN, KPF_DIRTY));
	EXPECT_EQ(0, faults_on_write(p, LEN));
	munmap(p, LEN);
	close(fd);
}

/* Private: READ maps the page cache, WRITE breaks COW; the file untouched. */
TEST(disk_file_private)
{
	char *p, *zero = calloc(1, LEN);
	int fd;

	REQUIRE_DISK_DIR();
	REQUIRE_KPAGEFLAGS();
	fd = disk_file(LEN);
	p = map(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT));
	EXPECT_EQ(0, count_flag(p, LEN, KPF_ANON)) TH_LOG("READ broke COW");
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT));
	EXPECT_EQ(NR_PAGES, count_flag(p, LEN, KPF_ANON)) TH_LOG("WRITE left COW");
	memset(p, 0x5a, LEN);
	EXPECT_TRUE(file_equals(fd, zero, LEN)) TH_LOG("the file changed");
	munmap(p, LEN);
	close(fd);
	free(zero);
}

TEST(disk_file_beyond_eof)
{
	int fd;
	char *p;

	REQUIRE_DISK_DIR();
	fd = disk_file(pagesize);
	p = map(LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	EXPECT_EQ(EFAULT, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(EFAULT, populate(p, LEN, MADV_POPULATE_WRITE));
	munmap(p, LEN);
	close(fd);
}

/* The mapping's protection decides, up front: EINVAL, nothing populated. */
TEST(prot_none)
{
	char *p = map_anon(LEN, PROT_NONE, MAP_PRIVATE);

	EXPECT_EQ(EINVAL, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(EINVAL, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(0, count_pm(p, LEN, PM_PRESENT));
	munmap(p, LEN);
}

TEST(prot_read_private)
{
	char *p = map_anon(LEN, PROT_READ, MAP_PRIVATE);

	EXPECT_EQ(EINVAL, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(0, count_pm(p, LEN, PM_PRESENT));
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	munmap(p, LEN);
}

TEST(prot_write_only)
{
	char *p = map_anon(LEN, PROT_WRITE, MAP_PRIVATE);

	EXPECT_EQ(EINVAL, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(0, count_pm(p, LEN, PM_PRESENT));
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT));
	munmap(p, LEN);
}

/* A file opened read-only, mapped shared: never written through. */
TEST(readonly_shared_file)
{
	char *p, buf[64], path[] = "/tmp/madv_populate.XXXXXX";
	int fd, rofd;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	memset(buf, 'x', sizeof(buf));
	ASSERT_EQ(sizeof(buf), write(fd, buf, sizeof(buf)));
	rofd = open(path, O_RDONLY);
	unlink(path);
	ASSERT_LE(0, rofd);
	p = map(pagesize, PROT_READ, MAP_SHARED, rofd);
	EXPECT_EQ(EINVAL, populate(p, pagesize, MADV_POPULATE_WRITE));
	EXPECT_TRUE(file_equals(fd, buf, sizeof(buf))) TH_LOG("the file changed");
	EXPECT_EQ(0, populate(p, pagesize, MADV_POPULATE_READ));
	EXPECT_EQ(1, count_pm(p, pagesize, PM_PRESENT));
	munmap(p, pagesize);
	close(rofd);
	close(fd);
}

/* [vvar] is VM_IO | VM_PFNMAP: EINVAL. */
TEST(vvar)
{
	unsigned long start, end;

	if (!find_mapping("[vvar]", &start, &end))
		SKIP_TEST("[vvar] not mapped");
	EXPECT_EQ(EINVAL, populate((void *)start, end - start, MADV_POPULATE_READ));
	EXPECT_EQ(EINVAL, populate((void *)start, end - start, MADV_POPULATE_WRITE));
}

/* [A][hole][B]: populating stops at the first hole with ENOMEM. */
TEST(holes)
{
	size_t part = LEN;
	char *p = map_anon(3 * part, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *hole = p + part, *b = p + 2 * part;

	munmap(hole, part);
	EXPECT_EQ(ENOMEM, populate(p, 3 * part, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(p, part, PM_PRESENT)) TH_LOG("before the hole");
	EXPECT_EQ(0, count_pm(b, part, PM_PRESENT)) TH_LOG("after the hole");
	EXPECT_EQ(ENOMEM, populate(hole, 2 * part, MADV_POPULATE_READ));
	EXPECT_EQ(0, count_pm(b, part, PM_PRESENT)) TH_LOG("after a hole at the start");
	munmap(b, part);
	munmap(p, part);

	p = map_anon(2 * part, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	munmap(p + part, part);
	EXPECT_EQ(ENOMEM, populate(p, 2 * part, MADV_POPULATE_READ));
	EXPECT_EQ(NR_PAGES, count_pm(p, part, PM_PRESENT)) TH_LOG("before a hole at the end");
	munmap(p, part);
}

/* A tmpfs of 64 KiB, a file of 256 KiB: the populate runs out of room. */
TEST(tmpfs_size_limit)
{
	char dir[] = "/tmp/madv_populate_tmpfs.XXXXXX", path[128];
	size_t len = 64 * pagesize;
	char *p;
	int fd;

	ASSERT_NE(NULL, mkdtemp(dir));
	if (mount("tmpfs", dir, "tmpfs", 0, "size=64k")) {
		rmdir(dir);
		SKIP_TEST("cannot mount a tmpfs: %s", strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, len));
	p = map(len, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	EXPECT_EQ(EFAULT, populate(p, len, MADV_POPULATE_READ));
	EXPECT_EQ(EFAULT, populate(p, len, MADV_POPULATE_WRITE));
	EXPECT_EQ(64 * 1024 / pagesize, count_pm(p, len, PM_PRESENT)) TH_LOG("the pages that fit");
	munmap(p, len);
	close(fd);
	umount(dir);
	rmdir(dir);
}

TEST(hugetlb)
{
	long hsize = read_meminfo("Hugepagesize:") * 1024;
	long free = read_meminfo("HugePages_Free:");
	size_t len;
	char *p;

	if (hsize <= 0 || free < 2)
		SKIP_TEST("fewer than 2 free huge pages");
	len = 2 * hsize;
	p = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_HUGETLB);
	EXPECT_EQ(0, populate(p, len, MADV_POPULATE_READ));
	EXPECT_EQ(0, populate(p, len, MADV_POPULATE_WRITE));
	EXPECT_EQ(npages(len), count_pm(p, len, PM_PRESENT));
	munmap(p, len);

	/* A page in the middle of a huge page populates that huge page. */
	p = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_HUGETLB);
	EXPECT_EQ(0, populate(p + hsize + pagesize, pagesize, MADV_POPULATE_WRITE));
	EXPECT_EQ(npages(hsize), count_pm(p + hsize, hsize, PM_PRESENT));
	EXPECT_EQ(0, count_pm(p, hsize, PM_PRESENT));
	munmap(p, len);

	/* One more huge page than the pool has, without a reservation. */
	len = (free + 1) * hsize;
	p = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_HUGETLB | MAP_NORESERVE);
	EXPECT_EQ(EFAULT, populate(p, len, MADV_POPULATE_WRITE));
	EXPECT_EQ(0, read_meminfo("HugePages_Free:"));
	munmap(p, len);
}

static bool thp_enabled(void)
{
	char mode[32];

	return thp_size() &&
	       knob_read("/sys/kernel/mm/transparent_hugepage/enabled", mode, sizeof(mode)) &&
	       strcmp(mode, "never");
}

TEST(thp)
{
	size_t hsize = thp_size();
	char *p;

	REQUIRE_KPAGEFLAGS();
	if (!thp_enabled())
		SKIP_TEST("THP disabled");
	p = map_aligned(2 * hsize, hsize);
	madvise(p, 2 * hsize, MADV_HUGEPAGE);
	/* WRITE in the middle of a huge page maps that THP. */
	ASSERT_EQ(0, populate(p + hsize + pagesize, pagesize, MADV_POPULATE_WRITE));
	EXPECT_TRUE(has_flag(p + hsize, KPF_THP));
	EXPECT_EQ(npages(hsize), count_pm(p + hsize, hsize, PM_PRESENT));
	EXPECT_EQ(0, count_pm(p, hsize, PM_PRESENT));
	/* READ maps the huge zeropage, WRITE replaces it. */
	ASSERT_EQ(0, populate(p, hsize, MADV_POPULATE_READ));
	EXPECT_TRUE(has_flag(p, KPF_ZERO_PAGE));
	EXPECT_TRUE(has_flag(p, KPF_THP));
	ASSERT_EQ(0, populate(p, hsize, MADV_POPULATE_WRITE));
	EXPECT_FALSE(has_flag(p, KPF_ZERO_PAGE));
	EXPECT_EQ(npages(hsize), count_pm(p, hsize, PM_PRESENT));
	munmap(p, 2 * hsize);
}

/*
 * After fork() every private page is shared with the child, write-protected:
 * READ must leave each one shared, WRITE must give the parent a copy of each
 * one (so that writing then takes no fault), and the child keeps its own.
 */
TEST(fork_cow)
{
	size_t off, same = 0, moved = 0;
	char *p = map_anon_4k(LEN), ok = 0;
	uint64_t pfn[NR_PAGES];
	int go[2], res[2], status;
	pid_t pid;

	memset(p, 'A', LEN);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(res));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		size_t i;

		(void)!read(go[0], &ok, 1);
		for (ok = 1, i = 0; i < LEN; i++)
			ok &= p[i] == 'A';
		(void)!write(res[1], &ok, 1);
		_exit(0);
	}
	for (off = 0; off < LEN; off += pagesize)
		pfn[off / pagesize] = pagemap_entry(p + off) & PM_PFN_MASK;
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	for (off = 0; off < LEN; off += pagesize)
		same += (pagemap_entry(p + off) & PM_PFN_MASK) == pfn[off / pagesize];
	EXPECT_EQ(NR_PAGES, same) TH_LOG("READ broke COW");
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	for (off = 0; off < LEN; off += pagesize)
		moved += (pagemap_entry(p + off) & PM_PFN_MASK) != pfn[off / pagesize];
	EXPECT_EQ(NR_PAGES, moved) TH_LOG("WRITE left pages shared");
	EXPECT_EQ(0, faults_on_write(p, LEN));
	memset(p, 'B', LEN);
	(void)!write(go[1], "x", 1);
	(void)!read(res[0], &ok, 1);
	waitpid(pid, &status, 0);
	EXPECT_EQ(1, ok) TH_LOG("the child saw the parent's writes");
	munmap(p, LEN);
}

/*
 * Populating a VM_LOCKED range mlocks what it maps, as mlock() would leave
 * it: for every backing and every way a range becomes VM_LOCKED.  Observed
 * per page (KPF_MLOCKED) and in total ("Mlocked:" of /proc/meminfo); smaps'
 * "Locked:" counts VM_LOCKED vmas, not mlocked pages, so it cannot tell.
 */
enum lock_how { ONFAULT, CURRENT, FUTURE, PUNCHED };
enum backing { ANON, ANON_SHARED, MEMFD, TMPFS, DISK_SHARED, DISK_PRIVATE, HUGETLB, THP };

FIXTURE(mlocked) {
	char *p;
	size_t len, step;
	int fd;
};

FIXTURE_VARIANT(mlocked) {
	enum lock_how how;
	enum backing backing;
};

/* Never VM_LOCKED, whichever way (mlock() leaves hugetlb alone): once. */
FIXTURE_VARIANT_ADD(mlocked, onfault_hugetlb) { .how = ONFAULT, .backing = HUGETLB };
FIXTURE_VARIANT_ADD(mlocked, onfault_anon) { .how = ONFAULT, .backing = ANON };
FIXTURE_VARIANT_ADD(mlocked, onfault_anon_shared) { .how = ONFAULT, .backing = ANON_SHARED };
FIXTURE_VARIANT_ADD(mlocked, onfault_memfd) { .how = ONFAULT, .backing = MEMFD };
FIXTURE_VARIANT_ADD(mlocked, onfault_tmpfs) { .how = ONFAULT, .backing = TMPFS };
FIXTURE_VARIANT_ADD(mlocked, onfault_disk_shared) { .how = ONFAULT, .backing = DISK_SHARED };
FIXTURE_VARIANT_ADD(mlocked, onfault_disk_private) { .how = ONFAULT, .backing = DISK_PRIVATE };
FIXTURE_VARIANT_ADD(mlocked, onfault_thp) { .how = ONFAULT, .backing = THP };
FIXTURE_VARIANT_ADD(mlocked, current_anon) { .how = CURRENT, .backing = ANON };
FIXTURE_VARIANT_ADD(mlocked, current_anon_shared) { .how = CURRENT, .backing = ANON_SHARED };
FIXTURE_VARIANT_ADD(mlocked, current_memfd) { .how = CURRENT, .backing = MEMFD };
FIXTURE_VARIANT_ADD(mlocked, current_tmpfs) { .how = CURRENT, .backing = TMPFS };
FIXTURE_VARIANT_ADD(mlocked, current_disk_shared) { .how = CURRENT, .backing = DISK_SHARED };
FIXTURE_VARIANT_ADD(mlocked, current_disk_private) { .how = CURRENT, .backing = DISK_PRIVATE };
FIXTURE_VARIANT_ADD(mlocked, current_thp) { .how = CURRENT, .backing = THP };
FIXTURE_VARIANT_ADD(mlocked, future_anon) { .how = FUTURE, .backing = ANON };
FIXTURE_VARIANT_ADD(mlocked, future_anon_shared) { .how = FUTURE, .backing = ANON_SHARED };
FIXTURE_VARIANT_ADD(mlocked, future_memfd) { .how = FUTURE, .backing = MEMFD };
FIXTURE_VARIANT_ADD(mlocked, future_tmpfs) { .how = FUTURE, .backing = TMPFS };
FIXTURE_VARIANT_ADD(mlocked, future_disk_shared) { .how = FUTURE, .backing = DISK_SHARED };
FIXTURE_VARIANT_ADD(mlocked, future_disk_private) { .how = FUTURE, .backing = DISK_PRIVATE };
FIXTURE_VARIANT_ADD(mlocked, future_thp) { .how = FUTURE, .backing = THP };
/* Only a file can lose the pages of a mlock()ed range. */
FIXTURE_VARIANT_ADD(mlocked, punched_memfd) { .how = PUNCHED, .backing = MEMFD };
FIXTURE_VARIANT_ADD(mlocked, punched_tmpfs) { .how = PUNCHED, .backing = TMPFS };
FIXTURE_VARIANT_ADD(mlocked, punched_disk_shared) { .how = PUNCHED, .backing = DISK_SHARED };

/* The file of a backing; -1 for anonymous memory, -2 where it cannot be. */
static int backing_fd(enum backing b, size_t len)
{
	char path[4096];
	struct statfs sfs;
	int fd;

	switch (b) {
	case MEMFD:
		fd = memfd_create("madv_populate_mlock", 0);
		break;
	case TMPFS:
		snprintf(path, sizeof(path), "/dev/shm/madv_populate.XXXXXX");
		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
		if (fd >= 0 && (fstatfs(fd, &sfs) || sfs.f_type != TMPFS_MAGIC)) {
			close(fd);
			return -2;
		}
		break;
	case DISK_SHARED:
	case DISK_PRIVATE:
		if (!disk_dir)
			return -2;
		snprintf(path, sizeof(path), "%s/madv_populate_mlock.XXXXXX", disk_dir);
		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
		break;
	default:
		return -1;
	}
	if (fd < 0 || ftruncate(fd, len))
		bail("backing file: %s", strerror(errno));
	return fd;
}

FIXTURE_SETUP(mlocked)
{
	enum backing b = variant->backing;
	size_t hsize = 0;
	int ret = 0;

	REQUIRE_KPAGEFLAGS();
	self->len = 1024 * pagesize;
	self->step = pagesize;
	if (b == HUGETLB) {
		hsize = read_meminfo("Hugepagesize:") * 1024;
		if (hsize <= 0 || read_meminfo("HugePages_Free:") < 2)
			SKIP_TEST("fewer than 2 free huge pages");
		self->len = 2 * hsize;
	} else if (b == THP) {
		if (!thp_enabled())
			SKIP_TEST("THP disabled");
		/* A THP shows PG_mlocked on its head page only. */
		hsize = thp_size();
		self->step = hsize;
		self->len = 2 * hsize;
	}
	if (variant->how == FUTURE && mlockall(MCL_FUTURE | MCL_ONFAULT))
		SKIP_TEST("mlockall: %s", strerror(errno));
	self->fd = backing_fd(b, self->len);
	if (self->fd == -2)
		SKIP_TEST("%s", b == TMPFS ? "/dev/shm is not tmpfs" :
			  "no directory on a disk filesystem given");
	if (b == THP) {
		self->p = map_aligned(self->len, hsize);
		madvise(self->p, self->len, MADV_HUGEPAGE);
	} else if (self->fd >= 0) {
		self->p = map(self->len, PROT_READ | PROT_WRITE,
			      b == DISK_PRIVATE ? MAP_PRIVATE : MAP_SHARED, self->fd);
	} else {
		self->p = map_anon(self->len, PROT_READ | PROT_WRITE,
				   b == ANON_SHARED ? MAP_SHARED :
				   b == HUGETLB ? MAP_PRIVATE | MAP_HUGETLB : MAP_PRIVATE);
		if (b == ANON)
			madvise(self->p, self->len, MADV_NOHUGEPAGE);
	}

	switch (variant->how) {
	case ONFAULT:
		ret = syscall(__NR_mlock2, self->p, self->len, MLOCK_ONFAULT);
		break;
	case CURRENT:
		ret = mlockall(MCL_CURRENT | MCL_ONFAULT);
		break;
	case PUNCHED:
		/* What virtio-mem does to a mlocked memfd: discard, repopulate. */
		ret = mlock(self->p, self->len) ||
		      fallocate(self->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, self->len);
		break;
	case FUTURE:
		break;
	}
	if (ret)
		SKIP_TEST("locking: %s", strerror(errno));
	/*
	 * mlock() never marks a hugetlb vma VM_LOCKED, and so populates it
	 * in full even for MLOCK_ONFAULT: what populate must do there is
	 * leave it as mlock() did.
	 */
	if (b != HUGETLB)
		ASSERT_EQ(0, count_pm(self->p, self->len, PM_PRESENT));
	/*
	 * 5.10's GUP mlocks a page cache page only if it can trylock it, and
	 * leaves a locked one to vmscan: no writeback of the dirty pages of
	 * earlier tests may hold page locks while this populates.
	 */
	if (b == DISK_SHARED || b == DISK_PRIVATE)
		sync();
}

FIXTURE_TEARDOWN(mlocked)
{
}

/* Populate [p, p + len) of backing @b, mlocked in units of @step bytes. */
static void populate_mlocked(struct __test_metadata *_metadata, char *p, size_t len,
			     size_t step, enum backing b, int advice)
{
	long before, after, expect, slack, batch;
	bool exact1, exact2, mlocked;
	size_t off, n = 0;

	/*
	 * Since 5.18 a locked vma's faults mlock page cache pages too, this
	 * program's own text among them: a first run of the measuring code
	 * would count the code it faults in after its own refresh.
	 */
	mlocked_kb(&exact1);
	before = mlocked_kb(&exact1);
	ASSERT_EQ(0, populate(p, len, advice));
	after = mlocked_kb(&exact2);
	EXPECT_EQ(npages(len), count_pm(p, len, PM_PRESENT));

	/* READ maps the (huge) zeropage there, hugetlb pages are never mlocked. */
	mlocked = !((advice == MADV_POPULATE_READ && (b == ANON || b == THP)) || b == HUGETLB);
	for (off = 0; off < len; off += step)
		n += has_flag(p + off, KPF_MLOCKED);
	EXPECT_EQ(mlocked ? len / step : 0, n) TH_LOG("mlocked pages");
	/*
	 * The counter is global: other pages of this process that a mlockall()
	 * mlocks as they are touched add a little.  Since 5.18 a munlock (of
	 * a page this child copied on write, say) may wait in a per-CPU batch
	 * (mm/mlock.c: 15 pages in 6.1, 31 in 6.12) and land inside the window:
	 * the counter may come out that much lower.  Without vm.stat_refresh
	 * the per-CPU counters may lag a little more.  Against the 4 MiB
	 * populated, pages counted twice still show; the flags above see
	 * each page that was not mlocked.
	 */
	expect = mlocked ? len / 1024 : 0;
	batch = 31 * (pagesize / 1024) * get_nprocs();
	EXPECT_LE(expect - (exact1 && exact2 ? batch : 1024), after - before)
		TH_LOG("Mlocked: grew by %ld KiB", after - before);
	slack = exact1 && exact2 ? 64 : 1024;
	EXPECT_GE(expect + slack, after - before)
		TH_LOG("Mlocked: grew by %ld KiB", after - before);
}

TEST_F(mlocked, read)
{
	populate_mlocked(_metadata, self->p, self->len, self->step, variant->backing,
			 MADV_POPULATE_READ);
}

TEST_F(mlocked, write)
{
	populate_mlocked(_metadata, self->p, self->len, self->step, variant->backing,
			 MADV_POPULATE_WRITE);
}

/* Resolves missing-page faults with pages of 'U' until @last is filled. */
struct uffd_filler {
	int uffd;
	char *last;
};

static void *uffd_fill(void *arg)
{
	struct uffd_filler *f = arg;
	char *page = malloc(pagesize);
	struct uffdio_copy copy;
	struct uffd_msg msg;

	memset(page, 'U', pagesize);
	while (uffd_next_fault(f->uffd, &msg, 2000)) {
		copy.dst = msg.arg.pagefault.address & ~(pagesize - 1);
		copy.src = (uintptr_t)page;
		copy.len = pagesize;
		copy.mode = 0;
		ioctl(f->uffd, UFFDIO_COPY, &copy);
		if ((char *)copy.dst == f->last)
			break;
	}
	free(page);
	return NULL;
}

/* WRITE waits for the handler, which fills every page. */
TEST(userfaultfd_missing)
{
	char *p = map_anon_4k(LEN);
	struct uffd_filler f = { .last = p + LEN - pagesize };
	pthread_t thread;

	f.uffd = uffd_open(p, LEN, UFFDIO_REGISTER_MODE_MISSING, 0);
	if (f.uffd < 0)
		SKIP_TEST("userfaultfd: %s", strerror(errno));
	pthread_create(&thread, NULL, uffd_fill, &f);
	EXPECT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_pm(p, LEN, PM_PRESENT));
	/* While the handler runs: a page left missing would wait for it. */
	EXPECT_EQ('U', p[0]);
	EXPECT_EQ('U', p[LEN - 1]);
	pthread_join(thread, NULL);
	close(f.uffd);
	munmap(p, LEN);
}

/* UFFD_FEATURE_SIGBUS: EFAULT, no signal. */
TEST(userfaultfd_sigbus)
{
	char *p = map_anon_4k(LEN);
	int uffd = uffd_open(p, LEN, UFFDIO_REGISTER_MODE_MISSING, UFFD_FEATURE_SIGBUS);

	if (uffd < 0)
		SKIP_TEST("userfaultfd SIGBUS mode: %s", strerror(errno));
	EXPECT_EQ(EFAULT, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(EFAULT, populate(p, LEN, MADV_POPULATE_WRITE));
	close(uffd);
	munmap(p, LEN);
}

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif

/*
 * MADV_FREE, then WRITE: as a write would, the populate dirties the pages
 * it finds mapped (FOLL_TOUCH), which takes them back from MADV_FREE.
 * Reclaim then keeps their data; clean, it would drop them and the next
 * read would see zeroes.  MADV_PAGEOUT reclaims them at once; mlock()
 * first drains the per-CPU batches that hold pages just made lazy-free.
 */
TEST(madv_free_then_write)
{
	char *p = map_anon_4k(LEN), *drain = map_anon_4k(pagesize);
	size_t off, lost = 0;

	for (off = 0; off < LEN; off += pagesize)
		p[off] = 0x5a;
	ASSERT_EQ(0, madvise(p, LEN, MADV_FREE));
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	ASSERT_EQ(0, mlock(drain, pagesize));
	munlock(drain, pagesize);
	if (madvise(p, LEN, MADV_PAGEOUT))
		SKIP_TEST("MADV_PAGEOUT: %s", strerror(errno));
	for (off = 0; off < LEN; off += pagesize)
		lost += p[off] != 0x5a;
	EXPECT_EQ(0, lost) TH_LOG("%zu of %d pages lost their data", lost, NR_PAGES);
	munmap(p, LEN);
	munmap(drain, pagesize);
}

/*
 * Pages found already mapped are marked accessed (FOLL_TOUCH), as upstream
 * leaves them: reclaim sees them as used.
 */
TEST(accessed)
{
	char *p = map_anon_4k(LEN);

	REQUIRE_KPAGEFLAGS();
	faults_on_write(p, LEN);
	clear_page_refs("1");
	ASSERT_EQ(0, count_flag(p, LEN, KPF_REFERENCED));
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(NR_PAGES, count_flag(p, LEN, KPF_REFERENCED)) TH_LOG("after READ");
	clear_page_refs("1");
	ASSERT_EQ(0, count_flag(p, LEN, KPF_REFERENCED));
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(NR_PAGES, count_flag(p, LEN, KPF_REFERENCED)) TH_LOG("after WRITE");
	munmap(p, LEN);
}

/* This thread's major or minor faults: a handler thread's do not count. */
static long thread_faults(bool major)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return major ? ru.ru_majflt : ru.ru_minflt;
}

/*
 * The faults of a populate are accounted as a user access's would be:
 * minor, but for a fault that had to be retried (FAULT_FLAG_TRIED), which
 * counts as major.  Only that fault is marked so, not the ones after it.
 * After userfaultfd's UFFDIO_COPY the retried page is mapped and GUP
 * finds it without a second fault: no major fault at all, unless the
 * flag stuck to the faults that followed.
 */
TEST(fault_accounting)
{
	char *p = map_anon_4k(LEN);
	long maj = thread_faults(true), min = thread_faults(false);

	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	EXPECT_EQ(0, thread_faults(true) - maj);
	EXPECT_LE(NR_PAGES, thread_faults(false) - min);
	munmap(p, LEN);
}

TEST(fault_accounting_after_retry)
{
	char *p = map_anon_4k(LEN);
	struct uffd_filler f = { .last = p };
	pthread_t thread;
	long maj, min;
	int ret;

	/* The first page missing under userfaultfd, the others zeropages. */
	faults_on_read(p, LEN);
	madvise(p, pagesize, MADV_DONTNEED);
	f.uffd = uffd_open(p, LEN, UFFDIO_REGISTER_MODE_MISSING, 0);
	if (f.uffd < 0)
		SKIP_TEST("userfaultfd: %s", strerror(errno));
	pthread_create(&thread, NULL, uffd_fill, &f);
	maj = thread_faults(true);
	min = thread_faults(false);
	ret = populate(p, LEN, MADV_POPULATE_WRITE);
	maj = thread_faults(true) - maj;
	min = thread_faults(false) - min;
	pthread_join(thread, NULL);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, maj) TH_LOG("%ld major faults", maj);
	EXPECT_LE(NR_PAGES - 1, min) TH_LOG("%ld minor faults", min);
	close(f.uffd);
	munmap(p, LEN);
}

/* process_madvise() on another process refuses both advices. */
TEST(process_madvise_other)
{
	char *p = map_anon(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct iovec iov = { .iov_base = p, .iov_len = LEN };
	int pidfd, status, go[2];
	long ret, err;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char c;

		(void)!read(go[0], &c, 1);
		_exit(count_pm(p, LEN, PM_PRESENT) == 0 ? 0 : 1);
	}
	pidfd = syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		SKIP_TEST("pidfd_open: %s", strerror(errno));
	}
	ret = syscall(__NR_process_madvise, pidfd, &iov, 1, MADV_POPULATE_WRITE, 0);
	err = errno;
	(void)!write(go[1], "x", 1);
	waitpid(pid, &status, 0);
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(EINVAL, err);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the other process's pages were populated");
	close(pidfd);
	munmap(p, LEN);
}

static volatile sig_atomic_t sigbus_seen, sigbus_code;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	sigbus_seen = 1;
	sigbus_code = si->si_code;
}

TEST(hwpoison)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO }, old;
	char *p = map_anon(LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	REQUIRE_INVASIVE("loses a page for good");
	ASSERT_EQ(0, populate(p, LEN, MADV_POPULATE_WRITE));
	/*
	 * Newer kernels (6.12 does; upstream's "mm/madvise: add
	 * MF_ACTION_REQUIRED to madvise(MADV_HWPOISON)") signal the caller of
	 * MADV_HWPOISON itself, BUS_MCEERR_AR, as a machine check would: that
	 * is the injection, not the populate.  The populate must raise none.
	 */
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, &old));
	if (madvise(p + 4 * pagesize, pagesize, MADV_HWPOISON))
		SKIP_TEST("MADV_HWPOISON: %s", strerror(errno));
	if (sigbus_seen)
		ksft_print_msg("MADV_HWPOISON raised SIGBUS (si_code %d)\n", sigbus_code);
	sigbus_seen = 0;
	EXPECT_EQ(EHWPOISON, populate(p, LEN, MADV_POPULATE_READ));
	EXPECT_EQ(0, sigbus_seen) TH_LOG("the populate raised SIGBUS");
	sigaction(SIGBUS, &old, NULL);
	munmap(p, LEN);
}

/*
 * Fresh private read-only memory in base pages: under THP "always" (as
 * Debian ships it), READ would map the huge zeropage, 512 pages a fault,
 * and no length would take long enough to outlast a kill.
 */
static char *map_zeropage_range(size_t len)
{
	char *p = map_anon(len, PROT_READ, MAP_PRIVATE | MAP_NORESERVE);

	madvise(p, len, MADV_NOHUGEPAGE);	/* EINVAL without THP: fine */
	return p;
}

/* Seconds that POPULATE_READ of @len bytes of fresh private memory takes. */
static double read_populate_time(size_t len)
{
	char *p = map_zeropage_range(len);
	double t0 = now(), t;

	populate(p, len, MADV_POPULATE_READ);
	t = now() - t0;
	munmap(p, len);
	return t;
}

/*
 * SIGKILL ends a long populate promptly.  READ maps the shared zeropage,
 * so the populate uses no memory but page tables and only the kill can
 * end it early (no OOM kill); its length is calibrated to take >= 4s.
 */
TEST(sigkill)
{
	size_t unit = 256UL << 20, len;
	size_t max = (1UL << 30) * (sizeof(size_t) > 4 ? 64 : 1);
	long tables;
	struct killed k;
	bool exact;
	double t;

	if (geteuid())
		SKIP_TEST("needs root: vm.stat_refresh for an exact PageTables count");
	t = read_populate_time(unit);
	len = t > 0 ? unit * (size_t)(4.0 / t + 1) : max + 1;
	if (len > max)
		SKIP_TEST("READ of 256 MiB takes %.3fs: no length outlasts the kill", t);
	stat_refresh(&exact);
	tables = read_meminfo("PageTables:");
	k = kill_populate(map_zeropage_range, len, MADV_POPULATE_READ, 200000);
	ksft_print_msg("READ of %zu MiB (~%.1fs) reaped %.3fs after SIGKILL\n",
		       len >> 20, t * (len / unit), k.reap);
	ASSERT_TRUE(k.started);
	EXPECT_FALSE(k.finished) TH_LOG("the populate ended before the kill");
	EXPECT_TRUE(WIFSIGNALED(k.status) && WTERMSIG(k.status) == SIGKILL);
	EXPECT_GT(1.0, k.reap);
	/*
	 * The page tables of the populate are freed: 200 ms of it built
	 * hundreds of KiB of them (a page of them per 2 MiB populated).
	 */
	stat_refresh(&exact);
	EXPECT_TRUE(exact);
	EXPECT_GE(64, read_meminfo("PageTables:") - tables)
		TH_LOG("PageTables: %ld KiB before, %ld KiB after", tables,
		       read_meminfo("PageTables:"));
}

int main(int argc, char **argv)
{
	setup(argc, argv);
	return test_harness_run(argc, argv);
}
