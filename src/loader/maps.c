/* SPDX-License-Identifier: MIT */
/*
 * maps.c - map definitions of an object, in the order: legacy "maps"
 * section records (by offset), BTF ".maps" variables (by offset, each
 * followed by its inner-map prototype if any), then one map per global-data
 * section (by section index).
 *
 * Legacy records are arrays of u32 whose size the compiler did not record:
 * like the loaders that produced these objects, the record size is the
 * section size divided by the number of map symbols. The first five fields
 * are type, key size, value size, max entries and flags everywhere. After
 * that, 36-byte records are iproute2's struct bpf_elf_map (id, pinning,
 * inner_id, inner_idx), and records of 24 bytes or more otherwise carry the
 * Linux samples' inner_map_idx in field 5.
 */
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

static int add_map(struct bpfx_object *obj, size_t *cap, struct ldr_map **out)
{
	int err = ldr_grow(&obj->diag, (void **)&obj->maps, cap, obj->nmaps + 1, sizeof(*obj->maps));
	if (err)
		return err;
	struct ldr_map *m = &obj->maps[obj->nmaps++];
	memset(m, 0, sizeof(*m));
	m->info.inner_map = BPFX_NO_MAP;
	m->info.type_name = "";
	*out = m;
	return 0;
}

static void set_type(struct ldr_map *m, uint32_t type)
{
	m->info.type = type;
	m->info.type_name = ldr_map_type_name(type);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static bool is_map_of_maps(uint32_t type)
{
	return type == 12 || type == 13; /* array_of_maps, hash_of_maps */
}

struct sym_at {
	uint64_t value;
	size_t sym;
};

static int cmp_sym_at(const void *a, const void *b)
{
	const struct sym_at *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->sym < y->sym ? -1 : x->sym > y->sym;
}

static int legacy_maps(struct bpfx_object *obj, size_t *cap, size_t sec)
{
	const struct bpfx_diag *d = &obj->diag;
	const struct ldr_sec *s = &obj->secs[sec];
	size_t n = 0;

	for (size_t i = 1; i < obj->nsyms; i++)
		if (obj->syms[i].shndx == sec && obj->syms[i].type != STT_SECTION &&
		    obj->syms[i].name[0])
			n++;
	if (n == 0) {
		if (s->size)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: section '%s' holds %llu bytes but no map symbol", obj->name,
					 s->name, (unsigned long long)s->size);
		return 0;
	}
	if (!s->data || s->size % n)
		return bpfx_fail(d, BPFX_E_ELF,
				 "%s: section '%s' is %llu bytes, not a whole number of records for "
				 "its %zu map symbols",
				 obj->name, s->name, (unsigned long long)s->size, n);
	size_t rec = s->size / n;
	if (rec < 16 || rec % 4)
		return bpfx_fail(d, BPFX_E_ELF,
				 "%s: section '%s': %zu-byte map records (%llu bytes / %zu symbols); "
				 "a definition has at least 16 bytes in 4-byte fields",
				 obj->name, s->name, rec, (unsigned long long)s->size, n);
	struct sym_at *idx = malloc(n * sizeof(*idx));
	if (!idx)
		return bpfx_fail(d, BPFX_E_NOMEM, "out of memory");
	n = 0;
	for (size_t i = 1; i < obj->nsyms; i++)
		if (obj->syms[i].shndx == sec && obj->syms[i].type != STT_SECTION &&
		    obj->syms[i].name[0])
			idx[n++] = (struct sym_at){obj->syms[i].value, i};
	qsort(idx, n, sizeof(*idx), cmp_sym_at);

	int err = 0;
	bool iproute2 = rec == 36;
	for (size_t k = 0; k < n && !err; k++) {
		const struct ldr_sym *sym = &obj->syms[idx[k].sym];
		if (sym->value % rec || sym->value > s->size - rec ||
		    (k && sym->value == idx[k - 1].value)) {
			err = bpfx_fail(d, BPFX_E_ELF,
					"%s: map symbol '%s' at offset %llu of section '%s' is not at "
					"the start of its own %zu-byte record",
					obj->name, sym->name, (unsigned long long)sym->value, s->name, rec);
			break;
		}
		struct ldr_map *m;
		if ((err = add_map(obj, cap, &m)))
			break;
		const uint8_t *p = s->data + sym->value;
		m->info.name = sym->name;
		m->info.section = s->name;
		m->info.origin = iproute2 ? BPFX_MAP_IPROUTE2 : BPFX_MAP_LEGACY;
		set_type(m, rd32(p));
		m->info.key_size = rd32(p + 4);
		m->info.value_size = rd32(p + 8);
		m->info.max_entries = rd32(p + 12);
		m->info.flags = rec >= 20 ? rd32(p + 16) : 0;
		m->sec = sec;
		m->sec_off = sym->value;
		if (iproute2) {
			m->id = rd32(p + 20);
			m->inner_ref = rd32(p + 28);
			m->has_inner_ref = m->inner_ref != 0;
		} else if (rec >= 24 && is_map_of_maps(m->info.type)) {
			m->inner_ref = rd32(p + 20);
			m->has_inner_ref = true;
		}
	}
	free(idx);
	if (err)
		return err;

	return 0;
}

