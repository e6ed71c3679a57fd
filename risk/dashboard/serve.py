"""Start the dashboard server with its upload guard in place from the first request (`make run` and the
container use it):

    python -m risk.dashboard.serve app.py [streamlit run options]

is `streamlit run app.py [options]`, except that the guard of risk.dashboard.uploads is installed on
Streamlit's uploaded-file store as soon as Streamlit makes it, before the server listens. A server started
with plain `streamlit run` gets the same guard at its first page view (the page gate installs it), and a
store filled before then by sessions that have not signed in is emptied at that moment; started this way,
there is no such moment."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main", "guard_at_start"]


def guard_at_start() -> None:
    """Have Streamlit's Runtime install the upload guard as soon as it is made (once per process)."""
    from streamlit.runtime.runtime import Runtime

    if getattr(Runtime.__init__, "_lynchpin_guarded", False):
        return
    made = Runtime.__init__

    def __init__(self, *args, **kwargs) -> None:  # noqa: N807 - Runtime's own constructor, extended
        made(self, *args, **kwargs)
        from risk.dashboard import uploads

        uploads.install()

    __init__._lynchpin_guarded = True  # type: ignore[attr-defined]
    Runtime.__init__ = __init__  # type: ignore[method-assign]


def main(argv: Sequence[str] | None = None) -> None:
    guard_at_start()
    from streamlit.web import cli

    cli.main(["run", *(sys.argv[1:] if argv is None else argv)], prog_name="streamlit")


if __name__ == "__main__":
    main()
