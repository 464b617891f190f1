/* SPDX-License-Identifier: MIT */
/*
 * ctx.c - contexts of object programs in user space.
 *
 * Linux gives XDP and socket/tc programs a context whose packet pointers are
 * u32 fields (xdp_md.data, __sk_buff.data, ...) and rewrites every load of
 * those fields into a load of the real 64-bit pointer. bpfx does the same at
 * load time: the context a program gets is a "shadow" struct, the Linux
 * layout followed by three u64 fields holding the real data, data_end and
 * data_meta pointers, and each `rX = *(u32 *)(ctx + off(data))` becomes
 * `rX = *(u64 *)(ctx + off(shadow data))` (same instruction count, so no
 * jump changes). Which registers hold the context is found by a small
 * forward analysis (registers and 8-byte stack spills, across bpf-to-bpf
 * calls). A load of a pointer field through a register that holds the
 * context on some paths only is refused. The u32 fields themselves read 0,
 * so a load the analysis missed yields NULL, never a truncated pointer, and
 * the verifier's program types for the shadow layouts do not allow them.
 */
#include <stdlib.h>
#include <string.h>

#include <bpfx/vm.h>

#include "ctx.h"

#define SKB_UAPI_SIZE 192u /* sizeof(struct __sk_buff), Linux 6.x */

struct shadow_xdp {
	uint32_t data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
	uint64_t p_data, p_end, p_meta;
	uint64_t p_start; /* the buffer start, for bpf_xdp_adjust_head; not visible to programs */
};

struct shadow_skb {
	uint32_t f[SKB_UAPI_SIZE / 4];
	uint64_t p_data, p_end, p_meta;
};

enum { SKB_LEN = 0, SKB_PKT_TYPE = 4, SKB_MARK = 8, SKB_QUEUE = 12, SKB_PROTOCOL = 16,
       SKB_VLAN_PRESENT = 20, SKB_VLAN_TCI = 24, SKB_VLAN_PROTO = 28, SKB_PRIORITY = 32,
       SKB_INGRESS_IFINDEX = 36, SKB_IFINDEX = 40, SKB_TC_INDEX = 44, SKB_CB = 48, SKB_HASH = 68,
       SKB_TC_CLASSID = 72, SKB_DATA = 76, SKB_DATA_END = 80, SKB_NAPI_ID = 84, SKB_FAMILY = 88,
       SKB_DATA_META = 140, SKB_WIRE_LEN = 160, SKB_GSO_SEGS = 164, SKB_GSO_SIZE = 176 };

struct ptr_field {
	uint32_t off, shadow_off;
};

static const struct ptr_field xdp_ptrs[] = {
	{0, offsetof(struct shadow_xdp, p_data)},
	{4, offsetof(struct shadow_xdp, p_end)},
	{8, offsetof(struct shadow_xdp, p_meta)},
};
static const struct ptr_field skb_ptrs[] = {
	{SKB_DATA, offsetof(struct shadow_skb, p_data)},
	{SKB_DATA_END, offsetof(struct shadow_skb, p_end)},
	{SKB_DATA_META, offsetof(struct shadow_skb, p_meta)},
};

enum bpfx_ctx_type ctx_type_of(const char *type)
{
	static const char *const skb[] = {"socket", "socket_filter", "sched_cls", "sched_act", "cgroup_skb", "tc",
					  "classifier", "action", "lwt_in", "lwt_out", "lwt_xmit",
					  "sk_skb"};
	if (!type)
		return BPFX_CTX_TYPE_GENERIC;
	if (!strcmp(type, "xdp"))
		return BPFX_CTX_TYPE_XDP;
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(skb); i++)
		if (!strcmp(type, skb[i]))
			return BPFX_CTX_TYPE_SKB;
	return BPFX_CTX_TYPE_GENERIC;
}

const char *ctx_verifier_type(enum bpfx_ctx_type ctx, const char *type)
{
	if (ctx == BPFX_CTX_TYPE_XDP)
		return "bpfx-xdp";
	if (ctx == BPFX_CTX_TYPE_SKB)
		return "bpfx-skb";
	/* The Linux contexts of these hold packet (or flow_keys) pointers,
	 * which runs with a plain context buffer do not provide: verify them as
	 * buffer programs */
	if (type && (!strcmp(type, "sock_ops") || !strcmp(type, "sk_msg") || !strcmp(type, "flow_dissector")))
		return NULL;
	return type && type[0] ? type : NULL;
}

