/* SPDX-License-Identifier: MIT */
/* calls.c - helper, kfunc and bpf-to-bpf calls, and exit. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpfx/asm.h>

#include "../isa/validate.h"
#include "../vm/vm_internal.h"
#include "state.h"
#include "verifier_internal.h"

/* ---- calls and exit ---- */

#define HM_READ 0x1
#define HM_WRITE 0x2
#define HM_NULL_OK 0x4

static int helper_mem(struct venv *e, struct vstate *st, const char *fname, unsigned rn, unsigned how, uint64_t minsz,
		      uint64_t maxsz)
{
	struct vreg *r = reg(st, rn);
	if (r->type == VT_SCALAR && (how & HM_NULL_OK) && bpfx_scalar_is_const(&r->s) && r->s.t.value == 0)
		return 0;
	if (!is_ptr(r))
		return vf_fail(e, st, BPFX_RULE_CALL_002, "%s: argument r%u must point to memory, but it is a %s", fname, rn,
			    vt_names[r->type]);
	if (r->flags & VF_NULL)
		return vf_fail(e, st, BPFX_RULE_MEM_004, "%s: argument r%u may be NULL; check it first", fname, rn);
	if (maxsz == 0)
		return 0;
	int64_t lo = r->s.r64.smin, hi = r->s.r64.smax + (int64_t)maxsz; /* [lo, hi) */
	switch (r->type) {
	case VT_STACK: {
		struct vframe *f = st->fr[r->frame];
		if (lo < -BPFX_STACK_SIZE || hi > 0) {
			vf_note_slots(e, r->frame, lo, hi - 1);
			return vf_fail(e, st, BPFX_RULE_CALL_003,
				    "%s: argument r%u covers stack bytes [%lld, %lld), outside the frame [-512, 0)", fname,
				    rn, (long long)lo, (long long)hi);
		}
		int err = vf_stack_depth_check(e, st, r->frame, lo);
		if (err)
			return err;
		if (how & HM_READ)
			for (int64_t b = lo; b < hi; b++) {
				uint8_t t = f->stype[b + BPFX_STACK_SIZE];
				if (t == ST_INVALID) {
					vf_note_slots(e, r->frame, b, b);
					return vf_fail(e, st, BPFX_RULE_CALL_003,
						    "%s: argument r%u covers stack bytes [%lld, %lld), but byte %lld was "
						    "never written",
						    fname, rn, (long long)lo, (long long)hi, (long long)b);
				}
				if (t == ST_SPILL && e->unpriv && is_ptr(VSPILL(f, (b + BPFX_STACK_SIZE) / 8)))
					return vf_fail(e, st, BPFX_RULE_LEAK_004,
						    "%s: argument r%u lets the helper read a spilled pointer as data",
						    fname, rn);
			}
		if (how & HM_WRITE) {
			vf_stack_clobber(e, f, lo, hi);
			if (lo == r->s.r64.smax)
				memset(&f->stype[lo + BPFX_STACK_SIZE], ST_MISC, (size_t)minsz);
		}
		return 0;
	}
	case VT_MAP_VALUE: {
		const struct bpfx_map_desc *m = &e->maps[r->aux];
		if (lo < 0 || hi > (int64_t)m->value_size)
			return vf_fail(e, st, BPFX_RULE_CALL_003,
				    "%s: argument r%u covers bytes [%lld, %lld) of a %u-byte value of map '%s'", fname, rn,
				    (long long)lo, (long long)hi, m->value_size, vf_map_name(e, r->aux));
		if ((how & HM_WRITE) && (m->flags & BPFX_MAP_RDONLY_PROG))
			return vf_fail(e, st, BPFX_RULE_CALL_003, "%s: argument r%u is written by the helper but map '%s' is "
				    "read-only",
				    fname, rn, vf_map_name(e, r->aux));
		/* as Linux: not even read (a copy of a locked value would be torn) */
		if ((m->flags & BPFX_MAP_SPIN_LOCK) && lo < (int64_t)m->spin_lock_off + 4 && hi > (int64_t)m->spin_lock_off)
			return vf_fail(e, st, BPFX_RULE_MEM_008,
				    "%s: argument r%u covers bytes [%lld, %lld) of the value of map '%s', which include its "
				    "spin lock at [%u, %u): only bpf_spin_lock / bpf_spin_unlock may touch it",
				    fname, rn, (long long)lo, (long long)hi, vf_map_name(e, r->aux), m->spin_lock_off,
				    m->spin_lock_off + 4);
		return 0;
	}
	case VT_MEM:
		if (lo < 0 || hi > (int64_t)r->aux)
			return vf_fail(e, st, BPFX_RULE_CALL_003, "%s: argument r%u covers bytes [%lld, %lld) of %u-byte memory",
				    fname, rn, (long long)lo, (long long)hi, r->aux);
		if ((how & HM_WRITE) && (r->flags & VF_RDONLY))
			return vf_fail(e, st, BPFX_RULE_CALL_003, "%s: argument r%u is written by the helper but is read-only",
				    fname, rn);
		return 0;
	case VT_PKT:
		if ((how & HM_WRITE) && (e->pt->flags & BPFX_PROG_TYPE_PACKET_RDONLY))
			return vf_fail(e, st, BPFX_RULE_CALL_003, "%s: argument r%u lets the helper write the packet, which "
				    "program type '%s' may not", fname, rn, e->pt->name);
		if (lo < 0 || (hi > (int64_t)st->pkt_range && !(r->id && (int64_t)r->lenoff + (int64_t)maxsz <= (int64_t)r->aux)))
			return vf_fail(e, st, BPFX_RULE_CALL_003,
				    "%s: argument r%u covers packet bytes [%lld, %lld), but only %llu are proven", fname,
				    rn, (long long)lo, (long long)hi, (unsigned long long)st->pkt_range);
		return 0;
	default:
		return vf_fail(e, st, BPFX_RULE_CALL_002, "%s: argument r%u is a %s pointer, not memory the helper may use",
			    fname, rn, vt_names[r->type]);
	}
}

/* The packet may have moved or shrunk: nothing proven about it holds. */
static void forget_packet(struct venv *e, struct vstate *st)
{
	st->pkt_range = 0;
	st->meta_range = 0;
	for (uint32_t fi = 0; fi < st->nframes; fi++) {
		struct vframe *fr = st->fr[fi];
		for (int i = 0; i < BPFX_NREGS; i++) {
			struct vreg *r = &fr->regs[i];
			if (r->type == VT_PKT || r->type == VT_PKT_END || r->type == VT_PKT_META)
				vf_set_uninit(r);
			else if (r->type == VT_SCALAR)
				r->flags &= (uint8_t)~VF_LEN;
		}
		for (int sl = 0; sl < VSLOTS; sl++) {
			if (fr->stype[sl * 8] != ST_SPILL)
				continue;
			struct vreg *r = VSPILL(fr, sl);
			if (r->type == VT_PKT || r->type == VT_PKT_END || r->type == VT_PKT_META)
				memset(&fr->stype[sl * 8], e->unpriv ? ST_INVALID : ST_MISC, 8);
			else if (r->type == VT_SCALAR)
				r->flags &= (uint8_t)~VF_LEN;
		}
	}
}

