/* SPDX-License-Identifier: MIT */
/* verifier_internal.h - platform representation and the report builder,
 * shared by the files of src/verifier. */
#ifndef BPFX_VERIFIER_INTERNAL_H
#define BPFX_VERIFIER_INTERNAL_H

#include <bpfx/verifier.h>
#include <stdbool.h>
#include <stdlib.h>

#include "../common/diag.h"
#include "rules.h"

struct vplat_func {
	uint32_t id;
	char *name;
	struct bpfx_func_proto proto;
};

struct vplat_type {
	struct bpfx_prog_type t; /* name, fields and helpers point at owned copies */
};

/* A helper's callback signature (bpfx_platform_set_callback). */
struct vplat_cb {
	uint32_t id;
	struct bpfx_callback_proto cb;
};

/* BTF types of a helper or kfunc (bpfx_platform_set_func_btf). */
struct vplat_fbtf {
	bool kfunc;
	uint32_t id;
	struct bpfx_func_btf t;
};

struct vbtf; /* btf.c */

struct bpfx_platform {
	char *name;
	uint32_t groups;
	uint32_t stack_total;
	struct bpfx_diag diag;
	struct vplat_type *types;
	size_t ntypes;
	struct vplat_func *helpers, *kfuncs;
	size_t nhelpers, nkfuncs;
	struct vbtf *btf; /* btf.c: the platform's BTF, or NULL */
	struct vplat_fbtf *fbtf;
	size_t nfbtf;
	struct vplat_cb *cbs;
	size_t ncbs;
};

/* The bundled "linux" platform (linux.c). */
int bpfx_linux_platform(bpfx_platform **out);

const struct vplat_func *bpfx_vplat_find(const struct vplat_func *fs, size_t n, uint32_t id);

/* A growable string. On allocation failure it stops growing and remembers
 * the failure (sb->oom), so callers check once at the end. */
struct vsb {
	char *s;
	size_t len, cap;
	int oom;
	size_t limit; /* 0: none; past it, appends are dropped and `cut` is set */
	int cut;
};
void bpfx_vsb_printf(struct vsb *sb, const char *fmt, ...) BPFX_PRINTF(2, 3);
void bpfx_vsb_puts(struct vsb *sb, const char *s);
/* Takes the string (never NULL: "" when empty or on failure). */
char *bpfx_vsb_take(struct vsb *sb);

/* Builds a report; all strings are copied. */
struct bpfx_report *bpfx_report_new(void);
int bpfx_report_set(struct bpfx_report *r, const char *field, const char *value);

/* ---- shared by the files of the analysis (verifier.c, state.c, structure.c,
 * alu.c, memory.c, calls.c) ---- */

#include "state.h"

#define DEFAULT_MAX_INSNS 1000000ull
#define MAX_VAR_OFF (1ll << 29)
#define MAX_STATES_PER_INSN 64
#define MAX_PENDING 32768
/* prune point kinds: loop heads always store states; other points only
 * after some progress since the last stored state (saves memory, as Linux) */
#define PRUNE_JOIN 1
#define PRUNE_LOOP 2
#define MAX_STATES_KEPT 16384 /* stored states, all instructions together */
#define TRAIL_CHUNK 4096

static const char *const vt_names[VT__COUNT] = {"uninit", "scalar",  "ctx",       "stack", "pkt", "pkt_end",
						"pkt_meta", "map",  "map_value", "mem",   "func", "btf"};

struct trail_chunk {
	struct trail_chunk *next;
	size_t used;
	struct vtrail t[TRAIL_CHUNK];
};

struct venv {
	const bpfx_platform *plat;
	const struct bpfx_prog_type *pt;
	const struct bpfx_insn *insns;
	size_t n;
	int16_t *ops;
	const struct bpfx_map_desc *maps;
	size_t nmaps;
	const struct bpfx_func_sig *funcs; /* BTF signatures (calls.c) */
	size_t nfuncs;
	bool unpriv;
	/* narrow stack stores of known numbers keep their values (set for
	 * every program since pruning compares only precise numbers and live
	 * slots, structure.c) */
	bool has_loops;
	uint64_t max_insns;
	enum bpfx_verify_log log_level;
	struct bpfx_diag diag;
	const char *name;

