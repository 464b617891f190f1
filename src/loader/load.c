/* SPDX-License-Identifier: MIT */
/*
 * load.c - from a parsed object to runnable programs: maps created, externs
 * resolved, context accesses rewritten, programs loaded (and optionally
 * verified) in a VM. docs/objects.md describes the model.
 */
#include <bpf/btf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpfx/helpers.h>
#include <bpfx/maps.h>
#include <bpfx/object.h>
#include <bpfx/verifier.h>

#include "common/diag.h"
#include "loader.h"
#include "ctx.h"

struct ldr_loaded {
	bpfx_vm *vm;
	bpfx_map **maps;          /* by object map index */
	bpfx_prog **progs;        /* by object program index */
	unsigned char *verified;
	enum bpfx_ctx_type *ctx;
	uint32_t *kfunc_ids;      /* by extern index; 0 when not a resolved kfunc */
};

static void loaded_free(struct ldr_loaded *l, size_t nmaps, size_t nprogs)
{
	if (!l)
		return;
	if (l->progs)
		for (size_t i = 0; i < nprogs; i++)
			bpfx_prog_destroy(l->progs[i]);
	if (l->maps)
		for (size_t i = 0; i < nmaps; i++)
			bpfx_map_destroy(l->maps[i]);
	free(l->progs);
	free(l->maps);
	free(l->verified);
	free(l->ctx);
	free(l->kfunc_ids);
	free(l);
}

void ldr_unload(struct bpfx_object *obj)
{
	loaded_free(obj->loaded, obj->nmaps, obj->nprogs);
	obj->loaded = NULL;
}

/* ---- maps ---------------------------------------------------------------- */

static int create_map(bpfx_object *obj, struct ldr_loaded *l, size_t i, uint32_t ncpus,
		      const struct bpfx_diag *d, int depth)
{
	if (l->maps[i])
		return 0;
	struct bpfx_object_map_info mi;
	int err = bpfx_object_map(obj, i, &mi);
	if (err)
		return bpfx_fail(d, err, "map %zu: cannot read its definition", i);
	if (depth > 2)
		return bpfx_fail(d, BPFX_E_INVAL, "map '%s': inner maps nested too deeply", mi.name);
	struct bpfx_map_opts mo = {.sz = sizeof(mo), .type = (enum bpfx_map_type)mi.type,
				   .key_size = mi.key_size, .value_size = mi.value_size,
				   .max_entries = mi.max_entries, .flags = mi.flags, .name = mi.name,
				   .ncpus = ncpus, .log = d->log, .log_user = d->user};
	if (mi.origin == BPFX_MAP_DATA) {
		mo.type = BPFX_MAP_TYPE_ARRAY;
		mo.key_size = 4;
		mo.value_size = (uint32_t)mi.data_size;
		mo.max_entries = 1;
		mo.flags = mi.readonly ? BPFX_F_RDONLY_PROG : 0;
		if (mi.data_size != mo.value_size || mi.data_size == 0)
			return bpfx_fail(d, BPFX_E_RANGE, "data map '%s': size %zu is not usable", mi.name,
					 mi.data_size);
	}
	if (!bpfx_map_type_name(mo.type))
		return bpfx_fail(d, BPFX_E_UNSUPPORTED, "map '%s' (section %s): map type %u%s%s%s is not supported by bpfx",
				 mi.name, mi.section, mi.type, mi.type_name[0] ? " (" : "", mi.type_name,
				 mi.type_name[0] ? ")" : "");
	/* Leniencies libbpf has too: NUMA placement means nothing here; ring
	 * buffers ignore key/value types; perf event arrays hold u32 slots
	 * whatever value type BTF names; maps of maps hold u32 ids. */
	mo.flags &= ~0x4u; /* BPF_F_NUMA_NODE */
	if (mo.type == BPFX_MAP_TYPE_RINGBUF)
		mo.key_size = mo.value_size = 0;
	if ((mo.type == BPFX_MAP_TYPE_ARRAY_OF_MAPS || mo.type == BPFX_MAP_TYPE_HASH_OF_MAPS) && !mo.value_size)
		mo.value_size = 4;
	if (mo.type == BPFX_MAP_TYPE_PERF_EVENT_ARRAY) {
		/* libbpf sizes an unsized perf event array to the CPU count */
		mo.key_size = mo.value_size = 4;
		if (!mo.max_entries) {
			long n = ncpus ? (long)ncpus : sysconf(_SC_NPROCESSORS_CONF);
			mo.max_entries = n > 0 ? (uint32_t)n : 1;
		}
	}
	if (mi.inner_map != BPFX_NO_MAP) {
		if (mi.inner_map >= obj->nmaps)
			return bpfx_fail(d, BPFX_E_ELF, "map '%s': inner map index %zu out of range", mi.name,
					 mi.inner_map);
		err = create_map(obj, l, mi.inner_map, ncpus, d, depth + 1);
		if (err)
			return err;
		mo.inner_map = l->maps[mi.inner_map];
	}
	err = bpfx_map_create(&mo, &l->maps[i]);
	if (err)
		return bpfx_fail(d, err, "map '%s' (section %s, type %s): cannot be created (see above)",
				 mi.name, mi.section, bpfx_map_type_name(mo.type));
	if (mi.origin == BPFX_MAP_DATA && mi.data) {
		uint32_t key = 0;
		err = bpfx_map_update(l->maps[i], &key, mi.data, BPFX_ANY);
		if (err)
			return bpfx_fail(d, err, "data map '%s': cannot store its initial contents", mi.name);
	}
	return 0;
}

