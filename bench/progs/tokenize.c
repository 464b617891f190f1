/* SPDX-License-Identifier: MIT */
/*
 * tokenize - branchy: a lexer state machine over C-like text. Classifies each
 * byte and counts identifiers, keywords-ish short words, numbers (decimal
 * and hex), strings with escapes, comments, operators and lines. r0 packs a
 * hash of the token stream with the counts.
 */
#include "bench_prog.h"

enum { S_START, S_IDENT, S_NUM, S_HEX, S_STR, S_STR_ESC, S_SLASH, S_LCOMMENT, S_BCOMMENT, S_BSTAR };

INLINE int is_alpha(u32 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
INLINE int is_digit(u32 c)
{
	return c >= '0' && c <= '9';
}

BENCH_ENTRY(tokenize)
{
	u64 idents = 0, shortw = 0, nums = 0, strs = 0, comments = 0, ops = 0, lines = 0;
	u64 h = 0, toklen = 0;
	u32 state = S_START;

	for (u64 i = 0; i < len; i++) {
		u32 c = mem[i];
		if (c == '\n')
			lines++;
		h = (h ^ c) * 0x100000001b3ull;
	again:
		switch (state) {
		case S_START:
			toklen = 0;
			if (is_alpha(c))
				state = S_IDENT;
			else if (c == '0' && i + 1 < len && (mem[i + 1] | 0x20) == 'x') {
				state = S_HEX;
				i++;
			} else if (is_digit(c))
				state = S_NUM;
			else if (c == '"')
				state = S_STR;
			else if (c == '/')
				state = S_SLASH;
			else if (c > ' ' && c < 127)
				ops++;
			break;
		case S_IDENT:
			toklen++;
			if (!is_alpha(c) && !is_digit(c)) {
				idents++;
				if (toklen <= 3)
					shortw++;
				state = S_START;
				goto again;
			}
			break;
		case S_NUM:
			if (!is_digit(c)) {
				nums++;
				state = S_START;
				goto again;
			}
			break;
		case S_HEX:
			if (!is_digit(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) {
				nums++;
				state = S_START;
				goto again;
			}
			break;
		case S_STR:
			if (c == '\\')
				state = S_STR_ESC;
			else if (c == '"') {
				strs++;
				state = S_START;
			}
			break;
		case S_STR_ESC:
			state = S_STR;
			break;
		case S_SLASH:
			if (c == '/')
				state = S_LCOMMENT;
			else if (c == '*')
				state = S_BCOMMENT;
			else {
				ops++;
				state = S_START;
				goto again;
			}
			break;
		case S_LCOMMENT:
			if (c == '\n') {
				comments++;
				state = S_START;
			}
			break;
		case S_BCOMMENT:
			if (c == '*')
				state = S_BSTAR;
			break;
		case S_BSTAR:
			if (c == '/') {
				comments++;
				state = S_START;
			} else if (c != '*')
				state = S_BCOMMENT;
			break;
		}
	}
	u64 counts = idents ^ shortw << 8 ^ nums << 16 ^ strs << 24 ^ comments << 32 ^ ops << 40 ^ lines << 48;
	return counts ^ h;
}

#ifndef __bpf__
/* Random C-like text: words, numbers, strings, comments, operators. */
static void setup(u8 *mem, u64 len)
{
	static const char *const pieces[] = {
		"int ", "x", "count_", "i", "return ", "if (", ") {\n", "}\n", " = ", " + ", "42", "0x1F",
		"\"str\\\"ing\" ", "// line comment\n", "/* block * comment */", "; ", "\n", "a3 ", "buf[",
		"]", " / ", " * ", "1234567", "while ", "_tmp9", "->", "'c'", "  ",
	};
	u64 st = 5, off = 0;
	while (off < len) {
		const char *p = pieces[bench_rand(&st) % (sizeof(pieces) / sizeof(pieces[0]))];
		while (*p && off < len)
			mem[off++] = (u8)*p++;
	}
}
#endif

BENCH_DESC(tokenize, 16 * 1024, "lexer state machine over 16 KiB of C-like text", setup)
