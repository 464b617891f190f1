/* SPDX-License-Identifier: MIT */
/* test_verifier_types.c - program types with memory contexts and memory
 * context fields: the linux platform's syscall (r1 = plain memory of a size
 * the host sets) and flow_dissector (flow_keys = 56 writable bytes), and how
 * the platform API checks such descriptions. */
#include <bpfx/bpfx.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static char verdict[64];
static const struct bpfx_map_desc *vmaps;
static size_t nvmaps;

/* "ACCEPT", the rule ID of a rejection, or "ERROR" */
static const char *verify(const bpfx_platform *p, const char *type, const char *text)
{
	struct bpfx_insn *insns = NULL;
	size_t n = 0;
	struct bpfx_asm_opts ao = {.sz = sizeof(ao)};
	struct bpfx_asm_error ae;
	if (bpfx_asm(text, strlen(text), &ao, &insns, &n, &ae)) {
		fprintf(stderr, "asm: line %d: %s\n", ae.line, ae.msg);
		return "ERROR";
	}
	struct bpfx_verify_opts vo = {.sz = sizeof(vo), .prog_type = type, .maps = vmaps, .nmaps = nvmaps};
	struct bpfx_report *r = NULL;
	int err = bpfx_verify(p, insns, n, &vo, &r);
	snprintf(verdict, sizeof(verdict), "%s", !r ? "ERROR" : r->accepted && !err ? "ACCEPT" : r->rule);
	bpfx_report_free(r);
	bpfx_free(insns);
	return verdict;
}

#define CHECK_VERDICT(p, type, text, want) CHECK(strcmp(verify(p, type, text), want) == 0)

static void test_syscall(bpfx_platform *p)
{
	/* default 4096 bytes: the last u64 is fine, one byte more is not */
	CHECK_VERDICT(p, "syscall", "r0 = *(u64 *)(r1 + 4088)\n *(u64 *)(r1 + 0) = r0\n r0 = 0\n exit\n", "ACCEPT");
	CHECK_VERDICT(p, "syscall", "r0 = *(u64 *)(r1 + 4089)\n r0 = 0\n exit\n", "BPFX-MEM-002");
	CHECK_VERDICT(p, "syscall", "r0 = *(u8 *)(r1 - 1)\n r0 = 0\n exit\n", "BPFX-MEM-002");
	/* r2 is not a length here */
	CHECK_VERDICT(p, "syscall", "r0 = r2\n exit\n", "BPFX-REG-001");
	/* variable offsets inside the context, once bounded */
	const char *var = "r2 = *(u32 *)(r1 + 0)\n r2 &= 63\n r3 = r1\n r3 += r2\n r0 = *(u64 *)(r3 + 8)\n exit\n";
	CHECK_VERDICT(p, "syscall", var, "ACCEPT");
	CHECK(bpfx_platform_set_ctx_size(p, "syscall", 79) == 0); /* up to 63 + 8, 8 bytes */
	CHECK_VERDICT(p, "syscall", var, "ACCEPT");
	CHECK(bpfx_platform_set_ctx_size(p, "syscall", 78) == 0);
	CHECK_VERDICT(p, "syscall", var, "BPFX-MEM-002");
	CHECK(bpfx_platform_set_ctx_size(p, "syscall", 1u << 29) == 0);
	CHECK(bpfx_platform_set_ctx_size(p, "syscall", (1u << 29) + 1) == BPFX_E_INVAL);
	CHECK(bpfx_platform_set_ctx_size(p, "xdp", 64) == BPFX_E_INVAL);
	CHECK(bpfx_platform_set_ctx_size(p, "nope", 64) == BPFX_E_NOENT);
	CHECK(bpfx_platform_set_ctx_size(NULL, "syscall", 64) == BPFX_E_INVAL);
	CHECK(bpfx_platform_set_ctx_size(p, "syscall", 4096) == 0);
	/* helpers: sys_bpf is described but not callable; kallsyms_lookup_name is */
	CHECK_VERDICT(p, "syscall", "r1 = 0\n r2 = r10\n r2 += -8\n *(u64 *)(r10 - 8) = 0\n r3 = 8\n call 166\n exit\n",
		      "BPFX-CALL-001");
	CHECK_VERDICT(p, "syscall",
		      "*(u64 *)(r10 - 16) = 0\n r1 = r10\n r1 += -16\n r2 = 8\n r3 = 0\n r4 = r10\n r4 += -8\n"
		      " call 179\n r0 = *(u64 *)(r10 - 8)\n exit\n",
		      "ACCEPT");
	/* the result pointer must have room for 8 bytes */
	CHECK_VERDICT(p, "syscall",
		      "*(u64 *)(r10 - 16) = 0\n r1 = r10\n r1 += -16\n r2 = 8\n r3 = 0\n r4 = r10\n r4 += -4\n"
		      " call 179\n r0 = 0\n exit\n",
		      "BPFX-CALL-003");
}

