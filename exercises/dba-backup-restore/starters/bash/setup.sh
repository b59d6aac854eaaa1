#!/usr/bin/env bash
# setup.sh: turn on continuous WAL archiving on the running primary (stage: archiving).
#
# Environment: PGHOST, PGPORT, PGUSER, PGDATABASE (a superuser, no password), ARCHIVE_DIR (the
# WAL archive folder) and PATH with the server's programs first. Runs as the server's OS user.
# Only configure: the grader restarts the primary after this script.
set -euo pipefail

: "${ARCHIVE_DIR:?set ARCHIVE_DIR to the folder that keeps archived WAL}"

# TODO 1: the archive's absolute path, to write into archive_command.
# TODO 2: an archive_command that copies %p to <archive>/%f, exits 0 only once the file is
#         stored, and fails (never overwrites) when <archive>/%f already exists.
# TODO 3: ALTER SYSTEM SET wal_level, archive_mode and archive_command (through psql).

echo "setup.sh: not written yet (see the archiving stage)" >&2
exit 1
