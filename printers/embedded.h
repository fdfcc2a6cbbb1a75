/* embedded: text assets compiled into the program (packaging/embed-files.sh). */
#ifndef CR_EMBEDDED_H
#define CR_EMBEDDED_H

struct embedded_file {
	const char *name;   /* the file's base name, e.g. "en.slip" */
	const char *text;   /* its contents; the table ends with { NULL, NULL } */
};

/* the slip templates, assets/slips/NAME.slip */
extern const struct embedded_file slip_builtin[];

#endif
