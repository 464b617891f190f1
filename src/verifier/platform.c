/* SPDX-License-Identifier: MIT */
/* platform.c - describing the host to the verifier: program types, helpers,
 * kfuncs; and the bundled "generic" platform. */
#include <string.h>

#include "../vm/vm_internal.h"
#include "verifier_internal.h"

static char *dupstr(const char *s)
{
	if (!s)
		s = "";
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

int bpfx_platform_create(const struct bpfx_platform_opts *opts, bpfx_platform **out)
{
	struct bpfx_platform_opts o;
	struct bpfx_diag d = {0};
	if (opts && opts->sz >= offsetof(struct bpfx_platform_opts, log_user) + sizeof(void *))
		d = (struct bpfx_diag){opts->log, opts->log_user};
	if (!out)
		return bpfx_fail(&d, BPFX_E_INVAL, "bpfx_platform_create: out is NULL");
	*out = NULL;
	int err = bpfx_opts_copy(&d, &o, sizeof(o), opts, "bpfx_platform_opts");
	if (err)
		return err;
	struct bpfx_platform *p = calloc(1, sizeof(*p));
	if (!p || !(p->name = dupstr(o.name ? o.name : "custom"))) {
		free(p);
		return bpfx_fail(&d, BPFX_E_NOMEM, "bpfx_platform_create: out of memory");
	}
	p->groups = bpfx_groups_close(o.groups ? o.groups : BPFX_GROUPS_DEFAULT);
	p->stack_total = o.stack_total ? o.stack_total : BPFX_STACK_SIZE;
	p->diag = d;
	*out = p;
	return 0;
}

void bpfx_platform_destroy(bpfx_platform *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ntypes; i++) {
		free((void *)p->types[i].t.name);
		free((void *)p->types[i].t.fields);
		free((void *)p->types[i].t.helpers);
	}
	for (size_t i = 0; i < p->nhelpers; i++)
		free(p->helpers[i].name);
	for (size_t i = 0; i < p->nkfuncs; i++)
		free(p->kfuncs[i].name);
	free(p->types);
	free(p->helpers);
	free(p->kfuncs);
	bpfx_vbtf_free(p->btf);
	free(p->fbtf);
	free(p->cbs);
	free(p->name);
	free(p);
}

const char *bpfx_platform_name(const bpfx_platform *p)
{
	return p ? p->name : NULL;
}

