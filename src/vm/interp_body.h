/* SPDX-License-Identifier: MIT */
/*
 * interp_body.h - the interpreter, written once. interp.c includes this file
 * twice: with BPFX_CHECKED 0 (the fast engine, no per-access checks) and
 * BPFX_CHECKED 1 (every load, store and atomic checked against the run's
 * regions). INTERP_FN names the function.
 *
 * Dispatch, Lua style: vmdispatch(op) { vmcase(ID) { ...; } vmbreak; ... }.
 * By default each handler ends in a computed goto: the fast engine jumps to
 * the label address stored in the pre-decoded instruction (threaded code),
 * the checked engine through its label table. With BPFX_INTERP_SWITCH=1 the
 * same body is a plain switch in a loop. The label table is generated from
 * BPFX_OPCODES, so a table row without a handler does not compile (and in the
 * switch build -Wswitch-enum is an error here).
 *
 * Every operation is defined on unsigned 64-bit values; signed views go
 * through conversions (implementation-defined, two's complement on every
 * compiler bpfx supports), never through signed overflow.
 */

#ifndef INTERP_FN
#error "define INTERP_FN and BPFX_CHECKED before including interp_body.h"
#endif

/* A switch build must handle every row too: a missing case is an error. */
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch"
#pragma GCC diagnostic error "-Wswitch-enum"

