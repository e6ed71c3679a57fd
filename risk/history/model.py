"""One outage record: who failed, what, when, for how long, how bad, and where we read it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, field_validator, model_validator

from risk.catalog.vocabulary import CAPABILITIES

__all__ = [
    "provider_product",
    "OutageRecord",
    "parse_when",
    "OUTAGE_CAPABILITIES",
    "EARLIEST_OUTAGE",
    "MAX_OUTAGE_MINUTES",
    "CSV_COLUMNS",
]

#: The column order of an outage-record CSV (the shipped history, incident logs written by imports).
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "provider",
    "product",
    "capability",
    "start",
    "end",
    "duration_minutes",
    "severity",
    "scope",
    "cause",
    "summary",
    "source_url",
    "confidence",
    "regions",
    "affects",
    "reported_minutes",
)

OUTAGE_CAPABILITIES: tuple[str, ...] = (*CAPABILITIES, "all")
#: The plausible window for a record: no cloud identity or platform provider in the history ran before 2000,
#: and an outage cannot start in the future. Outside it, a record is a typing mistake (year 1, 2099).
EARLIEST_OUTAGE = datetime(2000, 1, 1, tzinfo=UTC)
#: Longest outage a record may state: a year. Anything longer is not an outage but a discontinued service.
MAX_OUTAGE_MINUTES = 365 * 24 * 60.0


def parse_when(value: Any) -> datetime | date | None:
    """ISO 8601 date or date-time; a time without an offset is UTC. A date alone stays a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date; write ISO 8601, e.g. 2025-06-13 or 2025-06-13T09:30:00Z")
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"'{value}' is not a date; write ISO 8601, e.g. 2025-06-13 or 2025-06-13T09:30:00Z") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def _when_text(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


When = Annotated[datetime | date | None, BeforeValidator(parse_when), PlainSerializer(_when_text, when_used="json")]
Names = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]], BeforeValidator(_split), Field(min_length=1)
]


