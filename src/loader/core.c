/* SPDX-License-Identifier: MIT */
/*
 * core.c - CO-RE ("compile once, run everywhere") relocations.
 *
 * Every CO-RE record of .BTF.ext names an instruction, a type of the
 * object's own BTF (the "local" type), an access string ("0:2:1": an array
 * index on the root, then member or element indexes) and a kind. We resolve
 * it against a target BTF (the kernel's, a raw BTF file, a host binary's):
 *   1. candidates: target types of the same kind whose name equals the local
 *      name once a flavour suffix ("task_struct___v2" -> "task_struct") is
 *      dropped from both;
 *   2. each candidate is walked along the local access path by member NAME
 *      (looking through anonymous structs and unions) and array index,
 *      checking that the field types are compatible on the way;
 *   3. the candidates that match must all give the same value, else the
 *      relocation is ambiguous (an error); none matching makes the
 *      *_exists kinds 0 and poisons every other kind: the instruction
 *      becomes a call to helper 0xbad2310, so that only a program that
 *      reaches it fails, and the report says which type and path failed.
 * The instruction must hold the value computed against the local BTF
 * (checked), and receives the target value: imm of ALU ops, off of memory
 * ops (with the access size adjusted when an integer field changed size),
 * both halves of lddw.
 */
#include <bpf/btf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf_ext.h"

#define VMLINUX_PATH "/sys/kernel/btf/vmlinux"
#define MAX_ACCESS 64
#define MAX_DEPTH 32

struct ldr_core_res {
	size_t prog, insn, rec;
	uint32_t kind;
	uint64_t local_value, value;
	bool ok;
	char spec[256];
	char error[256];
};

struct core_ctx {
	struct bpfx_object *obj;
	const struct btf *local, *target;
	const char *target_name;
};

static const char *const kind_names[] = {
	"byte_off", "byte_sz", "field_exists", "signed", "lshift_u64", "rshift_u64",
	"local_type_id", "target_type_id", "type_exists", "type_size", "enumval_exists",
	"enumval_value", "type_matches",
};

static bool is_field_kind(uint32_t k)
{
	return k <= BPFX_CORE_FIELD_RSHIFT_U64;
}

static bool is_enum_kind(uint32_t k)
{
	return k == BPFX_CORE_ENUMVAL_EXISTS || k == BPFX_CORE_ENUMVAL_VALUE;
}

/* A name of the BTF string table; "" for a bad offset. */
static const char *nm(const struct btf *b, uint32_t off)
{
	const char *s = btf__name_by_offset(b, off);
	return s ? s : "";
}

static uint32_t skip_mods(const struct btf *btf, uint32_t id)
{
	for (int i = 0; i < MAX_DEPTH; i++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t || !(btf_is_mod(t) || btf_is_typedef(t)))
			return id;
		id = t->type;
	}
	return id;
}

static const struct btf_type *skip_t(const struct btf *btf, uint32_t id)
{
	return btf__type_by_id(btf, skip_mods(btf, id));
}

static bool is_any_enum(const struct btf_type *t)
{
	return btf_is_enum(t) || btf_is_enum64(t);
}

/* Length of `name` without its flavour: "foo___v2" -> 3. The separator is
 * three underscores between two other characters, the last one wins. */
static size_t essential_len(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = n >= 5 ? n - 4 : 0; n >= 5 && i-- > 0;)
		if (name[i] != '_' && !strncmp(name + i + 1, "___", 3) && name[i + 4] != '_')
			return i + 1;
	return n;
}

static bool same_essential(const char *a, const char *b)
{
	size_t la = essential_len(a), lb = essential_len(b);
	return la == lb && !strncmp(a, b, la);
}

static const char *kind_word(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT: return "struct ";
	case BTF_KIND_UNION: return "union ";
	case BTF_KIND_ENUM: case BTF_KIND_ENUM64: return "enum ";
	case BTF_KIND_TYPEDEF: return "typedef ";
	default: return "";
	}
}

