/* The network module's one export (module.h): linked into cardroll-net.so
 * with the koha and webhook targets and the roster pull (libcurl, OpenSSL). */
#include "module.h"

extern const struct sync_target sync_target_koha;
extern const struct sync_target sync_target_webhook;

extern const struct cr_net_module cardroll_net_module;
const struct cr_net_module cardroll_net_module = {
	.abi = CR_MODULE_ABI,
	.version = CR_VERSION,
	.koha = &sync_target_koha,
	.webhook = &sync_target_webhook,
	.roster_pull = roster_pull,
};