int ctx_add_prog_types(bpfx_platform *p)
{
	const uint32_t R = BPFX_FIELD_READ, RW = BPFX_FIELD_READ | BPFX_FIELD_WRITE;
	const struct bpfx_ctx_field xf[] = {
		{12, 4, R, BPFX_FIELD_SCALAR, 0x7, 0},
		{16, 4, R, BPFX_FIELD_SCALAR, 0x7, 0},
		{20, 4, R, BPFX_FIELD_SCALAR, 0x7, 0},
		{offsetof(struct shadow_xdp, p_data), 8, R, BPFX_FIELD_PACKET, 0, 0},
		{offsetof(struct shadow_xdp, p_end), 8, R, BPFX_FIELD_PACKET_END, 0, 0},
		{offsetof(struct shadow_xdp, p_meta), 8, R, BPFX_FIELD_PACKET_META, 0, 0},
	};
	struct bpfx_prog_type xdp = {.sz = sizeof(xdp), .name = "bpfx-xdp", .ctx_kind = BPFX_CTX_STRUCT,
				     .ctx_size = sizeof(struct shadow_xdp), .fields = xf,
				     .nfields = BPFX_ARRAY_SIZE(xf), .max_packet = 65535};
	struct bpfx_ctx_field sf[40];
	size_t n = 0;
	static const uint32_t ro[] = {SKB_LEN, SKB_PKT_TYPE, SKB_PROTOCOL, SKB_VLAN_PRESENT, SKB_VLAN_TCI,
				      SKB_VLAN_PROTO, SKB_INGRESS_IFINDEX, SKB_IFINDEX, SKB_NAPI_ID,
				      SKB_FAMILY, SKB_WIRE_LEN, SKB_GSO_SEGS, SKB_GSO_SIZE};
	static const uint32_t rw[] = {SKB_MARK, SKB_QUEUE, SKB_PRIORITY, SKB_TC_INDEX, SKB_CB, SKB_CB + 4,
				      SKB_CB + 8, SKB_CB + 12, SKB_CB + 16, SKB_HASH, SKB_TC_CLASSID};
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(ro); i++)
		sf[n++] = (struct bpfx_ctx_field){ro[i], 4, R, BPFX_FIELD_SCALAR, 0x7, 0};
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(rw); i++)
		sf[n++] = (struct bpfx_ctx_field){rw[i], 4, RW, BPFX_FIELD_SCALAR, 0x7, 0};
	sf[n++] = (struct bpfx_ctx_field){offsetof(struct shadow_skb, p_data), 8, R, BPFX_FIELD_PACKET, 0, 0};
	sf[n++] = (struct bpfx_ctx_field){offsetof(struct shadow_skb, p_end), 8, R, BPFX_FIELD_PACKET_END, 0, 0};
	sf[n++] = (struct bpfx_ctx_field){offsetof(struct shadow_skb, p_meta), 8, R, BPFX_FIELD_PACKET_META, 0, 0};
	struct bpfx_prog_type skb = {.sz = sizeof(skb), .name = "bpfx-skb", .ctx_kind = BPFX_CTX_STRUCT,
				     .ctx_size = sizeof(struct shadow_skb), .fields = sf, .nfields = n,
				     .max_packet = 65535};
	int err = bpfx_platform_add_prog_type(p, &xdp);
	return err ? err : bpfx_platform_add_prog_type(p, &skb);
}

/* ---- the rewrite --------------------------------------------------------- */

/* Per value: bit 0 = may hold the context, bit 1 = may hold something else. */
enum { V_CTX = 1, V_OTHER = 2 };
#define NSLOTS (BPFX_STACK_SIZE / 8)

struct vstate {
	uint8_t reg[BPFX_NREGS];
	uint8_t slot[NSLOTS];
};

struct flow {
	struct vstate *st;        /* per instruction: state before it */
	unsigned char *seen;
	unsigned char *queued;
	size_t *work;
	size_t nwork;
	size_t n;
};

