/* SPDX-License-Identifier: MIT */
/*
 * core_check: CO-RE relocations of every kind, applied against host BTF of
 * two layouts (host_v1.h, host_v2.h, built into raw BTF by clang), then the
 * same object runs over host structures of each layout; plus line info.
 * usage: core_check OBJ_DIR [BTF_DIR]   (core_host.o; host_v1.btf, host_v2.btf,
 * host_v3.btf in BTF_DIR, default OBJ_DIR: raw BTF, or ELF files with .BTF
 * such as `pahole -J` writes into host objects)
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpfx/bpfx.h>
#include <bpfx/helpers.h>
#include <bpfx/object.h>

#include "check.h"

/* Both layouts in one file: rename everything of each. */
#define host_rec host_rec_v1
#define host_mode host_mode_v1
#define MODE_A V1_MODE_A
#define MODE_B V1_MODE_B
#include "src/host_v1.h"
#undef host_rec
#undef host_mode
#undef MODE_A
#undef MODE_B
#define host_rec host_rec_v2
#define host_mode host_mode_v2
#define host_v2_only host_v2_only_v2
#define MODE_B V2_MODE_B
#define MODE_C V2_MODE_C
#include "src/host_v2.h"
#undef host_rec
#undef host_mode
#undef MODE_B
#undef MODE_C

static char lastlog[4096], alllog[65536];
static void logfn(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	if (lvl <= BPFX_LOG_WARN)
		snprintf(lastlog, sizeof(lastlog), "%s", msg);
	size_t l = strlen(alllog);
	snprintf(alllog + l, sizeof(alllog) - l, "%s\n", msg);
	if (getenv("CORE_VERBOSE"))
		fprintf(stderr, "log: %s\n", msg);
}

struct env {
	bpfx_vm *vm;
	bpfx_object *obj;
};

static const char *btf_dir;

static int env_open(struct env *e, const char *dir, const char *btf)
{
	char path[1024], tpath[1024];
	snprintf(path, sizeof(path), "%s/core_host.o", dir);
	snprintf(tpath, sizeof(tpath), "%s/%s", btf_dir, btf);
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .log = logfn};
	struct bpfx_object_opts oo = {.sz = sizeof(oo), .log = logfn, .core_target_path = tpath};
	if (bpfx_vm_create(&vo, &e->vm))
		return -1;
	if (bpfx_object_open_file(path, &oo, &e->obj)) {
		fprintf(stderr, "open %s: %s\n", path, lastlog);
		return -1;
	}
	struct bpfx_object_load_opts lo = {.sz = sizeof(lo)};
	int err = bpfx_object_load(e->obj, e->vm, &lo);
	if (err)
		fprintf(stderr, "load %s: %s: %s\n", path, bpfx_status_name(err), lastlog);
	return err;
}

static void env_close(struct env *e)
{
	bpfx_object_close(e->obj);
	bpfx_vm_destroy(e->vm);
}

static size_t last_insn;

static int run(struct env *e, const char *name, void *data, size_t len, uint64_t *r0)
{
	size_t p = 0;
	CHECK(bpfx_object_find_prog(e->obj, NULL, name, &p) == 0);
	struct bpfx_object_run_opts ro = {.sz = sizeof(ro), .engine = BPFX_ENGINE_CHECKED,
					  .data = data, .data_len = len, .budget = 100000};
	struct bpfx_run_result res;
	int err = bpfx_object_run(e->obj, p, &ro, &res);
	*r0 = res.r0;
	last_insn = res.insn;
	return err;
}

static uint64_t run_ok(struct env *e, const char *name, void *data, size_t len)
{
	uint64_t r0 = 0;
	int err = run(e, name, data, len, &r0);
	if (err)
		fprintf(stderr, "run %s: %s: %s\n", name, bpfx_status_name(err), lastlog);
	CHECK(err == 0);
	return r0;
}

/* The report entry of program `name` whose spec contains `spec` and kind is `kind`. */
static const struct bpfx_object_core_reloc_info *find_reloc(struct env *e, const char *name,
							     enum bpfx_core_kind kind, const char *spec)
{
	static struct bpfx_object_core_reloc_info c;
	size_t p = 0;
	CHECK(bpfx_object_find_prog(e->obj, NULL, name, &p) == 0);
	for (size_t i = 0; i < bpfx_object_core_reloc_count(e->obj); i++) {
		CHECK(bpfx_object_core_reloc(e->obj, i, &c) == 0);
		if (c.prog == p && c.kind == kind && strstr(c.spec, spec))
			return &c;
	}
	fprintf(stderr, "no reloc %s/%d/%s\n", name, kind, spec);
	CHECK(0);
	return NULL;
}

