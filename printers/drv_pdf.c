/* drv_pdf: slips as a PDF for an office printer: a sheet of 8 slips a page
 * with light cut lines, or 10 CR80 cards a page on business-card stock.
 * Text stays text (pango through cairo's PDF surface), so it is searchable. */
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>

#include "printer.h"
#include "render.h"
#include "sink.h"

#define PT_PER_MM (72.0 / 25.4)

struct pdf_job {
	struct sink     *sink;
	int              lent;       /* sink is printer_opts.out: the caller closes it */
	cairo_surface_t *surface;
	cairo_t         *cr;
	struct cr_err    write_err;  /* the sink's error, if a write failed */
	int              write_failed;
	double           page_w, page_h;     /* mm */
	double           cell_w, cell_h, x0, y0;
	int              cols, rows, count;
	struct render_opts ro;
};

static cairo_status_t pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct pdf_job *j = closure;

	if (j->write_failed)
		return CAIRO_STATUS_WRITE_ERROR;
	if (sink_write(j->sink, data, len, &j->write_err) != CR_OK) {
		j->write_failed = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

static enum cr_status pdf_geometry(const struct printer_opts *o, struct pdf_job *j, struct cr_err *err)
{
	const char *paper = o->paper && *o->paper ? o->paper : "letter";
	const char *layout = o->layout && *o->layout ? o->layout : "sheet";

	if (strcmp(paper, "letter") == 0) {
		j->page_w = 215.9;
		j->page_h = 279.4;
	} else if (strcmp(paper, "a4") == 0 || strcmp(paper, "A4") == 0) {
		j->page_w = 210.0;
		j->page_h = 297.0;
	} else {
		return cr_fail(err, CR_ECONFIG, "pdf: paper \"%s\" is not one the pdf driver knows (letter, a4)",
			       paper);
	}
	memset(&j->ro, 0, sizeof j->ro);
	j->ro.barcode = o->barcode;
	if (strcmp(layout, "sheet") == 0) {
		const double margin = 6.0;

		j->cols = 2;
		j->rows = 4;
		j->cell_w = (j->page_w - 2 * margin) / j->cols;
		j->cell_h = (j->page_h - 2 * margin) / j->rows;
	} else if (strcmp(layout, "cr80") == 0) {
		j->cols = 2;
		j->rows = 5;
		j->cell_w = 85.6;
		j->cell_h = 54.0;
		j->ro.compact = 1;
	} else {
		return cr_fail(err, CR_ECONFIG, "pdf: layout \"%s\" is not one the pdf driver knows (sheet, cr80)",
			       layout);
	}
	j->x0 = (j->page_w - j->cols * j->cell_w) / 2;
	j->y0 = (j->page_h - j->rows * j->cell_h) / 2;
	j->ro.width_mm = j->cell_w;
	j->ro.max_height_mm = j->cell_h;
	return CR_OK;
}

/* Light lines along every cell edge: scissors follow them, and on -mono
 * scans they vanish. */
static void pdf_cut_lines(struct pdf_job *j)
{
	cairo_t *cr = j->cr;
	double dash[] = { 1.5, 1.5 };

	cairo_save(cr);
	cairo_set_source_rgb(cr, 0.78, 0.78, 0.78);
	cairo_set_line_width(cr, 0.2);
	cairo_set_dash(cr, dash, 2, 0);
	for (int c = 0; c <= j->cols; c++) {
		cairo_move_to(cr, j->x0 + c * j->cell_w, j->y0 - 4);
		cairo_line_to(cr, j->x0 + c * j->cell_w, j->y0 + j->rows * j->cell_h + 4);
	}
	for (int r = 0; r <= j->rows; r++) {
		cairo_move_to(cr, j->x0 - 4, j->y0 + r * j->cell_h);
		cairo_line_to(cr, j->x0 + j->cols * j->cell_w + 4, j->y0 + r * j->cell_h);
	}
	cairo_stroke(cr);
	cairo_restore(cr);
}

static enum cr_status pdf_free(struct pdf_job *j)
{
	if (j->cr)
		cairo_destroy(j->cr);
	if (j->surface)
		cairo_surface_destroy(j->surface);
	free(j);
	return CR_OK;
}

static enum cr_status pdf_open(const struct printer_opts *o, void **state, struct cr_err *err)
{
	struct pdf_job *j = calloc(1, sizeof *j);
	enum cr_status st;

	*state = NULL;
	if (!j)
		return cr_fail(err, CR_ENOMEM, "pdf: out of memory");
	st = pdf_geometry(o, j, err);
	if (st == CR_OK)
		st = o->out ? CR_OK : sink_open(o->target, &j->sink, err);
	if (o->out)
		j->sink = o->out, j->lent = 1;
	if (st != CR_OK) {
		free(j);
		return st;
	}
	j->surface = cairo_pdf_surface_create_for_stream(pdf_write, j, j->page_w * PT_PER_MM, j->page_h * PT_PER_MM);
	cairo_pdf_surface_set_metadata(j->surface, CAIRO_PDF_METADATA_TITLE, "Library card slips");
	cairo_pdf_surface_set_metadata(j->surface, CAIRO_PDF_METADATA_CREATOR, "cardroll");
	j->cr = cairo_create(j->surface);
	if (cairo_status(j->cr) != CAIRO_STATUS_SUCCESS) {
		st = cr_fail(err, CR_ECANTCREATE, "pdf: cairo cannot start the document: %s",
			     cairo_status_to_string(cairo_status(j->cr)));
		struct sink *sk = j->lent ? NULL : j->sink;

		j->write_failed = 1;
		pdf_free(j);
		if (sk)
			sink_close(sk, 0, NULL);
		return st;
	}
	cairo_scale(j->cr, PT_PER_MM, PT_PER_MM);
	*state = j;
	return CR_OK;
}

static enum cr_status pdf_slip(void *state, const struct slip *s, struct cr_err *err)
{
	struct pdf_job *j = state;
	int per_page = j->cols * j->rows, at = j->count % per_page;
	double h;
	enum cr_status st;

	if (j->count > 0 && at == 0)
		cairo_show_page(j->cr);
	if (at == 0)
		pdf_cut_lines(j);
	cairo_save(j->cr);
	cairo_translate(j->cr, j->x0 + (at % j->cols) * j->cell_w, j->y0 + (at / j->cols) * j->cell_h);
	st = render_slip(j->cr, s, &j->ro, &h, err);
	cairo_restore(j->cr);
	if (st != CR_OK)
		return st;
	if (j->write_failed)
		return cr_fail(err, j->write_err.status, "%s", j->write_err.msg);
	j->count++;
	return CR_OK;
}

static enum cr_status pdf_close(void *state, int commit, struct cr_err *err)
{
	struct pdf_job *j = state;
	enum cr_status st = CR_OK;

	if (!j)
		return CR_OK;
	if (commit) {
		cairo_destroy(j->cr);
		j->cr = NULL;
		cairo_surface_finish(j->surface);
		if (j->write_failed)
			st = cr_fail(err, j->write_err.status, "%s", j->write_err.msg);
		else if (cairo_surface_status(j->surface) != CAIRO_STATUS_SUCCESS)
			st = cr_fail(err, CR_EINTERNAL, "pdf: cairo could not finish the document: %s",
				     cairo_status_to_string(cairo_surface_status(j->surface)));
	}
	/* no more writes reach the sink, even from cairo tearing down */
	j->write_failed = 1;
	if (j->cr)
		cairo_destroy(j->cr);
	cairo_surface_destroy(j->surface);
	if (!j->lent && st == CR_OK && commit)
		st = sink_close(j->sink, 1, err);
	else if (!j->lent)
		sink_close(j->sink, 0, NULL);
	free(j);
	return st;
}

const struct printer_driver printer_pdf = {
	.name = "pdf",
	.summary = "PDF sheets: 8 slips a page (letter or a4), or 10 CR80 cards a page",
	.open = pdf_open,
	.slip = pdf_slip,
	.close = pdf_close,
	.state = NULL,
};
