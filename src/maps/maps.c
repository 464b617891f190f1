/* SPDX-License-Identifier: MIT */
/*
 * maps.c - map creation, the host API and every map kind except the ring
 * buffer (ringbuf.c). Design notes: docs/maps.md.
 */
#define _GNU_SOURCE
#include "maps_internal.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY_MAX 512u                 /* keys live on the BPF stack */
#define VALUE_MAX (1u << 20)         /* except 1-entry arrays (global data) */
#define LPM_DATA_MAX 256u
#define ARENA_MAX ((size_t)1 << 36)

static const char *map_name(const bpfx_map *m)
{
	return m->name ? m->name : "(unnamed map)";
}

const char *bpfx_map_type_name(uint32_t type)
{
	switch (type) {
	case BPFX_MAP_TYPE_HASH: return "hash";
	case BPFX_MAP_TYPE_ARRAY: return "array";
	case BPFX_MAP_TYPE_PROG_ARRAY: return "prog_array";
	case BPFX_MAP_TYPE_PERF_EVENT_ARRAY: return "perf_event_array";
	case BPFX_MAP_TYPE_PERCPU_HASH: return "percpu_hash";
	case BPFX_MAP_TYPE_PERCPU_ARRAY: return "percpu_array";
	case BPFX_MAP_TYPE_LRU_HASH: return "lru_hash";
	case BPFX_MAP_TYPE_LRU_PERCPU_HASH: return "lru_percpu_hash";
	case BPFX_MAP_TYPE_LPM_TRIE: return "lpm_trie";
	case BPFX_MAP_TYPE_ARRAY_OF_MAPS: return "array_of_maps";
	case BPFX_MAP_TYPE_HASH_OF_MAPS: return "hash_of_maps";
	case BPFX_MAP_TYPE_QUEUE: return "queue";
	case BPFX_MAP_TYPE_STACK: return "stack";
	case BPFX_MAP_TYPE_RINGBUF: return "ringbuf";
	case BPFX_MAP_TYPE_BLOOM_FILTER: return "bloom_filter";
	default: return NULL;
	}
}

static uint32_t host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	return n > 0 && n < 4096 ? (uint32_t)n : 1;
}

uint32_t bpfx_map_current_cpu(const bpfx_map *map)
{
	int c = sched_getcpu();
	if (!map || c < 0 || map->ncpus <= 1)
		return 0;
	return (uint32_t)c % map->ncpus;
}

static uint32_t pow2_at_least(uint64_t n)
{
	uint64_t p = 1;
	while (p < n && p < (1u << 31))
		p <<= 1;
	return (uint32_t)p;
}

/* FNV-1a over the key, then a 64-bit finaliser. */
static uint64_t key_hash(const void *key, uint32_t len, uint64_t seed)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* ------------------------------------------------------------ creation --- */

static int check_opts(const struct bpfx_diag *d, const struct bpfx_map_opts *o, const char *nm,
		      uint32_t *ncpus)
{
	uint32_t t = o->type, k = o->key_size, v = o->value_size, n = o->max_entries;
	const char *tn = bpfx_map_type_name(t);
	if (!tn)
		return bpfx_fail(d, BPFX_E_UNSUPPORTED, "map '%s': type %u is not supported by bpfx", nm, t);
	uint32_t known = BPFX_F_NO_PREALLOC | BPFX_F_NO_COMMON_LRU | BPFX_F_RDONLY_PROG | BPFX_F_INNER_MAP;
	if (o->flags & ~known)
		return bpfx_fail(d, BPFX_E_INVAL, "map '%s' (%s): unknown flags 0x%x", nm, tn, o->flags & ~known);
	if (o->map_extra && t != BPFX_MAP_TYPE_BLOOM_FILTER)
		return bpfx_fail(d, BPFX_E_INVAL, "map '%s' (%s): map_extra is only meaningful for bloom filters",
				 nm, tn);
	if (o->inner_map && t != BPFX_MAP_TYPE_ARRAY_OF_MAPS && t != BPFX_MAP_TYPE_HASH_OF_MAPS)
		return bpfx_fail(d, BPFX_E_INVAL, "map '%s' (%s): inner_map is only meaningful for maps of maps",
				 nm, tn);
	*ncpus = 1;
	if (bpfx_map_is_percpu(t) || t == BPFX_MAP_TYPE_PERF_EVENT_ARRAY)
		*ncpus = o->ncpus ? o->ncpus : host_cpus();
	if (*ncpus > 4096)
		return bpfx_fail(d, BPFX_E_RANGE, "map '%s' (%s): ncpus %u is above the limit of 4096", nm, tn, *ncpus);
	if (t == BPFX_MAP_TYPE_PERF_EVENT_ARRAY && n == 0)
		n = *ncpus;
	if (n == 0)
		return bpfx_fail(d, BPFX_E_INVAL, "map '%s' (%s): max_entries is 0", nm, tn);

#define WANT(cond, ...)                                                                      \
	do {                                                                                 \
		if (!(cond))                                                                 \
			return bpfx_fail(d, BPFX_E_INVAL, "map '%s' (%s): " __VA_ARGS__);    \
	} while (0)
	switch (t) {
	case BPFX_MAP_TYPE_ARRAY:
	case BPFX_MAP_TYPE_PERCPU_ARRAY:
		WANT(k == 4, "key_size must be 4 (a u32 index), not %u", nm, tn, k);
		WANT(v > 0, "value_size is 0", nm, tn);
		if (n > 1 || t != BPFX_MAP_TYPE_ARRAY)
			WANT(v <= VALUE_MAX, "value_size %u is above the limit of %u", nm, tn, v, VALUE_MAX);
		else
			WANT(v <= (1u << 30), "value_size %u is above the limit of %u", nm, tn, v, 1u << 30);
		break;
	case BPFX_MAP_TYPE_HASH:
	case BPFX_MAP_TYPE_PERCPU_HASH:
	case BPFX_MAP_TYPE_LRU_HASH:
	case BPFX_MAP_TYPE_LRU_PERCPU_HASH:
		WANT(k > 0, "key_size is 0", nm, tn);
		WANT(k <= KEY_MAX, "key_size %u is above the limit of %u", nm, tn, k, KEY_MAX);
		WANT(v > 0, "value_size is 0", nm, tn);
		WANT(v <= VALUE_MAX, "value_size %u is above the limit of %u", nm, tn, v, VALUE_MAX);
		break;
	case BPFX_MAP_TYPE_LPM_TRIE:
		WANT(k > 4 && k <= 4 + LPM_DATA_MAX,
		     "key_size %u must be 4 (prefixlen) + 1..%u bytes of data", nm, tn, k, LPM_DATA_MAX);
		WANT(v > 0, "value_size is 0", nm, tn);
		WANT(v <= VALUE_MAX, "value_size %u is above the limit of %u", nm, tn, v, VALUE_MAX);
		break;
	case BPFX_MAP_TYPE_PROG_ARRAY:
	case BPFX_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPFX_MAP_TYPE_ARRAY_OF_MAPS:
		WANT(k == 4, "key_size must be 4 (a u32 index), not %u", nm, tn, k);
		WANT(v == 4, "value_size must be 4, not %u", nm, tn, v);
		break;
	case BPFX_MAP_TYPE_HASH_OF_MAPS:
		WANT(k > 0 && k <= KEY_MAX, "key_size %u must be 1..%u", nm, tn, k, KEY_MAX);
		WANT(v == 4, "value_size must be 4, not %u", nm, tn, v);
		break;
	case BPFX_MAP_TYPE_QUEUE:
	case BPFX_MAP_TYPE_STACK:
	case BPFX_MAP_TYPE_BLOOM_FILTER:
		WANT(k == 0, "key_size must be 0, not %u", nm, tn, k);
		WANT(v > 0, "value_size is 0", nm, tn);
		WANT(v <= VALUE_MAX, "value_size %u is above the limit of %u", nm, tn, v, VALUE_MAX);
		if (t == BPFX_MAP_TYPE_BLOOM_FILTER)
			WANT((o->map_extra & ~0xfull) == 0,
			     "map_extra 0x%llx: only the low 4 bits (number of hashes) are defined", nm, tn,
			     (unsigned long long)o->map_extra);
		break;
	case BPFX_MAP_TYPE_RINGBUF:
		WANT(k == 0 && v == 0, "key_size and value_size must be 0 (they are %u and %u)", nm, tn, k, v);
		WANT(n >= 16 && (n & (n - 1)) == 0 && n <= (1u << 30),
		     "max_entries %u (the data size) must be a power of two in [16, 2^30]", nm, tn, n);
		break;
	default:
		break;
	}
	if (t == BPFX_MAP_TYPE_ARRAY_OF_MAPS || t == BPFX_MAP_TYPE_HASH_OF_MAPS) {
		WANT(o->inner_map != NULL, "maps of maps need an inner_map template", nm, tn);
		WANT(o->inner_map->magic == BPFX_MAP_MAGIC, "inner_map is not a bpfx map", nm, tn);
		WANT(o->inner_map->type != BPFX_MAP_TYPE_ARRAY_OF_MAPS &&
			     o->inner_map->type != BPFX_MAP_TYPE_HASH_OF_MAPS &&
			     o->inner_map->type != BPFX_MAP_TYPE_PROG_ARRAY,
		     "inner maps cannot be maps of maps or prog arrays (template is %s)", nm, tn,
		     bpfx_map_type_name(o->inner_map->type));
	}
	if (o->flags & BPFX_F_INNER_MAP)
		WANT(t != BPFX_MAP_TYPE_ARRAY_OF_MAPS && t != BPFX_MAP_TYPE_HASH_OF_MAPS,
		     "BPF_F_INNER_MAP belongs on the inner map template", nm, tn);
#undef WANT
	return 0;
}

