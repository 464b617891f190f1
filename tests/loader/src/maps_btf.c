/* SPDX-License-Identifier: MIT */
/* BTF-defined maps in ".maps", including map-in-map and a ring buffer. */
#include "bpf_test.h"

struct event {
	u64 ts;
	u32 pid, cpu;
};

struct {
	__uint(type, T_HASH);
	__uint(max_entries, 128);
	__type(key, u32);
	__type(value, struct event);
	__uint(map_flags, 1);
} events_by_pid SEC(".maps");

struct {
	__uint(type, T_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct inner_def {
	__uint(type, T_ARRAY);
	__uint(max_entries, 2);
	__type(key, u32);
	__type(value, u64);
};

struct {
	__uint(type, T_ARRAY_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, u32);
	__array(values, struct inner_def);
} outer SEC(".maps");

SEC("tracepoint/sched/sched_switch")
int on_switch(void *ctx)
{
	u32 k = 1;
	struct event *e = bpf_map_lookup_elem(&events_by_pid, &k);
	if (e)
		e->cpu++;
	void *in = bpf_map_lookup_elem(&outer, &k);
	if (in)
		bpf_map_lookup_elem(in, &k);
	return 0;
}

char _license[] SEC("license") = "Dual MIT/GPL";
