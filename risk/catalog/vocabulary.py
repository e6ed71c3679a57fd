"""The fixed words of the catalog contract: capabilities, dependency kinds, substitutability."""

from __future__ import annotations

__all__ = ["CAPABILITIES", "KINDS", "SUBSTITUTABILITY", "ID_PATTERN"]

CAPABILITIES: tuple[str, ...] = (
    "sign-in",
    "mfa",
    "mfa-registration",
    "password-reset",
    "federation",
    "token-issuance",
    "conditional-access",
    "directory-sync",
    "admin",
    "api",
    "network-edge",
    "dns",
    "email",
    "messaging",
    "collaboration",
    "storage",
    "compute",
    "endpoint",
    "other",
)

KINDS: tuple[str, ...] = ("identity", "platform", "network", "saas", "internal", "telecom", "logical")

SUBSTITUTABILITY: tuple[str, ...] = ("not-substitutable", "highly-complex", "medium", "easy")

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
