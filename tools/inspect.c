/* boxbench inspect: placeholder while the subcommand is being written (session 2). */
#include <stdio.h>

#include "builtin.h"

int cmd_inspect(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "boxbench inspect: not built yet\n");
	return 1;
}