/* What the arguments of a helper call said, for its result. */
struct hcall {
	const struct vplat_func *f;
	const struct bpfx_callback_proto *cb; /* the callback's signature (func_reg > 0) */
	int64_t map, alloc;
	uint32_t release;
	unsigned func_reg; /* register holding the callback, 0 if none */
	int64_t lock_map;  /* BPFX_ARG_PTR_TO_SPIN_LOCK: the map, else -1 */
	uint32_t lock_id;  /* ... and the value pointer's id */
};

/* ---- callback signatures ---- */

static const struct bpfx_callback_proto cb_loop = {
	.sz = sizeof(struct bpfx_callback_proto),
	.args = {BPFX_CB_ARG_INDEX, BPFX_CB_ARG_PASS},
	.from = {1, 3},
	.ret_min = 0,
	.ret_max = 1,
};
static const struct bpfx_callback_proto cb_for_each = {
	.sz = sizeof(struct bpfx_callback_proto),
	.args = {BPFX_CB_ARG_MAP, BPFX_CB_ARG_MAP_KEY, BPFX_CB_ARG_MAP_VALUE, BPFX_CB_ARG_PASS},
	.from = {1, 1, 1, 3},
	.ret_min = 0,
	.ret_max = 1,
};

int bpfx_platform_set_callback(bpfx_platform *p, uint32_t helper_id, const struct bpfx_callback_proto *cb)
{
	if (!p || !cb)
		return BPFX_E_INVAL;
	struct bpfx_callback_proto c;
	int err = bpfx_opts_copy(&p->diag, &c, sizeof(c), cb, "bpfx_callback_proto");
	if (err)
		return err;
	for (int i = 0; i < 5; i++) {
		if ((unsigned)c.args[i] > BPFX_CB_ARG_MAP_VALUE)
			return bpfx_fail(&p->diag, BPFX_E_INVAL, "callback of helper %u: r%d has unknown kind %d",
					 helper_id, i + 1, (int)c.args[i]);
		if (c.args[i] >= BPFX_CB_ARG_INDEX && (c.from[i] < 1 || c.from[i] > 5))
			return bpfx_fail(&p->diag, BPFX_E_INVAL,
					 "callback of helper %u: r%d derives from helper argument %u; 1..5 expected",
					 helper_id, i + 1, c.from[i]);
	}
	if (c.ret_min > c.ret_max)
		return bpfx_fail(&p->diag, BPFX_E_INVAL, "callback of helper %u: return range [%lld, %lld] is empty",
				 helper_id, (long long)c.ret_min, (long long)c.ret_max);
	for (size_t i = 0; i < p->ncbs; i++)
		if (p->cbs[i].id == helper_id) {
			p->cbs[i].cb = c;
			return 0;
		}
	struct vplat_cb *n = realloc(p->cbs, (p->ncbs + 1) * sizeof(*n));
	if (!n)
		return bpfx_fail(&p->diag, BPFX_E_NOMEM, "out of memory adding a callback signature");
	p->cbs = n;
	n[p->ncbs].id = helper_id;
	n[p->ncbs].cb = c;
	p->ncbs++;
	return 0;
}

/* The signature of the callback helper f takes: set by the host, or the
 * Linux one for loop / for_each_map_elem; NULL if none. */
static const struct bpfx_callback_proto *cb_proto(const bpfx_platform *p, const struct vplat_func *f)
{
	for (size_t i = 0; i < p->ncbs; i++)
		if (p->cbs[i].id == f->id)
			return &p->cbs[i].cb;
	if (f->proto.args[1] == BPFX_ARG_PTR_TO_FUNC && f->id == 181)
		return &cb_loop;
	if (f->proto.args[1] == BPFX_ARG_PTR_TO_FUNC && f->proto.args[0] == BPFX_ARG_CONST_MAP_PTR && f->id == 164)
		return &cb_for_each;
	return NULL;
}