/* Inner maps of legacy definitions: iproute2 names them by id, the Linux
 * samples by index among all legacy maps of the object. */
static int legacy_inner_maps(struct bpfx_object *obj, size_t first)
{
	const struct bpfx_diag *d = &obj->diag;
	size_t n = obj->nmaps - first;
	for (size_t k = first; k < obj->nmaps; k++) {
		struct ldr_map *m = &obj->maps[k];
		if (!m->has_inner_ref)
			continue;
		if (m->info.origin == BPFX_MAP_IPROUTE2) {
			for (size_t j = first; j < obj->nmaps; j++)
				if (j != k && obj->maps[j].id == m->inner_ref)
					m->info.inner_map = j;
			if (m->info.inner_map == BPFX_NO_MAP)
				return bpfx_fail(d, BPFX_E_ELF,
						 "%s: map '%s': inner_id %u names no other legacy map",
						 obj->name, m->info.name, m->inner_ref);
		} else {
			if (m->inner_ref >= n || first + m->inner_ref == k)
				return bpfx_fail(d, BPFX_E_ELF,
						 "%s: map '%s': inner_map_idx %u is not another legacy "
						 "map (there are %zu)",
						 obj->name, m->info.name, m->inner_ref, n);
			m->info.inner_map = first + m->inner_ref;
		}
	}
	return 0;
}

/* ---- BTF-defined maps ---------------------------------------------------- */

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	for (int guard = 0; t && guard < 32; guard++) {
		if (!btf_is_mod(t) && !btf_is_typedef(t))
			break;
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (res_id)
		*res_id = id;
	return t;
}

/* A field written as `int (*name)[N]` encodes N. */
static int int_field(struct bpfx_object *obj, const char *map, const char *field, uint32_t type_id,
		     uint32_t *out)
{
	const struct btf_type *t = skip_mods(obj->btf, type_id, NULL);
	if (!t || !btf_is_ptr(t))
		goto bad;
	t = skip_mods(obj->btf, t->type, NULL);
	if (!t || !btf_is_array(t))
		goto bad;
	*out = btf_array(t)->nelems;
	return 0;
bad:
	return bpfx_fail(&obj->diag, BPFX_E_BTF,
			 "%s: map '%s': field '%s' is not declared with __uint() (a pointer to an "
			 "array)",
			 obj->name, map, field);
}

static int ptr_size_field(struct bpfx_object *obj, const char *map, const char *field,
			  uint32_t type_id, uint32_t *out)
{
	const struct btf_type *t = skip_mods(obj->btf, type_id, NULL);
	if (!t || !btf_is_ptr(t))
		return bpfx_fail(&obj->diag, BPFX_E_BTF,
				 "%s: map '%s': field '%s' is not declared with __type() (a pointer)",
				 obj->name, map, field);
	long long sz = btf__resolve_size(obj->btf, t->type);
	if (sz < 0 || sz > UINT32_MAX)
		return bpfx_fail(&obj->diag, BPFX_E_BTF,
				 "%s: map '%s': the size of the type of field '%s' cannot be resolved",
				 obj->name, map, field);
	*out = (uint32_t)sz;
	return 0;
}

static int set_size(struct bpfx_object *obj, const char *map, const char *what, uint32_t *dst,
		    uint32_t v)
{
	if (*dst && *dst != v)
		return bpfx_fail(&obj->diag, BPFX_E_BTF,
				 "%s: map '%s': %s size given twice, as %u and %u", obj->name, map,
				 what, *dst, v);
	*dst = v;
	return 0;
}

/* Parses the struct that defines a map. *inner_def receives the type id of an
 * inner-map prototype (from `__array(values, struct {...})`), or 0. */
