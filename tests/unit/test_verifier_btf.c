/* SPDX-License-Identifier: MIT */
/* test_verifier_btf.c - BTF-typed pointers: a platform with a hand-built BTF
 * describing host structs; loads through such pointers (numbers, pointer
 * members, unions, bounds), NULL checks, stores to writable structs, helpers
 * taking and returning them, and malformed BTF blobs (libbpf reads them; the
 * messages name the part at fault). */
#include <bpf/libbpf.h>
#include <bpfx/bpfx.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* ---- a tiny BTF writer ---- */
static uint32_t types[256];
static size_t ntw;
static char strs[512] = "";
static size_t nstr = 1;

static uint32_t str(const char *s)
{
	uint32_t o = (uint32_t)nstr;
	size_t n = strlen(s) + 1;
	memcpy(strs + nstr, s, n);
	nstr += n;
	return o;
}
static void w(uint32_t v)
{
	types[ntw++] = v;
}
static void type(const char *name, uint32_t kind, uint32_t vlen, uint32_t size_or_type)
{
	w(name ? str(name) : 0);
	w(kind << 24 | vlen);
	w(size_or_type);
}
static void member(const char *name, uint32_t t, uint32_t bit_off)
{
	w(str(name));
	w(t);
	w(bit_off);
}

static unsigned char *blob_of(size_t *size);

/* ids: 1 int, 2 struct node, 3 node *, 4 int *, 5 struct ctx, 6 union u,
 * 7 typedef node_t, 8 const node_t, 9 node_t * */
static unsigned char *build(size_t *size)
{
	type("int", 1, 0, 4), w(32);                     /* 1 */
	type("node", 4, 4, 24);                          /* 2: struct node { int val, flags; node *next; int *data; } */
	member("val", 1, 0), member("flags", 1, 32), member("next", 3, 64), member("data", 4, 128);
	type(NULL, 2, 0, 2);                             /* 3 */
	type(NULL, 2, 0, 1);                             /* 4 */
	type("ctx", 4, 4, 32);                           /* 5: struct ctx { node *root; int count; u; node *arr[1]; } */
	member("root", 3, 0), member("count", 1, 64), member("u", 6, 128), member("arr", 10, 192);
	type("u", 5, 2, 8);                              /* 6: union u { node *p; int x; } */
	member("p", 3, 0), member("x", 1, 0);
	type("node_t", 8, 0, 2);                         /* 7 */
	type(NULL, 10, 0, 7);                            /* 8 */
	type(NULL, 2, 0, 8);                             /* 9 */
	type(NULL, 3, 0, 0), w(9), w(1), w(1);           /* 10: node_t *[1] */
	return blob_of(size);
}

/* The blob of the types and strings written so far. */
static unsigned char *blob_of(size_t *size)
{
	size_t tl = ntw * 4;
	*size = 24 + tl + nstr;
	unsigned char *b = calloc(1, *size);
	uint16_t magic = 0xeB9F;
	memcpy(b, &magic, 2);
	b[2] = 1;
	uint32_t hdr[5] = {24, 0, (uint32_t)tl, (uint32_t)tl, (uint32_t)nstr};
	memcpy(b + 4, hdr, sizeof(hdr));
	memcpy(b + 24, types, tl);
	memcpy(b + 24 + tl, strs, nstr);
	return b;
}

static char verdict[64];
static const char *verify(const bpfx_platform *p, const char *text)
{
	struct bpfx_insn *insns = NULL;
	size_t n = 0;
	struct bpfx_asm_opts ao = {.sz = sizeof(ao)};
	struct bpfx_asm_error ae;
	if (bpfx_asm(text, strlen(text), &ao, &insns, &n, &ae)) {
		fprintf(stderr, "asm: line %d: %s\n", ae.line, ae.msg);
		return "ERROR";
	}
	struct bpfx_verify_opts vo = {.sz = sizeof(vo), .prog_type = "bt"};
	struct bpfx_report *r = NULL;
	int err = bpfx_verify(p, insns, n, &vo, &r);
	snprintf(verdict, sizeof(verdict), "%s", !r ? "ERROR" : r->accepted && !err ? "ACCEPT" : r->rule);
	if (getenv("BTF_TEST_VERBOSE") && r && !r->accepted)
		fprintf(stderr, "%s\n", r->message);
	bpfx_report_free(r);
	bpfx_free(insns);
	return verdict;
}
#define V(text, want)                                                                                           \
	do {                                                                                                    \
		const char *got_ = verify(p, text);                                                             \
		CHECK(strcmp(got_, want) == 0);                                                                 \
		if (strcmp(got_, want))                                                                         \
			fprintf(stderr, "  got %s for:\n%s\n", got_, text);                                     \
	} while (0)

