// SPDX-License-Identifier: GPL-2.0
/*
 * The footprint of MADV_POPULATE_(READ|WRITE): what a populate changes
 * besides the range it was asked for, after the page that failed, and
 * when the range changes while the call sleeps.
 *
 * The cases are generated from their parts: a backing (anonymous, memfd,
 * disk file private and shared, THP, hugetlb of each page size the kernel
 * has) x the state its pages were
 * in (empty, read, written) x a geometry x the advice.  Every geometry is
 * three vmas of four units each, A M C, a unit being the size of the
 * backing's largest fault (a huge page for THP and hugetlb; else 16 base
 * pages, the fault-around window of a read fault of a file).  A and C
 * have the backing; the range starts in the middle of a unit of A (or of
 * M) and ends in the middle of a unit of C (or of M), or at M's edge
 * where a userfaultfd M comes first or last, and the length
 * given to madvise() ends half a page short of that, so that a populate
 * that strays past either end, rounds the wrong way or stops early is
 * seen.  The geometries:
 *  - inside M:      M has the backing too; the range is within M, with
 *                   whole units of M before and after it (guard pages in
 *                   the same vma);
 *  - across M:      M of another backing (anonymous, or memfd for anon);
 *  - read-only M:   READ populates across it, WRITE fails there (EINVAL);
 *  - hole M:        nothing mapped there (ENOMEM);
 *  - PROT_NONE M:   EINVAL;
 *  - SIGBUS M:      a memfd mapping beyond its end of file (EFAULT);
 *  - userfaultfd M: M is anonymous memory registered with userfaultfd,
 *                   at the start, in the middle or at the end of the range.
 *                   Its first fault drops the mmap_lock, and while the
 *                   call sleeps the handler changes the range: C's first
 *                   unit unmapped or moved by mremap() (ENOMEM), made
 *                   PROT_NONE (EINVAL), replaced by a new mapping (0:
 *                   populated too), or the part of A already populated
 *                   zapped, or all of A unmapped (0).
 * The prior state is left in A, C and (inside, across) M, a read-only M
 * read at most, but for three units, which stay empty: the whole unit
 * below the one the range starts in, the whole unit above the one it
 * ends in, and C's first unit, so that a populate that strays into them,
 * or goes on after the vma that failed, shows even where the pages
 * around them are mapped.
 *
 * After the populate, by /proc/self/pagemap (present bit, pfn, soft-dirty,
 * exclusive and file bits of every base page) and the hugetlb pool:
 *  - the return value is the one the geometry calls for;
 *  - every page from the range's start to where it stopped (its end, or
 *    the vma that failed) is present;
 *  - every page outside [start, stop), rounded out to the backing's fault
 *    granule (a huge page; 16 pages for a read fault of a file, whose
 *    fault-around maps cached neighbours; else a page), has the pagemap
 *    entry it had before the call, soft-dirty bit included (cleared just
 *    before): nothing outside the range and nothing after the page that
 *    failed was faulted, written, COW-broken or moved;
 *  - what the handler unmapped stays unmapped, a new mapping has nothing
 *    present outside the range, pages moved away are as they were, and
 *    the rest of C, after the unit that changed, as it was before;
 *  - hugetlb: the pool's free count dropped by exactly the huge pages that
 *    became present.
 *
 * Nothing retries.  What changes pages on its own is quietened for the
 * run and put back at exit: NUMA balancing, ksmd, khugepaged and
 * proactive compaction; writeback and reclaim are not, and change no
 * pagemap entry the checks compare but by reclaim's unmapping, which the
 * few MiB a case maps do not provoke.  Root is needed
 * for those knobs, the hugetlb pool and the pfns in pagemap.
 *
 *   madv_populate_footprint [-d DIR] [-f PATTERN] [-l]
 *     -d DIR      the disk file cases use files in DIR; without it they skip
 *     -f PATTERN  only the cases whose name contains PATTERN
 *     -l          list the cases, run nothing
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "madv_populate.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define UNITS		4	/* units in each of the vmas A, M, C */
#define FILL		0xa5

enum backing { ANON, MEMFD, FILE_PRIVATE, FILE_SHARED, THP_ANON, HUGETLB, NR_BACKINGS };
static const char * const backing_name[NR_BACKINGS] = {
	"anon private", "memfd shared", "disk file private", "disk file shared",
	"THP anon", "hugetlb private",
};

