/* SPDX-License-Identifier: MIT */
/* test_maps_concurrency.c - several threads on the same maps at once; the
 * tests check invariants (sums, counts, orders) that a race would break. */
#include <bpfx/bpfx.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define THREADS 4
#define ITERS 20000
#define STABLE 64      /* keys never deleted */
#define CHURN 64       /* keys deleted and re-inserted all the time */

static bpfx_map *mk(enum bpfx_map_type t, uint32_t k, uint32_t v, uint32_t n)
{
	struct bpfx_map_opts o = {.sz = sizeof(o), .type = t, .key_size = k, .value_size = v, .max_entries = n};
	bpfx_map *m = NULL;
	return bpfx_map_create(&o, &m) ? NULL : m;
}

struct hctx {
	bpfx_map *h, *a;
	int id;
	uint64_t adds[STABLE];
	int bad;
	volatile int *stop;
};

static void *hash_worker(void *arg)
{
	struct hctx *c = arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(c->id + 1);
	for (int i = 0; i < ITERS; i++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		uint64_t k = seed % STABLE;
		uint64_t *p = bpfx_map_lookup_ptr(c->h, &k);
		if (!p) {
			c->bad++;
			continue;
		}
		__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
		c->adds[k]++;
		uint32_t ak = (uint32_t)(seed % 16);
		uint64_t *q = bpfx_map_lookup_ptr(c->a, &ak);
		__atomic_fetch_add(q, 1, __ATOMIC_RELAXED);
		/* churn keys: insert, look up, delete */
		uint64_t ck = 1000 + (seed >> 20) % CHURN, v = ck;
		int e = bpfx_map_update(c->h, &ck, &v, BPFX_ANY);
		if (e != 0 && e != BPFX_E_FULL)
			c->bad++;
		uint64_t out;
		e = bpfx_map_lookup(c->h, &ck, &out);
		if (e == 0 && out != ck)
			c->bad++; /* a churn key's value is always the key */
		e = bpfx_map_delete(c->h, &ck);
		if (e != 0 && e != BPFX_E_NOENT)
			c->bad++;
	}
	return NULL;
}

struct ictx {
	bpfx_map *h;
	volatile int *stop;
	int bad, passes;
};

static void *iterator(void *arg)
{
	struct ictx *c = arg;
	while (!__atomic_load_n(c->stop, __ATOMIC_ACQUIRE)) {
		uint64_t k, next;
		int stable_seen = 0, n = 0;
		int e = bpfx_map_get_next_key(c->h, NULL, &next);
		while (!e && n < 100000) {
			if (next < STABLE)
				stable_seen++;
			else if (next < 1000 || next >= 1000 + CHURN)
				c->bad++;
			k = next;
			n++;
			e = bpfx_map_get_next_key(c->h, &k, &next);
		}
		/* a deleted current key restarts the walk, so at least STABLE */
		if (stable_seen < STABLE)
			c->bad++;
		c->passes++;
	}
	return NULL;
}

