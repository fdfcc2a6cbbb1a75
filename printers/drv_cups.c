/* drv_cups: sends slips to a CUPS queue. An inner driver ("pdf" or "escpos")
 * makes the document into memory; at close the document goes to CUPS as one
 * job, and the job is watched for a few seconds so the desk hears about a
 * stopped, offline or paperless printer instead of a silent queue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cups/cups.h>
#include "printer.h"
#include "sink.h"
#include "cups_list.h"
#include "text/i18n.h"

#define CUPS_WAIT_MS_DEFAULT 10000
#define CUPS_POLL_MS         100

/* What the server says about one queue, boiled down to what a desk needs. */
enum queue_reason {
	QR_OFFLINE    = 1 << 0,
	QR_NO_PAPER   = 1 << 1,
	QR_CONNECTING = 1 << 2,
};

struct queue_state {
	int      state;          /* IPP_PSTATE_IDLE, _PROCESSING, _STOPPED; 0 = unknown */
	int      accepting;
	unsigned reasons;        /* enum queue_reason bits */
	char     message[256];   /* printer-state-message, may be "" */
};

struct cups_job {
	char                         queue[128];
	cups_dest_t                 *dest;
	const struct printer_driver *inner;
	void                        *inner_state;
	struct sink                 *doc;      /* the inner driver's document, in memory */
	const char                  *format;   /* CUPS_FORMAT_PDF or CUPS_FORMAT_RAW */
};

static const char *const printer_attrs[] = {
	"printer-name", "printer-state", "printer-state-reasons",
	"printer-state-message", "printer-is-accepting-jobs",
};

/* "media-empty-error" and "offline-report" name the same conditions as
 * "media-empty" and "offline". */
static unsigned reason_bit(const char *kw)
{
	static const struct { const char *kw; unsigned bit; } map[] = {
		{ "offline", QR_OFFLINE },
		{ "shutdown", QR_OFFLINE },
		{ "timed-out", QR_OFFLINE },
		{ "media-empty", QR_NO_PAPER },
		{ "media-needed", QR_NO_PAPER },
		{ "connecting-to-device", QR_CONNECTING },
	};
	size_t n = strlen(kw);
	static const char *const suffix[] = { "-report", "-warning", "-error" };

	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		size_t sl = strlen(suffix[i]);
		if (n > sl && strcmp(kw + n - sl, suffix[i]) == 0) {
			n -= sl;
			break;
		}
	}
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strlen(map[i].kw) == n && strncmp(kw, map[i].kw, n) == 0)
			return map[i].bit;
	return 0;
}

/* Folds one printer attribute into qs; returns 1 when it was one of ours. */
static int take_printer_attr(ipp_attribute_t *a, struct queue_state *qs)
{
	const char *name = ippGetName(a);

	if (strcmp(name, "printer-state") == 0)
		qs->state = ippGetInteger(a, 0);
	else if (strcmp(name, "printer-is-accepting-jobs") == 0)
		qs->accepting = ippGetBoolean(a, 0);
	else if (strcmp(name, "printer-state-message") == 0)
		snprintf(qs->message, sizeof qs->message, "%s", ippGetString(a, 0, NULL) ? ippGetString(a, 0, NULL) : "");
	else if (strcmp(name, "printer-state-reasons") == 0)
		for (int i = 0; i < ippGetCount(a); i++)
			qs->reasons |= reason_bit(ippGetString(a, i, NULL) ? ippGetString(a, i, NULL) : "");
	else
		return 0;
	return 1;
}

static void printer_uri(const char *queue, char *uri, size_t len)
{
	httpAssembleURIf(HTTP_URI_CODING_ALL, uri, (int)len, "ipp", NULL, "localhost",
			 ippPort(), "/printers/%s", queue);
}

static enum cr_status server_error(const char *queue, struct cr_err *err)
{
	ipp_status_t st = cupsLastError();

