/* SPDX-License-Identifier: MIT */
/*
 * precise.c - precision tracking and stack liveness for pruning.
 *
 * A stored state (struct vrec) records what the paths explored below it
 * depend on:
 *   - prec_reg / prec_slot: the scalars (registers, spilled numbers) whose
 *     value decided something on some path below: a safety check (pointer
 *     offset, helper size, return value...) or the direction of a branch
 *     that could only go one way;
 *   - live: the stack slots some path below read before writing them whole.
 * Pruning (verifier.c) compares precise scalars by range inclusion, treats
 * the other scalars as "any number", and ignores dead slots.
 *
 * Marks come from two places:
 *   - a use: the instruction that checks a value (vp_before / vp_after)
 *     backtracks from itself along the path: every instruction that
 *     computed the value adds its own inputs (an ALU operation its source,
 *     a load from the stack its slot, a spill its register, a comparison
 *     of two numbers both operands...), and each stored state the path went
 *     through gets the set as it was there;
 *   - a prune: a path stopped because a complete state covered it depends
 *     on what that state's subtree depended on, so the state's marks are
 *     backtracked from the pruned path's position in the same way.
 * Reads mark slots live on the stored states above the reading path until
 * one whose segment wrote the slot whole.
 *
 * A state prunes only once complete: every path below it ended, so every
 * use below it has marked it and its marks are final. Where the path cannot
 * be followed back (an unexpected call shape, out of memory for the
 * history), or where a state still being explored prunes (may_goto loops),
 * the state and all its parents are forced: everything precise and live,
 * which is the exact comparison used before precision existed.
 *
 * Backtracking follows the path through the history (struct vhist): only
 * non-sequential steps and the facts that the code alone does not give
 * (the stack slots an access touched, the identities a comparison refined)
 * are recorded; straight-line code is walked back one instruction at a
 * time.
 */
#include <string.h>

#include "../isa/validate.h"
#include "state.h"
#include "verifier_internal.h"

#define NF BPFX_MAX_CALL_DEPTH
#define MAX_WALK 512 /* instructions walked back between two stored states */

/* History entries come from chunks that start small (most programs need a
 * few hundred) and double up to 4096 entries. */
struct vhist_chunk {
	struct vhist_chunk *next;
	size_t used, cap;
	struct vhist h[];
};

static const struct vhist *hist_push(struct venv *e, const struct vhist *prev, const struct vhist *v)
{
	if (!e->hists || e->hists->used == e->hists->cap) {
		size_t cap = e->hists ? e->hists->cap * 2 : 128;
		if (cap > 4096)
			cap = 4096;
		struct vhist_chunk *c = malloc(sizeof(*c) + cap * sizeof(struct vhist));
		if (!c)
			return NULL;
		c->next = e->hists;
		c->used = 0;
		c->cap = cap;
		e->hists = c;
		vf_mem_add(e, (int64_t)(sizeof(*c) + cap * sizeof(struct vhist)));
	}
	struct vhist *h = &e->hists->h[e->hists->used++];
	*h = *v;
	h->prev = prev;
	return h;
}

void vp_free(struct venv *e)
{
	while (e->hists) {
		struct vhist_chunk *c = e->hists;
		e->hists = c->next;
		free(c);
	}
}

void vp_force(struct vrec *rec)
{
	for (; rec && !rec->force; rec = rec->parent)
		rec->force = 1;
}

void vp_rec_init(struct vrec *rec, struct vstate *st)
{
	rec->hist = st->hist;
	rec->force = 0;
	memset(rec->prec_reg, 0, sizeof(rec->prec_reg));
	memset(rec->prec_slot, 0, sizeof(rec->prec_slot));
	memset(rec->live, 0, sizeof(rec->live));
	memcpy(rec->seg_written, st->written, sizeof(rec->seg_written));
	memset(st->written, 0, sizeof(st->written));
}

static uint64_t slot_range(unsigned lo, unsigned hi)
{
	uint64_t m = 0;
	for (unsigned s = lo; s <= hi && s < 64; s++)
		m |= 1ull << s;
	return m;
}

/* ---- liveness ---- */

/* Slots `mask` of frame f are read by the path whose last stored state is
 * rec and which wrote `written` whole since. */
static void mark_read(struct vrec *rec, uint64_t written, uint32_t f, uint64_t mask)
{
	uint64_t m = mask & ~written;
	while (m && rec && !rec->force && f < rec->st->nframes) {
		uint64_t fresh = m & ~rec->live[f];
		if (!fresh)
			return; /* already marked: its parents were marked then */
		rec->live[f] |= fresh;
		m = fresh & ~rec->seg_written[f];
		rec = rec->parent;
	}
}

