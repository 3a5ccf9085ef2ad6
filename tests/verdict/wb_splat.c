// SPDX-License-Identifier: GPL-2.0
/*
 * Not part of the series: the workbench's splat triggers, for recording
 * real kernel splats that LKDTM cannot produce (tests/verdict/record.sh).
 * Writing a name to /sys/kernel/debug/wb-splat does one of:
 *   recursive  take a rwsem for reading twice: lockdep's recursive locking
 *   circular   take two mutexes in both orders: lockdep's circular locking
 *   bad-page   free a page with PG_locked set: "Bad page state"
 *   bad-rss    leave the writer's mm with an rss counter that is off by
 *              one: "Bad rss-counter state" when the process exits
 *   gpf        write to a non-canonical address (x86_64), out of KASAN's
 *              sight: "general protection fault"
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static DECLARE_RWSEM(wb_sem);
static DEFINE_MUTEX(wb_a);
static DEFINE_MUTEX(wb_b);

/* Not instrumented: KASAN would report the access itself, first. */
static noinline __no_sanitize_address void wb_splat_gpf(void)
{
	*(volatile unsigned long *)0xdead000000000000UL = 0;
}

static ssize_t wb_splat_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char buf[16];
	struct page *page;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	strim(buf);
	if (!strcmp(buf, "recursive")) {
		down_read(&wb_sem);
		down_read(&wb_sem);
		up_read(&wb_sem);
		up_read(&wb_sem);
	} else if (!strcmp(buf, "circular")) {
		mutex_lock(&wb_a);
		mutex_lock(&wb_b);
		mutex_unlock(&wb_b);
		mutex_unlock(&wb_a);
		mutex_lock(&wb_b);
		mutex_lock(&wb_a);
		mutex_unlock(&wb_a);
		mutex_unlock(&wb_b);
	} else if (!strcmp(buf, "bad-page")) {
		page = alloc_page(GFP_KERNEL);
		if (!page)
			return -ENOMEM;
		__SetPageLocked(page);
		__free_page(page);
	} else if (!strcmp(buf, "bad-rss")) {
		add_mm_counter(current->mm, MM_ANONPAGES, 1);
	} else if (IS_ENABLED(CONFIG_X86_64) && !strcmp(buf, "gpf")) {
		wb_splat_gpf();
	} else {
		return -EINVAL;
	}
	return count;
}

static const struct file_operations wb_splat_fops = {
	.write = wb_splat_write,
};

static int __init wb_splat_init(void)
{
	debugfs_create_file("wb-splat", 0200, NULL, NULL, &wb_splat_fops);
	return 0;
}
late_initcall(wb_splat_init);
