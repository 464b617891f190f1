/* SPDX-License-Identifier: MIT */
/*
 * templates.c - the spelling of every opcode-table row in both dialects,
 * written once per operand shape (the FMT column) rather than per opcode.
 *
 * LLVM spellings are what `llvm-objdump -d --mcpu=v4` (LLVM 19) prints,
 * plus LLVM 20's load_acquire/store_release and LLVM's gotox. Where neither
 * LLVM nor bpf_conformance has a spelling (or LLVM's loses information),
 * bpfx uses its own, documented in docs/asm.md:
 *
 *   lddw pseudo sources    LLVM                               conformance
 *     src 1 map by fd        r1 = map_fd[0x3] ll                lddw %r1, map_fd[0x3]
 *     src 2 map value by fd  r1 = map_value_fd[0x3]+0x8 ll      lddw %r1, map_value_fd[0x3]+0x8
 *     src 3 variable addr    r1 = var_addr[0x7] ll              lddw %r1, var_addr[0x7]
 *     src 4 code address     r1 = code_addr[+0x5] ll            lddw %r1, code_addr[+5]
 *     src 5 map by index     r1 = map_idx[0x0] ll               lddw %r1, map_idx[0x0]
 *     src 6 map value by idx r1 = map_value_idx[0x0]+0x10 ll    lddw %r1, map_value_idx[0x0]+0x10
 *   (objdump's lossy "ld_pseudo r1, 0x1, 0x3" is read as well)
 *   local call             call local +0x3                    call local +3 / call local label
 *   kfunc call             call kfunc 0x123                   call runtime 0x123 (or call kfunc)
 *   load-acquire           w0 = load_acquire((u32 *)(r1 + 0x0))   ldacqw %r0, [%r1]
 *   store-release          store_release((u32 *)(r1 + 0x0), w2)   strelw [%r1], %r2
 *   addr_space_cast        r1 = addr_space_cast(r2, 0x0, 0x1)     addr_space_cast %r1, %r2, 0x0, 0x1
 *   indirect jump          gotox r1                               gotox %r1
 *   legacy packet loads    r0 = *(u32 *)skb[r2 + 0x4]             ldindw %r2, 0x4
 *   raw slot               .insn 0xff, 1, 2, -3, 0x4  (code, dst, src, off, imm)
 *                          .insn 0x0000000400000018   (the slot as a little-endian u64)
 */
#include "asm_internal.h"
#include "../common/diag.h"

#include <stdio.h>
#include <string.h>

static const char *tmpl_lddw(const struct bpfx_op_desc *d, bool llvm, int alt)
{
	static const char *const llvm_forms[] = {
		[BPFX_LDDW_IMM64] = "$D = $L ll",
		[BPFX_LDDW_MAP_FD] = "$D = map_fd[$i] ll",
		[BPFX_LDDW_MAP_VALUE_FD] = "$D = map_value_fd[$i]$I ll",
		[BPFX_LDDW_VAR_ADDR] = "$D = var_addr[$i] ll",
		[BPFX_LDDW_CODE_ADDR] = "$D = code_addr[$c] ll",
		[BPFX_LDDW_MAP_IDX] = "$D = map_idx[$i] ll",
		[BPFX_LDDW_MAP_VALUE_IDX] = "$D = map_value_idx[$i]$I ll",
	};
	static const char *const conf_forms[] = {
		[BPFX_LDDW_IMM64] = "lddw $d, $L",
		[BPFX_LDDW_MAP_FD] = "lddw $d, map_fd[$i]",
		[BPFX_LDDW_MAP_VALUE_FD] = "lddw $d, map_value_fd[$i]$I",
		[BPFX_LDDW_VAR_ADDR] = "lddw $d, var_addr[$i]",
		[BPFX_LDDW_CODE_ADDR] = "lddw $d, code_addr[$c]",
		[BPFX_LDDW_MAP_IDX] = "lddw $d, map_idx[$i]",
		[BPFX_LDDW_MAP_VALUE_IDX] = "lddw $d, map_value_idx[$i]$I",
	};
	if (d->selv < 0 || d->selv >= (int)BPFX_ARRAY_SIZE(llvm_forms))
		return NULL;
	if (alt == 0)
		return llvm ? llvm_forms[d->selv] : conf_forms[d->selv];
	/* objdump's own spelling of the pseudo sources (it drops the second imm) */
	if (alt == 1 && llvm && d->selv != BPFX_LDDW_IMM64)
		return d->selv == BPFX_LDDW_CODE_ADDR ? "ld_pseudo $D, $k, $c" : "ld_pseudo $D, $k, $i";
	return NULL;
}

