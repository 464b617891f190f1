/* SPDX-License-Identifier: MIT */
/* alu.c - ALU instructions and conditional jumps (branch refinement). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpfx/asm.h>

#include "../isa/validate.h"
#include "../vm/vm_internal.h"
#include "state.h"
#include "verifier_internal.h"

/* ---- ALU ---- */

static enum bpfx_aop alu_op(const struct bpfx_insn *x)
{
	switch (x->code & 0xf0) {
	case 0x00: return BPFX_AOP_ADD;
	case 0x10: return BPFX_AOP_SUB;
	case 0x20: return BPFX_AOP_MUL;
	case 0x30: return x->off ? BPFX_AOP_SDIV : BPFX_AOP_DIV;
	case 0x40: return BPFX_AOP_OR;
	case 0x50: return BPFX_AOP_AND;
	case 0x60: return BPFX_AOP_LSH;
	case 0x70: return BPFX_AOP_RSH;
	case 0x80: return BPFX_AOP_NEG;
	case 0x90: return x->off ? BPFX_AOP_SMOD : BPFX_AOP_MOD;
	case 0xa0: return BPFX_AOP_XOR;
	case 0xb0: return BPFX_AOP_MOV;
	default: return BPFX_AOP_ARSH;
	}
}

static bool ptr_arith_ok(const struct vreg *r)
{
	return !(r->flags & VF_NULL) && (r->type == VT_CTX || r->type == VT_STACK || r->type == VT_PKT ||
					 r->type == VT_PKT_META || r->type == VT_MAP_VALUE || r->type == VT_MEM ||
					 r->type == VT_BTF);
}

static bool same_region(const struct vreg *a, const struct vreg *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case VT_STACK: return a->frame == b->frame;
	case VT_MAP_VALUE: return a->aux == b->aux && a->id == b->id;
	case VT_MEM: return a->id == b->id && a->id != 0;
	case VT_CTX:
	case VT_PKT:
	case VT_PKT_META: return true;
	default: return false;
	}
}

static bool is_pkt_family(const struct vreg *r)
{
	return r->type == VT_PKT || r->type == VT_PKT_END || r->type == VT_PKT_META;
}

