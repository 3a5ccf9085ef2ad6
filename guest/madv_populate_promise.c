// SPDX-License-Identifier: GPL-2.0
/*
 * The promise of MADV_POPULATE_(READ|WRITE): once the advice returned 0,
 * accessing the range that way takes no page fault, whatever state its
 * pages were in before.
 *
 * The states are generated from their parts, not listed: every backing
 * (anonymous, memfd, tmpfs, disk file, hugetlb of each page size the
 * kernel has, THP; private and shared)
 * x a base (empty, read, READ-populated, written) x what happened since
 * (nothing, a child still sharing them copy-on-write, a child that
 * exited, an mprotect() cycle) x what was done to them since (nothing,
 * NUMA balancing scanned them, swapped or evicted, that and read back,
 * KSM merged them, migrated to another node, the range registered with
 * userfaultfd, soft-dirty bits cleared, mlock2(MLOCK_ONFAULT) over them,
 * a THP's pmd split into ptes, write-protected by userfaultfd with a
 * handler that lifts the protection a page at a time) x the advice.  Combinations that do not
 * exist (KSM merges private anonymous pages only, say) are not
 * generated; a state the kernel or the machine cannot produce here is
 * reported as a skip with the reason.  Paged out, KSM-merged and
 * migrated hold for every page of the range (pagemap: not present;
 * sharing one page frame; move_pages() asked where each page is), or the
 * combination skips with the count.  NUMA-scanned rests on a canary
 * page above the range, in its upper vma, taking a hinting fault (the
 * scan goes up through a vma from its start): the upper half of the range
 * was scanned; a guest without CONFIG_VM_EVENT_COUNTERS has no
 * numa_pte_updates to count the range's ptes by.  At the end the run
 * says how many combinations began with pages to map (a populate that
 * does nothing fails them by pagemap) and how many with every page mapped
 * as the checks want (they catch too little a populate only by the fault
 * count: a read-only pte before WRITE, a NUMA hinting pte).
 *
 * Each combination runs in a child of its own and reports one result.
 * The range is two adjacent vmas (split in the middle) and the length
 * given to madvise() ends in the middle of the last page, so that a
 * populate that stops at a vma boundary or rounds the length down breaks
 * the promise too.  After the populate returned 0:
 *  - /proc/self/pagemap: every page present; after WRITE, every page of
 *    a private mapping anonymous and mapped exclusively; every page of a
 *    shared mapping a file/shared page;
 *  - getrusage(): an access pass of the advice's kind over every page
 *    takes no fault (minor or major); but after READ over NUMA-scanned
 *    pages it takes at least one, over pages all mapped before it (in
 *    pagemap, a hinting pte is present): READ leaves the NUMA hinting
 *    ptes for the next access, as upstream does since v6.5
 *    (d74943a2f3cd), and WRITE resolves them;
 *  - the data: every page still holds what the state left there, and a
 *    child that still shares the pages copy-on-write sees none of the
 *    writes that follow;
 *  - after WRITE over soft-dirty-cleared pages, every page soft-dirty
 *    (pagemap, read before the access pass);
 *  - over a write-protected range, WRITE went to the handler (at least
 *    once); READ did not, and left the protection: a write after the
 *    checks still goes to it.
 * Nothing is retried.  Writeback, reclaim and compaction change pages on
 * their own (writeback write-protects dirty file pages, reclaim and
 * migration unmap): the run turns periodic writeback and proactive
 * compaction off, every disk file combination syncs its filesystem
 * (syncfs) before its populate, so that nothing dirty waits to be written
 * and no ext4 commit is due,
 * and the memory a combination uses is a small part of the guest's.  A
 * failure notes what writeback, reclaim and migration did between the
 * populate and the checks (sectors written, pages reclaimed, pages of the
 * range on another page frame); it stays a failure.
 *
 * Knobs (periodic writeback, proactive compaction, and NUMA balancing,
 * KSM, khugepaged and the hugetlb pool, which states use) are put back on
 * exit; NUMA balancing is off except while a NUMA-scanned state is built,
 * and khugepaged sleeps, so that neither a scan nor a collapse can land
 * between the populate and the checks.
 * Root is needed for those states and for the private tmpfs mounts;
 * without it they skip.
 *
 *   madv_populate_promise [-d DIR] [-f PATTERN] [-l]
 *     -d DIR      the disk file cases use files in DIR (ext4, say);
 *                 without it they skip
 *     -f PATTERN  only the combinations whose name contains PATTERN
 *     -l          list the combinations, run nothing
 */
#define _GNU_SOURCE
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "madv_populate.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT		21
#endif
#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE		2
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC		0x01021994
#endif
#define PM_FILE			0x2000000000000000ULL	/* bit 61 */
#define PM_EXCLUSIVE		0x0100000000000000ULL	/* bit 56 */

/* What a written state leaves in the first byte of every page. */
#define FILL			0xa5
#define OVERWRITE		0x3c

enum kind { ANON, MEMFD, TMPFS, DISK, HUGETLB, THP_ANON, THP_TMPFS, NR_KINDS };
static const char * const kind_name[NR_KINDS] = {
	"anon", "memfd", "tmpfs file", "disk file", "hugetlb", "THP anon",
	"THP tmpfs file",
};

/* READ: read by the CPU; POPULATED: by MADV_POPULATE_READ (the same state). */
enum base { EMPTY, READ, POPULATED, WRITTEN, NR_BASES };
static const char * const base_name[NR_BASES] = {
	"empty", "read", "READ-populated", "written",
};

enum shared_by { ALONE, COW_LIVE, COW_EXITED, MPROTECT, NR_SHARED };
static const char * const shared_name[NR_SHARED] = {
	"", " + child alive", " + child exited", " + mprotect(R), (RW)",
};

enum event {
	NONE, NUMA, SWAP, KSM, MIGRATED, UFFD, SWAP_IN, SOFT_DIRTY, LOCK_ONFAULT,
	PTE_MAPPED, UFFD_WP, NR_EVENTS
};

static const char * const event_name[NR_EVENTS] = {
	"", " + NUMA-scanned", " + paged out", " + KSM-merged", " + migrated",
	" + userfaultfd", " + paged out, read back", " + soft-dirty cleared",
	" + mlock(MLOCK_ONFAULT)", " + pmd split (pte-mapped THP)",
	" + uffd write-protected",
};

struct combo {
	enum kind kind;
	bool shared;
	enum base base;
	enum shared_by by;
	enum event event;
	int advice;
	int hs;			/* hugetlb: the index of its size in hsizes[] */
};

static const char *tmpfs_dir, *thp_tmpfs_dir;
static char disk_stat[64];	/* /sys/dev/block/M:m/stat of disk_dir */
static const char *tmpfs_why, *thp_tmpfs_why;
static size_t thp;
/* Every hugetlb size of the kernel, each a kind of its own; free pages. */
static size_t hsizes[NR_HSIZES];
static long hfree[NR_HSIZES];
static int nr_hsizes;

/*
 * Shared with the children that run the combinations: how many began with
 * pages not yet mapped as the checks want them, how many with every page
 * so already.
 */
static struct {
	int to_map, mapped;
} *began;