/* ---- precision ---- */

struct bt {
	uint16_t reg[NF];
	uint64_t slot[NF];
};

static bool bt_empty(const struct bt *b)
{
	for (int f = 0; f < NF; f++)
		if (b->reg[f] || b->slot[f])
			return false;
	return true;
}

/* Is anything other than the registers of frame cf in the set? */
static bool bt_far(const struct bt *b, uint32_t cf)
{
	for (uint32_t f = 0; f < NF; f++)
		if (b->slot[f] || (f != cf && b->reg[f]))
			return true;
	return false;
}

/* Undoes instruction pc (which ran in frame pf; the instruction after it
 * runs in frame cf): the set before it. False if the step is not
 * understood (the caller then forces). */
static bool undo(const struct venv *e, uint32_t pc, const struct vhist *ent, uint32_t pf, uint32_t cf, struct bt *b)
{
	int op = e->ops[pc];
	if (op < 0)
		return false;
	const struct bpfx_op_desc *o = &bpfx_op_table[op];
	const struct bpfx_insn *x = &e->insns[pc];
	if (pf != cf) {
		if (pf + 1 == cf && o->fmt == BPFX_FMT_CALL_LOCAL) {
			/* a call: the callee's r1-r5 were the caller's */
			b->reg[pf] |= (uint16_t)(b->reg[cf] & 0x3e);
			b->reg[cf] = 0;
			b->slot[cf] = 0;
			return true;
		}
		if (pf == cf + 1 && o->fmt == BPFX_FMT_EXIT && ent && ent->next > 0 &&
		    e->ops[ent->next - 1] >= 0 && bpfx_op_table[e->ops[ent->next - 1]].fmt == BPFX_FMT_CALL_LOCAL) {
			/* a return: the caller's r0 was the callee's */
			b->reg[pf] = (uint16_t)(b->reg[cf] & 1);
			b->slot[pf] = 0;
			b->reg[cf] &= (uint16_t)~0x3fu;
			return true;
		}
		return false;
	}
	uint16_t *r = &b->reg[cf];
	uint16_t dst = (uint16_t)(1u << x->dst), src = (uint16_t)(1u << x->src);
	uint64_t srange = ent && (ent->flags & VH_STACK) ? slot_range(ent->slo, ent->shi) : 0;
	uint32_t sf = ent ? ent->sframe : 0;
	if (sf >= NF)
		return false;
	switch (o->fmt) {
	case BPFX_FMT_ALU_K:
		if ((x->code & 0xf0) == 0xb0)
			*r &= (uint16_t)~dst;
		return true;
	case BPFX_FMT_ALU_X:
		if (*r & dst) {
			if ((x->code & 0xf0) == 0xb0)
				*r &= (uint16_t)~dst;
			*r |= src;
		}
		return true;
	case BPFX_FMT_MOVSX:
		if (*r & dst) {
			*r &= (uint16_t)~dst;
			*r |= src;
		}
		return true;
	case BPFX_FMT_NEG:
	case BPFX_FMT_END:
	case BPFX_FMT_JA:
	case BPFX_FMT_JA32:
	case BPFX_FMT_MAY_GOTO:
		return true;
	case BPFX_FMT_LDDW:
		*r &= (uint16_t)~dst;
		return true;
	case BPFX_FMT_LDABS:
	case BPFX_FMT_LDIND:
	case BPFX_FMT_CALL:
	case BPFX_FMT_CALL_KFUNC:
	case BPFX_FMT_CALLX:
	case BPFX_FMT_CALL_LOCAL: /* in the same frame: a global function, verified on its own */
		/* r0 is a new value, r1-r5 are not readable afterwards */
		*r &= (uint16_t)~0x3fu;
		return true;
	case BPFX_FMT_LDX:
	case BPFX_FMT_LDXSX:
	case BPFX_FMT_LOAD_ACQ:
		if (*r & dst) {
			*r &= (uint16_t)~dst;
			b->slot[sf] |= srange; /* a load from the stack: what the slots held */
		}
		return true;
	case BPFX_FMT_ST:
		if (ent && (ent->flags & VH_FULL))
			b->slot[sf] &= ~srange;
		return true;
	case BPFX_FMT_STX:
	case BPFX_FMT_STORE_REL:
		if (b->slot[sf] & srange) {
			*r |= src; /* the slot holds (some of) the stored register */
			if (ent->flags & VH_FULL)
				b->slot[sf] &= ~srange;
		}
		return true;
	case BPFX_FMT_ATOMIC:
	case BPFX_FMT_ATOMIC_FETCH:
	case BPFX_FMT_XCHG:
	case BPFX_FMT_CMPXCHG:
		/* the result and the slot are unknown numbers today (memory.c);
		 * stay conservative should that change */
		if ((b->slot[sf] & srange) || (o->fmt != BPFX_FMT_ATOMIC && (*r & src)) ||
		    (o->fmt == BPFX_FMT_CMPXCHG && (*r & 1))) {
			*r |= src;
			if (o->fmt == BPFX_FMT_CMPXCHG)
				*r |= 1;
			b->slot[sf] |= srange;
		}
		return true;
	case BPFX_FMT_JCC_K:
	case BPFX_FMT_JCC_X: {
		bool linked = ent && (ent->flags & VH_LINKED) &&
			      ((*r & ent->links) || ((ent->flags & VH_LINKED_FAR) && bt_far(b, cf)));
		bool is_x = o->fmt == BPFX_FMT_JCC_X;
		/* a refined operand's value depends on both operands */
		if (linked || (is_x && (*r & (dst | src))))
			*r |= (uint16_t)(dst | (is_x ? src : 0));
		return true;
	}
	default:
		return false;
	}
}

