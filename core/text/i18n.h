/* i18n: what a person reads, in the person's language.
 *
 * Messages are written in English in the source and looked up through
 * gettext (glibc's) in the "cardroll" domain. The catalogs are
 * the .po files in assets/po/LANG/, built into share/locale/LANG/LC_MESSAGES/cardroll.mo
 * (tui/i18n.c says where the program finds them). cr_fail() and db_fail()
 * translate their messages themselves, so core code passes English and
 * only marks strings it keeps in tables with N_().
 *
 * Never translated: machine output (CSV and JSON reports, what is sent to
 * an ILS, the audit's action names, settings keys, database values). */
#ifndef CR_I18N_H
#define CR_I18N_H

#include <libintl.h>

#define CR_TEXTDOMAIN "cardroll"

/* _("...") translates now; N_("...") only marks a string for the catalog
 * (a table entry translated where it is shown); P_(one, many, n) picks the
 * plural form of the language. */
#define _(s)             dgettext(CR_TEXTDOMAIN, s)
#define N_(s)            s
#define P_(one, many, n) dngettext(CR_TEXTDOMAIN, one, many, (unsigned long)(n))

/* C_(context, "message"): a message whose English alone is ambiguous (a
 * lone word, a column heading) translated in its context (the catalog's
 * msgctxt, as gettext's pgettext; xgettext keyword C_:1c,2), so that
 * another part's "all" or "printing" keeps its own translation. */
#define C_(ctx, s) cr_pgettext(ctx "\004" s, s)
__attribute__((format_arg(2), unused))
static inline const char *cr_pgettext(const char *ctx_msgid, const char *msgid)
{
	const char *t = dgettext(CR_TEXTDOMAIN, ctx_msgid);

	return t == ctx_msgid ? msgid : t;
}

#endif
