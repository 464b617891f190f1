/* SPDX-License-Identifier: MIT */
/* core_vmlinux.c - reads kernel structures through CO-RE: the offsets and
 * sizes resolved against /sys/kernel/btf/vmlinux must be those of that BTF.
 * Only the fields used are declared (libbpf style, preserve_access_index). */
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct sched_entity { __u64 vruntime; } __attribute__((preserve_access_index));
struct task_struct {
	int pid;
	int tgid;
	unsigned int flags;
	char comm[16];
	struct task_struct *real_parent;
	struct sched_entity se;
} __attribute__((preserve_access_index));
struct sk_buff {
	unsigned int len;
	unsigned int data_len;
	__u16 protocol;
	__u32 mark;
	__u32 hash;
	unsigned char *data;
} __attribute__((preserve_access_index));
struct inode;
struct file {
	unsigned int f_flags;
	unsigned int f_mode;
	long long f_pos;
	struct inode *f_inode;
} __attribute__((preserve_access_index));

SEC("kprobe/task") long long task_fields(struct task_struct *t)
{
	return t->pid + t->tgid + t->flags + t->comm[2] + t->se.vruntime + t->real_parent->pid +
	       bpf_core_field_size(t->comm) + bpf_core_field_size(t->se.vruntime);
}
SEC("kprobe/skb") long long skb_fields(struct sk_buff *s)
{
	return s->len + s->data_len + s->protocol + s->mark + s->hash + s->data[0] +
	       bpf_core_field_size(s->protocol) + bpf_core_field_size(s->len);
}
SEC("kprobe/file") long long file_fields(struct file *f)
{
	return f->f_flags + f->f_mode + f->f_pos + (long long)f->f_inode + bpf_core_field_size(f->f_pos) +
	       bpf_core_field_size(f->f_mode);
}
char LICENSE[] SEC("license") = "GPL";