static int helper_args(struct venv *e, struct vstate *st, const struct vplat_func *f, struct hcall *h)
{
	const struct bpfx_func_proto *p = &f->proto;
	const char *fname = f->name;
	int64_t map = -1, alloc = -1;
	int pend = -1;
	unsigned pend_how = 0;
	uint32_t release = 0;
	int err;
	h->f = f;
	h->cb = NULL;
	h->func_reg = 0;
	h->lock_map = -1;
	h->lock_id = 0;
	if ((p->flags & BPFX_PROTO_MAY_STOP) && st->nrefs) /* a tail call, say: the program may end here */
		return vf_fail(e, st, BPFX_RULE_REF_001, "%s may end the program while it still holds the reference acquired "
			    "at insn %u%s", fname, st->ref_insn[0], st->nrefs > 1 ? " (and others)" : "");
	for (unsigned i = 0; i < 5 && p->args[i] != BPFX_ARG_NONE; i++) {
		unsigned rn = i + 1;
		enum bpfx_arg_kind k = p->args[i];
		if ((err = vf_check_init(e, st, rn)))
			return err;
		struct vreg *r = reg(st, rn);
		if (pend >= 0 && k != BPFX_ARG_CONST_SIZE && k != BPFX_ARG_CONST_SIZE_OR_ZERO)
			return vf_fail(e, st, BPFX_RULE_CALL_004, "%s: memory argument r%d is not followed by a size argument",
				    fname, pend);
		switch (k) {
		case BPFX_ARG_ANYTHING:
			break;
		case BPFX_ARG_SCALAR:
			if (r->type != VT_SCALAR)
				return vf_fail(e, st, e->unpriv ? BPFX_RULE_LEAK_004 : BPFX_RULE_CALL_002,
					    "%s: argument r%u must be a number, but it is a %s pointer", fname, rn,
					    vt_names[r->type]);
			break;
		case BPFX_ARG_CONST_SIZE:
		case BPFX_ARG_CONST_SIZE_OR_ZERO:
			if (r->type != VT_SCALAR)
				return vf_fail(e, st, BPFX_RULE_CALL_002, "%s: size argument r%u must be a number", fname, rn);
			if (pend < 0)
				return vf_fail(e, st, BPFX_RULE_CALL_004, "%s: size argument r%u follows no memory argument", fname,
					    rn);
			if (k == BPFX_ARG_CONST_SIZE && r->s.r64.umin == 0)
				return vf_fail(e, st, BPFX_RULE_CALL_003, "%s: size argument r%u may be 0; this helper needs at least 1",
					    fname, rn);
			if (r->s.r64.umax > (uint64_t)MAX_VAR_OFF)
				return vf_fail(e, st, BPFX_RULE_CALL_003,
					    "%s: size argument r%u is not bounded (up to %llu); bound it first", fname, rn,
					    (unsigned long long)r->s.r64.umax);
			if ((err = helper_mem(e, st, fname, (unsigned)pend, pend_how, r->s.r64.umin, r->s.r64.umax)))
				return err;
			pend = -1;
			break;
		case BPFX_ARG_PTR_TO_MEM:
		case BPFX_ARG_PTR_TO_MEM_OR_NULL:
		case BPFX_ARG_PTR_TO_WRITABLE_MEM:
		case BPFX_ARG_PTR_TO_UNINIT_MEM:
			pend = (int)rn;
			pend_how = k == BPFX_ARG_PTR_TO_MEM ? HM_READ
				   : k == BPFX_ARG_PTR_TO_MEM_OR_NULL ? HM_READ | HM_NULL_OK
				   : k == BPFX_ARG_PTR_TO_WRITABLE_MEM ? HM_READ | HM_WRITE
								       : HM_WRITE;
			break;
		case BPFX_ARG_PTR_TO_CTX:
			if (!((r->type == VT_CTX || (r->type == VT_PKT && e->pt->ctx_kind == BPFX_CTX_BUFFER)) &&
			      bpfx_scalar_is_const(&r->s) && r->s.t.value == 0))
				return vf_fail(e, st, BPFX_RULE_CALL_002, "%s: argument r%u must be the context pointer (unmodified)",
					    fname, rn);
			break;
		case BPFX_ARG_CONST_MAP_PTR:
			if (r->type != VT_MAP)
				return vf_fail(e, st, BPFX_RULE_CALL_002, "%s: argument r%u must be a map (lddw), but it is a %s",
					    fname, rn, vt_names[r->type]);
			if (r->flags & VF_NULL)
				return vf_fail(e, st, BPFX_RULE_CALL_002,
					    "%s: argument r%u is an inner map that may be NULL: check it first", fname, rn);
			map = r->aux;
			break;
		case BPFX_ARG_PTR_TO_MAP_KEY:
		case BPFX_ARG_PTR_TO_MAP_VALUE:
		case BPFX_ARG_PTR_TO_UNINIT_MAP_VALUE: {
			if (map < 0)
				return vf_fail(e, st, BPFX_RULE_CALL_004, "%s: map key/value argument r%u has no map argument before it",
					    fname, rn);
			uint64_t sz = k == BPFX_ARG_PTR_TO_MAP_KEY ? e->maps[map].key_size : e->maps[map].value_size;
			if ((err = helper_mem(e, st, fname, rn, k == BPFX_ARG_PTR_TO_UNINIT_MAP_VALUE ? HM_WRITE : HM_READ, sz,
					      sz)))
				return err;
			break;
		}
		case BPFX_ARG_PTR_TO_LONG:
		case BPFX_ARG_PTR_TO_INT: {
			uint64_t sz = k == BPFX_ARG_PTR_TO_LONG ? 8 : 4;
			if ((err = helper_mem(e, st, fname, rn, HM_WRITE, sz, sz)))
				return err;
			break;
		}
		case BPFX_ARG_RELEASE_REF:
			if (is_ptr(r) && (r->flags & VF_NULL))
				return vf_fail(e, st, BPFX_RULE_MEM_004, "%s: argument r%u may be NULL; check it before releasing it",
					    fname, rn);
			if (!is_ptr(r) || !r->ref || !vf_has_ref(st, r->ref))
				return vf_fail(e, st, BPFX_RULE_REF_002,
					    "%s: argument r%u is not a live acquired reference (already released, or never "
					    "acquired)",
					    fname, rn);
			if (!bpfx_scalar_is_const(&r->s) || r->s.t.value != 0)
				return vf_fail(e, st, BPFX_RULE_REF_002,
					    "%s: argument r%u must point where the acquiring call pointed (offset 0)", fname, rn);
			release = r->ref;
			break;
		case BPFX_ARG_PTR_TO_FUNC:
			if (h->func_reg || !(h->cb = cb_proto(e->plat, f)))
				return vf_fail(e, st, BPFX_RULE_CALL_004,
					    "%s: argument r%u is a callback, but the platform gives no signature for it%s",
					    fname, rn, h->func_reg ? " (only one callback per helper is supported)" : "");
			if (r->type != VT_FUNC)
				return vf_fail(e, st, BPFX_RULE_CALL_002,
					    "%s: argument r%u must be a function of the program (lddw rX, code address), "
					    "but it is a %s",
					    fname, rn, vt_names[r->type]);
			if (r->aux == 0 || !bpfx_scalar_is_const(&r->s) || r->s.t.value != 0)
				return vf_fail(e, st, BPFX_RULE_CALL_002,
					    "%s: argument r%u must be the start of a function other than the entry", fname,
					    rn);
			h->func_reg = rn;
			break;
		case BPFX_ARG_PTR_TO_SPIN_LOCK: {
			if (f->id != 93 && f->id != 94)
				return vf_fail(e, st, BPFX_RULE_CALL_004,
					    "%s: argument r%u is a spin lock, which only helpers 93 (lock) and 94 (unlock) "
					    "may take",
					    fname, rn);
			const struct bpfx_map_desc *m = r->type == VT_MAP_VALUE ? &e->maps[r->aux] : NULL;
			if (!m || (r->flags & VF_NULL))
				return vf_fail(e, st, r->type == VT_MAP_VALUE ? BPFX_RULE_MEM_004 : BPFX_RULE_LOCK_001,
					    "%s: argument r%u must point to the spin lock in a map value, but it is a %s%s", fname,
					    rn, vt_names[r->type], (r->flags & VF_NULL) ? " that may be NULL" : "");
			if (!(m->flags & BPFX_MAP_SPIN_LOCK))
				return vf_fail(e, st, BPFX_RULE_LOCK_001,
					    "%s: argument r%u points into a value of map '%s', which has no spin lock", fname,
					    rn, vf_map_name(e, r->aux));
			if (!bpfx_scalar_is_const(&r->s) || r->s.t.value != m->spin_lock_off)
				return vf_fail(e, st, BPFX_RULE_LOCK_001,
					    "%s: argument r%u must point to the spin lock at offset %u of the value of map "
					    "'%s', not at offset %lld%s",
					    fname, rn, m->spin_lock_off, vf_map_name(e, r->aux), (long long)r->s.r64.smin,
					    bpfx_scalar_is_const(&r->s) ? "" : " (or more)");
			h->lock_map = r->aux;
			h->lock_id = r->id;
			break;
		}
		case BPFX_ARG_PTR_TO_STACK_OR_NULL:
			if (r->type == VT_SCALAR && bpfx_scalar_is_const(&r->s) && r->s.t.value == 0)
				break;
			if (r->type != VT_STACK || (r->flags & VF_NULL) || !bpfx_scalar_is_const(&r->s))
				return vf_fail(e, st, BPFX_RULE_CALL_002,
					    "%s: argument r%u must be NULL or a pointer into the stack at a known offset, "
					    "but it is a %s",
					    fname, rn, vt_names[r->type]);
			break;
		case BPFX_ARG_CONST_ALLOC_SIZE_OR_ZERO:
			if (r->type != VT_SCALAR || !bpfx_scalar_is_const(&r->s) || r->s.t.value > UINT32_MAX)
				return vf_fail(e, st, BPFX_RULE_CALL_002, "%s: allocation size r%u must be a known constant", fname,
					    rn);
			alloc = (int64_t)r->s.t.value;
			break;
		case BPFX_ARG_PTR_TO_BTF_ID: /* btf.c */
			if ((err = vf_btf_arg(e, st, p, fname, i)))
				return err;
			break;
		case BPFX_ARG_PTR_TO_CONST_STR: /* memory.c */
			if ((err = vf_check_const_str(e, st, fname, rn)))
				return err;
			break;
		default:
			return vf_fail(e, st, BPFX_RULE_CALL_004, "%s: argument %u has a kind (%d) this verifier does not check yet",
				    fname, rn, (int)k);
		}
	}
	if (pend >= 0)
		return vf_fail(e, st, BPFX_RULE_CALL_004, "%s: memory argument r%d is not followed by a size argument", fname, pend);
	h->map = map;
	h->alloc = alloc;
	h->release = release;
	/* what the return kind needs, checked while the arguments are still visible */
	switch (p->ret) {
	case BPFX_RET_VOID:
	case BPFX_RET_INTEGER:
	case BPFX_RET_PTR_TO_BTF_ID_OR_NULL:
		break;
	case BPFX_RET_MAP_VALUE_OR_NULL:
		if (map < 0)
			return vf_fail(e, st, BPFX_RULE_CALL_004, "%s returns a map value but takes no map argument", fname);
		if (e->maps[map].kind == BPFX_MAP_KIND_OTHER)
			return vf_fail(e, st, BPFX_RULE_MAP_002, "%s would return a value of map '%s', which has no direct value access",
				    fname, vf_map_name(e, (uint32_t)map));
		break;
	case BPFX_RET_MEM_OR_NULL:
	case BPFX_RET_ACQUIRED_MEM_OR_NULL:
		if (alloc < 0)
			return vf_fail(e, st, BPFX_RULE_CALL_004, "%s returns memory but has no allocation-size argument", fname);
		if (p->ret == BPFX_RET_ACQUIRED_MEM_OR_NULL && st->nrefs == VMAX_REFS)
			return vf_fail(e, st, BPFX_RULE_CALL_004, "%s: more than %d references would be held at once", fname,
				    VMAX_REFS);
		break;
	default:
		return vf_fail(e, st, BPFX_RULE_CALL_004, "%s: its return kind (%d) is not supported by this verifier", fname,
			    (int)p->ret);
	}
	return 0;
}

