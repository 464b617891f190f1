/* SPDX-License-Identifier: MIT */
/*
 * kdiff.c - differential test of bpfx against the Linux kernel.
 *
 *   bpfx_kdiff [-v] FILE_OR_DIR...
 *
 * Reads the data-driven test files (tests/data format: -- asm / -- raw,
 * -- mem, -- result, ...). For every test that expects a result, it runs the
 * program on bpfx (interpreter, trusted, and the checked engine) and in the
 * kernel (BPF_PROG_LOAD as an XDP program + BPF_PROG_TEST_RUN, raw bpf(2)
 * calls, nothing is ever attached), and compares r0 (all 64 bits), the
 * memory after the run, and the file's expected value.
 *
 * How a test program becomes a kernel program:
 *   - the test's memory is the value of a one-element array map, and a
 *     prologue sets up the bpfx calling convention: r1 = a direct pointer to
 *     that value (lddw src 2: the verifier knows its size, and atomics are
 *     allowed on it), r2 = its length; without memory r1 = r2 = 0; the map
 *     is read back after the run to compare the memory;
 *   - retval is only 32 bits, so each program is loaded twice: as is (low
 *     half of r0), and with every exit of the main frame turned into a jump
 *     to an epilogue `r0 >>= 32; exit` (high half). Exits of subprograms
 *     (targets of local calls) are left alone.
 *
 * Programs with legacy packet access (LD_ABS/LD_IND) run as socket filters
 * instead: the kernel reads the packet (-- packet, else -- mem) from the
 * skb after a 14-byte Ethernet header, the prologue sets r6 = ctx (which
 * those instructions need), r1 = 0 and r2 = the memory's length, and only
 * r0 is compared (memory is then not the program's to change).
 *
 * Not compared (counted as skipped, with the reason): programs that call
 * helpers or kfuncs (kernel helpers are not bpfx's), lddw of maps or
 * variables, may_goto (the kernel's budget is partly time-based), tests
 * with an expected error, and any
 * program the kernel's verifier refuses (its reason is printed). Programs in
 * which an AND may take a negated value (neg, or a register subtraction
 * such as 0 - x) are never loaded: this kernel's verifier can crash on them
 * (maybe_fork_scalars).
 *
 * Tests that expect BPFX_E_MEM_FAULT (checked engine) are loaded too, but
 * not run: the kernel's verifier should refuse them; a note is printed if
 * it accepts one (not a failure: the two may see a program differently).
 *
 * Exit status: 0 all compared tests agree, 1 a disagreement or a bpfx
 * failure, 2 usage or file errors, 77 (skip) when not root or the kernel
 * has no BPF, or nothing could be compared.
 */
#define _GNU_SOURCE
#include <bpfx/bpfx.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "isa/isa_internal.h"

#define SKIP_CODE 77
#define XDP_MAX_DATA 3000 /* well below PAGE_SIZE - headroom - tailroom */
#define ETH_MIN 14        /* the kernel's minimum test packet */

static int verbose;
static int kernel_only; /* --kernel-only: compare the kernel with the files only */

/* ---------------------------------------------------------------------------
 * Small growable buffers
 * ------------------------------------------------------------------------- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		unsigned char *np = realloc(b->p, cap);
		if (!np) {
			fprintf(stderr, "kdiff: out of memory\n");
			exit(2);
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------------------------
 * Test files
 * ------------------------------------------------------------------------- */

enum { ENG_INTERP = 1, ENG_CHECKED = 2, ENG_JIT = 4 };

struct test {
	const char *path;
	struct buf asm_text;     /* -- asm */
	struct buf raw;          /* -- raw, as struct bpfx_insn slots */
	struct buf mem;          /* -- mem */
	struct buf mem_after;    /* -- mem-after */
	struct buf packet;       /* -- packet */
	bool has_asm, has_raw, has_mem, has_result, has_error, has_mem_after, has_packet;
	uint64_t result;
	char error[128];         /* -- error: the first word (a status name) */
	char groups[256];
	uint64_t budget;
	unsigned engines;        /* 0: all */
};

static void test_free(struct test *t)
{
	buf_free(&t->asm_text);
	buf_free(&t->raw);
	buf_free(&t->mem);
	buf_free(&t->mem_after);
	buf_free(&t->packet);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex bytes: "00 1f ab", "001fab", "0x00 0x1f". */
static int parse_hex_bytes(const char *line, struct buf *out, const char *path, int lineno)
{
	const char *s = line;
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			break;
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			s += 2;
		const char *tok = s;
		while (hexval((unsigned char)*s) >= 0)
			s++;
		size_t n = (size_t)(s - tok);
		if (n == 0 || n % 2 || (*s && *s != ' ' && *s != '\t' && *s != ',')) {
			fprintf(stderr, "%s:%d: bad hex bytes near '%.16s'\n", path, lineno, tok);
			return -1;
		}
		for (size_t i = 0; i < n; i += 2) {
			unsigned char byte = (unsigned char)(hexval(tok[i]) << 4 | hexval(tok[i + 1]));
			buf_add(out, &byte, 1);
		}
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return -1;
	errno = 0;
	if (*s == '-')
		*v = (uint64_t)strtoll(s, &end, 0);
	else
		*v = strtoull(s, &end, 0);
	while (*end == ' ' || *end == '\t')
		end++;
	return errno || *end ? -1 : 0;
}

static void trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = 0;
	size_t i = 0;
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}

enum section {
	SEC_NONE, SEC_ASM, SEC_RAW, SEC_MEM, SEC_RESULT, SEC_ERROR, SEC_MEM_AFTER,
	SEC_GROUPS, SEC_BUDGET, SEC_ENGINES, SEC_PACKET, SEC_OTHER
};

static const struct {
	const char *name;
	enum section sec;
} sections[] = {
	{"asm", SEC_ASM},         {"raw", SEC_RAW},         {"mem", SEC_MEM},
	{"result", SEC_RESULT},   {"error", SEC_ERROR},     {"mem-after", SEC_MEM_AFTER},
	{"groups", SEC_GROUPS},   {"budget", SEC_BUDGET},   {"engines", SEC_ENGINES},
	{"packet", SEC_PACKET},
};

