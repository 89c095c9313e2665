"""The rewrites answered from local data: ``invoke FileProfile()`` and ``externaldata``."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from tracehound.backends.local import LocalBackend
from tracehound.errors import RefusedError
from tracehound.kql.compat import CompatContext
from tracehound.kql.rewrites.externaldata import kql_string_value
from tracehound.store import Store

SHA_A = "a" * 40
SHA_B = "b" * 40


def load(store: Store, table: str, data: dict[str, list[Any]]) -> None:
    store.con.register("th_rows", pa.table(data))
    store.load_staged(table, "th_rows", "test")
    store.con.unregister("th_rows")


@pytest.fixture
def files(store: Store) -> Store:
    load(
        store,
        "DeviceProcessEvents",
        {
            "_RowId": ["p1", "p2", "p3"],
            "Timestamp": [datetime(2024, 1, 1), datetime(2024, 1, 3), datetime(2024, 1, 2)],
            "DeviceId": ["d1", "d2", "d1"],
            "SHA1": [SHA_A, SHA_A, SHA_A],
            "SHA256": ["", "f" * 64, ""],
            "ProcessVersionInfoCompanyName": ["Contoso", "Contoso", "Contoso"],
        },
    )
    load(
        store,
        "DeviceFileCertificateInfo",
        {
            "_RowId": ["c1"],
            "Timestamp": [datetime(2024, 1, 1)],
            "SHA1": [SHA_A],
            "Signer": ["Contoso Ltd"],
            "IsSigned": [True],
            "IsTrusted": [True],
        },
    )
    return store


def test_file_profile_is_computed_across_the_store(files: Store) -> None:
    backend = LocalBackend(files)
    kql = (
        "DeviceProcessEvents | distinct SHA1"
        f' | union (print SHA1 = "{SHA_B}")'
        " | invoke FileProfile(SHA1, 1000) | sort by SHA1 asc"
    )
    out = backend.query(kql).table.to_pylist()
    known, unknown = out
    assert known["SHA1"] == SHA_A and unknown["SHA1"] == SHA_B
    assert known["GlobalPrevalence"] == 2  # two devices saw it
    assert known["GlobalFirstSeen"] == datetime(2024, 1, 1)
    assert known["GlobalLastSeen"] == datetime(2024, 1, 3)
    assert known["SHA256"] == "f" * 64  # the non-empty value
    assert known["Signer"] == "Contoso Ltd" and known["SignatureState"] == "SignedValid"
    assert known["Publisher"] == "Contoso"
    assert known["ProfileAvailability"] == "Available"
    assert unknown["ProfileAvailability"] == "Missing"
    assert unknown["GlobalPrevalence"] is None


def test_file_profile_keeps_the_input_columns_it_already_has(files: Store) -> None:
    backend = LocalBackend(files)
    result = backend.query("DeviceProcessEvents | project SHA1, FileSize | invoke FileProfile()")
    names = result.table.column_names
    assert names[:2] == ["SHA1", "FileSize"]
    assert names.count("FileSize") == 1 and "GlobalPrevalence" in names
    assert result.table.num_rows == 3


# -- externaldata ------------------------------------------------------------------------

URL = "https://example.org/feed.csv"


def backend_with(store: Store, mapping: dict[str, Path]) -> LocalBackend:
    return LocalBackend(store, CompatContext(schema=store.kql_schema(), externaldata=mapping))


def test_unmapped_externaldata_is_refused_naming_url_and_setting(store: Store) -> None:
    with pytest.raises(RefusedError) as caught:
        LocalBackend(store).query(f'externaldata(a:string) ["{URL}"]')
    assert URL in caught.value.message
    assert "[query] externaldata" in (caught.value.hint or "")


def test_mapped_csv_with_header_types_and_quotes(store: Store, tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(
        'name,count,seen\n"evil, ""quoted""",3,2024-01-02T03:04:05Z\nplain,notanumber,\n',
        encoding="utf-8",
    )
    backend = backend_with(store, {URL: feed})
    kql = (
        f'externaldata(name:string, count:long, seen:datetime) [@"{URL}"]'
        ' with (format="csv", ignoreFirstRecord=true)'
    )
    out = backend.query(kql).table.to_pylist()
    assert out == [
        {"name": 'evil, "quoted"', "count": 3, "seen": datetime(2024, 1, 2, 3, 4, 5)},
        {"name": "plain", "count": None, "seen": None},
    ]


def test_mapped_txt_and_json_formats(store: Store, tmp_path: Path) -> None:
    txt = tmp_path / "ips.txt"
    txt.write_text("# header\n1.2.3.4\n5.6.7.8\n", encoding="utf-8")
    lines = tmp_path / "rows.json"
    lines.write_text(
        json.dumps({"ip": "9.9.9.9", "tags": ["a"]}) + "\n" + json.dumps({"ip": "1.1.1.1"}) + "\n",
        encoding="utf-8",
    )
    backend = backend_with(store, {"https://x/ips": txt, "https://x/rows": lines})
    ips = backend.query(
        'externaldata(ip:string) [h@"https://x/ips"] with (format="txt", ignoreFirstRecord=true)'
        ' | where ip has_any ("1.2.3.4", "5.6.7.8") | count'
    )
    assert ips.table.to_pylist() == [{"Count": 2}]
    out = backend.query(
        'externaldata(ip:string, tags:dynamic) ["https://x/rows"] with (format="multijson")'
        " | extend tag0 = tostring(tags[0])"
    ).table.to_pylist()
    assert [(r["ip"], r["tag0"]) for r in out] == [("9.9.9.9", "a"), ("1.1.1.1", "")]


def test_externaldata_values_cannot_inject_kql(store: Store, tmp_path: Path) -> None:
    hostile = '"] | project x = "pwned'
    feed = tmp_path / "feed.csv"
    feed.write_text('"' + hostile.replace('"', '""') + '"\n', encoding="utf-8")
    out = backend_with(store, {URL: feed}).query(f'externaldata(v:string) ["{URL}"]')
    assert out.table.to_pylist() == [{"v": hostile}]


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ('"a\\"b"', 'a"b'),
        ("'c\\\\d'", "c\\d"),
        ('@"c:\\x"', "c:\\x"),
        ('@"say ""hi"""', 'say "hi"'),
        ("h'secret'", "secret"),
        ("h@'https://x/y'", "https://x/y"),
    ],
)
def test_kql_string_values(token: str, value: str) -> None:
    assert kql_string_value(token) == value
