#!/usr/bin/env bash
# backup.sh: a verified physical base backup of the running primary (stage: base-backup).
#
# Environment: PGHOST, PGPORT, PGUSER (replication allowed), BACKUP_DIR and PATH with the
# server's programs first. Each run writes a new folder inside BACKUP_DIR and keeps the others.
set -euo pipefail

: "${BACKUP_DIR:?set BACKUP_DIR to the folder that keeps base backups}"

# TODO 1: a new folder name inside $BACKUP_DIR (e.g. base-<UTC time>).
# TODO 2: pg_basebackup into it: plain format, WAL streamed, a manifest with checksums.
# TODO 3: pg_verifybackup the new backup.

echo "backup.sh: not written yet (see the base-backup stage)" >&2
exit 1