int INTERP_FN(struct bpfx_run *run, struct bpfx_entry *e, const void *const **labels_out)
{
#if !BPFX_INTERP_SWITCH
	static const void *const labels[BPFX_XOP__END] = {
#define BPFX_X_LABEL(ID, ...) [BPFX_OP_##ID] = &&L_##ID,
		BPFX_OPCODES(BPFX_X_LABEL)
#undef BPFX_X_LABEL
#define BPFX_X_XLABEL(A, B) [BPFX_XOP_##A##__##B] = &&X_##A##__##B,
		BPFX_FUSED(BPFX_X_XLABEL)
#undef BPFX_X_XLABEL
	};
	if (!run) {
		*labels_out = labels;
		return 0;
	}
#if BPFX_CHECKED
#define DISPATCH_TARGET labels[ip->op]
#else
#define DISPATCH_TARGET ip->h
#endif
#define vmdispatch(x) goto *DISPATCH_TARGET;
#define vmcase(ID) L_##ID:
#define vmbreak goto *DISPATCH_TARGET
#else
	if (!run) {
		*labels_out = NULL;
		return 0;
	}
#define vmdispatch(x) switch ((enum bpfx_op)(x))
#define vmcase(ID) case BPFX_OP_##ID:
#define vmbreak break
#endif
	const struct bpfx_dinsn *const code = run->prog->code;
	const struct bpfx_dinsn *ip = code + e->pc;
	const uint32_t base = e->base;
	uint64_t tick = run->tick;
	uint64_t reg[BPFX_NREGS] = {0};
	int err = 0;

	for (int i = 0; i < 5; i++)
		reg[1 + i] = e->args[i];
	reg[10] = (uint64_t)(uintptr_t)(run->stack_end - (size_t)base * BPFX_STACK_SIZE);

#define PC ((size_t)(ip - code))
#define DST reg[ip->dst]
#define SRC reg[ip->src]
#define IMM (ip->imm)
#define U32(x) ((uint32_t)(x))
#define S32(x) ((int32_t)(uint32_t)(x))
#define S64(x) ((int64_t)(x))
#define NEXT                                                                                          \
	do {                                                                                          \
		ip++;                                                                                 \
	} while (0)
/* One budget event (back edge or call): one decrement and test. */
#define BUDGET_EVENT()                                                                                \
	do {                                                                                          \
		if (BPFX_UNLIKELY(--tick == 0)) {                                                     \
			run->tick = 0;                                                                \
			if ((err = bpfx_run_poll(run, PC)) != 0)                                      \
				goto fail;                                                            \
			tick = run->tick;                                                             \
		}                                                                                     \
	} while (0)
/* A taken jump to ip + 1 + off; backward ones are budget events. */
#define TAKE()                                                                                        \
	do {                                                                                          \
		if (BPFX_UNLIKELY(ip->off < 0))                                                       \
			BUDGET_EVENT();                                                               \
		ip = ip->tgt;                                                                         \
	} while (0)

#if BPFX_CHECKED
	/* The stack frames in use and the context are checked inline (with their
	 * bounds in locals); the other regions through bpfx_run_find_region. */
	const uint64_t ctx_lo = (uint64_t)(uintptr_t)run->opts->ctx;
	const uint64_t ctx_len = run->opts->ctx ? run->opts->ctx_len : 0;
	uint64_t stk_len, stk_lo;
#define STACK_WINDOW()                                                                                \
	do {                                                                                          \
		stk_len = (uint64_t)(run->depth + 1) * BPFX_STACK_SIZE;                               \
		stk_lo = (uint64_t)(uintptr_t)run->stack_end - stk_len;                               \
	} while (0)
	STACK_WINDOW();
#define MEMCHK(addr, n, w)                                                                            \
	do {                                                                                          \
		if (BPFX_LIKELY((addr) - stk_lo <= stk_len - (n)))                                    \
			break;                                                                        \
		if (BPFX_LIKELY((n) <= ctx_len && (addr) - ctx_lo <= ctx_len - (n)))                  \
			break;                                                                        \
		int r_ = bpfx_run_find_region(run, (addr), (n), (w));                                 \
		if (BPFX_UNLIKELY(r_)) {                                                              \
			err = bpfx_run_fault(run, PC, (addr), (n), (w),                               \
					     r_ == 2 ? "inside a read-only region"                    \
						     : "outside every region of this run");           \
			goto fail;                                                                    \
		}                                                                                     \
	} while (0)
#define ATOMCHK(addr, n, w)                                                                           \
	do {                                                                                          \
		MEMCHK(addr, n, w);                                                                   \
		if (BPFX_UNLIKELY((addr) & ((n) - 1))) {                                              \
			err = bpfx_run_fault(run, PC, (addr), (n), (w),                               \
					     "misaligned for an atomic access");                      \
			goto fail;                                                                    \
		}                                                                                     \
	} while (0)
#else
#define STACK_WINDOW() ((void)0)
#define MEMCHK(addr, n, w) ((void)0)
#define ATOMCHK(addr, n, w) ((void)0)
#endif

#define PTR(a) ((void *)(uintptr_t)(a))

/* ---- handler generators ---- */
#define ALU(ID, OP)                                                                                   \
	vmcase(ID##32_K) { DST = U32(U32(DST) OP U32(IMM)); NEXT; } vmbreak;                          \
	vmcase(ID##32_X) { DST = U32(U32(DST) OP U32(SRC)); NEXT; } vmbreak;                          \
	vmcase(ID##64_K) { DST = DST OP IMM; NEXT; } vmbreak;                                         \
	vmcase(ID##64_X) { DST = DST OP SRC; NEXT; } vmbreak;
#define SHIFT(ID, E32, E64)                                                                           \
	vmcase(ID##32_K) { uint32_t s = U32(IMM) & 31; DST = U32(E32); NEXT; } vmbreak;               \
	vmcase(ID##32_X) { uint32_t s = U32(SRC) & 31; DST = U32(E32); NEXT; } vmbreak;               \
	vmcase(ID##64_K) { uint32_t s = U32(IMM) & 63; DST = (E64); NEXT; } vmbreak;                  \
	vmcase(ID##64_X) { uint32_t s = U32(SRC) & 63; DST = (E64); NEXT; } vmbreak;
/* Division family: `b` is the divisor, per width. */
#define DIVOP(ID, WIDTH, FORM, BEXPR, BODY)                                                           \
	vmcase(ID##WIDTH##_##FORM) { BEXPR; BODY; NEXT; } vmbreak;
#define B32K uint32_t b = U32(IMM)
#define B32X uint32_t b = U32(SRC)
#define B64K uint64_t b = IMM
#define B64X uint64_t b = SRC
#define DIV32 DST = b ? U32(DST) / b : 0
#define DIV64 DST = b ? DST / b : 0
#define MOD32 DST = b ? U32(DST) % b : U32(DST)
#define MOD64 DST = b ? DST % b : DST
/* Signed: b == -1 is negation (INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0),
 * written in unsigned arithmetic so that it never overflows. */
#define SDIV32                                                                                        \
	DST = b == 0 ? 0 : b == UINT32_MAX ? U32(0u - U32(DST)) : U32(S32(DST) / S32(b))
#define SDIV64 DST = b == 0 ? 0 : b == UINT64_MAX ? 0 - DST : (uint64_t)(S64(DST) / S64(b))
#define SMOD32 DST = b == 0 ? U32(DST) : b == UINT32_MAX ? 0 : U32(S32(DST) % S32(b))
#define SMOD64 DST = b == 0 ? DST : b == UINT64_MAX ? 0 : (uint64_t)(S64(DST) % S64(b))
#define DIVFAM(ID, E32, E64)                                                                          \
	DIVOP(ID, 32, K, B32K, E32) DIVOP(ID, 32, X, B32X, E32)                                       \
	DIVOP(ID, 64, K, B64K, E64) DIVOP(ID, 64, X, B64X, E64)

/* Loads and stores: little-endian host, memcpy for any alignment. */
#define LDX(S, T, N)                                                                                  \
	vmcase(LDX_##S) {                                                                             \
		uint64_t a = SRC + (uint64_t)(int64_t)ip->off;                                        \
		MEMCHK(a, N, 0);                                                                      \
		T v;                                                                                  \
		memcpy(&v, PTR(a), N);                                                                \
		DST = v;                                                                              \
		NEXT;                                                                                 \
	}                                                                                             \
	vmbreak;
#define LDXS(S, T, N)                                                                                 \
	vmcase(LDXS_##S) {                                                                            \
		uint64_t a = SRC + (uint64_t)(int64_t)ip->off;                                        \
		MEMCHK(a, N, 0);                                                                      \
		T v;                                                                                  \
		memcpy(&v, PTR(a), N);                                                                \
		DST = (uint64_t)(int64_t)v;                                                           \
		NEXT;                                                                                 \
	}                                                                                             \
	vmbreak;
#define STORE(ID, T, N, VAL)                                                                          \
	vmcase(ID) {                                                                                  \
		uint64_t a = DST + (uint64_t)(int64_t)ip->off;                                        \
		MEMCHK(a, N, 1);                                                                      \
		T v = (T)(VAL);                                                                       \
		memcpy(PTR(a), &v, N);                                                                \
		NEXT;                                                                                 \
	}                                                                                             \
	vmbreak;
#define MEMSIZE(S, T, N) LDX(S, T, N) STORE(ST_##S, T, N, IMM) STORE(STX_##S, T, N, SRC)

/* Atomics: SEQ_CST read-modify-write on dst + off with src. */
#define ATOMIC_RMW(W, T, NAME, BUILTIN)                                                               \
	vmcase(ATOMIC##W##_##NAME) {                                                                  \
		uint64_t a = DST + (uint64_t)(int64_t)ip->off;                                        \
		ATOMCHK(a, sizeof(T), 1);                                                             \
		(void)BUILTIN((T *)PTR(a), (T)SRC, __ATOMIC_SEQ_CST);                                 \
		NEXT;                                                                                 \
	}                                                                                             \
	vmbreak;                                                                                      \
	vmcase(ATOMIC##W##_FETCH_##NAME) {                                                            \
		uint64_t a = DST + (uint64_t)(int64_t)ip->off;                                        \
		ATOMCHK(a, sizeof(T), 1);                                                             \
		SRC = BUILTIN((T *)PTR(a), (T)SRC, __ATOMIC_SEQ_CST);                                 \
		NEXT;                                                                                 \
	}                                                                                             \
	vmbreak;
#define ATOMIC_W(W, T)                                                                                \
	ATOMIC_RMW(W, T, ADD, __atomic_fetch_add)                                                     \
	ATOMIC_RMW(W, T, OR, __atomic_fetch_or)                                                       \
	ATOMIC_RMW(W, T, AND, __atomic_fetch_and)                                                     \
	ATOMIC_RMW(W, T, XOR, __atomic_fetch_xor)                                                     \
	vmcase(ATOMIC##W##_XCHG) {                                                                    \
		uint64_t a = DST + (uint64_t)(int64_t)ip->off;                                        \
		ATOMCHK(a, sizeof(T), 1);                                                             \
		SRC = __atomic_exchange_n((T *)PTR(a), (T)SRC, __ATOMIC_SEQ_CST);                     \
		NEXT;                                                                                 \
	}                                                                                             \
	vmbreak;                                                                                      \
	vmcase(ATOMIC##W##_CMPXCHG) {                                                                 \
		uint64_t a = DST + (uint64_t)(int64_t)ip->off;                                        \
		ATOMCHK(a, sizeof(T), 1);                                                             \
		T expect = (T)reg[0];                                                                 \
		__atomic_compare_exchange_n((T *)PTR(a), &expect, (T)SRC, 0, __ATOMIC_SEQ_CST,        \
					    __ATOMIC_SEQ_CST);                                        \
		reg[0] = expect;                                                                      \
		NEXT;                                                                                 \
	}                                                                                             \
	vmbreak;
#define ACQREL(S, T)                                                                                  \
	vmcase(LOAD_ACQ_##S) {                                                                        \
		uint64_t a = SRC + (uint64_t)(int64_t)ip->off;                                        \
		ATOMCHK(a, sizeof(T), 0);                                                             \
		DST = __atomic_load_n((T *)PTR(a), __ATOMIC_ACQUIRE);                                 \
		NEXT;                                                                                 \
	}                                                                                             \
	vmbreak;                                                                                      \
	vmcase(STORE_REL_##S) {                                                                       \
		uint64_t a = DST + (uint64_t)(int64_t)ip->off;                                        \
		ATOMCHK(a, sizeof(T), 1);                                                             \
		__atomic_store_n((T *)PTR(a), (T)SRC, __ATOMIC_RELEASE);                              \
		NEXT;                                                                                 \
	}                                                                                             \
	vmbreak;

/* Legacy packet loads: r0 = big-endian value at imm (+ src); out of bounds
 * ends the program with r0 = 0. */
#define PKT(ID, N, OFFEXPR)                                                                           \
	vmcase(ID) {                                                                                  \
		uint64_t o = (OFFEXPR);                                                               \
		if (BPFX_UNLIKELY(o >= run->packet_len || run->packet_len - o < (N)))                 \
			goto pkt_oob;                                                                 \
		const uint8_t *p = run->packet + o;                                                   \
		uint64_t v = 0;                                                                       \
		for (int k = 0; k < (N); k++)                                                         \
			v = v << 8 | p[k];                                                            \
		reg[0] = v;                                                                           \
		NEXT;                                                                                 \
	}                                                                                             \
	vmbreak;

#define JCC(ID, C64K, C64X, C32K, C32X)                                                               \
	vmcase(ID##_K) { if (C64K) TAKE(); else NEXT; } vmbreak;                                      \
	vmcase(ID##_X) { if (C64X) TAKE(); else NEXT; } vmbreak;                                      \
	vmcase(ID##32_K) { if (C32K) TAKE(); else NEXT; } vmbreak;                                    \
	vmcase(ID##32_X) { if (C32X) TAKE(); else NEXT; } vmbreak;
#define JCC_U(ID, OP) JCC(ID, DST OP IMM, DST OP SRC, U32(DST) OP U32(IMM), U32(DST) OP U32(SRC))
#define JCC_S(ID, OP)                                                                                 \
	JCC(ID, S64(DST) OP S64(IMM), S64(DST) OP S64(SRC), S32(DST) OP S32(IMM), S32(DST) OP S32(SRC))

/* Calls a host function; it may end the run or re-enter the interpreter
 * through bpfx_run_callback, which share the tick through run->tick. */
#define CALL_FN(FN)                                                                                   \
	do {                                                                                          \
		run->tick = tick;                                                                     \
		reg[0] = (FN)(reg[1], reg[2], reg[3], reg[4], reg[5], run);                           \
		tick = run->tick;                                                                     \
		if (BPFX_UNLIKELY(run->stop))                                                         \
			goto stopped;                                                                 \
	} while (0)

	for (;;) {
		vmdispatch(ip->op)
		{
			/* ---- ALU ---- */
			ALU(ADD, +)
			ALU(SUB, -)
			ALU(MUL, *)
			ALU(OR, |)
			ALU(AND, &)
			ALU(XOR, ^)
			SHIFT(LSH, U32(DST) << s, DST << s)
			SHIFT(RSH, U32(DST) >> s, DST >> s)
			SHIFT(ARSH, S32(DST) >> s, (uint64_t)(S64(DST) >> s))
			DIVFAM(DIV, DIV32, DIV64)
			DIVFAM(SDIV, SDIV32, SDIV64)
			DIVFAM(MOD, MOD32, MOD64)
			DIVFAM(SMOD, SMOD32, SMOD64)
			vmcase(NEG32) { DST = U32(0u - U32(DST)); NEXT; } vmbreak;
			vmcase(NEG64) { DST = 0 - DST; NEXT; } vmbreak;
			vmcase(MOV32_K) { DST = U32(IMM); NEXT; } vmbreak;
			vmcase(MOV32_X) { DST = U32(SRC); NEXT; } vmbreak;
			vmcase(MOVSX32_8) { DST = U32((int32_t)(int8_t)SRC); NEXT; } vmbreak;
			vmcase(MOVSX32_16) { DST = U32((int32_t)(int16_t)SRC); NEXT; } vmbreak;
			vmcase(MOV64_K) { DST = IMM; NEXT; } vmbreak;
			vmcase(MOV64_X) vmcase(ADDR_SPACE_CAST) { DST = SRC; NEXT; } vmbreak;
			vmcase(MOVSX64_8) { DST = (uint64_t)(int64_t)(int8_t)SRC; NEXT; } vmbreak;
			vmcase(MOVSX64_16) { DST = (uint64_t)(int64_t)(int16_t)SRC; NEXT; } vmbreak;
			vmcase(MOVSX64_32) { DST = (uint64_t)(int64_t)(int32_t)SRC; NEXT; } vmbreak;
			vmcase(LE16) { DST = (uint16_t)DST; NEXT; } vmbreak;
			vmcase(LE32) { DST = U32(DST); NEXT; } vmbreak;
			vmcase(LE64) { NEXT; } vmbreak;
			vmcase(BE16) vmcase(BSWAP16) { DST = __builtin_bswap16((uint16_t)DST); NEXT; } vmbreak;
			vmcase(BE32) vmcase(BSWAP32) { DST = __builtin_bswap32(U32(DST)); NEXT; } vmbreak;
			vmcase(BE64) vmcase(BSWAP64) { DST = __builtin_bswap64(DST); NEXT; } vmbreak;

			/* ---- LD ---- */
			vmcase(LDDW) vmcase(LDDW_MAP_FD) vmcase(LDDW_MAP_VALUE_FD) vmcase(LDDW_VAR_ADDR)
			vmcase(LDDW_CODE_ADDR) vmcase(LDDW_MAP_IDX) vmcase(LDDW_MAP_VALUE_IDX)
			{
				DST = IMM;
				ip += 2;
			}
			vmbreak;
			PKT(LDABS_W, 4, IMM)
			PKT(LDABS_H, 2, IMM)
			PKT(LDABS_B, 1, IMM)
			PKT(LDIND_W, 4, SRC + IMM)
			PKT(LDIND_H, 2, SRC + IMM)
			PKT(LDIND_B, 1, SRC + IMM)

			/* ---- LDX / ST / STX ---- */
			MEMSIZE(w, uint32_t, 4)
			MEMSIZE(h, uint16_t, 2)
			MEMSIZE(b, uint8_t, 1)
			MEMSIZE(dw, uint64_t, 8)
			LDXS(w, int32_t, 4)
			LDXS(h, int16_t, 2)
			LDXS(b, int8_t, 1)
			ATOMIC_W(32, uint32_t)
			ATOMIC_W(64, uint64_t)
			ACQREL(b, uint8_t)
			ACQREL(h, uint16_t)
			ACQREL(w, uint32_t)
			ACQREL(dw, uint64_t)

			/* ---- JMP ---- */
			vmcase(JA) vmcase(JA32) { TAKE(); } vmbreak;
			JCC_U(JEQ, ==)
			JCC_U(JGT, >)
			JCC_U(JGE, >=)
			JCC(JSET, (DST & IMM) != 0, (DST & SRC) != 0, (U32(DST) & U32(IMM)) != 0,
			    (U32(DST) & U32(SRC)) != 0)
			JCC_U(JNE, !=)
			JCC_S(JSGT, >)
			JCC_S(JSGE, >=)
			JCC_U(JLT, <)
			JCC_U(JLE, <=)
			JCC_S(JSLT, <)
			JCC_S(JSLE, <=)
			vmcase(GOTOX)
			{
				size_t t;
				if (BPFX_UNLIKELY(!bpfx_prog_code_index(run->prog, DST, &t))) {
					err = bpfx_run_error(run, PC, BPFX_E_BAD_INSN,
							     "gotox r%u: 0x%llx is not the address of an "
							     "instruction of this program",
							     ip->dst, (unsigned long long)DST);
					goto fail;
				}
				if (t <= PC)
					BUDGET_EVENT();
				ip = code + t;
			}
			vmbreak;
			vmcase(MAY_GOTO)
			{
				if (BPFX_LIKELY(run->may_goto_left)) {
					run->may_goto_left--;
					NEXT;
				} else
					TAKE();
			}
			vmbreak;
			vmcase(CALL_HELPER) vmcase(CALL_KFUNC)
			{
				BUDGET_EVENT();
				CALL_FN(ip->fn);
				NEXT;
			}
			vmbreak;
			vmcase(CALLX)
			{
				BUDGET_EVENT();
				const struct bpfx_func *f = bpfx_func_lookup(&run->prog->vm->helpers, DST);
				if (BPFX_UNLIKELY(!f)) {
					err = bpfx_run_error(run, PC, BPFX_E_NO_HELPER,
							     "callx r%u: no helper with id %llu is registered "
							     "in this VM",
							     ip->dst, (unsigned long long)DST);
					goto fail;
				}
				CALL_FN(f->info.fn);
				NEXT;
			}
			vmbreak;
			vmcase(CALL_LOCAL)
			{
				if (ip->imm) /* (not a call to a leaf: see bpfx_leaf_functions) */
					BUDGET_EVENT();
				uint32_t d = run->depth + 1;
				if (BPFX_UNLIKELY(d >= run->max_depth)) {
					err = bpfx_run_error(run, PC, BPFX_E_CALL_DEPTH,
							     "call %+d: the call would need frame %u, beyond "
							     "the limit of %u frames",
							     ip->off, d + 1, run->max_depth);
					goto fail;
				}
				bpfx_run_enter_frame(run, d);
				struct bpfx_frame *f = &run->frames[d];
				f->ret = ip + 1;
				memcpy(f->saved, &reg[6], sizeof(f->saved));
				run->depth = d;
				STACK_WINDOW();
				reg[10] = (uint64_t)(uintptr_t)(run->stack_end - (size_t)d * BPFX_STACK_SIZE);
				ip = ip->tgt;
			}
			vmbreak;
			vmcase(EXIT)
			{
				uint32_t d = run->depth;
				if (d == base)
					goto done;
				const struct bpfx_frame *f = &run->frames[d];
				memcpy(&reg[6], f->saved, sizeof(f->saved));
				ip = f->ret;
				run->depth = d - 1;
				STACK_WINDOW();
			}
			vmbreak;
#if !BPFX_INTERP_SWITCH
			/* Fused pairs: the first instruction, then straight into the second. */
#define FIRST_MOV64_X DST = SRC
#define FIRST_ADD64_X DST += SRC
#define FIRST_ADD64_K DST += IMM
#define BPFX_X_FUSED(A, B)                                                                            \
	X_##A##__##B : {                                                                              \
		FIRST_##A;                                                                            \
		ip++;                                                                                 \
	}                                                                                             \
	goto L_##B;
			BPFX_FUSED(BPFX_X_FUSED)
#undef BPFX_X_FUSED
#undef FIRST_MOV64_X
#undef FIRST_ADD64_X
#undef FIRST_ADD64_K
#endif
#if BPFX_INTERP_SWITCH
		case BPFX_OP__COUNT:
		case BPFX_OP__INVALID:
			__builtin_unreachable();
#endif
		}
	}

pkt_oob:
	run->stop = 1;
	run->stop_r0 = 0;
	/* fall through */
stopped:
	run->depth = base;
	run->tick = tick;
	if (run->status) {
		if (!run->have_insn) {
			run->have_insn = 1;
			run->insn = PC;
		}
		return run->status;
	}
	e->r0 = run->stop_r0;
	return 0;
done:
	run->tick = tick;
	e->r0 = reg[0];
	return 0;
fail:
	run->depth = base;
	run->tick = tick;
	if (!run->have_insn) {
		run->have_insn = 1;
		run->insn = PC;
	}
	run->stop = 1;
	if (!run->status)
		run->status = err;
	return run->status;

#undef vmdispatch
#undef vmcase
#undef vmbreak
#undef DISPATCH_TARGET
#undef PC
#undef DST
#undef SRC
#undef IMM
#undef U32
#undef S32
#undef S64
#undef NEXT
#undef BUDGET_EVENT
#undef TAKE
#undef MEMCHK
#undef STACK_WINDOW
#undef ATOMCHK
#undef PTR
#undef ALU
#undef SHIFT
#undef DIVOP
#undef B32K
#undef B32X
#undef B64K
#undef B64X
#undef DIV32
#undef DIV64
#undef MOD32
#undef MOD64
#undef SDIV32
#undef SDIV64
#undef SMOD32
#undef SMOD64
#undef DIVFAM
#undef LDX
#undef LDXS
#undef STORE
#undef MEMSIZE
#undef ATOMIC_RMW
#undef ATOMIC_W
#undef ACQREL
#undef PKT
#undef JCC
#undef JCC_U
#undef JCC_S
#undef CALL_FN
}

#pragma GCC diagnostic pop
