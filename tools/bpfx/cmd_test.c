/* SPDX-License-Identifier: MIT */
/*
 * cmd_test.c - bpfx test: runs data-driven test files (bpf_conformance's
 * format, extended; see docs/testing.md) on each engine, and measures which
 * rows of the opcode table the passing tests cover.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
/* The opcode table itself, for coverage (the CLI links the static library). */
#include "../../src/isa/isa_internal.h"

static const char usage[] =
	"usage: bpfx test FILES_OR_DIRS... [--engine interp|checked|jit|all] [--groups LIST]\n"
	"                 [--coverage] [--require-full-coverage] [-v]\n"
	"\n"
	"Runs data-driven test files (*.data; directories are searched recursively) on\n"
	"each engine and prints one line per failure, then 'N passed, M failed[, K skipped]'.\n"
	"  --engine E     interp, checked, jit, or all (default: interp and checked, plus\n"
	"                 jit if this build has it); may be repeated or comma-separated\n"
	"  --groups LIST  groups the runtime claims (default: all); tests needing others are skipped\n"
	"  --coverage     list the opcode-table rows no passing test executes\n"
	"  --require-full-coverage   fail unless every row is covered on every engine\n"
	"  -v             print passing tests (-v -v: and the VM's log)\n"
	"Exit status: 0 all passed, 1 a failure, 2 usage error, 77 an engine asked for\n"
	"by --engine is not available in this build.\n"
	"\n"
	"File sections ('-- NAME' lines, '#' comments): asm | raw (a test has one), mem,\n"
	"result, error (STATUS [substring of the message]), mem-after, groups, budget,\n"
	"engines, packet. Unknown sections are ignored.\n";

/* ---- one test file ---- */

struct tfile {
	char *path;
	char *asm_text;        /* -- asm */
	int asm_line;          /* file line of the "-- asm" header */
	char *raw;             /* -- raw */
	char *mem, *mem_after, *packet;
	int has_result;
	uint64_t result;
	int has_error;
	int err_status;        /* 0: any status */
	char err_sub[256];
	int has_groups;
	uint32_t groups;
	uint64_t budget;
	unsigned engines;      /* bit per enum bpfx_engine; 0 = all */
};

static void tfile_free(struct tfile *t)
{
	free(t->asm_text);
	free(t->raw);
	free(t->mem);
	free(t->mem_after);
	free(t->packet);
}

/* Appends a line to a growing string. */
static int append(char **s, size_t *len, const char *line, size_t n)
{
	size_t cur = *s ? *len : 0;
	char *ns = realloc(*s, cur + n + 2);
	if (!ns)
		return BPFX_E_NOMEM;
	memcpy(ns + cur, line, n);
	ns[cur + n] = '\n';
	ns[cur + n + 1] = 0;
	*s = ns;
	*len = cur + n + 1;
	return 0;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = 0;
	return s;
}

static int status_by_name(const char *name)
{
	for (int s = 0; s >= -64; s--) {
		const char *n = bpfx_status_name(s);
		if (n && !strcmp(n, name))
			return s;
	}
	return 1;
}

static int parse_value(const char *s, uint64_t *out)
{
	char *end;
	int neg = 0;
	errno = 0;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	unsigned long long v = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	if (errno || end == s || *trim(end))
		return BPFX_E_INVAL;
	*out = neg ? (uint64_t)0 - v : v;
	return 0;
}

enum sect { S_NONE, S_ASM, S_RAW, S_MEM, S_RESULT, S_ERROR, S_MEM_AFTER, S_GROUPS, S_BUDGET, S_ENGINES, S_PACKET };

