/* SPDX-License-Identifier: MIT */
/*
 * btf.c - the platform's BTF (bpfx_platform_set_btf): a small reader of the
 * BTF format (header, type records, strings) written for the verifier, and
 * the checks on BTF-typed pointers (VT_BTF: a pointer to a host struct).
 *
 * The model is deliberately small:
 *   - a BTF pointer points to a struct or union the platform describes, at a
 *     byte offset; it may be NULL where it comes from memory or a helper, and
 *     must then be checked;
 *   - a load through it must lie inside the struct; it reads a number, except
 *     an 8-byte load exactly at a pointer member of a struct (not inside a
 *     union, whose members overlap) whose target is a struct or union: that
 *     loads a BTF pointer to the target, which may be NULL;
 *   - stores are refused unless the platform marks the struct writable, and
 *     then may not store pointers over pointer members;
 *   - the host promises that its structs match the BTF and that every pointer
 *     member is NULL or points to such a struct (user space has no fault
 *     handler to recover from a wrong pointer).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "verifier_internal.h"

#define BTF_MAGIC 0xeB9F
enum {
	K_INT = 1, K_PTR = 2, K_ARRAY = 3, K_STRUCT = 4, K_UNION = 5, K_ENUM = 6, K_FWD = 7, K_TYPEDEF = 8,
	K_VOLATILE = 9, K_CONST = 10, K_RESTRICT = 11, K_FUNC = 12, K_FUNC_PROTO = 13, K_VAR = 14,
	K_DATASEC = 15, K_FLOAT = 16, K_DECL_TAG = 17, K_TYPE_TAG = 18, K_ENUM64 = 19,
};
#define MAX_DEPTH 32

struct vbtf {
	unsigned char *data; /* the copy: header, types, strings */
	size_t size;
	const unsigned char *types, *strs;
	uint32_t types_len, strs_len;
	uint32_t ntypes;     /* ids 1 .. ntypes */
	uint32_t *off;       /* per id: offset of its record in types (off[0] unused) */
	uint32_t *writable;  /* struct ids programs may write */
	size_t nwritable;
};

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint32_t t_kind(const struct vbtf *b, uint32_t id)
{
	return (rd32(b->types + b->off[id] + 4) >> 24) & 0x1f;
}
static uint32_t t_vlen(const struct vbtf *b, uint32_t id)
{
	return rd32(b->types + b->off[id] + 4) & 0xffff;
}
static uint32_t t_sizetype(const struct vbtf *b, uint32_t id)
{
	return rd32(b->types + b->off[id] + 8);
}
static const unsigned char *t_extra(const struct vbtf *b, uint32_t id)
{
	return b->types + b->off[id] + 12;
}

void bpfx_vbtf_free(struct vbtf *b)
{
	if (!b)
		return;
	free(b->data);
	free(b->off);
	free(b->writable);
	free(b);
}

