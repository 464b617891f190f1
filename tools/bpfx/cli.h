/* SPDX-License-Identifier: MIT */
/* cli.h - shared pieces of the bpfx command line. One cmd_*.c file per
 * subcommand; main.c dispatches by name. */
#ifndef BPFX_CLI_H
#define BPFX_CLI_H

#include <bpfx/bpfx.h>
#include <stdio.h>

/* Subcommands: argv[0] is the subcommand name. Exit codes: 0 success,
 * 1 the operation said no (rejected, test failed, run error), 2 bad input or
 * usage. Each prints its own --help. */
int cmd_asm(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_conformance_plugin(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* ---- util.c ---- */

/* Log callback that prints "bpfx: message" to stderr (level >= WARN only
 * unless verbose). `user` is an int* verbosity or NULL. */
void cli_log(void *user, enum bpfx_log_level level, const char *msg);

/* Reads a whole file; "-" is stdin. Returns 0 or prints the error and
 * returns BPFX_E_IO. *data is NUL-terminated (not counted in *len). */
int cli_read_file(const char *path, unsigned char **data, size_t *len);

/* Parses hex bytes: "00 1f ab", "001fab", "0x00 0x1f", across lines;
 * '#' starts a comment. Prints what and where on error (BPFX_E_INVAL). */
int cli_parse_hex(const char *text, unsigned char **data, size_t *len);

/* A program taken from a file, whatever its form. */
struct cli_prog {
	struct bpfx_insn *insns;   /* owned */
	size_t count;
	char *name;                /* owned: file name, or section/function */
};
enum cli_prog_format { CLI_FMT_AUTO = 0, CLI_FMT_RAW, CLI_FMT_ASM, CLI_FMT_ELF, CLI_FMT_HEX };
/*
 * Loads PROG: an ELF object (by its magic; `section`/`prog` pick the program,
 * default the first), raw little-endian bytecode, hex text, or assembly
 * (either dialect). AUTO decides by content. Errors are printed.
 */
int cli_load_prog(const char *path, enum cli_prog_format fmt, const char *section, const char *prog,
		  struct cli_prog *out);
void cli_prog_free(struct cli_prog *p);

/* Parses --groups / --engine values, printing the error. */
int cli_parse_groups(const char *s, uint32_t *out);
int cli_parse_engine(const char *s, enum bpfx_engine *out);

#endif
