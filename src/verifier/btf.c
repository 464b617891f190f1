/* SPDX-License-Identifier: MIT */
/*
 * btf.c - the platform's BTF (bpfx_platform_set_btf), read with libbpf's
 * struct btf, and the checks on BTF-typed pointers (VT_BTF: a pointer to a
 * host struct).
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
 *
 * libbpf (btf__new) checks the header, the string section and the size of
 * every type record; on top of it, bpfx_vbtf_parse checks the version and
 * that the references the walk follows name existing types. libbpf prints
 * its own warnings for some malformed blobs through its print callback
 * (stderr by default; a host silences it with libbpf_set_print): that is
 * process-wide state, which the library leaves alone, as the loader does.
 * Builds without libbpf (BPFX_LOADER=OFF) have no platform BTF:
 * bpfx_platform_set_btf is BPFX_E_UNSUPPORTED there.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "verifier_internal.h"

#define MAX_DEPTH 32

#ifdef BPFX_VERIFIER_LIBBPF
#include <bpf/btf.h>

struct vbtf {
	struct btf *btf;     /* libbpf's copy */
	uint32_t ntypes;     /* ids 1 .. ntypes */
	uint32_t *writable;  /* struct ids programs may write */
	size_t nwritable;
};

/* Type `id`, or NULL for void and ids past the last. */
static const struct btf_type *type_of(const struct vbtf *b, uint32_t id)
{
	return id && id <= b->ntypes ? btf__type_by_id(b->btf, id) : NULL;
}

void bpfx_vbtf_free(struct vbtf *b)
{
	if (!b)
		return;
	btf__free(b->btf);
	free(b->writable);
	free(b);
}

/* The first type reference of type `id` that the walk may follow and that
 * names no type (past the last), or 0. */
static uint32_t bad_ref(const struct vbtf *b, uint32_t id)
{
	const struct btf_type *t = type_of(b, id);
	uint32_t ref = 0;
	if (btf_is_ptr(t) || btf_is_typedef(t) || btf_is_mod(t))
		ref = t->type;
	else if (btf_is_array(t))
		ref = btf_array(t)->type;
	else if (btf_is_composite(t))
		for (uint16_t i = 0; i < btf_vlen(t) && ref <= b->ntypes; i++)
			ref = btf_members(t)[i].type;
	return ref > b->ntypes ? ref : 0;
}

/* libbpf says only "invalid": name the part at fault by parsing the header
 * and strings alone (the same blob with an empty type section). */
static int rejected(const unsigned char *data, size_t size, int err, struct bpfx_diag *d)
{
	if (err == ENOMEM)
		return bpfx_fail(d, BPFX_E_NOMEM, "BTF: out of memory");
	struct btf_header h;
	memcpy(&h, data, sizeof(h));
	const char *part = "the header or the string section (sections outside the blob, a type section not "
			   "4-byte aligned or after the strings, strings not starting and ending with a NUL)";
	if (h.magic != BTF_MAGIC && h.magic != __builtin_bswap16(BTF_MAGIC)) {
		part = "the magic number (0xeb9f is BTF)";
	} else {
		unsigned char *probe = malloc(size);
		if (!probe)
			return bpfx_fail(d, BPFX_E_NOMEM, "BTF: out of memory");
		memcpy(probe, data, size);
		memset(probe + offsetof(struct btf_header, type_len), 0, sizeof(h.type_len));
		struct btf *ok = btf__new(probe, (uint32_t)size);
		if (ok)
			part = "the type section (a record of unknown kind, a record cut short, or types "
			       "running into the strings)";
		btf__free(ok);
		free(probe);
	}
	return bpfx_fail(d, BPFX_E_INVAL,
			 "BTF rejected by libbpf: %s; the fault is in %s (header: magic 0x%04x, %u bytes; types at "
			 "%u + %u, strings at %u + %u; %zu bytes in all)",
			 strerror(err), part, h.magic, h.hdr_len, h.type_off, h.type_len, h.str_off, h.str_len, size);
}

