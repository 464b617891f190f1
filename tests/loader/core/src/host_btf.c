/* SPDX-License-Identifier: MIT */
/* host_btf.c - built with -DV=1 or -DV=2 to produce the host BTF of one
 * layout (the types are referenced so that the compiler keeps them). */
#if V == 1
#include "host_v1.h"
#elif V == 3
#include "host_v3.h"
struct host_rec___one one;
struct host_rec___two two;
#else
#include "host_v2.h"
struct host_v2_only host_only;
#endif
#if V != 3
struct host_rec host_rec_instance;
enum host_mode host_mode_instance;
#endif