/* Marks set b, as it is before the instruction at pc (running in frame
 * `frame`, history h, last stored state rec), and everything it was
 * computed from on the path, precise. */
static void backtrack(const struct venv *e, uint32_t pc, uint32_t frame, const struct vhist *h, struct vrec *rec,
		      struct bt *b)
{
	uint32_t steps = 0;
	while (rec && !bt_empty(b)) {
		/* a forced state and its parents already compare everything */
		if (rec->force)
			return;
		if (pc == rec->st->pc && h == rec->hist) {
			const struct vstate *s = rec->st;
			steps = 0;
			if (frame + 1 != s->nframes) {
				vp_force(rec);
				return;
			}
			bool fresh = false;
			for (uint32_t f = 0; f < s->nframes; f++) {
				const struct vframe *fr = s->fr[f];
				/* marks already there were passed up when they were set */
				b->reg[f] &= (uint16_t)~rec->prec_reg[f];
				b->slot[f] &= ~rec->prec_slot[f];
				for (uint32_t m = b->reg[f]; m; m &= m - 1) {
					int i = __builtin_ctz(m);
					/* only numbers need marks: pointers are always
					 * compared whole, and what they were computed
					 * from no longer matters */
					if (i >= BPFX_NREGS || fr->regs[i].type != VT_SCALAR)
						b->reg[f] &= (uint16_t)~(1u << i);
				}
				for (uint64_t m = b->slot[f]; m; m &= m - 1) {
					int sl = __builtin_ctzll(m);
					if (!vf_slot_any_spill(fr->stype, sl) || VSPILL(fr, sl)->type != VT_SCALAR)
						b->slot[f] &= ~(1ull << sl);
				}
				rec->prec_reg[f] |= b->reg[f];
				rec->prec_slot[f] |= b->slot[f];
				fresh |= b->reg[f] || b->slot[f];
			}
			for (uint32_t f = s->nframes; f < NF; f++)
				b->reg[f] = 0, b->slot[f] = 0;
			if (!fresh)
				return;
			rec = rec->parent;
			continue;
		}
		/* A long stretch without a stored state (a loop unrolled past the
		 * states an instruction may keep): walking it again for every use
		 * would be quadratic, so its state compares everything instead. */
		if (++steps > MAX_WALK) {
			vp_force(rec);
			return;
		}
		uint32_t prev, pf = frame;
		const struct vhist *ent = NULL;
		if (h && h->next == pc) {
			ent = h;
			prev = h->insn;
			pf = h->frame;
			h = h->prev;
		} else {
			if (pc == 0) {
				vp_force(rec);
				return;
			}
			prev = pc - 1;
			if (e->ops[prev] < 0 && prev > 0)
				prev--; /* the second half of an lddw */
		}
		if (pf >= NF || !undo(e, prev, ent, pf, frame, b)) {
			vp_force(rec);
			return;
		}
		pc = prev;
		frame = pf;
	}
}

static void mark_regs(const struct venv *e, const struct vp_step *p, uint16_t regs)
{
	struct bt b;
	memset(&b, 0, sizeof(b));
	b.reg[p->frame] = regs;
	backtrack(e, p->pc, p->frame, p->hist, p->parent, &b);
}

