/* SPDX-License-Identifier: MIT */
/*
 * disasm.c - the disassembler: fills in the templates of templates.c.
 *
 * A slot is printed with its row's template only if the text says
 * everything the bytes say: fields the row does not use are zero, the
 * registers exist, and an lddw has a clean second slot. Any other slot is
 * printed as a ".insn" line with its raw fields, so the output of
 * bpfx_disasm always assembles back to the very same bytes.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/diag.h"
#include "asm_internal.h"

struct sbuf {
	char *buf;   /* fixed (caller's) or growing (malloc) */
	size_t len;  /* capacity */
	size_t n;    /* used, without the NUL */
	bool grow;
	bool failed; /* out of room (fixed) or out of memory (growing) */
};

static void sb_putn(struct sbuf *b, const char *s, size_t k)
{
	if (b->failed)
		return;
	if (b->n + k + 1 > b->len) {
		if (!b->grow) {
			b->failed = true;
			return;
		}
		size_t nl = b->len ? b->len : 256;
		while (b->n + k + 1 > nl)
			nl *= 2;
		char *p = realloc(b->buf, nl);
		if (!p) {
			b->failed = true;
			return;
		}
		b->buf = p;
		b->len = nl;
	}
	memcpy(b->buf + b->n, s, k);
	b->n += k;
	b->buf[b->n] = 0;
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...) BPFX_PRINTF(2, 3);
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof(tmp)) {
		b->failed = true;
		return;
	}
	sb_putn(b, tmp, (size_t)k);
}

/* 0x1f, -0x1f (full 64-bit range). */
static void put_hex(struct sbuf *b, int64_t v)
{
	if (v < 0)
		sb_printf(b, "-0x%" PRIx64, (uint64_t)0 - (uint64_t)v);
	else
		sb_printf(b, "0x%" PRIx64, (uint64_t)v);
}

