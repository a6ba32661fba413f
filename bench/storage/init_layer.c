/* A container's init layer: see init_layer.h. */
#include "init_layer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"

const char *const init_layer_dirs[] = { "etc", "proc", "sys", "dev", NULL };
const char *const init_layer_files[] = { "etc/hosts", "etc/hostname", "etc/resolv.conf", NULL };

static int make_dir(int root, const char *name, uid_t owner, struct bb_error *err)
{
	struct stat st;

	if (fstatat(root, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode) &&
	    unlinkat(root, name, 0) < 0)
		return bb_err(err, errno,
			      "cannot replace the non-directory /%s of the init layer: %s", name,
			      errno_name(errno));
	if (mkdirat(root, name, 0755) < 0 && errno != EEXIST)
		return bb_err(err, errno, "cannot make /%s in the init layer: %s", name,
			      errno_name(errno));
	if (owner && fchownat(root, name, owner, owner, AT_SYMLINK_NOFOLLOW) < 0)
		return bb_err(err, errno, "cannot hand /%s of the init layer to uid %u: %s", name,
			      (unsigned)owner, errno_name(errno));
	return 0;
}

static int write_init_file(int root, const char *name, const char *text, uid_t owner,
			   struct bb_error *err)
{
	size_t len = strlen(text);
	int fd;

	/* A copy of an image may have a symlink here: never write through it. */
	unlinkat(root, name, 0);
	fd = openat(root, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return bb_err(err, errno, "cannot write /%s of the init layer: %s", name,
			      errno_name(errno));
	if (write(fd, text, len) != (ssize_t)len || (owner && fchown(fd, owner, owner) < 0)) {
		int code = errno ? errno : EIO;

		close(fd);
		return bb_err(err, code, "cannot write /%s of the init layer: %s", name,
			      errno_name(code));
	}
	close(fd);
	return 0;
}

int init_layer_write(const char *dir, const char *hostname, uid_t owner, struct bb_error *err)
{
	char hosts[300], host[80];
	int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e = 0;

	if (root < 0)
		return bb_err(err, errno, "cannot open the init layer %s: %s", dir,
			      errno_name(errno));
	snprintf(host, sizeof(host), "%s\n", hostname);
	snprintf(hosts, sizeof(hosts),
		 "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
		 "127.0.1.1\t%s\n",
		 hostname);
	for (size_t i = 0; init_layer_dirs[i] && !e; i++)
		e = make_dir(root, init_layer_dirs[i], owner, err);
	if (!e)
		e = write_init_file(root, "etc/hosts", hosts, owner, err);
	if (!e)
		e = write_init_file(root, "etc/hostname", host, owner, err);
	if (!e)
		e = write_init_file(root, "etc/resolv.conf",
				    "nameserver 127.0.0.53\noptions edns0\n", owner, err);
	close(root);
	return e;
}