int vf_do_alu(struct venv *e, struct vstate *st, const struct bpfx_insn *x, int op)
{
	const struct bpfx_op_desc *o = &bpfx_op_table[op];
	int bits = BPFX_CLASS(x->code) == BPFX_CLS_ALU64 ? 64 : 32;
	struct vreg *d = reg(st, x->dst);
	struct vreg srcv, *s = &srcv;
	int err;

	if (op == BPFX_OP_ADDR_SPACE_CAST)
		/* arena pointers would need an arena map (its size and where the
		 * host placed it); neither bpfx's maps nor the platforms describe one */
		return vf_fail(e, st, BPFX_RULE_INSN_002,
			       "addr_space_cast: arena memory needs an arena map, which no bpfx map type or platform "
			       "describes; keep the data in a map value instead");

	/* operand */
	if (o->fmt == BPFX_FMT_ALU_X || o->fmt == BPFX_FMT_MOVSX) {
		if ((err = vf_check_init(e, st, x->src)))
			return err;
		srcv = *reg(st, x->src);
	} else {
		vf_set_const(&srcv, (uint64_t)(int64_t)x->imm);
	}
	enum bpfx_aop aop = alu_op(x);
	if (o->fmt != BPFX_FMT_ALU_X && o->fmt != BPFX_FMT_ALU_K)
		aop = BPFX_AOP_MOV; /* NEG, END, MOVSX handled below */
	if (aop != BPFX_AOP_MOV || o->fmt == BPFX_FMT_NEG || o->fmt == BPFX_FMT_END)
		if ((err = vf_check_init(e, st, x->dst)))
			return err;

	if (o->fmt == BPFX_FMT_ALU_K && (aop == BPFX_AOP_LSH || aop == BPFX_AOP_RSH || aop == BPFX_AOP_ARSH) &&
	    (x->imm < 0 || x->imm >= bits))
		return vf_fail(e, st, BPFX_RULE_ALU_001, "shift by %d: the amount must be 0..%d for a %d-bit operand",
			    x->imm, bits - 1, bits);

	if (o->fmt == BPFX_FMT_NEG) {
		if (is_ptr(d))
			return vf_fail(e, st, BPFX_RULE_ALU_002, "neg on r%u, which holds a pointer", x->dst);
		bpfx_scalar_alu(BPFX_AOP_NEG, bits, &d->s, NULL);
		d->id = 0;
		d->flags = 0;
		return 0;
	}
	if (o->fmt == BPFX_FMT_END) {
		if (is_ptr(d))
			return vf_fail(e, st, BPFX_RULE_ALU_002, "byte swap on r%u, which holds a pointer", x->dst);
		unsigned w = (unsigned)x->imm;
		if ((x->code & 0xf0) == 0xd0 && BPFX_CLASS(x->code) == BPFX_CLS_ALU && !(x->code & BPFX_SRC_X))
			bpfx_scalar_trunc(&d->s, w / 8); /* le: little-endian host, truncation only */
		else
			bpfx_scalar_bswap(&d->s, w);
		d->id = 0;
		d->flags = 0;
		return 0;
	}
	if (o->fmt == BPFX_FMT_MOVSX) {
		if (is_ptr(s)) {
			if (e->unpriv)
				return vf_fail(e, st, BPFX_RULE_LEAK_003, "sign extension of r%u turns a pointer into a number",
					    x->src);
			vf_set_unknown(s);
		}
		struct vreg nr;
		vf_set_scalar(&nr, s->s);
		bpfx_scalar_sext(&nr.s, (unsigned)x->off, bits);
		*d = nr;
		return 0;
	}
	if (aop == BPFX_AOP_MOV) {
		if (bits == 64) {
			if (o->fmt == BPFX_FMT_ALU_X && s->type == VT_SCALAR && !bpfx_scalar_is_const(&s->s)) {
				/* copies share an id so a later comparison refines both */
				struct vreg *sr = reg(st, x->src);
				if (!sr->id)
					sr->id = ++e->next_id;
				*d = *sr;
			} else {
				*d = *s;
			}
			return 0;
		}
		if (is_ptr(s)) {
			if (e->unpriv)
				return vf_fail(e, st, BPFX_RULE_LEAK_003, "32-bit move of r%u truncates a pointer to a number",
					    x->src);
			vf_set_unknown(s);
		}
		struct vreg nr;
		vf_set_scalar(&nr, s->s);
		bpfx_scalar_trunc(&nr.s, 4);
		*d = nr;
		return 0;
	}

	/* pointer arithmetic */
	if (is_ptr(d) || is_ptr(s)) {
		if (bits == 32 || (aop != BPFX_AOP_ADD && aop != BPFX_AOP_SUB))
			return vf_fail(e, st, BPFX_RULE_ALU_002,
				    "%s%s with a pointer operand (r%u is %s, the source is %s): only 64-bit += and -= "
				    "of a scalar apply to pointers",
				    bpfx_aop_name(aop), bits == 32 ? " (32-bit)" : "", x->dst, vt_names[d->type],
				    vt_names[s->type]);
		if (is_ptr(d) && is_ptr(s)) {
			if (aop == BPFX_AOP_SUB && same_region(d, s)) {
				if (e->unpriv)
					return vf_fail(e, st, BPFX_RULE_LEAK_003,
						    "subtracting two pointers gives a number derived from addresses");
				struct vreg nr;
				vf_set_scalar(&nr, d->s);
				bpfx_scalar_alu(BPFX_AOP_SUB, 64, &nr.s, &s->s);
				*d = nr;
				return 0;
			}
			if (aop == BPFX_AOP_SUB && !e->unpriv && is_pkt_family(d) && is_pkt_family(s)) {
				/* data_end - data, data - data_meta: a number (privileged,
				 * as Linux allows); its bounds are not tracked */
				vf_set_unknown(d);
				return 0;
			}
			return vf_fail(e, st, BPFX_RULE_ALU_004, "r%u %s r%u: %s and %s", x->dst, bpfx_aop_name(aop), x->src,
				    vt_names[d->type], vt_names[s->type]);
		}
		if (!is_ptr(d)) { /* scalar += pointer */
			if (aop == BPFX_AOP_SUB)
				return vf_fail(e, st, BPFX_RULE_ALU_002, "r%u -= r%u subtracts a pointer from a number", x->dst,
					    x->src);
			struct vreg num = *d;
			*d = *s;
			*s = num;
		}
		/* now d is the pointer and s the scalar */
		if (d->type == VT_PKT && (s->flags & VF_LEN) && aop == BPFX_AOP_ADD && bpfx_scalar_is_const(&d->s)) {
			int64_t off = (int64_t)d->s.t.value + s->lenoff;
			vf_set_ptr(d, VT_PKT_END, off);
			return 0;
		}
		if (!ptr_arith_ok(d))
			return vf_fail(e, st, BPFX_RULE_ALU_003, "arithmetic on r%u, a %s%s pointer%s", x->dst, vt_names[d->type],
				    (d->flags & VF_NULL) ? "_or_null" : "",
				    (d->flags & VF_NULL) ? ": check it against NULL first" : "");
		struct bpfx_scalar off = d->s;
		bpfx_scalar_alu(aop, 64, &off, &s->s);
		if (off.r64.smin < -MAX_VAR_OFF || off.r64.smax > MAX_VAR_OFF)
			return vf_fail(e, st, BPFX_RULE_ALU_005,
				    "r%u %s scalar: the pointer offset could reach [%lld, %lld]; bound the scalar first "
				    "(e.g. with & or a comparison)",
				    x->dst, bpfx_aop_name(aop), (long long)off.r64.smin, (long long)off.r64.smax);
		if (d->type == VT_PKT) {
			/* A variable offset starts a new base, named by an id; the
			 * fixed part relative to it is kept in lenoff and the bytes
			 * proven past the base in aux (see refine). */
			if (!bpfx_scalar_is_const(&s->s)) {
				d->id = ++e->next_id;
				d->lenoff = 0;
				d->aux = 0;
			} else if (d->id) {
				int64_t k = (int64_t)s->s.t.value;
				d->lenoff += (int32_t)(aop == BPFX_AOP_ADD ? k : -k);
			}
		}
		d->s = off;
		return 0;
	}

	/* scalar arithmetic */
	bool keep_len = false;
	int32_t lenoff = d->lenoff;
	if ((d->flags & VF_LEN) && bits == 64 && bpfx_scalar_is_const(&s->s) &&
	    (aop == BPFX_AOP_ADD || aop == BPFX_AOP_SUB)) {
		int64_t k = (int64_t)s->s.t.value;
		int64_t nl = aop == BPFX_AOP_ADD ? (int64_t)lenoff + k : (int64_t)lenoff - k;
		if (k > -(1 << 24) && k < (1 << 24) && nl > INT32_MIN / 2 && nl < INT32_MAX / 2) {
			keep_len = true;
			lenoff = (int32_t)nl;
		}
	}
	bpfx_scalar_alu(aop, bits, &d->s, &s->s);
	d->id = 0;
	d->flags = keep_len ? VF_LEN : 0;
	d->lenoff = keep_len ? lenoff : 0;
	return 0;
}


