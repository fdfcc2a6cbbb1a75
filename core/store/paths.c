/* paths: XDG default locations, private (0700) folders for children's data. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

static enum cr_status paths_xdg(const char *var, const char *fallback, const char *leaf,
				char *buf, size_t len, struct cr_err *err)
{
	const char *base = getenv(var);
	const char *home = getenv("HOME");
	int n;

	if (base && base[0] == '/')
		n = snprintf(buf, len, "%s/cardroll/%s", base, leaf);
	else if (home && *home)
		n = snprintf(buf, len, "%s/%s/cardroll/%s", home, fallback, leaf);
	else
		return cr_fail(err, CR_EUSAGE, "neither %s nor HOME is set; give --db PATH", var);
	if (n < 0 || (size_t)n >= len)
		return cr_fail(err, CR_EUSAGE, "the default path under %s is too long", var);
	return CR_OK;
}

enum cr_status paths_default_db(char *buf, size_t len, struct cr_err *err)
{
	return paths_xdg("XDG_DATA_HOME", ".local/share", "cardroll.db", buf, len, err);
}

enum cr_status paths_user_config(char *buf, size_t len, struct cr_err *err)
{
	return paths_xdg("XDG_CONFIG_HOME", ".config", "cardroll.ini", buf, len, err);
}

enum cr_status paths_make_parent(const char *path, struct cr_err *err)
{
	char *dir = strdup(path);
	char *slash;

	if (!dir)
		return cr_fail(err, CR_ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		free(dir);
		return CR_OK;
	}
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
				enum cr_status st = cr_fail(err, CR_ECANTCREATE, "cannot create folder %s: %s",
							    dir, strerror(errno));
				free(dir);
				return st;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	/* cardroll's own folder (the one holding the database) stays private
	 * even when an older run or a loose umask left it open. */
	{
		struct stat sb;

		if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && sb.st_uid == geteuid() && (sb.st_mode & 077))
			(void)chmod(dir, 0700);
	}
	free(dir);
	return CR_OK;
}
