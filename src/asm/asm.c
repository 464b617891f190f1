/* SPDX-License-Identifier: MIT */
/*
 * asm.c - the assembler. Each source line is matched against the templates
 * (templates.c) of every opcode-table row; the first template that matches
 * the whole line gives the row and its operands. Labels are resolved after
 * the last line.
 *
 * Line syntax, besides instructions:
 *   name:            a label (letters, digits, '_', '.'; not starting with a digit);
 *                    an instruction may follow on the same line
 *   # ; //           comments, to the end of the line
 *   "   12:\t07 01 ...\t"   llvm-objdump's index and raw-byte columns are skipped,
 *                    and its trailing "<LBB0_2>" annotations ignored
 *   .insn C, D, S, O, I   one raw slot from its fields (code, dst, src, off, imm)
 *   .insn 0xWORD          one raw slot as a little-endian 64-bit word
 *   exit             as a jump target: the first exit instruction, unless a label
 *                    of that name exists (bpf_conformance does this)
 *
 * When no template matches, the error is the most precise one found: a
 * value out of range or a register that does not exist wins; otherwise the
 * template that got furthest into the line says what it expected there.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/diag.h"
#include "../isa/validate.h"
#include "asm_internal.h"

/* ---- small lexical helpers ---------------------------------------------------------------- */

static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool is_ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_' || c == '.';
}

static bool is_ident(char c)
{
	return is_word(c) || c == '.';
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* ---- match state -------------------------------------------------------------------------- */

enum { FIX_OFF = 1, FIX_IMM = 2 };

struct operands {
	int dst, src, zreg;
	bool has_dst, has_src, has_z;
	int64_t imm, imm2;
	uint64_t imm64;
	int64_t off;
	const char *label; /* jump target given as a label, else NULL */
	size_t label_len;
	int label_col, label_kind;
};

struct mfail {
	int col;
	bool hard;
	char msg[200];
};

/* Records a failure at s unless an earlier one is more telling. */
static void fail_at(struct mfail *f, const char *line, const char *s, bool hard, const char *fmt, ...)
	BPFX_PRINTF(5, 6);
static void fail_at(struct mfail *f, const char *line, const char *s, bool hard, const char *fmt, ...)
{
	int col = (int)(s - line) + 1;
	if (f->col) {
		if (f->hard && !hard)
			return;
		if (f->hard == hard && col <= f->col)
			return;
	}
	f->col = col;
	f->hard = hard;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

/* Length of the token at s, for messages (a word, or one character). */
static int tok_len(const char *s)
{
	int n = 0;
	if (*s == '%')
		n++;
	while (is_ident(s[n]) && n < 40)
		n++;
	return n ? n : (*s ? 1 : 0);
}

struct num {
	uint64_t mag;
	bool neg;
	const char *start;
	int len;
};

/*
 * Reads [+-]? (0x hex | decimal) at *sp. Returns 1 and advances, 0 if there
 * is no number here (soft), -1 if it is malformed or too large (hard).
 */
static int read_num(const char **sp, const char *line, struct num *n, struct mfail *f)
{
	const char *s = *sp;
	n->start = s;
	n->neg = false;
	n->mag = 0;
	if (*s == '+' || *s == '-') {
		n->neg = *s == '-';
		s = skip_ws(s + 1);
	}
	if (!isdigit((unsigned char)*s)) {
		fail_at(f, line, *sp, false, "expected a number");
		return 0;
	}
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s)) {
			fail_at(f, line, n->start, true, "malformed number '%.*s'", tok_len(n->start), n->start);
			return -1;
		}
	}
	bool over = false;
	for (;; s++) {
		int dgt;
		if (isdigit((unsigned char)*s))
			dgt = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			dgt = (tolower((unsigned char)*s) - 'a') + 10;
		else
			break;
		if (n->mag > (UINT64_MAX - (uint64_t)dgt) / (uint64_t)base)
			over = true;
		n->mag = n->mag * (uint64_t)base + (uint64_t)dgt;
	}
	n->len = (int)(s - n->start);
	if (is_word(*s)) {
		fail_at(f, line, n->start, true, "malformed number '%.*s'", n->len + tok_len(s), n->start);
		return -1;
	}
	if (over) {
		fail_at(f, line, n->start, true, "number '%.*s' does not fit in 64 bits", n->len, n->start);
		return -1;
	}
	*sp = s;
	return 1;
}

/* Signed range check; on failure a hard error naming `what` and `bits`. */
static bool num_in(const struct num *n, int64_t lo, uint64_t hi, int64_t *out)
{
	if (n->neg) {
		if (n->mag > (uint64_t)0 - (uint64_t)lo)
			return false;
		*out = (int64_t)((uint64_t)0 - n->mag);
		return lo < 0 || n->mag == 0;
	}
	if (n->mag > hi)
		return false;
	*out = (int64_t)n->mag;
	return true;
}

