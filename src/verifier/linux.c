/* SPDX-License-Identifier: MIT */
/* linux.c - the bundled "linux" platform: the program types real Linux BPF
 * programs use, their context layouts (uapi structs as the kernel exposes
 * them to programs on x86-64) and the helpers each type may call.
 *
 * The data here is written from the documented uapi (struct __sk_buff,
 * xdp_md, bpf_sock, bpf_sock_ops, bpf_sock_addr, sk_msg_md,
 * bpf_perf_event_data, pt_regs) and the documented helper list (ids and
 * argument meanings). Pointer-valued context fields other than packet
 * pointers and flow_dissector's flow_keys (skb->sk, sock_ops->sk, ...) are
 * left out: reading them is refused, which is safe. */
#include <string.h>

#include "verifier_internal.h"

/* Program type classes, used to say which types may call which helper. */
enum {
	K_SOCK = 1u << 0,    /* socket_filter (and the older name "socket") */
	K_TC = 1u << 1,      /* sched_cls, sched_act */
	K_XDP = 1u << 2,
	K_TRACE = 1u << 3,   /* kprobe, tracepoint, perf_event, raw_tracepoint */
	K_KPROBE = 1u << 4,  /* kprobe only */
	K_PERF = 1u << 5,    /* perf_event only */
	K_CGSKB = 1u << 6,   /* cgroup_skb */
	K_CGSOCK = 1u << 7,  /* cgroup_sock */
	K_SOCKOPS = 1u << 8, /* sock_ops */
	K_SKSKB = 1u << 9,   /* sk_skb */
	K_SKMSG = 1u << 10,  /* sk_msg */
	K_LWT = 1u << 11,    /* lwt_in, lwt_out, lwt_xmit */
	K_LWTX = 1u << 12,   /* lwt_xmit only */
	K_CGADDR = 1u << 13, /* cgroup_sock_addr */
	K_FLOW = 1u << 14,   /* flow_dissector */
	K_SYSCALL = 1u << 15, /* syscall */
	K_ALL = 0xffffffffu,
};
#define K_SKBNET (K_TC | K_LWTX)                 /* may rewrite skb packets and headers */
#define K_CGROUP (K_CGSKB | K_CGSOCK | K_CGADDR | K_SOCKOPS)

/* Short names for the prototype tables */
#define A_ANY BPFX_ARG_ANYTHING
#define A_CTX BPFX_ARG_PTR_TO_CTX
#define A_MAP BPFX_ARG_CONST_MAP_PTR
#define A_KEY BPFX_ARG_PTR_TO_MAP_KEY
#define A_VAL BPFX_ARG_PTR_TO_MAP_VALUE
#define A_MEM BPFX_ARG_PTR_TO_MEM
#define A_MEMN BPFX_ARG_PTR_TO_MEM_OR_NULL
#define A_WMEM BPFX_ARG_PTR_TO_WRITABLE_MEM
#define A_UMEM BPFX_ARG_PTR_TO_UNINIT_MEM
#define A_SZ BPFX_ARG_CONST_SIZE
#define A_SZ0 BPFX_ARG_CONST_SIZE_OR_ZERO
#define A_ALLOC BPFX_ARG_CONST_ALLOC_SIZE_OR_ZERO
#define A_REL BPFX_ARG_RELEASE_REF
#define R_INT BPFX_RET_INTEGER
#define R_VOID BPFX_RET_VOID
#define PKT BPFX_PROTO_CHANGES_PACKET

struct linux_helper {
	uint32_t id;
	const char *name;
	uint32_t kinds; /* K_* classes that may call it */
	struct bpfx_func_proto proto;
};

/* Helpers, by id. Packet-changing helpers carry PKT: after the call every
 * packet pointer and proven range is forgotten. */
