/* SPDX-License-Identifier: MIT */
/* check.h - the tiny assertion kit of bpfx's C unit tests.
 *
 *   CHECK(cond)              records a pass or a failure (with file:line)
 *   CHECK_EQ_U64(a, b)       compares and prints both values on failure
 *   CHECK_STR_CONTAINS(s, t) substring check
 *   return check_summary("name");   prints "N passed, M failed", exit code
 */
#ifndef BPFX_TEST_CHECK_H
#define BPFX_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                                               \
	do {                                                                                      \
		if (cond)                                                                         \
			check_passed++;                                                           \
		else {                                                                            \
			check_failed++;                                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
		}                                                                                 \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                        \
	do {                                                                                      \
		uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                      \
		if (check_a_ == check_b_)                                                         \
			check_passed++;                                                           \
		else {                                                                            \
			check_failed++;                                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (0x%" PRIx64 " != 0x%" PRIx64 ")\n", \
				__FILE__, __LINE__, #a, #b, check_a_, check_b_);                  \
		}                                                                                 \
	} while (0)

#define CHECK_STR_CONTAINS(s, t)                                                                  \
	do {                                                                                      \
		const char *check_s_ = (s), *check_t_ = (t);                                      \
		if (check_s_ && strstr(check_s_, check_t_))                                       \
			check_passed++;                                                           \
		else {                                                                            \
			check_failed++;                                                           \
			fprintf(stderr, "%s:%d: CHECK failed: \"%s\" does not contain \"%s\"\n",  \
				__FILE__, __LINE__, check_s_ ? check_s_ : "(null)", check_t_);    \
		}                                                                                 \
	} while (0)

/* Iteration count for randomized or exhaustive loops: `n` normally, n/50
 * (at least 1) when BPFX_TEST_QUICK is set, as the valgrind phase of
 * scripts/test.sh does, where everything runs ~30x slower. */
static inline long check_scale(long n)
{
	const char *q = getenv("BPFX_TEST_QUICK");
	if (q && *q && *q != '0')
		return n / 50 > 0 ? n / 50 : 1;
	return n;
}

static inline int check_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
