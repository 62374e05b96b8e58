#!/bin/sh
# Temporal on Postgres, set up the way an operator does it: the persistence and visibility schemas with Temporal's
# own SQL tool, then the namespace with its retention and EduStream's custom search attributes with the Temporal CLI.
# One script for every deployment: the temporalio/admin-tools container runs it in docker-compose.yml (its
# temporal-sql-tool, temporal CLI and schema files at /etc/temporal/schema are the defaults below), and
# `npm run stack:production` / `npm run test:rehearsal` run it with the binaries of ~/.cache/edustream/bin and the
# schema files of the server's Go module (src/stack/temporal-server.ts sets the variables).
#
#   deploy/temporal-setup.sh schema      before the server starts: creates both databases if missing, installs or
#                                        upgrades their schemas (safe to repeat: update-schema skips applied versions)
#   deploy/temporal-setup.sh namespace   once the server answers: the namespace and the search attributes (idempotent)
#   deploy/temporal-setup.sh all         both, waiting for the server in between
#
# The search attributes must match src/temporal/shared.ts (`searchAttributes`); the rehearsal checks that they do.
set -eu

: "${POSTGRES_SEEDS:?the Postgres host, e.g. postgres}"
: "${POSTGRES_USER:?the role Temporal connects as}"
: "${POSTGRES_PWD:?its password}"
DB_PORT="${DB_PORT:-5432}"
DBNAME="${DBNAME:-temporal}"
VISIBILITY_DBNAME="${VISIBILITY_DBNAME:-temporal_visibility}"
SQL_TOOL="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
TEMPORAL_CLI="${TEMPORAL_CLI:-temporal}"
SCHEMA_DIR="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
export TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-edustream}"
# Closed workflows (finished checkouts, ingests, payout runs) stay visible this long; the 7-day escrow runs are open.
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-720h}"

SEARCH_ATTRIBUTES="
EduInstructorId Keyword
EduCourseId Keyword
EduLessonId Keyword
EduTransactionId Keyword
EduPayoutPeriod Keyword
EduSaleStatus Keyword
EduReleaseAt Datetime
EduPayoutsPaid Int
EduPayoutsFailed Int
"

say() { echo "temporal-setup: $*"; }

sql() {
  "$SQL_TOOL" --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}

setup_database() { # <database> <schema subdirectory>
  # Both are no-ops on a database that has them already (errors then are expected); update-schema below fails loudly.
  sql --db "$1" create-database >/dev/null 2>&1 || true
  sql --db "$1" setup-schema -v 0.0 >/dev/null 2>&1 || true
  sql --db "$1" update-schema -d "$SCHEMA_DIR/$2/versioned"
  say "schema of $1 is at the latest version ($SCHEMA_DIR/$2)"
}

schema() {
  setup_database "$DBNAME" temporal
  setup_database "$VISIBILITY_DBNAME" visibility
}

wait_for_server() {
  tries=0
  until "$TEMPORAL_CLI" operator cluster health >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 120 ] || { say "no Temporal server answers at $TEMPORAL_ADDRESS"; exit 1; }
    sleep 1
  done
}

# A namespace just created takes a moment to reach every frontend's cache: retry what depends on it.
retry() {
  tries=0
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 30 ] || { "$@"; exit 1; }
    sleep 1
  done
}

has_attribute() {
  "$TEMPORAL_CLI" operator search-attribute list --namespace "$NAMESPACE" 2>/dev/null | grep -qw "$1"
}

namespace() {
  if "$TEMPORAL_CLI" operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
    "$TEMPORAL_CLI" operator namespace update --namespace "$NAMESPACE" --retention "$RETENTION" >/dev/null
    say "namespace $NAMESPACE exists (retention $RETENTION)"
  else
    "$TEMPORAL_CLI" operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" >/dev/null
    say "namespace $NAMESPACE created (retention $RETENTION)"
  fi
  retry "$TEMPORAL_CLI" operator search-attribute list --namespace "$NAMESPACE"
  echo "$SEARCH_ATTRIBUTES" | while read -r name type; do
    [ -n "$name" ] || continue
    if has_attribute "$name"; then continue; fi
    retry "$TEMPORAL_CLI" operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type"
    say "search attribute $name ($type) registered"
  done
}

case "${1:-all}" in
  schema) schema ;;
  namespace) wait_for_server && namespace ;;
  all) schema && wait_for_server && namespace ;;
  *) echo "usage: $0 [schema|namespace|all]" >&2; exit 2 ;;
esac
