# shellcheck shell=bash
# Shared by bin/serve and bin/test: find Odoo, prepare the Python environment,
# start PostgreSQL and write an Odoo configuration file. Sourced, not run.
set -euo pipefail

PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ODOO_PATH=${ODOO_PATH:-/opt/odoo}
CACHE_DIR=${CREDIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/credit_suite}
PGHOST_ADDR=${PGHOST_ADDR:-127.0.0.1}
PGPORT=${PGPORT:-5432}
DB_USER=${DB_USER:-credit_suite}
DB_PASSWORD=${DB_PASSWORD:-credit_suite}
ADDONS="credit_management,credit_management_sale,credit_management_portal,credit_management_spreadsheet_dashboard,credit_insurance,factoring_connector"

die() {
    echo >&2
    echo "ERROR: $*" >&2
    exit 1
}

say() { echo ">>> $*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

apt_install() {
    # Installs Debian packages that are missing; quiet when all are present.
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "Missing system packages: ${missing[*]}. Install them with your package manager."
    say "Installing system packages: ${missing[*]}"
    as_root apt-get update -qq >/dev/null || die "apt-get update failed; install ${missing[*]} by hand."
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null \
        || die "Could not install ${missing[*]}; install them by hand."
}

check_odoo() {
    if [ ! -f "$ODOO_PATH/odoo-bin" ] || [ ! -d "$ODOO_PATH/addons/account" ]; then
        die "Odoo 19.0 Community was not found at '$ODOO_PATH'.
       Put an Odoo 19.0 Community source tree there (it must contain odoo-bin,
       odoo/ and addons/), or point ODOO_PATH at one:  ODOO_PATH=/path/to/odoo $0"
    fi
    grep -q "19, 0" "$ODOO_PATH/odoo/release.py" 2>/dev/null \
        || die "The tree at '$ODOO_PATH' is not Odoo 19.0 (see $ODOO_PATH/odoo/release.py)."
    # odoo is a namespace package: pytest, pylint and the bench scripts import it from here.
    export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
}

pick_python() {
    local candidate
    for candidate in ${PYTHON:-} python3.12 python3.11 python3.10 python3; do
        command -v "$candidate" >/dev/null || continue
        if "$candidate" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    die "Python 3.10, 3.11 or 3.12 is required (set PYTHON=/path/to/python3.x)."
}

setup_venv() {
    # One virtual environment per set of requirements, shared by every clone.
    local python hash
    python=$(pick_python)
    hash=$(cat "$ODOO_PATH/requirements.txt" "$PROJECT_DIR/requirements.txt" \
        | "$python" -c 'import hashlib,sys; print(hashlib.sha1(sys.stdin.buffer.read()).hexdigest()[:12])')
    VENV=${VENV:-$CACHE_DIR/venv-$("$python" -c 'import sys; print("py%d%d" % sys.version_info[:2])')-$hash}
    if [ ! -f "$VENV/.complete" ]; then
        # psycopg2 and python-ldap build from source on some Pythons.
        apt_install gcc libpq-dev libldap2-dev libsasl2-dev python3-dev
        say "Creating the virtual environment $VENV (a few minutes, once)"
        rm -rf "$VENV"
        "$python" -m venv "$VENV"
        "$VENV/bin/pip" install -q --upgrade pip wheel "setuptools<81"
        "$VENV/bin/pip" install -q -r "$ODOO_PATH/requirements.txt" \
            || die "Installing Odoo's Python requirements failed (see above)."
        "$VENV/bin/pip" install -q -r "$PROJECT_DIR/requirements.txt" \
            || die "Installing the project's Python requirements failed (see above)."
        touch "$VENV/.complete"
    fi
    export PATH="$VENV/bin:$PATH"
}

start_postgres() {
    if ! command -v pg_lsclusters >/dev/null && ! command -v pg_ctl >/dev/null; then
        apt_install postgresql
    fi
    if ! pg_isready -q -h "$PGHOST_ADDR" -p "$PGPORT" 2>/dev/null; then
        command -v pg_lsclusters >/dev/null \
            || die "PostgreSQL is not running on $PGHOST_ADDR:$PGPORT and this is not a Debian-style install; start it yourself."
        local cluster
        cluster=$(pg_lsclusters --no-header 2>/dev/null | awk -v port="$PGPORT" '$3 == port {print $1 " " $2; exit}')
        if [ -z "$cluster" ]; then
            local version
            version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
            say "Creating PostgreSQL cluster $version/main"
            as_root pg_createcluster "$version" main -p "$PGPORT" >/dev/null \
                || die "Could not create a PostgreSQL cluster."
            cluster="$version main"
        fi
        say "Starting PostgreSQL $cluster"
        # shellcheck disable=SC2086
        as_root pg_ctlcluster $cluster start || die "PostgreSQL $cluster did not start (see /var/log/postgresql/)."
        for _ in $(seq 1 30); do
            pg_isready -q -h "$PGHOST_ADDR" -p "$PGPORT" && break
            sleep 1
        done
        pg_isready -q -h "$PGHOST_ADDR" -p "$PGPORT" || die "PostgreSQL does not answer on $PGHOST_ADDR:$PGPORT."
    fi
    # A role of our own, so that Odoo never connects as a superuser.
    local sql="DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
            CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
        END IF; END \$\$;"
    if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
        su postgres -c "env -u PGHOST -u PGUSER -u PGPASSWORD -u PGDATABASE psql -q -v ON_ERROR_STOP=1 -p $PGPORT" <<<"$sql" >/dev/null || die "Could not create the PostgreSQL role $DB_USER."
    elif ! PGPASSWORD=$DB_PASSWORD psql -h "$PGHOST_ADDR" -p "$PGPORT" -U "$DB_USER" -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
        die "Cannot connect to PostgreSQL as '$DB_USER'. Create it: CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';"
    fi
    export PGHOST=$PGHOST_ADDR PGPORT PGUSER=$DB_USER PGPASSWORD=$DB_PASSWORD
}

write_config() {
    # write_config FILE HTTP_PORT
    mkdir -p "$(dirname "$1")"
    cat >"$1" <<CONF
[options]
addons_path = $PROJECT_DIR,$ODOO_PATH/addons,$ODOO_PATH/odoo/addons
db_host = $PGHOST_ADDR
db_port = $PGPORT
db_user = $DB_USER
db_password = $DB_PASSWORD
http_interface = 127.0.0.1
http_port = $2
data_dir = $CACHE_DIR/data
list_db = True
CONF
}

require_tools() {
    # Chromium runs the browser tours; wkhtmltopdf prints every PDF report
    # (Odoo answers "Unable to find Wkhtmltopdf" without it).
    apt_install chromium wkhtmltopdf
    command -v chromium >/dev/null || die "Chromium is required for the browser tours (Debian package 'chromium')."
    command -v wkhtmltopdf >/dev/null || die "wkhtmltopdf is required to print PDF reports (Debian package 'wkhtmltopdf')."
}

odoo_bin() {
    python "$ODOO_PATH/odoo-bin" "$@"
}
