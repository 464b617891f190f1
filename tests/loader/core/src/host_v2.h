/* SPDX-License-Identifier: MIT */
/* host_v2.h - second layout: fields moved, b narrowed to 4 bytes, bitfields
 * in another unit, a new field, an anonymous union, enum values changed. */
struct host_rec {
	char pad[5];
	unsigned int b;
	char name[8];
	int extra;
	union {
		int a;
		unsigned int a_alias;
	};
	unsigned short x : 1, flags : 3;
	signed char z;
	int pad2 : 11;
	int level : 5;
};
enum host_mode { MODE_B = 7, MODE_C = 9 };
struct host_v2_only {
	int q[3];
};
