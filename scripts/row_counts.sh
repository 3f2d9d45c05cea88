#!/usr/bin/env bash
# Print "table rows" for every table of the public schema of $DATABASE_URL, sorted by name:
# the manifest of a backup, and what a restore is compared with.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL}"
# One query: count(*) of each table, built from the catalogue (exact counts, not estimates).
psql "$DATABASE_URL" -At -F ' ' -v ON_ERROR_STOP=1 <<'SQL'
SELECT coalesce(string_agg(
         format('SELECT %L AS t, count(*) AS n FROM %I', tablename, tablename),
         ' UNION ALL ' ORDER BY tablename), 'SELECT NULL AS t, NULL AS n WHERE false') AS counts
FROM pg_tables WHERE schemaname = 'public'
\gset
SELECT t, n FROM (:counts) counts ORDER BY t;
SQL