class OutageRecord(BaseModel):
    """An incident: `product` and `capability` may name several, separated by '; ' in tabular files."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False, validate_assignment=False)

    id: Annotated[str, Field(min_length=1, max_length=200)] = Field(description="Unique, e.g. microsoft-20250113.")
    provider: Annotated[str, Field(min_length=1, max_length=200)] = Field(description="Who failed, e.g. Microsoft.")
    product: Names = Field(description="Which product(s), e.g. Entra ID; aliases are understood.")
    capability: Annotated[list[Literal[OUTAGE_CAPABILITIES]], BeforeValidator(_split), Field(min_length=1)] = Field(  # type: ignore[valid-type]
        description="Which function(s) failed, from the capability vocabulary, or 'all'."
    )
    start: When = Field(description="When it began; a date alone when the time is unknown.")
    end: When = Field(default=None, description="When it ended, if known.")
    duration_minutes: float | None = Field(
        default=None, ge=0, le=MAX_OUTAGE_MINUTES, description="Length when the end is unknown (at most a year)."
    )
    severity: Literal["major", "partial", "degraded"] = Field(description="major, partial or degraded.")
    scope: str | None = Field(default=None, description="Regions, cells or share of customers affected.")
    cause: str | None = Field(default=None, description="Cause category, e.g. config change.")
    summary: str | None = Field(default=None, description="One line on what happened.")
    source_url: str | None = Field(
        default=None, description="Where the record was read: an http(s) address (shown as a link)."
    )
    regions: Annotated[list[Annotated[str, Field(min_length=1, max_length=60)]], BeforeValidator(_split)] = Field(
        default_factory=list,
        description="Extension: the regions the incident hit (names from docs/methodology.md, 'Regions'); "
        "none means global. Read from `scope` when not given.",
    )
    affects: Annotated[
        list[Annotated[str, Field(pattern=r"^[^:]+:[^:]+$", max_length=200)]], BeforeValidator(_split)
    ] = Field(
        default_factory=list,
        description="Extension: what else the incident took down, as 'Product: capability' (e.g. "
        "'Exchange Online: email'), where the source says so.",
    )
    confidence: Literal["high", "medium", "low"] = Field(
        description="high: provider's own review; medium: reputable news; low: weak sources."
    )
    reported_minutes: float | None = Field(
        default=None,
        ge=0,
        le=MAX_OUTAGE_MINUTES,
        description="Extension: a length others reported where the provider gives no start and end (a disputed "
        "incident). A replay of the record uses it; the duration fit does not (it is not the provider's figure).",
    )

    @field_validator("source_url", mode="before")
    @classmethod
    def _web_address(cls, value: Any) -> Any:
        """Only an http(s) address: the record's source is a link in the dashboard, the HTML report and the
        incident brief, and a record can come from anyone's incident log or a provider's feed, so a
        `javascript:` (or `data:`, `file:`) address would run or open something when a reader clicks it."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            return value  # the str type reports it
        text = value.strip()
        if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch in "<>\"'`\\" for ch in text):
            raise ValueError(
                "source_url has a space, quote, angle bracket or control character: give the address as a "
                "browser shows it"
            )
        if not text.lower().startswith(("http://", "https://")) or len(text) <= len("https://"):
            raise ValueError(f"source_url '{text[:60]}' is not an http(s) address: give the page's https:// address")
        return text

    @model_validator(mode="after")
    def _consistent(self) -> OutageRecord:
        from risk.regions import region_of, regions_in

        if self.regions:
            unknown = [r for r in self.regions if region_of(r) is None]
            if unknown:
                raise ValueError(f"unknown region '{unknown[0]}'; see docs/methodology.md, 'Regions'")
            self.regions = sorted({region for r in self.regions if (region := region_of(r)) is not None})
        elif self.scope:
            self.regions = regions_in(self.scope)
        for item in self.affects:
            capability = item.split(":", 1)[1].strip()
            if capability not in OUTAGE_CAPABILITIES:
                raise ValueError(f"affects '{item}': unknown capability '{capability}'")
        if self.start is None:
            raise ValueError("start is missing; give the date (and time, if known) the outage began")
        start = _as_datetime(self.start)
        if start < EARLIEST_OUTAGE:
            raise ValueError(
                f"start {start.date().isoformat()} is before {EARLIEST_OUTAGE:%Y}, earlier than any provider in the history; "
                "check the year"
            )
        if start > datetime.now(UTC):
            raise ValueError(f"start {start.date().isoformat()} is in the future; check the year")
        if self.end is not None:
            end = _as_datetime(self.end)
            if end < start:
                raise ValueError("end is before start; check the dates (times are UTC unless an offset is given)")
            if (end - start).total_seconds() / 60 > MAX_OUTAGE_MINUTES:
                raise ValueError("end is more than a year after start; check the dates")
        return self

    @property
    def start_dt(self) -> datetime:
        assert self.start is not None  # a validated record has a start
        return _as_datetime(self.start)

    @property
    def has_exact_times(self) -> bool:
        return isinstance(self.start, datetime) and isinstance(self.end, datetime)

    @property
    def duration_hours(self) -> float | None:
        """The stated duration, else end minus start when both carry times; None when unknown."""
        if self.duration_minutes is not None:
            return self.duration_minutes / 60.0
        if self.has_exact_times:
            return (self.end - self.start).total_seconds() / 3600.0  # type: ignore[operator]
        return None


def _as_datetime(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0, 0), tzinfo=UTC)


def provider_product(provider: str | None, products) -> str:
    """'Microsoft Exchange Online', but 'Microsoft Global Network' (never 'Microsoft Microsoft Global
    Network'): the provider's name before its products unless the first product already starts with it.
    `products` is one name or a list ('Google Workspace; Google Cloud')."""
    names = [products] if isinstance(products, str) else list(products or [])
    text = "; ".join(n for n in names if n)
    provider = (provider or "").strip()
    if not provider:
        return text
    if not text:
        return provider
    first = text.casefold()
    if first == provider.casefold() or first.startswith(provider.casefold() + " "):
        return text
    return f"{provider} {text}"