static void flow_join(struct flow *f, size_t at, const struct vstate *in)
{
	if (at >= f->n)
		return;
	struct vstate *s = &f->st[at];
	int changed = !f->seen[at];
	f->seen[at] = 1;
	for (size_t i = 0; i < BPFX_NREGS; i++)
		if ((s->reg[i] | in->reg[i]) != s->reg[i]) {
			s->reg[i] |= in->reg[i];
			changed = 1;
		}
	for (size_t i = 0; i < NSLOTS; i++)
		if ((s->slot[i] | in->slot[i]) != s->slot[i]) {
			s->slot[i] |= in->slot[i];
			changed = 1;
		}
	if (changed && !f->queued[at]) {
		f->queued[at] = 1;
		f->work[f->nwork++] = at;
	}
}

/* Slot index of [r10 + off] for an 8-byte aligned access, or -1. */
static int fp_slot(int16_t off)
{
	if (off >= 0 || off < -BPFX_STACK_SIZE || (off & 7))
		return -1;
	return (BPFX_STACK_SIZE + off) / 8;
}

static void clobber_calls(struct vstate *s)
{
	for (int r = 0; r <= 5; r++)
		s->reg[r] = V_OTHER;
}

int ctx_rewrite(struct bpfx_insn *code, size_t n, enum bpfx_ctx_type ctx, const char *prog,
		const struct bpfx_diag *d)
{
	const struct ptr_field *pf;
	size_t npf;
	if (ctx == BPFX_CTX_TYPE_XDP) {
		pf = xdp_ptrs;
		npf = BPFX_ARRAY_SIZE(xdp_ptrs);
	} else if (ctx == BPFX_CTX_TYPE_SKB) {
		pf = skb_ptrs;
		npf = BPFX_ARRAY_SIZE(skb_ptrs);
	} else {
		return 0;
	}
	if (!n)
		return 0;
	struct flow f = {.n = n};
	f.st = calloc(n, sizeof(*f.st));
	f.seen = calloc(n, 1);
	f.queued = calloc(n, 1);
	f.work = calloc(n, sizeof(*f.work)); /* each index is queued at most once at a time */
	if (!f.st || !f.seen || !f.queued || !f.work) {
		free(f.st);
		free(f.seen);
		free(f.queued);
		free(f.work);
		return bpfx_fail(d, BPFX_E_NOMEM, "program '%s': out of memory for the context rewrite", prog);
	}
	struct vstate entry;
	memset(&entry, V_OTHER, sizeof(entry));
	entry.reg[1] = V_CTX;
	flow_join(&f, 0, &entry);
	int err = 0;
	while (f.nwork && !err) {
		size_t k = f.work[--f.nwork];
		f.queued[k] = 0;
		struct vstate s = f.st[k];
		const struct bpfx_insn *in = &code[k];
		uint8_t cls = BPFX_CLASS(in->code);
		uint8_t mode = in->code & 0xe0;
		uint8_t op = in->code & 0xf0;
		size_t next = k + 1;
		switch (cls) {
		case BPFX_CLS_LD:
			if (in->code == 0x18) {
				s.reg[in->dst] = V_OTHER;
				next = k + 2;
			} else {
				s.reg[0] = V_OTHER;
				clobber_calls(&s);
			}
			flow_join(&f, next, &s);
			break;
		case BPFX_CLS_LDX: {
			int sl = (in->src == 10 && (in->code & 0x18) == BPFX_SZ_DW && mode == BPFX_MODE_MEM)
					 ? fp_slot(in->off)
					 : -1;
			s.reg[in->dst] = sl >= 0 ? s.slot[sl] : V_OTHER;
			flow_join(&f, next, &s);
			break;
		}
		case BPFX_CLS_ST:
		case BPFX_CLS_STX:
			if (in->dst == 10 && in->off < 0 && in->off >= -BPFX_STACK_SIZE) {
				int sl = (BPFX_STACK_SIZE + in->off) / 8;
				int whole = cls == BPFX_CLS_STX && mode == BPFX_MODE_MEM &&
					    (in->code & 0x18) == BPFX_SZ_DW && !(in->off & 7);
				s.slot[sl] = whole ? s.reg[in->src] : V_OTHER;
				if (sl + 1 < NSLOTS && (in->off & 7))
					s.slot[sl + 1] = V_OTHER; /* a misaligned store spans two slots */
			}
			if (mode == BPFX_MODE_ATOMIC && (in->imm & 1)) /* fetch variants; cmpxchg writes r0 */
				s.reg[in->imm == 0xf1 ? 0 : in->src] = V_OTHER;
			if (mode == BPFX_MODE_ATOMIC && cls == BPFX_CLS_STX && in->imm == 0x100)
				s.reg[in->dst] = V_OTHER;
			flow_join(&f, next, &s);
			break;
		case BPFX_CLS_ALU:
		case BPFX_CLS_ALU64:
			if (cls == BPFX_CLS_ALU64 && in->code == 0xbf && in->off == 0)
				s.reg[in->dst] = s.reg[in->src];
			else
				s.reg[in->dst] = V_OTHER;
			flow_join(&f, next, &s);
			break;
		default: /* JMP, JMP32 */
			if (op == 0x90) /* exit */
				break;
			if (op == 0x80) { /* call */
				if (cls == BPFX_CLS_JMP && in->src == BPFX_CALL_LOCAL) {
					struct vstate callee;
					memset(&callee, V_OTHER, sizeof(callee));
					for (int r = 1; r <= 5; r++)
						callee.reg[r] = s.reg[r];
					flow_join(&f, k + 1 + (size_t)(int64_t)in->imm, &callee);
				}
				clobber_calls(&s);
				s.reg[0] = V_OTHER;
				flow_join(&f, next, &s);
				break;
			}
			if (op == 0x00 && (in->code & 0x0f) == (BPFX_CLS_JMP | BPFX_SRC_X)) {
				err = bpfx_fail(d, BPFX_E_UNSUPPORTED,
						"program '%s': insn %zu: gotox (indirect jump) is not supported with "
						"a rewritten packet context", prog, k);
				break;
			}
			if (op == 0x00) { /* ja / gotol */
				int64_t off = cls == BPFX_CLS_JMP32 ? in->imm : in->off;
				flow_join(&f, (size_t)((int64_t)k + 1 + off), &s);
				break;
			}
			flow_join(&f, next, &s);
			flow_join(&f, (size_t)((int64_t)k + 1 + in->off), &s);
			break;
		}
	}
	for (size_t k = 0; k < n && !err; k++) {
		struct bpfx_insn *in = &code[k];
		if (!f.seen[k] || BPFX_CLASS(in->code) != BPFX_CLS_LDX)
			continue;
		uint8_t v = f.st[k].reg[in->src];
		if (!(v & V_CTX))
			continue;
		for (size_t i = 0; i < npf; i++) {
			if (in->off < 0 || (uint32_t)in->off != pf[i].off)
				continue;
			if (v != V_CTX) {
				err = bpfx_fail(d, BPFX_E_UNSUPPORTED,
						"program '%s': insn %zu: r%u holds the context on some paths only; "
						"the load of its packet pointer at offset %d cannot be rewritten",
						prog, k, in->src, in->off);
				break;
			}
			if (in->code == (BPFX_CLS_LDX | BPFX_MODE_MEM | BPFX_SZ_W)) {
				in->code = BPFX_CLS_LDX | BPFX_MODE_MEM | BPFX_SZ_DW;
				in->off = (int16_t)pf[i].shadow_off;
			}
		}
	}
	free(f.st);
	free(f.seen);
	free(f.queued);
	free(f.work);
	return err;
}