int bpfx_map_create(const struct bpfx_map_opts *opts, bpfx_map **out)
{
	struct bpfx_map_opts o;
	struct bpfx_diag d0 = {opts ? opts->log : NULL, opts ? opts->log_user : NULL};
	if (!out)
		return BPFX_E_INVAL;
	*out = NULL;
	if (!opts)
		return bpfx_fail(&d0, BPFX_E_INVAL, "bpfx_map_create: opts is NULL");
	if (opts->sz < offsetof(struct bpfx_map_opts, max_entries) + sizeof(uint32_t))
		return bpfx_fail(&d0, BPFX_E_INVAL, "bpfx_map_opts: sz %zu is too small", opts->sz);
	int err = bpfx_opts_copy(&d0, &o, sizeof(o), opts, "bpfx_map_opts");
	if (err)
		return err;
	const char *nm = o.name ? o.name : "(unnamed map)";
	uint32_t ncpus = 1;
	if ((err = check_opts(&d0, &o, nm, &ncpus)))
		return err;

	bpfx_map *m = calloc(1, sizeof(*m));
	if (!m)
		return bpfx_fail(&d0, BPFX_E_NOMEM, "map '%s': out of memory", nm);
	m->magic = BPFX_MAP_MAGIC;
	m->type = o.type;
	m->key_size = o.key_size;
	m->value_size = o.value_size;
	m->max_entries = o.max_entries ? o.max_entries : ncpus;
	m->flags = o.flags;
	m->ncpus = ncpus;
	m->diag = d0;
	m->refs = 1;
	m->vsize = (o.type == BPFX_MAP_TYPE_HASH_OF_MAPS) ? 8 : o.value_size;
	m->stride = (m->vsize + 7u) & ~7u;
	pthread_rwlock_init(&m->rw, NULL);
	pthread_mutex_init(&m->mu, NULL);
	pthread_mutex_init(&m->cons_mu, NULL);
	if (o.name && !(m->name = strdup(o.name)))
		goto nomem;
	if (o.inner_map) {
		m->inner_type = o.inner_map->type;
		m->inner_key = o.inner_map->key_size;
		m->inner_value = o.inner_map->value_size;
		m->inner_max = o.inner_map->max_entries;
		m->inner_flags = o.inner_map->flags;
	}

	uint64_t n = m->max_entries, keys_bytes = 0, vals = 0;
	switch (m->type) {
	case BPFX_MAP_TYPE_ARRAY:
	case BPFX_MAP_TYPE_PERCPU_ARRAY:
		keys_bytes = n * 4;
		vals = n * ncpus;
		break;
	case BPFX_MAP_TYPE_HASH:
	case BPFX_MAP_TYPE_PERCPU_HASH:
	case BPFX_MAP_TYPE_LRU_HASH:
	case BPFX_MAP_TYPE_LRU_PERCPU_HASH:
	case BPFX_MAP_TYPE_HASH_OF_MAPS:
	case BPFX_MAP_TYPE_LPM_TRIE:
		keys_bytes = n * m->key_size;
		vals = n * ncpus;
		break;
	case BPFX_MAP_TYPE_QUEUE:
	case BPFX_MAP_TYPE_STACK:
		vals = n;
		break;
	case BPFX_MAP_TYPE_RINGBUF:
		m->stride = 1;
		vals = n;
		break;
	default:
		break;
	}
	keys_bytes = (keys_bytes + 7) & ~7ull;
	uint64_t vbytes;
	if (__builtin_mul_overflow(vals, (uint64_t)m->stride, &vbytes) || vbytes + keys_bytes > ARENA_MAX) {
		bpfx_fail(&d0, BPFX_E_RANGE, "map '%s': %llu entries of %u bytes (x %u CPUs) exceed the %llu-byte limit",
			  nm, (unsigned long long)n, m->stride, ncpus, (unsigned long long)ARENA_MAX);
		bpfx_map_destroy(m);
		return BPFX_E_RANGE;
	}
	if (keys_bytes + vbytes) {
		m->arena_size = keys_bytes + vbytes;
		m->arena = aligned_alloc(64, (m->arena_size + 63) & ~(size_t)63);
		if (!m->arena)
			goto nomem;
		memset(m->arena, 0, m->arena_size);
		m->keys = m->arena;
		m->values = m->arena + keys_bytes;
		m->values_size = vbytes;
	}
	if (bpfx_map_is_array(m->type))
		for (uint32_t i = 0; i < n; i++)
			memcpy(m->keys + (size_t)i * 4, &i, 4);
	if (bpfx_map_is_hash(m->type) || m->type == BPFX_MAP_TYPE_LPM_TRIE) {
		m->nbuckets = pow2_at_least(n);
		m->buckets = malloc(sizeof(uint32_t) * m->nbuckets);
		m->next = malloc(sizeof(uint32_t) * n);
		m->ebucket = calloc(n, sizeof(uint32_t));
		m->used = calloc(n, 1);
		m->ref = calloc(n, 1);
		if (!m->buckets || !m->next || !m->ebucket || !m->used || !m->ref)
			goto nomem;
		if (m->type == BPFX_MAP_TYPE_LPM_TRIE) {
			m->eplen = calloc(n, sizeof(uint16_t));
			m->plen_count = calloc((m->key_size - 4) * 8 + 1, sizeof(uint32_t));
			if (!m->eplen || !m->plen_count)
				goto nomem;
		}
		for (uint32_t i = 0; i < m->nbuckets; i++)
			m->buckets[i] = BPFX_NIL;
		for (uint32_t i = 0; i < n; i++)
			m->next[i] = i + 1 < n ? i + 1 : BPFX_NIL;
		m->free_head = 0;
	}
	if (m->type == BPFX_MAP_TYPE_PROG_ARRAY || m->type == BPFX_MAP_TYPE_ARRAY_OF_MAPS) {
		m->slots = calloc(n, sizeof(void *));
		if (!m->slots)
			goto nomem;
	}
	if (m->type == BPFX_MAP_TYPE_BLOOM_FILTER) {
		m->nhash = (uint32_t)(o.map_extra & 0xf) ? (uint32_t)(o.map_extra & 0xf) : 5;
		/* bits = entries * hashes / ln 2, rounded up to a power of two */
		uint64_t want = n * m->nhash * 10 / 7 + 1;
		uint64_t bits = 64;
		while (bits < want && bits < ((uint64_t)1 << 34))
			bits <<= 1;
		m->nbits_mask = bits - 1;
		m->bits = calloc(bits / 64, 8);
		if (!m->bits)
			goto nomem;
	}
	if (m->type == BPFX_MAP_TYPE_RINGBUF)
		m->rb_mask = n - 1;
	*out = m;
	return 0;
nomem:
	bpfx_map_destroy(m);
	return bpfx_fail(&d0, BPFX_E_NOMEM, "map '%s': out of memory", nm);
}