/* ---- conditional jumps ---- */

static enum bpfx_cond cond_of(const struct bpfx_insn *x)
{
	switch (x->code & 0xf0) {
	case 0x10: return BPFX_COND_EQ;
	case 0x20: return BPFX_COND_GT;
	case 0x30: return BPFX_COND_GE;
	case 0x40: return BPFX_COND_SET;
	case 0x50: return BPFX_COND_NE;
	case 0x60: return BPFX_COND_SGT;
	case 0x70: return BPFX_COND_SGE;
	case 0xa0: return BPFX_COND_LT;
	case 0xb0: return BPFX_COND_LE;
	case 0xc0: return BPFX_COND_SLT;
	default: return BPFX_COND_SLE;
	}
}

void vf_remove_ref(struct vstate *st, uint32_t ref)
{
	for (uint32_t i = 0; i < st->nrefs; i++)
		if (st->refs[i] == ref) {
			memmove(&st->refs[i], &st->refs[i + 1], (st->nrefs - i - 1) * sizeof(st->refs[0]));
			memmove(&st->ref_insn[i], &st->ref_insn[i + 1], (st->nrefs - i - 1) * sizeof(st->ref_insn[0]));
			st->nrefs--;
			return;
		}
}

bool vf_has_ref(const struct vstate *st, uint32_t ref)
{
	for (uint32_t i = 0; i < st->nrefs; i++)
		if (st->refs[i] == ref)
			return true;
	return false;
}

/* Every copy of the maybe-NULL pointer `id` becomes NULL (a scalar 0) or
 * not NULL. */