static const struct linux_helper linux_helpers[] = {
	{1, "bpf_map_lookup_elem", K_ALL, {BPFX_RET_MAP_VALUE_OR_NULL, {A_MAP, A_KEY}, 0}},
	{2, "bpf_map_update_elem", K_ALL, {R_INT, {A_MAP, A_KEY, A_VAL, A_ANY}, 0}},
	{3, "bpf_map_delete_elem", K_ALL, {R_INT, {A_MAP, A_KEY}, 0}},
	{4, "bpf_probe_read", K_TRACE, {R_INT, {A_UMEM, A_SZ0, A_ANY}, 0}},
	{5, "bpf_ktime_get_ns", K_ALL, {R_INT, {0}, 0}},
	/* the format decides how many of r3-r5 are used: Linux checks none */
	{6, "bpf_trace_printk", K_ALL, {R_INT, {A_MEM, A_SZ}, 0}},
	{7, "bpf_get_prandom_u32", K_ALL, {R_INT, {0}, 0}},
	{8, "bpf_get_smp_processor_id", K_ALL, {R_INT, {0}, 0}},
	{9, "bpf_skb_store_bytes", K_SKBNET | K_SKSKB, {R_INT, {A_CTX, A_ANY, A_MEM, A_SZ, A_ANY}, PKT}},
	{10, "bpf_l3_csum_replace", K_SKBNET, {R_INT, {A_CTX, A_ANY, A_ANY, A_ANY, A_ANY}, PKT}},
	{11, "bpf_l4_csum_replace", K_SKBNET, {R_INT, {A_CTX, A_ANY, A_ANY, A_ANY, A_ANY}, PKT}},
	{12, "bpf_tail_call", K_ALL, {R_VOID, {A_CTX, A_MAP, A_ANY}, BPFX_PROTO_MAY_STOP}},
	{13, "bpf_clone_redirect", K_SKBNET, {R_INT, {A_CTX, A_ANY, A_ANY}, PKT}},
	{14, "bpf_get_current_pid_tgid", K_TRACE | K_CGROUP, {R_INT, {0}, 0}},
	{15, "bpf_get_current_uid_gid", K_TRACE | K_CGROUP, {R_INT, {0}, 0}},
	{16, "bpf_get_current_comm", K_TRACE | K_CGROUP, {R_INT, {A_UMEM, A_SZ}, 0}},
	{17, "bpf_get_cgroup_classid", K_TC | K_LWT, {R_INT, {A_CTX}, 0}},
	{18, "bpf_skb_vlan_push", K_TC, {R_INT, {A_CTX, A_ANY, A_ANY}, PKT}},
	{19, "bpf_skb_vlan_pop", K_TC, {R_INT, {A_CTX}, PKT}},
	{20, "bpf_skb_get_tunnel_key", K_TC | K_LWTX, {R_INT, {A_CTX, A_UMEM, A_SZ, A_ANY}, 0}},
	{21, "bpf_skb_set_tunnel_key", K_TC | K_LWTX, {R_INT, {A_CTX, A_MEM, A_SZ, A_ANY}, 0}},
	{22, "bpf_perf_event_read", K_TRACE, {R_INT, {A_MAP, A_ANY}, 0}},
	{23, "bpf_redirect", K_TC | K_XDP | K_LWTX, {R_INT, {A_ANY, A_ANY}, 0}},
	{24, "bpf_get_route_realm", K_TC | K_LWT, {R_INT, {A_CTX}, 0}},
	{25, "bpf_perf_event_output", K_ALL, {R_INT, {A_CTX, A_MAP, A_ANY, A_MEM, A_SZ0}, 0}},
	{26, "bpf_skb_load_bytes", K_SOCK | K_TC | K_CGSKB | K_SKSKB | K_LWT | K_FLOW,
	 {R_INT, {A_CTX, A_ANY, A_UMEM, A_SZ}, 0}},
	{27, "bpf_get_stackid", K_TRACE, {R_INT, {A_CTX, A_MAP, A_ANY}, 0}},
	{28, "bpf_csum_diff", K_TC | K_XDP | K_LWT | K_SKSKB, {R_INT, {A_MEMN, A_SZ0, A_MEMN, A_SZ0, A_ANY}, 0}},
	{29, "bpf_skb_get_tunnel_opt", K_TC | K_LWTX, {R_INT, {A_CTX, A_UMEM, A_SZ}, 0}},
	{30, "bpf_skb_set_tunnel_opt", K_TC | K_LWTX, {R_INT, {A_CTX, A_MEM, A_SZ}, 0}},
	{31, "bpf_skb_change_proto", K_TC, {R_INT, {A_CTX, A_ANY, A_ANY}, PKT}},
	{32, "bpf_skb_change_type", K_TC, {R_INT, {A_CTX, A_ANY}, 0}},
	{33, "bpf_skb_under_cgroup", K_TC | K_LWT, {R_INT, {A_CTX, A_MAP, A_ANY}, 0}},
	{34, "bpf_get_hash_recalc", K_TC | K_LWT, {R_INT, {A_CTX}, 0}},
	{35, "bpf_get_current_task", K_TRACE, {R_INT, {0}, 0}},
	/* Linux 6.18 as configured here refuses these two for kprobes (lockdown,
	 * no error injection): described, but no program type may call them */
	{36, "bpf_probe_write_user", 0, {R_INT, {A_ANY, A_MEM, A_SZ}, 0}},
	{37, "bpf_current_task_under_cgroup", K_TRACE, {R_INT, {A_MAP, A_ANY}, 0}},
	{38, "bpf_skb_change_tail", K_TC | K_SKSKB, {R_INT, {A_CTX, A_ANY, A_ANY}, PKT}},
	{39, "bpf_skb_pull_data", K_TC | K_SKSKB | K_LWTX, {R_INT, {A_CTX, A_ANY}, PKT}},
	{40, "bpf_csum_update", K_TC, {R_INT, {A_CTX, A_ANY}, 0}},
	{41, "bpf_set_hash_invalid", K_TC, {R_INT, {A_CTX}, 0}},
	{42, "bpf_get_numa_node_id", K_ALL, {R_INT, {0}, 0}},
	{43, "bpf_skb_change_head", K_TC | K_SKSKB | K_LWTX, {R_INT, {A_CTX, A_ANY, A_ANY}, PKT}},
	{44, "bpf_xdp_adjust_head", K_XDP, {R_INT, {A_CTX, A_ANY}, PKT}},
	{45, "bpf_probe_read_str", K_TRACE, {R_INT, {A_UMEM, A_SZ0, A_ANY}, 0}},
	{46, "bpf_get_socket_cookie", K_SOCK | K_TC | K_CGSKB | K_CGSOCK | K_CGADDR | K_SOCKOPS | K_SKSKB,
	 {R_INT, {A_CTX}, 0}},
	{47, "bpf_get_socket_uid", K_SOCK | K_TC | K_CGSKB | K_SKSKB, {R_INT, {A_CTX}, 0}},
	{48, "bpf_set_hash", K_TC, {R_INT, {A_CTX, A_ANY}, 0}},
	{49, "bpf_setsockopt", K_SOCKOPS | K_CGADDR, {R_INT, {A_CTX, A_ANY, A_ANY, A_MEM, A_SZ}, 0}},
	{50, "bpf_skb_adjust_room", K_TC | K_SKSKB, {R_INT, {A_CTX, A_ANY, A_ANY, A_ANY}, PKT}},
	{51, "bpf_redirect_map", K_XDP, {R_INT, {A_MAP, A_ANY, A_ANY}, 0}},
	{52, "bpf_sk_redirect_map", K_SKSKB, {R_INT, {A_CTX, A_MAP, A_ANY, A_ANY}, 0}},
	{53, "bpf_sock_map_update", K_SOCKOPS, {R_INT, {A_CTX, A_MAP, A_KEY, A_ANY}, 0}},
	{54, "bpf_xdp_adjust_meta", K_XDP, {R_INT, {A_CTX, A_ANY}, PKT}},
	{55, "bpf_perf_event_read_value", K_TRACE, {R_INT, {A_MAP, A_ANY, A_UMEM, A_SZ}, 0}},
	{56, "bpf_perf_prog_read_value", K_PERF, {R_INT, {A_CTX, A_UMEM, A_SZ}, 0}},
	{57, "bpf_getsockopt", K_SOCKOPS | K_CGADDR, {R_INT, {A_CTX, A_ANY, A_ANY, A_UMEM, A_SZ}, 0}},
	{58, "bpf_override_return", 0, {R_INT, {A_CTX, A_ANY}, 0}},
	{59, "bpf_sock_ops_cb_flags_set", K_SOCKOPS, {R_INT, {A_CTX, A_ANY}, 0}},
	{60, "bpf_msg_redirect_map", K_SKMSG, {R_INT, {A_CTX, A_MAP, A_ANY, A_ANY}, 0}},
	{61, "bpf_msg_apply_bytes", K_SKMSG, {R_INT, {A_CTX, A_ANY}, 0}},
	{62, "bpf_msg_cork_bytes", K_SKMSG, {R_INT, {A_CTX, A_ANY}, 0}},
	{63, "bpf_msg_pull_data", K_SKMSG, {R_INT, {A_CTX, A_ANY, A_ANY, A_ANY}, PKT}},
	{64, "bpf_bind", K_CGADDR, {R_INT, {A_CTX, A_MEM, A_SZ}, 0}},
	{65, "bpf_xdp_adjust_tail", K_XDP, {R_INT, {A_CTX, A_ANY}, PKT}},
	{67, "bpf_get_stack", K_TRACE, {R_INT, {A_CTX, A_UMEM, A_SZ0, A_ANY}, 0}},
	{69, "bpf_fib_lookup", K_TC | K_XDP, {R_INT, {A_CTX, A_WMEM, A_SZ, A_ANY}, 0}},
	{70, "bpf_sock_hash_update", K_SOCKOPS, {R_INT, {A_CTX, A_MAP, A_KEY, A_ANY}, 0}},
	{71, "bpf_msg_redirect_hash", K_SKMSG, {R_INT, {A_CTX, A_MAP, A_KEY, A_ANY}, 0}},
	{72, "bpf_sk_redirect_hash", K_SKSKB, {R_INT, {A_CTX, A_MAP, A_KEY, A_ANY}, 0}},
	{79, "bpf_skb_cgroup_id", K_TC | K_CGSKB, {R_INT, {A_CTX}, 0}},
	{80, "bpf_get_current_cgroup_id", K_TRACE | K_CGROUP, {R_INT, {0}, 0}},
	{112, "bpf_probe_read_user", K_TRACE, {R_INT, {A_UMEM, A_SZ0, A_ANY}, 0}},
	{113, "bpf_probe_read_kernel", K_ALL, {R_INT, {A_UMEM, A_SZ0, A_ANY}, 0}},
	{114, "bpf_probe_read_user_str", K_TRACE, {R_INT, {A_UMEM, A_SZ0, A_ANY}, 0}},
	{115, "bpf_probe_read_kernel_str", K_ALL, {R_INT, {A_UMEM, A_SZ0, A_ANY}, 0}},
	{118, "bpf_jiffies64", K_ALL, {R_INT, {0}, 0}},
	{125, "bpf_ktime_get_boot_ns", K_ALL, {R_INT, {0}, 0}},
	{130, "bpf_ringbuf_output", K_ALL, {R_INT, {A_MAP, A_MEM, A_SZ0, A_ANY}, 0}},
	{131, "bpf_ringbuf_reserve", K_ALL, {BPFX_RET_ACQUIRED_MEM_OR_NULL, {A_MAP, A_ALLOC, A_ANY}, 0}},
	{132, "bpf_ringbuf_submit", K_ALL, {R_VOID, {A_REL, A_ANY}, 0}},
	{133, "bpf_ringbuf_discard", K_ALL, {R_VOID, {A_REL, A_ANY}, 0}},
	{134, "bpf_ringbuf_query", K_ALL, {R_INT, {A_MAP, A_ANY}, 0}},
	/* spin locks (calls.c); Linux refuses them to tracing programs */
	{93, "bpf_spin_lock", K_ALL & ~(uint32_t)K_TRACE, {R_VOID, {BPFX_ARG_PTR_TO_SPIN_LOCK}, 0}},
	{94, "bpf_spin_unlock", K_ALL & ~(uint32_t)K_TRACE, {R_VOID, {BPFX_ARG_PTR_TO_SPIN_LOCK}, 0}},
	/* callbacks: signatures in calls.c (Linux's, by default for these ids) */
	{164, "bpf_for_each_map_elem", K_ALL, {R_INT, {A_MAP, BPFX_ARG_PTR_TO_FUNC, BPFX_ARG_PTR_TO_STACK_OR_NULL, A_ANY}, 0}},
	{181, "bpf_loop", K_ALL, {R_INT, {A_ANY, BPFX_ARG_PTR_TO_FUNC, BPFX_ARG_PTR_TO_STACK_OR_NULL, A_ANY}, 0}},
	/* formats and strings: the format of bpf_snprintf and the second string
	 * of bpf_strncmp are constant strings in frozen read-only data */
	{165, "bpf_snprintf", K_ALL, {R_INT, {A_UMEM, A_SZ0, BPFX_ARG_PTR_TO_CONST_STR, A_MEMN, A_SZ0}, 0}},
	{177, "bpf_trace_vprintk", K_ALL, {R_INT, {A_MEM, A_SZ, A_MEMN, A_SZ0}, 0}},
	{182, "bpf_strncmp", K_ALL, {R_INT, {A_MEM, A_SZ, BPFX_ARG_PTR_TO_CONST_STR}, 0}},
	/* syscall programs: the bpf(2) command itself is described for its
	 * prototype but callable by no type (a user-space host has no bpf(2) to
	 * forward it to); the others are the host's to implement */
	{166, "bpf_sys_bpf", 0, {R_INT, {A_ANY, A_MEM, A_SZ}, 0}},
	{167, "bpf_btf_find_by_name_kind", K_SYSCALL, {R_INT, {A_MEM, A_SZ, A_ANY, A_ANY}, 0}},
	{168, "bpf_sys_close", K_SYSCALL, {R_INT, {A_ANY}, 0}},
	{179, "bpf_kallsyms_lookup_name", K_SYSCALL, {R_INT, {A_MEM, A_SZ, A_ANY, BPFX_ARG_PTR_TO_LONG}, 0}},
};

