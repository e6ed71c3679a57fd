"""Outage history: the record model, loaders for CSV/JSON/YAML incident logs, aliases and matching."""

from risk.history.aliases import AliasTable, load_aliases
from risk.history.load import OutageReport, default_history_paths, load_history, read_outages
from risk.history.match import records_for
from risk.history.model import OutageRecord

__all__ = [
    "AliasTable",
    "OutageRecord",
    "OutageReport",
    "default_history_paths",
    "load_aliases",
    "load_history",
    "read_outages",
    "records_for",
]
