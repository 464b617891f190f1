/* SPDX-License-Identifier: MIT */
/* host_v3.h - two flavours of host_rec that disagree on where 'a' is: CO-RE
 * must refuse the object as ambiguous. */
struct host_rec___one {
	int a;
	unsigned long long b;
};
struct host_rec___two {
	unsigned long long b;
	int a;
};