static int parse_map_def(struct bpfx_object *obj, struct ldr_map *m, uint32_t def_id, bool inner,
			 uint32_t *inner_def)
{
	const char *name = m->info.name;
	const struct btf_type *t = skip_mods(obj->btf, def_id, NULL);
	if (!t || !btf_is_struct(t))
		return bpfx_fail(&obj->diag, BPFX_E_BTF,
				 "%s: map '%s': its type in BTF is not a struct", obj->name, name);
	const struct btf_member *mb = btf_members(t);
	int err = 0;
	if (inner_def)
		*inner_def = 0;
	for (unsigned i = 0; i < btf_vlen(t) && !err; i++, mb++) {
		const char *f = btf__name_by_offset(obj->btf, mb->name_off);
		uint32_t v = 0;
		if (!f || !f[0])
			return bpfx_fail(&obj->diag, BPFX_E_BTF,
					 "%s: map '%s': member %u of its definition has no name",
					 obj->name, name, i);
		if (!strcmp(f, "type")) {
			if (!(err = int_field(obj, name, f, mb->type, &v)))
				set_type(m, v);
		} else if (!strcmp(f, "max_entries")) {
			err = int_field(obj, name, f, mb->type, &m->info.max_entries);
		} else if (!strcmp(f, "map_flags")) {
			err = int_field(obj, name, f, mb->type, &m->info.flags);
		} else if (!strcmp(f, "key_size")) {
			if (!(err = int_field(obj, name, f, mb->type, &v)))
				err = set_size(obj, name, "key", &m->info.key_size, v);
		} else if (!strcmp(f, "value_size")) {
			if (!(err = int_field(obj, name, f, mb->type, &v)))
				err = set_size(obj, name, "value", &m->info.value_size, v);
		} else if (!strcmp(f, "key")) {
			if (!(err = ptr_size_field(obj, name, f, mb->type, &v)))
				err = set_size(obj, name, "key", &m->info.key_size, v);
		} else if (!strcmp(f, "value")) {
			if (!(err = ptr_size_field(obj, name, f, mb->type, &v)))
				err = set_size(obj, name, "value", &m->info.value_size, v);
		} else if (!strcmp(f, "numa_node") || !strcmp(f, "pinning") ||
			   !strcmp(f, "map_extra")) {
			err = int_field(obj, name, f, mb->type, &v);
		} else if (!strcmp(f, "values")) {
			/* __array(values, T): T[] of pointers; for map-in-map T is
			 * the inner map's definition, for prog arrays a function. */
			const struct btf_type *a = skip_mods(obj->btf, mb->type, NULL);
			if (inner)
				return bpfx_fail(&obj->diag, BPFX_E_BTF,
						 "%s: map '%s': an inner map cannot have 'values'",
						 obj->name, name);
			if (!a || !btf_is_array(a))
				return bpfx_fail(&obj->diag, BPFX_E_BTF,
						 "%s: map '%s': 'values' is not an array", obj->name, name);
			const struct btf_type *p = skip_mods(obj->btf, btf_array(a)->type, NULL);
			if (!p || !btf_is_ptr(p))
				return bpfx_fail(&obj->diag, BPFX_E_BTF,
						 "%s: map '%s': 'values' is not an array of pointers",
						 obj->name, name);
			uint32_t target;
			const struct btf_type *pt = skip_mods(obj->btf, p->type, &target);
			if (pt && btf_is_struct(pt) && inner_def)
				*inner_def = target;
			/* The slots hold map or program references: 4-byte ids. */
			if ((err = set_size(obj, name, "value", &m->info.value_size, 4)))
				return err;
		} else {
			bpfx_logf(&obj->diag, BPFX_LOG_WARN,
				  "%s: map '%s': unknown definition field '%s' ignored", obj->name, name,
				  f);
		}
	}
	if (err)
		return err;
	if (inner_def && *inner_def && !is_map_of_maps(m->info.type))
		*inner_def = 0; /* prog_array and friends: values are not maps */
	return 0;
}