/* The effects of the helper call on the caller's state (r0, clobbers). */
static int helper_result(struct venv *e, struct vstate *st, const struct hcall *h)
{
	const struct bpfx_func_proto *p = &h->f->proto;
	const char *fname = h->f->name;
	int64_t map = h->map, alloc = h->alloc;
	uint32_t release = h->release;
	if (release) {
		vf_remove_ref(st, release);
		FOR_EACH_REG(st, r, {
			if (r->ref == release)
				vf_set_uninit(r);
		});
	}
	for (unsigned i = 1; i <= 5; i++)
		vf_set_uninit(reg(st, i));
	if (p->flags & BPFX_PROTO_CHANGES_PACKET)
		forget_packet(e, st);
	struct vreg *r0 = reg(st, 0);
	switch (p->ret) {
	case BPFX_RET_VOID:
		vf_set_uninit(r0);
		return 0;
	case BPFX_RET_PTR_TO_BTF_ID_OR_NULL:
		return vf_btf_ret(e, st, p, fname);
	case BPFX_RET_INTEGER:
		vf_set_unknown(r0);
		return 0;
	case BPFX_RET_MAP_VALUE_OR_NULL:
		if (map < 0)
			return vf_fail(e, st, BPFX_RULE_CALL_004, "%s returns a map value but takes no map argument", fname);
		if (e->maps[map].kind == BPFX_MAP_KIND_OTHER)
			return vf_fail(e, st, BPFX_RULE_MAP_002, "%s would return a value of map '%s', which has no direct value access",
				    fname, vf_map_name(e, (uint32_t)map));
		if (e->maps[map].kind == BPFX_MAP_KIND_OF_MAPS) { /* the inner map, or NULL */
			vf_set_ptr(r0, VT_MAP, 0);
			r0->aux = e->maps[map].inner_map;
			r0->flags = VF_NULL;
			r0->id = ++e->next_id;
			return 0;
		}
		vf_set_ptr(r0, VT_MAP_VALUE, 0);
		r0->aux = (uint32_t)map;
		r0->flags = VF_NULL;
		r0->id = ++e->next_id;
		return 0;
	case BPFX_RET_MEM_OR_NULL:
	case BPFX_RET_ACQUIRED_MEM_OR_NULL:
		if (alloc < 0)
			return vf_fail(e, st, BPFX_RULE_CALL_004, "%s returns memory but has no allocation-size argument", fname);
		vf_set_ptr(r0, VT_MEM, 0);
		r0->aux = (uint32_t)alloc;
		r0->flags = VF_NULL;
		r0->id = ++e->next_id;
		if (p->ret == BPFX_RET_ACQUIRED_MEM_OR_NULL) {
			if (st->nrefs == VMAX_REFS)
				return vf_fail(e, st, BPFX_RULE_CALL_004, "%s: more than %d references would be held at once", fname,
					    VMAX_REFS);
			r0->ref = r0->id;
			st->refs[st->nrefs] = r0->ref;
			st->ref_insn[st->nrefs++] = st->pc;
		}
		return 0;
	default:
		return vf_fail(e, st, BPFX_RULE_CALL_004, "%s: its return kind (%d) is not supported by this verifier", fname,
			    (int)p->ret);
	}
}

/* ---- callbacks ----
 *
 * A helper that takes a callback calls it any number of times before it
 * returns. The call site is analysed as a loop: arriving there, the path
 * forks into "the helper returns now" (the helper's result, pc + 1) and "it
 * calls the callback" (a new frame at the callback's entry). When the
 * callback exits, the caller's state (with whatever the callback did through
 * its pointers) arrives at the call site again and forks the same way. The
 * caller states arriving at the site during one activation of the call are
 * kept ("heads"); an arrival covered by a head of the same activation ends
 * its path (everything after it was, or is being, explored from the head),
 * and an arrival that is not is widened against the last head first, so that
 * the iteration reaches a fixpoint. Only arrivals of the same activation are
 * compared: the helper bounds how often it calls back, which is what makes
 * ending such a cycle sound; an enclosing loop of the caller has no such
 * bound and keeps being unrolled as any loop. */

struct vcb_head {
	uint32_t act;
	struct vstate *st;
};

#define MAX_CB_HEADS 4096

void vf_calls_free(struct venv *e)
{
	for (size_t i = 0; i < e->ncb_heads; i++)
		vf_state_free(e, e->cb_heads[i].st);
	free(e->cb_heads);
	e->cb_heads = NULL;
	e->ncb_heads = e->capcb_heads = 0;
}

