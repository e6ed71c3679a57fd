"""The catalog model: the single source of truth for the catalog format.

The JSON Schema (`lynchpin schema`, docs/catalog-schema.json) and the field reference in docs/ are generated
from these classes. Structural rules (types, ranges, required fields, the shape of requirement expressions)
live here; rules that need the whole catalog (unknown ids, duplicates, cycles) live in `checks.py`, so a
single service or dependency can be validated on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    WithJsonSchema,
    model_validator,
)
from typing_extensions import TypeAliasType

from risk.catalog.vocabulary import CAPABILITIES, ID_PATTERN, KINDS, SUBSTITUTABILITY
from risk.durations import format_duration, parse_duration
from risk.settings import Count, Settings
from risk.untrusted import CONTROL, CONTROL_IN_TEXT, control_character

__all__ = [
    "Duration",
    "Ref",
    "AnyOf",
    "AllOf",
    "AtLeast",
    "Expr",
    "Workaround",
    "Service",
    "Dependency",
    "Provider",
    "Catalog",
    "Controls",
    "Aliases",
    "Capability",
    "Kind",
]

Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?\s*[a-zA-Z]+\s*)+$|^\s*\d+(\.\d+)?\s*$"},
                {"type": "number", "minimum": 0},
            ],
            "description": "A duration: 90m, 4h, 1h30m, 2d, 1w, or a number of hours.",
        }
    ),
]
Capability = Literal[CAPABILITIES]  # type: ignore[valid-type]
Kind = Literal[KINDS]  # type: ignore[valid-type]


def _check_hours(value: str | None) -> str | None:
    from risk.catalog.hours import parse_hours

    parse_hours(value)
    return value


def _check_timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"'{value}' is not a time zone; use a name such as Europe/London or UTC") from None
    return value


#: The message for `mean_outage: 0`; validate.py gives it its fix. An outage of no length is no outage, and
#: the duration model (a lognormal with that mean) has none; refused rather than read as "no estimate".
ZERO_MEAN_OUTAGE = "an outage of 0 hours is no outage, so 0 cannot be the mean length of one"


def _check_mean_outage(value: float | None) -> float | None:
    if value is not None and value <= 0:
        raise ValueError(ZERO_MEAN_OUTAGE)
    return value


#: Ranges every number must fall in, so the engine never meets a value it cannot use (docs/catalog.md).
MAX_USERS = 1_000_000_000
MAX_HOURLY_COST = 1e12
MAX_ANNUAL_OUTAGES = 1000.0


def _plain(value: str, free_text: bool = False) -> str:
    """Refuse text holding a control character (an escape that would drive a terminal, a character an XLSX
    file cannot hold), a bidirectional override or an invisible character (which hide or reorder what a
    reader sees, or make one provider's name look like another's)."""
    if isinstance(value, str) and (found := control_character(value, free_text)):
        where = (CONTROL_IN_TEXT if free_text else CONTROL).search(value).start()  # type: ignore[union-attr]
        raise ValueError(
            f"holds an invisible or control character ({found}) at character {where + 1}; "
            f"retype the text without it{'' if free_text else ' (names and ids may not hold tabs or line breaks)'}"
        )
    return value


def _plain_free_text(value: str) -> str:
    return _plain(value, free_text=True)


def _plain_or_none(value: str | None) -> str | None:
    return None if value is None else _plain(value)


#: Longest id (of a service, dependency or requirement item) and longest text (a name, provider, product...).
MAX_ID_CHARS = 200
MAX_TEXT_CHARS = 2000

Plain = AfterValidator(_plain)
Id = Annotated[str, Field(pattern=ID_PATTERN, min_length=1, max_length=MAX_ID_CHARS)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS), Plain]
FreeText = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS), AfterValidator(_plain_free_text)]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class Ref(BaseModel):
    """Needs one dependency or service, with an optional grace period that existing sessions ride out."""

    model_config = _STRICT
    id: Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS, description="A dependency or service id."), Plain]
    grace: Duration | None = Field(
        default=None,
        description="The service only goes down once an outage of this item outlasts the grace period.",
    )


class AnyOf(BaseModel):
    """Needs at least one of its items: redundancy or alternative paths."""

    model_config = _STRICT
    any_of: list[Expr] = Field(min_length=1, description="The alternatives; one is enough.")


class AllOf(BaseModel):
    """Needs every one of its items; used inside any_of for a multi-part alternative."""

    model_config = _STRICT
    all_of: list[Expr] = Field(min_length=1, description="The parts; all are needed.")


class AtLeast(BaseModel):
    """Needs at least k of its items (k-of-n redundancy)."""

    model_config = _STRICT
    at_least: Count = Field(ge=1, le=100_000, description="How many of the items must be up.")
    of: list[Expr] = Field(min_length=1, description="The items, of which at_least must be up.")

    @model_validator(mode="after")
    def _k_fits(self) -> AtLeast:
        if self.at_least > len(self.of):
            raise ValueError(
                f"at_least is {self.at_least} but its list has only {len(self.of)} item(s); "
                f"lower at_least to at most {len(self.of)} or add items"
            )
        return self


def _expr_tag(value: Any) -> str | None:
    """Which form of requirement a raw value (or a model) is, so errors speak about that form only."""
    if isinstance(value, str):
        return "expr:id"
    if isinstance(value, list):
        return "expr:list"
    if isinstance(value, BaseModel):
        return {Ref: "expr:ref", AnyOf: "expr:any_of", AllOf: "expr:all_of", AtLeast: "expr:at_least"}.get(type(value))
    if isinstance(value, dict):
        for key, tag in (
            ("any_of", "expr:any_of"),
            ("all_of", "expr:all_of"),
            ("at_least", "expr:at_least"),
            ("of", "expr:at_least"),
            ("id", "expr:ref"),
        ):
            if key in value:
                return tag
    return None


def _simplify(value: Any) -> Any:
    """A reference without a grace period is just its id, so every requirement has one canonical form."""
    if isinstance(value, Ref) and value.grace is None:
        return value.id
    return value


EXPR_HELP = (
    "a requirement is an id, a list (all needed), {id: X, grace: 8h}, {any_of: [...]}, "
    "{all_of: [...]} or {at_least: K, of: [...]}"
)

if TYPE_CHECKING:
    # What validation gives, as a recursive alias mypy follows (the TypeAliasType below is pydantic's form).
    Expr = str | Ref | AnyOf | AllOf | AtLeast | list["Expr"]
else:
    Expr = TypeAliasType(
        "Expr",
        Annotated[
            Annotated[Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS), Plain], Tag("expr:id")]
            | Annotated[Ref, Tag("expr:ref")]
            | Annotated[AnyOf, Tag("expr:any_of")]
            | Annotated[AllOf, Tag("expr:all_of")]
            | Annotated[AtLeast, Tag("expr:at_least")]
            | Annotated[list["Expr"], Tag("expr:list")],
            Discriminator(
                _expr_tag,
                custom_error_type="invalid_requirement",
                custom_error_message=f"this is not a requirement: {EXPR_HELP}",
            ),
            AfterValidator(_simplify),
        ],
    )


def _parse_requirement(value: Any) -> Any:
    """Accept the one-cell text syntax wherever a requirement is expected, and make the top level a list."""
    if isinstance(value, str):
        from risk.catalog.expressions import parse_requirement_text

        return parse_requirement_text(value)
    if value is None:
        return []
    if not isinstance(value, list):
        return [value]
    return value


Requirement = Annotated[
    list[Expr],
    BeforeValidator(_parse_requirement),
    Field(description="A requirement expression: a list of items that are all needed."),
]


class Workaround(BaseModel):
    """A manual procedure that buys time before an outage hurts (e.g. paper downtime procedures)."""

    model_config = _STRICT
    description: FreeText = Field(description="What staff do instead, e.g. paper downtime procedures.")
    buys: Duration = Field(description="How long the workaround holds before the outage breaches tolerance.")


class Service(BaseModel):
    """Something the organisation delivers, with the tolerance it can bear and what it needs."""

    model_config = _STRICT
    id: Id = Field(description="Unique across services and dependencies: lower case, digits, '.', '_' or '-'.")
    name: Text = Field(description="A readable name, used in the dashboard and reports.")
    tier: Count = Field(ge=1, le=4, description="1 = most critical .. 4 = least.")
    impact_tolerance: Duration = Field(description="The longest outage the service can bear.")
    users: Count | None = Field(
        default=None, ge=0, le=MAX_USERS, description="People who rely on the service (at most a billion)."
    )
    hourly_cost: float | None = Field(
        default=None, ge=0, le=MAX_HOURLY_COST, description="Currency units lost per hour of outage (at most 10^12)."
    )
    owner: Text | None = Field(default=None, description="Who answers for the service.")
    workaround: Workaround | None = Field(default=None, description="A manual procedure that buys time.")
    requires: Requirement = Field(default_factory=list, description="What the service needs to be up.")
    hours: Annotated[str | None, Plain, AfterValidator(_check_hours)] = Field(
        default=None,
        description="Extension: when the service is needed, e.g. 'Mon-Fri 08:00-18:00' in the catalog's "
        "timezone (24x7 when not given). Outages outside these hours do not count.",
    )

    @property
    def weekly_hours(self):
        """The service hours as a weekly pattern (None: 24x7)."""
        from risk.catalog.hours import parse_hours

        return parse_hours(self.hours)

    @property
    def workaround_hours(self) -> float:
        """Hours the workaround holds beyond the tolerance (0 without one)."""
        return self.workaround.buys if self.workaround is not None else 0.0

    @property
    def effective_tolerance(self) -> float:
        """The longest outage, in hours, before the service is beyond tolerance: its impact tolerance plus
        what its workaround buys. The one definition every figure uses (simulation, scenarios, triggers)."""
        return self.impact_tolerance + self.workaround_hours


class Dependency(BaseModel):
    """Something services lean on, which can fail: a provider's capability or an internal system."""

    model_config = _STRICT
    id: Id = Field(description="Unique across services and dependencies.")
    name: Text = Field(description="A readable name.")
    provider: Text | None = Field(default=None, description="Required unless kind is logical.")
    product: Text | None = Field(default=None, description="Required unless kind is logical.")
    capability: Capability | None = Field(default=None, description="Required unless kind is logical.")
    kind: Kind | None = Field(
        default=None, description="identity, platform, network, saas, internal, telecom or logical."
    )
    requires: Requirement = Field(
        default_factory=list, description="The dependency also fails when this requirement is not met."
    )
    annual_outages: float | None = Field(
        default=None, ge=0, le=MAX_ANNUAL_OUTAGES, description="Expert estimate: outages per year (at most 1000)."
    )
    mean_outage: Annotated[Duration | None, AfterValidator(_check_mean_outage)] = Field(
        default=None, description="Expert estimate: mean outage duration."
    )
    unavailability: float | None = Field(
        default=None, ge=0, le=1, description="Expert estimate: probability of being down at a random moment."
    )
    notes: Annotated[str, AfterValidator(_plain_free_text)] | None = Field(
        default=None, max_length=5000, description="Extension: free text for the reader."
    )
    region: Text | None = Field(
        default=None,
        description="Extension: where the provider runs it (e.g. eu-west-2, London, UK South); regional "
        "incidents elsewhere do not count. Names: docs/methodology.md, 'Regions'.",
    )

    @model_validator(mode="after")
    def _needs_identity(self) -> Dependency:
        if self.kind != "logical":
            missing = [f for f in ("provider", "product", "capability") if getattr(self, f) is None]
            if missing:
                raise ValueError(
                    f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} required unless kind is logical"
                )
        return self

    @property
    def is_logical(self) -> bool:
        return self.kind == "logical"

    @property
    def has_estimate(self) -> bool:
        return self.annual_outages is not None or self.unavailability is not None


