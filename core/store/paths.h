/* paths: where the database and settings live by default (XDG), and making
 * private folders for them. */
#ifndef CR_PATHS_H
#define CR_PATHS_H

#include <stddef.h>
#include "status.h"

/* $XDG_DATA_HOME/cardroll/cardroll.db (~/.local/share/cardroll/cardroll.db). */
enum cr_status paths_default_db(char *buf, size_t len, struct cr_err *err);
/* $XDG_CONFIG_HOME/cardroll/cardroll.ini (~/.config/cardroll/cardroll.ini). */
enum cr_status paths_user_config(char *buf, size_t len, struct cr_err *err);
/* The system-wide settings file. */
#define PATHS_SYSTEM_CONFIG "/etc/cardroll/cardroll.ini"
/* Creates the folders above path (mode 0700) when missing, and makes the
 * last of them (the one holding path) 0700 when it is ours and open. */
enum cr_status paths_make_parent(const char *path, struct cr_err *err);

#endif