void vp_pruned(struct venv *e, const struct vstate *st, const struct vrec *by)
{
	const struct vstate *o = by->st;
	struct bt b;
	memset(&b, 0, sizeof(b));
	for (uint32_t f = 0; f < st->nframes && f < o->nframes; f++) {
		mark_read(st->parent, st->written[f], f, by->force ? ~0ull : by->live[f]);
		const struct vframe *fr = o->fr[f];
		b.reg[f] = by->prec_reg[f];
		b.slot[f] = by->prec_slot[f];
		for (int i = 0; i < BPFX_NREGS; i++)
			if (fr->regs[i].type == VT_SCALAR && (by->force || (fr->regs[i].flags & VF_LEN)))
				b.reg[f] |= (uint16_t)(1u << i);
		if (by->force)
			b.slot[f] = ~0ull;
	}
	backtrack(e, st->pc, st->nframes - 1, st->hist, st->parent, &b);
}

/* ---- the hooks around each instruction ---- */

/* A stack access through register `ar` (+off, size bytes): the slots. */
static void stack_info(struct venv *e, struct vstate *st, struct vp_step *p, unsigned ar, int16_t off, int size,
		       bool read)
{
	const struct vreg *r = reg(st, ar);
	if (r->type != VT_STACK || r->frame >= st->nframes)
		return;
	int64_t lo = r->s.r64.smin + off, hi = r->s.r64.smax + off + size - 1;
	if (lo < -BPFX_STACK_SIZE || hi > -1)
		return; /* rejected by the access check */
	p->h.flags |= VH_STACK;
	p->h.sframe = r->frame;
	p->h.slo = (uint8_t)((lo + BPFX_STACK_SIZE) / 8);
	p->h.shi = (uint8_t)((hi + BPFX_STACK_SIZE) / 8);
	if (r->s.r64.smin == r->s.r64.smax && size == 8 && lo % 8 == 0) {
		p->h.flags |= VH_FULL;
		p->full = !read;
	}
	if (read)
		mark_read(st->parent, st->written[r->frame], r->frame, slot_range(p->h.slo, p->h.shi));
}

/* The registers of the current frame (links) and whether any spill or
 * other frame's register (far) share identity id. */
static void links_of(struct vstate *st, uint32_t id, unsigned skip1, unsigned skip2, uint16_t *links, bool *far)
{
	uint32_t cf = st->nframes - 1;
	for (uint32_t f = 0; f < st->nframes; f++) {
		struct vframe *fr = st->fr[f];
		for (unsigned i = 0; i < BPFX_NREGS; i++)
			if (fr->regs[i].type == VT_SCALAR && fr->regs[i].id == id) {
				if (f != cf)
					*far = true;
				else if (i != skip1 && i != skip2)
					*links |= (uint16_t)(1u << i);
			}
		for (int sl = 0; sl < VSLOTS; sl++)
			if (fr->stype[sl * 8] == ST_SPILL && VSPILL(fr, sl)->type == VT_SCALAR && VSPILL(fr, sl)->id == id)
				*far = true;
	}
}

/* Does argument kind k use the value of a number passed for it? */
static bool arg_value_matters(enum bpfx_arg_kind k)
{
	switch (k) {
	case BPFX_ARG_ANYTHING:
	case BPFX_ARG_SCALAR:
		return false;
	default:
		return true; /* sizes, NULL for an optional pointer, kinds added later */
	}
}

static void helper_uses(struct venv *e, struct vstate *st, struct vp_step *p, const struct bpfx_insn *x, bool kfunc)
{
	const struct vplat_func *f = kfunc ? bpfx_vplat_find(e->plat->kfuncs, e->plat->nkfuncs, (uint32_t)x->imm)
					   : bpfx_vplat_find(e->plat->helpers, e->plat->nhelpers, (uint32_t)x->imm);
	if (!f)
		return; /* rejected */
	uint16_t m = 0;
	bool cb = false; /* a callback's arguments come from any argument (calls.c) */
	for (unsigned i = 0; i < 5 && f->proto.args[i] != BPFX_ARG_NONE; i++)
		cb |= f->proto.args[i] == BPFX_ARG_PTR_TO_FUNC;
	for (unsigned i = 0; i < 5; i++) {
		enum bpfx_arg_kind k = f->proto.args[i];
		if (k == BPFX_ARG_NONE)
			break;
		const struct vreg *r = reg(st, i + 1);
		if (r->type == VT_SCALAR && (cb || arg_value_matters(k)))
			m |= (uint16_t)(1u << (i + 1));
		if (r->type == VT_STACK && r->frame < st->nframes) {
			/* the helper may read the stack from the pointer up (its
			 * size argument or the map's key size could narrow this;
			 * the top of the frame is a safe bound) */
			int64_t lo = r->s.r64.smin;
			if (lo < -BPFX_STACK_SIZE)
				lo = -BPFX_STACK_SIZE;
			if (lo <= -1)
				mark_read(st->parent, st->written[r->frame], r->frame,
					  slot_range((unsigned)((lo + BPFX_STACK_SIZE) / 8), VSLOTS - 1));
		}
	}
	if (m)
		mark_regs(e, p, m);
}

