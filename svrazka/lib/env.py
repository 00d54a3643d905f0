"""Small typed helpers that read settings from the environment."""

import os
from pathlib import Path


def env(name: str, default: str = "") -> str:
    """A string setting. NAME_FILE, when set, names a file that holds the value (for secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = env(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = env(name, "")
    return int(value) if value else default


def envlist(name: str, default: list[str]) -> list[str]:
    value = env(name, "")
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
