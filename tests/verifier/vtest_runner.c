/* SPDX-License-Identifier: MIT */
/*
 * vtest_runner.c - runs the verifier tables (the tests/verifier .data files).
 *
 * A file holds test cases:
 *     == name                       starts a case
 *     -- expect accept              or: -- expect reject BPFX-MEM-003
 *     -- type ctx                   program type (default: generic)
 *     -- unpriv                     unprivileged rules
 *     -- max-insns N                complexity limit
 *     -- global INSN ARGS...        the function at INSN is global with these
 *                                   BTF arguments: scalar, ctx, mem:N (NULL or
 *                                   N bytes), other; "void" anywhere: returns void
 *     <assembly lines>              the program (either dialect)
 * Lines starting with '#' outside a program are comments.
 *
 * Every case runs on the test platform: the bundled "generic" platform plus
 * a struct-context program type "ctx", test helpers 1..12 (10 moves the packet; 12 takes a callback),
 * 164 for_each and 181 loop (callbacks, Linux signatures), 93/94 spin lock/unlock, kfunc 100, and
 * the maps below (the last, "locked", holds a spin lock).
 *
 * Coverage rules, checked over all files together: every rule ID of the
 * library has at least one rejected case; every rejected case "X" has an
 * accepted case "X/ok" (a near-identical program that passes). With
 * --rules-doc, the rules document must have a "## ID" heading for exactly
 * the library's rules.
 */
#include <bpfx/bpfx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vcase {
	char name[128];
	char file[256];
	int line;
	int expect_accept;
	char rule[32];
	char type[32];
	int unpriv;
	unsigned long long max_insns;
	struct bpfx_func_sig funcs[4];
	size_t nfuncs;
	char *text;
	size_t len, cap;
};

static struct vcase *cases;
static size_t ncases, capcases;
static int failures;

static void add_text(struct vcase *c, const char *s)
{
	size_t n = strlen(s);
	if (c->len + n + 1 > c->cap) {
		c->cap = (c->len + n + 1) * 2;
		c->text = realloc(c->text, c->cap);
		if (!c->text) {
			perror("realloc");
			exit(2);
		}
	}
	memcpy(c->text + c->len, s, n + 1);
	c->len += n;
}

static int load_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	char line[1024];
	int ln = 0;
	struct vcase *c = NULL;
	while (fgets(line, sizeof(line), f)) {
		ln++;
		if (!strncmp(line, "== ", 3)) {
			if (ncases == capcases) {
				capcases = capcases ? capcases * 2 : 64;
				cases = realloc(cases, capcases * sizeof(*cases));
				if (!cases)
					exit(2);
			}
			c = &cases[ncases++];
			memset(c, 0, sizeof(*c));
			sscanf(line + 3, "%127s", c->name);
			snprintf(c->file, sizeof(c->file), "%s", path);
			c->line = ln;
			c->expect_accept = -1;
			strcpy(c->type, "generic");
			continue;
		}
		if (!c) {
			if (line[0] != '#' && line[0] != '\n')
				fprintf(stderr, "%s:%d: text before the first '== name' line\n", path, ln);
			continue;
		}
		if (!strncmp(line, "-- ", 3)) {
			char a[64] = "", b[64] = "";
			sscanf(line + 3, "%63s %63s", a, b);
			if (!strcmp(a, "expect") && !strcmp(b, "accept"))
				c->expect_accept = 1;
			else if (!strcmp(a, "expect") && !strcmp(b, "reject")) {
				c->expect_accept = 0;
				sscanf(line + 3, "%*s %*s %31s", c->rule);
			} else if (!strcmp(a, "type"))
				snprintf(c->type, sizeof(c->type), "%s", b);
			else if (!strcmp(a, "unpriv"))
				c->unpriv = 1;
			else if (!strcmp(a, "max-insns"))
				c->max_insns = strtoull(b, NULL, 0);
			else if (!strcmp(a, "global") && c->nfuncs < 4) {
				struct bpfx_func_sig *g = &c->funcs[c->nfuncs++];
				char *save = NULL, *tok = strtok_r(line + 3, " \t\n", &save);
				tok = strtok_r(NULL, " \t\n", &save);
				g->insn = tok ? (uint32_t)strtoul(tok, NULL, 0) : 0;
				g->flags = BPFX_FUNC_GLOBAL;
				g->name = "global";
				for (int k = 0; (tok = strtok_r(NULL, " \t\n", &save));) {
					if (!strcmp(tok, "void")) {
						g->returns_void = 1;
						continue;
					}
					if (k == 5)
						break;
					g->args[k] = !strcmp(tok, "scalar") ? BPFX_FARG_SCALAR
						     : !strcmp(tok, "ctx")  ? BPFX_FARG_CTX
						     : !strncmp(tok, "mem:", 4) ? BPFX_FARG_MEM_OR_NULL
										: BPFX_FARG_UNSUPPORTED;
					if (g->args[k] == BPFX_FARG_MEM_OR_NULL)
						g->arg_size[k] = (uint32_t)strtoul(tok + 4, NULL, 0);
					k++;
				}
			}
			else {
				fprintf(stderr, "%s:%d: unknown directive '%s'\n", path, ln, a);
				failures++;
			}
			continue;
		}
		if (line[0] == '#' && c->len == 0)
			continue;
		add_text(c, line);
	}
	fclose(f);
	return 0;
}