/* ---- knobs: written while a state is built, all put back on exit ---- */

static char mounted[2][64];
static pid_t main_pid;

static void restore(void)
{
	int i;

	/* Only the main process: a child's exit() must not undo the setup. */
	if (getpid() != main_pid)
		return;
	knobs_restore();
	for (i = 0; i < 2; i++) {
		if (!mounted[i][0])
			continue;
		if (umount2(mounted[i], MNT_DETACH) || rmdir(mounted[i]))
			fprintf(stderr, "# could not remove %s\n", mounted[i]);
		mounted[i][0] = 0;
	}
}

static void restore_on_signal(int sig)
{
	restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- the combinations ---- */

/* Whether the combination exists at all (not: whether it can be made here). */
static bool exists(const struct combo *c)
{
	bool file_private = !c->shared && c->kind != ANON && c->kind != THP_ANON &&
			    c->kind != HUGETLB;
	bool read = c->base == READ || c->base == POPULATED;
	bool shmem = c->kind == MEMFD || c->kind == TMPFS || c->kind == THP_TMPFS ||
		     (c->kind == ANON && c->shared);

	if (c->kind == THP_ANON && c->shared)
		return false;	/* shared anonymous memory is shmem: memfd */
	/* Nothing mapped to share, scan, move or merge. */
	if (c->base == EMPTY && c->by != ALONE)
		return false;
	if (c->base == EMPTY && c->event != NONE && c->event != UFFD &&
	    c->event != LOCK_ONFAULT)
		return false;
	switch (c->event) {
	case NUMA:
		/*
		 * NUMA balancing leaves alone the zeropage, hugetlb, pages
		 * another mm shares copy-on-write and page cache mapped
		 * privately (page_count() != 1): no such state.  Nor does it
		 * scan shmem (memfd, tmpfs, shared anonymous memory): its vmas
		 * have a get_policy op, and vma_policy_mof() is true for them
		 * only under a policy with MPOL_F_MOF, which 5.10's mbind()
		 * cannot set (MPOL_MF_LAZY is refused).
		 */
		return c->kind != HUGETLB && !(read && !c->shared) &&
		       !(c->by == COW_LIVE && !c->shared) && !shmem;
	case SWAP:
	case SWAP_IN:
		/*
		 * The zeropage is not paged out, hugetlb never is, and
		 * madvise() leaves alone pages another process maps.
		 */
		return c->kind != HUGETLB && c->by != COW_LIVE &&
		       !(read && !c->shared && !file_private);
	case SOFT_DIRTY:
		/* clear_refs leaves hugetlb ptes (and their soft-dirty bits) alone */
		return c->kind != HUGETLB;
	case LOCK_ONFAULT:
		/* what the vma's flags change is the same whoever shares the pages */
		return c->by == ALONE;
	case PTE_MAPPED:
		/*
		 * Anonymous THPs written (a read maps the huge zeropage); a
		 * file THP's pmd is not split into ptes but unmapped.
		 */
		return c->kind == THP_ANON && c->base == WRITTEN;
	case MIGRATED:
		/* move_pages() moves neither the zeropage nor shared pages */
		return c->by != COW_LIVE && !(read && !c->shared && !file_private);
	case KSM:
		/* KSM merges private anonymous pages (COW copies included) */
		return !c->shared && c->base == WRITTEN && c->kind != HUGETLB &&
		       c->by != COW_LIVE;
	case UFFD:
		/* 5.10's userfaultfd: anonymous, shmem and hugetlb mappings */
		return c->kind != DISK;
	case UFFD_WP:
		/*
		 * 5.10 write-protects private anonymous memory only, and only
		 * present ptes (no pte markers before 6.0): nothing to protect
		 * in an empty range.
		 */
		return (c->kind == ANON || c->kind == THP_ANON) && !c->shared;
	default:
		return true;
	}
}

static void combo_name(const struct combo *c, char *buf, size_t size)
{
	char kind[32];

	snprintf(kind, sizeof(kind), "%s", kind_name[c->kind]);
	if (c->kind == HUGETLB && nr_hsizes)
		snprintf(kind, sizeof(kind), "hugetlb %s", size_name(hsizes[c->hs]));
	snprintf(buf, size, "%s %s, %s%s%s: %s", kind,
		 c->shared ? "shared" : "private", base_name[c->base],
		 shared_name[c->by], event_name[c->event],
		 c->advice == MADV_POPULATE_READ ? "READ" : "WRITE");
}

/* ---- building a state (in the child that runs the combination) ---- */

struct range {
	char *p;
	size_t len;
	size_t step;		/* the page size of the mapping */
	int fd;			/* the file mapped, -1 if none */
	int child;		/* the COW_LIVE child, -1 if none */
	int child_pipe;		/* its end of the pipe; closing it wakes it */
};

static int open_file(const char *dir, size_t len)
{
	int fd = open(dir, O_TMPFILE | O_RDWR, 0600);

	if (fd >= 0 && ftruncate(fd, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* An address aligned to @align with @len free bytes from it. */
static char *aligned_hole(size_t len, size_t align)
{
	char *p = mmap(NULL, len + align, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + align - 1) & ~(align - 1));
	munmap(p, len + align);
	return a;
}

/*
 * hugetlb: each half a file of its own, so that the two vmas come from two
 * mmap() calls.  Splitting a hugetlb vma (madvise() on half of it) warns
 * on 5.10.262 under lockdep: its backport of hugetlb_split() runs before
 * __vma_adjust() takes the i_mmap lock.
 */
static int map_hugetlb_halves(const struct combo *c, struct range *r, char *hole)
{
	int flags = (c->shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED;
	size_t half = r->len / 2;
	int i;

	for (i = 0; i < 2; i++) {
		int fd = memfd_create("promise", mfd_hugetlb(r->step));
		char *p;

		if (fd < 0 || ftruncate(fd, half))
			return CASE_SKIP("hugetlb memfd: %s", strerror(errno));
		p = mmap(hole + i * half, half, PROT_READ | PROT_WRITE, flags, fd, 0);
		close(fd);
		if (p != hole + i * half)
			return CASE_FAIL("mmap: %s", strerror(errno));
	}
	r->p = hole;
	return 0;
}

static int map_range(const struct combo *c, struct range *r)
{
	int flags = (c->shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED;
	int prot = PROT_READ | PROT_WRITE, fd = -1;
	size_t align = thp ? thp : pagesize;
	char *hole;

	/* THP-capable ranges: two huge pages, one per vma; else 64 pages. */
	r->len = 64 * pagesize;
	r->step = pagesize;
	if (c->kind == HUGETLB) {
		if (!nr_hsizes)
			return CASE_SKIP("no hugetlb in this kernel");
		if (hfree[c->hs] < 4)
			return CASE_SKIP("%ld free %s hugetlb pages, 4 needed",
					 hfree[c->hs], size_name(hsizes[c->hs]));
		r->len = 2 * hsizes[c->hs];
		r->step = hsizes[c->hs];
		align = r->step;
	} else if ((c->kind == ANON && !c->shared) || c->kind == THP_ANON ||
		   c->kind == THP_TMPFS) {
		if (!thp && c->kind != ANON)
			return CASE_SKIP("no transparent huge pages in this kernel");
		if (thp)
			r->len = 2 * thp;
	}
	hole = aligned_hole(r->len, align);
	if (!hole)
		return CASE_FAIL("no room for %zu bytes: %s", r->len, strerror(errno));

	switch (c->kind) {
	case ANON:
	case THP_ANON:
		flags |= MAP_ANONYMOUS;
		break;
	case HUGETLB:
		return map_hugetlb_halves(c, r, hole);
	case MEMFD:
		fd = memfd_create("promise", 0);
		if (fd < 0 || ftruncate(fd, r->len))
			return CASE_FAIL("memfd: %s", strerror(errno));
		break;
	case TMPFS:
	case THP_TMPFS: {
		const char *dir = c->kind == TMPFS ? tmpfs_dir : thp_tmpfs_dir;

		if (!dir)
			return CASE_SKIP("%s", c->kind == TMPFS ? tmpfs_why : thp_tmpfs_why);
		fd = open_file(dir, r->len);
		if (fd < 0)
			return CASE_FAIL("file in %s: %s", dir, strerror(errno));
		break;
	}
	case DISK:
		if (!disk_dir)
			return CASE_SKIP("no disk directory given (-d DIR)");
		fd = open_file(disk_dir, r->len);
		if (fd < 0)
			return CASE_FAIL("file in %s: %s", disk_dir, strerror(errno));
		break;
	default:
		break;
	}
	r->p = mmap(hole, r->len, prot, flags, fd, 0);
	if (r->p == MAP_FAILED)
		return CASE_FAIL("mmap: %s", strerror(errno));
	r->fd = fd;
	if (c->kind == THP_ANON && madvise(r->p, r->len, MADV_HUGEPAGE))
		return CASE_FAIL("MADV_HUGEPAGE: %s", strerror(errno));
	/* Two vmas: the second half differs in VM_DONTDUMP only. */
	if (madvise(r->p + r->len / 2, r->len / 2, MADV_DONTDUMP))
		return CASE_FAIL("MADV_DONTDUMP: %s", strerror(errno));
	return 0;
}

/* Access every base page once: read (checking the byte) or write. */
static size_t access_pass(const struct range *r, bool write, int expect)
{
	size_t off, bad = 0;

	for (off = 0; off < r->len; off += pagesize) {
		char *q = r->p + off;

		bad += (unsigned char)__atomic_load_n(q, __ATOMIC_RELAXED) != expect;
		if (write)
			__atomic_store_n(q, OVERWRITE, __ATOMIC_RELAXED);
	}
	return bad;
}

/* This thread's faults: a helper thread's own (its stack) do not count. */
static long faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/* A /proc/vmstat counter; -1 if this kernel has none of that name. */
static long long vmstat_read(const char *key)
{
	char line[128];
	long long val = -1;
	size_t len = strlen(key);
	FILE *f = fopen("/proc/vmstat", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ' ')
			val = atoll(line + len + 1);
	if (f)
		fclose(f);
	return val;
}

/*
 * Writeback write-protects dirty file pages and reclaim unmaps pages, on
 * their own: a failure says whether either ran between the populate and
 * the checks (sectors written to the disk directory's device, pages
 * reclaimed; without CONFIG_VM_EVENT_COUNTERS only the former).
 */
struct activity {
	long long written, reclaimed;
	size_t moved;	/* the range's pages on another page frame */
};

static struct activity kernel_activity(void)
{
	long long v[7] = { 0 }, steal;
	FILE *f = disk_stat[0] ? fopen(disk_stat, "r") : NULL;

	/* Fields: reads, merged, sectors, ms, writes, merged, sectors. */
	if (f) {
		if (fscanf(f, "%lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6]) != 7)
			v[6] = 0;
		fclose(f);
	} else {
		v[6] = vmstat_read("nr_written");
	}
	/* Without CONFIG_VM_EVENT_COUNTERS reclaim is not counted: -1. */
	steal = vmstat_read("pgsteal_kswapd");
	return (struct activity){ v[6], steal < 0 ? -1 : steal + vmstat_read("pgsteal_direct"), 0 };
}

/* The pagemap entries of @r's pages, in one read; the caller frees them. */
static uint64_t *range_pagemap(const struct range *r)
{
	size_t nr = r->len / pagesize;
	uint64_t *ent = malloc(nr * sizeof(*ent));
	off_t off = (uintptr_t)r->p / pagesize * sizeof(*ent);

	if (!ent ||
	    pread(pagemap_fd(), ent, nr * sizeof(*ent), off) != (ssize_t)(nr * sizeof(*ent)))
		ksft_exit_fail_msg("pagemap: %s\n", strerror(errno));
	return ent;
}

/*
 * The pages of @r whose page frame is no longer the one @before saw
 * present: migrated (compaction) or reclaimed and faulted back in.
 */
static size_t count_moved(const struct range *r, const uint64_t *before)
{
	size_t i, n = 0, nr = r->len / pagesize;
	uint64_t *now = range_pagemap(r);

	for (i = 0; i < nr; i++)
		n += (before[i] & PM_PRESENT) &&
		     (before[i] & PM_PFN_MASK) != (now[i] & PM_PFN_MASK);
	free(now);
	return n;
}

/* Count the pages whose pagemap entry has all of @set and none of @clear. */
static size_t count_pages(const struct range *r, uint64_t set, uint64_t clear)
{
	size_t n = 0, i, nr = r->len / pagesize;
	uint64_t *ent = range_pagemap(r);

	for (i = 0; i < nr; i++)
		n += (ent[i] & set) == set && !(ent[i] & clear);
	free(ent);
	return n;
}

/*
 * The pages mapped as the populate must leave them: a shared mapping's
 * page present and a file/shared page; after WRITE, a private mapping's
 * page present, anonymous and mapped exclusively; after READ, present.
 */
static size_t count_wanted(const struct combo *c, const struct range *r)
{
	if (c->shared)
		return count_pages(r, PM_PRESENT | PM_FILE, 0);
	if (c->advice == MADV_POPULATE_WRITE)
		return count_pages(r, PM_PRESENT | PM_EXCLUSIVE, PM_FILE);
	return count_pages(r, PM_PRESENT, 0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The pages of @r that KSM merged: those that share their page frame with
 * another page of @r (pagemap), not those with KPF_KSM: 6.12.118's
 * /proc/kpageflags reports KPF_KSM for every anonymous page
 * (docs/upstream.md).
 */
static size_t count_ksm(const struct range *r)
{
	size_t i, n = 0, nr = r->len / pagesize;
	uint64_t ent, *pfn = malloc(nr * sizeof(*pfn));

	if (!pfn)
		ksft_exit_fail_msg("out of memory\n");
	/* Present pages only: a swap entry's bits are no page frame. */
	for (i = 0; i < nr; i++) {
		ent = pagemap_entry(r->p + i * pagesize);
		pfn[i] = ent & PM_PRESENT ? ent & PM_PFN_MASK : 0;
	}
	qsort(pfn, nr, sizeof(*pfn), cmp_u64);
	for (i = 0; i < nr; i++)
		n += pfn[i] && ((i > 0 && pfn[i - 1] == pfn[i]) ||
				(i + 1 < nr && pfn[i + 1] == pfn[i]));
	free(pfn);
	return n;
}

static void busy(double seconds)
{
	double end = now() + seconds;

	while (now() < end)
		;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/*
 * Pages just faulted in wait in a per-CPU batch, with a reference of its
 * own, before they reach the LRU: NUMA balancing, MADV_PAGEOUT and
 * move_pages() pass over them then.  mlock() drains the batches of every
 * CPU first.
 */
static void drain_lru(void)
{
	char *page = mmap(NULL, pagesize, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (page != MAP_FAILED && !mlock(page, pagesize))
		munlock(page, pagesize);
	if (page != MAP_FAILED)
		munmap(page, pagesize);
}

/* Read @p and say whether that took a fault. */
static bool read_faults(const char *p)
{
	long before = faults();

	(void)__atomic_load_n(p, __ATOMIC_RELAXED);
	return faults() != before;
}

/* The start of the vma that maps @addr (/proc/self/maps), 0 if none. */
static uintptr_t vma_start(const void *addr)
{
	unsigned long start, end;
	uintptr_t found = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    start <= (uintptr_t)addr && (uintptr_t)addr < end)
			found = start;
	if (f)
		fclose(f);
	return found;
}

/*
 * A canary page right above the range, in the range's upper vma: the same
 * backing at the next offset, the same flags, so that the vmas merge.  A
 * scan goes up through a vma from its start: once the canary takes a NUMA
 * hinting fault, the scan has been over the upper half of the range.  Not
 * a vma of its own: 6.12 (not 6.1) decides a vma at a time whether to
 * scan it, skipping those the task took no hinting fault on lately
 * (vma_is_accessed()), so a canary beside the range proves nothing of it.
 */
static char *numa_canary(const struct combo *c, struct range *r)
{
	int flags = (c->shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED_NOREPLACE;
	char *canary;

	if (r->fd >= 0 && ftruncate(r->fd, r->len + pagesize))
		return NULL;
	canary = mmap(r->p + r->len, pagesize, PROT_READ | PROT_WRITE,
		      flags | (r->fd < 0 ? MAP_ANONYMOUS : 0), r->fd, r->fd < 0 ? 0 : r->len);
	if (canary == MAP_FAILED)
		return NULL;
	if (canary != r->p + r->len ||
	    (c->kind == THP_ANON && madvise(canary, pagesize, MADV_HUGEPAGE)) ||
	    madvise(canary, pagesize, MADV_DONTDUMP))
		return NULL;
	return canary;
}

static int numa_scan(const struct combo *c, struct range *r)
{
	char *canary;
	pthread_t t;
	double end;
	bool seen = false;

	if (access("/proc/sys/kernel/numa_balancing", F_OK))
		return CASE_SKIP("no NUMA balancing in this kernel");
	/* NUMA balancing leaves dirty page cache alone: write it. */
	if (msync(r->p, r->len, MS_SYNC))
		return CASE_FAIL("msync: %s", strerror(errno));
	canary = numa_canary(c, r);
	if (!canary)
		return CASE_FAIL("no canary page above the range: %s", strerror(errno));
	if (vma_start(canary) != vma_start(r->p + r->len - pagesize))
		return CASE_FAIL("the canary page is not in the range's upper vma");
	__atomic_store_n(canary, 1, __ATOMIC_RELAXED);
	if (c->shared && msync(canary, pagesize, MS_SYNC))
		return CASE_FAIL("msync: %s", strerror(errno));
	drain_lru();
	/*
	 * A second thread of the mm: NUMA balancing then marks every page,
	 * not only those on another node than the one a single-threaded
	 * task runs on.
	 */
	if (pthread_create(&t, NULL, sleeper, NULL))
		return CASE_FAIL("pthread_create failed");
	if (!knob_write("/proc/sys/kernel/numa_balancing", "1"))
		return CASE_SKIP("cannot turn NUMA balancing on (root?)");
	/* The scan runs from the scheduler tick while this task runs. */
	for (end = now() + 5; !seen && now() < end;) {
		busy(0.01);
		seen = read_faults(canary);
	}
	knob_write("/proc/sys/kernel/numa_balancing", "0");
	if (!seen)
		return CASE_SKIP("NUMA balancing did not scan the range in 5 s");
	return 0;
}

static int page_out(const struct combo *c, struct range *r)
{
	size_t gone = 0;
	int tries;

	/* Dirty page cache is not reclaimed from madvise(): write it. */
	if (c->shared && msync(r->p, r->len, MS_SYNC))
		return CASE_FAIL("msync: %s", strerror(errno));
	/*
	 * Building the state, not checking it: a page that stayed (still
	 * in a per-CPU batch, say) gets another MADV_PAGEOUT, twice at most.
	 */
	for (tries = 0; tries < 3 && gone != r->len / pagesize; tries++) {
		drain_lru();
		if (madvise(r->p, r->len, MADV_PAGEOUT))
			return CASE_SKIP("MADV_PAGEOUT: %s", strerror(errno));
		gone = r->len / pagesize - count_pages(r, PM_PRESENT, 0);
	}
	if (gone != r->len / pagesize)
		return CASE_SKIP("MADV_PAGEOUT moved %zu of %zu pages out (swap: %s)", gone,
				 r->len / pagesize, read_meminfo("SwapTotal:") > 0 ? "on" : "off");
	return 0;
}

static int ksm_merge(struct range *r)
{
	size_t merged = 0, nr = r->len / pagesize;
	double start, last;

	if (kpageflags_fd < 0)
		return CASE_SKIP("no /proc/kpageflags to tell KSM pages");
	if (madvise(r->p, r->len, MADV_MERGEABLE))
		return CASE_SKIP("MADV_MERGEABLE: %s", strerror(errno));
	if (!knob_write("/sys/kernel/mm/ksm/run", "1"))
		return CASE_SKIP("cannot start ksmd (root?)");
	/*
	 * Every page holds the same data: all of them merge.  ksmd splits
	 * and merges a THP range's 1024 pages slowly under KASAN: wait while
	 * it makes progress, 3 s without any or 60 s in all at most.
	 */
	for (start = last = now(); now() < last + 3 && now() < start + 60;) {
		size_t n = count_ksm(r);

		if (n == nr)
			break;
		if (n > merged)
			last = now();
		merged = n;
		usleep(20000);
	}
	merged = count_ksm(r);
	knob_write("/sys/kernel/mm/ksm/run", "0");
	if (merged != nr)
		return CASE_SKIP("ksmd merged %zu of %zu pages in %.0f s", merged, nr,
				 now() - start);
	return 0;
}

static int move_away(struct range *r)
{
	size_t i, nr = r->len / r->step, moved = 0;
	void **pages = calloc(nr, sizeof(*pages));
	int *nodes = calloc(nr, sizeof(int)), *status = calloc(nr, sizeof(int));
	int online = 0;
	char buf[64];

	if (knob_read("/sys/devices/system/node/online", buf, sizeof(buf)))
		online = strchr(buf, '-') || strchr(buf, ',') ? 2 : 1;
	if (online < 2)
		return CASE_SKIP("one NUMA node: nowhere to migrate to");
	drain_lru();
	for (i = 0; i < nr; i++)
		pages[i] = r->p + i * r->step;
	if (syscall(SYS_move_pages, 0, nr, pages, NULL, status, 0))
		return CASE_SKIP("move_pages: %s", strerror(errno));
	for (i = 0; i < nr; i++)
		nodes[i] = status[i] == 0 ? 1 : 0;
	if (syscall(SYS_move_pages, 0, nr, pages, nodes, status, MPOL_MF_MOVE) < 0)
		return CASE_SKIP("move_pages: %s", strerror(errno));
	/*
	 * Where every page is now, asked again: over a range of THPs the
	 * move's own status said 2 of 1024 pages stayed (5.10.262), where
	 * asking again finds every page on the target node.
	 */
	if (syscall(SYS_move_pages, 0, nr, pages, NULL, status, 0))
		return CASE_SKIP("move_pages: %s", strerror(errno));
	for (i = 0; i < nr; i++)
		moved += status[i] == nodes[i];
	free(pages);
	free(nodes);
	free(status);
	if (moved != nr)
		return CASE_SKIP("move_pages moved %zu of %zu pages", moved, nr);
	return 0;
}

/* Paged out, then every page read back (from swap: the swap cache). */
static int read_back(const struct combo *c, struct range *r, int expect)
{
	size_t nr = r->len / pagesize, back, bad;

	if (page_out(c, r))
		return -1;
	bad = access_pass(r, false, expect);
	if (bad)
		return CASE_FAIL("%zu of %zu pages read back with other contents", bad, nr);
	back = count_pages(r, PM_PRESENT, 0);
	if (back != nr)
		return CASE_SKIP("%zu of %zu pages present after reading them back", back, nr);
	return 0;
}

/* Whether a write after clear_refs "4" sets a page's soft-dirty bit again. */
static bool soft_dirty_tracked(void)
{
	char *p = mmap(NULL, pagesize, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	bool tracked = false;

	if (p != MAP_FAILED && fd >= 0) {
		__atomic_store_n(p, 1, __ATOMIC_RELAXED);
		if (write(fd, "4", 1) == 1 && !(pagemap_entry(p) & PM_SOFT_DIRTY)) {
			__atomic_store_n(p, 2, __ATOMIC_RELAXED);
			tracked = pagemap_entry(p) & PM_SOFT_DIRTY;
		}
	}
	if (fd >= 0)
		close(fd);
	if (p != MAP_FAILED)
		munmap(p, pagesize);
	return tracked;
}

/*
 * clear_refs "4": every pte of the process loses its soft-dirty bit and
 * its write permission, so that the next write faults and marks it.
 */
static int soft_dirty_clear(struct range *r)
{
	size_t nr = r->len / pagesize, still;
	int fd;

	if (!soft_dirty_tracked())
		return CASE_SKIP("soft-dirty bits not tracked by this kernel");
	fd = open("/proc/self/clear_refs", O_WRONLY);
	if (fd < 0 || write(fd, "4", 1) != 1)
		return CASE_FAIL("clear_refs: %s", strerror(errno));
	close(fd);
	still = count_pages(r, PM_SOFT_DIRTY, 0);
	if (still)
		return CASE_FAIL("%zu of %zu pages soft-dirty after clear_refs", still, nr);
	return 0;
}

/*
 * An mprotect() of one page of each huge page and back splits its pmd:
 * the THPs stay, mapped by ptes.
 */
static int split_pmds(struct range *r)
{
	size_t off, nr = r->len / pagesize, huge;

	if (kpageflags_fd < 0)
		return CASE_SKIP("no /proc/kpageflags to tell THPs");
	huge = count_flag(r->p, r->len, KPF_THP);
	if (huge != nr)
		return CASE_SKIP("%zu of %zu pages in THPs before the split", huge, nr);
	for (off = 0; off < r->len; off += thp)
		if (mprotect(r->p + off, pagesize, PROT_READ) ||
		    mprotect(r->p + off, pagesize, PROT_READ | PROT_WRITE))
			return CASE_FAIL("mprotect: %s", strerror(errno));
	huge = count_flag(r->p, r->len, KPF_THP);
	if (huge != nr)
		return CASE_FAIL("%zu of %zu pages in THPs after the split", huge, nr);
	for (off = 0; off < r->len; off += thp)
		if (smaps_kb(r->p + off, "AnonHugePages:"))
			return CASE_FAIL("a pmd still maps a THP after mprotect()");
	return 0;
}

struct uffd_arg {
	int fd;
	size_t step;
	char *zero;
	int wp_faults;		/* write-protect faults resolved */
};

/* Resolve every missing-page fault with a page of zeroes. */
static void *uffd_handler(void *arg)
{
	struct uffd_arg *a = arg;
	struct uffd_msg msg;

	while (uffd_next_fault(a->fd, &msg, -1)) {
		struct uffdio_copy copy = { 0 };

		copy.dst = msg.arg.pagefault.address & ~(a->step - 1);
		copy.src = (uintptr_t)a->zero;
		copy.len = a->step;
		if (ioctl(a->fd, UFFDIO_COPY, &copy) && errno != EEXIST) {
			fprintf(stderr, "# UFFDIO_COPY: %s\n", strerror(errno));
			_exit(2);
		}
	}
	return NULL;
}

static struct uffd_arg uffd_arg;

/*
 * Write-protect faults: each resolved by lifting the protection of the one
 * page it hit, so that a WRITE over the range sleeps once a page, with its
 * mmap_lock dropped, from its first page to its last.
 */
static void *uffd_wp_handler(void *arg)
{
	struct uffd_arg *a = arg;
	struct uffd_msg msg;

	while (uffd_next_fault(a->fd, &msg, -1)) {
		struct uffdio_writeprotect wp = { 0 };

		wp.range.start = msg.arg.pagefault.address & ~(pagesize - 1);
		wp.range.len = pagesize;
		/* Counted first: the faulting thread runs on once woken. */
		__atomic_add_fetch(&a->wp_faults, 1, __ATOMIC_RELAXED);
		if (!(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) {
			fprintf(stderr, "# a fault that is not a write-protect fault\n");
			_exit(2);
		}
		if (ioctl(a->fd, UFFDIO_WRITEPROTECT, &wp)) {
			fprintf(stderr, "# UFFDIO_WRITEPROTECT: %s\n", strerror(errno));
			_exit(2);
		}
	}
	return NULL;
}

static int uffd_wp;	/* what uffd_wp_enforced() found at the start */
#ifdef __x86_64__
#define IS_X86_64	1
#else
#define IS_X86_64	0
#endif

/*
 * Whether a write to a protected page goes to the handler (1) or not (0),
 * tried once on a page of its own: 5.10 takes the ioctls on every
 * architecture but enforces them only on x86_64.  -errno: no userfaultfd
 * write-protection to try.
 */
static int uffd_wp_enforced(void)
{
	char *p = mmap(NULL, pagesize, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_writeprotect wp = { .range = { (uintptr_t)p, pagesize },
					  .mode = UFFDIO_WRITEPROTECT_MODE_WP };
	int fd, works;

	if (p == MAP_FAILED)
		return -errno;
	*p = 1;
	fd = uffd_open(p, pagesize, UFFDIO_REGISTER_MODE_WP, 0);
	if (fd < 0 || ioctl(fd, UFFDIO_WRITEPROTECT, &wp))
		works = -errno;
	else
		works = uffd_wp_works(fd, p);
	if (fd >= 0)
		close(fd);
	munmap(p, pagesize);
	return works;
}

/* The range registered for write-protect faults, every page protected. */
static int uffd_write_protect(struct range *r)
{
	struct uffdio_writeprotect wp = { 0 };
	struct uffd_arg *a = &uffd_arg;
	size_t off;
	pthread_t t;

	if (uffd_wp < 0)
		return CASE_SKIP("userfaultfd write-protect: %s", strerror(-uffd_wp));
	/* 5.10 enforces it on x86_64: there, not catching a write is a bug. */
	if (!uffd_wp && IS_X86_64)
		return CASE_FAIL("userfaultfd write-protection catches no write");
	if (!uffd_wp)
		return CASE_SKIP("userfaultfd write-protection catches no write (5.10: x86_64 only)");
	a->fd = uffd_open(r->p, r->len, UFFDIO_REGISTER_MODE_WP, 0);
	if (a->fd < 0)
		return CASE_FAIL("userfaultfd write-protect: %s", strerror(errno));
	/* One vma at a time: the range is two. */
	for (off = 0; off < r->len; off += r->len / 2) {
		wp.range.start = (uintptr_t)r->p + off;
		wp.range.len = r->len / 2;
		wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
		if (ioctl(a->fd, UFFDIO_WRITEPROTECT, &wp))
			return CASE_FAIL("UFFDIO_WRITEPROTECT: %s", strerror(errno));
	}
	if (pthread_create(&t, NULL, uffd_wp_handler, a))
		return CASE_FAIL("pthread_create failed");
	return 0;
}

static int uffd_register(struct range *r)
{
	struct uffd_arg *a = &uffd_arg;
	pthread_t t;

	a->fd = uffd_open(r->p, r->len, UFFDIO_REGISTER_MODE_MISSING, 0);
	if (a->fd < 0)
		return CASE_SKIP("userfaultfd: %s", strerror(errno));
	a->step = r->step;
	a->zero = mmap(NULL, r->step, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a->zero == MAP_FAILED)
		return CASE_FAIL("mmap: %s", strerror(errno));
	memset(a->zero, 0, r->step);
	if (pthread_create(&t, NULL, uffd_handler, a))
		return CASE_FAIL("pthread_create failed");
	return 0;
}

/* A child that shares the pages until the end, then checks its view. */
static int fork_sharer(const struct combo *c, struct range *r, int expect)
{
	int fds[2];
	char b;

	if (pipe(fds))
		return CASE_FAIL("pipe: %s", strerror(errno));
	r->child = fork();
	if (r->child < 0)
		return CASE_FAIL("fork: %s", strerror(errno));
	if (!r->child) {
		close(fds[1]);
		while (read(fds[0], &b, 1) > 0)
			;
		/* Private: none of the parent's writes may show here. */
		_exit(!c->shared && access_pass(r, false, expect) ? 1 : 0);
	}
	close(fds[0]);
	r->child_pipe = fds[1];
	return 0;
}

static int build_state(const struct combo *c, struct range *r, int expect)
{
	size_t off;
	int pid, st;

	if (map_range(c, r))
		return -1;
	if (c->base == POPULATED && madvise(r->p, r->len, MADV_POPULATE_READ))
		return CASE_FAIL("the first MADV_POPULATE_READ failed: %s", strerror(errno));
	for (off = 0; (c->base == READ || c->base == WRITTEN) && off < r->len;
	     off += pagesize) {
		if (c->base == WRITTEN)
			__atomic_store_n(r->p + off, FILL, __ATOMIC_RELAXED);
		else
			(void)__atomic_load_n(r->p + off, __ATOMIC_RELAXED);
	}
	switch (c->by) {
	case COW_LIVE:
		if (fork_sharer(c, r, expect))
			return -1;
		break;
	case COW_EXITED:
		pid = fork();
		if (pid < 0)
			return CASE_FAIL("fork: %s", strerror(errno));
		if (!pid)
			_exit(0);
		waitpid(pid, &st, 0);
		break;
	case MPROTECT:
		if (mprotect(r->p, r->len, PROT_READ) ||
		    mprotect(r->p, r->len, PROT_READ | PROT_WRITE))
			return CASE_FAIL("mprotect: %s", strerror(errno));
		break;
	default:
		break;
	}
	switch (c->event) {
	case NUMA:
		return numa_scan(c, r);
	case SWAP:
		return page_out(c, r);
	case KSM:
		return ksm_merge(r);
	case MIGRATED:
		return move_away(r);
	case UFFD:
		return uffd_register(r);
	case SWAP_IN:
		return read_back(c, r, expect);
	case SOFT_DIRTY:
		return soft_dirty_clear(r);
	case LOCK_ONFAULT:
		if (syscall(__NR_mlock2, r->p, r->len, MLOCK_ONFAULT))
			return CASE_SKIP("mlock2(MLOCK_ONFAULT): %s", strerror(errno));
		return 0;
	case PTE_MAPPED:
		return split_pmds(r);
	case UFFD_WP:
		return uffd_write_protect(r);
	default:
		return 0;
	}
}

/*
 * The faults that the access pass over @r takes; *@bad: the pages that
 * did not hold @expect.  getrusage() writes its result to the stack below
 * this frame, and the kernel takes a fault there (a copy-on-write stack
 * page in a child just forked, a NUMA hinting pte) after it read the
 * counters: the first call takes it outside the count.
 */
static long __attribute__((noinline))
counted_pass(const struct range *r, bool write, int expect, size_t *bad)
{
	long fl;

	faults();
	fl = faults();
	*bad = access_pass(r, write, expect);
	return faults() - fl;
}

/*
 * Run counted_pass() once over a page of its own first: in a process just
 * forked, the code it runs is not mapped yet and the stack it uses is
 * copy-on-write.
 */
static void warm_up(bool write, int expect)
{
	static char page[64];
	struct range w = { .p = page, .len = 1 };
	size_t bad;

	page[0] = expect;
	counted_pass(&w, write, expect, &bad);
}

/*
 * After WRITE the handler lifted the protection of every page it found
 * protected (none faults now: checked above), at least one; READ asked it
 * for nothing and left the pages protected: a write to the first page and
 * one to the last (one in each vma) still go to the handler.
 */
static int check_write_protect(const struct range *r, bool write)
{
	int before = __atomic_load_n(&uffd_arg.wp_faults, __ATOMIC_RELAXED);

	if (write)
		return before ? 0 : CASE_FAIL("WRITE took no write-protect fault");
	if (before)
		return CASE_FAIL("READ took %d write-protect faults", before);
	/* The first page and the last: one in each vma. */
	__atomic_store_n(r->p, OVERWRITE, __ATOMIC_RELAXED);
	__atomic_store_n(r->p + r->len - 1, OVERWRITE, __ATOMIC_RELAXED);
	if (__atomic_load_n(&uffd_arg.wp_faults, __ATOMIC_RELAXED) != 2)
		return CASE_FAIL("READ lifted the write protection");
	return 0;
}

/* Whether writeback or reclaim ran between the populate and the checks. */
static struct activity disturbed;	/* what happened meanwhile */

/* Build the state, populate, observe.  Result in case_result[]. */
static int run_combo(const struct combo *c)
{
	struct range r = { .fd = -1, .child = -1 };
	bool write = c->advice == MADV_POPULATE_WRITE;
	int expect = c->base == WRITTEN ? FILL : 0;
	size_t nr, present, want, bad;
	struct activity activity, after;
	size_t mapped = 0, soft_dirty = 0, i;
	uint64_t *populated;
	long fl;
	int st;

	if (build_state(c, &r, expect))
		return -1;
	nr = r.len / pagesize;
	/*
	 * A disk file's filesystem: nothing left dirty, no journal
	 * transaction open, so that no writeback and no ext4 commit (writing
	 * a page write-protects it) is due while the populate and the
	 * checks run.  syncfs(), not sync(): sync() also wakes the flusher
	 * to write back everything dirty, and that work may run after it
	 * returned, over the pages the populate just dirtied (6.1: "63
	 * faults over 64 pages, 528 sectors written meanwhile").  The states
	 * write back what they need written (msync) themselves; this writes
	 * back nothing of the range.
	 */
	if (c->kind == DISK && syncfs(r.fd))
		return CASE_FAIL("syncfs: %s", strerror(errno));
	if (count_wanted(c, &r) == nr)
		__atomic_add_fetch(&began->mapped, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&began->to_map, 1, __ATOMIC_RELAXED);
	activity = kernel_activity();
	/* The length ends mid-page: madvise() rounds it up. */
	if (madvise(r.p, r.len - pagesize / 2, c->advice))
		return CASE_FAIL("populate failed: %s", strerror(errno));
	populated = range_pagemap(&r);
	for (i = 0; i < nr; i++)
		soft_dirty += !!(populated[i] & PM_SOFT_DIRTY);

	/*
	 * The access pass first, at once: the kernel may change the pages
	 * later on its own (writeback write-protects dirty file pages,
	 * reclaim unmaps).  A pass that took no fault changed no page
	 * table, so pagemap after it still shows what the populate left.
	 * The code it runs is faulted in first, over a page of its own: a
	 * forked child has no ptes yet for the program's text.
	 */
	if (c->event == NUMA)
		mapped = count_pages(&r, PM_PRESENT, 0);
	warm_up(write, expect);
	fl = counted_pass(&r, write, expect, &bad);
	present = count_pages(&r, PM_PRESENT, 0);
	want = count_wanted(c, &r);
	after = kernel_activity();
	disturbed.moved = count_moved(&r, populated);
	free(populated);
	disturbed.written = after.written - activity.written;
	disturbed.reclaimed = after.reclaimed < 0 ? -1 : after.reclaimed - activity.reclaimed;

	if (r.child > 0) {
		close(r.child_pipe);
		if (waitpid(r.child, &st, 0) != r.child || !WIFEXITED(st) || WEXITSTATUS(st))
			return CASE_FAIL("the child sharing the pages saw the parent's writes");
	}
	/*
	 * NUMA hinting ptes: READ leaves them for the next access to fault,
	 * as upstream since v6.5 (d74943a2f3cd); WRITE resolves them.  A
	 * read fault on a page that was mapped (present) is a hinting fault.
	 */
	if (c->event == NUMA && !write) {
		if (mapped != nr)
			return CASE_FAIL("%zu of %zu pages not mapped after READ", nr - mapped, nr);
		if (!fl)
			return CASE_FAIL("the read pass took no NUMA hinting fault: READ resolved them");
	} else if (fl) {
		return CASE_FAIL("the %s pass took %ld faults over %zu pages", write ? "write" : "read",
			    fl, nr);
	}
	if (present != nr)
		return CASE_FAIL("%zu of %zu pages not present after populate", nr - present, nr);
	if (want != nr)
		return CASE_FAIL("%zu of %zu pages not %s after populate", nr - want, nr,
			    c->shared ? "shared/file pages" : "exclusive anonymous pages");
	if (bad)
		return CASE_FAIL("%zu of %zu pages lost their contents", bad, nr);
	/* WRITE write-faulted every page: each is soft-dirty again. */
	if (c->event == SOFT_DIRTY && write && soft_dirty != nr)
		return CASE_FAIL("%zu of %zu pages not soft-dirty after WRITE",
				 nr - soft_dirty, nr);
	if (c->event == UFFD_WP)
		return check_write_protect(&r, write);
	return 0;
}

/* A failure says what writeback and reclaim did meanwhile. */
static int promise_case(const void *arg)
{
	char note[128], reclaimed[32];

	if (!run_combo(arg))
		return 0;
	if (case_result[0] != 'F' ||
	    !(disturbed.written || disturbed.reclaimed || disturbed.moved))
		return -1;
	/* Without CONFIG_VM_EVENT_COUNTERS reclaim is not counted. */
	if (disturbed.reclaimed < 0)
		snprintf(reclaimed, sizeof(reclaimed), "reclaim not counted");
	else
		snprintf(reclaimed, sizeof(reclaimed), "%lld pages reclaimed",
			 disturbed.reclaimed);
	snprintf(note, sizeof(note),
		 " (meanwhile: %lld %s written, %s, %zu of the range's pages moved)",
		 disturbed.written, disk_stat[0] ? "sectors" : "pages", reclaimed,
		 disturbed.moved);
	strncat(case_result, note, sizeof(case_result) - strlen(case_result) - 1);
	return -1;
}

/* ---- setup ---- */

/*
 * Where the CPU leaves the access flag or the dirty bit of a pte to
 * software (arm64 without FEAT_HAFDBS or CONFIG_ARM64_HW_AFDBM), the first
 * access to an old or a clean pte faults, populated or not, upstream too:
 * the fault count cannot tell a populated page there.  NULL if the CPU
 * sets both itself (x86; arm64 with both), else which one it does not.
 */
static const char *software_pte_bits(void)
{
	char *p = mmap(NULL, 2 * pagesize, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	const char *what = NULL;
	long before;
	int fd;

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	/* Access flag: a page written, made old by clear_refs, then read. */
	__atomic_store_n(p, 1, __ATOMIC_RELAXED);
	fd = open("/proc/self/clear_refs", O_WRONLY);
	if (fd >= 0 && write(fd, "1", 1) == 1 && read_faults(p))
		what = "the access flag";
	if (fd >= 0)
		close(fd);
	/* Dirty bit: a shared page read in (writable, clean), then written. */
	(void)__atomic_load_n(p + pagesize, __ATOMIC_RELAXED);
	before = faults();
	__atomic_store_n(p + pagesize, 1, __ATOMIC_RELAXED);
	if (faults() != before)
		what = what ? "the access flag and the dirty bit" : "the dirty bit";
	munmap(p, 2 * pagesize);
	return what;
}

static const char *mount_tmpfs(int i, const char *opts, const char **why)
{
	char *dir = mounted[i];

	snprintf(dir, sizeof(mounted[i]), "/tmp/promise-tmpfs-XXXXXX");
	if (!mkdtemp(dir)) {
		*why = "cannot create a directory in /tmp";
		dir[0] = 0;
		return NULL;
	}
	if (mount("promise", dir, "tmpfs", 0, opts)) {
		static char msg[2][96];

		snprintf(msg[i], sizeof(msg[i]), "cannot mount tmpfs %s: %s", opts,
			 strerror(errno));
		*why = msg[i];
		rmdir(dir);
		dir[0] = 0;
		return NULL;
	}
	return dir;
}

static void setup_env(void)
{
	char buf[32];
	int i;

	thp = thp_size();
	tmpfs_dir = mount_tmpfs(0, "huge=never,size=64m", &tmpfs_why);
	thp_tmpfs_dir = thp ? mount_tmpfs(1, "huge=always,size=64m", &thp_tmpfs_why) : NULL;
	if (!thp)
		thp_tmpfs_why = "no transparent huge pages in this kernel";

	/* Off but while a NUMA-scanned state is built; scans start at once. */
	if (knob_read("/proc/sys/kernel/numa_balancing", buf, sizeof(buf))) {
		knob_set("/proc/sys/kernel/numa_balancing", "0");
		knob_set("/proc/sys/kernel/numa_balancing_scan_delay_ms", "0");
	}
	/*
	 * khugepaged collapses the pages of a range into a huge page in the
	 * background, unmapping them meanwhile: let it sleep for the run.
	 */
	if (knob_read("/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs",
		      buf, sizeof(buf)))
		knob_set("/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs",
			 "86400000");
	/*
	 * No periodic writeback: the flusher would write back (and
	 * write-protect) file pages between a populate and its checks.  The
	 * states write back what they need written (msync) before it.
	 */
	if (knob_read("/proc/sys/vm/dirty_writeback_centisecs", buf, sizeof(buf))) {
		knob_set("/proc/sys/vm/dirty_writeback_centisecs", "0");
		knob_set("/proc/sys/vm/dirty_expire_centisecs", "360000");
	}
	/*
	 * Proactive compaction (5.9+) migrates pages in the background:
	 * a page of the range moved between the populate and the checks
	 * is unmapped meanwhile.  The states that migrate do it themselves.
	 */
	if (knob_read("/proc/sys/vm/compaction_proactiveness", buf, sizeof(buf)))
		knob_set("/proc/sys/vm/compaction_proactiveness", "0");
	/* ksmd: scan fast while it runs; it only runs while a state is built. */
	if (knob_read("/sys/kernel/mm/ksm/run", buf, sizeof(buf))) {
		knob_set("/sys/kernel/mm/ksm/run", "0");
		knob_set("/sys/kernel/mm/ksm/sleep_millisecs", "1");
		knob_set("/sys/kernel/mm/ksm/pages_to_scan", "4096");
	}
	/* Two huge pages a range, two more for a child's COW copies. */
	for (i = 0; i < nr_hsizes; i++)
		hfree[i] = hugetlb_reserve(hsizes[i], 4);
}

enum action { COUNT, LIST, RUN };

/* Count, list or run every combination that exists, in a fixed order. */
static int walk_combos(const char *pattern, enum action act)
{
	static const int advices[] = { MADV_POPULATE_READ, MADV_POPULATE_WRITE };
	const int all = NR_KINDS * 2 * NR_BASES * NR_SHARED * NR_EVENTS * 2;
	char name[160];
	struct combo c;
	int i, n = 0;

	/* i counts in a mixed radix: the last digit, the advice, fastest. */
	for (i = 0; i < all; i++) {
		int d = i;

		c.advice = advices[d % 2];
		d /= 2;
		c.event = d % NR_EVENTS;
		d /= NR_EVENTS;
		c.by = d % NR_SHARED;
		d /= NR_SHARED;
		c.base = d % NR_BASES;
		d /= NR_BASES;
		c.shared = d % 2;
		c.kind = d / 2;
		if (!exists(&c))
			continue;
		/* hugetlb: the same combination for every size */
		for (c.hs = 0; c.hs < (c.kind == HUGETLB && nr_hsizes ? nr_hsizes : 1); c.hs++) {
			combo_name(&c, name, sizeof(name));
			if (pattern && !strstr(name, pattern))
				continue;
			n++;
			if (act == LIST)
				printf("%s\n", name);
			else if (act == RUN)
				case_report(name, promise_case, &c, 120);
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *pattern, *soft_bits;
	bool only_list = false;
	struct statfs sfs;
	struct stat st;
	int i;

	pattern = case_options(argc, argv, &only_list);
	nr_hsizes = hugetlb_sizes(hsizes, NR_HSIZES);
	if (only_list) {
		walk_combos(pattern, LIST);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	pagesize = sysconf(_SC_PAGESIZE);
	if (access("/proc/self/pagemap", R_OK))
		ksft_exit_skip("no /proc/self/pagemap: %s\n", strerror(errno));
	kpageflags_fd = open("/proc/kpageflags", O_RDONLY);
	if (madvise(NULL, 0, MADV_POPULATE_READ))
		ksft_exit_skip("MADV_POPULATE_READ not supported by this kernel\n");
	soft_bits = software_pte_bits();
	uffd_wp = uffd_wp_enforced();
	if (soft_bits)
		ksft_exit_skip("the CPU leaves %s to software: old or clean ptes fault\n",
			       soft_bits);
	if (disk_dir && !statfs(disk_dir, &sfs) && sfs.f_type == TMPFS_MAGIC)
		ksft_print_msg("-d %s is tmpfs, not a disk filesystem\n", disk_dir);
	if (disk_dir && !stat(disk_dir, &st)) {
		snprintf(disk_stat, sizeof(disk_stat), "/sys/dev/block/%u:%u/stat",
			 major(st.st_dev), minor(st.st_dev));
		if (access(disk_stat, R_OK))
			disk_stat[0] = 0;	/* not a block device: nr_written */
	}

	main_pid = getpid();
	knobs_init();
	atexit(restore);
	signal(SIGINT, restore_on_signal);
	signal(SIGTERM, restore_on_signal);
	setup_env();
	ksft_print_msg("THP %zu KiB, swap %ld KiB\n", thp / 1024, read_meminfo("SwapTotal:"));
	for (i = 0; i < nr_hsizes; i++)
		ksft_print_msg("hugetlb %s: %ld free pages\n", size_name(hsizes[i]), hfree[i]);

	began = mmap(NULL, sizeof(*began), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (began == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	ksft_set_plan(walk_combos(pattern, COUNT));
	walk_combos(pattern, RUN);
	/*
	 * A populate that does nothing fails the first kind by pagemap; the
	 * second only by the access pass's faults (a read-only pte before
	 * WRITE, a NUMA hinting pte), besides any harm it does.
	 */
	ksft_print_msg("%d combinations began with pages not mapped as the checks want, %d with every page so (they catch too little a populate only by the fault count)\n",
		       began->to_map, began->mapped);
	return ksft_get_fail_cnt() ? ksft_exit_fail() : ksft_exit_pass();
}