bool vf_is_cb_frame(const struct venv *e, const struct vframe *f)
{
	return f->callsite != UINT32_MAX && f->callsite < e->n && e->ops[f->callsite] >= 0 &&
	       bpfx_op_table[e->ops[f->callsite]].fmt != BPFX_FMT_CALL_LOCAL;
}

static int cb_head_add(struct venv *e, struct vstate *st, uint32_t act)
{
	if (e->ncb_heads == MAX_CB_HEADS)
		return vf_fail(e, st, BPFX_RULE_CFG_005,
			    "more than %d callback iterations had to be kept: the callbacks do not settle", MAX_CB_HEADS);
	if (e->ncb_heads == e->capcb_heads) {
		size_t cap = e->capcb_heads ? e->capcb_heads * 2 : 16;
		struct vcb_head *n = realloc(e->cb_heads, cap * sizeof(*n));
		if (!n)
			return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory keeping callback states");
		e->cb_heads = n;
		e->capcb_heads = cap;
	}
	struct vstate *c = vf_state_copy(e, st);
	if (!c)
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory keeping callback states");
	e->cb_heads[e->ncb_heads++] = (struct vcb_head){act, c};
	return 0;
}

static const struct vcb_head *cb_first_head(const struct venv *e, uint32_t act)
{
	for (size_t i = 0; i < e->ncb_heads; i++)
		if (e->cb_heads[i].act == act)
			return &e->cb_heads[i];
	return NULL;
}

/* The callback's registers at entry, from the caller's helper arguments. */
static int cb_args(struct venv *e, struct vstate *st, const struct hcall *h, struct vframe *nf, bool *never)
{
	const struct bpfx_callback_proto *cb = h->cb;
	const char *fname = h->f->name;
	*never = false;
	for (int i = 0; i < 5; i++) {
		struct vreg *r = &nf->regs[i + 1];
		const struct vreg *a = cb->args[i] >= BPFX_CB_ARG_INDEX ? reg(st, cb->from[i]) : NULL;
		const struct bpfx_map_desc *m = NULL;
		if (a && a->type == VT_UNINIT)
			return vf_fail(e, st, BPFX_RULE_REG_001,
				    "%s: its callback receives r%u of the call, which was never written on this path", fname,
				    cb->from[i]);
		if (cb->args[i] >= BPFX_CB_ARG_MAP) {
			if (a->type != VT_MAP || (a->flags & VF_NULL))
				return vf_fail(e, st, BPFX_RULE_CALL_004,
					    "%s: its callback signature takes a map from r%u, which holds a %s", fname,
					    cb->from[i], vt_names[a->type]);
			m = &e->maps[a->aux];
		}
		switch (cb->args[i]) {
		case BPFX_CB_ARG_NONE:
			break;
		case BPFX_CB_ARG_SCALAR:
			vf_set_unknown(r);
			break;
		case BPFX_CB_ARG_INDEX:
			if (a->type == VT_SCALAR && a->s.r64.umax == 0)
				*never = true; /* called zero times */
			if (a->type == VT_SCALAR && a->s.r64.umax > 0)
				vf_set_scalar(r, bpfx_scalar_urange(0, a->s.r64.umax - 1));
			else
				vf_set_unknown(r);
			break;
		case BPFX_CB_ARG_PASS:
			*r = *a;
			break;
		case BPFX_CB_ARG_MAP:
			*r = *a;
			break;
		case BPFX_CB_ARG_MAP_KEY:
			vf_set_ptr(r, VT_MEM, 0);
			r->aux = m->key_size;
			r->flags = VF_RDONLY;
			break;
		case BPFX_CB_ARG_MAP_VALUE:
			if (m->kind != BPFX_MAP_KIND_HASH && m->kind != BPFX_MAP_KIND_ARRAY)
				return vf_fail(e, st, BPFX_RULE_MAP_002,
					    "%s: its callback would receive values of map '%s', which has no direct value "
					    "access",
					    fname, vf_map_name(e, a->aux));
			vf_set_ptr(r, VT_MAP_VALUE, 0);
			r->aux = a->aux;
			r->id = ++e->next_id; /* one value: its identity (spin locks) */
			break;
		}
	}
	return 0;
}

/* Arrival at a helper call taking a callback, with its arguments checked:
 * the first of its activation (act 0) or after the callback returned. 0: st
 * entered the callback; 1: the path ends; 3: the callback cannot run (st is
 * left for the helper's plain result); < 0: rejected. */
static int cb_arrive(struct venv *e, struct vstate *st, const struct hcall *h, uint32_t act)
{
	int err;
	if (act) {
		const struct vcb_head *last = NULL;
		for (size_t i = 0; i < e->ncb_heads; i++) {
			if (e->cb_heads[i].act != act)
				continue;
			if (vf_covers(e, e->cb_heads[i].st, st))
				return 1;
			last = &e->cb_heads[i];
		}
		if (last)
			vf_widen_state(st, last->st);
	} else {
		act = ++e->next_act;
	}
	struct vframe *nf = vf_frame_alloc(e);
	if (!nf)
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory for a frame");
	bool never;
	if ((err = cb_args(e, st, h, nf, &never))) {
		vf_frame_free(e, nf);
		return err;
	}
	if (never) {
		vf_frame_free(e, nf);
		return 3;
	}
	if (st->nframes >= BPFX_MAX_CALL_DEPTH) {
		vf_frame_free(e, nf);
		return vf_fail(e, st, BPFX_RULE_CFG_006,
			    "%s: its callback would run in frame %u; at most %d frames may be active", h->f->name,
			    st->nframes + 1, BPFX_MAX_CALL_DEPTH);
	}
	if ((err = cb_head_add(e, st, act))) {
		vf_frame_free(e, nf);
		return err;
	}
	/* the helper may return without calling (again) */
	struct vstate *done = vf_state_copy(e, st);
	if (!done) {
		vf_frame_free(e, nf);
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory copying a state");
	}
	uint32_t pc = st->pc;
	done->trail = vf_trail_push(e, st->trail, pc, 0);
	if ((err = helper_result(e, done, h))) {
		vf_state_free(e, done);
		vf_frame_free(e, nf);
		return err;
	}
	done->pc = pc + 1;
	if ((err = vf_push_state(e, done))) {
		vf_frame_free(e, nf);
		return err;
	}
	/* ... or call the callback */
	uint32_t target = reg(st, h->func_reg)->aux;
	st->trail = vf_trail_push(e, st->trail, pc, 1);
	vf_set_ptr(&nf->regs[10], VT_STACK, 0);
	nf->regs[10].frame = (uint8_t)st->nframes;
	nf->callsite = pc;
	nf->subprog = e->subprog_of[target];
	nf->cb_act = act;
	st->fr[st->nframes++] = nf;
	st->pc = target;
	return 0;
}

