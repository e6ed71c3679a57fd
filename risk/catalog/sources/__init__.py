"""One input source per module: YAML/JSON documents, XLSX workbooks, and folders or zips of CSVs.

Each source turns a file into a plain document (the same dict a YAML catalog holds) plus a `locate`
function that maps a document path back to a line, or a sheet, row and column, for error messages.
"""

from risk.catalog.sources.base import MAX_INPUT_BYTES, Parsed

__all__ = ["MAX_INPUT_BYTES", "Parsed"]
