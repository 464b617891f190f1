/* SPDX-License-Identifier: MIT */
/*
 * test_validate.c - the negative table of load-time validation, generated
 * from the opcode table: for every row, a well-formed instance is accepted,
 * and each way of breaking it (an unused field set, a register out of range,
 * r10 written, its group not claimed) is refused with the right status and a
 * message naming the instruction. Every opcode byte and selector value with
 * no row is refused, and so are bad control flow and truncated lddw.
 */
#include <limits.h>
#include <stdlib.h>

#include "check.h"
#include "isa/isa_internal.h"

/* The instruction under test sits at this index, after `mov r0, 0` slots,
 * so that messages must name the right index. */
#define AT 2

struct logcap {
	char text[2048];
};

static void capture(void *user, enum bpfx_log_level level, const char *msg)
{
	struct logcap *c = user;
	(void)level;
	snprintf(c->text, sizeof(c->text), "%s", msg);
}

static int validate(const struct bpfx_insn *insns, size_t n, uint32_t groups, struct logcap *cap)
{
	struct bpfx_validate_opts o = {.sz = sizeof(o), .groups = groups, .log = capture, .log_user = cap};
	cap->text[0] = 0;
	return bpfx_validate(insns, n, &o);
}

static const struct bpfx_insn MOV0 = {.code = 0xb7};
static const struct bpfx_insn EXIT = {.code = 0x95};

/* A program [mov r0,0] x AT, the instance of `op`, (second lddw slot), exit.
 * Returns the slot count. */
static size_t build(enum bpfx_op op, struct bpfx_insn *p)
{
	const struct bpfx_op_desc *d = &bpfx_op_table[op];
	size_t n = 0;
	for (int i = 0; i < AT; i++)
		p[n++] = MOV0;
	struct bpfx_insn x = {.code = d->code};
	if (d->dst != BPFX_USE_ZERO)
		x.dst = 1;
	if (d->src == BPFX_USE_SEL)
		x.src = (uint8_t)d->selv;
	else if (d->src != BPFX_USE_ZERO)
		x.src = 2;
	if (d->off == BPFX_USE_SEL)
		x.off = (int16_t)d->selv;
	if (d->imm == BPFX_USE_SEL)
		x.imm = d->selv;
	else if (d->imm == BPFX_USE_ASCAST)
		x.imm = 1;
	else if (d->imm == BPFX_USE_CALL && d->fmt == BPFX_FMT_LDDW)
		x.imm = 1; /* code address: skip the second slot, land on exit */
	p[n++] = x;
	if (d->fmt == BPFX_FMT_LDDW)
		p[n++] = (struct bpfx_insn){0};
	p[n++] = EXIT;
	return n;
}

static int row_has_code(int code)
{
	for (int k = 0; k < BPFX_OP__COUNT; k++)
		if (bpfx_op_table[k].code == code)
			return 1;
	return 0;
}

/* Does some row of this code accept selector value v? */
static int selector_known(int code, int v)
{
	for (int k = 0; k < BPFX_OP__COUNT; k++)
		if (bpfx_op_table[k].code == code && bpfx_op_table[k].selv == v)
			return 1;
	return 0;
}

/* Groups that include `g` (claiming them would bring g back). */
static uint32_t includers(uint32_t g)
{
	uint32_t r = g;
	for (uint32_t b = 1; b && b <= BPFX_GROUPS_ALL; b <<= 1)
		if (bpfx_groups_close(b) & g)
			r |= b;
	return r;
}

static void expect_bad(const struct bpfx_insn *p, size_t n, int status, const char *what, const char *extra,
		       const char *row)
{
	struct logcap cap;
	int err = validate(p, n, 0, &cap);
	CHECK_EQ_U64((int64_t)err, (int64_t)status);
	if (err != status)
		fprintf(stderr, "  (%s: %s; log: %s)\n", row, what, cap.text);
	if (extra)
		CHECK_STR_CONTAINS(cap.text, extra);
}