static void appendf(char *buf, size_t cap, const char *fmt, ...) BPFX_PRINTF(3, 4);
static void appendf(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	if (len + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

/* ---- type compatibility -------------------------------------------------- */

/* Field types: libbpf's documented rules (composites by kind only, integers
 * of any size, pointers of anything, enums and forward declarations by
 * essential name, arrays by element). */
static bool fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			  int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	const struct btf_type *l = skip_t(lb, lid), *t = skip_t(tb, tid);
	if (!l || !t)
		return false;
	if (btf_is_composite(l) && btf_is_composite(t))
		return true;
	if (is_any_enum(l) && is_any_enum(t))
		return true;
	if (btf_kind(l) != btf_kind(t))
		return false;
	switch (btf_kind(l)) {
	case BTF_KIND_PTR:
	case BTF_KIND_FLOAT:
		return true;
	case BTF_KIND_FWD:
		return same_essential(nm(lb, l->name_off),
				      nm(tb, t->name_off));
	case BTF_KIND_INT:
		return btf_int_offset(l) == 0 && btf_int_offset(t) == 0;
	case BTF_KIND_ARRAY:
		return fields_compat(lb, btf_array(l)->type, tb, btf_array(t)->type, depth + 1);
	default:
		return false;
	}
}

/* Types (type-based relocations): same kinds all the way down; named
 * composites and enums are not looked into. */
static bool types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			 int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	const struct btf_type *l = skip_t(lb, lid), *t = skip_t(tb, tid);
	if (!l || !t)
		return false;
	if (is_any_enum(l) && is_any_enum(t))
		return true;
	if (btf_kind(l) != btf_kind(t))
		return false;
	switch (btf_kind(l)) {
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_FWD: case BTF_KIND_FLOAT:
		return true;
	case BTF_KIND_INT:
		return btf_int_offset(l) == 0 && btf_int_offset(t) == 0;
	case BTF_KIND_PTR:
		return types_compat(lb, l->type, tb, t->type, depth + 1);
	case BTF_KIND_ARRAY:
		return types_compat(lb, btf_array(l)->type, tb, btf_array(t)->type, depth + 1);
	case BTF_KIND_FUNC_PROTO: {
		if (btf_vlen(l) != btf_vlen(t))
			return false;
		for (int i = 0; i < btf_vlen(l); i++)
			if (!types_compat(lb, btf_params(l)[i].type, tb, btf_params(t)[i].type, depth + 1))
				return false;
		return types_compat(lb, l->type, tb, t->type, depth + 1);
	}
	default:
		return false;
	}
}

/* TYPE_MATCHES: stricter. Names (essential) of named types agree; every
 * local member / enumerator exists by name in the target with a matching
 * type; integers agree in size and signedness; arrays in length. */
static bool types_match(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	const struct btf_type *l = skip_t(lb, lid), *t = skip_t(tb, tid);
	if (!l || !t)
		return false;
	const char *ln = nm(lb, l->name_off), *tn = nm(tb, t->name_off);
	if (ln && ln[0] && (!tn || !same_essential(ln, tn)))
		return false;
	if (is_any_enum(l) && is_any_enum(t)) {
		for (int i = 0; i < btf_vlen(l); i++) {
			uint32_t off = btf_is_enum(l) ? btf_enum(l)[i].name_off : btf_enum64(l)[i].name_off;
			const char *en = nm(lb, off);
			bool found = false;
			for (int j = 0; j < btf_vlen(t) && !found; j++) {
				uint32_t o2 = btf_is_enum(t) ? btf_enum(t)[j].name_off : btf_enum64(t)[j].name_off;
				found = !strcmp(en, nm(tb, o2));
			}
			if (!found)
				return false;
		}
		return true;
	}
	if (btf_kind(l) != btf_kind(t))
		return false;
	switch (btf_kind(l)) {
	case BTF_KIND_FWD: case BTF_KIND_FLOAT:
		return true;
	case BTF_KIND_INT:
		return l->size == t->size &&
		       (btf_int_encoding(l) & BTF_INT_SIGNED) == (btf_int_encoding(t) & BTF_INT_SIGNED);
	case BTF_KIND_PTR:
		return types_match(lb, l->type, tb, t->type, depth + 1);
	case BTF_KIND_ARRAY:
		return btf_array(l)->nelems == btf_array(t)->nelems &&
		       types_match(lb, btf_array(l)->type, tb, btf_array(t)->type, depth + 1);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION:
		for (int i = 0; i < btf_vlen(l); i++) {
			const struct btf_member *m = &btf_members(l)[i];
			const char *mn = nm(lb, m->name_off);
			bool found = false;
			for (int j = 0; j < btf_vlen(t) && !found; j++) {
				const struct btf_member *n = &btf_members(t)[j];
				if (!strcmp(mn, nm(tb, n->name_off))) {
					if (!types_match(lb, m->type, tb, n->type, depth + 1))
						return false;
					found = true;
				}
			}
			if (!found)
				return false;
		}
		return true;
	case BTF_KIND_FUNC_PROTO:
		if (btf_vlen(l) != btf_vlen(t))
			return false;
		for (int i = 0; i < btf_vlen(l); i++)
			if (!types_match(lb, btf_params(l)[i].type, tb, btf_params(t)[i].type, depth + 1))
				return false;
		return types_match(lb, l->type, tb, t->type, depth + 1);
	default:
		return false;
	}
}