/* Always signed: +0x1f, -0x1f (LLVM) or +31, -31 (conformance). */
static void put_rel(struct sbuf *b, int64_t v, bool llvm)
{
	if (llvm)
		sb_printf(b, "%c0x%" PRIx64, v < 0 ? '-' : '+', v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
	else
		sb_printf(b, "%+" PRId64, v);
}

/* Conformance immediates: negative in decimal, others in hex. */
static void put_imm(struct sbuf *b, int64_t v, bool llvm)
{
	if (llvm || v >= 0)
		put_hex(b, v);
	else
		sb_printf(b, "%" PRId64, v);
}

struct dctx {
	const uint8_t *labeled; /* per slot: 1 if it gets a label, or NULL */
	size_t count;           /* slots in the program (for labels) */
	size_t pc;              /* slot index of the instruction */
};

static void put_target(struct sbuf *b, const struct dctx *c, int64_t rel, bool llvm)
{
	int64_t t = (int64_t)c->pc + 1 + rel;
	if (c->labeled && t >= 0 && (uint64_t)t < c->count && c->labeled[t])
		sb_printf(b, "L%" PRId64, t);
	else
		put_rel(b, rel, llvm);
}

static bool reg_use(uint8_t use)
{
	return use == BPFX_USE_READ || use == BPFX_USE_WRITE || use == BPFX_USE_RW;
}

/* Does the row's template say everything these bytes say? */
static bool insn_printable(const struct bpfx_op_desc *d, const struct bpfx_insn *x, size_t avail)
{
	if ((d->dst == BPFX_USE_ZERO && x->dst) || (reg_use(d->dst) && x->dst >= BPFX_NREGS))
		return false;
	if ((d->src == BPFX_USE_ZERO && x->src) || (reg_use(d->src) && x->src >= BPFX_NREGS))
		return false;
	if (d->off == BPFX_USE_ZERO && x->off)
		return false;
	if (d->imm == BPFX_USE_ZERO && x->imm)
		return false;
	if (d->fmt == BPFX_FMT_LDDW) {
		if (avail < 2)
			return false;
		const struct bpfx_insn *y = x + 1;
		if (y->code || y->dst || y->src || y->off)
			return false;
		if (y->imm && d->selv != BPFX_LDDW_IMM64 && d->selv != BPFX_LDDW_MAP_VALUE_FD &&
		    d->selv != BPFX_LDDW_MAP_VALUE_IDX)
			return false;
	}
	return true;
}

static void put_reg(struct sbuf *b, bool llvm, char w, unsigned r)
{
	if (llvm)
		sb_printf(b, "%c%u", w, r);
	else
		sb_printf(b, "%%r%u", r);
}

static void put_raw(struct sbuf *b, const struct bpfx_insn *x)
{
	sb_printf(b, ".insn 0x%02x, %u, %u, %d, ", x->code, (unsigned)x->dst, (unsigned)x->src, x->off);
	put_hex(b, x->imm);
}

static void fill(struct sbuf *b, const char *t, const struct bpfx_op_desc *d, const struct bpfx_insn *x,
		 bool llvm, const struct dctx *c)
{
	char w = bpfx_asm_regw(d);
	for (; *t; t++) {
		if (*t != '$') {
			sb_putn(b, t, 1);
			continue;
		}
		switch (*++t) {
		case 'd': put_reg(b, llvm, w, x->dst); break;
		case 's': put_reg(b, llvm, w, x->src); break;
		case 'D': put_reg(b, llvm, 'r', x->dst); break;
		case 'S': put_reg(b, llvm, 'r', x->src); break;
		case 'z': put_reg(b, llvm, w, 0); break;
		case 'i': put_imm(b, x->imm, llvm); break;
		case 'I': put_rel(b, x[1].imm, true); break;
		case 'L': {
			uint64_t v = (uint32_t)x[0].imm | (uint64_t)(uint32_t)x[1].imm << 32;
			if (llvm)
				put_hex(b, (int64_t)v);
			else
				sb_printf(b, "0x%" PRIx64, v);
			break;
		}
		case 'a':
			sb_printf(b, "0x%x, 0x%x", (unsigned)((uint32_t)x->imm >> 16), (unsigned)((uint32_t)x->imm & 0xffff));
			break;
		case 'o':
			if (llvm)
				sb_printf(b, "%c 0x%x", x->off < 0 ? '-' : '+', (unsigned)(x->off < 0 ? -x->off : x->off));
			else if (x->off)
				sb_printf(b, "%+d", x->off);
			break;
		case 'q':
			if (x->imm)
				sb_printf(b, " %c 0x%" PRIx64, x->imm < 0 ? '-' : '+',
					  x->imm < 0 ? (uint64_t)0 - (uint64_t)(int64_t)x->imm : (uint64_t)x->imm);
			break;
		case 'j': put_target(b, c, x->off, llvm); break;
		case 'J':
		case 'c': put_target(b, c, x->imm, llvm); break;
		default: /* text placeholders were expanded before */ sb_putn(b, t - 1, 2); break;
		}
	}
}

/* Prints one instruction (no prefix). Returns slots consumed, or
 * BPFX_E_BAD_INSN after printing a .insn line for one slot. */
static int disasm_one(struct sbuf *b, const struct bpfx_insn *x, size_t avail, bool llvm, const struct dctx *c)
{
	enum bpfx_op op = bpfx_op_decode(x);
	if (op != BPFX_OP__INVALID) {
		const struct bpfx_op_desc *d = &bpfx_op_table[op];
		char t[128];
		const char *tm = bpfx_asm_template(d, llvm ? BPFX_DIALECT_LLVM : BPFX_DIALECT_CONFORMANCE, 0);
		if (tm && insn_printable(d, x, avail) && bpfx_asm_expand(tm, d, t, sizeof(t))) {
			fill(b, t, d, x, llvm, c);
			return d->fmt == BPFX_FMT_LDDW ? 2 : 1;
		}
	}
	put_raw(b, x);
	return BPFX_E_BAD_INSN;
}

static void put_bytes(struct sbuf *b, const struct bpfx_insn *x, int slots)
{
	const uint8_t *p = (const uint8_t *)x;
	for (int i = 0; i < 8 * slots; i++)
		sb_printf(b, i ? " %02x" : "%02x", p[i]);
	sb_putn(b, "\t", 1);
}

static int read_opts(const struct bpfx_disasm_opts *opts, struct bpfx_disasm_opts *o)
{
	struct bpfx_diag none = {0};
	int err = bpfx_opts_copy(&none, o, sizeof(*o), opts, "bpfx_disasm_opts");
	if (err)
		return err;
	if (o->dialect != BPFX_DIALECT_AUTO && o->dialect != BPFX_DIALECT_LLVM &&
	    o->dialect != BPFX_DIALECT_CONFORMANCE)
		return BPFX_E_INVAL;
	if (o->flags & ~(BPFX_DISASM_INDEX | BPFX_DISASM_BYTES | BPFX_DISASM_LABELS))
		return BPFX_E_INVAL;
	return 0;
}

int bpfx_disasm_insn(const struct bpfx_insn *insn, size_t avail, const struct bpfx_disasm_opts *opts,
		     char *buf, size_t len)
{
	struct bpfx_disasm_opts o;
	if (!insn || !avail || !buf || !len)
		return BPFX_E_INVAL;
	int err = read_opts(opts, &o);
	if (err)
		return err;
	bool llvm = o.dialect != BPFX_DIALECT_CONFORMANCE;
	struct sbuf b = {buf, len, 0, false, false};
	struct dctx c = {NULL, 0, 0};
	buf[0] = 0;

	struct sbuf probe = {NULL, 0, 0, true, false};
	int slots = disasm_one(&probe, insn, avail, llvm, &c);
	free(probe.buf);
	if (o.flags & BPFX_DISASM_BYTES)
		put_bytes(&b, insn, slots == 2 ? 2 : 1);
	int r = disasm_one(&b, insn, avail, llvm, &c);
	if (b.failed) {
		buf[0] = 0;
		return BPFX_E_RANGE; /* the text does not fit: say so, never cut it */
	}
	return r;
}

int bpfx_disasm(const struct bpfx_insn *insns, size_t count, const struct bpfx_disasm_opts *opts, char **text)
{
	struct bpfx_disasm_opts o;
	if (!text || (!insns && count))
		return BPFX_E_INVAL;
	*text = NULL;
	int err = read_opts(opts, &o);
	if (err)
		return err;
	bool llvm = o.dialect != BPFX_DIALECT_CONFORMANCE;
	uint8_t *labeled = NULL;

	/* Pass 1: which slots are jump or call targets, and where instructions start. */
	uint8_t *start = calloc(count ? count : 1, 1);
	if (!start)
		return BPFX_E_NOMEM;
	if (o.flags & BPFX_DISASM_LABELS) {
		labeled = calloc(count ? count : 1, 1);
		if (!labeled) {
			free(start);
			return BPFX_E_NOMEM;
		}
	}
	for (size_t i = 0; i < count;) {
		start[i] = 1;
		struct sbuf probe = {NULL, 0, 0, true, false};
		struct dctx c0 = {NULL, 0, i};
		int r = disasm_one(&probe, &insns[i], count - i, llvm, &c0);
		free(probe.buf);
		if (labeled && r > 0) {
			const struct bpfx_op_desc *d = &bpfx_op_table[bpfx_op_decode(&insns[i])];
			int64_t rel = 0;
			bool has = true;
			if (d->off == BPFX_USE_JMP)
				rel = insns[i].off;
			else if (d->imm == BPFX_USE_JMP || d->imm == BPFX_USE_CALL)
				rel = insns[i].imm;
			else
				has = false;
			int64_t t = (int64_t)i + 1 + rel;
			if (has && t >= 0 && (uint64_t)t < count)
				labeled[t] = 1;
		}
		i += r == 2 ? 2 : 1;
	}
	/* A label on the second half of an lddw could not be placed: print
	 * those targets as offsets. */
	if (labeled)
		for (size_t i = 0; i < count; i++)
			if (!start[i])
				labeled[i] = 0;

	struct sbuf b = {NULL, 0, 0, true, false};
	sb_puts(&b, "");
	struct dctx c = {labeled, count, 0};
	for (size_t i = 0; i < count;) {
		if (labeled && labeled[i])
			sb_printf(&b, "L%zu:\n", i);
		c.pc = i;
		if (o.flags & BPFX_DISASM_INDEX)
			sb_printf(&b, "%8zu:\t", i);
		if (o.flags & BPFX_DISASM_BYTES) {
			int slots = (i + 1 < count && !start[i + 1]) ? 2 : 1;
			put_bytes(&b, &insns[i], slots);
		}
		int r = disasm_one(&b, &insns[i], count - i, llvm, &c);
		sb_putn(&b, "\n", 1);
		i += r == 2 ? 2 : 1;
	}
	free(start);
	free(labeled);
	if (b.failed) {
		free(b.buf);
		return BPFX_E_NOMEM;
	}
	*text = b.buf;
	return 0;
}