/* ---- externs ------------------------------------------------------------- */

static int resolve_kfuncs(bpfx_object *obj, struct ldr_loaded *l, const struct bpfx_diag *d)
{
	for (size_t i = 0; i < obj->nexterns; i++) {
		struct bpfx_object_extern_info ei;
		int err = bpfx_object_extern(obj, i, &ei);
		if (err)
			return bpfx_fail(d, err, "extern %zu: cannot read it", i);
		if (!ei.is_func)
			continue;
		struct bpfx_func_info fi;
		if (bpfx_vm_find_func(l->vm, 1, 0, ei.name, &fi) == 0) {
			l->kfunc_ids[i] = fi.id;
			continue;
		}
		if (!ei.weak)
			return bpfx_fail(d, BPFX_E_NO_HELPER,
					 "extern function '%s': no kfunc of that name is registered in the VM "
					 "(bpfx_vm_register_kfunc)", ei.name);
	}
	return 0;
}

struct resolve_ctx {
	bpfx_object *obj;
	struct ldr_loaded *l;
	const char *prog;
	struct bpfx_diag d;
};

static int resolve_lddw(void *user, const struct bpfx_lddw_ref *ref, struct bpfx_lddw_value *out)
{
	struct resolve_ctx *rc = user;
	bpfx_object *obj = rc->obj;
	switch (ref->kind) {
	case BPFX_LDDW_MAP_IDX:
	case BPFX_LDDW_MAP_VALUE_IDX: {
		if (ref->imm < 0 || (size_t)ref->imm >= obj->nmaps)
			return bpfx_fail(&rc->d, BPFX_E_NOENT, "%s: insn %zu: map index %d out of range (%zu maps)",
					 rc->prog, ref->insn, ref->imm, obj->nmaps);
		bpfx_map *m = rc->l->maps[ref->imm];
		int err = bpfx_map_lddw(m, ref->kind, (uint32_t)ref->next_imm, out);
		if (err)
			return bpfx_fail(&rc->d, err, "%s: insn %zu: reference to map %d (offset %d) refused",
					 rc->prog, ref->insn, ref->imm, ref->next_imm);
		return 0;
	}
	case BPFX_LDDW_VAR_ADDR: {
		struct bpfx_object_extern_info ei;
		if (ref->imm < 0 || bpfx_object_extern(obj, (size_t)ref->imm, &ei))
			return bpfx_fail(&rc->d, BPFX_E_NOENT, "%s: insn %zu: extern index %d out of range",
					 rc->prog, ref->insn, ref->imm);
		if (ei.weak) {
			/* an unresolved weak ksym reads as NULL, as with libbpf */
			memset(out, 0, sizeof(*out));
			return 0;
		}
		return bpfx_fail(&rc->d, BPFX_E_UNSUPPORTED,
				 "%s: insn %zu: extern variable '%s' (ksym) cannot be resolved in user space",
				 rc->prog, ref->insn, ei.name);
	}
	default:
		return bpfx_fail(&rc->d, BPFX_E_INVAL,
				 "%s: insn %zu: lddw kind %d is not used by object code (maps go by index)",
				 rc->prog, ref->insn, (int)ref->kind);
	}
}