/* One content line of a section. Returns -1 on a malformed line. */
static int section_line(struct test *t, enum section sec, char *line, int lineno)
{
	uint64_t v;

	if (sec == SEC_ASM) {
		/* Keep the assembly verbatim (comments already gone). */
		buf_add(&t->asm_text, line, strlen(line));
		buf_add(&t->asm_text, "\n", 1);
		return 0;
	}
	trim(line);
	if (!*line)
		return 0;
	switch (sec) {
	case SEC_RAW: {
		char *tok = strtok(line, " \t,");
		for (; tok; tok = strtok(NULL, " \t,")) {
			if (parse_u64(tok, &v)) {
				fprintf(stderr, "%s:%d: bad raw instruction word '%s'\n", t->path, lineno, tok);
				return -1;
			}
			/* The word is the slot read as a little-endian u64. */
			unsigned char bytes[8];
			for (int i = 0; i < 8; i++)
				bytes[i] = (unsigned char)(v >> (8 * i));
			buf_add(&t->raw, bytes, 8);
		}
		return 0;
	}
	case SEC_MEM:
		return parse_hex_bytes(line, &t->mem, t->path, lineno);
	case SEC_MEM_AFTER:
		return parse_hex_bytes(line, &t->mem_after, t->path, lineno);
	case SEC_PACKET:
		return parse_hex_bytes(line, &t->packet, t->path, lineno);
	case SEC_RESULT:
		if (parse_u64(line, &t->result)) {
			fprintf(stderr, "%s:%d: bad result '%s'\n", t->path, lineno, line);
			return -1;
		}
		t->has_result = true;
		return 0;
	case SEC_BUDGET:
		if (parse_u64(line, &t->budget)) {
			fprintf(stderr, "%s:%d: bad budget '%s'\n", t->path, lineno, line);
			return -1;
		}
		return 0;
	case SEC_GROUPS:
		snprintf(t->groups + strlen(t->groups), sizeof(t->groups) - strlen(t->groups), "%s%s",
			 t->groups[0] ? "," : "", line);
		return 0;
	case SEC_ENGINES: {
		char *tok = strtok(line, " \t,");
		for (; tok; tok = strtok(NULL, " \t,")) {
			if (!strcmp(tok, "interp"))
				t->engines |= ENG_INTERP;
			else if (!strcmp(tok, "checked"))
				t->engines |= ENG_CHECKED;
			else if (!strcmp(tok, "jit"))
				t->engines |= ENG_JIT;
			else if (!strcmp(tok, "all"))
				t->engines |= ENG_INTERP | ENG_CHECKED | ENG_JIT;
			else {
				fprintf(stderr, "%s:%d: unknown engine '%s'\n", t->path, lineno, tok);
				return -1;
			}
		}
		return 0;
	}
	case SEC_ERROR:
		if (!t->error[0])
			snprintf(t->error, sizeof(t->error), "%.*s", (int)strcspn(line, " \t"), line);
		return 0;
	default:
		return 0; /* unknown sections: not needed here */
	}
}

static int parse_test(const char *path, struct test *t)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "kdiff: %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(t, 0, sizeof(*t));
	t->path = path;

	enum section sec = SEC_NONE;
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (p[0] == '-' && p[1] == '-') {
			/* "-- name [value...]": the value, if any, is the first line. */
			p += 2;
			while (*p == ' ' || *p == '\t')
				p++;
			char name[64];
			size_t n = strcspn(p, " \t\r\n");
			snprintf(name, sizeof(name), "%.*s", (int)(n < 63 ? n : 63), p);
			sec = SEC_OTHER;
			for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
				if (!strcmp(name, sections[i].name))
					sec = sections[i].sec;
			/* Multi-word headers ("-- no register offset") are unknown sections. */
			if (sec == SEC_MEM && strstr(p + n, "after"))
				sec = SEC_OTHER;
			switch (sec) {
			case SEC_ASM: t->has_asm = true; break;
			case SEC_RAW: t->has_raw = true; break;
			case SEC_MEM: t->has_mem = true; break;
			case SEC_ERROR: t->has_error = true; break;
			case SEC_MEM_AFTER: t->has_mem_after = true; break;
			case SEC_PACKET: t->has_packet = true; break;
			default: break;
			}
			if (sec != SEC_OTHER && sec != SEC_ASM && p[n]) {
				if (section_line(t, sec, p + n, lineno)) {
					rc = -1;
					break;
				}
			}
			continue;
		}
		if (sec == SEC_NONE || sec == SEC_OTHER)
			continue;
		if (section_line(t, sec, line, lineno)) {
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	if (rc)
		test_free(t);
	return rc;
}

/* ---------------------------------------------------------------------------
 * What may be compared, and the kernel crash guard
 * ------------------------------------------------------------------------- */

static bool is_lddw(const struct bpfx_insn *in)
{
	enum bpfx_op op = bpfx_op_decode(in);
	return op != BPFX_OP__INVALID && bpfx_op_table[op].fmt == BPFX_FMT_LDDW;
}

/* Why the program cannot be compared with the kernel, or NULL. */
static const char *not_comparable(const struct bpfx_insn *in, size_t n, size_t *where)
{
	for (size_t i = 0; i < n; i++) {
		enum bpfx_op op = bpfx_op_decode(&in[i]);
		*where = i;
		if (op == BPFX_OP__INVALID)
			return "instruction the opcode table does not know";
		const struct bpfx_op_desc *d = &bpfx_op_table[op];
		if (op == BPFX_OP_CALL_HELPER || op == BPFX_OP_CALL_KFUNC || op == BPFX_OP_CALLX)
			return "calls a helper or kfunc (the kernel's differ from bpfx's)";
		if (d->fmt == BPFX_FMT_LDDW && op != BPFX_OP_LDDW)
			return "lddw of a map, variable or function address";
		if (op == BPFX_OP_MAY_GOTO)
			return "may_goto (the kernel's loop budget is time-based, not a count)";
		if (d->fmt == BPFX_FMT_LDDW)
			i++;
	}
	return NULL;
}