/* ---- field access paths -------------------------------------------------- */

struct step {
	bool array;
	uint32_t idx;             /* array index */
	const char *name;         /* member name */
	uint32_t local_type;      /* type reached in the local BTF */
};

struct spec {
	int raw[MAX_ACCESS];
	int nraw;
	struct step steps[MAX_ACCESS];
	int nsteps;
};

struct field {                /* a resolved field in one BTF */
	uint64_t bit_off;
	uint32_t type;
	uint32_t bf_size;         /* bitfield size, 0 if not a bitfield */
};

static int parse_access(struct spec *sp, const char *acc, char *err, size_t errcap)
{
	sp->nraw = 0;
	const char *p = acc;
	for (;;) {
		if (*p < '0' || *p > '9' || sp->nraw == MAX_ACCESS) {
			snprintf(err, errcap, "malformed access string '%s'", acc);
			return -1;
		}
		unsigned long v = strtoul(p, (char **)&p, 10);
		if (v > INT32_MAX) {
			snprintf(err, errcap, "access index too large in '%s'", acc);
			return -1;
		}
		sp->raw[sp->nraw++] = (int)v;
		if (!*p)
			return 0;
		if (*p++ != ':') {
			snprintf(err, errcap, "malformed access string '%s'", acc);
			return -1;
		}
	}
}

/* Walks the local access path; fills steps, the local field and the text. */
static int local_field(const struct btf *b, uint32_t root, struct spec *sp, struct field *f,
		       char *text, size_t cap, char *err, size_t errcap)
{
	const struct btf_type *rt = btf__type_by_id(b, root);
	appendf(text, cap, "%s%s", kind_word(rt), nm(b, rt->name_off));
	long long sz = btf__resolve_size(b, root);
	if (sz < 0) {
		snprintf(err, errcap, "local type has no size");
		return -1;
	}
	if (sp->raw[0])
		appendf(text, cap, "[%d]", sp->raw[0]);
	f->bit_off = (uint64_t)sp->raw[0] * (uint64_t)sz * 8;
	f->type = root;
	f->bf_size = 0;
	sp->nsteps = 0;
	for (int i = 1; i < sp->nraw; i++) {
		const struct btf_type *t = skip_t(b, f->type);
		uint32_t idx = (uint32_t)sp->raw[i];
		if (t && btf_is_composite(t)) {
			if (idx >= btf_vlen(t)) {
				snprintf(err, errcap, "member index %u past the %u members", idx, btf_vlen(t));
				return -1;
			}
			const struct btf_member *m = &btf_members(t)[idx];
			const char *name = nm(b, m->name_off);
			f->bit_off += btf_member_bit_offset(t, idx);
			f->bf_size = btf_member_bitfield_size(t, idx);
			f->type = m->type;
			if (name && name[0]) {
				sp->steps[sp->nsteps++] = (struct step){.name = name, .local_type = m->type};
				appendf(text, cap, ".%s", name);
			}
		} else if (t && btf_is_array(t)) {
			const struct btf_array *a = btf_array(t);
			long long esz = btf__resolve_size(b, a->type);
			if (esz < 0 || (a->nelems && idx >= a->nelems)) {
				snprintf(err, errcap, "array index %u is invalid (%u elements)", idx, a->nelems);
				return -1;
			}
			f->bit_off += (uint64_t)idx * (uint64_t)esz * 8;
			f->bf_size = 0;
			f->type = a->type;
			sp->steps[sp->nsteps++] = (struct step){.array = true, .idx = idx, .local_type = a->type};
			appendf(text, cap, "[%u]", idx);
		} else {
			snprintf(err, errcap, "access index %u into a type that is neither struct, union "
				 "nor array", idx);
			return -1;
		}
	}
	appendf(text, cap, " (");
	for (int i = 0; i < sp->nraw; i++)
		appendf(text, cap, "%s%d", i ? ":" : "", sp->raw[i]);
	appendf(text, cap, ")");
	return 0;
}

/* Member `name` of composite `id`, looking through anonymous members. */
static bool find_member(const struct btf *b, uint32_t id, const char *name, uint64_t *bit_off,
			uint32_t *type, uint32_t *bf, int depth)
{
	const struct btf_type *t = skip_t(b, id);
	if (!t || !btf_is_composite(t) || depth > MAX_DEPTH)
		return false;
	for (int i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *mn = nm(b, m->name_off);
		if (mn && !strcmp(mn, name)) {
			*bit_off = btf_member_bit_offset(t, (uint32_t)i);
			*type = m->type;
			*bf = btf_member_bitfield_size(t, (uint32_t)i);
			return true;
		}
		if ((!mn || !mn[0]) && find_member(b, m->type, name, bit_off, type, bf, depth + 1)) {
			*bit_off += btf_member_bit_offset(t, (uint32_t)i);
			return true;
		}
	}
	return false;
}