/* ---- context layouts ---- */

#define RD BPFX_FIELD_READ
#define RW (BPFX_FIELD_READ | BPFX_FIELD_WRITE)

struct fields {
	struct bpfx_ctx_field f[64];
	size_t n;
};

static void add_field(struct fields *fs, uint32_t off, uint32_t size, uint32_t access, enum bpfx_field_kind kind,
		      uint32_t narrow)
{
	if (fs->n < sizeof(fs->f) / sizeof(fs->f[0]))
		fs->f[fs->n++] = (struct bpfx_ctx_field){off, size, access, kind, narrow, 0};
}

/* Read-only u64 words over [0, size), narrow reads allowed. */
static struct bpfx_ctx_field *u64_fields(uint32_t size, size_t *n)
{
	struct bpfx_ctx_field *f = calloc(size / 8, sizeof(*f));
	if (!f)
		return NULL;
	for (uint32_t i = 0; i < size / 8; i++)
		f[i] = (struct bpfx_ctx_field){.offset = i * 8, .size = 8, .access = RD, .kind = BPFX_FIELD_SCALAR,
					       .narrow_sizes = 0xf};
	*n = size / 8;
	return f;
}

/* struct __sk_buff (192 bytes) as one program type sees it. */
enum skb_view { SKB_SOCK, SKB_TC, SKB_CGSKB, SKB_LWT, SKB_SKSKB };