static int btf_maps(struct bpfx_object *obj, size_t *cap)
{
	const struct bpfx_diag *d = &obj->diag;
	size_t sec = obj->btf_maps_sec;
	if (!obj->btf)
		return bpfx_fail(d, BPFX_E_BTF,
				 "%s: section '.maps' needs BTF to be understood, and the object has %s",
				 obj->name, obj->btf_sec ? "unusable BTF" : "no .BTF section");
	const struct btf_type *ds = NULL;
	uint32_t n = btf__type_cnt(obj->btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(obj->btf, id);
		const char *tn = t && btf_is_datasec(t) ? btf__name_by_offset(obj->btf, t->name_off) : NULL;
		if (tn && !strcmp(tn, ".maps")) {
			ds = t;
			break;
		}
	}
	if (!ds)
		return bpfx_fail(d, BPFX_E_BTF, "%s: BTF has no DATASEC '.maps' for section '.maps'",
				 obj->name);
	const struct btf_var_secinfo *vs = btf_var_secinfos(ds);
	for (unsigned i = 0; i < btf_vlen(ds); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(obj->btf, vs->type);
		if (!var || !btf_is_var(var))
			return bpfx_fail(d, BPFX_E_BTF, "%s: DATASEC '.maps' entry %u is not a variable",
					 obj->name, i);
		const char *vname = btf__name_by_offset(obj->btf, var->name_off);
		if (!vname || !vname[0])
			return bpfx_fail(d, BPFX_E_BTF, "%s: DATASEC '.maps' entry %u has no name",
					 obj->name, i);
		/* Where it lives: the ELF symbol of the same name in .maps. */
		size_t sym = 0;
		for (size_t k = 1; k < obj->nsyms; k++)
			if (obj->syms[k].shndx == sec && !strcmp(obj->syms[k].name, vname)) {
				sym = k;
				break;
			}
		if (!sym)
			return bpfx_fail(d, BPFX_E_ELF,
					 "%s: BTF map '%s' has no symbol in section '.maps'", obj->name,
					 vname);
		struct ldr_map *m;
		int err = add_map(obj, cap, &m);
		if (err)
			return err;
		size_t outer = obj->nmaps - 1;
		m->info.name = obj->syms[sym].name;
		m->info.section = obj->secs[sec].name;
		m->info.origin = BPFX_MAP_BTF;
		m->sec = sec;
		m->sec_off = obj->syms[sym].value;
		uint32_t inner_def;
		if ((err = parse_map_def(obj, m, var->type, false, &inner_def)))
			return err;
		if (!inner_def)
			continue;
		if ((err = add_map(obj, cap, &m)))
			return err;
		size_t len = strlen(vname) + sizeof(".inner");
		m->owned_name = malloc(len);
		if (!m->owned_name)
			return bpfx_fail(d, BPFX_E_NOMEM, "out of memory");
		snprintf(m->owned_name, len, "%s.inner", vname);
		m->info.name = m->owned_name;
		m->info.section = obj->secs[sec].name;
		m->info.origin = BPFX_MAP_BTF;
		m->sec = sec;
		m->sec_off = UINT64_MAX; /* not addressable by relocations */
		if ((err = parse_map_def(obj, m, inner_def, true, NULL)))
			return err;
		obj->maps[outer].info.inner_map = obj->nmaps - 1;
	}
	return 0;
}

static int data_maps(struct bpfx_object *obj, size_t *cap)
{
	for (size_t i = 1; i < obj->nsecs; i++) {
		struct ldr_sec *s = &obj->secs[i];
		if (s->kind != LDR_SEC_DATA && s->kind != LDR_SEC_RODATA && s->kind != LDR_SEC_BSS)
			continue;
		if (s->size == 0)
			continue;
		if (s->size > INT32_MAX) /* offsets must fit lddw's 32-bit immediate */
			return bpfx_fail(&obj->diag, BPFX_E_ELF,
					 "%s: data section '%s' is %llu bytes, more than a map value can "
					 "hold",
					 obj->name, s->name, (unsigned long long)s->size);
		struct ldr_map *m;
		int err = add_map(obj, cap, &m);
		if (err)
			return err;
		m->info.name = s->name;
		m->info.section = s->name;
		m->info.origin = BPFX_MAP_DATA;
		set_type(m, 2); /* array */
		m->info.key_size = 4;
		m->info.value_size = (uint32_t)s->size;
		m->info.max_entries = 1;
		m->info.readonly = s->kind == LDR_SEC_RODATA;
		m->info.data = s->kind == LDR_SEC_BSS ? NULL : s->data;
		m->info.data_size = s->size;
		m->sec = i;
		m->sec_off = 0;
		s->map = obj->nmaps - 1;
	}
	return 0;
}