	if (st == IPP_STATUS_ERROR_NOT_FOUND)
		return cr_fail(err, CR_ECONFIG, "There is no printer queue named %s.", queue);
	if (st == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE || st == IPP_STATUS_ERROR_INTERNAL)
		return cr_fail(err, CR_EUNAVAILABLE,
			       "The print server (CUPS at %s) cannot be reached; is it running?", cupsServer());
	return cr_fail(err, CR_EUNAVAILABLE, "The print server (CUPS) refused the request for %s: %s.",
		       queue, cupsLastErrorString());
}

static enum cr_status queue_state_get(const char *queue, struct queue_state *qs, struct cr_err *err)
{
	char uri[HTTP_MAX_URI];
	ipp_t *req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
	ipp_t *resp;

	memset(qs, 0, sizeof *qs);
	qs->accepting = 1;
	printer_uri(queue, uri, sizeof uri);
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, uri);
	ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
		      (int)(sizeof printer_attrs / sizeof printer_attrs[0]), NULL, printer_attrs);
	resp = cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/");
	if (!resp || cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
		ippDelete(resp);
		return server_error(queue, err);
	}
	for (ipp_attribute_t *a = ippFirstAttribute(resp); a; a = ippNextAttribute(resp))
		if (ippGetName(a) && ippGetGroupTag(a) == IPP_TAG_PRINTER)
			take_printer_attr(a, qs);
	ippDelete(resp);
	return CR_OK;
}

/* The sentence `cardroll printers` shows, e.g. "stopped: Paused". */
static void queue_sentence(const struct queue_state *qs, char *msg, size_t len)
{
	const char *m = qs->message;

	if (qs->state == IPP_PSTATE_STOPPED)
		snprintf(msg, len, _("stopped%s%s"), *m ? ": " : "", m);
	else if (qs->reasons & QR_OFFLINE)
		snprintf(msg, len, "%s", _("offline"));
	else if (qs->reasons & QR_NO_PAPER)
		snprintf(msg, len, "%s", _("out of paper"));
	else if (qs->reasons & QR_CONNECTING)
		snprintf(msg, len, _("connecting to device%s%s"), *m ? ": " : "", m);
	else if (!qs->accepting)
		snprintf(msg, len, "%s", _("not accepting jobs"));
	else if (qs->state == IPP_PSTATE_PROCESSING)
		snprintf(msg, len, "%s", _("printing"));
	else
		snprintf(msg, len, "%s", _("ready"));
}

/* The desk's sentence when a printer cannot take the job now, or CR_OK. */
static enum cr_status queue_trouble(const char *queue, const struct queue_state *qs, struct cr_err *err)
{
	const char *m = qs->message;
	const char *sep = *m ? " (" : "", *end = *m ? ")" : "";

	if (qs->state == IPP_PSTATE_STOPPED)
		return cr_fail(err, CR_EUNAVAILABLE, "printer %s is stopped%s%s%s", queue, sep, m, end);
	if (qs->reasons & QR_OFFLINE)
		return cr_fail(err, CR_ETEMP, "printer %s is offline%s%s%s", queue, sep, m, end);
	if (qs->reasons & QR_NO_PAPER)
		return cr_fail(err, CR_ETEMP, "printer %s is out of paper%s%s%s", queue, sep, m, end);
	if (qs->reasons & QR_CONNECTING)
		return cr_fail(err, CR_ETEMP, "printer %s: job waiting (%s)", queue,
			       *m ? m : _("connecting to device"));
	if (!qs->accepting)
		return cr_fail(err, CR_EUNAVAILABLE, "printer %s is not accepting jobs%s%s%s", queue, sep, m, end);
	return CR_OK;
}

static enum cr_status cups_open(const struct printer_opts *o, void **state, struct cr_err *err)
{
	const char *inner_name = o->inner && *o->inner ? o->inner : "pdf";
	struct printer_opts io = *o;
	struct queue_state qs;
	struct cups_job *j;
	enum cr_status st;

