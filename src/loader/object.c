/* SPDX-License-Identifier: MIT */
/*
 * object.c - programs of a BPF object: functions, relocations, subprogram
 * linking, and the public bpfx_object_* API.
 *
 * Functions. In every code section the STT_FUNC symbols delimit functions.
 * A section without any (objects from old compilers) is one function named
 * after the global symbol at its start, or after the section.
 *
 * Programs. Every function of a code section other than .text is a program.
 * .text holds subprograms; only when no other code section has code do its
 * global functions become the programs (small objects written that way).
 *
 * Linking follows libbpf: a program's own code comes first, then every
 * function it reaches through calls or code-address loads, appended depth
 * first in the order they are met, each once; call and lddw immediates are
 * rewritten to the new distances. Map loads become lddw src
 * BPFX_LDDW_MAP_IDX / imm = map index; global-data loads become lddw src
 * BPFX_LDDW_MAP_VALUE_IDX / imm = map index / next imm = byte offset.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define R_BPF_NONE 0
#define R_BPF_64_64 1
#define R_BPF_64_ABS64 2
#define R_BPF_64_ABS32 3
#define R_BPF_64_NODYLD32 4
#define R_BPF_64_32 10

#define OP_LDDW 0x18 /* BPF_LD | BPF_IMM | BPF_DW */
#define OP_CALL 0x85 /* BPF_JMP | BPF_CALL */

static const struct bpfx_insn *sec_insns(const struct bpfx_object *obj, size_t sec)
{
	return obj->secs[sec].insns;
}

static size_t sec_ninsns(const struct bpfx_object *obj, size_t sec)
{
	return obj->secs[sec].size / sizeof(struct bpfx_insn);
}

static const char *unit_desc_name(const struct bpfx_object *obj, size_t u)
{
	return obj->units[u].name;
}

/* ---- functions ----------------------------------------------------------- */

static int cmp_unit_start(const void *a, const void *b)
{
	const struct ldr_unit *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static int add_unit(struct bpfx_object *obj, size_t *cap, size_t sec, size_t start, size_t count,
		    const char *name, size_t sym)
{
	int err = ldr_grow(&obj->diag, (void **)&obj->units, cap, obj->nunits + 1, sizeof(*obj->units));
	if (err)
		return err;
	obj->units[obj->nunits++] = (struct ldr_unit){.sec = sec, .start = start, .count = count,
						      .name = name, .sym = sym};
	return 0;
}

static int find_units(struct bpfx_object *obj)
{
	const struct bpfx_diag *d = &obj->diag;
	size_t cap = 0;

	obj->code = calloc(obj->nsecs, sizeof(*obj->code));
	if (!obj->code)
		return bpfx_fail(d, BPFX_E_NOMEM, "out of memory");
	for (size_t sec = 1; sec < obj->nsecs; sec++) {
		const struct ldr_sec *s = &obj->secs[sec];
		if (s->kind != LDR_SEC_CODE || s->size == 0)
			continue;
		size_t first = obj->nunits;
		for (size_t i = 1; i < obj->nsyms; i++) {
			const struct ldr_sym *sym = &obj->syms[i];
			if (sym->shndx != sec || sym->type != STT_FUNC)
				continue;
			if (sym->value % 8 || sym->size % 8 || sym->size == 0)
				return bpfx_fail(d, BPFX_E_ELF,
						 "%s: function '%s' in section '%s': offset %llu / size %llu "
						 "are not whole, non-empty instructions",
						 obj->name, sym->name, s->name,
						 (unsigned long long)sym->value,
						 (unsigned long long)sym->size);
			/* libbpf 1.x refuses static functions as programs; only .text
			 * may hold static (subprogram) functions. */
			if (sec != obj->text_sec && sym->bind == STB_LOCAL)
				return bpfx_fail(d, BPFX_E_ELF,
						 "%s: program '%s' in section '%s' is static; programs "
						 "must be global functions (static helpers belong in .text)",
						 obj->name, sym->name, s->name);
			int err = add_unit(obj, &cap, sec, sym->value / 8, sym->size / 8, sym->name, i);
			if (err)
				return err;
		}
		if (obj->nunits == first) {
			/* No function symbols: the section is one function. */
			const char *name = s->name;
			for (size_t i = 1; i < obj->nsyms; i++) {
				const struct ldr_sym *sym = &obj->syms[i];
				if (sym->shndx == sec && sym->value == 0 && sym->name[0] &&
				    (sym->bind == STB_GLOBAL || sym->bind == STB_WEAK) &&
				    (sym->type == STT_NOTYPE || sym->type == STT_FUNC)) {
					name = sym->name;
					break;
				}
			}
			int err = add_unit(obj, &cap, sec, 0, sec_ninsns(obj, sec), name, 0);
			if (err)
				return err;
		}
		size_t n = obj->nunits - first;
		struct ldr_code *c = &obj->code[sec];
		c->units = malloc(n * sizeof(*c->units));
		if (!c->units)
			return bpfx_fail(d, BPFX_E_NOMEM, "out of memory");
		c->nunits = n;
		for (size_t k = 0; k < n; k++)
			c->units[k] = first + k;
		/* Units of this section were added in symbol order; sort by start
		 * (ties cannot survive the overlap check below). */
		struct ldr_unit *base = obj->units + first;
		qsort(base, n, sizeof(*base), cmp_unit_start);
		for (size_t k = 1; k < n; k++) {
			const struct ldr_unit *a = &obj->units[c->units[k - 1]];
			const struct ldr_unit *b = &obj->units[c->units[k]];
			if (b->start < a->start + a->count)
				return bpfx_fail(d, BPFX_E_ELF,
						 "%s: section '%s': functions '%s' and '%s' overlap",
						 obj->name, s->name, a->name, b->name);
		}
	}
	return 0;
}

/* Function of code section `sec` containing slot `insn`, or SIZE_MAX. */
static size_t unit_at(const struct bpfx_object *obj, size_t sec, size_t insn)
{
	const struct ldr_code *c = &obj->code[sec];
	size_t lo = 0, hi = c->nunits;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ldr_unit *u = &obj->units[c->units[mid]];
		if (insn < u->start)
			hi = mid;
		else if (insn >= u->start + u->count)
			lo = mid + 1;
		else
			return c->units[mid];
	}
	return SIZE_MAX;
}

