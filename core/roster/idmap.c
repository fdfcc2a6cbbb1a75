/* idmap: open addressing with linear probing over 64-bit hashes. The table
 * size need not be a power of two (a slot index is the hash scaled to the
 * size), so a million students cost 20 MB, not 32. */
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

struct idmap {
	struct idmap_entry *slot;
	size_t cap;
	size_t count;
};

/* FNV-1a, then a final mix so that similar ids spread over the table. */
uint64_t idmap_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h ? h : 1;
}

/* A row number's key: a bijective mix (splitmix64's finalizer), so small
 * consecutive numbers spread over the table instead of all starting their
 * probe at slot 0 (idmap_find places by the high 32 bits). */
uint64_t idmap_hash_int(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* Load at most 80%: linear probing stays short. */
static size_t idmap_cap_for(size_t n)
{
	size_t cap = n + n / 4 + 64;

	return cap < 1024 ? 1024 : cap;
}

struct idmap *idmap_new(size_t expected)
{
	struct idmap *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->cap = idmap_cap_for(expected);
	m->slot = calloc(m->cap, sizeof *m->slot);
	if (!m->slot) {
		free(m);
		return NULL;
	}
	return m;
}

void idmap_free(struct idmap *m)
{
	if (m) {
		free(m->slot);
		free(m);
	}
}

static struct idmap_entry *idmap_find(struct idmap_entry *slot, size_t cap, uint64_t hash)
{
	size_t i = (size_t)(((hash >> 32) * (uint64_t)cap) >> 32);

	while (slot[i].flags & IDMAP_USED) {
		if (slot[i].hash == hash)
			return &slot[i];
		if (++i == cap)
			i = 0;
	}
	return &slot[i];
}

static int idmap_grow(struct idmap *m)
{
	size_t cap = idmap_cap_for(m->count + m->count / 2);
	struct idmap_entry *slot = calloc(cap, sizeof *slot);

	if (!slot)
		return -1;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slot[i].flags & IDMAP_USED)
			*idmap_find(slot, cap, m->slot[i].hash) = m->slot[i];
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
	return 0;
}

struct idmap_entry *idmap_put(struct idmap *m, uint64_t hash, int *added)
{
	struct idmap_entry *e;

	if ((m->count + 1) * 5 > m->cap * 4 && idmap_grow(m) != 0)
		return NULL;
	e = idmap_find(m->slot, m->cap, hash);
	if (added)
		*added = !(e->flags & IDMAP_USED);
	if (!(e->flags & IDMAP_USED)) {
		memset(e, 0, sizeof *e);
		e->hash = hash;
		e->flags = IDMAP_USED;
		m->count++;
	}
	return e;
}

struct idmap_entry *idmap_get(const struct idmap *m, uint64_t hash)
{
	struct idmap_entry *e = idmap_find(m->slot, m->cap, hash);

	return (e->flags & IDMAP_USED) ? e : NULL;
}

size_t idmap_count(const struct idmap *m)
{
	return m->count;
}

void idmap_each(struct idmap *m, int (*fn)(struct idmap_entry *e, void *ctx), void *ctx)
{
	for (size_t i = 0; i < m->cap; i++)
		if ((m->slot[i].flags & IDMAP_USED) && fn(&m->slot[i], ctx))
			return;
}
