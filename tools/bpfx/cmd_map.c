/* SPDX-License-Identifier: MIT */
/* cmd_map.c - bpfx map dump: the maps of an ELF object as loading creates
 * them (global data from its sections, other maps empty). */
#include <getopt.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: bpfx map dump OBJ.o [--map NAME] [-v]\n"
	"\n"
	"Loads the object as `bpfx run` does (docs/objects.md) and prints its maps'\n"
	"initial contents: global data (.data, .rodata, .bss, ...) from the object's\n"
	"sections, other maps (empty until a program runs). To see maps after a run use\n"
	"`bpfx run OBJ.o --show-maps`.\n"
	"  --map NAME   only this map (symbol name, or .data / .rodata / ...)\n"
	"Exit status 0, 2 for a bad object or an unknown map.\n";

int cmd_map(int argc, char **argv)
{
	static const struct option opts[] = {
		{"map", required_argument, NULL, 'm'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *only = NULL;
	int verbose = 0, c;
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "dump"))
		return cli_usage_error(argv[0], argc < 2 ? "missing action (dump)" : "unknown action '%s'",
				       argc < 2 ? "" : argv[1]);
	argc--;
	argv++;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hv", opts, NULL)) != -1) {
		switch (c) {
		case 'm': only = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		case ':': return cli_usage_error("map", "option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error("map", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("map", optind >= argc ? "missing object file" : "too many arguments");
	struct cli_object o;
	int rc = 2;
	if (cli_object_load(argv[optind], NULL, 1, verbose, &o) == 0)
		rc = cli_dump_maps(stdout, o.obj, only) ? 2 : 0;
	cli_object_free(&o);
	return rc;
}
