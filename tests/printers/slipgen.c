/* slipgen: prints the slips of a TSV of children through any driver, for
 * the printer tests and the render benchmark (no database needed).
 * usage: slipgen --driver NAME [options] FILE.tsv   (see usage() below) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "printer.h"
#include "render.h"
#include "template.h"

#define NCOLS 7
static const char *const columns[NCOLS] = { "given", "family", "card", "school", "class", "grade", "expires" };

struct row {
	char *line;            /* the line, cut in place at the tabs */
	const char *col[NCOLS];
};

static void usage(void)
{
	fprintf(stderr,
		"usage: slipgen --driver NAME [--target T] [--paper P] [--layout L] [--barcode codabar|code39]\n"
		"               [--native-qr] [--codepage CP] [--inner DRIVER] [--langs en,es] [--templates DIR]\n"
		"               [--repeat N] [--time] [--warm] FILE.tsv\n"
		"  --time  print ms_per_slip, height_mm (thermal, 72 or 48 mm wide), slips, total_ms\n"
		"  --warm  print the job once into memory first, untimed (fonts loaded, as in a desk)\n");
}

static int fail(enum cr_status st, const char *msg)
{
	fprintf(stderr, "slipgen: %s\n", msg);
	return cr_status_exit_code(st);
}

static void cut_line(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* Reads the header (any column order) and every row. */
static enum cr_status read_tsv(const char *path, struct row **rows, int *nrows, struct cr_err *err)
{
	FILE *f = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	int map[NCOLS], lineno = 0, n = 0, alloc = 0;
	struct row *r = NULL;
	enum cr_status st = CR_OK;

	*rows = NULL;
	*nrows = 0;
	if (!f)
		return cr_fail(err, CR_ENOINPUT, "%s: cannot open", path);
	for (int i = 0; i < NCOLS; i++)
		map[i] = -1;
	while (getline(&line, &cap, f) >= 0) {
		const char *cells[32];
		int ncell = 0;
		char *p, *copy;

		lineno++;
		cut_line(line);
		if (lineno > 1 && !line[0])
			continue;
		copy = strdup(line);
		if (!copy) {
			st = cr_fail(err, CR_ENOMEM, "out of memory");
			break;
		}
		for (p = copy; ncell < 32;) {
			cells[ncell++] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (lineno == 1) {
			for (int c = 0; c < ncell; c++)
				for (int i = 0; i < NCOLS; i++)
					if (strcmp(cells[c], columns[i]) == 0)
						map[i] = c;
			free(copy);
			for (int i = 0; i < NCOLS; i++)
				if (map[i] < 0) {
					st = cr_fail(err, CR_EDATA, "%s:1: the header has no \"%s\" column", path,
						     columns[i]);
					goto out;
				}
			continue;
		}
		if (n == alloc) {
			struct row *nr = realloc(r, (size_t)(alloc = alloc ? alloc * 2 : 64) * sizeof *r);

			if (!nr) {
				free(copy);
				st = cr_fail(err, CR_ENOMEM, "out of memory");
				break;
			}
			r = nr;
		}
		r[n].line = copy;
		for (int i = 0; i < NCOLS; i++)
			r[n].col[i] = map[i] < ncell ? cells[map[i]] : "";
		n++;
	}
out:
	free(line);
	fclose(f);
	if (st != CR_OK) {
		for (int i = 0; i < n; i++)
			free(r[i].line);
		free(r);
		return st;
	}
	*rows = r;
	*nrows = n;
	return CR_OK;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void fields_of(const struct row *r, struct slip_fields *f)
{
	f->given = r->col[0];
	f->family = r->col[1];
	f->card = r->col[2];
	f->school = r->col[3];
	f->class_name = r->col[4];
	f->grade = r->col[5];
	f->expires = r->col[6];
}

int main(int argc, char **argv)
{
	struct printer_opts o = { .target = NULL, .barcode = PRINTER_CODABAR };
	const char *driver = NULL, *langs = "en,es", *tdir = NULL, *file = NULL;
	int repeat = 1, timing = 0, warm = 0, nrows = 0, rc = 0, printed = 0;
	const struct printer_driver *d;
	struct template_set *set = NULL;
	struct row *rows = NULL;
	struct cr_err err = { CR_OK, "" };
	enum cr_status st;
	void *job = NULL;
	double t0, t1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int takes = 1;

		if (strcmp(a, "--driver") == 0 && v)
			driver = v;
		else if (strcmp(a, "--target") == 0 && v)
			o.target = v;
		else if (strcmp(a, "--paper") == 0 && v)
			o.paper = v;
		else if (strcmp(a, "--layout") == 0 && v)
			o.layout = v;
		else if (strcmp(a, "--codepage") == 0 && v)
			o.codepage = v;
		else if (strcmp(a, "--inner") == 0 && v)
			o.inner = v;
		else if (strcmp(a, "--langs") == 0 && v)
			langs = v;
		else if (strcmp(a, "--templates") == 0 && v)
			tdir = v;
		else if (strcmp(a, "--repeat") == 0 && v)
			repeat = atoi(v);
		else if (strcmp(a, "--barcode") == 0 && v) {
			if (strcmp(v, "codabar") == 0)
				o.barcode = PRINTER_CODABAR;
			else if (strcmp(v, "code39") == 0)
				o.barcode = PRINTER_CODE39;
			else
				return fail(CR_EUSAGE, "--barcode is codabar or code39");
		} else {
			takes = 0;
			if (strcmp(a, "--native-qr") == 0)
				o.native_qr = 1;
			else if (strcmp(a, "--time") == 0)
				timing = 1;
			else if (strcmp(a, "--warm") == 0)
				warm = 1;
			else if (a[0] == '-' && a[1]) {
				usage();
				return cr_status_exit_code(CR_EUSAGE);
			} else if (!file)
				file = a;
			else {
				usage();
				return cr_status_exit_code(CR_EUSAGE);
			}
		}
		i += takes;
	}
	if (!driver || !file || repeat < 1) {
		usage();
		return cr_status_exit_code(CR_EUSAGE);
	}
	d = printer_find(driver);
	if (!d) {
		char msg[300] = "";
		size_t used = 0;
		const struct printer_driver *const *all = printer_all();

		for (int i = 0; all[i] && used < sizeof msg; i++)
			used += (size_t)snprintf(msg + used, sizeof msg - used, "%s%s", i ? ", " : "", all[i]->name);
		fprintf(stderr, "slipgen: no printer driver \"%s\" (there are: %s)\n", driver, msg);
		return cr_status_exit_code(CR_EUSAGE);
	}
	st = template_set_load(tdir, langs, &set, &err);
	if (st == CR_OK)
		st = read_tsv(file, &rows, &nrows, &err);
	if (st != CR_OK) {
		rc = fail(st, err.msg);
		goto out;
	}
	/* --warm: print the whole job once into memory, untimed, as a desk that
	 * has printed before has its fonts loaded and mapped */
	if (warm) {
		struct printer_opts wo = o;
		void *wjob = NULL;
		enum cr_status wst;

		wo.target = NULL;
		wst = d->open(&wo, &wjob, &err);
		for (int i = 0; wst == CR_OK && i < nrows; i++) {
			struct slip_fields f;
			struct slip s;

			fields_of(&rows[i], &f);
			wst = template_set_fill(set, &f, &s, &err);
			if (wst == CR_OK)
				wst = d->slip(wjob, &s, &err);
		}
		if (wjob)
			wst = d->close(wjob, wst == CR_OK, &err);
		if (wst != CR_OK) {
			rc = fail(wst, err.msg);
			goto out;
		}
	}
	t0 = now_ms();
	st = d->open(&o, &job, &err);
	for (int k = 0; st == CR_OK && k < repeat; k++)
		for (int i = 0; st == CR_OK && i < nrows; i++) {
			struct slip_fields f;
			struct slip s;

			fields_of(&rows[i], &f);
			st = template_set_fill(set, &f, &s, &err);
			if (st == CR_OK)
				st = d->slip(job, &s, &err);
			if (st == CR_OK)
				printed++;
		}
	if (job) {
		if (st == CR_OK) {
			st = d->close(job, 1, &err);
		} else {
			struct cr_err ignored;

			d->close(job, 0, &ignored);
		}
	}
	t1 = now_ms();
	if (st != CR_OK) {
		rc = fail(st, err.msg);
		goto out;
	}
	if (timing && printed > 0) {
		/* the thermal slip's length: what a 350 mm/s printer has to feed */
		struct render_opts ro = { .width_mm = o.paper && strcmp(o.paper, "58") == 0 ? 48.0 : 72.0,
					  .dots_per_mm = 8, .barcode = o.barcode };
		struct slip_fields f;
		struct slip s;
		double h = 0;

		fields_of(&rows[0], &f);
		st = template_set_fill(set, &f, &s, &err);
		if (st == CR_OK)
			st = render_slip_height(&s, &ro, &h, &err);
		if (st != CR_OK) {
			rc = fail(st, err.msg);
			goto out;
		}
		printf("ms_per_slip=%.3f height_mm=%.1f slips=%d total_ms=%.1f\n", (t1 - t0) / printed, h, printed,
		       t1 - t0);
	}
out:
	template_set_free(set);
	for (int i = 0; i < nrows; i++)
		free(rows[i].line);
	free(rows);
	return rc;
}