/* ---- relocations --------------------------------------------------------- */

static int add_extern(struct bpfx_object *obj, size_t sym, bool is_func, size_t *index)
{
	const struct ldr_sym *s = &obj->syms[sym];
	for (size_t i = 0; i < obj->nexterns; i++)
		if (!strcmp(obj->externs[i].name, s->name)) {
			if (obj->externs[i].is_func != is_func)
				return bpfx_fail(&obj->diag, BPFX_E_ELF,
						 "%s: extern '%s' is both called and loaded as a variable",
						 obj->name, s->name);
			*index = i;
			return 0;
		}
	if (!s->name[0])
		return bpfx_fail(&obj->diag, BPFX_E_ELF, "%s: relocation against undefined symbol %zu, "
				 "which has no name", obj->name, sym);
	size_t cap = obj->nexterns; /* grow one by one: externs are few */
	int err = ldr_grow(&obj->diag, (void **)&obj->externs, &cap, obj->nexterns + 1,
			   sizeof(*obj->externs));
	if (err)
		return err;
	obj->externs[obj->nexterns] = (struct ldr_extern){.name = s->name, .is_func = is_func,
							  .weak = s->bind == STB_WEAK, .kcfg = SIZE_MAX};
	for (size_t k = 0; !is_func && k < obj->nkcfg; k++)
		if (!strcmp(obj->kcfg[k].name, s->name))
			obj->externs[obj->nexterns].kcfg = k;
	*index = obj->nexterns++;
	return 0;
}

