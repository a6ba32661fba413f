/* The "fs" group of `boxbench doctor`: loop devices, each backing file system (mkfs, loop mount,
 * reflink), erofs images, /dev/fuse and a real fuse-overlayfs mount, each found by doing it. */
#include "doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "storage/backing_fs.h"
#include "storage/erofs_image.h"
#include "common/fsutil.h"
#include "storage/loopdev.h"
#include "common/spawn.h"

#define GROUP "fs"

/* fuse-overlayfs mounts in ~50 ms and exits at once on umount; these bound a hung one. */
#define FUSE_MOUNT_TIMEOUT_MS 3000
#define FUSE_EXIT_TIMEOUT_MS  2000

static const struct {
	const char *yes, *no;
	const char *driver; /* the storage driver that needs this file system, if any */
} fs_means[BACKING_FS_COUNT] = {
	[FS_TMPFS] = { .yes = "the fs:tmpfs cases run (no reflink: copy-up copies data)",
		       .no = "the fs:tmpfs cases are skipped" },
	[FS_EXT4] = { .yes = "the fs:ext4 cases run (no reflink: copy-up copies data)",
		      .no = "the fs:ext4 cases are skipped" },
	[FS_XFS] = { .yes = "the fs:xfs cases run", .no = "the fs:xfs cases are skipped" },
	[FS_BTRFS] = { .yes = "the fs:btrfs cases run",
		       .no = "the fs:btrfs cases are skipped",
		       .driver = "btrfs" },
};

static const struct {
	const char *yes, *no;
} reflink_means[BACKING_FS_COUNT] = {
	[FS_XFS] = { "copy-up clones data instead of copying; copyup/fs:xfs times the clone",
		     "copy-up on xfs copies data; copyup/fs:xfs times a copy, not a clone" },
	[FS_BTRFS] = { "copy-up clones data instead of copying; copyup/fs:btrfs times the clone",
		       "copy-up on btrfs copies data; copyup/fs:btrfs times a copy, not a clone" },
};

/* Whether path holds exactly text. */
static bool file_holds(const char *path, const char *text)
{
	char buf[128];

	return read_file(path, buf, sizeof(buf), NULL) >= 0 && !strcmp(buf, text);
}

static bool fs_magic_is(const char *path, unsigned long magic)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && (unsigned long)sfs.f_type == magic;
}

static int sysfs_read_int(const char *path, int *val)
{
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%d", val);
	fclose(f);
	return n == 1 ? 0 : -EIO;
}

/* Attach, check autoclear is on, detach, check the kernel really cleared it. */
static int probe_loop(struct check_list *out, const char *base)
{
	struct bb_error e = { 0 };
	struct loopdev lo = { 0 };
	char image[512], sys[64];
	int autoclear = 0, fd;

	snprintf(image, sizeof(image), "%s/loop.img", base);
	fd = open(image, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0) {
		bb_err(&e, errno, "cannot create %s: %s", image, errno_name(errno));
		goto out;
	}
	if (loopdev_attach(&lo, image, 0, &e))
		goto out;
	snprintf(sys, sizeof(sys), "/sys/block/loop%d/loop/autoclear", lo.nr);
	if (sysfs_read_int(sys, &autoclear) || !autoclear)
		bb_err(&e, EINVAL, "%s did not take LO_FLAGS_AUTOCLEAR (%s)", lo.path, sys);
	loopdev_detach(&lo);
	if (!e.code && loopdev_find_backing(image) >= 0)
		bb_err(&e, EBUSY, "the loop device stayed bound to %s after its last close", image);
out:
	if (fd >= 0) {
		close(fd);
		unlink(image);
	}
	if (e.code) {
		if (check_add(out, GROUP, "loop", false, e.code,
			      "no loop images: only the fs:tmpfs cases run", "no"))
			return -ENOMEM;
		check_detail(out, "%s", e.msg);
		return 0;
	}
	return check_add(out, GROUP, "loop", true, 0,
			 "image file systems mount, and a killed run leaks no loop device "
			 "(autoclear)",
			 "%s", lo.legacy ? "yes (LOOP_SET_FD)" : "yes");
}

