#!/usr/bin/env bash
# backup.sh: take a physical base backup of the running primary into a new folder of $BACKUP_DIR.
#
# Environment: PGHOST, PGPORT, PGUSER (allowed replication connections) and BACKUP_DIR.
# Every run makes a new folder (base-<UTC time>), so earlier backups are kept; the last line
# printed is the new backup's path.
set -euo pipefail

: "${BACKUP_DIR:?set BACKUP_DIR to the folder that keeps base backups}"
mkdir -p "$BACKUP_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dest="$BACKUP_DIR/base-$stamp"
n=1
while [ -e "$dest" ]; do # two backups in the same second
  n=$((n + 1))
  dest="$BACKUP_DIR/base-$stamp-$n"
done

# -Fp: plain format, a data directory that pg_verifybackup can check and restore.sh can copy.
# -X stream: the WAL written during the backup goes into the backup, so it is consistent on
#   its own, even if the archive lost something.
# A manifest with SHA-256 checksums: backup_manifest lists every file with its size and checksum.
# --checkpoint=fast: start now instead of waiting for the next scheduled checkpoint.
pg_basebackup --pgdata="$dest" --format=plain --wal-method=stream \
  --manifest-checksums=SHA256 --checkpoint=fast --label="backup.sh $stamp" \
  --no-password

# A backup nobody checked is a hope: check it against its manifest right away.
pg_verifybackup --quiet "$dest"

echo "base backup written and verified: $dest"
echo "$dest"
