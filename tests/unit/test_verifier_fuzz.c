/* SPDX-License-Identifier: MIT */
/*
 * test_verifier_fuzz.c - differential soundness test: random programs that
 * compute on numbers, check the buffer length in various ways and access the
 * buffer and the stack at constant and variable offsets. Whenever the
 * verifier accepts one, the checked interpreter runs it on buffers of many
 * lengths: it must never fault (a fault means the verifier accepted an unsafe
 * access). A share of the programs must be accepted and a share rejected, so
 * that the test keeps its teeth as the generator or the verifier change.
 */
#include <bpfx/bpfx.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "isa/isa_internal.h"

#define INSN(c, d, s, o, i) ((struct bpfx_insn){.code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i)})

static uint64_t rng = 0x0123456789abcdefull;
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}
static int pick(int n)
{
	return (int)(rnd() % (uint64_t)n);
}

static const uint8_t scal_all[4] = {0, 3, 4, 8}; /* number registers */
static const uint8_t *scal = scal_all;
static int nscal = 4;
static const uint8_t alu_ops[] = {0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xc0};
static const uint8_t jmp_ops[] = {0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0};
static const uint8_t sizes[] = {0x00, 0x08, 0x10, 0x18}; /* W H B DW */

#define MAXN 128

/* Appends one random "statement" (1-4 instructions) at p[*n]; `room` is how
 * many instructions may follow before the final exit (for jump offsets). */