#define SKB_MARK 8
#define SKB_QUEUE_MAPPING 12
#define SKB_PRIORITY 32
#define SKB_TC_INDEX 44
#define SKB_CB0 48
#define SKB_CB4 64
#define SKB_TC_CLASSID 72
#define SKB_DATA 76
#define SKB_DATA_END 80
#define SKB_NAPI_ID 84
#define SKB_FAMILY 88
#define SKB_LOCAL_PORT 136
#define SKB_DATA_META 140
#define SKB_TSTAMP 152
#define SKB_WIRE_LEN 160
#define SKB_GSO_SEGS 164
#define SKB_GSO_SIZE 176
#define SKB_HWTSTAMP 184

static bool skb_writable(enum skb_view v, uint32_t off)
{
	bool cb = off >= SKB_CB0 && off <= SKB_CB4;
	switch (v) {
	case SKB_SOCK: return cb;
	case SKB_TC:
		return cb || off == SKB_MARK || off == SKB_QUEUE_MAPPING || off == SKB_PRIORITY || off == SKB_TC_INDEX ||
		       off == SKB_TC_CLASSID || off == SKB_TSTAMP;
	case SKB_CGSKB: return cb || off == SKB_MARK || off == SKB_PRIORITY || off == SKB_TSTAMP;
	case SKB_LWT: return cb || off == SKB_MARK || off == SKB_PRIORITY;
	case SKB_SKSKB: return off == SKB_TC_INDEX || off == SKB_PRIORITY;
	}
	return false;
}