int vp_before(struct venv *e, struct vstate *st, struct vp_step *p)
{
	uint32_t pc = st->pc;
	const struct bpfx_insn *x = &e->insns[pc];
	const struct bpfx_op_desc *o = &bpfx_op_table[e->ops[pc]];
	memset(p, 0, sizeof(*p));
	p->pc = pc;
	p->frame = st->nframes - 1;
	p->hist = st->hist;
	p->parent = st->parent;
	p->nwork = e->nwork;
	p->h.insn = pc;
	p->h.frame = (uint8_t)p->frame;
	int size = bpfx_code_size(x->code);
	switch (o->fmt) {
	case BPFX_FMT_LDX:
	case BPFX_FMT_LDXSX:
	case BPFX_FMT_LOAD_ACQ:
		stack_info(e, st, p, x->src, x->off, size, true);
		break;
	case BPFX_FMT_ST:
	case BPFX_FMT_STX:
	case BPFX_FMT_STORE_REL:
		stack_info(e, st, p, x->dst, x->off, size, false);
		break;
	case BPFX_FMT_ATOMIC:
	case BPFX_FMT_ATOMIC_FETCH:
	case BPFX_FMT_XCHG:
	case BPFX_FMT_CMPXCHG:
		stack_info(e, st, p, x->dst, x->off, size, true);
		break;
	case BPFX_FMT_ALU_X: {
		/* pointer += number: the number becomes the pointer's offset */
		const struct vreg *d = reg(st, x->dst), *s = reg(st, x->src);
		if ((x->code & 0xf0) != 0xb0 && is_ptr(d) != is_ptr(s)) {
			if (d->type == VT_SCALAR)
				mark_regs(e, p, (uint16_t)(1u << x->dst));
			if (s->type == VT_SCALAR)
				mark_regs(e, p, (uint16_t)(1u << x->src));
		}
		break;
	}
	case BPFX_FMT_JCC_K:
	case BPFX_FMT_JCC_X: {
		bool is_x = o->fmt == BPFX_FMT_JCC_X;
		const struct vreg *a = reg(st, x->dst), *b = is_x ? reg(st, x->src) : NULL;
		uint16_t ops = (uint16_t)((1u << x->dst) | (is_x ? 1u << x->src : 0));
		if (a->type == VT_SCALAR && (!b || b->type == VT_SCALAR) &&
		    !(a->flags & VF_LEN) && !(b && (b->flags & VF_LEN))) {
			p->jcc = 1; /* numbers: they matter if the outcome was decided */
			uint16_t links = 0;
			bool far = false;
			if (a->id)
				links_of(st, a->id, x->dst, is_x ? x->src : 99, &links, &far);
			if (b && b->id)
				links_of(st, b->id, x->dst, x->src, &links, &far);
			if (links || far) {
				p->h.flags |= (uint8_t)(VH_LINKED | (far ? VH_LINKED_FAR : 0));
				p->h.links = links;
			}
		} else {
			/* a pointer or the buffer length is involved: what is
			 * learned depends on the numbers compared with them */
			uint16_t m = 0;
			if (a->type == VT_SCALAR)
				m |= (uint16_t)(1u << x->dst);
			if (b && b->type == VT_SCALAR)
				m |= (uint16_t)(1u << x->src);
			if (m & ops)
				mark_regs(e, p, m);
		}
		break;
	}
	case BPFX_FMT_CALL:
		helper_uses(e, st, p, x, false);
		break;
	case BPFX_FMT_CALL_KFUNC:
		helper_uses(e, st, p, x, true);
		break;
	case BPFX_FMT_CALLX: {
		/* the register's number picks the helper (calls.c) */
		const struct vreg *r = reg(st, x->dst);
		if (r->type == VT_SCALAR && bpfx_scalar_is_const(&r->s) && r->s.t.value <= UINT32_MAX) {
			struct bpfx_insn y = *x;
			y.imm = (int32_t)(uint32_t)r->s.t.value;
			mark_regs(e, p, (uint16_t)(1u << x->dst));
			helper_uses(e, st, p, &y, false);
		}
		break;
	}
	case BPFX_FMT_EXIT:
		/* checked return values: the program's, a callback's */
		if (reg(st, 0)->type == VT_SCALAR &&
		    (st->nframes == 1 ? (e->pt->flags & BPFX_PROG_TYPE_CHECK_RET) != 0 : vf_is_cb_frame(e, cur(st))))
			mark_regs(e, p, 1);
		break;
	case BPFX_FMT_ALU_K:
	case BPFX_FMT_NEG:
	case BPFX_FMT_END:
	case BPFX_FMT_MOVSX:
	case BPFX_FMT_LDDW:
	case BPFX_FMT_LDABS:
	case BPFX_FMT_LDIND:
	case BPFX_FMT_JA:
	case BPFX_FMT_JA32:
	case BPFX_FMT_MAY_GOTO:
	case BPFX_FMT_CALL_LOCAL:
		break; /* no check on a number's value */
	default: {
		/* an instruction this file does not know: the numbers it reads
		 * may decide its checks */
		uint16_t m = 0;
		if (o->dst == BPFX_USE_READ || o->dst == BPFX_USE_RW || o->dst == BPFX_USE_ASCAST)
			m |= (uint16_t)(1u << x->dst);
		if (o->src == BPFX_USE_READ || o->src == BPFX_USE_RW || o->src == BPFX_USE_ASCAST)
			m |= (uint16_t)(1u << x->src);
		for (unsigned i = 0; i < BPFX_NREGS; i++)
			if ((m >> i & 1) && reg(st, i)->type != VT_SCALAR)
				m &= (uint16_t)~(1u << i);
		if (m)
			mark_regs(e, p, m);
		break;
	}
	}
	return 0;
}