static void test_hash_array(void)
{
	bpfx_map *h = mk(BPFX_MAP_TYPE_HASH, 8, 8, STABLE + CHURN);
	bpfx_map *a = mk(BPFX_MAP_TYPE_ARRAY, 4, 8, 16);
	CHECK(h && a);
	if (!h || !a)
		return;
	for (uint64_t k = 0; k < STABLE; k++) {
		uint64_t z = 0;
		CHECK(bpfx_map_update(h, &k, &z, BPFX_NOEXIST) == 0);
	}
	volatile int stop = 0;
	static struct hctx w[THREADS];
	pthread_t t[THREADS], it;
	struct ictx ic = {.h = h, .stop = &stop};
	pthread_create(&it, NULL, iterator, &ic);
	for (int i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].h = h;
		w[i].a = a;
		w[i].id = i;
		pthread_create(&t[i], NULL, hash_worker, &w[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(it, NULL);
	int bad = ic.bad, sums_ok = 1;
	for (uint64_t k = 0; k < STABLE; k++) {
		uint64_t want = 0, got = ~0ull;
		for (int i = 0; i < THREADS; i++)
			want += w[i].adds[k];
		bpfx_map_lookup(h, &k, &got);
		sums_ok &= got == want;
	}
	for (int i = 0; i < THREADS; i++)
		bad += w[i].bad;
	uint64_t asum = 0;
	for (uint32_t k = 0; k < 16; k++) {
		uint64_t v;
		bpfx_map_lookup(a, &k, &v);
		asum += v;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK(sums_ok);
	CHECK_EQ_U64(asum, (uint64_t)THREADS * ITERS);
	CHECK(ic.passes > 0);
	bpfx_map_destroy(h);
	bpfx_map_destroy(a);
}

/* ring buffer: THREADS producers, one consumer; every record arrives once
 * and each producer's records arrive in order. */
struct rctx {
	bpfx_map *r;
	int id;
	int full;
};

static void *rb_producer(void *arg)
{
	struct rctx *c = arg;
	for (uint32_t i = 0; i < ITERS;) {
		uint32_t *p = bpfx_ringbuf_reserve(c->r, 8 + (i % 3) * 8);
		if (!p) {
			c->full++;
			sched_yield();
			continue;
		}
		p[0] = (uint32_t)c->id;
		p[1] = i;
		if (i % 5 == 4) {
			bpfx_ringbuf_discard(c->r, p);
		} else {
			bpfx_ringbuf_submit(c->r, p);
		}
		i++;
	}
	return NULL;
}

struct rseen {
	uint32_t next[THREADS];
	uint64_t count;
	int bad;
};

static int rb_cb(void *ctx, void *data, size_t size)
{
	struct rseen *s = ctx;
	uint32_t *p = data;
	if (p[0] >= THREADS || size < 8) {
		s->bad++;
		return 0;
	}
	/* records i % 5 == 4 were discarded */
	uint32_t want = s->next[p[0]];
	if (want % 5 == 4)
		want++;
	if (p[1] != want)
		s->bad++;
	s->next[p[0]] = p[1] + 1;
	s->count++;
	return 0;
}

static void test_ringbuf(void)
{
	bpfx_map *r = mk(BPFX_MAP_TYPE_RINGBUF, 0, 0, 4096);
	CHECK(r != NULL);
	if (!r)
		return;
	pthread_t t[THREADS];
	struct rctx c[THREADS];
	for (int i = 0; i < THREADS; i++) {
		c[i] = (struct rctx){.r = r, .id = i};
		pthread_create(&t[i], NULL, rb_producer, &c[i]);
	}
	struct rseen s;
	memset(&s, 0, sizeof(s));
	uint64_t want = (uint64_t)THREADS * (ITERS - ITERS / 5);
	while (s.count < want && !s.bad) {
		if (bpfx_ringbuf_consume(r, rb_cb, &s) == 0)
			sched_yield();
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	bpfx_ringbuf_consume(r, rb_cb, &s);
	CHECK_EQ_U64(s.bad, 0);
	CHECK_EQ_U64(s.count, want);
	CHECK_EQ_U64(bpfx_ringbuf_query(r, 0), 0);
	bpfx_map_destroy(r);
}

/* queue: producers push 1..N, consumers pop; totals match. */
struct qctx {
	bpfx_map *q;
	uint64_t sum;
	uint64_t n;
	volatile int *done;
};

static void *q_producer(void *arg)
{
	struct qctx *c = arg;
	for (uint64_t i = 1; i <= ITERS;) {
		if (bpfx_map_push(c->q, &i, 0) == 0) {
			c->sum += i;
			i++;
		} else {
			sched_yield();
		}
	}
	return NULL;
}

static void *q_consumer(void *arg)
{
	struct qctx *c = arg;
	for (;;) {
		uint64_t v;
		if (bpfx_map_pop(c->q, &v) == 0) {
			c->sum += v;
			c->n++;
		} else if (__atomic_load_n(c->done, __ATOMIC_ACQUIRE)) {
			if (bpfx_map_pop(c->q, &v) != 0)
				break;
			c->sum += v;
			c->n++;
		} else {
			sched_yield();
		}
	}
	return NULL;
}

static void test_queue(void)
{
	bpfx_map *q = mk(BPFX_MAP_TYPE_QUEUE, 0, 8, 64);
	CHECK(q != NULL);
	if (!q)
		return;
	volatile int done = 0;
	pthread_t p[2], c[2];
	struct qctx pc[2], cc[2];
	for (int i = 0; i < 2; i++) {
		pc[i] = (struct qctx){.q = q, .done = &done};
		cc[i] = (struct qctx){.q = q, .done = &done};
		pthread_create(&p[i], NULL, q_producer, &pc[i]);
		pthread_create(&c[i], NULL, q_consumer, &cc[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(p[i], NULL);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(c[i], NULL);
	CHECK_EQ_U64(cc[0].n + cc[1].n, 2 * ITERS);
	CHECK_EQ_U64(cc[0].sum + cc[1].sum, pc[0].sum + pc[1].sum);
	bpfx_map_destroy(q);
}

/* LRU hash under pressure: never more than max_entries keys, and values
 * always match their keys. */
struct lctx {
	bpfx_map *m;
	int id, bad;
};

static void *lru_worker(void *arg)
{
	struct lctx *c = arg;
	uint32_t seed = 2463534242u * (uint32_t)(c->id + 1);
	for (int i = 0; i < ITERS; i++) {
		seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5;
		uint32_t k = seed % 1000, v = k * 3, out;
		if (bpfx_map_update(c->m, &k, &v, 0) != 0)
			c->bad++;
		/* (no check through lookup_ptr: an evicted slot may already
		 * hold another key, as in Linux's preallocated LRU maps) */
		(void)bpfx_map_lookup_ptr(c->m, &k);
		if (bpfx_map_lookup(c->m, &k, &out) == 0 && out != k * 3)
			c->bad++;
	}
	return NULL;
}

static void test_lru(void)
{
	bpfx_map *m = mk(BPFX_MAP_TYPE_LRU_HASH, 4, 4, 100);
	CHECK(m != NULL);
	if (!m)
		return;
	pthread_t t[THREADS];
	struct lctx c[THREADS];
	for (int i = 0; i < THREADS; i++) {
		c[i] = (struct lctx){.m = m, .id = i};
		pthread_create(&t[i], NULL, lru_worker, &c[i]);
	}
	int bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		bad += c[i].bad;
	}
	CHECK_EQ_U64(bad, 0);
	int n = 0;
	uint32_t k, next;
	for (int e = bpfx_map_get_next_key(m, NULL, &next); !e; e = bpfx_map_get_next_key(m, &k, &next)) {
		k = next;
		n++;
	}
	CHECK_EQ_U64(n, 100);
	bpfx_map_destroy(m);
}

/* Programs on several threads at once, through the standard helpers: an
 * atomic add through a hash lookup pointer, a spin-locked plain increment
 * in an array value, a ring buffer record per run; the host iterates and
 * consumes meanwhile. */
static bpfx_map *pmaps[3];
static int presolve(void *user, const struct bpfx_lddw_ref *ref, struct bpfx_lddw_value *out)
{
	(void)user;
	if (ref->imm < 0 || ref->imm >= 3)
		return BPFX_E_NOENT;
	return bpfx_map_lddw(pmaps[ref->imm], ref->kind, (uint32_t)ref->next_imm, out);
}

static const char *prog_src =
	"r6 = r1\n"
	"*(u32 *)(r10 - 4) = r6\n"
	"r1 = map_idx[0x0] ll\n r2 = r10\n r2 += -4\n call 1\n"
	"if r0 == 0 goto fail\n r1 = 1\n lock *(u64 *)(r0 + 0) += r1\n"
	"r1 = map_value_idx[0x1]+0x0 ll\n call 93\n"
	"r1 = map_value_idx[0x1]+0x8 ll\n r2 = *(u64 *)(r1 + 0)\n r2 += 1\n *(u64 *)(r1 + 0) = r2\n"
	"r1 = map_value_idx[0x1]+0x0 ll\n call 94\n"
	"*(u64 *)(r10 - 16) = r6\n"
	"r1 = map_idx[0x2] ll\n r2 = r10\n r2 += -16\n r3 = 8\n r4 = 0\n call 130\n"
	"r0 = 0\n exit\n"
	"fail:\n r0 = 1\n exit\n";

struct pctx {
	const bpfx_prog *p;
	enum bpfx_engine engine;
	int id, bad, ringfull;
};

#define PRUNS 5000
static void *prog_worker(void *arg)
{
	struct pctx *c = arg;
	for (int i = 0; i < PRUNS; i++) {
		/* r1 = the key (a "context" pointer-sized scalar is fine here) */
		struct bpfx_run_opts ro = {.sz = sizeof(ro), .engine = c->engine,
					   .ctx = (void *)(uintptr_t)((i + c->id) % 8), .ctx_len = 0};
		struct bpfx_run_result res;
		if (bpfx_prog_run(c->p, &ro, &res) || res.r0 != 0)
			c->bad++;
	}
	return NULL;
}

static int count_cb(void *ctx, void *data, size_t size)
{
	uint64_t *n = ctx, v;
	memcpy(&v, data, 8);
	n[0]++;
	n[1] += (size != 8 || v >= 8);
	return 0;
}

static void test_programs(void)
{
	pmaps[0] = mk(BPFX_MAP_TYPE_HASH, 4, 8, 8);
	pmaps[1] = mk(BPFX_MAP_TYPE_ARRAY, 4, 16, 1);
	pmaps[2] = mk(BPFX_MAP_TYPE_RINGBUF, 0, 0, 1u << 20);
	for (uint32_t k = 0; k < 8; k++) {
		uint64_t z = 0;
		bpfx_map_update(pmaps[0], &k, &z, 0);
	}
	bpfx_vm *vm = NULL;
	CHECK(bpfx_vm_create(NULL, &vm) == 0 && bpfx_helpers_register_std(vm, NULL) == 0);
	struct bpfx_insn *insns = NULL;
	size_t n = 0;
	CHECK(bpfx_asm(prog_src, strlen(prog_src), NULL, &insns, &n, NULL) == 0);
	struct bpfx_load_opts lo = {.sz = sizeof(lo), .flags = BPFX_LOAD_TRUSTED, .resolve = presolve};
	bpfx_prog *p = NULL;
	CHECK(bpfx_prog_load(vm, insns, n, &lo, &p) == 0);
	bpfx_free(insns);
	if (!p) {
		bpfx_vm_destroy(vm);
		return;
	}
	pthread_t t[THREADS];
	struct pctx c[THREADS];
	for (int i = 0; i < THREADS; i++) {
		/* half on the checked engine (ctx is a small integer and never dereferenced) */
		c[i] = (struct pctx){.p = p, .engine = i % 2 ? BPFX_ENGINE_CHECKED : BPFX_ENGINE_INTERP, .id = i};
		pthread_create(&t[i], NULL, prog_worker, &c[i]);
	}
	uint64_t rec[2] = {0, 0};
	int iter_bad = 0;
	for (int spin = 0; spin < 200; spin++) {
		bpfx_ringbuf_consume(pmaps[2], count_cb, rec);
		uint32_t k, next, seen = 0;
		for (int e = bpfx_map_get_next_key(pmaps[0], NULL, &next); !e;
		     e = bpfx_map_get_next_key(pmaps[0], &k, &next)) {
			k = next;
			seen++;
		}
		iter_bad += seen != 8;
		sched_yield();
	}
	int bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		bad += c[i].bad;
	}
	bpfx_ringbuf_consume(pmaps[2], count_cb, rec);
	uint64_t sum = 0;
	for (uint32_t k = 0; k < 8; k++) {
		uint64_t v = 0;
		bpfx_map_lookup(pmaps[0], &k, &v);
		sum += v;
	}
	uint64_t lockval[2] = {1, 0};
	uint32_t zero = 0;
	bpfx_map_lookup(pmaps[1], &zero, lockval);
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(iter_bad, 0);
	CHECK_EQ_U64(sum, (uint64_t)THREADS * PRUNS);
	CHECK_EQ_U64(lockval[0], 0);                      /* unlocked */
	CHECK_EQ_U64(lockval[1], (uint64_t)THREADS * PRUNS); /* no lost increment */
	CHECK_EQ_U64(rec[0], (uint64_t)THREADS * PRUNS);
	CHECK_EQ_U64(rec[1], 0);
	bpfx_prog_destroy(p);
	bpfx_vm_destroy(vm);
	for (int i = 0; i < 3; i++)
		bpfx_map_destroy(pmaps[i]);
}

int main(void)
{
	test_hash_array();
	test_ringbuf();
	test_queue();
	test_lru();
	test_programs();
	return check_summary("test_maps_concurrency");
}
