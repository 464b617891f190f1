/* SPDX-License-Identifier: MIT */
/*
 * vm.c - the VM object (groups, helper and kfunc registries), loading
 * (validation, resolution, pre-decoding), and runs (engine selection, stack,
 * budget, regions, the accessors helpers use).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../isa/validate.h"
#include "vm_internal.h"

/* ------------------------------------------------------------------ VM --- */

int bpfx_vm_create(const struct bpfx_vm_opts *opts, bpfx_vm **out)
{
	struct bpfx_vm_opts o;
	struct bpfx_diag d = {0};

	if (!out)
		return BPFX_E_INVAL;
	*out = NULL;
	if (opts && opts->sz >= offsetof(struct bpfx_vm_opts, log_user) + sizeof(void *))
		d = (struct bpfx_diag){opts->log, opts->log_user};
	int err = bpfx_opts_copy(&d, &o, sizeof(o), opts, "bpfx_vm_opts");
	if (err)
		return err;
	if (o.groups & ~(uint32_t)BPFX_GROUPS_ALL)
		return bpfx_fail(&d, BPFX_E_INVAL,
				 "bpfx_vm_opts.groups 0x%x has bits that name no conformance group (known: 0x%x)",
				 o.groups, BPFX_GROUPS_ALL);
	if (o.max_call_depth > 1024)
		return bpfx_fail(&d, BPFX_E_INVAL,
				 "bpfx_vm_opts.max_call_depth %u is too large (at most 1024 frames)",
				 o.max_call_depth);
	bpfx_vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return bpfx_fail(&d, BPFX_E_NOMEM, "out of memory creating a VM");
	vm->groups = bpfx_groups_close(o.groups ? o.groups : BPFX_GROUPS_DEFAULT);
	vm->max_depth = o.max_call_depth ? o.max_call_depth : BPFX_MAX_CALL_DEPTH;
	vm->diag = d;
	*out = vm;
	return 0;
}

static void table_free(struct bpfx_func_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->all[i]->name);
		free(t->all[i]);
	}
	for (size_t i = 0; i < t->nretired; i++)
		free(t->retired[i]);
	free(t->retired);
	free(t->all);
	free(t->dense);
}

void bpfx_vm_destroy(bpfx_vm *vm)
{
	if (!vm)
		return;
	table_free(&vm->helpers);
	table_free(&vm->kfuncs);
	free(vm);
}

uint32_t bpfx_vm_groups(const bpfx_vm *vm)
{
	return vm ? vm->groups : 0;
}

const struct bpfx_func *bpfx_func_lookup(const struct bpfx_func_table *t, uint64_t id)
{
	if (id < t->ndense)
		return t->dense[id];
	if (id < BPFX_FUNC_DENSE_MAX)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (t->all[i]->info.id == id)
			return t->all[i];
	return NULL;
}

static int table_register(const bpfx_vm *vm, struct bpfx_func_table *t, const char *what, uint32_t id,
			  const char *name, bpfx_helper_fn fn, const struct bpfx_func_proto *proto)
{
	const struct bpfx_diag *d = &vm->diag;

	if (!fn)
		return bpfx_fail(d, BPFX_E_INVAL, "registering %s %u (%s): the function pointer is NULL",
				 what, id, name ? name : "unnamed");
	if (proto) {
		if ((unsigned)proto->ret >= BPFX_RET__COUNT)
			return bpfx_fail(d, BPFX_E_INVAL, "registering %s %u (%s): return kind %d is unknown",
					 what, id, name ? name : "unnamed", (int)proto->ret);
		for (int i = 0; i < 5; i++)
			if ((unsigned)proto->args[i] >= BPFX_ARG__COUNT)
				return bpfx_fail(d, BPFX_E_INVAL,
						 "registering %s %u (%s): argument %d kind %d is unknown", what,
						 id, name ? name : "unnamed", i + 1, (int)proto->args[i]);
	}
	char *copy = NULL;
	if (name && !(copy = strdup(name)))
		return bpfx_fail(d, BPFX_E_NOMEM, "out of memory registering %s %u", what, id);

	struct bpfx_func *f = (struct bpfx_func *)bpfx_func_lookup(t, id);
	if (f && f->name) {
		/* Replacing: the old name stays valid (bpfx_vm_find_func's promise). */
		char **nr = realloc(t->retired, (t->nretired + 1) * sizeof(*nr));
		if (!nr)
			goto nomem;
		t->retired = nr;
		t->retired[t->nretired++] = f->name;
		f->name = NULL;
	}
	if (!f) {
		if (id < BPFX_FUNC_DENSE_MAX && id >= t->ndense) {
			uint32_t nd = t->ndense ? t->ndense : 64;
			while (nd <= id)
				nd *= 2;
			if (nd > BPFX_FUNC_DENSE_MAX)
				nd = BPFX_FUNC_DENSE_MAX;
			struct bpfx_func **dn = realloc(t->dense, nd * sizeof(*dn));
			if (!dn)
				goto nomem;
			memset(dn + t->ndense, 0, (nd - t->ndense) * sizeof(*dn));
			t->dense = dn;
			t->ndense = nd;
		}
		if (t->n == t->cap) {
			size_t nc = t->cap ? t->cap * 2 : 16;
			struct bpfx_func **na = realloc(t->all, nc * sizeof(*na));
			if (!na)
				goto nomem;
			t->all = na;
			t->cap = nc;
		}
		if (!(f = calloc(1, sizeof(*f))))
			goto nomem;
		t->all[t->n++] = f;
		if (id < t->ndense)
			t->dense[id] = f;
	}
	f->name = copy;
	if (proto)
		f->proto = *proto;
	f->info.id = id;
	f->info.name = f->name;
	f->info.fn = fn;
	f->info.proto = proto ? &f->proto : NULL;
	return 0;
nomem:
	free(copy);
	return bpfx_fail(d, BPFX_E_NOMEM, "out of memory registering %s %u", what, id);
}

int bpfx_vm_register_helper(bpfx_vm *vm, uint32_t id, const char *name, bpfx_helper_fn fn,
			    const struct bpfx_func_proto *proto)
{
	if (!vm)
		return BPFX_E_INVAL;
	return table_register(vm, &vm->helpers, "helper", id, name, fn, proto);
}