int vp_after(struct venv *e, struct vstate *st, struct vp_step *p, int rc)
{
	if (rc < 0)
		return rc;
	if (p->jcc && e->nwork == p->nwork) {
		/* one outcome (or none) was possible: the operands decided it */
		const struct bpfx_insn *x = &e->insns[p->pc];
		bool is_x = bpfx_op_table[e->ops[p->pc]].fmt == BPFX_FMT_JCC_X;
		mark_regs(e, p, (uint16_t)((1u << x->dst) | (is_x ? 1u << x->src : 0)));
	}
	/* the states this instruction pushed (the other side of a branch) */
	for (size_t i = p->nwork; i < e->nwork; i++) {
		struct vstate *alt = e->work[i];
		struct vhist v = p->h;
		v.next = alt->pc;
		const struct vhist *h = hist_push(e, alt->hist, &v);
		if (!h)
			return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory recording a path");
		alt->hist = h;
	}
	if (rc == 1) {
		/* A path ends at the program's exit or at an impossible branch
		 * outcome; anything else (a callback's return covered by an
		 * earlier arrival at its helper call, calls.c) hands its
		 * continuation to a state still being explored, whose marks are
		 * not known yet: the states above compare everything. */
		int fmt = bpfx_op_table[e->ops[p->pc]].fmt;
		if (!(fmt == BPFX_FMT_EXIT && p->frame == 0) && fmt != BPFX_FMT_JCC_K && fmt != BPFX_FMT_JCC_X)
			vp_force(p->parent);
		return rc;
	}
	if (!st)
		return rc;
	if (st->pc == p->pc + 1 && bpfx_op_table[e->ops[p->pc]].fmt == BPFX_FMT_CALL_LOCAL)
		mark_regs(e, p, 0x3e); /* a global function: checked against its signature (calls.c) */
	if (p->full && p->h.sframe < NF)
		st->written[p->h.sframe] |= 1ull << p->h.slo;
	uint32_t seq = p->pc + (e->ops[p->pc] >= 0 && bpfx_op_table[e->ops[p->pc]].fmt == BPFX_FMT_LDDW ? 2 : 1);
	if (st->pc != seq || p->h.flags) {
		struct vhist v = p->h;
		v.next = st->pc;
		const struct vhist *h = hist_push(e, st->hist, &v);
		if (!h)
			return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory recording a path");
		st->hist = h;
	}
	return rc;
}
