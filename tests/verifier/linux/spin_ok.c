/* Accepted on the linux platform: a counter updated under the value's
 * bpf_spin_lock (found from the map's BTF), released on every path. */
typedef unsigned int u32; typedef unsigned long long u64;
#define SEC(n) __attribute__((section(n), used))
struct bpf_spin_lock { u32 val; };
struct val { u64 packets; struct bpf_spin_lock lock; u64 bytes; };
struct __sk_buff { u32 len; };
struct { int (*type)[1]; u32 *key; struct val *value; int (*max_entries)[16]; } stats SEC(".maps");
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static void (*bpf_spin_lock)(struct bpf_spin_lock *lock) = (void *)93;
static void (*bpf_spin_unlock)(struct bpf_spin_lock *lock) = (void *)94;
SEC("tc")
int count(struct __sk_buff *skb)
{
	u32 key = 0, len = skb->len;
	struct val *v = bpf_map_lookup_elem(&stats, &key);
	if (!v)
		return 0;
	bpf_spin_lock(&v->lock);
	v->packets++;
	v->bytes += len;
	bpf_spin_unlock(&v->lock);
	return 0;
}
char _license[] SEC("license") = "GPL";