static void gen(struct bpfx_insn *p, int *n, int body)
{
	int i = *n;
	uint8_t d = scal[pick(nscal)], s = scal[pick(nscal)];
	int szi = pick(4);
	switch (pick(nscal == 4 ? 12 : 13) == 11 && pick(2) ? 13 : pick(nscal == 4 ? 12 : 13)) {
	case 13: { /* variable packet base checked against the end r9 */
		static const int nb[] = {4, 2, 1, 8};
		if (body - i < 10)
			break;
		int off = pick(8), k = off + nb[szi] - pick(2) + (pick(4) == 0 ? 4 : 0);
		p[i++] = INSN(0xbf, 5, s, 0, 0);
		p[i++] = INSN(0x57, 5, 0, 0, (int32_t)((1u << pick(6)) - 1));
		p[i++] = INSN(0x0f, 5, 6, 0, 0);
		p[i++] = INSN(0xbf, d, 5, 0, 0);
		p[i++] = INSN(0x07, d, 0, 0, k);
		p[i++] = INSN(0x2d, d, 9, 2, 0);                      /* if d > r9 goto +2 */
		p[i++] = INSN(0x61 | sizes[szi], d, 5, (int16_t)off, 0);
		p[i++] = INSN(0x05, 0, 0, 1, 0);
		p[i++] = INSN(0xb7, d, 0, 0, 0);
		break;
	}
	case 12: /* loop mode: access indexed by the loop counter r8 */
		p[i++] = INSN(0xbf, 5, 6, 0, 0);
		p[i++] = INSN(0x0f, 5, 8, 0, 0);
		p[i++] = INSN(0x71, d, 5, (int16_t)pick(4), 0);
		break;
	case 0: { /* ALU64/32 with an immediate */
		uint8_t op = alu_ops[pick(sizeof(alu_ops))];
		int is64 = pick(2);
		int32_t imm = (op == 0x60 || op == 0x70 || op == 0xc0) ? pick(is64 ? 64 : 32) : (int32_t)(rnd() % 64) - 8;
		p[i++] = INSN((is64 ? 0x07 : 0x04) | op, d, 0, 0, imm);
		break;
	}
	case 1: { /* ALU with a register */
		uint8_t op = alu_ops[pick(sizeof(alu_ops))];
		p[i++] = INSN((pick(2) ? 0x0f : 0x0c) | op, d, s, 0, 0);
		break;
	}
	case 2: /* moves */
		if (pick(2))
			p[i++] = INSN(0xb7, d, 0, 0, (int32_t)(rnd() % 40) - 4);
		else
			p[i++] = INSN(0xbf, d, s, 0, 0);
		break;
	case 3: { /* conditional jump on numbers */
		int room = body - i - 1;
		if (room < 1)
			break;
		int off = pick(room < 4 ? room : 4);
		uint8_t op = jmp_ops[pick(sizeof(jmp_ops))];
		if (pick(2))
			p[i++] = INSN((pick(3) ? 0x05 : 0x06) | op, d, 0, (int16_t)off, (int32_t)(rnd() % 40) - 4);
		else
			p[i++] = INSN((pick(3) ? 0x0d : 0x0e) | op, d, s, (int16_t)off, 0);
		break;
	}
	case 4: { /* length check on r7 */
		int room = body - i - 1;
		if (room < 1)
			break;
		static const uint8_t lops[] = {0x20, 0x30, 0xa0, 0xb0, 0x60, 0xc0, 0x10, 0x50};
		p[i++] = INSN(0x05 | lops[pick(8)], 7, 0, (int16_t)pick(room < 6 ? room : 6), pick(24));
		break;
	}
	case 5: { /* buffer load at a constant offset, usually after a length check */
		int off = pick(20), need;
		static const int nb[] = {4, 2, 1, 8};
		need = off + nb[szi];
		if (pick(3))
			p[i++] = INSN(0xa5, 7, 0, 1, need - pick(2)); /* if r7 < need goto +1 */
		p[i++] = INSN(0x61 | sizes[szi], d, 6, (int16_t)off, 0);
		break;
	}
	case 6: { /* buffer load at a masked variable offset */
		static const int nb[] = {4, 2, 1, 8};
		int mask = (int)((1u << pick(5)) - 1), off = pick(8);
		if (pick(3))
			p[i++] = INSN(0xa5, 7, 0, 4, mask + off + nb[szi] - pick(2));
		p[i++] = INSN(0xbf, 5, s, 0, 0);
		p[i++] = INSN(0x57, 5, 0, 0, mask);
		p[i++] = INSN(0x0f, 5, 6, 0, 0);
		p[i++] = INSN(0x61 | sizes[szi], d, 5, (int16_t)off, 0);
		break;
	}
	case 7: { /* buffer store */
		static const int nb[] = {4, 2, 1, 8};
		int off = pick(20);
		if (pick(3))
			p[i++] = INSN(0xa5, 7, 0, 1, off + nb[szi] - pick(2));
		if (pick(2))
			p[i++] = INSN(0x63 | sizes[szi], 6, s, (int16_t)off, 0);
		else
			p[i++] = INSN(0x62 | sizes[szi], 6, 0, (int16_t)off, (int32_t)rnd());
		break;
	}
	case 8: /* stack store / load at constant offsets */
		if (pick(2))
			p[i++] = INSN(0x63 | sizes[szi], 10, s, (int16_t)(-8 * (1 + pick(8)) + pick(8)), 0);
		else
			p[i++] = INSN(0x61 | sizes[szi], d, 10, (int16_t)(-8 * (1 + pick(8)) + (pick(2) ? pick(8) : 0)), 0);
		break;
	case 9: /* stack access at a masked variable offset */
		p[i++] = INSN(0xbf, 5, s, 0, 0);
		p[i++] = INSN(0x57, 5, 0, 0, (int32_t)((1u << pick(7)) - 1));
		p[i++] = INSN(0x0f, 5, 10, 0, 0);
		if (pick(2))
			p[i++] = INSN(0x61 | sizes[szi], d, 5, (int16_t)(-160 - pick(16)), 0);
		else
			p[i++] = INSN(0x63 | sizes[szi], 5, s, (int16_t)(-160 - pick(16)), 0);
		break;
	case 10: { /* pointer against the end pointer r9 */
		int room = body - i - 3;
		if (room < 1)
			break;
		p[i++] = INSN(0xbf, 5, 6, 0, 0);
		p[i++] = INSN(0x07, 5, 0, 0, pick(24));
		static const uint8_t pops[] = {0x20, 0x30, 0xa0, 0xb0};
		if (pick(2))
			p[i++] = INSN(0x0d | pops[pick(4)], 5, 9, (int16_t)pick(room < 6 ? room : 6), 0);
		else
			p[i++] = INSN(0x0d | pops[pick(4)], 9, 5, (int16_t)pick(room < 6 ? room : 6), 0);
		break;
	}
	default: /* a copy of the length, adjusted, then checked */
		if (body - i - 3 < 1)
			break;
		p[i++] = INSN(0xbf, d, 7, 0, 0);
		p[i++] = INSN(0x07, d, 0, 0, (int32_t)(rnd() % 16) - 8);
		{
			int room = body - i - 1; /* the jump sits at i */
			int16_t off = (int16_t)pick(room < 6 ? room : 6);
			p[i] = INSN(0x05 | jmp_ops[pick(sizeof(jmp_ops))], d, 0, off, pick(20));
			i++;
		}
		break;
	}
	*n = i;
}

static int make_prog(struct bpfx_insn *p)
{
	int n = 0;
	p[n++] = INSN(0xbf, 6, 1, 0, 0); /* r6 = buffer */
	p[n++] = INSN(0xbf, 7, 2, 0, 0); /* r7 = length */
	p[n++] = INSN(0xbf, 9, 6, 0, 0);
	p[n++] = INSN(0x0f, 9, 7, 0, 0); /* r9 = end */
	for (int k = 0; k < 4; k++)
		p[n++] = INSN(0xb7, scal_all[k], 0, 0, k);
	for (int k = 1; k <= 24; k++)
		p[n++] = INSN(0x7a, 10, 0, (int16_t)(-8 * k), 0); /* *(u64 *)(r10 - 8k) = 0 */
	int body = n + 8 + pick(40);
	if (body > MAXN - 8)
		body = MAXN - 8;
	while (n < body - 4)
		gen(p, &n, body);
	/* pad so every forward jump lands inside, then exit */
	while (n < body)
		p[n++] = INSN(0x07, 0, 0, 0, 1);
	p[n++] = INSN(0x95, 0, 0, 0, 0);
	return n;
}