int bpfx_vbtf_parse(const void *data, size_t size, struct bpfx_diag *d, struct vbtf **out)
{
	*out = NULL;
	if (!data || size < 24)
		return bpfx_fail(d, BPFX_E_INVAL, "BTF: %zu bytes, too short for a header", size);
	const unsigned char *p = data;
	uint16_t magic;
	memcpy(&magic, p, 2);
	uint32_t hdr_len = rd32(p + 4), type_off = rd32(p + 8), type_len = rd32(p + 12), str_off = rd32(p + 16),
		 str_len = rd32(p + 20);
	if (magic != BTF_MAGIC || p[2] != 1)
		return bpfx_fail(d, BPFX_E_INVAL, "BTF: bad magic 0x%x or version %u (a little-endian BTF v1 is needed)",
				 magic, p[2]);
	if (hdr_len < 24 || hdr_len > size || (uint64_t)hdr_len + type_off + type_len > size ||
	    (uint64_t)hdr_len + str_off + str_len > size || type_len % 4)
		return bpfx_fail(d, BPFX_E_INVAL,
				 "BTF: header (length %u) places types [%u, +%u) or strings [%u, +%u) outside the %zu bytes",
				 hdr_len, type_off, type_len, str_off, str_len, size);
	if (!str_len || p[hdr_len + str_off + str_len - 1] != 0)
		return bpfx_fail(d, BPFX_E_INVAL, "BTF: the string section is empty or not NUL-terminated");
	struct vbtf *b = calloc(1, sizeof(*b));
	if (!b || !(b->data = malloc(size))) {
		free(b);
		return bpfx_fail(d, BPFX_E_NOMEM, "BTF: out of memory");
	}
	memcpy(b->data, data, size);
	b->size = size;
	b->types = b->data + hdr_len + type_off;
	b->types_len = type_len;
	b->strs = b->data + hdr_len + str_off;
	b->strs_len = str_len;
	/* first pass: count and check record sizes */
	size_t cap = 64;
	b->off = malloc(cap * sizeof(*b->off));
	if (!b->off) {
		bpfx_vbtf_free(b);
		return bpfx_fail(d, BPFX_E_NOMEM, "BTF: out of memory");
	}
	uint32_t pos = 0;
	while (pos < type_len) {
		uint32_t next = b->ntypes + 1;
		if (type_len - pos < 12) {
			bpfx_vbtf_free(b);
			return bpfx_fail(d, BPFX_E_INVAL, "BTF: type %u at byte %u is cut short", next, pos);
		}
		uint32_t info = rd32(b->types + pos + 4), kind = (info >> 24) & 0x1f, vlen = info & 0xffff;
		uint64_t extra;
		switch (kind) {
		case K_INT: case K_VAR: case K_DECL_TAG: extra = 4; break;
		case K_ARRAY: extra = 12; break;
		case K_STRUCT: case K_UNION: case K_DATASEC: case K_ENUM64: extra = 12ull * vlen; break;
		case K_ENUM: case K_FUNC_PROTO: extra = 8ull * vlen; break;
		case K_PTR: case K_FWD: case K_TYPEDEF: case K_VOLATILE: case K_CONST: case K_RESTRICT: case K_FUNC:
		case K_FLOAT: case K_TYPE_TAG: extra = 0; break;
		default:
			bpfx_vbtf_free(b);
			return bpfx_fail(d, BPFX_E_INVAL, "BTF: type %u has unknown kind %u", next, kind);
		}
		if (12 + extra > type_len - pos) {
			bpfx_vbtf_free(b);
			return bpfx_fail(d, BPFX_E_INVAL, "BTF: type %u (kind %u) runs past the type section", next, kind);
		}
		if (b->ntypes + 2 > cap) {
			cap *= 2;
			uint32_t *n = realloc(b->off, cap * sizeof(*n));
			if (!n) {
				bpfx_vbtf_free(b);
				return bpfx_fail(d, BPFX_E_NOMEM, "BTF: out of memory");
			}
			b->off = n;
		}
		b->off[++b->ntypes] = pos;
		pos += 12 + (uint32_t)extra;
	}
	/* second pass: type references stay inside the table */
	for (uint32_t id = 1; id <= b->ntypes; id++) {
		uint32_t k = t_kind(b, id), ref = t_sizetype(b, id), bad = 0;
		if ((k == K_PTR || k == K_TYPEDEF || k == K_VOLATILE || k == K_CONST || k == K_RESTRICT ||
		     k == K_TYPE_TAG) && ref > b->ntypes)
			bad = ref;
		if (k == K_ARRAY && (rd32(t_extra(b, id)) > b->ntypes))
			bad = rd32(t_extra(b, id));
		if (k == K_STRUCT || k == K_UNION)
			for (uint32_t i = 0; i < t_vlen(b, id) && !bad; i++)
				if (rd32(t_extra(b, id) + 12 * i + 4) > b->ntypes)
					bad = rd32(t_extra(b, id) + 12 * i + 4);
		if (bad) {
			uint32_t last = b->ntypes;
			bpfx_vbtf_free(b);
			return bpfx_fail(d, BPFX_E_INVAL, "BTF: type %u refers to type %u, past the last (%u)", id, bad, last);
		}
	}
	*out = b;
	return 0;
}