/* r2 = the struct ctx pointer, checked */
#define CTX "r2 = *(u64 *)(r1 + 0)\n if r2 == 0 goto out\n"
#define OUT "out:\n r0 = 0\n exit\n"

static void test_programs(bpfx_platform *p)
{
	/* the context field may be NULL */
	V("r2 = *(u64 *)(r1 + 0)\n r0 = *(u32 *)(r2 + 8)\n exit\n", "BPFX-MEM-004");
	V(CTX "r0 = *(u32 *)(r2 + 8)\n exit\n" OUT, "ACCEPT");
	/* bounds: struct ctx is 32 bytes */
	V(CTX "r0 = *(u64 *)(r2 + 24)\n r0 = 0\n exit\n" OUT, "ACCEPT");
	V(CTX "r0 = *(u64 *)(r2 + 25)\n r0 = 0\n exit\n" OUT, "BPFX-MEM-002");
	V(CTX "r0 = *(u8 *)(r2 - 1)\n exit\n" OUT, "BPFX-MEM-002");
	/* a pointer member: a node or NULL; struct node is 24 bytes */
	V(CTX "r3 = *(u64 *)(r2 + 0)\n r0 = *(u32 *)(r3 + 4)\n exit\n" OUT, "BPFX-MEM-004");
	V(CTX "r3 = *(u64 *)(r2 + 0)\n if r3 == 0 goto out\n r0 = *(u32 *)(r3 + 4)\n exit\n" OUT, "ACCEPT");
	V(CTX "r3 = *(u64 *)(r2 + 0)\n if r3 == 0 goto out\n r0 = *(u64 *)(r3 + 17)\n exit\n" OUT, "BPFX-MEM-002");
	/* list walk: node->next->next->val, each checked */
	V(CTX "r3 = *(u64 *)(r2 + 0)\n if r3 == 0 goto out\n r3 = *(u64 *)(r3 + 8)\n if r3 == 0 goto out\n"
	      " r3 = *(u64 *)(r3 + 8)\n if r3 == 0 goto out\n r0 = *(u32 *)(r3 + 0)\n exit\n" OUT,
	  "ACCEPT");
	V(CTX "r3 = *(u64 *)(r2 + 0)\n if r3 == 0 goto out\n r3 = *(u64 *)(r3 + 8)\n r0 = *(u32 *)(r3 + 0)\n exit\n" OUT,
	  "BPFX-MEM-004");
	/* an array of typedef'd const pointers */
	V(CTX "r3 = *(u64 *)(r2 + 24)\n if r3 == 0 goto out\n r0 = *(u32 *)(r3 + 0)\n exit\n" OUT, "ACCEPT");
	/* pointers to numbers, pointers in unions, parts of pointers: numbers */
	V(CTX "r3 = *(u64 *)(r2 + 0)\n if r3 == 0 goto out\n r3 = *(u64 *)(r3 + 16)\n if r3 == 0 goto out\n"
	      " r0 = *(u32 *)(r3 + 0)\n exit\n" OUT,
	  "BPFX-MEM-001");
	V(CTX "r3 = *(u64 *)(r2 + 16)\n if r3 == 0 goto out\n r0 = *(u32 *)(r3 + 0)\n exit\n" OUT, "BPFX-MEM-001");
	V(CTX "r3 = *(u32 *)(r2 + 0)\n if r3 == 0 goto out\n r0 = *(u32 *)(r3 + 0)\n exit\n" OUT, "BPFX-MEM-001");
	/* constant arithmetic keeps the type; a variable offset reads numbers only */
	V(CTX "r2 += 8\n r3 = *(u64 *)(r2 - 8)\n if r3 == 0 goto out\n r0 = *(u32 *)(r3 + 0)\n exit\n" OUT, "ACCEPT");
	V(CTX "r4 = *(u32 *)(r2 + 8)\n r4 &= 8\n r2 += r4\n r3 = *(u64 *)(r2 + 0)\n if r3 == 0 goto out\n"
	      " r0 = *(u32 *)(r3 + 0)\n exit\n" OUT,
	  "BPFX-MEM-001");
	V(CTX "r4 = *(u32 *)(r2 + 8)\n r4 &= 24\n r2 += r4\n r0 = *(u64 *)(r2 + 0)\n exit\n" OUT, "ACCEPT");
	V(CTX "r4 = *(u32 *)(r2 + 8)\n r4 &= 31\n r2 += r4\n r0 = *(u64 *)(r2 + 0)\n exit\n" OUT, "BPFX-MEM-002");
	/* stores: read-only until the struct is made writable, never over pointers */
	V(CTX "*(u32 *)(r2 + 8) = 1\n r0 = 0\n exit\n" OUT, "BPFX-MEM-005");
	CHECK(bpfx_platform_set_btf_writable(p, 5) == 0);
	V(CTX "*(u32 *)(r2 + 8) = 1\n r0 = 0\n exit\n" OUT, "ACCEPT");
	V(CTX "*(u64 *)(r2 + 0) = 0\n r0 = 0\n exit\n" OUT, "BPFX-MEM-005");
	V(CTX "*(u32 *)(r2 + 4) = 0\n r0 = 0\n exit\n" OUT, "BPFX-MEM-005");
	V(CTX "*(u32 *)(r2 + 16) = 0\n r0 = 0\n exit\n" OUT, "BPFX-MEM-005"); /* the union holds a pointer */
	V(CTX "r3 = *(u64 *)(r2 + 0)\n if r3 == 0 goto out\n *(u32 *)(r3 + 0) = 1\n r0 = 0\n exit\n" OUT,
	  "BPFX-MEM-005"); /* struct node stays read-only */
	/* atomics are not for host structs */
	V(CTX "r3 = 1\n lock *(u32 *)(r2 + 8) += r3\n r0 = 0\n exit\n" OUT, "BPFX-MEM-006");
	/* helpers: 1 takes and returns a node; 2 has no BTF types given */
	V(CTX "r1 = *(u64 *)(r2 + 0)\n if r1 == 0 goto out\n call 1\n if r0 == 0 goto out\n"
	      " r0 = *(u32 *)(r0 + 0)\n exit\n" OUT,
	  "ACCEPT");
	V(CTX "r1 = *(u64 *)(r2 + 0)\n if r1 == 0 goto out\n call 1\n r0 = *(u32 *)(r0 + 0)\n exit\n" OUT,
	  "BPFX-MEM-004");
	V(CTX "r1 = *(u64 *)(r2 + 0)\n call 1\n r0 = 0\n exit\n" OUT, "BPFX-MEM-004");
	V(CTX "r1 = r2\n call 1\n r0 = 0\n exit\n" OUT, "BPFX-CALL-002"); /* a ctx struct, not a node */
	V(CTX "r1 = *(u64 *)(r2 + 0)\n if r1 == 0 goto out\n r1 += 8\n call 1\n r0 = 0\n exit\n" OUT,
	  "BPFX-CALL-002");
	V(CTX "r1 = r10\n call 1\n r0 = 0\n exit\n" OUT, "BPFX-CALL-002");
	V(CTX "r1 = *(u64 *)(r2 + 0)\n if r1 == 0 goto out\n call 2\n r0 = 0\n exit\n" OUT, "BPFX-CALL-004");
}

