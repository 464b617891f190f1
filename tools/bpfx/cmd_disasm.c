/* SPDX-License-Identifier: MIT */
/* cmd_disasm.c - placeholder until the subcommand lands. */
#include "cli.h"

int cmd_disasm(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "bpfx %s: not implemented yet\n", argv[0]);
	return 2;
}