/* Walks candidate `root` of the target along the local steps. */
static bool target_field(const struct btf *lb, const struct btf *tb, uint32_t root,
			 const struct spec *sp, struct field *f)
{
	long long sz = btf__resolve_size(tb, root);
	if (sz < 0)
		return false;
	f->bit_off = (uint64_t)sp->raw[0] * (uint64_t)sz * 8;
	f->type = root;
	f->bf_size = 0;
	for (int i = 0; i < sp->nsteps; i++) {
		const struct step *s = &sp->steps[i];
		const struct btf_type *t = skip_t(tb, f->type);
		if (!t)
			return false;
		if (s->array) {
			if (!btf_is_array(t))
				return false;
			const struct btf_array *a = btf_array(t);
			long long esz = btf__resolve_size(tb, a->type);
			if (esz < 0 || (a->nelems && s->idx >= a->nelems))
				return false;
			f->bit_off += (uint64_t)s->idx * (uint64_t)esz * 8;
			f->type = a->type;
			f->bf_size = 0;
		} else {
			uint64_t off;
			uint32_t type, bf;
			if (!find_member(tb, f->type, s->name, &off, &type, &bf, 0))
				return false;
			f->bit_off += off;
			f->type = type;
			f->bf_size = bf;
		}
		if (!fields_compat(lb, s->local_type, tb, f->type, 0))
			return false;
	}
	return true;
}

/* Value of a field kind for a resolved field; *size = its load size. */
static int field_value(const struct btf *b, const struct field *f, uint32_t kind, uint64_t *val,
		       uint32_t *size, char *err, size_t errcap)
{
	long long sz = btf__resolve_size(b, f->type);
	if (sz < 0 || sz > UINT32_MAX) {
		snprintf(err, errcap, "field type has no size");
		return -1;
	}
	uint64_t byte_sz = (uint64_t)sz, byte_off, bit_sz;
	if (!f->bf_size) {
		if (f->bit_off % 8) {
			snprintf(err, errcap, "field is not byte-aligned");
			return -1;
		}
		byte_off = f->bit_off / 8;
		bit_sz = byte_sz * 8;
	} else {
		bit_sz = f->bf_size;
		if (!byte_sz) {
			snprintf(err, errcap, "bitfield of a zero-size type");
			return -1;
		}
		byte_off = f->bit_off / 8 / byte_sz * byte_sz;
		while (f->bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8) {
				snprintf(err, errcap, "bitfield does not fit in 8 bytes");
				return -1;
			}
			byte_sz *= 2;
			byte_off = f->bit_off / 8 / byte_sz * byte_sz;
		}
	}
	*size = (uint32_t)byte_sz;
	const struct btf_type *t = skip_t(b, f->type);
	switch (kind) {
	case BPFX_CORE_FIELD_BYTE_OFFSET: *val = byte_off; break;
	case BPFX_CORE_FIELD_BYTE_SIZE: *val = byte_sz; break;
	case BPFX_CORE_FIELD_EXISTS: *val = 1; break;
	case BPFX_CORE_FIELD_SIGNED:
		*val = (is_any_enum(t) && btf_kflag(t)) ||
		       (btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED));
		break;
	case BPFX_CORE_FIELD_LSHIFT_U64:
		if (byte_sz > 8) {
			snprintf(err, errcap, "field of %llu bytes cannot be shifted in 64 bits",
				 (unsigned long long)byte_sz);
			return -1;
		}
		*val = 64 - (f->bit_off + bit_sz - byte_off * 8);
		break;
	case BPFX_CORE_FIELD_RSHIFT_U64:
		if (bit_sz > 64) {
			snprintf(err, errcap, "field of %llu bits cannot be shifted in 64 bits",
				 (unsigned long long)bit_sz);
			return -1;
		}
		*val = 64 - bit_sz;
		break;
	}
	return 0;
}

/* A load of the field may change size (as libbpf allows): pointers (32-bit
 * hosts), or unsigned integers in both BTFs. */
static bool resizable(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid)
{
	const struct btf_type *l = skip_t(lb, lid), *t = skip_t(tb, tid);
	if (!l || !t)
		return false;
	if (btf_is_ptr(l) && btf_is_ptr(t))
		return true;
	return btf_is_int(l) && btf_is_int(t) && !(btf_int_encoding(l) & BTF_INT_SIGNED) &&
	       !(btf_int_encoding(t) & BTF_INT_SIGNED);
}