/* A program with a counted loop (r8 from 0 to a bound) around a random
 * body whose jumps stay inside it; an optional length check before it. */
static int make_loop_prog(struct bpfx_insn *p)
{
	static const uint8_t loop_scal[3] = {0, 3, 4};
	int n = 0, bound = 1 + pick(12);
	p[n++] = INSN(0xbf, 6, 1, 0, 0);
	p[n++] = INSN(0xbf, 7, 2, 0, 0);
	p[n++] = INSN(0xbf, 9, 6, 0, 0);
	p[n++] = INSN(0x0f, 9, 7, 0, 0);
	for (int k = 0; k < 4; k++)
		p[n++] = INSN(0xb7, scal_all[k], 0, 0, 0);
	for (int k = 1; k <= 24; k++)
		p[n++] = INSN(0x7a, 10, 0, (int16_t)(-8 * k), 0);
	int guard = pick(3);
	if (guard) /* if r7 < bound + 3 (+/- 1) goto exit */
		p[n++] = INSN(0xa5, 7, 0, 0, bound + 3 + (guard == 1 ? 0 : pick(3) - 1)); /* offset patched below */
	int guard_at = guard ? n - 1 : -1;
	int head = n;
	int body = n + 4 + pick(16);
	scal = loop_scal;
	nscal = 3;
	while (n < body - 4)
		gen(p, &n, body);
	scal = scal_all;
	nscal = 4;
	while (n < body)
		p[n++] = INSN(0x07, 0, 0, 0, 1);
	p[n++] = INSN(0x07, 8, 0, 0, 1);                                    /* r8 += 1 */
	p[n] = INSN(0xa5, 8, 0, (int16_t)(head - (n + 1)), bound); /* if r8 < bound goto head */
	n++;
	p[n++] = INSN(0x95, 0, 0, 0, 0);
	if (guard_at >= 0)
		p[guard_at].off = (int16_t)(n - 1 - (guard_at + 1));
	return n;
}

/* Precision mode: numbers computed on one side of a join (or in a loop,
 * or spilled and filled) and used only later, as a buffer offset, a stack
 * offset or a decided branch. With imprecise pruning (a stored state whose
 * number was not marked as mattering prunes a path where it is out of
 * bounds) such programs would be accepted while unsafe. */
static const uint8_t pregs[5] = {0, 1, 2, 3, 4};
static const int32_t pvals[] = {0, 1, 2, 3, 7, 8, 15, 16, 24, 31, 32, 40, 63, 64, 100, -1, -8, 200};
static int32_t pval(void)
{
	return pvals[pick((int)(sizeof(pvals) / sizeof(pvals[0])))];
}

