"""Time `manage.py seed_demo` on a scratch database, check the data's rules, drop the database.

    .venv/bin/python scripts/bench_seed_demo.py --scale 100000                  # PostgreSQL
    .venv/bin/python scripts/bench_seed_demo.py --scale 300 --sqlite            # a temp SQLite file
    .venv/bin/python scripts/bench_seed_demo.py --pg-url postgres://postgres@127.0.0.1:5432

The PostgreSQL scratch database is created from template0 with a C.UTF-8 locale and dropped
afterwards (unless --keep). Nothing touches var/portal.sqlite3 or any existing database.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHECK = "from suggestions import demo; p = demo.problems(); print(p or 'all rules hold')"


def run(args, env, label):
    started = time.monotonic()
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.monotonic() - started
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{label} failed")
    print(f"{label}: {elapsed:.1f} s")
    return result.stdout


def postgres(admin_url: str, name: str, sql: str):
    import psycopg2

    conn = psycopg2.connect(f"{admin_url}/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.format(name=name))
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db-name", default="seedbench")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--no-check", action="store_true", help="skip demo.problems()")
    args = parser.parse_args()

    env = dict(os.environ)
    tmp = None
    if args.sqlite:
        tmp = tempfile.mkdtemp(prefix="seedbench-")
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        postgres(args.pg_url, args.db_name, 'DROP DATABASE IF EXISTS "{name}"')
        postgres(
            args.pg_url,
            args.db_name,
            "CREATE DATABASE \"{name}\" TEMPLATE template0 LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'",
        )
        env["DATABASE_URL"] = f"{args.pg_url}/{args.db_name}"
    print(f"database: {env['DATABASE_URL']}")
    try:
        run(["migrate", "-v0"], env, "migrate")
        out = run(
            ["seed_demo", f"--scale={args.scale}", f"--seed={args.seed}"],
            env,
            f"seed_demo --scale {args.scale}",
        )
        print(out)
        if not args.no_check:
            print(run(["shell", "-v0", "-c", CHECK], env, "check").strip())
        print(run(["seed_demo", f"--scale={args.scale}"], env, "second run").strip())
    finally:
        if args.keep:
            print(f"kept {env['DATABASE_URL']}")
        elif args.sqlite:
            for f in Path(tmp).iterdir():
                f.unlink()
            os.rmdir(tmp)
        else:
            postgres(args.pg_url, args.db_name, 'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