static void test_rows(void)
{
	struct bpfx_insn p[8];
	char idx[16];
	snprintf(idx, sizeof(idx), "insn %d", AT);

	for (int op = 0; op < BPFX_OP__COUNT; op++) {
		const struct bpfx_op_desc *d = &bpfx_op_table[op];
		struct logcap cap;
		size_t n = build((enum bpfx_op)op, p);

		/* The well-formed instance is accepted. */
		int err = validate(p, n, BPFX_GROUPS_ALL, &cap);
		CHECK_EQ_U64((int64_t)err, 0);
		if (err)
			fprintf(stderr, "  row %s refused in its valid form: %s\n", d->id, cap.text);

		/* Each unused field set non-zero. */
		struct bpfx_insn *x = &p[AT];
		struct bpfx_insn keep = *x;
		if (d->dst == BPFX_USE_ZERO) {
			x->dst = 3;
			expect_bad(p, n, BPFX_E_BAD_INSN, "dst set", idx, d->id);
			*x = keep;
		}
		if (d->src == BPFX_USE_ZERO) {
			x->src = 3;
			expect_bad(p, n, BPFX_E_BAD_INSN, "src set", idx, d->id);
			*x = keep;
		}
		if (d->off == BPFX_USE_ZERO) {
			x->off = 1;
			expect_bad(p, n, BPFX_E_BAD_INSN, "off set", idx, d->id);
			x->off = -1;
			expect_bad(p, n, BPFX_E_BAD_INSN, "off set", idx, d->id);
			*x = keep;
		}
		if (d->imm == BPFX_USE_ZERO) {
			x->imm = 1;
			expect_bad(p, n, BPFX_E_BAD_INSN, "imm set", idx, d->id);
			x->imm = INT_MIN;
			expect_bad(p, n, BPFX_E_BAD_INSN, "imm set", idx, d->id);
			*x = keep;
		}
		if (d->imm == BPFX_USE_ASCAST) {
			for (int v = 0; v < 4; v++) {
				x->imm = v == 0 ? 0 : v == 1 ? 2 : v == 2 ? 0x10001 : -1;
				expect_bad(p, n, BPFX_E_BAD_INSN, "addr_space_cast imm", idx, d->id);
			}
			*x = keep;
		}

		/* Registers that do not exist, and writes to r10. */
		if (d->dst != BPFX_USE_ZERO && d->dst != BPFX_USE_SEL) {
			for (int r = 11; r < 16; r++) {
				x->dst = (uint8_t)r;
				expect_bad(p, n, BPFX_E_BAD_INSN, "dst >= 11", idx, d->id);
			}
			x->dst = 10;
			if (d->dst == BPFX_USE_WRITE || d->dst == BPFX_USE_RW)
				expect_bad(p, n, BPFX_E_BAD_INSN, "writes r10", "r10", d->id);
			else if (d->fmt != BPFX_FMT_GOTOX && d->fmt != BPFX_FMT_CALLX)
				CHECK_EQ_U64(validate(p, n, 0, &cap), 0); /* reading r10 is fine */
			*x = keep;
		}
		if (d->src != BPFX_USE_ZERO && d->src != BPFX_USE_SEL) {
			for (int r = 11; r < 16; r++) {
				x->src = (uint8_t)r;
				expect_bad(p, n, BPFX_E_BAD_INSN, "src >= 11", idx, d->id);
			}
			x->src = 10;
			if (d->src == BPFX_USE_WRITE || d->src == BPFX_USE_RW)
				expect_bad(p, n, BPFX_E_BAD_INSN, "src writes r10", "r10", d->id);
			*x = keep;
		}

		/* Its group not claimed: BPFX_E_GROUP naming the group. The row goes
		 * first here, as the mov before it needs base64 and base32. */
		struct bpfx_insn *q = p + AT;
		size_t qn = n - AT;
		uint32_t claim = BPFX_GROUPS_ALL & ~includers(d->group);
		err = validate(q, qn, claim, &cap);
		CHECK_EQ_U64((int64_t)err, (int64_t)BPFX_E_GROUP);
		if (err != BPFX_E_GROUP)
			fprintf(stderr, "  row %s accepted without group %s\n", d->id, bpfx_group_name(d->group));
		CHECK_STR_CONTAINS(cap.text, bpfx_group_name(d->group));
		CHECK_STR_CONTAINS(cap.text, "insn 0");
		/* ... and accepted when only its group (plus base32 for exit) is claimed. */
		err = validate(q, qn, d->group | BPFX_GROUP_BASE32, &cap);
		CHECK_EQ_U64((int64_t)err, 0);
		if (err)
			fprintf(stderr, "  row %s refused with only its group: %s\n", d->id, cap.text);
	}
}

