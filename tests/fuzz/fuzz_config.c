/* libFuzzer target for the settings file (core/store/config.c): the input
 * is a cardroll.ini read over the defaults. Whatever the bytes, loading
 * ends with a status; a refused file says why and names the file; a file
 * that loads leaves every setting within what the program relies on
 * (strings end, numbers in their ranges, grade bands over known grades).
 * Corpus: tests/fuzz/corpus/fuzz_config. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz_config: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)
#define FUZZ_ENDS(field) FUZZ_CHECK(memchr((field), '\0', sizeof(field)) != NULL)

static char fuzz_path[64];

static void fuzz_cleanup(void)
{
	unlink(fuzz_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cr_config cfg;
	struct cr_err err = { 0 };
	FILE *f;
	enum cr_status st;

	if (!fuzz_path[0]) {
		int fd;

		snprintf(fuzz_path, sizeof fuzz_path, "/tmp/cardroll-fuzz-ini-XXXXXX");
		if ((fd = mkstemp(fuzz_path)) < 0)
			abort();
		close(fd);
		atexit(fuzz_cleanup);
	}
	if (!(f = fopen(fuzz_path, "wb")))
		abort();
	if (size)
		fwrite(data, 1, size, f);
	fclose(f);
	/* the environment must not fill in what the file lacks */
	unsetenv("CARDROLL_SYNC_PASSWORD");
	unsetenv("CARDROLL_SYNC_CLIENT_SECRET");
	unsetenv("CARDROLL_SYNC_SECRET");
	unsetenv("CARDROLL_ROSTER_CLIENT_SECRET");
	config_defaults(&cfg);
	st = config_load(&cfg, fuzz_path, 1, &err);
	FUZZ_ENDS(err.msg);
	if (st != CR_OK) {
		FUZZ_CHECK(err.msg[0] != '\0');
		FUZZ_CHECK(strstr(err.msg, fuzz_path) != NULL);
		return 0;
	}
	FUZZ_ENDS(cfg.db_path);
	FUZZ_ENDS(cfg.desk);
	FUZZ_ENDS(cfg.source_path);
	FUZZ_CHECK(cfg.report_min_cell >= 3);
	FUZZ_CHECK(cfg.busy_timeout_ms >= 0);
	FUZZ_CHECK(cfg.roster_max_age_days >= 0);
	FUZZ_ENDS(cfg.programme.prefix);
	FUZZ_ENDS(cfg.programme.institution);
	FUZZ_ENDS(cfg.programme.stock.prefix);
	FUZZ_CHECK(cfg.programme.ncategories >= 0 && cfg.programme.ncategories <= PROGRAMME_MAX_CATEGORIES);
	for (int i = 0; i < cfg.programme.ncategories; i++) {
		FUZZ_ENDS(cfg.programme.category[i].code);
		FUZZ_CHECK(cfg.programme.category[i].code[0] != '\0');
	}
	FUZZ_CHECK(cfg.programme.expiry_month >= 1 && cfg.programme.expiry_month <= 12);
	FUZZ_CHECK(cfg.programme.expiry_day >= 1 && cfg.programme.expiry_day <= 31);
	FUZZ_CHECK(cfg.programme.min_age >= 0 && cfg.programme.max_age >= 0);
	FUZZ_CHECK(cfg.programme.stock.length >= 0 && cfg.programme.stock.length <= 47);
	FUZZ_ENDS(cfg.print.driver);
	FUZZ_ENDS(cfg.print.target);
	FUZZ_ENDS(cfg.print.languages);
	FUZZ_ENDS(cfg.print.templates);
	FUZZ_ENDS(cfg.sync.target);
	FUZZ_ENDS(cfg.sync.url);
	FUZZ_ENDS(cfg.sync.roster_url);
	FUZZ_ENDS(cfg.sync.roster_auth_at);
	FUZZ_ENDS(cfg.sync.category_missing);
	FUZZ_ENDS(cfg.sync.category_where);
	FUZZ_CHECK(cfg.sync.batch >= 1);
	FUZZ_CHECK(cfg.sync.timeout_ms > 0 && cfg.sync.probe_timeout_ms > 0 && cfg.sync.backoff_max_s > 0);
	/* every grade a band names is a grade */
	for (int i = 0; i < cfg.programme.ncategories; i++)
		FUZZ_CHECK(cfg.programme.category[i].grades != 0);
	return 0;
}