	*state = NULL;
	if (!o->target || !*o->target)
		return cr_fail(err, CR_ECONFIG, "No printer queue is set for CUPS printing.");
	if (strlen(o->target) >= sizeof j->queue)
		return cr_fail(err, CR_ECONFIG, "The printer queue name %.40s... is too long.", o->target);
	if (strcmp(inner_name, "pdf") != 0 && strcmp(inner_name, "escpos") != 0)
		return cr_fail(err, CR_ECONFIG,
			       "CUPS printing makes PDF or ESC/POS documents, not \"%s\".", inner_name);
	j = calloc(1, sizeof *j);
	if (!j)
		return cr_fail(err, CR_ENOMEM, "Out of memory starting the print job.");
	snprintf(j->queue, sizeof j->queue, "%s", o->target);
	j->format = strcmp(inner_name, "pdf") == 0 ? CUPS_FORMAT_PDF : CUPS_FORMAT_RAW;
	j->inner = printer_find(inner_name);
	if (!j->inner) {
		st = cr_fail(err, CR_EINTERNAL, "The %s printer driver is not built in.", inner_name);
		goto fail;
	}
	/* Asking for the queue's state first tells "no such queue" from "no
	 * print server"; a stopped queue would hold the job, so that is said
	 * before any slip is drawn. */
	st = queue_state_get(j->queue, &qs, err);
	if (st != CR_OK)
		goto fail;
	j->dest = cupsGetNamedDest(CUPS_HTTP_DEFAULT, j->queue, NULL);
	if (!j->dest) {
		st = cr_fail(err, CR_ECONFIG, "There is no printer queue named %s.", j->queue);
		goto fail;
	}
	if (qs.state == IPP_PSTATE_STOPPED || !qs.accepting) {
		st = queue_trouble(j->queue, &qs, err);
		goto fail;
	}

	st = sink_open(NULL, &j->doc, err);
	if (st != CR_OK)
		goto fail;
	io.target = NULL;
	io.inner = NULL;
	io.out = j->doc;
	st = j->inner->open(&io, &j->inner_state, err);
	if (st != CR_OK)
		goto fail;
	*state = j;
	return CR_OK;
fail:
	if (j->doc)
		sink_close(j->doc, 0, NULL);
	cupsFreeDests(j->dest ? 1 : 0, j->dest);
	free(j);
	return st;
}

static enum cr_status cups_slip(void *state, const struct slip *s, struct cr_err *err)
{
	struct cups_job *j = state;

	return j->inner->slip(j->inner_state, s, err);
}

static int wait_ms(void)
{
	const char *e = getenv("CARDROLL_CUPS_WAIT_MS");
	char *end;
	long v;

	if (!e || !*e)
		return CUPS_WAIT_MS_DEFAULT;
	v = strtol(e, &end, 10);
	if (*end || v < 0 || v > 600000)
		return CUPS_WAIT_MS_DEFAULT;
	return (int)v;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int job_state_get(const char *queue, int job_id)
{
	static const char *const want[] = { "job-state" };
	char uri[HTTP_MAX_URI];
	ipp_t *req = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
	ipp_t *resp;
	ipp_attribute_t *a;
	int state = 0;

	printer_uri(queue, uri, sizeof uri);
	ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, uri);
	ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
	ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 1, NULL, want);
	resp = cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/");
	if (resp && (a = ippFindAttribute(resp, "job-state", IPP_TAG_ENUM)) != NULL)
		state = ippGetInteger(a, 0);
	ippDelete(resp);
	return state;
}

/* Watches job_id until it completes or the wait runs out; a job that has
 * not completed by then is reported with the printer's trouble, if any.
 * CARDROLL_CUPS_WAIT_MS sets the wait (tests use a short one). */
static enum cr_status watch_job(struct cups_job *j, int job_id, struct cr_err *err)
{
	long long deadline = now_ms() + wait_ms();
	struct queue_state qs;
	enum cr_status st = CR_OK;

