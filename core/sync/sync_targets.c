/* The sync targets cardroll knows: one line each. */
#include <string.h>
#include "sync.h"

/* Each target file defines one of these; add its line to both lists. */
extern const struct sync_target sync_target_koha;
extern const struct sync_target sync_target_webhook;
extern const struct sync_target sync_target_file;

static const struct sync_target *const targets[] = {
	&sync_target_koha,
	&sync_target_webhook,
	&sync_target_file,
	NULL,
};

const struct sync_target *sync_target_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; targets[i]; i++)
		if (strcmp(targets[i]->name, name) == 0)
			return targets[i];
	return NULL;
}