/* ---- verification -------------------------------------------------------- */

static int make_platform(bpfx_vm *vm, const char *name, const struct bpfx_diag *d, bpfx_platform **out)
{
	bpfx_platform *p;
	int err = bpfx_platform_bundled(name, &p);
	if (err)
		return bpfx_fail(d, err, "cannot create the '%s' verifier platform", name);
	err = strcmp(name, "linux") ? 0 : ctx_add_prog_types(p);
	if (!err) /* buffer programs must not reach the shadow-context helpers */
		err = strcmp(name, "linux") ? ctx_add_buffer_funcs(p, vm) : bpfx_platform_add_vm_funcs(p, vm);
	if (err) {
		bpfx_platform_destroy(p);
		return bpfx_fail(d, err, "cannot describe the object's program types to the verifier");
	}
	*out = p;
	return 0;
}

static int verify_prog(bpfx_object *obj, struct ldr_loaded *l, size_t i, const bpfx_platform *p,
		       const bpfx_platform *generic, const char *type, const struct bpfx_map_desc *descs,
		       uint32_t flags, const struct bpfx_diag *d)
{
	struct bpfx_object_prog_info pi;
	bpfx_object_prog(obj, i, &pi);
	const char *vtype = ctx_verifier_type(l->ctx[i], type);
	if (!vtype && l->ctx[i] == BPFX_CTX_TYPE_GENERIC) {
		/* no program type: r1/r2 = a buffer, as bpfx's "generic" platform says */
		p = generic;
		vtype = "generic";
	}
	if (!vtype || bpfx_platform_find_prog_type(p, vtype)) {
		bpfx_logf(d, BPFX_LOG_WARN, "program '%s': type '%s' is unknown to the verifier; not verified",
			  pi.name, type);
		return (flags & BPFX_OBJ_LOAD_VERIFY)
			       ? bpfx_fail(d, BPFX_E_UNSUPPORTED, "program '%s' cannot be verified", pi.name)
			       : 0;
	}
	struct bpfx_func_sig *sigs = NULL; /* global functions are verified against their BTF */
	size_t nsigs = 0;
	int err = bpfx_object_prog_func_sigs(obj, i, &sigs, &nsigs);
	if (err)
		return err;
	struct bpfx_verify_opts vo = {.sz = sizeof(vo), .prog_type = vtype, .maps = descs,
				      .nmaps = obj->nmaps, .name = pi.name, .funcs = sigs, .nfuncs = nsigs};
	struct bpfx_report *rep = NULL;
	err = bpfx_prog_verify(l->progs[i], p, &vo, &rep);
	bpfx_free(sigs);
	if (err == 0) {
		l->verified[i] = 1;
	} else if (rep) {
		char *txt = NULL;
		bpfx_object_report_source(obj, i, rep); /* btf_ext.c: file:line from line info */
		bpfx_report_text(rep, &txt);
		bpfx_logf(d, (flags & BPFX_OBJ_LOAD_VERIFY) ? BPFX_LOG_ERROR : BPFX_LOG_WARN,
			  "program '%s' (%s): %s", pi.name, vtype, txt ? txt : "rejected");
		bpfx_free(txt);
	} else {
		bpfx_logf(d, BPFX_LOG_WARN, "program '%s': verification failed: %s", pi.name,
			  bpfx_strerror(err));
	}
	bpfx_report_free(rep);
	if (err && (flags & BPFX_OBJ_LOAD_VERIFY))
		return err == BPFX_E_REJECTED ? err : BPFX_E_REJECTED;
	return 0;
}

/* ---- programs ------------------------------------------------------------ */