/* mkfs, loop mount, statfs, a write, reflink where it matters, umount: each a way to fail. */
static int probe_image_fs(struct check_list *out, const char *base, enum backing_fs fs)
{
	const char *name = backing_fs_name(fs);
	bool want_reflink = fs == FS_XFS || fs == FS_BTRFS, reflink = false;
	struct bb_error e = { 0 }, re = { 0 };
	struct backing_fs_mount m;
	char mnt[512], file[600], image[256];
	char reflink_name[32];
	int ret;

	snprintf(mnt, sizeof(mnt), "%s/%s", base, name);
	snprintf(file, sizeof(file), "%s/probe", mnt);
	if (mkdir(mnt, 0755) < 0) {
		bb_err(&e, errno, "cannot create %s: %s", mnt, errno_name(errno));
		goto report;
	}
	if (backing_fs_mount(&m, fs, base, mnt, backing_fs_min_size(fs), &e))
		goto report_rmdir;
	snprintf(image, sizeof(image), "%s", m.image);
	if (!fs_magic_is(mnt, backing_fs_magic(fs)))
		bb_err(&e, EINVAL, "%s is mounted but statfs does not say %s", mnt, name);
	else
		write_file(file, "boxbench\n", 9, &e);
	if (!e.code && want_reflink)
		fs_supports_reflink(mnt, &reflink, &re);
	if (backing_fs_umount(&m, e.code ? NULL : &e) == 0 && image[0] &&
	    loopdev_find_backing(image) >= 0)
		bb_err(&e, EBUSY, "the loop device of %s stayed bound after umount", image);
report_rmdir:
	rmdir(mnt);
report:
	ret = check_add(out, GROUP, name, !e.code, e.code,
			e.code ? fs_means[fs].no : fs_means[fs].yes, "%s", e.code ? "no" : "yes");
	if (!ret && fs_means[fs].driver)
		ret = check_claim(out, CLAIM_DRIVER, fs_means[fs].driver,
				  e.code ? "are skipped" : "run");
	if (ret)
		return ret;
	if (e.code)
		check_detail(out, "%s", e.msg);
	if (!want_reflink)
		return 0;
	snprintf(reflink_name, sizeof(reflink_name), "%s_reflink", name);
	if (e.code)
		return check_add(out, GROUP, reflink_name, false, 0,
				 "not known: the file system does not mount here", "unknown");
	if (check_add(out, GROUP, reflink_name, reflink, re.code,
		      reflink ? reflink_means[fs].yes : reflink_means[fs].no, "%s",
		      reflink ? "yes" : "no"))
		return -ENOMEM;
	if (re.code)
		check_detail(out, "%s", re.msg);
	return 0;
}

static int probe_erofs(struct check_list *out, const char *base)
{
	static const char text[] = "boxbench erofs\n";
	char src[512], mnt[512], image[512], path[600];
	struct bb_error e = { 0 };
	int ret;

	snprintf(src, sizeof(src), "%s/erofs-src", base);
	snprintf(mnt, sizeof(mnt), "%s/erofs", base);
	snprintf(image, sizeof(image), "%s/erofs.img", base);
	snprintf(path, sizeof(path), "%s/hello", src);
	if (mkdir(src, 0755) < 0 || mkdir(mnt, 0755) < 0) {
		bb_err(&e, errno, "cannot set up %s: %s", base, errno_name(errno));
		goto report;
	}
	if (write_file(path, text, strlen(text), &e))
		goto report;
	if (erofs_image_mount(src, image, mnt, &e))
		goto report;
	snprintf(path, sizeof(path), "%s/hello", mnt);
	if (!fs_magic_is(mnt, EROFS_SUPER_MAGIC_V1))
		bb_err(&e, EINVAL, "%s is mounted but statfs does not say erofs", mnt);
	else if (!file_holds(path, text))
		bb_err(&e, EIO, "the erofs image mounts but %s does not read back", path);
	erofs_image_umount(image, mnt, e.code ? NULL : &e);
report:
	ret = check_add(out, GROUP, "erofs", !e.code, e.code,
			e.code ? "erofs images cannot be made or mounted here"
			       : "erofs images are made (mkfs.erofs), mount and read back",
			"%s", e.code ? "no" : "yes");
	ret = ret
		      ?: check_claim(out, CLAIM_DRIVER, "composefs", "%s",
				     e.code ? "are skipped"
					    : "can mount their erofs metadata images");
	if (ret)
		return ret;
	if (e.code)
		check_detail(out, "%s", e.msg);
	return 0;
}