/* ---- runs ---------------------------------------------------------------- */

int ctx_run(const bpfx_prog *prog, enum bpfx_ctx_type ctx, struct bpfx_object_run_opts *o,
	    struct bpfx_run_result *res)
{
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = o->engine, .budget = o->budget,
				   .cancel = o->cancel, .user = o->user};
	struct bpfx_region pkt = {.base = o->data, .size = o->data_len, .writable = 1};
	unsigned char *data = o->data;
	uintptr_t beg = (uintptr_t)data, end = beg + o->data_len;
	if (ctx == BPFX_CTX_TYPE_XDP) {
		struct shadow_xdp x = {.ingress_ifindex = o->ifindex, .rx_queue_index = o->rx_queue,
				       .p_data = beg, .p_end = end, .p_meta = beg, .p_start = beg};
		ro.ctx = &x;
		ro.ctx_len = sizeof(x);
		ro.regions = &pkt;
		ro.nregions = o->data_len ? 1 : 0;
		int err = bpfx_prog_run(prog, &ro, res);
		o->data_off = (size_t)(x.p_data - beg);
		o->data_len_out = (size_t)(x.p_end - x.p_data);
		return err;
	}
	if (ctx == BPFX_CTX_TYPE_SKB) {
		struct shadow_skb s;
		memset(&s, 0, sizeof(s));
		s.f[SKB_LEN / 4] = (uint32_t)o->data_len;
		s.f[SKB_WIRE_LEN / 4] = (uint32_t)o->data_len;
		s.f[SKB_MARK / 4] = o->mark;
		s.f[SKB_QUEUE / 4] = o->rx_queue;
		s.f[SKB_IFINDEX / 4] = o->ifindex;
		s.f[SKB_INGRESS_IFINDEX / 4] = o->ifindex;
		s.f[SKB_GSO_SEGS / 4] = 1;
		if (o->data_len >= 14) {
			uint16_t proto; /* network byte order, as Linux stores it */
			memcpy(&proto, data + 12, 2);
			s.f[SKB_PROTOCOL / 4] = proto;
		}
		s.p_data = beg;
		s.p_end = end;
		s.p_meta = beg;
		ro.ctx = &s;
		ro.ctx_len = sizeof(s);
		ro.packet = o->data;
		ro.packet_len = o->data_len;
		ro.regions = &pkt;
		ro.nregions = o->data_len ? 1 : 0;
		int err = bpfx_prog_run(prog, &ro, res);
		o->mark_out = s.f[SKB_MARK / 4];
		o->data_off = 0;
		o->data_len_out = o->data_len;
		return err;
	}
	/* Plain-buffer contexts (kprobe's pt_regs, tracepoint records, ...): a
	 * verified program may read the whole context struct of its type, whatever
	 * length the caller gave, and unchecked engines do not check. So a short
	 * buffer runs from a zero-padded copy at least CTX_MIN_BYTES long (larger
	 * than every context struct the bundled platforms describe); r2 stays
	 * the caller's length, and what the program wrote is copied back. */
	enum { CTX_MIN_BYTES = 4096 };
	_Alignas(16) unsigned char pad[CTX_MIN_BYTES];
	if (o->data_len < sizeof(pad)) {
		memset(pad, 0, sizeof(pad));
		if (o->data_len)
			memcpy(pad, o->data, o->data_len);
		ro.ctx = pad;
	} else {
		ro.ctx = o->data;
	}
	ro.ctx_len = o->data_len;
	o->data_off = 0;
	o->data_len_out = o->data_len;
	int err = bpfx_prog_run(prog, &ro, res);
	if (ro.ctx == pad && o->data_len)
		memcpy(o->data, pad, o->data_len);
	return err;
}

