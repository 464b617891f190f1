/* SPDX-License-Identifier: MIT */
/*
 * objects_check - the loader on our own small objects (tests/loader/src,
 * compiled at build time by clang-19 and, where it can, bpf-gcc), then on
 * hand-corrupted copies of them.
 *
 * usage: objects_check OBJDIR   (OBJDIR/clang/X.o, OBJDIR/gcc/X.o)
 */
#define _GNU_SOURCE
#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>
#include <elf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "loader/loader.h"

static char lastmsg[1024];
static int nmsgs;
static void keep_log(void *user, enum bpfx_log_level level, const char *msg)
{
	(void)user;
	if (level == BPFX_LOG_ERROR) {
		snprintf(lastmsg, sizeof(lastmsg), "%s", msg);
		nmsgs++;
	}
}

static const char *objdir;

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

static bpfx_object *open_obj(const char *compiler, const char *name)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s.o", objdir, compiler, name);
	struct bpfx_object_opts opts = {.sz = sizeof(opts), .log = keep_log};
	bpfx_object *o = NULL;
	lastmsg[0] = 0;
	int err = bpfx_object_open_file(path, &opts, &o);
	if (err)
		fprintf(stderr, "%s: %s (%s)\n", path, bpfx_strerror(err), lastmsg);
	return err ? NULL : o;
}

static size_t map_by_name(bpfx_object *o, const char *name)
{
	for (size_t i = 0; i < bpfx_object_map_count(o); i++) {
		struct bpfx_object_map_info m;
		bpfx_object_map(o, i, &m);
		if (!strcmp(m.name, name))
			return i;
	}
	return BPFX_NO_MAP;
}

static struct bpfx_object_prog_info prog_by_name(bpfx_object *o, const char *name)
{
	struct bpfx_object_prog_info p = {0};
	size_t k;
	if (!bpfx_object_find_prog(o, NULL, name, &k))
		bpfx_object_prog(o, k, &p);
	return p;
}

/* Does the program load map `idx` (lddw src kind) somewhere? */
static int loads(const struct bpfx_object_prog_info *p, int src, size_t idx)
{
	for (size_t i = 0; i + 1 < p->insn_count; i++)
		if (p->insns[i].code == 0x18) {
			if (p->insns[i].src == src && (size_t)p->insns[i].imm == idx)
				return 1;
			i++;
		}
	return 0;
}

static void check_map(bpfx_object *o, const char *name, uint32_t type, uint32_t k, uint32_t v,
		      uint32_t n, uint32_t flags, enum bpfx_map_origin origin)
{
	size_t i = map_by_name(o, name);
	CHECK(i != BPFX_NO_MAP);
	if (i == BPFX_NO_MAP) {
		fprintf(stderr, "  map %s missing\n", name);
		return;
	}
	struct bpfx_object_map_info m;
	CHECK(bpfx_object_map(o, i, &m) == 0);
	CHECK_EQ_U64(m.type, type);
	CHECK_EQ_U64(m.key_size, k);
	CHECK_EQ_U64(m.value_size, v);
	CHECK_EQ_U64(m.max_entries, n);
	CHECK_EQ_U64(m.flags, flags);
	CHECK_EQ_U64(m.origin, origin);
}

static void validate_all(bpfx_object *o)
{
	for (size_t i = 0; i < bpfx_object_prog_count(o); i++) {
		struct bpfx_object_prog_info p;
		bpfx_object_prog(o, i, &p);
		struct bpfx_validate_opts vo = {.sz = sizeof(vo), .log = keep_log};
		int err = bpfx_validate(p.insns, p.insn_count, &vo);
		if (err)
			fprintf(stderr, "  %s/%s: validation: %s\n", p.section, p.name, lastmsg);
		CHECK(err == 0);
	}
}