static int cmp_reloc(const void *a, const void *b)
{
	const struct ldr_reloc *x = a, *y = b;
	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

/* GCC before 13 put a named symbol's offset into the instruction as well as
 * into the relocation, which double-counts it where the immediate is an
 * addend (global data, code addresses, calls). Maps are found by symbol, so
 * they are unaffected. */
static bool gcc_doubled(const struct bpfx_object *obj, const struct ldr_sym *sym,
			const struct bpfx_insn *insn)
{
	return obj->gcc_major && obj->gcc_major < 13 && sym->type != STT_SECTION && sym->value &&
	       insn->imm;
}

/* Classifies one relocation of code section `sec`. */
static int classify_reloc(struct bpfx_object *obj, size_t sec, size_t idx, const struct ldr_rel *r,
			  struct ldr_reloc *out)
{
	const struct bpfx_diag *d = &obj->diag;
	const char *sname = obj->secs[sec].name;
	const char *rname = obj->secs[obj->secs[sec].rel].name;
	const struct bpfx_insn *insns = sec_insns(obj, sec);
	size_t n = sec_ninsns(obj, sec);
	const struct ldr_sym *sym = &obj->syms[r->sym];
	const char *symname = ldr_sym_name(obj, r->sym);

#define GCC_MSG                                                                                   \
	"this object was built by GCC %d, whose relocations against named symbols do not follow "  \
	"the BPF ELF convention (fixed in GCC 13); rebuild with GCC 13+ or clang"
#define RFAIL(fmt, ...)                                                                           \
	bpfx_fail(d, BPFX_E_ELF, "%s: %s entry %zu (symbol '%s', offset 0x%llx): " fmt, obj->name, \
		  rname, idx, symname, (unsigned long long)r->offset, __VA_ARGS__)

	if (r->offset % 8)
		return RFAIL("not on an instruction boundary of '%s'", sname);
	size_t i = r->offset / 8;
	const struct bpfx_insn *insn = &insns[i];
	memset(out, 0, sizeof(*out));
	out->insn = i;
	out->rel_index = idx;
	out->sym = r->sym;

	if (insn->code == OP_CALL) {
		if (r->type != R_BPF_64_32 && !(obj->em_none && r->type == R_BPF_NONE))
			return RFAIL("relocation type %u on a call in '%s' (expected R_BPF_64_32)",
				     r->type, sname);
		if (insn->src != BPFX_CALL_LOCAL)
			return RFAIL("call at insn %zu of '%s' has src %u, a relocated call must be a "
				     "local call (src 1)", i, sname, insn->src);
		if (sym->shndx == SHN_UNDEF) {
			out->kind = LDR_RELOC_EXTERN_CALL;
			return add_extern(obj, r->sym, true, &out->index);
		}
		if (sym->shndx >= obj->nsecs || obj->secs[sym->shndx].kind != LDR_SEC_CODE)
			return RFAIL("call at insn %zu of '%s' targets a symbol outside every code "
				     "section", i, sname);
		if (gcc_doubled(obj, sym, insn))
			return RFAIL(GCC_MSG, obj->gcc_major);
		if (sym->value % 8)
			return RFAIL("call target offset %llu is not on an instruction boundary",
				     (unsigned long long)sym->value);
		int64_t t = (int64_t)(sym->value / 8) + (int64_t)r->addend / 8 + insn->imm + 1;
		if (t < 0 || (uint64_t)t >= sec_ninsns(obj, sym->shndx))
			return RFAIL("call at insn %zu of '%s' targets insn %lld, outside section '%s'",
				     i, sname, (long long)t, obj->secs[sym->shndx].name);
		out->kind = LDR_RELOC_CALL;
		out->target_sec = sym->shndx;
		out->target_insn = (size_t)t;
		return 0;
	}
	if (insn->code != OP_LDDW)
		return RFAIL("insn %zu of '%s' (opcode 0x%02x) is neither lddw nor call", i, sname,
			     insn->code);
	if (r->type != R_BPF_64_64 && !(obj->em_none && r->type == R_BPF_NONE))
		return RFAIL("relocation type %u on an lddw in '%s' (expected R_BPF_64_64)", r->type,
			     sname);
	if (i + 1 >= n)
		return RFAIL("lddw at insn %zu is the last slot of '%s', its second half is missing", i,
			     sname);
	if (insn->src != BPFX_LDDW_IMM64)
		return RFAIL("relocated lddw at insn %zu of '%s' has src %u, expected 0", i, sname,
			     insn->src);
	if (sym->shndx == SHN_UNDEF) {
		out->kind = LDR_RELOC_EXTERN_VAR;
		out->offset = insn->imm + r->addend;
		if (out->offset < INT32_MIN || out->offset > INT32_MAX)
			return RFAIL("addend %lld does not fit an instruction", (long long)out->offset);
		int err = add_extern(obj, r->sym, false, &out->index);
		size_t k = err ? SIZE_MAX : obj->externs[out->index].kcfg;
		if (k != SIZE_MAX) {
			/* a kconfig value: global data in the .kconfig map */
			int64_t off = (int64_t)obj->kcfg[k].offset + out->offset;
			if (out->offset < 0 || out->offset >= obj->kcfg[k].size)
				return RFAIL("offset %lld is outside kconfig extern '%s' (%u bytes)",
					     (long long)out->offset, obj->kcfg[k].name, obj->kcfg[k].size);
			out->kind = LDR_RELOC_DATA;
			out->index = obj->kcfg_map;
			out->offset = off;
		}
		return err;
	}
	if (sym->shndx >= obj->nsecs)
		return RFAIL("symbol is in special section 0x%x (an uninitialized global? give it a "
			     "value or make it static)", sym->shndx);
	const struct ldr_sec *ts = &obj->secs[sym->shndx];
	if (ts->kind != LDR_SEC_MAPS && ts->kind != LDR_SEC_BTF_MAPS && gcc_doubled(obj, sym, insn))
		return RFAIL(GCC_MSG, obj->gcc_major);
	int64_t off = (int64_t)sym->value + insn->imm + r->addend;
	switch (ts->kind) {
	case LDR_SEC_CODE:
		if (off < 0 || off % 8 || (uint64_t)off / 8 >= sec_ninsns(obj, sym->shndx))
			return RFAIL("code address %lld is not an instruction of '%s'", (long long)off,
				     ts->name);
		out->kind = LDR_RELOC_CODE_ADDR;
		out->target_sec = sym->shndx;
		out->target_insn = (size_t)off / 8;
		return 0;
	case LDR_SEC_MAPS:
	case LDR_SEC_BTF_MAPS: {
		uint64_t at = sym->type == STT_SECTION ? (uint64_t)off : sym->value;
		out->kind = LDR_RELOC_MAP;
		out->index = ldr_map_at(obj, sym->shndx, at);
		if (out->index == BPFX_NO_MAP)
			return RFAIL("no map definition starts at offset %llu of '%s'",
				     (unsigned long long)at, ts->name);
		return 0;
	}
	case LDR_SEC_DATA:
	case LDR_SEC_RODATA:
	case LDR_SEC_BSS:
		if (off < 0 || (uint64_t)off > ts->size || ts->map == BPFX_NO_MAP)
			return RFAIL("offset %lld is outside data section '%s' (%llu bytes)",
				     (long long)off, ts->name, (unsigned long long)ts->size);
		out->kind = LDR_RELOC_DATA;
		out->index = ts->map;
		out->offset = off;
		return 0;
	default:
		return RFAIL("lddw at insn %zu of '%s' refers to section '%s', which is neither code, "
			     "maps nor global data", i, sname, ts->name);
	}
#undef RFAIL
}

static int code_relocs(struct bpfx_object *obj, size_t sec)
{
	struct ldr_rel *rels;
	size_t n;
	int err = ldr_elf_rels(obj, obj->secs[sec].rel, &rels, &n);
	if (err)
		return err;
	struct ldr_code *c = &obj->code[sec];
	c->relocs = calloc(n ? n : 1, sizeof(*c->relocs));
	if (!c->relocs) {
		free(rels);
		return bpfx_fail(&obj->diag, BPFX_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < n && !err; i++)
		err = classify_reloc(obj, sec, i, &rels[i], &c->relocs[c->nrelocs++]);
	free(rels);
	if (err)
		return err;
	qsort(c->relocs, c->nrelocs, sizeof(*c->relocs), cmp_reloc);
	for (size_t i = 1; i < c->nrelocs; i++)
		if (c->relocs[i].insn == c->relocs[i - 1].insn)
			return bpfx_fail(&obj->diag, BPFX_E_ELF,
					 "%s: insn %zu of '%s' is relocated twice (entries %zu and %zu "
					 "of '%s')",
					 obj->name, c->relocs[i].insn, obj->secs[sec].name,
					 c->relocs[i - 1].rel_index, c->relocs[i].rel_index,
					 obj->secs[obj->secs[sec].rel].name);
	return 0;
}

/* Relocations of data sections and .maps: checked, not applied yet (they
 * initialize pointers in data and prog-array / map-in-map slots). */
static int data_relocs(struct bpfx_object *obj, size_t sec)
{
	struct ldr_rel *rels;
	size_t n;
	int err = ldr_elf_rels(obj, obj->secs[sec].rel, &rels, &n);
	if (err)
		return err;
	const struct ldr_sec *s = &obj->secs[sec];
	for (size_t i = 0; i < n && !err; i++) {
		unsigned width = rels[i].type == R_BPF_64_ABS32 ? 4 : 8;
		if (!(obj->em_none && rels[i].type == R_BPF_NONE) && rels[i].type != R_BPF_64_64 && rels[i].type != R_BPF_64_ABS64 &&
		    rels[i].type != R_BPF_64_ABS32)
			err = bpfx_fail(&obj->diag, BPFX_E_ELF,
					"%s: %s entry %zu: relocation type %u is not expected in data "
					"section '%s'",
					obj->name, obj->secs[s->rel].name, i, rels[i].type, s->name);
		else if (s->size < width || rels[i].offset > s->size - width)
			err = bpfx_fail(&obj->diag, BPFX_E_ELF,
					"%s: %s entry %zu: %u-byte relocation at offset 0x%llx runs past "
					"the end of '%s'",
					obj->name, obj->secs[s->rel].name, i, width,
					(unsigned long long)rels[i].offset, s->name);
	}
	free(rels);
	return err;
}

static int all_relocs(struct bpfx_object *obj)
{
	for (size_t sec = 1; sec < obj->nsecs; sec++) {
		const struct ldr_sec *s = &obj->secs[sec];
		if (!s->rel)
			continue;
		int err = 0;
		switch (s->kind) {
		case LDR_SEC_CODE:
			err = code_relocs(obj, sec);
			break;
		case LDR_SEC_DATA:
		case LDR_SEC_RODATA:
		case LDR_SEC_BTF_MAPS:
		case LDR_SEC_MAPS:
			err = data_relocs(obj, sec);
			break;
		default:
			break; /* debug info, BTF, eh_frame: not interpreted */
		}
		if (err)
			return err;
	}
	return 0;
}

static const struct ldr_reloc *reloc_at(const struct bpfx_object *obj, size_t sec, size_t insn)
{
	const struct ldr_code *c = &obj->code[sec];
	size_t lo = 0, hi = c->nrelocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->relocs[mid].insn < insn)
			lo = mid + 1;
		else if (c->relocs[mid].insn > insn)
			hi = mid;
		else
			return &c->relocs[mid];
	}
	return NULL;
}

