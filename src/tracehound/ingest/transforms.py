"""The small named transforms a mapping may apply to event fields, as SQL builders.

A mapping file names a transform (``fn: file_name``) with its input fields (``of``), an
optional literal parameter (``arg``) and an optional lookup table (``table``). Each transform
here turns the SQL expressions of its inputs into one SQL expression, so the whole mapping
runs inside DuckDB rather than as per-event Python. Adding a transform means adding one small
function to :data:`TRANSFORMS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from tracehound.errors import UsageError
from tracehound.ingest.sqltext import sql_str

# Registry roots as Sysmon writes them (RE2 patterns anchored at the start), and as Defender does.
_HIVES: tuple[tuple[str, str], ...] = (
    ("HKLM", "HKEY_LOCAL_MACHINE"),
    ("HKU", "HKEY_USERS"),
    ("HKCU", "HKEY_CURRENT_USER"),
    ("HKCR", "HKEY_CLASSES_ROOT"),
    ("HKCC", "HKEY_CURRENT_CONFIG"),
    ("\\\\REGISTRY\\\\MACHINE", "HKEY_LOCAL_MACHINE"),
    ("\\\\REGISTRY\\\\USER", "HKEY_USERS"),
)
_VALUE_EVENTS = "('SetValue', 'DeleteValue', 'CreateValue')"


@dataclass(frozen=True)
class Call:
    """One use of a transform: input expressions (and their field names) and parameters."""

    args: tuple[str, ...]
    names: tuple[str, ...] = ()
    arg: str | None = None
    table: Mapping[str, str] = field(default_factory=dict)


def _one(call: Call, name: str) -> str:
    if len(call.args) != 1:
        raise UsageError(f"transform {name} takes exactly one field, got {len(call.args)}")
    return call.args[0]


def _need_arg(call: Call, name: str) -> str:
    if call.arg is None:
        raise UsageError(f"transform {name} needs `arg`")
    return call.arg


def first(call: Call) -> str:
    """The first input that is present."""
    return call.args[0] if len(call.args) == 1 else f"coalesce({', '.join(call.args)})"


def lower(call: Call) -> str:
    return f"lower({_one(call, 'lower')})"


def file_name(call: Call) -> str:
    """The last component of a Windows or POSIX path: ``C:\\a\\b.exe`` -> ``b.exe``."""
    return f"nullif(regexp_extract({_one(call, 'file_name')}, '[^\\\\/]*$'), '')"


def parent_folder(call: Call) -> str:
    """A path without its last component: ``C:\\a\\b.exe`` -> ``C:\\a``."""
    return f"nullif(regexp_extract({_one(call, 'parent_folder')}, '^(.*)[\\\\/][^\\\\/]*$', 1), '')"


def hash_part(call: Call) -> str:
    """One algorithm's digest from a Sysmon ``Hashes`` list (``SHA1=..,MD5=..``), lower-cased."""
    algo = _need_arg(call, "hash_part").upper()
    pattern = sql_str(f"(?:^|[,;\\s]){algo}=([0-9A-Fa-f]+)")
    return f"nullif(lower(regexp_extract({_one(call, 'hash_part')}, {pattern}, 1)), '')"


def integer(call: Call) -> str:
    """A whole number from decimal or ``0x`` hexadecimal text."""
    return f"TRY_CAST({_one(call, 'int')} AS BIGINT)"


def lookup(call: Call) -> str:
    """The table's value for the input (compared case-insensitively); else ``arg``, else NULL.

    With ``arg: keep`` an unknown input is kept as it is.
    """
    value = _one(call, "lookup")
    if not call.table:
        raise UsageError("transform lookup needs a `table`")
    whens = " ".join(
        f"WHEN {sql_str(str(k).lower())} THEN {sql_str(str(v))}" for k, v in call.table.items()
    )
    fallback = value if call.arg == "keep" else (sql_str(call.arg) if call.arg else "NULL")
    return f"CASE lower(CAST({value} AS VARCHAR)) {whens} ELSE {fallback} END"


def user_name(call: Call) -> str:
    """The account part of ``DOMAIN\\user`` (the whole text when there is no domain)."""
    return f"nullif(regexp_extract({_one(call, 'user_name')}, '[^\\\\]*$'), '')"