/* Parses a test file; on a malformed file writes the reason to `why`. */
static int tfile_parse(const char *path, struct tfile *t, char *why, size_t whylen)
{
	unsigned char *data;
	size_t len, l_asm = 0, l_raw = 0, l_mem = 0, l_after = 0, l_pkt = 0;
	enum sect st = S_NONE;
	int lineno = 0, err = 0;

	memset(t, 0, sizeof(*t));
	if (cli_read_file(path, &data, &len)) {
		snprintf(why, whylen, "cannot read the file");
		return BPFX_E_IO;
	}
	char *save = NULL;
	for (char *line = (char *)data; line && !err; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = 0;
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *l = trim(line);
		if (!strncmp(l, "--", 2)) {
			char *name = trim(l + 2);
			static const struct {
				const char *n;
				enum sect s;
			} names[] = {{"asm", S_ASM},          {"raw", S_RAW},       {"mem", S_MEM},
				     {"result", S_RESULT},    {"error", S_ERROR},   {"mem-after", S_MEM_AFTER},
				     {"groups", S_GROUPS},    {"budget", S_BUDGET}, {"engines", S_ENGINES},
				     {"packet", S_PACKET}};
			st = S_NONE; /* unknown sections ("no register offset", "c", ...) are ignored */
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (!strcmp(name, names[i].n))
					st = names[i].s;
			if (st == S_ASM && !t->asm_text) {
				if (!(t->asm_text = calloc(1, 1)))
					err = BPFX_E_NOMEM;
				t->asm_line = lineno;
			}
			if (st == S_ERROR)
				t->has_error = 1;
			continue;
		}
		switch (st) {
		case S_NONE:
			break;
		case S_ASM:
			/* Keep empty lines so that assembler line numbers match the file's. */
			err = append(&t->asm_text, &l_asm, line, strlen(line));
			break;
		case S_RAW:
			if (*l)
				err = append(&t->raw, &l_raw, l, strlen(l));
			break;
		case S_MEM:
			if (*l)
				err = append(&t->mem, &l_mem, l, strlen(l));
			break;
		case S_MEM_AFTER:
			if (*l)
				err = append(&t->mem_after, &l_after, l, strlen(l));
			break;
		case S_PACKET:
			if (*l)
				err = append(&t->packet, &l_pkt, l, strlen(l));
			break;
		case S_RESULT:
			if (!*l)
				break;
			if (parse_value(l, &t->result)) {
				snprintf(why, whylen, "line %d: bad -- result value '%s'", lineno, l);
				err = BPFX_E_INVAL;
			}
			t->has_result = 1;
			break;
		case S_ERROR: {
			if (!*l)
				break;
			char *sp = l + strcspn(l, " \t");
			char save_c = *sp;
			*sp = 0;
			int s = !strncmp(l, "BPFX_E_", 7) || !strcmp(l, "BPFX_OK") ? status_by_name(l) : 1;
			*sp = save_c;
			if (s == 1 && !strncmp(l, "BPFX_", 5)) {
				snprintf(why, whylen, "line %d: unknown status '%.*s'", lineno, (int)(sp - l), l);
				err = BPFX_E_INVAL;
				break;
			}
			t->err_status = s == 1 ? 0 : s;
			snprintf(t->err_sub, sizeof(t->err_sub), "%s", s == 1 ? l : trim(sp));
			break;
		}
		case S_GROUPS: {
			if (!*l)
				break;
			char e[300];
			if (bpfx_groups_parse(l, &t->groups, e, sizeof(e))) {
				snprintf(why, whylen, "line %d: -- groups: %s", lineno, e);
				err = BPFX_E_INVAL;
			}
			t->has_groups = 1;
			break;
		}
		case S_BUDGET:
			if (*l && (parse_value(l, &t->budget) || *l == '-')) {
				snprintf(why, whylen, "line %d: bad -- budget value '%s'", lineno, l);
				err = BPFX_E_INVAL;
			}
			break;
		case S_ENGINES:
			for (char *w = strtok(l, " ,\t"); w; w = strtok(NULL, " ,\t")) {
				enum bpfx_engine en;
				if (bpfx_engine_parse(w, &en) || en == BPFX_ENGINE_AUTO) {
					snprintf(why, whylen, "line %d: unknown engine '%s' in -- engines", lineno, w);
					err = BPFX_E_INVAL;
					break;
				}
				t->engines |= 1u << en;
			}
			break;
		}
	}
	free(data);
	if (!err && t->has_error && !t->err_status && !t->err_sub[0]) {
		snprintf(why, whylen, "-- error names neither a status nor a message");
		err = BPFX_E_INVAL;
	}
	return err;
}

