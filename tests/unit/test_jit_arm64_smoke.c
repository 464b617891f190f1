/* SPDX-License-Identifier: MIT */
/*
 * test_jit_arm64_smoke.c - arm64-specific checks of the JIT (runs under
 * qemu-user in the cross build; skipped elsewhere): the branch layout (b.cond
 * reaches +-1 MiB, farther targets take b.!cond over b), the image starts
 * with the trampoline, RFC 9669 corner cases of division, modulo and shifts
 * that the A64 instructions handle by themselves, and the LSE atomics.
 * test_jit.c holds the differential tests common to all backends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "isa/validate.h"
#include "jit/jit.h"

#if defined(__aarch64__)

static const struct bpfx_diag diag = {NULL, NULL};

struct prog {
	int16_t *ops;
	struct bpfx_jit_prog *jit;
};

static int load(struct prog *p, const struct bpfx_insn *insns, size_t n, uint32_t flags)
{
	struct bpfx_jit_env env = {.flags = flags};
	p->jit = NULL;
	p->ops = calloc(n, sizeof(int16_t));
	if (!p->ops || bpfx_validate_program(&diag, insns, n, BPFX_GROUPS_ALL, p->ops))
		return -1;
	return bpfx_jit_compile(&diag, insns, n, p->ops, &env, &p->jit);
}

static void unload(struct prog *p)
{
	bpfx_jit_free(p->jit);
	free(p->ops);
}

static const int no_cancel;

static uint64_t run(struct prog *p, void *ctx, int32_t *status)
{
	struct bpfx_jit_run r;
	memset(&r, 0, sizeof(r));
	r.budget = 1000000;
	r.cancel = &no_cancel;
	uint64_t v = bpfx_jit_enter(p->jit, ctx, 0, &r);
	*status = r.status;
	return v;
}

#define INSN(c, d, s, o, i) ((struct bpfx_insn){.code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i)})

static void test_layout(void)
{
	/* 0: r0 = 0; 1: jne r0, 0, +1; 2: gotol +far; far x "r0 += 1";
	 * r0 += 7; exit. The gotol is one b (+-128 MiB). */
	size_t far = 140000, n = far + 5;
	struct bpfx_insn *q = calloc(n, sizeof(*q));
	q[0] = INSN(0xb7, 0, 0, 0, 0);
	q[1] = INSN(0x55, 0, 0, 1, 0);
	q[2] = INSN(0x06, 0, 0, 0, (int32_t)far);
	for (size_t k = 0; k < far; k++)
		q[3 + k] = INSN(0x07, 0, 0, 0, 1);
	q[far + 3] = INSN(0x07, 0, 0, 0, 7);
	q[far + 4] = INSN(0x95, 0, 0, 0, 0);
	struct prog pr;
	int32_t st;
	CHECK(load(&pr, q, n, 0) == 0);
	CHECK_EQ_U64(run(&pr, NULL, &st), 7);
	CHECK_EQ_U64(st, 0);
	/* near jne: movz x16, #0; cmp x7, x16; b.ne = 12 bytes */
	CHECK_EQ_U64(bpfx_jit_insn_offset(pr.jit, 2) - bpfx_jit_insn_offset(pr.jit, 1), 12);
	unload(&pr);

	/* BPFX_JIT_FORCE_NEAR makes every b.cond the long form (b.!cond +8; b) */
	CHECK(load(&pr, q, n, BPFX_JIT_FORCE_NEAR) == 0);
	CHECK_EQ_U64(bpfx_jit_insn_offset(pr.jit, 2) - bpfx_jit_insn_offset(pr.jit, 1), 16);
	CHECK_EQ_U64(run(&pr, NULL, &st), 7);
	/* the image starts with the trampoline: stp x29, x30, [sp, #-80]! */
	size_t sz;
	const uint8_t *code = bpfx_jit_code(pr.jit, &sz);
	uint32_t w0;
	memcpy(&w0, code, 4);
	CHECK(sz > 0 && w0 == 0xa9bb7bfdu);
	unload(&pr);
	free(q);

	/* A conditional branch beyond b.cond's 1 MiB within a 16-bit offset:
	 * 30000 ldindw (about 40 bytes of code each) between jeq and its target. */
	size_t m = 30000;
	struct bpfx_insn *b = calloc(m + 4, sizeof(*b));
	b[0] = INSN(0xb7, 0, 0, 0, 0);
	b[1] = INSN(0x15, 0, 0, (int16_t)m, 0);     /* jeq r0, 0, +m */
	for (size_t k = 0; k < m; k++)
		b[2 + k] = INSN(0x40, 0, 1, 0, 0);  /* ldindw r1 + 0 (not run) */
	b[m + 2] = INSN(0xb7, 0, 0, 0, 5);
	b[m + 3] = INSN(0x95, 0, 0, 0, 0);
	CHECK(load(&pr, b, m + 4, 0) == 0);
	CHECK(bpfx_jit_insn_offset(pr.jit, m + 2) - bpfx_jit_insn_offset(pr.jit, 2) > (1u << 20));
	CHECK_EQ_U64(bpfx_jit_insn_offset(pr.jit, 2) - bpfx_jit_insn_offset(pr.jit, 1), 16);
	CHECK_EQ_U64(run(&pr, NULL, &st), 5);
	CHECK_EQ_U64(st, 0);
	unload(&pr);
	free(b);
}

