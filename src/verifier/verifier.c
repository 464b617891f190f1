/* SPDX-License-Identifier: MIT */
/*
 * verifier.c - the analysis: a structural pass (validation, functions,
 * reachability, prune points), then abstract interpretation along every path
 * with a LIFO worklist, pruning a path when a stored state at the same
 * instruction covers it.
 *
 * Soundness argument for pruning: a stored state is used only once every
 * path below it has been verified (its branch count fell to 0), so any
 * concrete run from a covered state is a concrete run from the stored one.
 * Loops are unrolled; a state equal to one still being explored on the same
 * path is an infinite loop (unless a may_goto, which the runtime bounds, was
 * passed in between, in which case covering it is enough).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpfx/asm.h>

#include "../isa/validate.h"
#include "../vm/vm_internal.h"
#include "state.h"
#include "verifier_internal.h"


/* ---- pruning ---- */

struct idmap {
	uint32_t n;
	uint32_t from[128], to[128];
};

/* old id `a` corresponds to current id `b`, one to one. */
static bool idmap_ok(struct idmap *m, uint32_t a, uint32_t b)
{
	if (!b)
		return false;
	for (uint32_t i = 0; i < m->n; i++) {
		if (m->from[i] == a)
			return m->to[i] == b;
		if (m->to[i] == b)
			return false;
	}
	if (m->n == 128)
		return false;
	m->from[m->n] = a;
	m->to[m->n++] = b;
	return true;
}

/* Does register state o (stored) include everything c (current) may be?
 * A number whose value mattered nowhere below o (not precise) stands for
 * any number. */
static bool reg_covers(const struct venv *e, const struct vreg *o, const struct vreg *c, struct idmap *m,
		       bool precise)
{
	if (o->type == VT_UNINIT)
		return true; /* the stored path never read it */
	if (o->type == VT_SCALAR && !precise && !(o->flags & VF_LEN))
		return c->type == VT_SCALAR;
	if (o->type != c->type || !bpfx_scalar_in(&c->s, &o->s))
		return false;
	if (o->type == VT_SCALAR) {
		if ((o->flags & VF_LEN) && (!(c->flags & VF_LEN) || o->lenoff != c->lenoff))
			return false;
		return !o->id || idmap_ok(m, o->id, c->id);
	}
	if (o->type == VT_PKT) {
		if (o->lenoff != c->lenoff || c->aux < o->aux || (o->id && !idmap_ok(m, o->id, c->id)) ||
		    (!o->id && c->id))
			return false;
		return true;
	}
	if (o->flags != c->flags || o->frame != c->frame || o->aux != c->aux)
		return false;
	if ((o->ref || c->ref) && (!o->ref || !idmap_ok(m, o->ref, c->ref)))
		return false;
	if (o->id && (o->flags & VF_NULL) && !idmap_ok(m, o->id ^ 0x80000000u, c->id ^ 0x80000000u))
		return false;
	/* A value of a map with a spin lock: which value it is decides whether
	 * an unlock through it matches the lock held (calls.c), so its identity
	 * must map one to one, in the namespace of the held lock's (id 0, a
	 * value address from lddw, maps to itself) */
	if (o->type == VT_MAP_VALUE && !(o->flags & VF_NULL) && o->aux < e->nmaps &&
	    (e->maps[o->aux].flags & BPFX_MAP_SPIN_LOCK) && !idmap_ok(m, o->id ^ 0x80000000u, c->id ^ 0x80000000u))
		return false;
	return true;
}

/* Does stored state o cover c? With marks (o's record, complete), only what
 * the paths below o depended on is compared: precise numbers, live slots;
 * without, everything. */