int bpfx_vbtf_parse(const void *data, size_t size, struct bpfx_diag *d, struct vbtf **out)
{
	*out = NULL;
	if (!data || size < sizeof(struct btf_header))
		return bpfx_fail(d, BPFX_E_INVAL, "BTF: %zu bytes, too short for a header", size);
	if (size > UINT32_MAX)
		return bpfx_fail(d, BPFX_E_INVAL, "BTF: %zu bytes, more than a BTF blob can hold", size);
	struct btf_header h;
	memcpy(&h, data, sizeof(h));
	if (h.version != BTF_VERSION) /* libbpf does not look at it */
		return bpfx_fail(d, BPFX_E_INVAL, "BTF: version %u (only version %u is known)", h.version,
				 BTF_VERSION);
	struct vbtf *b = calloc(1, sizeof(*b));
	if (!b)
		return bpfx_fail(d, BPFX_E_NOMEM, "BTF: out of memory");
	b->btf = btf__new(data, (uint32_t)size);
	if (!b->btf) {
		int err = errno;
		free(b);
		return rejected(data, size, err, d);
	}
	/* Pointers are 8 bytes (BPF's and the host's); setting it now also
	 * keeps libbpf from caching its guess inside the shared struct btf
	 * while programs are verified. */
	btf__set_pointer_size(b->btf, 8);
	b->ntypes = btf__type_cnt(b->btf) - 1;
	for (uint32_t id = 1; id <= b->ntypes; id++) {
		uint32_t bad = bad_ref(b, id);
		if (bad) {
			uint32_t last = b->ntypes;
			bpfx_vbtf_free(b);
			return bpfx_fail(d, BPFX_E_INVAL, "BTF: type %u refers to type %u, past the last (%u)", id, bad,
					 last);
		}
	}
	*out = b;
	return 0;
}

/* Skips typedefs and qualifiers; 0 for void or a cycle. */
static uint32_t resolve(const struct vbtf *b, uint32_t id)
{
	for (int i = 0; i < MAX_DEPTH; i++) {
		const struct btf_type *t = type_of(b, id);
		if (!t)
			return 0;
		if (!btf_is_typedef(t) && !btf_is_mod(t))
			return id;
		id = t->type;
	}
	return 0;
}

/* Size in bytes of a type; negative if it has none (void, functions, a
 * cycle, too deep or too large). */
static int64_t type_size(const struct vbtf *b, uint32_t id)
{
	return id && id <= b->ntypes ? btf__resolve_size(b->btf, id) : -1;
}

/* The struct or union a BTF id names (after typedefs and qualifiers), or 0. */
uint32_t bpfx_vbtf_struct(const struct vbtf *b, uint32_t id)
{
	if (!b || !id || id > b->ntypes)
		return 0;
	id = resolve(b, id);
	return id && btf_is_composite(type_of(b, id)) ? id : 0;
}

uint32_t bpfx_vbtf_size(const struct vbtf *b, uint32_t sid)
{
	int64_t s = b ? type_size(b, sid) : -1;
	return s > 0 ? (uint32_t)s : 0;
}

const char *bpfx_vbtf_name(const struct vbtf *b, uint32_t id)
{
	const struct btf_type *t = b ? type_of(b, id) : NULL;
	if (!t)
		return "?";
	const char *n = btf__name_by_offset(b->btf, t->name_off);
	return n && *n ? n : "(anon)";
}

