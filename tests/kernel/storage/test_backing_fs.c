/* Backing file systems and loop devices on the real kernel: each test mounts for real inside a
 * private mount namespace on a tmpfs scratch dir, and checks that nothing is left behind. The
 * names alone are a unit test (tests/unit/storage/test_backing_fs_names.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
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
#include "storage/loopdev.h"
#include "harness/mntns.h"

/* cmocka hands the group state to every test, so the scratch dir is simply a global. */
static struct scratch scratch;

static void path_in_scratch(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", scratch.path, name);
}

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

static void assert_file_holds(const char *path, const char *text)
{
	char buf[256];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, text);
}

/* Read straight from sysfs rather than through loopdev_find_backing(), so the test does not
 * trust the code it tests: how many loop devices have a backing file under the scratch dir. */
static int loops_bound_in_scratch(void)
{
	size_t len = strlen(scratch.path);
	struct dirent *de;
	int count = 0;
	DIR *dir = opendir("/sys/block");

	assert_non_null(dir);
	while ((de = readdir(dir))) {
		char path[300], line[4200];
		FILE *f;

		if (strncmp(de->d_name, "loop", 4))
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && !strncmp(line, scratch.path, len) &&
		    line[len] == '/')
			count++;
		fclose(f);
	}
	closedir(dir);
	return count;
}

static int mounts_in_scratch(void)
{
	char line[4096], point[4096];
	size_t len = strlen(scratch.path);
	int count = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 &&
		    !strncmp(point, scratch.path, len) && point[len] == '/')
			count++;
	fclose(f);
	return count;
}

static int entries_in_scratch(void)
{
	struct dirent *de;
	int count = 0;
	DIR *dir = opendir(scratch.path);

	assert_non_null(dir);
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			count++;
	closedir(dir);
	return count;
}

static void assert_nothing_left(void)
{
	assert_int_equal(mounts_in_scratch(), 0);
	assert_int_equal(loops_bound_in_scratch(), 0);
	assert_int_equal(entries_in_scratch(), 0);
}

