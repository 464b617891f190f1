/* SPDX-License-Identifier: MIT */
/* cmd_disasm.c - bpfx disasm: bytecode (raw, hex or an ELF program) to text. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: bpfx disasm PROG [--dialect llvm|conformance] [--index] [--bytes] [--labels]\n"
	"                   [--section S] [--prog NAME]\n"
	"\n"
	"Disassembles PROG: raw little-endian bytecode, hex text, or a program of an ELF\n"
	"object (--section / --prog pick it; default the first). Unknown slots are printed\n"
	"as .insn lines.\n"
	"  --dialect D   llvm (default) or conformance\n"
	"  --index       prefix each line with its slot index\n"
	"  --bytes       prefix each line with its raw bytes\n"
	"  --labels      write jump targets as labels\n";

int cmd_disasm(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dialect", required_argument, NULL, 'd'}, {"index", no_argument, NULL, 'i'},
		{"bytes", no_argument, NULL, 'b'},         {"labels", no_argument, NULL, 'l'},
		{"section", required_argument, NULL, 's'}, {"prog", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
	};
	struct bpfx_disasm_opts dopts = {.sz = sizeof(dopts), .dialect = BPFX_DIALECT_LLVM};
	const char *section = NULL, *prog = NULL;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (cli_parse_dialect(optarg, &dopts.dialect))
				return cli_usage_error(argv[0], "unknown dialect '%s' (llvm, conformance)", optarg);
			break;
		case 'i': dopts.flags |= BPFX_DISASM_INDEX; break;
		case 'b': dopts.flags |= BPFX_DISASM_BYTES; break;
		case 'l': dopts.flags |= BPFX_DISASM_LABELS; break;
		case 's': section = optarg; break;
		case 'p': prog = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		case ':': return cli_usage_error(argv[0], "option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(argv[0], optind >= argc ? "missing program file" : "too many arguments");

	struct cli_prog p;
	if (cli_load_prog(argv[optind], CLI_FMT_AUTO, section, prog, &p))
		return 2;
	char *text = NULL;
	int err = bpfx_disasm(p.insns, p.count, &dopts, &text);
	cli_prog_free(&p);
	if (err) {
		fprintf(stderr, "bpfx disasm: %s: %s\n", argv[optind], bpfx_strerror(err));
		return 1;
	}
	fputs(text, stdout);
	bpfx_free(text);
	return 0;
}
