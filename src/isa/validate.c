/* SPDX-License-Identifier: MIT */
/* validate.c - load-time validation of bytecode, driven by the opcode table. */
#include "validate.h"

#include <stddef.h>
#include <stdio.h>

#include "../common/diag.h"

#define INSN_FMT "insn %zu {code 0x%02x, dst %u, src %u, off %d, imm %d}"
#define INSN_ARGS(i, x) (i), (x)->code, (unsigned)(x)->dst, (unsigned)(x)->src, (x)->off, (x)->imm

static int check_reg(const struct bpfx_diag *d, size_t i, const struct bpfx_insn *x,
		     const char *field, unsigned reg, uint8_t use)
{
	if (use == BPFX_USE_ZERO || use == BPFX_USE_SEL) {
		if (use == BPFX_USE_ZERO && reg != 0)
			return bpfx_fail(d, BPFX_E_BAD_INSN, INSN_FMT ": %s: the %s field is unused and must be 0",
					 INSN_ARGS(i, x), bpfx_op_table[bpfx_op_decode(x)].mnem, field);
		return 0;
	}
	if (reg >= BPFX_NREGS)
		return bpfx_fail(d, BPFX_E_BAD_INSN, INSN_FMT ": %s register r%u does not exist (r0..r10)",
				 INSN_ARGS(i, x), field, reg);
	if ((use == BPFX_USE_WRITE || use == BPFX_USE_RW) && reg == 10)
		return bpfx_fail(d, BPFX_E_BAD_INSN, INSN_FMT ": writes r10, the read-only frame pointer",
				 INSN_ARGS(i, x));
	return 0;
}

static int check_target(const struct bpfx_diag *d, size_t i, const struct bpfx_insn *x, int64_t rel,
			size_t count, const uint8_t *second_slot, const char *what)
{
	int64_t t = (int64_t)i + 1 + rel;
	if (t < 0 || t >= (int64_t)count)
		return bpfx_fail(d, BPFX_E_BAD_INSN,
				 INSN_FMT ": %s target %+lld lands at %lld, outside the program (0..%zu)",
				 INSN_ARGS(i, x), what, (long long)rel, (long long)t, count - 1);
	if (second_slot[t])
		return bpfx_fail(d, BPFX_E_BAD_INSN,
				 INSN_FMT ": %s target %lld is the second half of the lddw at %lld",
				 INSN_ARGS(i, x), what, (long long)t, (long long)t - 1);
	return 0;
}