/* Turns the raw section's 64-bit words (hex with 0x, or decimal) into slots. */
static int parse_raw(const char *raw, struct bpfx_insn **out, size_t *count, char *why, size_t whylen)
{
	size_t cap = 16, n = 0;
	struct bpfx_insn *v = malloc(cap * sizeof(*v));
	const char *p = raw;
	if (!v)
		return BPFX_E_NOMEM;
	while (*p) {
		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		char *end;
		errno = 0;
		int hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
		unsigned long long w = strtoull(p, &end, hex ? 16 : 10);
		if (errno || end == p || (*end && *end != ' ' && *end != '\n' && *end != '\t' && *end != ',')) {
			snprintf(why, whylen, "-- raw: '%.*s' is not a 64-bit number", (int)strcspn(p, " \n\t,"), p);
			free(v);
			return BPFX_E_INVAL;
		}
		if (n == cap) {
			struct bpfx_insn *nv = realloc(v, 2 * cap * sizeof(*v));
			if (!nv) {
				free(v);
				return BPFX_E_NOMEM;
			}
			v = nv;
			cap *= 2;
		}
		for (int b = 0; b < 8; b++)
			((unsigned char *)&v[n])[b] = (unsigned char)(w >> (8 * b));
		n++;
		p = end;
	}
	*out = v;
	*count = n;
	return 0;
}

/* ---- the run ---- */

struct totals {
	int passed, failed, skipped, verbose;
	unsigned char covered[4][BPFX_OP__COUNT]; /* per enum bpfx_engine */
};

static void fail_line(struct totals *tt, const char *path, const char *engine, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void fail_line(struct totals *tt, const char *path, const char *engine, const char *fmt, ...)
{
	va_list ap;
	printf("FAIL %s [%s]: ", path, engine);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	tt->failed++;
}

static uint32_t prog_groups(const struct bpfx_insn *insns, size_t count)
{
	uint32_t g = 0;
	for (size_t i = 0; i < count; i++) {
		struct bpfx_insn_info info;
		if (bpfx_insn_lookup(&insns[i], &info))
			continue;
		g |= info.group;
		if (info.slots == 2)
			i++;
	}
	return g;
}

static void mark_coverage(struct totals *tt, enum bpfx_engine e, const struct bpfx_insn *insns, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		enum bpfx_op op = bpfx_op_decode(&insns[i]);
		if (op == BPFX_OP__INVALID)
			continue;
		tt->covered[e & 3][op] = 1;
		if (bpfx_op_table[op].fmt == BPFX_FMT_LDDW)
			i++;
	}
}

static void run_file(const char *path, const enum bpfx_engine *engines, size_t nengines, uint32_t cli_groups,
		     struct totals *tt)
{
	struct tfile t;
	char why[512] = "";
	struct bpfx_insn *insns = NULL;
	size_t count = 0;
	unsigned char *mem = NULL, *after = NULL, *pkt = NULL, *work = NULL;
	size_t mem_len = 0, after_len = 0, pkt_len = 0;
	int asm_status = 0;
	char asm_msg[400] = "";