const char *bpfx_asm_template(const struct bpfx_op_desc *d, enum bpfx_dialect dialect, int alt)
{
	bool llvm = dialect != BPFX_DIALECT_CONFORMANCE;

	if (d->fmt == BPFX_FMT_LDDW)
		return tmpl_lddw(d, llvm, alt);
	if (alt == 1 && !llvm) {
		switch (d->fmt) {
		case BPFX_FMT_END:
			return d->mnem[0] == 'b' && d->mnem[1] == 's' ? "$M $d" : NULL; /* swap16 */
		case BPFX_FMT_CALL:
			return "call helper $i";
		case BPFX_FMT_CALL_KFUNC:
			return "call kfunc $i";
		case BPFX_FMT_CALLX:
			return "callx $d";
		default:
			return NULL;
		}
	}
	if (alt == 2 && !llvm && d->fmt == BPFX_FMT_CALLX)
		return "call helper $d";
	if (alt != 0)
		return NULL;

	switch (d->fmt) {
	case BPFX_FMT_ALU_K: return llvm ? "$d $y $i" : "$m $d, $i";
	case BPFX_FMT_ALU_X: return llvm ? "$d $y $s" : "$m $d, $s";
	case BPFX_FMT_NEG: return llvm ? "$d = -$d" : "$m $d";
	case BPFX_FMT_END: return llvm ? "$D = $y $D" : "$m $d";
	case BPFX_FMT_MOVSX: return llvm ? "$d = ($t)$s" : "$m $d, $s";
	case BPFX_FMT_ASCAST: return llvm ? "$D = addr_space_cast($S, $a)" : "$m $d, $s, $a";
	case BPFX_FMT_LDABS: return llvm ? "r0 = *($t *)skb[$i]" : "$m $i";
	case BPFX_FMT_LDIND: return llvm ? "r0 = *($t *)skb[$S$q]" : "$m $s, $i";
	case BPFX_FMT_LDX:
	case BPFX_FMT_LDXSX: return llvm ? "$d = *($t *)($S $o)" : "$m $d, [$s$o]";
	case BPFX_FMT_ST: return llvm ? "*($t *)($D $o) = $i" : "$m [$d$o], $i";
	case BPFX_FMT_STX: return llvm ? "*($t *)($D $o) = $s" : "$m [$d$o], $s";
	case BPFX_FMT_ATOMIC: return llvm ? "lock *($t *)($D $o) $y $s" : "lock $m [$d$o], $s";
	case BPFX_FMT_ATOMIC_FETCH:
		return llvm ? "$s = atomic_fetch_$y(($t *)($D $o), $s)" : "lock fetch $m [$d$o], $s";
	case BPFX_FMT_XCHG: return llvm ? "$s = xchg$x($D $o, $s)" : "lock $m [$d$o], $s";
	case BPFX_FMT_CMPXCHG: return llvm ? "$z = cmpxchg$x($D $o, $z, $s)" : "lock $m [$d$o], $s";
	case BPFX_FMT_LOAD_ACQ: return llvm ? "$d = load_acquire(($t *)($S $o))" : "$m $d, [$s$o]";
	case BPFX_FMT_STORE_REL: return llvm ? "store_release(($t *)($D $o), $s)" : "$m [$d$o], $s";
	case BPFX_FMT_JA: return llvm ? "goto $j" : "ja $j";
	case BPFX_FMT_JA32: return llvm ? "gotol $J" : "ja32 $J";
	case BPFX_FMT_GOTOX: return llvm ? "gotox $D" : "gotox $d";
	case BPFX_FMT_JCC_K: return llvm ? "if $d $y $i goto $j" : "$m $d, $i, $j";
	case BPFX_FMT_JCC_X: return llvm ? "if $d $y $s goto $j" : "$m $d, $s, $j";
	case BPFX_FMT_CALL: return "call $i";
	case BPFX_FMT_CALL_LOCAL: return "call local $c";
	case BPFX_FMT_CALL_KFUNC: return llvm ? "call kfunc $i" : "call runtime $i";
	case BPFX_FMT_CALLX: return llvm ? "callx $D" : "call $d";
	case BPFX_FMT_EXIT: return "exit";
	case BPFX_FMT_MAY_GOTO: return "may_goto $j";
	default: return NULL;
	}
}

