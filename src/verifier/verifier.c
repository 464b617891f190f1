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

#define DEFAULT_MAX_INSNS 1000000ull
#define MAX_VAR_OFF (1ll << 29)
#define MAX_STATES_PER_INSN 64
#define MAX_PENDING 8192
/* prune point kinds: loop heads always store states; other points only
 * after some progress since the last stored state (saves memory, as Linux) */
#define PRUNE_JOIN 1
#define PRUNE_LOOP 2
#define MAX_STATES_KEPT 16384 /* stored states, all instructions together */
#define TRAIL_CHUNK 4096

static const char *const vt_names[VT__COUNT] = {"uninit", "scalar",  "ctx",       "stack", "pkt", "pkt_end",
						"pkt_meta", "map",  "map_value", "mem",   "func"};

struct trail_chunk {
	struct trail_chunk *next;
	size_t used;
	struct vtrail t[TRAIL_CHUNK];
};

struct venv {
	const bpfx_platform *plat;
	const struct bpfx_prog_type *pt;
	const struct bpfx_insn *insns;
	size_t n;
	int16_t *ops;
	const struct bpfx_map_desc *maps;
	size_t nmaps;
	bool unpriv;
	/* the code has a backward jump: narrow stack stores keep their values
	 * (loop counters); without pruning by precision this costs states, so
	 * loop-free code keeps them as plain data */
	bool has_loops;
	uint64_t max_insns;
	enum bpfx_verify_log log_level;
	struct bpfx_diag diag;
	const char *name;

	/* structure */
	uint32_t *subprog_of; /* per insn */
	uint32_t *sub_start;
	uint32_t nsub;
	uint32_t *sub_depth; /* deepest stack byte used per function */
	uint8_t *call_seen;  /* per insn: a local call analysed here */
	uint8_t *prune;      /* per insn: store states here */
	uint16_t *live;      /* per insn: registers that may be read before written (bit i = ri) */

	/* exploration */
	struct vrec **visited;
	uint32_t *nvisited;
	uint64_t stored_cur;
	struct vstate **work;
	size_t nwork, capwork;
	uint32_t next_id;
	struct bpfx_verify_stats stats;
	uint64_t mem_cur, states_cur;
	struct trail_chunk *trails;

	/* outcome */
	int failed;
	enum bpfx_rule rule;
	int64_t fail_insn;
	char msg[768];
	int fail_slot_lo, fail_slot_hi; /* stack bytes involved, offsets; lo > hi: none */
	int fail_frame;
	struct vsb state_txt, path_txt;
	struct vsb log;
	char vmsg[1024]; /* validator's message */
};

/* ---- memory ---- */

static void mem_add(struct venv *e, int64_t bytes)
{
	e->mem_cur += (uint64_t)bytes;
	if (e->mem_cur > e->stats.peak_memory)
		e->stats.peak_memory = e->mem_cur;
}

static void states_add(struct venv *e, int64_t k)
{
	e->states_cur += (uint64_t)k;
	if (e->states_cur > e->stats.peak_states)
		e->stats.peak_states = e->states_cur;
}

static size_t frame_bytes(const struct vframe *f)
{
	return sizeof(*f) + f->nspill * sizeof(struct vreg);
}

static struct vframe *frame_alloc(struct venv *e)
{
	struct vframe *f = calloc(1, sizeof(*f));
	if (f)
		mem_add(e, sizeof(*f));
	return f;
}

static void frame_free(struct venv *e, struct vframe *f)
{
	mem_add(e, -(int64_t)frame_bytes(f));
	free(f->spill);
	free(f);
}

static struct vframe *frame_dup(struct venv *e, const struct vframe *src)
{
	struct vframe *f = malloc(sizeof(*f));
	if (!f)
		return NULL;
	*f = *src;
	if (src->nspill) {
		f->spill = malloc(src->nspill * sizeof(struct vreg));
		if (!f->spill) {
			free(f);
			return NULL;
		}
		memcpy(f->spill, src->spill, src->nspill * sizeof(struct vreg));
	}
	mem_add(e, (int64_t)frame_bytes(f));
	return f;
}

/* A slot holds a whole spilled register when its 8 bytes are ST_SPILL. A
 * number stored narrowly can also be spilled in part: then only some bytes
 * are ST_SPILL (their value is the spilled register's bytes there) and the
 * others were never written (ST_INVALID). */
static bool slot_full(const uint8_t *stype, int s)
{
	for (int b = 0; b < 8; b++)
		if (stype[s * 8 + b] != ST_SPILL)
			return false;
	return true;
}
static bool slot_any_spill(const uint8_t *stype, int s)
{
	for (int b = 0; b < 8; b++)
		if (stype[s * 8 + b] == ST_SPILL)
			return true;
	return false;
}

/* Makes room for the spilled register of slot k (and every slot above). */
static int ensure_spill(struct venv *e, struct vframe *f, int k)
{
	uint32_t need = (uint32_t)(VSLOTS - k);
	if (need <= f->nspill)
		return 0;
	if (need < VSLOTS)
		need = need + 3 < VSLOTS ? need + 3 : VSLOTS; /* a little headroom */
	struct vreg *n = calloc(need, sizeof(*n));
	if (!n)
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory growing a stack frame");
	if (f->nspill)
		memcpy(n + (need - f->nspill), f->spill, f->nspill * sizeof(*n));
	free(f->spill);
	mem_add(e, (int64_t)((need - f->nspill) * sizeof(*n)));
	f->spill = n;
	f->nspill = need;
	return 0;
}

static void state_free(struct venv *e, struct vstate *st)
{
	if (!st)
		return;
	for (uint32_t i = 0; i < st->nframes; i++)
		frame_free(e, st->fr[i]);
	mem_add(e, -(int64_t)sizeof(*st));
	states_add(e, -1);
	free(st);
}

static struct vstate *state_copy(struct venv *e, const struct vstate *src)
{
	struct vstate *st = malloc(sizeof(*st));
	if (!st)
		return NULL;
	*st = *src;
	for (uint32_t i = 0; i < src->nframes; i++) {
		st->fr[i] = frame_dup(e, src->fr[i]);
		if (!st->fr[i]) {
			for (uint32_t j = 0; j < i; j++)
				frame_free(e, st->fr[j]);
			free(st);
			return NULL;
		}
	}
	mem_add(e, sizeof(*st));
	states_add(e, 1);
	return st;
}

static const struct vtrail *trail_push(struct venv *e, const struct vtrail *prev, uint32_t insn, int taken)
{
	if (!e->trails || e->trails->used == TRAIL_CHUNK) {
		struct trail_chunk *c = malloc(sizeof(*c));
		if (!c)
			return prev; /* the trail is informative only */
		c->next = e->trails;
		c->used = 0;
		e->trails = c;
		mem_add(e, sizeof(*c));
	}
	struct vtrail *t = &e->trails->t[e->trails->used++];
	t->insn = insn;
	t->taken = (uint8_t)taken;
	t->prev = prev;
	return t;
}

/* ---- formatting ---- */

static const char *map_name(const struct venv *e, uint32_t m)
{
	return m < e->nmaps && e->maps[m].name ? e->maps[m].name : "?";
}

static void fmt_reg(const struct venv *e, const struct vreg *r, char *buf, size_t len)
{
	char sc[256];
	if (r->type == VT_UNINIT) {
		snprintf(buf, len, "uninit");
		return;
	}
	bpfx_scalar_str(&r->s, sc, sizeof(sc));
	if (r->type == VT_SCALAR) {
		if (r->flags & VF_LEN)
			snprintf(buf, len, "scalar(%s; = buffer length %+d)", sc, r->lenoff);
		else
			snprintf(buf, len, "scalar(%s)", sc);
		return;
	}
	char extra[160] = "";
	switch (r->type) {
	case VT_STACK: snprintf(extra, sizeof(extra), " frame %u", r->frame); break;
	case VT_MAP:
	case VT_MAP_VALUE:
		snprintf(extra, sizeof(extra), " map #%u '%s' value_size %u", r->aux, map_name(e, r->aux),
			 r->aux < e->nmaps ? e->maps[r->aux].value_size : 0);
		break;
	case VT_MEM: snprintf(extra, sizeof(extra), " size %u", r->aux); break;
	case VT_FUNC: snprintf(extra, sizeof(extra), " insn %u", r->aux); break;
	case VT_PKT:
		if (r->id)
			snprintf(extra, sizeof(extra), " base #%u%+d, %u bytes proven past the base", r->id, r->lenoff,
				 r->aux);
		break;
	default: break;
	}
	snprintf(buf, len, "%s%s(off %s%s%s%s%s)", vt_names[r->type], (r->flags & VF_NULL) ? "_or_null" : "", sc,
		 extra, (r->flags & VF_RDONLY) ? " read-only" : "", r->ref ? " ref" : "",
		 (r->flags & VF_NULL) ? " may be NULL" : "");
}

static void disasm_at(const struct venv *e, size_t pc, char *buf, size_t len)
{
	struct bpfx_disasm_opts d = {.sz = sizeof(d)};
	if (pc >= e->n || bpfx_disasm_insn(&e->insns[pc], e->n - pc, &d, buf, len) < 0)
		snprintf(buf, len, "(insn %zu)", pc);
}

static void dump_reg(struct venv *e, struct vsb *sb, const struct vstate *st, int i)
{
	char buf[512];
	fmt_reg(e, &st->fr[st->nframes - 1]->regs[i], buf, sizeof(buf));
	bpfx_vsb_printf(sb, "r%d = %s\n", i, buf);
}

static void dump_slot(struct venv *e, struct vsb *sb, const struct vstate *st, uint32_t frame, int slot)
{
	const struct vframe *f = st->fr[frame];
	char bytes[9], buf[512];
	for (int b = 0; b < 8; b++)
		bytes[b] = "-ms"[f->stype[slot * 8 + b]];
	bytes[8] = 0;
	if (slot_full(f->stype, slot)) {
		fmt_reg(e, VSPILL(f, slot), buf, sizeof(buf));
		bpfx_vsb_printf(sb, "frame %u stack[%d..%d) = spilled %s\n", frame, slot * 8 - 512, slot * 8 - 504, buf);
	} else {
		bpfx_vsb_printf(sb, "frame %u stack[%d..%d) = bytes %s (- unwritten, m data, s spill)\n", frame,
				slot * 8 - 512, slot * 8 - 504, bytes);
	}
}

