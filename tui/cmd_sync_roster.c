/* cardroll sync --roster: the district's roster over the network. */
#include "cli.h"

enum cr_status cmd_sync_roster(struct cli *cli, int json, struct cr_err *err)
{
	return cr_fail(err, CR_EUNAVAILABLE, "pulling the roster is not built yet");
}
