"""Each mapping transform, run in real DuckDB on real-looking values."""

from __future__ import annotations

import duckdb
import pytest

from tracehound.errors import UsageError
from tracehound.ingest.transforms import TRANSFORMS, Call, apply


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def run(con: duckdb.DuckDBPyConnection, name: str, *values: object, **kw: object) -> object:
    args = tuple(f"${i + 1}" for i in range(len(values)))
    sql = apply(name, Call(args=args, **kw))  # type: ignore[arg-type]
    row = con.execute(f"SELECT {sql}", list(values)).fetchone()
    assert row is not None
    return row[0]


def test_file_name_and_parent_folder(con: duckdb.DuckDBPyConnection) -> None:
    assert run(con, "file_name", "C:\\Windows\\System32\\cmd.exe") == "cmd.exe"
    assert run(con, "file_name", "/usr/bin/curl") == "curl"
    assert run(con, "file_name", "C:\\dir\\") is None
    assert run(con, "parent_folder", "C:\\Windows\\System32\\cmd.exe") == "C:\\Windows\\System32"


def test_hash_part_splits_sysmon_hashes(con: duckdb.DuckDBPyConnection) -> None:
    hashes = (
        "SHA1=E7A3B17F625283E3064D91A988D0B1694BA3E9B8,MD5=79CBBF946E797103BED792740AEBFEC1,"
        "SHA256=90F0822D26680C8FFD703A080C876F87695580747A3704C169E39E1A8802EA38,"
        "IMPHASH=90B4317BE51850B8EF9F14EB56FB7DDC"
    )
    assert (
        run(con, "hash_part", hashes, arg="SHA256")
        == "90f0822d26680c8ffd703a080c876f87695580747a3704c169e39e1a8802ea38"
    )
    assert run(con, "hash_part", hashes, arg="md5") == "79cbbf946e797103bed792740aebfec1"
    assert run(con, "hash_part", hashes, arg="SHA1") == "e7a3b17f625283e3064d91a988d0b1694ba3e9b8"
    assert run(con, "hash_part", "MD5=AB", arg="SHA256") is None


def test_int_reads_decimal_and_hex(con: duckdb.DuckDBPyConnection) -> None:
    assert run(con, "int", "0x1d54") == 7508
    assert run(con, "int", "7508") == 7508
    assert run(con, "int", "n/a") is None


def test_lookup_is_case_insensitive_with_fallbacks(con: duckdb.DuckDBPyConnection) -> None:
    table = {"3": "Network", "10": "RemoteInteractive"}
    assert run(con, "lookup", "10", table=table) == "RemoteInteractive"
    assert run(con, "lookup", "99", table=table) is None
    assert run(con, "lookup", "99", table=table, arg="keep") == "99"
    assert run(con, "lookup", "99", table=table, arg="Other") == "Other"
    assert run(con, "lookup", "TCP", table={"tcp": "Tcp"}) == "Tcp"


def test_user_name_and_domain(con: duckdb.DuckDBPyConnection) -> None:
    assert run(con, "user_name", "THESHIRE\\pgustavo") == "pgustavo"
    assert run(con, "user_domain", "THESHIRE\\pgustavo") == "THESHIRE"
    assert run(con, "user_name", "SYSTEM") == "SYSTEM"
    assert run(con, "user_domain", "SYSTEM") is None


def test_registry_key_and_value_split_by_event_type(con: duckdb.DuckDBPyConnection) -> None:
    target = "HKLM\\System\\CurrentControlSet\\Services\\EventLog\\Start"
    assert (
        run(con, "registry_key", target, "SetValue")
        == "HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\EventLog"
    )
    assert run(con, "registry_value_name", target, "SetValue") == "Start"
    assert run(con, "registry_key", target, "CreateKey") == "HKEY_LOCAL_MACHINE\\" + target[5:]
    assert run(con, "registry_value_name", target, "CreateKey") is None
    assert (
        run(con, "registry_path", "\\REGISTRY\\MACHINE\\SOFTWARE\\x")
        == "HKEY_LOCAL_MACHINE\\SOFTWARE\\x"
    )
    assert run(con, "registry_path", "HKU\\S-1-5-18\\x") == "HKEY_USERS\\S-1-5-18\\x"
    assert run(con, "registry_path", "HKLMX\\a") == "HKLMX\\a"


def test_registry_value_data_and_type(con: duckdb.DuckDBPyConnection) -> None:
    assert run(con, "registry_value_data", "DWORD (0x00000004)") == "4"
    assert run(con, "registry_value_type", "DWORD (0x00000004)") == "Dword"
    assert (
        run(con, "registry_value_data", "QWORD (0x00000001-0x00000000)")
        == "QWORD (0x00000001-0x00000000)"
    )
    assert run(con, "registry_value_data", "Binary Data") is None
    assert run(con, "registry_value_type", "C:\\x.exe") == "String"


