/* SPDX-License-Identifier: MIT */
/* test_maps.c - every map kind through the host API: semantics, flags,
 * iteration, limits and error messages. */
#include <bpfx/bpfx.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static char last_log[512];
static void logger(void *user, enum bpfx_log_level lvl, const char *msg)
{
	(void)user;
	(void)lvl;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

static bpfx_map *mk(enum bpfx_map_type t, uint32_t k, uint32_t v, uint32_t n, uint32_t flags)
{
	struct bpfx_map_opts o = {.sz = sizeof(o), .type = t, .key_size = k, .value_size = v,
				  .max_entries = n, .flags = flags, .name = "m", .ncpus = 4,
				  .log = logger};
	bpfx_map *m = NULL;
	int err = bpfx_map_create(&o, &m);
	if (err) {
		fprintf(stderr, "create type %d failed: %s (%s)\n", t, bpfx_status_name(err), last_log);
		return NULL;
	}
	return m;
}

static int create_err(enum bpfx_map_type t, uint32_t k, uint32_t v, uint32_t n, uint32_t flags)
{
	struct bpfx_map_opts o = {.sz = sizeof(o), .type = t, .key_size = k, .value_size = v,
				  .max_entries = n, .flags = flags, .name = "bad", .log = logger};
	bpfx_map *m = NULL;
	last_log[0] = 0;
	int err = bpfx_map_create(&o, &m);
	if (!err)
		bpfx_map_destroy(m);
	return err;
}

static void test_create_errors(void)
{
	CHECK(create_err(BPFX_MAP_TYPE_HASH, 0, 8, 4, 0) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(last_log, "key_size is 0");
	CHECK(create_err(BPFX_MAP_TYPE_HASH, 4, 0, 4, 0) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(last_log, "value_size is 0");
	CHECK(create_err(BPFX_MAP_TYPE_HASH, 4, 8, 0, 0) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(last_log, "max_entries is 0");
	CHECK(create_err(BPFX_MAP_TYPE_HASH, 4, 2u << 20, 4, 0) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(last_log, "above the limit");
	CHECK(create_err(BPFX_MAP_TYPE_HASH, 1000, 8, 4, 0) == BPFX_E_INVAL);
	CHECK(create_err(BPFX_MAP_TYPE_ARRAY, 8, 8, 4, 0) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(last_log, "key_size must be 4");
	CHECK(create_err(BPFX_MAP_TYPE_QUEUE, 4, 8, 4, 0) == BPFX_E_INVAL);
	CHECK(create_err(BPFX_MAP_TYPE_RINGBUF, 0, 0, 1000, 0) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(last_log, "power of two");
	CHECK(create_err(BPFX_MAP_TYPE_LPM_TRIE, 4, 8, 4, BPFX_F_NO_PREALLOC) == BPFX_E_INVAL);
	CHECK(create_err((enum bpfx_map_type)7, 4, 8, 4, 0) == BPFX_E_UNSUPPORTED);
	CHECK_STR_CONTAINS(last_log, "type 7");
	CHECK(create_err(BPFX_MAP_TYPE_HASH, 4, 8, 4, 0x20) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(last_log, "unknown flags 0x20");
	CHECK(create_err(BPFX_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(last_log, "inner_map template");
	CHECK(create_err(BPFX_MAP_TYPE_ARRAY, 4, 1u << 30, 1u << 20, 0) != 0);
	/* accepted: no-prealloc hash, a large 1-entry data array */
	CHECK(create_err(BPFX_MAP_TYPE_HASH, 4, 8, 4, BPFX_F_NO_PREALLOC) == 0);
	CHECK(create_err(BPFX_MAP_TYPE_ARRAY, 4, 4u << 20, 1, BPFX_F_RDONLY_PROG) == 0);
	bpfx_map *m = NULL;
	CHECK(bpfx_map_create(NULL, &m) == BPFX_E_INVAL);
	CHECK(bpfx_map_type_name(BPFX_MAP_TYPE_LRU_HASH) && !strcmp(bpfx_map_type_name(BPFX_MAP_TYPE_LRU_HASH), "lru_hash"));
}

static void test_array(void)
{
	bpfx_map *m = mk(BPFX_MAP_TYPE_ARRAY, 4, 12, 5, 0);
	CHECK(m != NULL);
	if (!m)
		return;
	struct bpfx_map_info info;
	CHECK(bpfx_map_get_info(m, &info) == 0);
	CHECK_EQ_U64(info.value_stride, 16);
	CHECK_EQ_U64(info.ncpus, 1);
	uint32_t k = 2;
	uint8_t v[12], out[12];
	memset(v, 0xab, sizeof(v));
	CHECK(bpfx_map_lookup(m, &k, out) == 0);
	CHECK(out[0] == 0 && out[11] == 0); /* zero-initialised */
	CHECK(bpfx_map_update(m, &k, v, BPFX_NOEXIST) == BPFX_E_EXIST);
	CHECK(bpfx_map_update(m, &k, v, BPFX_EXIST) == 0);
	CHECK(bpfx_map_lookup(m, &k, out) == 0 && !memcmp(out, v, 12));
	void *p = bpfx_map_lookup_ptr(m, &k);
	CHECK(p != NULL && ((uintptr_t)p % 8) == 0 && !memcmp(p, v, 12));
	size_t vs;
	uint8_t *base = bpfx_map_values(m, &vs);
	CHECK(p == base + 2 * 16 && vs == 5 * 16);
	k = 5;
	CHECK(bpfx_map_lookup(m, &k, out) == BPFX_E_NOENT);
	CHECK(bpfx_map_lookup_ptr(m, &k) == NULL);
	CHECK(bpfx_map_update(m, &k, v, 0) == BPFX_E_RANGE);
	CHECK(bpfx_map_update(m, &k, v, 7) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(last_log, "update flags 0x7");
	CHECK(bpfx_map_delete(m, &k) == BPFX_E_INVAL);
	/* iteration: 0..4 then NOENT; a missing key restarts */
	uint32_t cur, next, seen = 0;
	int err = bpfx_map_get_next_key(m, NULL, &next);
	while (!err) {
		CHECK_EQ_U64(next, seen);
		seen++;
		cur = next;
		err = bpfx_map_get_next_key(m, &cur, &next);
	}
	CHECK(err == BPFX_E_NOENT && seen == 5);
	cur = 99;
	CHECK(bpfx_map_get_next_key(m, &cur, &next) == 0 && next == 0);
	/* lddw: map and value references */
	struct bpfx_lddw_value lv;
	CHECK(bpfx_map_lddw(m, BPFX_LDDW_MAP_IDX, 0, &lv) == 0);
	CHECK(lv.value == (uint64_t)(uintptr_t)m && lv.region && lv.region_writable);
	CHECK(bpfx_map_lddw(m, BPFX_LDDW_MAP_VALUE_IDX, 4, &lv) == 0);
	CHECK(lv.value == (uint64_t)(uintptr_t)(base + 4));
	CHECK(bpfx_map_lddw(m, BPFX_LDDW_MAP_VALUE_IDX, 12, &lv) == BPFX_E_RANGE);
	bpfx_map_destroy(m);

	m = mk(BPFX_MAP_TYPE_ARRAY, 4, 8, 1, BPFX_F_RDONLY_PROG);
	CHECK(m && bpfx_map_lddw(m, BPFX_LDDW_MAP_VALUE_FD, 0, &lv) == 0 && !lv.region_writable);
	bpfx_map_destroy(m);
	m = mk(BPFX_MAP_TYPE_HASH, 4, 8, 1, 0);
	CHECK(m && bpfx_map_lddw(m, BPFX_LDDW_MAP_VALUE_IDX, 0, &lv) == BPFX_E_INVAL);
	bpfx_map_destroy(m);
}

static void test_percpu(void)
{
	bpfx_map *a = mk(BPFX_MAP_TYPE_PERCPU_ARRAY, 4, 4, 3, 0);
	bpfx_map *h = mk(BPFX_MAP_TYPE_PERCPU_HASH, 8, 4, 3, 0);
	CHECK(a && h);
	if (!a || !h)
		return;
	struct bpfx_map_info info;
	bpfx_map_get_info(a, &info);
	CHECK_EQ_U64(info.ncpus, 4);
	CHECK(bpfx_map_current_cpu(a) < 4);
	uint64_t all[4] = {10, 11, 12, 13}, out[4] = {0}; /* stride 8 per CPU */
	uint32_t k = 1, one;
	CHECK(bpfx_map_update(a, &k, all, 0) == 0);
	CHECK(bpfx_map_lookup(a, &k, out) == 0);
	CHECK(out[0] == 10 && out[3] == 13);
	CHECK(bpfx_map_lookup_percpu(a, &k, 2, &one) == 0 && one == 12);
	one = 99;
	CHECK(bpfx_map_update_percpu(a, &k, 3, &one, 0) == 0);
	CHECK(bpfx_map_lookup_percpu(a, &k, 3, &one) == 0 && one == 99);
	CHECK(bpfx_map_lookup_percpu(a, &k, 4, &one) == BPFX_E_RANGE);
	uint32_t *p = bpfx_map_lookup_ptr(a, &k);
	CHECK(p && *p == (uint32_t)(10 + bpfx_map_current_cpu(a)) + (bpfx_map_current_cpu(a) == 3 ? 86 : 0));

	uint64_t hk = 7;
	one = 5;
	CHECK(bpfx_map_update_percpu(h, &hk, 1, &one, BPFX_NOEXIST) == 0);
	memset(out, 0xff, sizeof(out));
	CHECK(bpfx_map_lookup(h, &hk, out) == 0);
	CHECK((uint32_t)out[0] == 0 && (uint32_t)out[1] == 5 && (uint32_t)out[2] == 0);
	CHECK(bpfx_map_update_percpu(h, &hk, 1, &one, BPFX_NOEXIST) == BPFX_E_EXIST);
	CHECK(bpfx_map_lookup_percpu(h, &hk, 1, &one) == 0 && one == 5);
	CHECK(bpfx_map_lookup_percpu(a, &k, 0, NULL) == BPFX_E_INVAL);
	bpfx_map *plain = mk(BPFX_MAP_TYPE_HASH, 8, 4, 3, 0);
	CHECK(bpfx_map_lookup_percpu(plain, &hk, 0, &one) == BPFX_E_INVAL);
	bpfx_map_destroy(plain);
	bpfx_map_destroy(a);
	bpfx_map_destroy(h);
}

static void test_hash(void)
{
	enum { N = 100 };
	bpfx_map *m = mk(BPFX_MAP_TYPE_HASH, 8, 8, N, 0);
	CHECK(m != NULL);
	if (!m)
		return;
	for (uint64_t i = 0; i < N; i++) {
		uint64_t k = i * 1000003, v = i;
		CHECK(bpfx_map_update(m, &k, &v, BPFX_EXIST) == (i == 0 ? BPFX_E_NOENT : BPFX_E_NOENT));
		CHECK(bpfx_map_update(m, &k, &v, BPFX_NOEXIST) == 0);
	}
	uint64_t k = 12345, v = 1;
	CHECK(bpfx_map_update(m, &k, &v, 0) == BPFX_E_FULL);
	k = 5 * 1000003;
	CHECK(bpfx_map_update(m, &k, &v, BPFX_NOEXIST) == BPFX_E_EXIST);
	v = 555;
	CHECK(bpfx_map_update(m, &k, &v, BPFX_EXIST) == 0);
	CHECK(bpfx_map_lookup(m, &k, &v) == 0 && v == 555);
	uint64_t *p = bpfx_map_lookup_ptr(m, &k);
	CHECK(p && *p == 555);
	/* iteration sees every key exactly once */
	static uint8_t seen[N];
	memset(seen, 0, sizeof(seen));
	uint64_t cur, next;
	int err = bpfx_map_get_next_key(m, NULL, &next), count = 0;
	while (!err) {
		CHECK(next % 1000003 == 0 && next / 1000003 < N);
		seen[next / 1000003]++;
		count++;
		cur = next;
		err = bpfx_map_get_next_key(m, &cur, &next);
	}
	CHECK(err == BPFX_E_NOENT && count == N);
	int all_once = 1;
	for (int i = 0; i < N; i++)
		all_once &= seen[i] == 1;
	CHECK(all_once);
	/* delete frees room; deleted keys are gone */
	CHECK(bpfx_map_delete(m, &k) == 0);
	CHECK(bpfx_map_delete(m, &k) == BPFX_E_NOENT);
	CHECK(bpfx_map_lookup(m, &k, &v) == BPFX_E_NOENT);
	k = 12345;
	CHECK(bpfx_map_update(m, &k, &v, 0) == 0);
	/* pointer stays inside the map's memory after the delete */
	size_t vs;
	uint8_t *base = bpfx_map_values(m, &vs);
	CHECK((uint8_t *)p >= base && (uint8_t *)p < base + vs);
	/* delete everything through iteration */
	while (bpfx_map_get_next_key(m, NULL, &next) == 0)
		CHECK(bpfx_map_delete(m, &next) == 0);
	CHECK(bpfx_map_lookup(m, &k, &v) == BPFX_E_NOENT);
	bpfx_map_destroy(m);
}

static void test_lru(void)
{
	bpfx_map *m = mk(BPFX_MAP_TYPE_LRU_HASH, 4, 4, 4, 0);
	CHECK(m != NULL);
	if (!m)
		return;
	for (uint32_t k = 1; k <= 4; k++)
		CHECK(bpfx_map_update(m, &k, &k, 0) == 0);
	uint32_t k = 5, v;
	CHECK(bpfx_map_update(m, &k, &k, 0) == 0); /* evicts the oldest: 1 */
	k = 1;
	CHECK(bpfx_map_lookup(m, &k, &v) == BPFX_E_NOENT);
	k = 2;
	CHECK(bpfx_map_lookup_ptr(m, &k) != NULL); /* 2 is now recently used */
	k = 6;
	CHECK(bpfx_map_update(m, &k, &k, 0) == 0); /* evicts 3, not 2 */
	k = 2;
	CHECK(bpfx_map_lookup(m, &k, &v) == 0 && v == 2);
	k = 3;
	CHECK(bpfx_map_lookup(m, &k, &v) == BPFX_E_NOENT);
	int n = 0;
	uint32_t next;
	for (int e = bpfx_map_get_next_key(m, NULL, &next); !e; e = bpfx_map_get_next_key(m, &k, &next), n++)
		k = next;
	CHECK_EQ_U64(n, 4);
	bpfx_map_destroy(m);

	m = mk(BPFX_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 2, 0);
	CHECK(m != NULL);
	uint64_t vals[4] = {1, 2, 3, 4};
	for (uint32_t i = 0; i < 10; i++)
		CHECK(bpfx_map_update(m, &i, vals, 0) == 0);
	bpfx_map_destroy(m);
}

static void test_lpm(void)
{
	struct {
		uint32_t plen;
		uint8_t a[4];
	} key;
	bpfx_map *m = mk(BPFX_MAP_TYPE_LPM_TRIE, 8, 8, 8, BPFX_F_NO_PREALLOC);
	CHECK(m != NULL);
	if (!m)
		return;
#define SETK(p, x, y, z, w) (key.plen = (p), key.a[0] = (x), key.a[1] = (y), key.a[2] = (z), key.a[3] = (w))
	uint64_t v;
	SETK(8, 10, 0, 0, 0);
	v = 8;
	CHECK(bpfx_map_update(m, &key, &v, 0) == 0);
	SETK(16, 10, 1, 99, 99); /* bits past the prefix do not matter */
	v = 16;
	CHECK(bpfx_map_update(m, &key, &v, 0) == 0);
	SETK(24, 10, 1, 2, 0);
	v = 24;
	CHECK(bpfx_map_update(m, &key, &v, 0) == 0);
	SETK(0, 0, 0, 0, 0);
	v = 0;
	CHECK(bpfx_map_update(m, &key, &v, 0) == 0);
	SETK(12, 192, 160, 0, 0); /* 192.160/12 = 1100 0000 1010 */
	v = 12;
	CHECK(bpfx_map_update(m, &key, &v, 0) == 0);

	SETK(32, 10, 1, 2, 3);
	CHECK(bpfx_map_lookup(m, &key, &v) == 0 && v == 24);
	SETK(32, 10, 1, 3, 3);
	CHECK(bpfx_map_lookup(m, &key, &v) == 0 && v == 16);
	SETK(32, 10, 2, 3, 3);
	CHECK(bpfx_map_lookup(m, &key, &v) == 0 && v == 8);
	SETK(32, 11, 2, 3, 3);
	CHECK(bpfx_map_lookup(m, &key, &v) == 0 && v == 0);
	SETK(32, 192, 175, 1, 1); /* 1010 1111: first 4 bits 1010 match */
	CHECK(bpfx_map_lookup(m, &key, &v) == 0 && v == 12);
	SETK(32, 192, 176, 1, 1); /* 1011 0000 does not */
	CHECK(bpfx_map_lookup(m, &key, &v) == 0 && v == 0);
	SETK(20, 10, 1, 2, 3); /* a lookup prefixlen shorter than /24 */
	CHECK(bpfx_map_lookup(m, &key, &v) == 0 && v == 16);
	SETK(16, 10, 1, 0, 0);
	CHECK(bpfx_map_update(m, &key, &v, BPFX_NOEXIST) == BPFX_E_EXIST);
	CHECK(bpfx_map_delete(m, &key) == 0);
	SETK(32, 10, 1, 3, 3);
	CHECK(bpfx_map_lookup(m, &key, &v) == 0 && v == 8);
	SETK(33, 10, 1, 3, 3);
	CHECK(bpfx_map_update(m, &key, &v, 0) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(last_log, "prefixlen 33");
	SETK(0, 0, 0, 0, 0);
	CHECK(bpfx_map_delete(m, &key) == 0);
	SETK(32, 11, 2, 3, 3);
	CHECK(bpfx_map_lookup(m, &key, &v) == BPFX_E_NOENT);
	int n = 0;
	for (int e = bpfx_map_get_next_key(m, NULL, &key); !e; e = bpfx_map_get_next_key(m, &key, &key))
		n++;
	CHECK_EQ_U64(n, 3);
	bpfx_map_destroy(m);
#undef SETK
}

/* Random prefixes against a brute-force longest-prefix reference. */
static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13, rnd_state ^= rnd_state >> 17, rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void test_lpm_random(void)
{
	enum { N = 300 };
	struct lk {
		uint32_t plen;
		uint8_t a[4];
	};
	static struct lk ref[N];
	static uint64_t refv[N];
	static int live[N];
	bpfx_map *m = mk(BPFX_MAP_TYPE_LPM_TRIE, 8, 8, N, 0);
	CHECK(m != NULL);
	if (!m)
		return;
	for (int i = 0; i < N; i++) {
		uint32_t addr = rnd() & 0xffff0f0fu; /* clustered, so prefixes nest */
		ref[i].plen = rnd() % 33;
		uint32_t mask = ref[i].plen ? ~0u << (32 - ref[i].plen) : 0;
		addr &= mask;
		for (int b = 0; b < 4; b++)
			ref[i].a[b] = (uint8_t)(addr >> (24 - 8 * b));
		refv[i] = (uint64_t)i + 1;
		live[i] = 1;
		for (int j = 0; j < i; j++) /* a duplicate prefix replaces the older one */
			if (live[j] && ref[j].plen == ref[i].plen && !memcmp(ref[j].a, ref[i].a, 4))
				live[j] = 0;
		CHECK(bpfx_map_update(m, &ref[i], &refv[i], BPFX_ANY) == 0);
	}
	int mismatches = 0;
	for (int round = 0; round < 2; round++) {
		for (int q = 0; q < 3000; q++) {
			struct lk key = {.plen = 32};
			uint32_t addr = rnd() & 0xffff0f0fu;
			if (q % 3 == 0) {
				key.plen = rnd() % 33;
			} else {
				/* inside a stored prefix, random below it */
				const struct lk *r = &ref[rnd() % N];
				uint32_t ra = (uint32_t)r->a[0] << 24 | r->a[1] << 16 | r->a[2] << 8 | r->a[3];
				uint32_t mask = r->plen ? ~0u << (32 - r->plen) : 0;
				addr = ra | (addr & ~mask);
			}
			for (int b = 0; b < 4; b++)
				key.a[b] = (uint8_t)(addr >> (24 - 8 * b));
			int best = -1;
			for (int j = 0; j < N; j++) {
				if (!live[j] || ref[j].plen > key.plen)
					continue;
				uint32_t ra = (uint32_t)ref[j].a[0] << 24 | ref[j].a[1] << 16 | ref[j].a[2] << 8 | ref[j].a[3];
				uint32_t mask = ref[j].plen ? ~0u << (32 - ref[j].plen) : 0;
				if ((addr & mask) == ra && (best < 0 || ref[j].plen > ref[best].plen))
					best = j;
			}
			uint64_t v = 0;
			int e = bpfx_map_lookup(m, &key, &v);
			if (best < 0 ? e != BPFX_E_NOENT : (e != 0 || v != refv[best]))
				mismatches++;
		}
		/* delete half, then query again */
		for (int j = 0; j < N; j += 2)
			if (live[j]) {
				CHECK(bpfx_map_delete(m, &ref[j]) == 0);
				live[j] = 0;
			}
	}
	CHECK_EQ_U64(mismatches, 0);
	bpfx_map_destroy(m);
}

static void test_queue_stack_bloom(void)
{
	bpfx_map *q = mk(BPFX_MAP_TYPE_QUEUE, 0, 4, 3, 0);
	bpfx_map *s = mk(BPFX_MAP_TYPE_STACK, 0, 4, 3, 0);
	CHECK(q && s);
	if (!q || !s)
		return;
	for (uint32_t i = 1; i <= 3; i++) {
		CHECK(bpfx_map_push(q, &i, 0) == 0);
		CHECK(bpfx_map_update(s, NULL, &i, 0) == 0);
	}
	uint32_t x = 4, v;
	CHECK(bpfx_map_push(q, &x, 0) == BPFX_E_FULL);
	CHECK(bpfx_map_push(q, &x, BPFX_EXIST) == 0); /* drops 1 */
	CHECK(bpfx_map_push(s, &x, BPFX_EXIST) == 0); /* drops the bottom (1) */
	CHECK(bpfx_map_push(q, &x, BPFX_NOEXIST) == BPFX_E_INVAL);
	CHECK(bpfx_map_peek(q, &v) == 0 && v == 2);
	uint32_t qo[3], so[3];
	for (int i = 0; i < 3; i++) {
		CHECK(bpfx_map_pop(q, &qo[i]) == 0);
		CHECK(bpfx_map_lookup_and_delete(s, NULL, &so[i]) == 0);
	}
	CHECK(qo[0] == 2 && qo[1] == 3 && qo[2] == 4);
	CHECK(so[0] == 4 && so[1] == 3 && so[2] == 2);
	CHECK(bpfx_map_pop(q, &v) == BPFX_E_NOENT);
	CHECK(bpfx_map_peek(s, &v) == BPFX_E_NOENT);
	CHECK(bpfx_map_lookup_and_delete(s, &v, &v) == BPFX_E_INVAL);
	/* wrap around many times */
	int ok = 1;
	for (uint32_t i = 0; i < 100; i++) {
		bpfx_map_push(q, &i, 0);
		ok &= bpfx_map_pop(q, &v) == 0 && v == i;
	}
	CHECK(ok);
	bpfx_map_destroy(q);
	bpfx_map_destroy(s);

	struct bpfx_map_opts o = {.sz = sizeof(o), .type = BPFX_MAP_TYPE_BLOOM_FILTER, .value_size = 8,
				  .max_entries = 1000, .map_extra = 3, .log = logger};
	bpfx_map *b = NULL;
	CHECK(bpfx_map_create(&o, &b) == 0);
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t val = i * 7919;
		CHECK(bpfx_map_push(b, &val, 0) == 0);
	}
	int fn = 0, fp = 0;
	for (uint64_t i = 0; i < 1000; i++) {
		uint64_t val = i * 7919;
		fn += bpfx_map_peek(b, &val) != 0;
		val = i * 7919 + 1;
		fp += bpfx_map_peek(b, &val) == 0;
	}
	CHECK_EQ_U64(fn, 0);   /* no false negatives */
	CHECK(fp < 200);       /* and few false positives */
	uint64_t val = 0;
	CHECK(bpfx_map_pop(b, &val) == BPFX_E_UNSUPPORTED);
	CHECK(bpfx_map_push(b, &val, BPFX_EXIST) == BPFX_E_INVAL);
	bpfx_map_destroy(b);
}

struct rb_seen {
	int n;
	uint32_t vals[64];
	size_t sizes[64];
	int stop_after;
};
static int rb_cb(void *ctx, void *data, size_t size)
{
	struct rb_seen *s = ctx;
	uint32_t v = 0;
	memcpy(&v, data, size < 4 ? size : 4);
	if (s->n < 64) {
		s->vals[s->n] = v;
		s->sizes[s->n] = size;
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static void test_ringbuf(void)
{
	bpfx_map *r = mk(BPFX_MAP_TYPE_RINGBUF, 0, 0, 64, 0);
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_EQ_U64(bpfx_ringbuf_query(r, 1), 64);
	uint32_t *a = bpfx_ringbuf_reserve(r, 4);
	uint32_t *b = bpfx_ringbuf_reserve(r, 12);
	CHECK(a && b && ((uintptr_t)a % 8) == 0);
	*a = 1;
	*b = 2;
	struct rb_seen s = {0};
	CHECK(bpfx_ringbuf_consume(r, rb_cb, &s) == 0); /* a is busy */
	bpfx_ringbuf_submit(r, b);
	CHECK(bpfx_ringbuf_consume(r, rb_cb, &s) == 0); /* still blocked behind a */
	bpfx_ringbuf_discard(r, a);
	CHECK(bpfx_ringbuf_consume(r, rb_cb, &s) == 1);
	CHECK(s.n == 1 && s.vals[0] == 2 && s.sizes[0] == 12);
	CHECK_EQ_U64(bpfx_ringbuf_query(r, 0), 0);
	CHECK_EQ_U64(bpfx_ringbuf_query(r, 2), 40); /* 16 + 24 bytes consumed */
	/* 40 of 64 used: a 20-byte record (32 with header) must wrap to 0 */
	uint32_t big[5] = {3, 0, 0, 0, 0};
	CHECK(bpfx_ringbuf_output(r, big, 20) == 0);
	CHECK_EQ_U64(bpfx_ringbuf_query(r, 3), 40 + 24 + 32);
	CHECK(bpfx_ringbuf_output(r, big, 40) == BPFX_E_FULL);
	CHECK(bpfx_ringbuf_output(r, big, 60) == BPFX_E_RANGE);
	CHECK(bpfx_ringbuf_reserve(r, 0) == NULL);
	memset(&s, 0, sizeof(s));
	CHECK(bpfx_ringbuf_consume(r, rb_cb, &s) == 1);
	CHECK(s.vals[0] == 3 && s.sizes[0] == 20);
	/* many records around the ring, stopping early once */
	int ok = 1, total = 0;
	for (uint32_t i = 0; i < 200; i++) {
		ok &= bpfx_ringbuf_output(r, &i, 4) == 0;
		ok &= bpfx_ringbuf_output(r, &i, 4) == 0;
		memset(&s, 0, sizeof(s));
		s.stop_after = i % 3 == 0 ? 1 : 0;
		total += bpfx_ringbuf_consume(r, rb_cb, &s);
		if (s.stop_after)
			total += bpfx_ringbuf_consume(r, rb_cb, &s);
		ok &= s.vals[0] == i;
	}
	CHECK(ok);
	CHECK_EQ_U64(total, 400);
	CHECK_EQ_U64(bpfx_ringbuf_query(r, 0), 0);
	/* a bad pointer is ignored, not trusted */
	uint32_t junk[4] = {0};
	bpfx_ringbuf_submit(r, &junk[2]);
	CHECK(bpfx_ringbuf_consume(NULL, rb_cb, &s) == BPFX_E_INVAL);
	bpfx_map_destroy(r);
}

static void perf_cb(void *user, uint32_t cpu, const void *data, size_t size)
{
	uint64_t *acc = user;
	uint32_t v;
	memcpy(&v, data, 4);
	acc[0] += v;
	acc[1] = cpu;
	acc[2] += size;
}

static void test_perf_prog_inner(void)
{
	bpfx_map *p = mk(BPFX_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 0, 0);
	CHECK(p != NULL);
	uint32_t v = 5;
	CHECK(bpfx_perf_event_output(p, 0xffffffffull, &v, 4) == BPFX_E_NOENT);
	uint64_t acc[3] = {0};
	CHECK(bpfx_map_set_perf_handler(p, perf_cb, acc) == 0);
	CHECK(bpfx_perf_event_output(p, 2, &v, 4) == 0);
	CHECK(acc[0] == 5 && acc[1] == 2 && acc[2] == 4);
	CHECK(bpfx_perf_event_output(p, 4, &v, 4) == BPFX_E_RANGE);
	CHECK(bpfx_perf_event_output(p, 1ull << 40, &v, 4) == BPFX_E_INVAL);
	bpfx_map_destroy(p);

	bpfx_map *pa = mk(BPFX_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	const bpfx_prog *fake = (const bpfx_prog *)&v;
	CHECK(bpfx_map_set_prog(pa, 1, fake) == 0);
	CHECK(bpfx_map_get_prog(pa, 1) == fake && bpfx_map_get_prog(pa, 0) == NULL);
	CHECK(bpfx_map_set_prog(pa, 4, fake) == BPFX_E_RANGE);
	uint32_t k = 1;
	CHECK(bpfx_map_delete(pa, &k) == 0 && bpfx_map_get_prog(pa, 1) == NULL);
	CHECK(bpfx_map_lookup(pa, &k, &v) == BPFX_E_UNSUPPORTED);
	bpfx_map_destroy(pa);

	bpfx_map *tmpl = mk(BPFX_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	struct bpfx_map_opts o = {.sz = sizeof(o), .type = BPFX_MAP_TYPE_HASH_OF_MAPS, .key_size = 4,
				  .value_size = 4, .max_entries = 4, .inner_map = tmpl, .log = logger};
	bpfx_map *hom = NULL, *aom = NULL;
	CHECK(bpfx_map_create(&o, &hom) == 0);
	o.type = BPFX_MAP_TYPE_ARRAY_OF_MAPS;
	CHECK(bpfx_map_create(&o, &aom) == 0);
	bpfx_map_destroy(tmpl);
	bpfx_map *in1 = mk(BPFX_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	bpfx_map *wrong = mk(BPFX_MAP_TYPE_ARRAY, 4, 8, 5, 0);
	k = 3;
	CHECK(bpfx_map_set_inner(hom, &k, wrong) == BPFX_E_INVAL);
	CHECK_STR_CONTAINS(last_log, "does not match the template");
	CHECK(bpfx_map_set_inner(hom, &k, in1) == 0);
	CHECK(bpfx_map_set_inner(aom, &k, in1) == 0);
	CHECK(bpfx_map_get_inner(hom, &k) == in1 && bpfx_map_get_inner(aom, &k) == in1);
	CHECK(bpfx_map_lookup_ptr(hom, &k) == in1);
	/* the outer maps keep in1 alive after the host drops it */
	bpfx_map_destroy(in1);
	uint64_t val = 77;
	uint32_t ik = 0;
	CHECK(bpfx_map_update(bpfx_map_get_inner(aom, &k), &ik, &val, 0) == 0);
	CHECK(bpfx_map_delete(aom, &k) == 0);
	CHECK(bpfx_map_get_inner(aom, &k) == NULL);
	CHECK(bpfx_map_lookup(bpfx_map_get_inner(hom, &k), &ik, &val) == 0 && val == 77);
	k = 9;
	CHECK(bpfx_map_set_inner(aom, &k, wrong) != 0);
	bpfx_map_destroy(wrong);
	bpfx_map_destroy(aom);
	bpfx_map_destroy(hom); /* frees in1 */
}

/* A checked program may write anywhere in a map's arena (keys, values,
 * ring data): the map must stay memory-safe. */
static void test_corruption(void)
{
	bpfx_map *h = mk(BPFX_MAP_TYPE_LRU_HASH, 8, 8, 4, 0);
	uint64_t k, v = 1;
	for (k = 0; k < 4; k++)
		CHECK(bpfx_map_update(h, &k, &v, 0) == 0);
	struct bpfx_lddw_value lv;
	CHECK(bpfx_map_lddw(h, BPFX_LDDW_MAP_IDX, 0, &lv) == 0);
	memset(lv.region, 0x5a, lv.region_size); /* every key and value */
	for (k = 10; k < 30; k++) /* evictions unlink elements with garbage keys */
		CHECK(bpfx_map_update(h, &k, &v, 0) == 0);
	k = 29;
	CHECK(bpfx_map_lookup(h, &k, &v) == 0);
	bpfx_map_destroy(h);

	bpfx_map *r = mk(BPFX_MAP_TYPE_RINGBUF, 0, 0, 64, 0);
	uint32_t *p = bpfx_ringbuf_reserve(r, 8);
	p[-2] = 1000; /* a length reaching past the area, not busy */
	last_log[0] = 0;
	CHECK(bpfx_ringbuf_consume(r, rb_cb, &(struct rb_seen){0}) == BPFX_E_RANGE);
	CHECK_STR_CONTAINS(last_log, "corrupt record header");
	bpfx_map_destroy(r);
}

int main(void)
{
	test_create_errors();
	test_array();
	test_percpu();
	test_hash();
	test_lru();
	test_lpm();
	test_lpm_random();
	test_queue_stack_bloom();
	test_ringbuf();
	test_perf_prog_inner();
	test_corruption();
	return check_summary("test_maps");
}
