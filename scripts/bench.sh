#!/usr/bin/env bash
# Times the nightly metrics pass over a synthetic database: installs the addon without demo
# data in a throwaway database, loads N customers and M posted invoice lines over two years
# (raw SQL), runs full passes (first placement, then again) and prints customers/s, lines/s,
# peak memory and the ratio to a plain SQL GROUP BY partner. Then a quiet night: 2 % of the
# customers get an invoice, the day moves on and the incremental pass runs, timed against
# the full pass and its own floor, and checked against a full pass of the same day in a copy
# of the database (every value both write must match). Drops the database and the copy.
#
#   bash scripts/bench.sh [--customers N] [--lines M] [--messages X] [--passes P] [--keep]
#                         [--profile]
#   make bench ARGS="--customers 2000 --lines 20000"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CUSTOMERS=100000
LINES=1000000
PASSES=2
KEEP=0
EXTRA=()
usage() {
    sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    echo "  --customers N  customers (companies) to create, default $CUSTOMERS"
    echo "  --messages X   contact messages over the last year, default 1000000"
    echo "  --lines M      posted invoice product lines, default $LINES"
    echo "  --passes P     full passes to time, default $PASSES (1: first placement, then again)"
    echo "  --keep         keep the database (and its filestore) instead of dropping it; the"
    echo "                 copy for the quiet night's check is dropped all the same"
    echo "  --profile      also list the slowest SQL statements of each pass"
}
number() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive whole number, not '$2'."; echo "$2"; }
count() { [[ $2 =~ ^(0|[1-9][0-9]*)$ ]] || die "$1 needs a whole number, not '$2'."; echo "$2"; }
while [ $# -gt 0 ]; do
    case $1 in
        --customers) [ $# -ge 2 ] || die "--customers needs a number."; CUSTOMERS=$(number "$1" "$2"); shift 2 ;;
        --customers=*) CUSTOMERS=$(number --customers "${1#*=}"); shift ;;
        --lines) [ $# -ge 2 ] || die "--lines needs a number."; LINES=$(number "$1" "$2"); shift 2 ;;
        --lines=*) LINES=$(number --lines "${1#*=}"); shift ;;
        --passes) [ $# -ge 2 ] || die "--passes needs a number."; PASSES=$(number "$1" "$2"); shift 2 ;;
        --passes=*) PASSES=$(number --passes "${1#*=}"); shift ;;
        --messages) [ $# -ge 2 ] || die "--messages needs a number."; EXTRA+=(--messages "$(count "$1" "$2")"); shift 2 ;;
        --messages=*) EXTRA+=(--messages "$(count --messages "${1#*=}")"); shift ;;
        --keep) KEEP=1; shift ;;
        --profile) EXTRA+=(--profile); shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done

setup

DB=crm_bench_$$
LOG=$(mktemp -t crm_bench.XXXXXX.log)
cleanup() {
    rm -f "$LOG"
    # the copy of the quiet night's check: bench.py drops it, unless it was stopped short
    "$PY" "$ROOT/scripts/dropdb.py" "${DB}_full" "$CACHE/data/filestore" || true
    if [ "$KEEP" = 1 ]; then
        say "kept the database $DB (drop it with: $PY scripts/dropdb.py $DB; rm -rf $CACHE/data/filestore/$DB)"
    else
        "$PY" "$ROOT/scripts/dropdb.py" "$DB" || true
        rm -rf "${CACHE:?}/data/filestore/$DB"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "installing $ADDON without demo data in the throwaway database $DB"
started=$SECONDS
odoo -d "$DB" -i "$ADDON" --stop-after-init --log-level=warn --logfile="$LOG" --no-http \
    || { cat "$LOG"; die "installing $ADDON failed (log above)."; }
say "installed in $((SECONDS - started)) s"

"$PY" "$ROOT/scripts/bench.py" -c "$(odoo_conf)" -d "$DB" \
    --customers "$CUSTOMERS" --lines "$LINES" --passes "$PASSES" "${EXTRA[@]}"