/*
 * The guard against this kernel's maybe_fork_scalars crash: finds an AND
 * (ALU or atomic) that may operate on a value derived from a negation (neg,
 * a register subtraction, which covers 0 - x, a multiplication by -1) or
 * from something else that turns a boolean into 0 or -1 (x - 1, x + -1, an
 * arithmetic shift right by width - 1). The analysis ignores control flow and
 * is sticky, so it over-approximates: registers derived from such a value
 * anywhere are suspect everywhere, and once a suspect value is stored, every
 * load is suspect. Returns the index of the first suspect AND, or -1.
 */
static long negation_and_hazard(const struct bpfx_insn *in, size_t n)
{
	bool taint[BPFX_NREGS + 1] = {0}; /* + 1: src fields up to 15 stay in bounds below */
	bool mem = false, changed = true;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			enum bpfx_op op = bpfx_op_decode(&in[i]);
			if (op == BPFX_OP__INVALID)
				continue;
			const struct bpfx_op_desc *d = &bpfx_op_table[op];
			unsigned dst = in[i].dst < BPFX_NREGS ? in[i].dst : BPFX_NREGS;
			unsigned src = in[i].src < BPFX_NREGS ? in[i].src : BPFX_NREGS;
			bool src_reg = d->src == BPFX_USE_READ || d->src == BPFX_USE_RW;
			bool dst_reads = d->dst == BPFX_USE_READ || d->dst == BPFX_USE_RW;
			bool dst_writes = d->dst == BPFX_USE_WRITE || d->dst == BPFX_USE_RW;
			bool is_alu = BPFX_CLASS(d->code) == BPFX_CLS_ALU || BPFX_CLASS(d->code) == BPFX_CLS_ALU64;
			bool new_t = false;
			int out = -1;

			switch (d->fmt) {
			case BPFX_FMT_LDX: case BPFX_FMT_LDXSX: case BPFX_FMT_LOAD_ACQ:
				out = (int)dst;
				new_t = mem;
				break;
			case BPFX_FMT_STX: case BPFX_FMT_STORE_REL: case BPFX_FMT_ATOMIC:
				if (taint[src] && !mem)
					mem = changed = true;
				break;
			case BPFX_FMT_ATOMIC_FETCH: case BPFX_FMT_XCHG:
				if (taint[src] && !mem)
					mem = changed = true;
				out = (int)src;
				new_t = mem;
				break;
			case BPFX_FMT_CMPXCHG:
				if ((taint[src] || taint[0]) && !mem)
					mem = changed = true;
				out = 0;
				new_t = mem;
				break;
			default:
				if (!is_alu)
					break;
				if (op == BPFX_OP_NEG32 || op == BPFX_OP_NEG64 || op == BPFX_OP_SUB32_X ||
				    op == BPFX_OP_SUB64_X)
					new_t = true;
				else if ((op == BPFX_OP_ARSH32_K && in[i].imm == 31) ||
					 (op == BPFX_OP_ARSH64_K && in[i].imm == 63))
					new_t = true;
				else if (((op == BPFX_OP_ADD32_K || op == BPFX_OP_ADD64_K) && in[i].imm == -1) ||
					 ((op == BPFX_OP_SUB32_K || op == BPFX_OP_SUB64_K) && in[i].imm == 1) ||
					 ((op == BPFX_OP_MUL32_K || op == BPFX_OP_MUL64_K) && in[i].imm == -1))
					new_t = true; /* b - 1 and -b: 0 or -1 for a boolean b */
				else
					new_t = (src_reg && taint[src]) || (dst_reads && taint[dst]);
				if (dst_writes)
					out = (int)dst;
				break;
			}
			if (out >= 0 && new_t && !taint[out])
				taint[out] = changed = true;
		}
	}
	for (size_t i = 0; i < n; i++) {
		enum bpfx_op op = bpfx_op_decode(&in[i]);
		if (op == BPFX_OP__INVALID)
			continue;
		unsigned dst = in[i].dst < BPFX_NREGS ? in[i].dst : BPFX_NREGS;
		unsigned src = in[i].src < BPFX_NREGS ? in[i].src : BPFX_NREGS;
		switch (op) {
		case BPFX_OP_AND32_K: case BPFX_OP_AND64_K:
			if (taint[dst])
				return (long)i;
			break;
		case BPFX_OP_AND32_X: case BPFX_OP_AND64_X:
			if (taint[dst] || taint[src])
				return (long)i;
			break;
		case BPFX_OP_ATOMIC32_AND: case BPFX_OP_ATOMIC64_AND:
		case BPFX_OP_ATOMIC32_FETCH_AND: case BPFX_OP_ATOMIC64_FETCH_AND:
			if (taint[src] || mem)
				return (long)i;
			break;
		default:
			break;
		}
	}
	return -1;
}

/* ---------------------------------------------------------------------------
 * Building the kernel programs
 * ------------------------------------------------------------------------- */

static struct bpfx_insn mk(uint8_t code, unsigned dst, unsigned src, int16_t off, int32_t imm)
{
	struct bpfx_insn in = {.code = code, .off = off, .imm = imm};
	in.dst = dst & 0xf;
	in.src = src & 0xf;
	return in;
}

/* Opcode bytes of the few instructions the prologue and epilogue use, taken
 * from the opcode table. */
#define OPC(id) (bpfx_op_table[BPFX_OP_##id].code)

static bool uses_legacy_packet(const struct bpfx_insn *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		enum bpfx_op op = bpfx_op_decode(&in[i]);
		if (op != BPFX_OP__INVALID && bpfx_op_table[op].group == BPFX_GROUP_PACKET)
			return true;
	}
	return false;
}