static void mark_null(struct vstate *st, uint32_t id, uint32_t ref, bool is_null)
{
	if (is_null && ref)
		vf_remove_ref(st, ref); /* a NULL result holds nothing */
	FOR_EACH_REG(st, r, {
		if (is_ptr(r) && (r->flags & VF_NULL) && r->id == id) {
			if (is_null)
				vf_set_const(r, 0);
			else
				r->flags &= (uint8_t)~VF_NULL;
		}
	});
}

static void learn_len(struct venv *e, struct vstate *st, const struct vreg *r)
{
	int64_t m;
	if (r->type != VT_SCALAR || !(r->flags & VF_LEN))
		return;
	if (__builtin_sub_overflow(r->s.r64.smin, (int64_t)r->lenoff, &m) || m <= (int64_t)st->pkt_range)
		return;
	st->pkt_range = (uint64_t)m < e->pt->max_packet ? (uint64_t)m : e->pt->max_packet;
}

/* Narrows st to the outcome `taken` of the conditional jump x. Returns 0 if
 * the outcome is possible, 1 if it is not, or an error. */
static int refine(struct venv *e, struct vstate *st, const struct bpfx_insn *x, bool is_x, bool taken)
{
	int bits = BPFX_CLASS(x->code) == BPFX_CLS_JMP ? 64 : 32;
	enum bpfx_cond c = cond_of(x);
	struct vreg *a = reg(st, x->dst), kreg, *b = &kreg;
	if (is_x)
		b = reg(st, x->src);
	else
		vf_set_const(&kreg, bits == 64 ? (uint64_t)(int64_t)x->imm : (uint64_t)(uint32_t)x->imm);

	if (a->type == VT_SCALAR && b->type == VT_SCALAR) {
		struct bpfx_scalar sa = a->s, sb = b->s;
		if (a == b) { /* r == r: the outcome is fixed */
			bool holds = bpfx_cond_eval(c, bits, 0, 0) || c == BPFX_COND_SET;
			if (c == BPFX_COND_SET || c == BPFX_COND_NSET)
				return 0; /* depends on the value; nothing to learn */
			return holds == taken ? 0 : 1;
		}
		if (!bpfx_scalar_branch(c, bits, taken, &sa, &sb))
			return 1;
		a->s = sa;
		if (a->id)
			FOR_EACH_REG(st, r, {
				if (r->type == VT_SCALAR && r->id == a->id)
					r->s = sa;
			});
		learn_len(e, st, a);
		if (is_x) {
			b->s = sb;
			if (b->id)
				FOR_EACH_REG(st, r, {
					if (r->type == VT_SCALAR && r->id == b->id)
						r->s = sb;
				});
			learn_len(e, st, b);
		}
		return 0;
	}
	if (!taken)
		c = bpfx_cond_negate(c);
	/* NULL checks */
	if (bits == 64 && (c == BPFX_COND_EQ || c == BPFX_COND_NE)) {
		struct vreg *p = NULL, *z = NULL;
		if (is_ptr(a) && (a->flags & VF_NULL))
			p = a, z = b;
		else if (is_ptr(b) && (b->flags & VF_NULL))
			p = b, z = a;
		if (p && z->type == VT_SCALAR && bpfx_scalar_is_const(&z->s) && z->s.t.value == 0) {
			mark_null(st, p->id, p->ref, c == BPFX_COND_EQ);
			return 0;
		}
	}
	/* packet pointer against the packet end */
	if (bits == 64 && ((a->type == VT_PKT && b->type == VT_PKT_END) || (a->type == VT_PKT_END && b->type == VT_PKT))) {
		const struct vreg *pk = a->type == VT_PKT ? a : b, *en = a->type == VT_PKT ? b : a;
		if (a->type != VT_PKT)
			c = bpfx_cond_swap(c);
		/* now "pk c en" holds */
		int64_t gain = -1;
		if (bpfx_scalar_is_const(&en->s)) {
			int64_t eoff = (int64_t)en->s.t.value;
			if (c == BPFX_COND_LE)
				gain = pk->s.r64.smin - eoff;
			else if (c == BPFX_COND_LT)
				gain = pk->s.r64.smin - eoff + 1;
		}
		if (gain > (int64_t)st->pkt_range)
			st->pkt_range = (uint64_t)gain < e->pt->max_packet ? (uint64_t)gain : e->pt->max_packet;
		if (pk->id && bpfx_scalar_is_const(&en->s) && (c == BPFX_COND_LE || c == BPFX_COND_LT)) {
			/* base + lenoff (+1) <= end: every pointer on this base may
			 * reach that far */
			int64_t r = (int64_t)pk->lenoff - (int64_t)en->s.t.value + (c == BPFX_COND_LT);
			uint32_t id = pk->id;
			if (r > (int64_t)e->pt->max_packet)
				r = e->pt->max_packet;
			if (r > 0)
				FOR_EACH_REG(st, q, {
					if (q->type == VT_PKT && q->id == id && (int64_t)q->aux < r)
						q->aux = (uint32_t)r;
				});
		}
		return 0;
	}
	/* metadata pointer against the packet start: "meta + m <= data + d"
	 * proves m - d metadata bytes */
	if (bits == 64 && ((a->type == VT_PKT_META && b->type == VT_PKT) || (a->type == VT_PKT && b->type == VT_PKT_META))) {
		const struct vreg *me = a->type == VT_PKT_META ? a : b, *pk = a->type == VT_PKT_META ? b : a;
		if (a->type != VT_PKT_META)
			c = bpfx_cond_swap(c);
		int64_t gain = -1;
		if (!pk->id && bpfx_scalar_is_const(&pk->s)) {
			int64_t doff = (int64_t)pk->s.t.value;
			if (c == BPFX_COND_LE)
				gain = me->s.r64.smin - doff;
			else if (c == BPFX_COND_LT)
				gain = me->s.r64.smin - doff + 1;
		}
		if (gain > (int64_t)st->meta_range)
			st->meta_range = (uint64_t)gain < e->pt->max_packet ? (uint64_t)gain : e->pt->max_packet;
		return 0;
	}
	if (e->unpriv)
		return vf_fail(e, st, BPFX_RULE_LEAK_003, "comparison involving a pointer (r%u is %s, %s is %s)", x->dst,
			    vt_names[a->type], is_x ? "the source" : "imm", vt_names[b->type]);
	return 0; /* privileged: both outcomes, nothing learned */
}