static void test_legacy(const char *cc)
{
	bpfx_object *o = open_obj(cc, "maps_legacy");
	CHECK(o != NULL);
	if (!o)
		return;
	CHECK_EQ_U64(bpfx_object_prog_count(o), 1);
	struct bpfx_object_prog_info p = prog_by_name(o, "count_packets");
	CHECK(p.insns != NULL);
	CHECK_STR_CONTAINS(p.section, "xdp");
	CHECK_STR_CONTAINS(p.type, "xdp");
	check_map(o, "counters", 2, 4, 8, 16, 0, BPFX_MAP_LEGACY);
	check_map(o, "flows", 1, 8, 16, 1024, 1, BPFX_MAP_LEGACY);
	CHECK(loads(&p, BPFX_LDDW_MAP_IDX, map_by_name(o, "counters")));
	CHECK(loads(&p, BPFX_LDDW_MAP_IDX, map_by_name(o, "flows")));
	struct bpfx_object_info oi;
	CHECK(bpfx_object_get_info(o, &oi) == 0);
	CHECK_STR_CONTAINS(oi.license, "GPL");
	CHECK(oi.has_version && oi.kern_version == 0x050a00);
	validate_all(o);
	bpfx_object_close(o);
}

static void test_iproute2(const char *cc)
{
	bpfx_object *o = open_obj(cc, "maps_iproute2");
	CHECK(o != NULL);
	if (!o)
		return;
	check_map(o, "inner", 2, 4, 4, 1, 0, BPFX_MAP_IPROUTE2);
	check_map(o, "outer", 12, 4, 4, 4, 0, BPFX_MAP_IPROUTE2);
	check_map(o, "plain", 1, 4, 8, 8, 0, BPFX_MAP_IPROUTE2);
	struct bpfx_object_map_info m;
	bpfx_object_map(o, map_by_name(o, "outer"), &m);
	CHECK_EQ_U64(m.inner_map, map_by_name(o, "inner"));
	struct bpfx_object_prog_info p = prog_by_name(o, "cls_main");
	CHECK_STR_CONTAINS(p.type, "sched_cls");
	CHECK(loads(&p, BPFX_LDDW_MAP_IDX, map_by_name(o, "outer")));
	validate_all(o);
	bpfx_object_close(o);
}

static void test_btf_maps(const char *cc)
{
	bpfx_object *o = open_obj(cc, "maps_btf");
	CHECK(o != NULL);
	if (!o)
		return;
	check_map(o, "outer", 12, 4, 4, 8, 0, BPFX_MAP_BTF);
	check_map(o, "outer.inner", 2, 4, 8, 2, 0, BPFX_MAP_BTF);
	struct bpfx_object_map_info m;
	bpfx_object_map(o, map_by_name(o, "outer"), &m);
	CHECK_EQ_U64(m.inner_map, map_by_name(o, "outer.inner"));
	struct bpfx_object_prog_info p = prog_by_name(o, "on_switch");
	CHECK_STR_CONTAINS(p.type, "tracepoint");
	CHECK(loads(&p, BPFX_LDDW_MAP_IDX, map_by_name(o, "outer")));
	if (!strcmp(cc, "clang")) { /* gcc 12 drops unused and some referenced maps' BTF */
		check_map(o, "events_by_pid", 1, 4, 16, 128, 1, BPFX_MAP_BTF);
		check_map(o, "rb", 27, 0, 0, 4096, 0, BPFX_MAP_BTF);
		CHECK(loads(&p, BPFX_LDDW_MAP_IDX, map_by_name(o, "events_by_pid")));
	}
	struct bpfx_object_info oi;
	bpfx_object_get_info(o, &oi);
	CHECK(oi.has_btf);
	CHECK_STR_CONTAINS(oi.license, "Dual MIT/GPL");
	validate_all(o);
	bpfx_object_close(o);
}

