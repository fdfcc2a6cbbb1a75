/* template: the slip templates librarians edit, one LANG.slip file per
 * language ("key = value" lines), built in (assets/slips) and overridable
 * from a folder; filled with a child's fields into a struct slip. */
#ifndef CR_TEMPLATE_H
#define CR_TEMPLATE_H

#include "printer.h"
#include "store/status.h"

#define TEMPLATE_MAX_LANGS 4  /* struct slip carries up to four languages */

/* A child's fields as the roster has them (NULL = absent). */
struct slip_fields {
	const char *given, *family, *card, *school, *class_name, *grade, *expires;
};

struct template_set;  /* the templates of several languages, in print order */

/* langs: "en,es" (comma list, print order). dir: a folder whose LANG.slip
 * files override the built-in ones, or NULL for built-in only. An unknown
 * language, key or placeholder is an error naming it (file:line). */
enum cr_status template_set_load(const char *dir, const char *langs, struct template_set **out,
				 struct cr_err *err);

/* Fills *out: names etc. point at f's strings; qr/heading/body point into
 * storage owned by set, valid until the next fill or free. */
enum cr_status template_set_fill(struct template_set *set, const struct slip_fields *f, struct slip *out,
				 struct cr_err *err);

void template_set_free(struct template_set *set);

#endif
