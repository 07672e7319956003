"""Drops a database and its filestore: ``dropdb.py NAME [FILESTORE_ROOT]``."""

import shutil
import sys
from pathlib import Path

import psycopg2
from psycopg2 import sql

name = sys.argv[1]
conn = psycopg2.connect(dbname="postgres")
conn.autocommit = True
with conn.cursor() as cr:
    cr.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
conn.close()
if len(sys.argv) > 2:
    shutil.rmtree(Path(sys.argv[2]) / name, ignore_errors=True)