static void test_flow_dissector(const bpfx_platform *p)
{
	/* flow_keys: 56 bytes, writable, never NULL */
	CHECK_VERDICT(p, "flow_dissector", "r2 = *(u64 *)(r1 + 144)\n *(u32 *)(r2 + 52) = 0\n r0 = 0\n exit\n", "ACCEPT");
	CHECK_VERDICT(p, "flow_dissector", "r2 = *(u64 *)(r1 + 144)\n *(u32 *)(r2 + 53) = 0\n r0 = 0\n exit\n",
		      "BPFX-MEM-002");
	CHECK_VERDICT(p, "flow_dissector", "r2 = *(u64 *)(r1 + 144)\n r0 = *(u16 *)(r2 + 0)\n exit\n", "ACCEPT");
	/* the field is read whole and never written */
	CHECK_VERDICT(p, "flow_dissector", "r2 = *(u32 *)(r1 + 144)\n r0 = 0\n exit\n", "BPFX-MEM-007");
	CHECK_VERDICT(p, "flow_dissector", "*(u64 *)(r1 + 144) = r10\n r0 = 0\n exit\n", "BPFX-MEM-005");
	/* other __sk_buff fields are not visible to flow dissectors */
	CHECK_VERDICT(p, "flow_dissector", "r0 = *(u32 *)(r1 + 0)\n exit\n", "BPFX-MEM-007");
	CHECK_VERDICT(p, "flow_dissector", "*(u32 *)(r1 + 48) = 1\n r0 = 0\n exit\n", "BPFX-MEM-007");
	/* packet: readable once proven, never writable */
	const char *rd = "r2 = *(u32 *)(r1 + 76)\n r3 = *(u32 *)(r1 + 80)\n r4 = r2\n r4 += 14\n"
			 " if r4 > r3 goto out\n r0 = *(u8 *)(r2 + 13)\n exit\nout:\n r0 = 2\n exit\n";
	CHECK_VERDICT(p, "flow_dissector", rd, "ACCEPT");
	const char *wr = "r2 = *(u32 *)(r1 + 76)\n r3 = *(u32 *)(r1 + 80)\n r4 = r2\n r4 += 14\n"
			 " if r4 > r3 goto out\n *(u8 *)(r2 + 13) = 0\nout:\n r0 = 2\n exit\n";
	CHECK_VERDICT(p, "flow_dissector", wr, "BPFX-MEM-005");
	/* bpf_skb_load_bytes into the flow keys */
	CHECK_VERDICT(p, "flow_dissector",
		      "r3 = *(u64 *)(r1 + 144)\n r3 += 12\n r2 = 34\n r4 = 4\n call 26\n r0 = 0\n exit\n", "ACCEPT");
	CHECK_VERDICT(p, "flow_dissector",
		      "r3 = *(u64 *)(r1 + 144)\n r3 += 54\n r2 = 34\n r4 = 4\n call 26\n r0 = 0\n exit\n",
		      "BPFX-CALL-003");
}

/* Constant strings (bpf_strncmp's third argument) from frozen read-only data */
static void test_const_str(const bpfx_platform *p)
{
	static const char ro[16] = "abc\0defghijklmno"; /* "abc", then 12 bytes without a NUL */
	struct bpfx_map_desc m[5] = {
		{.fd = 1, .name = ".rodata", .kind = BPFX_MAP_KIND_ARRAY, .key_size = 4, .value_size = 16,
		 .max_entries = 1, .flags = BPFX_MAP_RDONLY_PROG, .rodata = ro},
		{.fd = 2, .name = "unknown", .kind = BPFX_MAP_KIND_ARRAY, .key_size = 4, .value_size = 16,
		 .max_entries = 1, .flags = BPFX_MAP_RDONLY_PROG},
		{.fd = 3, .name = ".data", .kind = BPFX_MAP_KIND_ARRAY, .key_size = 4, .value_size = 16,
		 .max_entries = 1, .rodata = ro},
		{.fd = 4, .name = "two", .kind = BPFX_MAP_KIND_ARRAY, .key_size = 4, .value_size = 16,
		 .max_entries = 2, .flags = BPFX_MAP_RDONLY_PROG, .rodata = ro},
		{.fd = 5, .name = "hash", .kind = BPFX_MAP_KIND_HASH, .key_size = 4, .value_size = 16,
		 .max_entries = 1, .flags = BPFX_MAP_RDONLY_PROG, .rodata = ro},
	};
	vmaps = m;
	nvmaps = 5;
	char prog[512];
#define STRNCMP(src) (snprintf(prog, sizeof(prog),                                                          \
			       "r6 = r1\n *(u64 *)(r10 - 8) = 0\n r1 = r10\n r1 += -8\n r2 = 8\n %s\n call 182\n exit\n", src), \
		      prog)
	CHECK_VERDICT(p, "xdp", STRNCMP("r3 = map_value_idx[0]+0 ll"), "ACCEPT");
	CHECK_VERDICT(p, "xdp", STRNCMP("r3 = map_value_idx[0]+3 ll"), "ACCEPT"); /* the empty string */
	CHECK_VERDICT(p, "xdp", STRNCMP("r3 = map_value_idx[0]+4 ll"), "BPFX-CALL-003");
	CHECK_VERDICT(p, "xdp", STRNCMP("r3 = map_value_idx[0]+16 ll"), "BPFX-CALL-003");
	CHECK_VERDICT(p, "xdp", STRNCMP("r3 = map_value_idx[0]+0 ll\n r3 += -1"), "BPFX-CALL-003");
	CHECK_VERDICT(p, "xdp", STRNCMP("r3 = map_value_idx[1]+0 ll"), "BPFX-CALL-002"); /* contents unknown */
	CHECK_VERDICT(p, "xdp", STRNCMP("r3 = map_value_idx[2]+0 ll"), "BPFX-CALL-002"); /* writable */
	CHECK_VERDICT(p, "xdp", STRNCMP("r3 = map_value_idx[3]+0 ll"), "BPFX-CALL-002"); /* two values */
	CHECK_VERDICT(p, "xdp", STRNCMP("r3 = r10\n r3 += -8"), "BPFX-CALL-002");    /* stack */
	CHECK_VERDICT(p, "xdp", STRNCMP("r3 = 0"), "BPFX-CALL-002");
	/* a variable offset, even when every candidate would do */
	CHECK_VERDICT(p, "xdp",
		      STRNCMP("r3 = *(u32 *)(r6 + 12)\n r3 &= 1\n r4 = map_value_idx[0]+0 ll\n r3 += r4"),
		      "BPFX-CALL-002");
	/* the value from a lookup: NULL-checked first */
	const char *lookup = "r6 = r1\n *(u32 *)(r10 - 4) = 0\n r1 = map_idx[0] ll\n r2 = r10\n r2 += -4\n call 1\n"
			     "%s r3 = r0\n *(u64 *)(r10 - 16) = 0\n r1 = r10\n r1 += -16\n r2 = 8\n call 182\n"
			     "out:\n r0 = 0\n exit\n";
	snprintf(prog, sizeof(prog), lookup, "if r0 == 0 goto out\n");
	CHECK_VERDICT(p, "xdp", prog, "ACCEPT");
	snprintf(prog, sizeof(prog), lookup, "");
	CHECK_VERDICT(p, "xdp", prog, "BPFX-MEM-004");
