/* Where the program finds its message catalogs (core/text/i18n.h). */
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "localedir.h"   /* CR_LOCALE_DIR, the Makefile's $(LOCALEDIR) */
#include "text/i18n.h"
#include "tui.h"

static int is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The catalogs beside the program (share/locale in the build folder, or
 * ../share/locale of an installed bin/), else the folder make install
 * put them in. */
void i18n_init(void)
{
	char exe[PATH_MAX], dir[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	const char *use = CR_LOCALE_DIR;
	char *slash;

	setlocale(LC_ALL, "");
	if (n > 0 && (size_t)n < sizeof exe - 1) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/'))) {
			*slash = '\0';
			snprintf(dir, sizeof dir, "%s/share/locale", exe);
			if (is_dir(dir))
				use = dir;
			else {
				snprintf(dir, sizeof dir, "%s/../share/locale", exe);
				if (is_dir(dir))
					use = dir;
			}
		}
	}
	bindtextdomain(CR_TEXTDOMAIN, use);
}
