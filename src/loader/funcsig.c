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
