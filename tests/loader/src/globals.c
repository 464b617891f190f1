/* SPDX-License-Identifier: MIT */
/* Global data: .data, .rodata, .bss and named .data.* / .rodata.* sections. */
#include "bpf_test.h"

u64 hits = 5;                                   /* .data */
u64 misses;                                     /* .bss */
volatile const u32 limit = 100;                 /* .rodata */
u32 table[4] SEC(".data.tables") = {1, 2, 3, 4};
volatile const u32 mode SEC(".rodata.config") = 7;
static u64 private_counter = 3;                 /* .data, via the section symbol */

SEC("socket")
int use_globals(void *ctx)
{
	hits++;
	private_counter += 2;
	if (hits > limit)
		misses++;
	return table[mode & 3] + (int)private_counter;
}

char _license[] SEC("license") = "GPL";
