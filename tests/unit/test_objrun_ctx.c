/* SPDX-License-Identifier: MIT */
/* The context rewrite (src/loader/ctx.c): which packet-pointer loads become
 * 64-bit loads of the shadow pointers, and which code is refused. */
#include <string.h>

#include "check.h"
#include "loader/ctx.h"

#define I(c, d, s, o, i) ((struct bpfx_insn){.code = (c), .dst = (d), .src = (s), .off = (o), .imm = (i)})
#define LDXW(d, s, o) I(0x61, d, s, o, 0)
#define LDXDW(d, s, o) I(0x79, d, s, o, 0)
#define STXDW(d, s, o) I(0x7b, d, s, o, 0)
#define MOV(d, s) I(0xbf, d, s, 0, 0)
#define MOVK(d, k) I(0xb7, d, 0, 0, k)
#define ADDK(d, k) I(0x07, d, 0, 0, k)
#define JEQK(d, k, o) I(0x15, d, 0, o, k)
#define JA(o) I(0x05, 0, 0, o, 0)
#define CALLL(o) I(0x85, 0, 1, 0, o)
#define CALLH(id) I(0x85, 0, 0, 0, id)
#define EXIT I(0x95, 0, 0, 0, 0)

static char msg[512];
static void logfn(void *u, enum bpfx_log_level l, const char *m)
{
	(void)u;
	(void)l;
	snprintf(msg, sizeof(msg), "%s", m);
}
static const struct bpfx_diag diag = {logfn, NULL};

static int is_shadow(const struct bpfx_insn *in, int off)
{
	return in->code == 0x79 && in->off == off;
}

int main(void)
{
	/* xdp: data through r1, data_end through a copy in r6 */
	struct bpfx_insn a[] = {MOV(6, 1), LDXW(2, 1, 0), LDXW(3, 6, 4), LDXW(4, 1, 12), MOVK(0, 2), EXIT};
	CHECK(ctx_rewrite(a, 6, BPFX_CTX_TYPE_XDP, "a", &diag) == 0);
	CHECK(is_shadow(&a[1], 24) && is_shadow(&a[2], 32));
	CHECK(a[3].code == 0x61 && a[3].off == 12); /* scalar field unchanged */

	/* spilled to the stack, a helper call (r1 clobbered), reloaded */
	struct bpfx_insn b[] = {STXDW(10, 1, -8), CALLH(5), LDXDW(7, 10, -8), LDXW(2, 7, 8), LDXW(3, 1, 0),
				MOVK(0, 2), EXIT};
	CHECK(ctx_rewrite(b, 7, BPFX_CTX_TYPE_XDP, "b", &diag) == 0);
	CHECK(is_shadow(&b[3], 40));
	CHECK(b[4].code == 0x61); /* r1 no longer holds the context after the call */

	/* passed to a subprogram in r2 */
	struct bpfx_insn c[] = {MOV(2, 1), MOVK(1, 0), CALLL(2), MOVK(0, 2), EXIT,
				LDXW(0, 2, 0), EXIT};
	CHECK(ctx_rewrite(c, 7, BPFX_CTX_TYPE_XDP, "c", &diag) == 0);
	CHECK(is_shadow(&c[5], 24));

	/* skb: data at 76, data_end at 80 */
	struct bpfx_insn d[] = {LDXW(2, 1, 76), LDXW(3, 1, 80), LDXW(4, 1, 0), MOVK(0, 0), EXIT};
	CHECK(ctx_rewrite(d, 5, BPFX_CTX_TYPE_SKB, "d", &diag) == 0);
	CHECK(is_shadow(&d[0], 192) && is_shadow(&d[1], 200) && d[2].code == 0x61);

	/* the context on one path only: refused, naming the instruction */
	struct bpfx_insn e[] = {MOV(6, 1), JEQK(2, 0, 1), MOVK(6, 0), LDXW(3, 6, 0), MOVK(0, 0), EXIT};
	msg[0] = 0;
	CHECK(ctx_rewrite(e, 6, BPFX_CTX_TYPE_XDP, "e", &diag) == BPFX_E_UNSUPPORTED);
	CHECK_STR_CONTAINS(msg, "insn 3");
	CHECK_STR_CONTAINS(msg, "some paths only");

	/* a modified context pointer is not the context: left alone */
	struct bpfx_insn f[] = {ADDK(1, 4), LDXW(2, 1, 0), MOVK(0, 0), EXIT};
	CHECK(ctx_rewrite(f, 4, BPFX_CTX_TYPE_XDP, "f", &diag) == 0);
	CHECK(f[1].code == 0x61);

	/* a loop (back edge) keeps the state */
	struct bpfx_insn g[] = {MOV(6, 1), MOVK(7, 3), LDXW(2, 6, 4), ADDK(7, -1), JEQK(7, 0, 1), JA(-4),
				MOVK(0, 0), EXIT};
	CHECK(ctx_rewrite(g, 8, BPFX_CTX_TYPE_XDP, "g", &diag) == 0);
	CHECK(is_shadow(&g[2], 32));

	/* generic programs are never rewritten */
	struct bpfx_insn h[] = {LDXW(2, 1, 0), EXIT};
	CHECK(ctx_rewrite(h, 2, BPFX_CTX_TYPE_GENERIC, "h", &diag) == 0);
	CHECK(h[0].code == 0x61);
	return check_summary("objrun_ctx");
}