static int load_prog(bpfx_object *obj, struct ldr_loaded *l, size_t i, const struct bpfx_object_load_opts *o,
		     const struct bpfx_diag *d, const char **type_out)
{
	struct bpfx_object_prog_info pi;
	int err = bpfx_object_prog(obj, i, &pi);
	if (err)
		return bpfx_fail(d, err, "program %zu: cannot read it", i);
	const char *type = o->force_type ? o->force_type
			   : (pi.type[0] ? pi.type : (o->default_type ? o->default_type : ""));
	*type_out = type;
	l->ctx[i] = ctx_type_of(type);
	struct bpfx_insn *code = malloc((pi.insn_count ? pi.insn_count : 1) * sizeof(*code));
	if (!code)
		return bpfx_fail(d, BPFX_E_NOMEM, "program '%s': out of memory", pi.name);
	memcpy(code, pi.insns, pi.insn_count * sizeof(*code));
	for (size_t k = 0; k < pi.insn_count; k++) {
		struct bpfx_insn *in = &code[k];
		if (in->code == (BPFX_CLS_JMP | 0x80) && in->src == BPFX_CALL_KFUNC) {
			if (in->imm < 0 || (size_t)in->imm >= obj->nexterns) {
				free(code);
				return bpfx_fail(d, BPFX_E_ELF, "program '%s': insn %zu: kfunc extern index %d "
						 "out of range", pi.name, k, in->imm);
			}
			in->imm = (int32_t)l->kfunc_ids[in->imm];
		}
	}
	err = ctx_rewrite(code, pi.insn_count, l->ctx[i], pi.name, d);
	if (err) {
		free(code);
		return err;
	}
	struct resolve_ctx rc = {.obj = obj, .l = l, .prog = pi.name, .d = *d};
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .name = pi.name, .resolve = resolve_lddw,
				    .resolve_user = &rc,
				    .flags = (o->flags & BPFX_OBJ_LOAD_TRUSTED) ? BPFX_LOAD_TRUSTED : 0};
	err = bpfx_prog_load(l->vm, code, pi.insn_count, &lo, &l->progs[i]);
	free(code);
	if (err)
		return bpfx_fail(d, err, "program '%s' (section %s) could not be loaded (see above)", pi.name,
				 pi.section);
	return 0;
}

/* Byte offset of the 'values' member in the BTF definition of map `name`
 * (a variable of DATASEC .maps), or -1 if it has none. */
static int64_t values_offset(const bpfx_object *obj, const char *name)
{
	int id = btf__find_by_name_kind(obj->btf, name, BTF_KIND_VAR);
	if (id <= 0)
		return -1;
	const struct btf_type *t = btf__type_by_id(obj->btf, btf__type_by_id(obj->btf, (uint32_t)id)->type);
	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(obj->btf, t->type);
	if (!t || !btf_is_struct(t))
		return -1;
	const struct btf_member *mb = btf_members(t);
	for (unsigned k = 0; k < btf_vlen(t); k++, mb++) {
		const char *f = btf__name_by_offset(obj->btf, mb->name_off);
		if (f && !strcmp(f, "values"))
			return (int64_t)(btf_member_bit_offset(t, k) / 8);
	}
	return -1;
}

/*
 * Declarative prog-array initialisation (libbpf's `.values = { [i] = &prog }`
 * in a BTF-defined prog array): each 8-byte relocation in '.rel.maps' that
 * lands in a map's 'values' array and names a program's function fills slot
 * (offset - values offset) / 8 with that program. Relocations to maps
 * (map-in-map initial values) are not applied (logged once).
 */