static void gen_prec(struct bpfx_insn *p, int *n, int body)
{
	int i = *n;
	uint8_t x = pregs[pick(5)], y = pregs[pick(5)];
	if (y == x)
		y = (uint8_t)((x + 1) % 5);
	switch (pick(2) ? 11 + pick(6) : pick(11)) { /* half of them: the composite cases */
	case 16: { /* x set on both sides of a join; a branch on x, decided for
		    * each value, skips a read past the proven bytes */
		if (body - i < 16)
			break;
		p[i++] = INSN(0xa5, 7, 0, 5, 4);                  /* if len < 4 goto +5 */
		p[i++] = INSN(0x71, 5, 6, (int16_t)pick(4), 0);
		p[i++] = INSN(0x25, 5, 0, 2, pick(256));          /* if r5 > k goto +2 */
		p[i++] = INSN(0xb7, x, 0, 0, pval());
		p[i++] = INSN(0x05, 0, 0, 1, 0);
		p[i++] = INSN(0xb7, x, 0, 0, pval());
		for (int j = 0; j < 6; j++)
			p[i++] = INSN(0x07, 8, 0, 0, 1);
		p[i++] = INSN(0x25, x, 0, 2, pick(40));           /* if x > k goto +2 */
		p[i++] = INSN(0xa5, 7, 0, 1, 32);                 /* if len < 32 goto +1 */
		p[i++] = INSN(0x71, 5, 6, (int16_t)(32 + pick(12)), 0); /* past the 32 proven */
		break;
	}
	case 14: /* y set on both sides of a join; x = c + y; y killed; x used */
	case 15: { /* or a stack slot set on both sides, filled into x, x used */
		if (body - i < 20)
			break;
		bool slot = pick(2);
		int16_t so = (int16_t)(-8 * (1 + pick(4)));
		p[i++] = INSN(0xa5, 7, 0, 5, 4);                  /* if len < 4 goto +5 */
		p[i++] = INSN(0x71, 5, 6, (int16_t)pick(4), 0);
		p[i++] = INSN(0x25, 5, 0, 2, pick(256));          /* if r5 > k goto +2 */
		p[i++] = slot ? INSN(0x7a, 10, 0, so, pval()) : INSN(0xb7, y, 0, 0, pval());
		p[i++] = INSN(0x05, 0, 0, 1, 0);
		p[i++] = slot ? INSN(0x7a, 10, 0, so, pval()) : INSN(0xb7, y, 0, 0, pval());
		for (int j = 0; j < 6; j++) /* some distance so the join stores a state */
			p[i++] = INSN(0x07, 8, 0, 0, 1);
		if (slot) {
			p[i++] = INSN(0x79, x, 10, so, 0);
		} else {
			p[i++] = INSN(0xb7, x, 0, 0, pick(8));
			p[i++] = INSN(0x0f, x, y, 0, 0);
			p[i++] = INSN(0xb7, y, 0, 0, 0);
		}
		p[i++] = INSN(0xa5, 7, 0, 3, 1 + pick(48));       /* if len < k goto +3 */
		p[i++] = INSN(0xbf, 5, 6, 0, 0);
		p[i++] = INSN(0x0f, 5, x, 0, 0);
		p[i++] = INSN(0x71, 5, 5, 0, 0);
		break;
	}
	case 11: { /* a loop accumulating x from the data, x spilled, x
		    * clobbered, filled into y, y used as a buffer offset */
		if (body - i < 15)
			break;
		int16_t slot = (int16_t)(-8 * (1 + pick(4)));
		p[i++] = INSN(0xb7, 8, 0, 0, 0);
		int head = i;
		p[i++] = INSN(0xa5, 7, 0, 2, 4);                  /* if len < 4 goto +2 */
		p[i++] = INSN(0x71, 5, 6, (int16_t)pick(4), 0);
		p[i++] = INSN(0x25, 5, 0, 1, pick(256));          /* if r5 > k goto +1 */
		p[i++] = INSN(0x07, x, 0, 0, pick(12) - 2);
		p[i++] = INSN(0x07, 8, 0, 0, 1);
		p[i] = INSN(0xa5, 8, 0, (int16_t)(head - (i + 1)), 1 + pick(5));
		i++;
		p[i++] = INSN(0x7b, 10, x, slot, 0);
		p[i++] = INSN(0xb7, x, 0, 0, 0);
		p[i++] = INSN(0x79, y, 10, slot, 0);
		p[i++] = INSN(0xa5, 7, 0, 3, 1 + pick(48));       /* if len < k goto +3 */
		p[i++] = INSN(0xbf, 5, 6, 0, 0);
		p[i++] = INSN(0x0f, 5, y, 0, 0);
		p[i++] = INSN(0x71, 5, 5, 0, 0);
		break;
	}
	case 12: { /* a buffer byte x; on one side of a join its copy y, on the
		    * other a constant; after the join a bound on y, x used */
		if (body - i < 19)
			break;
		int k = 1 + pick(40);
		p[i++] = INSN(0xa5, 7, 0, 16, 2);                 /* if len < 2 goto +16 */
		p[i++] = INSN(0x71, x, 6, 0, 0);
		p[i++] = INSN(0x71, 5, 6, 1, 0);
		p[i++] = INSN(0x25, 5, 0, 2, pick(256));          /* if r5 > k goto +2 */
		p[i++] = INSN(0xbf, y, x, 0, 0);
		p[i++] = INSN(0x05, 0, 0, 2, 0);
		p[i++] = INSN(0xbf, 5, x, 0, 0);                  /* x has an identity here too */
		p[i++] = INSN(0xb7, y, 0, 0, pick(8));
		for (int j = 0; j < 4; j++) /* some distance so the join stores a state */
			p[i++] = INSN(0x07, 8, 0, 0, 1);
		p[i++] = INSN(0x25, y, 0, 4, k - 1);              /* if y > k-1 goto +4 */
		p[i++] = INSN(0xa5, 7, 0, 3, k);                  /* if len < k goto +3 */
		p[i++] = INSN(0xbf, 5, 6, 0, 0);
		p[i++] = INSN(0x0f, 5, x, 0, 0);
		p[i++] = INSN(0x71, 5, 5, 0, 0);
		break;
	}
	case 13: { /* y set on both sides of a join, used; x set on both sides
		    * of a later join, y killed, then x used */
		if (body - i < 24)
			break;
		for (int d = 0; d < 2; d++) {
			uint8_t v = d ? x : y;
			p[i++] = INSN(0xa5, 7, 0, 5, 4);              /* if len < 4 goto +5 */
			p[i++] = INSN(0x71, 5, 6, (int16_t)pick(4), 0);
			p[i++] = INSN(0x25, 5, 0, 2, pick(256));      /* if r5 > k goto +2 */
			p[i++] = INSN(0xb7, v, 0, 0, pval());
			p[i++] = INSN(0x05, 0, 0, 1, 0);
			p[i++] = INSN(0xb7, v, 0, 0, pval());
			if (!d) {
				p[i++] = INSN(0xbf, 5, 10, 0, 0);     /* stack access at y */
				p[i++] = INSN(0x0f, 5, y, 0, 0);
				p[i++] = INSN(0x71, 5, 5, -64, 0);
			}
		}
		p[i++] = INSN(0xb7, y, 0, 0, 0);
		p[i++] = INSN(0x15, 8, 0, 1, 3);                  /* a join with nothing in it */
		p[i++] = INSN(0x07, 8, 0, 0, 1);
		p[i++] = INSN(0xa5, 7, 0, 3, 1 + pick(48));       /* if len < k goto +3 */
		p[i++] = INSN(0xbf, 5, 6, 0, 0);
		p[i++] = INSN(0x0f, 5, x, 0, 0);
		p[i++] = INSN(0x71, 5, 5, 0, 0);
		break;
	}
	case 0: { /* diamond on a buffer byte: x = c1 or x = c2 */
		if (body - i < 7)
			break;
		int off = pick(4);
		p[i++] = INSN(0xa5, 7, 0, 5, off + 1);       /* if len < off + 1 goto +5 */
		p[i++] = INSN(0x71, 5, 6, (int16_t)off, 0);   /* r5 = buf[off] */
		p[i++] = INSN(0x25, 5, 0, 2, pick(256));      /* if r5 > k goto +2 */
		p[i++] = INSN(0xb7, x, 0, 0, pval());
		p[i++] = INSN(0x05, 0, 0, 1, 0);
		p[i++] = INSN(0xb7, x, 0, 0, pval());
		break;
	}
	case 1: /* spill */
		p[i++] = INSN(0x7b, 10, x, (int16_t)(-8 * (1 + pick(4))), 0);
		break;
	case 2: /* fill */
		p[i++] = INSN(0x79, x, 10, (int16_t)(-8 * (1 + pick(4))), 0);
		break;
	case 3: { /* arithmetic */
		static const uint8_t ops[] = {0x00, 0x10, 0x50, 0x60, 0x20};
		uint8_t op = ops[pick(5)];
		if (pick(2))
			p[i++] = INSN(0x07 | op, x, 0, 0, op == 0x60 ? pick(3) : op == 0x50 ? pick(64) : pick(20) - 4);
		else if (pick(2))
			p[i++] = INSN(0x0f | (op == 0x20 || op == 0x60 ? 0 : op), x, y, 0, 0);
		else
			p[i++] = INSN(0xbf, x, y, 0, 0); /* a copy: shares identity */
		break;
	}
	case 4: { /* buffer access at offset x after a length check */
		if (body - i < 5)
			break;
		int k = 1 + pick(48);
		p[i++] = INSN(0xa5, 7, 0, 3, k);              /* if len < k goto +3 */
		p[i++] = INSN(0xbf, 5, 6, 0, 0);
		p[i++] = INSN(0x0f, 5, x, 0, 0);
		p[i++] = INSN(0x71, y, 5, 0, 0);
		break;
	}
	case 5: /* stack access at offset x */
		p[i++] = INSN(0xbf, 5, 10, 0, 0);
		p[i++] = INSN(0x0f, 5, x, 0, 0);
		p[i++] = INSN(0x71, y, 5, -64, 0);
		break;
	case 6: { /* a branch on x, decided when x is known */
		int room = body - i - 1;
		if (room < 2)
			break;
		p[i++] = INSN(0x25 | (pick(2) ? 0 : 0x40), x, 0, (int16_t)(1 + pick(room < 3 ? room : 3)), pick(64));
		break;
	}
	case 7: { /* a loop adding to x (maybe depending on the data) */
		if (body - i < 9)
			break;
		int head;
		p[i++] = INSN(0xb7, 8, 0, 0, 0);
		head = i;
		if (pick(2)) {
			p[i++] = INSN(0xa5, 7, 0, 2, 4);          /* if len < 4 goto +2 */
			p[i++] = INSN(0x71, 5, 6, (int16_t)pick(4), 0);
			p[i++] = INSN(0x25, 5, 0, 1, pick(256)); /* if r5 > k goto +1 */
		}
		p[i++] = INSN(0x07, x, 0, 0, pick(12) - 2);
		p[i++] = INSN(0x07, 8, 0, 0, 1);
		p[i] = INSN(0xa5, 8, 0, (int16_t)(head - (i + 1)), 1 + pick(5));
		i++;
		break;
	}
	case 8: { /* x = a buffer byte, its copy y bounded by a comparison, x used */
		if (body - i < 9)
			break;
		int k = 1 + pick(48);
		p[i++] = INSN(0xa5, 7, 0, 7, 1);              /* if len < 1 goto +7 */
		p[i++] = INSN(0x71, x, 6, 0, 0);
		p[i++] = INSN(0xbf, y, x, 0, 0);
		p[i++] = INSN(0x25, y, 0, 4, k - 1 + (pick(4) == 0)); /* if y > k-1 (or k) goto +4 */
		p[i++] = INSN(0xa5, 7, 0, 3, k);              /* if len < k goto +3 */
		p[i++] = INSN(0xbf, 5, 6, 0, 0);
		p[i++] = INSN(0x0f, 5, x, 0, 0);
		p[i++] = INSN(0x71, 5, 5, 0, 0);
		break;
	}
	case 9: /* x = a constant */
		p[i++] = INSN(0xb7, x, 0, 0, pval());
		break;
	default: { /* a plain diamond that only moves the instruction count */
		if (body - i < 4)
			break;
		p[i++] = INSN(0x15, y, 0, 1, pick(8));
		p[i++] = INSN(0x07, y, 0, 0, 1);
		p[i++] = INSN(0x05, 0, 0, 0, 0);
		break;
	}
	}
	*n = i;
}