/* The registers an instruction reads or writes, from the opcode table. */
static unsigned involved_regs(const struct venv *e, size_t pc)
{
	const struct bpfx_insn *x = &e->insns[pc];
	const struct bpfx_op_desc *o = &bpfx_op_table[e->ops[pc]];
	unsigned m = 0;
	if (o->dst != BPFX_USE_ZERO && o->dst != BPFX_USE_SEL)
		m |= 1u << x->dst;
	if (o->src != BPFX_USE_ZERO && o->src != BPFX_USE_SEL)
		m |= 1u << x->src;
	if (o->fmt == BPFX_FMT_CALL || o->fmt == BPFX_FMT_CALL_KFUNC || o->fmt == BPFX_FMT_CALL_LOCAL)
		m |= 0x3e;
	if (o->fmt == BPFX_FMT_EXIT)
		m |= 1;
	if (o->fmt == BPFX_FMT_CMPXCHG)
		m |= 1;
	return m;
}

/* Records the rejection (first one wins) and returns BPFX_E_REJECTED. */
static int fail(struct venv *e, const struct vstate *st, enum bpfx_rule rule, const char *fmt, ...)
	BPFX_PRINTF(4, 5);
static int fail(struct venv *e, const struct vstate *st, enum bpfx_rule rule, const char *fmt, ...)
{
	if (e->failed)
		return BPFX_E_REJECTED;
	e->failed = 1;
	e->rule = rule;
	e->fail_insn = st ? (int64_t)st->pc : -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (st && st->nframes) {
		if (st->nframes > 1)
			bpfx_vsb_printf(&e->state_txt, "in function #%u (frame %u, called at insn %u)\n",
					st->fr[st->nframes - 1]->subprog, st->nframes - 1,
					st->fr[st->nframes - 1]->callsite);
		if (st->pc < e->n && e->ops[st->pc] >= 0) {
			unsigned m = involved_regs(e, st->pc);
			for (int i = 0; i < BPFX_NREGS; i++)
				if (m >> i & 1)
					dump_reg(e, &e->state_txt, st, i);
		}
		if (e->fail_slot_lo <= e->fail_slot_hi && e->fail_frame >= 0 && (uint32_t)e->fail_frame < st->nframes) {
			int lo = e->fail_slot_lo < -512 ? -512 : e->fail_slot_lo;
			int hi = e->fail_slot_hi > -1 ? -1 : e->fail_slot_hi;
			for (int s = (lo + 512) / 8; s <= (hi + 512) / 8 && s < VSLOTS; s++)
				dump_slot(e, &e->state_txt, st, (uint32_t)e->fail_frame, s);
		}
		if (st->pkt_range)
			bpfx_vsb_printf(&e->state_txt, "packet/buffer bytes proven: %llu\n",
					(unsigned long long)st->pkt_range);
		if (st->meta_range)
			bpfx_vsb_printf(&e->state_txt, "packet metadata bytes proven: %llu\n",
					(unsigned long long)st->meta_range);
		/* branch decisions, oldest first (the last 64) */
		size_t nt = 0, keep = 64;
		for (const struct vtrail *t = st->trail; t; t = t->prev)
			nt++;
		size_t shown = nt < keep ? nt : keep;
		const struct vtrail *v[64];
		size_t k = shown;
		for (const struct vtrail *t = st->trail; t && k; t = t->prev)
			v[--k] = t;
		if (nt > shown)
			bpfx_vsb_printf(&e->path_txt, "(%zu earlier decisions) ", nt - shown);
		for (size_t i = 0; i < shown; i++)
			bpfx_vsb_printf(&e->path_txt, "%s%u:%s", i ? " " : "", v[i]->insn,
					v[i]->taken ? "taken" : "fallthrough");
	}
	return BPFX_E_REJECTED;
}

static void note_slots(struct venv *e, uint32_t frame, int64_t lo, int64_t hi)
{
	e->fail_frame = (int)frame;
	e->fail_slot_lo = (int)(lo < -4096 ? -4096 : lo);
	e->fail_slot_hi = (int)(hi > 4096 ? 4096 : hi);
}

/* ---- register helpers ---- */

static inline struct vframe *cur(struct vstate *st)
{
	return st->fr[st->nframes - 1];
}
static inline struct vreg *reg(struct vstate *st, unsigned i)
{
	return &cur(st)->regs[i];
}
static inline bool is_ptr(const struct vreg *r)
{
	return r->type >= VT_CTX;
}
static void set_uninit(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
}
static void set_scalar(struct vreg *r, struct bpfx_scalar s)
{
	set_uninit(r);
	r->type = VT_SCALAR;
	r->s = s;
}
static void set_unknown(struct vreg *r)
{
	set_scalar(r, bpfx_scalar_unknown());
}
static void set_const(struct vreg *r, uint64_t v)
{
	set_scalar(r, bpfx_scalar_const(v));
}
static void set_ptr(struct vreg *r, enum vt type, int64_t off)
{
	set_scalar(r, bpfx_scalar_const((uint64_t)off));
	r->type = (uint8_t)type;
}

static int check_init(struct venv *e, struct vstate *st, unsigned i)
{
	if (reg(st, i)->type == VT_UNINIT)
		return fail(e, st, BPFX_RULE_REG_001, "r%u is read here but was never written on this path%s", i,
			    i >= 1 && i <= 5 && st->pc > 0 ? " (r1-r5 are undefined after a call)" : "");
	return 0;
}

/* Applies fn to every register and spilled register of every frame. */
#define FOR_EACH_REG(st, r, body)                                                                     \
	do {                                                                                          \
		for (uint32_t fi_ = 0; fi_ < (st)->nframes; fi_++) {                                  \
			struct vframe *f_ = (st)->fr[fi_];                                            \
			for (int ri_ = 0; ri_ < BPFX_NREGS; ri_++) {                                  \
				struct vreg *r = &f_->regs[ri_];                                      \
				body;                                                                 \
			}                                                                             \
			for (int si_ = 0; si_ < VSLOTS; si_++) {                                      \
				if (f_->stype[si_ * 8] != ST_SPILL)                                   \
					continue;                                                     \
				struct vreg *r = VSPILL(f_, si_);                                     \
				body;                                                                 \
			}                                                                             \
		}                                                                                     \
	} while (0)

/* ---- structure: functions, jumps, reachability, prune points ---- */

static int fmt_of(const struct venv *e, size_t i)
{
	return e->ops[i] < 0 ? -1 : bpfx_op_table[e->ops[i]].fmt;
}

/* Jump target of instruction i, or -1 if it is not a jump. */
static int64_t jump_target(const struct venv *e, size_t i)
{
	const struct bpfx_insn *x = &e->insns[i];
	switch (fmt_of(e, i)) {
	case BPFX_FMT_JA:
	case BPFX_FMT_JCC_K:
	case BPFX_FMT_JCC_X:
	case BPFX_FMT_MAY_GOTO: return (int64_t)i + 1 + x->off;
	case BPFX_FMT_JA32: return (int64_t)i + 1 + x->imm;
	default: return -1;
	}
}

/* Function entry named by instruction i (local call or code address), or -1. */
static int64_t func_target(const struct venv *e, size_t i)
{
	if (e->ops[i] == BPFX_OP_CALL_LOCAL || e->ops[i] == BPFX_OP_LDDW_CODE_ADDR)
		return (int64_t)i + 1 + e->insns[i].imm;
	return -1;
}

static bool ends_flow(int fmt)
{
	return fmt == BPFX_FMT_EXIT || fmt == BPFX_FMT_JA || fmt == BPFX_FMT_JA32 || fmt == BPFX_FMT_GOTOX;
}

/* Registers instruction i reads (*use) and writes (*def). */
static void use_def(const struct venv *e, size_t i, uint16_t *use, uint16_t *def)
{
	const struct bpfx_insn *x = &e->insns[i];
	const struct bpfx_op_desc *o = &bpfx_op_table[e->ops[i]];
	uint16_t u = 0, d = 0;
	if (o->dst == BPFX_USE_READ || o->dst == BPFX_USE_RW)
		u |= (uint16_t)(1u << x->dst);
	if (o->dst == BPFX_USE_WRITE || o->dst == BPFX_USE_RW)
		d |= (uint16_t)(1u << x->dst);
	if (o->src == BPFX_USE_READ || o->src == BPFX_USE_RW)
		u |= (uint16_t)(1u << x->src);
	if (o->src == BPFX_USE_WRITE || o->src == BPFX_USE_RW)
		d |= (uint16_t)(1u << x->src);
	switch (o->fmt) {
	case BPFX_FMT_CALL:
	case BPFX_FMT_CALL_KFUNC: {
		const struct vplat_func *f =
			o->fmt == BPFX_FMT_CALL ? bpfx_vplat_find(e->plat->helpers, e->plat->nhelpers, (uint32_t)x->imm)
						: bpfx_vplat_find(e->plat->kfuncs, e->plat->nkfuncs, (uint32_t)x->imm);
		int nargs = 5;
		if (f)
			for (nargs = 0; nargs < 5 && f->proto.args[nargs] != BPFX_ARG_NONE; nargs++)
				;
		u |= (uint16_t)(((1u << nargs) - 1) << 1);
		d |= 0x3f;
		break;
	}
	case BPFX_FMT_CALL_LOCAL:
	case BPFX_FMT_CALLX:
		u |= 0x3e;
		d |= 0x3f;
		break;
	case BPFX_FMT_EXIT:
		u |= 1;
		break;
	case BPFX_FMT_CMPXCHG:
		u |= 1;
		d |= 1;
		break;
	case BPFX_FMT_LDABS:
	case BPFX_FMT_LDIND:
		d |= 0x3f;
		break;
	default:
		break;
	}
	*use = u;
	*def = d;
}

/* Backward may-be-read analysis over each function's control flow: a
 * register not in live[pc] is written before any read on every path from
 * pc, so its value there cannot matter (pruning ignores it). */
static int liveness(struct venv *e)
{
	size_t n = e->n;
	e->live = calloc(n, sizeof(uint16_t));
	if (!e->live)
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory for liveness");
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t k = n; k-- > 0;) {
			if (e->ops[k] < 0)
				continue;
			int fmt = fmt_of(e, k);
			uint16_t out = 0, use, def;
			if (fmt == BPFX_FMT_GOTOX) {
				out = 0x7ff;
			} else {
				if (!ends_flow(fmt)) {
					size_t nx = k + (fmt == BPFX_FMT_LDDW ? 2 : 1);
					if (nx < n)
						out |= e->live[nx];
				}
				int64_t t = jump_target(e, k);
				if (t >= 0)
					out |= e->live[t];
			}
			use_def(e, k, &use, &def);
			uint16_t in = (uint16_t)(use | (out & ~def));
			if (in != e->live[k]) {
				e->live[k] = in;
				changed = 1;
			}
		}
	}
	return 0;
}