static void skb_fields(struct fields *fs, enum skb_view v)
{
	fs->n = 0;
	for (uint32_t off = 0; off < SKB_TC_CLASSID; off += 4) /* len .. hash */
		add_field(fs, off, 4, skb_writable(v, off) ? RW : RD, BPFX_FIELD_SCALAR, 0x7);
	if (v == SKB_TC)
		add_field(fs, SKB_TC_CLASSID, 4, RW, BPFX_FIELD_SCALAR, 0x7);
	if (v != SKB_SOCK) {
		add_field(fs, SKB_DATA, 4, RD, BPFX_FIELD_PACKET, 0);
		add_field(fs, SKB_DATA_END, 4, RD, BPFX_FIELD_PACKET_END, 0);
	}
	add_field(fs, SKB_NAPI_ID, 4, RD, BPFX_FIELD_SCALAR, 0x7);
	if (v == SKB_CGSKB || v == SKB_SKSKB) /* socket addresses and ports */
		for (uint32_t off = SKB_FAMILY; off <= SKB_LOCAL_PORT; off += 4)
			add_field(fs, off, 4, RD, BPFX_FIELD_SCALAR, 0x7);
	if (v == SKB_TC)
		add_field(fs, SKB_DATA_META, 4, RD, BPFX_FIELD_PACKET_META, 0);
	if (v == SKB_TC || v == SKB_CGSKB)
		add_field(fs, SKB_TSTAMP, 8, skb_writable(v, SKB_TSTAMP) ? RW : RD, BPFX_FIELD_SCALAR, 0);
	if (v == SKB_TC || v == SKB_SKSKB)
		add_field(fs, SKB_WIRE_LEN, 4, RD, BPFX_FIELD_SCALAR, 0x7);
	add_field(fs, SKB_GSO_SEGS, 4, RD, BPFX_FIELD_SCALAR, 0x7);
	add_field(fs, SKB_GSO_SIZE, 4, RD, BPFX_FIELD_SCALAR, 0x7);
	if (v == SKB_TC || v == SKB_CGSKB)
		add_field(fs, SKB_HWTSTAMP, 8, RD, BPFX_FIELD_SCALAR, 0);
}

