/* SPDX-License-Identifier: MIT */
/* Tail calls through a prog array filled declaratively (libbpf's
 * `.values = { [i] = &prog }`, relocations in .rel.maps). The context is
 * the generic one: r1 = a buffer of four u64 counters, r2 = its length
 * (checked, so that the verifier accepts the programs). */
#include "../../src/bpf_test.h"

int chain1(u64 *c, u64 len);
int self_call(u64 *c, u64 len);

struct {
	__uint(type, T_PROG_ARRAY);
	__uint(max_entries, 8);
	__uint(key_size, 4);
	__uint(value_size, 4);
	__array(values, int(void *, u64));
} jmp SEC(".maps") = {
	.values = { [1] = (void *)&chain1, [3] = (void *)&self_call },
};

/* ctx[0] += 1; tail call slot 1 (chain1); 1000 if that did not happen */
SEC("bpfx/chain0")
int chain0(u64 *c, u64 len)
{
	if (len < 32)
		return -1;
	c[0] += 1;
	bpf_tail_call(c, &jmp, 1);
	return 1000;
}

/* ctx[1] += 10; slot 2 is empty: the call returns (ctx[2] = its result);
 * slot 6 is for the host to fill (ctx[3] = the result if it stays empty) */
SEC("bpfx/chain1")
int chain1(u64 *c, u64 len)
{
	if (len < 32)
		return -1;
	c[1] += 10;
	c[2] = bpf_tail_call(c, &jmp, 2);
	c[3] = bpf_tail_call(c, &jmp, 6);
	return 42;
}

/* ctx[0] += 1 and tail call itself: 33 tail calls, then the 34th fails */
SEC("bpfx/self")
int self_call(u64 *c, u64 len)
{
	if (len < 32)
		return -1;
	c[0] += 1;
	return (int)bpf_tail_call(c, &jmp, 3);
}

/* what the host puts in slot 6 */
SEC("bpfx/host_slot")
int host_slot(u64 *c, u64 len)
{
	if (len < 32)
		return -1;
	c[3] = 77;
	return 5;
}

char _license[] SEC("license") = "GPL";
