#!/usr/bin/env bash
# Prepare the primary for streaming replication. Runs as the server's OS user with
# PGHOST/PGPORT/PGUSER/PGDATABASE/PGDATA pointing at the running primary; the grader restarts
# the primary afterwards, so settings that need a restart take effect then.
#
#   REPLICA_NAME  the standby's name: its application_name and its replication slot's name
#   SYNC          1: commits must wait for that standby (synchronous replication); 0: they must not
set -euo pipefail
: "${REPLICA_NAME:?REPLICA_NAME is not set}"

psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# WAL detailed enough for a standby, and room for its WAL sender and slot. hot_standby is read
# by the standby (it starts from a copy of this configuration).
psql <<'SQL'
ALTER SYSTEM SET wal_level = 'replica';
ALTER SYSTEM SET max_wal_senders = 10;
ALTER SYSTEM SET max_replication_slots = 10;
ALTER SYSTEM SET hot_standby = on;
SQL

# The slot keeps every WAL segment the standby has not confirmed yet, so it can fall behind
# (or be down for a while) and catch up without a new base backup. Cap what a lost standby
# can pin, so an abandoned slot cannot fill the disk.
psql -v slot="$REPLICA_NAME" <<'SQL'
ALTER SYSTEM SET max_slot_wal_keep_size = '1GB';
SELECT pg_create_physical_replication_slot(:'slot')
WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = :'slot');
SQL

if [ "${SYNC:-0}" = 1 ]; then
  # FIRST 1 (name): a commit returns only once this standby has flushed its WAL to disk.
  psql -v names="FIRST 1 (\"$REPLICA_NAME\")" <<'SQL'
ALTER SYSTEM SET synchronous_standby_names = :'names';
ALTER SYSTEM SET synchronous_commit = 'on';
SQL
else
  psql <<'SQL'
ALTER SYSTEM RESET synchronous_standby_names;
ALTER SYSTEM RESET synchronous_commit;
SQL
fi
