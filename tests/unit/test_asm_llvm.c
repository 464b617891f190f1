/* SPDX-License-Identifier: MIT */
/*
 * test_asm_llvm.c - the LLVM dialect against LLVM itself.
 *
 * 1. A few C sources are compiled with clang-19 -target bpf -mcpu=v4 -O2;
 *    the .text bytes are extracted with llvm-objcopy-19 and disassembled
 *    by both llvm-objdump-19 (--mcpu=v4) and bpfx. The instruction text
 *    must be identical, objdump's text must assemble to the same bytes,
 *    and bpfx's text must too.
 * 2. Every opcode-table row, with several field values, is written as raw
 *    bytes (.byte lines through llvm-mc-19) and compared the same way.
 *
 * Known, deliberate differences (bpfx prints more because objdump's text
 * loses information): bpf-to-bpf and kfunc calls (objdump: "call imm"),
 * lddw pseudo sources (objdump: "ld_pseudo r1, 0x1, 0x3"), legacy
 * indirect packet loads with an imm (objdump drops it), and slots LLVM 19
 * cannot decode (load-acquire/store-release, gotox). Those lines are
 * counted and skipped, never compared.
 *
 * Skips when clang-19 or the LLVM tools are missing.
 */
#include <bpfx/asm.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "isa/isa_internal.h"

static char dir[] = "/tmp/bpfx-asm-llvm-XXXXXX";

static const char *const sources[] = {
	/* arithmetic on both widths, divisions, shifts, compares */
	"typedef unsigned long long u64; typedef long long s64; typedef unsigned int u32;\n"
	"u64 arith(u64 a, u64 b, s64 c, s64 d) {\n"
	"  u32 e = (u32)(a >> 32), f = (u32)b; int g = (int)c, h = (int)(d >> 7);\n"
	"  u64 r = a / (b | 1) + a % (b | 3) + (u64)(c / (d | 1)) + (u64)(c % (d | 5));\n"
	"  r += e / (f | 1) + e % (f | 7) + (u32)(g / (h | 1)) + (u32)(g % (h | 9));\n"
	"  r ^= a << (b & 63); r |= a >> (b & 31); r &= (u64)(c >> (d & 63));\n"
	"  r -= (u32)(e << (f & 31)) + (u32)(e >> 3) + (u32)(g >> (h & 31)); r *= -a; e = -e;\n"
	"  r += e * f + g * 7 + (u32)-g + 0x1122334455667788ull;\n"
	"  if (a < b) r += 1; if (a <= b) r += 2; if (a > 17) r += 3; if (a >= b) r += 4;\n"
	"  if (c < d) r += 5; if (c <= -3) r += 6; if (c > d) r += 7; if (c >= 9) r += 8;\n"
	"  if (e < f) r += 9; if (e <= 5) r += 10; if (g > h) r += 11; if (g >= -7) r += 12;\n"
	"  if (a & 0x40) r += 13; if ((e & 3) != 0) r += 14; if (a == b) r += 15; if (g != h) r ^= 16;\n"
	"  return r;\n}\n",
	/* memory: signed loads, casts, stores, byte swaps */
	"typedef unsigned long long u64;\n"
	"struct s { signed char a; short b; int c; long long d; unsigned char e; unsigned short f; unsigned g; };\n"
	"long long mem(struct s *p, long long x) {\n"
	"  long long r = p->a + p->b + p->c + p->d + p->e + p->f + p->g;\n"
	"  r += (signed char)x + (short)x + (int)x;\n"
	"  p->a = 1; p->b = (short)x; p->c = -3; p->d = r; p->e = (unsigned char)x; p->g = 0x12345678;\n"
	"  r += __builtin_bswap16((unsigned short)x) + __builtin_bswap32((unsigned)x) + __builtin_bswap64(x);\n"
	"  return r;\n}\n",
	/* atomics on both widths */
	"long long atom(long long *p, int *q, long long v, int w) {\n"
	"  __sync_fetch_and_add(p, v); __sync_fetch_and_add(q, w);\n"
	"  long long r = __atomic_fetch_add(p, v, 5) + __atomic_fetch_or(p, v, 5) + __atomic_fetch_and(p, v, 5)\n"
	"     + __atomic_fetch_xor(p, v, 5) + __atomic_exchange_n(p, v, 5);\n"
	"  r += __atomic_fetch_add(q, w, 5) + __atomic_fetch_or(q, w, 5) + __atomic_fetch_and(q, w, 5)\n"
	"     + __atomic_fetch_xor(q, w, 5) + __atomic_exchange_n(q, w, 5);\n"
	"  __atomic_fetch_or(p, 3, 0); __atomic_fetch_and(q, w, 0); __atomic_fetch_xor(q, w, 0);\n"
	"  long long e = 1; int e32 = 2;\n"
	"  __atomic_compare_exchange_n(p, &e, v, 0, 5, 5); __atomic_compare_exchange_n(q, &e32, w, 0, 5, 5);\n"
	"  return r + e + e32;\n}\n",
	/* calls: helpers, a loop, and a jump table-free switch */
	"static long (*helper1)(long, long) = (void *)1; static long (*helper7)(void) = (void *)7;\n"
	"static __attribute__((noinline)) long local(long a) { return a * 3 + helper7(); }\n"
	"long counter;\n"
	"long calls(long a, long b) {\n"
	"  long r = helper1(a, b) + helper7() + local(a) + local(b);\n"
	"  counter += r;\n"
	"  for (int i = 0; i < (int)(b & 15); i++) r += helper1(r, i);\n"
	"  switch (a & 3) { case 0: r ^= 5; break; case 1: r *= 3; break; default: r -= 9; }\n"
	"  return r;\n}\n",
};