static int fill_prog_arrays(bpfx_object *obj, struct ldr_loaded *l, const struct bpfx_diag *d)
{
	size_t sec = obj->btf_maps_sec;
	if (!sec || !obj->secs[sec].rel || !obj->btf)
		return 0;
	struct ldr_rel *rels;
	size_t n;
	int err = ldr_elf_rels(obj, obj->secs[sec].rel, &rels, &n);
	if (err)
		return err;
	bool warned = false;
	for (size_t r = 0; r < n && !err; r++) {
		const struct ldr_sym *sym = &obj->syms[rels[r].sym];
		const char *sname = ldr_sym_name(obj, rels[r].sym);
		/* the map whose definition holds the relocated word */
		size_t m = BPFX_NO_MAP;
		for (size_t i = 0; i < obj->nmaps; i++)
			if (obj->maps[i].sec == sec && obj->maps[i].sec_off <= rels[r].offset &&
			    (m == BPFX_NO_MAP || obj->maps[i].sec_off > obj->maps[m].sec_off))
				m = i;
		if (m == BPFX_NO_MAP) {
			err = bpfx_fail(d, BPFX_E_ELF, "%s: .rel.maps entry %zu (offset 0x%llx) is in no map definition",
					obj->name, r, (unsigned long long)rels[r].offset);
			break;
		}
		const char *mname = obj->maps[m].info.name;
		if (obj->maps[m].info.type != BPFX_MAP_TYPE_PROG_ARRAY) {
			if (!warned)
				bpfx_logf(d, BPFX_LOG_WARN,
					  "%s: map '%s': initial values of maps of maps are not applied (slots stay "
					  "empty)",
					  obj->name, mname);
			warned = true;
			continue;
		}
		int64_t voff = values_offset(obj, mname);
		uint64_t rel_off = rels[r].offset - obj->maps[m].sec_off;
		if (voff < 0 || rel_off < (uint64_t)voff || (rel_off - (uint64_t)voff) % 8) {
			err = bpfx_fail(d, BPFX_E_ELF,
					"%s: map '%s': .rel.maps entry %zu (offset 0x%llx in the definition) is not "
					"a slot of its 'values' array",
					obj->name, mname, r, (unsigned long long)rel_off);
			break;
		}
		uint64_t slot = (rel_off - (uint64_t)voff) / 8;
		size_t prog = SIZE_MAX;
		if (sym->type == STT_FUNC && sym->value % sizeof(struct bpfx_insn) == 0)
			for (size_t i = 0; i < obj->nprogs; i++) {
				const struct ldr_unit *u = &obj->units[obj->progs[i].unit];
				if (u->sec == sym->shndx && u->start == sym->value / sizeof(struct bpfx_insn))
					prog = i;
			}
		if (prog == SIZE_MAX) {
			err = bpfx_fail(d, BPFX_E_ELF,
					"%s: map '%s': slot %llu refers to '%s', which is not a program of the object",
					obj->name, mname, (unsigned long long)slot, sname ? sname : "?");
			break;
		}
		if (slot >= obj->maps[m].info.max_entries) {
			err = bpfx_fail(d, BPFX_E_ELF, "%s: map '%s': slot %llu ('%s') is beyond max_entries %u",
					obj->name, mname, (unsigned long long)slot, sname ? sname : "?",
					obj->maps[m].info.max_entries);
			break;
		}
		err = bpfx_map_set_prog(l->maps[m], (uint32_t)slot, l->progs[prog]);
		if (err)
			bpfx_fail(d, err, "%s: map '%s': cannot fill slot %llu", obj->name, mname,
				  (unsigned long long)slot);
	}
	free(rels);
	return err;
}

