/* The one table of status codes, their exit codes and messages. */
#include <stdarg.h>
#include <stdio.h>

#include "status.h"
#include "text/i18n.h"

static const struct {
	const char *name;
	int exit_code;
	const char *message;
} status_info[] = {
#define CR_STATUS_INFO(name, code, msg) { #name, code, msg },
	CR_STATUS_TABLE(CR_STATUS_INFO)
#undef CR_STATUS_INFO
};

static int status_valid(enum cr_status st)
{
	return (int)st >= 0 && st < CR_STATUS_COUNT;
}

const char *cr_status_message(enum cr_status st)
{
	/* In the reader's language: the table's messages are marked N_(). */
	return status_valid(st) ? _(status_info[st].message) : _("unknown status");
}

const char *cr_status_name(enum cr_status st)
{
	return status_valid(st) ? status_info[st].name : "CR_UNKNOWN";
}

int cr_status_exit_code(enum cr_status st)
{
	return status_valid(st) ? status_info[st].exit_code : 70;
}

enum cr_status cr_fail(struct cr_err *err, enum cr_status st, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return st;
	err->status = st;
	va_start(ap, fmt);
	/* The message in the reader's language (text/i18n.h). */
	vsnprintf(err->msg, sizeof err->msg, dgettext(CR_TEXTDOMAIN, fmt), ap);
	va_end(ap);
	return st;
}
