/* direct_ops: times a few kernel operations directly, with nothing of boxbench's harness, run
 * loop or probes in the way, so scripts/crosscheck can compare boxbench's medians with these.
 * Only libc: the overlay options, the mounts and the timing are all written out here again.
 *
 * usage: direct_ops --work DIR [--iterations N] [--warmup N] OP...
 *   mount:STACK              mount(2) of every layer of STACK on a fresh upper/work pair
 *   copyup:STACK:PATH        open(PATH, O_WRONLY) on a fresh overlay (parent copied up and
 *                            PATH resolved first, outside the timing)
 *   lookup:STACK:PATH        fstatat(root, PATH, AT_SYMLINK_NOFOLLOW) on a fresh overlay
 *   netns                    unshare(CLONE_NEWNET) in a fresh child
 *   pivot                    pivot_root(".", ".") into a tmpfs and umount2(".", MNT_DETACH) of
 *                            the old root, in a child's new mount ns, a grace period after
 *                            its creation
 * STACK is a stack dir of boxbench's cache (layers in STACK/l/0 .. l/D-1, 0 at the bottom).
 * The ops take turns, one iteration each, as boxbench interleaves its cases. Prints one line per
 * measured iteration: "<op> <ns>". Runs in a private mount namespace of its own, so nothing it
 * mounts outlives it; it removes what it made under --work. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_OPS 16

enum kind { K_MOUNT, K_COPYUP, K_LOOKUP, K_NETNS, K_PIVOT };

struct op {
	enum kind kind;
	const char *label; /* the OP argument as given */
	char stack[512];
	char path[256];
	unsigned depth;
	char dir[600]; /* this op's upper/work/merged live here */
};

