/* composefs-style images: see composefs_image.h. */
#include "composefs_image.h"
#include "tree_copy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "backing_fs.h"
#include "common/fsutil.h"

#define PATH_BUF 4096

#define XATTR_METACOPY "trusted.overlay.metacopy"
#define XATTR_REDIRECT "trusted.overlay.redirect"

/* The sha256 of the file at path as 64 hex digits. */
static int file_sha256(const char *path, char hex[65], struct bb_error *err)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	char *buf = malloc(1 << 16);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), e = 0;
	ssize_t n;

	if (!ctx || !buf) {
		e = bb_err(err, ENOMEM, "out of memory hashing %s", path);
		goto out;
	}
	if (fd < 0) {
		e = bb_err(err, errno, "cannot open %s to hash it: %s", path, errno_name(errno));
		goto out;
	}
	if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		e = bb_err(err, EIO, "cannot start a sha256 for %s (OpenSSL's EVP refused it)",
			   path);
		goto out;
	}
	while ((n = read(fd, buf, 1 << 16)) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	if (n < 0) {
		e = bb_err(err, errno, "cannot read %s to hash it: %s", path, errno_name(errno));
		goto out;
	}
	EVP_DigestFinal_ex(ctx, md, &md_len);
	for (unsigned i = 0; i < 32 && i < md_len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	EVP_MD_CTX_free(ctx);
	return e;
}

/* A sparse stub at tmp like path (size, owner, mode, xattrs, times) redirecting to redirect. */
static int stub_make(const char *path, const struct stat *st, const char *tmp, const char *redirect,
		     struct bb_error *err)
{
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600), e = 0;

	if (fd < 0)
		return bb_err(err, errno, "cannot create the stub %s for %s: %s", tmp, path,
			      errno_name(errno));
	/* chown before chmod (it clears set-id bits) and before the xattrs (it drops
	 * security.capability). */
	if (ftruncate(fd, st->st_size) < 0 || fchown(fd, st->st_uid, st->st_gid) < 0 ||
	    fchmod(fd, st->st_mode & 07777) < 0)
		e = bb_err(err, errno, "cannot give the stub of %s its size, owner and mode: %s",
			   path, errno_name(errno));
	if (!e)
		e = tree_copy_xattrs(path, tmp, err);
	if (!e && (fsetxattr(fd, XATTR_METACOPY, "", 0, 0) < 0 ||
		   fsetxattr(fd, XATTR_REDIRECT, redirect, strlen(redirect), 0) < 0))
		e = bb_err(
			err, errno,
			"cannot mark the stub of %s with trusted.overlay.* xattrs: %s (they need "
			"root and a file system with trusted xattrs: tmpfs, ext4, xfs)",
			path, errno_name(errno));
	if (!e && futimens(fd, times) < 0)
		e = bb_err(err, errno, "cannot give the stub of %s its times: %s", path,
			   errno_name(errno));
	close(fd);
	if (e)
		unlink(tmp);
	return e;
}

static int split_file(const char *path, const struct stat *st, const char *store, const char *tmp,
		      struct composefs_stats *stats, struct bb_error *err)
{
	char hex[65], content[PATH_BUF], redirect[80];
	struct stat cst;
	bool have;
	int e;

	if ((e = file_sha256(path, hex, err)))
		return e;
	snprintf(redirect, sizeof(redirect), "/%.2s/%s", hex, hex);
	if (snprintf(content, sizeof(content), "%s/%.2s", store, hex) >= (int)sizeof(content))
		return bb_err(err, ENAMETOOLONG, "the content store path %s is too long", store);
	if (mkdir(content, 0755) < 0 && errno != EEXIST)
		return bb_err(err, errno, "cannot create %s: %s", content, errno_name(errno));
	snprintf(content + strlen(content), sizeof(content) - strlen(content), "/%s", hex);
	have = lstat(content, &cst) == 0;
	if ((e = stub_make(path, st, tmp, redirect, err)))
		return e;
	if (!have && rename(path, content) < 0) {
		e = bb_err(err, errno, "cannot move %s into the content store as %s: %s", path,
			   content, errno_name(errno));
		unlink(tmp);
		return e;
	}
	/* Over the original when the store had its content already: it goes with this. */
	if (rename(tmp, path) < 0) {
		e = bb_err(err, errno, "cannot put the stub %s in place of %s: %s", tmp, path,
			   errno_name(errno));
		unlink(tmp);
		return e;
	}
	stats->files++;
	stats->unique += !have;
	stats->bytes += (unsigned long long)st->st_size;
	return 0;
}