/* ---- one relocation ------------------------------------------------------ */

struct outcome {
	bool found;               /* a candidate matched (or no target needed) */
	uint64_t local, value;
	uint32_t local_sz, target_sz;
	bool sz_adjust_ok;        /* unsigned integers or pointers in both: loads may be resized */
	bool no_check;            /* bitfields: the compiler may pick another load size */
	bool target_signed;
};

static int enum_value(const struct btf *b, uint32_t id, const char *name, uint64_t *val)
{
	const struct btf_type *t = skip_t(b, id);
	if (!t || !is_any_enum(t))
		return -1;
	for (int i = 0; i < btf_vlen(t); i++) {
		if (btf_is_enum(t)) {
			if (!strcmp(nm(b, btf_enum(t)[i].name_off), name)) {
				*val = (uint64_t)(int64_t)btf_enum(t)[i].val;
				if (!btf_kflag(t))
					*val = (uint32_t)btf_enum(t)[i].val;
				return 0;
			}
		} else if (!strcmp(nm(b, btf_enum64(t)[i].name_off), name)) {
			*val = btf_enum64_value(&btf_enum64(t)[i]);
			return 0;
		}
	}
	return -1;
}

static bool kinds_agree(const struct btf_type *l, const struct btf_type *t)
{
	if (is_any_enum(l) && is_any_enum(t))
		return true;
	return btf_kind(l) == btf_kind(t);
}

/* Resolves record `c`; 0 with *o filled, or -1 with res->error set. */
static int resolve(const struct core_ctx *cx, const struct ldr_ext_core *c, struct ldr_core_res *res,
		   struct outcome *o)
{
	const struct btf *lb = cx->local;
	const struct btf_type *lt = btf__type_by_id(lb, c->type_id);
	const char *lname = nm(lb, lt->name_off);
	char *err = res->error;
	size_t ecap = sizeof(res->error);
	struct spec sp = {0};
	struct field lf = {0};
	const char *enum_name = NULL;
	memset(o, 0, sizeof(*o));

	if (parse_access(&sp, c->access, err, ecap))
		return -1;
	if (is_field_kind(c->kind)) {
		if (local_field(lb, c->type_id, &sp, &lf, res->spec, sizeof(res->spec), err, ecap) ||
		    field_value(lb, &lf, c->kind, &o->local, &o->local_sz, err, ecap))
			return -1;
		o->no_check = lf.bf_size != 0;
	} else if (is_enum_kind(c->kind)) {
		const struct btf_type *et = skip_t(lb, c->type_id);
		if (!et || !is_any_enum(et) || sp.nraw != 1 || (uint32_t)sp.raw[0] >= btf_vlen(et)) {
			snprintf(err, ecap, "enum relocation on a non-enum type or a bad enumerator "
				 "index '%s'", c->access);
			return -1;
		}
		uint32_t noff = btf_is_enum(et) ? btf_enum(et)[sp.raw[0]].name_off
						: btf_enum64(et)[sp.raw[0]].name_off;
		enum_name = nm(lb, noff);
		snprintf(res->spec, sizeof(res->spec), "enum %s::%s", lname, enum_name);
		enum_value(lb, c->type_id, enum_name, &o->local);
		if (c->kind == BPFX_CORE_ENUMVAL_EXISTS)
			o->local = 1;
	} else {
		if (sp.nraw != 1 || sp.raw[0] != 0) {
			snprintf(err, ecap, "type relocation with access string '%s' (expected \"0\")",
				 c->access);
			return -1;
		}
		snprintf(res->spec, sizeof(res->spec), "%s%s", kind_word(lt), lname);
		long long sz = btf__resolve_size(lb, c->type_id);
		o->local = c->kind == BPFX_CORE_TYPE_SIZE ? (uint64_t)(sz < 0 ? 0 : sz)
			 : c->kind == BPFX_CORE_TYPE_ID_LOCAL || c->kind == BPFX_CORE_TYPE_ID_TARGET
			 ? c->type_id : 1;
	}
	bool no_check = o->no_check;
	if (c->kind == BPFX_CORE_TYPE_ID_LOCAL) {
		o->found = true;
		o->value = c->type_id;
		return 0;
	}
	if (!cx->target) {
		snprintf(err, ecap, "no target BTF (%s is absent; give one with core_target_path)",
			 VMLINUX_PATH);
		return -1;
	}
	if (!lname || !lname[0]) {
		snprintf(err, ecap, "local type %u has no name, it cannot be looked up in the target",
			 c->type_id);
		return -1;
	}