static void test_globals(const char *cc)
{
	bpfx_object *o = open_obj(cc, "globals");
	if (!o && !strcmp(cc, "gcc")) {
		/* GCC 12 objects must be refused, saying why */
		CHECK_STR_CONTAINS(lastmsg, "GCC 13");
		return;
	}
	CHECK(o != NULL);
	if (!o)
		return;
	static const struct { const char *name; uint32_t size; int ro, bss; } want[] = {
		{".data", 16, 0, 0}, {".rodata", 4, 1, 0}, {".bss", 8, 0, 1},
		{".data.tables", 16, 0, 0}, {".rodata.config", 4, 1, 0},
	};
	struct bpfx_object_prog_info p = prog_by_name(o, "use_globals");
	CHECK_STR_CONTAINS(p.type, "socket_filter");
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(want); i++) {
		size_t k = map_by_name(o, want[i].name);
		CHECK(k != BPFX_NO_MAP);
		if (k == BPFX_NO_MAP)
			continue;
		struct bpfx_object_map_info m;
		bpfx_object_map(o, k, &m);
		CHECK_EQ_U64(m.origin, BPFX_MAP_DATA);
		CHECK_EQ_U64(m.value_size, want[i].size);
		CHECK_EQ_U64(m.max_entries, 1);
		CHECK_EQ_U64(m.readonly, want[i].ro);
		CHECK(want[i].bss ? m.data == NULL : m.data != NULL);
		CHECK(loads(&p, BPFX_LDDW_MAP_VALUE_IDX, k));
	}
	/* Offsets: 'hits' (global symbol) and 'private_counter' (static, via
	 * the section symbol + imm) are both loaded with their own offsets. */
	size_t data = map_by_name(o, ".data");
	struct bpfx_object_map_info dm;
	bpfx_object_map(o, data, &dm);
	int found_hits = 0, found_private = 0;
	for (size_t s = 1; s < o->nsyms; s++) {
		const struct ldr_sym *sym = &o->syms[s];
		int *flag = !strcmp(sym->name, "hits") ? &found_hits
			    : !strcmp(sym->name, "private_counter") ? &found_private : NULL;
		if (!flag)
			continue;
		uint64_t hits_val;
		memcpy(&hits_val, (const char *)dm.data + sym->value, 8);
		CHECK_EQ_U64(hits_val, flag == &found_hits ? 5 : 3);
		for (size_t i = 0; i + 1 < p.insn_count; i++)
			if (p.insns[i].code == 0x18 && p.insns[i].src == BPFX_LDDW_MAP_VALUE_IDX &&
			    (size_t)p.insns[i].imm == data && (uint64_t)p.insns[i + 1].imm == sym->value)
				*flag = 1;
	}
	CHECK(found_hits);
	CHECK(found_private);
	validate_all(o);
	bpfx_object_close(o);
}

/* The segment names of program `name`, comma-separated, in link order. */
static void segs_of(bpfx_object *o, const char *name, char *buf, size_t len)
{
	buf[0] = 0;
	size_t k;
	if (bpfx_object_find_prog(o, NULL, name, &k))
		return;
	const struct ldr_prog *p = &o->progs[k];
	size_t total = 0;
	for (size_t i = 0; i < p->nsegs; i++) {
		const struct ldr_unit *u = &o->units[p->segs[i].unit];
		CHECK_EQ_U64(p->segs[i].out_off, total);
		total += u->count;
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s", i ? "," : "", u->name);
	}
	CHECK_EQ_U64(total, p->count);
	/* Every local call and code address lands on the start of a segment. */
	for (size_t i = 0; i < p->count; i++) {
		const struct bpfx_insn *in = &p->insns[i];
		int call = in->code == 0x85 && in->src == BPFX_CALL_LOCAL;
		int addr = in->code == 0x18 && in->src == BPFX_LDDW_CODE_ADDR;
		if (call || addr) {
			long t = (long)i + 1 + in->imm;
			int at_seg = 0;
			for (size_t s = 0; s < p->nsegs; s++)
				at_seg |= (long)p->segs[s].out_off == t;
			CHECK(at_seg);
		}
		if (in->code == 0x18)
			i++;
	}
}