int bpfx_object_load(bpfx_object *obj, bpfx_vm *vm, const struct bpfx_object_load_opts *opts)
{
	if (!obj)
		return BPFX_E_INVAL;
	struct bpfx_object_load_opts o;
	int err = bpfx_opts_copy(&obj->diag, &o, sizeof(o), opts, "bpfx_object_load_opts");
	if (err)
		return err;
	struct bpfx_diag d = obj->diag;
	if (o.log) {
		d.log = o.log;
		d.user = o.log_user;
	}
	if (!vm)
		return bpfx_fail(&d, BPFX_E_INVAL, "bpfx_object_load: no VM given");
	if (obj->loaded)
		return bpfx_fail(&d, BPFX_E_EXIST, "object '%s' is already loaded", obj->name ? obj->name : "");
	struct ldr_loaded *l = calloc(1, sizeof(*l));
	if (!l)
		return bpfx_fail(&d, BPFX_E_NOMEM, "out of memory");
	l->vm = vm;
	l->maps = calloc(obj->nmaps + 1, sizeof(*l->maps));
	l->progs = calloc(obj->nprogs + 1, sizeof(*l->progs));
	l->verified = calloc(obj->nprogs + 1, 1);
	l->ctx = calloc(obj->nprogs + 1, sizeof(*l->ctx));
	l->kfunc_ids = calloc(obj->nexterns + 1, sizeof(*l->kfunc_ids));
	struct bpfx_map_desc *descs = calloc(obj->nmaps + 1, sizeof(*descs));
	const char **types = calloc(obj->nprogs + 1, sizeof(*types));
	bpfx_platform *plat = NULL, *gplat = NULL;
	if (!l->maps || !l->progs || !l->verified || !l->ctx || !l->kfunc_ids || !descs || !types) {
		err = bpfx_fail(&d, BPFX_E_NOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < obj->nmaps && !err; i++)
		err = create_map(obj, l, i, o.ncpus, &d, 0);
	if (!err)
		err = resolve_kfuncs(obj, l, &d);
	if (!err)
		err = ldr_core_prepare_vm(obj, vm, &d); /* core.c: poisoned CO-RE relocations */
	for (size_t i = 0; i < obj->nprogs && !err; i++)
		err = load_prog(obj, l, i, &o, &d, &types[i]);
	if (!err)
		err = fill_prog_arrays(obj, l, &d);
	if (err)
		goto fail;
	if (o.flags & (BPFX_OBJ_LOAD_VERIFY | BPFX_OBJ_LOAD_TRY_VERIFY)) {
		for (size_t i = 0; i < obj->nmaps && !err; i++) {
			err = bpfx_map_verifier_desc(l->maps[i], (int32_t)i, &descs[i]);
			uint32_t lock_off; /* funcsig.c: a struct bpf_spin_lock in the value */
			if (!err && bpfx_object_map_spin_lock(obj, i, &lock_off) == 0) {
				descs[i].flags |= BPFX_MAP_SPIN_LOCK;
				descs[i].spin_lock_off = lock_off;
			}
			/* .rodata sections: their bytes, for constant strings (as
			 * Linux freezes them, hosts must not change them after the
			 * load; .kconfig is filled later, so it is not given) */
			struct bpfx_object_map_info mi;
			if (!err && !bpfx_object_map(obj, i, &mi) && mi.origin == BPFX_MAP_DATA && mi.readonly &&
			    mi.section && !strncmp(mi.section, ".rodata", 7) && (!mi.section[7] || mi.section[7] == '.'))
				descs[i].rodata = bpfx_map_values(l->maps[i], NULL);
		}
		if (err) {
			bpfx_fail(&d, err, "cannot describe the maps to the verifier");
			goto fail;
		}
		err = make_platform(vm, "linux", &d, &plat);
		if (!err)
			err = make_platform(vm, "generic", &d, &gplat);
		for (size_t i = 0; i < obj->nprogs && !err; i++)
			err = verify_prog(obj, l, i, plat, gplat, types[i], descs, o.flags, &d);
		if (err)
			goto fail;
	}
	bpfx_platform_destroy(plat);
	bpfx_platform_destroy(gplat);
	free(descs);
	free(types);
	obj->loaded = l;
	return 0;
fail:
	bpfx_platform_destroy(plat);
	bpfx_platform_destroy(gplat);
	free(descs);
	free(types);
	loaded_free(l, obj->nmaps, obj->nprogs);
	return err;
}

bpfx_map *bpfx_object_map_handle(const bpfx_object *obj, size_t index)
{
	if (!obj || !obj->loaded || index >= obj->nmaps)
		return NULL;
	return obj->loaded->maps[index];
}

bpfx_prog *bpfx_object_prog_handle(const bpfx_object *obj, size_t index)
{
	if (!obj || !obj->loaded || index >= obj->nprogs)
		return NULL;
	return obj->loaded->progs[index];
}

int bpfx_object_prog_verified(const bpfx_object *obj, size_t index)
{
	if (!obj || !obj->loaded || index >= obj->nprogs)
		return 0;
	return obj->loaded->verified[index];
}

enum bpfx_ctx_type bpfx_object_prog_ctx_type(const bpfx_object *obj, size_t index)
{
	if (!obj || !obj->loaded || index >= obj->nprogs)
		return BPFX_CTX_TYPE_GENERIC;
	return obj->loaded->ctx[index];
}

int bpfx_object_find_map(const bpfx_object *obj, const char *name, size_t *index)
{
	if (!obj || !name)
		return BPFX_E_INVAL;
	for (size_t i = 0; i < obj->nmaps; i++) {
		struct bpfx_object_map_info mi;
		if (bpfx_object_map(obj, i, &mi) == 0 && mi.name && !strcmp(mi.name, name)) {
			if (index)
				*index = i;
			return 0;
		}
	}
	return BPFX_E_NOENT;
}

int bpfx_object_run(const bpfx_object *obj, size_t prog, struct bpfx_object_run_opts *opts,
		    struct bpfx_run_result *res)
{
	if (!obj || !opts || !res)
		return BPFX_E_INVAL;
	struct bpfx_object_run_opts o;
	int err = bpfx_opts_copy(&obj->diag, &o, sizeof(o), opts, "bpfx_object_run_opts");
	if (err)
		return err;
	if (!obj->loaded || prog >= obj->nprogs)
		return bpfx_fail(&obj->diag, BPFX_E_INVAL, "bpfx_object_run: program %zu is not loaded", prog);
	err = ctx_run(obj->loaded->progs[prog], obj->loaded->ctx[prog], &o, res);
	opts->mark_out = o.mark_out;
	opts->data_off = o.data_off;
	opts->data_len_out = o.data_len_out;
	return err;
}