static void test_unknown_codes(void)
{
	struct bpfx_insn p[4] = {MOV0, MOV0, {0}, EXIT};
	struct logcap cap;
	int refused = 0;
	for (int code = 0; code < 256; code++) {
		if (row_has_code(code))
			continue;
		p[AT] = (struct bpfx_insn){.code = (uint8_t)code};
		int err = validate(p, 4, 0, &cap);
		CHECK_EQ_U64((int64_t)err, (int64_t)BPFX_E_BAD_INSN);
		CHECK_STR_CONTAINS(cap.text, "insn 2");
		refused += err == BPFX_E_BAD_INSN;
	}
	/* Sanity: the table does leave most bytes unused. */
	CHECK(refused > 100);
}

static void test_unknown_selectors(void)
{
	struct bpfx_insn p[8];
	struct logcap cap;
	unsigned char done[256] = {0};
	static const int probes[] = {-32768, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33,
				     48, 63, 64, 65, 128, 0x10, 0x11, 0x20, 0x30, 0x40, 0x41, 0x42, 0x50,
				     0x51, 0x60, 0x80, 0xa0, 0xa1, 0xe0, 0xe1, 0xf0, 0xf1, 0xff, 0x100,
				     0x101, 0x110, 0x111, 0x120, 32767, INT_MAX, INT_MIN};
	for (int op = 0; op < BPFX_OP__COUNT; op++) {
		const struct bpfx_op_desc *d = &bpfx_op_table[op];
		int field = d->src == BPFX_USE_SEL ? 1 : d->off == BPFX_USE_SEL ? 2 : d->imm == BPFX_USE_SEL ? 3 : 0;
		if (!field || done[d->code])
			continue; /* test each opcode byte once, from its first row */
		done[d->code] = 1;
		size_t n = build((enum bpfx_op)op, p);
		for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
			int v = probes[k];
			if (field == 1 && (v < 0 || v > 15))
				continue;
			if (field == 2 && (v < -32768 || v > 32767))
				continue;
			if (selector_known(d->code, v))
				continue;
			struct bpfx_insn x = p[AT];
			if (field == 1)
				p[AT].src = (uint8_t)v;
			else if (field == 2)
				p[AT].off = (int16_t)v;
			else
				p[AT].imm = v;
			int err = validate(p, n, 0, &cap);
			CHECK_EQ_U64((int64_t)err, (int64_t)BPFX_E_BAD_INSN);
			if (err != BPFX_E_BAD_INSN)
				fprintf(stderr, "  code 0x%02x accepted selector %d\n", d->code, v);
			CHECK_STR_CONTAINS(cap.text, "insn 2");
			p[AT] = x;
		}
	}
}

