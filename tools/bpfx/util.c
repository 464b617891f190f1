/* SPDX-License-Identifier: MIT */
/* util.c - shared CLI helpers: files, hex, programs in any form, options,
 * and the small set of demo helpers the CLI registers. */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_log(void *user, enum bpfx_log_level level, const char *msg)
{
	int verbose = user ? *(const int *)user : 0;
	if (level <= BPFX_LOG_WARN || verbose)
		fprintf(stderr, "bpfx: %s\n", msg);
}

int cli_read_file(const char *path, unsigned char **data, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "bpfx: cannot open '%s': %s\n", path, strerror(errno));
		return BPFX_E_IO;
	}
	size_t cap = 4096, n = 0;
	unsigned char *buf = malloc(cap + 1);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap) {
			if (ferror(f)) {
				fprintf(stderr, "bpfx: error reading '%s': %s\n", path, strerror(errno));
				free(buf);
				buf = NULL;
			}
			break;
		}
		unsigned char *nb = realloc(buf, cap * 2 + 1);
		if (!nb) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	if (!buf) {
		fprintf(stderr, "bpfx: cannot read '%s' (out of memory or I/O error)\n", path);
		return BPFX_E_IO;
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cli_parse_hex(const char *text, unsigned char **data, size_t *len)
{
	size_t cap = strlen(text) / 2 + 1, n = 0;
	unsigned char *out = malloc(cap);
	int line = 1;
	const char *line_start = text, *p = text;

	if (!out) {
		fprintf(stderr, "bpfx: out of memory parsing hex\n");
		return BPFX_E_NOMEM;
	}
	while (*p) {
		if (*p == '\n') {
			line++;
			line_start = ++p;
			continue;
		}
		if (isspace((unsigned char)*p) || *p == ',') {
			p++;
			continue;
		}
		if (*p == '#') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		/* One token: optional 0x, then hex digits taken two by two. */
		const char *tok = p;
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
			p += 2;
		const char *digits = p;
		while (*p && !isspace((unsigned char)*p) && *p != ',' && *p != '#') {
			if (hexval((unsigned char)*p) < 0) {
				fprintf(stderr, "bpfx: hex: line %d, column %d: '%c' is not a hex digit\n", line,
					(int)(p - line_start) + 1, isprint((unsigned char)*p) ? *p : '?');
				free(out);
				return BPFX_E_INVAL;
			}
			p++;
		}
		size_t nd = (size_t)(p - digits);
		if (nd == 0) {
			fprintf(stderr, "bpfx: hex: line %d, column %d: '0x' without digits\n", line,
				(int)(tok - line_start) + 1);
			free(out);
			return BPFX_E_INVAL;
		}
		if (nd == 1) {
			out[n++] = (unsigned char)hexval((unsigned char)digits[0]);
			continue;
		}
		if (nd % 2) {
			fprintf(stderr,
				"bpfx: hex: line %d, column %d: '%.*s' has an odd number of hex digits (write "
				"bytes as pairs)\n",
				line, (int)(tok - line_start) + 1, (int)(p - tok), tok);
			free(out);
			return BPFX_E_INVAL;
		}
		for (size_t i = 0; i < nd; i += 2)
			out[n++] = (unsigned char)(hexval((unsigned char)digits[i]) * 16 +
						   hexval((unsigned char)digits[i + 1]));
	}
	*data = out;
	*len = n;
	return 0;
}

/* True if the text holds only hex bytes, separators and comments. */
static int looks_like_hex(const char *t)
{
	int any = 0;
	while (*t) {
		if (*t == '#') {
			while (*t && *t != '\n')
				t++;
			continue;
		}
		if (isspace((unsigned char)*t) || *t == ',') {
			t++;
			continue;
		}
		if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
			t += 2;
		if (hexval((unsigned char)*t) < 0)
			return 0;
		while (*t && hexval((unsigned char)*t) >= 0)
			t++;
		if (*t && !isspace((unsigned char)*t) && *t != ',' && *t != '#')
			return 0;
		any = 1;
	}
	return any;
}

static int is_text(const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!d[i] || (d[i] < 0x20 && !isspace(d[i])) || d[i] == 0x7f)
			return 0;
	return 1;
}

