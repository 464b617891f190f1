/* SPDX-License-Identifier: MIT */
/*
 * x86_64_unroll.c - small innermost loops run as K consecutive copies.
 *
 * A loop h..e qualifies when every backward jump in it goes to h (e is the
 * last of them); it has no call, exit, LD_ABS/IND, gotox or may_goto (a loop
 * that can return from inside is a search that usually ends after an
 * iteration or two: hashtable's probe loops ran 10% slower unrolled under
 * polling); no function starts in it; it is at most UNROLL_MAX_SLOTS slots
 * and not clamped; and backward jumps to h from after e come from an outer
 * loop (see bpfx_x86_plan_unroll).
 *
 * Its code is emitted as usual (the "single copy": every jump from before
 * the loop into it lands there), and after the single copy's last back edge
 * come K copies of the whole loop (K = 4 for a loop with one way out, else
 * 2: see bpfx_x86_plan_unroll). Back edges of the single copy and of the
 * last copy go to copy 0, backward jumps to h from after the loop to the
 * last copy; the last back edge e of copy c < K - 1 leaves the loop when
 * its condition fails and otherwise falls into copy c + 1, its other back
 * edges jump to copy c + 1.
 *
 * Under BPFX_JIT_POLL this is what makes counting back edges cheap. In the
 * copies r9 holds the chunk minus a reserve of K - 1: copy c has c back
 * edges taken but not charged yet and K - 1 - c still reserved, so the back
 * edges inside copies 0..K-2 need no code. The last back edge of the single
 * and last copies jumps, with the branch shape of the plain code, to a
 * charge block before copy 0 (`sub r9, K; jb slow`: this event and a new
 * reserve), which falls into copy 0; `slow` gives K back and polls as e
 * (exact budget, the same instruction, poll_slow at the same event), then
 * goes on in the single copy (a clamped loop's: through its entry code,
 * see struct clamp). Their other back edges charge the same way themselves
 * (emit_charge, or emit_precharged for a compare); backward jumps to h from
 * after the loop charge one event and enter the last copy, which has no
 * reserve. Every way out of copy c < K - 1 gives back K - 1 - c: each slot
 * the copies leave to has up to K - 1 `inc r9` right before its code and
 * copy c jumps in K - 1 - c from their end (code that falls into the slot
 * jumps over them, except after a last copy that ends in a jump). Nothing inside the loop
 * reads r9: there are no calls, exits or run-time failures, and divisions
 * save it.
 *
 * Without BPFX_JIT_POLL the copies are the same, with no reserve, charge
 * block or pads.
 */
#include "x86_64.h"

static bool unrollable_op(enum bpfx_op op)
{
	switch (op) {
	case BPFX_OP_CALL_HELPER: case BPFX_OP_CALL_KFUNC: case BPFX_OP_CALLX: case BPFX_OP_CALL_LOCAL:
	case BPFX_OP_GOTOX: case BPFX_OP_MAY_GOTO: case BPFX_OP_EXIT:
	case BPFX_OP_LDABS_W: case BPFX_OP_LDABS_H: case BPFX_OP_LDABS_B:
	case BPFX_OP_LDIND_W: case BPFX_OP_LDIND_H: case BPFX_OP_LDIND_B:
		return false;
	default:
		return true;
	}
}

static bool is_ja(int op)
{
	return op == BPFX_OP_JA || op == BPFX_OP_JA32;
}

static bool is_mov(int op)
{
	return op == BPFX_OP_MOV32_K || op == BPFX_OP_MOV64_K || op == BPFX_OP_MOV32_X || op == BPFX_OP_MOV64_X;
}

/* dst op= v whose x86 form sets ZF from the result (see bpfx_x86_pair) */
static bool is_flag_op(enum bpfx_op op)
{
	switch (op) {
	CASE4(ADD): CASE4(SUB): CASE4(AND): CASE4(OR): CASE4(XOR):
		return true;
	default:
		return false;
	}
}