/*
 * The prologue: r1 = the test's memory, which lives in the value of a
 * one-element array map (a direct map-value pointer: the verifier knows its
 * size, and atomics are allowed there, unlike on packets), r2 = its length;
 * without memory r1 = r2 = 0. Socket filters also get r6 = ctx.
 */
static size_t prologue(struct bpfx_insn *out, bool skb, int map_fd, size_t len)
{
	size_t n = 0;
	if (skb)
		out[n++] = mk(OPC(MOV64_X), 6, 1, 0, 0);
	if (map_fd < 0) {
		out[n++] = mk(OPC(MOV64_K), 1, 0, 0, 0);
		out[n++] = mk(OPC(MOV64_K), 2, 0, 0, 0);
		return n;
	}
	const struct bpfx_op_desc *mv = &bpfx_op_table[BPFX_OP_LDDW_MAP_VALUE_FD];
	out[n++] = mk(mv->code, 1, (unsigned)mv->selv, 0, map_fd); /* r1 = &value(map) + 0 */
	out[n++] = mk(0, 0, 0, 0, 0);
	out[n++] = mk(OPC(MOV64_K), 2, 0, 0, (int32_t)len);
	return n;
}

/* End of the main frame: the first target of a local call or code address. */
static size_t main_frame_end(const struct bpfx_insn *in, size_t n)
{
	size_t end = n;
	for (size_t i = 0; i < n; i++) {
		enum bpfx_op op = bpfx_op_decode(&in[i]);
		if (op == BPFX_OP_CALL_LOCAL || op == BPFX_OP_LDDW_CODE_ADDR) {
			long t = (long)i + 1 + in[i].imm;
			if (t >= 0 && (size_t)t < end)
				end = (size_t)t;
		}
		if (is_lddw(&in[i]))
			i++;
	}
	return end;
}

/*
 * The body for the high half: main-frame exits become jumps to an epilogue
 * `r0 >>= 32; exit` inserted at the end of the main frame (the kernel wants
 * every subprogram contiguous, so it cannot go after the subprograms); the
 * relative offsets that cross the insertion are adjusted. Returns the new
 * count, or 0 if an offset no longer fits.
 */
static size_t high_body(const struct bpfx_insn *in, size_t n, struct bpfx_insn *out)
{
	size_t m = main_frame_end(in, n);
#define NEWIDX(i) ((long)(i) < (long)m ? (long)(i) : (long)(i) + 2)
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i == m) {
			out[k++] = mk(OPC(RSH64_K), 0, 0, 0, 32);
			out[k++] = mk(OPC(EXIT), 0, 0, 0, 0);
		}
		struct bpfx_insn x = in[i];
		enum bpfx_op op = bpfx_op_decode(&x);
		const struct bpfx_op_desc *d = op == BPFX_OP__INVALID ? NULL : &bpfx_op_table[op];
		long self = NEWIDX(i);
		if (op == BPFX_OP_EXIT && i < m) {
			long off = (long)m - self - 1;
			if (off > INT16_MAX) /* gotol: the kernel has it since 6.6 */
				x = mk(OPC(JA32), 0, 0, 0, (int32_t)off);
			else
				x = mk(OPC(JA), 0, 0, (int16_t)off, 0);
		} else if (d && d->off == BPFX_USE_JMP) {
			long off = NEWIDX((long)i + 1 + x.off) - self - 1;
			if (off < INT16_MIN || off > INT16_MAX)
				return 0;
			x.off = (int16_t)off;
		} else if (d && (d->imm == BPFX_USE_JMP || d->imm == BPFX_USE_CALL)) {
			x.imm = (int32_t)(NEWIDX((long)i + 1 + x.imm) - self - 1);
		}
		out[k++] = x;
		if (d && d->fmt == BPFX_FMT_LDDW && i + 1 < n)
			out[k++] = in[++i];
	}
	if (m == n) {
		out[k++] = mk(OPC(RSH64_K), 0, 0, 0, 32);
		out[k++] = mk(OPC(EXIT), 0, 0, 0, 0);
	}
#undef NEWIDX
	return k;
}

/* ---------------------------------------------------------------------------
 * The kernel side
 * ------------------------------------------------------------------------- */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Loads an XDP program (or a socket filter if skb). Returns the fd, or -1
 * with the verifier's reason. */
static int kernel_load(const struct bpfx_insn *insns, size_t n, bool skb, char *why, size_t whylen)
{
	static const char license[] = "GPL";
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = skb ? BPF_PROG_TYPE_SOCKET_FILTER : BPF_PROG_TYPE_XDP;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t)license;
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	int err = errno;

	/* Again with the log, to say why (the kernel keeps the log's tail). */
	size_t logsz = 1 << 20;
	char *log = calloc(1, logsz);
	if (!log) {
		snprintf(why, whylen, "%s", strerror(err));
		return -1;
	}
	attr.log_level = 1;
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = (uint32_t)logsz;
	fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0) { /* accepted the second time?! use it */
		free(log);
		return fd;
	}
	/* The reason is the last line that is not a statistic. */
	char *reason = NULL;
	for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "processed ", 10) || !strncmp(line, "verification time", 17) ||
		    !strncmp(line, "stack depth", 11) || !*line)
			continue;
		reason = line;
	}
	snprintf(why, whylen, "%s (%s)", reason ? reason : "no verifier log", strerror(err));
	free(log);
	return -1;
}

struct kresult {
	uint32_t retval;
	unsigned char data[XDP_MAX_DATA + 4096]; /* data_out (unused: memory is in a map) */
	uint32_t data_len;
};

static int kernel_run(int fd, const unsigned char *pkt, size_t len, struct kresult *kr, char *why,
		      size_t whylen)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)fd;
	attr.test.data_in = (uint64_t)(uintptr_t)pkt;
	attr.test.data_size_in = (uint32_t)len;
	attr.test.data_out = (uint64_t)(uintptr_t)kr->data;
	attr.test.data_size_out = sizeof(kr->data);
	attr.test.repeat = 1;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr)) {
		snprintf(why, whylen, "BPF_PROG_TEST_RUN: %s", strerror(errno));
		return -1;
	}
	kr->retval = attr.test.retval;
	kr->data_len = attr.test.data_size_out;
	return 0;
}