static int make_prec_prog(struct bpfx_insn *p)
{
	int n = 0;
	p[n++] = INSN(0xbf, 6, 1, 0, 0);
	p[n++] = INSN(0xbf, 7, 2, 0, 0);
	for (int k = 0; k < 5; k++)
		p[n++] = INSN(0xb7, pregs[k], 0, 0, pick(2) ? 0 : pval());
	for (int k = 1; k <= 24; k++)
		p[n++] = INSN(0x7a, 10, 0, (int16_t)(-8 * k), 0);
	int body = n + 10 + pick(70);
	if (body > MAXN - 8)
		body = MAXN - 8;
	while (n < body - 4)
		gen_prec(p, &n, body);
	while (n < body)
		p[n++] = INSN(0x07, 0, 0, 0, 1);
	p[n++] = INSN(0x95, 0, 0, 0, 0);
	return n;
}

/* Precision scenarios: one value decided on a join whose first explored
 * side (the fall-through) is safe and whose other side is unsafe half of
 * the time, among harmless code. A verifier that prunes the other side
 * against the first one without comparing what matters accepts it. */
static void filler(struct bpfx_insn *p, int *n, int k)
{
	int i = *n;
	while (k-- > 0) {
		if (pick(3)) {
			p[i++] = INSN(0x07, 8, 0, 0, 1 + pick(3));
		} else {
			p[i++] = INSN(0xa5, 7, 0, 2, 4);          /* if len < 4 goto +2 */
			p[i++] = INSN(0x71, 5, 6, (int16_t)pick(4), 0);
			p[i++] = INSN(0x25, 5, 0, 1, pick(256)); /* if r5 > k goto +1 */
			p[i++] = INSN(0x07, 8, 0, 0, 1);
		}
	}
	*n = i;
}