/* Shape of the back edge at e (to h): fills u->eb, kind, cc, test. */
static bool back_edge(const struct jit *j, struct unroll *u)
{
	size_t h = u->h, e = u->e;
	enum bpfx_op op = (enum bpfx_op)j->ops[e];
	bool test;
	u->eb = (uint32_t)e;
	if (is_ja(op) && e >= h + 2 && !j->is_target[e] && !j->is_target[e - 1] && j->ops[e - 2] >= 0 &&
	    is_mov(j->ops[e - 1]) && bpfx_insn_target(j->insns, j->ops, e - 2, false) == (int64_t)h) {
		int cc = bpfx_x86_jcc_of((enum bpfx_op)j->ops[e - 2], &test);
		if (cc >= 0) { /* if c goto h; mov dst, v; goto h: cmov, then on */
			const struct bpfx_insn *x = &j->insns[e - 2];
			int md = j->insns[e - 1].dst;
			u->eb = (uint32_t)(e - 2);
			u->kind = UK_SELECT;
			u->cc = (int8_t)cc;
			u->test = test;
			/* whose poll: the slow path compares again when the mov
			 * leaves the compared registers alone, else a setcc keeps it */
			u->recmp = md != x->dst && (!(x->code & BPFX_SRC_X) || md != x->src);
			return true;
		}
	}
	if (is_ja(op)) {
		u->kind = UK_ALWAYS;
		u->cc = -1;
		if (e > h && !j->is_target[e] && j->ops[e - 1] >= 0 && j->insns[e - 1].off == 1) {
			int cc = bpfx_x86_jcc_of((enum bpfx_op)j->ops[e - 1], &test);
			if (cc >= 0) { /* if c goto +1; goto h: on while !c */
				u->eb = (uint32_t)(e - 1);
				u->kind = UK_CMP;
				u->cc = (int8_t)(cc ^ 1);
				u->test = test;
			}
		}
		return true;
	}
	int cc = bpfx_x86_jcc_of(op, &test);
	if (cc < 0)
		return false;
	u->kind = UK_CMP;
	u->cc = (int8_t)cc;
	u->test = test;
	const struct bpfx_insn *y = &j->insns[e];
	if ((op == BPFX_OP_JEQ_K || op == BPFX_OP_JNE_K || op == BPFX_OP_JEQ32_K || op == BPFX_OP_JNE32_K) &&
	    y->imm == 0 && e > h && !j->is_target[e] && j->ops[e - 1] >= 0 &&
	    is_flag_op((enum bpfx_op)j->ops[e - 1]) && j->insns[e - 1].dst == y->dst &&
	    bpfx_code_is64(j->insns[e - 1].code) == bpfx_code_is64(y->code)) {
		u->eb = (uint32_t)(e - 1); /* dst op= v; if dst ==/!= 0 goto h */
		u->kind = UK_FOLD;
	}
	return true;
}

static bool add_out(uint32_t *out, uint32_t *n, uint32_t t)
{
	for (uint32_t k = 0; k < *n; k++)
		if (out[k] == t)
			return true;
	if (*n >= UNROLL_MAX_SLOTS + 1)
		return false;
	out[(*n)++] = t;
	return true;
}

