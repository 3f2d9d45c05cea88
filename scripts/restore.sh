#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an empty database and a media folder.
#
#   DATABASE_URL=postgres://…/portal_restored MEDIA_ROOT=/app/var/media \
#       scripts/restore.sh backups/portal-YYYYMMDD-HHMMSS
#
# The database must exist and be empty: create it with a UTF-8 ctype, or Chinese search
# loses its index (shared/STACK.md), e.g.
#   createdb -T template0 -E UTF8 --lc-collate=C.UTF-8 --lc-ctype=C.UTF-8 portal_restored
# Files are unpacked into MEDIA_ROOT (created if missing; existing files of the same name are
# replaced), or with PORTAL_STORAGE=s3 stored in the bucket PORTAL_S3_BUCKET names
# (`manage.py import_media`, run with $PYTHON, default python3). Then the row counts are
# compared with the backup's manifest: exit 1 on a difference.
set -euo pipefail

backup=${1:?usage: scripts/restore.sh BACKUP_FOLDER}
: "${DATABASE_URL:?set DATABASE_URL to the empty database to restore into}"
root=$(cd "$(dirname "$0")/.." && pwd)
MEDIA_ROOT=${MEDIA_ROOT:-$root/var/media}

tables=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != "0" ]; then
  echo "refusing to restore: $(psql "$DATABASE_URL" -Atc 'SELECT current_database()') already has $tables tables" >&2
  exit 2
fi

pg_restore --no-owner --no-privileges --exit-on-error --dbname="$DATABASE_URL" "$backup/db.dump"
if [ "${PORTAL_STORAGE:-filesystem}" = s3 ]; then
  "${PYTHON:-python3}" "$root/manage.py" import_media "$backup/media.tar.gz"
else
  mkdir -p "$MEDIA_ROOT"
  tar -C "$MEDIA_ROOT" -xzf "$backup/media.tar.gz"
fi

if diff <(grep -v '^#' "$backup/manifest.txt") <("$(dirname "$0")/row_counts.sh"); then
  echo "restored $backup: row counts match the manifest"
else
  echo "restored $backup, but the row counts above differ from the manifest" >&2
  exit 1
fi
