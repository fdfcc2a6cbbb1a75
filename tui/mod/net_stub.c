/* The program's side of the network module (module.h): the koha and
 * webhook sync targets and the roster pull as proxies that load
 * cardroll-net.so on first use (libcurl, OpenSSL). A target's state is the
 * real target's, handed through untouched. Linked into the program only. */
#include <string.h>

#include "module.h"
#include "text/i18n.h"

static const struct cr_net_module *net_mod(struct cr_err *err)
{
	return module_load("cardroll-net.so", "cardroll_net_module", _("the network code"), err);
}

/* Everything but open comes after a successful open. */
static const struct cr_net_module *loaded(void)
{
	return net_mod(NULL);
}

#define PROXY_TARGET(NAME)                                                                              \
	static enum cr_status NAME##_open(const struct sync_settings *s, void **state, struct cr_err *err) \
	{                                                                                               \
		const struct cr_net_module *m = net_mod(err);                                           \
		return m ? m->NAME->open(s, state, err) : CR_EUNAVAILABLE;                              \
	}                                                                                               \
	static enum cr_status NAME##_probe(void *state, struct cr_err *err)                             \
	{                                                                                               \
		return loaded()->NAME->probe(state, err);                                               \
	}                                                                                               \
	static enum cr_status NAME##_send(void *state, const struct sync_item *items, int n,            \
					  struct sync_result *results, struct cr_err *err)              \
	{                                                                                               \
		return loaded()->NAME->send(state, items, n, results, err);                             \
	}                                                                                               \
	static void NAME##_close(void *state)                                                           \
	{                                                                                               \
		loaded()->NAME->close(state);                                                           \
	}

PROXY_TARGET(koha)
PROXY_TARGET(webhook)

static enum cr_status koha_lookup(void *state, const char *student_number, const char *card, int *found,
				  char *remote_id, size_t len, struct cr_err *err)
{
	return loaded()->koha->lookup(state, student_number, card, found, remote_id, len, err);
}

/* Which callbacks each target has is the real target's (sync_koha.c,
 * sync_webhook.c): the webhook has no lookup. */
const struct sync_target sync_target_koha = {
	.name = "koha",
	.open = koha_open,
	.probe = koha_probe,
	.send = koha_send,
	.lookup = koha_lookup,
	.close = koha_close,
};

const struct sync_target sync_target_webhook = {
	.name = "webhook",
	.open = webhook_open,
	.probe = webhook_probe,
	.send = webhook_send,
	.lookup = NULL,
	.close = webhook_close,
};

enum cr_status roster_pull(struct cr_db *db, const struct sync_settings *s, struct roster_pull_result *r,
			   struct cr_err *err)
{
	const struct cr_net_module *m = net_mod(err);

	if (!m) {
		memset(r, 0, sizeof *r);
		return CR_EUNAVAILABLE;
	}
	return m->roster_pull(db, s, r, err);
}
