/* SPDX-License-Identifier: MIT */
/*
 * funcsig.c - the verifier's view of a linked program's functions, from the
 * object's BTF: for each func_info record, the function's linkage and what
 * its arguments are (a number, the context, NULL or a pointer to a sized
 * object, or something the verifier cannot assume anything about).
 */
#include <bpf/btf.h>
#include <stdlib.h>
#include <string.h>

#include <bpfx/verifier.h>

#include "btf_ext.h"

/* Context structs of the program types bpfx describes (uapi names): a
 * global function's pointer argument to one of these is the context. */
static const char *const ctx_structs[] = {
	"__sk_buff", "xdp_md", "bpf_sock_ops", "sk_msg_md", "bpf_sock", "bpf_sock_addr",
	"bpf_perf_event_data", "pt_regs", "user_pt_regs", "bpf_raw_tracepoint_args", "bpf_flow_keys",
	"bpf_sk_lookup", "bpf_sysctl", "bpf_sockopt", "sk_reuseport_md",
};

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);
	for (int depth = 0; t && depth < 32 && (btf_is_mod(t) || btf_is_typedef(t)); depth++) {
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return t;
}

static enum bpfx_farg_kind arg_kind(const struct btf *btf, uint32_t id, uint32_t *size)
{
	const struct btf_type *t = skip_mods(btf, &id);
	*size = 0;
	if (!t)
		return BPFX_FARG_UNSUPPORTED;
	if (btf_is_int(t) || btf_is_enum(t) || btf_is_enum64(t))
		return BPFX_FARG_SCALAR;
	if (!btf_is_ptr(t))
		return BPFX_FARG_UNSUPPORTED; /* structs by value, floats, ... */
	uint32_t tid = t->type;
	const struct btf_type *to = skip_mods(btf, &tid);
	if (!to || tid == 0)
		return BPFX_FARG_UNSUPPORTED; /* void *: no size */
	if (btf_is_struct(to)) {
		const char *name = btf__name_by_offset(btf, to->name_off);
		for (size_t i = 0; name && i < sizeof(ctx_structs) / sizeof(ctx_structs[0]); i++)
			if (!strcmp(name, ctx_structs[i]))
				return BPFX_FARG_CTX;
	}
	if (btf_is_func_proto(to) || btf_is_fwd(to))
		return BPFX_FARG_UNSUPPORTED;
	long sz = btf__resolve_size(btf, tid);
	if (sz <= 0 || sz > (1l << 29))
		return BPFX_FARG_UNSUPPORTED;
	*size = (uint32_t)sz;
	return BPFX_FARG_MEM_OR_NULL;
}

int bpfx_object_prog_func_sigs(const bpfx_object *obj, size_t prog, struct bpfx_func_sig **sigs, size_t *n)
{
	if (!obj || !sigs || !n)
		return BPFX_E_INVAL;
	*sigs = NULL;
	*n = 0;
	if (prog >= obj->nprogs)
		return bpfx_fail(&obj->diag, BPFX_E_RANGE, "%s: program index %zu, the object has %zu", obj->name, prog,
				 obj->nprogs);
	const struct ldr_prog *p = &obj->progs[prog];
	if (!obj->btf || !p->nfuncs)
		return 0;
	struct bpfx_func_sig *s = calloc(p->nfuncs, sizeof(*s));
	if (!s)
		return bpfx_fail(&obj->diag, BPFX_E_NOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < p->nfuncs; i++) {
		const struct btf_type *f = btf__type_by_id(obj->btf, p->funcs[i].type_id);
		if (!f || !btf_is_func(f) || p->funcs[i].insn > UINT32_MAX)
			continue; /* checked when .BTF.ext was read */
		const struct btf_type *proto = btf__type_by_id(obj->btf, f->type);
		struct bpfx_func_sig *g = &s[k++];
		g->insn = (uint32_t)p->funcs[i].insn;
		g->name = btf__name_by_offset(obj->btf, f->name_off);
		g->flags = btf_vlen(f) == BTF_FUNC_GLOBAL ? BPFX_FUNC_GLOBAL : 0; /* a FUNC's vlen is its linkage */
		if (!proto || !btf_is_func_proto(proto)) {
			g->args[0] = BPFX_FARG_UNSUPPORTED;
			continue;
		}
		uint32_t rid = proto->type;
		skip_mods(obj->btf, &rid);
		g->returns_void = rid == 0;
		const struct btf_param *prm = btf_params(proto);
		uint16_t np = btf_vlen(proto);
		if (np > 5) {
			g->args[0] = BPFX_FARG_UNSUPPORTED; /* more than the five argument registers */
			continue;
		}
		for (uint16_t a = 0; a < np; a++)
			g->args[a] = arg_kind(obj->btf, prm[a].type, &g->arg_size[a]);
	}
	*sigs = s;
	*n = k;
	return 0;
}

/* ---- spin locks in map values ---- */