const char *bpfx_xdp_action_name(uint64_t r0)
{
	static const char *const names[] = {"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					    "XDP_REDIRECT"};
	return r0 < BPFX_ARRAY_SIZE(names) ? names[r0] : NULL;
}

/* ---- helpers that need the context --------------------------------------- */

#define L_EINVAL 22
#define L_EFAULT 14
#define NEG(e) ((uint64_t)-(int64_t)(e))

/* The packet bounds a helper may use: the shadow context and the packet must
 * both be memory of the run (in checked runs; the verifier vouches for ctx
 * in unchecked ones). */
static int ctx_bounds(bpfx_run *run, void *ctx, size_t ctx_size, size_t data_off, uint64_t **pd,
		      uint64_t **pe)
{
	if (!ctx || bpfx_run_check_mem(run, ctx, ctx_size, 1))
		return -1;
	uint64_t *p = (uint64_t *)((unsigned char *)ctx + data_off);
	*pd = p;
	*pe = p + 1;
	if (p[1] < p[0] || (p[1] > p[0] && bpfx_run_check_mem(run, (void *)(uintptr_t)p[0], p[1] - p[0], 1)))
		return -1;
	return 0;
}

/* long bpf_skb_load_bytes(skb, offset, to, len) */
static uint64_t h_skb_load_bytes(uint64_t r1, uint64_t off, uint64_t to, uint64_t len, uint64_t r5,
				 bpfx_run *run)
{
	(void)r5;
	uint64_t *pd, *pe;
	if (ctx_bounds(run, (void *)(uintptr_t)r1, sizeof(struct shadow_skb), offsetof(struct shadow_skb, p_data), &pd,
		       &pe))
		return NEG(L_EFAULT);
	if (!len || off > *pe - *pd || len > *pe - *pd - off)
		return NEG(L_EFAULT);
	if (bpfx_run_check_mem(run, (void *)(uintptr_t)to, len, 1)) {
		bpfx_run_fail(run, BPFX_E_MEM_FAULT);
		return 0;
	}
	memcpy((void *)(uintptr_t)to, (const void *)(uintptr_t)(*pd + off), len);
	return 0;
}

/* long bpf_xdp_adjust_head(xdp, delta): moves the packet start within the
 * buffer the host gave (no headroom before it: only shrinking works, and
 * growing back up to the original start). */
static uint64_t h_xdp_adjust_head(uint64_t r1, uint64_t delta, uint64_t r3, uint64_t r4, uint64_t r5,
				  bpfx_run *run)
{
	(void)r3, (void)r4, (void)r5;
	uint64_t *pd, *pe;
	struct shadow_xdp *x = (struct shadow_xdp *)(uintptr_t)r1;
	if (ctx_bounds(run, x, sizeof(*x), offsetof(struct shadow_xdp, p_data), &pd, &pe))
		return NEG(L_EINVAL);
	int64_t d = (int32_t)delta;
	uint64_t start = x->p_start;
	uint64_t nd = x->p_data + (uint64_t)d;
	if (nd < start || nd + 14 > x->p_end)
		return NEG(L_EINVAL);
	x->p_data = nd;
	x->p_meta = nd;
	return 0;
}

/* long bpf_xdp_adjust_tail(xdp, delta): shrinking only (no tailroom). */
static uint64_t h_xdp_adjust_tail(uint64_t r1, uint64_t delta, uint64_t r3, uint64_t r4, uint64_t r5,
				  bpfx_run *run)
{
	(void)r3, (void)r4, (void)r5;
	uint64_t *pd, *pe;
	struct shadow_xdp *x = (struct shadow_xdp *)(uintptr_t)r1;
	if (ctx_bounds(run, x, sizeof(*x), offsetof(struct shadow_xdp, p_data), &pd, &pe))
		return NEG(L_EINVAL);
	int64_t d = (int32_t)delta;
	if (d > 0 || x->p_end + (uint64_t)d < x->p_data + 14)
		return NEG(L_EINVAL);
	x->p_end += (uint64_t)d;
	return 0;
}


int ctx_add_buffer_funcs(bpfx_platform *p, const bpfx_vm *vm)
{
	static const uint32_t ids[] = {26, 44, 65};
	const bpfx_helper_fn own[] = {h_skb_load_bytes, h_xdp_adjust_head, h_xdp_adjust_tail};
	int err = bpfx_platform_add_vm_funcs(p, vm);
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(ids) && !err; i++) {
		struct bpfx_func_info fi;
		if (bpfx_vm_find_func(vm, 0, ids[i], NULL, &fi) || fi.fn != own[i] || !fi.proto)
			continue;
		/* the verifier has no way to drop a helper: give it a prototype no
		 * buffer program can satisfy (a BTF pointer without a type) */
		static const struct bpfx_func_proto never = {BPFX_RET_INTEGER, {BPFX_ARG_PTR_TO_BTF_ID}, 0};
		err = bpfx_platform_add_helper(p, ids[i], fi.name, &never);
	}
	return err;
}

