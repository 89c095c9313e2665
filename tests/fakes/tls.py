"""A throwaway certificate authority for local HTTPS test servers (made at test time)."""

from __future__ import annotations

import ssl
from pathlib import Path

import trustme


def server_context_and_ca(tmp: Path) -> tuple[ssl.SSLContext, Path]:
    """An SSL context for a server on 127.0.0.1/localhost, and the CA file clients trust."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    ca_file = tmp / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return context, ca_file