def test_when_picks_by_flag(con: duckdb.DuckDBPyConnection) -> None:
    assert run(con, "when", "false", "10.0.0.1", "10.0.0.2", arg="false") == "10.0.0.1"
    assert run(con, "when", "true", "10.0.0.1", "10.0.0.2", arg="false") == "10.0.0.2"
    assert run(con, "when", "FALSE", "a", "b", arg="false") == "a"


def test_join_first_object_message_field(con: duckdb.DuckDBPyConnection) -> None:
    assert run(con, "join", "DOM", "user") == "DOM\\user"
    assert run(con, "join", None, "user") == "user"
    assert run(con, "first", None, "b") == "b"
    obj = run(con, "object", "g1", None, names=("ProcessGuid", "Other"))
    assert obj == '{"ProcessGuid":"g1"}'
    assert run(con, "object", None, names=("A",)) is None
    message = "Registry object added or deleted:\r\nRuleName: -\r\nEventType: CreateKey\r\nProcessId: 1332\r\n"
    assert run(con, "message_field", message, arg="EventType") == "CreateKey"
    assert run(con, "message_field", message, arg="ProcessId") == "1332"
    assert run(con, "message_field", message, arg="Missing") is None


def test_every_transform_is_tested_and_unknown_ones_fail() -> None:
    tested = {
        "file_name",
        "parent_folder",
        "hash_part",
        "int",
        "lookup",
        "user_name",
        "user_domain",
        "registry_key",
        "registry_value_name",
        "registry_path",
        "registry_value_data",
        "registry_value_type",
        "when",
        "join",
        "first",
        "object",
        "message_field",
        "lower",
        "command_image",
        "xml_text",
        "context_field",
        "extract",
    }
    assert set(TRANSFORMS) <= tested
    with pytest.raises(UsageError, match="unknown transform"):
        apply("nope", Call(args=("x",)))
    with pytest.raises(UsageError, match="needs `arg`"):
        apply("hash_part", Call(args=("x",)))


def test_lower(con: duckdb.DuckDBPyConnection) -> None:
    assert run(con, "lower", "WORKSTATION5.theshire.local") == "workstation5.theshire.local"


def test_command_image_finds_the_program_of_a_command_line(con: duckdb.DuckDBPyConnection) -> None:
    assert run(con, "command_image", '"C:\\Program Files\\A B\\svc.exe" -k x') == (
        "C:\\Program Files\\A B\\svc.exe"
    )
    assert run(con, "command_image", "C:\\Program Files\\A B\\svc.EXE /run") == (
        "C:\\Program Files\\A B\\svc.EXE"
    )
    assert run(con, "command_image", "%COMSPEC% /b /c start /b /min powershell") == "%COMSPEC%"
    assert run(con, "command_image", "%COMSPEC% /c calc.exe") == "%COMSPEC%"
    assert run(con, "command_image", "powershell -c x.exe") == "powershell"
    assert run(con, "command_image", "  cmd") == "cmd"
    assert run(con, "command_image", "") is None
    assert run(con, "command_image", None) is None


def test_xml_text_reads_an_element_and_decodes_entities(con: duckdb.DuckDBPyConnection) -> None:
    task = (
        '<?xml version="1.0" encoding="UTF-16"?><Task><Actions Context="Author"><Exec>'
        "<Command>C:\\Windows\\System32\\cmd.exe</Command>"
        "<Arguments>/c echo &quot;a&quot; &amp;amp; b &gt; c</Arguments></Exec></Actions></Task>"
    )
    assert run(con, "xml_text", task, arg="Command") == "C:\\Windows\\System32\\cmd.exe"
    assert run(con, "xml_text", task, arg="Arguments") == '/c echo "a" &amp; b > c'
    assert run(con, "xml_text", task, arg="WorkingDirectory") is None
    with pytest.raises(UsageError, match="not an element name"):
        apply("xml_text", Call(args=("x",), arg="a>b"))


def test_context_field_and_extract(con: duckdb.DuckDBPyConnection) -> None:
    context = (
        "        Severity = Informational\r\n        Host Application = powershell.exe -nop -enc AA\r\n"
        "        Command Name = Invoke-Mimikatz\r\n        Script Name = \r\n"
    )
    assert (
        run(con, "context_field", context, arg="Host Application") == "powershell.exe -nop -enc AA"
    )
    assert run(con, "context_field", context, arg="Command Name") == "Invoke-Mimikatz"
    assert run(con, "context_field", context, arg="Script Name") is None
    assert run(con, "context_field", context, arg="Host") is None
    message = "The Microsoft-Windows-PowerShell/Operational log file was cleared."
    pattern = "^The (.+) log file was cleared"
    assert run(con, "extract", message, arg=pattern) == "Microsoft-Windows-PowerShell/Operational"
    assert run(con, "extract", "other", arg=pattern) is None