/* Skips typedefs and qualifiers; 0 for void or a cycle. */
static uint32_t resolve(const struct vbtf *b, uint32_t id)
{
	for (int i = 0; i < MAX_DEPTH && id && id <= b->ntypes; i++) {
		uint32_t k = t_kind(b, id);
		if (k != K_TYPEDEF && k != K_VOLATILE && k != K_CONST && k != K_RESTRICT && k != K_TYPE_TAG)
			return id;
		id = t_sizetype(b, id);
	}
	return 0;
}

/* Size in bytes of a resolved type; 0 if it has none (void, functions, or
 * too deep). */
static uint64_t type_size(const struct vbtf *b, uint32_t id, int depth)
{
	id = resolve(b, id);
	if (!id || depth > MAX_DEPTH)
		return 0;
	switch (t_kind(b, id)) {
	case K_INT: case K_STRUCT: case K_UNION: case K_ENUM: case K_ENUM64: case K_FLOAT: return t_sizetype(b, id);
	case K_PTR: return 8;
	case K_ARRAY: {
		uint64_t n = rd32(t_extra(b, id) + 8), es = type_size(b, rd32(t_extra(b, id)), depth + 1);
		return n && es && es <= (1ull << 32) / n ? n * es : 0;
	}
	default: return 0;
	}
}

/* The struct or union a BTF id names (after typedefs and qualifiers), or 0. */
uint32_t bpfx_vbtf_struct(const struct vbtf *b, uint32_t id)
{
	if (!b || !id || id > b->ntypes)
		return 0;
	id = resolve(b, id);
	return id && (t_kind(b, id) == K_STRUCT || t_kind(b, id) == K_UNION) ? id : 0;
}

uint32_t bpfx_vbtf_size(const struct vbtf *b, uint32_t sid)
{
	return (uint32_t)type_size(b, sid, 0);
}

const char *bpfx_vbtf_name(const struct vbtf *b, uint32_t id)
{
	if (!b || !id || id > b->ntypes)
		return "?";
	uint32_t n = rd32(b->types + b->off[id]);
	return n < b->strs_len && b->strs[n] ? (const char *)b->strs + n : "(anon)";
}

/* Is [off, off + size) of type id exactly an 8-byte pointer member reached
 * through structs and arrays only (no union)? Returns the struct it points
 * to, or 0. *ptr_overlap is set when the range overlaps any pointer member
 * (even in part, or inside a union), or when the walk is too deep or uses up
 * *budget (a crafted BTF could make it exponential). */
