/* SPDX-License-Identifier: MIT */
/* test_loader_secdefs - section name -> program type, and map type names. */
#include "check.h"
#include "loader/loader.h"

static void type_is(const char *sec, const char *want)
{
	const char *got = ldr_prog_type_for_section(sec);
	if (strcmp(got, want))
		fprintf(stderr, "  section '%s': type '%s', expected '%s'\n", sec, got, want);
	CHECK(!strcmp(got, want));
}

int main(void)
{
	/* exact names */
	type_is("xdp", "xdp");
	type_is("socket", "socket_filter");
	type_is("tc", "sched_cls");
	type_is("classifier", "sched_cls");
	type_is("action", "sched_act");
	type_is("sockops", "sock_ops");
	type_is("perf_event", "perf_event");
	type_is("syscall", "syscall");
	type_is("cgroup/sock", "cgroup_sock");
	type_is("cgroup/connect4", "cgroup_sock_addr");
	type_is("cgroup/dev", "cgroup_device");
	type_is("cgroup_skb/egress", "cgroup_skb");
	type_is("sk_skb/stream_parser", "sk_skb");
	type_is("xdp/devmap", "xdp");
	type_is("xdp.frags", "xdp");
	type_is("tcx/ingress", "sched_cls");
	/* "name+" forms: the name alone or name/anything */
	type_is("kprobe", "kprobe");
	type_is("kprobe/do_sys_open", "kprobe");
	type_is("kretprobe/x", "kprobe");
	type_is("uprobe.s/bin:fn", "kprobe");
	type_is("tp/sched/sched_switch", "tracepoint");
	type_is("tracepoint/syscalls/sys_enter_open", "tracepoint");
	type_is("raw_tp/task_rename", "raw_tracepoint");
	type_is("raw_tp.w/x", "raw_tracepoint_writable");
	type_is("fentry/tcp_connect", "tracing");
	type_is("fexit.s/x", "tracing");
	type_is("freplace/f", "ext");
	type_is("lsm/file_open", "lsm");
	type_is("struct_ops/x", "struct_ops");
	type_is("iter/task", "tracing");
	/* libbpf 1.x does not guess from prefixes */
	type_is("xdp1", "");
	type_is("xdp_prog", "");
	type_is("socket1", "");
	type_is("kprobex", "");
	type_is("cgroup/sock1", "");
	type_is("cgroup/recv_accept4", "");
	type_is("classifier/x", "");
	type_is(".text", "");
	type_is("", "");
	/* map type names */
	CHECK(!strcmp(ldr_map_type_name(1), "hash"));
	CHECK(!strcmp(ldr_map_type_name(12), "array_of_maps"));
	CHECK(!strcmp(ldr_map_type_name(27), "ringbuf"));
	CHECK(!strcmp(ldr_map_type_name(33), "arena"));
	CHECK(!strcmp(ldr_map_type_name(34), ""));
	CHECK(!strcmp(ldr_map_type_name(0xffffffffu), ""));
	return check_summary("loader secdefs");
}
