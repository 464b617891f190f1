/* SPDX-License-Identifier: MIT */
/*
 * offbyone.c - a program the verifier rejects, for the README: it checks
 * that the Ethernet header fits, then reads the IPv4 protocol byte beyond it.
 * Fix: check `data + sizeof(struct eth) + 10 > data_end` before the read.
 */
typedef unsigned char u8;
typedef unsigned int u32;

struct xdp_md {
	u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
};

__attribute__((section("xdp"), used))
int drop_udp(struct xdp_md *ctx)
{
	u8 *data = (u8 *)(long)ctx->data;
	u8 *data_end = (u8 *)(long)ctx->data_end;

	if (data + 14 > data_end) /* Ethernet header */
		return 2;         /* XDP_PASS */
	u8 proto = data[14 + 9];  /* IPv4 protocol: not proven to exist */
	return proto == 17 ? 1 : 2;
}

char _license[] __attribute__((section("license"), used)) = "MIT";