static unsigned long magic_of(const char *path)
{
	struct statfs sfs;

	assert_int_equal(statfs(path, &sfs), 0);
	return (unsigned long)sfs.f_type;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void mount_write_read_umount(enum backing_fs fs, unsigned long magic, bool reflink)
{
	struct backing_fs_mount m;
	struct bb_error err = { 0 };
	char mnt[300], file[400], image[256];
	bool yes = !reflink;

	path_in_scratch(mnt, sizeof(mnt), "mnt");
	assert_int_equal(mkdir(mnt, 0755), 0);
	/* 0: the default size, 1 GiB sparse, which must cost almost nothing on the tmpfs. */
	assert_int_equal(backing_fs_mount(&m, fs, scratch.path, mnt, 0, &err), 0);
	assert_true(m.mounted);
	assert_int_equal(magic_of(mnt), magic);
	assert_int_equal(magic_of(mnt), backing_fs_magic(fs));
	if (fs != FS_TMPFS) {
		int nr = loopdev_find_backing(m.image);

		assert_true(nr >= 0);
		snprintf(file, sizeof(file), "/dev/loop%d", nr);
		assert_string_equal(m.loop, file);
		assert_int_equal(loops_bound_in_scratch(), 1);
	}
	snprintf(file, sizeof(file), "%s/hello", mnt);
	write_text(file, "hello from boxbench\n");
	assert_file_holds(file, "hello from boxbench\n");
	assert_int_equal(fs_supports_reflink(mnt, &yes, &err), 0);
	assert_int_equal(yes, reflink);

	snprintf(image, sizeof(image), "%s", m.image);
	assert_int_equal(backing_fs_umount(&m, &err), 0);
	assert_false(m.mounted);
	assert_int_equal(magic_of(mnt), TMPFS_MAGIC);
	if (image[0]) {
		assert_int_equal(access(image, F_OK), -1);
		assert_int_equal(errno, ENOENT);
		assert_int_equal(loopdev_find_backing(image), -ENOENT);
	}
	/* A second umount is a no-op, as the cleanup path of a caller may well call it again. */
	assert_int_equal(backing_fs_umount(&m, &err), 0);
	assert_int_equal(rmdir(mnt), 0);
	assert_nothing_left();
}

static void tmpfs_mounts_without_reflink(void **state)
{
	(void)state;
	mount_write_read_umount(FS_TMPFS, TMPFS_MAGIC, false);
}

static void ext4_mounts_without_reflink(void **state)
{
	(void)state;
	mount_write_read_umount(FS_EXT4, EXT4_SUPER_MAGIC, false);
}

static void xfs_mounts_with_reflink(void **state)
{
	(void)state;
	mount_write_read_umount(FS_XFS, XFS_SUPER_MAGIC, true);
}

static void btrfs_mounts_with_reflink(void **state)
{
	(void)state;
	mount_write_read_umount(FS_BTRFS, BTRFS_SUPER_MAGIC, true);
}

static void too_small_image_is_refused(void **state)
{
	struct backing_fs_mount m;
	struct bb_error err = { 0 };
	char mnt[300];

	(void)state;
	path_in_scratch(mnt, sizeof(mnt), "mnt");
	assert_int_equal(mkdir(mnt, 0755), 0);
	assert_int_equal(backing_fs_mount(&m, FS_XFS, scratch.path, mnt, 16ULL << 20, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "300 MiB"));
	assert_false(m.mounted);
	assert_int_equal(backing_fs_min_size(FS_BTRFS), 110ULL << 20);
	assert_int_equal(rmdir(mnt), 0);
	assert_nothing_left();
}

/* Each failure after the image exists must delete it and free the loop device. */
static void failures_leave_nothing_behind(void **state)
{
	struct backing_fs_mount m;
	struct bb_error err = { 0 };
	char mnt[300], *path = getenv("PATH"), *saved = strdup(path ? path : "");

	(void)state;
	path_in_scratch(mnt, sizeof(mnt), "mnt");
	/* The mount point does not exist: mkfs and loop attach work, the mount fails. */
	assert_int_equal(backing_fs_mount(&m, FS_EXT4, scratch.path, mnt, 0, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "cannot mount"));
	assert_int_equal(loops_bound_in_scratch(), 0);
	assert_int_equal(entries_in_scratch(), 0);

	/* mkfs cannot be found. */
	assert_int_equal(mkdir(mnt, 0755), 0);
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(backing_fs_mount(&m, FS_BTRFS, scratch.path, mnt, 0, &err), -ENOENT);
	setenv("PATH", saved, 1);
	free(saved);
	assert_non_null(strstr(err.msg, "mkfs.btrfs"));
	assert_int_equal(rmdir(mnt), 0);

	/* Nowhere to write the test files. */
	assert_true(fs_supports_reflink("/nonexistent/boxbench", &(bool){ false }, &err) < 0);
	assert_nothing_left();
}

static void erofs_image_shows_source_files(void **state)
{
	struct bb_error err = { 0 };
	char src[300], sub[300], image[300], mnt[300], path[400];

	(void)state;
	path_in_scratch(src, sizeof(src), "src");
	path_in_scratch(image, sizeof(image), "layer.erofs");
	path_in_scratch(mnt, sizeof(mnt), "mnt");
	snprintf(sub, sizeof(sub), "%s/etc", src);
	assert_int_equal(mkdir(src, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(mkdir(mnt, 0755), 0);
	snprintf(path, sizeof(path), "%s/os-release", sub);
	write_text(path, "ID=boxbench\n");

	assert_int_equal(erofs_image_mount(src, image, mnt, &err), 0);
	assert_int_equal(magic_of(mnt), EROFS_SUPER_MAGIC_V1);
	assert_true(loopdev_find_backing(image) >= 0);
	snprintf(path, sizeof(path), "%s/etc/os-release", mnt);
	assert_file_holds(path, "ID=boxbench\n");
	assert_int_equal(open(path, O_WRONLY | O_CLOEXEC), -1);
	assert_int_equal(errno, EROFS);

	assert_int_equal(erofs_image_umount(image, mnt, &err), 0);
	assert_int_equal(access(image, F_OK), -1);
	assert_int_equal(loopdev_find_backing(image), -ENOENT);
	snprintf(path, sizeof(path), "%s/os-release", sub);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(src), 0);
	assert_int_equal(rmdir(mnt), 0);
	assert_nothing_left();
}

static int sysfs_int(int nr, const char *attr)
{
	char path[128];
	int val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/loop%d/%s", nr, attr);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &val), 1);
	fclose(f);
	return val;
}

/* Both attach paths: LOOP_CONFIGURE, and the LOOP_SET_FD + LOOP_SET_STATUS64 fallback. */
static void loopdev_attaches_with_autoclear_and_detaches(void **state)
{
	static const unsigned int variants[] = { 0, LOOPDEV_LEGACY, LOOPDEV_READ_ONLY,
						 LOOPDEV_LEGACY | LOOPDEV_READ_ONLY };
	struct bb_error err = { 0 };
	char image[300];
	int fd;

	(void)state;
	path_in_scratch(image, sizeof(image), "loop.img");
	fd = open(image, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4 << 20), 0);
	close(fd);
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		struct loopdev lo;

		assert_int_equal(loopdev_attach(&lo, image, variants[i], &err), 0);
		assert_int_equal(loopdev_find_backing(image), lo.nr);
		assert_int_equal(lo.legacy, !!(variants[i] & LOOPDEV_LEGACY));
		/* Only the mount may write: some kernels refuse to mount a device open for it. */
		assert_int_equal(fcntl(lo.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
		assert_int_equal(sysfs_int(lo.nr, "loop/autoclear"), 1);
		assert_int_equal(sysfs_int(lo.nr, "ro"), !!(variants[i] & LOOPDEV_READ_ONLY));
		loopdev_detach(&lo);
		assert_int_equal(loopdev_find_backing(image), -ENOENT);
		loopdev_detach(&lo);
	}
	assert_int_equal(loopdev_attach(&(struct loopdev){ 0 }, "/nonexistent.img", 0, &err),
			 -ENOENT);
	assert_int_equal(unlink(image), 0);
	assert_nothing_left();
}

/* The point of autoclear: a process killed with its image mounted leaks no loop device, since
 * its private mount namespace dies with it and takes the mount along. */
static void killed_holder_leaks_no_loop_device(void **state)
{
	char mnt[300], image[256] = "";
	int ready[2], found = 0;
	pid_t pid;

	(void)state;
	path_in_scratch(mnt, sizeof(mnt), "mnt");
	assert_int_equal(mkdir(mnt, 0755), 0);
	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct backing_fs_mount m;
		struct bb_error err = { 0 };

		close(ready[0]);
		/* Should an assert fail in the parent before it kills us. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (mntns_enter_private(&err) ||
		    backing_fs_mount(&m, FS_EXT4, scratch.path, mnt, 0, &err))
			_exit(1);
		if (write(ready[1], m.image, sizeof(m.image)) != (ssize_t)sizeof(m.image))
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], image, sizeof(image)), (ssize_t)sizeof(image));
	close(ready[0]);
	assert_true(loopdev_find_backing(image) >= 0);
	/* Not mounted here: the child's namespace has it. */
	assert_int_equal(mounts_in_scratch(), 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	/* The dead namespace's mounts may be released a little after the reaping (deferred
	 * mntput), so allow a moment; on 6.18 it has always been done already. */
	for (int waited = 0; waited < 5000; waited += 10) {
		found = loopdev_find_backing(image);
		if (found < 0)
			break;
		sleep_ms(10);
	}
	assert_int_equal(found, -ENOENT);
	assert_int_equal(unlink(image), 0);
	assert_int_equal(rmdir(mnt), 0);
	assert_nothing_left();
}

static int group_setup(void **state)
{
	struct bb_error err = { 0 };

	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_backing_fs: needs root (mounts and loop devices)\n");
		return -1;
	}
	if (mntns_enter_private(&err) || scratch_create(&scratch, "test-fs", &err)) {
		fprintf(stderr, "test_backing_fs: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	scratch_destroy(&scratch);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loopdev_attaches_with_autoclear_and_detaches),
		cmocka_unit_test(tmpfs_mounts_without_reflink),
		cmocka_unit_test(ext4_mounts_without_reflink),
		cmocka_unit_test(xfs_mounts_with_reflink),
		cmocka_unit_test(btrfs_mounts_with_reflink),
		cmocka_unit_test(too_small_image_is_refused),
		cmocka_unit_test(failures_leave_nothing_behind),
		cmocka_unit_test(erofs_image_shows_source_files),
		cmocka_unit_test(killed_holder_leaks_no_loop_device),
	};
	return cmocka_run_group_tests_name("backing_fs", tests, group_setup, group_teardown);
}