/* ---- the test platform ---- */

static const struct bpfx_map_desc maps[] = {
	{.fd = 10, .name = "hash", .kind = BPFX_MAP_KIND_HASH, .key_size = 4, .value_size = 16, .max_entries = 64},
	{.fd = 11, .name = "arr", .kind = BPFX_MAP_KIND_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 4},
	{.fd = 12, .name = "ro", .kind = BPFX_MAP_KIND_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1,
	 .flags = BPFX_MAP_RDONLY_PROG},
	{.fd = 13, .name = "ring", .kind = BPFX_MAP_KIND_OTHER, .key_size = 0, .value_size = 0, .max_entries = 4096},
	{.fd = 14, .name = "outer", .kind = BPFX_MAP_KIND_OF_MAPS, .key_size = 4, .value_size = 4, .max_entries = 4,
	 .inner_map = 1}, /* an array of "arr" maps */
	{.fd = 15, .name = "locked", .kind = BPFX_MAP_KIND_HASH, .key_size = 4, .value_size = 16, .max_entries = 8,
	 .flags = BPFX_MAP_SPIN_LOCK, .spin_lock_off = 8}, /* u64 counter; struct bpf_spin_lock at 8 */
};

static bpfx_platform *make_platform(void)
{
	bpfx_platform *p;
	if (bpfx_platform_bundled("generic", &p))
		return NULL;
	static const struct bpfx_ctx_field fields[] = {
		{.offset = 0, .size = 8, .access = BPFX_FIELD_READ, .kind = BPFX_FIELD_PACKET},
		{.offset = 8, .size = 8, .access = BPFX_FIELD_READ, .kind = BPFX_FIELD_PACKET_END},
		{.offset = 16, .size = 4, .access = BPFX_FIELD_READ | BPFX_FIELD_WRITE, .kind = BPFX_FIELD_SCALAR,
		 .narrow_sizes = 0x7},
		{.offset = 20, .size = 4, .access = BPFX_FIELD_READ, .kind = BPFX_FIELD_SCALAR},
		{.offset = 24, .size = 8, .access = BPFX_FIELD_READ, .kind = BPFX_FIELD_PACKET_META},
	};
	struct bpfx_prog_type t = {
		.sz = sizeof(t),
		.name = "ctx",
		.ctx_kind = BPFX_CTX_STRUCT,
		.ctx_size = 32,
		.fields = fields,
		.nfields = 5,
		.flags = BPFX_PROG_TYPE_CHECK_RET,
		.ret_min = 0,
		.ret_max = 3,
	};
	static const struct bpfx_func_proto
		lookup = {BPFX_RET_MAP_VALUE_OR_NULL, {BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_MAP_KEY}, 0},
		update = {BPFX_RET_INTEGER,
			  {BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_MAP_KEY, BPFX_ARG_PTR_TO_MAP_VALUE, BPFX_ARG_ANYTHING}, 0},
		fill = {BPFX_RET_INTEGER, {BPFX_ARG_PTR_TO_UNINIT_MEM, BPFX_ARG_CONST_SIZE}, 0},
		sum = {BPFX_RET_INTEGER, {BPFX_ARG_PTR_TO_MEM, BPFX_ARG_CONST_SIZE_OR_ZERO}, 0},
		alloc = {BPFX_RET_ACQUIRED_MEM_OR_NULL, {BPFX_ARG_CONST_ALLOC_SIZE_OR_ZERO}, 0},
		release = {BPFX_RET_VOID, {BPFX_ARG_RELEASE_REF}, 0},
		ctxarg = {BPFX_RET_INTEGER, {BPFX_ARG_PTR_TO_CTX}, 0},
		scalar = {BPFX_RET_INTEGER, {BPFX_ARG_SCALAR}, 0},
		adjust = {BPFX_RET_INTEGER, {BPFX_ARG_PTR_TO_CTX, BPFX_ARG_SCALAR}, BPFX_PROTO_CHANGES_PACKET},
		func = {BPFX_RET_INTEGER, {BPFX_ARG_PTR_TO_FUNC}, 0},
		stop = {BPFX_RET_VOID, {BPFX_ARG_ANYTHING}, BPFX_PROTO_MAY_STOP},
		loop = {BPFX_RET_INTEGER, {BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_FUNC, BPFX_ARG_PTR_TO_STACK_OR_NULL,
					   BPFX_ARG_ANYTHING}, 0},
		for_each = {BPFX_RET_INTEGER, {BPFX_ARG_CONST_MAP_PTR, BPFX_ARG_PTR_TO_FUNC,
					       BPFX_ARG_PTR_TO_STACK_OR_NULL, BPFX_ARG_ANYTHING}, 0},
		visit = {BPFX_RET_INTEGER, {BPFX_ARG_PTR_TO_FUNC, BPFX_ARG_ANYTHING}, 0},
		spin = {BPFX_RET_VOID, {BPFX_ARG_PTR_TO_SPIN_LOCK}, 0};
	/* 12 "visit(fn, x)": calls fn(unknown number, x) and wants 0 back */
	static const struct bpfx_callback_proto visit_cb = {
		.sz = sizeof(visit_cb),
		.args = {BPFX_CB_ARG_SCALAR, BPFX_CB_ARG_PASS},
		.from = {0, 2},
		.ret_min = 0,
		.ret_max = 0,
	};
	if (bpfx_platform_add_prog_type(p, &t) || bpfx_platform_add_helper(p, 1, "map_lookup", &lookup) ||
	    bpfx_platform_add_helper(p, 2, "map_update", &update) || bpfx_platform_add_helper(p, 3, "fill", &fill) ||
	    bpfx_platform_add_helper(p, 4, "sum", &sum) || bpfx_platform_add_helper(p, 5, "alloc", &alloc) ||
	    bpfx_platform_add_helper(p, 6, "release", &release) || bpfx_platform_add_helper(p, 7, "ctxarg", &ctxarg) ||
	    bpfx_platform_add_helper(p, 8, "scalar", &scalar) || bpfx_platform_add_helper(p, 9, "callback", &func) ||
	    bpfx_platform_add_helper(p, 10, "adjust_head", &adjust) ||
	    bpfx_platform_add_helper(p, 11, "maybe_stop", &stop) ||
	    /* callbacks: Linux's loop and for_each_map_elem (default signatures), and one described here */
	    bpfx_platform_add_helper(p, 181, "loop", &loop) || bpfx_platform_add_helper(p, 164, "for_each", &for_each) ||
	    bpfx_platform_add_helper(p, 12, "visit", &visit) || bpfx_platform_set_callback(p, 12, &visit_cb) ||
	    bpfx_platform_add_helper(p, 93, "spin_lock", &spin) || bpfx_platform_add_helper(p, 94, "spin_unlock", &spin) ||
	    bpfx_platform_add_kfunc(p, 100, "kscalar", &scalar)) {
		bpfx_platform_destroy(p);
		return NULL;
	}
	return p;
}

