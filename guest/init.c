// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the workbench guest.  Static, no libraries beyond libc.
 *
 * Mounts the pseudo filesystems, then does what the kernel command line
 * asks (wb.mode=):
 *
 *   list   run every line of the list file wb.list= (default
 *          /etc/wb/tests.list), one test program at a time, each with its
 *          own timeout, and write KTAP to the port wb.port= (default
 *          /dev/ttyS1; the arch file says which): one result line per program
 *          with the program's own output nested under it.  With wb.stop=1
 *          the programs after a failed one are not run but reported as
 *          skipped (make mutants: one failure kills a mutant).
 *   exec   mount the host's root (9p, read-only), chroot into it with a
 *          writable /tmp, run /etc/wb/cmd with /bin/sh in /etc/wb/cwd,
 *          send its output to the KTAP port and its exit status to the
 *          port wb.status= (default /dev/ttyS2), a line "N".
 *   ktap   the same as exec; the host judges the command's output as KTAP
 *          (make kselftest).
 *   shell  an interactive busybox shell on the console; the host's root
 *          is at /host.
 *   probe  nothing: reaching /init is all scripts/accel.sh asks of a boot.
 *
 * Before and after each program a marker goes to /dev/kmsg, so that the
 * host can name the test that was running when the kernel splatted.  Last,
 * a sentinel line says the run ended, and the guest reboots (QEMU runs with
 * -no-reboot, so it exits).  A missing sentinel means the guest crashed.
 *
 * List file lines: "NAME TIMEOUT_SECONDS COMMAND...", run as
 * /bin/sh -c COMMAND in /tests; '#' starts a comment line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KTAP_PORT	"/dev/ttyS1"	/* unless wb.port= says another */
#define STATUS_PORT	"/dev/ttyS2"	/* unless wb.status= says another */
#define SENTINEL	"# wb: end of run"
#define MAX_TESTS	256
#define LINE_MAX_LEN	4096
#define P9_OPTS		"trans=virtio,version=9p2000.L,cache=loose,msize=262144"

static FILE *out;	/* KTAP / command output port */

static void kmsg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* A failed write has nowhere else to be reported. */
	(void)!write(fd, buf, n > 0 && n < (int)sizeof(buf) ? n : (int)strlen(buf));
	close(fd);
}

static void try_mount(const char *src, const char *dst, const char *type,
		      unsigned long flags, const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) && errno != EBUSY)
		kmsg("<4>wb: mount %s on %s: %s\n", type, dst, strerror(errno));
}

/* mkdir -p: make @path and its parents; errors show in the mount after. */
static void mkdir_p(const char *path)
{
	char buf[4096], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

static void mount_pseudo(const char *root)
{
	static const struct {
		const char *src, *dst, *type, *data;
	} m[] = {
		{ "proc", "/proc", "proc", NULL },
		{ "sysfs", "/sys", "sysfs", NULL },
		{ "devtmpfs", "/dev", "devtmpfs", NULL },
		{ "tmpfs", "/dev/shm", "tmpfs", "mode=1777" },
		{ "tmpfs", "/tmp", "tmpfs", "mode=1777" },
		{ "tmpfs", "/run", "tmpfs", "mode=755" },
		{ "debugfs", "/sys/kernel/debug", "debugfs", NULL },
		{ "cgroup2", "/sys/fs/cgroup", "cgroup2", NULL },
	};
	static const struct {
		const char *name, *target;
	} links[] = {
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", root, m[i].dst);
		try_mount(m[i].src, path, m[i].type, 0, m[i].data);
	}
	/*
	 * devtmpfs has device nodes only; udev makes these links on a real
	 * machine, and scripts use them (kselftest's runner writes to
	 * /dev/stdout, bash's process substitution needs /dev/fd).
	 */
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/dev/%s", root, links[i].name);
		if (symlink(links[i].target, path) && errno != EEXIST)
			fprintf(stderr, "wb: cannot link %s: %s\n", path, strerror(errno));
	}
}

/* A copy of KEY's value on the kernel command line, or NULL. */
static char *cmdline_value(const char *key)
{
	char buf[4096];
	char *tok, *save;
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/cmdline", "re");

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strncmp(tok, key, klen) && tok[klen] == '=')
			return strdup(tok + klen + 1);
	return NULL;
}

static char *read_file(const char *path)
{
	static char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return buf;
}