static void common_checks(struct env *e)
{
	/* every reloc but the impossible one applied */
	size_t n = bpfx_object_core_reloc_count(e->obj), bad = 0;
	CHECK(n >= 25);
	for (size_t i = 0; i < n; i++) {
		struct bpfx_object_core_reloc_info c;
		bpfx_object_core_reloc(e->obj, i, &c);
		bad += !c.ok;
	}
	CHECK_EQ_U64(bad, 1);
	const struct bpfx_object_core_reloc_info *c =
		find_reloc(e, "get_missing", BPFX_CORE_FIELD_BYTE_OFFSET, "never_there");
	if (c) {
		CHECK(!c->ok);
		CHECK_STR_CONTAINS(c->spec, "struct host_rec___flavour.never_there");
		CHECK_STR_CONTAINS(c->error, "no compatible field");
		size_t p = c->prog, at = c->insn;
		struct bpfx_object_prog_info pi;
		CHECK(bpfx_object_prog(e->obj, p, &pi) == 0);
		CHECK_EQ_U64(pi.insns[at].code, 0x85);
		CHECK_EQ_U64((uint32_t)pi.insns[at].imm, BPFX_CORE_POISON_IMM);
	}
	/* the flavoured type's other field matched through its essential name */
	c = find_reloc(e, "get_missing", BPFX_CORE_FIELD_BYTE_OFFSET, "host_rec___flavour.a ");
	CHECK(c && c->ok);
	/* line info: every program has some, pointing into core_host.c */
	for (size_t p = 0; p < bpfx_object_prog_count(e->obj); p++) {
		struct bpfx_object_line_info li;
		CHECK(bpfx_object_prog_line_count(e->obj, p) > 0);
		CHECK(bpfx_object_prog_func_count(e->obj, p) == 1);
		CHECK(bpfx_object_prog_line(e->obj, p, 0, &li) == 0);
		CHECK_STR_CONTAINS(li.file, "core_host.c");
		CHECK(li.line > 0);
	}
	size_t pa = 0;
	struct bpfx_object_line_info li;
	CHECK(bpfx_object_find_prog(e->obj, NULL, "get_a", &pa) == 0);
	CHECK(bpfx_object_prog_line(e->obj, pa, 0, &li) == 0);
	CHECK_STR_CONTAINS(li.text, "return r->a;");
	CHECK(!strcmp(li.func, "get_a"));
	CHECK(bpfx_object_prog_line(e->obj, pa, 1000, &li) == BPFX_E_NOENT);
}

static void test_v1(const char *dir)
{
	struct env e = {0};
	if (env_open(&e, dir, "host_v1.btf")) {
		CHECK(0);
		return;
	}
	struct host_rec_v1 r;
	memset(&r, 0, sizeof(r));
	r.a = -77;
	r.b = 0x1122334455667788ull;
	r.flags = 5;
	r.level = -6;
	memcpy(r.name, "abcdefg", 8);
	CHECK_EQ_U64(run_ok(&e, "get_a", &r, sizeof(r)), (uint32_t)-77);
	CHECK_EQ_U64(run_ok(&e, "get_b", &r, sizeof(r)), 0x1122334455667788ull);
	CHECK_EQ_U64(run_ok(&e, "get_name", &r, sizeof(r)), 'd');
	CHECK_EQ_U64(run_ok(&e, "get_flags", &r, sizeof(r)), 5);
	CHECK_EQ_U64(run_ok(&e, "get_level", &r, sizeof(r)), (uint64_t)-6);
	uint64_t exp = offsetof(struct host_rec_v1, b) | (8 << 8) | (0 << 16) | (1 << 17) | (0 << 18);
	CHECK_EQ_U64(run_ok(&e, "get_offs", &r, sizeof(r)), exp);
	exp = 0 | (0 << 1) | (0 << 2) | ((uint64_t)sizeof(struct host_rec_v1) << 8) | (1ull << 24) |
	      (2ull << 32) | (0ull << 40);
	CHECK_EQ_U64(run_ok(&e, "get_types", &r, sizeof(r)), exp);
	uint64_t ids = run_ok(&e, "get_ids", &r, sizeof(r));
	const struct bpfx_object_core_reloc_info *c =
		find_reloc(&e, "get_ids", BPFX_CORE_TYPE_ID_TARGET, "struct host_rec");
	CHECK(c && (uint32_t)ids == c->value && c->value != 0);
	CHECK((ids >> 32) != 0);
	common_checks(&e);
	env_close(&e);
}