	const struct btf *tb = cx->target;
	uint32_t n = btf__type_cnt(tb);
	uint32_t first_match = 0;
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(tb, id);
		if (!kinds_agree(lt, t) || !same_essential(lname, nm(tb, t->name_off)))
			continue;
		uint64_t v = 0;
		uint32_t tsz = 0;
		bool adj = true, sgn = false;
		if (is_field_kind(c->kind)) {
			struct field tf;
			char e2[64];
			if (!target_field(lb, tb, id, &sp, &tf) ||
			    field_value(tb, &tf, c->kind, &v, &tsz, e2, sizeof(e2)))
				continue;
			adj = !lf.bf_size && !tf.bf_size && resizable(lb, lf.type, tb, tf.type);
			const struct btf_type *ft = skip_t(tb, tf.type);
			sgn = ft && btf_is_int(ft) && (btf_int_encoding(ft) & BTF_INT_SIGNED);
		} else if (is_enum_kind(c->kind)) {
			if (enum_value(tb, id, enum_name, &v))
				continue;
			if (c->kind == BPFX_CORE_ENUMVAL_EXISTS)
				v = 1;
		} else {
			bool ok = c->kind == BPFX_CORE_TYPE_MATCHES ? types_match(lb, c->type_id, tb, id, 0)
								    : types_compat(lb, c->type_id, tb, id, 0);
			if (!ok)
				continue;
			long long sz = btf__resolve_size(tb, id);
			v = c->kind == BPFX_CORE_TYPE_SIZE ? (uint64_t)(sz < 0 ? 0 : sz)
			  : c->kind == BPFX_CORE_TYPE_ID_TARGET ? id : 1;
		}
		if (!o->found) {
			o->found = true;
			o->no_check = no_check;
			o->value = v;
			o->target_sz = tsz;
			o->sz_adjust_ok = adj;
			o->target_signed = sgn;
			first_match = id;
		} else if (v != o->value || tsz != o->target_sz) {
			if (c->kind == BPFX_CORE_TYPE_ID_TARGET)
				continue; /* libbpf: the first compatible type wins */
			snprintf(err, ecap, "ambiguous: target types %u and %u (both '%s') give %llu "
				 "and %llu", first_match, id, lname, (unsigned long long)o->value,
				 (unsigned long long)v);
			return -2;
		}
	}
	if (!o->found) {
		if (c->kind == BPFX_CORE_FIELD_EXISTS || c->kind == BPFX_CORE_TYPE_EXISTS ||
		    c->kind == BPFX_CORE_TYPE_MATCHES || c->kind == BPFX_CORE_ENUMVAL_EXISTS) {
			o->found = true;
			o->value = 0;
			return 0;
		}
		snprintf(err, ecap, "no compatible %s in the target BTF (%s)",
			 is_field_kind(c->kind) ? "field" : is_enum_kind(c->kind) ? "enumerator" : "type",
			 cx->target_name);
		return -1;
	}
	return 0;
}

#define CLS(code) ((code) & 7)
#define OP_LDDW 0x18
#define OP_CALL 0x85

static void poison(struct bpfx_insn *insn, size_t avail)
{
	bool wide = insn->code == OP_LDDW && avail > 1;
	for (int k = 0; k < (wide ? 2 : 1); k++)
		insn[k] = (struct bpfx_insn){.code = OP_CALL, .imm = BPFX_CORE_POISON_IMM};
}

static const uint8_t size_code[9] = {[1] = 0x10, [2] = 0x08, [4] = 0x00, [8] = 0x18};

