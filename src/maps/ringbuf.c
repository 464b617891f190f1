/* SPDX-License-Identifier: MIT */
/*
 * ringbuf.c - BPF_MAP_TYPE_RINGBUF: many producers (programs, the host), one
 * consumer at a time (the host).
 *
 * The data area is max_entries bytes (a power of two). Positions grow
 * forever and are reduced modulo the size. A record is an 8-byte header
 * (32-bit length with BUSY and DISCARD bits, 32-bit offset of the header
 * from the start of the data area) and its data, padded to 8 bytes. Linux
 * maps the data area twice so records may wrap; bpfx instead never splits a
 * record: when one would cross the end, the rest of the area becomes a
 * discarded padding record and the new one starts at offset 0.
 *
 * Producers serialise on a mutex for reserve (like the kernel's spinlock);
 * submit and discard are single atomic stores of the header. The consumer
 * reads positions and headers with acquire loads and frees space by a
 * release store of cons_pos.
 */
#include "maps_internal.h"

#include <string.h>

static uint32_t *hdr_at(bpfx_map *m, uint64_t pos)
{
	return (uint32_t *)(void *)(m->values + (pos & m->rb_mask));
}

void *bpfx_ringbuf_reserve(bpfx_map *m, uint64_t size)
{
	if (!m || m->magic != BPFX_MAP_MAGIC || m->type != BPFX_MAP_TYPE_RINGBUF)
		return NULL;
	uint64_t cap = m->rb_mask + 1;
	if (size == 0 || size > BPFX_RB_LEN_MASK || size + BPFX_RINGBUF_HDR_SIZE > cap)
		return NULL;
	uint64_t total = (size + BPFX_RINGBUF_HDR_SIZE + 7) & ~7ull;
	pthread_mutex_lock(&m->mu);
	uint64_t cons = __atomic_load_n(&m->cons_pos, __ATOMIC_ACQUIRE);
	uint64_t prod = m->prod_pos;
	uint64_t off = prod & m->rb_mask, pad = 0;
	if (off + total > cap)
		pad = cap - off;
	void *data = NULL;
	if (prod + pad + total - cons <= cap) {
		if (pad) {
			uint32_t *ph = hdr_at(m, prod);
			ph[1] = (uint32_t)off;
			__atomic_store_n(&ph[0], (uint32_t)(pad - BPFX_RINGBUF_HDR_SIZE) | BPFX_RB_DISCARD,
					 __ATOMIC_RELEASE);
		}
		uint32_t *h = hdr_at(m, prod + pad);
		h[1] = (uint32_t)((prod + pad) & m->rb_mask);
		__atomic_store_n(&h[0], (uint32_t)size | BPFX_RB_BUSY, __ATOMIC_RELEASE);
		__atomic_store_n(&m->prod_pos, prod + pad + total, __ATOMIC_RELEASE);
		data = h + 2;
	}
	pthread_mutex_unlock(&m->mu);
	return data;
}

/* The header of a reserved record, or NULL if `data` is not one. */
static uint32_t *record_hdr(bpfx_map *m, void *data)
{
	if (!m || m->magic != BPFX_MAP_MAGIC || m->type != BPFX_MAP_TYPE_RINGBUF || !data)
		return NULL;
	uintptr_t p = (uintptr_t)data, base = (uintptr_t)m->values;
	if (p < base + BPFX_RINGBUF_HDR_SIZE || p >= base + m->rb_mask + 1 || (p - base) % 8)
		return NULL;
	uint32_t *h = (uint32_t *)data - 2;
	uint32_t len = __atomic_load_n(&h[0], __ATOMIC_ACQUIRE);
	if (!(len & BPFX_RB_BUSY) || h[1] != (uint32_t)(p - base - BPFX_RINGBUF_HDR_SIZE))
		return NULL;
	return h;
}

static void commit(bpfx_map *m, void *data, uint32_t set)
{
	uint32_t *h = record_hdr(m, data);
	if (!h)
		return;
	uint32_t len = __atomic_load_n(&h[0], __ATOMIC_ACQUIRE);
	__atomic_store_n(&h[0], (len & ~BPFX_RB_BUSY) | set, __ATOMIC_RELEASE);
}

