"""Checks run before the dashboard server starts (`make run` and the container run it ahead of `streamlit
run`): a server set up for sign-in (LYNCHPIN_AUTH=1) without its [auth] configuration refuses to START,
with the fix, instead of starting and failing when someone clicks Sign in (issue 24, finding 6). The page
gate (risk.dashboard.access) keeps the same check for servers started some other way.

    python -m risk.dashboard.preflight [--secrets.files PATH ...]

reads the same secrets files Streamlit would (the paths given, as `streamlit run --secrets.files` takes
them, else Streamlit's secrets.files option: ~/.streamlit/secrets.toml and ./.streamlit/secrets.toml), and
exits 0 when the server may start, 2 with a message on standard error when it may not."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

from risk.config import auth_problem, server_config

__all__ = ["preflight", "main"]


def _secret_files(argv: Sequence[str]) -> list[str]:
    """The secrets files named on the command line (`--secrets.files=A`, `--secrets.files A`, repeatable or
    comma-separated), else Streamlit's own secrets.files option (its config.toml, STREAMLIT_SECRETS_FILES)."""
    given: list[str] = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg.startswith("--secrets.files="):
            given.append(arg.split("=", 1)[1])
        elif arg == "--secrets.files" and args:
            given.append(args.pop(0))
    if given:
        return [p.strip() for item in given for p in item.split(",") if p.strip()]
    from streamlit import config

    return list(config.get_option("secrets.files") or [])


def preflight(argv: Sequence[str] = ()) -> str | None:
    """Why the server must not start, or None. Secrets files are read as Streamlit reads them: missing ones
    are skipped, later ones override earlier ones' top-level keys; one that does not read is a problem."""
    config = server_config()
    if not config.auth:
        return None
    secrets: dict = {}
    for name in _secret_files(argv):
        path = Path(name).expanduser()
        if not path.is_file():
            continue
        try:
            secrets.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return f"{path}: the secrets file does not read ({exc}): fix it (TOML, see docs/deployment.md)"
    return auth_problem(config, secrets)


def main(argv: Sequence[str] | None = None) -> int:
    problem = preflight(sys.argv[1:] if argv is None else argv)
    if problem:
        print(f"lynchpin: the dashboard will not start: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