static char *dupstr(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static int prog_from_bytes(const char *path, const unsigned char *d, size_t n, struct cli_prog *out)
{
	if (n == 0) {
		fprintf(stderr, "bpfx: %s: the program is empty\n", path);
		return BPFX_E_INVAL;
	}
	if (n % sizeof(struct bpfx_insn)) {
		fprintf(stderr, "bpfx: %s: %zu bytes of bytecode is not a whole number of 8-byte instructions "
			"(%zu trailing bytes)\n", path, n, n % sizeof(struct bpfx_insn));
		return BPFX_E_INVAL;
	}
	out->count = n / sizeof(struct bpfx_insn);
	out->insns = malloc(n);
	if (!out->insns) {
		fprintf(stderr, "bpfx: out of memory\n");
		return BPFX_E_NOMEM;
	}
	memcpy(out->insns, d, n);
	return 0;
}

static int prog_from_elf(const char *path, const unsigned char *d, size_t n, const char *section,
			 const char *name, struct cli_prog *out)
{
	bpfx_object *obj = NULL;
	struct bpfx_object_opts oo = {.sz = sizeof(oo), .name = path, .log = cli_log};
	int err = bpfx_object_open_mem(d, n, &oo, &obj);
	if (err) {
		fprintf(stderr, "bpfx: %s: not a usable BPF object (%s)\n", path, bpfx_status_name(err));
		return err;
	}
	size_t idx = 0;
	if (section || name) {
		err = bpfx_object_find_prog(obj, section, name, &idx);
		if (err) /* the loader said which */
			goto fail;
	} else if (bpfx_object_prog_count(obj) == 0) {
		fprintf(stderr, "bpfx: %s: the object contains no program\n", path);
		err = BPFX_E_NOENT;
		goto fail;
	}
	struct bpfx_object_prog_info info;
	err = bpfx_object_prog(obj, idx, &info);
	if (err) {
		fprintf(stderr, "bpfx: %s: cannot read program %zu (%s)\n", path, idx, bpfx_status_name(err));
		goto fail;
	}
	if (!info.insn_count) {
		fprintf(stderr, "bpfx: %s: program '%s' is empty\n", path, info.name);
		err = BPFX_E_NOENT;
		goto fail;
	}
	out->count = info.insn_count;
	out->insns = malloc(info.insn_count * sizeof(struct bpfx_insn));
	size_t nl = strlen(info.section) + strlen(info.name) + 2;
	out->name = malloc(nl);
	if (!out->insns || !out->name) {
		fprintf(stderr, "bpfx: out of memory\n");
		err = BPFX_E_NOMEM;
		goto fail;
	}
	memcpy(out->insns, info.insns, info.insn_count * sizeof(struct bpfx_insn));
	snprintf(out->name, nl, "%s/%s", info.section, info.name);
	bpfx_object_close(obj);
	return 0;
fail:
	bpfx_object_close(obj);
	return err;
}

int cli_load_prog(const char *path, enum cli_prog_format fmt, const char *section, const char *prog,
		  struct cli_prog *out)
{
	unsigned char *d = NULL;
	size_t n = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = cli_read_file(path, &d, &n)))
		return err;
	if (fmt == CLI_FMT_AUTO) {
		if (n >= 4 && !memcmp(d, "\x7f" "ELF", 4))
			fmt = CLI_FMT_ELF;
		else if (!is_text(d, n))
			fmt = CLI_FMT_RAW;
		else if (looks_like_hex((const char *)d))
			fmt = CLI_FMT_HEX;
		else
			fmt = CLI_FMT_ASM;
	}
	if ((section || prog) && fmt != CLI_FMT_ELF) {
		fprintf(stderr, "bpfx: %s: --section/--prog apply only to ELF objects\n", path);
		err = BPFX_E_INVAL;
		goto out;
	}
	switch (fmt) {
	case CLI_FMT_ELF:
		err = prog_from_elf(path, d, n, section, prog, out);
		break;
	case CLI_FMT_RAW:
		err = prog_from_bytes(path, d, n, out);
		break;
	case CLI_FMT_HEX: {
		unsigned char *b = NULL;
		size_t bn = 0;
		if ((err = cli_parse_hex((const char *)d, &b, &bn)) == 0)
			err = prog_from_bytes(path, b, bn, out);
		free(b);
		break;
	}
	case CLI_FMT_ASM:
	default: {
		struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = BPFX_DIALECT_AUTO, .filename = path};
		struct bpfx_asm_error ae = {0};
		struct bpfx_insn *insns = NULL;
		size_t cnt = 0;
		err = bpfx_asm((const char *)d, n, &ao, &insns, &cnt, &ae);
		if (err) {
			fprintf(stderr, "%s:%d:%d: error: %s\n", path, ae.line, ae.col, ae.msg);
			break;
		}
		if (!cnt) {
			bpfx_free(insns);
			fprintf(stderr, "bpfx: %s: the program has no instructions\n", path);
			err = BPFX_E_INVAL;
			break;
		}
		out->insns = malloc(cnt * sizeof(*insns));
		if (!out->insns) {
			bpfx_free(insns);
			fprintf(stderr, "bpfx: out of memory\n");
			err = BPFX_E_NOMEM;
			break;
		}
		memcpy(out->insns, insns, cnt * sizeof(*insns));
		out->count = cnt;
		bpfx_free(insns);
		break;
	}
	}
	if (!err && !out->name && !(out->name = dupstr(path))) {
		fprintf(stderr, "bpfx: out of memory\n");
		err = BPFX_E_NOMEM;
	}