/* The struct a BTF-defined map's `value` member points to, or NULL. */
static const struct btf_type *map_value_type(const struct btf *btf, const char *map)
{
	uint32_t n = btf__type_cnt(btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *ds = btf__type_by_id(btf, id);
		const char *dn = ds && btf_is_datasec(ds) ? btf__name_by_offset(btf, ds->name_off) : NULL;
		if (!dn || strcmp(dn, ".maps"))
			continue;
		const struct btf_var_secinfo *vs = btf_var_secinfos(ds);
		for (unsigned i = 0; i < btf_vlen(ds); i++, vs++) {
			const struct btf_type *var = btf__type_by_id(btf, vs->type);
			const char *vn = var && btf_is_var(var) ? btf__name_by_offset(btf, var->name_off) : NULL;
			if (!vn || strcmp(vn, map))
				continue;
			uint32_t did = var->type;
			const struct btf_type *def = skip_mods(btf, &did);
			if (!def || !btf_is_struct(def))
				return NULL;
			const struct btf_member *mb = btf_members(def);
			for (unsigned k = 0; k < btf_vlen(def); k++, mb++) {
				const char *mn = btf__name_by_offset(btf, mb->name_off);
				uint32_t pid = mb->type;
				const struct btf_type *pt = mn && !strcmp(mn, "value") ? skip_mods(btf, &pid) : NULL;
				if (!pt || !btf_is_ptr(pt))
					continue;
				uint32_t vid = pt->type;
				const struct btf_type *vt = skip_mods(btf, &vid);
				return vt && btf_is_struct(vt) ? vt : NULL;
			}
			return NULL;
		}
	}
	return NULL;
}

int bpfx_object_map_desc(const bpfx_object *obj, size_t map, struct bpfx_map_desc *out)
{
	if (!obj || !out)
		return BPFX_E_INVAL;
	struct bpfx_object_map_info mi;
	int err = bpfx_object_map(obj, map, &mi);
	if (err)
		return err;
	*out = (struct bpfx_map_desc){
		.fd = -1, .name = mi.name, .type = mi.type, .key_size = mi.key_size,
		.value_size = mi.value_size, .max_entries = mi.max_entries,
	};
	switch (mi.type) {
	case 1: case 5: case 9: case 10: case 11: /* hash, per-CPU hash, LRU hashes, LPM trie */
		out->kind = BPFX_MAP_KIND_HASH;
		break;
	case 2: case 6: /* array, per-CPU array */
		out->kind = BPFX_MAP_KIND_ARRAY;
		break;
	default: /* global data sections are one-value arrays */
		out->kind = mi.origin == BPFX_MAP_DATA ? BPFX_MAP_KIND_ARRAY : BPFX_MAP_KIND_OTHER;
	}
	if (mi.origin == BPFX_MAP_DATA && mi.readonly)
		out->flags |= BPFX_MAP_RDONLY_PROG;
	if (bpfx_object_map_spin_lock(obj, map, &out->spin_lock_off) == 0)
		out->flags |= BPFX_MAP_SPIN_LOCK;
	else
		out->spin_lock_off = 0;
	/* .rodata: the verifier reads constant strings from it */
	if (mi.origin == BPFX_MAP_DATA && mi.readonly && mi.data && mi.data_size == mi.value_size && mi.section &&
	    !strncmp(mi.section, ".rodata", 7) && (!mi.section[7] || mi.section[7] == '.'))
		out->rodata = mi.data;
	if ((mi.type == 12 || mi.type == 13) && mi.inner_map != BPFX_NO_MAP &&
	    mi.inner_map < bpfx_object_map_count(obj)) {
		out->kind = BPFX_MAP_KIND_OF_MAPS; /* array / hash of maps */
		out->inner_map = (uint32_t)mi.inner_map;
	}
	return 0;
}

int bpfx_object_map_spin_lock(const bpfx_object *obj, size_t map, uint32_t *off)
{
	if (!obj || !off)
		return BPFX_E_INVAL;
	struct bpfx_object_map_info mi;
	int err = bpfx_object_map(obj, map, &mi);
	if (err)
		return err;
	if (!obj->btf || mi.origin != BPFX_MAP_BTF || !mi.name)
		return BPFX_E_NOENT;
	const struct btf_type *vt = map_value_type(obj->btf, mi.name);
	if (!vt)
		return BPFX_E_NOENT;
	/* a top-level member of type struct bpf_spin_lock, as Linux looks for it */
	const struct btf_member *mb = btf_members(vt);
	for (unsigned k = 0; k < btf_vlen(vt); k++, mb++) {
		uint32_t tid = mb->type;
		const struct btf_type *t = skip_mods(obj->btf, &tid);
		const char *tn = t && btf_is_struct(t) ? btf__name_by_offset(obj->btf, t->name_off) : NULL;
		if (!tn || strcmp(tn, "bpf_spin_lock"))
			continue;
		uint32_t bits = btf_member_bit_offset(vt, k);
		if (bits % 32 || btf_member_bitfield_size(vt, k))
			return bpfx_fail(&obj->diag, BPFX_E_BTF, "%s: map '%s': its bpf_spin_lock is not 4-byte aligned",
					 obj->name, mi.name);
		*off = bits / 8;
		return 0;
	}
	return BPFX_E_NOENT;
}
