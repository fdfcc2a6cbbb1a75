/* profile: the community's commitment (chief elected official,
 * superintendent, library director, commitment date) for the report. */
#ifndef CR_PROFILE_H
#define CR_PROFILE_H

#include "store/db.h"

struct profile {
	char chief[256];          /* chief elected official */
	char superintendent[256];
	char director[256];       /* library director */
	char committed[11];       /* YYYY-MM-DD, "" when not set */
};

/* The stored profile; every field "" when none is set. */
enum cr_status profile_get(struct cr_db *db, struct profile *p, struct cr_err *err);

/* Sets the fields that are not NULL ("" clears one). Names are cleaned
 * (UTF-8, no control characters, NFC); a name that is not text, or a date
 * that is not YYYY-MM-DD, is CR_EDATA naming the option. */
enum cr_status profile_set(struct cr_db *db, const char *chief, const char *superintendent,
			   const char *director, const char *committed, struct cr_err *err);

#endif
