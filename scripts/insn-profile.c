// SPDX-License-Identifier: GPL-2.0
/*
 * insn-profile: a QEMU TCG plugin for make bench-profile.  It counts the
 * guest instructions executed between two marker instructions, by the
 * translation block that executed them.  At each stop marker it appends the
 * region just counted to the output file, a line per block that ran in it,
 * and starts the next region from zero:
 *
 *   # region N
 *   VADDR_HEX  INSNS_IN_BLOCK  EXECUTIONS
 *
 * The markers are x86 no-ops that nothing else executes:
 * "xchg %bx,%bx" (66 87 db) starts counting, "xchg %cx,%cx" (66 87 c9)
 * stops it (guest/madv_populate_bench.c -P puts them around a cell's
 * timed region).  A block that a fault leaves early is counted whole: the
 * user-space loop of touching by hand is over-counted by its faulting
 * instruction's tail, populate not at all (it runs in the kernel).
 *
 * Usage: qemu-system-x86_64 ... -plugin insn-profile.so,out=FILE
 * One vCPU: the counters are not atomic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t execs;
};

static const unsigned char start_marker[] = { 0x66, 0x87, 0xdb };
static const unsigned char stop_marker[] = { 0x66, 0x87, 0xc9 };

/*
 * Open addressing on (vaddr, insns): a block translated again (after a TB
 * flush, or with another length) adds to the same record.  The table holds
 * pointers, since the exec callbacks keep them across a resize.
 */
static struct block **table;
static size_t table_size, table_used;
static int counting;
static unsigned long regions;
static FILE *out;

static size_t slot(uint64_t vaddr, uint64_t insns, size_t size)
{
	uint64_t h = (vaddr ^ (insns << 48)) * 0x9e3779b97f4a7c15ULL;

	return (h >> 17) & (size - 1);
}

static void grow(void)
{
	size_t i, j, size = table_size ? table_size * 2 : 1 << 16;
	struct block **t = calloc(size, sizeof(*t));

	if (!t) {
		fprintf(stderr, "insn-profile: out of memory\n");
		abort();
	}
	for (i = 0; i < table_size; i++) {
		if (!table[i])
			continue;
		for (j = slot(table[i]->vaddr, table[i]->insns, size); t[j];
		     j = (j + 1) & (size - 1))
			;
		t[j] = table[i];
	}
	free(table);
	table = t;
	table_size = size;
}

static struct block *lookup(uint64_t vaddr, uint64_t insns)
{
	size_t j;

	if (2 * (table_used + 1) > table_size)
		grow();
	for (j = slot(vaddr, insns, table_size); table[j]; j = (j + 1) & (table_size - 1))
		if (table[j]->vaddr == vaddr && table[j]->insns == insns)
			return table[j];
	table[j] = calloc(1, sizeof(**table));
	if (!table[j]) {
		fprintf(stderr, "insn-profile: out of memory\n");
		abort();
	}
	table[j]->vaddr = vaddr;
	table[j]->insns = insns;
	table_used++;
	return table[j];
}

static void on_block(unsigned int vcpu, void *udata)
{
	if (counting)
		((struct block *)udata)->execs++;
}

static void on_start(unsigned int vcpu, void *udata)
{
	counting = 1;
}

/* The region's blocks to the file, and their counts back to zero. */
static void on_stop(unsigned int vcpu, void *udata)
{
	size_t i;

	if (!counting)
		return;
	counting = 0;
	fprintf(out, "# region %lu\n", ++regions);
	for (i = 0; i < table_size; i++) {
		if (!table[i] || !table[i]->execs)
			continue;
		fprintf(out, "%llx\t%llu\t%llu\n", (unsigned long long)table[i]->vaddr,
			(unsigned long long)table[i]->insns,
			(unsigned long long)table[i]->execs);
		table[i]->execs = 0;
	}
	fflush(out);
}

static int is_marker(struct qemu_plugin_insn *insn, const unsigned char *marker)
{
	return qemu_plugin_insn_size(insn) == 3 &&
	       !memcmp(qemu_plugin_insn_data(insn), marker, 3);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t i, n = qemu_plugin_tb_n_insns(tb);

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (is_marker(insn, start_marker))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
		else if (is_marker(insn, stop_marker))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_stop,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS,
					     lookup(qemu_plugin_tb_vaddr(tb), n));
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out = fopen(argv[i] + 4, "w");
	if (!out) {
		fprintf(stderr, "insn-profile: usage: -plugin insn-profile.so,out=FILE (a writable file)\n");
		return -1;
	}
	grow();
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	return 0;
}