/* Is [off, off + size) of type id exactly an 8-byte pointer member reached
 * through structs and arrays only (no union)? Returns the struct it points
 * to, or 0. *ptr_overlap is set when the range overlaps any pointer member
 * (even in part, or inside a union), a member of no known size, or when the
 * walk is too deep or uses up *budget (a crafted BTF could make it
 * exponential). */
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
	const struct btf_type *t = type_of(b, id);
	if (btf_is_ptr(t)) {
		*ptr_overlap = true;
		if (off == 0 && size == 8 && !in_union)
			return bpfx_vbtf_struct(b, t->type);
		return 0;
	}
	if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		int64_t es = type_size(b, a->type);
		uint64_t n = a->nelems;
		if (es < 0) /* elements of no known size: they may hold pointers */
			*ptr_overlap = true;
		if (es <= 0)
			return 0;
		uint32_t found = 0;
		for (uint64_t i = off / (uint64_t)es; i < n && i * (uint64_t)es < off + size; i++) {
			uint64_t lo = i * (uint64_t)es;
			uint64_t s_off = off > lo ? off - lo : 0;
			uint64_t s_end = off + size < lo + (uint64_t)es ? off + size - lo : (uint64_t)es;
			uint32_t f = find_ptr(b, a->type, s_off, s_end - s_off, in_union, ptr_overlap, depth + 1, budget);
			if (f && s_off == off - lo && s_end - s_off == size)
				found = f;
		}
		return found;
	}
	if (!btf_is_composite(t))
		return 0;
	const struct btf_member *m = btf_members(t);
	uint32_t found = 0;
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		if (btf_member_bitfield_size(t, i)) /* a bitfield: never a pointer */
			continue;
		uint64_t mo = btf_member_bit_offset(t, i);
		if (mo % 8) { /* not on a byte boundary: treat as if it held a pointer */
			*ptr_overlap = true;
			continue;
		}
		mo /= 8;
		int64_t msz = type_size(b, m[i].type);
		if (msz < 0 && mo < off + size) /* no known size: it may reach the range and hold a pointer */
			*ptr_overlap = true;
		uint64_t ms = msz > 0 ? (uint64_t)msz : 0;
		if (!ms || mo + ms <= off || mo >= off + size)
			continue;
		uint64_t s_off = off > mo ? off - mo : 0;
		uint64_t s_end = off + size < mo + ms ? off + size - mo : ms;
		uint32_t f = find_ptr(b, m[i].type, s_off, s_end - s_off, in_union || btf_is_union(t), ptr_overlap,
				      depth + 1, budget);
		if (f && off >= mo && off + size <= mo + ms)
			found = f;
	}
	return found;
}

/* The id of the struct, union or typedef of one called `name`, or 0. */
static uint32_t find_named(const struct vbtf *b, const char *name)
{
	for (uint32_t i = 1; i <= b->ntypes; i++) {
		const struct btf_type *t = type_of(b, i);
		if (!btf_is_composite(t) && !btf_is_typedef(t))
			continue;
		const char *n = btf__name_by_offset(b->btf, t->name_off);
		if (n && *n && !strcmp(n, name) && bpfx_vbtf_struct(b, i))
			return i;
	}
	return 0;
}

#else /* no libbpf: no platform BTF */

struct vbtf {
	uint32_t *writable;
	size_t nwritable;
};

void bpfx_vbtf_free(struct vbtf *b)
{
	if (b)
		free(b->writable);
	free(b);
}

int bpfx_vbtf_parse(const void *data, size_t size, struct bpfx_diag *d, struct vbtf **out)
{
	(void)data;
	*out = NULL;
	return bpfx_fail(d, BPFX_E_UNSUPPORTED, "BTF (%zu bytes): this build of bpfx has no libbpf to read it",
			 size);
}

uint32_t bpfx_vbtf_struct(const struct vbtf *b, uint32_t id)
{
	(void)b, (void)id;
	return 0;
}

uint32_t bpfx_vbtf_size(const struct vbtf *b, uint32_t sid)
{
	(void)b, (void)sid;
	return 0;
}

const char *bpfx_vbtf_name(const struct vbtf *b, uint32_t id)
{
	(void)b, (void)id;
	return "?";
}

static uint32_t find_ptr(const struct vbtf *b, uint32_t id, uint64_t off, uint64_t size, bool in_union,
			 bool *ptr_overlap, int depth, uint32_t *budget)
{
	(void)b, (void)id, (void)off, (void)size, (void)in_union, (void)depth, (void)budget;
	*ptr_overlap = true;
	return 0;
}

static uint32_t find_named(const struct vbtf *b, const char *name)
{
	(void)b, (void)name;
	return 0;
}

#endif /* BPFX_VERIFIER_LIBBPF */

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
	uint32_t i = p->btf ? find_named(p->btf, name) : 0;
	if (!i)
		return BPFX_E_NOENT;
	*id = i;
	return 0;
}
