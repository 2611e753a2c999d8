"""The gateway's settings, read from the environment on every call (tests change them)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class GatewaySettings:
    # The origin browsers use, e.g. "https://lotsen.stadt.example" behind the reverse proxy.
    public_origin: str | None
    # Client addresses whose X-Forwarded-Proto and X-Forwarded-Host are believed (the proxy).
    trusted_proxies: frozenset[str]


def gateway_settings() -> GatewaySettings:
    proxies = os.environ.get("LOTSEN_TRUSTED_PROXIES", "")
    return GatewaySettings(
        public_origin=os.environ.get("LOTSEN_PUBLIC_ORIGIN") or None,
        trusted_proxies=frozenset(part.strip() for part in proxies.split(",") if part.strip()),
    )