/* ---- linking ------------------------------------------------------------- */

struct link_state {
	size_t *placed;        /* per unit: output slot, or SIZE_MAX */
	struct { size_t unit, next; } *stack;
	size_t depth;
};

static int place(struct bpfx_object *obj, struct ldr_prog *p, struct link_state *ls, size_t u,
		 size_t *cap, size_t *segcap)
{
	const struct ldr_unit *un = &obj->units[u];
	int err = ldr_grow(&obj->diag, (void **)&p->insns, cap, p->count + un->count, sizeof(*p->insns));
	if (!err)
		err = ldr_grow(&obj->diag, (void **)&p->segs, segcap, p->nsegs + 1, sizeof(*p->segs));
	if (err)
		return err;
	memcpy(p->insns + p->count, sec_insns(obj, un->sec) + un->start,
	       un->count * sizeof(*p->insns));
	ls->placed[u] = p->count;
	p->segs[p->nsegs++] = (struct ldr_seg){.unit = u, .out_off = p->count};
	p->count += un->count;
	ls->stack[ls->depth].unit = u;
	ls->stack[ls->depth].next = 0;
	ls->depth++;
	return 0;
}

static int link_prog(struct bpfx_object *obj, struct ldr_prog *p, struct link_state *ls)
{
	const struct bpfx_diag *d = &obj->diag;
	size_t cap = 0, segcap = 0;
	for (size_t i = 0; i < obj->nunits; i++)
		ls->placed[i] = SIZE_MAX;
	ls->depth = 0;
	int err = place(obj, p, ls, p->unit, &cap, &segcap);

	while (!err && ls->depth) {
		size_t u = ls->stack[ls->depth - 1].unit;
		size_t i = ls->stack[ls->depth - 1].next;
		const struct ldr_unit *un = &obj->units[u];
		if (i >= un->count) {
			ls->depth--;
			continue;
		}
		size_t sec_i = un->start + i;
		size_t pos = ls->placed[u] + i;
		struct bpfx_insn *insn = &p->insns[pos];
		const struct ldr_reloc *r = reloc_at(obj, un->sec, sec_i);
		bool wide = insn->code == OP_LDDW;
		ls->stack[ls->depth - 1].next = i + (wide ? 2 : 1);
		if (wide && i + 1 >= un->count)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: lddw at insn %zu of section '%s' is the last slot of "
					 "function '%s': its second half is missing",
					 obj->name, sec_i, obj->secs[un->sec].name, un->name);
		bool local_call = insn->code == OP_CALL && insn->src == BPFX_CALL_LOCAL;
		bool code_addr = wide && insn->src == BPFX_LDDW_CODE_ADDR;
		if (!r && !local_call && !code_addr)
			continue;
		size_t tsec = un->sec, tinsn = 0;
		if (r) {
			switch (r->kind) {
			case LDR_RELOC_MAP:
				insn[0].src = BPFX_LDDW_MAP_IDX;
				insn[0].imm = (int32_t)r->index;
				insn[1].imm = 0;
				continue;
			case LDR_RELOC_DATA:
				insn[0].src = BPFX_LDDW_MAP_VALUE_IDX;
				insn[0].imm = (int32_t)r->index;
				insn[1].imm = (int32_t)r->offset;
				continue;
			case LDR_RELOC_EXTERN_VAR:
				insn[0].src = BPFX_LDDW_VAR_ADDR;
				insn[0].imm = (int32_t)r->index;
				insn[1].imm = (int32_t)r->offset;
				continue;
			case LDR_RELOC_EXTERN_CALL:
				insn->src = BPFX_CALL_KFUNC;
				insn->imm = (int32_t)r->index;
				continue;
			case LDR_RELOC_CALL:
			case LDR_RELOC_CODE_ADDR:
				tsec = r->target_sec;
				tinsn = r->target_insn;
				break;
			}
		} else if (code_addr) {
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: lddw of a code address at insn %zu of section '%s' has no "
					 "relocation",
					 obj->name, sec_i, obj->secs[un->sec].name);
		} else {
			int64_t t = (int64_t)sec_i + insn->imm + 1;
			if (t < 0 || (uint64_t)t >= sec_ninsns(obj, un->sec))
				return bpfx_fail(d, BPFX_E_ELF,
						 "%s: call at insn %zu of section '%s' targets insn %lld, "
						 "outside the section",
						 obj->name, sec_i, obj->secs[un->sec].name, (long long)t);
			tinsn = (size_t)t;
		}
		size_t tu = unit_at(obj, tsec, tinsn);
		if (tu == SIZE_MAX)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: %s at insn %zu of section '%s' targets insn %zu of '%s', "
					 "which is in no function",
					 obj->name, code_addr ? "code address" : "call", sec_i,
					 obj->secs[un->sec].name, tinsn, obj->secs[tsec].name);
		if (ls->placed[tu] == SIZE_MAX && (err = place(obj, p, ls, tu, &cap, &segcap)))
			return err;
		insn = &p->insns[pos]; /* place() may have moved the array */
		int64_t dist = (int64_t)(ls->placed[tu] + (tinsn - obj->units[tu].start)) -
			       (int64_t)pos - 1;
		if (dist < INT32_MIN || dist > INT32_MAX)
			return bpfx_fail(d, BPFX_E_ELF, "%s: program '%s' is too large to link",
					 obj->name, obj->units[p->unit].name);
		insn->imm = (int32_t)dist;
		if (code_addr || (r && r->kind == LDR_RELOC_CODE_ADDR)) {
			insn[0].src = BPFX_LDDW_CODE_ADDR;
			insn[1].imm = 0;
		}
	}
	return err;
}

