/* Status codes shared by every module: one table carries the code, the
 * process exit status (sysexits) and the message a person reads. */
#ifndef CR_STATUS_H
#define CR_STATUS_H

/*     name              exit  message (N_: translated by cr_status_message) */
#define CR_STATUS_TABLE(X) \
	X(CR_OK,            0,  N_("ok")) \
	X(CR_EUSAGE,        64, N_("wrong usage")) \
	X(CR_EDATA,         65, N_("bad input data")) \
	X(CR_ENOINPUT,      66, N_("input is missing or unreadable")) \
	X(CR_EUNAVAILABLE,  69, N_("service unavailable")) \
	X(CR_EINTERNAL,     70, N_("internal error")) \
	X(CR_ECANTCREATE,   73, N_("cannot create output")) \
	X(CR_ETEMP,         75, N_("temporary failure, try again")) \
	X(CR_ENOMEM,        70, N_("out of memory")) \
	X(CR_ECONFIG,       65, N_("configuration error")) \
	X(CR_EINTERRUPTED,  75, N_("interrupted")) \
	X(CR_ENOMATCH,      1,  N_("nothing matched"))

enum cr_status {
#define CR_STATUS_ENUM(name, code, msg) name,
	CR_STATUS_TABLE(CR_STATUS_ENUM)
#undef CR_STATUS_ENUM
	CR_STATUS_COUNT
};

const char *cr_status_message(enum cr_status st);
const char *cr_status_name(enum cr_status st);
int cr_status_exit_code(enum cr_status st);



/* An error with the sentence a person reads: status plus a message naming
 * where (file:line, field) when there is a where. */
struct cr_err {
	enum cr_status status;
	char msg[512];
};

/* Sets err (when not NULL) and returns st, so callers can `return cr_fail(...)`. */
enum cr_status cr_fail(struct cr_err *err, enum cr_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#endif
