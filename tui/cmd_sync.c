/* cardroll sync: the outbox to the ILS, and the roster from the district. */
#include "cli.h"

enum cr_status cmd_sync(struct cli *cli, int argc, char **argv, struct cr_err *err)
{
	return cr_fail(err, CR_EUNAVAILABLE, "sync is not built yet");
}