/* r0 = a <op> b through registers (x = 1) or with b as imm */
static uint64_t alu(uint8_t code, int16_t off, uint64_t a, int32_t bimm, uint64_t b, int32_t *st)
{
	bool x = (code & 8) && (code & 0xf0) != 0xd0; /* (0xdc is be, not an X form) */
	struct bpfx_insn p[] = {
		INSN(0x18, 0, 0, 0, (int32_t)(uint32_t)a), INSN(0, 0, 0, 0, (int32_t)(uint32_t)(a >> 32)),
		INSN(0x18, 1, 0, 0, (int32_t)(uint32_t)b), INSN(0, 0, 0, 0, (int32_t)(uint32_t)(b >> 32)),
		INSN(code, 0, x ? 1 : 0, off, x ? 0 : bimm),
		INSN(0x95, 0, 0, 0, 0),
	};
	struct prog pr;
	uint64_t v = 0xdead;
	if (load(&pr, p, 6, 0) == 0)
		v = run(&pr, NULL, st);
	else
		*st = -1;
	unload(&pr);
	return v;
}

static void test_alu_corners(void)
{
	int32_t st;
	const uint64_t big = 0x8000000000000000ull;
	CHECK_EQ_U64(alu(0x3f, 0, 77, 0, 0, &st), 0);              /* div by 0 -> 0 */
	CHECK_EQ_U64(alu(0x9f, 0, 77, 0, 0, &st), 77);             /* mod by 0 -> dst */
	CHECK_EQ_U64(alu(0x9c, 0, 0xffffffff00000005ull, 0, 0, &st), 5); /* mod32 by 0: zext */
	CHECK_EQ_U64(alu(0x3f, 1, big, 0, (uint64_t)-1, &st), big); /* sdiv INT_MIN / -1 */
	CHECK_EQ_U64(alu(0x9f, 1, big, 0, (uint64_t)-1, &st), 0);   /* smod INT_MIN % -1 */
	CHECK_EQ_U64(alu(0x3c, 1, 0x80000000u, 0, 0xffffffffu, &st), 0x80000000u); /* sdiv32 */
	CHECK_EQ_U64(alu(0x9c, 1, (uint64_t)-7, 0, 2, &st), 0xffffffffu); /* smod32 -7 % 2 = -1 */
	CHECK_EQ_U64(alu(0x97, 1, (uint64_t)-7, -2, 0, &st), (uint64_t)-1);  /* smod -7 % -2 */
	CHECK_EQ_U64(alu(0x37, 0, 100, -1, 0, &st), 0);              /* div by imm -1 (as u64 max) */
	CHECK_EQ_U64(alu(0x6c, 0, 1, 0, 33, &st), 2);                /* lsh32 by 33 masks to 1 */
	CHECK_EQ_U64(alu(0x6f, 0, 1, 0, 65, &st), 2);                /* lsh64 by 65 masks to 1 */
	CHECK_EQ_U64(alu(0xcc, 0, 0x80000000u, 0, 31, &st), 0xffffffffu); /* arsh32 */
	CHECK_EQ_U64(alu(0xc7, 0, big, 63, 0, &st), (uint64_t)-1);  /* arsh64 imm */
	CHECK_EQ_U64(alu(0x64, 0, 0xffffffffffffffffull, 0, 0, &st), 0xffffffffu); /* lsh32 0: zext */
	CHECK_EQ_U64(alu(0x04, 0, 0xffffffffu, 1, 0, &st), 0);       /* add32 wraps, zext */
	CHECK_EQ_U64(alu(0xb4, 0, 5, -1, 0, &st), 0xffffffffu);      /* mov32 -1 */
	CHECK_EQ_U64(alu(0xb7, 0, 5, -1, 0, &st), (uint64_t)-1);     /* mov64 -1 */
	CHECK_EQ_U64(alu(0xdc, 0, 0x1122334455667788ull, 16, 0, &st), 0x8877);  /* be16 */
	CHECK_EQ_U64(alu(0xdc, 0, 0x1122334455667788ull, 32, 0, &st), 0x88776655u); /* be32 */
	CHECK_EQ_U64(alu(0xd4, 0, 0x1122334455667788ull, 16, 0, &st), 0x7788);  /* le16 */
	CHECK_EQ_U64(st, 0);
}

