"""Outage history: the record model, loaders for CSV/JSON/YAML incident logs, aliases and matching."""

from risk.outages.aliases import AliasTable, load_aliases
from risk.outages.load import OutageReport, default_history_paths, load_history, read_outages
from risk.outages.match import records_for
from risk.outages.model import OutageRecord

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