/* struct bpf_sock_ops (224 bytes): op, args/reply, connection numbers; the
 * packet of the current skb through skb_data/skb_data_end (read-only). */
static void sock_ops_fields(struct fields *fs)
{
	fs->n = 0;
	add_field(fs, 0, 4, RD, BPFX_FIELD_SCALAR, 0);  /* op */
	add_field(fs, 4, 4, RW, BPFX_FIELD_SCALAR, 0);  /* args[0] / reply */
	for (uint32_t off = 8; off < 164; off += 4)      /* args[1..3] .. sacked_out */
		add_field(fs, off, 4, RD, BPFX_FIELD_SCALAR, 0);
	add_field(fs, 164, 4, RW, BPFX_FIELD_SCALAR, 0); /* sk_txhash */
	add_field(fs, 168, 8, RD, BPFX_FIELD_SCALAR, 0); /* bytes_received */
	add_field(fs, 176, 8, RD, BPFX_FIELD_SCALAR, 0); /* bytes_acked */
	add_field(fs, 192, 8, RD, BPFX_FIELD_PACKET, 0);
	add_field(fs, 200, 8, RD, BPFX_FIELD_PACKET_END, 0);
	add_field(fs, 208, 4, RD, BPFX_FIELD_SCALAR, 0); /* skb_len */
	add_field(fs, 212, 4, RD, BPFX_FIELD_SCALAR, 0); /* skb_tcp_flags */
	add_field(fs, 216, 8, RD, BPFX_FIELD_SCALAR, 0); /* skb_hwtstamp */
}

/* struct bpf_sock (80 bytes), as cgroup_sock programs see it. */
static void bpf_sock_fields(struct fields *fs)
{
	fs->n = 0;
	for (uint32_t off = 0; off < 80; off += 4) {
		bool w = off == 0 || off == 16 || off == 20; /* bound_dev_if, mark, priority */
		add_field(fs, off, 4, w ? RW : RD, BPFX_FIELD_SCALAR, w ? 0 : 0x7);
	}
}

/* struct bpf_sock_addr (72 bytes, sk left out). */
static void sock_addr_fields(struct fields *fs)
{
	fs->n = 0;
	for (uint32_t off = 0; off < 64; off += 4) {
		/* user_ip4, user_ip6[4], user_port; msg_src_ip4, msg_src_ip6[4] */
		bool w = (off >= 4 && off <= 24) || (off >= 40 && off < 60);
		add_field(fs, off, 4, w ? RW : RD, BPFX_FIELD_SCALAR, 0x7);
	}
}

