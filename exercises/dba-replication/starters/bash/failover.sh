#!/usr/bin/env bash
# Promote the standby: the primary is gone (stage failover). Runs as the server's OS user
# with PGHOST/PGPORT/PGUSER/PGDATABASE/PGDATA pointing at the running standby. Return only
# once it is a primary: out of recovery, accepting writes.
set -euo pipefail

# TODO: promote the standby and wait until the promotion has finished.
# TODO (stage game-day): the new primary has no synchronous standby: make sure its commits
#       do not wait for one.

echo "failover.sh: not written yet" >&2
exit 1