static const struct vplat_func *site_helper(struct venv *e, const struct vstate *st, const struct bpfx_insn *x,
					    bool kfunc)
{
	(void)st;
	return kfunc ? bpfx_vplat_find(e->plat->kfuncs, e->plat->nkfuncs, (uint32_t)x->imm)
		     : bpfx_vplat_find(e->plat->helpers, e->plat->nhelpers, (uint32_t)x->imm);
}

int vf_do_helper(struct venv *e, struct vstate *st, const struct bpfx_insn *x, bool kfunc)
{
	const struct vplat_func *f = site_helper(e, st, x, kfunc);
	if (!f && kfunc)
		return vf_fail(e, st, BPFX_RULE_CALL_005, "kfunc with BTF id %d is not known to platform '%s'", x->imm,
			    e->plat->name);
	if (!f)
		return vf_fail(e, st, BPFX_RULE_CALL_001, "helper %d is not known to platform '%s'", x->imm, e->plat->name);
	if (!kfunc && e->pt->helpers) {
		bool ok = false;
		for (size_t i = 0; i < e->pt->nhelpers; i++)
			ok |= e->pt->helpers[i] == (uint32_t)x->imm;
		if (!ok)
			return vf_fail(e, st, BPFX_RULE_CALL_001, "helper %d (%s) is not available to program type '%s'", x->imm,
				    f->name, e->pt->name);
	}
	bool unlock = !kfunc && f->id == 94 && f->proto.args[0] == BPFX_ARG_PTR_TO_SPIN_LOCK;
	if (st->lock_map1 && !kfunc && f->id == 93 && f->proto.args[0] == BPFX_ARG_PTR_TO_SPIN_LOCK)
		return vf_fail(e, st, BPFX_RULE_LOCK_002,
			    "%s: the spin lock taken at insn %u is still held; only one may be held at a time", f->name,
			    st->lock_insn);
	if (st->lock_map1 && !unlock)
		return vf_fail(e, st, BPFX_RULE_LOCK_003,
			    "%s is called while the spin lock taken at insn %u is held; release it first", f->name,
			    st->lock_insn);
	struct hcall h;
	int err = helper_args(e, st, f, &h);
	if (err)
		return err;
	if (h.lock_map >= 0) {
		if (!unlock) { /* lock */
			st->lock_map1 = (uint32_t)h.lock_map + 1;
			st->lock_id = h.lock_id;
			st->lock_insn = st->pc;
		} else if (!st->lock_map1) {
			return vf_fail(e, st, BPFX_RULE_LOCK_002, "%s: no spin lock is held here", f->name);
		} else if (st->lock_map1 != (uint32_t)h.lock_map + 1 || st->lock_id != h.lock_id) {
			return vf_fail(e, st, BPFX_RULE_LOCK_002,
				    "%s: the lock passed is not the one taken at insn %u (map '%s'), which is still held",
				    f->name, st->lock_insn, vf_map_name(e, st->lock_map1 - 1));
		} else {
			st->lock_map1 = st->lock_id = 0;
		}
	}
	if (h.func_reg) {
		err = cb_arrive(e, st, &h, 0);
		if (err == 0)
			return 2; /* in the callback */
		if (err != 3)
			return err;
	}
	return helper_result(e, st, &h);
}

/* callx rX: in bpfx (as in the conformance suite) rX holds a helper id,
 * looked up when the call runs. Verified as a call of that helper when the
 * id is one known number; anything else could call any helper. */
int vf_do_callx(struct venv *e, struct vstate *st, const struct bpfx_insn *x)
{
	int err = vf_check_init(e, st, x->dst);
	if (err)
		return err;
	const struct vreg *r = reg(st, x->dst);
	if (r->type != VT_SCALAR || !bpfx_scalar_is_const(&r->s) || r->s.t.value > UINT32_MAX) {
		char buf[512];
		vf_fmt_reg(e, r, buf, sizeof(buf));
		return vf_fail(e, st, BPFX_RULE_CALL_010,
			    "callx r%u: r%u is %s; it must hold one known helper id (callx calls helpers by id, not "
			    "code addresses)",
			    x->dst, x->dst, buf);
	}
	struct bpfx_insn y = *x;
	y.imm = (int32_t)(uint32_t)r->s.t.value;
	const struct vplat_func *f = site_helper(e, st, &y, false);
	for (int i = 0; f && i < 5; i++)
		if (f->proto.args[i] == BPFX_ARG_PTR_TO_FUNC)
			return vf_fail(e, st, BPFX_RULE_CALL_010,
				    "callx r%u: helper %u (%s) takes a callback; call it directly (call %u)", x->dst,
				    (uint32_t)y.imm, f->name, (uint32_t)y.imm);
	return vf_do_helper(e, st, &y, false);
}

/* The callback in the top frame exits: check what it returns and leaves,
 * then arrive at its helper call again. */
static int cb_exit(struct venv *e, struct vstate *st)
{
	struct vframe *f = cur(st);
	uint32_t callsite = f->callsite, act = f->cb_act;
	const struct bpfx_insn *x = &e->insns[callsite];
	const struct vplat_func *hf = site_helper(e, st, x, bpfx_op_table[e->ops[callsite]].fmt == BPFX_FMT_CALL_KFUNC);
	const struct bpfx_callback_proto *cb = hf ? cb_proto(e->plat, hf) : NULL;
	const struct vcb_head *head = cb_first_head(e, act);
	if (!cb || !head) /* cannot happen: the frame was made from them */
		return vf_fail(e, st, BPFX_RULE_CALL_004, "callback frame without a signature");
	struct vreg *r0 = reg(st, 0);
	if (r0->type != VT_SCALAR || r0->s.r64.smin < cb->ret_min || r0->s.r64.smax > cb->ret_max) {
		char buf[512];
		vf_fmt_reg(e, r0, buf, sizeof(buf));
		return vf_fail(e, st, BPFX_RULE_CALL_007, "the callback of %s (called at insn %u) returns %s; it must return a "
			    "number in [%lld, %lld]", hf->name, callsite, buf, (long long)cb->ret_min, (long long)cb->ret_max);
	}
	for (uint32_t i = 0; i < st->nrefs; i++)
		if (!vf_has_ref(head->st, st->refs[i]))
			return vf_fail(e, st, BPFX_RULE_REF_003,
				    "the callback of %s exits still holding the reference acquired at insn %u", hf->name,
				    st->ref_insn[i]);
	if (st->nrefs != head->st->nrefs)
		return vf_fail(e, st, BPFX_RULE_REF_003,
			    "the callback of %s released a reference its caller holds; the helper may call it any number "
			    "of times, so the caller could not know whether it still holds it",
			    hf->name);
	vf_frame_free(e, f);
	st->nframes--;
	st->pc = callsite;
	struct hcall h;
	int err = helper_args(e, st, hf, &h);
	if (err)
		return err;
	err = cb_arrive(e, st, &h, act);
	if (err == 3) /* cannot happen: the arguments did not change */
		return vf_fail(e, st, BPFX_RULE_CALL_004, "callback arguments changed between calls");
	return err;
}