static uint32_t find_ptr(const struct vbtf *b, uint32_t id, uint64_t off, uint64_t size, bool in_union,
			 bool *ptr_overlap, int depth, uint32_t *budget)
{
	id = resolve(b, id);
	if (!id)
		return 0;
	if (depth > MAX_DEPTH || !*budget) { /* too deep or too much work: assume the worst */
		*ptr_overlap = true;
		return 0;
	}
	(*budget)--;
	uint32_t k = t_kind(b, id);
	if (k == K_PTR) {
		*ptr_overlap = true;
		if (off == 0 && size == 8 && !in_union)
			return bpfx_vbtf_struct(b, t_sizetype(b, id));
		return 0;
	}
	if (k == K_ARRAY) {
		uint32_t et = rd32(t_extra(b, id));
		uint64_t es = type_size(b, et, depth + 1), n = rd32(t_extra(b, id) + 8);
		if (!es)
			return 0;
		uint32_t found = 0;
		for (uint64_t i = off / es; i < n && i * es < off + size; i++) {
			uint64_t lo = i * es;
			uint64_t s_off = off > lo ? off - lo : 0;
			uint64_t s_end = off + size < lo + es ? off + size - lo : es;
			uint32_t f = find_ptr(b, et, s_off, s_end - s_off, in_union, ptr_overlap, depth + 1, budget);
			if (f && s_off == off - lo && s_end - s_off == size)
				found = f;
		}
		return found;
	}
	if (k != K_STRUCT && k != K_UNION)
		return 0;
	bool kflag = rd32(b->types + b->off[id] + 4) >> 31;
	uint32_t found = 0;
	for (uint32_t i = 0; i < t_vlen(b, id); i++) {
		const unsigned char *m = t_extra(b, id) + 12 * i;
		uint32_t mt = rd32(m + 4), bo = rd32(m + 8);
		if (kflag && (bo >> 24)) /* a bitfield: never a pointer */
			continue;
		uint64_t mo = (kflag ? (bo & 0xffffff) : bo);
		if (mo % 8) { /* not on a byte boundary: treat as if it held a pointer */
			*ptr_overlap = true;
			continue;
		}
		mo /= 8;
		uint64_t ms = type_size(b, mt, depth + 1);
		if (!ms || mo + ms <= off || mo >= off + size)
			continue;
		uint64_t s_off = off > mo ? off - mo : 0;
		uint64_t s_end = off + size < mo + ms ? off + size - mo : ms;
		uint32_t f = find_ptr(b, mt, s_off, s_end - s_off, in_union || k == K_UNION, ptr_overlap, depth + 1,
				      budget);
		if (f && off >= mo && off + size <= mo + ms)
			found = f;
	}
	return found;
}

int bpfx_vbtf_set_writable(struct vbtf *b, uint32_t sid)
{
	uint32_t *n = realloc(b->writable, (b->nwritable + 1) * sizeof(*n));
	if (!n)
		return BPFX_E_NOMEM;
	b->writable = n;
	b->writable[b->nwritable++] = sid;
	return 0;
}

static bool writable(const struct vbtf *b, uint32_t sid)
{
	for (size_t i = 0; i < b->nwritable; i++)
		if (b->writable[i] == sid)
			return true;
	return false;
}

/* A load or store of `size` bytes at BTF pointer register p + off. */
int vf_btf_access(struct venv *e, struct vstate *st, unsigned pr, const struct vreg *p, int16_t off, int size,
		  bool write, const struct vreg *val, struct vreg *out)
{
	const struct vbtf *b = e->plat->btf;
	uint32_t sid = p->aux;
	uint32_t ssize = bpfx_vbtf_size(b, sid);
	int64_t lo = p->s.r64.smin + off, hi = p->s.r64.smax + off + size;
	if (lo < 0 || hi > (int64_t)ssize)
		return vf_fail(e, st, BPFX_RULE_MEM_002,
			       "r%u%+d: %d-byte access at [%lld, %lld) is outside struct %s (%u bytes)", pr, off, size,
			       (long long)lo, (long long)hi, bpfx_vbtf_name(b, sid), ssize);
	bool cst = lo + size == hi;
	bool overlap = false;
	uint32_t target = 0;
	uint32_t budget = 4096; /* members visited; past it, the access counts as touching a pointer */
	if (cst)
		target = find_ptr(b, sid, (uint64_t)lo, (uint64_t)size, false, &overlap, 0, &budget);
	else
		overlap = true; /* a variable offset may hit any member */
	if (write) {
		if (!writable(b, sid))
			return vf_fail(e, st, BPFX_RULE_MEM_005, "r%u%+d: struct %s is read-only for programs", pr, off,
				       bpfx_vbtf_name(b, sid));
		if (overlap)
			return vf_fail(e, st, BPFX_RULE_MEM_005,
				       "r%u%+d: the %d-byte store at [%lld, %lld) of struct %s would overwrite a pointer "
				       "member (or may, at a variable offset), which the host relies on",
				       pr, off, size, (long long)lo, (long long)hi, bpfx_vbtf_name(b, sid));
		if (val && is_ptr(val) && e->unpriv)
			return vf_fail(e, st, BPFX_RULE_LEAK_001, "a pointer is stored into host struct %s",
				       bpfx_vbtf_name(b, sid));
		return 0;
	}
	if (target) {
		vf_set_ptr(out, VT_BTF, 0);
		out->aux = target;
		out->flags = VF_NULL;
		out->id = ++e->next_id;
		return 0;
	}
	vf_set_unknown(out);
	return 0;
}

