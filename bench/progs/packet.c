/* SPDX-License-Identifier: MIT */
/*
 * packet - walks a capture of length-prefixed packets (u16 little-endian
 * length, then the frame; length 0 ends the capture) and parses each:
 * Ethernet, an optional 802.1Q tag, IPv4 (options, header checksum) or IPv6,
 * then TCP or UDP. Every bounds check is real: truncated or malformed frames
 * are counted as bad. r0 mixes the per-protocol counts with a hash of the
 * flows seen.
 */
#include "bench_prog.h"

struct counts {
	u64 tcp, udp, other, bad, syn, flowhash, bytes;
};

NOINLINE u32 ip_header_sum(const u8 *p, u64 n)
{
	u32 sum = 0;
	for (u64 i = 0; i < n; i += 2)
		sum += (u32)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

INLINE u64 mix(u64 h, u64 v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

/* Parses the L4 header at p[0..n); returns 0 or -1 (malformed). */
NOINLINE int parse_l4(const u8 *p, u64 n, u32 proto, u64 flow, struct counts *c)
{
	if (proto == 6) {
		if (n < 20)
			return -1;
		u64 doff = (u64)(p[12] >> 4) * 4;
		if (doff < 20 || doff > n)
			return -1;
		flow = mix(flow, (u64)ld16be(p) << 16 | ld16be(p + 2));
		if (p[13] & 0x02)
			c->syn++;
		c->tcp++;
		c->bytes += n - doff;
	} else if (proto == 17) {
		if (n < 8)
			return -1;
		u64 ulen = ld16be(p + 4);
		if (ulen < 8 || ulen > n)
			return -1;
		flow = mix(flow, (u64)ld16be(p) << 16 | ld16be(p + 2));
		c->udp++;
		c->bytes += ulen - 8;
	} else {
		c->other++;
	}
	c->flowhash += flow;
	return 0;
}

NOINLINE int parse_frame(const u8 *p, u64 n, struct counts *c)
{
	if (n < 14)
		return -1;
	u64 off = 12;
	u32 type = ld16be(p + off);
	off += 2;
	if (type == 0x8100) {
		if (n < off + 4)
			return -1;
		type = ld16be(p + off + 2);
		off += 4;
	}
	if (type == 0x0800) {
		if (n < off + 20)
			return -1;
		const u8 *ip = p + off;
		if (ip[0] >> 4 != 4)
			return -1;
		u64 ihl = (u64)(ip[0] & 15) * 4;
		u64 tot = ld16be(ip + 2);
		if (ihl < 20 || tot < ihl || n < off + tot)
			return -1;
		if (ip_header_sum(ip, ihl) != 0xffff)
			return -1;
		u64 flow = mix(mix(0, ld32be(ip + 12)), ld32be(ip + 16));
		return parse_l4(ip + ihl, tot - ihl, ip[9], mix(flow, ip[9]), c);
	}
	if (type == 0x86dd) {
		if (n < off + 40)
			return -1;
		const u8 *ip = p + off;
		if (ip[0] >> 4 != 6)
			return -1;
		u64 plen = ld16be(ip + 4);
		if (n < off + 40 + plen)
			return -1;
		u64 flow = 0;
		for (u64 i = 8; i < 40; i += 4)
			flow = mix(flow, ld32be(ip + i));
		return parse_l4(ip + 40, plen, ip[6], mix(flow, ip[6]), c);
	}
	c->other++;
	return 0;
}

BENCH_ENTRY(packet)
{
	struct counts c = {0, 0, 0, 0, 0, 0, 0};
	u64 off = 0;
	while (off + 2 <= len) {
		u64 n = (u64)mem[off] | (u64)mem[off + 1] << 8;
		off += 2;
		if (n == 0 || n > len - off)
			break;
		if (parse_frame(mem + off, n, &c) < 0)
			c.bad++;
		off += n;
	}
	return mix(mix(mix(c.tcp << 48 | c.udp << 32 | c.other << 16 | c.bad, c.syn), c.bytes), c.flowhash);
}

#ifndef __bpf__
static void put16(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

/* Builds one frame of `n` bytes at p (the payload keeps its random bytes). */
static void make_frame(u8 *p, u64 n, u64 *st)
{
	u64 r = bench_rand(st);
	u64 off = 12;
	if (r % 8 == 0) {
		put16(p + off, 0x8100);
		off += 4;
	}
	int v6 = (r >> 8) % 5 == 0;
	u32 proto = (r >> 16) % 10 < 6 ? 6 : (r >> 16) % 10 < 9 ? 17 : 1;
	put16(p + off, v6 ? 0x86dd : 0x0800);
	off += 2;
	u8 *ip = p + off;
	u64 l3 = n - off, hl;
	if (v6) {
		hl = 40;
		ip[0] = 0x60;
		put16(ip + 4, (u32)(l3 - 40));
		ip[6] = (u8)proto;
	} else {
		hl = 20 + ((r >> 24) % 4) * 4;
		ip[0] = (u8)(0x40 | hl / 4);
		put16(ip + 2, (u32)l3);
		ip[9] = (u8)proto;
		put16(ip + 10, 0);
		u32 sum = 0;
		for (u64 i = 0; i < hl; i += 2)
			sum += (u32)ip[i] << 8 | ip[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		put16(ip + 10, ~sum & 0xffff);
		if ((r >> 32) % 50 == 0)
			ip[10] ^= 1; /* a bad checksum now and then */
	}
	u8 *l4 = ip + hl;
	u64 l4n = l3 - hl;
	if (proto == 6) {
		l4[12] = (u8)((5 + (r >> 40) % 4) << 4);
		l4[13] = (u8)(r >> 48);
	} else if (proto == 17) {
		put16(l4 + 4, (u32)((r >> 40) % 64 == 0 ? l4n + 1 : l4n)); /* some too long */
	}
}

static void setup(u8 *mem, u64 len)
{
	u64 st = 7, off = 0;
	for (;;) {
		u64 n = 80 + bench_rand(&st) % 400;
		if (off + 2 + n + 2 > len)
			break;
		mem[off] = (u8)n;
		mem[off + 1] = (u8)(n >> 8);
		make_frame(mem + off + 2, n, &st);
		off += 2 + n;
	}
	mem[off] = mem[off + 1] = 0;
}
#endif

BENCH_DESC(packet, 256 * 1024, "parse ~900 Ethernet/VLAN/IPv4/IPv6/TCP/UDP frames", setup)
