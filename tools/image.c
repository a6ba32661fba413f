/* boxbench image: placeholder while the subcommand is being written (session 2). */
#include <stdio.h>

#include "builtin.h"

int cmd_image(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "boxbench image: not built yet\n");
	return 1;
}