out:
	free(d);
	if (err)
		cli_prog_free(out);
	return err;
}

void cli_prog_free(struct cli_prog *p)
{
	if (!p)
		return;
	free(p->insns);
	free(p->name);
	p->insns = NULL;
	p->name = NULL;
	p->count = 0;
}

int cli_parse_groups(const char *s, uint32_t *out)
{
	char err[512];
	if (bpfx_groups_parse(s, out, err, sizeof(err))) {
		fprintf(stderr, "bpfx: --groups: %s\n", err);
		return BPFX_E_INVAL;
	}
	return 0;
}

int cli_parse_engine(const char *s, enum bpfx_engine *out)
{
	if (bpfx_engine_parse(s, out)) {
		fprintf(stderr, "bpfx: --engine: unknown engine '%s' (auto, interp, checked, jit)\n", s);
		return BPFX_E_INVAL;
	}
	return 0;
}

/* ---- demo helpers ---- */

/* 5: returns r1; when r1 is 0 it ends the program with r0 = 0 (the
 * bpf_conformance suite's "call 5" / "callx" tests rely on this). */
static uint64_t helper_unwind(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      bpfx_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (r1 == 0)
		bpfx_run_stop(run, 0);
	return r1;
}

/* 6: a weighted sum of all five arguments, so a test sees each one. */
static uint64_t helper_weigh(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     bpfx_run *run)
{
	(void)run;
	return r1 + 2 * r2 + 3 * r3 + 4 * r4 + 5 * r5;
}

/* 7: aborts the run with BPFX_E_HELPER_FAIL. */
static uint64_t helper_abort(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			     bpfx_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	bpfx_run_fail(run, BPFX_E_HELPER_FAIL);
	return 0;
}

/* kfunc 1000: r1 ^ 0x5a5a. */
static uint64_t kfunc_xor(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5, bpfx_run *run)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)run;
	return r1 ^ 0x5a5a;
}

int cli_register_demo_helpers(bpfx_vm *vm)
{
	static const struct bpfx_func_proto any1 = {
		.ret = BPFX_RET_INTEGER, .args = {BPFX_ARG_ANYTHING}, .flags = BPFX_PROTO_MAY_STOP};
	static const struct bpfx_func_proto any5 = {
		.ret = BPFX_RET_INTEGER,
		.args = {BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING, BPFX_ARG_ANYTHING,
			 BPFX_ARG_ANYTHING},
		.flags = BPFX_PROTO_PURE};
	static const struct bpfx_func_proto none = {.ret = BPFX_RET_INTEGER, .flags = BPFX_PROTO_MAY_STOP};
	static const struct bpfx_func_proto kany1 = {.ret = BPFX_RET_INTEGER, .args = {BPFX_ARG_SCALAR},
						     .flags = BPFX_PROTO_PURE};
	int err;
	if ((err = bpfx_vm_register_helper(vm, 5, "bpfx_demo_unwind", helper_unwind, &any1)) ||
	    (err = bpfx_vm_register_helper(vm, 6, "bpfx_demo_weigh", helper_weigh, &any5)) ||
	    (err = bpfx_vm_register_helper(vm, 7, "bpfx_demo_abort", helper_abort, &none)) ||
	    (err = bpfx_vm_register_kfunc(vm, 1000, "bpfx_demo_kfunc_xor", kfunc_xor, &kany1)))
		fprintf(stderr, "bpfx: cannot register the demo helpers (%s)\n", bpfx_status_name(err));
	return err;
}