/* Finds the loops to unroll; *extra_bytes bounds the code their copies add. */
int bpfx_x86_plan_unroll(struct jit *j, size_t *extra_bytes)
{
	*extra_bytes = 0;
	if (j->blind || !j->is_target || j->env->flags & BPFX_JIT_NO_UNROLL)
		return 0;
	uint32_t out[UNROLL_MAX_SLOTS + 1];
	for (size_t e = j->count; e-- > 0;) { /* (from the end: the longest loop of a head first) */
		if (j->ops[e] < 0)
			continue;
		int64_t t = bpfx_insn_target(j->insns, j->ops, e, false);
		enum bpfx_op op = (enum bpfx_op)j->ops[e];
		if (t < 0 || t > (int64_t)e || op == BPFX_OP_GOTOX || op == BPFX_OP_MAY_GOTO)
			continue;
		size_t h = (size_t)t, n = e - h + 1;
		if (n > UNROLL_MAX_SLOTS || j->ops[h] < 0)
			continue;
		bool ok = true;
		uint32_t nout = 0;
		for (size_t i = h; i <= e && ok; i++) {
			if (j->ops[i] < 0)
				continue;
			if (j->is_entry[i] || (j->unroll_of && j->unroll_of[i]) || !unrollable_op((enum bpfx_op)j->ops[i])) {
				ok = false;
				break;
			}
			int64_t ti = bpfx_insn_target(j->insns, j->ops, i, false);
			if (i < e && ti >= 0) {
				if (ti <= (int64_t)i && (size_t)ti != h)
					ok = false; /* another loop inside */
				else if ((size_t)ti == h && i + 2 < e && is_ja(j->ops[i + 2]) &&
					 bpfx_insn_target(j->insns, j->ops, i + 2, false) == (int64_t)h)
					ok = false; /* (`if c goto h; mov; goto h` is one pattern: only as eb) */
				else if (ti > (int64_t)e)
					ok = add_out(out, &nout, (uint32_t)ti);
			}
		}
		/* Backward jumps to h from after e make iterations that leave
		 * the copies and come back through a charge: worth it when the
		 * way round is an outer loop (it has loops of its own), not when
		 * it is the rest of this one (heap's sift-down: [h, e] alone
		 * would be left and entered again on most iterations). */
		size_t last = j->loop_end[h] ? j->loop_end[h] - 1 : e;
		if (ok && last > e) {
			bool inner = false;
			for (size_t i = e + 1; i <= last && !inner; i++) {
				if (j->ops[i] < 0)
					continue;
				int64_t ti = bpfx_insn_target(j->insns, j->ops, i, false);
				inner = ti >= 0 && ti <= (int64_t)i && (size_t)ti != h;
			}
			ok = inner;
		}
		struct unroll u = {.h = (uint32_t)h, .e = (uint32_t)e};
		if (!ok || !back_edge(j, &u))
			continue;
		bool exits = u.kind == UK_CMP || u.kind == UK_FOLD; /* (e falls through when not taken) */
		if (exits && (e + 1 >= j->count || !add_out(out, &nout, (uint32_t)(e + 1))))
			continue;
		/* K: 4 copies for a loop with one way out (a counted or
		 * scanning loop: sieve's ran 10% -> 0-5% over plain under
		 * polling), 2 for one with more (a search that often ends after
		 * an iteration or two, where the reserve given back on the way
		 * out costs: sort's inner loop ran 15% -> 35-40% with 4). A way
		 * straight to a return (the end of the data) does not count:
		 * it is taken once per call. */
		int ways = exits;
		for (size_t i = h; i < u.eb; i++) {
			int64_t ti = j->ops[i] < 0 ? -1 : bpfx_insn_target(j->insns, j->ops, i, false);
			ways += ti > (int64_t)e && !bpfx_x86_reaches_exit(j, (size_t)ti);
		}
		u.k = ways <= 1 ? UNROLL_KMAX : 2;
		if (!j->unroll_of && !(j->unroll_of = calloc(j->count, sizeof(uint32_t))))
			return BPFX_E_NOMEM;
		if (j->nunrolls % 16 == 0) {
			struct unroll *nu = realloc(j->unrolls, (j->nunrolls + 16) * sizeof(*nu));
			if (!nu)
				return BPFX_E_NOMEM;
			j->unrolls = nu;
		}
		u.nout = nout;
		u.out = malloc((nout + 1) * sizeof(uint32_t));
		u.caddr = malloc((size_t)u.k * n * sizeof(uint32_t));
		u.save = malloc((n + nout) * sizeof(uint32_t));
		u.xpad_at = malloc(((size_t)(u.k - 1) * nout + 1) * sizeof(uint32_t));
		j->unrolls[j->nunrolls++] = u;
		if (!u.out || !u.caddr || !u.save || !u.xpad_at)
			return BPFX_E_NOMEM;
		memcpy(u.out, out, nout * sizeof(uint32_t));
		/* pessimistic first layout, like the slots' */
		for (size_t k = 0; k < (size_t)u.k * n; k++)
			u.caddr[k] = (uint32_t)(1024 + (j->count + 2 * k) * 64);
		j->unrolls[j->nunrolls - 1].cblk = u.caddr[0];
		for (size_t i = h; i <= e; i++)
			j->unroll_of[i] = (uint32_t)j->nunrolls;
		*extra_bytes += (size_t)u.k * n * MAX_INSN_BYTES + (size_t)(u.k - 1) * nout * 16 + 128;
	}
	return 0;
}

/* After the clamped loops dropped out: every slot an unrolled loop leaves
 * to gets a pad of K - 1 `inc r9` right before its code (when polling):
 * copy c jumps into it K - 1 - c from its end, with no jump more. Code
 * falling into the slot jumps over the pad, except after the last copy of
 * a loop whose last back edge is unconditional (xpad_want 2): it ends in a
 * jump. */