/* Patches the instruction; on failure sets res->error and returns -1. */
static int patch(struct bpfx_insn *insn, size_t avail, uint32_t kind, const struct outcome *o,
		 struct ldr_core_res *res)
{
	uint8_t cls = CLS(insn->code);
	char *err = res->error;
	size_t ecap = sizeof(res->error);
	if (cls == 4 || cls == 7) { /* ALU, ALU64 */
		if (insn->code & 0x08) {
			snprintf(err, ecap, "ALU instruction 0x%02x takes a register, not an immediate",
				 insn->code);
			return -1;
		}
		if (!o->no_check && (uint32_t)insn->imm != (uint32_t)o->local) {
			snprintf(err, ecap, "instruction holds %d, the local BTF gives %llu", insn->imm,
				 (unsigned long long)o->local);
			return -1;
		}
		if (o->value > UINT32_MAX && (int64_t)o->value != (int32_t)o->value) {
			snprintf(err, ecap, "value %llu does not fit a 32-bit immediate",
				 (unsigned long long)o->value);
			return -1;
		}
		insn->imm = (int32_t)(uint32_t)o->value;
		return 0;
	}
	if (cls == 1 || cls == 2 || cls == 3) { /* LDX, ST, STX */
		if (!o->no_check && (uint64_t)(int64_t)insn->off != o->local) {
			snprintf(err, ecap, "instruction offset %d, the local BTF gives %llu", insn->off,
				 (unsigned long long)o->local);
			return -1;
		}
		if (o->value > INT16_MAX) {
			snprintf(err, ecap, "offset %llu does not fit the 16-bit instruction offset",
				 (unsigned long long)o->value);
			return -1;
		}
		if (kind == BPFX_CORE_FIELD_BYTE_OFFSET && o->local_sz != o->target_sz) {
			static const uint8_t sizes[4] = {4, 2, 1, 8};
			uint32_t cur = sizes[(insn->code >> 3) & 3];
			if (cur == o->local_sz) {
				if (!o->sz_adjust_ok || (o->target_sz != 1 && o->target_sz != 2 &&
							  o->target_sz != 4 && o->target_sz != 8)) {
					snprintf(err, ecap, "field size changed from %u to %u bytes and "
						 "the access cannot be resized", o->local_sz, o->target_sz);
					return -1;
				}
				insn->code = (uint8_t)((insn->code & ~0x18) | size_code[o->target_sz]);
			}
		}
		insn->off = (int16_t)o->value;
		return 0;
	}
	if (insn->code == OP_LDDW && avail > 1) {
		uint64_t cur = (uint32_t)insn[0].imm | (uint64_t)(uint32_t)insn[1].imm << 32;
		if (!o->no_check && cur != o->local) {
			snprintf(err, ecap, "lddw holds %llu, the local BTF gives %llu",
				 (unsigned long long)cur, (unsigned long long)o->local);
			return -1;
		}
		insn[0].imm = (int32_t)(uint32_t)o->value;
		insn[1].imm = (int32_t)(uint32_t)(o->value >> 32);
		return 0;
	}
	snprintf(err, ecap, "instruction 0x%02x cannot carry a CO-RE relocation", insn->code);
	return -1;
}

static bool needs_target(const struct ldr_btf_ext *e)
{
	for (size_t i = 0; i < e->ncores; i++)
		if (e->cores[i].kind != BPFX_CORE_TYPE_ID_LOCAL)
			return true;
	return false;
}

