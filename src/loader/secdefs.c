/* SPDX-License-Identifier: MIT */
/*
 * secdefs.c - which program type a section name stands for, following the
 * SEC() naming conventions of libbpf 1.x, and the names of map types.
 *
 * Patterns:
 *   "name"   the section is exactly "name";
 *   "name/"  the section starts with "name/" (something must follow);
 *   "name+"  the section is "name" or starts with "name/".
 * The first matching row wins, so longer patterns come first where two
 * could match.
 */
#include <string.h>

#include "loader.h"

static const struct {
	const char *pattern;
	const char *type;
} sec_table[] = {
	{"socket", "socket_filter"},
	{"sk_reuseport/migrate", "sk_reuseport"},
	{"sk_reuseport", "sk_reuseport"},
	{"kprobe+", "kprobe"},
	{"uprobe+", "kprobe"},
	{"uprobe.s+", "kprobe"},
	{"kretprobe+", "kprobe"},
	{"uretprobe+", "kprobe"},
	{"uretprobe.s+", "kprobe"},
	{"kprobe.multi+", "kprobe"},
	{"kretprobe.multi+", "kprobe"},
	{"kprobe.session+", "kprobe"},
	{"uprobe.multi+", "kprobe"},
	{"uretprobe.multi+", "kprobe"},
	{"uprobe.multi.s+", "kprobe"},
	{"uretprobe.multi.s+", "kprobe"},
	{"uprobe.session+", "kprobe"},
	{"ksyscall+", "kprobe"},
	{"kretsyscall+", "kprobe"},
	{"usdt+", "kprobe"},
	{"usdt.s+", "kprobe"},
	{"tc/ingress", "sched_cls"},
	{"tc/egress", "sched_cls"},
	{"tcx/ingress", "sched_cls"},
	{"tcx/egress", "sched_cls"},
	{"tc", "sched_cls"},
	{"classifier", "sched_cls"},
	{"action", "sched_act"},
	{"netkit/primary", "sched_cls"},
	{"netkit/peer", "sched_cls"},
	{"tracepoint+", "tracepoint"},
	{"tp+", "tracepoint"},
	{"raw_tracepoint+", "raw_tracepoint"},
	{"raw_tp+", "raw_tracepoint"},
	{"raw_tracepoint.w+", "raw_tracepoint_writable"},
	{"raw_tp.w+", "raw_tracepoint_writable"},
	{"tp_btf+", "tracing"},
	{"fentry+", "tracing"},
	{"fmod_ret+", "tracing"},
	{"fexit+", "tracing"},
	{"fentry.s+", "tracing"},
	{"fmod_ret.s+", "tracing"},
	{"fexit.s+", "tracing"},
	{"freplace+", "ext"},
	{"lsm+", "lsm"},
	{"lsm.s+", "lsm"},
	{"lsm_cgroup+", "lsm"},
	{"iter+", "tracing"},
	{"iter.s+", "tracing"},
	{"syscall", "syscall"},
	{"xdp.frags/devmap", "xdp"},
	{"xdp/devmap", "xdp"},
	{"xdp.frags/cpumap", "xdp"},
	{"xdp/cpumap", "xdp"},
	{"xdp.frags", "xdp"},
	{"xdp", "xdp"},
	{"perf_event", "perf_event"},
	{"lwt_in", "lwt_in"},
	{"lwt_out", "lwt_out"},
	{"lwt_xmit", "lwt_xmit"},
	{"lwt_seg6local", "lwt_seg6local"},
	{"sockops", "sock_ops"},
	{"sk_skb/stream_parser", "sk_skb"},
	{"sk_skb/stream_verdict", "sk_skb"},
	{"sk_skb/verdict", "sk_skb"},
	{"sk_skb", "sk_skb"},
	{"sk_msg", "sk_msg"},
	{"lirc_mode2", "lirc_mode2"},
	{"flow_dissector", "flow_dissector"},
	{"cgroup_skb/ingress", "cgroup_skb"},
	{"cgroup_skb/egress", "cgroup_skb"},
	{"cgroup/skb", "cgroup_skb"},
	{"cgroup/sock_create", "cgroup_sock"},
	{"cgroup/sock_release", "cgroup_sock"},
	{"cgroup/sock", "cgroup_sock"},
	{"cgroup/post_bind4", "cgroup_sock"},
	{"cgroup/post_bind6", "cgroup_sock"},
	{"cgroup/bind4", "cgroup_sock_addr"},
	{"cgroup/bind6", "cgroup_sock_addr"},
	{"cgroup/connect4", "cgroup_sock_addr"},
	{"cgroup/connect6", "cgroup_sock_addr"},
	{"cgroup/connect_unix", "cgroup_sock_addr"},
	{"cgroup/sendmsg4", "cgroup_sock_addr"},
	{"cgroup/sendmsg6", "cgroup_sock_addr"},
	{"cgroup/sendmsg_unix", "cgroup_sock_addr"},
	{"cgroup/recvmsg4", "cgroup_sock_addr"},
	{"cgroup/recvmsg6", "cgroup_sock_addr"},
	{"cgroup/recvmsg_unix", "cgroup_sock_addr"},
	{"cgroup/getpeername4", "cgroup_sock_addr"},
	{"cgroup/getpeername6", "cgroup_sock_addr"},
	{"cgroup/getpeername_unix", "cgroup_sock_addr"},
	{"cgroup/getsockname4", "cgroup_sock_addr"},
	{"cgroup/getsockname6", "cgroup_sock_addr"},
	{"cgroup/getsockname_unix", "cgroup_sock_addr"},
	{"cgroup/sysctl", "cgroup_sysctl"},
	{"cgroup/getsockopt", "cgroup_sockopt"},
	{"cgroup/setsockopt", "cgroup_sockopt"},
	{"cgroup/dev", "cgroup_device"},
	{"struct_ops+", "struct_ops"},
	{"struct_ops.s+", "struct_ops"},
	{"sk_lookup", "sk_lookup"},
	{"netfilter", "netfilter"},
};

static bool pattern_matches(const char *pat, const char *sec)
{
	size_t len = strlen(pat);
	char last = pat[len - 1];

	if (last == '/')
		return strncmp(sec, pat, len) == 0 && sec[len] != '\0';
	if (last == '+') {
		len--;
		return strncmp(sec, pat, len) == 0 && (sec[len] == '\0' || sec[len] == '/');
	}
	return strcmp(sec, pat) == 0;
}

const char *ldr_prog_type_for_section(const char *sec)
{
	for (size_t i = 0; i < BPFX_ARRAY_SIZE(sec_table); i++)
		if (pattern_matches(sec_table[i].pattern, sec))
			return sec_table[i].type;
	return "";
}

/* Indexed by the Linux map type number (enum bpf_map_type). */
static const char *const map_type_names[] = {
	"unspec", "hash", "array", "prog_array", "perf_event_array", "percpu_hash",
	"percpu_array", "stack_trace", "cgroup_array", "lru_hash", "lru_percpu_hash",
	"lpm_trie", "array_of_maps", "hash_of_maps", "devmap", "sockmap", "cpumap", "xskmap",
	"sockhash", "cgroup_storage", "reuseport_sockarray", "percpu_cgroup_storage", "queue",
	"stack", "sk_storage", "devmap_hash", "struct_ops", "ringbuf", "inode_storage",
	"task_storage", "bloom_filter", "user_ringbuf", "cgrp_storage", "arena",
};

const char *ldr_map_type_name(uint32_t type)
{
	return type < BPFX_ARRAY_SIZE(map_type_names) ? map_type_names[type] : "";
}