	if (tfile_parse(path, &t, why, sizeof(why))) {
		fail_line(tt, path, "-", "malformed test file: %s", why);
		goto out;
	}
	if (!t.raw && !t.asm_text) {
		printf("SKIP %s: no -- asm or -- raw section\n", path);
		tt->skipped++;
		goto out;
	}
	if (!t.has_result && !t.has_error) {
		printf("SKIP %s: neither -- result nor -- error\n", path);
		tt->skipped++;
		goto out;
	}
	if (t.raw) {
		if (parse_raw(t.raw, &insns, &count, why, sizeof(why))) {
			fail_line(tt, path, "-", "%s", why);
			goto out;
		}
	} else {
		struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = BPFX_DIALECT_AUTO, .filename = path};
		struct bpfx_asm_error ae = {0};
		asm_status = bpfx_asm(t.asm_text, strlen(t.asm_text), &ao, &insns, &count, &ae);
		if (asm_status)
			snprintf(asm_msg, sizeof(asm_msg), "%s:%d:%d: %s", path, t.asm_line + ae.line, ae.col, ae.msg);
		else if (count == 0) {
			printf("SKIP %s: the program has no instructions\n", path);
			tt->skipped++;
			goto out;
		}
	}
	if ((t.mem && cli_parse_hex(t.mem, &mem, &mem_len)) ||
	    (t.mem_after && cli_parse_hex(t.mem_after, &after, &after_len)) ||
	    (t.packet && cli_parse_hex(t.packet, &pkt, &pkt_len))) {
		fail_line(tt, path, "-", "bad hex in -- mem, -- mem-after or -- packet");
		goto out;
	}
	if (after && after_len > mem_len) {
		fail_line(tt, path, "-", "-- mem-after has %zu bytes, more than the %zu of -- mem", after_len, mem_len);
		goto out;
	}
	/* The runtime claims cli_groups; a test that needs more is skipped. */
	uint32_t need = t.has_groups ? bpfx_groups_close(t.groups) : (asm_status ? 0 : prog_groups(insns, count));
	uint32_t have = bpfx_groups_close(cli_groups);
	if (need & ~have) {
		char g[200];
		bpfx_groups_format(need & ~have, g, sizeof(g));
		printf("SKIP %s: needs group(s) %s, not claimed by --groups\n", path, g);
		tt->skipped++;
		goto out;
	}
	uint32_t vm_groups = t.has_groups ? t.groups : cli_groups;
	int load_error = t.has_error && (t.err_status == BPFX_E_BAD_INSN || t.err_status == BPFX_E_GROUP ||
					 t.err_status == BPFX_E_ASM);

	work = malloc(mem_len ? mem_len : 1);
	if (!work) {
		fail_line(tt, path, "-", "out of memory");
		goto out;
	}
	for (size_t k = 0; k < nengines; k++) {
		const char *ename = bpfx_engine_name(engines[k]);
		if (t.engines && !(t.engines & (1u << engines[k]))) {
			if (tt->verbose)
				printf("SKIP %s [%s]: not for this engine\n", path, ename);
			tt->skipped++;
			continue;
		}
		struct cli_logbuf log = {.echo = tt->verbose > 1};
		int status;
		struct cli_exec e = {0};
		if (asm_status) {
			status = asm_status;
			cli_logbuf_fn(&log, BPFX_LOG_ERROR, asm_msg);
		} else {
			if (mem_len)
				memcpy(work, mem, mem_len);
			e = (struct cli_exec){.insns = insns, .count = count, .name = path, .groups = vm_groups,
					      .engine = engines[k], .trusted = engines[k] != BPFX_ENGINE_CHECKED,
					      .mem = mem_len ? work : NULL, .mem_len = mem_len, .packet = pkt,
					      .packet_len = pkt_len, .budget = t.budget, .log = &log};
			status = cli_exec_run(&e);
		}
		const char *logtext = log.len ? log.buf : "";
		int ok = 0;
		if (t.has_error) {
			if (status == 0)
				fail_line(tt, path, ename, "expected %s%s%s, but the run succeeded with r0 = 0x%" PRIx64,
					  t.err_status ? bpfx_status_name(t.err_status) : "an error",
					  t.err_sub[0] ? " containing " : "", t.err_sub, e.res.r0);
			else if (t.err_status && status != t.err_status)
				fail_line(tt, path, ename, "expected %s, got %s: %s", bpfx_status_name(t.err_status),
					  bpfx_status_name(status), logtext);
			else if (t.err_sub[0] && !strstr(logtext, t.err_sub))
				fail_line(tt, path, ename, "%s as expected, but the message does not contain '%s': %s",
					  bpfx_status_name(status), t.err_sub, logtext);
			else
				ok = 1;
		} else if (status) {
			char where[64] = " while loading";
			if (e.loaded)
				snprintf(where, sizeof(where), " at insn %zu", e.res.insn);
			fail_line(tt, path, ename, "expected r0 = 0x%" PRIx64 ", got %s%s: %s", t.result,
				  bpfx_status_name(status), where, logtext);
		} else if (e.res.r0 != t.result) {
			fail_line(tt, path, ename, "r0 = 0x%" PRIx64 ", expected 0x%" PRIx64, e.res.r0, t.result);
		} else if (after && memcmp(work, after, after_len)) {
			size_t at = 0;
			while (work[at] == after[at])
				at++;
			fail_line(tt, path, ename, "memory byte %zu is 0x%02x after the run, expected 0x%02x", at,
				  work[at], after[at]);
		} else {
			ok = 1;
		}
		if (ok) {
			tt->passed++;
			if (tt->verbose)
				printf("PASS %s [%s]\n", path, ename);
			if (!load_error && !asm_status)
				mark_coverage(tt, engines[k], insns, count);
		}
		cli_logbuf_free(&log);
	}
