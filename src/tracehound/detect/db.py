"""Detection state kept in the store, in its own schema so KQL never sees it.

Alerts, incidents, analyst feedback, rule state (enabled / suppressed), imported rules and the
Sigma conversion cache live in ``tracehound_detect``. Like the lab's ground truth, they sit
outside ``main``: the KQL schema (and so a hunt) is built from ``main`` only.
"""

from __future__ import annotations

from tracehound.store import Store

SCHEMA = "tracehound_detect"

DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.alerts (
        id VARCHAR PRIMARY KEY, rule_id VARCHAR, title VARCHAR, severity VARCHAR,
        techniques VARCHAR[], tactics VARCHAR[], first_seen TIMESTAMP, last_seen TIMESTAMP,
        entities JSON, evidence JSON, evidence_count BIGINT, details JSON,
        confidence INTEGER, band VARCHAR, factors JSON, suppressed_by VARCHAR,
        run_id VARCHAR, created_at TIMESTAMP)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.runs (
        id VARCHAR PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP,
        window_from TIMESTAMP, window_to TIMESTAMP, ingested_after TIMESTAMP,
        ingested_upto TIMESTAMP, rules_run INTEGER, rules_skipped INTEGER, rules_failed INTEGER,
        alerts INTEGER, complete BOOLEAN)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.rule_state (
        rule_id VARCHAR PRIMARY KEY, enabled BOOLEAN, changed_at TIMESTAMP, reason VARCHAR)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.suppressions (
        id VARCHAR PRIMARY KEY, rule_id VARCHAR, entity_kind VARCHAR, entity_value VARCHAR,
        reason VARCHAR, expires_at TIMESTAMP, created_at TIMESTAMP)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.imported_rules (
        id VARCHAR PRIMARY KEY, origin VARCHAR, path VARCHAR, sigma_yaml VARCHAR,
        imported_at TIMESTAMP)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.sigma_cache (
        key VARCHAR PRIMARY KEY, kql VARCHAR, error VARCHAR, created_at TIMESTAMP)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.incidents (
        id VARCHAR PRIMARY KEY, title VARCHAR, severity VARCHAR, confidence INTEGER,
        band VARCHAR, status VARCHAR, classification VARCHAR, assignee VARCHAR,
        entities JSON, tactics VARCHAR[], techniques VARCHAR[], first_seen TIMESTAMP,
        last_seen TIMESTAMP, created_at TIMESTAMP, updated_at TIMESTAMP)""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.incident_alerts (
        incident_id VARCHAR, alert_id VARCHAR, PRIMARY KEY (incident_id, alert_id))""",
    f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.incident_notes (
        incident_id VARCHAR, noted_at TIMESTAMP, author VARCHAR, text VARCHAR)""",
)


def ensure_tables(store: Store) -> None:
    """Create the detection schema and tables when missing (idempotent, cheap)."""
    if store.read_only:
        exists = store.con.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?", [SCHEMA]
        ).fetchall()[0][0]
        if not exists:
            from tracehound.errors import TracehoundError

            raise TracehoundError(
                f"{store.path} has no detection data yet", "run `tracehound detect` first"
            )
        return
    for statement in DDL:
        store.con.execute(statement)