/* The BTF types given to the helper or kfunc whose prototype is `proto` (an
 * entry of the platform's tables), or NULL. */
static const struct bpfx_func_btf *func_btf(const bpfx_platform *pl, const struct bpfx_func_proto *proto)
{
	const struct vplat_func *f = (const void *)((const char *)proto - offsetof(struct vplat_func, proto));
	uintptr_t a = (uintptr_t)f, k0 = (uintptr_t)pl->kfuncs;
	bool kfunc = pl->nkfuncs && a >= k0 && a < k0 + pl->nkfuncs * sizeof(*pl->kfuncs);
	for (size_t i = 0; i < pl->nfbtf; i++)
		if (pl->fbtf[i].kfunc == kfunc && pl->fbtf[i].id == f->id)
			return &pl->fbtf[i].t;
	return NULL;
}

/* Argument i (0-based) of kind BPFX_ARG_PTR_TO_BTF_ID: the start of the
 * struct the platform gave for it. */
int vf_btf_arg(struct venv *e, struct vstate *st, const struct bpfx_func_proto *proto, const char *fname, unsigned i)
{
	unsigned rn = i + 1;
	const struct vreg *r = reg(st, rn);
	const struct vbtf *b = e->plat->btf;
	const struct bpfx_func_btf *fb = func_btf(e->plat, proto);
	uint32_t want = fb && i < 5 ? bpfx_vbtf_struct(b, fb->args[i]) : 0;
	if (!want)
		return vf_fail(e, st, BPFX_RULE_CALL_004,
			       "%s: argument r%u is a BTF pointer, but the platform gave no struct type for it", fname,
			       rn);
	if (r->type == VT_BTF && (r->flags & VF_NULL))
		return vf_fail(e, st, BPFX_RULE_MEM_004, "%s: argument r%u may be NULL; check it first", fname, rn);
	if (r->type != VT_BTF || r->aux != want || !bpfx_scalar_is_const(&r->s) || r->s.t.value != 0)
		return vf_fail(e, st, BPFX_RULE_CALL_002,
			       "%s: argument r%u must point to the start of a struct %s, but it is %s%s%s", fname, rn,
			       bpfx_vbtf_name(b, want), vt_names[r->type], r->type == VT_BTF ? " to struct " : "",
			       r->type == VT_BTF ? bpfx_vbtf_name(b, r->aux) : "");
	return 0;
}

/* r0 after a call returning BPFX_RET_PTR_TO_BTF_ID_OR_NULL: a pointer to
 * the struct the platform gave, or NULL. */
int vf_btf_ret(struct venv *e, struct vstate *st, const struct bpfx_func_proto *proto, const char *fname)
{
	struct vreg *r0 = reg(st, 0);
	const struct bpfx_func_btf *fb = func_btf(e->plat, proto);
	uint32_t sid = fb ? bpfx_vbtf_struct(e->plat->btf, fb->ret) : 0;
	if (!sid)
		return vf_fail(e, st, BPFX_RULE_CALL_004,
			       "%s returns a BTF pointer, but the platform gave no struct type for it", fname);
	vf_set_ptr(r0, VT_BTF, 0);
	r0->aux = sid;
	r0->flags = VF_NULL;
	r0->id = ++e->next_id;
	return 0;
}