out:
	if (t.raw)
		free(insns);
	else
		bpfx_free(insns);
	free(mem);
	free(after);
	free(pkt);
	free(work);
	tfile_free(&t);
}

/* ---- file collection ---- */

struct pathlist {
	char **v;
	size_t n, cap;
};

static int pl_add(struct pathlist *pl, const char *s)
{
	if (pl->n == pl->cap) {
		size_t cap = pl->cap ? pl->cap * 2 : 64;
		char **nv = realloc(pl->v, cap * sizeof(*nv));
		if (!nv)
			return BPFX_E_NOMEM;
		pl->v = nv;
		pl->cap = cap;
	}
	size_t len = strlen(s) + 1;
	if (!(pl->v[pl->n] = malloc(len)))
		return BPFX_E_NOMEM;
	memcpy(pl->v[pl->n++], s, len);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect(const char *path, struct pathlist *pl, int top)
{
	struct stat sb;
	if (stat(path, &sb)) {
		fprintf(stderr, "bpfx test: cannot access '%s': %s\n", path, strerror(errno));
		return BPFX_E_IO;
	}
	if (!S_ISDIR(sb.st_mode)) {
		size_t n = strlen(path);
		if (top || (n > 5 && !strcmp(path + n - 5, ".data")))
			return pl_add(pl, path);
		return 0;
	}
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "bpfx test: cannot open directory '%s': %s\n", path, strerror(errno));
		return BPFX_E_IO;
	}
	struct dirent *de;
	int err = 0;
	while (!err && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		size_t len = strlen(path) + strlen(de->d_name) + 2;
		char *sub = malloc(len);
		if (!sub) {
			err = BPFX_E_NOMEM;
			break;
		}
		snprintf(sub, len, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", de->d_name);
		err = collect(sub, pl, 0);
		free(sub);
	}
	closedir(d);
	return err;
}

/* True if this build runs `e` (probed with a one-instruction program). */
static int engine_available(enum bpfx_engine e)
{
	static const struct bpfx_insn prog[2] = {{.code = 0xb7, .imm = 7}, {.code = 0x95}};
	struct cli_logbuf log = {0};
	struct cli_exec x = {.insns = prog, .count = 2, .name = "probe", .engine = e, .trusted = 1, .log = &log};
	int err = cli_exec_run(&x);
	cli_logbuf_free(&log);
	return err == 0 && x.res.r0 == 7;
}

static int add_engines(const char *list, enum bpfx_engine *v, size_t *n, int *all)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *w = strtok(buf, ", "); w; w = strtok(NULL, ", ")) {
		enum bpfx_engine e;
		if (!strcmp(w, "all")) {
			*all = 1;
			continue;
		}
		if (bpfx_engine_parse(w, &e) || e == BPFX_ENGINE_AUTO) {
			fprintf(stderr, "bpfx test: --engine: unknown engine '%s' (interp, checked, jit, all)\n", w);
			return BPFX_E_INVAL;
		}
		int dup = 0;
		for (size_t i = 0; i < *n; i++)
			dup |= v[i] == e;
		if (!dup && *n < 8)
			v[(*n)++] = e;
	}
	return 0;
}

