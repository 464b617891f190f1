/* SPDX-License-Identifier: MIT */
/* cmd_run.c - placeholder until the subcommand lands. */
#include "cli.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "bpfx %s: not implemented yet\n", argv[0]);
	return 2;
}