/* if buf[j] > k: second, else first (explored first); then padding */
static void join_on_data(struct bpfx_insn *p, int *n, struct bpfx_insn first, struct bpfx_insn second)
{
	int i = *n;
	p[i++] = INSN(0x71, 5, 6, (int16_t)pick(4), 0);
	p[i++] = INSN(0x25, 5, 0, 2, pick(200));
	p[i++] = first;
	p[i++] = INSN(0x05, 0, 0, 1, 0);
	p[i++] = second;
	for (int j = 0; j < 6; j++) /* distance, so that the join stores a state */
		p[i++] = INSN(0x07, 8, 0, 0, 1);
	*n = i;
}

static int make_scenario_prog(struct bpfx_insn *p)
{
	int n = 0;
	bool bad = pick(2);
	uint8_t x = pregs[pick(5)], y = (uint8_t)((x + 1 + pick(4)) % 5);
	p[n++] = INSN(0xbf, 6, 1, 0, 0);
	p[n++] = INSN(0xbf, 7, 2, 0, 0);
	for (int k = 0; k < 5; k++)
		p[n++] = INSN(0xb7, pregs[k], 0, 0, 0);
	p[n++] = INSN(0xb7, 8, 0, 0, 0);
	for (int k = 1; k <= 8; k++)
		p[n++] = INSN(0x7a, 10, 0, (int16_t)(-8 * k), 0);
	int exit_jump = n;
	p[n++] = INSN(0xa5, 7, 0, 0, 32);                         /* if len < 32 goto exit (patched) */
	filler(p, &n, pick(4));
	int32_t safe = pick(32), other = bad ? 32 + pick(32) : pick(32);
	int16_t so = (int16_t)(-8 * (1 + pick(8)));
	switch (pick(6)) {
	case 5: {
		/* The first path sets x and jumps to the join J2 directly, where
		 * its state is stored and x used. The second sets x in a
		 * diamond whose join Jx stores a state, then is pruned at J2:
		 * only that prune tells Jx's state that x matters, before the
		 * diamond's other side (x = other) arrives there. */
		p[n++] = INSN(0x71, 5, 6, 5, 0);
		p[n++] = INSN(0x25, 5, 0, 8, pick(200));          /* if buf[5] > k goto +8 (the diamond) */
		p[n++] = INSN(0xb7, x, 0, 0, safe);
		for (int j = 0; j < 6; j++)
			p[n++] = INSN(0x07, 8, 0, 0, 1);
		int to_j2 = n;
		p[n++] = INSN(0x05, 0, 0, 0, 0);                  /* goto J2 (patched) */
		join_on_data(p, &n, INSN(0xb7, x, 0, 0, safe), INSN(0xb7, x, 0, 0, other));
		p[to_j2].off = (int16_t)(n - (to_j2 + 1));
		for (int j = 0; j < 8; j++) /* J2 */
			p[n++] = INSN(0x07, 8, 0, 0, 1);
		break;
	}
	case 0: /* a stack slot set on both sides, filled, used as an offset */
		join_on_data(p, &n, INSN(0x7a, 10, 0, so, safe), INSN(0x7a, 10, 0, so, other));
		filler(p, &n, pick(3));
		p[n++] = INSN(0x79, x, 10, so, 0);
		break;
	case 1: /* y on both sides; x = c + y; y cleared */
		join_on_data(p, &n, INSN(0xb7, y, 0, 0, safe / 2), INSN(0xb7, y, 0, 0, other - (safe - safe / 2)));
		filler(p, &n, pick(3));
		p[n++] = INSN(0xb7, x, 0, 0, safe - safe / 2);
		p[n++] = INSN(0x0f, x, y, 0, 0);
		p[n++] = INSN(0xb7, y, 0, 0, 0);
		break;
	case 2: /* x spilled on both sides, a register clobbered between */
		join_on_data(p, &n, INSN(0xb7, x, 0, 0, safe), INSN(0xb7, x, 0, 0, other));
		p[n++] = INSN(0x7b, 10, x, so, 0);
		p[n++] = INSN(0xb7, x, 0, 0, 0);
		filler(p, &n, pick(3));
		p[n++] = INSN(0x79, x, 10, so, 0);
		break;
	case 3: { /* a branch on x decided for each value skips an unsafe read */
		int32_t k = 8 + pick(16);
		join_on_data(p, &n, INSN(0xb7, x, 0, 0, k + 1 + pick(8)), INSN(0xb7, x, 0, 0, bad ? k - pick(8) : k + 1));
		filler(p, &n, pick(3));
		p[n++] = INSN(0x25, x, 0, 1, k);                  /* if x > k goto +1 */
		p[n++] = INSN(0x71, 5, 6, (int16_t)(32 + pick(12)), 0);
		p[n++] = INSN(0xb7, x, 0, 0, 0);
		break;
	}
	default: /* x a data byte; y its copy on one side, a constant on the
		  * other; a bound on y; x used */
		p[n++] = INSN(0x71, x, 6, 4, 0);
		p[n++] = INSN(0xbf, 5, x, 0, 0);                  /* an identity on both sides */
		join_on_data(p, &n, INSN(0xbf, y, x, 0, 0), INSN(0xb7, y, 0, 0, bad ? pick(8) : 40));
		filler(p, &n, pick(3));
		p[n++] = INSN(0x25, y, 0, 3, 31);                 /* if y > 31 goto +3 */
		break;
	}
	/* x used as a buffer offset: 32 bytes are proven */
	p[n++] = INSN(0xbf, 5, 6, 0, 0);
	p[n++] = INSN(0x0f, 5, x, 0, 0);
	p[n++] = INSN(0x71, 5, 5, 0, 0);
	filler(p, &n, pick(3));
	p[n++] = INSN(0xb7, 0, 0, 0, 0);
	p[n++] = INSN(0x95, 0, 0, 0, 0);
	p[exit_jump].off = (int16_t)(n - 1 - (exit_jump + 1));
	return n;
}

