/* SPDX-License-Identifier: MIT */
/* cmd_test.c - placeholder until the subcommand lands. */
#include "cli.h"

int cmd_test(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "bpfx %s: not implemented yet\n", argv[0]);
	return 2;
}