static bool covers(const struct venv *e, const struct vstate *o, const struct vstate *c, const struct vrec *mk)
{
	if (mk && mk->force)
		mk = NULL;
	struct idmap m;
	m.n = 0;
	if (o->nframes != c->nframes || c->pkt_range < o->pkt_range || c->meta_range < o->meta_range ||
	    o->nrefs != c->nrefs)
		return false;
	for (uint32_t i = 0; i < o->nrefs; i++)
		if (!idmap_ok(&m, o->refs[i], c->refs[i]))
			return false;
	/* the spin lock held (calls.c): the same map, through the same value */
	if (o->lock_map1 != c->lock_map1 || !o->lock_id != !c->lock_id ||
	    (o->lock_id && !idmap_ok(&m, o->lock_id ^ 0x80000000u, c->lock_id ^ 0x80000000u)))
		return false;
	for (uint32_t fi = 0; fi < o->nframes; fi++) {
		const struct vframe *fo = o->fr[fi], *fc = c->fr[fi];
		if (fo->callsite != fc->callsite || fo->subprog != fc->subprog)
			return false;
		/* registers that may still be read: in the top frame, those live
		 * here; in a caller, r6-r9 live where it resumes (r0-r5 are
		 * redefined by the return) */
		uint16_t live = fi + 1 == o->nframes ? e->live[c->pc]
			/* below a callback: the helper call's arguments stay
			 * live (the next call of the callback reads them) */
			: vf_is_cb_frame(e, c->fr[fi + 1]) ? e->live[c->fr[fi + 1]->callsite]
							     : (uint16_t)(e->live[c->fr[fi + 1]->callsite + 1] & ~0x3fu);
		uint16_t preg = mk ? mk->prec_reg[fi] : 0xffff;
		uint64_t pslot = mk ? mk->prec_slot[fi] : ~0ull, lslot = mk ? mk->live[fi] : ~0ull;
		for (int i = 0; i < BPFX_NREGS - 1; i++)
			if ((live >> i & 1) && !reg_covers(e, &fo->regs[i], &fc->regs[i], &m, preg >> i & 1))
				return false;
		for (int s = 0; s < VSLOTS; s++) {
			const uint8_t *to = &fo->stype[s * 8], *tc = &fc->stype[s * 8];
			bool prec = pslot >> s & 1;
			if (!(lslot >> s & 1))
				continue; /* no path below reads it before writing it */
			if (vf_slot_full(fo->stype, s)) {
				const struct vreg *so = VSPILL(fo, s);
				if (so->type == VT_SCALAR && !prec && !(so->flags & VF_LEN)) {
					/* any number: spilled or plain data */
					for (int b = 0; b < 8; b++)
						if (tc[b] == ST_INVALID || (tc[b] == ST_SPILL && VSPILL(fc, s)->type != VT_SCALAR))
							return false;
					continue;
				}
				if (!vf_slot_full(fc->stype, s) || !reg_covers(e, so, VSPILL(fc, s), &m, true))
					return false;
				continue;
			}
			if (vf_slot_any_spill(fo->stype, s)) {
				/* a number spilled in part: the current slot must have
				 * those bytes spilled too, with a value it covers */
				for (int b = 0; b < 8; b++) {
					if (to[b] == ST_SPILL && tc[b] != ST_SPILL)
						return false;
					if (to[b] == ST_MISC && (tc[b] == ST_INVALID ||
								 (tc[b] == ST_SPILL && VSPILL(fc, s)->type != VT_SCALAR)))
						return false;
				}
				if (!reg_covers(e, VSPILL(fo, s), VSPILL(fc, s), &m, prec))
					return false;
				continue;
			}
			for (int b = 0; b < 8; b++) {
				if (to[b] == ST_INVALID)
					continue;
				/* stored: data. Current must be data, or a spilled number */
				if (tc[b] == ST_INVALID || (tc[b] == ST_SPILL && VSPILL(fc, s)->type != VT_SCALAR))
					return false;
			}
		}
	}
	return true;
}

bool vf_covers(const struct venv *e, const struct vstate *o, const struct vstate *c)
{
	return covers(e, o, c, NULL);
}

/* ---- widening (loops bounded at run time by may_goto) ---- */

static void widen_range(struct bpfx_range *w, const struct bpfx_range *o, const struct bpfx_range *c, int bits)
{
	if (c->umin < o->umin)
		w->umin = 0;
	if (c->umax > o->umax)
		w->umax = bits == 64 ? UINT64_MAX : UINT32_MAX;
	if (c->smin < o->smin)
		w->smin = bits == 64 ? INT64_MIN : INT32_MIN;
	if (c->smax > o->smax)
		w->smax = bits == 64 ? INT64_MAX : INT32_MAX;
}

static void widen_scalar(struct bpfx_scalar *c, const struct bpfx_scalar *o)
{
	struct bpfx_scalar w = bpfx_scalar_union(o, c);
	if (!bpfx_tnum_in(c->t, o->t))
		w.t = bpfx_tnum_unknown();
	widen_range(&w.r64, &o->r64, &c->r64, 64);
	widen_range(&w.r32, &o->r32, &c->r32, 32);
	if (!bpfx_scalar_sync(&w))
		w = bpfx_scalar_unknown();
	*c = w;
}

/* c becomes a register state covering both c and o, with moving bounds
 * pushed to their extremes so that repeated widening stops. */
