/* libFuzzer target for the slip templates librarians edit and the roster
 * text that fills them: the input is split at the first NUL into a
 * template file (en.slip in a scratch folder) and the child's fields
 * (separated by tabs). Whatever the bytes, loading ends with a status, and
 * a template that loads fills and goes through the preview and ZPL drivers
 * to memory without a crash, and without a control byte of the roster
 * reaching the ZPL label. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "printer.h"
#include "sink.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[64];

static void fuzz_cleanup(void)
{
	char path[128];

	snprintf(path, sizeof path, "%s/en.slip", fuzz_dir);
	remove(path);
	remove(fuzz_dir);
}

static void fuzz_run(const struct printer_driver *d, const struct slip *s)
{
	struct printer_opts o = { .target = "" };
	struct cr_err err = { 0 };
	void *state = NULL;

	if (!d || d->open(&o, &state, &err) != CR_OK)
		return;
	if (d->slip(state, s, &err) != CR_OK) {
		d->close(state, 0, &err);
		return;
	}
	d->close(state, 1, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t tlen = nul ? (size_t)(nul - data) : size;
	char path[128], *fields = NULL, *f[7] = { 0 };
	struct template_set *set = NULL;
	struct cr_err err = { 0 };
	struct slip slip;
	FILE *fp;

	if (!fuzz_dir[0]) {
		snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/cardroll-fuzz-tpl-XXXXXX");
		if (!mkdtemp(fuzz_dir))
			abort();
		atexit(fuzz_cleanup);
	}
	snprintf(path, sizeof path, "%s/en.slip", fuzz_dir);
	if (!(fp = fopen(path, "wb")))
		abort();
	fwrite(data, 1, tlen, fp);
	fclose(fp);
	if (template_set_load(fuzz_dir, "en", &set, &err) != CR_OK) {
		if (!err.msg[0])
			abort();   /* a failure must say why */
		return 0;
	}
	/* The child's fields: tab-separated, whatever bytes they hold. */
	if (nul) {
		size_t flen = size - tlen - 1;

		if (!(fields = malloc(flen + 1)))
			abort();
		memcpy(fields, nul + 1, flen);
		fields[flen] = '\0';
		f[0] = fields;
		for (int i = 1; i < 7 && f[i - 1]; i++) {
			char *tab = strchr(f[i - 1], '\t');

			if (tab) {
				*tab = '\0';
				f[i] = tab + 1;
			}
		}
	}
	{
		struct slip_fields sf = {
			.given = f[0] ? f[0] : "Ana", .family = f[1] ? f[1] : "Silva",
			.card = f[2] && *f[2] ? f[2] : "21234000000420", .school = f[3], .class_name = f[4],
			.grade = f[5], .expires = f[6],
		};

		if (template_set_fill(set, &sf, &slip, &err) == CR_OK) {
			fuzz_run(printer_find("preview"), &slip);
			fuzz_run(printer_find("zpl"), &slip);
		}
	}
	template_set_free(set);
	free(fields);
	return 0;
}