/* Mutated blobs: every outcome is an error or a platform whose programs
 * verify without crashing (run under ASan/valgrind in CI). */
static void test_mutations(const unsigned char *blob, size_t size)
{
	uint64_t x = 88172645463325252ull;
	unsigned char *m = malloc(size);
	int parsed = 0;
	long rounds = check_scale(3000);
	for (long r = 0; r < rounds; r++) {
		memcpy(m, blob, size);
		for (int k = 0; k < 1 + (int)(r % 4); k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			size_t at = (size_t)(x % size);
			m[at] = (unsigned char)(x >> 32);
		}
		bpfx_platform *p;
		struct bpfx_platform_opts po = {.sz = sizeof(po)};
		if (bpfx_platform_create(&po, &p))
			continue;
		if (bpfx_platform_set_btf(p, m, size) == 0) {
			parsed++;
			struct bpfx_ctx_field f = {.offset = 0, .size = 8, .access = BPFX_FIELD_READ,
						   .kind = BPFX_FIELD_BTF_PTR, .target = 5};
			struct bpfx_prog_type t = {.sz = sizeof(t), .name = "bt", .ctx_kind = BPFX_CTX_STRUCT,
						   .ctx_size = 8, .fields = &f, .nfields = 1};
			if (bpfx_platform_add_prog_type(p, &t) == 0) {
				bpfx_platform_set_btf_writable(p, 5);
				verify(p, CTX "r3 = *(u64 *)(r2 + 0)\n if r3 == 0 goto out\n r3 = *(u64 *)(r3 + 8)\n"
					      " if r3 == 0 goto out\n r0 = *(u32 *)(r3 + 4)\n exit\n" OUT);
				verify(p, CTX "r3 = *(u64 *)(r2 + 24)\n if r3 == 0 goto out\n *(u32 *)(r2 + 8) = 1\n"
					      " r0 = *(u64 *)(r3 + 16)\n exit\n" OUT);
			}
		}
		bpfx_platform_destroy(p);
	}
	free(m);
	CHECK(parsed > 0); /* some mutations keep the blob valid */
}