static void widen_reg(struct vreg *c, const struct vreg *o)
{
	if (c->type == VT_UNINIT)
		return;
	if (o->type != c->type) {
		vf_set_uninit(c);
		return;
	}
	if (c->type == VT_SCALAR) {
		if (!bpfx_scalar_in(&c->s, &o->s))
			widen_scalar(&c->s, &o->s);
		if (((o->flags ^ c->flags) & VF_LEN) || o->lenoff != c->lenoff) {
			c->flags &= (uint8_t)~VF_LEN;
			c->lenoff = 0;
		}
		if (c->id != o->id)
			c->id = 0;
		return;
	}
	if (c->type == VT_PKT) {
		if (o->id != c->id || o->lenoff != c->lenoff) {
			vf_set_uninit(c);
			return;
		}
		if (o->aux < c->aux)
			c->aux = o->aux;
		if (!bpfx_scalar_in(&c->s, &o->s))
			widen_scalar(&c->s, &o->s);
		return;
	}
	/* other pointers keep c's identity (id): it is exact for c, and the
	 * covering test maps identities one to one (map values of a map with a
	 * spin lock included), so a widened state never pairs a held lock with
	 * a value it was not taken through */
	if (o->flags != c->flags || o->frame != c->frame || o->aux != c->aux || o->ref != c->ref ||
	    ((c->flags & VF_NULL) && o->id != c->id)) {
		vf_set_uninit(c);
		return;
	}
	if (!bpfx_scalar_in(&c->s, &o->s))
		widen_scalar(&c->s, &o->s);
}

/* Widens st against the stored state o; false if their shapes differ. */
static bool widen_state(struct vstate *st, const struct vstate *o)
{
	if (o->nframes != st->nframes || o->nrefs != st->nrefs ||
	    memcmp(o->refs, st->refs, o->nrefs * sizeof(o->refs[0])) || o->lock_map1 != st->lock_map1 ||
	    o->lock_id != st->lock_id)
		return false;
	for (uint32_t fi = 0; fi < o->nframes; fi++)
		if (o->fr[fi]->callsite != st->fr[fi]->callsite)
			return false;
	if (o->pkt_range < st->pkt_range)
		st->pkt_range = o->pkt_range;
	if (o->meta_range < st->meta_range)
		st->meta_range = o->meta_range;
	for (uint32_t fi = 0; fi < o->nframes; fi++) {
		const struct vframe *fo = o->fr[fi];
		struct vframe *fc = st->fr[fi];
		for (int i = 0; i < BPFX_NREGS; i++)
			widen_reg(&fc->regs[i], &fo->regs[i]);
		for (int sl = 0; sl < VSLOTS; sl++) {
			uint8_t *tc = &fc->stype[sl * 8];
			const uint8_t *to = &fo->stype[sl * 8];
			if (vf_slot_full(tc - sl * 8, sl) && vf_slot_full(to - sl * 8, sl)) {
				widen_reg(VSPILL(fc, sl), VSPILL(fo, sl));
				if (VSPILL(fc, sl)->type == VT_UNINIT)
					memset(tc, ST_INVALID, 8);
				continue;
			}
			if (vf_slot_any_spill(tc - sl * 8, sl)) { /* data in the stored state: a number at best */
				uint8_t t = VSPILL(fc, sl)->type == VT_SCALAR ? ST_MISC : ST_INVALID;
				for (int b = 0; b < 8; b++)
					if (tc[b] == ST_SPILL)
						tc[b] = t;
			}
			for (int b = 0; b < 8; b++) {
				uint8_t ob = to[b] == ST_SPILL ? (VSPILL(fo, sl)->type == VT_SCALAR ? ST_MISC : ST_INVALID) : to[b];
				if (ob == ST_INVALID)
					tc[b] = ST_INVALID;
			}
		}
	}
	return true;
}

bool vf_widen_state(struct vstate *st, const struct vstate *o)
{
	return widen_state(st, o);
}

/* A path is over: the stored states above it have one exploration less;
 * retired ones that are now complete are freed. */
static void path_end(struct venv *e, struct vstate *st)
{
	struct vrec *r = st->parent;
	while (r && --r->branches == 0) {
		struct vrec *up = r->parent;
		if (r->retired) {
			vf_state_free(e, r->st);
			free(r);
			vf_mem_add(e, -(int64_t)sizeof(*r));
			e->stored_cur--;
		}
		r = up;
	}
	vf_state_free(e, st);
}

/* At a prune point: 1 if a stored state covers st (the path is done), 0 to
 * go on (st now descends from a new stored copy), or an error. */