static int cmp_kcfg(const void *a, const void *b)
{
	const struct ldr_kcfg *x = a, *y = b;
	if (x->align != y->align)
		return x->align > y->align ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Kconfig externs: BTF DATASEC ".kconfig" lists them; they get a read-only
 * data map the host fills before running. */
static int kconfig_map(struct bpfx_object *obj, size_t *cap)
{
	const struct bpfx_diag *d = &obj->diag;
	obj->kcfg_map = BPFX_NO_MAP;
	if (!obj->btf)
		return 0;
	const struct btf_type *ds = NULL;
	for (uint32_t id = 1; id < btf__type_cnt(obj->btf); id++) {
		const struct btf_type *t = btf__type_by_id(obj->btf, id);
		const char *tn = t && btf_is_datasec(t) ? btf__name_by_offset(obj->btf, t->name_off) : NULL;
		if (tn && !strcmp(tn, ".kconfig")) {
			ds = t;
			break;
		}
	}
	if (!ds || !btf_vlen(ds))
		return 0;
	obj->kcfg = calloc(btf_vlen(ds), sizeof(*obj->kcfg));
	if (!obj->kcfg)
		return bpfx_fail(d, BPFX_E_NOMEM, "out of memory");
	const struct btf_var_secinfo *vs = btf_var_secinfos(ds);
	for (unsigned i = 0; i < btf_vlen(ds); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(obj->btf, vs->type);
		const char *name = var && btf_is_var(var) ? btf__name_by_offset(obj->btf, var->name_off)
							  : NULL;
		long long sz = name ? btf__resolve_size(obj->btf, var->type) : -1;
		int al = name ? btf__align_of(obj->btf, var->type) : -1;
		if (!name || !name[0] || sz <= 0 || sz > 4096 || al <= 0 || al > 8)
			return bpfx_fail(d, BPFX_E_BTF,
					 "%s: DATASEC '.kconfig' entry %u is not a variable of a known "
					 "size (1..4096 bytes) and alignment",
					 obj->name, i);
		obj->kcfg[obj->nkcfg++] = (struct ldr_kcfg){.name = name, .size = (uint32_t)sz,
							   .align = (uint32_t)al};
	}
	qsort(obj->kcfg, obj->nkcfg, sizeof(*obj->kcfg), cmp_kcfg);
	uint32_t off = 0;
	for (size_t i = 0; i < obj->nkcfg; i++) {
		off = (off + obj->kcfg[i].align - 1) / obj->kcfg[i].align * obj->kcfg[i].align;
		obj->kcfg[i].offset = off;
		off += obj->kcfg[i].size;
	}
	struct ldr_map *m;
	int err = add_map(obj, cap, &m);
	if (err)
		return err;
	m->info.name = ".kconfig";
	m->info.section = ".kconfig";
	m->info.origin = BPFX_MAP_DATA;
	set_type(m, 2);
	m->info.key_size = 4;
	m->info.value_size = (off + 7) / 8 * 8;
	m->info.max_entries = 1;
	m->info.readonly = 1;
	m->info.data_size = m->info.value_size;
	m->sec = 0;
	m->sec_off = UINT64_MAX;
	obj->kcfg_map = obj->nmaps - 1;
	return 0;
}

int ldr_maps_collect(struct bpfx_object *obj)
{
	size_t cap = 0;
	int err = 0;
	for (size_t sec = 1; sec < obj->nsecs; sec++)
		if (obj->secs[sec].kind == LDR_SEC_MAPS && (err = legacy_maps(obj, &cap, sec)))
			return err;
	if ((err = legacy_inner_maps(obj, 0)))
		return err;
	if (obj->btf_maps_sec && (err = btf_maps(obj, &cap)))
		return err;
	if ((err = data_maps(obj, &cap)))
		return err;
	return kconfig_map(obj, &cap);
}

size_t ldr_map_at(const struct bpfx_object *obj, size_t sec, uint64_t off)
{
	for (size_t i = 0; i < obj->nmaps; i++)
		if (obj->maps[i].sec == sec && obj->maps[i].sec_off == off &&
		    off != UINT64_MAX && obj->maps[i].info.origin != BPFX_MAP_DATA)
			return i;
	return BPFX_NO_MAP;
}

void ldr_maps_free(struct bpfx_object *obj)
{
	for (size_t i = 0; i < obj->nmaps; i++)
		free(obj->maps[i].owned_name);
	free(obj->maps);
	free(obj->kcfg);
	obj->kcfg = NULL;
	obj->maps = NULL;
	obj->nmaps = 0;
}