int bpfx_platform_add_prog_type(bpfx_platform *p, const struct bpfx_prog_type *type)
{
	if (!p || !type)
		return BPFX_E_INVAL;
	struct bpfx_prog_type t;
	int err = bpfx_opts_copy(&p->diag, &t, sizeof(t), type, "bpfx_prog_type");
	if (err)
		return err;
	if (!t.name || !*t.name)
		return bpfx_fail(&p->diag, BPFX_E_INVAL, "program type: a name is required");
	if (t.ctx_kind != BPFX_CTX_BUFFER && t.ctx_kind != BPFX_CTX_STRUCT && t.ctx_kind != BPFX_CTX_MEMORY)
		return bpfx_fail(&p->diag, BPFX_E_INVAL, "program type '%s': unknown ctx_kind %d", t.name,
				 (int)t.ctx_kind);
	if (t.ctx_kind == BPFX_CTX_MEMORY && (t.nfields || t.ctx_size > (1u << 29)))
		return bpfx_fail(&p->diag, BPFX_E_INVAL,
				 "program type '%s': a memory context has no fields and at most 2^29 bytes (%u given)",
				 t.name, t.ctx_size);
	for (size_t i = 0; i < t.nfields; i++) {
		const struct bpfx_ctx_field *f = &t.fields[i];
		if (!f->size || f->size > 8 || (uint64_t)f->offset + f->size > t.ctx_size)
			return bpfx_fail(&p->diag, BPFX_E_INVAL,
					 "program type '%s': field %zu (offset %u, size %u) does not fit a "
					 "context of %u bytes, or is not 1..8 bytes",
					 t.name, i, f->offset, f->size, t.ctx_size);
		if (f->kind != BPFX_FIELD_SCALAR && f->size != 4 && f->size != 8)
			return bpfx_fail(&p->diag, BPFX_E_INVAL,
					 "program type '%s': packet pointer field %zu must be 4 or 8 bytes", t.name, i);
		if ((unsigned)f->kind > BPFX_FIELD_BTF_PTR)
			return bpfx_fail(&p->diag, BPFX_E_INVAL, "program type '%s': field %zu has unknown kind %d",
					 t.name, i, (int)f->kind);
		if (f->kind == BPFX_FIELD_BTF_PTR && (f->size != 8 || !bpfx_vbtf_struct(p->btf, f->target)))
			return bpfx_fail(&p->diag, BPFX_E_INVAL,
					 "program type '%s': BTF pointer field %zu must be 8 bytes and name a struct of the "
					 "platform's BTF (type %u; set the BTF first)",
					 t.name, i, f->target);
		if (f->kind == BPFX_FIELD_MEM && (!f->target || f->target > (1u << 29)))
			return bpfx_fail(&p->diag, BPFX_E_INVAL,
					 "program type '%s': memory field %zu points to %u bytes; 1 .. 2^29 are allowed",
					 t.name, i, f->target);
	}
	for (size_t i = 0; i < p->ntypes; i++)
		if (!strcmp(p->types[i].t.name, t.name))
			return bpfx_fail(&p->diag, BPFX_E_INVAL, "program type '%s' is already defined", t.name);
	struct vplat_type *nt = realloc(p->types, (p->ntypes + 1) * sizeof(*nt));
	if (!nt)
		return bpfx_fail(&p->diag, BPFX_E_NOMEM, "out of memory adding a program type");
	p->types = nt;
	struct bpfx_ctx_field *fields = NULL;
	uint32_t *helpers = NULL;
	char *name = dupstr(t.name);
	if (t.nfields && (fields = malloc(t.nfields * sizeof(*fields))))
		memcpy(fields, t.fields, t.nfields * sizeof(*fields));
	if (t.helpers && (helpers = malloc((t.nhelpers ? t.nhelpers : 1) * sizeof(*helpers))))
		memcpy(helpers, t.helpers, t.nhelpers * sizeof(*helpers));
	if (!name || (t.nfields && !fields) || (t.helpers && !helpers)) {
		free(name);
		free(fields);
		free(helpers);
		return bpfx_fail(&p->diag, BPFX_E_NOMEM, "out of memory adding a program type");
	}
	t.name = name;
	t.fields = fields;
	t.helpers = helpers;
	if (!t.max_packet)
		t.max_packet = 65535;
	p->types[p->ntypes++].t = t;
	return 0;
}

int bpfx_platform_find_prog_type(const bpfx_platform *p, const char *name)
{
	if (!p || !name)
		return BPFX_E_INVAL;
	for (size_t i = 0; i < p->ntypes; i++)
		if (!strcmp(p->types[i].t.name, name))
			return 0;
	return BPFX_E_NOENT;
}

int bpfx_platform_set_ctx_size(bpfx_platform *p, const char *type, uint32_t ctx_size)
{
	if (!p || !type)
		return BPFX_E_INVAL;
	for (size_t i = 0; i < p->ntypes; i++) {
		struct bpfx_prog_type *t = &p->types[i].t;
		if (strcmp(t->name, type) != 0)
			continue;
		if (t->ctx_kind != BPFX_CTX_MEMORY || ctx_size > (1u << 29))
			return bpfx_fail(&p->diag, BPFX_E_INVAL,
					 "program type '%s': only a memory context (ctx_kind BPFX_CTX_MEMORY) of at most "
					 "2^29 bytes can be resized (%u asked)",
					 type, ctx_size);
		t->ctx_size = ctx_size;
		return 0;
	}
	return bpfx_fail(&p->diag, BPFX_E_NOENT, "platform '%s' has no program type '%s'", p->name, type);
}