static int visit(struct venv *e, struct vstate *st)
{
	uint32_t pc = st->pc;
	struct vrec *loop_head = NULL, **link = &e->visited[pc];
	for (struct vrec *r = *link; r; r = *link) {
		if (r->branches == 0 || st->mg_epoch > r->st->mg_epoch) {
			/* complete: its marks are final and say what to compare;
			 * still being explored (a may_goto loop): compare all, and
			 * this path's stored states compare all from now on */
			if (covers(e, r->st, st, r->branches ? NULL : r)) {
				r->hit++;
				e->stats.states_pruned++;
				if (r->branches)
					vp_force(st->parent);
				else
					vp_pruned(e, st, r);
				return 1;
			}
			if (r->branches && !loop_head)
				loop_head = r;
		} else if (vf_covers(e, r->st, st) && vf_covers(e, st, r->st)) {
			return vf_fail(e, st, BPFX_RULE_CFG_004,
				    "insn %u is reached again in exactly the same state: nothing changes between "
				    "iterations, so the loop cannot be shown to end",
				    pc);
		}
		/* A stored state that keeps failing to prune costs a comparison
		 * at every visit: drop it from the list (as Linux does). One still
		 * being explored stays allocated for its descendants' counts. */
		if (++r->miss > r->hit * 3 + 8 && r != loop_head) {
			*link = r->next;
			e->nvisited[pc]--;
			if (r->branches == 0) {
				vf_state_free(e, r->st);
				free(r);
				vf_mem_add(e, -(int64_t)sizeof(*r));
				e->stored_cur--;
			} else {
				r->retired = 1;
			}
			continue;
		}
		link = &r->next;
	}
	/* Around a loop that passed a may_goto: the run time bounds it, so it is
	 * enough to reach a state that covers every iteration. */
	if (loop_head)
		widen_state(st, loop_head->st);
	if (e->nvisited[pc] >= MAX_STATES_PER_INSN || e->stored_cur >= MAX_STATES_KEPT)
		return 0;
	if (e->prune[pc] == PRUNE_JOIN && (st->jmps_since < 2 || st->insns_since < 8))
		return 0;
	st->jmps_since = st->insns_since = 0;
	struct vrec *rec = malloc(sizeof(*rec));
	struct vstate *copy = rec ? vf_state_copy(e, st) : NULL;
	if (!copy) {
		free(rec);
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory storing a state");
	}
	vf_mem_add(e, sizeof(*rec));
	rec->st = copy;
	rec->parent = st->parent;
	rec->branches = 1;
	rec->hit = rec->miss = 0;
	rec->retired = 0;
	vp_rec_init(rec, st);
	e->stored_cur++;
	rec->next = e->visited[pc];
	e->visited[pc] = rec;
	e->nvisited[pc]++;
	e->stats.states_kept++;
	st->parent = rec;
	return 0;
}

/* ---- the main loop ---- */

static void log_insn(struct venv *e, struct vstate *st)
{
	char dis[128];
	vf_disasm_at(e, st->pc, dis, sizeof(dis));
	bpfx_vsb_printf(&e->log, "%u: %s", st->pc, dis);
	if (st->nframes > 1)
		bpfx_vsb_printf(&e->log, "   [frame %u]", st->nframes - 1);
	bpfx_vsb_puts(&e->log, "\n");
	for (int i = 0; i < BPFX_NREGS; i++) {
		const struct vreg *r = &cur(st)->regs[i];
		if (r->type == VT_UNINIT || i == 10)
			continue;
		char buf[512];
		vf_fmt_reg(e, r, buf, sizeof(buf));
		bpfx_vsb_printf(&e->log, "    r%d = %s\n", i, buf);
	}
}