void bpfx_ringbuf_submit(bpfx_map *m, void *data)
{
	commit(m, data, 0);
}

void bpfx_ringbuf_discard(bpfx_map *m, void *data)
{
	commit(m, data, BPFX_RB_DISCARD);
}

int bpfx_ringbuf_is_record(bpfx_map *m, void *data)
{
	return record_hdr(m, data) != NULL;
}

int bpfx_ringbuf_output(bpfx_map *m, const void *data, uint64_t size)
{
	if (!m || m->magic != BPFX_MAP_MAGIC || (!data && size))
		return BPFX_E_INVAL;
	if (m->type != BPFX_MAP_TYPE_RINGBUF)
		return bpfx_fail(&m->diag, BPFX_E_INVAL, "map '%s': ringbuf output needs a ring buffer",
				 m->name ? m->name : "(unnamed map)");
	void *p = bpfx_ringbuf_reserve(m, size);
	if (!p)
		return size == 0 || size + BPFX_RINGBUF_HDR_SIZE > m->rb_mask + 1 ? BPFX_E_RANGE : BPFX_E_FULL;
	memcpy(p, data, size);
	bpfx_ringbuf_submit(m, p);
	return 0;
}

int bpfx_ringbuf_consume(bpfx_map *m, bpfx_ringbuf_fn fn, void *ctx)
{
	if (!m || m->magic != BPFX_MAP_MAGIC || !fn)
		return BPFX_E_INVAL;
	if (m->type != BPFX_MAP_TYPE_RINGBUF)
		return bpfx_fail(&m->diag, BPFX_E_INVAL, "map '%s': bpfx_ringbuf_consume needs a ring buffer",
				 m->name ? m->name : "(unnamed map)");
	pthread_mutex_lock(&m->cons_mu);
	int n = 0;
	uint64_t cons = __atomic_load_n(&m->cons_pos, __ATOMIC_ACQUIRE);
	for (;;) {
		uint64_t prod = __atomic_load_n(&m->prod_pos, __ATOMIC_ACQUIRE);
		if (cons >= prod)
			break;
		uint32_t *h = hdr_at(m, cons);
		uint32_t len = __atomic_load_n(&h[0], __ATOMIC_ACQUIRE);
		if (len & BPFX_RB_BUSY)
			break;
		uint64_t total = ((len & BPFX_RB_LEN_MASK) + BPFX_RINGBUF_HDR_SIZE + 7) & ~7ull;
		/* the data area is program-writable memory: never trust a header
		 * that would reach past the produced data or the end of the area */
		if (total > prod - cons || (cons & m->rb_mask) + total > m->rb_mask + 1 ||
		    h[1] != (uint32_t)(cons & m->rb_mask)) {
			pthread_mutex_unlock(&m->cons_mu);
			return bpfx_fail(&m->diag, BPFX_E_RANGE,
					 "ring buffer '%s': corrupt record header at position %llu (length word "
					 "0x%x): a program overwrote it",
					 m->name ? m->name : "(unnamed map)", (unsigned long long)cons, len);
		}
		int stop = 0;
		if (!(len & BPFX_RB_DISCARD)) {
			n++;
			stop = fn(ctx, h + 2, len & BPFX_RB_LEN_MASK);
		}
		cons += total;
		__atomic_store_n(&m->cons_pos, cons, __ATOMIC_RELEASE);
		if (stop)
			break;
	}
	pthread_mutex_unlock(&m->cons_mu);
	return n;
}

uint64_t bpfx_ringbuf_query(bpfx_map *m, uint64_t what)
{
	if (!m || m->magic != BPFX_MAP_MAGIC || m->type != BPFX_MAP_TYPE_RINGBUF)
		return 0;
	uint64_t cons = __atomic_load_n(&m->cons_pos, __ATOMIC_ACQUIRE);
	uint64_t prod = __atomic_load_n(&m->prod_pos, __ATOMIC_ACQUIRE);
	switch (what) {
	case 0: return prod - cons;
	case 1: return m->rb_mask + 1;
	case 2: return cons;
	case 3: return prod;
	default: return 0;
	}
}