/* A one-element array map holding `len` bytes; -1 with the reason. */
static int map_create(size_t len, char *why, size_t whylen)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = (uint32_t)len;
	attr.max_entries = 1;
	int fd = (int)sys_bpf(BPF_MAP_CREATE, &attr);
	if (fd < 0)
		snprintf(why, whylen, "BPF_MAP_CREATE: %s", strerror(errno));
	return fd;
}

/* Writes (write = 1) or reads element 0 of the map. */
static int map_io(int fd, void *value, int write, char *why, size_t whylen)
{
	uint32_t key = 0;
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)fd;
	attr.key = (uint64_t)(uintptr_t)&key;
	attr.value = (uint64_t)(uintptr_t)value;
	attr.flags = write ? BPF_ANY : 0;
	if (sys_bpf(write ? BPF_MAP_UPDATE_ELEM : BPF_MAP_LOOKUP_ELEM, &attr)) {
		snprintf(why, whylen, "%s: %s", write ? "BPF_MAP_UPDATE_ELEM" : "BPF_MAP_LOOKUP_ELEM",
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* 1: usable, 0: not root or no BPF (message printed). */
static int kernel_available(void)
{
	if (geteuid() != 0) {
		printf("kdiff: SKIP: not root (BPF_PROG_LOAD / BPF_PROG_TEST_RUN need it)\n");
		return 0;
	}
	struct bpfx_insn prog[2] = {mk(OPC(MOV64_K), 0, 0, 0, 0), mk(OPC(EXIT), 0, 0, 0, 0)};
	char why[512];
	int fd = kernel_load(prog, 2, false, why, sizeof(why));
	if (fd < 0) {
		printf("kdiff: SKIP: the kernel does not load a trivial XDP program: %s\n", why);
		return 0;
	}
	unsigned char pkt[ETH_MIN] = {0};
	static struct kresult kr;
	int rc = kernel_run(fd, pkt, sizeof(pkt), &kr, why, sizeof(why));
	close(fd);
	if (rc) {
		printf("kdiff: SKIP: the kernel does not run a trivial XDP program: %s\n", why);
		return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------------------
 * The bpfx side
 * ------------------------------------------------------------------------- */

struct logbuf {
	char text[512];
};

static void log_keep(void *user, enum bpfx_log_level level, const char *msg)
{
	struct logbuf *lb = user;
	if (level == BPFX_LOG_ERROR && !lb->text[0])
		snprintf(lb->text, sizeof(lb->text), "%s", msg);
}

struct bresult {
	uint64_t r0;
	unsigned char *mem; /* memory after the run (owned) */
};

/* Runs on one bpfx engine. Returns 0, 1 if the engine is the JIT and this
 * build or machine has none, or -1 with the reason in why. */
static int bpfx_side(const struct test *t, const struct bpfx_insn *insns, size_t n, enum bpfx_engine eng,
		     struct bresult *br, char *why, size_t whylen)
{
	struct logbuf lb = {{0}};
	uint32_t groups = 0;
	char gerr[128] = "";
	bpfx_vm *vm = NULL;
	bpfx_prog *prog = NULL;
	int rc;

	br->mem = NULL;
	if (t->groups[0] && bpfx_groups_parse(t->groups, &groups, gerr, sizeof(gerr))) {
		snprintf(why, whylen, "bad -- groups: %s", gerr);
		return -1;
	}
	struct bpfx_vm_opts vo = {.sz = sizeof(vo), .groups = groups, .log = log_keep, .log_user = &lb};
	rc = bpfx_vm_create(&vo, &vm);
	if (rc) {
		snprintf(why, whylen, "bpfx_vm_create: %s %s", bpfx_status_name(rc), lb.text);
		return -1;
	}
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .name = t->path, .flags = BPFX_LOAD_TRUSTED};
	rc = bpfx_prog_load(vm, insns, n, &lo, &prog);
	if (rc) {
		snprintf(why, whylen, "bpfx_prog_load: %s %s", bpfx_status_name(rc), lb.text);
		bpfx_vm_destroy(vm);
		return -1;
	}
	if (t->mem.len) {
		br->mem = malloc(t->mem.len);
		if (!br->mem) {
			fprintf(stderr, "kdiff: out of memory\n");
			exit(2);
		}
		memcpy(br->mem, t->mem.p, t->mem.len);
	}
	struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = eng, .ctx = br->mem,
				   .ctx_len = t->mem.len, .budget = t->budget};
	if (t->has_packet) {
		ro.packet = t->packet.p;
		ro.packet_len = t->packet.len;
	}
	struct bpfx_run_result res;
	memset(&res, 0, sizeof(res));
	rc = bpfx_prog_run(prog, &ro, &res);
	if (rc == BPFX_E_UNSUPPORTED && eng == BPFX_ENGINE_JIT) {
		free(br->mem);
		br->mem = NULL;
		bpfx_prog_destroy(prog);
		bpfx_vm_destroy(vm);
		return 1;
	}
	if (rc) {
		snprintf(why, whylen, "bpfx_prog_run (%s): %s at insn %zu %s", bpfx_engine_name(eng),
			 bpfx_status_name(rc), res.insn, lb.text);
		free(br->mem);
		br->mem = NULL;
	} else {
		br->r0 = res.r0;
	}
	bpfx_prog_destroy(prog);
	bpfx_vm_destroy(vm);
	return rc ? -1 : 0;
}

/* ---------------------------------------------------------------------------
 * One test
 * ------------------------------------------------------------------------- */

struct counts {
	int files, no_result, compared, agreed, skipped, refused, disagreed, bpfx_failed, bad_files,
		guarded, jit_missing, jit_ran, fault_tests, fault_refused, fault_accepted;
};

static void say(const char *kind, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(const char *kind, const char *path, const char *fmt, ...)
{
	va_list ap;
	printf("%-9s %s: ", kind, path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void hexdump_diff(const unsigned char *a, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i]) {
			printf("          first difference at byte %zu: %02x, kernel %02x\n", i, a[i], b[i]);
			return;
		}
}

static void run_test(const char *path, struct counts *c)
{
	struct test t;
	struct bpfx_insn *insns = NULL;
	size_t n = 0;
	char why[1024];

	c->files++;
	if (parse_test(path, &t)) {
		c->bad_files++;
		return;
	}
	/* Tests expecting a checked-engine memory fault: the kernel's verifier
	 * should refuse them too (a note, not a failure, if it does not). */
	bool fault = t.has_error && !strcmp(t.error, "BPFX_E_MEM_FAULT");
	if (fault)
		c->fault_tests++;
	if (!fault && (!t.has_result || t.has_error)) {
		c->no_result++;
		if (verbose)
			say("n/a", path, "expects %s", t.has_error ? "an error" : "nothing");
		goto out;
	}
	if (t.engines && !(t.engines & (ENG_INTERP | ENG_CHECKED))) {
		c->skipped++;
		say("skip", path, "restricted to engines bpfx_kdiff does not run");
		goto out;
	}
	if (t.has_raw) {
		n = t.raw.len / sizeof(struct bpfx_insn);
		insns = malloc((n ? n : 1) * sizeof(*insns));
		if (!insns)
			exit(2);
		memcpy(insns, t.raw.p, n * sizeof(*insns));
	} else if (t.has_asm) {
		struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = BPFX_DIALECT_AUTO, .filename = path};
		struct bpfx_asm_error ae;
		memset(&ae, 0, sizeof(ae));
		int rc = bpfx_asm((const char *)t.asm_text.p, t.asm_text.len, &ao, &insns, &n, &ae);
		if (rc) {
			c->bpfx_failed++;
			say("BPFX-ERR", path, "bpfx_asm: %s at %d:%d: %s", bpfx_status_name(rc), ae.line, ae.col,
			    ae.msg);
			goto out;
		}
	} else {
		c->bad_files++;
		say("BAD", path, "no -- asm or -- raw section");
		goto out;
	}
	if (n == 0 || n > 200000) {
		c->skipped++;
		say("skip", path, "program of %zu instructions", n);
		goto out;
	}
	size_t where = 0;
	const char *reason = not_comparable(insns, n, &where);
	if (reason) {
		c->skipped++;
		say("skip", path, "%s (insn %zu)", reason, where);
		goto out;
	}
	long hz = negation_and_hazard(insns, n);
	if (hz >= 0) {
		c->skipped++;
		c->guarded++;
		say("skip", path, "not loaded: AND at insn %ld may see a negated value (kernel crash guard)", hz);
		goto out;
	}
	if (t.mem.len > XDP_MAX_DATA || t.packet.len > XDP_MAX_DATA) {
		c->skipped++;
		say("skip", path, "memory or packet too big for a test packet");
		goto out;
	}

	if (fault) {
		bool fmem = t.has_mem && t.mem.len > 0;
		int mfd = fmem ? map_create(t.mem.len, why, sizeof(why)) : -1;
		struct bpfx_insn *fp = calloc(n + 16, sizeof(*fp));
		if (!fp)
			exit(2);
		bool fskb = uses_legacy_packet(insns, n);
		size_t fpro = prologue(fp, fskb, mfd, t.mem.len);
		memcpy(fp + fpro, insns, n * sizeof(*insns));
		int fd = (fmem && mfd < 0) ? -1 : kernel_load(fp, fpro + n, fskb, why, sizeof(why));
		if (fd >= 0) {
			c->fault_accepted++;
			say("note", path, "bpfx's checked engine faults, but the kernel's verifier accepts it");
			close(fd);
		} else {
			c->fault_refused++;
			if (verbose)
				say("agree", path, "the kernel refuses it too: %s", why);
		}
		if (mfd >= 0)
			close(mfd);
		free(fp);
		goto out;
	}

	/* bpfx: the interpreter (trusted), the checked engine, and the JIT if
	 * this build has one. */
	static const struct {
		enum bpfx_engine eng;
		unsigned bit;
		const char *name;
	} engs[] = {
		{BPFX_ENGINE_INTERP, ENG_INTERP, "interp"},
		{BPFX_ENGINE_CHECKED, ENG_CHECKED, "checked"},
		{BPFX_ENGINE_JIT, ENG_JIT, "jit"},
	};
	struct bresult br[3];
	bool have[3] = {false, false, false};
	memset(br, 0, sizeof(br));
	for (size_t e = 0; e < 3 && !kernel_only; e++) {
		if (t.engines && !(t.engines & engs[e].bit))
			continue;
		int rc = bpfx_side(&t, insns, n, engs[e].eng, &br[e], why, sizeof(why));
		if (rc > 0) {
			c->jit_missing = 1;
			continue;
		}
		if (rc) {
			c->bpfx_failed++;
			say("BPFX-ERR", path, "%s", why);
			for (size_t k = 0; k < 3; k++)
				free(br[k].mem);
			goto out;
		}
		have[e] = true;
		if (engs[e].eng == BPFX_ENGINE_JIT)
			c->jit_ran++;
	}

	/* Kernel: low and high halves. */
	bool has_mem = t.has_mem && t.mem.len > 0;
	bool skb = uses_legacy_packet(insns, n);
	int map_fd = -1;
	unsigned char *kmem = NULL; /* the kernel's memory after the (low) run */
	if (has_mem) {
		map_fd = map_create(t.mem.len, why, sizeof(why));
		kmem = malloc(t.mem.len);
		if (!kmem)
			exit(2);
	}
	struct bpfx_insn *kp = calloc(n + 16, sizeof(*kp));
	if (!kp)
		exit(2);
	size_t pro = prologue(kp, skb, map_fd, t.mem.len);
	/* The test packet: unused by XDP programs; for socket filters the skb's
	 * data, after an Ethernet header the kernel pulls (ethertype 0: an IPv4
	 * type would make it want an IP header). */
	const struct buf *src = t.has_packet ? &t.packet : &t.mem;
	size_t pktlen = skb ? ETH_MIN + src->len : ETH_MIN;
	unsigned char *pkt = calloc(1, pktlen);
	if (!pkt)
		exit(2);
	if (skb && src->len)
		memcpy(pkt + ETH_MIN, src->p, src->len);
	static struct kresult klo, khi;
	uint64_t kr0 = 0;
	bool ok = true;

	if (has_mem && map_fd < 0) {
		c->skipped++;
		c->refused++;
		say("refused", path, "%s", why);
		ok = false;
	}
	for (int half = 0; half < 2 && ok; half++) {
		size_t body;
		if (half == 0) {
			memcpy(kp + pro, insns, n * sizeof(*insns));
			body = n;
		} else {
			body = high_body(insns, n, kp + pro);
			if (!body) {
				c->skipped++;
				say("skip", path, "program too long to rewrite its exits");
				ok = false;
				break;
			}
		}
		int fd = kernel_load(kp, pro + body, skb, why, sizeof(why));
		if (fd < 0) {
			c->skipped++;
			c->refused++;
			say("refused", path, "%s%s", half ? "[high-half variant] " : "", why);
			ok = false;
			break;
		}
		int rc = 0;
		if (has_mem)
			rc = map_io(map_fd, t.mem.p, 1, why, sizeof(why));
		if (!rc)
			rc = kernel_run(fd, pkt, pktlen, half ? &khi : &klo, why, sizeof(why));
		if (!rc && has_mem && half == 0)
			rc = map_io(map_fd, kmem, 0, why, sizeof(why));
		close(fd);
		if (rc) {
			c->skipped++;
			c->refused++;
			say("refused", path, "%s", why);
			ok = false;
		}
	}
	if (ok) {
		kr0 = (uint64_t)khi.retval << 32 | klo.retval;
		c->compared++;
		bool agree = true;
		for (size_t e = 0; e < 3; e++) {
			if (have[e] && kr0 != br[e].r0) {
				agree = false;
				say("DIFFER", path, "r0: bpfx %s 0x%" PRIx64 ", kernel 0x%" PRIx64, engs[e].name,
				    br[e].r0, kr0);
			}
		}
		if (kr0 != t.result) {
			agree = false;
			say("DIFFER", path, "r0: kernel 0x%" PRIx64 ", the file expects 0x%" PRIx64, kr0, t.result);
		}
		for (size_t e = 0; e < 3; e++) {
			if (have[e] && has_mem && memcmp(kmem, br[e].mem, t.mem.len)) {
				agree = false;
				say("DIFFER", path, "memory after the run: bpfx %s's differs from the kernel's",
				    engs[e].name);
				hexdump_diff(br[e].mem, kmem, t.mem.len);
			}
		}
		if (t.has_mem_after && (t.mem_after.len != t.mem.len ||
					(has_mem && memcmp(kmem, t.mem_after.p, t.mem.len)))) {
			agree = false;
			say("DIFFER", path, "memory after the run: the kernel's differs from -- mem-after");
			if (t.mem_after.len == t.mem.len)
				hexdump_diff(t.mem_after.p, kmem, t.mem.len);
		}
		if (agree) {
			c->agreed++;
			if (verbose)
				say("agree", path, "r0 = 0x%" PRIx64, kr0);
		} else {
			c->disagreed++;
		}
	}
	free(pkt);
	free(kp);
	free(kmem);
	if (map_fd >= 0)
		close(map_fd);
	for (size_t e = 0; e < 3; e++)
		free(br[e].mem);
out:
	bpfx_free(insns);
	test_free(&t);
}

/* ---------------------------------------------------------------------------
 * Files and main
 * ------------------------------------------------------------------------- */

struct paths {
	char **v;
	size_t n, cap;
};

static void paths_add(struct paths *p, const char *s)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = realloc(p->v, p->cap * sizeof(*p->v));
		if (!p->v)
			exit(2);
	}
	p->v[p->n] = strdup(s);
	if (!p->v[p->n])
		exit(2);
	p->n++;
}