/* ---- the platform side ---- */

int bpfx_platform_set_btf(bpfx_platform *p, const void *data, size_t size)
{
	if (!p)
		return BPFX_E_INVAL;
	struct vbtf *b;
	int err = bpfx_vbtf_parse(data, size, &p->diag, &b);
	if (err)
		return err;
	bpfx_vbtf_free(p->btf);
	p->btf = b;
	return 0;
}

int bpfx_platform_set_btf_writable(bpfx_platform *p, uint32_t btf_id)
{
	if (!p)
		return BPFX_E_INVAL;
	uint32_t sid = bpfx_vbtf_struct(p->btf, btf_id);
	if (!sid)
		return bpfx_fail(&p->diag, BPFX_E_INVAL, "BTF type %u is not a struct or union of the platform's BTF%s",
				 btf_id, p->btf ? "" : " (none was set)");
	return bpfx_vbtf_set_writable(p->btf, sid) ? bpfx_fail(&p->diag, BPFX_E_NOMEM, "out of memory") : 0;
}

int bpfx_platform_set_func_btf(bpfx_platform *p, int kfunc, uint32_t id, const struct bpfx_func_btf *t)
{
	struct bpfx_func_btf c;
	if (!p || !t)
		return BPFX_E_INVAL;
	int err = bpfx_opts_copy(&p->diag, &c, sizeof(c), t, "bpfx_func_btf");
	if (err)
		return err;
	const struct vplat_func *f = kfunc ? bpfx_vplat_find(p->kfuncs, p->nkfuncs, id)
					   : bpfx_vplat_find(p->helpers, p->nhelpers, id);
	if (!f)
		return bpfx_fail(&p->diag, BPFX_E_NOENT, "%s %u is not on platform '%s' (add it first)",
				 kfunc ? "kfunc" : "helper", id, p->name);
	if (f->proto.ret == BPFX_RET_PTR_TO_BTF_ID_OR_NULL && !bpfx_vbtf_struct(p->btf, c.ret))
		return bpfx_fail(&p->diag, BPFX_E_INVAL, "%s: its return type %u is not a struct of the platform's BTF",
				 f->name, c.ret);
	for (int i = 0; i < 5; i++)
		if (f->proto.args[i] == BPFX_ARG_PTR_TO_BTF_ID && !bpfx_vbtf_struct(p->btf, c.args[i]))
			return bpfx_fail(&p->diag, BPFX_E_INVAL,
					 "%s: argument %d's type %u is not a struct of the platform's BTF", f->name, i + 1,
					 c.args[i]);
	for (size_t i = 0; i < p->nfbtf; i++)
		if (p->fbtf[i].kfunc == !!kfunc && p->fbtf[i].id == id) {
			p->fbtf[i].t = c;
			return 0;
		}
	struct vplat_fbtf *n = realloc(p->fbtf, (p->nfbtf + 1) * sizeof(*n));
	if (!n)
		return bpfx_fail(&p->diag, BPFX_E_NOMEM, "out of memory");
	p->fbtf = n;
	p->fbtf[p->nfbtf++] = (struct vplat_fbtf){!!kfunc, id, c};
	return 0;
}

int bpfx_platform_btf_find(const bpfx_platform *p, const char *name, uint32_t *id)
{
	if (!p || !name || !id)
		return BPFX_E_INVAL;
	const struct vbtf *b = p->btf;
	for (uint32_t i = 1; b && i <= b->ntypes; i++) {
		uint32_t k = t_kind(b, i), n = rd32(b->types + b->off[i]);
		if ((k == K_STRUCT || k == K_UNION || k == K_TYPEDEF) && n && n < b->strs_len &&
		    !strcmp((const char *)b->strs + n, name) && bpfx_vbtf_struct(b, i)) {
			*id = i;
			return 0;
		}
	}
	return BPFX_E_NOENT;
}
