#!/bin/sh
# Debian's PostgreSQL started the way the official postgres image starts: a cluster made
# on first start with POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB, then the server in
# the foreground on PGPORT, listening on 127.0.0.1 only. Used by deploy/compose-check.yml.
set -eu
PGDATA=/var/lib/postgresql/data
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    password_file=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$password_file"
    "$BIN/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$password_file" \
        --auth-host=scram-sha-256 --auth-local=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$password_file"
    "$BIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses='' -k /tmp" -w start >/dev/null
    if [ "$POSTGRES_DB" != postgres ]; then
        "$BIN/createdb" -h /tmp -U "$POSTGRES_USER" "$POSTGRES_DB"
    fi
    "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
fi
exec "$BIN/postgres" -D "$PGDATA" -k /tmp -c listen_addresses=127.0.0.1 -p "${PGPORT:-5432}"