static int build_progs(struct bpfx_object *obj)
{
	const struct bpfx_diag *d = &obj->diag;
	bool other_code = false;
	for (size_t u = 0; u < obj->nunits; u++)
		if (obj->units[u].sec != obj->text_sec)
			other_code = true;
	size_t n = 0;
	for (size_t u = 0; u < obj->nunits; u++) {
		struct ldr_unit *un = &obj->units[u];
		if (un->sec != obj->text_sec) {
			un->is_main = true;
		} else if (!other_code) {
			/* .text-only object: global functions are the programs,
			 * or the whole section when it has no function symbols. */
			const struct ldr_sym *sym = un->sym ? &obj->syms[un->sym] : NULL;
			/* Hidden / internal globals are static for libbpf too. */
			un->is_main = !sym || ((sym->bind == STB_GLOBAL || sym->bind == STB_WEAK) &&
					       sym->vis != STV_HIDDEN && sym->vis != STV_INTERNAL);
		}
		n += un->is_main;
	}
	if (!n)
		return 0;
	obj->progs = calloc(n, sizeof(*obj->progs));
	struct link_state ls = {0};
	ls.placed = malloc(obj->nunits * sizeof(*ls.placed));
	ls.stack = malloc(obj->nunits * sizeof(*ls.stack));
	if (!obj->progs || !ls.placed || !ls.stack) {
		free(ls.placed);
		free(ls.stack);
		return bpfx_fail(d, BPFX_E_NOMEM, "out of memory");
	}
	int err = 0;
	for (size_t u = 0; u < obj->nunits && !err; u++) {
		if (!obj->units[u].is_main)
			continue;
		struct ldr_prog *p = &obj->progs[obj->nprogs++];
		p->unit = u;
		p->type = ldr_prog_type_for_section(obj->secs[obj->units[u].sec].name);
		err = link_prog(obj, p, &ls);
	}
	free(ls.placed);
	free(ls.stack);
	return err;
}

