"""``invoke FileProfile(column, n)`` answered from the local store.

In Defender, ``FileProfile()`` adds Microsoft's global knowledge of each file (SHA1, SHA256,
MD5, FileSize, GlobalPrevalence, GlobalFirstSeen, GlobalLastSeen, Signer, Issuer, SignerHash,
IsCertificateValid, IsRootSignerMicrosoft, SignatureState, IsExecutable, ThreatName,
Publisher, SoftwareName, ProfileAvailability; column list from its reference page). Offline
there is no global knowledge, so the same columns are computed across the store — and
documented as local (docs/kql.md):

- the hashes, size, publisher and product name from the file-bearing event tables;
- GlobalPrevalence = distinct devices that saw the file here; GlobalFirstSeen / LastSeen =
  the first and last event here;
- Signer, Issuer, SignerHash, IsCertificateValid (``IsTrusted``), IsRootSignerMicrosoft and
  SignatureState from the latest ``DeviceFileCertificateInfo`` row for the SHA1;
- IsExecutable and ThreatName are unknown locally (null / empty);
- ProfileAvailability is ``Available`` when the store has the file, else ``Missing``.

Every row is enriched (Defender stops at *n*, at most 1,000). Columns the input already has
are kept as they are and not added again. The key is the column named in the call (default
``SHA1``); a name with ``SHA256`` in it is matched against SHA256, any other against SHA1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.rewrites.functions import string_value
from tracehound.kql.rewrites.reorder import prefix_query
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

#: Tables whose rows name a file by hash.
FILE_TABLES = ("DeviceProcessEvents", "DeviceFileEvents", "DeviceImageLoadEvents", "DeviceEvents")
CERTIFICATE_TABLE = "DeviceFileCertificateInfo"

#: FileProfile's output columns, in the reference's order, with the local expression.
PROFILE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("SHA1", "max(SHA1)"),
    ("SHA256", "max(SHA256)"),
    ("MD5", "max(MD5)"),
    ("FileSize", "max(FileSize)"),
    ("GlobalPrevalence", "dcountif(DeviceId, isnotempty(DeviceId))"),
    ("GlobalFirstSeen", "min(Timestamp)"),
    ("GlobalLastSeen", "max(Timestamp)"),
    ("Signer", ""),
    ("Issuer", ""),
    ("SignerHash", ""),
    ("IsCertificateValid", ""),
    ("IsRootSignerMicrosoft", ""),
    ("SignatureState", ""),
    ("IsExecutable", ""),
    ("ThreatName", ""),
    ("Publisher", "max(ProcessVersionInfoCompanyName)"),
    ("SoftwareName", "max(ProcessVersionInfoProductName)"),
    ("ProfileAvailability", ""),
)

_CERTIFICATE = (
    f"{CERTIFICATE_TABLE} | where isnotempty(SHA1)"
    " | summarize arg_max(Timestamp, Signer, Issuer, SignerHash, IsTrusted, IsSigned,"
    " IsRootSignerMicrosoft) by SHA1 | project-away Timestamp"
)
_DERIVED = (
    "IsCertificateValid = IsTrusted,"
    ' SignatureState = case(isnull(IsSigned), "Unknown", not(IsSigned), "Unsigned",'
    ' IsTrusted, "SignedValid", "SignedInvalid"),'
    ' IsExecutable = bool(null), ThreatName = "", ProfileAvailability = "Available"'
)


def profile_query(key: str, hash_column: str, tables: list[str], wanted: list[str]) -> str:
    """The KQL of the local profile: one row per file, the join key named *key*."""
    aggregates = [
        f"{name} = {expression}"
        for name, expression in PROFILE_COLUMNS
        if expression and name != hash_column
    ]
    keep = [syntax.quote_name(key), *(syntax.quote_name(c) for c in wanted)]
    return (
        f"union {', '.join(tables)}"
        f" | where isnotempty({hash_column})"
        f" | summarize {', '.join(aggregates)} by {hash_column}"
        f" | lookup kind=leftouter ({_CERTIFICATE}) on SHA1"
        f" | extend {_DERIVED}, {syntax.quote_name(key)} = {hash_column}"
        f" | project {', '.join(keep)}"
    )


def _arguments(kql: str, call: Node) -> tuple[str, bool] | None:
    """The key column of a FileProfile call, and whether it was given."""
    args = [syntax.text(kql, a).strip() for a in syntax.call_arguments(call)]
    if not args:
        return "SHA1", False
    if len(args) > 2:
        return None
    key = string_value(args[0]) or args[0]
    return (key, True) if key.replace("_", "").isalnum() else None


def _edits(context: CompatContext) -> syntax.EditsFor:
    def edits(kql: str, root: Node) -> Iterator[Edit]:
        for invoke in syntax.find(root, "InvokeOperator"):
            call = syntax.first(invoke, "NamedFunctionCallExpression")
            if call is None or syntax.call_name(call) != "FileProfile" or context.describe is None:
                continue
            parsed = _arguments(kql, call)
            prefix = prefix_query(kql, invoke)
            columns = None if prefix is None else context.describe(prefix)
            if parsed is None or columns is None or parsed[0] not in columns:
                continue
            key = parsed[0]
            tables = [t for t in FILE_TABLES if t in context.schema]
            if not tables or CERTIFICATE_TABLE not in context.schema:
                continue
            hash_column = "SHA256" if "SHA256" in key.upper() else "SHA1"
            wanted = [n for n, _ in PROFILE_COLUMNS if n not in columns and n != key]
            profile = profile_query(key, hash_column, tables, wanted)
            availability = (
                ' | extend ProfileAvailability = iff(isempty(ProfileAvailability), "Missing",'
                " ProfileAvailability)"
                if "ProfileAvailability" in wanted
                else ""
            )
            replacement = (
                f"lookup kind=leftouter ({profile}) on {syntax.quote_name(key)}{availability}"
            )
            yield Edit(syntax.start(invoke), syntax.end(invoke), replacement)
            return  # one per round: a later one's input includes this one's output

    return edits


def invoke_file_profile(kql: str, context: CompatContext) -> str:
    """``| invoke FileProfile(SHA1, 1000)`` -> a lookup of the store's own file profile."""
    if "FileProfile" not in kql or context.describe is None:
        return kql
    return syntax.until_stable(kql, _edits(context))