static int structure(struct venv *e)
{
	size_t n = e->n;
	struct vstate at = {0};
	uint8_t *start = calloc(n, 1), *seen = calloc(n, 1);
	size_t *stack = malloc(n * 2 * sizeof(size_t));
	int err = 0;
	if (!start || !seen || !stack) {
		err = bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory analysing %zu instructions", n);
		goto out;
	}
	start[0] = 1;
	for (size_t i = 0; i < n; i++) {
		int64_t t = e->ops[i] >= 0 ? func_target(e, i) : -1;
		if (t >= 0)
			start[t] = 1;
	}
	e->nsub = 0;
	for (size_t i = 0; i < n; i++)
		e->nsub += start[i];
	e->sub_start = malloc(e->nsub * sizeof(uint32_t));
	e->sub_depth = calloc(e->nsub, sizeof(uint32_t));
	if (!e->sub_start || !e->sub_depth) {
		err = bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory analysing %zu instructions", n);
		goto out;
	}
	for (size_t i = 0, k = 0; i < n; i++) {
		if (start[i])
			e->sub_start[k++] = (uint32_t)i;
		e->subprog_of[i] = (uint32_t)(k - 1);
	}
	e->stats.subprogs = e->nsub;

	for (size_t i = 0; i < n; i++) {
		if (e->ops[i] < 0)
			continue;
		int64_t t = jump_target(e, i);
		if (t >= 0 && e->subprog_of[t] != e->subprog_of[i]) {
			at.pc = (uint32_t)i;
			err = fail(e, &at, BPFX_RULE_CFG_002,
				   "the jump goes to insn %lld in function #%u (starting at insn %u), but it is in "
				   "function #%u (starting at insn %u)",
				   (long long)t, e->subprog_of[t], e->sub_start[e->subprog_of[t]], e->subprog_of[i],
				   e->sub_start[e->subprog_of[i]]);
			goto out;
		}
	}
	for (uint32_t k = 0; k < e->nsub; k++) {
		size_t last = (k + 1 < e->nsub ? e->sub_start[k + 1] : n) - 1;
		if (e->ops[last] < 0 || !ends_flow(fmt_of(e, last))) {
			at.pc = (uint32_t)(e->ops[last] < 0 ? last - 1 : last);
			err = fail(e, &at, BPFX_RULE_CFG_003,
				   "function #%u (insns %u..%zu) ends with an instruction that falls through into "
				   "function #%u at insn %zu",
				   k, e->sub_start[k], last, k + 1, last + 1);
			goto out;
		}
	}

	/* reachability from the entry */
	size_t sp = 0;
	stack[sp++] = 0;
	seen[0] = 1;
	while (sp) {
		size_t i = stack[--sp];
		int fmt = fmt_of(e, i);
		int64_t succ[3];
		int ns = 0;
		if (!ends_flow(fmt))
			succ[ns++] = (int64_t)i + (fmt == BPFX_FMT_LDDW ? 2 : 1);
		int64_t t = jump_target(e, i);
		if (t >= 0)
			succ[ns++] = t;
		t = func_target(e, i);
		if (t >= 0)
			succ[ns++] = t;
		for (int k = 0; k < ns; k++)
			if (succ[k] < (int64_t)n && !seen[succ[k]]) {
				seen[succ[k]] = 1;
				stack[sp++] = (size_t)succ[k];
			}
	}
	for (size_t i = 0; i < n; i++) {
		if (e->ops[i] >= 0 && !seen[i]) {
			at.pc = (uint32_t)i;
			err = fail(e, &at, BPFX_RULE_CFG_001,
				   "insn %zu can never execute: no jump, fall-through or call leads to it", i);
			goto out;
		}
	}

	/* prune points: jump targets, fall-throughs of conditional jumps, call returns */
	for (size_t i = 0; i < n; i++) {
		if (e->ops[i] < 0)
			continue;
		int fmt = fmt_of(e, i);
		int64_t t = jump_target(e, i);
		if (t >= 0) {
			e->prune[t] = (t <= (int64_t)i || e->prune[t] == PRUNE_LOOP) ? PRUNE_LOOP : PRUNE_JOIN;
			if (t <= (int64_t)i)
				e->has_loops = true;
		}
		if ((fmt == BPFX_FMT_JCC_K || fmt == BPFX_FMT_JCC_X || fmt == BPFX_FMT_MAY_GOTO ||
		     fmt == BPFX_FMT_CALL_LOCAL) &&
		    i + 1 < n && !e->prune[i + 1])
			e->prune[i + 1] = PRUNE_JOIN;
	}
	err = liveness(e);
out:
	free(start);
	free(seen);
	free(stack);
	return err;
}

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
					 r->type == VT_PKT_META || r->type == VT_MAP_VALUE || r->type == VT_MEM);
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