/* ---- license, version, BTF ------------------------------------------------ */

static int read_small_sections(struct bpfx_object *obj)
{
	for (size_t i = 1; i < obj->nsecs; i++) {
		const struct ldr_sec *s = &obj->secs[i];
		if (s->kind == LDR_SEC_LICENSE) {
			size_t len = s->data ? strnlen((const char *)s->data, s->size) : 0;
			if (len >= sizeof(obj->license))
				return bpfx_fail(&obj->diag, BPFX_E_ELF,
						 "%s: section 'license' holds a string of %zu bytes or "
						 "more, longer than any license name",
						 obj->name, len);
			if (len)
				memcpy(obj->license, s->data, len);
			obj->license[len] = 0;
		} else if (s->kind == LDR_SEC_VERSION) {
			if (s->size != 4 || !s->data)
				return bpfx_fail(&obj->diag, BPFX_E_ELF,
						 "%s: section 'version' is %llu bytes, expected 4",
						 obj->name, (unsigned long long)s->size);
			memcpy(&obj->kern_version, s->data, 4);
			obj->has_version = true;
		}
	}
	return 0;
}

static int read_btf(struct bpfx_object *obj)
{
	if (!obj->btf_sec)
		return 0;
	const struct ldr_sec *s = &obj->secs[obj->btf_sec];
	if (!s->data || s->size > UINT32_MAX)
		return bpfx_fail(&obj->diag, BPFX_E_BTF, "%s: section '.BTF' is empty or too large",
				 obj->name);
	struct btf *btf = btf__new(s->data, (uint32_t)s->size);
	if (!btf) {
		int e = errno;
		if (obj->btf_maps_sec)
			return bpfx_fail(&obj->diag, BPFX_E_BTF,
					 "%s: section '.BTF' is malformed (libbpf: %s); it is needed "
					 "for the maps in '.maps'",
					 obj->name, strerror(e));
		bpfx_logf(&obj->diag, BPFX_LOG_WARN, "%s: section '.BTF' is malformed (libbpf: %s); "
			  "ignored", obj->name, strerror(e));
		return 0;
	}
	obj->btf = btf;
	return 0;
}