const char *cli_demo_helpers_help =
	"demo helpers: 5 returns r1 (r1 == 0 ends the program with r0 = 0); 6 returns\n"
	"  r1 + 2*r2 + 3*r3 + 4*r4 + 5*r5; 7 aborts the run (BPFX_E_HELPER_FAIL);\n"
	"  kfunc 1000 returns r1 ^ 0x5a5a.\n";

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "bpfx %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'bpfx %s --help')\n", cmd);
	return 2;
}

int cli_parse_dialect(const char *s, enum bpfx_dialect *d)
{
	if (!strcmp(s, "auto"))
		*d = BPFX_DIALECT_AUTO;
	else if (!strcmp(s, "llvm"))
		*d = BPFX_DIALECT_LLVM;
	else if (!strcmp(s, "conformance") || !strcmp(s, "ubpf"))
		*d = BPFX_DIALECT_CONFORMANCE;
	else
		return BPFX_E_INVAL;
	return 0;
}


/* ---- log capture ---- */

void cli_logbuf_fn(void *user, enum bpfx_log_level level, const char *msg)
{
	struct cli_logbuf *lb = user;
	size_t n = strlen(msg);
	if (lb->echo)
		fprintf(stderr, "bpfx: %s\n", msg);
	(void)level;
	if (lb->len + n + 2 > lb->cap) {
		size_t cap = (lb->len + n + 2) * 2;
		char *nb = realloc(lb->buf, cap);
		if (!nb)
			return;
		lb->buf = nb;
		lb->cap = cap;
	}
	if (lb->len)
		lb->buf[lb->len++] = '\n';
	memcpy(lb->buf + lb->len, msg, n + 1);
	lb->len += n;
}

void cli_logbuf_reset(struct cli_logbuf *lb)
{
	lb->len = 0;
	if (lb->buf)
		lb->buf[0] = 0;
}

void cli_logbuf_free(struct cli_logbuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
	lb->len = lb->cap = 0;
}

const char *cli_logbuf_last(const struct cli_logbuf *lb, char *out, size_t outlen)
{
	const char *s = lb->len ? lb->buf : "";
	const char *nl = strrchr(s, '\n');
	snprintf(out, outlen, "%s", nl ? nl + 1 : s);
	return out;
}

/* ---- fake maps for lddw ---- */

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void cli_fake_mem_init(struct cli_fake_mem *m)
{
	for (int i = 0; i < CLI_FAKE_MAPS; i++) {
		put_le(m->map_obj[i], (uint64_t)i, 4);
		put_le(m->map_obj[i] + 4, CLI_FAKE_VALUE_SIZE, 4);
		put_le(m->map_obj[i] + 8, 0x6d61705f66616b65ull, 8);
		for (int k = 0; k < CLI_FAKE_VALUE_SIZE; k++) {
			m->map_val[i][k] = (unsigned char)(i * 64 + k);
			m->var[i][k] = (unsigned char)(0xff - (i * 64 + k));
		}
	}
}

int cli_fake_resolve(void *user, const struct bpfx_lddw_ref *ref, struct bpfx_lddw_value *out)
{
	struct cli_fake_mem *m = user;
	if (ref->imm < 0 || ref->imm >= CLI_FAKE_MAPS)
		return BPFX_E_NOENT;
	int i = ref->imm;
	memset(out, 0, sizeof(*out));
	switch (ref->kind) {
	case BPFX_LDDW_MAP_FD:
	case BPFX_LDDW_MAP_IDX:
		out->value = (uint64_t)(uintptr_t)m->map_obj[i];
		out->region = m->map_obj[i];
		out->region_size = sizeof(m->map_obj[i]);
		out->region_writable = 0;
		return 0;
	case BPFX_LDDW_MAP_VALUE_FD:
	case BPFX_LDDW_MAP_VALUE_IDX:
		out->value = (uint64_t)(uintptr_t)m->map_val[i] + (uint64_t)(int64_t)ref->next_imm;
		out->region = m->map_val[i];
		out->region_size = CLI_FAKE_VALUE_SIZE;
		out->region_writable = 1;
		return 0;
	case BPFX_LDDW_VAR_ADDR:
		out->value = (uint64_t)(uintptr_t)m->var[i];
		out->region = m->var[i];
		out->region_size = CLI_FAKE_VALUE_SIZE;
		out->region_writable = 1;
		return 0;
	default:
		return BPFX_E_NOENT;
	}
}