static int probe_dev_fuse(struct check_list *out)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC), e = errno, ret;

	if (fd >= 0) {
		close(fd);
		return check_add(out, GROUP, "fuse", true, 0,
				 "FUSE file systems can mount (fuse-overlayfs needs it)", "yes");
	}
	ret = check_add(out, GROUP, "fuse", false, e, "no FUSE: FUSE file systems cannot mount",
			"no");
	ret = ret ?: check_claim(out, CLAIM_DRIVER, "fuse-overlayfs", "are skipped");
	if (ret)
		return ret;
	check_detail(out, "cannot open /dev/fuse: %s (CONFIG_FUSE_FS, or modprobe fuse)",
		     errno_name(e));
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Polls for the child's exit for up to timeout_ms; true once it is reaped. */
static bool reap_within(pid_t pid, long timeout_ms)
{
	int status;

	for (long waited = 0; waited <= timeout_ms; waited += 5) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid || (r < 0 && errno == ECHILD))
			return true;
		sleep_ms(5);
	}
	return false;
}

/* Runs fuse-overlayfs in the foreground (so it stays our child and can be reaped) with its
 * output on a pipe. */
static pid_t fuse_overlayfs_spawn(char *opts, char *mnt, int *out_fd)
{
	char *argv[] = { "fuse-overlayfs", "-f", "-o", opts, mnt, NULL };
	pid_t parent = getpid(), pid;
	int pipefd[2];

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(pipefd[0]);
		close(pipefd[1]);
		return -e;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		/* A daemon outliving a killed boxbench would pin its mount namespace. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "exec fuse-overlayfs: %s", strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	*out_fd = pipefd[0];
	return pid;
}

/* What the daemon said, as one line, for the detail of a failure. */
static void drain_output(int fd, char *buf, size_t len)
{
	ssize_t n = read(fd, buf, len - 1);

	buf[n > 0 ? n : 0] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

/* A two-layer stack (top over bottom) with an upper dir, mounted by fuse-overlayfs. */
static int fuse_overlayfs_try(const char *base, struct bb_error *e)
{
	static const char *const dirs[] = { "", "/bottom", "/top", "/upper", "/work", "/mnt" };
	char dir[512], opts[2048], mnt[512], path[600], said[256] = "";
	bool mounted = false;
	int out_fd = -1;
	pid_t pid;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/fuse-overlayfs%s", base, dirs[i]);
		if (mkdir(dir, 0755) < 0)
			return bb_err(e, errno, "cannot create %s: %s", dir, errno_name(errno));
	}
	snprintf(path, sizeof(path), "%s/fuse-overlayfs/bottom/lower", base);
	if (write_file(path, "bottom\n", 7, e))
		return -e->code;
	snprintf(opts, sizeof(opts),
		 "lowerdir=%1$s/fuse-overlayfs/top:%1$s/fuse-overlayfs/bottom,"
		 "upperdir=%1$s/fuse-overlayfs/upper,workdir=%1$s/fuse-overlayfs/work",
		 base);
	snprintf(mnt, sizeof(mnt), "%s/fuse-overlayfs/mnt", base);

	pid = fuse_overlayfs_spawn(opts, mnt, &out_fd);
	if (pid < 0)
		return bb_err(e, (int)pid, "cannot start fuse-overlayfs: %s", errno_name((int)pid));
	for (long waited = 0; waited <= FUSE_MOUNT_TIMEOUT_MS; waited += 2) {
		int status;

		if (fs_magic_is(mnt, FUSE_SUPER_MAGIC)) {
			mounted = true;
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			pid = 0;
			drain_output(out_fd, said, sizeof(said));
			bb_err(e, EIO, "fuse-overlayfs exited (status %d) without mounting: %s",
			       WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status), said);
			goto out;
		}
		sleep_ms(2);
	}
	if (!mounted) {
		bb_err(e, ETIMEDOUT, "fuse-overlayfs did not mount %s within %d ms", mnt,
		       FUSE_MOUNT_TIMEOUT_MS);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/lower", mnt);
	if (!file_holds(path, "bottom\n"))
		bb_err(e, EIO, "fuse-overlayfs mounted, but %s (bottom layer) does not read back",
		       path);
out:
	if (mounted && umount2(mnt, 0) < 0) {
		if (!e->code)
			bb_err(e, errno, "cannot unmount fuse-overlayfs from %s: %s", mnt,
			       errno_name(errno));
		umount2(mnt, MNT_DETACH);
	}
	/* Unmounting ends the FUSE connection, and with it the daemon; a hung one is killed. */
	if (pid > 0 && !reap_within(pid, FUSE_EXIT_TIMEOUT_MS)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (!e->code)
			bb_err(e, ETIMEDOUT, "fuse-overlayfs did not exit within %d ms of umount",
			       FUSE_EXIT_TIMEOUT_MS);
	}
	close(out_fd);
	return e->code ? -e->code : 0;
}

static int probe_fuse_overlayfs(struct check_list *out, const char *base, bool have_fuse)
{
	char *const argv[] = { "fuse-overlayfs", "--version", NULL };
	char text[1024], version[32] = "";
	struct bb_error e = { 0 };
	int rc;

	rc = spawn_capture(argv, text, sizeof(text), &e);
	if (rc == 0 && !text_version(text, "fuse-overlayfs:", version, sizeof(version)))
		bb_err(&e, EPROTO, "cannot find a version in: %.120s", text);
	else if (rc > 0)
		bb_err(&e, EIO, "fuse-overlayfs --version failed (exit %d)", rc);
	if (e.code) {
		rc = check_add(out, GROUP, "fuse_overlayfs", false, e.code,
			       "fuse-overlayfs does not run (scripts/deps.sh installs it)", "no");
		rc = rc ?: check_claim(out, CLAIM_DRIVER, "fuse-overlayfs", "are skipped");
		if (!rc)
			check_detail(out, "%s", e.msg);
		rc = rc
			     ?: check_add(out, GROUP, "fuse_overlayfs_mnt", false, e.code,
					  "not tried: fuse-overlayfs does not run", "no");
		return rc ?: check_claim(out, CLAIM_DRIVER, "fuse-overlayfs", "are skipped");
	}
	if (check_add(out, GROUP, "fuse_overlayfs", true, 0, "fuse-overlayfs is installed", "%s",
		      version))
		return -ENOMEM;

	if (!have_fuse)
		bb_err(&e, ENODEV, "/dev/fuse does not open");
	else
		fuse_overlayfs_try(base, &e);
	rc = check_add(out, GROUP, "fuse_overlayfs_mnt", !e.code, e.code,
		       e.code ? "fuse-overlayfs does not mount here"
			      : "fuse-overlayfs mounts a two-layer stack and reads through it",
		       "%s", e.code ? "no" : "yes");
	rc = rc ?: check_claim(out, CLAIM_DRIVER, "fuse-overlayfs", e.code ? "are skipped" : "run");
	if (rc)
		return rc;
	if (e.code)
		check_detail(out, "%s", e.msg);
	return 0;
}

int doctor_fs_probe(struct check_list *out, const char *scratch, struct bb_error *err)
{
	char base[512];
	int e;

	snprintf(base, sizeof(base), "%s/fs.XXXXXX", scratch);
	if (!mkdtemp(base))
		return bb_err(err, errno, "cannot create a work dir in %s: %s", scratch,
			      errno_name(errno));
	e = probe_loop(out, base);
	for (int fs = 0; fs < BACKING_FS_COUNT && !e; fs++)
		e = probe_image_fs(out, base, (enum backing_fs)fs);
	if (!e)
		e = probe_erofs(out, base);
	if (!e)
		e = probe_dev_fuse(out);
	if (!e)
		e = probe_fuse_overlayfs(out, base, check_find(out, GROUP, "fuse")->ok);
	/* What is left is plain dirs and files on the tmpfs: doctor's scratch goes anyway. */
	remove_tree(base, NULL);
	if (e)
		return bb_err(err, e, "cannot record the fs checks: %s", errno_name(e));
	return 0;
}
