/* SPDX-License-Identifier: MIT */
/*
 * state.h - the abstract machine state of the verifier: registers, stack
 * frames, references, and the bookkeeping for path exploration.
 */
#ifndef BPFX_VERIFIER_STATE_H
#define BPFX_VERIFIER_STATE_H

#include <bpfx/isa.h>

#include "bounds.h"

/* What a register (or a spilled stack slot) holds. */
enum vt {
	VT_UNINIT = 0, /* never written: reading it is an error */
	VT_SCALAR,     /* a number: s */
	VT_CTX,        /* the context struct, offset s */
	VT_STACK,      /* frame `frame`'s stack, offset s from its top (negative) */
	VT_PKT,        /* packet (or generic buffer) start + s */
	VT_PKT_END,    /* packet end + s */
	VT_PKT_META,   /* packet metadata start + s */
	VT_MAP,        /* the map `aux` itself (helper argument only) */
	VT_MAP_VALUE,  /* a value of map `aux`, offset s */
	VT_MEM,        /* memory of `aux` bytes from a helper, offset s */
	VT_FUNC,       /* code address of instruction `aux` */
	VT_BTF,        /* struct `aux` of the platform's BTF, offset s (btf.c) */
	VT__COUNT
};

#define VF_NULL 0x1u   /* pointer may be NULL; `id` names it for the NULL check */
#define VF_RDONLY 0x2u /* pointed memory is read-only */
#define VF_LEN 0x4u    /* scalar equal to the buffer length + lenoff */

struct vreg {
	uint8_t type;  /* enum vt */
	uint8_t flags; /* VF_* */
	uint8_t frame; /* VT_STACK: frame index in the state */
	uint8_t pad;
	uint32_t id;   /* pointers: NULL-check identity; scalars: equal-value identity */
	uint32_t ref;  /* acquired reference this pointer carries, 0 if none */
	uint32_t aux;  /* map index, memory size or code address (see enum vt) */
	int32_t lenoff;
	struct bpfx_scalar s; /* value (scalars) or offset (pointers) */
};

enum { ST_INVALID = 0, ST_MISC = 1, ST_SPILL = 2 };
#define VSLOTS (BPFX_STACK_SIZE / 8)

struct vframe {
	struct vreg regs[BPFX_NREGS];
	uint32_t callsite; /* instruction that called this frame (main: UINT32_MAX) */
	uint32_t subprog;  /* function index */
	/* a callback frame (its callsite is a helper call): the activation of
	 * that call it belongs to (calls.c), else 0 */
	uint32_t cb_act;
	uint8_t stype[BPFX_STACK_SIZE]; /* per byte, ST_*; index 0 is offset -512 */
	/* Spilled registers of the top nspill slots (allocated as the frame
	 * grows): slot k, valid when its 8 bytes are ST_SPILL, is VSPILL(f, k). */
	uint32_t nspill;
	struct vreg *spill;
};
#define VSPILL(f, k) (&(f)->spill[(k) - (VSLOTS - (int)(f)->nspill)])

#define VMAX_REFS 32

/* One branch decision, shared by the states that followed it. */
struct vtrail {
	uint32_t insn;
	uint8_t taken;
	const struct vtrail *prev;
};

struct vrec;

/* A step of a path that precision backtracking cannot infer from the code
 * alone (precise.c): a jump, call or return (`next` is not the following
 * instruction), a stack access (which frame and slots), or a conditional
 * jump on a register that shares its identity with others. A persistent
 * list, shared by the states that followed it. */
struct vhist {
	uint32_t insn, next;
	uint8_t frame; /* the frame the instruction ran in */
	uint8_t flags; /* VH_* */
	uint8_t sframe, slo, shi; /* VH_STACK: slots [slo, shi] of frame sframe */
	uint16_t links; /* VH_LINKED: registers of `frame` sharing an operand's identity */
	const struct vhist *prev;
};
#define VH_STACK 0x1  /* a stack access */
#define VH_FULL 0x2   /* ... of exactly the 8 bytes of slot slo */
#define VH_LINKED 0x4 /* conditional jump refining the registers in `links` too */
#define VH_LINKED_FAR 0x8 /* ... and spills or registers of other frames */

struct vstate {
	uint32_t pc;
	uint32_t nframes;
	struct vframe *fr[BPFX_MAX_CALL_DEPTH];
	uint64_t pkt_range;    /* bytes of the packet/buffer proven to exist */
	uint64_t meta_range;   /* bytes from the metadata start proven to lie before the packet */
	uint32_t nrefs;
	uint32_t refs[VMAX_REFS];     /* acquired reference ids */
	uint32_t ref_insn[VMAX_REFS]; /* where each was acquired */
	uint64_t mg_epoch;     /* may_goto continuations taken on this path */
	/* the spin lock held (calls.c): map index + 1 (0: none), the id of the
	 * value pointer it was taken through, and where */
	uint32_t lock_map1, lock_id, lock_insn;
	uint32_t insns_since, jmps_since; /* since the last stored state */
	struct vrec *parent;   /* last stored state on this path */
	const struct vtrail *trail;
	const struct vhist *hist; /* precise.c: path history since the start */
	uint64_t written[BPFX_MAX_CALL_DEPTH]; /* slots fully written since `parent` */
};

/* A state stored at a prune point. */
struct vrec {
	struct vstate *st;
	struct vrec *parent;
	uint32_t branches; /* explorations still running below it; 0 = complete */
	uint32_t hit, miss; /* how often it pruned a path / failed to */
	int retired;        /* dropped from its list; freed when complete */
	struct vrec *next;
	/* precise.c: what the paths below it depend on (final once complete) */
	const struct vhist *hist;  /* the path history when it was stored */
	uint8_t force;             /* every scalar precise, every slot live (so are its parents') */
	uint16_t prec_reg[BPFX_MAX_CALL_DEPTH];  /* scalars whose value matters, per frame */
	uint64_t prec_slot[BPFX_MAX_CALL_DEPTH]; /* spilled scalars whose value matters */
	uint64_t live[BPFX_MAX_CALL_DEPTH];      /* slots read below before being written */
	uint64_t seg_written[BPFX_MAX_CALL_DEPTH]; /* slots fully written between its parent and it */
};

#endif
