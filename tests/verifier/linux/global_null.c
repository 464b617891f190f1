/* Rejected on the linux platform: the global function is verified on its own
 * from its BTF signature, where p is NULL or 4 bytes, and dereferences it
 * unchecked (BPFX-MEM-004), as Linux rejects it. */
typedef unsigned int u32;
#define SEC(n) __attribute__((section(n), used))
struct __sk_buff { u32 len; };
__attribute__((noinline)) int get(u32 *p)
{
	return *p + 1;
}
SEC("socket")
int prog(struct __sk_buff *skb)
{
	u32 x = skb->len;
	return get(&x);
}
char _license[] SEC("license") = "GPL";