const char *cli_fake_mem_help =
	"lddw map references resolve to fake maps 0..3 (fd or index): the map object holds\n"
	"  u32 index, u32 64; value byte k of map i is i*64+k (64 writable bytes);\n"
	"  var_addr(i) points to 64 writable bytes, byte k = 0xff-(i*64+k).\n";

/* ---- one execution ---- */

int cli_exec_run(struct cli_exec *e)
{
	struct cli_fake_mem fake;
	bpfx_vm *vm = NULL;
	bpfx_prog *prog = NULL;
	int err;

	memset(&e->res, 0, sizeof(e->res));
	e->loaded = 0;
	cli_fake_mem_init(&fake);
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .groups = e->groups ? e->groups : BPFX_GROUPS_ALL,
				  .log = cli_logbuf_fn, .log_user = e->log};
	if ((err = bpfx_vm_create(&vo, &vm)))
		goto out;
	if ((err = cli_register_demo_helpers(vm)))
		goto out;
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .name = e->name,
				    .flags = e->trusted ? BPFX_LOAD_TRUSTED : 0,
				    .resolve = cli_fake_resolve, .resolve_user = &fake};
	if ((err = bpfx_prog_load(vm, e->insns, e->count, &lo, &prog)))
		goto out;
	e->loaded = 1;
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = e->engine, .ctx = e->mem, .ctx_len = e->mem_len,
				   .packet = e->packet, .packet_len = e->packet_len, .budget = e->budget};
	err = bpfx_prog_run(prog, &ro, &e->res);
	if (!err)
		err = e->res.status;
out:
	e->res.status = err;
	if (prog)
		bpfx_prog_destroy(prog);
	if (vm)
		bpfx_vm_destroy(vm);
	return err;
}

/* ---- ELF objects loaded whole ------------------------------------------- */

int cli_is_elf(const char *path)
{
	unsigned char m[4];
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : NULL;
	if (!f)
		return 0;
	size_t got = fread(m, 1, 4, f);
	fclose(f);
	return got == 4 && !memcmp(m, "\x7f" "ELF", 4);
}

/* Errors always, the rest with -v (verifier rejections under TRY_VERIFY are
 * warnings: the program then runs on the checked engine). */
static void obj_log(void *user, enum bpfx_log_level level, const char *msg)
{
	if (level == BPFX_LOG_ERROR || (user && *(const int *)user))
		fprintf(stderr, "bpfx: %s\n", msg);
}

int cli_object_load(const char *path, const char *type, int trusted, int verbose, struct cli_object *o)
{
	static int verbosity[2] = {0, 1};
	memset(o, 0, sizeof(*o));
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .log = cli_log, .log_user = &verbosity[verbose ? 1 : 0]};
	struct bpfx_std_helpers_opts ho = {.sz = sizeof(ho), .flags = BPFX_STD_NO_ENV};
	int err = bpfx_vm_create(&vo, &o->vm);
	if (!err)
		err = bpfx_helpers_register_std(o->vm, &ho);
	if (!err)
		err = bpfx_object_register_ctx_helpers(o->vm);
	if (err) {
		fprintf(stderr, "bpfx: cannot create the VM (%s)\n", bpfx_status_name(err));
		return err;
	}
	struct bpfx_object_opts oo = {.sz = sizeof(oo), .name = path, .log = cli_log,
				      .log_user = &verbosity[verbose ? 1 : 0]};
	err = bpfx_object_open_file(path, &oo, &o->obj);
	if (err) {
		fprintf(stderr, "bpfx: %s: not a usable BPF object (%s)\n", path, bpfx_status_name(err));
		return err;
	}
	struct bpfx_object_load_opts lo = {.sz = sizeof(lo), .flags = BPFX_OBJ_LOAD_TRY_VERIFY,
					   .force_type = type, .log = obj_log,
					   .log_user = &verbosity[verbose ? 1 : 0]};
	if (trusted)
		lo.flags |= BPFX_OBJ_LOAD_TRUSTED;
	err = bpfx_object_load(o->obj, o->vm, &lo);
	if (err)
		fprintf(stderr, "bpfx: %s: the object could not be loaded (%s)\n", path, bpfx_status_name(err));
	return err;
}

