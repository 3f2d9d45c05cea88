#!/bin/sh
# One-shot (docker-compose.yml, service createbuckets, image minio/mc): the portal's private
# bucket on MinIO and the key pair the app services use, allowed only to read and write that
# bucket's objects. Safe to run again on every `docker compose up`.
set -eu
: "${MINIO_ROOT_USER:?set MINIO_ROOT_USER in .env}"
: "${MINIO_ROOT_PASSWORD:?set MINIO_ROOT_PASSWORD in .env}"
: "${PORTAL_S3_BUCKET:?set PORTAL_S3_BUCKET in .env}"
: "${PORTAL_S3_ACCESS_KEY_ID:?set PORTAL_S3_ACCESS_KEY_ID in .env}"
: "${PORTAL_S3_SECRET_ACCESS_KEY:?set PORTAL_S3_SECRET_ACCESS_KEY in .env}"

mc alias set portal http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing "portal/$PORTAL_S3_BUCKET"
# Private: no anonymous access; the portal streams every download after its access check.
mc anonymous set none "portal/$PORTAL_S3_BUCKET"

# The image is minimal (no cat, no grep): only shell built-ins and mc below.
policy=/tmp/portal-objects.json
printf '%s\n' \
  '{"Version": "2012-10-17", "Statement": [' \
  "  {\"Effect\": \"Allow\", \"Action\": [\"s3:ListBucket\", \"s3:GetBucketLocation\"]," \
  "   \"Resource\": [\"arn:aws:s3:::$PORTAL_S3_BUCKET\"]}," \
  "  {\"Effect\": \"Allow\", \"Action\": [\"s3:GetObject\", \"s3:PutObject\", \"s3:DeleteObject\"]," \
  "   \"Resource\": [\"arn:aws:s3:::$PORTAL_S3_BUCKET/*\"]}" \
  ']}' >"$policy"
mc admin policy create portal portal-objects "$policy"
mc admin user add portal "$PORTAL_S3_ACCESS_KEY_ID" "$PORTAL_S3_SECRET_ACCESS_KEY"
# A re-run finds the policy attached already: that is the state wanted.
if ! out=$(mc admin policy attach portal portal-objects --user "$PORTAL_S3_ACCESS_KEY_ID" 2>&1); then
  case "$out" in
    *already*) ;;
    *) echo "$out" >&2; exit 1 ;;
  esac
fi
echo "bucket $PORTAL_S3_BUCKET ready for $PORTAL_S3_ACCESS_KEY_ID"