/* .BTF of this file, compiled by clang-19 -g -O2 -target bpf (bitfields,
 * an anonymous union, typedefs, const pointers to pointers, VAR and DATASEC
 * records):
 * typedef unsigned int u32;
 * struct files;
 * struct task {
 * 	int pid;
 * 	u32 flags : 3, state : 5;
 * 	struct task *parent;
 * 	struct files *files;
 * 	char comm[16];
 * 	union {
 * 		struct task *next;
 * 		long cookie;
 * 	};
 * 	const struct files *const *tables[2];
 * };
 * typedef struct task task_t;
 * struct files {
 * 	int count;
 * 	task_t *owner;
 * 	void *opaque;
 * };
 * struct host_ctx {
 * 	task_t *current;
 * 	unsigned long now;
 * };
 * struct task keep_task; struct files keep_files; struct host_ctx keep_ctx;
 */
static const unsigned char clang_btf[] = {
	0x9f, 0xeb, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4c, 0x02, 0x00, 0x00,
	0x4c, 0x02, 0x00, 0x00, 0xce, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x84,
	0x40, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x03, 0x10, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x00, 0x00, 0x23, 0x00, 0x00, 0x05, 0x16, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
	0x40, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
	0x23, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
	0x80, 0x01, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00,
	0x20, 0x00, 0x00, 0x01, 0x33, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x00,
	0x37, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x10, 0x00, 0x00, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x01, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00,
	0x49, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x05, 0x08, 0x00, 0x00, 0x00, 0x5d, 0x00, 0x00, 0x00,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x62, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x69, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00,
	0x40, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x0d, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a,
	0x10, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x04, 0x18, 0x00, 0x00, 0x00,
	0x6e, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x74, 0x00, 0x00, 0x00,
	0x11, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x7a, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00,
	0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x12, 0x00, 0x00, 0x00,
	0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x88, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x92, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x9d, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x04, 0x10, 0x00, 0x00, 0x00, 0xa6, 0x00, 0x00, 0x00,
	0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xae, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00,
	0x40, 0x00, 0x00, 0x00, 0xb2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00,
	0x40, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0e, 0x17, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0xc9, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00,
	0x15, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x10, 0x00, 0x00, 0x00, 0x00, 0x74, 0x61, 0x73, 0x6b, 0x00, 0x70, 0x69, 0x64, 0x00, 0x66, 0x6c,
	0x61, 0x67, 0x73, 0x00, 0x73, 0x74, 0x61, 0x74, 0x65, 0x00, 0x70, 0x61, 0x72, 0x65, 0x6e, 0x74,
	0x00, 0x66, 0x69, 0x6c, 0x65, 0x73, 0x00, 0x63, 0x6f, 0x6d, 0x6d, 0x00, 0x74, 0x61, 0x62, 0x6c,
	0x65, 0x73, 0x00, 0x69, 0x6e, 0x74, 0x00, 0x75, 0x33, 0x32, 0x00, 0x75, 0x6e, 0x73, 0x69, 0x67,
	0x6e, 0x65, 0x64, 0x20, 0x69, 0x6e, 0x74, 0x00, 0x63, 0x68, 0x61, 0x72, 0x00, 0x5f, 0x5f, 0x41,
	0x52, 0x52, 0x41, 0x59, 0x5f, 0x53, 0x49, 0x5a, 0x45, 0x5f, 0x54, 0x59, 0x50, 0x45, 0x5f, 0x5f,
	0x00, 0x6e, 0x65, 0x78, 0x74, 0x00, 0x63, 0x6f, 0x6f, 0x6b, 0x69, 0x65, 0x00, 0x6c, 0x6f, 0x6e,
	0x67, 0x00, 0x63, 0x6f, 0x75, 0x6e, 0x74, 0x00, 0x6f, 0x77, 0x6e, 0x65, 0x72, 0x00, 0x6f, 0x70,
	0x61, 0x71, 0x75, 0x65, 0x00, 0x74, 0x61, 0x73, 0x6b, 0x5f, 0x74, 0x00, 0x6b, 0x65, 0x65, 0x70,
	0x5f, 0x74, 0x61, 0x73, 0x6b, 0x00, 0x6b, 0x65, 0x65, 0x70, 0x5f, 0x66, 0x69, 0x6c, 0x65, 0x73,
	0x00, 0x68, 0x6f, 0x73, 0x74, 0x5f, 0x63, 0x74, 0x78, 0x00, 0x63, 0x75, 0x72, 0x72, 0x65, 0x6e,
	0x74, 0x00, 0x6e, 0x6f, 0x77, 0x00, 0x75, 0x6e, 0x73, 0x69, 0x67, 0x6e, 0x65, 0x64, 0x20, 0x6c,
	0x6f, 0x6e, 0x67, 0x00, 0x6b, 0x65, 0x65, 0x70, 0x5f, 0x63, 0x74, 0x78, 0x00, 0x2e, 0x62, 0x73,
	0x73, 0x00,
};