def user_domain(call: Call) -> str:
    """The domain part of ``DOMAIN\\user`` (NULL when there is none)."""
    return f"nullif(regexp_extract({_one(call, 'user_domain')}, '^(.*)\\\\[^\\\\]*$', 1), '')"


def _hive(expr: str) -> str:
    out = expr
    for short, full in _HIVES:
        pattern = sql_str("^" + short + "(\\\\|$)")
        out = f"regexp_replace({out}, {pattern}, {sql_str(full + chr(92) + '1')}, 'i')"
    return out


def registry_path(call: Call) -> str:
    """A registry path with its hive spelled as Defender does (``HKLM`` -> ``HKEY_LOCAL_MACHINE``)."""
    return _hive(_one(call, "registry_path"))


def registry_key(call: Call) -> str:
    """The key of a Sysmon registry event: for value events, the path without the value name."""
    if len(call.args) != 2:
        raise UsageError("transform registry_key takes TargetObject and EventType")
    target, kind = call.args
    key = f"CASE WHEN {kind} IN {_VALUE_EVENTS} THEN regexp_extract({target}, '^(.*)\\\\[^\\\\]*$', 1) ELSE {target} END"
    return _hive(key)


def registry_value_name(call: Call) -> str:
    """The value name of a Sysmon value event (NULL for key events)."""
    if len(call.args) != 2:
        raise UsageError("transform registry_value_name takes TargetObject and EventType")
    target, kind = call.args
    return f"CASE WHEN {kind} IN {_VALUE_EVENTS} THEN regexp_extract({target}, '[^\\\\]*$') END"


def registry_value_type(call: Call) -> str:
    """Defender's value type from Sysmon ``Details`` (``DWORD (0x00000001)`` -> ``Dword``)."""
    d = _one(call, "registry_value_type")
    return (
        f"CASE WHEN {d} IS NULL THEN NULL WHEN {d} LIKE 'DWORD (%' THEN 'Dword' "
        f"WHEN {d} LIKE 'QWORD (%' THEN 'Qword' WHEN {d} = 'Binary Data' THEN 'Binary' ELSE 'String' END"
    )


def registry_value_data(call: Call) -> str:
    """Value data from Sysmon ``Details``: numbers in decimal, binary as NULL, text as is."""
    d = _one(call, "registry_value_data")
    number = f"regexp_extract({d}, '^[DQ]WORD \\((0x[0-9A-Fa-f]+)\\)', 1)"
    return (
        f"CASE WHEN {d} = 'Binary Data' THEN NULL WHEN {number} <> '' "
        f"THEN CAST(TRY_CAST({number} AS UBIGINT) AS VARCHAR) ELSE {d} END"
    )


def when(call: Call) -> str:
    """``of: [flag, a, b]``: *a* when *flag* equals ``arg`` (case-insensitively), else *b*."""
    if len(call.args) != 3:
        raise UsageError("transform when takes three fields: flag, then, else")
    flag, then, other = call.args
    expected = sql_str(_need_arg(call, "when").lower())
    return f"CASE WHEN lower({flag}) = {expected} THEN {then} ELSE {other} END"


def join(call: Call) -> str:
    """Inputs joined with ``arg`` (default a backslash), skipping missing ones."""
    sep = sql_str(call.arg if call.arg is not None else "\\")
    return f"nullif(concat_ws({sep}, {', '.join(call.args)}), '')"


def json_object(call: Call) -> str:
    """A JSON object of the inputs, keyed by their field names (missing ones left out)."""
    if len(call.names) != len(call.args):
        raise UsageError("transform object needs named fields")
    pairs = ", ".join(
        f"{sql_str(n.lstrip('$'))}, {a}" for n, a in zip(call.names, call.args, strict=True)
    )
    return f"json_object({pairs})"


def message_field(call: Call) -> str:
    """The value of line ``arg: value`` in a rendered event message (Sysmon's ``Message``).

    Some NXLog exports overwrite event fields with their own (``EventType: INFO``); the
    rendered message still holds the original.
    """
    return _line_value(call, "message_field", ": ")


