#!/usr/bin/env bash
# Prepare the running primary for streaming replication (stage streaming; SYNC=1: stage
# synchronous). Runs as the server's OS user with PGHOST/PGPORT/PGUSER/PGDATABASE/PGDATA
# pointing at the primary: a plain `psql` connects to it. The grader restarts the primary
# afterwards. Do not start or stop servers here.
#
#   REPLICA_NAME  the standby's name: its application_name, and the slot to create
#   SYNC          1: commits must wait for that standby; 0: they must not
set -euo pipefail

# TODO: allow WAL senders (the primary starts with max_wal_senders = 0), wal_level replica.
# TODO: create a physical replication slot named "$REPLICA_NAME" (only if it does not exist).
# TODO (stage synchronous): when SYNC=1, make "$REPLICA_NAME" the synchronous standby.

echo "setup-primary.sh: not written yet" >&2
exit 1