int bpfx_x86_plan_exit_pads(struct jit *j)
{
	for (size_t k = 0; k < j->nunrolls; k++) {
		const struct unroll *u = &j->unrolls[k];
		if (!j->unroll_of[u->h])
			continue; /* (dropped) */
		if (!j->xpad_want && !(j->xpad_want = calloc(j->count + 1, 1)))
			return BPFX_E_NOMEM;
		if (!j->xpad && !(j->xpad = calloc(j->count + 1, sizeof(uint32_t))))
			return BPFX_E_NOMEM;
		if (!j->xpad_len && !(j->xpad_len = calloc(j->count + 1, 1)))
			return BPFX_E_NOMEM;
		for (uint32_t m = 0; m < u->nout; m++) {
			if (j->xpad_want[u->out[m]] < 1)
				j->xpad_want[u->out[m]] = 1;
			if (j->xpad_len[u->out[m]] < u->k - 1)
				j->xpad_len[u->out[m]] = (uint8_t)(u->k - 1);
		}
		if (u->e + 1 < j->count && j->xpad_want[u->e + 1] && (u->kind == UK_ALWAYS || u->kind == UK_SELECT))
			j->xpad_want[u->e + 1] = 2; /* (the last copy ends in a jump) */
	}
	return 0;
}

void bpfx_x86_unroll_free(struct jit *j)
{
	for (size_t k = 0; k < j->nunrolls; k++) {
		free(j->unrolls[k].out);
		free(j->unrolls[k].caddr);
		free(j->unrolls[k].save);
		free(j->unrolls[k].xpad_at);
	}
	free(j->unrolls);
	free(j->unroll_of);
	free(j->xpad_want);
	free(j->xpad_len);
	free(j->xpad);
}

/* Flags of the back edge's condition (not UK_ALWAYS); UK_SELECT: the cmov. */
static void emit_back_cond(struct jit *j, const struct unroll *u)
{
	if (u->kind == UK_FOLD)
		bpfx_x86_insn(j, u->eb, (enum bpfx_op)j->ops[u->eb]); /* add/sub/and/or/xor: sets ZF */
	else if (u->kind == UK_SELECT)
		bpfx_x86_emit_select(j, u->eb);                        /* cmp; cmov!cc */
	else
		emit_cmp(j, &j->insns[u->eb], u->test);                /* cmp/test */
}

/* Charge of a taken back edge (other than the last) of the single or last
 * copy, or of a backward jump into the copies from after the loop: on to
 * the first copy if the chunk allows (see the file comment), else the usual
 * poll as instruction `insn` and on in the single copy (head `single_h`). */
static void emit_charge(struct jit *j, size_t insn, uint32_t first, uint32_t single_h)
{
	emit_alu_ri(j, true, 5, AUX3, j->uctx->k);                     /* sub r9, K */
	emit_jcc(j, CC_AE, first);                                     /* jae copy0 */
	emit_alu_ri(j, true, 0, AUX3, j->uctx->k);                     /* add r9, K (the true chunk) */
	emit_alu_ri(j, true, 5, AUX3, 1);                              /* sub r9, 1 */
	emit_jcc(j, CC_AE, single_h);                                  /* jae head */
	emit_exit_jcc(j, -1, insn, EX_POLL);                           /* jmp poll_stub (then head) */
	if (j->nstubs)
		j->stubs[j->nstubs - 1].back = single_h;
}

/* A back edge to h at `insn` (before eb; flags set for condition cc, or cc
 * < 0: always): on to the next copy, or charged like the last copy's. */
void bpfx_x86_unroll_back(struct jit *j, size_t insn, int cc)
{
	const struct unroll *u = j->uctx;
	if (!j->poll || j->umode == UM_MID) {
		if (cc < 0)
			emit_jmp(j, j->unext);                         /* jmp next copy */
		else
			emit_jcc(j, cc, j->unext);                     /* jcc next copy */
		return;
	}
	size_t skip = 0;
	if (cc >= 0)
		skip = emit_jcc8_fwd(j, cc ^ 1);                       /* j!cc skip */
	emit_charge(j, insn, j->unext, j->umode == UM_SINGLE ? j->addrs[u->h] : u->shead);
	if (skip)
		patch8(j, skip);
}

/* A backward jump at `insn`, after the loop, to the head h of an unrolled
 * loop (flags set for condition cc, or cc < 0: always): straight into its
 * last copy (polling: charged like any back edge, with no reserve to take,
 * so that a loop left again soon has nothing to give back; if the chunk is
 * short, the usual poll and on in the single copy). Its back edge then goes
 * round through the charge block and copy 0 like the others. */
