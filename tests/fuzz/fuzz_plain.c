/* libFuzzer target for plain-CSV imports (oneroster_plain.c): the input is
 * split at its first NUL byte into the column mapping (the INI file given
 * with --map-file) and the district's spreadsheet export (the CSV), which
 * are imported into a scratch database under a saved mapping name, then
 * imported again with the saved mapping alone. Whatever the bytes, the
 * import ends with a status, a failure says why, the mapping saved is the
 * one read, and nothing is left half done.
 * Corpus: tests/fuzz/corpus/fuzz_plain. */
#include "fuzz_db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t mlen = nul ? (size_t)(nul - data) : size;
	struct roster_options opt = { 0 };
	struct roster_summary sum;
	struct cr_err err = { 0 };
	enum cr_status st;

	fd_setup("fuzz-plain");
	fd_write("map.ini", data, mlen);
	fd_write("export.csv", nul ? nul + 1 : data + size, nul ? size - mlen - 1 : 0);
	db_exec(fd_db, "DELETE FROM column_map", NULL);
	opt.source = fd_at("export.csv");
	opt.map_name = "fuzz";
	opt.map_file = fd_at("map.ini");
	st = roster_import(fd_db, &opt, &sum, &err);
	if (st != CR_OK && st != CR_EDATA)
		FD_CHECK(err.msg[0] != '\0');
	FD_CHECK(memchr(err.msg, '\0', sizeof err.msg));
	fd_check_db();
	/* again, with the mapping saved under its name (when it was saved) */
	opt.map_file = NULL;
	memset(&sum, 0, sizeof sum);
	err.msg[0] = '\0';
	st = roster_import(fd_db, &opt, &sum, &err);
	if (st != CR_OK && st != CR_EDATA)
		FD_CHECK(err.msg[0] != '\0');
	fd_check_db();
	return 0;
}