/* ---- public API ---------------------------------------------------------- */

void bpfx_object_close(bpfx_object *obj)
{
	if (!obj)
		return;
	ldr_unload(obj);
	ldr_core_free(obj);
	ldr_btf_ext_free(obj);
	for (size_t i = 0; i < obj->nprogs; i++) {
		free(obj->progs[i].insns);
		free(obj->progs[i].segs);
	}
	free(obj->progs);
	if (obj->code)
		for (size_t i = 0; i < obj->nsecs; i++) {
			free(obj->code[i].relocs);
			free(obj->code[i].units);
		}
	free(obj->code);
	free(obj->units);
	ldr_maps_free(obj);
	free(obj->externs);
	if (obj->btf)
		btf__free(obj->btf);
	free(obj->syms);
	for (size_t i = 0; obj->secs && i < obj->nsecs; i++)
		free(obj->secs[i].insns);
	free(obj->secs);
	if (obj->elf)
		elf_end(obj->elf);
	free(obj->image);
	free(obj->name);
	free(obj);
}

static int open_common(unsigned char *image, size_t len, const char *name,
		       const struct bpfx_object_opts *opts_in, bpfx_object **out)
{
	struct bpfx_object_opts opts;
	struct bpfx_diag d0 = {0};
	if (opts_in && opts_in->sz >= offsetof(struct bpfx_object_opts, log_user) + sizeof(void *)) {
		d0.log = opts_in->log;
		d0.user = opts_in->log_user;
	}
	int err = bpfx_opts_copy(&d0, &opts, sizeof(opts), opts_in, "bpfx_object_opts");
	if (err) {
		free(image);
		return err;
	}
	bpfx_object *obj = calloc(1, sizeof(*obj));
	if (!obj) {
		free(image);
		return bpfx_fail(&d0, BPFX_E_NOMEM, "out of memory");
	}
	obj->diag.log = opts.log;
	obj->diag.user = opts.log_user;
	obj->image = image;
	obj->image_len = len;
	obj->name = strdup(opts.name ? opts.name : name ? name : "object");
	if (!obj->name) {
		bpfx_object_close(obj);
		return bpfx_fail(&d0, BPFX_E_NOMEM, "out of memory");
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		bpfx_object_close(obj);
		return bpfx_fail(&d0, BPFX_E_UNSUPPORTED, "libelf: %s", elf_errmsg(-1));
	}
	if ((err = ldr_elf_read(obj)) || (err = read_small_sections(obj)) || (err = read_btf(obj)) ||
	    (err = ldr_maps_collect(obj)) || (err = find_units(obj)) || (err = all_relocs(obj)) ||
	    (err = build_progs(obj)) || (err = ldr_btf_ext_read(obj)) ||
	    (err = ldr_btf_ext_link(obj)) || (err = ldr_core_apply(obj, &opts))) {
		bpfx_object_close(obj);
		return err;
	}
	*out = obj;
	return 0;
}

int bpfx_object_open_mem(const void *data, size_t len, const struct bpfx_object_opts *opts,
			 bpfx_object **out)
{
	struct bpfx_diag d0 = {opts ? opts->log : NULL, opts ? opts->log_user : NULL};
	if (!out || (!data && len))
		return bpfx_fail(&d0, BPFX_E_INVAL, "bpfx_object_open_mem: NULL argument");
	*out = NULL;
	unsigned char *image = malloc(len ? len : 1);
	if (!image)
		return bpfx_fail(&d0, BPFX_E_NOMEM, "out of memory copying a %zu-byte object", len);
	if (len)
		memcpy(image, data, len);
	return open_common(image, len, "object", opts, out);
}