static void test_v2(const char *dir)
{
	struct env e = {0};
	if (env_open(&e, dir, "host_v2.btf")) {
		CHECK(0);
		return;
	}
	struct host_rec_v2 r;
	memset(&r, 0xee, sizeof(r));
	r.a = 4242;
	r.b = 0xdeadbeef;
	r.flags = 6;
	r.x = 1;
	r.level = -13;
	r.pad2 = 1000;
	memcpy(r.name, "ABCDEFG", 8);
	CHECK_EQ_U64(run_ok(&e, "get_a", &r, sizeof(r)), 4242);
	CHECK_EQ_U64(run_ok(&e, "get_b", &r, sizeof(r)), 0xdeadbeef); /* 8-byte load became 4 */
	CHECK_EQ_U64(run_ok(&e, "get_name", &r, sizeof(r)), 'D');
	CHECK_EQ_U64(run_ok(&e, "get_flags", &r, sizeof(r)), 6);
	CHECK_EQ_U64(run_ok(&e, "get_level", &r, sizeof(r)), (uint64_t)-13);
	uint64_t exp = offsetof(struct host_rec_v2, b) | (4 << 8) | (1 << 16) | (1 << 17) | (0 << 18);
	CHECK_EQ_U64(run_ok(&e, "get_offs", &r, sizeof(r)), exp);
	exp = 1 | (0 << 1) | (1 << 2) | ((uint64_t)sizeof(struct host_rec_v2) << 8) | (0ull << 24) |
	      (7ull << 32) | (1ull << 40);
	CHECK_EQ_U64(run_ok(&e, "get_types", &r, sizeof(r)), exp);
	const struct bpfx_object_core_reloc_info *c =
		find_reloc(&e, "get_a", BPFX_CORE_FIELD_BYTE_OFFSET, "struct host_rec.a");
	CHECK(c && c->ok && c->value == offsetof(struct host_rec_v2, a) && c->local_value == 0);
	/* the poisoned program: the guard path runs, the poisoned one fails */
	uint64_t r0 = 0;
	r.a = 12345;
	CHECK(run(&e, "get_missing", &r, sizeof(r), &r0) == 0 && r0 == 1);
	r.a = 1;
	CHECK(run(&e, "get_missing", &r, sizeof(r), &r0) == BPFX_E_BTF);
	/* the failing instruction is the poisoned one, and its line is the source's */
	c = find_reloc(&e, "get_missing", BPFX_CORE_FIELD_BYTE_OFFSET, "never_there");
	CHECK(c && c->insn == last_insn);
	size_t pm = 0;
	struct bpfx_object_line_info li;
	CHECK(bpfx_object_find_prog(e.obj, NULL, "get_missing", &pm) == 0);
	CHECK(bpfx_object_prog_line(e.obj, pm, last_insn, &li) == 0);
	CHECK_STR_CONTAINS(li.text, "r->never_there");
	CHECK(li.column > 0);
	common_checks(&e);
	env_close(&e);
}

/* Bad targets: a file that is not BTF is refused with its name. */
static void test_bad_target(const char *dir)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/core_host.o", dir);
	struct bpfx_object_opts oo = {.sz = sizeof(oo), .log = logfn, .core_target_path = "/dev/null"};
	bpfx_object *obj = NULL;
	CHECK(bpfx_object_open_file(path, &oo, &obj) == BPFX_E_BTF);
	CHECK_STR_CONTAINS(lastlog, "/dev/null");
	unsigned char junk[64] = {0x9f, 0xeb, 1, 0};
	struct bpfx_object_opts om = {.sz = sizeof(om), .log = logfn, .core_target_data = junk,
				      .core_target_size = sizeof(junk)};
	CHECK(bpfx_object_open_file(path, &om, &obj) == BPFX_E_BTF);
	CHECK_STR_CONTAINS(lastlog, "in memory");
	/* two flavours of the type that disagree: ambiguous, an error */
	char tpath[1024];
	snprintf(tpath, sizeof(tpath), "%s/host_v3.btf", btf_dir);
	struct bpfx_object_opts oa = {.sz = sizeof(oa), .log = logfn, .core_target_path = tpath};
	CHECK(bpfx_object_open_file(path, &oa, &obj) == BPFX_E_BTF);
	CHECK_STR_CONTAINS(lastlog, "ambiguous");
	CHECK_STR_CONTAINS(lastlog, "struct host_rec.a");
}

