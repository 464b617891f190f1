/* Accepted on the linux platform: bpf_loop sums the first bytes of a stack
 * buffer through its context; the callback bounds its index first. */
typedef unsigned char u8; typedef unsigned int u32; typedef unsigned long long u64;
#define SEC(n) __attribute__((section(n), used))
struct __sk_buff { u32 len; };
struct ctx { u8 buf[16]; u64 sum; };
static long (*bpf_loop)(u32 nr, void *fn, void *ctx, u64 flags) = (void *)181;
static long add(u32 i, struct ctx *c)
{
	if (i >= 16)
		return 1;
	c->sum += c->buf[i];
	return 0;
}
SEC("socket")
int prog(struct __sk_buff *skb)
{
	struct ctx c = {.sum = 0};
	for (int i = 0; i < 16; i++)
		c.buf[i] = (u8)i;
	bpf_loop(skb->len, add, &c, 0);
	return (int)c.sum;
}
char _license[] SEC("license") = "GPL";
