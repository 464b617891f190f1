/* Accepted on the linux platform: a global function checks its pointer
 * argument and takes the context, as its BTF signature declares. */
typedef unsigned int u32;
#define SEC(n) __attribute__((section(n), used))
struct __sk_buff { u32 len; u32 pkt_type; };
__attribute__((noinline)) int get(struct __sk_buff *skb, u32 *p)
{
	if (!p)
		return 0;
	*p += skb->pkt_type;
	return *p + 1;
}
SEC("socket")
int prog(struct __sk_buff *skb)
{
	u32 x = skb->len;
	return get(skb, &x) + x;
}
char _license[] SEC("license") = "GPL";