static int split_dir(const char *dir, dev_t dev, const char *store, const char *tmp,
		     struct composefs_stats *stats, struct bb_error *err)
{
	DIR *d = opendir(dir);
	char *path = malloc(PATH_BUF);
	struct dirent *de;
	int e = 0;

	if (!d || !path) {
		e = bb_err(err, d ? ENOMEM : errno, "cannot read the dir %s: %s", dir,
			   errno_name(d ? ENOMEM : errno));
		goto out;
	}
	while (!e && (errno = 0, de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (path_join(path, PATH_BUF, dir, de->d_name)) {
			e = bb_err(err, ENAMETOOLONG, "the path %s/%s is too long", dir,
				   de->d_name);
			break;
		}
		if (lstat(path, &st) < 0)
			e = bb_err(err, errno, "cannot stat %s: %s", path, errno_name(errno));
		else if (st.st_dev != dev)
			continue; /* a mount below: not the tree's */
		else if (S_ISDIR(st.st_mode))
			e = split_dir(path, dev, store, tmp, stats, err);
		else if (S_ISREG(st.st_mode) && st.st_size > 0)
			e = split_file(path, &st, store, tmp, stats, err);
	}
	if (!e && errno)
		e = bb_err(err, errno, "cannot read the dir %s: %s", dir, errno_name(errno));
out:
	if (d)
		closedir(d);
	free(path);
	return e;
}

int composefs_split(const char *tree, const char *store, const char *tmp,
		    struct composefs_stats *stats, struct bb_error *err)
{
	struct stat st;
	int e;

	if (lstat(tree, &st) < 0)
		return bb_err(err, errno, "cannot stat %s: %s", tree, errno_name(errno));
	if ((e = mkdir_p(store, 0755, err)))
		return e;
	unlink(tmp);
	return split_dir(tree, st.st_dev, store, tmp, stats, err);
}

/* Copies the file src to dst (created or truncated). */
static int file_copy(const char *src, const char *dst, struct bb_error *err)
{
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, e = 0;
	char *buf = malloc(1 << 16);
	ssize_t n;

	if (in < 0 || !buf) {
		e = bb_err(err, in < 0 ? errno : ENOMEM, "cannot read %s: %s", src,
			   errno_name(in < 0 ? errno : ENOMEM));
		goto out;
	}
	if ((out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		e = bb_err(err, errno, "cannot create %s: %s", dst, errno_name(errno));
		goto out;
	}
	while ((n = read(in, buf, 1 << 16)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			e = bb_err(err, errno ? errno : EIO, "cannot write %s: %s", dst,
				   errno_name(errno ? errno : EIO));
			goto out;
		}
	if (n < 0)
		e = bb_err(err, errno, "cannot read %s: %s", src, errno_name(errno));
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && !e)
		e = bb_err(err, errno, "cannot write %s: %s", dst, errno_name(errno));
	free(buf);
	if (e)
		unlink(dst);
	return e;
}

int composefs_mkfs(const char *tree, const char *image, struct composefs_stats *stats,
		   struct bb_error *err)
{
	/* erofs-utils 1.5 writes a sparse file's holes as zero blocks unless files are chunked;
	 * chunked, a hole is a null chunk. -x default (2) keeps the xattrs. Chunked, it keeps
	 * the chunks in a tmpfile() (always in /tmp, whatever TMPDIR says) and copies them into
	 * the image with copy_file_range, which fails with EXDEV (reported as "Could not format
	 * the device: EIO") when the image is on another file system: then the image is made in
	 * /tmp and copied. */
	char tmp_image[] = "/tmp/boxbench-erofs-XXXXXX", dir[PATH_BUF];
	const char *out = image;
	struct stat st, tst;
	char *slash;
	int e;

	snprintf(dir, sizeof(dir), "%s", image);
	if ((slash = strrchr(dir, '/')))
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (stat(P_tmpdir, &tst) == 0 && stat(slash ? dir : ".", &st) == 0 &&
	    st.st_dev != tst.st_dev) {
		int fd = mkstemp(tmp_image);

		if (fd < 0)
			return bb_err(err, errno, "cannot create %s for mkfs.erofs: %s", tmp_image,
				      errno_name(errno));
		close(fd);
		out = tmp_image;
	}
	char *const argv[] = { "mkfs.erofs", "--quiet",	   "--chunksize=4096",
			       (char *)out,  (char *)tree, NULL };

	e = backing_fs_mkfs(argv, err);
	if (!e && out != image)
		e = file_copy(out, image, err);
	if (out != image)
		unlink(out);
	if (e) {
		unlink(image);
		return e;
	}
	if (stat(image, &st) < 0)
		return bb_err(err, errno, "cannot stat the image %s: %s", image, errno_name(errno));
	stats->image_bytes = (unsigned long long)st.st_size;
	return 0;
}
