#!/usr/bin/env bash
# Make a standby's data directory from the running primary (stage streaming). Runs as the
# server's OS user with PGHOST/PGPORT/PGUSER/PGDATABASE pointing at the primary. The grader
# starts PostgreSQL on the directory afterwards; do not start it here.
#
#   REPLICA_PGDATA  the data directory to create (it does not exist yet)
#   REPLICA_NAME    the standby's application_name, and the slot setup-primary.sh made
#   REPLICA_PORT    the port the grader will start the standby on
set -euo pipefail

# TODO: pg_basebackup into "$REPLICA_PGDATA" so that the copy starts as a standby that
#       streams from the primary as "$REPLICA_NAME", through the slot of that name.

echo "setup-replica.sh: not written yet" >&2
exit 1