const struct vplat_func *bpfx_vplat_find(const struct vplat_func *fs, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (fs[i].id == id)
			return &fs[i];
	return NULL;
}

static int add_func(bpfx_platform *p, struct vplat_func **arr, size_t *n, uint32_t id, const char *name,
		    const struct bpfx_func_proto *proto, const char *what)
{
	if (!p || !proto)
		return BPFX_E_INVAL;
	if ((unsigned)proto->ret >= BPFX_RET__COUNT)
		return bpfx_fail(&p->diag, BPFX_E_INVAL, "%s %u: unknown return kind %d", what, id, (int)proto->ret);
	for (int i = 0; i < 5; i++)
		if ((unsigned)proto->args[i] >= BPFX_ARG__COUNT)
			return bpfx_fail(&p->diag, BPFX_E_INVAL, "%s %u: argument %d has unknown kind %d", what, id,
					 i + 1, (int)proto->args[i]);
	char *nm = dupstr(name);
	if (!nm)
		return bpfx_fail(&p->diag, BPFX_E_NOMEM, "out of memory adding %s %u", what, id);
	for (size_t i = 0; i < *n; i++)
		if ((*arr)[i].id == id) {
			free((*arr)[i].name);
			(*arr)[i].name = nm;
			(*arr)[i].proto = *proto;
			return 0;
		}
	struct vplat_func *na = realloc(*arr, (*n + 1) * sizeof(*na));
	if (!na) {
		free(nm);
		return bpfx_fail(&p->diag, BPFX_E_NOMEM, "out of memory adding %s %u", what, id);
	}
	*arr = na;
	na[*n] = (struct vplat_func){id, nm, *proto};
	(*n)++;
	return 0;
}

int bpfx_platform_add_helper(bpfx_platform *p, uint32_t id, const char *name, const struct bpfx_func_proto *proto)
{
	return p ? add_func(p, &p->helpers, &p->nhelpers, id, name, proto, "helper") : BPFX_E_INVAL;
}

int bpfx_platform_add_kfunc(bpfx_platform *p, uint32_t btf_id, const char *name,
			    const struct bpfx_func_proto *proto)
{
	return p ? add_func(p, &p->kfuncs, &p->nkfuncs, btf_id, name, proto, "kfunc") : BPFX_E_INVAL;
}

int bpfx_platform_add_vm_funcs(bpfx_platform *p, const bpfx_vm *vm)
{
	if (!p || !vm)
		return BPFX_E_INVAL;
	for (size_t i = 0; i < vm->helpers.n; i++) {
		const struct bpfx_func_info *f = &vm->helpers.all[i]->info;
		int err = f->proto ? bpfx_platform_add_helper(p, f->id, f->name, f->proto) : 0;
		if (err)
			return err;
	}
	for (size_t i = 0; i < vm->kfuncs.n; i++) {
		const struct bpfx_func_info *f = &vm->kfuncs.all[i]->info;
		int err = f->proto ? bpfx_platform_add_kfunc(p, f->id, f->name, f->proto) : 0;
		if (err)
			return err;
	}
	return 0;
}

int bpfx_platform_bundled(const char *name, bpfx_platform **out)
{
	if (!out)
		return BPFX_E_INVAL;
	*out = NULL;
	if (name && !strcmp(name, "linux"))
		return bpfx_linux_platform(out);
	if (!name || strcmp(name, "generic") != 0)
		return BPFX_E_NOENT;
	struct bpfx_platform_opts po = {.sz = sizeof(po), .name = "generic"};
	bpfx_platform *p;
	int err = bpfx_platform_create(&po, &p);
	if (err)
		return err;
	struct bpfx_prog_type t = {
		.sz = sizeof(t),
		.name = "generic",
		.ctx_kind = BPFX_CTX_BUFFER,
		.max_packet = 1u << 29,
	};
	err = bpfx_platform_add_prog_type(p, &t);
	if (err) {
		bpfx_platform_destroy(p);
		return err;
	}
	*out = p;
	return 0;
}