int bpfx_object_open_file(const char *path, const struct bpfx_object_opts *opts, bpfx_object **out)
{
	struct bpfx_diag d0 = {opts ? opts->log : NULL, opts ? opts->log_user : NULL};
	if (!out || !path)
		return bpfx_fail(&d0, BPFX_E_INVAL, "bpfx_object_open_file: NULL argument");
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return bpfx_fail(&d0, BPFX_E_IO, "%s: %s", path, strerror(errno));
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			unsigned char *nb = realloc(buf, ncap);
			if (!nb) {
				free(buf);
				fclose(f);
				return bpfx_fail(&d0, BPFX_E_NOMEM, "%s: out of memory reading it", path);
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		free(buf);
		return bpfx_fail(&d0, BPFX_E_IO, "%s: read error", path);
	}
	return open_common(buf, len, path, opts, out);
}

size_t bpfx_object_prog_count(const bpfx_object *obj)
{
	return obj ? obj->nprogs : 0;
}

int bpfx_object_prog(const bpfx_object *obj, size_t index, struct bpfx_object_prog_info *info)
{
	if (!obj || !info)
		return BPFX_E_INVAL;
	if (index >= obj->nprogs)
		return bpfx_fail(&obj->diag, BPFX_E_RANGE, "%s: program index %zu, the object has %zu",
				 obj->name, index, obj->nprogs);
	const struct ldr_prog *p = &obj->progs[index];
	const struct ldr_unit *u = &obj->units[p->unit];
	info->name = unit_desc_name(obj, p->unit);
	info->section = obj->secs[u->sec].name;
	info->type = p->type;
	info->insns = p->insns;
	info->insn_count = p->count;
	return 0;
}

int bpfx_object_find_prog(const bpfx_object *obj, const char *section, const char *name,
			  size_t *index)
{
	if (!obj || !index)
		return BPFX_E_INVAL;
	for (size_t i = 0; i < obj->nprogs; i++) {
		const struct ldr_unit *u = &obj->units[obj->progs[i].unit];
		if (section && strcmp(section, obj->secs[u->sec].name))
			continue;
		if (name && strcmp(name, u->name))
			continue;
		*index = i;
		return 0;
	}
	return bpfx_fail(&obj->diag, BPFX_E_NOENT, "%s: no program%s%s%s%s%s", obj->name,
			 section ? " in section '" : "", section ? section : "", section ? "'" : "",
			 name ? " named " : "", name ? name : "");
}

size_t bpfx_object_map_count(const bpfx_object *obj)
{
	return obj ? obj->nmaps : 0;
}

int bpfx_object_map(const bpfx_object *obj, size_t index, struct bpfx_object_map_info *info)
{
	if (!obj || !info)
		return BPFX_E_INVAL;
	if (index >= obj->nmaps)
		return bpfx_fail(&obj->diag, BPFX_E_RANGE, "%s: map index %zu, the object has %zu",
				 obj->name, index, obj->nmaps);
	*info = obj->maps[index].info;
	return 0;
}

size_t bpfx_object_extern_count(const bpfx_object *obj)
{
	return obj ? obj->nexterns : 0;
}

int bpfx_object_extern(const bpfx_object *obj, size_t index, struct bpfx_object_extern_info *info)
{
	if (!obj || !info)
		return BPFX_E_INVAL;
	if (index >= obj->nexterns)
		return bpfx_fail(&obj->diag, BPFX_E_RANGE, "%s: extern index %zu, the object has %zu",
				 obj->name, index, obj->nexterns);
	info->name = obj->externs[index].name;
	info->is_func = obj->externs[index].is_func;
	info->weak = obj->externs[index].weak;
	size_t k = obj->externs[index].kcfg;
	info->map = k == SIZE_MAX ? BPFX_NO_MAP : obj->kcfg_map;
	info->offset = k == SIZE_MAX ? 0 : obj->kcfg[k].offset;
	info->size = k == SIZE_MAX ? 0 : obj->kcfg[k].size;
	return 0;
}

int bpfx_object_get_info(const bpfx_object *obj, struct bpfx_object_info *info)
{
	if (!obj || !info)
		return BPFX_E_INVAL;
	info->name = obj->name;
	info->license = obj->license;
	info->kern_version = obj->kern_version;
	info->has_version = obj->has_version;
	info->has_btf = obj->btf != NULL;
	info->has_btf_ext = obj->ext != NULL;
	return 0;
}