static int read_imm32(const char **sp, const char *line, int64_t *out, struct mfail *f, const char *what)
{
	struct num n;
	int r = read_num(sp, line, &n, f);
	if (r <= 0)
		return r;
	int64_t v;
	if (!num_in(&n, INT32_MIN, UINT32_MAX, &v)) {
		fail_at(f, line, n.start, true, "%s '%.*s' does not fit in 32 bits", what, n.len, n.start);
		return -1;
	}
	*out = (int32_t)(uint32_t)(uint64_t)v;
	return 1;
}

static int read_off16(const char **sp, const char *line, int64_t *out, struct mfail *f, const char *what)
{
	struct num n;
	int r = read_num(sp, line, &n, f);
	if (r <= 0)
		return r;
	if (!num_in(&n, INT16_MIN, INT16_MAX, out)) {
		fail_at(f, line, n.start, true, "%s '%.*s' does not fit in 16 bits (-32768..32767)", what, n.len,
			n.start);
		return -1;
	}
	return 1;
}

/* Register: "%rN" (conformance) or "rN"/"wN" (LLVM). `want` is 'r' or 'w';
 * `strict` refuses the other letter. */
static int read_reg(const char **sp, const char *line, bool llvm, char want, bool strict, int *out,
		    struct mfail *f)
{
	const char *s = *sp, *start = s;
	char letter;
	if (llvm) {
		letter = *s;
		if ((letter != 'r' && letter != 'w') || !isdigit((unsigned char)s[1])) {
			fail_at(f, line, start, false, "expected a register (r0..r10%s)", want == 'w' ? " or w0..w10" : "");
			return 0;
		}
		s++;
	} else {
		if (s[0] != '%' || s[1] != 'r' || !isdigit((unsigned char)s[2])) {
			fail_at(f, line, start, false, "expected a register (%%r0..%%r10)");
			return 0;
		}
		letter = 'r';
		s += 2;
	}
	long v = 0;
	while (isdigit((unsigned char)*s) && v < 1000)
		v = v * 10 + (*s++ - '0');
	if (is_word(*s)) {
		fail_at(f, line, start, false, "expected a register, not '%.*s'", tok_len(start), start);
		return 0;
	}
	if (v >= BPFX_NREGS || (isdigit((unsigned char)*s))) {
		fail_at(f, line, start, true, "register '%.*s' does not exist (%s0..%s10)", (int)(s - start), start,
			llvm ? (letter == 'w' ? "w" : "r") : "%r", llvm ? (letter == 'w' ? "w" : "r") : "%r");
		return -1;
	}
	if (llvm && strict && letter != want) {
		fail_at(f, line, start, false, "expected a %s register here (%c%ld)",
			want == 'w' ? "32-bit" : "64-bit", want, v);
		return 0;
	}
	*out = (int)v;
	*sp = s;
	return 1;
}

static int read_target(const char **sp, const char *line, struct operands *o, int kind, struct mfail *f)
{
	const char *s = *sp;
	if (*s == '+' || *s == '-' || isdigit((unsigned char)*s)) {
		int r = kind == FIX_OFF ? read_off16(sp, line, &o->off, f, "jump offset")
					: read_imm32(sp, line, &o->imm, f, "jump offset");
		return r;
	}
	if (!is_ident_start(*s)) {
		fail_at(f, line, s, false, "expected a jump target (a label or +offset)");
		return 0;
	}
	const char *e = s;
	while (is_ident(*e))
		e++;
	o->label = s;
	o->label_len = (size_t)(e - s);
	o->label_col = (int)(s - line) + 1;
	o->label_kind = kind;
	*sp = e;
	return 1;
}

/* The literal run of a template starting at t, for "expected '...'". */
static int lit_len(const char *t)
{
	int n = 0;
	while (t[n] && t[n] != '$' && t[n] != ' ' && n < 24)
		n++;
	return n;
}

/*
 * Matches the expanded template t against s (the instruction text inside
 * `line`). Returns true and fills o on a full match; else records in f why not.
 */
static bool match(const char *t, const struct bpfx_op_desc *d, bool llvm, const char *line, const char *s,
		  struct operands *o, struct mfail *f)
{
	char w = bpfx_asm_regw(d);
	bool strict = bpfx_asm_width_strict(d);
	bool prev_word = false;
	int r = 1;