static const char *work_root;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static void die(const char *fmt, const char *a, int code)
{
	fprintf(stderr, "direct_ops: ");
	fprintf(stderr, fmt, a);
	if (code)
		fprintf(stderr, ": %s", strerror(code));
	fprintf(stderr, "\n");
	exit(1);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	return (type == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

/* rm -rf that stays on path's file system: never into a mount below it. */
static void remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0 && errno == ENOENT)
		return;
	if (nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		die("cannot remove %s", path, errno);
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die("cannot create %s", path, errno);
}

static unsigned count_layers(const char *stack)
{
	char l[600];
	unsigned n = 0;
	struct stat st;

	for (;; n++) {
		snprintf(l, sizeof(l), "%s/l/%u", stack, n);
		if (stat(l, &st) < 0)
			break;
	}
	if (!n)
		die("%s holds no layers (l/0 is missing): give a stack dir of boxbench's cache",
		    stack, 0);
	return n;
}

/* Fresh upper and work dirs, and a mount point. */
static void fresh_dirs(const struct op *o)
{
	char p[700];

	snprintf(p, sizeof(p), "%s/upper", o->dir);
	remove_tree(p);
	make_dir(p);
	snprintf(p, sizeof(p), "%s/work", o->dir);
	remove_tree(p);
	make_dir(p);
	snprintf(p, sizeof(p), "%s/merged", o->dir);
	make_dir(p);
}

/* mount(2)'s data: absolute layer paths when they fit in a page, else names relative to the
 * stack's l/ dir (then *rel is set and the caller mounts from there). */
static void overlay_data(const struct op *o, char *data, size_t size, int *rel)
{
	size_t len;

	for (*rel = 0; *rel <= 1; (*rel)++) {
		len = (size_t)snprintf(data, size, "lowerdir=");
		for (unsigned i = 0; i < o->depth && len < size; i++)
			len += (size_t)snprintf(data + len, size - len, "%s%s%s%u", i ? ":" : "",
						*rel ? "" : o->stack, *rel ? "" : "/l/",
						o->depth - 1 - i);
		if (len < size)
			len += (size_t)snprintf(data + len, size - len,
						",upperdir=%s/upper,workdir=%s/work", o->dir,
						o->dir);
		if (len < size)
			return;
	}
	die("the mount options for %s do not fit in a page even with short names", o->stack, 0);
}

/* Mounts the op's overlay; returns the ns mount(2) took. */
static unsigned long long overlay_mount(const struct op *o)
{
	char data[4096], target[700], l[600];
	unsigned long long t0, t1;
	int rel, r, code, cwd = -1;

	overlay_data(o, data, sizeof(data), &rel);
	snprintf(target, sizeof(target), "%s/merged", o->dir);
	if (rel) {
		cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		snprintf(l, sizeof(l), "%s/l", o->stack);
		if (cwd < 0 || chdir(l) < 0)
			die("cannot change into %s", l, errno);
	}
	t0 = now_ns();
	r = mount("overlay", target, "overlay", 0, data);
	t1 = now_ns();
	code = errno;
	if (rel && fchdir(cwd) < 0)
		die("cannot return from %s", l, errno);
	if (cwd >= 0)
		close(cwd);
	if (r < 0)
		die("cannot mount overlay on %s", target, code);
	return t1 - t0;
}

static void overlay_umount(const struct op *o)
{
	char target[700];

	snprintf(target, sizeof(target), "%s/merged", o->dir);
	if (umount2(target, 0) < 0)
		die("cannot unmount %s", target, errno);
}

static unsigned long long do_copyup(const struct op *o)
{
	char merged[700], parent[300], *slash;
	unsigned long long t0, t1;
	struct stat st;
	int fd, code;

	fresh_dirs(o);
	overlay_mount(o);
	snprintf(merged, sizeof(merged), "%s/merged", o->dir);
	snprintf(parent, sizeof(parent), "%s", o->path);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	if (chdir(merged) < 0)
		die("cannot change into %s", merged, errno);
	if ((slash && chmod(parent, 0755) < 0) || lstat(o->path, &st) < 0)
		die("cannot prepare %s for copy-up", o->path, errno);
	t0 = now_ns();
	fd = open(o->path, O_WRONLY | O_CLOEXEC);
	t1 = now_ns();
	code = errno;
	if (fd < 0)
		die("cannot open %s for writing", o->path, code);
	close(fd);
	if (chdir("/") < 0)
		die("cannot leave %s", merged, errno);
	overlay_umount(o);
	return t1 - t0;
}

static unsigned long long do_lookup(const struct op *o)
{
	char merged[700];
	unsigned long long t0, t1;
	struct stat st;
	int root;

	overlay_mount(o);
	snprintf(merged, sizeof(merged), "%s/merged", o->dir);
	root = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		die("cannot open %s", merged, errno);
	t0 = now_ns();
	fstatat(root, o->path, &st, AT_SYMLINK_NOFOLLOW);
	t1 = now_ns();
	close(root);
	overlay_umount(o);
	return t1 - t0;
}

/* Runs fn in a child and returns the ns it sent back. */
static unsigned long long in_child(unsigned long long (*fn)(const struct op *), const struct op *o)
{
	unsigned long long ns = 0;
	int p[2], status;
	pid_t pid;

	if (pipe(p) < 0)
		die("cannot make a pipe%s", "", errno);
	pid = fork();
	if (pid < 0)
		die("cannot fork%s", "", errno);
	if (pid == 0) {
		close(p[0]);
		ns = fn(o);
		_exit(write(p[1], &ns, sizeof(ns)) == sizeof(ns) ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = 0;
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) || !ns)
		die("the child timing %s failed", o->label, 0);
	return ns;
}

static unsigned long long child_netns(const struct op *o)
{
	unsigned long long t0, t1;
	int r;

	(void)o;
	t0 = now_ns();
	r = unshare(CLONE_NEWNET);
	t1 = now_ns();
	if (r < 0)
		die("unshare(CLONE_NEWNET)%s", "", errno);
	return t1 - t0;
}

static unsigned long long child_pivot(const struct op *o)
{
	unsigned long long t0, t1;
	char root[700];
	int r;

	snprintf(root, sizeof(root), "%s/root", o->dir);
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", root, "tmpfs", 0, "size=1m") < 0 || chdir(root) < 0)
		die("cannot prepare a new root at %s", root, errno);
	/* A forked child faults in each libc page it touches first (several µs apiece on this
	 * guest): calls that fail at once on an empty path make those faults happen here, so the
	 * timed calls are the kernel's switch alone, the operation boxbench claims to time. */
	syscall(SYS_pivot_root, "", "");
	umount2("", MNT_DETACH);
	/* The detach waits for an RCU grace period unless one has passed since the namespace's
	 * mounts were copied; boxbench's settled case lets one pass, and so does this (a global
	 * membarrier is a synchronize_rcu()). */
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) < 0)
		die("membarrier(MEMBARRIER_CMD_GLOBAL)%s", "", errno);
	now_ns();
	/* As crun enters a root, and as boxbench's pivot scenario times it: the pivot and the
	 * detach of the old root stacked on ".". */
	t0 = now_ns();
	r = (int)syscall(SYS_pivot_root, ".", ".");
	if (r == 0)
		r = umount2(".", MNT_DETACH);
	t1 = now_ns();
	if (r < 0)
		die("pivot_root and umount2 in %s", root, errno);
	return t1 - t0;
}