/* One line of the guest's facts for the logs: what the suite ran on. */
static void guest_facts(void)
{
	static const struct {
		const char *what, *path;
	} f[] = {
		{ "kernel", "/proc/sys/kernel/osrelease" },
		{ "NUMA nodes", "/sys/devices/system/node/online" },
		{ "THP", "/sys/kernel/mm/transparent_hugepage/enabled" },
		{ "NUMA balancing", "/proc/sys/kernel/numa_balancing" },
	};
	size_t i;
	char *v;

	fprintf(out, "# wb: guest:");
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		v = read_file(f[i].path);
		if (v)
			v[strcspn(v, "\n")] = 0;
		fprintf(out, "%s %s %s", i ? "," : "", f[i].what, v ? v : "(none)");
	}
	fprintf(out, "\n");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Copy the pipe to the port, each line indented by @indent. */
struct relay {
	int fd;
	const char *indent;
	int at_bol;
};

static int relay_some(struct relay *r, int timeout_ms)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	char buf[LINE_MAX_LEN];
	ssize_t n, i;

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	n = read(r->fd, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (r->at_bol)
			fputs(r->indent, out);
		fputc(buf[i], out);
		r->at_bol = buf[i] == '\n';
	}
	fflush(out);
	return 1;
}

static void relay_end(struct relay *r)
{
	if (!r->at_bol) {
		fputc('\n', out);
		fflush(out);
	}
	close(r->fd);
}

/*
 * Run @cmd with /bin/sh in @dir, its output relayed to the port with
 * @indent.  Returns the wait status; *timed_out says it was killed for
 * exceeding @timeout seconds (0: no limit).
 */
static int run_cmd(const char *cmd, const char *dir, const char *indent,
		   int timeout, int *timed_out)
{
	struct relay r = { .indent = indent, .at_bol = 1 };
	double deadline = timeout ? now() + timeout : 0;
	int pfd[2], status = 0, done = 0, eof = 0;
	pid_t pid;

	*timed_out = 0;
	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		setsid();
		dup2(null, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		if (chdir(dir))
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		fprintf(stderr, "wb: cannot run /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	r.fd = pfd[0];

	while (!done || !eof) {
		if (!eof && relay_some(&r, 200) < 0)
			eof = 1;
		if (!done && waitpid(pid, &status, WNOHANG) == pid) {
			done = 1;
			/* Leftover children must not hold the pipe open. */
			kill(-pid, SIGKILL);
			deadline = now() + 2;
		}
		if (deadline && now() > deadline) {
			if (!done) {
				*timed_out = 1;
				kill(-pid, SIGKILL);
				waitpid(pid, &status, 0);
				done = 1;
				deadline = now() + 2;
			} else {
				break;
			}
		}
		if (eof && !done)
			usleep(20000);
	}
	relay_end(&r);
	return status;
}

struct test {
	char *name;
	int timeout;
	char *cmd;
};

static int parse_list(char *text, struct test *t)
{
	char *line, *save, *p;
	int n = 0;

	for (line = strtok_r(text, "\n", &save); line && n < MAX_TESTS;
	     line = strtok_r(NULL, "\n", &save)) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		t[n].name = line;
		p = strpbrk(line, " \t");
		if (!p)
			continue;
		*p++ = 0;
		t[n].timeout = (int)strtol(p, &p, 10);
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || t[n].timeout <= 0)
			continue;
		t[n].cmd = p;
		n++;
	}
	return n;
}

static void run_list(const char *list)
{
	static struct test t[MAX_TESTS];
	char *text = read_file(list), *stop = cmdline_value("wb.stop");
	int i, n, status, timed_out, failed = 0;
	double t0;

	if (!text) {
		fprintf(out, "# wb: cannot read %s\n", list);
		return;
	}
	n = parse_list(text, t);
	fprintf(out, "KTAP version 1\n1..%d\n", n);
	fflush(out);
	for (i = 0; i < n; i++) {
		if (failed && stop && !strcmp(stop, "1")) {
			fprintf(out, "ok %d %s # SKIP not run: a program before it failed (wb.stop=1)\n",
				i + 1, t[i].name);
			continue;
		}
		kmsg("<5>wb: begin test %s\n", t[i].name);
		fprintf(out, "# wb: begin %s: %s\n", t[i].name, t[i].cmd);
		fflush(out);
		t0 = now();
		status = run_cmd(t[i].cmd, "/tests", "    ", t[i].timeout, &timed_out);
		kmsg("<5>wb: end test %s\n", t[i].name);
		fprintf(out, "# wb: %s took %.1fs\n", t[i].name, now() - t0);
		if (timed_out)
			fprintf(out, "not ok %d %s # TIMEOUT after %ds\n", i + 1,
				t[i].name, t[i].timeout);
		else if (status < 0)
			fprintf(out, "not ok %d %s # cannot start\n", i + 1, t[i].name);
		else if (WIFSIGNALED(status))
			fprintf(out, "not ok %d %s # killed by signal %d\n", i + 1,
				t[i].name, WTERMSIG(status));
		else if (WEXITSTATUS(status) == 0)
			fprintf(out, "ok %d %s\n", i + 1, t[i].name);
		else if (WEXITSTATUS(status) == 4)
			fprintf(out, "ok %d %s # SKIP\n", i + 1, t[i].name);
		else
			fprintf(out, "not ok %d %s # exit status %d\n", i + 1,
				t[i].name, WEXITSTATUS(status));
		failed |= timed_out || status < 0 || WIFSIGNALED(status) ||
			  (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 4);
		fflush(out);
	}
}

