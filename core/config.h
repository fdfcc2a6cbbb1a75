/* config: the INI settings file (inih). An unknown section or key, or a bad
 * value, is an error naming the file and line. */
#ifndef CR_CONFIG_H
#define CR_CONFIG_H

#include "status.h"

struct cr_config {
	char   db_path[4096];         /* [storage] database */
	int    busy_timeout_ms;       /* [storage] busy_timeout_ms */
	char   desk[128];             /* [desk] name; default host name */
	int    roster_max_age_days;   /* [roster] max_age_days */
	char   source_path[4096];     /* where the settings came from, "" for defaults */
};

/* Fills cfg with defaults. */
void config_defaults(struct cr_config *cfg);
/* Reads path over the defaults already in cfg. A missing file is
 * CR_ENOINPUT when required, else ignored. */
enum cr_status config_load(struct cr_config *cfg, const char *path, int required, struct cr_err *err);

#endif