enum prior { EMPTY, READ, WRITTEN, NR_PRIORS };
static const char * const prior_name[NR_PRIORS] = { "empty", "read", "written" };

enum geom { G_INSIDE, G_ACROSS, G_RDONLY, G_HOLE, G_PROTNONE, G_SIGBUS, G_UFFD_FIRST, G_UFFD_MIDDLE,
	    G_UFFD_LAST, NR_GEOMS };
static const char * const geom_name[NR_GEOMS] = {
	"inside M", "across M of another backing", "read-only M", "hole M", "PROT_NONE M",
	"SIGBUS M", "userfaultfd M first", "userfaultfd M in the middle", "userfaultfd M last",
};

enum change { SAME, UNMAP_NEXT, PROTECT_NEXT, REPLACE_NEXT, MOVE_NEXT, ZAP_PREV,
	      UNMAP_PREV, NR_CHANGES };
static const char * const change_name[NR_CHANGES] = {
	"", ", C unmapped", ", C made PROT_NONE", ", C replaced", ", C moved (mremap)",
	", A's part zapped", ", A unmapped",
};

struct fcase {
	enum backing backing;
	enum prior prior;
	enum geom geom;
	enum change change;
	int advice;
	int hs;			/* hugetlb: the index of its size in hsizes[] */
};

static bool is_trap(enum geom g)
{
	return g >= G_UFFD_FIRST;
}

static bool exists(const struct fcase *c)
{
	bool next = c->change == UNMAP_NEXT || c->change == PROTECT_NEXT ||
		    c->change == REPLACE_NEXT || c->change == MOVE_NEXT;

	if (c->change == SAME)
		return true;
	if (!is_trap(c->geom))
		return false;
	/* 5.10's mremap() refuses hugetlb vmas (EINVAL). */
	if (c->change == MOVE_NEXT && c->backing == HUGETLB)
		return false;
	/* The range has no C when M is last, no A when M is first. */
	if (next)
		return c->geom != G_UFFD_LAST;
	if (c->geom == G_UFFD_FIRST)
		return false;
	/* 5.10 refuses MADV_DONTNEED on hugetlb (allowed since 5.18). */
	return !(c->change == ZAP_PREV && c->backing == HUGETLB);
}

/* The errno the populate must return; 0 for success. */
static int expected(const struct fcase *c)
{
	switch (c->geom) {
	case G_RDONLY:
		return c->advice == MADV_POPULATE_WRITE ? EINVAL : 0;
	case G_HOLE:
		return ENOMEM;
	case G_PROTNONE:
		return EINVAL;
	case G_SIGBUS:
		return EFAULT;
	default:
		break;
	}
	if (c->change == UNMAP_NEXT || c->change == MOVE_NEXT)
		return ENOMEM;
	if (c->change == PROTECT_NEXT)
		return EINVAL;
	return 0;
}

/* Every hugetlb size of the kernel, each a backing of its own; free pages. */
static size_t hsizes[NR_HSIZES];
static long hfree[NR_HSIZES];
static int nr_hsizes;

static void case_name(const struct fcase *c, char *buf, size_t size)
{
	char backing[32];

	snprintf(backing, sizeof(backing), "%s", backing_name[c->backing]);
	if (c->backing == HUGETLB && nr_hsizes)
		snprintf(backing, sizeof(backing), "hugetlb %s private",
			 size_name(hsizes[c->hs]));
	snprintf(buf, size, "%s, %s, %s%s: %s", backing,
		 prior_name[c->prior], geom_name[c->geom], change_name[c->change],
		 c->advice == MADV_POPULATE_READ ? "READ" : "WRITE");
}

/* ---- the machine ---- */

static size_t thp, base_unit, fault_around;
static bool thp_never;
static size_t hsize;	/* the hugetlb size of the case running */
/* ---- one case, in a child of its own ---- */

struct layout {
	const struct fcase *c;
	size_t unit;		/* the size of A, M and C is UNITS units */
	char *a, *m, *cc;	/* the three vmas */
	char *moved;		/* where MOVE_NEXT moves C to */
	char *start, *end;	/* the range, end rounded up to a page */
	size_t len;		/* the length madvise() is given */
	size_t nr;		/* base pages from a to cc + UNITS units */
	uint64_t *before, *after;
};