int bpfx_vm_register_kfunc(bpfx_vm *vm, uint32_t btf_id, const char *name, bpfx_helper_fn fn,
			   const struct bpfx_func_proto *proto)
{
	if (!vm)
		return BPFX_E_INVAL;
	return table_register(vm, &vm->kfuncs, "kfunc", btf_id, name, fn, proto);
}

int bpfx_vm_find_func(const bpfx_vm *vm, int kfunc, uint32_t id, const char *name,
		      struct bpfx_func_info *info)
{
	if (!vm)
		return BPFX_E_INVAL;
	const struct bpfx_func_table *t = kfunc ? &vm->kfuncs : &vm->helpers;
	const struct bpfx_func *f = NULL;
	if (name) {
		for (size_t i = 0; i < t->n && !f; i++)
			if (t->all[i]->name && !strcmp(t->all[i]->name, name))
				f = t->all[i];
	} else {
		f = bpfx_func_lookup(t, id);
	}
	if (!f)
		return BPFX_E_NOENT;
	if (info)
		*info = f->info;
	return 0;
}

/* ------------------------------------------------------------- engines --- */

static const char *const engine_names[] = {"auto", "interp", "checked", "jit"};

const char *bpfx_engine_name(enum bpfx_engine e)
{
	if ((unsigned)e < BPFX_ARRAY_SIZE(engine_names))
		return engine_names[e];
	return "unknown";
}

int bpfx_engine_parse(const char *name, enum bpfx_engine *out)
{
	if (!name || !out)
		return BPFX_E_INVAL;
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(engine_names); i++)
		if (!strcmp(name, engine_names[i])) {
			*out = (enum bpfx_engine)i;
			return 0;
		}
	return BPFX_E_INVAL;
}

