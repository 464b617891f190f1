/* SPDX-License-Identifier: MIT */
/* verify_bad.c - rejected by the verifier; the report must cite this file. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp") int bad(struct xdp_md *ctx)
{
	int *p = (int *)(long)ctx->data;
	return *p; /* no bounds check against data_end */
}
char LICENSE[] SEC("license") = "GPL";