static void test_atomics(void)
{
	uint64_t mem[2] = {0xf0f0, 0};
	/* r1 = ctx; r2 = 0x0ff0; fetch_and [r1], r2; r0 = r2 + [r1]*0 ... */
	struct bpfx_insn p[] = {
		INSN(0xb7, 2, 0, 0, 0x0ff0),
		INSN(0xdb, 1, 2, 0, 0x51),   /* r2 = atomic_fetch_and([r1], r2) */
		INSN(0xbf, 0, 2, 0, 0),      /* r0 = r2 (old value) */
		INSN(0xb7, 3, 0, 0, 1),
		INSN(0xdb, 1, 3, 8, 0x00),   /* [r1+8] += 1 */
		INSN(0xb7, 4, 0, 0, 0xaa),
		INSN(0xc3, 1, 4, 8, 0xe1),   /* r4 = xchg32([r1+8], r4) */
		INSN(0x0f, 0, 4, 0, 0),      /* r0 += r4 (1) */
		INSN(0x95, 0, 0, 0, 0),
	};
	struct prog pr;
	int32_t st;
	CHECK(load(&pr, p, 9, 0) == 0);
	CHECK_EQ_U64(run(&pr, mem, &st), 0xf0f0 + 1);
	CHECK_EQ_U64(mem[0], 0x00f0);
	CHECK_EQ_U64(mem[1], 0xaa);
	unload(&pr);
	/* cmpxchg: r0 holds the expected value and gets the old one */
	uint64_t m2 = 5;
	struct bpfx_insn c[] = {
		INSN(0xb7, 0, 0, 0, 5), INSN(0xb7, 2, 0, 0, 9),
		INSN(0xdb, 1, 2, 0, 0xf1),   /* cmpxchg: 5 == 5 -> store 9, r0 = 5 */
		INSN(0xdb, 1, 2, 0, 0xf1),   /* 5 != 9 -> r0 = 9 */
		INSN(0x95, 0, 0, 0, 0),
	};
	CHECK(load(&pr, c, 5, 0) == 0);
	CHECK_EQ_U64(run(&pr, &m2, &st), 9);
	CHECK_EQ_U64(m2, 9);
	unload(&pr);
}

int main(void)
{
	test_layout();
	test_alu_corners();
	test_atomics();
	return check_summary("test_jit_arm64_smoke");
}

#else

int main(void)
{
	printf("test_jit_arm64_smoke: skipped (not an arm64 build)\n");
	return 77;
}

#endif
