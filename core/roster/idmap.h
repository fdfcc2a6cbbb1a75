/* idmap: a compact map from a roster sourcedId to a database row, so a
 * million-student import resolves enrollments without a query per row and
 * within a small memory budget (16 bytes a slot). Keys are 64-bit hashes;
 * the caller confirms a hit against the database when it matters. */
#ifndef CR_IDMAP_H
#define CR_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap;

struct idmap_entry {
	uint64_t hash;
	uint32_t rowid;      /* 0: not yet in the database */
	uint16_t extra;      /* caller's small value (a birth date as days) */
	uint16_t flags;      /* caller's bits; IDMAP_USED is ours */
};

#define IDMAP_USED 0x8000u

uint64_t idmap_hash(const char *s, size_t len);
/* The key of an integer (a row number): distinct integers, distinct keys. */
uint64_t idmap_hash_int(uint64_t x);

struct idmap *idmap_new(size_t expected);
void idmap_free(struct idmap *m);
/* The entry for hash, added empty when absent (NULL only when out of
 * memory). *added (may be NULL) says whether it was new. */
struct idmap_entry *idmap_put(struct idmap *m, uint64_t hash, int *added);
/* The entry for hash, or NULL. */
struct idmap_entry *idmap_get(const struct idmap *m, uint64_t hash);
size_t idmap_count(const struct idmap *m);
/* Visits every entry; stop early by returning non-zero. */
void idmap_each(struct idmap *m, int (*fn)(struct idmap_entry *e, void *ctx), void *ctx);

#endif