static void test_clang_btf(void)
{
	bpfx_platform *p;
	struct bpfx_platform_opts po = {.sz = sizeof(po), .name = "clang-btf"};
	CHECK(bpfx_platform_create(&po, &p) == 0);
	CHECK(bpfx_platform_set_btf(p, clang_btf, sizeof(clang_btf)) == 0);
	uint32_t hc = 0, task = 0, id = 0;
	CHECK(bpfx_platform_btf_find(p, "host_ctx", &hc) == 0);
	CHECK(bpfx_platform_btf_find(p, "task_t", &task) == 0); /* a typedef of struct task */
	CHECK(bpfx_platform_btf_find(p, "files", &id) == 0);
	CHECK(bpfx_platform_btf_find(p, "int", &id) == BPFX_E_NOENT);
	CHECK(bpfx_platform_btf_find(p, "nope", &id) == BPFX_E_NOENT);
	struct bpfx_ctx_field f = {.offset = 0, .size = 8, .access = BPFX_FIELD_READ, .kind = BPFX_FIELD_BTF_PTR,
				   .target = hc};
	struct bpfx_prog_type t = {.sz = sizeof(t), .name = "bt", .ctx_kind = BPFX_CTX_STRUCT, .ctx_size = 8,
				   .fields = &f, .nfields = 1};
	CHECK(bpfx_platform_add_prog_type(p, &t) == 0);
	/* r3 = ctx->current (a task), checked */
#define TASK CTX "r3 = *(u64 *)(r2 + 0)\n if r3 == 0 goto out\n"
	V(CTX "r3 = *(u64 *)(r2 + 0)\n r0 = *(u32 *)(r3 + 0)\n exit\n" OUT, "BPFX-MEM-004");
	V(TASK "r0 = *(u32 *)(r3 + 0)\n r4 = *(u8 *)(r3 + 39)\n r0 += r4\n r4 = *(u8 *)(r3 + 4)\n r0 += r4\n exit\n"
	       OUT,
	  "ACCEPT");
	V(TASK "r0 = *(u64 *)(r3 + 57)\n exit\n" OUT, "BPFX-MEM-002"); /* struct task is 64 bytes */
	/* task->parent->files->owner->pid */
	V(TASK "r3 = *(u64 *)(r3 + 8)\n if r3 == 0 goto out\n r3 = *(u64 *)(r3 + 16)\n if r3 == 0 goto out\n"
	       " r3 = *(u64 *)(r3 + 8)\n if r3 == 0 goto out\n r0 = *(u32 *)(r3 + 0)\n exit\n" OUT,
	  "ACCEPT");
	/* union member, pointer to pointers, void *: numbers */
	V(TASK "r3 = *(u64 *)(r3 + 40)\n if r3 == 0 goto out\n r0 = *(u32 *)(r3 + 0)\n exit\n" OUT, "BPFX-MEM-001");
	V(TASK "r3 = *(u64 *)(r3 + 56)\n if r3 == 0 goto out\n r0 = *(u64 *)(r3 + 0)\n exit\n" OUT, "BPFX-MEM-001");
	V(TASK "r3 = *(u64 *)(r3 + 16)\n if r3 == 0 goto out\n r3 = *(u64 *)(r3 + 16)\n if r3 == 0 goto out\n"
	       " r0 = *(u64 *)(r3 + 0)\n exit\n" OUT,
	  "BPFX-MEM-001");
	/* stores into a writable task: numbers, bitfields, comm; not the union, not pointers */
	CHECK(bpfx_platform_set_btf_writable(p, task) == 0);
	V(TASK "*(u32 *)(r3 + 0) = 1\n *(u8 *)(r3 + 4) = 2\n *(u64 *)(r3 + 24) = 0\n r0 = 0\n exit\n" OUT, "ACCEPT");
	V(TASK "*(u64 *)(r3 + 40) = 0\n r0 = 0\n exit\n" OUT, "BPFX-MEM-005");
	V(TASK "*(u64 *)(r3 + 48) = 0\n r0 = 0\n exit\n" OUT, "BPFX-MEM-005");
	V(CTX "*(u64 *)(r2 + 8) = 0\n r0 = 0\n exit\n" OUT, "BPFX-MEM-005"); /* host_ctx stays read-only */
#undef TASK
	bpfx_platform_destroy(p);
	test_mutations(clang_btf, sizeof(clang_btf));
}