/* Chaos: rows of the opcode table with random fields (selectors set), a
 * random register state, an exit at the end. Most do not validate or are
 * rejected; none may crash the verifier, and accepted ones must run clean. */
static int make_chaos_prog(struct bpfx_insn *p)
{
	int n = 0, len = 2 + pick(24);
	while (n < len) {
		const struct bpfx_op_desc *o = &bpfx_op_table[pick(BPFX_OP__COUNT)];
		struct bpfx_insn x = {.code = o->code};
		x.dst = (uint8_t)(pick(3) ? pick(10) : pick(11));
		x.src = (uint8_t)(pick(3) ? pick(10) : pick(11));
		x.off = (int16_t)(pick(2) ? pick(16) - 8 : -8 * pick(64));
		x.imm = pick(2) ? pick(64) - 8 : (int32_t)rnd();
		if (o->src == BPFX_USE_SEL)
			x.src = (uint8_t)o->selv;
		if (o->off == BPFX_USE_SEL)
			x.off = (int16_t)o->selv;
		if (o->imm == BPFX_USE_SEL)
			x.imm = o->selv;
		if (o->dst == BPFX_USE_ZERO)
			x.dst = 0;
		if (o->src == BPFX_USE_ZERO)
			x.src = 0;
		if (o->off == BPFX_USE_ZERO)
			x.off = 0;
		if (o->imm == BPFX_USE_ZERO)
			x.imm = 0;
		if (o->off == BPFX_USE_JMP || o->imm == BPFX_USE_JMP || o->imm == BPFX_USE_CALL) {
			int16_t rel = (int16_t)pick(len + 2 - n) - (pick(4) == 0 ? n : 0);
			if (o->off == BPFX_USE_JMP)
				x.off = rel;
			else
				x.imm = rel;
		}
		p[n++] = x;
		if (o->fmt == BPFX_FMT_LDDW)
			p[n++] = (struct bpfx_insn){.imm = pick(2) ? 0 : (int32_t)rnd()};
	}
	p[n++] = INSN(0xb7, 0, 0, 0, 0);
	p[n++] = INSN(0x95, 0, 0, 0, 0);
	return n;
}

