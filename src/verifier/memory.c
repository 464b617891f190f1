/* SPDX-License-Identifier: MIT */
/* memory.c - memory access checks: stack, packet/buffer, context and map
 * values; loads, stores and 64-bit immediates. */
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

/* Spills overlapping stack bytes [lo, hi) of frame f stop being spills (a
 * partly spilled number's bytes become plain data). */
void vf_stack_clobber(struct venv *e, struct vframe *f, int64_t lo, int64_t hi)
{
	for (int64_t s = (lo + BPFX_STACK_SIZE) / 8; s <= (hi - 1 + BPFX_STACK_SIZE) / 8 && s < VSLOTS; s++) {
		if (s < 0 || !vf_slot_any_spill(f->stype, (int)s))
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
	bool spill = vf_slot_any_spill(f->stype, (int)(s0 / 8));
	bool ok = !spill || VSPILL(f, s0 / 8)->type == VT_SCALAR;
	if (!ok) {
		vf_stack_clobber(e, f, a - BPFX_STACK_SIZE, a - BPFX_STACK_SIZE + size);
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
	int err = vf_ensure_spill(e, f, (int)(s0 / 8));
	if (err)
		return err;
	struct vreg *r = VSPILL(f, s0 / 8);
	vf_set_scalar(r, n);
	/* data bytes join the spill (their bits are unknown in it), unwritten
	 * bytes stay unwritten */
	for (int64_t b = s0; b < s0 + 8; b++)
		if (f->stype[b] == ST_MISC || (b >= a && b < a + size))
			f->stype[b] = ST_SPILL;
	return 0;
}

int vf_stack_depth_check(struct venv *e, struct vstate *st, uint32_t frame, int64_t lo)
{
	struct vframe *f = st->fr[frame];
	uint32_t depth = (uint32_t)(-lo);
	if (depth > e->sub_depth[f->subprog])
		e->sub_depth[f->subprog] = depth;
	uint32_t total = 0;
	for (uint32_t i = 0; i < st->nframes; i++)
		total += (e->sub_depth[st->fr[i]->subprog] + 7) & ~7u;
	if (total > e->plat->stack_total) {
		vf_note_slots(e, frame, lo, lo);
		return vf_fail(e, st, BPFX_RULE_STK_003,
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
		vf_note_slots(e, p->frame, lo, hi + size - 1);
		return vf_fail(e, st, BPFX_RULE_STK_001,
			    "r%u%+d: %d-byte stack access at offset [%lld, %lld] is outside the frame [-512, 0)", pr, off,
			    size, (long long)lo, (long long)(hi + size));
	}
	if ((err = vf_stack_depth_check(e, st, p->frame, lo)))
		return err;
	bool cst = lo == hi;
	int64_t a = lo + BPFX_STACK_SIZE;
	if (write) {
		bool whole = cst && size == 8 && (lo % 8) == 0;
		if (val && is_ptr(val) && !whole && e->unpriv)
			return vf_fail(e, st, BPFX_RULE_LEAK_001,
				    "a pointer is stored to the stack in part or at a variable offset, where its bytes "
				    "read back as a number");
		if (whole && val) {
			int err2 = vf_ensure_spill(e, f, (int)(a / 8));
			if (err2)
				return err2;
			*VSPILL(f, a / 8) = *val;
			memset(&f->stype[a], ST_SPILL, 8);
			return 0;
		}
		if (cst && size < 8 && (lo % size) == 0 && val && val->type == VT_SCALAR && e->has_loops && bpfx_scalar_is_const(&val->s))
			return stack_narrow_store(e, f, a, size, val);
		vf_stack_clobber(e, f, lo, hi + size);
		if (cst)
			memset(&f->stype[a], ST_MISC, (size_t)size);
		return 0;
	}
	if (cst && size == 8 && (lo % 8) == 0 && vf_slot_full(f->stype, (int)(a / 8))) {
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
		vf_set_scalar(out, v);
		return 0;
	}
	for (int64_t b = a; b < hi + size + BPFX_STACK_SIZE; b++) {
		if (f->stype[b] == ST_INVALID) {
			vf_note_slots(e, p->frame, b - BPFX_STACK_SIZE, b - BPFX_STACK_SIZE);
			return vf_fail(e, st, BPFX_RULE_STK_002,
				    "r%u%+d: the %d-byte read at stack offset [%lld, %lld] includes byte %lld of frame %u, "
				    "which was never written on this path",
				    pr, off, size, (long long)lo, (long long)(hi + size), (long long)(b - BPFX_STACK_SIZE),
				    p->frame);
		}
		if (f->stype[b] == ST_SPILL && is_ptr(VSPILL(f, b / 8))) {
			vf_note_slots(e, p->frame, b - BPFX_STACK_SIZE, b - BPFX_STACK_SIZE);
			return vf_fail(e, st, BPFX_RULE_STK_004,
				    "r%u%+d: the %d-byte read at stack offset %lld takes part of the pointer spilled at "
				    "[%lld, %lld)",
				    pr, off, size, (long long)lo, (long long)(b / 8 * 8 - BPFX_STACK_SIZE),
				    (long long)(b / 8 * 8 - BPFX_STACK_SIZE + 8));
		}
	}
	vf_set_unknown(out);
	return 0;
}

static int ctx_access(struct venv *e, struct vstate *st, unsigned pr, const struct vreg *p, int16_t off, int size,
		      bool write, struct vreg *out)
{
	const struct bpfx_prog_type *t = e->pt;
	if (!bpfx_scalar_is_const(&p->s))
		return vf_fail(e, st, BPFX_RULE_MEM_007,
			    "r%u%+d: context access at a variable offset; context fields need constant offsets", pr, off);
	int64_t o = (int64_t)p->s.t.value + off;
	const struct bpfx_ctx_field *fd = NULL;
	for (size_t i = 0; i < t->nfields; i++)
		if (o >= t->fields[i].offset && o + size <= (int64_t)t->fields[i].offset + t->fields[i].size) {
			fd = &t->fields[i];
			break;
		}
	if (!fd)
		return vf_fail(e, st, BPFX_RULE_MEM_007,
			    "r%u%+d: %d-byte context access at offset %lld: no field of program type '%s' (context of %u "
			    "bytes) covers it",
			    pr, off, size, (long long)o, t->name, t->ctx_size);
	bool whole = o == fd->offset && (uint32_t)size == fd->size;
	if (write && (!(fd->access & BPFX_FIELD_WRITE) || fd->kind != BPFX_FIELD_SCALAR))
		return vf_fail(e, st, BPFX_RULE_MEM_005, "r%u%+d: context field at offset %u (%u bytes) is read-only", pr, off,
			    fd->offset, fd->size);
	if (!write && !(fd->access & BPFX_FIELD_READ))
		return vf_fail(e, st, BPFX_RULE_MEM_007, "r%u%+d: context field at offset %u may not be read", pr, off,
			    fd->offset);
	if (!whole) {
		unsigned lg = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
		if (fd->kind != BPFX_FIELD_SCALAR || !(fd->narrow_sizes & (1u << lg)) || (o - fd->offset) % size)
			return vf_fail(e, st, BPFX_RULE_MEM_007,
				    "r%u%+d: %d-byte access at context offset %lld splits the %u-byte field at offset %u",
				    pr, off, size, (long long)o, fd->size, fd->offset);
	}
	if (write)
		return 0;
	if (fd->kind == BPFX_FIELD_PACKET)
		vf_set_ptr(out, VT_PKT, 0);
	else if (fd->kind == BPFX_FIELD_PACKET_END)
		vf_set_ptr(out, VT_PKT_END, 0);
	else if (fd->kind == BPFX_FIELD_PACKET_META)
		vf_set_ptr(out, VT_PKT_META, 0);
	else if (fd->kind == BPFX_FIELD_MEM) {
		vf_set_ptr(out, VT_MEM, 0); /* never NULL: the host always provides it */
		out->aux = fd->target;
	} else if (fd->kind == BPFX_FIELD_BTF_PTR) {
		vf_set_ptr(out, VT_BTF, 0); /* a host struct, or NULL */
		out->aux = bpfx_vbtf_struct(e->plat->btf, fd->target);
		out->flags = VF_NULL;
		out->id = ++e->next_id;
	} else
		vf_set_unknown(out);
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
	if ((err = vf_check_init(e, st, pr)))
		return err;
	if (p->type == VT_SCALAR)
		return vf_fail(e, st, BPFX_RULE_MEM_001, "r%u is a number, not a pointer: it cannot be dereferenced", pr);
	if (p->flags & VF_NULL)
		return vf_fail(e, st, BPFX_RULE_MEM_004,
			    "r%u may be NULL here (%s result not checked): compare it with 0 before the access", pr,
			    vt_names[p->type]);
	if (write && val && is_ptr(val) && e->unpriv && p->type != VT_STACK)
		return vf_fail(e, st, BPFX_RULE_LEAK_001, "a pointer is stored into %s memory, which the host can read",
			    vt_names[p->type]);
	int64_t lo = p->s.r64.smin + off, hi = p->s.r64.smax + off + size; /* bytes [lo, hi) */
	vf_fmt_reg(e, p, what, sizeof(what));
	switch (p->type) {
	case VT_STACK: return stack_access(e, st, pr, p, off, size, write, val, out);
	case VT_CTX: return ctx_access(e, st, pr, p, off, size, write, out);
	case VT_BTF: return vf_btf_access(e, st, pr, p, off, size, write, val, out);
	case VT_MAP_VALUE: {
		const struct bpfx_map_desc *m = &e->maps[p->aux];
		if (lo < 0 || hi > (int64_t)m->value_size)
			return vf_fail(e, st, BPFX_RULE_MEM_002,
				    "r%u%+d: %d-byte access at [%lld, %lld) is outside the %u-byte value of map '%s'", pr,
				    off, size, (long long)lo, (long long)hi, m->value_size, vf_map_name(e, p->aux));
		if (write && (m->flags & BPFX_MAP_RDONLY_PROG))
			return vf_fail(e, st, BPFX_RULE_MEM_005, "r%u%+d: map '%s' is read-only for the program", pr, off,
				    vf_map_name(e, p->aux));
		if ((m->flags & BPFX_MAP_SPIN_LOCK) && lo < (int64_t)m->spin_lock_off + 4 && hi > (int64_t)m->spin_lock_off)
			return vf_fail(e, st, BPFX_RULE_MEM_008,
				    "r%u%+d: %d-byte %s at [%lld, %lld) overlaps the spin lock at [%u, %u) of the value of "
				    "map '%s': only bpf_spin_lock / bpf_spin_unlock may touch it",
				    pr, off, size, write ? "store" : "load", (long long)lo, (long long)hi, m->spin_lock_off,
				    m->spin_lock_off + 4, vf_map_name(e, p->aux));
		break;
	}
	case VT_MEM:
		if (lo < 0 || hi > (int64_t)p->aux)
			return vf_fail(e, st, BPFX_RULE_MEM_002,
				    "r%u%+d: %d-byte access at [%lld, %lld) is outside the %u bytes of memory it points to", pr,
				    off, size, (long long)lo, (long long)hi, p->aux);
		if (write && (p->flags & VF_RDONLY))
			return vf_fail(e, st, BPFX_RULE_MEM_005, "r%u%+d: the memory is read-only", pr, off);
		break;
	case VT_PKT:
		if (write && (e->pt->flags & BPFX_PROG_TYPE_PACKET_RDONLY))
			return vf_fail(e, st, BPFX_RULE_MEM_005, "r%u%+d: program type '%s' may not write the packet", pr, off,
				    e->pt->name);
		if (lo < 0 || (hi > (int64_t)st->pkt_range &&
			       !(p->id && (int64_t)p->lenoff + off + size <= (int64_t)p->aux))) {
			char base[128] = "";
			if (p->id)
				snprintf(base, sizeof(base), " (and %u past this pointer's variable base, where it needs %lld)",
					 p->aux, (long long)p->lenoff + off + size);
			return vf_fail(e, st, BPFX_RULE_MEM_003,
				    "r%u%+d: %d-byte access at [%lld, %lld) of the %s, but only the first %llu bytes are "
				    "proven to exist on this path%s: compare with the length (or the end pointer) first",
				    pr, off, size, (long long)lo, (long long)hi,
				    e->pt->ctx_kind == BPFX_CTX_BUFFER ? "buffer" : "packet",
				    (unsigned long long)st->pkt_range, base);
		}
		break;
	case VT_PKT_META:
		if (write && (e->pt->flags & BPFX_PROG_TYPE_PACKET_RDONLY))
			return vf_fail(e, st, BPFX_RULE_MEM_005, "r%u%+d: program type '%s' may not write the packet", pr, off,
				    e->pt->name);
		if (lo < 0 || hi > (int64_t)st->meta_range)
			return vf_fail(e, st, BPFX_RULE_MEM_003,
				    "r%u%+d: %d-byte access at [%lld, %lld) of the packet metadata, but only the first %llu "
				    "bytes are proven to lie before the packet start on this path: compare with it first",
				    pr, off, size, (long long)lo, (long long)hi, (unsigned long long)st->meta_range);
		break;
	default:
		return vf_fail(e, st, BPFX_RULE_MEM_006, "r%u is %s, which cannot be dereferenced", pr, what);
	}
	if (!write)
		vf_set_unknown(out);
	return 0;
}

int vf_do_mem(struct venv *e, struct vstate *st, const struct bpfx_insn *x, int op)
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
		vf_set_const(&val, (uint64_t)(int64_t)x->imm);
		return mem_access(e, st, x->dst, x->off, size, true, &val, NULL);
	case BPFX_FMT_STX:
	case BPFX_FMT_STORE_REL:
		if ((err = vf_check_init(e, st, x->src)))
			return err;
		val = *reg(st, x->src);
		if (size < 8 && !is_ptr(&val)) {
			val.id = 0;
			val.flags = 0;
			bpfx_scalar_trunc(&val.s, (unsigned)size);
		}
		return mem_access(e, st, x->dst, x->off, size, true, &val, NULL);
	default: { /* atomics */
		if ((err = vf_check_init(e, st, x->src)) || (err = vf_check_init(e, st, x->dst)))
			return err;
		if (o->fmt == BPFX_FMT_CMPXCHG && (err = vf_check_init(e, st, 0)))
			return err;
		struct vreg *p = reg(st, x->dst);
		if (p->type != VT_STACK && p->type != VT_MAP_VALUE && p->type != VT_MEM && p->type != VT_SCALAR &&
		    !(p->flags & VF_NULL))
			return vf_fail(e, st, BPFX_RULE_MEM_006, "atomic operation on r%u, a %s pointer: atomics work on stack, "
				    "map values and helper memory only",
				    x->dst, vt_names[p->type]);
		if (is_ptr(reg(st, x->src)) && e->unpriv)
			return vf_fail(e, st, BPFX_RULE_LEAK_001, "atomic operation stores the pointer in r%u to memory", x->src);
		if ((err = mem_access(e, st, x->dst, x->off, size, false, NULL, &out)))
			return err;
		if (out.type != VT_SCALAR)
			return vf_fail(e, st, BPFX_RULE_STK_004, "atomic operation on a stack slot that holds a spilled %s pointer",
				    vt_names[out.type]);
		if ((err = mem_access(e, st, x->dst, x->off, size, true, NULL, NULL)))
			return err;
		struct vreg res;
		vf_set_unknown(&res);
		bpfx_scalar_trunc(&res.s, (unsigned)size);
		if (o->fmt == BPFX_FMT_CMPXCHG)
			*reg(st, 0) = res;
		else if (o->fmt != BPFX_FMT_ATOMIC)
			*reg(st, x->src) = res;
		return 0;
	}
	}
}

/* A constant-string helper argument (BPFX_ARG_PTR_TO_CONST_STR) in register
 * rn: a pointer at a constant offset into frozen read-only map data whose
 * bytes the verifier was given, with a NUL between the pointer and the end
 * of the value, so the helper's read up to the NUL stays inside. */
int vf_check_const_str(struct venv *e, struct vstate *st, const char *fname, unsigned rn)
{
	const struct vreg *r = reg(st, rn);
	if (r->type == VT_MAP_VALUE && (r->flags & VF_NULL))
		return vf_fail(e, st, BPFX_RULE_MEM_004, "%s: string argument r%u may be NULL; check it first", fname, rn);
	if (r->type != VT_MAP_VALUE)
		return vf_fail(e, st, BPFX_RULE_CALL_002,
			    "%s: argument r%u must point to a constant string in read-only map data (such as .rodata), "
			    "but it is a %s",
			    fname, rn, vt_names[r->type]);
	const struct bpfx_map_desc *m = &e->maps[r->aux];
	if (!m->rodata || !(m->flags & BPFX_MAP_RDONLY_PROG) || m->kind != BPFX_MAP_KIND_ARRAY || m->max_entries != 1)
		return vf_fail(e, st, BPFX_RULE_CALL_002,
			    "%s: argument r%u points into map '%s', which is not frozen read-only data with known contents "
			    "(a read-only array of one value whose bytes the verifier was given): its string could change",
			    fname, rn, vf_map_name(e, r->aux));
	if (!bpfx_scalar_is_const(&r->s))
		return vf_fail(e, st, BPFX_RULE_CALL_002,
			    "%s: string argument r%u points into map '%s' at a variable offset; a constant offset is needed "
			    "to know the string",
			    fname, rn, vf_map_name(e, r->aux));
	int64_t off = (int64_t)r->s.t.value;
	if (off < 0 || off >= (int64_t)m->value_size)
		return vf_fail(e, st, BPFX_RULE_CALL_003,
			    "%s: string argument r%u points at byte %lld of the %u-byte value of map '%s', outside it", fname,
			    rn, (long long)off, m->value_size, vf_map_name(e, r->aux));
	if (!memchr((const char *)m->rodata + off, 0, m->value_size - (size_t)off))
		return vf_fail(e, st, BPFX_RULE_CALL_003,
			    "%s: the string at byte %lld of map '%s' has no NUL before the end of its %u-byte value", fname,
			    (long long)off, vf_map_name(e, r->aux), m->value_size);
	return 0;
}

int vf_do_lddw(struct venv *e, struct vstate *st, const struct bpfx_insn *x, int op)
{
	struct vreg *d = reg(st, x->dst);
	uint64_t imm64 = (uint64_t)(uint32_t)x[0].imm | ((uint64_t)(uint32_t)x[1].imm << 32);
	if (op == BPFX_OP_LDDW) {
		vf_set_const(d, imm64);
		return 0;
	}
	if (op == BPFX_OP_LDDW_CODE_ADDR) {
		vf_set_ptr(d, VT_FUNC, 0);
		d->aux = st->pc + 1 + (uint32_t)x->imm;
		return 0;
	}
	if (op == BPFX_OP_LDDW_VAR_ADDR)
		return vf_fail(e, st, BPFX_RULE_INSN_002, "lddw of a variable address (src 3) is not supported by this verifier");
	int64_t m = -1;
	if (op == BPFX_OP_LDDW_MAP_FD || op == BPFX_OP_LDDW_MAP_VALUE_FD) {
		for (size_t i = 0; i < e->nmaps; i++)
			if (e->maps[i].fd == x->imm) {
				m = (int64_t)i;
				break;
			}
		if (m < 0)
			return vf_fail(e, st, BPFX_RULE_MAP_001, "lddw refers to map fd %d, but no map with that fd was given",
				    x->imm);
	} else {
		if (x->imm < 0 || (size_t)x->imm >= e->nmaps)
			return vf_fail(e, st, BPFX_RULE_MAP_001, "lddw refers to map index %d, but %zu map(s) were given", x->imm,
				    e->nmaps);
		m = x->imm;
	}
	if (op == BPFX_OP_LDDW_MAP_FD || op == BPFX_OP_LDDW_MAP_IDX) {
		vf_set_ptr(d, VT_MAP, 0);
		d->aux = (uint32_t)m;
		return 0;
	}
	if (e->maps[m].kind != BPFX_MAP_KIND_HASH && e->maps[m].kind != BPFX_MAP_KIND_ARRAY)
		return vf_fail(e, st, BPFX_RULE_MAP_002, "lddw takes a value address of map '%s', whose values cannot be "
			    "accessed directly",
			    vf_map_name(e, (uint32_t)m));
	vf_set_ptr(d, VT_MAP_VALUE, x[1].imm);
	d->aux = (uint32_t)m;
	return 0;
}