/* Executes the instruction at st->pc: 0 go on, 1 the path ended, or error. */
static int step(struct venv *e, struct vstate **pst)
{
	struct vstate *st = *pst;
	uint32_t pc = st->pc;
	const struct bpfx_insn *x = &e->insns[pc];
	int op = e->ops[pc], err;
	const struct bpfx_op_desc *o = &bpfx_op_table[op];

	switch (o->fmt) {
	case BPFX_FMT_ALU_K:
	case BPFX_FMT_ALU_X:
	case BPFX_FMT_NEG:
	case BPFX_FMT_END:
	case BPFX_FMT_MOVSX:
	case BPFX_FMT_ASCAST:
		if ((err = vf_do_alu(e, st, x, op)))
			return err;
		st->pc++;
		return 0;
	case BPFX_FMT_LDDW:
		if ((err = vf_do_lddw(e, st, x, op)))
			return err;
		st->pc += 2;
		return 0;
	case BPFX_FMT_LDABS:
	case BPFX_FMT_LDIND: {
		if (o->fmt == BPFX_FMT_LDIND) {
			if ((err = vf_check_init(e, st, x->src)))
				return err;
			if (is_ptr(reg(st, x->src)) && e->unpriv)
				return vf_fail(e, st, BPFX_RULE_LEAK_004, "packet load indexed by r%u, a pointer", x->src);
		}
		for (int i = 1; i <= 5; i++)
			vf_set_uninit(reg(st, (unsigned)i));
		vf_set_unknown(reg(st, 0));
		bpfx_scalar_trunc(&reg(st, 0)->s, (unsigned)bpfx_code_size(x->code));
		st->pc++;
		return 0;
	}
	case BPFX_FMT_LDX:
	case BPFX_FMT_LDXSX:
	case BPFX_FMT_ST:
	case BPFX_FMT_STX:
	case BPFX_FMT_ATOMIC:
	case BPFX_FMT_ATOMIC_FETCH:
	case BPFX_FMT_XCHG:
	case BPFX_FMT_CMPXCHG:
	case BPFX_FMT_LOAD_ACQ:
	case BPFX_FMT_STORE_REL:
		if ((err = vf_do_mem(e, st, x, op)))
			return err;
		st->pc++;
		return 0;
	case BPFX_FMT_JA:
		st->pc = pc + 1 + (uint32_t)(int32_t)x->off;
		return 0;
	case BPFX_FMT_JA32:
		st->pc = pc + 1 + (uint32_t)x->imm;
		return 0;
	case BPFX_FMT_JCC_K:
	case BPFX_FMT_JCC_X:
		return vf_do_jcc(e, pst, x, op);
	case BPFX_FMT_MAY_GOTO: {
		struct vstate *alt = vf_state_copy(e, st);
		if (!alt)
			return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory copying a state");
		alt->pc = pc + 1 + (uint32_t)(int32_t)x->off;
		alt->trail = vf_trail_push(e, st->trail, pc, 1);
		st->trail = vf_trail_push(e, st->trail, pc, 0);
		st->mg_epoch++;
		st->pc = pc + 1;
		return vf_push_state(e, alt);
	}
	case BPFX_FMT_CALL:
		if ((err = vf_do_helper(e, st, x, false)))
			return err == 2 ? 0 : err; /* 2: a callback was entered (pc set) */
		st->pc++;
		return 0;
	case BPFX_FMT_CALL_KFUNC:
		if ((err = vf_do_helper(e, st, x, true)))
			return err;
		st->pc++;
		return 0;
	case BPFX_FMT_CALLX:
		if ((err = vf_do_callx(e, st, x)))
			return err;
		st->pc++;
		return 0;
	case BPFX_FMT_CALL_LOCAL:
		return vf_do_call_local(e, st, x);
	case BPFX_FMT_EXIT:
		return vf_do_exit(e, st);
	case BPFX_FMT_GOTOX:
		/* Linux 6.18 reads the possible targets from an instruction-array
		 * map; bpfx has no such table, and a target computed at run time
		 * cannot be bounded here */
		return vf_fail(e, st, BPFX_RULE_INSN_002,
			       "gotox r%u: an indirect jump needs its set of possible targets (Linux takes it from an "
			       "instruction-array map, which bpfx does not have); use conditional jumps (a switch) instead",
			       x->dst);
	default:
		return vf_fail(e, st, BPFX_RULE_INSN_002, "%s (%s) is not supported by this verifier", o->mnem, o->id);
	}
}

static int initial_state(struct venv *e, struct vstate **out)
{
	struct vstate *st = calloc(1, sizeof(*st));
	struct vframe *f = st ? vf_frame_alloc(e) : NULL;
	if (!st || !f) {
		free(st);
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory for the initial state");
	}
	vf_mem_add(e, sizeof(*st));
	vf_states_add(e, 1);
	st->fr[0] = f;
	st->nframes = 1;
	f->callsite = UINT32_MAX;
	vf_set_ptr(&f->regs[10], VT_STACK, 0);
	if (e->pt->ctx_kind == BPFX_CTX_BUFFER) {
		vf_set_ptr(&f->regs[1], VT_PKT, 0);
		vf_set_scalar(&f->regs[2], bpfx_scalar_urange(0, (uint64_t)INT64_MAX));
		f->regs[2].flags = VF_LEN;
	} else if (e->pt->ctx_kind == BPFX_CTX_MEMORY) {
		vf_set_ptr(&f->regs[1], VT_MEM, 0); /* plain memory of ctx_size bytes */
		f->regs[1].aux = e->pt->ctx_size;
	} else {
		vf_set_ptr(&f->regs[1], VT_CTX, 0);
	}
	*out = st;
	return 0;
}