/*
 * An exec's exit status goes to a port of its own (wb.status=), not into
 * the command's output: nothing the command prints can pose as it, and
 * the host reads it without parsing the output.
 */
static void report_status(int status)
{
	char *port = cmdline_value("wb.status");
	FILE *f = fopen(port ? port : STATUS_PORT, "we");

	if (!f) {
		fprintf(out, "wb: cannot open the status port %s: %s\n",
			port ? port : STATUS_PORT, strerror(errno));
		return;
	}
	fprintf(f, "%d\n", status);
	fclose(f);
}

static void run_exec(void)
{
	char *cmd = read_file("/etc/wb/cmd"), *cwd, *root = cmdline_value("wb.root");
	/* The host's programs are of another architecture: stay in the guest. */
	int guest_root = root && !strcmp(root, "guest");
	char path[4096];
	int status, timed_out;

	if (!cmd) {
		report_status(127);
		return;
	}
	cmd = strdup(cmd);
	cwd = read_file("/etc/wb/cwd");
	cwd = strdup(cwd && strtok(cwd, "\n") ? cwd : "/");
	try_mount("hostroot", "/host", "9p", MS_RDONLY, P9_OPTS);
	if (guest_root) {
		/* The guest's busybox and /tests; the host's files under /host. */
		snprintf(path, sizeof(path), "/host%s", cwd);
		cwd = strdup(path);
	} else {
		mount_pseudo("/host");
		if (chroot("/host") || chdir("/")) {
			fprintf(out, "wb: cannot enter the host root: %s\n", strerror(errno));
			report_status(127);
			return;
		}
	}
	/*
	 * A working directory under one of the guest's own mounts (a checkout
	 * in /tmp, say) is hidden by them: the host shares it on its own.
	 */
	if (chdir(cwd)) {
		mkdir_p(cwd);
		try_mount("cwd", cwd, "9p", MS_RDONLY, P9_OPTS);
		if (chdir(cwd)) {
			fprintf(out, "wb: warning: %s is not visible in the guest (%s); running in /\n",
				cwd, strerror(errno));
			cwd = "/";
		}
	}
	setenv("HOME", "/tmp", 1);
	kmsg("<5>wb: begin test exec\n");
	status = run_cmd(cmd, cwd, "", 0, &timed_out);
	kmsg("<5>wb: end test exec\n");
	report_status(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static void run_shell(void)
{
	pid_t pid;

	try_mount("hostroot", "/host", "9p", MS_RDONLY, P9_OPTS);
	pid = fork();
	if (!pid) {
		int fd;

		setsid();
		fd = open("/dev/ttyS0", O_RDWR);
		if (fd >= 0) {
			ioctl(fd, TIOCSCTTY, 1);
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		(void)!chdir("/tests");
		execl("/bin/sh", "sh", "-i", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

int main(void)
{
	const char *mode, *list, *port;

	mount_pseudo("");
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("TERM", "dumb", 0);

	port = cmdline_value("wb.port");
	out = fopen(port ? port : KTAP_PORT, "we");
	if (!out)
		out = stdout;
	mode = cmdline_value("wb.mode");
	if (!mode)
		mode = "list";
	list = cmdline_value("wb.list");
	if (strcmp(mode, "probe") && strcmp(mode, "shell") && strcmp(mode, "exec"))
		guest_facts();
	if (!strcmp(mode, "exec") || !strcmp(mode, "ktap"))
		run_exec();
	else if (!strcmp(mode, "shell"))
		run_shell();
	else if (!strcmp(mode, "probe"))
		fprintf(out, "# wb: probe reached /init\n");
	else
		run_list(list ? list : "/etc/wb/tests.list");

	fprintf(out, "%s\n", SENTINEL);
	fflush(out);
	kmsg("<5>wb: end of run\n");
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