/* Malformed .BTF.ext: each corruption is refused with a message naming it. */
static void test_malformed_ext(const char *dir)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/core_host.o", dir);
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	static unsigned char img[1 << 20];
	size_t len = fread(img, 1, sizeof(img), f);
	fclose(f);
	CHECK(len > 0 && len < sizeof(img));
	/* the header: magic, version 1, flags 0, hdr_len 32 */
	static const unsigned char hdr[8] = {0x9f, 0xeb, 1, 0, 32, 0, 0, 0};
	size_t at = 0;
	while (at + 32 <= len && memcmp(img + at, hdr, 8))
		at++;
	CHECK(at + 32 <= len);
	if (at + 32 > len)
		return;
	uint32_t fo, lo, co;
	memcpy(&fo, img + at + 8, 4);
	memcpy(&lo, img + at + 16, 4);
	memcpy(&co, img + at + 24, 4);
	size_t func = at + 32 + fo, line = at + 32 + lo, core = at + 32 + co;
	struct {
		size_t off;
		uint32_t val;
		unsigned width;
		const char *msg;
	} cases[] = {
		{at, 0x1234, 2, "magic 0x1234"},
		{at + 2, 2, 1, "version 2"},
		{at + 4, 0x7ffffff0, 4, "header length"},
		{at + 24, 0x7fff0000, 4, "CO-RE relocations at offset"},
		{func, 4, 4, "func_info: record size 4"},
		{func + 4, 0xffffff, 4, "outside the .BTF string table"},
		{func + 8, 0x10000000, 4, "func_info: block for section"},
		{func + 12, 3, 4, "not a multiple of 8"},
		{func + 16, 0x7fffffff, 4, "is not a BTF FUNC"},
		{line + 8, 0x10000000, 4, "line_info: block"},
		{line + 16, 0xfffffff, 4, "string offset"},
		{core + 16, 0, 4, "type id 0"},
		{core + 24, 99, 4, "unknown relocation kind 99"},
		{core + 20, 0xfffffff, 4, "access string offset"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char save[4];
		memcpy(save, img + cases[i].off, cases[i].width);
		memcpy(img + cases[i].off, &cases[i].val, cases[i].width);
		struct bpfx_object_opts oo = {.sz = sizeof(oo), .log = logfn,
					      .core_target_path = "/dev/null"};
		bpfx_object *obj = NULL;
		lastlog[0] = 0;
		int err = bpfx_object_open_mem(img, len, &oo, &obj);
		if (err != BPFX_E_BTF || !strstr(lastlog, cases[i].msg))
			fprintf(stderr, "case %zu: %s / %s\n", i, bpfx_status_name(err), lastlog);
		CHECK(err == BPFX_E_BTF);
		CHECK_STR_CONTAINS(lastlog, cases[i].msg);
		bpfx_object_close(obj);
		memcpy(img + cases[i].off, save, cases[i].width);
	}
}

/* bpfx_object_load with verification: the rejection cites the source line. */
static void test_verify_source(const char *dir)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/verify_bad.o", dir);
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .log = logfn};
	struct bpfx_object_opts oo = {.sz = sizeof(oo), .log = logfn};
	bpfx_vm *vm = NULL;
	bpfx_object *obj = NULL;
	CHECK(bpfx_vm_create(&vo, &vm) == 0);
	CHECK(bpfx_object_open_file(path, &oo, &obj) == 0);
	if (!vm || !obj)
		return;
	alllog[0] = 0;
	struct bpfx_object_load_opts lo = {.sz = sizeof(lo), .flags = BPFX_OBJ_LOAD_VERIFY};
	CHECK(bpfx_object_load(obj, vm, &lo) == BPFX_E_REJECTED);
	CHECK_STR_CONTAINS(alllog, "verify_bad.c:");
	bpfx_object_close(obj);
	bpfx_vm_destroy(vm);
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: core_check OBJ_DIR [BTF_DIR]\n");
		return 2;
	}
	btf_dir = argc == 3 ? argv[2] : argv[1];
	test_v1(argv[1]);
	test_v2(argv[1]);
	test_bad_target(argv[1]);
	test_malformed_ext(argv[1]);
	test_verify_source(argv[1]);
	return check_summary("core_check");
}