class Provider(BaseModel):
    """Facts about a provider, by name; used for concentration and exit-planning advice."""

    model_config = _STRICT
    name: Text = Field(description="The provider's name, as dependencies write it.")
    sla: float | None = Field(default=None, ge=0, le=100, description="Contracted availability, percent.")
    status_feed: Annotated[str, Plain] | None = Field(
        default=None, max_length=2000, description="URL of the provider's status feed."
    )
    substitutability: Literal[SUBSTITUTABILITY] | None = Field(  # type: ignore[valid-type]
        default=None, description="How hard the provider is to replace."
    )
    exit_plan: bool | None = Field(default=None, description="Whether a tested exit plan exists.")


class Controls(BaseModel):
    """Extension: the organisation's resilience posture (identity controls, monitoring, testing), which the
    recommendation rules test. Every field is optional; an absent field means "not known", and rules treat
    it as not in place."""

    model_config = _STRICT
    emergency_access_accounts: Count | None = Field(
        le=1_000_000,
        default=None,
        ge=0,
        description="Cloud-only emergency access (break-glass) accounts in the identity provider.",
    )
    emergency_access_method: Literal["fido2", "certificate", "password", "phone", "other"] | None = Field(
        default=None, description="How the emergency accounts authenticate."
    )
    emergency_access_alerting: bool | None = Field(default=None, description="Every emergency sign-in raises an alert.")
    emergency_access_tested_days_ago: Count | None = Field(
        le=1_000_000, default=None, ge=0, description="Days since the emergency accounts were last tested."
    )
    users_with_two_mfa_methods: float | None = Field(
        default=None, ge=0, le=1, description="Share of users with two or more MFA methods registered."
    )
    phishing_resistant_share: float | None = Field(
        default=None, ge=0, le=1, description="Share of users with FIDO2 keys, passkeys or Windows Hello."
    )
    temporary_access_pass: bool | None = Field(
        default=None, description="Temporary Access Pass enabled for onboarding."
    )
    conditional_access_alternative_controls: bool | None = Field(
        default=None, description="Critical apps accept MFA *or* a compliant device, not MFA only."
    )
    contingency_policies: Count | None = Field(
        le=1_000_000, default=None, ge=0, description="Pre-staged, report-only Conditional Access contingency policies."
    )
    resilience_defaults_disabled: bool | None = Field(
        default=None, description="Some Conditional Access policy has resilience defaults switched off."
    )
    continuous_access_evaluation: bool | None = Field(default=None, description="Continuous access evaluation on.")
    password_hash_sync: bool | None = Field(
        default=None, description="Password hash sync kept on as a fallback from federation."
    )
    signin_health_alerts: bool | None = Field(default=None, description="Alerts on sign-in failure spikes.")
    okta_enhanced_disaster_recovery: bool | None = Field(default=None, description="Okta Enhanced DR purchased.")
    okta_admin_authenticators: Count | None = Field(
        le=1_000_000, default=None, ge=0, description="Authenticators per Okta admin."
    )
    duo_failmode: Literal["safe", "secure"] | None = Field(default=None, description="Duo fail mode, if decided.")
    duo_offline_access: bool | None = Field(default=None, description="Duo offline access for Windows logon.")
    google_super_admins: Count | None = Field(
        le=1_000_000, default=None, ge=0, description="Google Workspace super admins."
    )
    google_super_admin_break_glass: bool | None = Field(
        default=None, description="A super admin kept as break-glass outside third-party SSO."
    )
    status_feeds_monitored: list[Text] = Field(
        default_factory=list, description="Providers whose status or service-health feed is monitored."
    )
    scenario_test_days_ago: Count | None = Field(
        le=1_000_000, default=None, ge=0, description="Days since an identity-outage scenario test."
    )
    user_comms_plan: bool | None = Field(default=None, description="Pre-written outage messages for users.")