/* The last message the platform logged. */
static char last_msg[512];
static void keep_msg(void *user, enum bpfx_log_level level, const char *msg)
{
	(void)user, (void)level;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
}
/* set_btf fails with `code` and a message containing `want`. */
static void bad_btf(bpfx_platform *p, const void *data, size_t size, int code, const char *want)
{
	last_msg[0] = 0;
	int err = bpfx_platform_set_btf(p, data, size);
	CHECK(err == code);
	CHECK(strstr(last_msg, want) != NULL);
	if (err != code || !strstr(last_msg, want))
		fprintf(stderr, "  got %d '%s', wanted %d and '%s'\n", err, last_msg, code, want);
}

/* The blob in the other byte order (every type record is made of u32s). */
static unsigned char *swapped(const unsigned char *blob, size_t size)
{
	unsigned char *s = malloc(size);
	memcpy(s, blob, size);
	uint32_t w[6];
	memcpy(w, blob, 24);
	uint32_t tl = w[3];
	uint16_t magic = __builtin_bswap16(0xeB9F);
	memcpy(s, &magic, 2);
	for (int i = 1; i < 6; i++)
		w[i] = __builtin_bswap32(w[i]);
	memcpy(s + 4, w + 1, 20);
	for (uint32_t i = 0; i < tl; i += 4) {
		uint32_t v;
		memcpy(&v, blob + 24 + i, 4);
		v = __builtin_bswap32(v);
		memcpy(s + 24 + i, &v, 4);
	}
	return s;
}

/* A member whose size is unknown (here a declared-only struct, invalid in
 * C) may hold pointers: stores that may reach it are refused. */