	/* structure */
	uint32_t *subprog_of; /* per insn */
	uint32_t *sub_start;
	uint32_t nsub;
	uint32_t *sub_depth; /* deepest stack byte used per function */
	uint8_t *call_seen;  /* per insn: a local call analysed here */
	uint8_t *prune;      /* per insn: store states here */
	uint16_t *live;      /* per insn: registers that may be read before written (bit i = ri) */

	/* exploration */
	struct vrec **visited;
	uint32_t *nvisited;
	uint64_t stored_cur;
	struct vstate **work;
	size_t nwork, capwork;
	uint32_t next_id;
	struct bpfx_verify_stats stats;
	uint64_t mem_cur, states_cur;
	struct trail_chunk *trails;
	struct vhist_chunk *hists; /* precise.c */

	/* callbacks (calls.c): caller states at each entry of a callback, per
	 * activation of the helper call */
	struct vcb_head *cb_heads;
	size_t ncb_heads, capcb_heads;
	uint32_t next_act;

	/* outcome */
	int failed;
	enum bpfx_rule rule;
	int64_t fail_insn;
	char msg[768];
	int fail_slot_lo, fail_slot_hi; /* stack bytes involved, offsets; lo > hi: none */
	int fail_frame;
	struct vsb state_txt, path_txt;
	struct vsb log;
	char vmsg[1024]; /* validator's message */
};

/* Applies fn to every register and spilled register of every frame. */
#define FOR_EACH_REG(st, r, body)                                                                     \
	do {                                                                                          \
		for (uint32_t fi_ = 0; fi_ < (st)->nframes; fi_++) {                                  \
			struct vframe *f_ = (st)->fr[fi_];                                            \
			for (int ri_ = 0; ri_ < BPFX_NREGS; ri_++) {                                  \
				struct vreg *r = &f_->regs[ri_];                                      \
				body;                                                                 \
			}                                                                             \
			for (int si_ = 0; si_ < VSLOTS; si_++) {                                      \
				if (f_->stype[si_ * 8] != ST_SPILL)                                   \
					continue;                                                     \
				struct vreg *r = VSPILL(f_, si_);                                     \
				body;                                                                 \
			}                                                                             \
		}                                                                                     \
	} while (0)


static inline struct vframe *cur(struct vstate *st)
{
	return st->fr[st->nframes - 1];
}
static inline struct vreg *reg(struct vstate *st, unsigned i)
{
	return &cur(st)->regs[i];
}
static inline bool is_ptr(const struct vreg *r)
{
	return r->type >= VT_CTX;
}

void vf_mem_add(struct venv *e, int64_t bytes);
void vf_states_add(struct venv *e, int64_t k);
struct vframe *vf_frame_alloc(struct venv *e);
void vf_frame_free(struct venv *e, struct vframe *f);
bool vf_slot_full(const uint8_t *stype, int s);
bool vf_slot_any_spill(const uint8_t *stype, int s);
int vf_ensure_spill(struct venv *e, struct vframe *f, int k);
void vf_state_free(struct venv *e, struct vstate *st);
struct vstate *vf_state_copy(struct venv *e, const struct vstate *src);
const struct vtrail *vf_trail_push(struct venv *e, const struct vtrail *prev, uint32_t insn, int taken);
const char *vf_map_name(const struct venv *e, uint32_t m);
void vf_fmt_reg(const struct venv *e, const struct vreg *r, char *buf, size_t len);
void vf_disasm_at(const struct venv *e, size_t pc, char *buf, size_t len);
int vf_fail(struct venv *e, const struct vstate *st, enum bpfx_rule rule, const char *fmt, ...)
	BPFX_PRINTF(4, 5);
