#!/usr/bin/env bash
# restore.sh [--to TIME]: prepare $TARGET_PGDATA for point-in-time recovery.
#
# Environment: BACKUP_DIR (base backups made by backup.sh; the newest is restored),
# ARCHIVE_DIR (the WAL archive) and TARGET_PGDATA (an empty folder: the new data directory).
# TIME is a timestamp with time zone as PostgreSQL prints it, e.g.
# '2025-03-01 09:41:07.123456+00': recovery keeps every transaction committed at or before
# it and none after. Without --to, recovery replays everything the archive holds.
# The script does not start PostgreSQL; whoever runs the drill starts it on $TARGET_PGDATA.
set -euo pipefail

usage() {
  echo "usage: restore.sh [--to 'YYYY-MM-DD HH:MM:SS[.ffffff]+TZ']" >&2
  exit 2
}

target_time=""
while [ $# -gt 0 ]; do
  case "$1" in
    --to)
      [ $# -ge 2 ] || usage
      target_time=$2
      shift 2
      ;;
    --to=*)
      target_time=${1#--to=}
      shift
      ;;
    *) usage ;;
  esac
done

: "${BACKUP_DIR:?set BACKUP_DIR to the folder of base backups}"
: "${ARCHIVE_DIR:?set ARCHIVE_DIR to the WAL archive}"
: "${TARGET_PGDATA:?set TARGET_PGDATA to the empty folder to restore into}"

fail() {
  echo "restore.sh: $*" >&2
  exit 1
}

# Never restore over something: a non-empty target may be a live data directory.
mkdir -p "$TARGET_PGDATA"
if [ -n "$(ls -A "$TARGET_PGDATA")" ]; then
  fail "$TARGET_PGDATA is not empty; refusing to restore over it"
fi

# The newest backup: backup.sh names them base-<UTC time>, so the last in name order.
backup=""
for dir in "$BACKUP_DIR"/*/; do
  if [ -f "$dir/backup_manifest" ]; then
    backup=${dir%/}
  fi
done
[ -n "$backup" ] || fail "no base backup (a folder with a backup_manifest) in $BACKUP_DIR"
archive=$(cd "$ARCHIVE_DIR" && pwd -P)

# Check every file against the manifest (size and checksum) and parse the backup's WAL,
# before anything is copied: a damaged backup must stop the restore here, loudly.
if ! pg_verifybackup "$backup"; then
  fail "backup $backup failed verification (see above); nothing was restored"
fi

cp -R "$backup"/. "$TARGET_PGDATA"/
chmod 700 "$TARGET_PGDATA"
rm -f "$TARGET_PGDATA/backup_manifest"

# Recovery settings (PostgreSQL 12+: in the configuration, plus recovery.signal).
{
  echo ""
  echo "# added by restore.sh for point-in-time recovery"
  echo "restore_command = 'cp \"$archive/%f\" \"%p\"'"
  if [ -n "$target_time" ]; then
    echo "recovery_target_time = '$target_time'"
    echo "recovery_target_inclusive = on"
  fi
  # Open for writes once the target is reached, on a new timeline.
  echo "recovery_target_action = 'promote'"
  # A restored copy must never write into the archive of the cluster it came from.
  echo "archive_mode = off"
} >>"$TARGET_PGDATA/postgresql.auto.conf"
touch "$TARGET_PGDATA/recovery.signal"

echo "restored $backup into $TARGET_PGDATA (target: ${target_time:-end of the archive}); start PostgreSQL on it to recover"
