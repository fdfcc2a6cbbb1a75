/* package: the files of a roster delivery, whether a folder, a .zip or a
 * single CSV file, opened by name as CSV readers. */
#ifndef CR_PACKAGE_H
#define CR_PACKAGE_H

#include "csv.h"
#include "store/status.h"

struct package;

/* Opens a folder, a .zip (libzip) or a single .csv file. */
enum cr_status package_open(const char *path, struct package **out, struct cr_err *err);
void package_close(struct package *p);

/* "folder", "zip" or "file". */
const char *package_kind(const struct package *p);
/* The name to show for the package itself (its path's last part). */
const char *package_name(const struct package *p);
/* 1 when the package holds a file of that name (case-insensitive in a zip). */
int package_has(const struct package *p, const char *name);
/* Uncompressed size of a file, 0 when absent. */
unsigned long long package_size(const struct package *p, const char *name);
/* Line breaks in a file (a quick count to size tables), 0 when absent. */
unsigned long long package_count_lines(struct package *p, const char *name);
/* Opens a file of the package as CSV; NULL with err set when it cannot. */
struct csv_reader *package_csv(struct package *p, const char *name, size_t max_record, struct cr_err *err);
void package_csv_close(struct package *p, struct csv_reader *r);

/* Why the reading of a zip entry was stopped (it inflated past the size
 * it declared, a zip bomb's trick), or NULL. A package whose zip is a
 * bomb by its own directory (too many entries, too big, or inflating more
 * than 200 times) is refused by package_open already. */
const char *package_read_error(const struct package *p);

/* Entries the package refused (a zip path that leaves the package, an
 * absolute path): index 0..n-1, NULL past the end. */
const char *package_refused(const struct package *p, int i);

#endif