void bpfx_cancel(int *flag)
{
	if (flag)
		__atomic_store_n(flag, 1, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------ programs --- */

static const char *lddw_kind_name(unsigned src)
{
	switch (src) {
	case BPFX_LDDW_MAP_FD: return "map by fd";
	case BPFX_LDDW_MAP_VALUE_FD: return "map value by fd";
	case BPFX_LDDW_VAR_ADDR: return "variable address";
	case BPFX_LDDW_MAP_IDX: return "map by index";
	case BPFX_LDDW_MAP_VALUE_IDX: return "map value by index";
	default: return "?";
	}
}

static int resolve_lddw(const struct bpfx_diag *d, bpfx_prog *p, const struct bpfx_load_opts *o,
			size_t i, uint64_t *value)
{
	const struct bpfx_insn *x = &p->insns[i];
	const char *pname = p->name ? p->name : "program";

	if (!o->resolve)
		return bpfx_fail(d, BPFX_E_INVAL,
				 "%s: insn %zu: lddw src %u (%s, imm %d) needs the host's lddw resolver, "
				 "but bpfx_load_opts.resolve is not set",
				 pname, i, (unsigned)x->src, lddw_kind_name(x->src), x->imm);
	struct bpfx_lddw_ref ref = {
		.insn = i,
		.kind = (enum bpfx_lddw_kind)x->src,
		.imm = x->imm,
		.next_imm = p->insns[i + 1].imm,
	};
	struct bpfx_lddw_value v = {0};
	int err = o->resolve(o->resolve_user, &ref, &v);
	if (err)
		return bpfx_fail(d, err < 0 ? err : BPFX_E_INVAL,
				 "%s: insn %zu: the host's lddw resolver failed (%s) for src %u (%s), "
				 "imm %d, next imm %d",
				 pname, i, bpfx_status_name(err < 0 ? err : BPFX_E_INVAL), (unsigned)x->src,
				 lddw_kind_name(x->src), x->imm, ref.next_imm);
	if (v.region && v.region_size) {
		struct bpfx_region *nr = realloc(p->regions, (p->nregions + 1) * sizeof(*nr));
		if (!nr)
			return bpfx_fail(d, BPFX_E_NOMEM, "out of memory loading %s", pname);
		p->regions = nr;
		p->regions[p->nregions++] = (struct bpfx_region){v.region, v.region_size, v.region_writable};
	}
	*value = v.value;
	return 0;
}

static int decode(const struct bpfx_diag *d, bpfx_prog *p, const struct bpfx_load_opts *o,
		  const void *const *labels)
{
	const bpfx_vm *vm = p->vm;
	const char *pname = p->name ? p->name : "program";
	uint8_t *leaf = malloc(p->count ? p->count : 1);
	if (!leaf || bpfx_leaf_functions(p->insns, p->ops, p->count, leaf)) {
		free(leaf);
		return bpfx_fail(d, BPFX_E_NOMEM, "%s: out of memory preparing the code", pname);
	}

	for (size_t i = 0; i < p->count; i++) {
		const struct bpfx_insn *x = &p->insns[i];
		struct bpfx_dinsn *di = &p->code[i];
		int op = p->ops[i];
		if (op < 0) { /* second half of an lddw: never executed */
			di->op = BPFX_OP_LDDW;
			di->h = labels ? labels[BPFX_OP_LDDW] : NULL;
			continue;
		}
		const struct bpfx_op_desc *od = &bpfx_op_table[op];
		di->op = (uint16_t)op;
		di->h = labels ? labels[op] : NULL;
		di->dst = x->dst;
		di->src = x->src;
		di->off = x->off;
		di->imm = (uint64_t)(int64_t)x->imm;
		if (od->imm == BPFX_USE_JMP || od->imm == BPFX_USE_CALL)
			di->off = x->imm; /* gotol, local call, code address */
		if (od->off == BPFX_USE_JMP || od->imm == BPFX_USE_JMP || op == BPFX_OP_CALL_LOCAL)
			di->tgt = &p->code[(int64_t)i + 1 + di->off]; /* validated to be inside */
		if (op == BPFX_OP_CALL_LOCAL) /* imm: the call is a budget event (not to a leaf) */
			di->imm = !leaf[(int64_t)i + 1 + di->off];
		switch (op) {
		case BPFX_OP_LDDW:
			di->imm = (uint64_t)(uint32_t)x->imm | (uint64_t)(uint32_t)p->insns[i + 1].imm << 32;
			break;
		case BPFX_OP_LDDW_CODE_ADDR:
			di->imm = (uint64_t)(uintptr_t)&p->insns[(int64_t)i + 1 + x->imm];
			break;
		case BPFX_OP_LDDW_MAP_FD:
		case BPFX_OP_LDDW_MAP_VALUE_FD:
		case BPFX_OP_LDDW_VAR_ADDR:
		case BPFX_OP_LDDW_MAP_IDX:
		case BPFX_OP_LDDW_MAP_VALUE_IDX: {
			int err = resolve_lddw(d, p, o, i, &di->imm);
			if (err) {
				free(leaf);
				return err;
			}
			break;
		}
		case BPFX_OP_CALL_HELPER:
		case BPFX_OP_CALL_KFUNC: {
			int kf = op == BPFX_OP_CALL_KFUNC;
			const struct bpfx_func *f =
				bpfx_func_lookup(kf ? &vm->kfuncs : &vm->helpers, (uint32_t)x->imm);
			if (!f) {
				free(leaf);
				return bpfx_fail(d, BPFX_E_NO_HELPER,
						 "%s: insn %zu: call %s %u: no %s with this id is registered "
						 "in the VM",
						 pname, i, kf ? "kfunc with BTF id" : "helper", (uint32_t)x->imm,
						 kf ? "kfunc" : "helper");
			}
			di->fn = f->info.fn;
			break;
		}
		default:
			break;
		}
		(void)od;
	}
	free(leaf);
	/* Fused pairs, where the engines have them (computed-goto builds). */
	if (labels)
		for (size_t i = 0; i + 1 < p->count; i++) {
			int a = p->ops[i], b = p->ops[i + 1];
#define BPFX_X_FUSE(A, B)                                                                             \
	if (a == BPFX_OP_##A && b == BPFX_OP_##B) {                                                   \
		p->code[i].op = BPFX_XOP_##A##__##B;                                                  \
		p->code[i].h = labels[BPFX_XOP_##A##__##B];                                           \
		continue;                                                                             \
	}
			BPFX_FUSED(BPFX_X_FUSE)
#undef BPFX_X_FUSE
		}
	return 0;
}

int bpfx_prog_load(bpfx_vm *vm, const struct bpfx_insn *insns, size_t count,
		   const struct bpfx_load_opts *opts, bpfx_prog **out)
{
	struct bpfx_load_opts o;

	if (!vm || !out)
		return BPFX_E_INVAL;
	*out = NULL;
	const struct bpfx_diag *d = &vm->diag;
	int err = bpfx_opts_copy(d, &o, sizeof(o), opts, "bpfx_load_opts");
	if (err)
		return err;
	if (o.flags & ~BPFX_LOAD_TRUSTED)
		return bpfx_fail(d, BPFX_E_INVAL, "bpfx_load_opts.flags 0x%x has unknown bits", o.flags);
	if (!insns || !count)
		return bpfx_fail(d, BPFX_E_BAD_INSN, "%s: the program is empty", o.name ? o.name : "program");
	if (count > BPFX_MAX_INSNS)
		return bpfx_fail(d, BPFX_E_BAD_INSN, "%s: the program has %zu instructions; the limit is %d",
				 o.name ? o.name : "program", count, BPFX_MAX_INSNS);

	bpfx_prog *p = calloc(1, sizeof(*p));
	if (!p)
		return bpfx_fail(d, BPFX_E_NOMEM, "out of memory loading a program");
	p->vm = vm;
	p->count = count;
	p->flags = o.flags;
	pthread_mutex_init(&p->jit_lock, NULL);
	if (o.name && !(p->name = strdup(o.name)))
		goto nomem;
	p->insns = malloc(count * sizeof(*p->insns));
	p->ops = malloc(count * sizeof(*p->ops));
	p->code = calloc(count, sizeof(*p->code));
	if (!p->insns || !p->ops || !p->code)
		goto nomem;
	memcpy(p->insns, insns, count * sizeof(*insns));

	err = bpfx_validate_program(d, p->insns, count, vm->groups, p->ops);
	if (err)
		goto fail;
	const void *const *labels = NULL;
	bpfx_interp_fast(NULL, NULL, &labels);
	err = decode(d, p, &o, labels);
	if (err)
		goto fail;
	*out = p;
	return 0;
nomem:
	err = bpfx_fail(d, BPFX_E_NOMEM, "out of memory loading %s (%zu instructions)",
			o.name ? o.name : "a program", count);
fail:
	bpfx_prog_destroy(p);
	return err;
}

void bpfx_prog_destroy(bpfx_prog *prog)
{
	if (!prog)
		return;
	free(prog->name);
	free(prog->insns);
	free(prog->ops);
	free(prog->code);
	free(prog->regions);
#if BPFX_HAVE_JIT
	bpfx_jit_free(prog->jit[0]);
	bpfx_jit_free(prog->jit[1]);
#endif
	pthread_mutex_destroy(&prog->jit_lock);
	free(prog);
}

const struct bpfx_insn *bpfx_prog_insns(const bpfx_prog *prog, size_t *count)
{
	if (!prog) {
		if (count)
			*count = 0;
		return NULL;
	}
	if (count)
		*count = prog->count;
	return prog->insns;
}

const bpfx_vm *bpfx_prog_vm(const bpfx_prog *prog)
{
	return prog ? prog->vm : NULL;
}

int bpfx_prog_is_trusted(const bpfx_prog *prog)
{
	return prog && (prog->flags & BPFX_LOAD_TRUSTED) ? 1 : 0;
}

void bpfx_prog_set_verified(bpfx_prog *prog, int verified)
{
	if (prog)
		__atomic_store_n(&prog->verified, verified ? 1 : 0, __ATOMIC_RELEASE);
}

int bpfx_prog_is_verified(const bpfx_prog *prog)
{
	return prog ? __atomic_load_n(&prog->verified, __ATOMIC_ACQUIRE) : 0;
}

bool bpfx_prog_code_index(const bpfx_prog *prog, uint64_t addr, size_t *index)
{
	uint64_t lo = (uint64_t)(uintptr_t)prog->insns;
	if (addr < lo)
		return false;
	uint64_t off = addr - lo;
	if (off % sizeof(struct bpfx_insn) || off / sizeof(struct bpfx_insn) >= prog->count)
		return false;
	size_t i = (size_t)(off / sizeof(struct bpfx_insn));
	if (prog->ops[i] < 0)
		return false;
	*index = i;
	return true;
}

/* ----------------------------------------------------------------- JIT --- */

/*
 * Native code is only ever made for programs that may run unchecked: loaded
 * with BPFX_LOAD_TRUSTED or marked verified. Since the verifier marks a
 * program after bpfx_prog_load, compilation is lazy: the first JIT run (or
 * bpfx_prog_jit_code) that needs a variant compiles it under the program's
 * lock; later runs find it with one acquire load. Variant 0 is plain, variant
 * 1 counts the budget and polls the cancel flag (BPFX_JIT_POLL) and is only
 * built for runs that ask for one of them. A failed compilation is logged
 * once and remembered: runs then use the fast interpreter.
 */
#if BPFX_HAVE_JIT
static bpfx_helper_fn jit_callx_lookup(const void *vm, uint64_t id)
{
	const struct bpfx_func *f = bpfx_func_lookup(&((const bpfx_vm *)vm)->helpers, id);
	return f ? f->info.fn : NULL;
}

static int jit_compile(bpfx_prog *p, int poll, struct bpfx_jit_prog **out)
{
	const bpfx_vm *vm = p->vm;
	const struct bpfx_diag *d = &vm->diag;
	const char *pname = p->name ? p->name : "program";

	if (vm->max_depth > BPFX_JIT_MAX_DEPTH)
		return bpfx_fail(d, BPFX_E_UNSUPPORTED,
				 "%s: the JIT supports at most %d frames, but the VM allows %u (max_call_depth)",
				 pname, BPFX_JIT_MAX_DEPTH, vm->max_depth);
	uint64_t *vals = calloc(p->count, sizeof(*vals));
	bpfx_helper_fn *fns = calloc(p->count, sizeof(*fns));
	int err;
	if (!vals || !fns) {
		err = bpfx_fail(d, BPFX_E_NOMEM, "%s: out of memory preparing the JIT compilation", pname);
	} else {
		for (size_t i = 0; i < p->count; i++) {
			int op = p->ops[i];
			if (op < 0)
				continue;
			if (bpfx_op_table[op].fmt == BPFX_FMT_LDDW)
				vals[i] = p->code[i].imm; /* resolved at load (code addresses: the JIT's own) */
			if (op == BPFX_OP_CALL_HELPER || op == BPFX_OP_CALL_KFUNC)
				fns[i] = p->code[i].fn;
		}
		struct bpfx_jit_env env = {
			.lddw_values = vals,
			.call_fns = fns,
			.callx_lookup = jit_callx_lookup,
			.callx_vm = vm,
			.max_call_depth = vm->max_depth,
			/* Verified code that the host does not vouch for may come from
			 * anyone: its immediates are blinded (no attacker-chosen bytes
			 * in executable memory). Trusted code is compiled as is. */
			.flags = (poll ? BPFX_JIT_POLL : 0) | (p->flags & BPFX_LOAD_TRUSTED ? 0 : BPFX_JIT_BLIND),
		};
		err = bpfx_jit_compile(d, p->insns, p->count, p->ops, &env, out);
	}
	free(vals);
	free(fns);
	return err;
}
#endif

/* The JIT code of variant `poll`, compiled on first use; NULL if it cannot be
 * compiled (logged once). Only for trusted or verified programs. */
static const struct bpfx_jit_prog *jit_get(const bpfx_prog *cp, int poll)
{
#if BPFX_HAVE_JIT
	bpfx_prog *p = (bpfx_prog *)cp; /* the JIT cache is the only mutable part */
	const struct bpfx_jit_prog *j = __atomic_load_n(&p->jit[poll], __ATOMIC_ACQUIRE);
	if (BPFX_LIKELY(j))
		return j;
	if (__atomic_load_n(&p->jit_failed[poll], __ATOMIC_ACQUIRE))
		return NULL; /* known not to compile: no lock on every run */
	pthread_mutex_lock(&p->jit_lock);
	j = p->jit[poll];
	if (!j && !p->jit_failed[poll]) {
		struct bpfx_jit_prog *nj = NULL;
		int err = jit_compile(p, poll, &nj);
		if (err) {
			__atomic_store_n(&p->jit_failed[poll], 1, __ATOMIC_RELEASE);
			bpfx_logf(&p->vm->diag, BPFX_LOG_WARN,
				  "%s: JIT compilation%s failed (%s); runs use the interpreter instead",
				  p->name ? p->name : "program", poll ? " (with budget/cancel polling)" : "",
				  bpfx_status_name(err));
		} else {
			__atomic_store_n(&p->jit[poll], nj, __ATOMIC_RELEASE);
			j = nj;
		}
	}
	pthread_mutex_unlock(&p->jit_lock);
	return j;
#else
	(void)cp;
	(void)poll;
	return NULL;
#endif
}

const void *bpfx_prog_jit_code(const bpfx_prog *prog, size_t *size)
{
	return bpfx_prog_jit_code_variant(prog, BPFX_JIT_VARIANT_PLAIN, size);
}

size_t bpfx_prog_jit_offset(const bpfx_prog *prog, size_t insn)
{
	return bpfx_prog_jit_offset_variant(prog, BPFX_JIT_VARIANT_PLAIN, insn);
}

const void *bpfx_prog_jit_code_variant(const bpfx_prog *prog, enum bpfx_jit_variant variant, size_t *size)
{
	if (size)
		*size = 0;
	if (!prog)
		return NULL;
	if (variant != BPFX_JIT_VARIANT_PLAIN && variant != BPFX_JIT_VARIANT_POLLING) {
		bpfx_fail(&prog->vm->diag, BPFX_E_INVAL, "%s: unknown JIT code variant %d",
			  prog->name ? prog->name : "program", (int)variant);
		return NULL;
	}
	if (!(prog->flags & BPFX_LOAD_TRUSTED) && !bpfx_prog_is_verified(prog)) {
		bpfx_fail(&prog->vm->diag, BPFX_E_UNVERIFIED,
			  "%s: only verified programs or programs loaded with BPFX_LOAD_TRUSTED are compiled "
			  "to native code",
			  prog->name ? prog->name : "program");
		return NULL;
	}
#if BPFX_HAVE_JIT
	const struct bpfx_jit_prog *j = jit_get(prog, variant == BPFX_JIT_VARIANT_POLLING);
	if (!j)
		return NULL;
	size_t n = 0;
	const void *code = bpfx_jit_code(j, &n);
	if (size)
		*size = n;
	return code;
#else
	bpfx_fail(&prog->vm->diag, BPFX_E_UNSUPPORTED, "%s: this build has no JIT for this platform",
		  prog->name ? prog->name : "program");
	return NULL;
#endif
}

size_t bpfx_prog_jit_offset_variant(const bpfx_prog *prog, enum bpfx_jit_variant variant, size_t insn)
{
#if BPFX_HAVE_JIT
	if (!prog || insn >= prog->count ||
	    (variant != BPFX_JIT_VARIANT_PLAIN && variant != BPFX_JIT_VARIANT_POLLING))
		return SIZE_MAX;
	const struct bpfx_jit_prog *j =
		__atomic_load_n(&prog->jit[variant == BPFX_JIT_VARIANT_POLLING], __ATOMIC_ACQUIRE);
	return j ? bpfx_jit_insn_offset(j, insn) : SIZE_MAX;
#else
	(void)prog;
	(void)variant;
	(void)insn;
	return SIZE_MAX;
#endif
}

/* ----------------------------------------------------------------- runs --- */

static const char *prog_name(const bpfx_prog *p)
{
	return p->name ? p->name : "program";
}

static void refill(struct bpfx_run *run)
{
	uint64_t c = UINT64_MAX;
	if (run->cancel)
		c = BPFX_CANCEL_POLL_INTERVAL;
	if (run->budget) {
		uint64_t left = run->budget - run->consumed + 1; /* consumed <= budget here */
		if (left && left < c) /* left == 0: budget UINT64_MAX, never reached */
			c = left;
	}
	run->chunk = c;
	run->tick = c;
}

int bpfx_run_poll(struct bpfx_run *run, size_t pc)
{
	run->consumed += run->chunk;
	run->chunk = 0;
	if (run->cancel && __atomic_load_n(run->cancel, __ATOMIC_RELAXED))
		return bpfx_run_error(run, pc, BPFX_E_CANCELLED, "the run was cancelled");
	if (run->budget && run->consumed > run->budget)
		return bpfx_run_error(run, pc, BPFX_E_BUDGET,
				      "the budget of %llu back edges and calls is exhausted",
				      (unsigned long long)run->budget);
	refill(run);
	return 0;
}

int bpfx_run_error(struct bpfx_run *run, size_t pc, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const bpfx_prog *p = run->prog;
	const char *id = p->ops[pc] >= 0 ? bpfx_op_table[p->ops[pc]].id : "?";
	bpfx_fail(run->diag, code, "%s: insn %zu (%s): %s [%s]", prog_name(p), pc, id, msg,
		  bpfx_status_name(code));
	if (!run->have_insn) {
		run->have_insn = 1;
		run->insn = pc;
	}
	run->stop = 1;
	if (!run->status)
		run->status = code;
	return run->status;
}

int bpfx_run_fault(struct bpfx_run *run, size_t pc, uint64_t addr, size_t len, int write, const char *why)
{
	if (!run->have_insn) {
		run->fault_addr = addr;
		run->fault_len = len;
	}
	return bpfx_run_error(run, pc, BPFX_E_MEM_FAULT, "%s of %zu byte%s at 0x%llx is %s", write ? "write" : "read",
			      len, len == 1 ? "" : "s", (unsigned long long)addr, why);
}

static int in_region(uint64_t a, uint64_t n, const void *base, size_t size)
{
	uint64_t b = (uint64_t)(uintptr_t)base;
	return a >= b && n <= size && a - b <= size - n;
}

int bpfx_run_find_region(const struct bpfx_run *run, uint64_t addr, uint64_t len, int write)
{
	int ro = 0;
	size_t used = (size_t)(run->depth + 1) * BPFX_STACK_SIZE;
	if (in_region(addr, len, run->stack_end - used, used))
		return 0;
	const struct bpfx_run_opts *o = run->opts;
	if (o->ctx && in_region(addr, len, o->ctx, o->ctx_len))
		return 0;
	for (size_t i = 0; i < o->nregions; i++)
		if (in_region(addr, len, o->regions[i].base, o->regions[i].size)) {
			if (!write || o->regions[i].writable)
				return 0;
			ro = 1;
		}
	const bpfx_prog *p = run->prog;
	for (size_t i = 0; i < p->nregions; i++)
		if (in_region(addr, len, p->regions[i].base, p->regions[i].size)) {
			if (!write || p->regions[i].writable)
				return 0;
			ro = 1;
		}
	return ro ? 2 : 1;
}

static int interp_run(struct bpfx_run *run, struct bpfx_entry *e)
{
	return run->checked ? bpfx_interp_checked(run, e, NULL) : bpfx_interp_fast(run, e, NULL);
}

/* What a status the JIT code ended with at instruction pc means. */
static void jit_describe(const struct bpfx_run *run, int err, size_t pc, char *msg, size_t len)
{
	const struct bpfx_insn *x = &run->prog->insns[pc];
	unsigned long long v = (unsigned long long)run->jr.value;
	switch (err) {
	case BPFX_E_NO_HELPER:
		snprintf(msg, len, "callx r%u: no helper with id %llu is registered in this VM", x->dst, v);
		break;
	case BPFX_E_BAD_INSN:
		snprintf(msg, len, "gotox r%u: 0x%llx is not the address of an instruction of this program", x->dst, v);
		break;
	case BPFX_E_BUDGET:
		snprintf(msg, len, "the budget of %llu back edges and calls is exhausted", (unsigned long long)run->budget);
		break;
	case BPFX_E_CANCELLED:
		snprintf(msg, len, "the run was cancelled");
		break;
	case BPFX_E_CALL_DEPTH:
		snprintf(msg, len, "the call would go beyond the limit of %u frames", run->max_depth);
		break;
	default:
		snprintf(msg, len, "the JIT code ended the run");
		break;
	}
}

/* Records (once, like bpfx_run_error) a status the JIT code ended with. */
static void jit_report(struct bpfx_run *run, int err)
{
	if (run->status) {
		if (!run->have_insn) { /* bpfx_run_fail from a helper: logged there */
			run->have_insn = 1;
			run->insn = run->jr.insn;
		}
		return;
	}
	size_t pc = run->jr.insn < run->prog->count ? run->jr.insn : 0;
	char msg[256];
	jit_describe(run, err, pc, msg, sizeof(msg));
	bpfx_run_error(run, pc, err, "%s", msg);
}

/*
 * What one bpfx_prog_run carries from a program to the next across tail
 * calls: the engine asked for, the tail calls made, the budget events
 * counted, the may_goto fall-throughs left; `next` is the target of the tail
 * call the last program made (NULL: the run is over).
 */
struct tail_carry {
	enum bpfx_engine engine;
	uint32_t tail_count;
	uint64_t used;
	uint64_t may_goto_left;
	const bpfx_prog *next;
};

/* A run on JIT code `jp` (poll: the BPFX_JIT_POLL variant). */
static int jit_run(const bpfx_prog *prog, const struct bpfx_jit_prog *jp, int poll, const struct bpfx_run_opts *o,
		   struct tail_carry *tc, struct bpfx_run_result *res)
{
	static const int no_cancel = 0;
	struct bpfx_run run = {
		.prog = prog,
		.opts = o,
		.diag = &prog->vm->diag,
		.checked = 0,
		.max_depth = prog->vm->max_depth,
		.budget = o->budget,
		.cancel = o->cancel,
		.may_goto_left = tc->may_goto_left,
		.packet = o->packet ? o->packet : o->ctx,
		.packet_len = o->packet ? o->packet_len : o->ctx_len,
		.jit = jp,
		.engine = tc->engine,
		.tail_count = tc->tail_count,
	};
	/* The budget left after the programs before this one (tail calls). */
	uint64_t budget = poll && o->budget ? o->budget - tc->used : UINT64_MAX;
	run.jr.budget = budget;
	run.jr.cancel = o->cancel ? o->cancel : &no_cancel;
	run.jr.pkt = run.packet;
	run.jr.pkt_len = run.packet_len;
	run.jr.may_goto = tc->may_goto_left;
	run.jr.helper_run = &run;
	/* Without a cancel flag nothing needs reading every few events: the
	 * chunks can be long (the budget stays exact either way). */
	run.jr.chunk_max = o->cancel ? 0 : UINT64_C(1) << 32;
	uint64_t r0 = bpfx_jit_enter(jp, o->ctx, o->ctx_len, &run.jr);
	int err = run.jr.status;
	if (!err && run.status) /* a callback failed and the helper ignored it */
		err = run.status;
	if (err)
		jit_report(&run, err);
	res->status = err;
	res->r0 = err ? 0 : r0;
	if (err)
		res->insn = run.insn;
	/* Counted only by the polling variant: plain JIT code counts nothing. */
	if (poll)
		tc->used += budget - run.jr.budget;
	res->budget_used = poll ? tc->used : 0;
	tc->may_goto_left = run.jr.may_goto;
	tc->tail_count = run.tail_count;
	tc->next = err ? NULL : run.tail_target;
	return err;
}

/* How `prog` runs under `engine`: *checked, *jit; or an error (logged). */
static int pick_engine(const bpfx_prog *prog, enum bpfx_engine engine, int *checked, int *jit)
{
	const struct bpfx_diag *d = &prog->vm->diag;
	int trusted = (prog->flags & BPFX_LOAD_TRUSTED) || bpfx_prog_is_verified(prog);
	*jit = 0;
	switch (engine) {
	case BPFX_ENGINE_AUTO:
		*checked = !trusted;
		*jit = trusted && BPFX_HAVE_JIT;
		return 0;
	case BPFX_ENGINE_INTERP:
		if (!trusted)
			return bpfx_fail(d, BPFX_E_UNVERIFIED,
					 "%s: the interp engine runs only verified code or code "
					 "loaded with BPFX_LOAD_TRUSTED; use the checked engine "
					 "(or auto)",
					 prog_name(prog));
		*checked = 0;
		return 0;
	case BPFX_ENGINE_CHECKED:
		*checked = 1;
		return 0;
	case BPFX_ENGINE_JIT:
		if (!BPFX_HAVE_JIT)
			return bpfx_fail(d, BPFX_E_UNSUPPORTED, "%s: the jit engine is not available on this platform",
					 prog_name(prog));
		if (!trusted)
			return bpfx_fail(d, BPFX_E_UNVERIFIED,
					 "%s: the jit engine runs only verified code or code "
					 "loaded with BPFX_LOAD_TRUSTED; use the checked engine "
					 "(or auto)",
					 prog_name(prog));
		*checked = 0;
		*jit = 1;
		return 0;
	default:
		return bpfx_fail(d, BPFX_E_INVAL, "bpfx_run_opts.engine %d is unknown", (int)engine);
	}
}

int bpfx_prog_run(const bpfx_prog *prog, const struct bpfx_run_opts *opts, struct bpfx_run_result *res)
{
	struct bpfx_run_result local;
	struct bpfx_run_opts o;

	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	if (!prog)
		return res->status = BPFX_E_INVAL;
	const bpfx_vm *vm = prog->vm;
	const struct bpfx_diag *d = &vm->diag;
	int err = bpfx_opts_copy(d, &o, sizeof(o), opts, "bpfx_run_opts");
	if (err)
		return res->status = err;
	if (o.nregions && !o.regions)
		return res->status = bpfx_fail(d, BPFX_E_INVAL,
					       "bpfx_run_opts: nregions is %zu but regions is NULL", o.nregions);
	if (!o.ctx && o.ctx_len)
		return res->status = bpfx_fail(d, BPFX_E_INVAL,
					       "bpfx_run_opts: ctx_len is %zu but ctx is NULL", o.ctx_len);
	if (!o.packet && o.packet_len)
		return res->status = bpfx_fail(d, BPFX_E_INVAL,
					       "bpfx_run_opts: packet_len is %zu but packet is NULL", o.packet_len);

	int checked, jit;
	err = pick_engine(prog, o.engine, &checked, &jit);
	if (err)
		return res->status = err;

	/* The stack and the frame records: on the C stack for the default depth. */
	_Alignas(16) uint8_t stack_buf[BPFX_MAX_CALL_DEPTH * BPFX_STACK_SIZE];
	struct bpfx_frame frames_buf[BPFX_MAX_CALL_DEPTH];
	uint8_t *stack = stack_buf;
	struct bpfx_frame *frames = frames_buf;
	uint32_t depth = vm->max_depth;
	int poll = o.budget || o.cancel;
	struct tail_carry tc = {.engine = o.engine, .may_goto_left = BPFX_MAY_GOTO_COUNT};

	/* One program after the other: the first, then each tail call's target. */
	for (const bpfx_prog *cur = prog;;) {
		memset(res, 0, sizeof(*res));
		tc.next = NULL;
		const struct bpfx_jit_prog *jp = jit ? jit_get(cur, poll) : NULL;
		if (jp) {
			err = jit_run(cur, jp, poll, &o, &tc, res);
		} else {
			/* not compilable (logged once): the fast interpreter runs it */
			if (depth > BPFX_MAX_CALL_DEPTH && stack == stack_buf) {
				stack = aligned_alloc(16, (size_t)depth * BPFX_STACK_SIZE);
				frames = malloc(depth * sizeof(*frames));
				if (!stack || !frames) {
					free(stack);
					free(frames);
					return res->status = bpfx_fail(d, BPFX_E_NOMEM,
								       "out of memory for a %u-frame stack", depth);
				}
			}
			/* Frame 0 now; the others when first entered (bpfx_run_enter_frame). */
			memset(stack + (size_t)(depth - 1) * BPFX_STACK_SIZE, 0, BPFX_STACK_SIZE);

			struct bpfx_run run = {
				.prog = cur,
				.opts = &o,
				.diag = d,
				.checked = checked,
				.stack_end = stack + (size_t)depth * BPFX_STACK_SIZE,
				.depth = 0,
				.max_depth = depth,
				.frames = frames,
				.consumed = tc.used,
				.budget = o.budget,
				.cancel = o.cancel,
				.may_goto_left = tc.may_goto_left,
				.packet = o.packet ? o.packet : o.ctx,
				.packet_len = o.packet ? o.packet_len : o.ctx_len,
				.engine = tc.engine,
				.tail_count = tc.tail_count,
			};
			refill(&run);
			struct bpfx_entry e = {.pc = 0, .base = 0};
			e.args[0] = (uint64_t)(uintptr_t)o.ctx;
			e.args[1] = o.ctx_len;
			err = interp_run(&run, &e);

			res->status = err;
			res->r0 = err ? 0 : e.r0;
			if (err) {
				res->insn = run.insn;
				res->fault_addr = run.fault_addr;
				res->fault_len = run.fault_len;
			}
			uint64_t used = run.consumed + (run.chunk - run.tick);
			tc.used = run.budget && used > run.budget ? run.budget : used;
			res->budget_used = tc.used;
			tc.may_goto_left = run.may_goto_left;
			tc.tail_count = run.tail_count;
			tc.next = err ? NULL : run.tail_target;
		}
		if (!tc.next)
			break;
		cur = tc.next;
		/* Each program starts a fresh poll interval: a tail call also polls
		 * the cancel flag, so chains of short programs notice it too. */
		if (o.cancel && __atomic_load_n(o.cancel, __ATOMIC_RELAXED)) {
			memset(res, 0, sizeof(*res));
			res->status = bpfx_fail(d, BPFX_E_CANCELLED,
						"%s: insn 0: the run was cancelled (polled at the tail call into it) [%s]",
						prog_name(cur), bpfx_status_name(BPFX_E_CANCELLED));
			res->budget_used = o.budget ? tc.used : 0;
			break;
		}
		/* bpfx_run_tail_call checked the target against the engine; the
		 * verified mark may have been cleared since. */
		err = pick_engine(cur, tc.engine, &checked, &jit);
		if (err) {
			memset(res, 0, sizeof(*res));
			res->status = err;
			break;
		}
	}
	if (stack != stack_buf) {
		free(stack);
		free(frames);
	}
	return res->status;
}

/* ------------------------------------------------- for helpers: the run --- */

void *bpfx_run_user(const bpfx_run *run)
{
	return run ? run->opts->user : NULL;
}

const bpfx_prog *bpfx_run_prog(const bpfx_run *run)
{
	return run ? run->prog : NULL;
}

void bpfx_run_stop(bpfx_run *run, uint64_t r0)
{
	if (!run || run->stop)
		return;
	run->stop = 1;
	run->stop_r0 = r0;
	if (run->jit) {
		run->jr.stop = 1;
		run->jr.stop_status = 0;
		run->jr.stop_r0 = r0;
	}
}

void bpfx_run_fail(bpfx_run *run, int status)
{
	if (!run || run->status)
		return;
	if (status >= 0)
		status = BPFX_E_HELPER_FAIL;
	bpfx_fail(run->diag, status, "%s: a helper ended the run with %s", prog_name(run->prog),
		  bpfx_status_name(status));
	run->stop = 1;
	run->status = status;
	if (run->jit) {
		run->jr.stop = 1;
		run->jr.stop_status = status;
		run->jr.stop_r0 = 0;
	}
}

int bpfx_run_stopped(const bpfx_run *run)
{
	return run ? run->stop : 0;
}

int bpfx_run_check_mem(const bpfx_run *run, const void *ptr, size_t len, int write)
{
	if (!run || !run->checked)
		return 0;
	return bpfx_run_find_region(run, (uint64_t)(uintptr_t)ptr, len, write) ? BPFX_E_MEM_FAULT : 0;
}

/* Bytes of native stack per BPF frame in the x86-64 JIT's code (see the
 * comment at the top of src/jit/x86_64.c): a helper called from the main
 * frame sees saved_rsp - helper_rsp == one frame. */
#define VM_JIT_FRAME_BYTES (8u + 8u + BPFX_STACK_SIZE + 32u)

int bpfx_run_tail_call(bpfx_run *run, const bpfx_prog *target)
{
	if (!run)
		return BPFX_E_INVAL;
	if (run->stop)
		return run->status ? run->status : BPFX_E_INVAL;
	const struct bpfx_diag *d = run->diag;
	const char *name = prog_name(run->prog);
	if (!target)
		return bpfx_fail(d, BPFX_E_INVAL, "%s: tail call: the target program is NULL", name);
	if (target->vm != run->prog->vm)
		return bpfx_fail(d, BPFX_E_INVAL, "%s: tail call to '%s': it was loaded into another VM", name,
				 prog_name(target));
	int nested = run->cb_nesting > 0;
	if (run->jit)
		nested = nested || run->jr.saved_rsp - run->jr.helper_rsp > VM_JIT_FRAME_BYTES;
	else
		nested = nested || run->depth > 0;
	if (nested)
		return bpfx_fail(d, BPFX_E_INVAL,
				 "%s: tail call to '%s' from inside a bpf-to-bpf call or a callback: bpfx "
				 "allows tail calls from the program's main frame only",
				 name, prog_name(target));
	if (run->tail_count >= BPFX_MAX_TAIL_CALLS)
	{
		/* Normal program behaviour (Linux falls through silently): debug level. */
		bpfx_logf(d, BPFX_LOG_DEBUG, "%s: tail call to '%s' refused: the run has made %u tail calls, the limit",
			  name, prog_name(target), run->tail_count);
		return BPFX_E_RANGE;
	}
	int trusted = (target->flags & BPFX_LOAD_TRUSTED) || bpfx_prog_is_verified(target);
	if (!trusted && (run->engine == BPFX_ENGINE_INTERP || run->engine == BPFX_ENGINE_JIT))
		return bpfx_fail(d, BPFX_E_UNVERIFIED,
				 "%s: tail call to '%s': this %s run cannot run it (neither verified nor loaded "
				 "with BPFX_LOAD_TRUSTED; the checked or auto engine can)",
				 name, prog_name(target), bpfx_engine_name(run->engine));
	run->tail_count++;
	run->tail_target = target;
	bpfx_run_stop(run, 0);
	return 0;
}

int bpfx_run_callback(bpfx_run *run, uint64_t code_addr, uint64_t r1, uint64_t r2, uint64_t r3,
		      uint64_t r4, uint64_t r5, uint64_t *r0)
{
	if (!run)
		return BPFX_E_INVAL;
	if (run->stop)
		return run->status;
	size_t t;
	if (!bpfx_prog_code_index(run->prog, code_addr, &t))
		return bpfx_fail(run->diag, BPFX_E_INVAL,
				 "%s: bpfx_run_callback: 0x%llx is not the address of an instruction of "
				 "this program",
				 prog_name(run->prog), (unsigned long long)code_addr);
	uint32_t saved = run->depth;
	if (saved + 1 >= run->max_depth) {
		bpfx_fail(run->diag, BPFX_E_CALL_DEPTH,
			  "%s: callback to insn %zu would need frame %u, beyond the limit of %u frames",
			  prog_name(run->prog), t, saved + 2, run->max_depth);
		run->stop = 1;
		run->status = BPFX_E_CALL_DEPTH;
		return run->status;
	}
	if (run->jit) {
		/* A callback is a call: one budget event (counted by the polling
		 * variant only, like the code itself). */
		if (run->opts->budget || run->opts->cancel) {
			if (run->jr.budget == 0 || (run->opts->cancel && __atomic_load_n(run->opts->cancel, __ATOMIC_RELAXED))) {
				int code = run->jr.budget == 0 ? BPFX_E_BUDGET : BPFX_E_CANCELLED;
				run->jr.insn = (uint32_t)t;
				jit_report(run, code);
				run->jr.stop = 1;
				run->jr.stop_status = code;
				run->jr.stop_r0 = 0;
				return code;
			}
			run->jr.budget--;
		}
		uint64_t args[5] = {r1, r2, r3, r4, r5}, cr0 = 0;
		run->cb_nesting++;
		int err = bpfx_jit_call(run->jit, t, args, &run->jr, &cr0);
		run->cb_nesting--;
		if (err == BPFX_E_INVAL && !run->jr.stop)
			return bpfx_fail(run->diag, BPFX_E_INVAL,
					 "%s: bpfx_run_callback: insn %zu is not the start of a function "
					 "(a local call or code-address target)",
					 prog_name(run->prog), t);
		if (err) {
			/* bpfx_jit_call does not say which instruction of the
			 * callback failed: the run's insn will be the helper call
			 * that made the callback (recorded when the program ends). */
			if (!run->status) {
				char msg[256];
				jit_describe(run, err, t, msg, sizeof(msg));
				bpfx_fail(run->diag, err, "%s: in the callback at insn %zu: %s [%s]", prog_name(run->prog), t,
					  msg, bpfx_status_name(err));
				run->status = err;
			}
			run->stop = 1;
			run->jr.stop = 1;
			run->jr.stop_status = run->status;
			run->jr.stop_r0 = 0;
			return run->status;
		}
		if (r0)
			*r0 = cr0;
		return 0;
	}
	/* A callback is a call: one budget event. */
	if (--run->tick == 0) {
		int err = bpfx_run_poll(run, t);
		if (err)
			return err;
	}
	run->depth = saved + 1;
	bpfx_run_enter_frame(run, saved + 1);
	struct bpfx_entry e = {.pc = t, .base = saved + 1, .args = {r1, r2, r3, r4, r5}};
	run->cb_nesting++;
	int err = interp_run(run, &e);
	run->cb_nesting--;
	run->depth = saved;
	if (r0)
		*r0 = e.r0;
	return err;
}
