#!/usr/bin/env bash
# Back up the portal: the PostgreSQL database and the uploaded files, with a manifest.
#
#   DATABASE_URL=postgres://… MEDIA_ROOT=/app/var/media scripts/backup.sh [DEST]
#   DATABASE_URL=postgres://… PORTAL_STORAGE=s3 PORTAL_S3_BUCKET=… PORTAL_S3_…=… scripts/backup.sh [DEST]
#
# Writes DEST/portal-YYYYMMDD-HHMMSS/ (DEST defaults to ./backups) holding
#   db.dump       pg_dump custom format (-Fc): compressed, restored with pg_restore
#   media.tar.gz  every uploaded file (reply letters, attachments, evidence, import files):
#                 everything under MEDIA_ROOT, or with PORTAL_STORAGE=s3 every object of the
#                 bucket (`manage.py export_media`, run with $PYTHON, default python3, which
#                 needs the portal's packages and its PORTAL_S3_* settings)
#   manifest.txt  when, which database, and the row count of every table
# and prints that folder's path last. pg_dump takes a consistent snapshot while the portal
# keeps running; files uploaded during the run may or may not be in the tar.
set -euo pipefail

: "${DATABASE_URL:?set DATABASE_URL (postgres://user:password@host:port/name)}"
root=$(cd "$(dirname "$0")/.." && pwd)
MEDIA_ROOT=${MEDIA_ROOT:-$root/var/media}
dest_root=${1:-backups}
dest="$dest_root/portal-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$dest"

pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$dest/db.dump"

if [ "${PORTAL_STORAGE:-filesystem}" = s3 ]; then
  "${PYTHON:-python3}" "$root/manage.py" export_media "$dest/media.tar.gz"
elif [ -d "$MEDIA_ROOT" ]; then
  tar -C "$MEDIA_ROOT" -czf "$dest/media.tar.gz" .
else
  tar -czf "$dest/media.tar.gz" --files-from /dev/null  # no uploads yet: an empty archive
fi

{
  echo "# portal backup $(date --iso-8601=seconds)"
  echo "# database $(psql "$DATABASE_URL" -Atc 'SELECT current_database()') on $(psql "$DATABASE_URL" -Atc 'SHOW server_version')"
  echo "# media $(tar -tzf "$dest/media.tar.gz" | grep -cv '/$' || true) files"
  echo "# table rows"
  scripts_dir=$(dirname "$0")
  "$scripts_dir/row_counts.sh"
} >"$dest/manifest.txt"

echo "$dest"