static void map_put(bpfx_map *m);

void bpfx_map_destroy(bpfx_map *m)
{
	if (m && m->magic == BPFX_MAP_MAGIC)
		map_put(m);
}

static void map_put(bpfx_map *m)
{
	if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (m->type == BPFX_MAP_TYPE_ARRAY_OF_MAPS && m->slots)
		for (uint32_t i = 0; i < m->max_entries; i++)
			if (m->slots[i])
				map_put(m->slots[i]);
	if (m->type == BPFX_MAP_TYPE_HASH_OF_MAPS && m->used)
		for (uint32_t i = 0; i < m->max_entries; i++)
			if (m->used[i]) {
				bpfx_map *inner;
				memcpy(&inner, m->values + (size_t)i * m->stride, sizeof(inner));
				map_put(inner);
			}
	pthread_rwlock_destroy(&m->rw);
	pthread_mutex_destroy(&m->mu);
	pthread_mutex_destroy(&m->cons_mu);
	free(m->arena);
	free(m->buckets);
	free(m->next);
	free(m->ebucket);
	free(m->eplen);
	free(m->plen_count);
	free(m->used);
	free(m->ref);
	free(m->slots);
	free(m->bits);
	free(m->name);
	m->magic = 0;
	free(m);
}

int bpfx_map_get_info(const bpfx_map *m, struct bpfx_map_info *info)
{
	if (!m || !info || m->magic != BPFX_MAP_MAGIC)
		return BPFX_E_INVAL;
	memset(info, 0, sizeof(*info));
	info->type = m->type;
	info->key_size = m->key_size;
	info->value_size = m->value_size;
	info->max_entries = m->max_entries;
	info->flags = m->flags;
	info->ncpus = m->ncpus;
	info->value_stride = m->type == BPFX_MAP_TYPE_RINGBUF ? 0 : m->stride;
	info->name = m->name;
	return 0;
}

int bpfx_map_verifier_desc(const bpfx_map *m, int32_t fd, struct bpfx_map_desc *out)
{
	if (!m || !out || m->magic != BPFX_MAP_MAGIC)
		return BPFX_E_INVAL;
	memset(out, 0, sizeof(*out));
	out->fd = fd;
	out->name = m->name;
	out->type = m->type;
	out->kind = bpfx_map_is_array(m->type) ? BPFX_MAP_KIND_ARRAY
		    : (bpfx_map_is_hash(m->type) && m->type != BPFX_MAP_TYPE_HASH_OF_MAPS) ||
				    m->type == BPFX_MAP_TYPE_LPM_TRIE
			    ? BPFX_MAP_KIND_HASH
			    : BPFX_MAP_KIND_OTHER;
	out->key_size = m->key_size;
	out->value_size = m->value_size;
	out->max_entries = m->max_entries;
	out->flags = (m->flags & BPFX_F_RDONLY_PROG) ? BPFX_MAP_RDONLY_PROG : 0;
	return 0;
}

void *bpfx_map_values(const bpfx_map *m, size_t *size)
{
	if (size)
		*size = m ? m->values_size : 0;
	return m ? m->values : NULL;
}

