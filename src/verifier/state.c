/* SPDX-License-Identifier: MIT */
/* state.c - verifier state storage (frames, stack slots, trails), formatting
 * of registers and rejections, and register helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpfx/asm.h>

#include "../isa/validate.h"
#include "../vm/vm_internal.h"
#include "state.h"
#include "verifier_internal.h"


/* ---- memory ---- */

void vf_mem_add(struct venv *e, int64_t bytes)
{
	e->mem_cur += (uint64_t)bytes;
	if (e->mem_cur > e->stats.peak_memory)
		e->stats.peak_memory = e->mem_cur;
}

void vf_states_add(struct venv *e, int64_t k)
{
	e->states_cur += (uint64_t)k;
	if (e->states_cur > e->stats.peak_states)
		e->stats.peak_states = e->states_cur;
}

static size_t frame_bytes(const struct vframe *f)
{
	return sizeof(*f) + f->nspill * sizeof(struct vreg);
}

struct vframe *vf_frame_alloc(struct venv *e)
{
	struct vframe *f = calloc(1, sizeof(*f));
	if (f)
		vf_mem_add(e, sizeof(*f));
	return f;
}

void vf_frame_free(struct venv *e, struct vframe *f)
{
	vf_mem_add(e, -(int64_t)frame_bytes(f));
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
	vf_mem_add(e, (int64_t)frame_bytes(f));
	return f;
}

/* A slot holds a whole spilled register when its 8 bytes are ST_SPILL. A
 * number stored narrowly can also be spilled in part: then only some bytes
 * are ST_SPILL (their value is the spilled register's bytes there) and the
 * others were never written (ST_INVALID). */
bool vf_slot_full(const uint8_t *stype, int s)
{
	for (int b = 0; b < 8; b++)
		if (stype[s * 8 + b] != ST_SPILL)
			return false;
	return true;
}
bool vf_slot_any_spill(const uint8_t *stype, int s)
{
	for (int b = 0; b < 8; b++)
		if (stype[s * 8 + b] == ST_SPILL)
			return true;
	return false;
}

/* Makes room for the spilled register of slot k (and every slot above). */
int vf_ensure_spill(struct venv *e, struct vframe *f, int k)
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
	vf_mem_add(e, (int64_t)((need - f->nspill) * sizeof(*n)));
	f->spill = n;
	f->nspill = need;
	return 0;
}

void vf_state_free(struct venv *e, struct vstate *st)
{
	if (!st)
		return;
	for (uint32_t i = 0; i < st->nframes; i++)
		vf_frame_free(e, st->fr[i]);
	vf_mem_add(e, -(int64_t)sizeof(*st));
	vf_states_add(e, -1);
	free(st);
}

struct vstate *vf_state_copy(struct venv *e, const struct vstate *src)
{
	struct vstate *st = malloc(sizeof(*st));
	if (!st)
		return NULL;
	*st = *src;
	for (uint32_t i = 0; i < src->nframes; i++) {
		st->fr[i] = frame_dup(e, src->fr[i]);
		if (!st->fr[i]) {
			for (uint32_t j = 0; j < i; j++)
				vf_frame_free(e, st->fr[j]);
			free(st);
			return NULL;
		}
	}
	vf_mem_add(e, sizeof(*st));
	vf_states_add(e, 1);
	return st;
}

const struct vtrail *vf_trail_push(struct venv *e, const struct vtrail *prev, uint32_t insn, int taken)
{
	if (!e->trails || e->trails->used == TRAIL_CHUNK) {
		struct trail_chunk *c = malloc(sizeof(*c));
		if (!c)
			return prev; /* the trail is informative only */
		c->next = e->trails;
		c->used = 0;
		e->trails = c;
		vf_mem_add(e, sizeof(*c));
	}
	struct vtrail *t = &e->trails->t[e->trails->used++];
	t->insn = insn;
	t->taken = (uint8_t)taken;
	t->prev = prev;
	return t;
}

/* ---- formatting ---- */

const char *vf_map_name(const struct venv *e, uint32_t m)
{
	return m < e->nmaps && e->maps[m].name ? e->maps[m].name : "?";
}

void vf_fmt_reg(const struct venv *e, const struct vreg *r, char *buf, size_t len)
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
		snprintf(extra, sizeof(extra), " map #%u '%s' value_size %u", r->aux, vf_map_name(e, r->aux),
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

void vf_disasm_at(const struct venv *e, size_t pc, char *buf, size_t len)
{
	struct bpfx_disasm_opts d = {.sz = sizeof(d)};
	if (pc >= e->n || bpfx_disasm_insn(&e->insns[pc], e->n - pc, &d, buf, len) < 0)
		snprintf(buf, len, "(insn %zu)", pc);
}

static void dump_reg(struct venv *e, struct vsb *sb, const struct vstate *st, int i)
{
	char buf[512];
	vf_fmt_reg(e, &st->fr[st->nframes - 1]->regs[i], buf, sizeof(buf));
	bpfx_vsb_printf(sb, "r%d = %s\n", i, buf);
}

static void dump_slot(struct venv *e, struct vsb *sb, const struct vstate *st, uint32_t frame, int slot)
{
	const struct vframe *f = st->fr[frame];
	char bytes[9], buf[512];
	for (int b = 0; b < 8; b++)
		bytes[b] = "-ms"[f->stype[slot * 8 + b]];
	bytes[8] = 0;
	if (vf_slot_full(f->stype, slot)) {
		vf_fmt_reg(e, VSPILL(f, slot), buf, sizeof(buf));
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
int vf_fail(struct venv *e, const struct vstate *st, enum bpfx_rule rule, const char *fmt, ...)
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

void vf_note_slots(struct venv *e, uint32_t frame, int64_t lo, int64_t hi)
{
	e->fail_frame = (int)frame;
	e->fail_slot_lo = (int)(lo < -4096 ? -4096 : lo);
	e->fail_slot_hi = (int)(hi > 4096 ? 4096 : hi);
}

/* ---- register helpers ---- */

void vf_set_uninit(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
}
void vf_set_scalar(struct vreg *r, struct bpfx_scalar s)
{
	vf_set_uninit(r);
	r->type = VT_SCALAR;
	r->s = s;
}
void vf_set_unknown(struct vreg *r)
{
	vf_set_scalar(r, bpfx_scalar_unknown());
}
void vf_set_const(struct vreg *r, uint64_t v)
{
	vf_set_scalar(r, bpfx_scalar_const(v));
}
void vf_set_ptr(struct vreg *r, enum vt type, int64_t off)
{
	vf_set_scalar(r, bpfx_scalar_const((uint64_t)off));
	r->type = (uint8_t)type;
}

int vf_check_init(struct venv *e, struct vstate *st, unsigned i)
{
	if (reg(st, i)->type == VT_UNINIT)
		return vf_fail(e, st, BPFX_RULE_REG_001, "r%u is read here but was never written on this path%s", i,
			    i >= 1 && i <= 5 && st->pc > 0 ? " (r1-r5 are undefined after a call)" : "");
	return 0;
}
