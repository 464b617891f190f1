/* SPDX-License-Identifier: MIT */
/*
 * bpfx/maps.h - BPF maps at run time: the host creates them, programs reach
 * them through lddw (the load-time resolver) and the standard helpers
 * (bpfx/helpers.h), and the host reads and writes them concurrently.
 *
 * Map types, flags and semantics follow Linux (BPF_MAP_TYPE_*, BPF_ANY /
 * BPF_NOEXIST / BPF_EXIST, ...); docs/maps.md lists the differences.
 *
 * How a program sees a map: the 64-bit value of `lddw rX, map` is the
 * `struct bpfx_map *` itself (bpfx_map_lddw fills a resolver's answer). For
 * global data (a 1-entry array), `lddw rX, map_value + off` is the address
 * of the value plus off; array values never move while the map lives.
 *
 * Threads: every function here may be called from any thread while programs
 * run on other threads (docs/maps.md, "Concurrency"). A map must outlive the
 * programs and runs that refer to it.
 */
#ifndef BPFX_MAPS_H
#define BPFX_MAPS_H

#include <bpfx/common.h>
#include <bpfx/vm.h>
#include <bpfx/verifier.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bpfx_map bpfx_map;

/* Linux's map type numbers. */
enum bpfx_map_type {
	BPFX_MAP_TYPE_UNSPEC = 0,
	BPFX_MAP_TYPE_HASH = 1,
	BPFX_MAP_TYPE_ARRAY = 2,
	BPFX_MAP_TYPE_PROG_ARRAY = 3,
	BPFX_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	BPFX_MAP_TYPE_PERCPU_HASH = 5,
	BPFX_MAP_TYPE_PERCPU_ARRAY = 6,
	BPFX_MAP_TYPE_LRU_HASH = 9,
	BPFX_MAP_TYPE_LRU_PERCPU_HASH = 10,
	BPFX_MAP_TYPE_LPM_TRIE = 11,
	BPFX_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPFX_MAP_TYPE_HASH_OF_MAPS = 13,
	BPFX_MAP_TYPE_QUEUE = 22,
	BPFX_MAP_TYPE_STACK = 23,
	BPFX_MAP_TYPE_RINGBUF = 27,
	BPFX_MAP_TYPE_BLOOM_FILTER = 30,
};

/* Creation flags (Linux's BPF_F_* values). Others are refused. */
#define BPFX_F_NO_PREALLOC 0x1u    /* accepted; bpfx always preallocates */
#define BPFX_F_NO_COMMON_LRU 0x2u  /* accepted; LRU maps have one list */
#define BPFX_F_RDONLY_PROG 0x80u   /* programs may only read values (.rodata) */
#define BPFX_F_INNER_MAP 0x1000u   /* inner maps may differ in max_entries */

/* Update flags (BPF_ANY, BPF_NOEXIST, BPF_EXIST). */
#define BPFX_ANY 0u
#define BPFX_NOEXIST 1u
#define BPFX_EXIST 2u

/* Header bytes before each ring buffer record (records are 8-byte aligned). */
#define BPFX_RINGBUF_HDR_SIZE 8u

struct bpfx_map_opts {
	size_t sz;                   /* sizeof(struct bpfx_map_opts) */
	enum bpfx_map_type type;
	uint32_t key_size, value_size, max_entries;
	uint32_t flags;              /* BPFX_F_* */
	uint64_t map_extra;          /* bloom filter: number of hash functions (low 4 bits; 0 = 5) */
	/* ARRAY_OF_MAPS / HASH_OF_MAPS: every inner map must match this map's
	 * type, key and value sizes, flags and (without BPFX_F_INNER_MAP in its
	 * flags) max_entries. Only read during the call. */
	const bpfx_map *inner_map;
	const char *name;            /* for messages; copied */
	/* Per-CPU maps and perf event arrays: number of "CPUs" (slots per key);
	 * 0 = the host's configured CPU count. See bpfx_map_current_cpu. */
	uint32_t ncpus;
	bpfx_log_fn log;             /* why a call on this map failed */
	void *log_user;
};

BPFX_API int bpfx_map_create(const struct bpfx_map_opts *opts, bpfx_map **out);
/* Drops the host's reference; the map is freed once no outer map holds it. */
BPFX_API void bpfx_map_destroy(bpfx_map *map);

struct bpfx_map_info {
	enum bpfx_map_type type;
	uint32_t key_size, value_size, max_entries, flags;
	uint32_t ncpus;              /* slots per key of per-CPU maps (1 otherwise) */
	uint32_t value_stride;       /* bytes between values (value_size rounded up to 8) */
	const char *name;
};
BPFX_API int bpfx_map_get_info(const bpfx_map *map, struct bpfx_map_info *info);
/* "hash", "array", ... or NULL for a number bpfx does not support. */
BPFX_API const char *bpfx_map_type_name(uint32_t type);

/*
 * Host access. For per-CPU maps, lookup copies, and update writes, the
 * values of every CPU: value_stride * ncpus bytes (as Linux's syscall does).
 * Errors: BPFX_E_NOENT (no such key), BPFX_E_EXIST (BPFX_NOEXIST and the key
 * exists), BPFX_E_FULL (no room), BPFX_E_INVAL (bad flags or key, logged),
 * BPFX_E_UNSUPPORTED (operation meaningless for the type, logged).
 */