char bpfx_asm_regw(const struct bpfx_op_desc *d)
{
	int cls = BPFX_CLASS(d->code);
	switch (d->fmt) {
	case BPFX_FMT_ALU_K:
	case BPFX_FMT_ALU_X:
	case BPFX_FMT_NEG:
	case BPFX_FMT_MOVSX:
	case BPFX_FMT_JCC_K:
	case BPFX_FMT_JCC_X:
		return cls == BPFX_CLS_ALU || cls == BPFX_CLS_JMP32 ? 'w' : 'r';
	case BPFX_FMT_LDX:
	case BPFX_FMT_STX:
	case BPFX_FMT_LOAD_ACQ:
	case BPFX_FMT_STORE_REL:
	case BPFX_FMT_ATOMIC:
	case BPFX_FMT_ATOMIC_FETCH:
	case BPFX_FMT_XCHG:
	case BPFX_FMT_CMPXCHG:
		return bpfx_code_size(d->code) < 8 ? 'w' : 'r';
	default:
		return 'r';
	}
}

bool bpfx_asm_width_strict(const struct bpfx_op_desc *d)
{
	switch (d->fmt) {
	case BPFX_FMT_ALU_K:
	case BPFX_FMT_ALU_X:
	case BPFX_FMT_NEG:
	case BPFX_FMT_MOVSX:
	case BPFX_FMT_JCC_K:
	case BPFX_FMT_JCC_X:
		return true;
	default:
		return false;
	}
}

static void type_name(const struct bpfx_op_desc *d, char *buf, size_t len)
{
	if (d->fmt == BPFX_FMT_MOVSX)
		snprintf(buf, len, "s%d", (int)d->selv);
	else
		snprintf(buf, len, "%c%d", d->fmt == BPFX_FMT_LDXSX ? 's' : 'u', bpfx_code_size(d->code) * 8);
}

bool bpfx_asm_expand(const char *t, const struct bpfx_op_desc *d, char *out, size_t len)
{
	size_t n = 0;
	char tmp[32];

	for (; *t; t++) {
		const char *add = NULL;
		if (t[0] == '$') {
			switch (t[1]) {
			case 'm': add = d->mnem; break;
			case 'M': add = d->mnem + 1; break;
			case 'y': add = d->sym; break;
			case 't': type_name(d, tmp, sizeof(tmp)); add = tmp; break;
			case 'x': add = bpfx_code_size(d->code) == 8 ? "_64" : "32_32"; break;
			case 'k': snprintf(tmp, sizeof(tmp), "0x%x", (unsigned)d->selv); add = tmp; break;
			default: break;
			}
		}
		if (add) {
			size_t k = strlen(add);
			if (n + k >= len)
				return false;
			memcpy(out + n, add, k);
			n += k;
			t++;
			continue;
		}
		if (n + 1 >= len)
			return false;
		out[n++] = *t;
	}
	out[n] = 0;
	return true;
}
