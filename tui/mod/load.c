/* Finding and loading a module (module.h). */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "moddir.h"  /* CR_MODULE_DIR, the Makefile's $(MODDIR) */
#include "module.h"
#include "text/i18n.h"

/* Both tables start with abi and version. */
struct head {
	int         abi;
	const char *version;
};

struct loaded {
	const char *file;
	const void *entry;
};

static struct loaded cache[4];

/* The folder of the running executable, or "" when /proc cannot tell. */
static void exe_dir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	char *slash;

	if (n <= 0 || (size_t)n >= len - 1) {
		out[0] = '\0';
		return;
	}
	out[n] = '\0';
	if ((slash = strrchr(out, '/')))
		*slash = '\0';
	else
		out[0] = '\0';
}

static const void *open_one(const char *path, const char *entry, const char *what, struct cr_err *err)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const struct head *t;

	if (!h) {
		const char *why = dlerror();

		cr_fail(err, CR_EUNAVAILABLE, "%s is not available: %s could not be loaded: %s", what, path,
			why ? why : _("no reason given"));
		return NULL;
	}
	if (!(t = dlsym(h, entry))) {
		cr_fail(err, CR_EUNAVAILABLE, "%s is not available: %s is not a cardroll module (no %s)", what, path,
			entry);
		dlclose(h);
		return NULL;
	}
	if (t->abi != CR_MODULE_ABI || !t->version || strcmp(t->version, CR_VERSION) != 0) {
		cr_fail(err, CR_EUNAVAILABLE, "%s is not available: %s belongs to cardroll %s, this is cardroll %s "
			"(reinstall cardroll)", what, path, t->version ? t->version : "?", CR_VERSION);
		dlclose(h);
		return NULL;
	}
	return t;  /* the handle stays open for the life of the process */
}

const void *module_load(const char *file, const char *entry, const char *what, struct cr_err *err)
{
	char dir[PATH_MAX], paths[3][PATH_MAX + 64];
	const void *t = NULL;
	int n = 0;
	size_t slot;

	for (slot = 0; slot < sizeof cache / sizeof cache[0] && cache[slot].file; slot++)
		if (strcmp(cache[slot].file, file) == 0)
			return cache[slot].entry;
	exe_dir(dir, sizeof dir);
	if (dir[0]) {
		snprintf(paths[n++], sizeof paths[0], "%s/../lib/cardroll/%s", dir, file);
		snprintf(paths[n++], sizeof paths[0], "%s/%s", dir, file);
	}
	snprintf(paths[n++], sizeof paths[0], "%s/%s", CR_MODULE_DIR, file);
	for (int i = 0; i < n; i++) {
		if (access(paths[i], F_OK) != 0)
			continue;
		if (!(t = open_one(paths[i], entry, what, err)))
			return NULL;
		break;
	}
	if (!t) {
		if (dir[0])
			cr_fail(err, CR_EUNAVAILABLE, "%s is not available: %s is not installed (looked in %s/../lib/cardroll, "
				"%s and %s)", what, file, dir, dir, CR_MODULE_DIR);
		else
			cr_fail(err, CR_EUNAVAILABLE, "%s is not available: %s is not installed (looked in %s)", what,
				file, CR_MODULE_DIR);
		return NULL;
	}
	if (slot < sizeof cache / sizeof cache[0])
		cache[slot] = (struct loaded){ file, t };
	return t;
}
