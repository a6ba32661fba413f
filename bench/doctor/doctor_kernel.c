/* Kernel facts for doctor: release, BTF, tracefs. */
#include "doctor.h"

#include <bpf/btf.h>
#include <errno.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "probes/tracefs.h"

int doctor_kernel_probe(struct check_list *out, struct bb_error *err)
{
	struct utsname uts;
	struct btf *btf;
	bool mounted_here = false;
	int e;

	(void)err;
	uname(&uts);
	check_add(out, "kernel", "release", true, 0, "recorded in every result's context", "%s",
		  uts.release);
	check_add(out, "kernel", "machine", true, 0, "", "%s", uts.machine);

	btf = btf__load_vmlinux_btf();
	e = btf ? 0 : errno;
	if (btf) {
		check_add(out, "kernel", "btf", true, 0, "CO-RE probes load without kernel headers",
			  "yes");
		btf__free(btf);
	} else {
		check_add(out, "kernel", "btf", false, e,
			  "no CO-RE probes: only harness (wall-clock) timing is possible", "no");
	}

	if (tracefs_mounted()) {
		check_add(out, "kernel", "tracefs", true, 0, "tracepoint probes attach directly",
			  "mounted");
	} else {
		struct bb_error terr = { 0 };

		e = tracefs_ensure(&mounted_here, &terr);
		if (e == 0)
			check_add(out, "kernel", "tracefs", true, 0,
				  "not mounted on the host; boxbench mounts it in its own mount "
				  "namespace when it attaches tracepoints",
				  "mountable");
		else
			check_add(out, "kernel", "tracefs", false, -e,
				  "tracepoint probes cannot attach; raw_tp/tp_btf twins are used",
				  "no");
	}
	return 0;
}