static void run_case(const bpfx_platform *p, struct vcase *c)
{
	struct bpfx_insn *insns = NULL;
	size_t count = 0;
	struct bpfx_asm_error aerr;
	struct bpfx_asm_opts ao = {.sz = sizeof(ao), .filename = c->name};
	if (c->expect_accept < 0) {
		fprintf(stderr, "%s:%d: %s: no '-- expect' line\n", c->file, c->line, c->name);
		failures++;
		return;
	}
	if (bpfx_asm(c->text ? c->text : "", c->len, &ao, &insns, &count, &aerr)) {
		fprintf(stderr, "%s:%d: %s: assembly error at line %d: %s\n", c->file, c->line, c->name, aerr.line,
			aerr.msg);
		failures++;
		return;
	}
	struct bpfx_verify_opts vo = {.sz = sizeof(vo),
				      .prog_type = c->type,
				      .flags = c->unpriv ? BPFX_VERIFY_UNPRIV : 0,
				      .max_insns = c->max_insns,
				      .maps = maps,
				      .nmaps = sizeof(maps) / sizeof(maps[0]),
				      .name = c->name,
				      .funcs = c->funcs,
				      .nfuncs = c->nfuncs};
	struct bpfx_report *r = NULL;
	int err = bpfx_verify(p, insns, count, &vo, &r);
	int ok;
	if (!r) {
		fprintf(stderr, "%s:%d: %s: bpfx_verify failed without a report: %s\n", c->file, c->line, c->name,
			bpfx_status_name(err));
		ok = 0;
	} else if (c->expect_accept) {
		ok = r->accepted && err == 0;
	} else {
		ok = !r->accepted && r->rule && !strcmp(r->rule, c->rule) && err != 0;
	}
	if (!ok && r) {
		char *text = NULL;
		bpfx_report_text(r, &text);
		fprintf(stderr, "%s:%d: %s: expected %s %s, got:\n%s", c->file, c->line, c->name,
			c->expect_accept ? "accept" : "reject", c->expect_accept ? "" : c->rule, text ? text : "?");
		bpfx_free(text);
	}
	/* every report renders */
	if (r) {
		char *j = NULL;
		if (bpfx_report_json(r, &j) || !j || j[0] != '{') {
			fprintf(stderr, "%s: JSON rendering failed\n", c->name);
			ok = 0;
		}
		bpfx_free(j);
	}
	failures += !ok;
	bpfx_report_free(r);
	bpfx_free(insns);
}

