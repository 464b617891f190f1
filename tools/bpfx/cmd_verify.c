/* SPDX-License-Identifier: MIT */
/* cmd_verify.c - placeholder until the subcommand lands. */
#include "cli.h"

int cmd_verify(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "bpfx %s: not implemented yet\n", argv[0]);
	return 2;
}