int vf_push_state(struct venv *e, struct vstate *st)
{
	if (e->nwork == e->capwork) {
		size_t cap = e->capwork ? e->capwork * 2 : 64;
		struct vstate **w = realloc(e->work, cap * sizeof(*w));
		if (!w)
			return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory: worklist of %zu states", cap);
		e->work = w;
		e->capwork = cap;
	}
	if (e->nwork >= MAX_PENDING) {
		int err = vf_fail(e, st, BPFX_RULE_CFG_005,
			       "more than %d branches are waiting to be explored: too many paths for the verifier",
			       MAX_PENDING);
		vf_state_free(e, st);
		return err;
	}
	e->work[e->nwork++] = st;
	if (st->parent)
		st->parent->branches++;
	return 0;
}

int vf_do_jcc(struct venv *e, struct vstate **pst, const struct bpfx_insn *x, int op)
{
	struct vstate *st = *pst;
	bool is_x = bpfx_op_table[op].fmt == BPFX_FMT_JCC_X;
	int err;
	if ((err = vf_check_init(e, st, x->dst)) || (is_x && (err = vf_check_init(e, st, x->src))))
		return err;
	struct vstate *alt = vf_state_copy(e, st);
	if (!alt)
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory copying a state");
	int rt = refine(e, alt, x, is_x, true);
	int rf = rt < 0 ? rt : refine(e, st, x, is_x, false);
	if (rt < 0 || rf < 0) {
		vf_state_free(e, alt);
		return rt < 0 ? rt : rf;
	}
	uint32_t pc = st->pc, target = pc + 1 + (uint32_t)(int32_t)x->off;
	alt->pc = target;
	if (rt == 0 && rf == 0) {
		alt->trail = vf_trail_push(e, st->trail, pc, 1);
		st->trail = vf_trail_push(e, st->trail, pc, 0);
		st->pc = pc + 1;
		return vf_push_state(e, alt);
	}
	if (rt == 0) { /* only the jump is possible: continue with the refined copy */
		vf_state_free(e, st);
		*pst = alt;
		return 0;
	}
	vf_state_free(e, alt);
	if (rf == 0) {
		st->pc = pc + 1;
		return 0;
	}
	return 1; /* neither: this path cannot happen */
}