static struct vcase *find_case(const char *name)
{
	for (size_t i = 0; i < ncases; i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	return NULL;
}

static void check_coverage(void)
{
	for (size_t i = 0; bpfx_rule_id(i); i++) {
		const char *id = bpfx_rule_id(i);
		int found = 0;
		for (size_t k = 0; k < ncases; k++)
			found |= cases[k].expect_accept == 0 && !strcmp(cases[k].rule, id);
		if (!found) {
			fprintf(stderr, "coverage: rule %s has no rejected test case\n", id);
			failures++;
		}
	}
	for (size_t k = 0; k < ncases; k++) {
		if (cases[k].expect_accept != 0)
			continue;
		if (!bpfx_rule_title(cases[k].rule)) {
			fprintf(stderr, "%s: expects unknown rule '%s'\n", cases[k].name, cases[k].rule);
			failures++;
		}
		char twin[160];
		snprintf(twin, sizeof(twin), "%s/ok", cases[k].name);
		struct vcase *t = find_case(twin);
		if (!t || t->expect_accept != 1) {
			fprintf(stderr, "coverage: rejected case %s has no accepted twin '%s'\n", cases[k].name, twin);
			failures++;
		}
	}
}

static void check_doc(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		failures++;
		return;
	}
	char line[512];
	size_t documented = 0;
	int seen[256] = {0};
	while (fgets(line, sizeof(line), f)) {
		char id[64];
		if (sscanf(line, "## %63s", id) != 1 || strncmp(id, "BPFX-", 5))
			continue;
		documented++;
		size_t i;
		for (i = 0; bpfx_rule_id(i); i++)
			if (!strcmp(bpfx_rule_id(i), id))
				break;
		if (!bpfx_rule_id(i)) {
			fprintf(stderr, "%s: documents %s, which the library does not know\n", path, id);
			failures++;
		} else if (i < 256) {
			seen[i]++;
		}
	}
	fclose(f);
	for (size_t i = 0; bpfx_rule_id(i); i++)
		if (i < 256 && seen[i] != 1) {
			fprintf(stderr, "%s: rule %s is documented %d times (want once)\n", path, bpfx_rule_id(i), seen[i]);
			failures++;
		}
	(void)documented;
}

int main(int argc, char **argv)
{
	const char *doc = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rules-doc") && i + 1 < argc)
			doc = argv[++i];
		else if (load_file(argv[i]))
			return 2;
	}
	bpfx_platform *p = make_platform();
	if (!p) {
		fprintf(stderr, "cannot build the test platform\n");
		return 2;
	}
	for (size_t i = 0; i < ncases; i++)
		run_case(p, &cases[i]);
	check_coverage();
	if (doc)
		check_doc(doc);
	bpfx_platform_destroy(p);
	size_t nrej = 0;
	for (size_t i = 0; i < ncases; i++) {
		nrej += cases[i].expect_accept == 0;
		free(cases[i].text);
	}
	free(cases);
	printf("verifier tables: %zu cases (%zu rejected), %d failure(s)\n", ncases, nrej, failures);
	return failures ? 1 : 0;
}