def context_field(call: Call) -> str:
    """The value of line ``arg = value`` in PowerShell's ``ContextInfo`` (``Host Application``)."""
    return _line_value(call, "context_field", " = ")


def _line_value(call: Call, name: str, separator: str) -> str:
    key = _need_arg(call, name)
    pattern = sql_str(f"(?:^|\\n)[ \\t]*{re.escape(key)}{separator}([^\\r\\n]*)")
    return f"nullif(trim(regexp_extract({_one(call, name)}, {pattern}, 1)), '')"


def extract(call: Call) -> str:
    """The first group of the regular expression ``arg`` (RE2) in the input, NULL if no match."""
    pattern = _need_arg(call, "extract")
    return f"nullif(regexp_extract({_one(call, 'extract')}, {sql_str(pattern)}, 1), '')"


def command_image(call: Call) -> str:
    """The program of a command line: the quoted first token, else the text up to the first
    ``.exe`` / ``.com`` / ``.bat`` / ``.cmd`` / ``.ps1`` / ``.dll`` / ``.sys`` before any option
    (`` -x``, `` /x``), else the first word (``"C:\\Program Files\\a.exe" -k x`` -> ``C:\\Program Files\\a.exe``).

    Service image paths and task actions are command lines, Defender's FolderPath is a file.
    """
    c = f"trim({_one(call, 'command_image')})"
    quoted = f'regexp_extract({c}, \'^"([^"]*)"\', 1)'
    # A path may hold spaces (``C:\\Program Files``), but not a space before an option.
    program = f"regexp_extract({c}, '^((?:[^ ]| [^-/ ])*?\\.(exe|com|bat|cmd|ps1|dll|sys))(\\s|$)', 1, 'i')"
    word = f"regexp_extract({c}, '^[^\\s]*')"
    return f"nullif(coalesce(nullif({quoted}, ''), nullif({program}, ''), {word}), '')"


# XML entities an element's text may hold, in decoding order (``&amp;`` last).
_XML_ENTITIES = (("&quot;", '"'), ("&apos;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def xml_text(call: Call) -> str:
    """The text of the first ``<arg>`` element in an XML document (a task's ``<Command>``)."""
    name = _need_arg(call, "xml_text")
    if not name.replace("_", "").isalnum():
        raise UsageError(f"transform xml_text: {name!r} is not an element name")
    out = f"regexp_extract({_one(call, 'xml_text')}, {sql_str(f'<{name}>([^<]*)</{name}>')}, 1)"
    for entity, char in _XML_ENTITIES:
        out = f"replace({out}, {sql_str(entity)}, {sql_str(char)})"
    return f"nullif(trim({out}), '')"


def strip_json_nulls(expr: str) -> str:
    """*expr* (a JSON object) without its null members; NULL when nothing is left."""
    cleaned = f"json_merge_patch('{{}}', {expr})"
    return f"CASE WHEN {cleaned}::VARCHAR = '{{}}' THEN NULL ELSE {cleaned} END"


TRANSFORMS: Mapping[str, Callable[[Call], str]] = MappingProxyType(
    {
        "first": first,
        "lower": lower,
        "file_name": file_name,
        "parent_folder": parent_folder,
        "hash_part": hash_part,
        "int": integer,
        "lookup": lookup,
        "user_name": user_name,
        "user_domain": user_domain,
        "registry_path": registry_path,
        "registry_key": registry_key,
        "registry_value_name": registry_value_name,
        "registry_value_type": registry_value_type,
        "registry_value_data": registry_value_data,
        "when": when,
        "join": join,
        "object": lambda call: strip_json_nulls(json_object(call)),
        "message_field": message_field,
        "command_image": command_image,
        "xml_text": xml_text,
        "context_field": context_field,
        "extract": extract,
    }
)


def apply(name: str, call: Call) -> str:
    """SQL for transform *name*; an unknown name is a usage error listing the known ones."""
    fn = TRANSFORMS.get(name)
    if fn is None:
        raise UsageError(f"unknown transform {name!r}", f"known: {', '.join(sorted(TRANSFORMS))}")
    return fn(call)
