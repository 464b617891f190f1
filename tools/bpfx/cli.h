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
int cmd_btf(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_jit(int argc, char **argv);
int cmd_gen(int argc, char **argv);

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
/* "auto", "llvm", "conformance" (silent: returns BPFX_E_INVAL). */
int cli_parse_dialect(const char *s, enum bpfx_dialect *d);

/* Log sink collecting every message of a VM into one string (lines joined
 * by '\n'); with `echo` set each line also goes to stderr. */
struct cli_logbuf {
	char *buf;
	size_t len, cap;
	int echo;
};
void cli_logbuf_fn(void *user, enum bpfx_log_level level, const char *msg);
void cli_logbuf_reset(struct cli_logbuf *lb);
void cli_logbuf_free(struct cli_logbuf *lb);
/* Last line logged, or "" */
const char *cli_logbuf_last(const struct cli_logbuf *lb, char *out, size_t outlen);

/*
 * Fake map and variable memory for lddw with src 1, 2, 3, 5, 6 (run, test,
 * conformance-plugin). Indexes/fds 0..3 exist:
 *   map_by_fd/idx(i)          -> &map_obj[i]: u32 i, u32 64 (value size), u64 0x6d61705f66616b65
 *   map_val(map(i)) + off     -> &map_val[i][0] + off; byte k initially i*64 + k (writable)
 *   var_addr(i)               -> &var[i][0]; byte k initially 0xff - (i*64 + k) (writable)
 * Anything else is refused with BPFX_E_NOENT.
 */
#define CLI_FAKE_MAPS 4
#define CLI_FAKE_VALUE_SIZE 64
struct cli_fake_mem {
	unsigned char map_obj[CLI_FAKE_MAPS][16];
	unsigned char map_val[CLI_FAKE_MAPS][CLI_FAKE_VALUE_SIZE];
	unsigned char var[CLI_FAKE_MAPS][CLI_FAKE_VALUE_SIZE];
};
void cli_fake_mem_init(struct cli_fake_mem *m);
int cli_fake_resolve(void *user, const struct bpfx_lddw_ref *ref, struct bpfx_lddw_value *out);
extern const char *cli_fake_mem_help;

/* One complete execution: a fresh VM (groups, demo helpers, log into
 * `log`), load (trusted or not, fake-map resolver), one run. */
struct cli_exec {
	const struct bpfx_insn *insns;
	size_t count;
	const char *name;
	uint32_t groups;          /* 0 = all */
	enum bpfx_engine engine;
	int trusted;              /* load with BPFX_LOAD_TRUSTED */
	void *mem;                /* r1 (a writable region), r2 = mem_len */
	size_t mem_len;
	const void *packet;       /* LD_ABS/LD_IND data; NULL = mem */
	size_t packet_len;
	uint64_t budget;
	struct cli_logbuf *log;
	/* results */
	int loaded;               /* 1 if the load succeeded (a failure was at run time) */
	struct bpfx_run_result res;
};
/* Returns the status (of the load, or of the run). */
int cli_exec_run(struct cli_exec *e);

/* Demo helpers the CLI registers (run, test, conformance-plugin): 5, 6, 7
 * and kfunc 1000; cli_demo_helpers_help describes them for --help. */
int cli_register_demo_helpers(bpfx_vm *vm);
extern const char *cli_demo_helpers_help;

/* Prints "bpfx CMD: message" and a hint to use --help; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- ELF objects loaded whole (util.c): maps, global data, contexts ---- */
struct cli_object {
	bpfx_vm *vm;
	bpfx_object *obj;
};
/* Opens PATH, creates a VM with the standard helpers (reproducible ones
 * only), and loads the object (verify attempted;
 * `trusted`: BPFX_OBJ_LOAD_TRUSTED; `type`: force this program type).
 * Errors are printed; returns 0 or the status. */
int cli_object_load(const char *path, const char *type, int trusted, int verbose, struct cli_object *o);
void cli_object_free(struct cli_object *o);
/* 1 if the file starts with the ELF magic. */
int cli_is_elf(const char *path);
/* Prints the contents of every map of a loaded object (or only `only`):
 * a header line per map, then "  KEY-HEX: VALUE-HEX" per entry. Returns 0,
 * or BPFX_E_NOENT if `only` names no map. */
int cli_dump_maps(FILE *f, const bpfx_object *obj, const char *only);
/* Writes len bytes as hex ("0a 1b ...", 16 per line with `indent`). */
void cli_print_hex(FILE *f, const unsigned char *p, size_t len, const char *indent);

#endif
