/* boxbench image: real images for the benchmarks. 'image import' unpacks an OCI layout, a docker
 * save archive or layer tarballs into overlay lower layers (bench/image_import.c does the work);
 * more image subcommands go in the table below. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "image/image_import.h"
#include "common/parse.h"
#include "common/printable.h"
#include "common/stop.h"

static const char image_help[] =
	"usage: boxbench image <command> [options]\n"
	"\n"
	"Real container images as overlay layer stacks, for 'boxbench start' and 'inspect'.\n"
	"\n"
	"commands:\n"
	"  import     unpack an OCI layout, a 'docker save' archive or layer tarballs into\n"
	"             DEST/l/0..N-1 with whiteouts in overlay form, and describe it in\n"
	"             DEST/image.json\n"
	"\n"
	"'boxbench image <command> --help' tells more.\n";

static const char import_help[] =
	"usage: boxbench image import [options] SRC... DEST\n"
	"\n"
	"Unpacks an image's layers into DEST, one directory per layer, ready to be overlay\n"
	"lower layers: DEST/l/0 is the bottom layer, DEST/l/N-1 the top (overlay's lowerdir\n"
	"lists them the other way round). DEST/image.json, written last, describes the image\n"
	"and each layer (digest, diff_id, media type, entries, bytes, whiteouts).\n"
	"\n"
	"SRC is one of:\n"
	"  an OCI image layout   a directory with oci-layout, index.json and blobs/sha256/\n"
	"                        (skopeo copy ... oci:DIR, umoci, buildah push oci:DIR); an\n"
	"                        OCI layout packed in a tar is read the same way\n"
	"  a 'docker save' tar   manifest.json with <id>/layer.tar or blobs/sha256/<hex> layers\n"
	"                        (both the old and the Docker 25+ layout); decompress it first\n"
	"                        if you gzipped it\n"
	"  layer tarballs        several tar or tar.gz files, bottom layer first, e.g.\n"
	"                        'import base.tar.gz app.tar DEST' (a single tarball that is no\n"
	"                        image archive is one layer; one whose top holds nothing but an\n"
	"                        image's files is refused as an image archive)\n"
	"SRC must be a file or directory: a fifo or device is refused (it cannot be read twice).\n"
	"When an index or archive holds several images, --ref picks one: an OCI ref name\n"
	"(org.opencontainers.image.ref.name or io.containerd.image.name) or a docker tag\n"
	"('busybox:latest'). Multi-platform indexes are refused; copy one platform out first.\n"
	"Layer media types: tar, tar+gzip and tar+zstd (OCI and docker names).\n"
	"\n"
	"Every blob is verified while it streams: OCI manifests, configs and layers against\n"
	"their sha256 digests and sizes, and each layer's uncompressed tar against the config's\n"
	"rootfs.diff_ids (docker save archives too). A mismatch removes everything. Damaged\n"
	"layers are refused: a gzip CRC-32 or length, or a zstd checksum, that does not match,\n"
	"a stream cut short, bytes after it that are not another gzip member or zstd frame,\n"
	"and a tar that stops without its end-of-archive blocks. A layer that is named by a\n"
	"digest (every OCI layer; docker save layers through the config's diff_ids) may stop\n"
	"right after its last entry, as Go's archive/tar (umoci, docker) writes them: the\n"
	"digest shows it is whole. A tarball nothing vouches for could have been cut at an\n"
	"entry boundary; if you know it is whole, --allow-truncated takes it.\n"
	"\n"
	"Whiteouts: a layer's '.wh.NAME' becomes an overlay whiteout, a 0/0 character device\n"
	"(--whiteout chardev, the default, any kernel) or an empty file with the xattr\n"
	"<prefix>.overlay.whiteout whose directory gets <prefix>.overlay.opaque=x (--whiteout\n"
	"xattr, overlayfs 6.7+); '.wh..wh..opq' in a directory sets <prefix>.overlay.opaque=y on\n"
	"it, wherever it comes in the layer, hiding only lower layers. The prefix is 'trusted'\n"
	"(root) or 'user' (--userxattr, for userxattr mounts). A layer that deletes and re-adds\n"
	"a name keeps its file (a re-made directory becomes opaque). Whiteouts with nothing below\n"
	"them to hide (in a directory the layer makes opaque, or one no lower layer has) are\n"
	"left out: overlayfs would list them as entries. Directories a layer holds only as\n"
	"parents of its entries get the owner, mode, times and xattrs they have below, so the\n"
	"merged view keeps them as the image means.\n"
	"\n"
	"Safety: nothing is created outside DEST whatever the archives say. A layer is refused,\n"
	"naming the entry, if an entry's path is absolute or has a '..' component ('./x' is\n"
	"fine), a symlink's target (read relative to its directory, or to the layer root if\n"
	"absolute, and followed through the symlinks of the layer and those below it) climbs\n"
	"above the root, an entry would be written through a symlink of its own layer, a hard\n"
	"link points outside the layer or at nothing it holds, an entry carries overlay\n"
	"xattrs of its own, or a name is '.wh.', '.wh..', '.wh...' or another '.wh..wh.' name.\n"
	"A directory on an entry's path that a lower layer made a symlink (usrmerge's\n"
	"lib -> usr/lib) is followed, within the image, as umoci and docker do: an upper\n"
	"layer's lib/x goes to usr/lib/x, and the lower lib stays a symlink.\n"
	"Device nodes are created only as root (else skipped and counted); owners, modes\n"
	"(setuid too), xattrs and times are kept.\n"
	"\n"
	"DEST must not exist (its parent must) or be an empty directory of your own that no\n"
	"one else can write to, and not a symlink: anyone who could write there could\n"
	"redirect the layers mid-import. The layers go in DEST/l, mode 0700: an image's device\n"
	"nodes and setuid files are for the containers that mount it. On any failure what\n"
	"import created is removed again, DEST too if it made it. A DEST on overlayfs (inside\n"
	"a container, say) takes no chardev whiteouts: overlayfs keeps 0/0 devices for its own;\n"
	"use --whiteout xattr there, or a DEST on another file system.\n"
	"\n"
	"options:\n"
	"  --ref NAME          which image of several (see above)\n"
	"  --whiteout FORM     chardev (default) or xattr\n"
	"  --userxattr         user.overlay.* xattrs instead of trusted.overlay.*\n"
	"  --max-bytes SIZE    stop and remove everything when the layers' file data passes\n"
	"                      SIZE (512M, 2G, ...; default 16G): a guard against tar bombs\n"
	"                      (what follows a tar's end in its blob counts too)\n"
	"  --allow-truncated   take layer tarballs that stop after an entry without the tar's\n"
	"                      end-of-archive blocks (layers named by a digest may anyway)\n"
	"  --json              print image.json's content plus elapsed_ns and mb_per_s\n"
	"  -h, --help          this text\n"
	"\n"
	"exit status: 0 imported; 1 refused or failed (an unsafe entry, a digest or size\n"
	"mismatch, a damaged or truncated layer, --max-bytes passed, writing DEST failed);\n"
	"2 usage or input error (DEST in use, SRC missing or not an image: malformed JSON, a\n"
	"missing blob, an unknown media type, no such --ref). Nothing is left in DEST unless 0.\n"
	"\n"
	"example:\n"
	"  skopeo copy docker://busybox:latest oci:/var/tmp/busybox-oci:latest\n"
	"  boxbench image import /var/tmp/busybox-oci /var/tmp/busybox\n"
	"  boxbench inspect /var/tmp/busybox\n";

static void fmt_bytes(char *buf, size_t len, unsigned long long b)
{
	if (b >= 10ULL << 30)
		snprintf(buf, len, "%.1f GiB", (double)b / (1ULL << 30));
	else if (b >= 10ULL << 20)
		snprintf(buf, len, "%.1f MiB", (double)b / (1ULL << 20));
	else if (b >= 10ULL << 10)
		snprintf(buf, len, "%.1f KiB", (double)b / (1ULL << 10));
	else
		snprintf(buf, len, "%llu B", b);
}

static double mb_per_s(const struct image_import_result *res)
{
	return res->elapsed_ns > 0 ? (double)res->total_bytes / 1e6 / (res->elapsed_ns / 1e9) : 0;
}

static void print_table(const struct image_import_result *res, const char *dest)
{
	json_t *img = res->image, *layers = json_object_get(img, "layers"), *l;
	const char *ref = json_string_value(json_object_get(img, "ref"));
	unsigned long long entries = 0;
	char bytes[32], ref_shown[PRINTABLE_MAX(256) + 1];
	size_t i;

	/* The ref is the image's own text (an annotation of its index): a terminal sees it
	 * escaped. */
	if (ref)
		ref = printable(ref_shown, sizeof(ref_shown), ref);

	printf("imported %zu layer%s (%s%s%s%s) into %s\n", json_array_size(layers),
	       json_array_size(layers) == 1 ? "" : "s",
	       json_string_value(json_object_get(img, "source_kind")), ref ? ", ref '" : "",
	       ref ? ref : "", ref ? "'" : "", dest);
	printf("%-6s %-20s %9s %11s %9s %7s %8s\n", "layer", "digest", "entries", "bytes",
	       "whiteouts", "opaque", "skipped");
	json_array_foreach(layers, i, l)
	{
		const char *digest = json_string_value(json_object_get(l, "digest"));
		char dshort[24];

		if (!digest)
			digest = json_string_value(json_object_get(l, "diff_id"));
		snprintf(dshort, sizeof(dshort), "%.19s", digest ? digest : "-");
		entries += (unsigned long long)json_integer_value(json_object_get(l, "entries"));
		fmt_bytes(bytes, sizeof(bytes),
			  (unsigned long long)json_integer_value(json_object_get(l, "bytes")));
		printf("%-6s %-20s %9lld %11s %9lld %7lld %8lld\n",
		       json_string_value(json_object_get(l, "dir")), dshort,
		       json_integer_value(json_object_get(l, "entries")), bytes,
		       json_integer_value(json_object_get(l, "whiteouts")),
		       json_integer_value(json_object_get(l, "opaque_dirs")),
		       json_integer_value(json_object_get(l, "devices_skipped")));
	}
	fmt_bytes(bytes, sizeof(bytes), res->total_bytes);
	printf("total: %llu entries, %s of file data in %.3f s (%.1f MB/s)\n", entries, bytes,
	       res->elapsed_ns / 1e9, mb_per_s(res));
}