int bpfx_map_lddw(bpfx_map *m, enum bpfx_lddw_kind kind, uint32_t offset, struct bpfx_lddw_value *out)
{
	if (!m || !out || m->magic != BPFX_MAP_MAGIC)
		return BPFX_E_INVAL;
	memset(out, 0, sizeof(*out));
	int writable = !(m->flags & BPFX_F_RDONLY_PROG);
	switch (kind) {
	case BPFX_LDDW_MAP_FD:
	case BPFX_LDDW_MAP_IDX:
		out->value = (uint64_t)(uintptr_t)m;
		break;
	case BPFX_LDDW_MAP_VALUE_FD:
	case BPFX_LDDW_MAP_VALUE_IDX:
		if (m->type != BPFX_MAP_TYPE_ARRAY)
			return bpfx_fail(&m->diag, BPFX_E_INVAL,
					 "map '%s' (%s): direct value access (lddw map_value) needs an array map",
					 map_name(m), bpfx_map_type_name(m->type));
		if (offset >= m->value_size)
			return bpfx_fail(&m->diag, BPFX_E_RANGE,
					 "map '%s': lddw map_value offset %u is beyond the value size %u",
					 map_name(m), offset, m->value_size);
		out->value = (uint64_t)(uintptr_t)(m->values + offset);
		break;
	default:
		return bpfx_fail(&m->diag, BPFX_E_INVAL, "map '%s': lddw kind %d does not refer to a map",
				 map_name(m), (int)kind);
	}
	if (m->arena) {
		out->region = m->arena;
		out->region_size = m->arena_size;
		out->region_writable = writable;
	}
	return 0;
}

/* ---------------------------------------------------------- hash table --- */

static inline uint8_t *elem_key(const bpfx_map *m, uint32_t i)
{
	return m->keys + (size_t)i * m->key_size;
}
static inline uint8_t *elem_val(const bpfx_map *m, uint32_t i, uint32_t cpu)
{
	return m->values + ((size_t)i * m->ncpus + cpu) * m->stride;
}
static inline uint32_t bucket_of(const bpfx_map *m, const void *key)
{
	return (uint32_t)key_hash(key, m->key_size, 0) & (m->nbuckets - 1);
}

/* Under the lock (shared or exclusive). */
static uint32_t hash_find(const bpfx_map *m, const void *key, uint32_t *bucket, uint32_t *prev)
{
	uint32_t b = bucket_of(m, key), p = BPFX_NIL;
	if (bucket)
		*bucket = b;
	for (uint32_t i = m->buckets[b]; i != BPFX_NIL; p = i, i = m->next[i])
		if (memcmp(elem_key(m, i), key, m->key_size) == 0) {
			if (prev)
				*prev = p;
			return i;
		}
	return BPFX_NIL;
}

