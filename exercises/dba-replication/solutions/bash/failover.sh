#!/usr/bin/env bash
# Promote the standby: the primary is gone. Runs as the server's OS user with
# PGHOST/PGPORT/PGUSER/PGDATABASE/PGDATA pointing at the running standby.
#
# It must return only once the standby IS a primary (out of recovery, accepting writes):
# whatever runs next (a health check, the application) counts on it.
set -euo pipefail

psql() { command psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

# pg_ctl promote waits (--wait, the default) until the server has left recovery, and fails
# after --timeout seconds; the standby first replays all the WAL it received.
pg_ctl promote --pgdata="$PGDATA" --wait --timeout=60

# The new primary inherited the old one's synchronous_standby_names and has no standby yet:
# with it, every commit would wait forever. Run without synchronous replication until a new
# standby is attached (then name it again).
psql -c "ALTER SYSTEM SET synchronous_standby_names = ''" -c 'SELECT pg_reload_conf()' >/dev/null

echo "promoted: now writing $(psql -c 'SELECT pg_walfile_name(pg_current_wal_lsn())')"