enum { OPT_REF = 256, OPT_WHITEOUT, OPT_USERXATTR, OPT_MAX_BYTES, OPT_ALLOW_TRUNCATED, OPT_JSON };

static bool import_stop_requested(void)
{
	return stop_requested();
}

static int cmd_image_import(int argc, char **argv)
{
	static const struct option options[] = {
		{ "ref", required_argument, NULL, OPT_REF },
		{ "whiteout", required_argument, NULL, OPT_WHITEOUT },
		{ "userxattr", no_argument, NULL, OPT_USERXATTR },
		{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "allow-truncated", no_argument, NULL, OPT_ALLOW_TRUNCATED },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct image_import_opts o = { .whiteout = WHITEOUT_CHARDEV,
				       .max_bytes = IMAGE_DEFAULT_MAX_BYTES };
	struct image_import_result res;
	struct bb_error err = { 0 };
	bool json = false;
	int opt, e;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_REF:
			o.ref = optarg;
			break;
		case OPT_WHITEOUT:
			if (!strcmp(optarg, "chardev"))
				o.whiteout = WHITEOUT_CHARDEV;
			else if (!strcmp(optarg, "xattr"))
				o.whiteout = WHITEOUT_XATTR;
			else
				return usage_error("image import",
						   "--whiteout: '%s' is neither chardev nor xattr",
						   optarg);
			break;
		case OPT_USERXATTR:
			o.userxattr = true;
			break;
		case OPT_MAX_BYTES:
			if (parse_size(optarg, "--max-bytes", &o.max_bytes, &err))
				return usage_error("image import", "%s", err.msg);
			break;
		case OPT_ALLOW_TRUNCATED:
			o.allow_truncated = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			fputs(import_help, stdout);
			return 0;
		default:
			return usage_bad_option("image import", opt, argv);
		}
	}
	if (argc - optind < 2)
		return usage_error("image import", "give SRC and DEST (%s)",
				   argc - optind ? "only one path given" : "no paths given");
	o.srcs = (const char *const *)argv + optind;
	o.n_srcs = (size_t)(argc - optind - 1);
	o.dest = argv[argc - 1];

	/* Ctrl-C, a hangup or a kill stops the import at its next read, which removes what it
	 * wrote: DEST is never left half-made. A signal ignored on entry (nohup) stays so. */
	if ((e = stop_signals_catch())) {
		fprintf(stderr, "boxbench image import: cannot catch SIGINT and SIGTERM: %s\n",
			errno_name(-e));
		return 1;
	}
	o.stop = import_stop_requested;
	if (image_import(&o, &res, &err)) {
		if (stop_requested()) {
			/* The reader's EINTR reaches here in the decompressor's words. */
			fprintf(stderr,
				"boxbench image import: stopped by %s; what was unpacked into %s is "
				"removed\n",
				stop_signal_name(), o.dest);
			return stop_exit_status();
		}
		fprintf(stderr, "boxbench image import: %s\n", err.msg);
		return res.failure == IMPORT_BAD_INPUT ? EXIT_USAGE : 1;
	}
	if (json) {
		json_t *out = json_deep_copy(res.image);

		json_object_set_new(out, "elapsed_ns", json_integer(res.elapsed_ns));
		json_object_set_new(out, "mb_per_s", json_real(mb_per_s(&res)));
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(out);
	} else {
		print_table(&res, o.dest);
	}
	json_decref(res.image);
	return fflush(stdout) ? 1 : 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} image_commands[] = {
	{ "import", cmd_image_import },
};

int cmd_image(int argc, char **argv)
{
	if (argc < 2) {
		fputs(image_help, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(image_help, stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(image_commands) / sizeof(image_commands[0]); i++)
		if (!strcmp(argv[1], image_commands[i].name))
			return image_commands[i].fn(argc - 1, argv + 1);
	if (argv[1][0] == '-')
		return usage_error("image", "unknown option '%s'", argv[1]);
	return usage_error("image", "'%s' is not an image command (import)", argv[1]);
}
