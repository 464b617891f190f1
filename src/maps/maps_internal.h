/* SPDX-License-Identifier: MIT */
/*
 * maps_internal.h - the map structure, shared by the map code and the
 * standard helpers (src/helpers).
 */
#ifndef BPFX_MAPS_INTERNAL_H
#define BPFX_MAPS_INTERNAL_H

#include <bpfx/maps.h>
#include <pthread.h>
#include <stdbool.h>

#include "../common/diag.h"

#define BPFX_MAP_MAGIC 0x70616d78u  /* "xmap" */
#define BPFX_NIL UINT32_MAX

struct bpfx_map {
	uint32_t magic;
	enum bpfx_map_type type;
	uint32_t key_size, value_size, max_entries, flags;
	uint32_t ncpus;               /* value slots per element */
	uint32_t vsize;               /* stored value bytes (8 for maps of maps) */
	uint32_t stride;              /* vsize rounded up to 8 */
	char *name;
	struct bpfx_diag diag;
	int refs;                     /* atomic: host + outer maps holding it */

	/* The arena: keys (nkeys * key_size, rounded to 8), then values. Both
	 * stay at the same address for the map's life; checked runs may access
	 * the whole arena (it holds no bookkeeping). */
	uint8_t *arena;
	size_t arena_size;
	uint8_t *keys;
	uint8_t *values;
	size_t values_size;

	/* hash maps and the LPM trie (rwlock: lookups shared, changes exclusive) */
	pthread_rwlock_t rw;
	uint32_t nbuckets;            /* power of two */
	uint32_t *buckets;            /* first element index or BPFX_NIL */
	uint32_t *next;               /* chain link, or free-list link */
	uint32_t *ebucket;            /* bucket of each element (keys in the arena may be
	                               * overwritten by a checked program: never rehash them) */
	uint8_t *used;                /* atomic 0/1 per element */
	uint8_t *ref;                 /* LRU: referenced since the clock hand passed */
	uint16_t *eplen;              /* LPM: prefix length of each element */
	uint32_t *plen_count;         /* LPM: elements per prefix length (0..data bits) */
	uint32_t free_head, count, hand;

	/* array of maps / prog array: atomic pointers */
	void **slots;

	/* queue / stack / ring buffer / perf handler */
	pthread_mutex_t mu;
	uint32_t qhead, qcount;

	/* bloom filter */
	uint64_t *bits;
	uint64_t nbits_mask;
	uint32_t nhash;

	/* ring buffer: positions grow forever; offset = pos & rb_mask */
	uint64_t rb_mask;
	uint64_t cons_pos, prod_pos;  /* atomic */
	pthread_mutex_t cons_mu;

	/* perf event array */
	bpfx_perf_fn perf_fn;
	void *perf_user;

	/* maps of maps: what inner maps must look like */
	enum bpfx_map_type inner_type;
	uint32_t inner_key, inner_value, inner_max, inner_flags;
};

/* Ring buffer record header flags (in the 32-bit length word). */
#define BPFX_RB_BUSY 0x80000000u
#define BPFX_RB_DISCARD 0x40000000u
#define BPFX_RB_LEN_MASK 0x3fffffffu

static inline bool bpfx_map_is_percpu(enum bpfx_map_type t)
{
	return t == BPFX_MAP_TYPE_PERCPU_ARRAY || t == BPFX_MAP_TYPE_PERCPU_HASH ||
	       t == BPFX_MAP_TYPE_LRU_PERCPU_HASH;
}
static inline bool bpfx_map_is_hash(enum bpfx_map_type t)
{
	return t == BPFX_MAP_TYPE_HASH || t == BPFX_MAP_TYPE_PERCPU_HASH || t == BPFX_MAP_TYPE_LRU_HASH ||
	       t == BPFX_MAP_TYPE_LRU_PERCPU_HASH || t == BPFX_MAP_TYPE_HASH_OF_MAPS;
}
static inline bool bpfx_map_is_array(enum bpfx_map_type t)
{
	return t == BPFX_MAP_TYPE_ARRAY || t == BPFX_MAP_TYPE_PERCPU_ARRAY;
}

/* Update on behalf of a program: for per-CPU maps only `cpu`'s value is
 * written (a new element gets zeroes on the other CPUs), as in Linux. */
int bpfx_map_update_cpu(bpfx_map *map, const void *key, const void *value, uint64_t flags, uint32_t cpu);
/* The value pointer a program gets for element `i` (for_each_map_elem):
 * used-flag check and pointers; returns false for a free element. */
bool bpfx_map_elem_at(bpfx_map *map, uint32_t i, uint32_t cpu, void **key, void **value);
/* 1 if data is a reserved, not yet committed ring buffer record of m. */
int bpfx_ringbuf_is_record(bpfx_map *m, void *data);
/* True if `inner` is currently stored in the map-of-maps `outer`. */
bool bpfx_map_holds_inner(bpfx_map *outer, const bpfx_map *inner);

#endif
