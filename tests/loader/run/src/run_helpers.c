/* SPDX-License-Identifier: MIT */
/* Context helpers: bpf_xdp_adjust_head moves the packet start; the context
 * loads after it see the new bounds. bpf_skb_load_bytes copies packet bytes. */
#include "../../src/bpf_test.h"

struct __sk_buff {
	u32 len;
};

HELPER(long, bpf_xdp_adjust_head, (void *ctx, int delta), 44);
HELPER(long, bpf_skb_load_bytes, (const void *skb, u32 off, void *to, u32 len), 26);

SEC("xdp")
int xdp_pop4(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, 4))
		return 0;
	u8 *data = (u8 *)(unsigned long)ctx->data;
	u8 *end = (u8 *)(unsigned long)ctx->data_end;
	if (data + 14 > end)
		return 0;
	data[0] = 0xee;
	return 2; /* XDP_PASS */
}

SEC("socket")
int sock_copy(struct __sk_buff *skb)
{
	u8 buf[4];
	if (bpf_skb_load_bytes(skb, 12, buf, 4))
		return 1;
	return (int)((u32)buf[0] << 24 | (u32)buf[1] << 16 | (u32)buf[2] << 8 | buf[3]) & 0x7fffffff;
}

char _license[] SEC("license") = "GPL";