int bpfx_object_register_ctx_helpers(bpfx_vm *vm)
{
	if (!vm)
		return BPFX_E_INVAL;
	static const struct {
		uint32_t id;
		const char *name;
		bpfx_helper_fn fn;
		struct bpfx_func_proto proto;
	} hs[] = {
		{26, "bpf_skb_load_bytes", h_skb_load_bytes,
		 {BPFX_RET_INTEGER, {BPFX_ARG_PTR_TO_CTX, BPFX_ARG_ANYTHING, BPFX_ARG_PTR_TO_UNINIT_MEM,
				     BPFX_ARG_CONST_SIZE}, 0}},
		/* these two move the packet: no prototype, so that the verifier
		 * (which does not model the move) refuses them rather than
		 * trusting stale packet bounds; such programs run checked */
		{44, "bpf_xdp_adjust_head", h_xdp_adjust_head, {0}},
		{65, "bpf_xdp_adjust_tail", h_xdp_adjust_tail, {0}},
	};
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(hs); i++) {
		struct bpfx_func_info fi;
		if (bpfx_vm_find_func(vm, 0, hs[i].id, NULL, &fi) == 0)
			continue; /* the host's own helper wins */
		int err = bpfx_vm_register_helper(vm, hs[i].id, hs[i].name, hs[i].fn,
						  hs[i].proto.args[0] ? &hs[i].proto : NULL);
		if (err)
			return err;
	}
	return 0;
}
