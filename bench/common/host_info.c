/* Machine facts for result contexts: see host_info.h. */
#include "host_info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <zlib.h>

int host_mhz_per_cpu(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];
	double mhz = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	fclose(f);
	return (int)(mhz + 0.5);
}

const char *host_fs_name(const char *path)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} known[] = {
		{ 0xEF53, "ext4" },	 { 0x58465342, "xfs" },	     { 0x9123683E, "btrfs" },
		{ 0x01021994, "tmpfs" }, { 0x794c7630, "overlay" },  { 0x65735546, "fuse" },
		{ 0xE0F5E1E2, "erofs" }, { 0x73717368, "squashfs" },
	};
	struct statfs st;
	char dir[4096];

	/* A dir not made yet (the stack cache on a first run) will be on its parent's fs. */
	snprintf(dir, sizeof(dir), "%s", path);
	while (statfs(dir, &st) < 0) {
		char *slash = strrchr(dir, '/');

		if (!slash || slash == dir)
			return statfs("/", &st) < 0 ? "unknown" : host_fs_name("/");
		*slash = '\0';
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if ((unsigned long)st.f_type == known[i].magic)
			return known[i].name;
	return "unknown";
}

/* What changes what boxbench can see or how fast the paths it times are. */
static const char *const wanted[] = {
	"CONFIG_OVERLAY_FS",
	"CONFIG_OVERLAY_FS_REDIRECT_DIR",
	"CONFIG_OVERLAY_FS_INDEX",
	"CONFIG_OVERLAY_FS_XINO_AUTO",
	"CONFIG_OVERLAY_FS_METACOPY",
	"CONFIG_KPROBES",
	"CONFIG_FUNCTION_TRACER",
	"CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS",
	"CONFIG_DEBUG_INFO_BTF",
	"CONFIG_BPF_JIT",
	"CONFIG_MEMCG",
	"CONFIG_CGROUP_PIDS",
	"CONFIG_USER_NS",
	"CONFIG_NET_NS",
	"CONFIG_TIME_NS",
	"CONFIG_PREEMPT",
	"CONFIG_PREEMPT_DYNAMIC",
	"CONFIG_HZ",
	"CONFIG_SECURITY_SELINUX",
	"CONFIG_SECURITY_APPARMOR",
	"CONFIG_LOCK_DOWN_KERNEL_FORCE_NONE",
};

const char *host_kernel_config(void (*fn)(void *arg, const char *name, const char *value),
			       void *arg)
{
	static char boot[300];
	struct utsname uts;
	const char *src = "/proc/config.gz";
	char line[512];
	gzFile f;

	/* gzopen reads plain files too, so /boot's uncompressed config goes the same way. */
	f = gzopen(src, "rb");
	if (!f) {
		uname(&uts);
		snprintf(boot, sizeof(boot), "/boot/config-%s", uts.release);
		src = boot;
		f = gzopen(src, "rb");
		if (!f)
			return NULL;
	}
	while (gzgets(f, line, sizeof(line))) {
		char *eq = strchr(line, '=');

		if (line[0] != 'C' || !eq)
			continue;
		*eq = '\0';
		eq[strcspn(eq + 1, "\n") + 1] = '\0';
		for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++)
			if (!strcmp(line, wanted[i]))
				fn(arg, line, eq + 1);
	}
	gzclose(f);
	return src;
}