static void test_unsized_member(void)
{
	ntw = 0, nstr = 1;
	type("int", 1, 0, 4), w(32);     /* 1 */
	type("opaque", 7, 0, 0);         /* 2: struct opaque; */
	type("s", 4, 2, 16);             /* 3: struct s { int a; struct opaque b; } (16 bytes) */
	member("a", 1, 0), member("b", 2, 64);
	size_t size;
	unsigned char *blob = blob_of(&size);
	bpfx_platform *p;
	struct bpfx_platform_opts po = {.sz = sizeof(po), .name = "btf-unsized"};
	CHECK(bpfx_platform_create(&po, &p) == 0);
	CHECK(bpfx_platform_set_btf(p, blob, size) == 0);
	struct bpfx_ctx_field f = {.offset = 0, .size = 8, .access = BPFX_FIELD_READ, .kind = BPFX_FIELD_BTF_PTR,
				   .target = 3};
	struct bpfx_prog_type t = {.sz = sizeof(t), .name = "bt", .ctx_kind = BPFX_CTX_STRUCT, .ctx_size = 8,
				   .fields = &f, .nfields = 1};
	CHECK(bpfx_platform_add_prog_type(p, &t) == 0);
	CHECK(bpfx_platform_set_btf_writable(p, 3) == 0);
	V(CTX "*(u32 *)(r2 + 0) = 1\n r0 = *(u64 *)(r2 + 8)\n exit\n" OUT, "ACCEPT");
	V(CTX "*(u32 *)(r2 + 4) = 1\n r0 = 0\n exit\n" OUT, "ACCEPT");
	V(CTX "*(u32 *)(r2 + 8) = 1\n r0 = 0\n exit\n" OUT, "BPFX-MEM-005");
	V(CTX "*(u16 *)(r2 + 6) = 1\n r0 = 0\n exit\n" OUT, "ACCEPT");
	V(CTX "*(u32 *)(r2 + 12) = 1\n r0 = 0\n exit\n" OUT, "BPFX-MEM-005");
	bpfx_platform_destroy(p);
	free(blob);
}

/* The same BTF in the other byte order: libbpf swaps it, the model is the same. */
static void test_swapped(const unsigned char *blob, size_t size)
{
	unsigned char *sw = swapped(blob, size);
	bpfx_platform *p;
	struct bpfx_platform_opts po = {.sz = sizeof(po), .name = "btf-swapped"};
	CHECK(bpfx_platform_create(&po, &p) == 0);
	CHECK(bpfx_platform_set_btf(p, sw, size) == 0);
	uint32_t id = 0;
	CHECK(bpfx_platform_btf_find(p, "node", &id) == 0 && id == 2);
	CHECK(bpfx_platform_btf_find(p, "node_t", &id) == 0 && id == 7);
	CHECK(bpfx_platform_btf_find(p, "ctx", &id) == 0 && id == 5);
	struct bpfx_ctx_field f = {.offset = 0, .size = 8, .access = BPFX_FIELD_READ, .kind = BPFX_FIELD_BTF_PTR,
				   .target = 5};
	struct bpfx_prog_type t = {.sz = sizeof(t), .name = "bt", .ctx_kind = BPFX_CTX_STRUCT, .ctx_size = 8,
				   .fields = &f, .nfields = 1};
	CHECK(bpfx_platform_add_prog_type(p, &t) == 0);
	V(CTX "r3 = *(u64 *)(r2 + 24)\n if r3 == 0 goto out\n r0 = *(u32 *)(r3 + 0)\n exit\n" OUT, "ACCEPT");
	V(CTX "r3 = *(u64 *)(r2 + 0)\n if r3 == 0 goto out\n r0 = *(u64 *)(r3 + 17)\n exit\n" OUT,
	  "BPFX-MEM-002");
	V(CTX "r3 = *(u64 *)(r2 + 16)\n if r3 == 0 goto out\n r0 = *(u32 *)(r3 + 0)\n exit\n" OUT,
	  "BPFX-MEM-001");
	bpfx_platform_destroy(p);
	free(sw);
}

