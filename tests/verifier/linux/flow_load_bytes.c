/* Accepted on the linux platform (type flow_dissector): bpf_skb_load_bytes
 * on the context. Linux accepts it too. Loaded as an object (bpfx run), the
 * program gets a plain buffer, not an skb, so the loader must not verify it
 * against a helper that reads an skb's packet pointers out of that buffer:
 * run.sh checks that the object only runs checked. */
typedef unsigned int u32;
#define SEC(n) __attribute__((section(n), used))
static long (*bpf_skb_load_bytes)(const void *skb, u32 off, void *to, u32 len) = (void *)26;

SEC("flow_dissector")
int dissect(void *skb)
{
	u32 v = 0;
	bpf_skb_load_bytes(skb, 0, &v, 4);
	return v;
}
char _license[] SEC("license") = "GPL";
