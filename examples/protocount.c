/* SPDX-License-Identifier: MIT */
/*
 * protocount.c - the bpfx maps demo: an XDP program that counts packets and
 * IP bytes per protocol in a hash map, and drops what is not IP.
 * Key: the IP protocol (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6), or 0x10000 + the
 * EtherType for other frames. Value: { packets, IP bytes }.
 *
 * Build: clang-19 -target bpf -O2 -g -c protocount.c -o protocount.o
 * Run:   bpfx run protocount.o --packets packets.txt --show-maps
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

struct xdp_md {
	u32 data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
};

struct counts {
	u64 packets, bytes;
};

struct {
	__uint(type, 1); /* BPF_MAP_TYPE_HASH */
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, struct counts);
} proto_stats SEC(".maps");

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, u64 flags) = (void *)2;

u64 non_ip = 0; /* global data: frames dropped */

enum { XDP_DROP = 1, XDP_PASS = 2 };

SEC("xdp")
int protocount(struct xdp_md *ctx)
{
	u8 *p = (u8 *)(unsigned long)ctx->data;
	u8 *end = (u8 *)(unsigned long)ctx->data_end;
	if (p + 14 > end)
		return XDP_DROP;
	u32 ethertype = (u32)p[12] << 8 | p[13];
	u32 key, bytes = 0;
	if (ethertype == 0x0800) {          /* IPv4: protocol at 9, total length at 2 */
		if (p + 14 + 20 > end)
			return XDP_DROP;
		key = p[14 + 9];
		bytes = (u32)p[14 + 2] << 8 | p[14 + 3];
	} else if (ethertype == 0x86dd) {   /* IPv6: next header at 6, payload length at 4 */
		if (p + 14 + 40 > end)
			return XDP_DROP;
		key = p[14 + 6];
		bytes = 40 + ((u32)p[14 + 4] << 8 | p[14 + 5]);
	} else {
		key = 0x10000 + ethertype;
	}
	struct counts *c = bpf_map_lookup_elem(&proto_stats, &key);
	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, bytes);
	} else {
		struct counts init = {1, bytes};
		bpf_map_update_elem(&proto_stats, &key, &init, 0);
	}
	if (key >= 0x10000) {
		non_ip++;
		return XDP_DROP;
	}
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