	memset(o, 0, sizeof(*o));
	while (*t) {
		if (*t == ' ') {
			const char *s0 = s;
			s = skip_ws(s);
			if (s == s0 && s > line && is_word(s[-1]) && is_word(*s) && (is_word(t[1]) || t[1] == '$')) {
				fail_at(f, line, s, false, "expected a space before '%.*s'", tok_len(s), s);
				return false;
			}
			t++;
			prev_word = false;
			continue;
		}
		if (*t != '$') {
			if (!(prev_word && is_word(*t)))
				s = skip_ws(s);
			if (*s != *t) {
				/* Report at the start of the literal word being matched. */
				if (*s)
					fail_at(f, line, s, false, "expected '%.*s'", lit_len(t), t);
				else
					fail_at(f, line, s, false, "missing operand: expected '%.*s'", lit_len(t), t);
				return false;
			}
			prev_word = is_word(*t);
			s++;
			t++;
			continue;
		}
		prev_word = false;
		s = skip_ws(s);
		if (!*s) {
			static const char *const what[128] = {
				['d'] = "a register", ['s'] = "a register", ['D'] = "a register", ['S'] = "a register",
				['z'] = "r0", ['i'] = "an immediate", ['I'] = "a signed addend", ['L'] = "a 64-bit immediate",
				['a'] = "two address spaces", ['o'] = "an offset", ['q'] = "]", ['j'] = "a jump target",
				['J'] = "a jump target", ['c'] = "a call target",
			};
			if (t[1] != 'q' && t[1] != 'o') {
				fail_at(f, line, s, false, "missing operand: expected %s",
					(unsigned char)t[1] < 128 && what[(unsigned char)t[1]] ? what[(unsigned char)t[1]] : "an operand");
				return false;
			}
		}
		const char *at = s;
		int v;
		switch (t[1]) {
		case 'd':
		case 'D':
			r = read_reg(&s, line, llvm, t[1] == 'd' ? w : 'r', t[1] == 'D' || strict, &v, f);
			if (r > 0 && o->has_dst && v != o->dst) {
				fail_at(f, line, at, false, "expected the same register as the destination");
				return false;
			}
			o->dst = v;
			o->has_dst = true;
			break;
		case 's':
		case 'S':
			r = read_reg(&s, line, llvm, t[1] == 's' ? w : 'r', t[1] == 'S' || strict, &v, f);
			if (r > 0 && o->has_src && v != o->src) {
				fail_at(f, line, at, false, "expected the same register as the source");
				return false;
			}
			o->src = v;
			o->has_src = true;
			break;
		case 'z':
			r = read_reg(&s, line, llvm, w, false, &v, f);
			if (r > 0 && v != 0) {
				fail_at(f, line, at, false, "expected %c0 (the implicit comparand)", w);
				return false;
			}
			break;
		case 'i':
			r = read_imm32(&s, line, &o->imm, f, "immediate");
			break;
		case 'I':
			if (*s != '+' && *s != '-') {
				fail_at(f, line, s, false, "expected a signed addend (+0x8, -0x8)");
				return false;
			}
			r = read_imm32(&s, line, &o->imm2, f, "addend");
			break;
		case 'L': {
			struct num n;
			r = read_num(&s, line, &n, f);
			if (r > 0) {
				int64_t sv;
				if (!num_in(&n, INT64_MIN, UINT64_MAX, &sv)) {
					fail_at(f, line, n.start, true, "immediate '%.*s' does not fit in 64 bits", n.len,
						n.start);
					return false;
				}
				o->imm64 = (uint64_t)sv;
			}
			break;
		}
		case 'k': /* not reached: expanded before */
			break;
		case 'a': {
			struct num a, b;
			int64_t va, vb;
			if ((r = read_num(&s, line, &a, f)) <= 0)
				break;
			if (!num_in(&a, 0, 0xffff, &va)) {
				fail_at(f, line, a.start, true, "address space '%.*s' does not fit in 16 bits", a.len, a.start);
				return false;
			}
			s = skip_ws(s);
			if (*s != ',') {
				fail_at(f, line, s, false, *s ? "expected ','" : "missing operand: expected ','");
				return false;
			}
			s = skip_ws(s + 1);
			if ((r = read_num(&s, line, &b, f)) <= 0)
				break;
			if (!num_in(&b, 0, 0xffff, &vb)) {
				fail_at(f, line, b.start, true, "address space '%.*s' does not fit in 16 bits", b.len, b.start);
				return false;
			}
			o->imm = (int32_t)(uint32_t)((uint32_t)va << 16 | (uint32_t)vb);
			break;
		}
		case 'o':
			if (llvm) {
				if (*s != '+' && *s != '-') {
					fail_at(f, line, s, false, *s ? "expected '+' or '-' and an offset"
								       : "missing operand: expected an offset");
					return false;
				}
				r = read_off16(&s, line, &o->off, f, "offset");
			} else if (*s == '+' || *s == '-') {
				r = read_off16(&s, line, &o->off, f, "offset");
			}
			break;
		case 'q':
			if (*s == '+' || *s == '-')
				r = read_imm32(&s, line, &o->imm, f, "immediate");
			break;
		case 'j':
			r = read_target(&s, line, o, FIX_OFF, f);
			break;
		case 'J':
		case 'c':
			r = read_target(&s, line, o, FIX_IMM, f);
			break;
		default:
			return false;
		}
		if (r <= 0)
			return false;
		t += 2;
	}
	s = skip_ws(s);
	if (*s) {
		fail_at(f, line, s, false, "unexpected '%.*s' after the instruction", tok_len(s), s);
		return false;
	}
	return true;
}

