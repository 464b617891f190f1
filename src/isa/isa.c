/* SPDX-License-Identifier: MIT */
/* isa.c - the opcode table as data, decoding, and conformance groups. */
#include "isa_internal.h"

#include <stdio.h>
#include <string.h>

#include "../common/diag.h"

/* Column spellings of opcodes.h mapped to enum bpfx_use. */
#define RZ BPFX_USE_ZERO
#define RR BPFX_USE_READ
#define RW BPFX_USE_WRITE
#define RRW BPFX_USE_RW
#define SSEL BPFX_USE_SEL
#define OZ BPFX_USE_ZERO
#define OJ BPFX_USE_JMP
#define OM BPFX_USE_MEM
#define OSEL BPFX_USE_SEL
#define IZ BPFX_USE_ZERO
#define II BPFX_USE_IMM
#define IJ BPFX_USE_JMP
#define IC BPFX_USE_CALL
#define ISEL BPFX_USE_SEL
#define IAS BPFX_USE_ASCAST

const struct bpfx_op_desc bpfx_op_table[BPFX_OP__COUNT] = {
#define BPFX_X_ROW(ID, CODE, SELV, DST, SRC, OFF, IMM, GROUP, FMT, MNEM, SYM)                         \
	[BPFX_OP_##ID] = {#ID, MNEM, SYM, CODE, SELV, DST, SRC, OFF, IMM, BPFX_GROUP_##GROUP, BPFX_##FMT},
	BPFX_OPCODES(BPFX_X_ROW)
#undef BPFX_X_ROW
};

enum bpfx_op bpfx_op_decode(const struct bpfx_insn *insn)
{
	for (int i = 0; i < BPFX_OP__COUNT; i++) {
		const struct bpfx_op_desc *d = &bpfx_op_table[i];
		if (d->code != insn->code)
			continue;
		if (d->src == BPFX_USE_SEL && insn->src != d->selv)
			continue;
		if (d->off == BPFX_USE_SEL && insn->off != d->selv)
			continue;
		if (d->imm == BPFX_USE_SEL && insn->imm != d->selv)
			continue;
		return (enum bpfx_op)i;
	}
	return BPFX_OP__INVALID;
}

int bpfx_insn_lookup(const struct bpfx_insn *insn, struct bpfx_insn_info *info)
{
	if (!insn || !info)
		return BPFX_E_INVAL;
	enum bpfx_op op = bpfx_op_decode(insn);
	if (op == BPFX_OP__INVALID)
		return BPFX_E_BAD_INSN;
	const struct bpfx_op_desc *d = &bpfx_op_table[op];
	info->name = d->id;
	info->mnemonic = d->mnem;
	info->group = d->group;
	info->slots = d->fmt == BPFX_FMT_LDDW ? 2 : 1;
	return 0;
}

static const struct {
	uint32_t bit;
	const char *name;
} group_names[] = {
	{BPFX_GROUP_BASE32, "base32"},     {BPFX_GROUP_BASE64, "base64"},
	{BPFX_GROUP_ATOMIC32, "atomic32"}, {BPFX_GROUP_ATOMIC64, "atomic64"},
	{BPFX_GROUP_DIVMUL32, "divmul32"}, {BPFX_GROUP_DIVMUL64, "divmul64"},
	{BPFX_GROUP_PACKET, "packet"},     {BPFX_GROUP_CALLX, "callx"},
	{BPFX_GROUP_MAY_GOTO, "may_goto"}, {BPFX_GROUP_ACQREL, "acqrel"},
	{BPFX_GROUP_ARENA, "arena"},       {BPFX_GROUP_GOTOX, "gotox"},
};

const char *bpfx_group_name(uint32_t group)
{
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(group_names); i++)
		if (group_names[i].bit == group)
			return group_names[i].name;
	return NULL;
}

uint32_t bpfx_groups_close(uint32_t g)
{
	if (g & BPFX_GROUP_BASE64)
		g |= BPFX_GROUP_BASE32;
	if (g & BPFX_GROUP_ATOMIC64)
		g |= BPFX_GROUP_ATOMIC32;
	if (g & BPFX_GROUP_DIVMUL64)
		g |= BPFX_GROUP_DIVMUL32;
	return g;
}

int bpfx_groups_parse(const char *list, uint32_t *out, char *err, size_t errlen)
{
	uint32_t g = 0;
	const char *p = list;

	if (!list || !out)
		return BPFX_E_INVAL;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '+')
			p++;
		if (!*p)
			break;
		int neg = 0;
		if (*p == '-') {
			neg = 1;
			p++;
		}
		size_t n = strcspn(p, ", +");
		uint32_t bits = 0;
		if (n == 3 && !strncmp(p, "all", 3))
			bits = BPFX_GROUPS_ALL;
		else if (n == 3 && !strncmp(p, "rfc", 3))
			bits = BPFX_GROUPS_RFC;
		else if (n == 7 && !strncmp(p, "default", 7))
			bits = BPFX_GROUPS_DEFAULT;
		else
			for (size_t i = 0; i < BPFX_ARRAY_SIZE(group_names); i++)
				if (strlen(group_names[i].name) == n && !strncmp(p, group_names[i].name, n))
					bits = group_names[i].bit;
		if (!bits) {
			if (err && errlen) {
				char known[256];
				bpfx_groups_format(BPFX_GROUPS_ALL, known, sizeof(known));
				snprintf(err, errlen, "unknown conformance group '%.*s' at column %d (known: %s, all, rfc, default)",
					 (int)n, p, (int)(p - list) + 1, known);
			}
			return BPFX_E_INVAL;
		}
		if (neg)
			g &= ~bits;
		else
			g |= bits;
		p += n;
	}
	if (!g) {
		if (err && errlen)
			snprintf(err, errlen, "the group list '%s' names no group", list);
		return BPFX_E_INVAL;
	}
	*out = g;
	return 0;
}

void bpfx_groups_format(uint32_t groups, char *buf, size_t len)
{
	size_t used = 0;
	if (!buf || !len)
		return;
	buf[0] = 0;
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(group_names); i++) {
		if (!(groups & group_names[i].bit))
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", group_names[i].name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}