/* struct sk_msg_md (80 bytes): the message data as a packet. */
static void sk_msg_fields(struct fields *fs)
{
	fs->n = 0;
	add_field(fs, 0, 8, RD, BPFX_FIELD_PACKET, 0);
	add_field(fs, 8, 8, RD, BPFX_FIELD_PACKET_END, 0);
	for (uint32_t off = 16; off < 72; off += 4) /* family .. size */
		add_field(fs, off, 4, RD, BPFX_FIELD_SCALAR, 0x7);
}

/* ---- the platform ---- */

static int add_type_kind(bpfx_platform *p, const char *name, uint32_t kinds, enum bpfx_ctx_kind ctx_kind,
			 uint32_t ctx_size, const struct bpfx_ctx_field *fields, size_t nfields, uint32_t flags)
{
	uint32_t ids[sizeof(linux_helpers) / sizeof(linux_helpers[0])];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(linux_helpers) / sizeof(linux_helpers[0]); i++)
		if (linux_helpers[i].kinds & kinds)
			ids[n++] = linux_helpers[i].id;
	struct bpfx_prog_type t = {.sz = sizeof(t),
				   .name = name,
				   .ctx_kind = ctx_kind,
				   .ctx_size = ctx_size,
				   .fields = fields,
				   .nfields = nfields,
				   .helpers = kinds == K_ALL ? NULL : ids,
				   .nhelpers = kinds == K_ALL ? 0 : n,
				   .flags = flags,
				   .max_packet = 65535};
	return bpfx_platform_add_prog_type(p, &t);
}

static int add_type(bpfx_platform *p, const char *name, uint32_t kinds, uint32_t ctx_size,
		    const struct bpfx_ctx_field *fields, size_t nfields, uint32_t flags)
{
	return add_type_kind(p, name, kinds, BPFX_CTX_STRUCT, ctx_size, fields, nfields, flags);
}

/* sizeof(struct bpf_flow_keys): nhoff .. flow_label */
#define FLOW_KEYS_SIZE 56
/* syscall programs: context bytes until the host says otherwise */
#define SYSCALL_CTX_DEFAULT 4096