#undef STRNCMP
	vmaps = NULL;
	nvmaps = 0;
}

static void test_describe(void)
{
	bpfx_platform *p;
	struct bpfx_platform_opts po = {.sz = sizeof(po)};
	CHECK(bpfx_platform_create(&po, &p) == 0);
	struct bpfx_ctx_field f = {.offset = 0, .size = 8, .access = BPFX_FIELD_READ, .kind = BPFX_FIELD_MEM};
	struct bpfx_prog_type t = {.sz = sizeof(t), .name = "t", .ctx_kind = BPFX_CTX_STRUCT, .ctx_size = 8,
				   .fields = &f, .nfields = 1};
	CHECK(bpfx_platform_add_prog_type(p, &t) == BPFX_E_INVAL); /* target 0 */
	f.target = (1u << 29) + 1;
	CHECK(bpfx_platform_add_prog_type(p, &t) == BPFX_E_INVAL);
	f.kind = (enum bpfx_field_kind)99;
	f.target = 8;
	CHECK(bpfx_platform_add_prog_type(p, &t) == BPFX_E_INVAL);
	f.kind = BPFX_FIELD_MEM;
	CHECK(bpfx_platform_add_prog_type(p, &t) == 0);
	CHECK_VERDICT(p, "t", "r1 = *(u64 *)(r1 + 0)\n r0 = *(u64 *)(r1 + 0)\n exit\n", "ACCEPT");
	CHECK_VERDICT(p, "t", "r1 = *(u64 *)(r1 + 0)\n r0 = *(u64 *)(r1 + 1)\n exit\n", "BPFX-MEM-002");
	struct bpfx_prog_type m = {.sz = sizeof(m), .name = "m", .ctx_kind = BPFX_CTX_MEMORY, .ctx_size = 16,
				   .fields = &f, .nfields = 1};
	CHECK(bpfx_platform_add_prog_type(p, &m) == BPFX_E_INVAL); /* no fields in a memory context */
	m.nfields = 0;
	m.fields = NULL;
	CHECK(bpfx_platform_add_prog_type(p, &m) == 0);
	CHECK_VERDICT(p, "m", "r0 = *(u64 *)(r1 + 8)\n exit\n", "ACCEPT");
	CHECK_VERDICT(p, "m", "r0 = *(u64 *)(r1 + 9)\n exit\n", "BPFX-MEM-002");
	CHECK(bpfx_platform_set_ctx_size(p, "t", 16) == BPFX_E_INVAL);
	bpfx_platform_destroy(p);
}

int main(void)
{
	bpfx_platform *p;
	CHECK(bpfx_platform_bundled("linux", &p) == 0);
	CHECK(bpfx_platform_find_prog_type(p, "syscall") == 0);
	CHECK(bpfx_platform_find_prog_type(p, "flow_dissector") == 0);
	test_syscall(p);
	test_flow_dissector(p);
	test_const_str(p);
	bpfx_platform_destroy(p);
	test_describe();
	return check_summary("test_verifier_types");
}