static void test_subprogs(void)
{
	bpfx_object *o = open_obj("clang", "subprogs");
	CHECK(o != NULL);
	if (!o)
		return;
	char buf[512];
	CHECK_EQ_U64(bpfx_object_prog_count(o), 4);
	segs_of(o, "first_prog", buf, sizeof(buf));
	CHECK(!strcmp(buf, "first_prog,times_two,add_one"));
	segs_of(o, "second_prog", buf, sizeof(buf));
	CHECK(!strcmp(buf, "second_prog,global_helper,times_two,add_one"));
	segs_of(o, "with_callback", buf, sizeof(buf));
	CHECK(!strcmp(buf, "with_callback,loop_body"));
	segs_of(o, "leaf", buf, sizeof(buf));
	CHECK(!strcmp(buf, "leaf"));
	size_t k;
	CHECK(bpfx_object_find_prog(o, "tc", "second_prog", &k) == 0);
	CHECK(bpfx_object_find_prog(o, NULL, "never_called", &k) == BPFX_E_NOENT);
	CHECK(bpfx_object_find_prog(o, "xdp", "first_prog", &k) == BPFX_E_NOENT);
	struct bpfx_object_prog_info p = prog_by_name(o, "leaf");
	CHECK_STR_CONTAINS(p.type, "kprobe");
	validate_all(o);
	bpfx_object_close(o);
}

static void test_externs(const char *cc)
{
	bpfx_object *o = open_obj(cc, "externs");
	CHECK(o != NULL);
	if (!o)
		return;
	CHECK_EQ_U64(bpfx_object_extern_count(o), 4);
	size_t kf = SIZE_MAX, kv = SIZE_MAX;
	for (size_t i = 0; i < bpfx_object_extern_count(o); i++) {
		struct bpfx_object_extern_info e;
		bpfx_object_extern(o, i, &e);
		if (!strcmp(e.name, "bpf_test_kfunc") && e.is_func && !e.weak)
			kf = i;
		if (!strcmp(e.name, "some_kernel_var") && !e.is_func && e.weak)
			kv = i;
	}
	CHECK(kf != SIZE_MAX && kv != SIZE_MAX);
	struct bpfx_object_prog_info p = prog_by_name(o, "call_extern");
	CHECK_STR_CONTAINS(p.type, "syscall");
	int call = 0;
	for (size_t i = 0; i < p.insn_count; i++)
		call |= p.insns[i].code == 0x85 && p.insns[i].src == BPFX_CALL_KFUNC &&
			(size_t)p.insns[i].imm == kf;
	CHECK(call);
	CHECK(loads(&p, BPFX_LDDW_VAR_ADDR, kv));

	/* kconfig externs: in the read-only, zero-filled ".kconfig" map */
	size_t km = map_by_name(o, ".kconfig");
	CHECK(km != BPFX_NO_MAP);
	struct bpfx_object_map_info m = {0};
	bpfx_object_map(o, km, &m);
	CHECK(m.origin == BPFX_MAP_DATA && m.readonly && m.data == NULL && m.value_size >= 5);
	struct bpfx_object_prog_info pk = prog_by_name(o, "use_kconfig");
	int seen_ver = 0, seen_sys = 0;
	for (size_t i = 0; i < bpfx_object_extern_count(o); i++) {
		struct bpfx_object_extern_info e;
		bpfx_object_extern(o, i, &e);
		int *seen = !strcmp(e.name, "LINUX_KERNEL_VERSION") ? &seen_ver
			    : !strcmp(e.name, "CONFIG_BPF_SYSCALL") ? &seen_sys : NULL;
		if (!seen)
			continue;
		CHECK_EQ_U64(e.map, km);
		CHECK_EQ_U64(e.size, seen == &seen_ver ? 4 : 1);
		CHECK(e.offset + e.size <= m.value_size);
		for (size_t k = 0; k + 1 < pk.insn_count; k++)
			if (pk.insns[k].code == 0x18 && pk.insns[k].src == BPFX_LDDW_MAP_VALUE_IDX &&
			    (size_t)pk.insns[k].imm == km && (uint32_t)pk.insns[k + 1].imm == e.offset)
				*seen = 1;
	}
	CHECK(seen_ver && seen_sys);
	validate_all(o);
	bpfx_object_close(o);
}

/* ---- corrupted copies ------------------------------------------------------ */

static unsigned char *base;
static size_t base_len;