static void test_control_flow(void)
{
	struct logcap cap;
	/* ja out of range, forward and backward */
	struct bpfx_insn fwd[3] = {MOV0, {.code = 0x05, .off = 5}, EXIT};
	CHECK_EQ_U64((int64_t)validate(fwd, 3, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	CHECK_STR_CONTAINS(cap.text, "insn 1");
	CHECK_STR_CONTAINS(cap.text, "outside");
	struct bpfx_insn back[3] = {MOV0, {.code = 0x15, .dst = 0, .off = -3}, EXIT};
	CHECK_EQ_U64((int64_t)validate(back, 3, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	CHECK_STR_CONTAINS(cap.text, "insn 1");
	/* a jump to exactly past the end */
	struct bpfx_insn past[3] = {MOV0, {.code = 0x05, .off = 1}, EXIT};
	CHECK_EQ_U64((int64_t)validate(past, 3, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	/* ja32 (imm offset) out of range */
	struct bpfx_insn ja32[3] = {MOV0, {.code = 0x06, .imm = -100}, EXIT};
	CHECK_EQ_U64((int64_t)validate(ja32, 3, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	CHECK_STR_CONTAINS(cap.text, "insn 1");
	/* into the second half of an lddw */
	struct bpfx_insn mid[5] = {{.code = 0x05, .off = 2}, MOV0, {.code = 0x18, .imm = 1}, {0}, EXIT};
	CHECK_EQ_U64((int64_t)validate(mid, 5, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	CHECK_STR_CONTAINS(cap.text, "insn 0");
	CHECK_STR_CONTAINS(cap.text, "lddw");
	/* a local call into an lddw's second half, and outside */
	struct bpfx_insn call[5] = {{.code = 0x85, .src = 1, .imm = 2}, EXIT, {.code = 0x18}, {0}, EXIT};
	CHECK_EQ_U64((int64_t)validate(call, 5, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	CHECK_STR_CONTAINS(cap.text, "insn 0");
	call[0].imm = 1;
	CHECK_EQ_U64((int64_t)validate(call, 5, 0, &cap), 0);
	call[0].imm = 4;
	CHECK_EQ_U64((int64_t)validate(call, 5, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	call[0].imm = -2;
	CHECK_EQ_U64((int64_t)validate(call, 5, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	/* falling off the end */
	struct bpfx_insn fall[2] = {MOV0, MOV0};
	CHECK_EQ_U64((int64_t)validate(fall, 2, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	CHECK_STR_CONTAINS(cap.text, "insn 1");
	CHECK_STR_CONTAINS(cap.text, "fall off");
	struct bpfx_insn cond_last[2] = {MOV0, {.code = 0x15, .off = -2}};
	CHECK_EQ_U64((int64_t)validate(cond_last, 2, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	/* ending with a complete lddw also falls off */
	struct bpfx_insn lddw_last[3] = {MOV0, {.code = 0x18, .imm = 1}, {0}};
	CHECK_EQ_U64((int64_t)validate(lddw_last, 3, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	CHECK_STR_CONTAINS(cap.text, "insn 1");
	/* a truncated lddw */
	struct bpfx_insn trunc[2] = {EXIT, {.code = 0x18, .imm = 1}};
	CHECK_EQ_U64((int64_t)validate(trunc, 2, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	CHECK_STR_CONTAINS(cap.text, "insn 1");
	CHECK_STR_CONTAINS(cap.text, "second slot");
	/* a second slot with a non-zero code, dst, src or off */
	for (int f = 0; f < 4; f++) {
		struct bpfx_insn bad2[4] = {MOV0, {.code = 0x18, .dst = 1}, {0}, EXIT};
		if (f == 0)
			bad2[2].code = 0x95;
		else if (f == 1)
			bad2[2].dst = 1;
		else if (f == 2)
			bad2[2].src = 1;
		else
			bad2[2].off = 1;
		CHECK_EQ_U64((int64_t)validate(bad2, 4, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
		CHECK_STR_CONTAINS(cap.text, "insn 1");
	}
	/* next_imm only for src 0, 2 and 6 */
	for (int src = 0; src <= 6; src++) {
		struct bpfx_insn l[4] = {MOV0, {.code = 0x18, .dst = 1, .src = (uint8_t)src, .imm = 1}, {.imm = 8}, EXIT};
		int want = (src == 0 || src == 2 || src == 6) ? 0 : BPFX_E_BAD_INSN;
		CHECK_EQ_U64((int64_t)validate(l, 4, 0, &cap), (int64_t)want);
	}
	/* an empty program */
	CHECK_EQ_U64((int64_t)validate(fall, 0, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	CHECK_EQ_U64((int64_t)validate(NULL, 0, 0, &cap), (int64_t)BPFX_E_BAD_INSN);
	/* the smallest valid programs */
	CHECK_EQ_U64((int64_t)validate(&EXIT, 1, 0, &cap), 0);
	struct bpfx_insn loop[1] = {{.code = 0x05, .off = -1}};
	CHECK_EQ_U64((int64_t)validate(loop, 1, 0, &cap), 0);
}

/* bpfx_leaf_functions on `n` slots (ops decoded here); leaf[] out */
static void leaves(const struct bpfx_insn *x, size_t n, uint8_t *leaf)
{
	int16_t ops[16];
	for (size_t i = 0; i < n; i++) {
		bool second = i > 0 && x[i - 1].code == 0x18 && ops[i - 1] >= 0;
		ops[i] = second ? -1 : (int16_t)bpfx_op_decode(&x[i]);
	}
	CHECK_EQ_U64(bpfx_leaf_functions(x, ops, n, leaf), 0);
}

/* Leaf functions (whose local calls are no budget events). */
static void test_leaves(void)
{
	const struct bpfx_insn CALLF = {.code = 0x85, .src = 1}, HELPER = {.code = 0x85, .imm = 1};
	uint8_t leaf[16];
	/* 0: main calls f (3) and g (7); f loops (a back edge inside), g calls a helper */
	struct bpfx_insn p[10] = {CALLF, CALLF, EXIT, MOV0, {.code = 0x15, .off = -2}, MOV0, EXIT, HELPER, MOV0, EXIT};
	p[0].imm = 2;
	p[1].imm = 5;
	leaves(p, 10, leaf);
	CHECK(!leaf[0]); /* main makes calls */
	CHECK(leaf[3]);  /* f: a loop, no call */
	CHECK(!leaf[7]); /* g: a helper call */
	CHECK(!leaf[1] && !leaf[4]); /* (only entries) */
	/* f jumping out of itself (into g) is no leaf; nor one falling into g */
	p[4].off = 3;
	leaves(p, 10, leaf);
	CHECK(!leaf[3]);
	p[4].off = -2;
	p[6] = MOV0;
	leaves(p, 10, leaf);
	CHECK(!leaf[3]);
	p[6] = (struct bpfx_insn){.code = 0x05, .off = -3}; /* ends in a jump back inside */
	leaves(p, 10, leaf);
	CHECK(leaf[3]);
	/* gotox makes no leaf; a function ending in an lddw falls through */
	struct bpfx_insn q[7] = {CALLF, EXIT, {.code = 0x0d, .dst = 1}, EXIT, CALLF, EXIT, EXIT};
	q[0].imm = 1;
	q[4].imm = 1;
	leaves(q, 7, leaf);
	CHECK(!leaf[2]);
	CHECK(leaf[6]);
	struct bpfx_insn r[6] = {CALLF, EXIT, MOV0, {.code = 0x18, .imm = 1}, {0}, EXIT};
	r[0].imm = 1;
	leaves(r, 5, leaf); /* (cut before the exit: f = 2..4 ends in the lddw) */
	CHECK(!leaf[2]);
	leaves(r, 6, leaf);
	CHECK(leaf[2]);
	/* a code address makes an entry too: main's own range ends there */
	struct bpfx_insn c[5] = {{.code = 0x18, .src = 4, .imm = 2}, {0}, EXIT, MOV0, EXIT};
	leaves(c, 5, leaf);
	CHECK(leaf[0] && leaf[3]);
}

int main(void)
{
	test_leaves();
	test_rows();
	test_unknown_codes();
	test_unknown_selectors();
	test_control_flow();
	return check_summary("test_validate");
}
