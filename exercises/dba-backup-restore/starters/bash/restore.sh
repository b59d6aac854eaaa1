#!/usr/bin/env bash
# restore.sh [--to TIME]: prepare TARGET_PGDATA for point-in-time recovery (stages: pitr,
# corruption).
#
# Environment: BACKUP_DIR (backups made by backup.sh: restore the newest), ARCHIVE_DIR (the WAL
# archive), TARGET_PGDATA (must be empty: the new data directory) and PATH with the server's
# programs first. TIME is a timestamp with time zone as PostgreSQL prints it, e.g.
# '2025-03-01 09:41:07.123456+14'. Do not start PostgreSQL: whoever runs the drill does.
set -euo pipefail

target_time=""
while [ $# -gt 0 ]; do
  case "$1" in
    --to)
      target_time=${2:?--to needs a TIME}
      shift 2
      ;;
    *)
      echo "usage: restore.sh [--to TIME]" >&2
      exit 2
      ;;
  esac
done

: "${BACKUP_DIR:?}" "${ARCHIVE_DIR:?}" "${TARGET_PGDATA:?}"

# TODO 1: refuse a TARGET_PGDATA that is not empty.
# TODO 2: find the newest backup in $BACKUP_DIR and pg_verifybackup it; stop if it fails.
# TODO 3: copy it into $TARGET_PGDATA (chmod 700).
# TODO 4: restore_command, recovery_target_time (only with --to), recovery_target_action,
#         and recovery.signal.

echo "restore.sh: not written yet (see the pitr stage); target: ${target_time:-latest}" >&2
exit 1