	for (;;) {
		int js = job_state_get(j->queue, job_id);

		if (js == IPP_JSTATE_COMPLETED)
			return CR_OK;
		if (js == IPP_JSTATE_CANCELED || js == IPP_JSTATE_ABORTED)
			return js == IPP_JSTATE_CANCELED
				? cr_fail(err, CR_EUNAVAILABLE, "printer %s: the job was cancelled before it printed.",
					  j->queue)
				: cr_fail(err, CR_EUNAVAILABLE, "printer %s: the job was aborted before it printed.",
					  j->queue);
		if (queue_state_get(j->queue, &qs, err) != CR_OK)
			return err ? err->status : CR_EUNAVAILABLE;
		st = queue_trouble(j->queue, &qs, err);
		if (st == CR_OK && js == IPP_JSTATE_HELD)
			st = cr_fail(err, CR_ETEMP, "printer %s: the job is held in the queue.", j->queue);
		if (st == CR_OK && js == IPP_JSTATE_STOPPED)
			st = cr_fail(err, CR_EUNAVAILABLE, "printer %s: the job is stopped.", j->queue);
		/* Still queued or printing when the wait is over: a printer that
		 * is not there looks just like this (the socket backend retries
		 * and only leaves a message), so say so. */
		if (now_ms() >= deadline && st == CR_OK)
			return cr_fail(err, CR_ETEMP, "printer %s: job waiting (%s)", j->queue,
				       *qs.message ? qs.message : _("still in the queue"));
		if (now_ms() >= deadline)
			return st;
		/* A printer reports trouble before it settles (the socket backend
		 * says connecting-to-device on every try); only a stopped queue
		 * needs no second look. */
		if (st != CR_OK && qs.state == IPP_PSTATE_STOPPED)
			return st;
		struct timespec nap = { 0, CUPS_POLL_MS * 1000000L };
		nanosleep(&nap, NULL);
	}
}

/* Hands the finished document to CUPS as one job. */
static enum cr_status send_job(struct cups_job *j, const unsigned char *buf, size_t len,
			       struct cr_err *err)
{
	cups_dinfo_t *info = cupsCopyDestInfo(CUPS_HTTP_DEFAULT, j->dest);
	enum cr_status st = CR_OK;
	int job_id = 0;

	if (!info)
		return server_error(j->queue, err);
	if (cupsCreateDestJob(CUPS_HTTP_DEFAULT, j->dest, info, &job_id, "cardroll slips", 0, NULL)
	    > IPP_STATUS_OK_CONFLICTING || job_id <= 0) {
		st = server_error(j->queue, err);
		goto out;
	}
	if (cupsStartDestDocument(CUPS_HTTP_DEFAULT, j->dest, info, job_id, "slips", j->format,
				  0, NULL, 1) != HTTP_STATUS_CONTINUE) {
		st = server_error(j->queue, err);
		cupsCancelDestJob(CUPS_HTTP_DEFAULT, j->dest, job_id);
		goto out;
	}
	for (size_t off = 0; off < len;) {
		size_t n = len - off > 65536 ? 65536 : len - off;
		if (cupsWriteRequestData(CUPS_HTTP_DEFAULT, (const char *)buf + off, n) != HTTP_STATUS_CONTINUE) {
			cupsFinishDestDocument(CUPS_HTTP_DEFAULT, j->dest, info);
			cupsCancelDestJob(CUPS_HTTP_DEFAULT, j->dest, job_id);
			st = cr_fail(err, CR_EUNAVAILABLE, "printer %s: the slips could not be sent to the print server.",
				     j->queue);
			goto out;
		}
		off += n;
	}
	if (cupsFinishDestDocument(CUPS_HTTP_DEFAULT, j->dest, info) > IPP_STATUS_OK_CONFLICTING) {
		st = server_error(j->queue, err);
		goto out;
	}
	st = watch_job(j, job_id, err);
	/* A job left waiting would print by surprise once the printer is back,
	 * after the desk has already printed again: take it back. */
	if (st != CR_OK)
		cupsCancelDestJob(CUPS_HTTP_DEFAULT, j->dest, job_id);
out:
	cupsFreeDestInfo(info);
	return st;
}