static Elf64_Ehdr *eh(unsigned char *b) { return (Elf64_Ehdr *)b; }
static Elf64_Shdr *sh(unsigned char *b, size_t i)
{
	return (Elf64_Shdr *)(b + eh(b)->e_shoff) + i;
}
static const char *secname(unsigned char *b, size_t i)
{
	return (const char *)b + sh(b, eh(b)->e_shstrndx)->sh_offset + sh(b, i)->sh_name;
}
static size_t find_sec(unsigned char *b, const char *name)
{
	for (size_t i = 1; i < eh(b)->e_shnum; i++)
		if (!strcmp(secname(b, i), name))
			return i;
	return 0;
}
static size_t find_type(unsigned char *b, uint32_t type)
{
	for (size_t i = 1; i < eh(b)->e_shnum; i++)
		if (sh(b, i)->sh_type == type)
			return i;
	return 0;
}

/* Opens `img`; expects BPFX_E_ELF and an error message containing `want`. */
static void expect_refused(unsigned char *img, size_t len, const char *want, const char *what)
{
	struct bpfx_object_opts opts = {.sz = sizeof(opts), .log = keep_log};
	bpfx_object *o = NULL;
	lastmsg[0] = 0;
	int err = bpfx_object_open_mem(img, len, &opts, &o);
	if (err != BPFX_E_ELF || !strstr(lastmsg, want))
		fprintf(stderr, "  corruption '%s': got %s, message \"%s\", wanted \"%s\"\n", what,
			bpfx_status_name(err), lastmsg, want);
	CHECK(err == BPFX_E_ELF);
	CHECK_STR_CONTAINS(lastmsg, want);
	bpfx_object_close(o);
}