static int run_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run_cmd(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = (size_t)n;
	}
	return buf;
}

static int compared, skipped, differ;

/* Text of slot `idx` in an "   idx:\ttext" listing (objdump or bpfx), with
 * objdump's "<...>" annotation removed; false if there is no such line. */
static bool listing_line(const char *listing, size_t idx, char *out, size_t len)
{
	char key[32];
	int k = snprintf(key, sizeof(key), "%8zu:\t", idx);
	for (const char *p = listing; p && *p;) {
		if (!strncmp(p, key, (size_t)k)) {
			p += k;
			size_t n = strcspn(p, "\n");
			if (n >= len)
				n = len - 1;
			memcpy(out, p, n);
			out[n] = 0;
			char *a = NULL;
			for (char *q = strstr(out, " <"); q; q = strstr(q + 1, " <"))
				a = q; /* the last one: "if w1 < w2 goto +0x1 <LBB0_2>" */
			if (a && n && out[n - 1] == '>')
				*a = 0;
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/* LLVM 19 prints these lossily or not at all: compare nothing. */
static bool known_divergence(const struct bpfx_insn *x, const char *llvm_text)
{
	enum bpfx_op op = bpfx_op_decode(x);
	if (!strncmp(llvm_text, "<unknown>", 9) || !strncmp(llvm_text, "ld_pseudo", 9))
		return true;
	if (op == BPFX_OP_CALL_LOCAL || op == BPFX_OP_CALL_KFUNC)
		return true;
	if (op != BPFX_OP__INVALID && (bpfx_op_table[op].group & (BPFX_GROUP_ACQREL | BPFX_GROUP_GOTOX)))
		return true;
	if (op != BPFX_OP__INVALID && bpfx_op_table[op].fmt == BPFX_FMT_LDIND && x->imm)
		return true;
	return false;
}

/* Compares objdump's listing of obj with bpfx's disassembly of the same bytes. */
static void compare(const char *obj, const char *what)
{
	size_t blen = 0, llen = 0;
	run_cmd("llvm-objcopy-19 -O binary --only-section=.text %s %s/text.bin", obj, dir);
	run_cmd("llvm-objdump-19 -d --mcpu=v4 --no-show-raw-insn %s > %s/objdump.txt", obj, dir);
	char path[256];
	snprintf(path, sizeof(path), "%s/text.bin", dir);
	char *bytes = slurp(path, &blen);
	snprintf(path, sizeof(path), "%s/objdump.txt", dir);
	char *listing = slurp(path, &llen);
	CHECK(bytes && listing && blen % 8 == 0 && blen > 0);
	if (!bytes || !listing || blen % 8 || !blen) {
		free(bytes);
		free(listing);
		return;
	}
	size_t n = blen / 8;
	struct bpfx_insn *x = (struct bpfx_insn *)bytes;
	struct bpfx_disasm_opts o = {.sz = sizeof(o), .flags = BPFX_DISASM_INDEX};
	char *ours = NULL;
	CHECK(bpfx_disasm(x, n, &o, &ours) == 0);

	/* our whole listing assembles back to the bytes */
	struct bpfx_insn *y = NULL;
	size_t m = 0;
	struct bpfx_asm_error e;
	struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = BPFX_DIALECT_LLVM};
	int r = bpfx_asm(ours, strlen(ours), &ao, &y, &m, &e);
	CHECK(r == 0 && m == n && !memcmp(x, y, n * 8));
	if (r)
		fprintf(stderr, "%s: our listing does not assemble: %d:%d %s\n", what, e.line, e.col, e.msg);
	bpfx_free(y);

	/* objdump's whole listing, headers, bytes and annotations included,
	 * assembles to the same bytes except in its lossy lines */
	run_cmd("llvm-objdump-19 -d --mcpu=v4 %s > %s/full.txt", obj, dir);
	snprintf(path, sizeof(path), "%s/full.txt", dir);
	size_t flen;
	char *full = slurp(path, &flen);
	r = full ? bpfx_asm(full, flen, &ao, &y, &m, &e) : -1;
	if (r)
		fprintf(stderr, "%s: objdump's listing does not assemble: %d:%d %s\n", what, e.line, e.col, e.msg);
	CHECK(r == 0 && m == n);
	for (size_t i = 0; r == 0 && m == n && i < n; i++) {
		char t[256];
		bool lossy = listing_line(listing, i, t, sizeof(t)) && known_divergence(&x[i], t);
		size_t slots = x[i].code == 0x18 && i + 1 < n ? 2 : 1;
		if (!lossy)
			CHECK(!memcmp(&x[i], &y[i], slots * 8));
		i += slots - 1;
	}
	free(full);
	bpfx_free(y);
	y = NULL;

	for (size_t i = 0; i < n; i++) {
		char theirs[256], mine[256];
		if (!listing_line(listing, i, theirs, sizeof(theirs)))
			continue; /* second slot of an lddw */
		CHECK(listing_line(ours, i, mine, sizeof(mine)));
		if (known_divergence(&x[i], theirs)) {
			skipped++;
			continue;
		}
		compared++;
		if (strcmp(theirs, mine)) {
			differ++;
			fprintf(stderr, "%s: slot %zu: llvm-objdump '%s', bpfx '%s'\n", what, i, theirs, mine);
		}
		CHECK(!strcmp(theirs, mine));
		/* objdump's text assembles to the same bytes */
		int slots = x[i].code == 0x18 ? 2 : 1;
		r = bpfx_asm(theirs, strlen(theirs), &ao, &y, &m, &e);
		bool same = r == 0 && m == (size_t)slots && i + m <= n && !memcmp(&x[i], y, m * 8);
		if (!same)
			fprintf(stderr, "%s: slot %zu: '%s' does not assemble back (%d:%d %s)\n", what, i, theirs, e.line,
				e.col, e.msg);
		CHECK(same);
		bpfx_free(y);
	}
	bpfx_free(ours);
	free(bytes);
	free(listing);
}

static const int32_t imms[] = {0, 1, -1, 0x7fffffff, INT32_MIN, 0x1234, -8};
static const int16_t offs[] = {0, -1, 1, 32767, -32768, -8, 0x100};

static void table_rows(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/rows.s", dir);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, ".text\n.globl rows\nrows:\n");
	for (int op = 0; op < BPFX_OP__COUNT; op++) {
		const struct bpfx_op_desc *d = &bpfx_op_table[op];
		for (int v = 0; v < 7; v++) {
			struct bpfx_insn x[2] = {{0}};
			x[0].code = d->code;
			x[0].dst = d->dst == BPFX_USE_SEL ? (uint8_t)d->selv : d->dst ? (uint8_t)((v * 3 + 1) % 11) : 0;
			x[0].src = d->src == BPFX_USE_SEL ? (uint8_t)d->selv : d->src ? (uint8_t)((v * 7 + 2) % 11) : 0;
			x[0].off = d->off == BPFX_USE_SEL ? (int16_t)d->selv : d->off ? offs[v] : 0;
			x[0].imm = d->imm == BPFX_USE_SEL      ? d->selv
				   : d->imm == BPFX_USE_ASCAST ? (v & 1 ? 1 : 0x10000)
				   : d->imm                    ? imms[v]
							       : 0;
			if (d->fmt == BPFX_FMT_LDDW && d->selv == 0)
				x[1].imm = imms[(v + 2) % 7];
			int slots = d->fmt == BPFX_FMT_LDDW ? 2 : 1;
			const uint8_t *b = (const uint8_t *)x;
			for (int s = 0; s < slots; s++) {
				fprintf(f, ".byte ");
				for (int k = 0; k < 8; k++)
					fprintf(f, "%s0x%02x", k ? "," : "", b[8 * s + k]);
				fprintf(f, "\n");
			}
		}
	}
	fclose(f);
	CHECK(run_cmd("llvm-mc-19 -triple bpfel -mcpu=v4 -filetype=obj %s/rows.s -o %s/rows.o", dir, dir) == 0);
	snprintf(path, sizeof(path), "%s/rows.o", dir);
	compare(path, "opcode table");
}

int main(void)
{
	if (system("command -v clang-19 llvm-objdump-19 llvm-objcopy-19 llvm-mc-19 >/dev/null 2>&1") != 0) {
		printf("test_asm_llvm: SKIPPED (clang-19 / llvm-*-19 not installed)\n");
		return 0;
	}
	CHECK(mkdtemp(dir) != NULL);
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/src%zu.c", dir, i);
		FILE *f = fopen(path, "w");
		CHECK(f != NULL);
		if (!f)
			continue;
		fputs(sources[i], f);
		fclose(f);
		int r = run_cmd("clang-19 -target bpf -mcpu=v4 -O2 -c %s/src%zu.c -o %s/src%zu.o", dir, i, dir, i);
		CHECK(r == 0);
		if (r)
			continue;
		snprintf(path, sizeof(path), "%s/src%zu.o", dir, i);
		char what[32];
		snprintf(what, sizeof(what), "source %zu", i);
		compare(path, what);
	}
	int from_c = compared;
	table_rows();
	if (!getenv("KEEP")) run_cmd("rm -rf %s", dir);
	printf("llvm comparison: %d instructions identical to llvm-objdump (%d from C sources), %d differ, "
	       "%d skipped as known divergences\n",
	       compared - differ, from_c, differ, skipped);
	CHECK(from_c >= 100);
	return check_summary("test_asm_llvm");
}
