#!/usr/bin/env bash
# Make a standby of the running primary. Runs as the server's OS user with
# PGHOST/PGPORT/PGUSER/PGDATABASE pointing at the primary.
#
#   REPLICA_PGDATA  the data directory to create (it does not exist yet)
#   REPLICA_NAME    the standby's application_name and the slot setup-primary.sh made
#   REPLICA_PORT    the port the grader will start the standby on
#
# The grader starts PostgreSQL on $REPLICA_PGDATA afterwards; this script starts nothing.
set -euo pipefail
: "${REPLICA_PGDATA:?REPLICA_PGDATA is not set}"
: "${REPLICA_NAME:?REPLICA_NAME is not set}"

# -R          write standby.signal and primary_conninfo (from this connection, so with our
#             application_name) into the copy: it starts as a standby that streams from here
# -S          stream through the slot, so the primary keeps the WAL this standby still needs
# -X stream   copy the WAL written during the backup too: the copy is consistent on its own
# -c fast     checkpoint now rather than spread over minutes
pg_basebackup \
  --pgdata="$REPLICA_PGDATA" \
  --dbname="application_name=$REPLICA_NAME" \
  --write-recovery-conf \
  --slot="$REPLICA_NAME" \
  --wal-method=stream \
  --checkpoint=fast