int bpfx_linux_platform(bpfx_platform **out)
{
	struct bpfx_platform_opts po = {.sz = sizeof(po), .name = "linux"};
	bpfx_platform *p;
	int err = bpfx_platform_create(&po, &p);
	if (err)
		return err;
	/* struct xdp_md: the packet pointers are u32 fields the kernel rewrites */
	static const struct bpfx_ctx_field xdp_fields[] = {
		{.offset = 0, .size = 4, .access = RD, .kind = BPFX_FIELD_PACKET},
		{.offset = 4, .size = 4, .access = RD, .kind = BPFX_FIELD_PACKET_END},
		{.offset = 8, .size = 4, .access = RD, .kind = BPFX_FIELD_PACKET_META},
		{.offset = 12, .size = 4, .access = RD, .narrow_sizes = 0x7},
		{.offset = 16, .size = 4, .access = RD, .narrow_sizes = 0x7},
		{.offset = 20, .size = 4, .access = RD, .narrow_sizes = 0x7},
	};
	/* xdp first: it stays the default type */
	err = add_type(p, "xdp", K_XDP, 24, xdp_fields, 6, 0);
	size_t nk = 0, nt = 0, npe = 0, nrt = 0;
	struct bpfx_ctx_field *kf = u64_fields(168, &nk);   /* x86-64 struct pt_regs */
	struct bpfx_ctx_field *tf = u64_fields(4096, &nt);  /* tracepoint records: read-only data */
	struct bpfx_ctx_field *pf = u64_fields(184, &npe);  /* bpf_perf_event_data: regs, sample_period, addr */
	struct bpfx_ctx_field *rf = u64_fields(96, &nrt);   /* raw tracepoint: up to 12 u64 arguments */
	if (!kf || !tf || !pf || !rf)
		err = err ? err : BPFX_E_NOMEM;
	if (!err)
		err = add_type(p, "kprobe", K_TRACE | K_KPROBE, 168, kf, nk, 0);
	if (!err)
		err = add_type(p, "tracepoint", K_TRACE, 4096, tf, nt, 0);
	if (!err)
		err = add_type(p, "perf_event", K_TRACE | K_PERF, 184, pf, npe, 0);
	if (!err)
		err = add_type(p, "raw_tracepoint", K_TRACE, 96, rf, nrt, 0);
	if (!err)
		err = add_type(p, "raw_tracepoint_writable", K_TRACE, 96, rf, nrt, 0);
	free(kf);
	free(tf);
	free(pf);
	free(rf);
	/* "socket": the first milestone's socket filter view (kept for
	 * compatibility: first 19 u32 fields, cb[] writable) */
	struct fields fs;
	fs.n = 0;
	for (uint32_t i = 0; i < 19; i++)
		add_field(&fs, i * 4, 4, i >= 12 && i <= 16 ? RW : RD, BPFX_FIELD_SCALAR, 0x7);
	if (!err)
		err = add_type(p, "socket", K_ALL, 76, fs.f, fs.n, 0);
	static const struct {
		const char *name;
		enum skb_view view;
		uint32_t kinds, flags;
	} skb_types[] = {
		{"socket_filter", SKB_SOCK, K_SOCK, 0},
		{"sched_cls", SKB_TC, K_TC, 0},
		{"sched_act", SKB_TC, K_TC, 0},
		{"cgroup_skb", SKB_CGSKB, K_CGSKB, BPFX_PROG_TYPE_PACKET_RDONLY},
		{"lwt_in", SKB_LWT, K_LWT, BPFX_PROG_TYPE_PACKET_RDONLY},
		{"lwt_out", SKB_LWT, K_LWT, BPFX_PROG_TYPE_PACKET_RDONLY},
		{"lwt_xmit", SKB_LWT, K_LWT | K_LWTX, 0},
		{"sk_skb", SKB_SKSKB, K_SKSKB, 0},
	};
	for (size_t i = 0; !err && i < sizeof(skb_types) / sizeof(skb_types[0]); i++) {
		skb_fields(&fs, skb_types[i].view);
		err = add_type(p, skb_types[i].name, skb_types[i].kinds, 192, fs.f, fs.n, skb_types[i].flags);
	}
	sock_ops_fields(&fs);
	if (!err)
		err = add_type(p, "sock_ops", K_SOCKOPS, 224, fs.f, fs.n, BPFX_PROG_TYPE_PACKET_RDONLY);
	bpf_sock_fields(&fs);
	if (!err)
		err = add_type(p, "cgroup_sock", K_CGSOCK, 80, fs.f, fs.n, 0);
	sock_addr_fields(&fs);
	if (!err)
		err = add_type(p, "cgroup_sock_addr", K_CGADDR, 72, fs.f, fs.n, 0);
	sk_msg_fields(&fs);
	if (!err)
		err = add_type(p, "sk_msg", K_SKMSG, 80, fs.f, fs.n, 0);
	/* flow_dissector: of the __sk_buff only data, data_end (read-only
	 * packet) and flow_keys (the struct bpf_flow_keys the program fills)
	 * are readable, nothing is writable; any return value is accepted */
	static const struct bpfx_ctx_field flow_fields[] = {
		{.offset = SKB_DATA, .size = 4, .access = RD, .kind = BPFX_FIELD_PACKET},
		{.offset = SKB_DATA_END, .size = 4, .access = RD, .kind = BPFX_FIELD_PACKET_END},
		{.offset = 144, .size = 8, .access = RD, .kind = BPFX_FIELD_MEM, .target = FLOW_KEYS_SIZE},
	};
	if (!err)
		err = add_type(p, "flow_dissector", K_FLOW, 192, flow_fields, 3, BPFX_PROG_TYPE_PACKET_RDONLY);
	/* syscall: the context is the caller's buffer (Linux: ctx_size_in
	 * bytes, refused when shorter than the furthest byte the program
	 * uses); here a fixed size the host may change, accessed as memory */
	if (!err)
		err = add_type_kind(p, "syscall", K_TRACE | K_SYSCALL, BPFX_CTX_MEMORY, SYSCALL_CTX_DEFAULT, NULL, 0, 0);
	for (size_t i = 0; !err && i < sizeof(linux_helpers) / sizeof(linux_helpers[0]); i++)
		err = bpfx_platform_add_helper(p, linux_helpers[i].id, linux_helpers[i].name, &linux_helpers[i].proto);
	if (err) {
		bpfx_platform_destroy(p);
		return err;
	}
	*out = p;
	return 0;
}