int main(void)
{
	/* malformed blobs make libbpf print warnings (to stderr by default);
	 * the library leaves libbpf's process-wide print callback alone */
	libbpf_set_print(NULL);
	size_t size;
	unsigned char *blob = build(&size);
	bpfx_platform *p;
	struct bpfx_platform_opts po = {.sz = sizeof(po), .name = "btf-test", .log = keep_msg};
	CHECK(bpfx_platform_create(&po, &p) == 0);
	/* malformed blobs */
	unsigned char *bad = malloc(size);
	memcpy(bad, blob, size);
	bad[0] ^= 1;
	bad_btf(p, bad, size, BPFX_E_INVAL, "in the magic number");
	bad_btf(p, blob, 20, BPFX_E_INVAL, "20 bytes, too short for a header");
	bad_btf(p, NULL, 0, BPFX_E_INVAL, "too short for a header");
	bad_btf(p, blob, (size_t)UINT32_MAX + 1, BPFX_E_INVAL, "more than a BTF blob can hold");
	bad_btf(p, blob, size - 1, BPFX_E_INVAL, "in the header or the string section"); /* strings cut */
	memcpy(bad, blob, size);
	bad[size - 1] = 'x'; /* the last string loses its NUL */
	bad_btf(p, bad, size, BPFX_E_INVAL, "in the header or the string section");
	memcpy(bad, blob, size);
	bad[2] = 2;
	bad_btf(p, bad, size, BPFX_E_INVAL, "version 2");
	memcpy(bad, blob, size);
	uint32_t big = 99;
	memcpy(bad + 24 + 16 + 12 + 4, &big, 4); /* struct node's first member: type 99 */
	bad_btf(p, bad, size, BPFX_E_INVAL, "type 2 refers to type 99, past the last (10)");
	memcpy(bad, blob, size);
	memcpy(bad + 24 + 16 + 12 * 5 + 8, &big, 4); /* type 3 (node *): to type 99 */
	bad_btf(p, bad, size, BPFX_E_INVAL, "type 3 refers to type 99");
	memcpy(bad, blob, size);
	bad[24 + 7] = 30; /* type 1: kind 30 */
	bad_btf(p, bad, size, BPFX_E_INVAL, "in the type section");
	memcpy(bad, blob, size);
	uint32_t tl;
	memcpy(&tl, bad + 12, 4);
	tl -= 4; /* the last record (an array) is cut short */
	memcpy(bad + 12, &tl, 4);
	bad_btf(p, bad, size, BPFX_E_INVAL, "in the type section");
	free(bad);
	/* BTF pointer fields need the BTF first */
	struct bpfx_ctx_field f = {.offset = 0, .size = 8, .access = BPFX_FIELD_READ, .kind = BPFX_FIELD_BTF_PTR,
				   .target = 5};
	struct bpfx_prog_type t = {.sz = sizeof(t), .name = "bt", .ctx_kind = BPFX_CTX_STRUCT, .ctx_size = 8,
				   .fields = &f, .nfields = 1};
	CHECK(bpfx_platform_add_prog_type(p, &t) == BPFX_E_INVAL);
	CHECK(bpfx_platform_set_btf(p, blob, size) == 0);
	f.target = 1; /* int: not a struct */
	CHECK(bpfx_platform_add_prog_type(p, &t) == BPFX_E_INVAL);
	f.target = 5;
	CHECK(bpfx_platform_add_prog_type(p, &t) == 0);
	CHECK(bpfx_platform_set_btf_writable(p, 4) == BPFX_E_INVAL);
	static const struct bpfx_func_proto node_fn = {BPFX_RET_PTR_TO_BTF_ID_OR_NULL, {BPFX_ARG_PTR_TO_BTF_ID}, 0};
	CHECK(bpfx_platform_add_helper(p, 1, "next_node", &node_fn) == 0);
	CHECK(bpfx_platform_add_helper(p, 2, "untyped", &node_fn) == 0);
	struct bpfx_func_btf fb = {.sz = sizeof(fb), .ret = 1, .args = {7}};
	CHECK(bpfx_platform_set_func_btf(p, 0, 1, &fb) == BPFX_E_INVAL); /* ret: int */
	fb.ret = 7;
	CHECK(bpfx_platform_set_func_btf(p, 0, 3, &fb) == BPFX_E_NOENT);
	CHECK(bpfx_platform_set_func_btf(p, 1, 1, &fb) == BPFX_E_NOENT); /* no kfunc 1 */
	CHECK(bpfx_platform_set_func_btf(p, 0, 1, &fb) == 0);
	test_programs(p);
	bpfx_platform_destroy(p);
	test_swapped(blob, size);
	test_mutations(blob, size);
	test_clang_btf();
	free(blob);
	test_unsized_member();
	return check_summary("test_verifier_btf");
}