/* ---- assembler state ---------------------------------------------------------------------- */

struct label {
	char *name;
	size_t slot;
	int line;
};

struct fixup {
	char *name;
	size_t slot;
	int line, col, kind;
};

/* One expanded template, with its leading literal word (if any) so that a
 * line is only matched against templates that can start the way it does. */
struct tmpl {
	const struct bpfx_op_desc *d;
	bool llvm;
	char first[24];
	char text[120];
};

struct asm_state {
	struct bpfx_diag diag;
	const char *file;
	struct bpfx_asm_error *err;
	enum bpfx_dialect dialect;
	struct bpfx_insn *out;
	size_t n, cap;
	struct label *labels;
	size_t nlabels;
	size_t *hash; /* open addressing: index+1 into labels, 0 = empty */
	size_t hcap;
	struct fixup *fix;
	size_t nfix, capfix;
	size_t first_exit; /* slot of the first exit, or SIZE_MAX */
	struct tmpl *tmpls; /* every template of the enabled dialects, expanded */
	size_t ntmpls;
};

static int asm_error(struct asm_state *st, int line, int col, const char *fmt, ...) BPFX_PRINTF(4, 5);
static int asm_error(struct asm_state *st, int line, int col, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st->err) {
		st->err->line = line;
		st->err->col = col;
		snprintf(st->err->msg, sizeof(st->err->msg), "%s", msg);
	}
	return bpfx_fail(&st->diag, BPFX_E_ASM, "%s:%d:%d: %s", st->file, line, col, msg);
}

