"""Investigation and reports on a seeded lab: for each scenario an incident caught, the
timeline holds the scenario's rows in time order and the affected assets cover its ground
truth; the reports render in all four formats (STIX checked by the stix2 library).

One small lab is seeded and detected per module. Scenario rows are found through the lab's
``_Extra`` tag (test-only knowledge: investigation never reads it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tracehound.detect.db import SCHEMA
from tracehound.detect.service import detect
from tracehound.investigate import investigate
from tracehound.investigate.model import Investigation
from tracehound.lab import SeedOptions, seed
from tracehound.lab.scenarios.registry import SCENARIOS
from tracehound.lab.truth import read as read_truth
from tracehound.report import ReportFormat, build_report, render
from tracehound.report.auto import write_high_reports
from tracehound.score import DetectionSettings
from tracehound.store import Store, quote_ident

#: Every lab scenario: each must produce an incident whose investigation holds its rows in order
#: and names its ground-truth assets.
EXPECTED = set(SCENARIOS)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("lab") / "lab.duckdb"
    store = Store.open(path)
    seed(
        store,
        SeedOptions(
            days=2,
            devices=6,
            users=20,  # a spray needs more accounts than its threshold
            seed=3,
            end=datetime(2025, 3, 13),
            scenarios=tuple(sorted(EXPECTED)),
        ),
    )
    detect(store, DetectionSettings())
    yield store
    store.close()


def _scenario_rows(store: Store, scenario: str) -> list[tuple[datetime, str, str]]:
    rows: list[tuple[datetime, str, str]] = []
    tables = [t for t, n in store.row_counts().items() if n]
    for table in tables:
        found = store.con.execute(
            f"SELECT Timestamp, _RowId FROM {quote_ident(table)}"
            " WHERE json_extract_string(_Extra, '$.lab_scenario') = ?",
            [scenario],
        ).fetchall()
        rows += [(ts, table, rid) for ts, rid in found]
    return sorted(rows)


def _incidents_by_scenario(store: Store) -> dict[str, set[str]]:
    """Scenario -> incidents holding an alert whose evidence is one of its rows."""
    out: dict[str, set[str]] = {}
    cited = store.con.execute(
        f"SELECT ia.incident_id, a.evidence FROM {SCHEMA}.alerts a"
        f" JOIN {SCHEMA}.incident_alerts ia ON ia.alert_id = a.id"
    ).fetchall()
    for incident_id, evidence in cited:
        for item in json.loads(evidence):
            tag = store.con.execute(
                f"SELECT json_extract_string(_Extra, '$.lab_scenario') FROM {quote_ident(item['table'])}"
                " WHERE _RowId = ?",
                [item["row_id"]],
            ).fetchone()
            if tag and tag[0]:
                out.setdefault(tag[0], set()).add(incident_id)
    return out


@pytest.fixture(scope="module")
def investigations(lab: Store) -> dict[str, Investigation]:
    from tracehound.backends.local import LocalBackend

    backend = LocalBackend(lab)  # one backend: its translation cache serves every incident
    return {
        inc: investigate(lab, inc, backend=backend)
        for incs in _incidents_by_scenario(lab).values()
        for inc in incs
    }


def test_expected_scenarios_have_incidents(lab: Store) -> None:
    caught = set(_incidents_by_scenario(lab))
    assert caught >= EXPECTED, f"missing incidents for {sorted(EXPECTED - caught)}"


def test_timeline_holds_each_scenario_in_order(
    lab: Store, investigations: dict[str, Investigation]
) -> None:
    """Every scenario row is on its incidents' timelines, in time order.

    A scenario that touches two hosts (lateral movement) may raise one incident per host; then
    each timeline holds its part in order, together they hold every row, and each incident's
    investigation names the others as related, so the analyst lands on the whole story.
    """
    for scenario, incidents in _incidents_by_scenario(lab).items():
        wanted = _scenario_rows(lab, scenario)
        assert wanted, scenario
        covered: set[tuple[str, str]] = set()
        for incident_id in incidents:
            events = investigations[incident_id].events
            position = {(e.table, e.row_id): i for i, e in enumerate(events)}
            present = [w for w in wanted if (w[1], w[2]) in position]
            covered |= {(t, r) for _, t, r in present}
            times = [events[position[(t, r)]].timestamp for _, t, r in present]
            assert times == sorted(times), scenario
            # the whole timeline is sorted too
            assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)
            if len(incidents) > 1:
                related = {r["id"] for r in investigations[incident_id].related_incidents}
                assert related & (incidents - {incident_id}), (scenario, incident_id)
        missing = [w for w in wanted if (w[1], w[2]) not in covered]
        assert not missing, f"{scenario}: {len(missing)} rows on no timeline, e.g. {missing[:3]}"


def test_affected_assets_match_ground_truth(
    lab: Store, investigations: dict[str, Investigation]
) -> None:
    """The ground truth's devices, accounts and addresses are among the scenario's incidents'
    affected assets (taken together, as for the timeline), each in its role."""
    _, truth = read_truth(lab)
    by_id = {t.id: t for t in truth}
    for scenario, incidents in _incidents_by_scenario(lab).items():
        record = by_id[scenario]
        roles: dict[tuple[str, str], set[str]] = {}
        for incident_id in incidents:
            for asset in investigations[incident_id].assets:
                roles.setdefault((asset.kind, asset.value), set()).update(asset.roles)
        for device in record.devices:
            assert "target" in roles.get(("device", device.lower()), set()), (scenario, device)
        for account in record.accounts:
            found = roles.get(("account", account.lower()), set())
            assert {"compromised account", "targeted account"} & found, (scenario, account, found)
        for ip in record.ips:
            assert {"source", "destination"} & roles.get(("ip", ip), set()), (scenario, ip)


def test_evidence_events_carry_attack_ids_and_queries_are_recorded(
    investigations: dict[str, Investigation],
) -> None:
    for inv in investigations.values():
        evidence = [e for e in inv.events if e.kind == "evidence"]
        assert evidence and all(e.techniques for e in evidence)
        assert all("declare query_parameters" in q.kql for q in inv.queries)
        assert inv.trees or not any(e.table == "DeviceProcessEvents" for e in evidence)


def test_process_tree_marks_the_suspicious_process(
    lab: Store, investigations: dict[str, Investigation]
) -> None:
    incident = next(iter(_incidents_by_scenario(lab)["powershell-cradle"]))
    trees = investigations[incident].trees
    assert trees

    def names(node, out):  # type: ignore[no-untyped-def]
        out.append((node.name.lower(), node.suspicious))
        for child in node.children:
            names(child, out)
        return out

    flat = [n for t in trees for n in names(t.root, [])]
    assert any(s for _, s in flat)
    assert "powershell.exe" in {n for n, _ in flat}


def test_reports_render_and_stix_validates(
    lab: Store, investigations: dict[str, Investigation]
) -> None:
    import stix2

    incident = next(iter(_incidents_by_scenario(lab)["powershell-cradle"]))
    report = build_report(lab, investigations[incident])
    document = json.loads(render(report, ReportFormat.json))
    assert document["schema_version"] == "1.0.0"
    stamps = [e["timestamp"] for e in document["timeline"]]
    assert stamps == sorted(stamps) and all(s.endswith("Z") for s in stamps)
    assert set(document["timeline"][0]) >= {
        "timestamp",
        "table",
        "row_id",
        "action",
        "summary",
        "techniques",
    }
    truth = {t.id: t for t in read_truth(lab)[1]}["powershell-cradle"]
    c2 = truth.ips[0]
    assert c2 in {i["value"] for i in document["iocs"]}
    markdown = render(report, ReportFormat.md)
    assert c2 not in markdown.split("## Queries run")[0]  # defanged in prose
    assert c2.rsplit(".", 1)[0] + "[.]" + c2.rsplit(".", 1)[1] in markdown
    assert document["remediation"] and document["attack"]
    bundle = stix2.parse(render(report, ReportFormat.stix), allow_custom=False)
    kinds = {o.type for o in bundle.objects}
    assert {"indicator", "attack-pattern", "sighting", "report", "identity"} <= kinds
    patterns = [o for o in bundle.objects if o.type == "attack-pattern"]
    assert all(p.external_references[0].source_name == "mitre-attack" for p in patterns)
    assert any(c2 in o.pattern for o in bundle.objects if o.type == "indicator")


def test_auto_reports_for_high_incidents(lab: Store, tmp_path: Path) -> None:
    from tracehound.incidents import list_incidents

    everything = list_incidents(lab)
    high = {next(i.id for i in everything if i.band == "High")}
    ids = [*high, *(i.id for i in everything if i.band != "High")]
    assert write_high_reports(lab, {}, ids) == []  # off by default
    extra = {
        "report": {
            "auto_high": True,
            "output_dir": str(tmp_path),
            "formats": ["json"],
            "window_minutes": 30,
        }
    }
    written = write_high_reports(lab, extra, ids)
    assert {p.name for p in written} == {f"{i}.json" for i in high}
    for path in written:
        assert json.loads(path.read_text())["incident"]["band"] == "High"


def test_cli_investigate_and_report(lab: Store, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    incident = next(iter(_incidents_by_scenario(lab)["lsass-dump"]))
    lab.con.execute("CHECKPOINT")
    copy = tmp_path / "copy.duckdb"
    shutil.copy(lab.path, copy)
    result = cli("investigate", incident, "--window", "30m", "--format", "json", "--db", str(copy))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["incident"]["id"] == incident
    bad = cli("report", "inc-nope", "--db", str(copy))
    assert bad.exit_code == 2 and "no incident" in bad.stderr
    bad = cli("investigate", incident, "--window", "soon", "--db", str(copy))
    assert bad.exit_code == 2 and "duration" in bad.stderr
