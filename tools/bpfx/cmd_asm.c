/* SPDX-License-Identifier: MIT */
/* cmd_asm.c - bpfx asm: assembly text to bytecode. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: bpfx asm IN [-o OUT] [--dialect auto|llvm|conformance] [--hex]\n"
	"\n"
	"Assembles IN ('-' for stdin) and writes the bytecode to OUT (default: stdout).\n"
	"  -o, --output OUT   where to write\n"
	"  --dialect D        llvm (r0 = *(u32 *)(r1 + 4)), conformance (ldxw %r0, [%r1+4]),\n"
	"                     or auto (default: detected per line)\n"
	"  --hex              write hex text, one instruction (8 bytes) a line, instead of raw bytes\n";

int cmd_asm(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {"dialect", required_argument, NULL, 'd'},
		{"hex", no_argument, NULL, 'x'},          {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out_path = NULL;
	enum bpfx_dialect dialect = BPFX_DIALECT_AUTO;
	int hex = 0, c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'd':
			if (cli_parse_dialect(optarg, &dialect))
				return cli_usage_error(argv[0], "unknown dialect '%s' (auto, llvm, conformance)", optarg);
			break;
		case 'x': hex = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		case ':': return cli_usage_error(argv[0], "option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(argv[0], optind >= argc ? "missing input file" : "too many arguments");
	const char *in = argv[optind];

	unsigned char *text = NULL;
	size_t len = 0;
	if (cli_read_file(in, &text, &len))
		return 2;
	struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = dialect, .filename = in};
	struct bpfx_asm_error ae = {0};
	struct bpfx_insn *insns = NULL;
	size_t count = 0;
	int err = bpfx_asm((const char *)text, len, &ao, &insns, &count, &ae);
	free(text);
	if (err) {
		fprintf(stderr, "%s:%d:%d: error: %s\n", in, ae.line, ae.col, ae.msg);
		return 1;
	}

	FILE *f = out_path && strcmp(out_path, "-") ? fopen(out_path, hex ? "w" : "wb") : stdout;
	if (!f) {
		fprintf(stderr, "bpfx asm: cannot create '%s'\n", out_path);
		bpfx_free(insns);
		return 2;
	}
	int ok = 1;
	if (hex) {
		for (size_t i = 0; i < count; i++) {
			const unsigned char *b = (const unsigned char *)&insns[i];
			ok &= fprintf(f, "%02x %02x %02x %02x %02x %02x %02x %02x\n", b[0], b[1], b[2], b[3], b[4],
				      b[5], b[6], b[7]) > 0;
		}
	} else if (count) {
		ok = fwrite(insns, sizeof(*insns), count, f) == count;
	}
	if (f != stdout)
		ok &= fclose(f) == 0;
	else
		ok &= fflush(f) == 0;
	bpfx_free(insns);
	if (!ok) {
		fprintf(stderr, "bpfx asm: error writing '%s'\n", out_path ? out_path : "stdout");
		return 2;
	}
	return 0;
}