#define MUTATE(stmt, want)                                                                        \
	do {                                                                                      \
		unsigned char *img = malloc(base_len);                                            \
		memcpy(img, base, base_len);                                                      \
		unsigned char *b = img;                                                           \
		(void)b;                                                                          \
		stmt;                                                                             \
		expect_refused(img, base_len, want, #stmt);                                       \
		free(img);                                                                        \
	} while (0)

static void test_corruptions(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/clang/maps_legacy.o", objdir);
	base = slurp(path, &base_len);
	CHECK(base != NULL);
	if (!base)
		return;
	size_t xdp = find_sec(base, "xdp"), relxdp = find_sec(base, ".relxdp");
	size_t maps = find_sec(base, "maps"), symtab = find_type(base, SHT_SYMTAB);
	CHECK(xdp && relxdp && maps && symtab);
	if (!(xdp && relxdp && maps && symtab))
		return;
	Elf64_Rel *rel0 = (Elf64_Rel *)(base + sh(base, relxdp)->sh_offset);
	size_t nsyms = sh(base, symtab)->sh_size / sizeof(Elf64_Sym);
	/* an instruction of xdp that is neither lddw nor call */
	const struct bpfx_insn *code = (const struct bpfx_insn *)(base + sh(base, xdp)->sh_offset);
	size_t plain = 0;
	while (code[plain].code == 0x18 || code[plain].code == 0x85)
		plain++;

	MUTATE(img[EI_CLASS] = ELFCLASS32, "ELF class");
	MUTATE(img[EI_DATA] = ELFDATA2MSB, "little-endian");
	MUTATE(img[0] = 'X', "not an ELF");
	MUTATE(eh(b)->e_machine = EM_X86_64, "e_machine");
	MUTATE(eh(b)->e_type = ET_EXEC, "e_type");
	MUTATE(eh(b)->e_shentsize = 32, "e_shentsize");
	MUTATE(eh(b)->e_shoff = base_len - 8, "section header");
	MUTATE(sh(b, maps)->sh_name = 0x7fffff, "name offset");
	MUTATE(sh(b, maps)->sh_offset = base_len, "past the end");
	MUTATE(sh(b, maps)->sh_size = 41, "records");
	MUTATE(sh(b, xdp)->sh_size -= 4, "8-byte");
	MUTATE(sh(b, symtab)->sh_link = 0, "sh_link");
	MUTATE(sh(b, symtab)->sh_entsize = 8, "symbol");
	MUTATE(sh(b, relxdp)->sh_info = 200, "sh_info");
	MUTATE(sh(b, relxdp)->sh_info = maps, "name says");
	MUTATE(sh(b, relxdp)->sh_link = 0, "sh_link");
	MUTATE(((Elf64_Sym *)(b + sh(b, symtab)->sh_offset))[nsyms - 1].st_shndx = 900,
	       "section index");
	MUTATE(((Elf64_Sym *)(b + sh(b, symtab)->sh_offset))[nsyms - 1].st_name = 0xfffffff,
	       "name offset");
	MUTATE(((Elf64_Sym *)(b + sh(b, symtab)->sh_offset))[nsyms - 1].st_value = 1u << 30,
	       "outside section");
	size_t mapsym = 0;
	for (size_t k = 1; k < nsyms; k++)
		if (((Elf64_Sym *)(base + sh(base, symtab)->sh_offset))[k].st_shndx == maps &&
		    ELF64_ST_TYPE(((Elf64_Sym *)(base + sh(base, symtab)->sh_offset))[k].st_info) ==
			    STT_OBJECT)
			mapsym = k;
	CHECK(mapsym != 0);
	MUTATE(({
		       Elf64_Sym *ms = (Elf64_Sym *)(b + sh(b, symtab)->sh_offset) + mapsym;
		       ms->st_value = sh(b, maps)->sh_size;
		       ms->st_size = 0;
	       }),
	       "record");
	MUTATE(((Elf64_Rel *)(b + sh(b, relxdp)->sh_offset))->r_offset += 4,
	       "instruction boundary");
	MUTATE(((Elf64_Rel *)(b + sh(b, relxdp)->sh_offset))->r_offset = sh(b, xdp)->sh_size,
	       "outside section");
	MUTATE(((Elf64_Rel *)(b + sh(b, relxdp)->sh_offset))->r_offset = plain * 8,
	       "neither lddw nor call");
	MUTATE(((Elf64_Rel *)(b + sh(b, relxdp)->sh_offset))->r_info =
		       ELF64_R_INFO(ELF64_R_SYM(rel0->r_info), 3),
	       "relocation type 3");
	MUTATE(((Elf64_Rel *)(b + sh(b, relxdp)->sh_offset))->r_info = ELF64_R_INFO(nsyms + 5, 1),
	       "symbol");
	MUTATE(((Elf64_Rel *)(b + sh(b, relxdp)->sh_offset))[1].r_offset = rel0->r_offset,
	       "relocated twice");

	/* A code section at an odd file offset is fine (found by fuzz_elf:
	 * instructions must not be read in place). */
	{
		size_t sz = sh(base, xdp)->sh_size;
		unsigned char *img = malloc(base_len + 1 + sz);
		memcpy(img, base, base_len);
		img[base_len] = 0;
		memcpy(img + base_len + 1, base + sh(base, xdp)->sh_offset, sz);
		sh(img, xdp)->sh_offset = base_len + 1;
		struct bpfx_object_opts opts = {.sz = sizeof(opts), .log = keep_log};
		bpfx_object *o = NULL;
		CHECK(bpfx_object_open_mem(img, base_len + 1 + sz, &opts, &o) == 0);
		struct bpfx_object_prog_info p = {0};
		if (o)
			bpfx_object_prog(o, 0, &p);
		CHECK(p.insn_count == sz / 8);
		bpfx_object_close(o);
		free(img);
	}

	/* Every truncation is refused, with a message, without a crash. */
	int all_refused = 1, all_said = 1;
	for (size_t len = 0; len < base_len; len++) {
		struct bpfx_object_opts opts = {.sz = sizeof(opts), .log = keep_log};
		bpfx_object *o = NULL;
		nmsgs = 0;
		int err = bpfx_object_open_mem(base, len, &opts, &o);
		if (err == 0) {
			all_refused = 0;
			bpfx_object_close(o);
		} else if (!nmsgs) {
			all_said = 0;
		}
	}
	CHECK(all_refused);
	CHECK(all_said);

	/* Random byte corruption: no crash, and a message with every refusal
	 * (the sanitizer and valgrind runs give this its teeth). */
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int quiet_refusals = 0, opened = 0;
	for (int round = 0; round < 3000; round++) {
		unsigned char *img = malloc(base_len);
		memcpy(img, base, base_len);
		for (int k = 0; k < 1 + round % 4; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			img[x % base_len] ^= (unsigned char)(1u << (x >> 40) % 8);
		}
		struct bpfx_object_opts opts = {.sz = sizeof(opts), .log = keep_log};
		bpfx_object *o = NULL;
		nmsgs = 0;
		int err = bpfx_object_open_mem(img, base_len, &opts, &o);
		if (!err) {
			opened++;
			for (size_t i = 0; i < bpfx_object_prog_count(o); i++) {
				struct bpfx_object_prog_info p;
				bpfx_object_prog(o, i, &p);
			}
			bpfx_object_close(o);
		} else if (!nmsgs) {
			quiet_refusals++;
		}
		free(img);
	}
	printf("random corruption: 3000 variants, %d opened (flips in debug info and padding), "
	       "%d refused without a message\n", opened, quiet_refusals);
	CHECK_EQ_U64(quiet_refusals, 0);
	free(base);
}

static void test_api_misuse(void)
{
	bpfx_object *o = (bpfx_object *)1;
	CHECK(bpfx_object_open_mem(NULL, 10, NULL, &o) == BPFX_E_INVAL);
	CHECK(bpfx_object_open_file("/nonexistent/x.o", NULL, &o) == BPFX_E_IO);
	CHECK(o == NULL);
	struct bpfx_object_opts bad = {.sz = sizeof(bad) + 8};
	unsigned char big[sizeof(bad) + 8];
	memset(big, 0, sizeof(big));
	memcpy(big, &bad, sizeof(bad));
	big[sizeof(bad) + 3] = 1;
	CHECK(bpfx_object_open_mem("x", 1, (const struct bpfx_object_opts *)big, &o) == BPFX_E_INVAL);
	bpfx_object_close(NULL);
	CHECK(bpfx_object_prog_count(NULL) == 0);
}

/* Objects opened in parallel give identical programs (no shared state). */
static struct bpfx_object_prog_info ref_prog;
static void *open_many(void *arg)
{
	(void)arg;
	long bad = 0;
	for (int i = 0; i < 40; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/clang/subprogs.o", objdir);
		bpfx_object *o = NULL;
		if (bpfx_object_open_file(path, NULL, &o)) {
			bad++;
			continue;
		}
		struct bpfx_object_prog_info p = prog_by_name(o, "second_prog");
		if (p.insn_count != ref_prog.insn_count ||
		    memcmp(p.insns, ref_prog.insns, p.insn_count * sizeof(*p.insns)))
			bad++;
		bpfx_object_close(o);
	}
	return (void *)bad;
}

static void test_threads(void)
{
	bpfx_object *o = open_obj("clang", "subprogs");
	CHECK(o != NULL);
	if (!o)
		return;
	ref_prog = prog_by_name(o, "second_prog");
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, open_many, NULL) == 0);
	for (int i = 0; i < 4; i++) {
		void *bad;
		pthread_join(t[i], &bad);
		CHECK(bad == NULL);
	}
	bpfx_object_close(o);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: objects_check OBJDIR\n");
		return 2;
	}
	objdir = argv[1];
	libbpf_set_print(NULL); /* corrupted BTF would make libbpf chatty */
	test_legacy("clang");
	test_iproute2("clang");
	test_btf_maps("clang");
	test_globals("clang");
	test_subprogs();
	test_externs("clang");
	char path[4096];
	snprintf(path, sizeof(path), "%s/gcc/maps_legacy.o", objdir);
	FILE *f = fopen(path, "rb");
	if (f) {
		fclose(f);
		test_legacy("gcc");
		test_iproute2("gcc");
		test_btf_maps("gcc");
		test_externs("gcc");
		test_globals("gcc");
	} else {
		printf("bpf-gcc objects absent: gcc checks skipped\n");
	}
	test_corruptions();
	test_api_misuse();
	test_threads();
	return check_summary("loader objects");
}