/* ---- global functions ----
 *
 * A function with global linkage in the program's BTF is verified once on
 * its own, from its declared arguments (a number: any number; the context;
 * a pointer to sized memory: NULL or that memory), and a call to it is
 * checked against the declaration only: its arguments must fit, r0 becomes
 * an unknown number and r1-r5 are clobbered. What the function may do
 * through its pointer arguments is what the caller allows by passing them:
 * written memory holds unknown data afterwards; if it may change the packet,
 * the caller's packet pointers are forgotten. */

static const struct bpfx_func_sig *sig_of(const struct venv *e, uint32_t sub)
{
	if (sub == 0 || sub >= e->nsub)
		return NULL; /* the entry is always verified as the program */
	for (size_t i = 0; i < e->nfuncs; i++)
		if (e->funcs[i].insn == e->sub_start[sub])
			return &e->funcs[i];
	return NULL;
}

static const struct bpfx_func_sig *global_sig(const struct venv *e, uint32_t sub)
{
	const struct bpfx_func_sig *g = sig_of(e, sub);
	return g && (g->flags & BPFX_FUNC_GLOBAL) ? g : NULL;
}

static const char *sig_name(const struct bpfx_func_sig *g)
{
	return g->name && g->name[0] ? g->name : "(unnamed)";
}

/* May function `sub`, or a function it calls, change the packet? */
static bool may_change_packet(const struct venv *e, uint32_t sub)
{
	uint8_t *seen = calloc(e->nsub, 1);
	uint32_t *todo = malloc(e->nsub * sizeof(uint32_t));
	bool yes = !seen || !todo; /* out of memory: assume it does */
	size_t n = 0;
	if (!yes) {
		todo[n++] = sub;
		seen[sub] = 1;
	}
	while (n && !yes) {
		uint32_t f = todo[--n];
		uint32_t end = f + 1 < e->nsub ? e->sub_start[f + 1] : (uint32_t)e->n;
		for (uint32_t i = e->sub_start[f]; i < end && !yes; i++) {
			if (e->ops[i] < 0)
				continue;
			int fmt = bpfx_op_table[e->ops[i]].fmt;
			if (fmt == BPFX_FMT_CALL || fmt == BPFX_FMT_CALL_KFUNC) {
				const struct vplat_func *h =
					fmt == BPFX_FMT_CALL
						? bpfx_vplat_find(e->plat->helpers, e->plat->nhelpers, (uint32_t)e->insns[i].imm)
						: bpfx_vplat_find(e->plat->kfuncs, e->plat->nkfuncs, (uint32_t)e->insns[i].imm);
				yes = h && (h->proto.flags & BPFX_PROTO_CHANGES_PACKET);
			} else if (fmt == BPFX_FMT_CALLX) {
				yes = true;
			} else if (fmt == BPFX_FMT_CALL_LOCAL || e->ops[i] == BPFX_OP_LDDW_CODE_ADDR) {
				uint32_t g = e->subprog_of[(int64_t)i + 1 + e->insns[i].imm];
				if (!seen[g]) {
					seen[g] = 1;
					todo[n++] = g;
				}
			}
		}
	}
	free(seen);
	free(todo);
	return yes;
}

static bool is_ctx_reg(const struct venv *e, const struct vreg *r)
{
	if (!bpfx_scalar_is_const(&r->s) || r->s.t.value != 0 || (r->flags & VF_NULL))
		return false;
	switch (e->pt->ctx_kind) {
	case BPFX_CTX_BUFFER: return r->type == VT_PKT;
	case BPFX_CTX_MEMORY: return r->type == VT_MEM && r->aux >= e->pt->ctx_size;
	default: return r->type == VT_CTX;
	}
}

static int global_call(struct venv *e, struct vstate *st, uint32_t sub, const struct bpfx_func_sig *g)
{
	const char *name = sig_name(g);
	char what[160];
	snprintf(what, sizeof(what), "global function %s", name);
	int err;
	for (unsigned i = 0; i < 5 && g->args[i] != BPFX_FARG_NONE; i++) {
		unsigned rn = i + 1;
		if ((err = vf_check_init(e, st, rn)))
			return err;
		struct vreg *r = reg(st, rn);
		switch (g->args[i]) {
		case BPFX_FARG_SCALAR:
			if (r->type != VT_SCALAR)
				return vf_fail(e, st, e->unpriv ? BPFX_RULE_LEAK_004 : BPFX_RULE_CALL_008,
					    "%s: argument r%u is declared a number, but it is a %s pointer", what, rn,
					    vt_names[r->type]);
			break;
		case BPFX_FARG_CTX:
			if (!is_ctx_reg(e, r))
				return vf_fail(e, st, BPFX_RULE_CALL_008,
					    "%s: argument r%u is declared the context, but it is not the unmodified context "
					    "pointer",
					    what, rn);
			break;
		case BPFX_FARG_MEM_OR_NULL: {
			/* a pointer that may be NULL is fine: the function checks */
			uint8_t fl = r->flags;
			r->flags &= (uint8_t)~VF_NULL;
			err = helper_mem(e, st, what, rn, HM_READ | HM_WRITE | HM_NULL_OK, g->arg_size[i], g->arg_size[i]);
			r->flags = fl;
			if (err)
				return err;
			break;
		}
		default:
			return vf_fail(e, st, BPFX_RULE_CALL_008,
				    "%s: argument %u has a type this verifier cannot check (numbers, the context and "
				    "pointers to sized memory can be)",
				    what, rn);
		}
	}
	if (may_change_packet(e, sub))
		forget_packet(e, st);
	for (unsigned i = 1; i <= 5; i++)
		vf_set_uninit(reg(st, i));
	vf_set_unknown(reg(st, 0));
	e->call_seen[st->pc] = 1;
	st->pc++;
	return 0;
}