static int do_alu(struct venv *e, struct vstate *st, const struct bpfx_insn *x, int op)
{
	const struct bpfx_op_desc *o = &bpfx_op_table[op];
	int bits = BPFX_CLASS(x->code) == BPFX_CLS_ALU64 ? 64 : 32;
	struct vreg *d = reg(st, x->dst);
	struct vreg srcv, *s = &srcv;
	int err;

	if (op == BPFX_OP_ADDR_SPACE_CAST)
		return fail(e, st, BPFX_RULE_INSN_002, "addr_space_cast (arena memory) is not supported by this verifier");

	/* operand */
	if (o->fmt == BPFX_FMT_ALU_X || o->fmt == BPFX_FMT_MOVSX) {
		if ((err = check_init(e, st, x->src)))
			return err;
		srcv = *reg(st, x->src);
	} else {
		set_const(&srcv, (uint64_t)(int64_t)x->imm);
	}
	enum bpfx_aop aop = alu_op(x);
	if (o->fmt != BPFX_FMT_ALU_X && o->fmt != BPFX_FMT_ALU_K)
		aop = BPFX_AOP_MOV; /* NEG, END, MOVSX handled below */
	if (aop != BPFX_AOP_MOV || o->fmt == BPFX_FMT_NEG || o->fmt == BPFX_FMT_END)
		if ((err = check_init(e, st, x->dst)))
			return err;

	if (o->fmt == BPFX_FMT_ALU_K && (aop == BPFX_AOP_LSH || aop == BPFX_AOP_RSH || aop == BPFX_AOP_ARSH) &&
	    (x->imm < 0 || x->imm >= bits))
		return fail(e, st, BPFX_RULE_ALU_001, "shift by %d: the amount must be 0..%d for a %d-bit operand",
			    x->imm, bits - 1, bits);

	if (o->fmt == BPFX_FMT_NEG) {
		if (is_ptr(d))
			return fail(e, st, BPFX_RULE_ALU_002, "neg on r%u, which holds a pointer", x->dst);
		bpfx_scalar_alu(BPFX_AOP_NEG, bits, &d->s, NULL);
		d->id = 0;
		d->flags = 0;
		return 0;
	}
	if (o->fmt == BPFX_FMT_END) {
		if (is_ptr(d))
			return fail(e, st, BPFX_RULE_ALU_002, "byte swap on r%u, which holds a pointer", x->dst);
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
				return fail(e, st, BPFX_RULE_LEAK_003, "sign extension of r%u turns a pointer into a number",
					    x->src);
			set_unknown(s);
		}
		struct vreg nr;
		set_scalar(&nr, s->s);
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
				return fail(e, st, BPFX_RULE_LEAK_003, "32-bit move of r%u truncates a pointer to a number",
					    x->src);
			set_unknown(s);
		}
		struct vreg nr;
		set_scalar(&nr, s->s);
		bpfx_scalar_trunc(&nr.s, 4);
		*d = nr;
		return 0;
	}

	/* pointer arithmetic */
	if (is_ptr(d) || is_ptr(s)) {
		if (bits == 32 || (aop != BPFX_AOP_ADD && aop != BPFX_AOP_SUB))
			return fail(e, st, BPFX_RULE_ALU_002,
				    "%s%s with a pointer operand (r%u is %s, the source is %s): only 64-bit += and -= "
				    "of a scalar apply to pointers",
				    bpfx_aop_name(aop), bits == 32 ? " (32-bit)" : "", x->dst, vt_names[d->type],
				    vt_names[s->type]);
		if (is_ptr(d) && is_ptr(s)) {
			if (aop == BPFX_AOP_SUB && same_region(d, s)) {
				if (e->unpriv)
					return fail(e, st, BPFX_RULE_LEAK_003,
						    "subtracting two pointers gives a number derived from addresses");
				struct vreg nr;
				set_scalar(&nr, d->s);
				bpfx_scalar_alu(BPFX_AOP_SUB, 64, &nr.s, &s->s);
				*d = nr;
				return 0;
			}
			if (aop == BPFX_AOP_SUB && !e->unpriv && is_pkt_family(d) && is_pkt_family(s)) {
				/* data_end - data, data - data_meta: a number (privileged,
				 * as Linux allows); its bounds are not tracked */
				set_unknown(d);
				return 0;
			}
			return fail(e, st, BPFX_RULE_ALU_004, "r%u %s r%u: %s and %s", x->dst, bpfx_aop_name(aop), x->src,
				    vt_names[d->type], vt_names[s->type]);
		}
		if (!is_ptr(d)) { /* scalar += pointer */
			if (aop == BPFX_AOP_SUB)
				return fail(e, st, BPFX_RULE_ALU_002, "r%u -= r%u subtracts a pointer from a number", x->dst,
					    x->src);
			struct vreg num = *d;
			*d = *s;
			*s = num;
		}
		/* now d is the pointer and s the scalar */
		if (d->type == VT_PKT && (s->flags & VF_LEN) && aop == BPFX_AOP_ADD && bpfx_scalar_is_const(&d->s)) {
			int64_t off = (int64_t)d->s.t.value + s->lenoff;
			set_ptr(d, VT_PKT_END, off);
			return 0;
		}
		if (!ptr_arith_ok(d))
			return fail(e, st, BPFX_RULE_ALU_003, "arithmetic on r%u, a %s%s pointer%s", x->dst, vt_names[d->type],
				    (d->flags & VF_NULL) ? "_or_null" : "",
				    (d->flags & VF_NULL) ? ": check it against NULL first" : "");
		struct bpfx_scalar off = d->s;
		bpfx_scalar_alu(aop, 64, &off, &s->s);
		if (off.r64.smin < -MAX_VAR_OFF || off.r64.smax > MAX_VAR_OFF)
			return fail(e, st, BPFX_RULE_ALU_005,
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

/* ---- memory ---- */

/* Spills overlapping stack bytes [lo, hi) of frame f stop being spills (a
 * partly spilled number's bytes become plain data). */
static void stack_clobber(struct venv *e, struct vframe *f, int64_t lo, int64_t hi)
{
	for (int64_t s = (lo + BPFX_STACK_SIZE) / 8; s <= (hi - 1 + BPFX_STACK_SIZE) / 8 && s < VSLOTS; s++) {
		if (s < 0 || !slot_any_spill(f->stype, (int)s))
			continue;
		uint8_t t = (VSPILL(f, s)->type == VT_SCALAR || !e->unpriv) ? ST_MISC : ST_INVALID;
		for (int b = 0; b < 8; b++)
			if (f->stype[s * 8 + b] == ST_SPILL)
				f->stype[s * 8 + b] = t;
	}
}

/* A 1/2/4-byte number stored at stack byte a (aligned to its size): when the
 * rest of its 8-byte slot is written and holds no pointer, the slot becomes
 * (or stays) a spilled number whose known bits combine the old contents and
 * the stored value, so narrow loop counters keep their value. Otherwise the
 * bytes become plain data. */
static int stack_narrow_store(struct venv *e, struct vframe *f, int64_t a, int size, const struct vreg *val)
{
	int64_t s0 = a / 8 * 8;
	unsigned pos = (unsigned)(a - s0);
	/* the slot's other bytes: a spilled number (whole or in part: its
	 * register describes them), or data / unwritten bytes (unknown) */
	bool spill = slot_any_spill(f->stype, (int)(s0 / 8));
	bool ok = !spill || VSPILL(f, s0 / 8)->type == VT_SCALAR;
	if (!ok) {
		stack_clobber(e, f, a - BPFX_STACK_SIZE, a - BPFX_STACK_SIZE + size);
		memset(&f->stype[a], ST_MISC, (size_t)size);
		return 0;
	}
	struct bpfx_scalar old = spill ? VSPILL(f, s0 / 8)->s : bpfx_scalar_unknown();
	uint64_t known = 0; /* bits of the spilled bytes; the rest are unknown */
	for (int b = 0; b < 8; b++)
		if (f->stype[s0 + b] == ST_SPILL)
			known |= 0xffull << (8 * b);
	old.t.value &= known;
	old.t.mask |= ~known;
	struct bpfx_scalar v = val->s;
	bpfx_scalar_trunc(&v, (unsigned)size);
	uint64_t fmask = (size == 8 ? ~0ull : (1ull << (8 * size)) - 1) << (8 * pos);
	struct bpfx_scalar n = bpfx_scalar_unknown();
	n.t.value = (old.t.value & ~fmask) | (v.t.value << (8 * pos));
	n.t.mask = (old.t.mask & ~fmask) | (v.t.mask << (8 * pos));
	if (pos == 0 && size == 4)
		n.r32 = v.r32; /* the low half is exactly the stored value */
	if (!bpfx_scalar_sync(&n))
		n = bpfx_scalar_unknown(); /* cannot happen; stay safe */
	int err = ensure_spill(e, f, (int)(s0 / 8));
	if (err)
		return err;
	struct vreg *r = VSPILL(f, s0 / 8);
	set_scalar(r, n);
	/* data bytes join the spill (their bits are unknown in it), unwritten
	 * bytes stay unwritten */
	for (int64_t b = s0; b < s0 + 8; b++)
		if (f->stype[b] == ST_MISC || (b >= a && b < a + size))
			f->stype[b] = ST_SPILL;
	return 0;
}

static int stack_depth_check(struct venv *e, struct vstate *st, uint32_t frame, int64_t lo)
{
	struct vframe *f = st->fr[frame];
	uint32_t depth = (uint32_t)(-lo);
	if (depth > e->sub_depth[f->subprog])
		e->sub_depth[f->subprog] = depth;
	uint32_t total = 0;
	for (uint32_t i = 0; i < st->nframes; i++)
		total += (e->sub_depth[st->fr[i]->subprog] + 7) & ~7u;
	if (total > e->plat->stack_total) {
		note_slots(e, frame, lo, lo);
		return fail(e, st, BPFX_RULE_STK_003,
			    "the %u frames of this call chain use %u bytes of stack together; the limit is %u", st->nframes,
			    total, e->plat->stack_total);
	}
	return 0;
}

static int stack_access(struct venv *e, struct vstate *st, unsigned pr, const struct vreg *p, int16_t off, int size,
			bool write, const struct vreg *val, struct vreg *out)
{
	struct vframe *f = st->fr[p->frame];
	int64_t lo = p->s.r64.smin + off, hi = p->s.r64.smax + off; /* first byte: [lo, hi] */
	int err;
	if (lo < -BPFX_STACK_SIZE || hi + size > 0) {
		note_slots(e, p->frame, lo, hi + size - 1);
		return fail(e, st, BPFX_RULE_STK_001,
			    "r%u%+d: %d-byte stack access at offset [%lld, %lld] is outside the frame [-512, 0)", pr, off,
			    size, (long long)lo, (long long)(hi + size));
	}
	if ((err = stack_depth_check(e, st, p->frame, lo)))
		return err;
	bool cst = lo == hi;
	int64_t a = lo + BPFX_STACK_SIZE;
	if (write) {
		bool whole = cst && size == 8 && (lo % 8) == 0;
		if (val && is_ptr(val) && !whole && e->unpriv)
			return fail(e, st, BPFX_RULE_LEAK_001,
				    "a pointer is stored to the stack in part or at a variable offset, where its bytes "
				    "read back as a number");
		if (whole && val) {
			int err2 = ensure_spill(e, f, (int)(a / 8));
			if (err2)
				return err2;
			*VSPILL(f, a / 8) = *val;
			memset(&f->stype[a], ST_SPILL, 8);
			return 0;
		}
		if (cst && size < 8 && (lo % size) == 0 && val && val->type == VT_SCALAR && e->has_loops && bpfx_scalar_is_const(&val->s))
			return stack_narrow_store(e, f, a, size, val);
		stack_clobber(e, f, lo, hi + size);
		if (cst)
			memset(&f->stype[a], ST_MISC, (size_t)size);
		return 0;
	}
	if (cst && size == 8 && (lo % 8) == 0 && slot_full(f->stype, (int)(a / 8))) {
		*out = *VSPILL(f, a / 8);
		return 0;
	}
	bool spilled = cst && size < 8 && (lo % size) == 0;
	for (int64_t b = a; spilled && b < a + size; b++)
		spilled = f->stype[b] == ST_SPILL;
	if (spilled && VSPILL(f, a / 8)->type == VT_SCALAR) {
		/* part of a spilled number: its bytes, shifted down */
		struct bpfx_scalar v = VSPILL(f, a / 8)->s;
		unsigned pos = (unsigned)(a % 8);
		if (pos) {
			struct bpfx_scalar sh = bpfx_scalar_const(8u * pos);
			bpfx_scalar_alu(BPFX_AOP_RSH, 64, &v, &sh);
		}
		bpfx_scalar_trunc(&v, (unsigned)size);
		set_scalar(out, v);
		return 0;
	}
	for (int64_t b = a; b < hi + size + BPFX_STACK_SIZE; b++) {
		if (f->stype[b] == ST_INVALID) {
			note_slots(e, p->frame, b - BPFX_STACK_SIZE, b - BPFX_STACK_SIZE);
			return fail(e, st, BPFX_RULE_STK_002,
				    "r%u%+d: the %d-byte read at stack offset [%lld, %lld] includes byte %lld of frame %u, "
				    "which was never written on this path",
				    pr, off, size, (long long)lo, (long long)(hi + size), (long long)(b - BPFX_STACK_SIZE),
				    p->frame);
		}
		if (f->stype[b] == ST_SPILL && is_ptr(VSPILL(f, b / 8))) {
			note_slots(e, p->frame, b - BPFX_STACK_SIZE, b - BPFX_STACK_SIZE);
			return fail(e, st, BPFX_RULE_STK_004,
				    "r%u%+d: the %d-byte read at stack offset %lld takes part of the pointer spilled at "
				    "[%lld, %lld)",
				    pr, off, size, (long long)lo, (long long)(b / 8 * 8 - BPFX_STACK_SIZE),
				    (long long)(b / 8 * 8 - BPFX_STACK_SIZE + 8));
		}
	}
	set_unknown(out);
	return 0;
}

static int ctx_access(struct venv *e, struct vstate *st, unsigned pr, const struct vreg *p, int16_t off, int size,
		      bool write, struct vreg *out)
{
	const struct bpfx_prog_type *t = e->pt;
	if (!bpfx_scalar_is_const(&p->s))
		return fail(e, st, BPFX_RULE_MEM_007,
			    "r%u%+d: context access at a variable offset; context fields need constant offsets", pr, off);
	int64_t o = (int64_t)p->s.t.value + off;
	const struct bpfx_ctx_field *fd = NULL;
	for (size_t i = 0; i < t->nfields; i++)
		if (o >= t->fields[i].offset && o + size <= (int64_t)t->fields[i].offset + t->fields[i].size) {
			fd = &t->fields[i];
			break;
		}
	if (!fd)
		return fail(e, st, BPFX_RULE_MEM_007,
			    "r%u%+d: %d-byte context access at offset %lld: no field of program type '%s' (context of %u "
			    "bytes) covers it",
			    pr, off, size, (long long)o, t->name, t->ctx_size);
	bool whole = o == fd->offset && (uint32_t)size == fd->size;
	if (write && (!(fd->access & BPFX_FIELD_WRITE) || fd->kind != BPFX_FIELD_SCALAR))
		return fail(e, st, BPFX_RULE_MEM_005, "r%u%+d: context field at offset %u (%u bytes) is read-only", pr, off,
			    fd->offset, fd->size);
	if (!write && !(fd->access & BPFX_FIELD_READ))
		return fail(e, st, BPFX_RULE_MEM_007, "r%u%+d: context field at offset %u may not be read", pr, off,
			    fd->offset);
	if (!whole) {
		unsigned lg = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
		if (fd->kind != BPFX_FIELD_SCALAR || !(fd->narrow_sizes & (1u << lg)) || (o - fd->offset) % size)
			return fail(e, st, BPFX_RULE_MEM_007,
				    "r%u%+d: %d-byte access at context offset %lld splits the %u-byte field at offset %u",
				    pr, off, size, (long long)o, fd->size, fd->offset);
	}
	if (write)
		return 0;
	if (fd->kind == BPFX_FIELD_PACKET)
		set_ptr(out, VT_PKT, 0);
	else if (fd->kind == BPFX_FIELD_PACKET_END)
		set_ptr(out, VT_PKT_END, 0);
	else if (fd->kind == BPFX_FIELD_PACKET_META)
		set_ptr(out, VT_PKT_META, 0);
	else
		set_unknown(out);
	return 0;
}

/* Checks one load or store of `size` bytes at reg pr + off. Stores pass the
 * value (NULL: unknown data); loads receive the loaded value in *out. */
static int mem_access(struct venv *e, struct vstate *st, unsigned pr, int16_t off, int size, bool write,
		      const struct vreg *val, struct vreg *out)
{
	struct vreg *p = reg(st, pr);
	char what[512];
	int err;
	if ((err = check_init(e, st, pr)))
		return err;
	if (p->type == VT_SCALAR)
		return fail(e, st, BPFX_RULE_MEM_001, "r%u is a number, not a pointer: it cannot be dereferenced", pr);
	if (p->flags & VF_NULL)
		return fail(e, st, BPFX_RULE_MEM_004,
			    "r%u may be NULL here (%s result not checked): compare it with 0 before the access", pr,
			    vt_names[p->type]);
	if (write && val && is_ptr(val) && e->unpriv && p->type != VT_STACK)
		return fail(e, st, BPFX_RULE_LEAK_001, "a pointer is stored into %s memory, which the host can read",
			    vt_names[p->type]);
	int64_t lo = p->s.r64.smin + off, hi = p->s.r64.smax + off + size; /* bytes [lo, hi) */
	fmt_reg(e, p, what, sizeof(what));
	switch (p->type) {
	case VT_STACK: return stack_access(e, st, pr, p, off, size, write, val, out);
	case VT_CTX: return ctx_access(e, st, pr, p, off, size, write, out);
	case VT_MAP_VALUE: {
		const struct bpfx_map_desc *m = &e->maps[p->aux];
		if (lo < 0 || hi > (int64_t)m->value_size)
			return fail(e, st, BPFX_RULE_MEM_002,
				    "r%u%+d: %d-byte access at [%lld, %lld) is outside the %u-byte value of map '%s'", pr,
				    off, size, (long long)lo, (long long)hi, m->value_size, map_name(e, p->aux));
		if (write && (m->flags & BPFX_MAP_RDONLY_PROG))
			return fail(e, st, BPFX_RULE_MEM_005, "r%u%+d: map '%s' is read-only for the program", pr, off,
				    map_name(e, p->aux));
		break;
	}
	case VT_MEM:
		if (lo < 0 || hi > (int64_t)p->aux)
			return fail(e, st, BPFX_RULE_MEM_002,
				    "r%u%+d: %d-byte access at [%lld, %lld) is outside the %u bytes the helper returned", pr,
				    off, size, (long long)lo, (long long)hi, p->aux);
		if (write && (p->flags & VF_RDONLY))
			return fail(e, st, BPFX_RULE_MEM_005, "r%u%+d: the memory is read-only", pr, off);
		break;
	case VT_PKT:
		if (write && (e->pt->flags & BPFX_PROG_TYPE_PACKET_RDONLY))
			return fail(e, st, BPFX_RULE_MEM_005, "r%u%+d: program type '%s' may not write the packet", pr, off,
				    e->pt->name);
		if (lo < 0 || (hi > (int64_t)st->pkt_range &&
			       !(p->id && (int64_t)p->lenoff + off + size <= (int64_t)p->aux))) {
			char base[128] = "";
			if (p->id)
				snprintf(base, sizeof(base), " (and %u past this pointer's variable base, where it needs %lld)",
					 p->aux, (long long)p->lenoff + off + size);
			return fail(e, st, BPFX_RULE_MEM_003,
				    "r%u%+d: %d-byte access at [%lld, %lld) of the %s, but only the first %llu bytes are "
				    "proven to exist on this path%s: compare with the length (or the end pointer) first",
				    pr, off, size, (long long)lo, (long long)hi,
				    e->pt->ctx_kind == BPFX_CTX_BUFFER ? "buffer" : "packet",
				    (unsigned long long)st->pkt_range, base);
		}
		break;
	case VT_PKT_META:
		if (write && (e->pt->flags & BPFX_PROG_TYPE_PACKET_RDONLY))
			return fail(e, st, BPFX_RULE_MEM_005, "r%u%+d: program type '%s' may not write the packet", pr, off,
				    e->pt->name);
		if (lo < 0 || hi > (int64_t)st->meta_range)
			return fail(e, st, BPFX_RULE_MEM_003,
				    "r%u%+d: %d-byte access at [%lld, %lld) of the packet metadata, but only the first %llu "
				    "bytes are proven to lie before the packet start on this path: compare with it first",
				    pr, off, size, (long long)lo, (long long)hi, (unsigned long long)st->meta_range);
		break;
	default:
		return fail(e, st, BPFX_RULE_MEM_006, "r%u is %s, which cannot be dereferenced", pr, what);
	}
	if (!write)
		set_unknown(out);
	return 0;
}

static int do_mem(struct venv *e, struct vstate *st, const struct bpfx_insn *x, int op)
{
	const struct bpfx_op_desc *o = &bpfx_op_table[op];
	int size = bpfx_code_size(x->code);
	struct vreg out, val;
	int err;
	switch (o->fmt) {
	case BPFX_FMT_LDX:
	case BPFX_FMT_LDXSX:
	case BPFX_FMT_LOAD_ACQ:
		if ((err = mem_access(e, st, x->src, x->off, size, false, NULL, &out)))
			return err;
		if (out.type == VT_SCALAR && size < 8) {
			out.id = 0;
			out.flags = 0;
			if (o->fmt == BPFX_FMT_LDXSX)
				bpfx_scalar_sext(&out.s, (unsigned)size * 8, 64);
			else
				bpfx_scalar_trunc(&out.s, (unsigned)size);
		}
		*reg(st, x->dst) = out;
		return 0;
	case BPFX_FMT_ST:
		set_const(&val, (uint64_t)(int64_t)x->imm);
		return mem_access(e, st, x->dst, x->off, size, true, &val, NULL);
	case BPFX_FMT_STX:
	case BPFX_FMT_STORE_REL:
		if ((err = check_init(e, st, x->src)))
			return err;
		val = *reg(st, x->src);
		if (size < 8 && !is_ptr(&val)) {
			val.id = 0;
			val.flags = 0;
			bpfx_scalar_trunc(&val.s, (unsigned)size);
		}
		return mem_access(e, st, x->dst, x->off, size, true, &val, NULL);
	default: { /* atomics */
		if ((err = check_init(e, st, x->src)) || (err = check_init(e, st, x->dst)))
			return err;
		if (o->fmt == BPFX_FMT_CMPXCHG && (err = check_init(e, st, 0)))
			return err;
		struct vreg *p = reg(st, x->dst);
		if (p->type != VT_STACK && p->type != VT_MAP_VALUE && p->type != VT_MEM && p->type != VT_SCALAR &&
		    !(p->flags & VF_NULL))
			return fail(e, st, BPFX_RULE_MEM_006, "atomic operation on r%u, a %s pointer: atomics work on stack, "
				    "map values and helper memory only",
				    x->dst, vt_names[p->type]);
		if (is_ptr(reg(st, x->src)) && e->unpriv)
			return fail(e, st, BPFX_RULE_LEAK_001, "atomic operation stores the pointer in r%u to memory", x->src);
		if ((err = mem_access(e, st, x->dst, x->off, size, false, NULL, &out)))
			return err;
		if (out.type != VT_SCALAR)
			return fail(e, st, BPFX_RULE_STK_004, "atomic operation on a stack slot that holds a spilled %s pointer",
				    vt_names[out.type]);
		if ((err = mem_access(e, st, x->dst, x->off, size, true, NULL, NULL)))
			return err;
		struct vreg res;
		set_unknown(&res);
		bpfx_scalar_trunc(&res.s, (unsigned)size);
		if (o->fmt == BPFX_FMT_CMPXCHG)
			*reg(st, 0) = res;
		else if (o->fmt != BPFX_FMT_ATOMIC)
			*reg(st, x->src) = res;
		return 0;
	}
	}
}

static int do_lddw(struct venv *e, struct vstate *st, const struct bpfx_insn *x, int op)
{
	struct vreg *d = reg(st, x->dst);
	uint64_t imm64 = (uint64_t)(uint32_t)x[0].imm | ((uint64_t)(uint32_t)x[1].imm << 32);
	if (op == BPFX_OP_LDDW) {
		set_const(d, imm64);
		return 0;
	}
	if (op == BPFX_OP_LDDW_CODE_ADDR) {
		set_ptr(d, VT_FUNC, 0);
		d->aux = st->pc + 1 + (uint32_t)x->imm;
		return 0;
	}
	if (op == BPFX_OP_LDDW_VAR_ADDR)
		return fail(e, st, BPFX_RULE_INSN_002, "lddw of a variable address (src 3) is not supported by this verifier");
	int64_t m = -1;
	if (op == BPFX_OP_LDDW_MAP_FD || op == BPFX_OP_LDDW_MAP_VALUE_FD) {
		for (size_t i = 0; i < e->nmaps; i++)
			if (e->maps[i].fd == x->imm) {
				m = (int64_t)i;
				break;
			}
		if (m < 0)
			return fail(e, st, BPFX_RULE_MAP_001, "lddw refers to map fd %d, but no map with that fd was given",
				    x->imm);
	} else {
		if (x->imm < 0 || (size_t)x->imm >= e->nmaps)
			return fail(e, st, BPFX_RULE_MAP_001, "lddw refers to map index %d, but %zu map(s) were given", x->imm,
				    e->nmaps);
		m = x->imm;
	}
	if (op == BPFX_OP_LDDW_MAP_FD || op == BPFX_OP_LDDW_MAP_IDX) {
		set_ptr(d, VT_MAP, 0);
		d->aux = (uint32_t)m;
		return 0;
	}
	if (e->maps[m].kind != BPFX_MAP_KIND_HASH && e->maps[m].kind != BPFX_MAP_KIND_ARRAY)
		return fail(e, st, BPFX_RULE_MAP_002, "lddw takes a value address of map '%s', whose values cannot be "
			    "accessed directly",
			    map_name(e, (uint32_t)m));
	set_ptr(d, VT_MAP_VALUE, x[1].imm);
	d->aux = (uint32_t)m;
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

static void remove_ref(struct vstate *st, uint32_t ref)
{
	for (uint32_t i = 0; i < st->nrefs; i++)
		if (st->refs[i] == ref) {
			memmove(&st->refs[i], &st->refs[i + 1], (st->nrefs - i - 1) * sizeof(st->refs[0]));
			memmove(&st->ref_insn[i], &st->ref_insn[i + 1], (st->nrefs - i - 1) * sizeof(st->ref_insn[0]));
			st->nrefs--;
			return;
		}
}

static bool has_ref(const struct vstate *st, uint32_t ref)
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
		remove_ref(st, ref); /* a NULL result holds nothing */
	FOR_EACH_REG(st, r, {
		if (is_ptr(r) && (r->flags & VF_NULL) && r->id == id) {
			if (is_null)
				set_const(r, 0);
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
		set_const(&kreg, bits == 64 ? (uint64_t)(int64_t)x->imm : (uint64_t)(uint32_t)x->imm);

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
		return fail(e, st, BPFX_RULE_LEAK_003, "comparison involving a pointer (r%u is %s, %s is %s)", x->dst,
			    vt_names[a->type], is_x ? "the source" : "imm", vt_names[b->type]);
	return 0; /* privileged: both outcomes, nothing learned */
}

static int push_state(struct venv *e, struct vstate *st)
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
		int err = fail(e, st, BPFX_RULE_CFG_005,
			       "more than %d branches are waiting to be explored: too many paths for the verifier",
			       MAX_PENDING);
		state_free(e, st);
		return err;
	}
	e->work[e->nwork++] = st;
	if (st->parent)
		st->parent->branches++;
	return 0;
}

static int do_jcc(struct venv *e, struct vstate **pst, const struct bpfx_insn *x, int op)
{
	struct vstate *st = *pst;
	bool is_x = bpfx_op_table[op].fmt == BPFX_FMT_JCC_X;
	int err;
	if ((err = check_init(e, st, x->dst)) || (is_x && (err = check_init(e, st, x->src))))
		return err;
	struct vstate *alt = state_copy(e, st);
	if (!alt)
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory copying a state");
	int rt = refine(e, alt, x, is_x, true);
	int rf = rt < 0 ? rt : refine(e, st, x, is_x, false);
	if (rt < 0 || rf < 0) {
		state_free(e, alt);
		return rt < 0 ? rt : rf;
	}
	uint32_t pc = st->pc, target = pc + 1 + (uint32_t)(int32_t)x->off;
	alt->pc = target;
	if (rt == 0 && rf == 0) {
		alt->trail = trail_push(e, st->trail, pc, 1);
		st->trail = trail_push(e, st->trail, pc, 0);
		st->pc = pc + 1;
		return push_state(e, alt);
	}
	if (rt == 0) { /* only the jump is possible: continue with the refined copy */
		state_free(e, st);
		*pst = alt;
		return 0;
	}
	state_free(e, alt);
	if (rf == 0) {
		st->pc = pc + 1;
		return 0;
	}
	return 1; /* neither: this path cannot happen */
}

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
		return fail(e, st, BPFX_RULE_CALL_002, "%s: argument r%u must point to memory, but it is a %s", fname, rn,
			    vt_names[r->type]);
	if (r->flags & VF_NULL)
		return fail(e, st, BPFX_RULE_MEM_004, "%s: argument r%u may be NULL; check it first", fname, rn);
	if (maxsz == 0)
		return 0;
	int64_t lo = r->s.r64.smin, hi = r->s.r64.smax + (int64_t)maxsz; /* [lo, hi) */
	switch (r->type) {
	case VT_STACK: {
		struct vframe *f = st->fr[r->frame];
		if (lo < -BPFX_STACK_SIZE || hi > 0) {
			note_slots(e, r->frame, lo, hi - 1);
			return fail(e, st, BPFX_RULE_CALL_003,
				    "%s: argument r%u covers stack bytes [%lld, %lld), outside the frame [-512, 0)", fname,
				    rn, (long long)lo, (long long)hi);
		}
		int err = stack_depth_check(e, st, r->frame, lo);
		if (err)
			return err;
		if (how & HM_READ)
			for (int64_t b = lo; b < hi; b++) {
				uint8_t t = f->stype[b + BPFX_STACK_SIZE];
				if (t == ST_INVALID) {
					note_slots(e, r->frame, b, b);
					return fail(e, st, BPFX_RULE_CALL_003,
						    "%s: argument r%u covers stack bytes [%lld, %lld), but byte %lld was "
						    "never written",
						    fname, rn, (long long)lo, (long long)hi, (long long)b);
				}
				if (t == ST_SPILL && e->unpriv && is_ptr(VSPILL(f, (b + BPFX_STACK_SIZE) / 8)))
					return fail(e, st, BPFX_RULE_LEAK_004,
						    "%s: argument r%u lets the helper read a spilled pointer as data",
						    fname, rn);
			}
		if (how & HM_WRITE) {
			stack_clobber(e, f, lo, hi);
			if (lo == r->s.r64.smax)
				memset(&f->stype[lo + BPFX_STACK_SIZE], ST_MISC, (size_t)minsz);
		}
		return 0;
	}
	case VT_MAP_VALUE: {
		const struct bpfx_map_desc *m = &e->maps[r->aux];
		if (lo < 0 || hi > (int64_t)m->value_size)
			return fail(e, st, BPFX_RULE_CALL_003,
				    "%s: argument r%u covers bytes [%lld, %lld) of a %u-byte value of map '%s'", fname, rn,
				    (long long)lo, (long long)hi, m->value_size, map_name(e, r->aux));
		if ((how & HM_WRITE) && (m->flags & BPFX_MAP_RDONLY_PROG))
			return fail(e, st, BPFX_RULE_CALL_003, "%s: argument r%u is written by the helper but map '%s' is "
				    "read-only",
				    fname, rn, map_name(e, r->aux));
		return 0;
	}
	case VT_MEM:
		if (lo < 0 || hi > (int64_t)r->aux)
			return fail(e, st, BPFX_RULE_CALL_003, "%s: argument r%u covers bytes [%lld, %lld) of %u-byte memory",
				    fname, rn, (long long)lo, (long long)hi, r->aux);
		if ((how & HM_WRITE) && (r->flags & VF_RDONLY))
			return fail(e, st, BPFX_RULE_CALL_003, "%s: argument r%u is written by the helper but is read-only",
				    fname, rn);
		return 0;
	case VT_PKT:
		if ((how & HM_WRITE) && (e->pt->flags & BPFX_PROG_TYPE_PACKET_RDONLY))
			return fail(e, st, BPFX_RULE_CALL_003, "%s: argument r%u lets the helper write the packet, which "
				    "program type '%s' may not", fname, rn, e->pt->name);
		if (lo < 0 || (hi > (int64_t)st->pkt_range && !(r->id && (int64_t)r->lenoff + (int64_t)maxsz <= (int64_t)r->aux)))
			return fail(e, st, BPFX_RULE_CALL_003,
				    "%s: argument r%u covers packet bytes [%lld, %lld), but only %llu are proven", fname,
				    rn, (long long)lo, (long long)hi, (unsigned long long)st->pkt_range);
		return 0;
	default:
		return fail(e, st, BPFX_RULE_CALL_002, "%s: argument r%u is a %s pointer, not memory the helper may use",
			    fname, rn, vt_names[r->type]);
	}
}

static int do_helper(struct venv *e, struct vstate *st, const struct bpfx_insn *x, bool kfunc)
{
	const struct vplat_func *f = kfunc ? bpfx_vplat_find(e->plat->kfuncs, e->plat->nkfuncs, (uint32_t)x->imm)
					   : bpfx_vplat_find(e->plat->helpers, e->plat->nhelpers, (uint32_t)x->imm);
	if (!f && kfunc)
		return fail(e, st, BPFX_RULE_CALL_005, "kfunc with BTF id %d is not known to platform '%s'", x->imm,
			    e->plat->name);
	if (!f)
		return fail(e, st, BPFX_RULE_CALL_001, "helper %d is not known to platform '%s'", x->imm, e->plat->name);
	if (!kfunc && e->pt->helpers) {
		bool ok = false;
		for (size_t i = 0; i < e->pt->nhelpers; i++)
			ok |= e->pt->helpers[i] == (uint32_t)x->imm;
		if (!ok)
			return fail(e, st, BPFX_RULE_CALL_001, "helper %d (%s) is not available to program type '%s'", x->imm,
				    f->name, e->pt->name);
	}
	const struct bpfx_func_proto *p = &f->proto;
	const char *fname = f->name;
	int64_t map = -1, alloc = -1;
	int pend = -1;
	unsigned pend_how = 0;
	uint32_t release = 0;
	int err;
	if ((p->flags & BPFX_PROTO_MAY_STOP) && st->nrefs) /* a tail call, say: the program may end here */
		return fail(e, st, BPFX_RULE_REF_001, "%s may end the program while it still holds the reference acquired "
			    "at insn %u%s", fname, st->ref_insn[0], st->nrefs > 1 ? " (and others)" : "");
	for (unsigned i = 0; i < 5 && p->args[i] != BPFX_ARG_NONE; i++) {
		unsigned rn = i + 1;
		enum bpfx_arg_kind k = p->args[i];
		if ((err = check_init(e, st, rn)))
			return err;
		struct vreg *r = reg(st, rn);
		if (pend >= 0 && k != BPFX_ARG_CONST_SIZE && k != BPFX_ARG_CONST_SIZE_OR_ZERO)
			return fail(e, st, BPFX_RULE_CALL_004, "%s: memory argument r%d is not followed by a size argument",
				    fname, pend);
		switch (k) {
		case BPFX_ARG_ANYTHING:
			break;
		case BPFX_ARG_SCALAR:
			if (r->type != VT_SCALAR)
				return fail(e, st, e->unpriv ? BPFX_RULE_LEAK_004 : BPFX_RULE_CALL_002,
					    "%s: argument r%u must be a number, but it is a %s pointer", fname, rn,
					    vt_names[r->type]);
			break;
		case BPFX_ARG_CONST_SIZE:
		case BPFX_ARG_CONST_SIZE_OR_ZERO:
			if (r->type != VT_SCALAR)
				return fail(e, st, BPFX_RULE_CALL_002, "%s: size argument r%u must be a number", fname, rn);
			if (pend < 0)
				return fail(e, st, BPFX_RULE_CALL_004, "%s: size argument r%u follows no memory argument", fname,
					    rn);
			if (k == BPFX_ARG_CONST_SIZE && r->s.r64.umin == 0)
				return fail(e, st, BPFX_RULE_CALL_003, "%s: size argument r%u may be 0; this helper needs at least 1",
					    fname, rn);
			if (r->s.r64.umax > (uint64_t)MAX_VAR_OFF)
				return fail(e, st, BPFX_RULE_CALL_003,
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
				return fail(e, st, BPFX_RULE_CALL_002, "%s: argument r%u must be the context pointer (unmodified)",
					    fname, rn);
			break;
		case BPFX_ARG_CONST_MAP_PTR:
			if (r->type != VT_MAP)
				return fail(e, st, BPFX_RULE_CALL_002, "%s: argument r%u must be a map (lddw), but it is a %s",
					    fname, rn, vt_names[r->type]);
			if (r->flags & VF_NULL)
				return fail(e, st, BPFX_RULE_CALL_002,
					    "%s: argument r%u is an inner map that may be NULL: check it first", fname, rn);
			map = r->aux;
			break;
		case BPFX_ARG_PTR_TO_MAP_KEY:
		case BPFX_ARG_PTR_TO_MAP_VALUE:
		case BPFX_ARG_PTR_TO_UNINIT_MAP_VALUE: {
			if (map < 0)
				return fail(e, st, BPFX_RULE_CALL_004, "%s: map key/value argument r%u has no map argument before it",
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
				return fail(e, st, BPFX_RULE_MEM_004, "%s: argument r%u may be NULL; check it before releasing it",
					    fname, rn);
			if (!is_ptr(r) || !r->ref || !has_ref(st, r->ref))
				return fail(e, st, BPFX_RULE_REF_002,
					    "%s: argument r%u is not a live acquired reference (already released, or never "
					    "acquired)",
					    fname, rn);
			if (!bpfx_scalar_is_const(&r->s) || r->s.t.value != 0)
				return fail(e, st, BPFX_RULE_REF_002,
					    "%s: argument r%u must point where the acquiring call pointed (offset 0)", fname, rn);
			release = r->ref;
			break;
		case BPFX_ARG_CONST_ALLOC_SIZE_OR_ZERO:
			if (r->type != VT_SCALAR || !bpfx_scalar_is_const(&r->s) || r->s.t.value > UINT32_MAX)
				return fail(e, st, BPFX_RULE_CALL_002, "%s: allocation size r%u must be a known constant", fname,
					    rn);
			alloc = (int64_t)r->s.t.value;
			break;
		default:
			return fail(e, st, BPFX_RULE_CALL_004, "%s: argument %u has a kind (%d) this verifier does not check yet",
				    fname, rn, (int)k);
		}
	}
	if (pend >= 0)
		return fail(e, st, BPFX_RULE_CALL_004, "%s: memory argument r%d is not followed by a size argument", fname, pend);
	/* what the return kind needs, checked while the arguments are still visible */
	switch (p->ret) {
	case BPFX_RET_VOID:
	case BPFX_RET_INTEGER:
		break;
	case BPFX_RET_MAP_VALUE_OR_NULL:
		if (map < 0)
			return fail(e, st, BPFX_RULE_CALL_004, "%s returns a map value but takes no map argument", fname);
		if (e->maps[map].kind == BPFX_MAP_KIND_OTHER)
			return fail(e, st, BPFX_RULE_MAP_002, "%s would return a value of map '%s', which has no direct value access",
				    fname, map_name(e, (uint32_t)map));
		break;
	case BPFX_RET_MEM_OR_NULL:
	case BPFX_RET_ACQUIRED_MEM_OR_NULL:
		if (alloc < 0)
			return fail(e, st, BPFX_RULE_CALL_004, "%s returns memory but has no allocation-size argument", fname);
		if (p->ret == BPFX_RET_ACQUIRED_MEM_OR_NULL && st->nrefs == VMAX_REFS)
			return fail(e, st, BPFX_RULE_CALL_004, "%s: more than %d references would be held at once", fname,
				    VMAX_REFS);
		break;
	default:
		return fail(e, st, BPFX_RULE_CALL_004, "%s: its return kind (%d) is not supported by this verifier", fname,
			    (int)p->ret);
	}
	if (release) {
		remove_ref(st, release);
		FOR_EACH_REG(st, r, {
			if (r->ref == release)
				set_uninit(r);
		});
	}
	for (unsigned i = 1; i <= 5; i++)
		set_uninit(reg(st, i));
	if (p->flags & BPFX_PROTO_CHANGES_PACKET) {
		/* the packet may have moved or shrunk: nothing proven about it holds */
		st->pkt_range = 0;
		st->meta_range = 0;
		for (uint32_t fi = 0; fi < st->nframes; fi++) {
			struct vframe *fr = st->fr[fi];
			for (int i = 0; i < BPFX_NREGS; i++) {
				struct vreg *r = &fr->regs[i];
				if (r->type == VT_PKT || r->type == VT_PKT_END || r->type == VT_PKT_META)
					set_uninit(r);
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
	struct vreg *r0 = reg(st, 0);
	switch (p->ret) {
	case BPFX_RET_VOID:
		set_uninit(r0);
		return 0;
	case BPFX_RET_INTEGER:
		set_unknown(r0);
		return 0;
	case BPFX_RET_MAP_VALUE_OR_NULL:
		if (map < 0)
			return fail(e, st, BPFX_RULE_CALL_004, "%s returns a map value but takes no map argument", fname);
		if (e->maps[map].kind == BPFX_MAP_KIND_OTHER)
			return fail(e, st, BPFX_RULE_MAP_002, "%s would return a value of map '%s', which has no direct value access",
				    fname, map_name(e, (uint32_t)map));
		if (e->maps[map].kind == BPFX_MAP_KIND_OF_MAPS) { /* the inner map, or NULL */
			set_ptr(r0, VT_MAP, 0);
			r0->aux = e->maps[map].inner_map;
			r0->flags = VF_NULL;
			r0->id = ++e->next_id;
			return 0;
		}
		set_ptr(r0, VT_MAP_VALUE, 0);
		r0->aux = (uint32_t)map;
		r0->flags = VF_NULL;
		r0->id = ++e->next_id;
		return 0;
	case BPFX_RET_MEM_OR_NULL:
	case BPFX_RET_ACQUIRED_MEM_OR_NULL:
		if (alloc < 0)
			return fail(e, st, BPFX_RULE_CALL_004, "%s returns memory but has no allocation-size argument", fname);
		set_ptr(r0, VT_MEM, 0);
		r0->aux = (uint32_t)alloc;
		r0->flags = VF_NULL;
		r0->id = ++e->next_id;
		if (p->ret == BPFX_RET_ACQUIRED_MEM_OR_NULL) {
			if (st->nrefs == VMAX_REFS)
				return fail(e, st, BPFX_RULE_CALL_004, "%s: more than %d references would be held at once", fname,
					    VMAX_REFS);
			r0->ref = r0->id;
			st->refs[st->nrefs] = r0->ref;
			st->ref_insn[st->nrefs++] = st->pc;
		}
		return 0;
	default:
		return fail(e, st, BPFX_RULE_CALL_004, "%s: its return kind (%d) is not supported by this verifier", fname,
			    (int)p->ret);
	}
}

static int do_call_local(struct venv *e, struct vstate *st, const struct bpfx_insn *x)
{
	uint32_t target = st->pc + 1 + (uint32_t)x->imm;
	if (st->nframes >= BPFX_MAX_CALL_DEPTH)
		return fail(e, st, BPFX_RULE_CFG_006, "this call would open frame %u; at most %d frames may be active",
			    st->nframes + 1, BPFX_MAX_CALL_DEPTH);
	struct vframe *nf = frame_alloc(e);
	if (!nf)
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory for a frame");
	struct vframe *caller = cur(st);
	for (int i = 1; i <= 5; i++)
		nf->regs[i] = caller->regs[i];
	set_ptr(&nf->regs[10], VT_STACK, 0);
	nf->regs[10].frame = (uint8_t)st->nframes;
	nf->callsite = st->pc;
	nf->subprog = e->subprog_of[target];
	e->call_seen[st->pc] = 1;
	st->fr[st->nframes++] = nf;
	st->pc = target;
	return 0;
}

static int do_exit(struct venv *e, struct vstate *st)
{
	int err;
	if (reg(st, 0)->type == VT_UNINIT)
		return fail(e, st, BPFX_RULE_REG_001, "r0 (the return value) is not set on this path to exit");
	if (st->nframes > 1) {
		uint32_t fi = st->nframes - 1;
		struct vreg r0 = *reg(st, 0);
		if (r0.type == VT_STACK && r0.frame == fi)
			return fail(e, st, BPFX_RULE_CALL_006, "the function returns a pointer into its own stack frame");
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
			return fail(e, st, BPFX_RULE_CALL_006,
				    "the function returns while a caller still holds a pointer into its stack frame");
		frame_free(e, f);
		st->nframes--;
		struct vframe *c = cur(st);
		for (int i = 1; i <= 5; i++)
			set_uninit(&c->regs[i]);
		c->regs[0] = r0;
		st->pc = callsite + 1;
		return 0;
	}
	struct vreg *r0 = reg(st, 0);
	if (st->nrefs)
		return fail(e, st, BPFX_RULE_REF_001, "exit while still holding the reference acquired at insn %u%s",
			    st->ref_insn[0], st->nrefs > 1 ? " (and others)" : "");
	if (is_ptr(r0) && e->unpriv)
		return fail(e, st, BPFX_RULE_LEAK_002, "r0 holds a %s pointer at exit", vt_names[r0->type]);
	if (e->pt->flags & BPFX_PROG_TYPE_CHECK_RET) {
		if (r0->type != VT_SCALAR || r0->s.r64.smin < e->pt->ret_min || r0->s.r64.smax > e->pt->ret_max) {
			char buf[512];
			fmt_reg(e, r0, buf, sizeof(buf));
			return fail(e, st, BPFX_RULE_REG_002,
				    "r0 at exit is %s; program type '%s' allows only [%lld, %lld]", buf, e->pt->name,
				    (long long)e->pt->ret_min, (long long)e->pt->ret_max);
		}
	}
	(void)err;
	return 1;
}

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

/* Does register state o (stored) include everything c (current) may be? */
static bool reg_covers(const struct vreg *o, const struct vreg *c, struct idmap *m)
{
	if (o->type == VT_UNINIT)
		return true; /* the stored path never read it */
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
	return true;
}

static bool covers(const struct venv *e, const struct vstate *o, const struct vstate *c)
{
	struct idmap m;
	m.n = 0;
	if (o->nframes != c->nframes || c->pkt_range < o->pkt_range || c->meta_range < o->meta_range ||
	    o->nrefs != c->nrefs)
		return false;
	for (uint32_t i = 0; i < o->nrefs; i++)
		if (!idmap_ok(&m, o->refs[i], c->refs[i]))
			return false;
	for (uint32_t fi = 0; fi < o->nframes; fi++) {
		const struct vframe *fo = o->fr[fi], *fc = c->fr[fi];
		if (fo->callsite != fc->callsite || fo->subprog != fc->subprog)
			return false;
		/* registers that may still be read: in the top frame, those live
		 * here; in a caller, r6-r9 live where it resumes (r0-r5 are
		 * redefined by the return) */
		uint16_t live = fi + 1 == o->nframes ? e->live[c->pc]
						     : (uint16_t)(e->live[c->fr[fi + 1]->callsite + 1] & ~0x3fu);
		for (int i = 0; i < BPFX_NREGS - 1; i++)
			if ((live >> i & 1) && !reg_covers(&fo->regs[i], &fc->regs[i], &m))
				return false;
		for (int s = 0; s < VSLOTS; s++) {
			const uint8_t *to = &fo->stype[s * 8], *tc = &fc->stype[s * 8];
			if (slot_full(fo->stype, s)) {
				if (!slot_full(fc->stype, s) || !reg_covers(VSPILL(fo, s), VSPILL(fc, s), &m))
					return false;
				continue;
			}
			if (slot_any_spill(fo->stype, s)) {
				/* a number spilled in part: the current slot must have
				 * those bytes spilled too, with a value it covers */
				for (int b = 0; b < 8; b++) {
					if (to[b] == ST_SPILL && tc[b] != ST_SPILL)
						return false;
					if (to[b] == ST_MISC && (tc[b] == ST_INVALID ||
								 (tc[b] == ST_SPILL && VSPILL(fc, s)->type != VT_SCALAR)))
						return false;
				}
				if (!reg_covers(VSPILL(fo, s), VSPILL(fc, s), &m))
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
		set_uninit(c);
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
			set_uninit(c);
			return;
		}
		if (o->aux < c->aux)
			c->aux = o->aux;
		if (!bpfx_scalar_in(&c->s, &o->s))
			widen_scalar(&c->s, &o->s);
		return;
	}
	if (o->flags != c->flags || o->frame != c->frame || o->aux != c->aux || o->ref != c->ref ||
	    ((c->flags & VF_NULL) && o->id != c->id)) {
		set_uninit(c);
		return;
	}
	if (!bpfx_scalar_in(&c->s, &o->s))
		widen_scalar(&c->s, &o->s);
}

/* Widens st against the stored state o; false if their shapes differ. */
static bool widen_state(struct vstate *st, const struct vstate *o)
{
	if (o->nframes != st->nframes || o->nrefs != st->nrefs ||
	    memcmp(o->refs, st->refs, o->nrefs * sizeof(o->refs[0])))
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
			if (slot_full(tc - sl * 8, sl) && slot_full(to - sl * 8, sl)) {
				widen_reg(VSPILL(fc, sl), VSPILL(fo, sl));
				if (VSPILL(fc, sl)->type == VT_UNINIT)
					memset(tc, ST_INVALID, 8);
				continue;
			}
			if (slot_any_spill(tc - sl * 8, sl)) { /* data in the stored state: a number at best */
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

/* A path is over: the stored states above it have one exploration less;
 * retired ones that are now complete are freed. */
static void path_end(struct venv *e, struct vstate *st)
{
	struct vrec *r = st->parent;
	while (r && --r->branches == 0) {
		struct vrec *up = r->parent;
		if (r->retired) {
			state_free(e, r->st);
			free(r);
			mem_add(e, -(int64_t)sizeof(*r));
			e->stored_cur--;
		}
		r = up;
	}
	state_free(e, st);
}

/* At a prune point: 1 if a stored state covers st (the path is done), 0 to
 * go on (st now descends from a new stored copy), or an error. */
static int visit(struct venv *e, struct vstate *st)
{
	uint32_t pc = st->pc;
	struct vrec *loop_head = NULL, **link = &e->visited[pc];
	for (struct vrec *r = *link; r; r = *link) {
		if (r->branches == 0 || st->mg_epoch > r->st->mg_epoch) {
			if (covers(e, r->st, st)) {
				r->hit++;
				e->stats.states_pruned++;
				return 1;
			}
			if (r->branches && !loop_head)
				loop_head = r;
		} else if (covers(e, r->st, st) && covers(e, st, r->st)) {
			return fail(e, st, BPFX_RULE_CFG_004,
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
				state_free(e, r->st);
				free(r);
				mem_add(e, -(int64_t)sizeof(*r));
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
	struct vstate *copy = rec ? state_copy(e, st) : NULL;
	if (!copy) {
		free(rec);
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory storing a state");
	}
	mem_add(e, sizeof(*rec));
	rec->st = copy;
	rec->parent = st->parent;
	rec->branches = 1;
	rec->hit = rec->miss = 0;
	rec->retired = 0;
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
	disasm_at(e, st->pc, dis, sizeof(dis));
	bpfx_vsb_printf(&e->log, "%u: %s", st->pc, dis);
	if (st->nframes > 1)
		bpfx_vsb_printf(&e->log, "   [frame %u]", st->nframes - 1);
	bpfx_vsb_puts(&e->log, "\n");
	for (int i = 0; i < BPFX_NREGS; i++) {
		const struct vreg *r = &cur(st)->regs[i];
		if (r->type == VT_UNINIT || i == 10)
			continue;
		char buf[512];
		fmt_reg(e, r, buf, sizeof(buf));
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
		if ((err = do_alu(e, st, x, op)))
			return err;
		st->pc++;
		return 0;
	case BPFX_FMT_LDDW:
		if ((err = do_lddw(e, st, x, op)))
			return err;
		st->pc += 2;
		return 0;
	case BPFX_FMT_LDABS:
	case BPFX_FMT_LDIND: {
		if (o->fmt == BPFX_FMT_LDIND) {
			if ((err = check_init(e, st, x->src)))
				return err;
			if (is_ptr(reg(st, x->src)) && e->unpriv)
				return fail(e, st, BPFX_RULE_LEAK_004, "packet load indexed by r%u, a pointer", x->src);
		}
		for (int i = 1; i <= 5; i++)
			set_uninit(reg(st, (unsigned)i));
		set_unknown(reg(st, 0));
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
		if ((err = do_mem(e, st, x, op)))
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
		return do_jcc(e, pst, x, op);
	case BPFX_FMT_MAY_GOTO: {
		struct vstate *alt = state_copy(e, st);
		if (!alt)
			return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory copying a state");
		alt->pc = pc + 1 + (uint32_t)(int32_t)x->off;
		alt->trail = trail_push(e, st->trail, pc, 1);
		st->trail = trail_push(e, st->trail, pc, 0);
		st->mg_epoch++;
		st->pc = pc + 1;
		return push_state(e, alt);
	}
	case BPFX_FMT_CALL:
		if ((err = do_helper(e, st, x, false)))
			return err;
		st->pc++;
		return 0;
	case BPFX_FMT_CALL_KFUNC:
		if ((err = do_helper(e, st, x, true)))
			return err;
		st->pc++;
		return 0;
	case BPFX_FMT_CALL_LOCAL:
		return do_call_local(e, st, x);
	case BPFX_FMT_EXIT:
		return do_exit(e, st);
	default:
		return fail(e, st, BPFX_RULE_INSN_002, "%s (%s) is not supported by this verifier", o->mnem, o->id);
	}
}

static int initial_state(struct venv *e, struct vstate **out)
{
	struct vstate *st = calloc(1, sizeof(*st));
	struct vframe *f = st ? frame_alloc(e) : NULL;
	if (!st || !f) {
		free(st);
		return bpfx_fail(&e->diag, BPFX_E_NOMEM, "out of memory for the initial state");
	}
	mem_add(e, sizeof(*st));
	states_add(e, 1);
	st->fr[0] = f;
	st->nframes = 1;
	f->callsite = UINT32_MAX;
	set_ptr(&f->regs[10], VT_STACK, 0);
	if (e->pt->ctx_kind == BPFX_CTX_BUFFER) {
		set_ptr(&f->regs[1], VT_PKT, 0);
		set_scalar(&f->regs[2], bpfx_scalar_urange(0, (uint64_t)INT64_MAX));
		f->regs[2].flags = VF_LEN;
	} else {
		set_ptr(&f->regs[1], VT_CTX, 0);
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
	if ((err = push_state(e, st))) {
		state_free(e, st);
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
				err = fail(e, st, BPFX_RULE_CFG_005,
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
			err = step(e, &st);
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
			if (!e->call_seen[i])
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
	if (e->visited)
		for (size_t i = 0; i < e->n; i++)
			for (struct vrec *r = e->visited[i], *nx; r; r = nx) {
				nx = r->next;
				state_free(e, r->st);
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
		fail(e, &none, BPFX_RULE_INSN_001, "%s", e->vmsg[0] ? e->vmsg : "the program does not validate");
		if (at < 0)
			e->fail_insn = -1;
	} else {
		err = structure(e);
		if (!err)
			err = analyse(e);
		if (!err)
			err = chain_depth(e, &e->stats.max_stack);
		if (!err) {
			if (e->stats.max_stack > p->stack_total) {
				struct vstate none = {0};
				fail(e, &none, BPFX_RULE_STK_003,
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
		disasm_at(e, (size_t)e->fail_insn, dis, sizeof(dis));
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
