/* SPDX-License-Identifier: MIT */
/* host_v1.h - first layout of the host structure (the one core_host.c was
 * compiled against). Included by the host test and built into host BTF. */
struct host_rec {
	int a;
	unsigned long long b;
	unsigned int flags : 3;
	int level : 5;
	char name[8];
};
enum host_mode { MODE_A = 1, MODE_B = 2 };