BPFX_API int bpfx_map_lookup(bpfx_map *map, const void *key, void *value);
BPFX_API int bpfx_map_update(bpfx_map *map, const void *key, const void *value, uint64_t flags);
BPFX_API int bpfx_map_delete(bpfx_map *map, const void *key);
/* Key after `key` (the first one if key is NULL or not in the map); BPFX_E_NOENT
 * after the last. Without concurrent changes every key comes exactly once;
 * with them, keys present for the whole walk still come at least once (a
 * deleted current key restarts the walk, as in Linux). */
BPFX_API int bpfx_map_get_next_key(bpfx_map *map, const void *key, void *next_key);
/* Queue / stack: pop (key must be NULL). */
BPFX_API int bpfx_map_lookup_and_delete(bpfx_map *map, const void *key, void *value);

/* The address a program gets from map_lookup_elem: the value (this CPU's for
 * per-CPU maps; the inner map itself for maps of maps) or NULL. It stays valid while the map lives; after a delete
 * the slot may be reused for another key (as in Linux's preallocated maps). */
BPFX_API void *bpfx_map_lookup_ptr(bpfx_map *map, const void *key);
/* Per-CPU maps: one CPU's value. */
BPFX_API int bpfx_map_lookup_percpu(bpfx_map *map, const void *key, uint32_t cpu, void *value);
BPFX_API int bpfx_map_update_percpu(bpfx_map *map, const void *key, uint32_t cpu, const void *value,
				    uint64_t flags);
/* The "CPU" of the calling thread: the OS CPU it runs on (sched_getcpu)
 * modulo the map's ncpus; 0 when unknown. */
BPFX_API uint32_t bpfx_map_current_cpu(const bpfx_map *map);

/* Queue, stack, bloom filter (push: flags BPFX_ANY or BPFX_EXIST = overwrite
 * the oldest when full; bloom: peek is 0 if maybe present, NOENT if not). */
BPFX_API int bpfx_map_push(bpfx_map *map, const void *value, uint64_t flags);
BPFX_API int bpfx_map_pop(bpfx_map *map, void *value);
BPFX_API int bpfx_map_peek(bpfx_map *map, void *value);

/* Prog arrays (prog NULL clears the slot; the host keeps programs alive). */
BPFX_API int bpfx_map_set_prog(bpfx_map *map, uint32_t index, const bpfx_prog *prog);
BPFX_API const bpfx_prog *bpfx_map_get_prog(bpfx_map *map, uint32_t index);
/* Maps of maps (inner NULL deletes; the outer map holds a reference). */
BPFX_API int bpfx_map_set_inner(bpfx_map *map, const void *key, bpfx_map *inner);
BPFX_API bpfx_map *bpfx_map_get_inner(bpfx_map *map, const void *key);

/* Ring buffers. */
typedef int (*bpfx_ringbuf_fn)(void *ctx, void *data, size_t size);
/* Hands every submitted record, in order, to fn (discarded ones are
 * skipped) until the ring is empty, a busy (reserved, not yet submitted)
 * record is reached, or fn returns non-zero. Returns the number of records
 * handed over, or a negative error. One consumer at a time (serialised). */
BPFX_API int bpfx_ringbuf_consume(bpfx_map *map, bpfx_ringbuf_fn fn, void *ctx);
BPFX_API void *bpfx_ringbuf_reserve(bpfx_map *map, uint64_t size);
BPFX_API void bpfx_ringbuf_submit(bpfx_map *map, void *data);
BPFX_API void bpfx_ringbuf_discard(bpfx_map *map, void *data);
BPFX_API int bpfx_ringbuf_output(bpfx_map *map, const void *data, uint64_t size);
/* Linux's BPF_RB_AVAIL_DATA (0), RING_SIZE (1), CONS_POS (2), PROD_POS (3). */
BPFX_API uint64_t bpfx_ringbuf_query(bpfx_map *map, uint64_t what);

/* Perf event arrays: where bpf_perf_event_output data goes (cpu = the slot
 * index the program chose or its current CPU). */
typedef void (*bpfx_perf_fn)(void *user, uint32_t cpu, const void *data, size_t size);
BPFX_API int bpfx_map_set_perf_handler(bpfx_map *map, bpfx_perf_fn fn, void *user);
BPFX_API int bpfx_perf_event_output(bpfx_map *map, uint64_t flags, const void *data, uint64_t size);

/*
 * For lddw resolvers (the loader): fills `out` for a reference to this map.
 * kind BPFX_LDDW_MAP_FD/MAP_IDX: value = the map pointer; region = the map's
 * value memory (so checked runs may use the pointers helpers return).
 * kind BPFX_LDDW_MAP_VALUE_FD/MAP_VALUE_IDX (array maps only): value =
 * address of value 0 + offset. Regions are writable unless BPFX_F_RDONLY_PROG.
 */
BPFX_API int bpfx_map_lddw(bpfx_map *map, enum bpfx_lddw_kind kind, uint32_t offset,
			   struct bpfx_lddw_value *out);

/* Describes the map for the verifier (an entry of bpfx_verify_opts.maps):
 * kind, sizes, BPFX_MAP_RDONLY_PROG. `fd` is what lddw src 1/2 match; the
 * name pointer stays valid while the map lives. */
BPFX_API int bpfx_map_verifier_desc(const bpfx_map *map, int32_t fd, struct bpfx_map_desc *out);

/* Memory holding every value of the map (NULL/0 for maps without values). */
BPFX_API void *bpfx_map_values(const bpfx_map *map, size_t *size);

#ifdef __cplusplus
}
#endif
#endif /* BPFX_MAPS_H */
