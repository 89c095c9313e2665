"""The process tree around a suspicious process: its ancestors up, its descendants down.

Ancestors are found by walking ``InitiatingProcessId`` to the creation row of the parent on the
same device (the latest one before the child, since process ids are reused); when the parent's
creation is not in the data, the child's own ``InitiatingProcess*`` columns describe it.
Descendants are the processes each one started within the window, level by level.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tracehound.investigate.model import ProcessNode, ProcessTree
from tracehound.investigate.recorder import Recorder

TABLE = "DeviceProcessEvents"
COLUMNS = (
    "_RowId, Timestamp, DeviceName, FileName, ProcessId, ProcessCommandLine, AccountName,"
    " InitiatingProcessId, InitiatingProcessFileName, InitiatingProcessCommandLine,"
    " InitiatingProcessAccountName, InitiatingProcessCreationTime, InitiatingProcessParentFileName,"
    " InitiatingProcessParentId"
)
ANCESTORS = 3
DEPTH = 3
MAX_CHILDREN = 25
MAX_TREES = 5

PARENT_KQL = f"""declare query_parameters(device:string, pid:long, t0:datetime, t1:datetime);
{TABLE}
| where Timestamp between (t0 .. t1) and DeviceName =~ device and ProcessId == pid
| top 1 by Timestamp desc
| project {COLUMNS}"""

CHILDREN_KQL = f"""declare query_parameters(device:string, pids:dynamic, t0:datetime, t1:datetime);
{TABLE}
| where Timestamp between (t0 .. t1) and DeviceName =~ device and InitiatingProcessId in (pids)
| project {COLUMNS}
| order by Timestamp asc"""


def _node(row: dict[str, Any], suspicious: bool = False) -> ProcessNode:
    return ProcessNode(
        name=str(row.get("FileName") or "?"),
        pid=_int(row.get("ProcessId")),
        command_line=str(row.get("ProcessCommandLine") or ""),
        account=str(row.get("AccountName") or ""),
        started=row.get("Timestamp"),
        row_id=row.get("_RowId"),
        suspicious=suspicious,
    )


def _parent_from(row: dict[str, Any]) -> ProcessNode:
    """The parent as its child's row describes it (no creation row of its own)."""
    return ProcessNode(
        name=str(row.get("InitiatingProcessFileName") or "?"),
        pid=_int(row.get("InitiatingProcessId")),
        command_line=str(row.get("InitiatingProcessCommandLine") or ""),
        account=str(row.get("InitiatingProcessAccountName") or ""),
        started=row.get("InitiatingProcessCreationTime"),
        row_id=None,
    )


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def process_tree(
    rec: Recorder, row: dict[str, Any], lookback: timedelta, ahead: timedelta
) -> ProcessTree:
    """The tree around the process created in *row* (a DeviceProcessEvents row)."""
    device = str(row["DeviceName"])
    moment: datetime = row["Timestamp"]
    top = current = _node(row, suspicious=True)
    child_row = row
    for _ in range(ANCESTORS):
        ppid = _int(child_row.get("InitiatingProcessId"))
        if not ppid:
            break
        found = rec.rows(
            f"parent of pid {ppid} on {device}",
            PARENT_KQL,
            {"device": device, "pid": ppid, "t0": moment - lookback, "t1": child_row["Timestamp"]},
        )
        parent = _node(found[0]) if found else _parent_from(child_row)
        parent.children.append(current)
        top = current = parent
        if not found:
            break
        child_row = found[0]
    _descend(rec, device, _find(top, row.get("_RowId")), moment, moment + ahead)
    return ProcessTree(device, top)


def _find(node: ProcessNode, row_id: Any) -> ProcessNode:
    if node.row_id == row_id:
        return node
    for child in node.children:
        hit = _find(child, row_id)
        if hit.row_id == row_id:
            return hit
    return node


def _descend(rec: Recorder, device: str, root: ProcessNode, t0: datetime, t1: datetime) -> None:
    level = [root]
    for _ in range(DEPTH):
        by_pid = {n.pid: n for n in level if n.pid}
        if not by_pid:
            return
        rows = rec.rows(
            f"children of {len(by_pid)} process(es) on {device}",
            CHILDREN_KQL,
            {"device": device, "pids": sorted(by_pid), "t0": t0, "t1": t1},
        )
        level = []
        for child_row in rows:
            parent = by_pid.get(_int(child_row.get("InitiatingProcessId")) or 0)
            if parent is None or len(parent.children) >= MAX_CHILDREN:
                continue
            if parent.started and child_row["Timestamp"] < parent.started:
                continue  # an earlier process that had the same id
            node = _node(child_row)
            parent.children.append(node)
            level.append(node)


ROWS_KQL = f"""declare query_parameters(ids:dynamic);
{TABLE}
| where _RowId in (ids)
| project {COLUMNS}"""


def trees_for(rec: Recorder, row_ids: list[str], padding: timedelta) -> list[ProcessTree]:
    """Trees around the first few distinct suspicious processes, in the order given."""
    if not row_ids:
        return []
    wanted = list(dict.fromkeys(row_ids))[: MAX_TREES * 20]
    rank = {rid: i for i, rid in enumerate(wanted)}
    evidence = rec.rows("suspicious processes", ROWS_KQL, {"ids": sorted(wanted)})
    seen: set[tuple[str, Any]] = set()
    out: list[ProcessTree] = []
    for row in sorted(evidence, key=lambda r: rank.get(str(r["_RowId"]), len(rank))):
        key = (str(row.get("DeviceName")), row.get("ProcessId"))
        if key in seen or row.get("ProcessId") is None:
            continue
        seen.add(key)
        out.append(process_tree(rec, row, lookback=max(padding, timedelta(days=1)), ahead=padding))
        if len(out) >= MAX_TREES:
            break
    return out