static uint64_t hash_name(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static struct label *find_label(struct asm_state *st, const char *name, size_t n)
{
	if (!st->hcap)
		return NULL;
	for (size_t i = hash_name(name, n) & (st->hcap - 1);; i = (i + 1) & (st->hcap - 1)) {
		if (!st->hash[i])
			return NULL;
		struct label *l = &st->labels[st->hash[i] - 1];
		if (strlen(l->name) == n && !memcmp(l->name, name, n))
			return l;
	}
}

static int add_label(struct asm_state *st, const char *name, size_t n, int line, int col)
{
	struct label *old = find_label(st, name, n);
	if (old)
		return asm_error(st, line, col, "duplicate label '%.*s' (first defined at line %d)", (int)n, name,
				 old->line);
	if ((st->nlabels + 1) * 2 > st->hcap) {
		size_t nc = st->hcap ? st->hcap * 2 : 64;
		size_t *nh = calloc(nc, sizeof(*nh));
		struct label *nl = realloc(st->labels, nc / 2 * sizeof(*nl));
		if (!nh || !nl) {
			free(nh);
			if (nl)
				st->labels = nl;
			return asm_error(st, line, col, "out of memory");
		}
		st->labels = nl;
		free(st->hash);
		st->hash = nh;
		st->hcap = nc;
		for (size_t k = 0; k < st->nlabels; k++) {
			const char *s = st->labels[k].name;
			size_t i = hash_name(s, strlen(s)) & (nc - 1);
			while (nh[i])
				i = (i + 1) & (nc - 1);
			nh[i] = k + 1;
		}
	}
	char *copy = malloc(n + 1);
	if (!copy)
		return asm_error(st, line, col, "out of memory");
	memcpy(copy, name, n);
	copy[n] = 0;
	st->labels[st->nlabels] = (struct label){copy, st->n, line};
	size_t i = hash_name(name, n) & (st->hcap - 1);
	while (st->hash[i])
		i = (i + 1) & (st->hcap - 1);
	st->hash[i] = ++st->nlabels;
	return 0;
}

static int emit(struct asm_state *st, const struct bpfx_insn *x, int line)
{
	if (st->n >= BPFX_MAX_INSNS)
		return asm_error(st, line, 1, "the program has more than %d instructions", BPFX_MAX_INSNS);
	if (st->n == st->cap) {
		size_t nc = st->cap ? st->cap * 2 : 64;
		struct bpfx_insn *p = realloc(st->out, nc * sizeof(*p));
		if (!p)
			return asm_error(st, line, 1, "out of memory");
		st->out = p;
		st->cap = nc;
	}
	st->out[st->n++] = *x;
	return 0;
}

/* ---- one line ----------------------------------------------------------------------------- */

/* Known first words of templates, for "unknown mnemonic" and suggestions. */
static bool first_word(const char *t, char *buf, size_t len)
{
	size_t n = 0;
	while (is_ident(t[n]) && n + 1 < len) {
		buf[n] = t[n];
		n++;
	}
	buf[n] = 0;
	return n > 0 && !(t[0] == 'r' && isdigit((unsigned char)t[1]));
}

/* Edit distance with transpositions (optimal string alignment), so that
 * "mvo" is closer to "mov" than to "mul". */
static int edit_distance(const char *a, size_t la, const char *b)
{
	size_t lb = strlen(b);
	int m[24][24];
	if (la >= 24 || lb >= 24)
		return 99;
	for (size_t i = 0; i <= la; i++)
		for (size_t j = 0; j <= lb; j++) {
			if (!i || !j) {
				m[i][j] = (int)(i + j);
				continue;
			}
			int cost = tolower((unsigned char)a[i - 1]) != b[j - 1];
			int best = m[i - 1][j - 1] + cost;
			if (m[i - 1][j] + 1 < best)
				best = m[i - 1][j] + 1;
			if (m[i][j - 1] + 1 < best)
				best = m[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && m[i - 2][j - 2] + 1 < best)
				best = m[i - 2][j - 2] + 1;
			m[i][j] = best;
		}
	return m[la][lb];
}

static bool dialect_on(const struct asm_state *st, enum bpfx_dialect d)
{
	return st->dialect == BPFX_DIALECT_AUTO || st->dialect == d;
}

/* If the line starts with a word that no template starts with, says so. */
static bool unknown_mnemonic(struct asm_state *st, const char *line, const char *s, int lineno)
{
	if (!is_ident_start(*s))
		return false;
	size_t n = 0;
	while (is_ident(s[n]))
		n++;
	if (dialect_on(st, BPFX_DIALECT_LLVM) && (s[0] == 'r' || s[0] == 'w') && n > 1 &&
	    strspn(s + 1, "0123456789") == n - 1)
		return false; /* a register: an LLVM assignment */
	char best[48] = "";
	int bestd = 99;
	for (size_t i = 0; i < st->ntmpls; i++) {
		const char *word = st->tmpls[i].first;
		if (!word[0])
			continue;
		if (strlen(word) == n && !memcmp(word, s, n))
			return false;
		int dist = edit_distance(s, n, word);
		if (dist < bestd) {
			bestd = dist;
			snprintf(best, sizeof(best), "%s", word);
		}
	}
	if (bestd <= 3 && bestd < (int)n)
		asm_error(st, lineno, (int)(s - line) + 1, "unknown mnemonic '%.*s' (did you mean '%s'?)", (int)n, s,
			  best);
	else
		asm_error(st, lineno, (int)(s - line) + 1, "unknown mnemonic '%.*s'", (int)n, s);
	return true;
}

static int do_insn_directive(struct asm_state *st, const char *line, const char *s, int lineno)
{
	static const struct {
		const char *name;
		int64_t lo;
		uint64_t hi;
	} field[5] = {
		{"code", 0, 0xff}, {"dst", 0, 15}, {"src", 0, 15}, {"off", INT16_MIN, 0xffff}, {"imm", INT32_MIN, UINT32_MAX},
	};
	struct mfail f = {0};
	struct num n[5];
	int64_t v[5];
	int k = 0;
	const char *at[5];

	for (;;) {
		s = skip_ws(s);
		at[k] = s;
		if (read_num(&s, line, &n[k], &f) <= 0)
			return asm_error(st, lineno, f.col, ".insn: %s", *at[k] ? f.msg : "missing operand: expected a number");
		k++;
		s = skip_ws(s);
		if (*s != ',' || k == 5)
			break;
		s++;
	}
	if (*s)
		return asm_error(st, lineno, (int)(s - line) + 1, ".insn: unexpected '%.*s'", tok_len(s), s);
	struct bpfx_insn x;
	if (k == 1) {
		int64_t w;
		if (!num_in(&n[0], INT64_MIN, UINT64_MAX, &w))
			return asm_error(st, lineno, (int)(at[0] - line) + 1, ".insn: '%.*s' does not fit in 64 bits",
					 n[0].len, n[0].start);
		uint64_t u = (uint64_t)w;
		uint8_t bytes[8];
		for (int i = 0; i < 8; i++)
			bytes[i] = (uint8_t)(u >> (8 * i));
		memcpy(&x, bytes, 8);
		return emit(st, &x, lineno);
	}
	if (k != 5)
		return asm_error(st, lineno, (int)(s - line) + 1,
				 ".insn takes one 64-bit word or five fields (code, dst, src, off, imm); got %d", k);
	for (int i = 0; i < 5; i++)
		if (!num_in(&n[i], field[i].lo, field[i].hi, &v[i]))
			return asm_error(st, lineno, (int)(at[i] - line) + 1, ".insn: %s '%.*s' is out of range (%" PRId64
					 "..%" PRIu64 ")", field[i].name, n[i].len, n[i].start, field[i].lo, field[i].hi);
	memset(&x, 0, sizeof(x));
	x.code = (uint8_t)v[0];
	x.dst = (uint8_t)v[1];
	x.src = (uint8_t)v[2];
	x.off = (int16_t)(uint16_t)v[3];
	x.imm = (int32_t)(uint32_t)v[4];
	return emit(st, &x, lineno);
}

static int encode(struct asm_state *st, const struct bpfx_op_desc *d, const struct operands *o, int lineno)
{
	struct bpfx_insn x[2];
	memset(x, 0, sizeof(x));
	x[0].code = d->code;
	if (d->dst == BPFX_USE_SEL)
		x[0].dst = (uint8_t)d->selv;
	else if (d->dst != BPFX_USE_ZERO)
		x[0].dst = (uint8_t)o->dst;
	if (d->src == BPFX_USE_SEL)
		x[0].src = (uint8_t)d->selv;
	else if (d->src != BPFX_USE_ZERO)
		x[0].src = (uint8_t)o->src;
	if (d->off == BPFX_USE_SEL)
		x[0].off = (int16_t)d->selv;
	else if (d->off != BPFX_USE_ZERO)
		x[0].off = (int16_t)o->off;
	if (d->imm == BPFX_USE_SEL)
		x[0].imm = d->selv;
	else if (d->imm != BPFX_USE_ZERO)
		x[0].imm = (int32_t)o->imm;
	int slots = 1;
	if (d->fmt == BPFX_FMT_LDDW) {
		slots = 2;
		if (d->selv == BPFX_LDDW_IMM64) {
			x[0].imm = (int32_t)(uint32_t)o->imm64;
			x[1].imm = (int32_t)(uint32_t)(o->imm64 >> 32);
		} else {
			x[1].imm = (int32_t)o->imm2;
		}
	}
	if (o->label) {
		if (st->nfix == st->capfix) {
			size_t nc = st->capfix ? st->capfix * 2 : 32;
			struct fixup *p = realloc(st->fix, nc * sizeof(*p));
			if (!p)
				return asm_error(st, lineno, o->label_col, "out of memory");
			st->fix = p;
			st->capfix = nc;
		}
		char *name = malloc(o->label_len + 1);
		if (!name)
			return asm_error(st, lineno, o->label_col, "out of memory");
		memcpy(name, o->label, o->label_len);
		name[o->label_len] = 0;
		st->fix[st->nfix++] = (struct fixup){name, st->n, lineno, o->label_col, o->label_kind};
	}
	if (d->fmt == BPFX_FMT_EXIT && st->first_exit == SIZE_MAX)
		st->first_exit = st->n;
	for (int i = 0; i < slots; i++) {
		int err = emit(st, &x[i], lineno);
		if (err)
			return err;
	}
	return 0;
}

/* Strips a trailing llvm-objdump annotation "<LBB0_2>" or "<f+0x40>" that
 * follows some instruction text. */
static void strip_annotation(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n || s[n - 1] != '>')
		return;
	size_t i = n - 1;
	while (i > 0 && s[i - 1] != '<' && s[i - 1] != '>')
		i--;
	if (i >= 3 && s[i - 1] == '<' && (s[i - 2] == ' ' || s[i - 2] == '\t'))
		s[i - 1] = 0;
}