int ldr_core_apply(struct bpfx_object *obj, const struct bpfx_object_opts *opts)
{
	const struct ldr_btf_ext *e = obj->ext;
	if (!e || !e->ncores)
		return 0;
	struct core_ctx cx = {.obj = obj, .local = obj->btf, .target_name = ""};
	struct btf *target = NULL;
	if (needs_target(e)) {
		if (opts->core_target_data) {
			if (opts->core_target_size > UINT32_MAX ||
			    !(target = btf__new(opts->core_target_data, (uint32_t)opts->core_target_size)))
				return bpfx_fail(&obj->diag, BPFX_E_BTF, "%s: the CO-RE target BTF given "
						 "in memory (%zu bytes) is not valid BTF", obj->name,
						 opts->core_target_size);
			cx.target_name = "host BTF";
		} else if (opts->core_target_path) {
			if (!(target = btf__parse(opts->core_target_path, NULL)))
				return bpfx_fail(&obj->diag, BPFX_E_BTF, "%s: CO-RE target '%s' is neither "
						 "raw BTF nor an ELF file with a valid .BTF section",
						 obj->name, opts->core_target_path);
			cx.target_name = opts->core_target_path;
		} else if (access(VMLINUX_PATH, R_OK) == 0) {
			if (!(target = btf__parse_raw(VMLINUX_PATH)))
				bpfx_logf(&obj->diag, BPFX_LOG_WARN, "%s: %s is not readable BTF; CO-RE "
					  "relocations are poisoned", obj->name, VMLINUX_PATH);
			cx.target_name = "vmlinux";
		}
	}
	cx.target = target;

	/* One outcome per record, then one report entry per (program, record). */
	struct ldr_core_res *per = calloc(e->ncores, sizeof(*per));
	struct outcome *outs = calloc(e->ncores, sizeof(*outs));
	int *rc = calloc(e->ncores, sizeof(*rc));
	size_t total = 0, npoisoned = 0, first_bad = 0;
	int err = 0;
	if (!per || !outs || !rc) {
		err = bpfx_fail(&obj->diag, BPFX_E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < e->ncores; i++) {
		per[i].kind = e->cores[i].kind;
		per[i].rec = i;
		rc[i] = resolve(&cx, &e->cores[i], &per[i], &outs[i]);
		if (rc[i] == -2) {
			err = bpfx_fail(&obj->diag, BPFX_E_BTF, "%s: CO-RE relocation %zu (%s of %s, "
					"section '%s', insn %zu): %s", obj->name, i,
					kind_names[e->cores[i].kind], per[i].spec,
					obj->secs[e->cores[i].sec].name, e->cores[i].insn, per[i].error);
			goto out;
		}
		if (!per[i].spec[0])
			snprintf(per[i].spec, sizeof(per[i].spec), "type %u (%s)", e->cores[i].type_id,
				 e->cores[i].access);
		for (size_t p = 0; p < obj->nprogs; p++)
			total += ldr_prog_slot(obj, &obj->progs[p], e->cores[i].sec, e->cores[i].insn) !=
				 SIZE_MAX;
	}
	obj->core = calloc(total ? total : 1, sizeof(*obj->core));
	if (!obj->core) {
		err = bpfx_fail(&obj->diag, BPFX_E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t p = 0; p < obj->nprogs; p++) {
		struct ldr_prog *pr = &obj->progs[p];
		for (size_t i = 0; i < e->ncores; i++) {
			size_t at = ldr_prog_slot(obj, pr, e->cores[i].sec, e->cores[i].insn);
			if (at == SIZE_MAX)
				continue;
			struct ldr_core_res *r = &obj->core[obj->ncore++];
			*r = per[i];
			r->prog = p;
			r->insn = at;
			r->local_value = outs[i].local;
			struct bpfx_insn *insn = &pr->insns[at];
			if (rc[i] == 0 && patch(insn, pr->count - at, r->kind, &outs[i], r) == 0) {
				r->ok = true;
				r->value = outs[i].value;
				continue;
			}
			poison(insn, pr->count - at);
			if (!npoisoned++)
				first_bad = obj->ncore - 1;
			bpfx_logf(&obj->diag, BPFX_LOG_DEBUG, "%s: program '%s' insn %zu: CO-RE %s of %s "
				  "failed, instruction poisoned: %s", obj->name,
				  obj->units[pr->unit].name, at, kind_names[r->kind], r->spec, r->error);
		}
	}
	if (npoisoned) {
		const struct ldr_core_res *r = &obj->core[first_bad];
		bpfx_logf(&obj->diag, BPFX_LOG_WARN, "%s: %zu of %zu CO-RE relocations poisoned (a "
			  "program fails if it reaches one); first: program '%s' insn %zu, %s of %s: %s",
			  obj->name, npoisoned, obj->ncore, obj->units[obj->progs[r->prog].unit].name,
			  r->insn, kind_names[r->kind], r->spec, r->error);
	}
out:
	free(per);
	free(outs);
	free(rc);
	if (target)
		btf__free(target);
	snprintf(obj->core_target_name, sizeof(obj->core_target_name), "%s",
		 cx.target ? cx.target_name : "");
	return err;
}

static uint64_t poisoned_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
				bpfx_run *run)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	bpfx_run_fail(run, BPFX_E_BTF);
	return 0;
}

int ldr_core_prepare_vm(struct bpfx_object *obj, bpfx_vm *vm, const struct bpfx_diag *d)
{
	bool any = false;
	for (size_t i = 0; i < obj->ncore; i++)
		any |= !obj->core[i].ok;
	struct bpfx_func_info fi;
	if (!any || bpfx_vm_find_func(vm, 0, BPFX_CORE_POISON_IMM, NULL, &fi) == 0)
		return 0;
	int err = bpfx_vm_register_helper(vm, BPFX_CORE_POISON_IMM, "bpfx_core_poisoned",
					  poisoned_helper, NULL);
	if (err)
		return bpfx_fail(d, err, "%s: cannot register the helper of poisoned CO-RE "
				 "relocations", obj->name);
	return 0;
}

void ldr_core_free(struct bpfx_object *obj)
{
	free(obj->core);
	obj->core = NULL;
	obj->ncore = 0;
}

size_t bpfx_object_core_reloc_count(const bpfx_object *obj)
{
	return obj ? obj->ncore : 0;
}

int bpfx_object_core_reloc(const bpfx_object *obj, size_t index,
			   struct bpfx_object_core_reloc_info *info)
{
	if (!obj || !info)
		return BPFX_E_INVAL;
	if (index >= obj->ncore)
		return bpfx_fail(&obj->diag, BPFX_E_RANGE, "%s: CO-RE relocation %zu, the object has "
				 "%zu", obj->name, index, obj->ncore);
	const struct ldr_core_res *r = &obj->core[index];
	*info = (struct bpfx_object_core_reloc_info){
		.prog = r->prog, .insn = r->insn, .kind = (enum bpfx_core_kind)r->kind,
		.kind_name = kind_names[r->kind], .spec = r->spec, .target = obj->core_target_name,
		.local_value = r->local_value, .value = r->value, .ok = r->ok, .error = r->error};
	return 0;
}