static int collect(const char *path, struct paths *out)
{
	struct stat st;
	if (stat(path, &st)) {
		fprintf(stderr, "kdiff: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		paths_add(out, path);
		return 0;
	}
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "kdiff: %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t len = strlen(e->d_name);
		char *sub = NULL;
		if (asprintf(&sub, "%s/%s", path, e->d_name) < 0)
			exit(2);
		struct stat sst;
		if (!stat(sub, &sst)) {
			if (S_ISDIR(sst.st_mode))
				rc |= collect(sub, out);
			else if (len > 5 && !strcmp(e->d_name + len - 5, ".data"))
				paths_add(out, sub);
		}
		free(sub);
	}
	closedir(d);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---------------------------------------------------------------------------
 * --self-test: the crash guard and the exit rewriting, without the kernel
 * ------------------------------------------------------------------------- */

static int self_fail;

static void st_check(bool cond, const char *what)
{
	if (!cond) {
		printf("self-test FAILED: %s\n", what);
		self_fail++;
	}
}

static struct bpfx_insn *st_asm(const char *text, size_t *n)
{
	struct bpfx_insn *insns = NULL;
	struct bpfx_asm_opts ao = {.sz = sizeof(ao), .dialect = BPFX_DIALECT_CONFORMANCE};
	struct bpfx_asm_error ae;
	memset(&ae, 0, sizeof(ae));
	if (bpfx_asm(text, strlen(text), &ao, &insns, n, &ae)) {
		printf("self-test: cannot assemble (%d:%d %s):\n%s\n", ae.line, ae.col, ae.msg, text);
		self_fail++;
		return NULL;
	}
	return insns;
}

static int self_test(void)
{
	static const struct {
		const char *text;
		long hazard; /* index of the AND expected to be flagged, or -1 */
		const char *what;
	} guard[] = {
		/* flow-insensitive: the first AND on r1 is already suspect */
		{"mov %r1, 3\nand %r1, 1\nneg %r1\nand %r0, %r1\nexit\n", 1, "and with neg"},
		{"mov %r1, 3\nneg %r1\nand %r1, 7\nexit\n", 2, "neg then and-imm"},
		{"mov %r2, 0\nsub %r2, %r1\nmov %r3, %r2\nand %r0, %r3\nexit\n", 3, "0 - x through a mov"},
		{"arsh %r1, 63\nand %r0, %r1\nexit\n", 1, "arsh 63"},
		{"and32 %r1, 1\nsub32 %r1, 1\nand32 %r0, %r1\nexit\n", 0, "b - 1"},
		{"mov %r1, 1\nsub32 %r1, 1\nand32 %r0, %r1\nexit\n", 2, "b - 1, and of the result"},
		{"neg %r1\nstxdw [%r10-8], %r1\nldxdw %r4, [%r10-8]\nand %r4, 1\nexit\n", 3, "through the stack"},
		{"neg %r1\nmov %r0, 0\nexit\n", -1, "neg without and"},
		{"mov %r1, 5\nand %r1, 3\nadd %r1, 1\nsub %r0, 2\nand %r0, %r1\nexit\n", -1, "and of plain values"},
	};
	for (size_t i = 0; i < sizeof(guard) / sizeof(guard[0]); i++) {
		size_t n = 0;
		struct bpfx_insn *p = st_asm(guard[i].text, &n);
		if (!p)
			continue;
		long got = negation_and_hazard(p, n);
		char what[160];
		snprintf(what, sizeof(what), "crash guard, %s: flagged %ld, expected %ld", guard[i].what, got,
			 guard[i].hazard);
		st_check(got == guard[i].hazard, what);
		bpfx_free(p);
	}

	/* Exit rewriting: main exits jump to the epilogue placed before the
	 * subprogram; the call and the backward jump keep their targets. */
	size_t n = 0;
	struct bpfx_insn *p = st_asm("mov %r0, 1\n"          /* 0 */
				     "jeq %r1, 0, +1\n"      /* 1 -> 3 */
				     "exit\n"                /* 2 */
				     "call local f\n"        /* 3 -> 5 */
				     "exit\n"                /* 4 */
				     "f:\n"
				     "mov %r0, 2\n"          /* 5 */
				     "jeq %r0, 2, -2\n"      /* 6 -> 5 */
				     "exit\n",               /* 7 */
				     &n);
	if (p) {
		struct bpfx_insn out[16];
		size_t k = high_body(p, n, out);
		st_check(n == 8 && k == 10, "high variant has two more instructions");
		st_check(out[2].code == OPC(JA) && out[2].off == 2, "exit 2 -> ja to the epilogue at 5");
		st_check(out[4].code == OPC(JA) && out[4].off == 0, "exit 4 -> ja to the epilogue at 5");
		st_check(out[5].code == OPC(RSH64_K) && out[5].imm == 32 && out[6].code == OPC(EXIT),
			 "epilogue r0 >>= 32; exit at 5");
		st_check(out[3].imm == 3, "call local now skips the epilogue (target 7)");
		st_check(out[1].off == 1, "forward jump inside main unchanged");
		st_check(out[8].off == -2, "backward jump inside the subprogram unchanged");
		st_check(out[9].code == OPC(EXIT), "subprogram exit kept");
		bpfx_free(p);
	}
	printf("kdiff self-test: %s\n", self_fail ? "FAILED" : "ok");
	return self_fail ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct paths files = {0};
	int argi = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (; argi < argc && argv[argi][0] == '-'; argi++) {
		if (!strcmp(argv[argi], "-v"))
			verbose = 1;
		else if (!strcmp(argv[argi], "--kernel-only"))
			kernel_only = 1;
		else if (!strcmp(argv[argi], "--self-test"))
			return self_test();
		else if (!strcmp(argv[argi], "-h") || !strcmp(argv[argi], "--help")) {
			printf("usage: bpfx_kdiff [-v] [--kernel-only] FILE_OR_DIR...\n"
			       "       bpfx_kdiff --self-test\n"
			       "Runs the tests/data-format tests that expect a result on bpfx and in the\n"
			       "kernel (XDP + BPF_PROG_TEST_RUN, never attached) and compares them.\n"
			       "--kernel-only: compare the kernel with the files' expected values only.\n");
			return 0;
		} else {
			fprintf(stderr, "bpfx_kdiff: unknown option %s (try --help)\n", argv[argi]);
			return 2;
		}
	}
	if (argi >= argc) {
		fprintf(stderr, "usage: bpfx_kdiff [-v] FILE_OR_DIR...\n");
		return 2;
	}
	for (; argi < argc; argi++)
		if (collect(argv[argi], &files))
			return 2;
	qsort(files.v, files.n, sizeof(*files.v), cmp_str);

	if (!kernel_available())
		return SKIP_CODE;

	struct counts c = {0};
	for (size_t i = 0; i < files.n; i++) {
		run_test(files.v[i], &c);
		free(files.v[i]);
	}
	free(files.v);

	printf("kdiff: %d files, %d expect no result; %d compared, %d agreed, %d disagreed; "
	       "%d skipped (%d refused by the kernel, %d by the crash guard); %d bpfx failures; %d bad files\n",
	       c.files, c.no_result, c.compared, c.agreed, c.disagreed, c.skipped, c.refused, c.guarded,
	       c.bpfx_failed, c.bad_files);
	printf("kdiff: %d tests expect a memory fault: the kernel refuses %d, accepts %d (others skipped)\n",
	       c.fault_tests, c.fault_refused, c.fault_accepted);
	printf("kdiff: bpfx engines compared: interp, checked%s\n",
	       c.jit_ran ? ", jit" : c.jit_missing ? " (no JIT in this build)" : "");
	if (c.disagreed || c.bpfx_failed || c.bad_files)
		return 1;
	if (c.compared == 0) {
		printf("kdiff: SKIP: nothing could be compared\n");
		return SKIP_CODE;
	}
	return 0;
}