int main(void)
{
	bpfx_platform *plat = NULL;
	bpfx_vm *vm = NULL;
	struct bpfx_vm_opts vmo = {.sz = sizeof(vmo)};
	CHECK(bpfx_platform_bundled("generic", &plat) == 0);
	CHECK(bpfx_vm_create(&vmo, &vm) == 0);
	if (!plat || !vm)
		return check_summary("test_verifier_fuzz");
	static const size_t lens[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 20, 23, 24, 28, 31, 32, 40};
	long accepted = 0, rejected = 0, runs = 0, unsound = 0, bad_insn = 0, loops_accepted = 0, prec_accepted = 0,
	     prec_rejected = 0;
	uint8_t buf[64];
	const long iters = check_scale(12000); /* BPFX_TEST_QUICK: 1/50 */
	for (long it = 0; it < iters; it++) {
		struct bpfx_insn p[MAXN + 8];
		int loop = it % 4 == 1, chaos = it % 4 == 2, prec = it % 4 == 3;
		int n = prec ? (it % 8 == 3 ? make_prec_prog(p) : make_scenario_prog(p))
			: chaos ? make_chaos_prog(p) : loop ? make_loop_prog(p) : make_prog(p);
		struct bpfx_verify_opts vo = {.sz = sizeof(vo), .max_insns = 200000};
		struct bpfx_report *r = NULL;
		int err = bpfx_verify(plat, p, (size_t)n, &vo, &r);
		if (err == BPFX_E_BAD_INSN) {
			bad_insn++;
			bpfx_report_free(r);
			continue;
		}
		if (err) {
			rejected++;
			prec_rejected += prec;
			if (getenv("FUZZ_HIST") && r)
				fprintf(stderr, "%s\n", r->rule);
			bpfx_report_free(r);
			continue;
		}
		bpfx_report_free(r);
		accepted++;
		loops_accepted += loop;
		prec_accepted += prec;
		bpfx_prog *prog = NULL;
		struct bpfx_load_opts lo = {.sz = sizeof(lo)};
		if (bpfx_prog_load(vm, p, (size_t)n, &lo, &prog)) {
			CHECK(0);
			continue;
		}
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			for (size_t b = 0; b < sizeof(buf); b++)
				buf[b] = (uint8_t)rnd();
			/* the buffer ends exactly at lens[k]: copy to the end of a heap block */
			uint8_t *heap = malloc(lens[k] ? lens[k] : 1);
			memcpy(heap, buf, lens[k]);
			struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = BPFX_ENGINE_CHECKED, .ctx = heap,
						   .ctx_len = lens[k]};
			struct bpfx_run_result res;
			int rs = bpfx_prog_run(prog, &ro, &res);
			runs++;
			if (rs != 0) {
				if (unsound++ < 3) {
					char *text = NULL;
					struct bpfx_disasm_opts dop = {.sz = sizeof(dop), .flags = BPFX_DISASM_INDEX};
					bpfx_disasm(p, (size_t)n, &dop, &text);
					fprintf(stderr, "accepted program failed at run time (%s at insn %zu, len %zu):\n%s\n",
						bpfx_status_name(rs), res.insn, lens[k], text ? text : "");
					bpfx_free(text);
				}
			}
			free(heap);
		}
		bpfx_prog_destroy(prog);
	}
	printf("fuzz: %ld accepted (%ld with loops, %ld precision programs; %ld runs), %ld rejected (%ld precision "
	       "programs), %ld invalid\n",
	       accepted, loops_accepted, prec_accepted, runs, rejected, prec_rejected, bad_insn);
	CHECK(loops_accepted > iters / 40);
	CHECK(prec_accepted > iters / 40);
	CHECK(prec_rejected > iters / 40);
	CHECK(bad_insn > iters / 120);
	CHECK(unsound == 0);
	CHECK(accepted > iters / 12);
	CHECK(rejected > iters / 12);
	bpfx_vm_destroy(vm);
	bpfx_platform_destroy(plat);
	return check_summary("test_verifier_fuzz");
}