int cmd_test(int argc, char **argv)
{
	static const struct option opts[] = {
		{"engine", required_argument, NULL, 'e'},
		{"groups", required_argument, NULL, 'g'},
		{"coverage", no_argument, NULL, 'c'},
		{"require-full-coverage", no_argument, NULL, 'C'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	enum bpfx_engine engines[8];
	size_t nengines = 0;
	int all = 0, coverage = 0, require_full = 0, c;
	uint32_t groups = BPFX_GROUPS_ALL;
	static struct totals tt;

	memset(&tt, 0, sizeof(tt));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hv", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (add_engines(optarg, engines, &nengines, &all))
				return 2;
			break;
		case 'g':
			if (cli_parse_groups(optarg, &groups))
				return 2;
			break;
		case 'c': coverage = 1; break;
		case 'C': coverage = require_full = 1; break;
		case 'v': tt.verbose++; break;
		case 'h':
			fputs(usage, stdout);
			fputs(cli_demo_helpers_help, stdout);
			fputs(cli_fake_mem_help, stdout);
			return 0;
		case ':': return cli_usage_error(argv[0], "option '%s' needs a value", argv[optind - 1]);
		default: return cli_usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(argv[0], "no test files or directories given");
	for (size_t i = 0; i < nengines; i++)
		if (engines[i] == BPFX_ENGINE_JIT && !engine_available(BPFX_ENGINE_JIT)) {
			fprintf(stderr, "bpfx test: the jit engine is not available in this build\n");
			return 77; /* "skipped" for ctest (SKIP_RETURN_CODE) */
		}
	if (all || nengines == 0) {
		enum bpfx_engine want[] = {BPFX_ENGINE_INTERP, BPFX_ENGINE_CHECKED, BPFX_ENGINE_JIT};
		for (size_t i = 0; i < 3; i++) {
			if (want[i] == BPFX_ENGINE_JIT && !engine_available(BPFX_ENGINE_JIT))
				continue;
			int dup = 0;
			for (size_t j = 0; j < nengines; j++)
				dup |= engines[j] == want[i];
			if (!dup)
				engines[nengines++] = want[i];
		}
	}

	struct pathlist pl = {0};
	for (int i = optind; i < argc; i++)
		if (collect(argv[i], &pl, 1)) {
			for (size_t k = 0; k < pl.n; k++)
				free(pl.v[k]);
			free(pl.v);
			return 2;
		}
	if (pl.n)
		qsort(pl.v, pl.n, sizeof(*pl.v), cmp_str);
	for (size_t i = 0; i < pl.n; i++) {
		run_file(pl.v[i], engines, nengines, groups, &tt);
		fflush(stdout);
		free(pl.v[i]);
	}
	free(pl.v);

	/* Coverage is per engine: each must execute every row. */
	int uncovered_fail = 0;
	for (size_t k = 0; k < nengines; k++) {
		const unsigned char *cov = tt.covered[engines[k] & 3];
		int ncov = 0;
		for (int op = 0; op < BPFX_OP__COUNT; op++)
			ncov += cov[op];
		printf("coverage [%s]: %d of %d opcode-table rows executed by passing tests\n",
		       bpfx_engine_name(engines[k]), ncov, BPFX_OP__COUNT);
		if (!coverage || ncov == BPFX_OP__COUNT)
			continue;
		printf("not covered [%s]:", bpfx_engine_name(engines[k]));
		for (int op = 0; op < BPFX_OP__COUNT; op++)
			if (!cov[op])
				printf(" %s", bpfx_op_table[op].id);
		printf("\n");
		if (require_full) {
			printf("FAIL: --require-full-coverage: %d row(s) of the opcode table are not covered on %s\n",
			       BPFX_OP__COUNT - ncov, bpfx_engine_name(engines[k]));
			uncovered_fail++;
		}
	}
	printf("%d passed, %d failed", tt.passed, tt.failed + uncovered_fail);
	if (tt.skipped)
		printf(", %d skipped", tt.skipped);
	printf("\n");
	return tt.failed || uncovered_fail ? 1 : 0;
}