static int analyse(struct venv *e)
{
	struct vstate *st = NULL;
	int err = initial_state(e, &st);
	if (err)
		return err;
	return vf_explore(e, st);
}

int vf_explore(struct venv *e, struct vstate *st)
{
	int err;
	if ((err = vf_push_state(e, st))) {
		vf_state_free(e, st);
		return err;
	}
	while (e->nwork) {
		st = e->work[--e->nwork];
		for (;;) {
			if (e->prune[st->pc]) {
				err = visit(e, st);
				if (err == 1) {
					path_end(e, st);
					break;
				}
				if (err < 0)
					goto fail;
			}
			if (++e->stats.insns_processed > e->max_insns) {
				err = vf_fail(e, st, BPFX_RULE_CFG_005,
					   "the analysis processed %llu instructions without finishing (limit %llu): too "
					   "many paths, or a loop that runs too long for the verifier to unroll",
					   (unsigned long long)e->stats.insns_processed - 1,
					   (unsigned long long)e->max_insns);
				goto fail;
			}
			if (e->log_level >= BPFX_VLOG_FULL)
				log_insn(e, st);
			st->insns_since++;
			if (e->prune[st->pc])
				st->jmps_since++;
			struct vp_step ps;
			if ((err = vp_before(e, st, &ps)) < 0)
				goto fail;
			err = step(e, &st);
			err = vp_after(e, st, &ps, err);
			if (err == 1) {
				path_end(e, st);
				break;
			}
			if (err < 0)
				goto fail;
		}
	}
	return 0;
fail:
	path_end(e, st);
	return err;
}

/* Deepest combined stack over every call chain of at most
 * BPFX_MAX_CALL_DEPTH frames from the entry: d_k(f) = own(f) + max over
 * calls f -> g of d_(k-1)(g). */
static int chain_depth(const struct venv *e, uint32_t *out)
{
	uint32_t *d = calloc(e->nsub, sizeof(uint32_t)), *nd = calloc(e->nsub, sizeof(uint32_t));
	int err = 0;
	if (!d || !nd) {
		err = bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory checking stack depths");
		goto out;
	}
	for (uint32_t f = 0; f < e->nsub; f++)
		d[f] = (e->sub_depth[f] + 7) & ~7u;
	for (int k = 1; k < BPFX_MAX_CALL_DEPTH; k++) {
		for (uint32_t f = 0; f < e->nsub; f++)
			nd[f] = 0;
		for (size_t i = 0; i < e->n; i++) {
			/* a code address (a callback) counts as a call from
			 * where it is loaded, as Linux counts it */
			if (!e->call_seen[i] && e->ops[i] != BPFX_OP_LDDW_CODE_ADDR)
				continue;
			uint32_t f = e->subprog_of[i], g = e->subprog_of[i + 1 + e->insns[i].imm];
			if (d[g] > nd[f])
				nd[f] = d[g];
		}
		for (uint32_t f = 0; f < e->nsub; f++)
			nd[f] += (e->sub_depth[f] + 7) & ~7u;
		uint32_t *t = d;
		d = nd;
		nd = t;
	}
	*out = d[0];
out:
	free(d);
	free(nd);
	return err;
}

/* ---- public entry points ---- */

static void capture_log(void *user, enum bpfx_log_level level, const char *msg)
{
	struct venv *e = user;
	if (level == BPFX_LOG_ERROR && !e->vmsg[0])
		snprintf(e->vmsg, sizeof(e->vmsg), "%s", msg);
}

static void env_free(struct venv *e)
{
	while (e->nwork)
		path_end(e, e->work[--e->nwork]);
	free(e->work);
	vf_calls_free(e);
	vp_free(e);
	if (e->visited)
		for (size_t i = 0; i < e->n; i++)
			for (struct vrec *r = e->visited[i], *nx; r; r = nx) {
				nx = r->next;
				vf_state_free(e, r->st);
				free(r);
			}
	while (e->trails) {
		struct trail_chunk *c = e->trails;
		e->trails = c->next;
		free(c);
	}
	free(e->visited);
	free(e->nvisited);
	free(e->ops);
	free(e->subprog_of);
	free(e->sub_start);
	free(e->sub_depth);
	free(e->call_seen);
	free(e->prune);
	free(e->live);
	free(e->state_txt.s);
	free(e->path_txt.s);
	free(e->log.s);
}