static unsigned long long run_op(const struct op *o)
{
	switch (o->kind) {
	case K_MOUNT: {
		unsigned long long ns;

		fresh_dirs(o);
		ns = overlay_mount(o);
		overlay_umount(o);
		return ns;
	}
	case K_COPYUP:
		return do_copyup(o);
	case K_LOOKUP:
		return do_lookup(o);
	case K_NETNS:
		return in_child(child_netns, o);
	case K_PIVOT:
		return in_child(child_pivot, o);
	}
	return 0;
}

static void parse_op(struct op *o, const char *arg, unsigned idx)
{
	static const struct {
		const char *name;
		enum kind kind;
		int fields; /* after the name: stack, path */
	} kinds[] = {
		{ "mount", K_MOUNT, 1 }, { "copyup", K_COPYUP, 2 }, { "lookup", K_LOOKUP, 2 },
		{ "netns", K_NETNS, 0 }, { "pivot", K_PIVOT, 0 },
	};
	char buf[800], *f[3] = { 0 };
	size_t k;

	memset(o, 0, sizeof(*o));
	o->label = arg;
	snprintf(buf, sizeof(buf), "%s", arg);
	f[0] = strtok(buf, ":");
	f[1] = strtok(NULL, ":");
	f[2] = strtok(NULL, "");
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (f[0] && !strcmp(f[0], kinds[k].name))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		die("unknown op '%s': mount:STACK, copyup:STACK:PATH, lookup:STACK:PATH, netns, "
		    "pivot",
		    arg, 0);
	if ((kinds[k].fields >= 1 && !f[1]) || (kinds[k].fields >= 2 && !f[2]))
		die("op '%s' lacks its stack dir or path", arg, 0);
	o->kind = kinds[k].kind;
	if (f[1] && f[1][0] != '/')
		die("the stack dir in '%s' must be absolute", arg, 0);
	if (f[1])
		snprintf(o->stack, sizeof(o->stack), "%s", f[1]);
	if (f[2])
		snprintf(o->path, sizeof(o->path), "%s", f[2]);
	if (kinds[k].fields)
		o->depth = count_layers(o->stack);
	snprintf(o->dir, sizeof(o->dir), "%s/op%u", work_root, idx);
	make_dir(o->dir);
	/* Lookups only read, so their upper layer stays empty from one mount to the next. */
	if (o->kind == K_LOOKUP)
		fresh_dirs(o);
	if (o->kind == K_PIVOT) {
		snprintf(buf, sizeof(buf), "%s/root", o->dir);
		make_dir(buf);
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "work", required_argument, NULL, 'w' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'W' },
		{ 0 },
	};
	struct op ops[MAX_OPS];
	unsigned n_ops = 0, iterations = 15, warmup = 2;
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'w':
			work_root = optarg;
			break;
		case 'n':
			iterations = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'W':
			warmup = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr,
				"usage: direct_ops --work DIR [--iterations N] [--warmup N] "
				"OP...\n");
			return 2;
		}
	}
	if (!work_root || work_root[0] != '/' || optind == argc) {
		fprintf(stderr, "usage: direct_ops --work DIR (absolute) [--iterations N] "
				"[--warmup N] OP...\n");
		return 2;
	}
	/* A private mount namespace: every mount made here dies with the process. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("cannot make a private mount namespace%s (run as root)", "", errno);
	for (int i = optind; i < argc; i++) {
		if (n_ops == MAX_OPS)
			die("at most 16 ops%s", "", 0);
		parse_op(&ops[n_ops], argv[i], n_ops);
		n_ops++;
	}
	for (unsigned it = 0; it < warmup + iterations; it++) {
		for (unsigned i = 0; i < n_ops; i++) {
			unsigned long long ns = run_op(&ops[i]);

			if (it >= warmup)
				printf("%s %llu\n", ops[i].label, ns);
		}
	}
	for (unsigned i = 0; i < n_ops; i++)
		remove_tree(ops[i].dir);
	return 0;
}