void cli_object_free(struct cli_object *o)
{
	bpfx_object_close(o->obj);
	bpfx_vm_destroy(o->vm);
	memset(o, 0, sizeof(*o));
}

void cli_print_hex(FILE *f, const unsigned char *p, size_t len, const char *indent)
{
	for (size_t i = 0; i < len; i++) {
		if (i % 16 == 0)
			fprintf(f, "%s%s", i ? "\n" : "", indent);
		fprintf(f, "%s%02x", i % 16 ? " " : "", p[i]);
	}
	fputc('\n', f);
}

static void hex_inline(FILE *f, const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%s%02x", i ? " " : "", p[i]);
}

int cli_dump_maps(FILE *f, const bpfx_object *obj, const char *only)
{
	int found = 0;
	for (size_t i = 0; i < bpfx_object_map_count(obj); i++) {
		struct bpfx_object_map_info mi;
		bpfx_map *m = bpfx_object_map_handle(obj, i);
		struct bpfx_map_info info;
		if (bpfx_object_map(obj, i, &mi) || !m || bpfx_map_get_info(m, &info))
			continue;
		if (only && strcmp(only, mi.name))
			continue;
		found = 1;
		fprintf(f, "map %s (%s, key %u, value %u, max %u)%s\n", mi.name, bpfx_map_type_name(info.type),
			info.key_size, info.value_size, info.max_entries, mi.readonly ? " read-only" : "");
		int percpu = info.type == BPFX_MAP_TYPE_PERCPU_ARRAY || info.type == BPFX_MAP_TYPE_PERCPU_HASH ||
			     info.type == BPFX_MAP_TYPE_LRU_PERCPU_HASH;
		int iterable = info.type == BPFX_MAP_TYPE_HASH || info.type == BPFX_MAP_TYPE_ARRAY ||
			       info.type == BPFX_MAP_TYPE_LRU_HASH || info.type == BPFX_MAP_TYPE_LPM_TRIE || percpu;
		if (!iterable || !info.key_size) {
			fprintf(f, "  (contents not listable for this type)\n");
			continue;
		}
		size_t vsz = percpu ? (size_t)info.value_stride * info.ncpus : info.value_size;
		unsigned char *key = calloc(1, info.key_size), *next = calloc(1, info.key_size);
		unsigned char *val = calloc(1, vsz ? vsz : 1);
		int have = 0;
		size_t shown = 0;
		while (key && next && val && bpfx_map_get_next_key(m, have ? key : NULL, next) == 0) {
			memcpy(key, next, info.key_size);
			have = 1;
			if (bpfx_map_lookup(m, key, val))
				continue;
			/* arrays: only elements that are not all zero (except data maps) */
			if (info.type == BPFX_MAP_TYPE_ARRAY && mi.origin != BPFX_MAP_DATA) {
				size_t z = 0;
				while (z < vsz && !val[z])
					z++;
				if (z == vsz)
					continue;
			}
			if (mi.origin == BPFX_MAP_DATA) {
				cli_print_hex(f, val, info.value_size, "  ");
			} else {
				fputs("  ", f);
				hex_inline(f, key, info.key_size);
				fputs(": ", f);
				hex_inline(f, val, vsz);
				/* small integer keys and u64 values: also in decimal */
				if ((info.key_size == 4 || info.key_size == 8) && vsz % 8 == 0 && vsz && vsz <= 64) {
					uint64_t k = 0, w;
					memcpy(&k, key, info.key_size);
					fprintf(f, "   (%" PRIu64 " =", k);
					for (size_t q = 0; q < vsz; q += 8) {
						memcpy(&w, val + q, 8);
						fprintf(f, " %" PRIu64, w);
					}
					fputc(')', f);
				}
				fputc('\n', f);
			}
			shown++;
		}
		if (!shown)
			fprintf(f, "  (empty)\n");
		free(key);
		free(next);
		free(val);
	}
	if (only && !found) {
		fprintf(stderr, "bpfx: no map named '%s' in the object\n", only);
		return BPFX_E_NOENT;
	}
	return 0;
}