static bool is_lru(const bpfx_map *m)
{
	return m->type == BPFX_MAP_TYPE_LRU_HASH || m->type == BPFX_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Exclusive lock held. Unlinks element i from its bucket and frees it. */
static void hash_unlink(bpfx_map *m, uint32_t i)
{
	uint32_t *pp = &m->buckets[m->ebucket[i]];
	while (*pp != i && *pp != BPFX_NIL)
		pp = &m->next[*pp];
	if (*pp == i)
		*pp = m->next[i];
	if (m->plen_count)
		m->plen_count[m->eplen[i]]--;
	__atomic_store_n(&m->used[i], 0, __ATOMIC_RELEASE);
	m->next[i] = m->free_head;
	m->free_head = i;
	m->count--;
}

/* Exclusive lock held: the CLOCK approximation of least-recently-used. */
static uint32_t lru_victim(bpfx_map *m)
{
	for (uint64_t steps = 0; steps < 2ull * m->max_entries + 2; steps++) {
		uint32_t i = m->hand;
		m->hand = (m->hand + 1) % m->max_entries;
		if (!m->used[i])
			continue;
		if (__atomic_load_n(&m->ref[i], __ATOMIC_RELAXED)) {
			__atomic_store_n(&m->ref[i], 0, __ATOMIC_RELAXED);
			continue;
		}
		return i;
	}
	return BPFX_NIL;
}

static void put_inner(bpfx_map *m, const void *slot)
{
	bpfx_map *inner;
	memcpy(&inner, slot, sizeof(inner));
	if (inner)
		map_put(inner);
}

/* cpu == UINT32_MAX: value holds every CPU's value (host); else one CPU's. */
static int hash_update(bpfx_map *m, const void *key, const void *value, uint64_t flags, uint32_t cpu)
{
	pthread_rwlock_wrlock(&m->rw);
	uint32_t b, i = hash_find(m, key, &b, NULL);
	int err = 0;
	if (i != BPFX_NIL) {
		if (flags == BPFX_NOEXIST) {
			err = BPFX_E_EXIST;
			goto out;
		}
		if (m->type == BPFX_MAP_TYPE_HASH_OF_MAPS)
			put_inner(m, elem_val(m, i, 0));
	} else {
		if (flags == BPFX_EXIST) {
			err = BPFX_E_NOENT;
			goto out;
		}
		if (m->free_head == BPFX_NIL && is_lru(m)) {
			uint32_t v = lru_victim(m);
			if (v != BPFX_NIL)
				hash_unlink(m, v);
		}
		if (m->free_head == BPFX_NIL) {
			err = BPFX_E_FULL;
			goto out;
		}
		i = m->free_head;
		m->free_head = m->next[i];
		memcpy(elem_key(m, i), key, m->key_size);
		m->ebucket[i] = b;
		if (m->plen_count) {
			uint32_t plen;
			memcpy(&plen, key, 4);
			m->eplen[i] = (uint16_t)plen;
			m->plen_count[plen]++;
		}
		if (cpu != UINT32_MAX)
			memset(elem_val(m, i, 0), 0, (size_t)m->stride * m->ncpus);
		m->next[i] = m->buckets[b];
		m->buckets[b] = i;
		m->count++;
	}
	if (cpu == UINT32_MAX) {
		for (uint32_t c = 0; c < m->ncpus; c++)
			memcpy(elem_val(m, i, c), (const uint8_t *)value + (size_t)c * m->stride, m->vsize);
	} else {
		memcpy(elem_val(m, i, cpu), value, m->vsize);
	}
	__atomic_store_n(&m->ref[i], 1, __ATOMIC_RELAXED);
	__atomic_store_n(&m->used[i], 1, __ATOMIC_RELEASE);
out:
	pthread_rwlock_unlock(&m->rw);
	return err;
}

static int hash_delete(bpfx_map *m, const void *key)
{
	pthread_rwlock_wrlock(&m->rw);
	uint32_t i = hash_find(m, key, NULL, NULL);
	if (i != BPFX_NIL) {
		if (m->type == BPFX_MAP_TYPE_HASH_OF_MAPS)
			put_inner(m, elem_val(m, i, 0));
		hash_unlink(m, i);
	}
	pthread_rwlock_unlock(&m->rw);
	return i == BPFX_NIL ? BPFX_E_NOENT : 0;
}

static uint32_t hash_lookup_idx(bpfx_map *m, const void *key)
{
	pthread_rwlock_rdlock(&m->rw);
	uint32_t i = hash_find(m, key, NULL, NULL);
	if (i != BPFX_NIL && is_lru(m))
		__atomic_store_n(&m->ref[i], 1, __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&m->rw);
	return i;
}

static int hash_next_key(bpfx_map *m, const void *key, void *next)
{
	pthread_rwlock_rdlock(&m->rw);
	uint32_t b = 0, i = key ? hash_find(m, key, &b, NULL) : BPFX_NIL;
	uint32_t n = BPFX_NIL;
	if (i != BPFX_NIL) {
		n = m->next[i];
		b++;
	} else {
		b = 0;
	}
	for (; n == BPFX_NIL && b < m->nbuckets; b++)
		n = m->buckets[b];
	if (n != BPFX_NIL)
		memcpy(next, elem_key(m, n), m->key_size);
	pthread_rwlock_unlock(&m->rw);
	return n == BPFX_NIL ? BPFX_E_NOENT : 0;
}

/* ------------------------------------------------------------ LPM trie --- */

/* LPM keys are stored canonical: the bits past prefixlen cleared. Elements
 * live in the hash table under their canonical key. */
static void lpm_canon(const bpfx_map *m, const void *key, uint8_t *out)
{
	uint32_t plen, dlen = m->key_size - 4;
	memcpy(&plen, key, 4);
	memset(out, 0, m->key_size);
	memcpy(out, key, 4);
	const uint8_t *d = (const uint8_t *)key + 4;
	for (uint32_t i = 0; i < dlen && i * 8 < plen; i++) {
		uint32_t bits = plen - i * 8;
		out[4 + i] = bits >= 8 ? d[i] : (uint8_t)(d[i] & (0xff << (8 - bits)));
	}
}

static int lpm_check_key(bpfx_map *m, const void *key, uint32_t *plen)
{
	memcpy(plen, key, 4);
	if (*plen > (m->key_size - 4) * 8)
		return bpfx_fail(&m->diag, BPFX_E_INVAL, "map '%s' (lpm_trie): prefixlen %u exceeds the %u data bits",
				 map_name(m), *plen, (m->key_size - 4) * 8);
	return 0;
}

/* Longest stored prefix matching the first prefixlen bits of key: one hash
 * probe per prefix length in use, longest first. Lock held (shared). */
static uint32_t lpm_longest(const bpfx_map *m, const void *key)
{
	uint32_t plen, maxbits = (m->key_size - 4) * 8;
	memcpy(&plen, key, 4);
	if (plen > maxbits)
		plen = maxbits;
	uint8_t canon[4 + LPM_DATA_MAX];
	for (uint32_t l = plen + 1; l-- > 0;) {
		if (!m->plen_count[l])
			continue;
		uint8_t probe[4 + LPM_DATA_MAX];
		memcpy(probe, key, m->key_size);
		memcpy(probe, &l, 4);
		lpm_canon(m, probe, canon);
		uint32_t i = hash_find(m, canon, NULL, NULL);
		if (i != BPFX_NIL)
			return i;
	}
	return BPFX_NIL;
}

/* ---------------------------------------------------------- host entry --- */

static int bad(bpfx_map *m, int code, const char *what)
{
	return bpfx_fail(&m->diag, code, "map '%s' (%s): %s", map_name(m), bpfx_map_type_name(m->type), what);
}

#define MAP_OK(m) ((m) && (m)->magic == BPFX_MAP_MAGIC)

static int check_update_flags(bpfx_map *m, uint64_t flags)
{
	if (flags > BPFX_EXIST)
		return bpfx_fail(&m->diag, BPFX_E_INVAL,
				 "map '%s': update flags 0x%llx: only BPF_ANY (0), BPF_NOEXIST (1) and BPF_EXIST (2) "
				 "are supported",
				 map_name(m), (unsigned long long)flags);
	return 0;
}

static int array_index(bpfx_map *m, const void *key, uint32_t *idx)
{
	memcpy(idx, key, 4);
	return *idx < m->max_entries ? 0 : BPFX_E_NOENT;
}

void *bpfx_map_lookup_ptr(bpfx_map *m, const void *key)
{
	if (!MAP_OK(m) || (!key && m->key_size))
		return NULL;
	uint32_t idx, i;
	switch (m->type) {
	case BPFX_MAP_TYPE_ARRAY:
	case BPFX_MAP_TYPE_PERCPU_ARRAY:
		if (array_index(m, key, &idx))
			return NULL;
		return elem_val(m, idx, bpfx_map_current_cpu(m));
	case BPFX_MAP_TYPE_HASH:
	case BPFX_MAP_TYPE_PERCPU_HASH:
	case BPFX_MAP_TYPE_LRU_HASH:
	case BPFX_MAP_TYPE_LRU_PERCPU_HASH:
		i = hash_lookup_idx(m, key);
		return i == BPFX_NIL ? NULL : elem_val(m, i, bpfx_map_current_cpu(m));
	case BPFX_MAP_TYPE_HASH_OF_MAPS:
	case BPFX_MAP_TYPE_ARRAY_OF_MAPS:
		return bpfx_map_get_inner(m, key);
	case BPFX_MAP_TYPE_LPM_TRIE:
		pthread_rwlock_rdlock(&m->rw);
		i = lpm_longest(m, key);
		pthread_rwlock_unlock(&m->rw);
		return i == BPFX_NIL ? NULL : elem_val(m, i, 0);
	default:
		return NULL;
	}
}

int bpfx_map_lookup(bpfx_map *m, const void *key, void *value)
{
	if (!MAP_OK(m) || !value || (!key && m->key_size))
		return BPFX_E_INVAL;
	uint32_t idx, i;
	switch (m->type) {
	case BPFX_MAP_TYPE_ARRAY:
	case BPFX_MAP_TYPE_PERCPU_ARRAY:
		if (array_index(m, key, &idx))
			return BPFX_E_NOENT;
		for (uint32_t c = 0; c < m->ncpus; c++)
			memcpy((uint8_t *)value + (size_t)c * m->stride, elem_val(m, idx, c), m->vsize);
		return 0;
	case BPFX_MAP_TYPE_HASH:
	case BPFX_MAP_TYPE_PERCPU_HASH:
	case BPFX_MAP_TYPE_LRU_HASH:
	case BPFX_MAP_TYPE_LRU_PERCPU_HASH:
		pthread_rwlock_rdlock(&m->rw);
		i = hash_find(m, key, NULL, NULL);
		if (i != BPFX_NIL)
			for (uint32_t c = 0; c < m->ncpus; c++)
				memcpy((uint8_t *)value + (size_t)c * m->stride, elem_val(m, i, c), m->vsize);
		pthread_rwlock_unlock(&m->rw);
		return i == BPFX_NIL ? BPFX_E_NOENT : 0;
	case BPFX_MAP_TYPE_LPM_TRIE:
		pthread_rwlock_rdlock(&m->rw);
		i = lpm_longest(m, key);
		if (i != BPFX_NIL)
			memcpy(value, elem_val(m, i, 0), m->vsize);
		pthread_rwlock_unlock(&m->rw);
		return i == BPFX_NIL ? BPFX_E_NOENT : 0;
	case BPFX_MAP_TYPE_BLOOM_FILTER:
	case BPFX_MAP_TYPE_QUEUE:
	case BPFX_MAP_TYPE_STACK:
		return bpfx_map_peek(m, value);
	default:
		return bad(m, BPFX_E_UNSUPPORTED,
			   "lookup is not available; use bpfx_map_get_prog / bpfx_map_get_inner / the ring or "
			   "perf API");
	}
}

static bool inner_fits(bpfx_map *m, const bpfx_map *in)
{
	if (!MAP_OK(in))
		return bpfx_fail(&m->diag, BPFX_E_INVAL, "map '%s': the inner map is not a bpfx map", map_name(m)),
		       false;
	if (in->type != m->inner_type || in->key_size != m->inner_key || in->value_size != m->inner_value ||
	    (in->flags & ~BPFX_F_INNER_MAP) != (m->inner_flags & ~BPFX_F_INNER_MAP) ||
	    (!(m->inner_flags & BPFX_F_INNER_MAP) && in->max_entries != m->inner_max)) {
		bpfx_fail(&m->diag, BPFX_E_INVAL,
			  "map '%s': inner map '%s' (%s, key %u, value %u, max_entries %u, flags 0x%x) does not "
			  "match the template (%s, key %u, value %u, max_entries %u, flags 0x%x)",
			  map_name(m), map_name(in), bpfx_map_type_name(in->type), in->key_size, in->value_size,
			  in->max_entries, in->flags, bpfx_map_type_name(m->inner_type), m->inner_key,
			  m->inner_value, m->inner_max, m->inner_flags);
		return false;
	}
	return true;
}

int bpfx_map_update_cpu(bpfx_map *m, const void *key, const void *value, uint64_t flags, uint32_t cpu)
{
	int err;
	uint32_t idx;
	if ((err = check_update_flags(m, flags)))
		return err;
	if (m->ncpus == 1 || cpu >= m->ncpus)
		cpu = UINT32_MAX;
	switch (m->type) {
	case BPFX_MAP_TYPE_ARRAY:
	case BPFX_MAP_TYPE_PERCPU_ARRAY:
		if (array_index(m, key, &idx))
			return bpfx_fail(&m->diag, BPFX_E_RANGE, "map '%s': index %u is beyond max_entries %u",
					 map_name(m), idx, m->max_entries);
		if (flags == BPFX_NOEXIST)
			return BPFX_E_EXIST;
		if (cpu == UINT32_MAX)
			for (uint32_t c = 0; c < m->ncpus; c++)
				memcpy(elem_val(m, idx, c), (const uint8_t *)value + (size_t)c * m->stride, m->vsize);
		else
			memcpy(elem_val(m, idx, cpu), value, m->vsize);
		return 0;
	case BPFX_MAP_TYPE_HASH:
	case BPFX_MAP_TYPE_PERCPU_HASH:
	case BPFX_MAP_TYPE_LRU_HASH:
	case BPFX_MAP_TYPE_LRU_PERCPU_HASH:
		return hash_update(m, key, value, flags, cpu);
	case BPFX_MAP_TYPE_LPM_TRIE: {
		uint32_t plen;
		if ((err = lpm_check_key(m, key, &plen)))
			return err;
		uint8_t canon[4 + LPM_DATA_MAX];
		lpm_canon(m, key, canon);
		return hash_update(m, canon, value, flags, UINT32_MAX);
	}
	case BPFX_MAP_TYPE_QUEUE:
	case BPFX_MAP_TYPE_STACK:
	case BPFX_MAP_TYPE_BLOOM_FILTER:
		return bpfx_map_push(m, value, flags);
	default:
		return bad(m, BPFX_E_UNSUPPORTED,
			   "update is not available; use bpfx_map_set_prog / bpfx_map_set_inner / "
			   "bpfx_map_set_perf_handler");
	}
}

int bpfx_map_update(bpfx_map *m, const void *key, const void *value, uint64_t flags)
{
	if (!MAP_OK(m) || !value || (!key && m->key_size))
		return BPFX_E_INVAL;
	return bpfx_map_update_cpu(m, key, value, flags, UINT32_MAX);
}

int bpfx_map_lookup_percpu(bpfx_map *m, const void *key, uint32_t cpu, void *value)
{
	if (!MAP_OK(m) || !key || !value)
		return BPFX_E_INVAL;
	if (!bpfx_map_is_percpu(m->type))
		return bad(m, BPFX_E_INVAL, "bpfx_map_lookup_percpu needs a per-CPU map");
	if (cpu >= m->ncpus)
		return bpfx_fail(&m->diag, BPFX_E_RANGE, "map '%s': cpu %u, the map has %u", map_name(m), cpu,
				 m->ncpus);
	uint32_t i;
	if (m->type == BPFX_MAP_TYPE_PERCPU_ARRAY) {
		if (array_index(m, key, &i))
			return BPFX_E_NOENT;
		memcpy(value, elem_val(m, i, cpu), m->vsize);
		return 0;
	}
	pthread_rwlock_rdlock(&m->rw);
	i = hash_find(m, key, NULL, NULL);
	if (i != BPFX_NIL)
		memcpy(value, elem_val(m, i, cpu), m->vsize);
	pthread_rwlock_unlock(&m->rw);
	return i == BPFX_NIL ? BPFX_E_NOENT : 0;
}

int bpfx_map_update_percpu(bpfx_map *m, const void *key, uint32_t cpu, const void *value, uint64_t flags)
{
	if (!MAP_OK(m) || !key || !value)
		return BPFX_E_INVAL;
	if (!bpfx_map_is_percpu(m->type))
		return bad(m, BPFX_E_INVAL, "bpfx_map_update_percpu needs a per-CPU map");
	if (cpu >= m->ncpus)
		return bpfx_fail(&m->diag, BPFX_E_RANGE, "map '%s': cpu %u, the map has %u", map_name(m), cpu,
				 m->ncpus);
	int err = check_update_flags(m, flags);
	if (err)
		return err;
	if (m->type == BPFX_MAP_TYPE_PERCPU_ARRAY)
		return bpfx_map_update_cpu(m, key, value, flags, cpu);
	return hash_update(m, key, value, flags, cpu);
}

int bpfx_map_delete(bpfx_map *m, const void *key)
{
	if (!MAP_OK(m) || (!key && m->key_size))
		return BPFX_E_INVAL;
	uint32_t idx;
	switch (m->type) {
	case BPFX_MAP_TYPE_HASH:
	case BPFX_MAP_TYPE_PERCPU_HASH:
	case BPFX_MAP_TYPE_LRU_HASH:
	case BPFX_MAP_TYPE_LRU_PERCPU_HASH:
	case BPFX_MAP_TYPE_HASH_OF_MAPS:
		return hash_delete(m, key);
	case BPFX_MAP_TYPE_LPM_TRIE: {
		uint32_t plen;
		int err = lpm_check_key(m, key, &plen);
		if (err)
			return err;
		uint8_t canon[4 + LPM_DATA_MAX];
		lpm_canon(m, key, canon);
		return hash_delete(m, canon);
	}
	case BPFX_MAP_TYPE_PROG_ARRAY:
		if (array_index(m, key, &idx))
			return BPFX_E_NOENT;
		return __atomic_exchange_n(&m->slots[idx], NULL, __ATOMIC_ACQ_REL) ? 0 : BPFX_E_NOENT;
	case BPFX_MAP_TYPE_ARRAY_OF_MAPS:
		if (array_index(m, key, &idx))
			return BPFX_E_NOENT;
		return bpfx_map_set_inner(m, key, NULL);
	default:
		return bad(m, BPFX_E_INVAL, "elements cannot be deleted (arrays hold every index)");
	}
}

int bpfx_map_get_next_key(bpfx_map *m, const void *key, void *next)
{
	if (!MAP_OK(m) || !next)
		return BPFX_E_INVAL;
	uint32_t idx;
	switch (m->type) {
	case BPFX_MAP_TYPE_ARRAY:
	case BPFX_MAP_TYPE_PERCPU_ARRAY:
	case BPFX_MAP_TYPE_PROG_ARRAY:
	case BPFX_MAP_TYPE_ARRAY_OF_MAPS:
	case BPFX_MAP_TYPE_PERF_EVENT_ARRAY:
		if (!key || array_index(m, key, &idx))
			idx = 0;
		else if (idx + 1 >= m->max_entries)
			return BPFX_E_NOENT;
		else
			idx++;
		memcpy(next, &idx, 4);
		return 0;
	case BPFX_MAP_TYPE_HASH:
	case BPFX_MAP_TYPE_PERCPU_HASH:
	case BPFX_MAP_TYPE_LRU_HASH:
	case BPFX_MAP_TYPE_LRU_PERCPU_HASH:
	case BPFX_MAP_TYPE_HASH_OF_MAPS:
		return hash_next_key(m, key, next);
	case BPFX_MAP_TYPE_LPM_TRIE: {
		uint8_t canon[4 + LPM_DATA_MAX];
		uint32_t plen = 0;
		if (key)
			memcpy(&plen, key, 4);
		if (!key || plen > (m->key_size - 4) * 8)
			return hash_next_key(m, NULL, next);
		lpm_canon(m, key, canon);
		return hash_next_key(m, canon, next);
	}
	default:
		return bad(m, BPFX_E_UNSUPPORTED, "has no keys to iterate");
	}
}

bool bpfx_map_elem_at(bpfx_map *m, uint32_t i, uint32_t cpu, void **key, void **value)
{
	if (i >= m->max_entries)
		return false;
	if (bpfx_map_is_array(m->type)) {
		*key = m->keys + (size_t)i * 4;
		*value = elem_val(m, i, cpu);
		return true;
	}
	if (!m->used || !__atomic_load_n(&m->used[i], __ATOMIC_ACQUIRE))
		return false;
	*key = elem_key(m, i);
	*value = elem_val(m, i, cpu);
	return true;
}

/* ------------------------------------------------ queue, stack, bloom --- */

static uint64_t bloom_bit(const bpfx_map *m, const void *v, uint32_t k)
{
	return key_hash(v, m->value_size, 0x9e3779b97f4a7c15ull * (k + 1)) & m->nbits_mask;
}

int bpfx_map_push(bpfx_map *m, const void *value, uint64_t flags)
{
	if (!MAP_OK(m) || !value)
		return BPFX_E_INVAL;
	if (m->type == BPFX_MAP_TYPE_BLOOM_FILTER) {
		if (flags != BPFX_ANY)
			return bad(m, BPFX_E_INVAL, "bloom filter updates take only BPF_ANY");
		for (uint32_t k = 0; k < m->nhash; k++) {
			uint64_t b = bloom_bit(m, value, k);
			__atomic_fetch_or(&m->bits[b / 64], 1ull << (b % 64), __ATOMIC_RELAXED);
		}
		return 0;
	}
	if (m->type != BPFX_MAP_TYPE_QUEUE && m->type != BPFX_MAP_TYPE_STACK)
		return bad(m, BPFX_E_INVAL, "push needs a queue, stack or bloom filter");
	if (flags != BPFX_ANY && flags != BPFX_EXIST)
		return bad(m, BPFX_E_INVAL, "push takes BPF_ANY or BPF_EXIST (overwrite the oldest when full)");
	pthread_mutex_lock(&m->mu);
	int err = 0;
	if (m->qcount == m->max_entries) {
		if (flags != BPFX_EXIST) {
			err = BPFX_E_FULL;
			goto out;
		}
		/* drop the oldest: the queue's head, the stack's bottom */
		m->qhead = (m->qhead + 1) % m->max_entries;
		m->qcount--;
	}
	uint32_t slot = (m->qhead + m->qcount) % m->max_entries;
	memcpy(m->values + (size_t)slot * m->stride, value, m->vsize);
	m->qcount++;
out:
	pthread_mutex_unlock(&m->mu);
	return err;
}

static int queue_take(bpfx_map *m, void *value, bool remove)
{
	if (!MAP_OK(m) || !value)
		return BPFX_E_INVAL;
	if (m->type == BPFX_MAP_TYPE_BLOOM_FILTER) {
		if (remove)
			return bad(m, BPFX_E_UNSUPPORTED, "bloom filters cannot pop or delete");
		for (uint32_t k = 0; k < m->nhash; k++) {
			uint64_t b = bloom_bit(m, value, k);
			if (!(__atomic_load_n(&m->bits[b / 64], __ATOMIC_RELAXED) & (1ull << (b % 64))))
				return BPFX_E_NOENT;
		}
		return 0;
	}
	if (m->type != BPFX_MAP_TYPE_QUEUE && m->type != BPFX_MAP_TYPE_STACK)
		return bad(m, BPFX_E_INVAL, "pop and peek need a queue, stack or bloom filter");
	pthread_mutex_lock(&m->mu);
	int err = 0;
	if (m->qcount == 0) {
		err = BPFX_E_NOENT;
	} else {
		uint32_t slot = m->type == BPFX_MAP_TYPE_QUEUE ? m->qhead
							      : (m->qhead + m->qcount - 1) % m->max_entries;
		memcpy(value, m->values + (size_t)slot * m->stride, m->vsize);
		if (remove) {
			if (m->type == BPFX_MAP_TYPE_QUEUE)
				m->qhead = (m->qhead + 1) % m->max_entries;
			m->qcount--;
		}
	}
	pthread_mutex_unlock(&m->mu);
	return err;
}

int bpfx_map_pop(bpfx_map *m, void *value)
{
	return queue_take(m, value, true);
}

int bpfx_map_peek(bpfx_map *m, void *value)
{
	return queue_take(m, value, false);
}

int bpfx_map_lookup_and_delete(bpfx_map *m, const void *key, void *value)
{
	if (!MAP_OK(m))
		return BPFX_E_INVAL;
	if (key)
		return bad(m, BPFX_E_INVAL, "lookup_and_delete takes no key (queues and stacks only)");
	return queue_take(m, value, true);
}

/* -------------------------------------------- prog arrays, map-in-map --- */

int bpfx_map_set_prog(bpfx_map *m, uint32_t index, const bpfx_prog *prog)
{
	if (!MAP_OK(m))
		return BPFX_E_INVAL;
	if (m->type != BPFX_MAP_TYPE_PROG_ARRAY)
		return bad(m, BPFX_E_INVAL, "bpfx_map_set_prog needs a prog array");
	if (index >= m->max_entries)
		return bpfx_fail(&m->diag, BPFX_E_RANGE, "map '%s': index %u is beyond max_entries %u", map_name(m),
				 index, m->max_entries);
	__atomic_store_n(&m->slots[index], (void *)(uintptr_t)prog, __ATOMIC_RELEASE);
	return 0;
}

const bpfx_prog *bpfx_map_get_prog(bpfx_map *m, uint32_t index)
{
	if (!MAP_OK(m) || m->type != BPFX_MAP_TYPE_PROG_ARRAY || index >= m->max_entries)
		return NULL;
	return __atomic_load_n(&m->slots[index], __ATOMIC_ACQUIRE);
}

int bpfx_map_set_inner(bpfx_map *m, const void *key, bpfx_map *inner)
{
	if (!MAP_OK(m) || !key)
		return BPFX_E_INVAL;
	if (m->type != BPFX_MAP_TYPE_ARRAY_OF_MAPS && m->type != BPFX_MAP_TYPE_HASH_OF_MAPS)
		return bad(m, BPFX_E_INVAL, "bpfx_map_set_inner needs a map of maps");
	if (inner && !inner_fits(m, inner))
		return BPFX_E_INVAL;
	if (m->type == BPFX_MAP_TYPE_HASH_OF_MAPS) {
		if (!inner)
			return hash_delete(m, key);
		__atomic_add_fetch(&inner->refs, 1, __ATOMIC_ACQ_REL);
		int err = hash_update(m, key, &inner, BPFX_ANY, UINT32_MAX);
		if (err)
			map_put(inner);
		return err;
	}
	uint32_t idx;
	if (array_index(m, key, &idx))
		return bpfx_fail(&m->diag, BPFX_E_RANGE, "map '%s': index %u is beyond max_entries %u", map_name(m),
				 idx, m->max_entries);
	if (inner)
		__atomic_add_fetch(&inner->refs, 1, __ATOMIC_ACQ_REL);
	bpfx_map *old = __atomic_exchange_n((bpfx_map **)&m->slots[idx], inner, __ATOMIC_ACQ_REL);
	if (old)
		map_put(old);
	return !inner && !old ? BPFX_E_NOENT : 0;
}

bpfx_map *bpfx_map_get_inner(bpfx_map *m, const void *key)
{
	if (!MAP_OK(m) || !key)
		return NULL;
	if (m->type == BPFX_MAP_TYPE_ARRAY_OF_MAPS) {
		uint32_t idx;
		if (array_index(m, key, &idx))
			return NULL;
		return __atomic_load_n((bpfx_map **)&m->slots[idx], __ATOMIC_ACQUIRE);
	}
	if (m->type != BPFX_MAP_TYPE_HASH_OF_MAPS)
		return NULL;
	bpfx_map *inner = NULL;
	pthread_rwlock_rdlock(&m->rw);
	uint32_t i = hash_find(m, key, NULL, NULL);
	if (i != BPFX_NIL)
		memcpy(&inner, elem_val(m, i, 0), sizeof(inner));
	pthread_rwlock_unlock(&m->rw);
	return inner;
}

bool bpfx_map_holds_inner(bpfx_map *m, const bpfx_map *inner)
{
	bool found = false;
	if (m->type == BPFX_MAP_TYPE_ARRAY_OF_MAPS) {
		for (uint32_t i = 0; i < m->max_entries && !found; i++)
			found = __atomic_load_n(&m->slots[i], __ATOMIC_ACQUIRE) == inner;
	} else if (m->type == BPFX_MAP_TYPE_HASH_OF_MAPS) {
		pthread_rwlock_rdlock(&m->rw);
		for (uint32_t i = 0; i < m->max_entries && !found; i++) {
			bpfx_map *p;
			memcpy(&p, elem_val(m, i, 0), sizeof(p));
			found = m->used[i] && p == inner;
		}
		pthread_rwlock_unlock(&m->rw);
	}
	return found;
}

/* ---------------------------------------------------- perf event array --- */

int bpfx_map_set_perf_handler(bpfx_map *m, bpfx_perf_fn fn, void *user)
{
	if (!MAP_OK(m))
		return BPFX_E_INVAL;
	if (m->type != BPFX_MAP_TYPE_PERF_EVENT_ARRAY)
		return bad(m, BPFX_E_INVAL, "bpfx_map_set_perf_handler needs a perf event array");
	pthread_mutex_lock(&m->mu);
	m->perf_fn = fn;
	m->perf_user = user;
	pthread_mutex_unlock(&m->mu);
	return 0;
}

#define BPFX_F_INDEX_MASK 0xffffffffull
#define BPFX_F_CURRENT_CPU 0xffffffffull

int bpfx_perf_event_output(bpfx_map *m, uint64_t flags, const void *data, uint64_t size)
{
	if (!MAP_OK(m) || (!data && size))
		return BPFX_E_INVAL;
	if (m->type != BPFX_MAP_TYPE_PERF_EVENT_ARRAY)
		return bad(m, BPFX_E_INVAL, "perf_event_output needs a perf event array");
	if (flags & ~BPFX_F_INDEX_MASK)
		return bpfx_fail(&m->diag, BPFX_E_INVAL, "map '%s': perf_event_output flags 0x%llx: unknown bits",
				 map_name(m), (unsigned long long)flags);
	uint64_t idx = flags & BPFX_F_INDEX_MASK;
	if (idx == BPFX_F_CURRENT_CPU)
		idx = bpfx_map_current_cpu(m) % m->max_entries;
	if (idx >= m->max_entries)
		return BPFX_E_RANGE;
	pthread_mutex_lock(&m->mu);
	int err = BPFX_E_NOENT;
	if (m->perf_fn) {
		m->perf_fn(m->perf_user, (uint32_t)idx, data, size);
		err = 0;
	}
	pthread_mutex_unlock(&m->mu);
	return err;
}
