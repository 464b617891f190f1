/* SPDX-License-Identifier: MIT */
/*
 * cmd_conformance.c - bpfx conformance-plugin: the bpf_conformance plugin
 * protocol. The runner starts the plugin once per test as
 *     plugin [MEMORY_HEX] [PLUGIN_OPTIONS...] [--elf]
 * with the program on stdin as hex bytes (an ELF object's bytes with --elf),
 * and reads r0 in hex from stdout; on failure the plugin exits non-zero and
 * the error text on stderr is compared with the test's expected error.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: bpfx conformance-plugin [MEM_HEX] [--engine interp|checked|jit] [--groups LIST]\n"
	"                               [--elf] [--debug]\n"
	"\n"
	"bpf_conformance plugin: reads the program as hex bytes from stdin, runs it with\n"
	"r1 = a copy of MEM_HEX and r2 = its length, prints r0 in hex and exits 0; on error\n"
	"exits 1 with the error on stderr. With --elf, stdin holds an ELF object in hex.\n"
	"  --engine E    interp (default; the fixed test programs are loaded as trusted),\n"
	"                checked, or jit\n"
	"  --groups LIST conformance groups the VM claims (default: all)\n"
	"  --debug       print every log message to stderr\n"
	"Use with: bpf_conformance_runner --plugin_path bpfx --plugin_options\n"
	"          \"conformance-plugin --engine checked\"\n";

static int elf_prog(const unsigned char *d, size_t n, struct cli_prog *out, struct cli_logbuf *log)
{
	bpfx_object *obj = NULL;
	struct bpfx_object_opts oo = {.sz = sizeof(oo), .name = "stdin", .log = cli_logbuf_fn, .log_user = log};
	int err = bpfx_object_open_mem(d, n, &oo, &obj);
	if (err)
		return err;
	size_t idx = 0;
	if (bpfx_object_find_prog(obj, NULL, "main", &idx))
		idx = 0;
	struct bpfx_object_prog_info info;
	if (!(err = bpfx_object_prog(obj, idx, &info))) {
		out->insns = malloc(info.insn_count * sizeof(struct bpfx_insn) + 1);
		if (!out->insns) {
			err = BPFX_E_NOMEM;
		} else {
			memcpy(out->insns, info.insns, info.insn_count * sizeof(struct bpfx_insn));
			out->count = info.insn_count;
		}
	}
	bpfx_object_close(obj);
	return err;
}

int cmd_conformance_plugin(int argc, char **argv)
{
	const char *mem_hex = NULL;
	enum bpfx_engine engine = BPFX_ENGINE_INTERP;
	uint32_t groups = BPFX_GROUPS_ALL;
	int elf = 0, debug = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!*a)
			continue; /* the runner splits --plugin_options on single spaces */
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			fputs(cli_demo_helpers_help, stdout);
			return 0;
		} else if (!strcmp(a, "--elf")) {
			elf = 1;
		} else if (!strcmp(a, "--debug")) {
			debug = 1;
		} else if (!strcmp(a, "--engine") || !strcmp(a, "--groups")) {
			if (i + 1 >= argc)
				return cli_usage_error(argv[0], "option '%s' needs a value", a);
			const char *v = argv[++i];
			if (a[2] == 'e' ? cli_parse_engine(v, &engine) : cli_parse_groups(v, &groups))
				return 2;
		} else if (!strncmp(a, "--engine=", 9)) {
			if (cli_parse_engine(a + 9, &engine))
				return 2;
		} else if (!strncmp(a, "--groups=", 9)) {
			if (cli_parse_groups(a + 9, &groups))
				return 2;
		} else if (a[0] == '-' && a[1] == '-') {
			return cli_usage_error(argv[0], "unknown option '%s'", a);
		} else if (!mem_hex) {
			mem_hex = a;
		} else {
			return cli_usage_error(argv[0], "unexpected argument '%s' (memory was already given)", a);
		}
	}

	unsigned char *text = NULL, *bytes = NULL, *mem = NULL;
	size_t tlen = 0, blen = 0, mem_len = 0;
	struct cli_prog p = {0};
	struct cli_logbuf log = {.echo = debug};
	int rc = 1, err;

	if (mem_hex && cli_parse_hex(mem_hex, &mem, &mem_len))
		goto out;
	if (cli_read_file("-", &text, &tlen) || cli_parse_hex((const char *)text, &bytes, &blen))
		goto out;
	if (elf) {
		if ((err = elf_prog(bytes, blen, &p, &log))) {
			char last[1024];
			fprintf(stderr, "%s: %s\n", bpfx_status_name(err), cli_logbuf_last(&log, last, sizeof(last)));
			goto out;
		}
	} else {
		if (blen == 0 || blen % sizeof(struct bpfx_insn)) {
			fprintf(stderr, "program of %zu bytes is not a whole number of 8-byte instructions\n", blen);
			goto out;
		}
		p.count = blen / sizeof(struct bpfx_insn);
		p.insns = malloc(blen);
		if (!p.insns)
			goto out;
		memcpy(p.insns, bytes, blen);
	}

	struct cli_exec e = {.insns = p.insns, .count = p.count, .name = "conformance-test",
			     .groups = groups, .engine = engine, .trusted = engine != BPFX_ENGINE_CHECKED,
			     .mem = mem_len ? mem : NULL, .mem_len = mem_len, .log = &log};
	err = cli_exec_run(&e);
	if (err) {
		char last[1024];
		cli_logbuf_last(&log, last, sizeof(last));
		fprintf(stderr, "%s: %s\n", bpfx_status_name(err), last[0] ? last : bpfx_strerror(err));
		goto out;
	}
	printf("%" PRIx64 "\n", e.res.r0);
	rc = 0;
out:
	cli_logbuf_free(&log);
	cli_prog_free(&p);
	free(text);
	free(bytes);
	free(mem);
	return rc;
}