static enum cr_status cups_close(void *state, int commit, struct cr_err *err)
{
	struct cups_job *j = state;
	enum cr_status st;

	if (!j)
		return CR_OK;
	st = j->inner->close(j->inner_state, commit, err);
	if (st == CR_OK && commit) {
		size_t len = 0;
		const unsigned char *buf = sink_data(j->doc, &len);

		if (!buf || len == 0)
			st = cr_fail(err, CR_EINTERNAL, "printer %s: there was nothing to print.", j->queue);
		else
			st = send_job(j, buf, len, err);
	}
	/* The document holds children's names: it never leaves memory but for CUPS. */
	sink_close(j->doc, 0, NULL);
	cupsFreeDests(1, j->dest);
	free(j);
	return st;
}

static enum cr_status cups_state(const struct printer_opts *o, char *msg, size_t len, struct cr_err *err)
{
	struct queue_state qs;
	enum cr_status st;

	if (!o->target || !*o->target)
		return cr_fail(err, CR_ECONFIG, "No printer queue is set for CUPS printing.");
	st = queue_state_get(o->target, &qs, err);
	if (st != CR_OK)
		return st;
	queue_sentence(&qs, msg, len);
	return CR_OK;
}

const struct printer_driver printer_cups = {
	.name    = "cups",
	.summary = "a CUPS print queue (PDF or ESC/POS document inside)",
	.open    = cups_open,
	.slip    = cups_slip,
	.close   = cups_close,
	.state   = cups_state,
};

enum cr_status cups_list_queues(void (*each)(const char *name, const char *state_sentence, void *arg),
				void *arg, struct cr_err *err)
{
	ipp_t *req = ippNewRequest(IPP_OP_CUPS_GET_PRINTERS);
	ipp_t *resp;
	ipp_attribute_t *a;

	ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
		      (int)(sizeof printer_attrs / sizeof printer_attrs[0]), NULL, printer_attrs);
	resp = cupsDoRequest(CUPS_HTTP_DEFAULT, req, "/");
	if (!resp || cupsLastError() > IPP_STATUS_OK_CONFLICTING) {
		ipp_status_t ls = cupsLastError();
		ippDelete(resp);
		/* No queues at all is an answer, not a failure. */
		if (ls == IPP_STATUS_ERROR_NOT_FOUND)
			return CR_OK;
		return cr_fail(err, CR_EUNAVAILABLE,
			       "The print server (CUPS at %s) cannot be reached; is it running?", cupsServer());
	}
	/* Printers come as groups of attributes, separated by an unnamed one. */
	a = ippFirstAttribute(resp);
	while (a) {
		struct queue_state qs;
		char name[128] = "", sentence[300];

		while (a && ippGetGroupTag(a) != IPP_TAG_PRINTER)
			a = ippNextAttribute(resp);
		if (!a)
			break;
		memset(&qs, 0, sizeof qs);
		qs.accepting = 1;
		for (; a && ippGetName(a) && ippGetGroupTag(a) == IPP_TAG_PRINTER; a = ippNextAttribute(resp)) {
			if (strcmp(ippGetName(a), "printer-name") == 0)
				snprintf(name, sizeof name, "%s", ippGetString(a, 0, NULL) ? ippGetString(a, 0, NULL) : "");
			else
				take_printer_attr(a, &qs);
		}
		if (*name) {
			queue_sentence(&qs, sentence, sizeof sentence);
			each(name, sentence, arg);
		}
		if (a)
			a = ippNextAttribute(resp);
	}
	ippDelete(resp);
	return CR_OK;
}
