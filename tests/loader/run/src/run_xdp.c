/* SPDX-License-Identifier: MIT */
/* XDP: reads the packet through data/data_end (rewritten context loads),
 * changes it (swaps the MAC addresses), counts in global data and in a BTF
 * hash map, calls a subprogram, honours a .rodata setting. */
#include "../../src/bpf_test.h"

struct {
	__uint(type, T_HASH);
	__uint(max_entries, 16);
	__type(key, u32);
	__type(value, u64);
} proto_count SEC(".maps");

u64 packets = 0;           /* .data... starts 0 but initialised: goes to .bss */
u64 bytes_seen = 7;        /* .data */
volatile const u32 drop_proto = 0x0608; /* .rodata: ARP (network order) */

/* returns a value: the bpfx verifier wants r0 set at every exit */
static NOINLINE int act(u8 *p, u32 proto)
{
	if (proto == drop_proto)
		return 1; /* XDP_DROP */
	for (int i = 0; i < 6; i++) {
		u8 t = p[i];
		p[i] = p[i + 6];
		p[i + 6] = t;
	}
	return 3;
}

SEC("xdp")
int xdp_main(struct xdp_md *ctx)
{
	u8 *data = (u8 *)(unsigned long)ctx->data;
	u8 *end = (u8 *)(unsigned long)ctx->data_end;
	if (data + 14 > end)
		return 0; /* XDP_ABORTED */
	packets++;
	bytes_seen += 100; /* (end - data would need pointer subtraction, which the verifier refuses) */
	u32 proto = (u32)data[12] | ((u32)data[13] << 8);
	u64 one = 1, *v = bpf_map_lookup_elem(&proto_count, &proto);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&proto_count, &proto, &one, 0);
	return act(data, proto); /* XDP_DROP or XDP_TX */
}

char _license[] SEC("license") = "GPL";
