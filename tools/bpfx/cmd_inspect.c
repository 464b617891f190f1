/* SPDX-License-Identifier: MIT */
/* cmd_inspect.c - placeholder until the subcommand lands. */
#include "cli.h"

int cmd_inspect(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "bpfx %s: not implemented yet\n", argv[0]);
	return 2;
}