void bpfx_x86_unroll_enter(struct jit *j, size_t insn, size_t h, int cc)
{
	const struct unroll *u = &j->unrolls[j->unroll_of[h] - 1];
	uint32_t last = unroll_last_head(u);
	if (!j->poll) {
		if (cc < 0)
			emit_jmp(j, last);                             /* jmp last copy */
		else
			emit_jcc(j, cc, last);                         /* jcc last copy */
		return;
	}
	if (cc >= 0 && back_edge_cold(j, insn, h)) {
		emit_charge_jcc(j, cc, insn, 1, last, j->addrs[h]);    /* jcc charge */
		return;
	}
	size_t skip = 0;
	if (cc >= 0)
		skip = emit_jcc8_fwd(j, cc ^ 1);                       /* j!cc skip */
	emit_alu_ri(j, true, 5, AUX3, 1);                              /* sub r9, 1 */
	emit_jcc(j, CC_AE, last);                                      /* jae last copy */
	emit_exit_jcc(j, -1, insn, EX_POLL);                           /* jmp poll_stub (then head) */
	if (j->nstubs)
		j->stubs[j->nstubs - 1].back = j->addrs[h];
	if (skip)
		patch8(j, skip);
}

/* The back edge group eb..e in the single copy (the loop's exit lies past
 * the copies), in copies 0..K-2 (they fall into the next one) or in the
 * last copy (its exit is the next slot). Polling, the single and the last
 * copy go on through the charge block (see bpfx_x86_emit_unrolled). */
static void emit_eb(struct jit *j, const struct unroll *u, int mode)
{
	size_t e = u->e;
	uint32_t first = j->poll ? u->cblk : u->caddr[0];
	bool exits = u->kind == UK_CMP || u->kind == UK_FOLD;
	if (u->kind != UK_ALWAYS)
		emit_back_cond(j, u);
	if (mode == UM_MID) {
		if (exits)
			emit_jcc(j, u->cc ^ 1, j->addrs[e + 1]);       /* j!cc out (when polling: its pad) */
		return;
	}
	if (u->kind == UK_SELECT && j->poll && !u->recmp)
		emit_op(j, EF_BRM, 0x0f90 | u->cc, 0, AUX2, 0);       /* setcc r10b (whose poll) */
	if (!exits) {
		emit_jmp(j, first);                                    /* jmp charge / copy0 */
	} else {
		emit_jcc(j, u->cc, first);                             /* jcc charge / copy0 */
		if (mode == UM_SINGLE)
			emit_jmp(j, j->addrs[e + 1]);                  /* jmp out (past the copies) */
	}
}

/* Before slot t's code, when copies of unrolled loops leave to it: K - 1
 * `inc r9` (nothing falls into them; see bpfx_x86_plan_unroll). */
void bpfx_x86_emit_exit_pad(struct jit *j, size_t t, bool *same)
{
	if (j->xpad[t] != (uint32_t)j->len)
		*same = false;
	j->xpad[t] = (uint32_t)j->len;
	if (j->xpad_want[t] == 1)
		EMIT2(0xeb, 3 * j->xpad_len[t]); /* jmp t (code falling into t) */
	for (int k = 0; k < j->xpad_len[t]; k++)
		EMIT3(0x49, 0xff, 0xc1);         /* inc r9 */
}