int vf_verify_globals(struct venv *e)
{
	for (size_t i = 0; i < e->nfuncs; i++) {
		uint32_t at = e->funcs[i].insn;
		if (at >= e->n || e->sub_start[e->subprog_of[at]] != at)
			return bpfx_fail(&e->diag, BPFX_E_INVAL,
					 "bpfx_verify: funcs[%zu] (%s) names insn %u, which is not the first instruction of "
					 "a function",
					 i, sig_name(&e->funcs[i]), at);
	}
	uint8_t *called = calloc(e->nsub, 1);
	if (!called)
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory checking global functions");
	for (size_t i = 0; i < e->n; i++)
		if (e->ops[i] == BPFX_OP_CALL_LOCAL)
			called[e->subprog_of[(int64_t)i + 1 + e->insns[i].imm]] = 1;
	for (uint32_t sub = 1; sub < e->nsub; sub++) {
		const struct bpfx_func_sig *g = global_sig(e, sub);
		/* one only used as a callback (lddw code address) runs as a
		 * callback, where it was verified in context */
		if (!g || !called[sub])
			continue;
		struct vstate *st = calloc(1, sizeof(*st));
		struct vframe *f = st ? vf_frame_alloc(e) : NULL;
		if (!st || !f) {
			free(st);
			free(called);
			return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory for a function's state");
		}
		vf_mem_add(e, sizeof(*st));
		vf_states_add(e, 1);
		st->fr[0] = f;
		st->nframes = 1;
		st->pc = e->sub_start[sub];
		f->callsite = UINT32_MAX;
		f->subprog = sub;
		vf_set_ptr(&f->regs[10], VT_STACK, 0);
		for (unsigned i = 0; i < 5 && g->args[i] != BPFX_FARG_NONE; i++) {
			struct vreg *r = &f->regs[i + 1];
			switch (g->args[i]) {
			case BPFX_FARG_SCALAR:
				vf_set_unknown(r);
				break;
			case BPFX_FARG_CTX:
				if (e->pt->ctx_kind == BPFX_CTX_BUFFER) {
					vf_set_ptr(r, VT_PKT, 0);
				} else if (e->pt->ctx_kind == BPFX_CTX_MEMORY) {
					vf_set_ptr(r, VT_MEM, 0);
					r->aux = e->pt->ctx_size;
				} else {
					vf_set_ptr(r, VT_CTX, 0);
				}
				break;
			case BPFX_FARG_MEM_OR_NULL:
				vf_set_ptr(r, VT_MEM, 0);
				r->aux = g->arg_size[i];
				r->flags = VF_NULL;
				r->id = ++e->next_id;
				break;
			default: {
				int err = vf_fail(e, st, BPFX_RULE_CALL_008,
						  "global function %s: argument %u has a type this verifier cannot check "
						  "(numbers, the context and pointers to sized memory can be)",
						  sig_name(g), i + 1);
				vf_state_free(e, st);
				free(called);
				return err;
			}
			}
		}
		int err = vf_explore(e, st);
		if (err) {
			free(called);
			return err;
		}
	}
	free(called);
	return 0;
}

int vf_do_call_local(struct venv *e, struct vstate *st, const struct bpfx_insn *x)
{
	uint32_t target = st->pc + 1 + (uint32_t)x->imm;
	if (st->lock_map1)
		return vf_fail(e, st, BPFX_RULE_LOCK_003,
			    "a function is called while the spin lock taken at insn %u is held; release it first",
			    st->lock_insn);
	const struct bpfx_func_sig *g = global_sig(e, e->subprog_of[target]);
	if (g)
		return global_call(e, st, e->subprog_of[target], g);
	if (st->nframes >= BPFX_MAX_CALL_DEPTH)
		return vf_fail(e, st, BPFX_RULE_CFG_006, "this call would open frame %u; at most %d frames may be active",
			    st->nframes + 1, BPFX_MAX_CALL_DEPTH);
	struct vframe *nf = vf_frame_alloc(e);
	if (!nf)
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory for a frame");
	struct vframe *caller = cur(st);
	for (int i = 1; i <= 5; i++)
		nf->regs[i] = caller->regs[i];
	vf_set_ptr(&nf->regs[10], VT_STACK, 0);
	nf->regs[10].frame = (uint8_t)st->nframes;
	nf->callsite = st->pc;
	nf->subprog = e->subprog_of[target];
	e->call_seen[st->pc] = 1;
	st->fr[st->nframes++] = nf;
	st->pc = target;
	return 0;
}

int vf_do_exit(struct venv *e, struct vstate *st)
{
	int err;
	if (st->lock_map1)
		return vf_fail(e, st, BPFX_RULE_LOCK_003, "exit while the spin lock taken at insn %u is still held",
			    st->lock_insn);
	const struct bpfx_func_sig *gv = st->nframes == 1 ? global_sig(e, cur(st)->subprog) : NULL;
	if (reg(st, 0)->type == VT_UNINIT && !(gv && gv->returns_void))
		return vf_fail(e, st, BPFX_RULE_REG_001, "r0 (the return value) is not set on this path to exit");
	if (st->nframes > 1) {
		uint32_t fi = st->nframes - 1;
		struct vreg r0 = *reg(st, 0);
		bool cb = vf_is_cb_frame(e, cur(st));
		if (r0.type == VT_STACK && r0.frame == fi)
			return vf_fail(e, st, BPFX_RULE_CALL_006, "the function returns a pointer into its own stack frame");
		struct vframe *f = st->fr[fi];
		uint32_t callsite = f->callsite;
		bool dangling = false;
		for (uint32_t k = 0; k < fi; k++) {
			for (int i = 0; i < BPFX_NREGS; i++)
				dangling |= st->fr[k]->regs[i].type == VT_STACK && st->fr[k]->regs[i].frame == fi;
			for (int s = 0; s < VSLOTS; s++)
				dangling |= st->fr[k]->stype[s * 8] == ST_SPILL && VSPILL(st->fr[k], s)->type == VT_STACK &&
					    VSPILL(st->fr[k], s)->frame == fi;
		}
		if (dangling)
			return vf_fail(e, st, BPFX_RULE_CALL_006,
				    "the function returns while a caller still holds a pointer into its stack frame");
		if (cb)
			return cb_exit(e, st);
		vf_frame_free(e, f);
		st->nframes--;
		struct vframe *c = cur(st);
		for (int i = 1; i <= 5; i++)
			vf_set_uninit(&c->regs[i]);
		c->regs[0] = r0;
		st->pc = callsite + 1;
		return 0;
	}
	struct vreg *r0 = reg(st, 0);
	if (st->nrefs)
		return vf_fail(e, st, BPFX_RULE_REF_001, "exit while still holding the reference acquired at insn %u%s",
			    st->ref_insn[0], st->nrefs > 1 ? " (and others)" : "");
	if (cur(st)->subprog != 0) { /* a global function verified on its own */
		const struct bpfx_func_sig *g = global_sig(e, cur(st)->subprog);
		if (g && !g->returns_void && r0->type != VT_SCALAR)
			return vf_fail(e, st, BPFX_RULE_CALL_009,
				    "global function %s returns a %s pointer; its callers only know it returns a number",
				    sig_name(g), vt_names[r0->type]);
		return 1;
	}
	if (is_ptr(r0) && e->unpriv)
		return vf_fail(e, st, BPFX_RULE_LEAK_002, "r0 holds a %s pointer at exit", vt_names[r0->type]);
	if (e->pt->flags & BPFX_PROG_TYPE_CHECK_RET) {
		if (r0->type != VT_SCALAR || r0->s.r64.smin < e->pt->ret_min || r0->s.r64.smax > e->pt->ret_max) {
			char buf[512];
			vf_fmt_reg(e, r0, buf, sizeof(buf));
			return vf_fail(e, st, BPFX_RULE_REG_002,
				    "r0 at exit is %s; program type '%s' allows only [%lld, %lld]", buf, e->pt->name,
				    (long long)e->pt->ret_min, (long long)e->pt->ret_max);
		}
	}
	(void)err;
	return 1;
}
