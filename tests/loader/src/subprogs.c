/* SPDX-License-Identifier: MIT */
/* Subprograms in .text (static and global), nested calls, a callback passed
 * by address (lddw src 4), a function no program calls, and two programs in
 * one section. */
#include "bpf_test.h"

static NOINLINE int add_one(int x)
{
	return x + 1;
}

static NOINLINE int times_two(int x)
{
	return add_one(x) * 2;
}

NOINLINE int global_helper(int x)
{
	return times_two(x) + 3;
}

NOINLINE int never_called(int x)
{
	return x * 7;
}

static NOINLINE int loop_body(u32 i, void *ctx)
{
	*(u64 *)ctx += i;
	return 0;
}

SEC("tc")
int first_prog(void *ctx)
{
	return times_two(4);
}

SEC("tc")
int second_prog(void *ctx)
{
	return global_helper(5) + add_one(1);
}

SEC("xdp")
int with_callback(struct xdp_md *ctx)
{
	u64 sum = 0;
	bpf_loop(10, loop_body, &sum, 0);
	return (int)sum;
}

SEC("kprobe/do_nothing")
int leaf(void *ctx)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