int bpfx_validate_program(const struct bpfx_diag *d, const struct bpfx_insn *insns, size_t count,
			  uint32_t groups, int16_t *ops)
{
	char claimed[200];
	int err = 0;

	if (!insns || count == 0)
		return bpfx_fail(d, BPFX_E_BAD_INSN, "the program is empty");
	if (count > BPFX_MAX_INSNS)
		return bpfx_fail(d, BPFX_E_BAD_INSN, "the program has %zu instructions; the limit is %d",
				 count, BPFX_MAX_INSNS);
	groups = bpfx_groups_close(groups ? groups : BPFX_GROUPS_DEFAULT);

	uint8_t *second = calloc(count, 1);
	if (!second)
		return bpfx_fail(d, BPFX_E_NOMEM, "out of memory validating %zu instructions", count);

	/* Pass 1: decode every slot, check fields and groups, mark lddw halves. */
	for (size_t i = 0; i < count; i++) {
		const struct bpfx_insn *x = &insns[i];
		enum bpfx_op op = bpfx_op_decode(x);
		if (op == BPFX_OP__INVALID) {
			const char *why = "reserved or unknown opcode";
			for (int k = 0; k < BPFX_OP__COUNT; k++)
				if (bpfx_op_table[k].code == x->code) {
					why = bpfx_op_table[k].src == BPFX_USE_SEL   ? "unknown src value for this opcode"
					      : bpfx_op_table[k].off == BPFX_USE_SEL ? "unknown off value for this opcode"
										 : "unknown imm value for this opcode";
					break;
				}
			err = bpfx_fail(d, BPFX_E_BAD_INSN, INSN_FMT ": %s", INSN_ARGS(i, x), why);
			goto out;
		}
		const struct bpfx_op_desc *o = &bpfx_op_table[op];
		if (ops)
			ops[i] = (int16_t)op;
		if (!(o->group & groups)) {
			bpfx_groups_format(groups, claimed, sizeof(claimed));
			err = bpfx_fail(d, BPFX_E_GROUP,
					INSN_FMT ": %s (%s) belongs to conformance group '%s', which this VM does not "
					"claim (it claims: %s)",
					INSN_ARGS(i, x), o->mnem, o->id, bpfx_group_name(o->group), claimed);
			goto out;
		}
		if ((err = check_reg(d, i, x, "dst", x->dst, o->dst)) ||
		    (err = check_reg(d, i, x, "src", x->src, o->src)))
			goto out;
		if (o->off == BPFX_USE_ZERO && x->off != 0) {
			err = bpfx_fail(d, BPFX_E_BAD_INSN, INSN_FMT ": %s: the off field is unused and must be 0",
					INSN_ARGS(i, x), o->mnem);
			goto out;
		}
		if (o->imm == BPFX_USE_ZERO && x->imm != 0) {
			err = bpfx_fail(d, BPFX_E_BAD_INSN, INSN_FMT ": %s: the imm field is unused and must be 0",
					INSN_ARGS(i, x), o->mnem);
			goto out;
		}
		if (o->imm == BPFX_USE_ASCAST && x->imm != 1 && x->imm != 0x10000) {
			err = bpfx_fail(d, BPFX_E_BAD_INSN,
					INSN_FMT ": addr_space_cast takes imm 1 (arena to user) or 0x10000 "
					"(user to arena)",
					INSN_ARGS(i, x));
			goto out;
		}
		if (o->fmt == BPFX_FMT_LDDW) {
			if (i + 1 >= count) {
				err = bpfx_fail(d, BPFX_E_BAD_INSN,
						INSN_FMT ": lddw is the last slot; it needs a second slot", INSN_ARGS(i, x));
				goto out;
			}
			const struct bpfx_insn *y = &insns[i + 1];
			if (y->code || y->dst || y->src || y->off) {
				err = bpfx_fail(d, BPFX_E_BAD_INSN,
						INSN_FMT ": the second slot of this lddw must have code, dst, src and "
						"off all 0 (has code 0x%02x, dst %u, src %u, off %d)",
						INSN_ARGS(i, x), y->code, (unsigned)y->dst, (unsigned)y->src, y->off);
				goto out;
			}
			if (y->imm && x->src != BPFX_LDDW_IMM64 && x->src != BPFX_LDDW_MAP_VALUE_FD &&
			    x->src != BPFX_LDDW_MAP_VALUE_IDX) {
				err = bpfx_fail(d, BPFX_E_BAD_INSN,
						INSN_FMT ": lddw with src %u uses only the first imm; the second "
						"slot's imm must be 0 (is %d)",
						INSN_ARGS(i, x), (unsigned)x->src, y->imm);
				goto out;
			}
			second[i + 1] = 1;
			if (ops)
				ops[i + 1] = -1;
			i++;
		}
	}

	/* Pass 2: control flow targets. */
	for (size_t i = 0; i < count; i++) {
		if (second[i])
			continue;
		const struct bpfx_insn *x = &insns[i];
		const struct bpfx_op_desc *o = &bpfx_op_table[bpfx_op_decode(x)];
		if (o->off == BPFX_USE_JMP)
			err = check_target(d, i, x, x->off, count, second, "jump");
		else if (o->imm == BPFX_USE_JMP)
			err = check_target(d, i, x, x->imm, count, second, "jump");
		else if (o->imm == BPFX_USE_CALL)
			err = check_target(d, i, x, x->imm, count, second,
					   o->fmt == BPFX_FMT_LDDW ? "code address" : "call");
		if (err)
			goto out;
	}

	/* The last instruction must not fall through past the end. */
	{
		size_t last = count - 1;
		const struct bpfx_insn *x = &insns[last];
		if (second[last]) {
			err = bpfx_fail(d, BPFX_E_BAD_INSN,
					"insn %zu: the program ends with an lddw and would fall off its end; "
					"the last instruction must be exit or an unconditional jump",
					last - 1);
			goto out;
		}
		uint8_t fmt = bpfx_op_table[bpfx_op_decode(x)].fmt;
		if (fmt != BPFX_FMT_EXIT && fmt != BPFX_FMT_JA && fmt != BPFX_FMT_JA32 && fmt != BPFX_FMT_GOTOX) {
			err = bpfx_fail(d, BPFX_E_BAD_INSN,
					INSN_FMT ": the program would fall off its end; the last instruction must "
					"be exit or an unconditional jump",
					INSN_ARGS(last, x));
			goto out;
		}
	}
out:
	free(second);
	return err;
}

int bpfx_validate(const struct bpfx_insn *insns, size_t count, const struct bpfx_validate_opts *opts)
{
	struct bpfx_validate_opts o;
	struct bpfx_diag d = {0};
	/* The log fields sit at fixed offsets, so a struct of any size can name them. */
	if (opts && opts->sz >= offsetof(struct bpfx_validate_opts, log_user) + sizeof(void *))
		d = (struct bpfx_diag){opts->log, opts->log_user};
	int err = bpfx_opts_copy(&d, &o, sizeof(o), opts, "bpfx_validate_opts");
	if (err)
		return err;
	return bpfx_validate_program(&d, insns, count, o.groups, NULL);
}