void bpfx_x86_emit_unrolled(struct jit *j, struct unroll *u, bool *same)
{
	size_t h = u->h, e = u->e, n = e - h + 1, nout = u->nout;
	bool clamped = j->clamp_id && j->clamp_id[h] && j->clamps[j->clamp_id[h] - 1].copies;
	uint32_t single_h = clamped ? u->centry : j->addrs[h];
	u->shead = single_h;
	/* The single copy's back edge (a clamped loop's: emitted already,
	 * and a way into it is through its entry code). */
	for (size_t i = u->eb; i <= e && !clamped; i++)
		set_slot_addr(j, i, same);
	if (!clamped)
		emit_eb(j, u, UM_SINGLE);
	/* Polling: the charge block's slow path. The block itself (`sub r9, K;
	 * jb slow`, just before the first copy) charges a taken back edge e of
	 * the single or the last copy and keeps the reserve; when the chunk is
	 * short, `slow` gives back the K, polls as e (or, for a select, as the
	 * jump or the goto) and goes on in the single copy. */
	uint32_t slow = (uint32_t)j->len;
	if (j->poll) {
		emit_alu_ri(j, true, 0, AUX3, u->k);                   /* slow: add r9, K (the true chunk) */
		emit_alu_ri(j, true, 5, AUX3, 1);                      /* sub r9, 1 */
		emit_jcc(j, CC_AE, single_h);                          /* jae head */
		if (u->kind == UK_SELECT && u->recmp) {
			emit_cmp(j, &j->insns[u->eb], u->test);        /* cmp again (its registers kept) */
			emit_exit_jcc(j, u->cc, u->eb, EX_POLL);       /* jcc poll_stub(eb) (then head) */
			if (j->nstubs)
				j->stubs[j->nstubs - 1].back = single_h;
		} else if (u->kind == UK_SELECT) {
			emit_op(j, EF_BRM, 0x84, AUX2, AUX2, 0);       /* test r10b, r10b */
			emit_exit_jcc(j, CC_NE, u->eb, EX_POLL);       /* jnz poll_stub(eb) (then head) */
			if (j->nstubs)
				j->stubs[j->nstubs - 1].back = single_h;
		}
		emit_exit_jcc(j, -1, e, EX_POLL);                      /* jmp poll_stub(e) (then head) */
		if (j->nstubs)
			j->stubs[j->nstubs - 1].back = single_h;
		/* Where copies 0..K-2 leave to: the targets' pads, K - 1 - c
		 * `inc r9` before the target (last pass when after the loop; a
		 * pad has as many as the largest K of the loops leaving to it
		 * needs). */
		for (size_t c = 0; c + 1 < u->k; c++)
			for (size_t m = 0; m < nout; m++) {
				uint32_t t = u->out[m];
				u->xpad_at[c * nout + m] = j->xpad[t] + (j->xpad_want[t] == 1 ? 2 : 0) +
							 (uint32_t)(3 * (j->xpad_len[t] - (u->k - 1 - c)));
			}
	}
	/* The loop (the charge block, then the copies) starts a 64-byte block
	 * (nothing runs into the int3 bytes: the code above ends in a jmp).
	 * Without polling the copies start where they do with it, after the
	 * place of the 10-byte charge block: both variants then lay the loop
	 * out alike, and this placement ran better (sort 0.6x native instead
	 * of 1.2x, the suite 1.08-1.12x instead of 1.18x). */
	size_t p;
	if (j->pad_frozen) {
		p = u->pad;
	} else {
		p = ((64 - (j->len & 63)) & 63) + (j->poll ? 0 : 10);
		u->pad = (uint8_t)p;
	}
	while (p--)
		EMIT1(0xcc); /* int3 */
	if (j->poll) {
		if (u->cblk != (uint32_t)j->len)
			*same = false;
		u->cblk = (uint32_t)j->len;
		emit_alu_ri(j, true, 5, AUX3, u->k);                   /* charge: sub r9, K */
		emit_jcc(j, CC_B, slow);                               /* jb slow */
	}
	/* The copies, emitted with the slots' offsets swapped for the copy's own
	 * (and, for copies 0..K-2 when polling, targets outside the loop for
	 * their exit stubs). */
	memcpy(u->save, &j->addrs[h], n * sizeof(uint32_t));
	for (size_t m = 0; m < nout; m++)
		u->save[n + m] = j->addrs[u->out[m]];
	for (size_t c = 0; c < u->k; c++) {
		uint32_t *ca = &u->caddr[c * n];
		bool last = c + 1 == u->k;
		memcpy(&j->addrs[h], ca, n * sizeof(uint32_t));
		for (size_t m = 0; m < nout; m++)
			j->addrs[u->out[m]] = j->poll && !last ? u->xpad_at[c * nout + m] : u->save[n + m];
		j->zx = 0;
		j->group_end = u->eb;
		j->uctx = u;
		j->umode = last ? UM_LAST : UM_MID;
		j->unext = last ? u->caddr[0] : u->caddr[(c + 1) * n]; /* (copy 0: this pass; the next: the last) */
		for (size_t i = h; i < u->eb;) {
			if (j->is_target[i])
				j->zx = 0;
			size_t start = j->len;
			i += bpfx_x86_emit_slots(j, i, same);
			if (j->len - start > MAX_INSN_BYTES)
				j->range_err = true;
		}
		j->group_end = j->count;
		j->uctx = NULL;
		for (size_t i = u->eb; i <= e; i++)
			set_slot_addr(j, i, same);
		if (last) { /* (its exit goes to the slot after the loop itself) */
			memcpy(ca, &j->addrs[h], n * sizeof(uint32_t));
			memcpy(&j->addrs[h], u->save, n * sizeof(uint32_t));
			for (size_t m = 0; m < nout; m++)
				j->addrs[u->out[m]] = u->save[n + m];
			emit_eb(j, u, UM_LAST);
		} else {
			emit_eb(j, u, UM_MID);
			memcpy(ca, &j->addrs[h], n * sizeof(uint32_t));
		}
	}
}
