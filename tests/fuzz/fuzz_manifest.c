/* libFuzzer target for a package's manifest.csv (oneroster_manifest.c):
 * the input is the manifest of an otherwise good small package (orgs,
 * classes, users, enrollments), imported into a scratch database, as a
 * dry run and for real. Whatever the manifest says (versions, modes,
 * files that are not there, absent, bulk or delta, duplicated or unknown
 * keys), the import ends with a status, a failure says why, and nothing is
 * left half done. Corpus: tests/fuzz/corpus/fuzz_manifest. */
#include "fuzz_db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct roster_options opt = { 0 };
	struct roster_summary sum;
	struct cr_err err = { 0 };
	enum cr_status st;

	if (!fd_db) {
		fd_setup("fuzz-manifest");
		fd_put_district("pkg");
	}
	fd_write("pkg/manifest.csv", data, size);
	opt.source = fd_at("pkg");
	for (int dry = 1; dry >= 0; dry--) {
		memset(&sum, 0, sizeof sum);
		err.msg[0] = '\0';
		opt.dry_run = dry;
		st = roster_import(fd_db, &opt, &sum, &err);
		if (st != CR_OK && st != CR_EDATA)
			FD_CHECK(err.msg[0] != '\0');
		FD_CHECK(memchr(err.msg, '\0', sizeof err.msg));
		fd_check_db();
	}
	return 0;
}