int bpfx_verify(const bpfx_platform *p, const struct bpfx_insn *insns, size_t count,
		const struct bpfx_verify_opts *opts, struct bpfx_report **report)
{
	struct bpfx_verify_opts o;
	struct bpfx_diag d = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (opts && opts->sz >= offsetof(struct bpfx_verify_opts, log_user) + sizeof(void *))
		d = (struct bpfx_diag){opts->log, opts->log_user};
	if (report)
		*report = NULL;
	int err = bpfx_opts_copy(&d, &o, sizeof(o), opts, "bpfx_verify_opts");
	if (err)
		return err;
	if (!p)
		return bpfx_fail(&d, BPFX_E_INVAL, "bpfx_verify: no platform given");
	if (!insns && count)
		return bpfx_fail(&d, BPFX_E_INVAL, "bpfx_verify: insns is NULL");
	if (o.nmaps && !o.maps)
		return bpfx_fail(&d, BPFX_E_INVAL, "bpfx_verify: nmaps is %zu but maps is NULL", o.nmaps);
	for (size_t i = 0; i < o.nmaps; i++) {
		if ((unsigned)o.maps[i].kind > BPFX_MAP_KIND_OF_MAPS)
			return bpfx_fail(&d, BPFX_E_INVAL, "bpfx_verify: map %zu has unknown kind %d", i, (int)o.maps[i].kind);
		if (o.maps[i].kind == BPFX_MAP_KIND_OF_MAPS &&
		    (o.maps[i].inner_map >= o.nmaps || o.maps[i].inner_map == i))
			return bpfx_fail(&d, BPFX_E_INVAL, "bpfx_verify: map %zu is a map of maps whose inner map %u is not "
					 "another entry of the %zu given", i, o.maps[i].inner_map, o.nmaps);
	}
	if (o.nfuncs && !o.funcs)
		return bpfx_fail(&d, BPFX_E_INVAL, "bpfx_verify: nfuncs is %zu but funcs is NULL", o.nfuncs);
	for (size_t i = 0; i < o.nfuncs; i++)
		for (int k = 0; k < 5; k++)
			if ((unsigned)o.funcs[i].args[k] > BPFX_FARG_UNSUPPORTED)
				return bpfx_fail(&d, BPFX_E_INVAL, "bpfx_verify: funcs[%zu] argument %d has unknown kind %d",
						 i, k + 1, (int)o.funcs[i].args[k]);
	if ((unsigned)o.log_level > BPFX_VLOG_FULL)
		return bpfx_fail(&d, BPFX_E_INVAL, "bpfx_verify: unknown log level %d", (int)o.log_level);
	const struct bpfx_prog_type *pt = NULL;
	for (size_t i = 0; i < p->ntypes && !pt; i++)
		if (!o.prog_type || !strcmp(o.prog_type, p->types[i].t.name))
			pt = &p->types[i].t;
	if (!pt)
		return bpfx_fail(&d, BPFX_E_INVAL, "platform '%s' has no program type '%s'", p->name,
				 o.prog_type ? o.prog_type : "(any)");

	struct venv *e = calloc(1, sizeof(*e));
	if (!e)
		return bpfx_fail(&d, BPFX_E_NOMEM, "out of memory starting the verifier");
	e->plat = p;
	e->pt = pt;
	e->insns = insns;
	e->n = count;
	e->maps = o.maps;
	e->nmaps = o.nmaps;
	e->funcs = o.funcs;
	e->nfuncs = o.nfuncs;
	e->unpriv = (o.flags & BPFX_VERIFY_UNPRIV) != 0;
	e->max_insns = o.max_insns ? o.max_insns : DEFAULT_MAX_INSNS;
	e->log_level = o.log_level;
	e->diag = d;
	e->name = o.name ? o.name : "program";
	e->fail_slot_lo = 1;
	e->fail_slot_hi = 0;
	e->fail_frame = -1;
	e->log.limit = 16u << 20;
	size_t n = count ? count : 1;
	e->ops = malloc(n * sizeof(int16_t));
	e->subprog_of = malloc(n * sizeof(uint32_t));
	e->prune = calloc(n, 1);
	e->call_seen = calloc(n, 1);
	e->visited = calloc(n, sizeof(struct vrec *));
	e->nvisited = calloc(n, sizeof(uint32_t));
	if (!e->ops || !e->subprog_of || !e->prune || !e->call_seen || !e->visited || !e->nvisited) {
		err = bpfx_fail(&d, BPFX_E_NOMEM, "out of memory for %zu instructions", count);
		goto out;
	}

	struct bpfx_diag vd = {capture_log, e};
	int verr = bpfx_validate_program(&vd, insns, count, p->groups, e->ops);
	if (verr == BPFX_E_NOMEM) {
		err = bpfx_fail(&d, BPFX_E_NOMEM, "out of memory validating");
		goto out;
	}
	if (verr) {
		long long at = -1;
		struct vstate none = {0};
		if (sscanf(e->vmsg, "insn %lld", &at) == 1 && at >= 0 && (size_t)at < count)
			none.pc = (uint32_t)at;
		vf_fail(e, &none, BPFX_RULE_INSN_001, "%s", e->vmsg[0] ? e->vmsg : "the program does not validate");
		if (at < 0)
			e->fail_insn = -1;
	} else {
		err = vf_structure(e);
		if (!err)
			err = analyse(e);
		if (!err)
			err = vf_verify_globals(e);
		if (!err)
			err = chain_depth(e, &e->stats.max_stack);
		if (!err) {
			if (e->stats.max_stack > p->stack_total) {
				struct vstate none = {0};
				vf_fail(e, &none, BPFX_RULE_STK_003,
				     "a call chain starting at the entry uses %u bytes of stack together; the limit is %u",
				     e->stats.max_stack, p->stack_total);
				e->fail_insn = -1;
			}
		}
		if (err && err != BPFX_E_REJECTED)
			goto out; /* out of memory */
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	e->stats.time_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
	if (e->failed && e->sub_depth && chain_depth(e, &e->stats.max_stack))
		e->stats.max_stack = 0;

	err = e->failed ? (verr ? verr : BPFX_E_REJECTED) : 0;
	if (e->failed && e->rule == BPFX_RULE_INSN_001)
		err = verr;
	char dis[160] = "";
	if (e->failed && e->fail_insn >= 0 && !verr)
		vf_disasm_at(e, (size_t)e->fail_insn, dis, sizeof(dis));
	if (o.log_level >= BPFX_VLOG_BRIEF) {
		if (e->failed)
			bpfx_logf(&d, BPFX_LOG_ERROR, "%s: REJECTED %s at insn %lld%s%s: %s", e->name,
				  bpfx_rule_table[e->rule].id, (long long)e->fail_insn, dis[0] ? ": " : "", dis, e->msg);
		else
			bpfx_logf(&d, BPFX_LOG_INFO, "%s: accepted (%llu insns processed, %llu states kept)", e->name,
				  (unsigned long long)e->stats.insns_processed, (unsigned long long)e->stats.states_kept);
	}
	if (report) {
		struct bpfx_report *r = bpfx_report_new();
		int rerr = r ? 0 : BPFX_E_NOMEM;
		if (r) {
			r->accepted = !e->failed;
			r->stats = e->stats;
			if (e->failed) {
				r->rule = bpfx_rule_table[e->rule].id;
				r->rule_title = bpfx_rule_table[e->rule].title;
				r->insn = e->fail_insn;
				char *st = bpfx_vsb_take(&e->state_txt), *pa = bpfx_vsb_take(&e->path_txt);
				rerr = bpfx_report_set(r, "message", e->msg) ?: bpfx_report_set(r, "insn_text", dis) ?:
				       bpfx_report_set(r, "state", st ? st : "") ?: bpfx_report_set(r, "path", pa ? pa : "");
				free(st);
				free(pa);
			}
			if (!rerr && e->log_level >= BPFX_VLOG_FULL) {
				char *lg = bpfx_vsb_take(&e->log);
				rerr = bpfx_report_set(r, "log", lg ? lg : "");
				if (!rerr && e->log.cut) {
					size_t ln = strlen(r->log);
					char *l2 = malloc(ln + 64);
					if (l2) {
						snprintf(l2, ln + 64, "%s... log cut at 16 MiB\n", r->log);
						rerr = bpfx_report_set(r, "log", l2);
						free(l2);
					}
				}
				free(lg);
			}
		}
		if (rerr) {
			bpfx_report_free(r);
			err = bpfx_fail(&d, BPFX_E_NOMEM, "out of memory building the report");
			goto out;
		}
		*report = r;
	}
out:
	env_free(e);
	free(e);
	return err;
}

int bpfx_prog_verify(bpfx_prog *prog, const bpfx_platform *p, const struct bpfx_verify_opts *opts,
		     struct bpfx_report **report)
{
	if (report)
		*report = NULL;
	if (!prog)
		return BPFX_E_INVAL;
	int err = bpfx_verify(p, prog->insns, prog->count, opts, report);
	bpfx_prog_set_verified(prog, err == 0);
	return err;
}

