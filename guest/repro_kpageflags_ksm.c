// SPDX-License-Identifier: GPL-2.0
/*
 * repro_kpageflags_ksm: /proc/kpageflags must not report KPF_KSM for a
 * private anonymous page that KSM never saw.
 *
 * 6.12.118's stable_page_flags() (fs/proc/page.c) tests
 * "mapping & PAGE_MAPPING_KSM"; PAGE_MAPPING_KSM is PAGE_MAPPING_ANON |
 * PAGE_MAPPING_MOVABLE, so the test is true for every anonymous folio and
 * every one is reported as a KSM page.  A KSM folio is one whose mapping's
 * flag bits equal PAGE_MAPPING_KSM (folio_test_ksm()); 6.1 asks
 * PageKsm(), and a 6.18 kernel reports this page correctly.
 *
 * Exit 0: KPF_ANON without KPF_KSM.  1: KPF_KSM.  4: cannot read the flags
 * (needs root).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define KPF_ANON	12
#define KPF_KSM		21
#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)

int main(void)
{
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kpf = open("/proc/kpageflags", O_RDONLY);
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t ent = 0, flags = 0;

	if (p == MAP_FAILED || pm < 0 || kpf < 0) {
		printf("cannot map a page or open pagemap and kpageflags\n");
		return 4;
	}
	memset(p, 'a', 4096);
	if (pread(pm, &ent, sizeof(ent), (uintptr_t)p / 4096 * sizeof(ent)) != sizeof(ent) ||
	    !(ent & PM_PRESENT) || !(ent & PM_PFN_MASK) ||
	    pread(kpf, &flags, sizeof(flags), (ent & PM_PFN_MASK) * sizeof(flags)) != sizeof(flags)) {
		printf("no page frame number (not root?)\n");
		return 4;
	}
	printf("a fresh private anonymous page: KPF_ANON %d, KPF_KSM %d\n",
	       !!(flags & (1ULL << KPF_ANON)), !!(flags & (1ULL << KPF_KSM)));
	return (flags & (1ULL << KPF_ANON)) && !(flags & (1ULL << KPF_KSM)) ? 0 : 1;
}