void vf_note_slots(struct venv *e, uint32_t frame, int64_t lo, int64_t hi);
void vf_set_uninit(struct vreg *r);
void vf_set_scalar(struct vreg *r, struct bpfx_scalar s);
void vf_set_unknown(struct vreg *r);
void vf_set_const(struct vreg *r, uint64_t v);
void vf_set_ptr(struct vreg *r, enum vt type, int64_t off);
int vf_check_init(struct venv *e, struct vstate *st, unsigned i);
int vf_structure(struct venv *e);
int vf_do_alu(struct venv *e, struct vstate *st, const struct bpfx_insn *x, int op);
void vf_remove_ref(struct vstate *st, uint32_t ref);
bool vf_has_ref(const struct vstate *st, uint32_t ref);
int vf_push_state(struct venv *e, struct vstate *st);
int vf_do_jcc(struct venv *e, struct vstate **pst, const struct bpfx_insn *x, int op);
void vf_stack_clobber(struct venv *e, struct vframe *f, int64_t lo, int64_t hi);
int vf_stack_depth_check(struct venv *e, struct vstate *st, uint32_t frame, int64_t lo);
int vf_do_mem(struct venv *e, struct vstate *st, const struct bpfx_insn *x, int op);
int vf_do_lddw(struct venv *e, struct vstate *st, const struct bpfx_insn *x, int op);
int vf_check_const_str(struct venv *e, struct vstate *st, const char *fname, unsigned rn);
/* btf.c: the platform's BTF and BTF-typed pointers (VT_BTF) */
int bpfx_vbtf_parse(const void *data, size_t size, struct bpfx_diag *d, struct vbtf **out);
void bpfx_vbtf_free(struct vbtf *b);
uint32_t bpfx_vbtf_struct(const struct vbtf *b, uint32_t id);
uint32_t bpfx_vbtf_size(const struct vbtf *b, uint32_t sid);
const char *bpfx_vbtf_name(const struct vbtf *b, uint32_t id);
int bpfx_vbtf_set_writable(struct vbtf *b, uint32_t sid);
int vf_btf_access(struct venv *e, struct vstate *st, unsigned pr, const struct vreg *p, int16_t off, int size,
		  bool write, const struct vreg *val, struct vreg *out);
int vf_btf_arg(struct venv *e, struct vstate *st, const struct bpfx_func_proto *proto, const char *fname, unsigned i);
int vf_btf_ret(struct venv *e, struct vstate *st, const struct bpfx_func_proto *proto, const char *fname);
int vf_do_helper(struct venv *e, struct vstate *st, const struct bpfx_insn *x, bool kfunc);
int vf_do_call_local(struct venv *e, struct vstate *st, const struct bpfx_insn *x);
int vf_do_callx(struct venv *e, struct vstate *st, const struct bpfx_insn *x);
int vf_do_exit(struct venv *e, struct vstate *st);
bool vf_covers(const struct venv *e, const struct vstate *o, const struct vstate *c);
/* st becomes a state covering both st and o, with moving bounds pushed to
 * their extremes; false (st unchanged) if their shapes differ. */
bool vf_widen_state(struct vstate *st, const struct vstate *o);
/* Explores every path from st (taken over) to its end. */
int vf_explore(struct venv *e, struct vstate *st);
/* After the main analysis: checks the function signatures and verifies
 * each global function on its own (calls.c). */
int vf_verify_globals(struct venv *e);
/* Frees what calls.c keeps in the environment. */
void vf_calls_free(struct venv *e);
/* The frame is a callback's (its callsite is a helper call, not a local call). */
bool vf_is_cb_frame(const struct venv *e, const struct vframe *f);

/* ---- precision and stack liveness (precise.c) ---- */
struct vp_step {
	uint32_t pc, frame;
	const struct vhist *hist;
	struct vrec *parent;
	size_t nwork;
	struct vhist h; /* what the instruction needs recorded */
	uint8_t jcc;    /* a comparison of numbers: its operands matter if it was decided */
	uint8_t full;   /* a store that fully writes slot h.slo of frame h.sframe */
};
/* Before executing the instruction at st->pc: records what backtracking
 * will need, marks the scalars whose value the instruction's safety checks
 * use as precise and the stack slots it reads as live. */
int vp_before(struct venv *e, struct vstate *st, struct vp_step *p);
/* After it (rc: what step returned; st: the state going on, if any). */
int vp_after(struct venv *e, struct vstate *st, struct vp_step *p, int rc);
/* st is stored as rec: rec starts its own marks and path segment. */
void vp_rec_init(struct vrec *rec, struct vstate *st);
/* st was pruned by the complete state `by`: what by's subtree depends on,
 * st's parents depend on too. */
void vp_pruned(struct venv *e, const struct vstate *st, const struct vrec *by);
/* rec and its parents compare everything (pruning against a state still
 * being explored). */
void vp_force(struct vrec *rec);
void vp_free(struct venv *e);

#endif
