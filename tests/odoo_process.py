"""Run Odoo as a separate process on databases of the test run.

The install checks need databases of their own (an empty one, installed
without demo data, upgraded, uninstalled); they drive ``odoo-bin`` exactly
as an integrator would, on the configuration that ``bin/test`` wrote.
"""

import os
import re
import subprocess
import sys

import psycopg2

ERROR_LINE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", re.MULTILINE)


def settings():
    try:
        return {
            "odoo_path": os.environ["ODOO_PATH"],
            "config": os.environ["CREDIT_TEST_CONFIG"],
            "db": os.environ["CREDIT_TEST_DB"],
        }
    except KeyError as missing:
        raise RuntimeError(f"{missing} is not set: run the suite through bin/test") from None


def odoo_bin(*args, stdin=None, timeout=1800):
    """Runs odoo-bin with the run's configuration; returns its log text.

    Fails with the log's tail when Odoo exits non-zero or logs an error.
    """
    conf = settings()
    # A subcommand (shell) must come before the options.
    command = [args[0]] if args and args[0] == "shell" else []
    options = args[len(command) :]
    cmd = [
        sys.executable,
        os.path.join(conf["odoo_path"], "odoo-bin"),
        *command,
        "-c",
        conf["config"],
        *options,
    ]
    proc = subprocess.run(
        cmd, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = proc.stdout + proc.stderr
    errors = ERROR_LINE.findall(output)
    if proc.returncode or errors:
        tail = "\n".join(output.splitlines()[-60:])
        raise AssertionError(f"odoo-bin {' '.join(args)} failed (rc={proc.returncode}):\n{tail}")
    return output


def connect(db):
    """A plain connection with the credentials of the run's Odoo configuration."""
    values = {}
    with open(settings()["config"], encoding="utf-8") as conf_file:
        for line in conf_file:
            key, sep, value = line.partition("=")
            if sep:
                values[key.strip()] = value.strip()
    conn = psycopg2.connect(
        dbname=db,
        host=values["db_host"],
        port=values["db_port"],
        user=values["db_user"],
        password=values["db_password"],
    )
    conn.autocommit = True
    return conn


def query(db, sql, params=None):
    conn = connect(db)
    try:
        with conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()
    finally:
        conn.close()


def drop_database(db):
    conn = connect("postgres")
    try:
        with conn.cursor() as cr:
            cr.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        conn.close()