/* Map @len bytes of @b at @addr; NULL and case_result[] set on failure. */
static char *map_backing(enum backing b, char *addr, size_t len)
{
	int flags = MAP_FIXED | MAP_PRIVATE, fd = -1, advice = 0;
	char *p;

	switch (b) {
	case ANON:
		flags |= MAP_ANONYMOUS;
		advice = MADV_NOHUGEPAGE;
		break;
	case THP_ANON:
		flags |= MAP_ANONYMOUS;
		advice = MADV_HUGEPAGE;
		break;
	case MEMFD:
	case HUGETLB:
		fd = memfd_create("footprint", b == HUGETLB ? mfd_hugetlb(hsize) : 0);
		if (b == MEMFD)
			flags ^= MAP_PRIVATE | MAP_SHARED;
		break;
	case FILE_PRIVATE:
	case FILE_SHARED:
		fd = open(disk_dir, O_TMPFILE | O_RDWR, 0600);
		if (b == FILE_SHARED)
			flags ^= MAP_PRIVATE | MAP_SHARED;
		break;
	default:
		break;
	}
	if (!(flags & MAP_ANONYMOUS) && (fd < 0 || ftruncate(fd, len))) {
		CASE_FAIL("%s file: %s", backing_name[b], strerror(errno));
		return NULL;
	}
	p = mmap(addr, len, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (fd >= 0)
		close(fd);
	if (p != addr) {
		CASE_FAIL("mmap %s: %s", backing_name[b], strerror(errno));
		return NULL;
	}
	/* Without THP there is no THP to refuse (EINVAL). */
	if (advice && madvise(p, len, advice) && (thp || errno != EINVAL)) {
		CASE_FAIL("madvise(%d): %s", advice, strerror(errno));
		return NULL;
	}
	return p;
}

static char *map_anon_at(char *addr, size_t len, int prot)
{
	char *p = mmap(addr, len, prot, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != addr) {
		CASE_FAIL("mmap: %s", strerror(errno));
		return NULL;
	}
	/* A vma of its own, never a THP: its faults are one page each. */
	if (madvise(p, len, MADV_NOHUGEPAGE) && (thp || errno != EINVAL)) {
		CASE_FAIL("MADV_NOHUGEPAGE: %s", strerror(errno));
		return NULL;
	}
	return p;
}

/* The middle vma the geometry asks for. */
static int map_middle(struct layout *l)
{
	size_t len = UNITS * l->unit;
	char *p = l->m;
	int fd;

	switch (l->c->geom) {
	case G_INSIDE:
		p = map_backing(l->c->backing, l->m, len);
		break;
	case G_ACROSS:
		p = map_backing(l->c->backing == ANON ? MEMFD : ANON, l->m, len);
		break;
	case G_RDONLY:
		p = map_anon_at(l->m, len, PROT_READ);
		break;
	case G_HOLE:
		break;
	case G_PROTNONE:
		p = map_anon_at(l->m, len, PROT_NONE);
		break;
	case G_SIGBUS:
		/* A memfd of 0 bytes: every page of the mapping is past its end. */
		fd = memfd_create("footprint-eof", 0);
		p = fd < 0 ? MAP_FAILED : mmap(l->m, len, PROT_READ | PROT_WRITE,
					       MAP_FIXED | MAP_SHARED, fd, 0);
		if (fd >= 0)
			close(fd);
		if (p != l->m)
			return CASE_FAIL("memfd beyond EOF: %s", strerror(errno));
		break;
	default:
		p = map_anon_at(l->m, len, PROT_READ | PROT_WRITE);
		break;
	}
	return p ? 0 : -1;
}

static char *round_down(char *p, size_t g)
{
	return (char *)((uintptr_t)p / g * g);
}

static char *round_up(char *p, size_t g)
{
	return round_down(p + g - 1, g);
}

/* Read or write every base page of the vma at @p, but the guard units. */
static void touch(const struct layout *l, char *p, enum prior prior)
{
	char *below = round_down(l->start, l->unit) - l->unit;
	char *above = round_up(l->end, l->unit);
	size_t off;

	for (off = 0; prior != EMPTY && off < UNITS * l->unit; off += pagesize) {
		char *u = round_down(p + off, l->unit);

		if (u == below || u == above || u == l->cc)
			continue;
		if (prior == WRITTEN)
			__atomic_store_n(p + off, FILL, __ATOMIC_RELAXED);
		else
			(void)__atomic_load_n(p + off, __ATOMIC_RELAXED);
	}
}

static void snapshot(const struct layout *l, uint64_t *ent)
{
	off_t off = (uintptr_t)l->a / pagesize * sizeof(*ent);
	ssize_t want = l->nr * sizeof(*ent);

	if (pread(pagemap_fd(), ent, want, off) != want)
		bail("pread /proc/self/pagemap: %s", strerror(errno));
}

/* ---- the userfaultfd handler: the change lands while the call sleeps ---- */

struct trap {
	struct layout *l;
	int fd;
	char *src;		/* what M is filled with */
	volatile bool stop;
	int err;		/* errno of a change that failed */
	int faults;
};

static int make_change(struct layout *l)
{
	size_t len = UNITS * l->unit;

	switch (l->c->change) {
	/* C's first unit: the rest of C, after it, must stay as it was. */
	case UNMAP_NEXT:
		return munmap(l->cc, l->unit);
	case PROTECT_NEXT:
		return mprotect(l->cc, l->unit, PROT_NONE);
	case REPLACE_NEXT:
		/*
		 * Shared anonymous memory: a mapping that cannot merge with
		 * the rest of C (a merged vma is soft-dirty as a whole).
		 */
		return mmap(l->cc, l->unit, PROT_READ | PROT_WRITE,
			    MAP_FIXED | MAP_SHARED | MAP_ANONYMOUS, -1, 0) == l->cc ? 0 : -1;
	case MOVE_NEXT:
		return mremap(l->cc, l->unit, l->unit, MREMAP_MAYMOVE | MREMAP_FIXED,
			      l->moved) == l->moved ? 0 : -1;
	case ZAP_PREV:
		return madvise(l->start, l->m - l->start, MADV_DONTNEED);
	case UNMAP_PREV:
		return munmap(l->a, len);
	default:
		return 0;
	}
}

static void *trap_handler(void *arg)
{
	struct trap *t = arg;
	struct uffd_msg msg;

	while (!t->stop) {
		struct uffdio_copy copy = { 0 };

		if (!uffd_next_fault(t->fd, &msg, 5))
			continue;
		if (!t->faults++ && make_change(t->l))
			t->err = errno;
		/* All of M at once: one fault, one dropped mmap_lock. */
		copy.dst = (uintptr_t)t->l->m;
		copy.src = (uintptr_t)t->src;
		copy.len = UNITS * t->l->unit;
		if (ioctl(t->fd, UFFDIO_COPY, &copy) && errno != EEXIST) {
			struct uffdio_range wake = { .start = copy.dst, .len = copy.len };

			/* A failed copy wakes no one: the populate would hang. */
			t->err = errno;
			ioctl(t->fd, UFFDIO_WAKE, &wake);
		}
	}
	return NULL;
}

/* ---- the checks ---- */

static size_t page_of(const struct layout *l, const char *p)
{
	return (p - l->a) / pagesize;
}

static size_t granule(const struct layout *l)
{
	enum backing b = l->c->backing;

	if (b == THP_ANON || b == HUGETLB)
		return l->unit;
	if ((b == MEMFD || b == FILE_PRIVATE || b == FILE_SHARED) &&
	    l->c->advice == MADV_POPULATE_READ)
		return fault_around;
	return pagesize;
}

/* No vma in [p, p + len). */
static bool unmapped(char *p, size_t len)
{
	unsigned char vec;

	return mincore(p, pagesize, &vec) && errno == ENOMEM &&
	       mincore(p + len - pagesize, pagesize, &vec) && errno == ENOMEM;
}

static int check(const struct layout *l, int err, long hp_used)
{
	const struct fcase *c = l->c;
	size_t len = UNITS * l->unit, g = granule(l), i, gone_len = l->unit;
	char *stop = l->end, *must = l->start, *lo, *hi;
	char *gone = NULL, *fresh = NULL;
	long hp_new = 0;

	if (err != expected(c))
		return CASE_FAIL("returned %s, not %s", err ? strerror(err) : "0",
			      expected(c) ? strerror(expected(c)) : "0");
	/* Where populating stopped: the vma that failed. */
	if (err)
		stop = c->geom == G_RDONLY || c->geom == G_HOLE || c->geom == G_PROTNONE ||
		       c->geom == G_SIGBUS ? l->m : l->cc;
	if (c->change == ZAP_PREV || c->change == UNMAP_PREV)
		must = l->m;
	if (c->change == UNMAP_NEXT || c->change == MOVE_NEXT)
		gone = l->cc;
	if (c->change == UNMAP_PREV) {
		gone = l->a;
		gone_len = len;
	}
	if (c->change == REPLACE_NEXT)
		fresh = l->cc;

	for (i = page_of(l, must); i < page_of(l, round_up(stop, pagesize)); i++)
		if (!(l->after[i] & PM_PRESENT))
			return CASE_FAIL("page %zu (%zu of the range) not present",
				      i, i - page_of(l, l->start));

	lo = round_down(l->start, g);
	hi = err ? stop : round_up(l->end, g);
	for (i = 0; i < l->nr; i++) {
		char *p = l->a + i * pagesize;

		if (gone && p >= gone && p < gone + gone_len)
			continue;
		if (fresh && p >= fresh && p < fresh + l->unit) {
			if (p >= l->end && (l->after[i] & PM_PRESENT))
				return CASE_FAIL("the new C: page %zu, past the range, present", i);
			continue;
		}
		if (c->change == ZAP_PREV && p >= l->start && p < l->m)
			continue;
		if (p >= lo && p < hi)
			continue;
		if (l->after[i] != l->before[i])
			return CASE_FAIL("page %zu, %s the range [%zu, %zu), changed: pagemap %#llx, was %#llx",
				      i, p < lo ? "before" : "after", page_of(l, lo), page_of(l, hi),
				      (unsigned long long)l->after[i],
				      (unsigned long long)l->before[i]);
	}
	if (gone && !unmapped(gone, gone_len))
		return CASE_FAIL("the unmapped vma is back");
	/* C's first unit, moved: as it was (mremap marks it soft-dirty). */
	for (i = 0; c->change == MOVE_NEXT && i < l->unit / pagesize; i++) {
		size_t j = page_of(l, l->cc) + i;
		uint64_t now = pagemap_entry(l->moved + i * pagesize);

		if ((now ^ l->before[j]) & ~PM_SOFT_DIRTY)
			return CASE_FAIL("page %zu of C, moved, changed: pagemap %#llx, was %#llx",
				      i, (unsigned long long)now,
				      (unsigned long long)l->before[j]);
	}
	if (c->backing == HUGETLB) {
		/* Huge pages of A, C (M inside) that came and went; not M's. */
		for (i = 0; i < l->nr; i += l->unit / pagesize) {
			char *p = l->a + i * pagesize;
			bool gone_now = (gone && p >= gone && p < gone + gone_len) ||
					(fresh && p >= fresh && p < fresh + l->unit);

			if (p >= l->m && p < l->cc && c->geom != G_INSIDE)
				continue;
			hp_new += (!gone_now && (l->after[i] & PM_PRESENT)) -
				  !!(l->before[i] & PM_PRESENT);
		}
		if (hp_used != hp_new)
			return CASE_FAIL("the hugetlb pool lost %ld pages, %ld became present",
				      hp_used, hp_new);
	}
	return 0;
}

/* The free pages of the case's hugetlb pool; 0 for other backings. */
static long pool_free(void)
{
	char buf[32];

	return hsize && hugetlb_knob(hsize, "free_hugepages", buf, sizeof(buf)) ? atol(buf) : 0;
}

/* Build, snapshot, populate, snapshot, check: the result in case_result[]. */
static int run_case(const void *arg)
{
	const struct fcase *c = arg;
	struct layout l = { .c = c };
	struct trap t = { .l = &l, .fd = -1 };
	size_t len, align;
	pthread_t th;
	long free_hp;
	char *hole;
	int err;

	if ((c->backing == FILE_PRIVATE || c->backing == FILE_SHARED) && !disk_dir)
		return CASE_SKIP("no disk directory given (-d DIR)");
	if (c->backing == THP_ANON && (!thp || thp_never))
		return CASE_SKIP("no transparent huge pages (%s)",
				 thp ? "enabled=never" : "not in this kernel");
	if (c->backing == HUGETLB) {
		if (!nr_hsizes)
			return CASE_SKIP("no hugetlb in this kernel");
		if (hfree[c->hs] < 3 * UNITS)
			return CASE_SKIP("%ld free %s hugetlb pages, %d needed", hfree[c->hs],
					 size_name(hsizes[c->hs]), 3 * UNITS);
		hsize = hsizes[c->hs];
	}
	l.unit = c->backing == THP_ANON ? thp : c->backing == HUGETLB ? hsize : base_unit;
	len = UNITS * l.unit;
	align = thp > l.unit ? thp : l.unit;
	/* Room for A M C and a free unit on either side. */
	hole = mmap(NULL, 5 * len + 2 * align, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (hole == MAP_FAILED)
		return CASE_FAIL("mmap: %s", strerror(errno));
	munmap(hole, 5 * len + 2 * align);
	l.a = round_up(hole + len, align);
	l.m = l.a + len;
	l.cc = l.m + len;
	l.nr = 3 * len / pagesize;

	/*
	 * C's first unit is a vma of its own for hugetlb: the changes below
	 * then unmap or protect a whole vma.  Splitting a hugetlb vma warns
	 * on 5.10.262 under lockdep (its hugetlb_split() backport runs before
	 * __vma_adjust() takes the i_mmap lock), a bug of the base.
	 */
	if (c->backing == HUGETLB) {
		if (!map_backing(HUGETLB, l.cc, l.unit) ||
		    !map_backing(HUGETLB, l.cc + l.unit, len - l.unit))
			return -1;
	} else if (!map_backing(c->backing, l.cc, len)) {
		return -1;
	}
	if (!map_backing(c->backing, l.a, len) || map_middle(&l))
		return -1;
	if (c->change == MOVE_NEXT) {
		/* After A M C, aligned as C, so that a huge pmd moves as it is. */
		l.moved = mmap(NULL, l.unit + align, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (l.moved == MAP_FAILED)
			return CASE_FAIL("mmap: %s", strerror(errno));
		l.moved = round_up(l.moved, align);
	}
	/* Mid-unit ends, and a length that ends half a page short. */
	switch (c->geom) {
	case G_INSIDE:
		l.start = l.m + l.unit + l.unit / 2;
		l.end = l.m + 3 * l.unit - l.unit / 2;
		break;
	case G_UFFD_FIRST:
		l.start = l.m;
		l.end = l.cc + 2 * l.unit - l.unit / 2;
		break;
	case G_UFFD_LAST:
		l.start = l.a + 2 * l.unit + l.unit / 2;
		l.end = l.cc;
		break;
	default:
		l.start = l.a + 2 * l.unit + l.unit / 2;
		l.end = l.cc + 2 * l.unit - l.unit / 2;
		break;
	}
	l.len = l.end - l.start - pagesize / 2;

	/*
	 * The state, but for the unit just below the range, the unit just
	 * above it and C's first unit: they stay empty, so that a populate
	 * that strays into them, or goes on after the vma that failed, is
	 * seen even where the pages around them are already mapped.
	 */
	touch(&l, l.a, c->prior);
	touch(&l, l.cc, c->prior);
	if (c->geom == G_INSIDE || c->geom == G_ACROSS)
		touch(&l, l.m, c->prior);
	if (c->geom == G_RDONLY)
		touch(&l, l.m, c->prior == EMPTY ? EMPTY : READ);

	if (is_trap(c->geom)) {
		t.src = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
		if (t.src == MAP_FAILED)
			return CASE_FAIL("mmap: %s", strerror(errno));
		memset(t.src, FILL, len);
		t.fd = uffd_open(l.m, len, UFFDIO_REGISTER_MODE_MISSING, 0);
		if (t.fd < 0)
			return CASE_SKIP("userfaultfd: %s", strerror(errno));
		if (pthread_create(&th, NULL, trap_handler, &t))
			return CASE_FAIL("pthread_create failed");
	}

	l.before = calloc(l.nr, sizeof(uint64_t));
	l.after = calloc(l.nr, sizeof(uint64_t));
	if (!l.before || !l.after)
		return CASE_FAIL("out of memory");
	if (soft_dirty)
		clear_page_refs("4");
	snapshot(&l, l.before);
	free_hp = pool_free();
	err = populate(l.start, l.len, c->advice);
	free_hp -= pool_free();
	snapshot(&l, l.after);

	if (is_trap(c->geom)) {
		t.stop = true;
		pthread_join(th, NULL);
		if (t.err)
			return CASE_FAIL("the change or UFFDIO_COPY failed: %s", strerror(t.err));
		if (t.faults != 1)
			return CASE_FAIL("the handler served %d faults, not 1", t.faults);
	}
	return check(&l, err, free_hp);
}

enum action { COUNT, LIST, RUN };

static int walk(const char *pattern, enum action act)
{
	static const int advices[] = { MADV_POPULATE_READ, MADV_POPULATE_WRITE };
	const int all = NR_BACKINGS * NR_PRIORS * NR_GEOMS * NR_CHANGES * 2;
	char name[160];
	struct fcase c;
	int i, n = 0;

	for (i = 0; i < all; i++) {
		int d = i;

		c.advice = advices[d % 2];
		d /= 2;
		c.change = d % NR_CHANGES;
		d /= NR_CHANGES;
		c.geom = d % NR_GEOMS;
		d /= NR_GEOMS;
		c.prior = d % NR_PRIORS;
		c.backing = d / NR_PRIORS;
		if (!exists(&c))
			continue;
		/* hugetlb: the same case for every size */
		for (c.hs = 0; c.hs < (c.backing == HUGETLB && nr_hsizes ? nr_hsizes : 1); c.hs++) {
			case_name(&c, name, sizeof(name));
			if (pattern && !strstr(name, pattern))
				continue;
			n++;
			if (act == LIST)
				printf("%s\n", name);
			else if (act == RUN)
				case_report(name, run_case, &c, 60);
		}
	}
	return n;
}

/* Nothing but the populate may change a page while a case runs. */
static void quiet(void)
{
	static const char * const off[][2] = {
		{ "/proc/sys/kernel/numa_balancing", "0" },
		{ "/sys/kernel/mm/ksm/run", "0" },
		{ "/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs",
		  "86400000" },
		/* Writing the sleep wakes it for one scan: let it collapse nothing. */
		{ "/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none", "0" },
		{ "/proc/sys/vm/compaction_proactiveness", "0" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		if (knob_read(off[i][0], buf, sizeof(buf)) && !knob_set(off[i][0], off[i][1]))
			ksft_print_msg("cannot set %s: a case may see its work\n", off[i][0]);
}

int main(int argc, char **argv)
{
	const char *pattern;
	bool only_list = false;
	char buf[32], *p;
	int i;

	pattern = case_options(argc, argv, &only_list);
	nr_hsizes = hugetlb_sizes(hsizes, NR_HSIZES);
	if (only_list) {
		walk(pattern, LIST);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	pagesize = sysconf(_SC_PAGESIZE);
	if (madvise(NULL, 0, MADV_POPULATE_READ))
		ksft_exit_skip("MADV_POPULATE_READ not supported by this kernel\n");
	if (access("/proc/self/pagemap", R_OK))
		ksft_exit_skip("no /proc/self/pagemap: %s\n", strerror(errno));
	/* Without root pagemap hides the pfns: a broken COW would not show. */
	if (geteuid())
		ksft_exit_skip("needs root: pfns in pagemap, the knobs, the hugetlb pool\n");
	/* A page just written to in a new mapping is soft-dirty, if tracked. */
	p = map_anon(pagesize, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	__atomic_store_n(p, 1, __ATOMIC_RELAXED);
	soft_dirty = pagemap_entry(p) & PM_SOFT_DIRTY;
	munmap(p, pagesize);

	/* Read faults of a file map up to fault_around_bytes around them. */
	fault_around = 65536;
	if (knob_read("/sys/kernel/debug/fault_around_bytes", buf, sizeof(buf)))
		fault_around = atol(buf);
	base_unit = 16 * pagesize > fault_around ? 16 * pagesize : fault_around;
	thp = thp_size();
	thp_never = knob_read("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf)) &&
		    !strcmp(buf, "never");

	knobs_init();
	quiet();
	ksft_print_msg("unit %zu KiB (fault-around %zu KiB), THP %zu KiB, soft-dirty %s\n",
		       base_unit / 1024, fault_around / 1024, thp / 1024,
		       soft_dirty ? "tracked" : "not tracked");
	/* A, M and C: twelve huge pages. */
	for (i = 0; i < nr_hsizes; i++) {
		hfree[i] = hugetlb_reserve(hsizes[i], 3 * UNITS);
		ksft_print_msg("hugetlb %s: %ld free pages\n", size_name(hsizes[i]), hfree[i]);
	}

	ksft_set_plan(walk(pattern, COUNT));
	walk(pattern, RUN);
	knobs_restore();
	return ksft_get_fail_cnt() ? ksft_exit_fail() : ksft_exit_pass();
}
