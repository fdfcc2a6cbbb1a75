/* names: how a child's name is folded for search, with the conventions
 * people expect at a desk: apostrophes may be typed or not (O'Brien is found
 * by "obrien" and "o brien"), and a Chinese, Japanese or Korean name written
 * family-first without a space (李小龙) is found as typed. */
#ifndef CR_NAMES_H
#define CR_NAMES_H

/* The text the search index holds for a student. Caller frees; NULL only
 * when out of memory. */
char *names_index_fold(const char *given, const char *family, const char *preferred);

/* A query folded the same way (apostrophes dropped). Caller frees. */
char *names_query_fold(const char *query);

#endif
