#!/bin/sh
# A throwaway PostgreSQL cluster for the tests: Debian's server binaries
# (/usr/lib/postgresql/<ver>/bin), initdb into a temporary directory, listen
# on 127.0.0.1 only at a free port, password authentication (scram) for a
# role "station" with its password in a 0600 file, so the tests exercise
# password_file like a real bench.  PostgreSQL refuses to run as root: when
# the tests run as root the cluster belongs to the unprivileged "postgres"
# user (Debian's package creates it), else to the caller.
#
# Source it, then:
#   pg_start DIR      creates and starts a cluster in DIR (must not exist);
#                     sets PG_DIR, PG_PORT, PG_URL ("postgresql://station@
#                     127.0.0.1:PORT/espstation"), PG_PASSFILE (the password),
#                     PG_SUPER_URL (a superuser URL for test setup/tampering,
#                     over the cluster's Unix socket, trust)
#   pg_stop [fast|immediate]   stops it (immediate = a crash: no shutdown
#                     checkpoint, connections cut)
#   pg_restart        starts it again on the same port and data
#   pg_psql SQL       runs SQL as the superuser; prints unaligned tuples only
#   pg_cleanup        stops (immediate) and removes DIR; safe to call twice
# Exits 77 (skip) when no PostgreSQL server is installed: .ci/install-deps
# installs postgresql.

pg_bin()
{
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && { echo "$d"; return 0; }
	done
	return 1
}

PG_BIN=$(pg_bin) || { echo "SKIP: no PostgreSQL server (apt install postgresql)"; exit 77; }

pg_as()
{
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
	else
		"$@"
	fi
}

pg_free_port()
{
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_start()
{
	PG_DIR=$1
	mkdir -p "$PG_DIR"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DIR"
	chmod 0700 "$PG_DIR"
	PG_PORT=$(pg_free_port)
	PG_PASSFILE=$PG_DIR.pass
	echo "station-pw-$$-$PG_PORT" >"$PG_PASSFILE"
	chmod 0600 "$PG_PASSFILE"
	pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 \
		--locale=C.UTF-8 >"$PG_DIR.initdb.log" 2>&1 || { cat "$PG_DIR.initdb.log"; return 1; }
	cat >>"$PG_DIR/data/postgresql.conf" <<-CONF
	listen_addresses = '127.0.0.1'
	port = $PG_PORT
	unix_socket_directories = '$PG_DIR'
	fsync = on
	max_connections = 100
	password_encryption = 'scram-sha-256'
	CONF
	# loopback TCP needs the password; the superuser's Unix socket is trusted
	cat >"$PG_DIR/data/pg_hba.conf" <<-HBA
	local all postgres trust
	host all all 127.0.0.1/32 scram-sha-256
	HBA
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DIR/data/postgresql.conf" "$PG_DIR/data/pg_hba.conf"
	pg_restart || return 1
	PG_SUPER_URL="postgresql://postgres@/postgres?host=$PG_DIR&port=$PG_PORT"
	pg_psql "CREATE ROLE station LOGIN PASSWORD '$(cat "$PG_PASSFILE")'" >/dev/null &&
	pg_psql "CREATE DATABASE espstation OWNER station" >/dev/null || return 1
	PG_URL="postgresql://station@127.0.0.1:$PG_PORT/espstation"
	export PG_DIR PG_PORT PG_URL PG_PASSFILE PG_SUPER_URL
}

pg_restart()
{
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null ||
		{ tail -20 "$PG_DIR/server.log"; return 1; }
}

pg_stop()
{
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "${1:-fast}" -w -t 60 stop >/dev/null 2>&1 || true
}

pg_psql()
{
	psql -X -q -v ON_ERROR_STOP=1 -At -d "postgresql://postgres@/${PG_DB:-postgres}?host=$PG_DIR&port=$PG_PORT" -c "$1"
}

pg_cleanup()
{
	[ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ] || return 0
	pg_stop immediate
	rm -rf "$PG_DIR" "$PG_DIR.pass" "$PG_DIR.initdb.log"
}