AliasNames = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=500)]


class Aliases(BaseModel):
    """Extension: the organisation's own names for providers and products (e.g. a status page's component
    'DUO1 Authentication' is the product Duo), added to the shipped alias table; yours win where the two
    disagree, with a warning (docs/methodology.md, 'Aliases')."""

    model_config = _STRICT
    providers: dict[Annotated[str, Field(min_length=1, max_length=200)], AliasNames] = Field(
        default_factory=dict,
        description="Provider name -> other names for it, e.g. {Cisco: [Duo Security status page]}.",
        max_length=1000,
    )
    products: dict[Annotated[str, Field(min_length=1, max_length=200)], AliasNames] = Field(
        default_factory=dict,
        description="Product name -> other names for it, e.g. {Duo: [DUO1 Authentication]}.",
        max_length=1000,
    )


class Catalog(BaseModel):
    """The organisation's services, what they lean on, and facts about the providers."""

    model_config = _STRICT
    organisation: Text = Field(description="The organisation's name, shown on every report.")
    timezone: Annotated[str, Plain, AfterValidator(_check_timezone)] = Field(
        default="UTC", description="Extension: the time zone of service hours and scenario start times."
    )
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(
        default="GBP",
        description="Extension: the ISO 4217 code of hourly_cost and every cost shown (GBP, EUR, USD, ...).",
    )
    catalog_version: Annotated[
        str | None, BeforeValidator(lambda v: None if v is None else str(v)), AfterValidator(_plain_or_none)
    ] = Field(default=None, description="Free text identifying this version, e.g. 2026-11.")
    services: list[Service] = Field(min_length=1, description="What the organisation delivers; at least one.")
    dependencies: list[Dependency] = Field(default_factory=list, description="What services lean on; each can fail.")
    providers: list[Provider] = Field(default_factory=list, description="Optional facts about providers, by name.")
    controls: Controls | None = Field(
        default=None, description="Extension: resilience posture tested by the recommendation rules."
    )
    settings: Settings | None = Field(
        default=None,
        description="Extension: override assessment settings, e.g. simulated_years, seed (every key with its default and range: docs/methodology.md, Settings).",
    )
    aliases: Aliases | None = Field(
        default=None,
        description="Extension: your names for providers and products, added to the shipped alias table.",
    )

    def service(self, id: str) -> Service:
        return next(s for s in self.services if s.id == id)

    def dependency(self, id: str) -> Dependency:
        return next(d for d in self.dependencies if d.id == id)