static bool is_hex_str(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* Skips a column of 8 or 16 raw bytes "07 01 00 00 05 00 00 00" ended by a
 * tab (or the end of the line), as llvm-objdump and bpfx_disasm print it. */
static char *skip_bytes(char *s, uint8_t *raw, int *nraw)
{
	char *b = s;
	int k = 0;
	while (is_hex_str(b, 2) && (b[2] == ' ' || b[2] == '\t' || !b[2]) && k < 16) {
		raw[k++] = (uint8_t)strtoul((char[3]){b[0], b[1], 0}, NULL, 16);
		b += 2;
		if ((*b == '\t' || !*b) && (k == 8 || k == 16)) {
			*nraw = k;
			return (char *)skip_ws(b);
		}
		if (*b != ' ')
			break;
		b++;
	}
	return s;
}

/* Skips llvm-objdump's "  12:\t" index and "07 01 00 ...\t" byte columns
 * (the bytes go to raw/nraw). Returns NULL for lines to ignore (symbol
 * headers, relocations). */
static char *skip_objdump(char *s, uint8_t *raw, int *nraw)
{
	char *p = (char *)skip_ws(s);
	size_t n = strspn(p, "0123456789abcdef");
	*nraw = 0;
	/* "0000000000000000 <f>:" */
	if (n && p[n] == ' ' && p[n + 1] == '<' && strstr(p + n, ">:") && !skip_ws(strstr(p + n, ">:") + 2)[0])
		return NULL;
	if (!n || p[n] != ':')
		return skip_bytes(p, raw, nraw);
	char *q = (char *)skip_ws(p + n + 1);
	if (q[0] == 'R' && q[1] == '_')
		return NULL; /* relocation line of objdump -r */
	if (strspn(p, "0123456789") != n || (p[n + 1] != ' ' && p[n + 1] != '\t' && p[n + 1]))
		return s;
	return skip_bytes(q, raw, nraw);
}

static int build_templates(struct asm_state *st)
{
	size_t cap = 0;
	for (int pass = 0; pass < 2; pass++) {
		size_t n = 0;
		for (int dia = BPFX_DIALECT_LLVM; dia <= BPFX_DIALECT_CONFORMANCE; dia++) {
			if (!dialect_on(st, (enum bpfx_dialect)dia))
				continue;
			for (int op = 0; op < BPFX_OP__COUNT; op++)
				for (int alt = 0;; alt++) {
					const struct bpfx_op_desc *d = &bpfx_op_table[op];
					const char *t = bpfx_asm_template(d, (enum bpfx_dialect)dia, alt);
					if (!t)
						break;
					if (pass == 0) {
						n++;
						continue;
					}
					struct tmpl *x = &st->tmpls[n];
					if (!bpfx_asm_expand(t, d, x->text, sizeof(x->text)))
						continue; /* cannot happen with the shipped templates */
					x->d = d;
					x->llvm = dia == BPFX_DIALECT_LLVM;
					if (!first_word(x->text, x->first, sizeof(x->first)))
						x->first[0] = 0;
					n++;
				}
		}
		if (pass == 0) {
			cap = n;
			st->tmpls = calloc(cap ? cap : 1, sizeof(*st->tmpls));
			if (!st->tmpls)
				return bpfx_fail(&st->diag, BPFX_E_NOMEM, "bpfx_asm: out of memory");
		} else {
			st->ntmpls = n;
		}
	}
	return 0;
}

static int do_line(struct asm_state *st, char *line, int lineno)
{
	/* Comments. */
	for (char *c = line; *c; c++)
		if (*c == '#' || *c == ';' || (c[0] == '/' && c[1] == '/')) {
			*c = 0;
			break;
		}
	uint8_t raw[16];
	int nraw;
	char *text = skip_objdump(line, raw, &nraw);
	if (!text)
		return 0;
	/* objdump's page headers: "x.o:\tfile format elf64-bpf", "Disassembly of section .text:" */
	if (strstr(text, ":\tfile format ") || !strncmp(text, "Disassembly of section ", 23))
		return 0;
	strip_annotation(text);
	const char *s = text;
	/* objdump could not decode it, but printed its bytes: keep them. */
	if (!strncmp(skip_ws(s), "<unknown>", 9) && !skip_ws(skip_ws(s) + 9)[0] && nraw == 8) {
		struct bpfx_insn x;
		memcpy(&x, raw, 8);
		return emit(st, &x, lineno);
	}

	/* Labels. */
	for (;;) {
		s = skip_ws(s);
		const char *e = s;
		if (!is_ident_start(*e))
			break;
		while (is_ident(*e))
			e++;
		if (*e != ':')
			break;
		int err = add_label(st, s, (size_t)(e - s), lineno, (int)(s - line) + 1);
		if (err)
			return err;
		s = e + 1;
	}
	if (!*s)
		return 0;
	if (!strncmp(s, ".insn", 5) && (s[5] == ' ' || s[5] == '\t' || !s[5]))
		return do_insn_directive(st, line, s + 5, lineno);
	if (*s == '.')
		return asm_error(st, lineno, (int)(s - line) + 1, "unknown directive '%.*s' (only .insn is known)",
				 tok_len(s), s);

	struct mfail f = {0};
	struct operands o;
	size_t wn = 0;
	while (is_ident(s[wn]))
		wn++;
	for (size_t i = 0; i < st->ntmpls; i++) {
		const struct tmpl *t = &st->tmpls[i];
		if (t->first[0] && (strncmp(t->first, s, wn) || t->first[wn]))
			continue; /* starts with another word */
		if (match(t->text, t->d, t->llvm, line, s, &o, &f))
			return encode(st, t->d, &o, lineno);
	}
	if (!f.hard && unknown_mnemonic(st, line, s, lineno))
		return BPFX_E_ASM;
	if (!f.col)
		return asm_error(st, lineno, (int)(s - line) + 1, "cannot parse this instruction");
	return asm_error(st, lineno, f.col, "%s", f.msg);
}

/* ---- labels ------------------------------------------------------------------------------- */

static int resolve(struct asm_state *st)
{
	for (size_t i = 0; i < st->nfix; i++) {
		struct fixup *x = &st->fix[i];
		struct label *l = find_label(st, x->name, strlen(x->name));
		size_t target;
		if (l)
			target = l->slot;
		else if (!strcmp(x->name, "exit") && st->first_exit != SIZE_MAX)
			target = st->first_exit;
		else
			return asm_error(st, x->line, x->col, "undefined label '%s'", x->name);
		if (target >= st->n)
			return asm_error(st, x->line, x->col, "label '%s' is at the end of the program, after the last instruction",
					 x->name);
		int64_t rel = (int64_t)target - (int64_t)x->slot - 1;
		if (x->kind == FIX_OFF) {
			if (rel < INT16_MIN || rel > INT16_MAX)
				return asm_error(st, x->line, x->col,
						 "jump to '%s' is too far: offset %" PRId64 " does not fit in 16 bits%s",
						 x->name, rel,
						 st->out[x->slot].code == 0x05 ? " (use gotol / ja32)" : "");
			st->out[x->slot].off = (int16_t)rel;
		} else {
			st->out[x->slot].imm = (int32_t)rel;
		}
	}
	return 0;
}

int bpfx_asm(const char *text, size_t len, const struct bpfx_asm_opts *opts, struct bpfx_insn **insns, size_t *count,
	     struct bpfx_asm_error *err)
{
	struct bpfx_asm_opts o;
	struct asm_state st;
	memset(&st, 0, sizeof(st));
	st.first_exit = SIZE_MAX;
	st.err = err;
	if (err)
		memset(err, 0, sizeof(*err));
	if (opts && opts->sz >= offsetof(struct bpfx_asm_opts, log_user) + sizeof(void *))
		st.diag = (struct bpfx_diag){opts->log, opts->log_user};
	int rc = bpfx_opts_copy(&st.diag, &o, sizeof(o), opts, "bpfx_asm_opts");
	if (rc)
		return rc;
	st.file = o.filename ? o.filename : "<input>";
	if (!insns || !count || (!text && len))
		return bpfx_fail(&st.diag, BPFX_E_INVAL, "bpfx_asm: text, insns and count must not be NULL");
	*insns = NULL;
	*count = 0;
	if (o.dialect != BPFX_DIALECT_AUTO && o.dialect != BPFX_DIALECT_LLVM && o.dialect != BPFX_DIALECT_CONFORMANCE)
		return bpfx_fail(&st.diag, BPFX_E_INVAL, "bpfx_asm: unknown dialect %d", (int)o.dialect);
	st.dialect = o.dialect;
	if ((rc = build_templates(&st)))
		return rc;

	char *buf = NULL;
	size_t bufcap = 0;
	int lineno = 0;
	size_t pos = 0;
	while (!rc && pos < len) {
		const char *ls = text + pos;
		const char *nl = memchr(ls, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - ls) : len - pos;
		pos += n + (nl ? 1 : 0);
		lineno++;
		if (lineno == INT32_MAX) {
			rc = asm_error(&st, lineno, 1, "too many lines");
			break;
		}
		const char *z = memchr(ls, 0, n);
		if (z) {
			rc = asm_error(&st, lineno, (int)(z - ls) + 1, "unexpected NUL byte");
			break;
		}
		if (n + 1 > bufcap) {
			char *p = realloc(buf, n + 1);
			if (!p) {
				rc = asm_error(&st, lineno, 1, "out of memory");
				break;
			}
			buf = p;
			bufcap = n + 1;
		}
		memcpy(buf, ls, n);
		buf[n] = 0;
		if (n && buf[n - 1] == '\r')
			buf[n - 1] = 0;
		rc = do_line(&st, buf, lineno);
	}
	free(buf);
	if (!rc)
		rc = resolve(&st);

	for (size_t i = 0; i < st.nlabels; i++)
		free(st.labels[i].name);
	for (size_t i = 0; i < st.nfix; i++)
		free(st.fix[i].name);
	free(st.labels);
	free(st.hash);
	free(st.fix);
	free(st.tmpls);
	if (rc) {
		free(st.out);
		return rc;
	}
	*insns = st.out;
	*count = st.n;
	return 0;
}
