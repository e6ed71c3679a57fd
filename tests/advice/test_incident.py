"""Incident mode (issue 28): the clocks of an outage under way, on the NHS example and a worked example
small enough to check by hand (docs/methodology.md, "Incident mode")."""

from __future__ import annotations

import json
import math
import zlib
from datetime import UTC, datetime, timedelta
from statistics import NormalDist

import numpy as np
import pytest

from risk.advice.incident import IncidentResult, conditional_survival, incident
from risk.advice.scenarios import what_if
from risk.catalog.load import read_catalog
from risk.data import example_path
from risk.problems import InputError
from risk.run import Run, load_shipped_history

pytestmark = pytest.mark.timeout(120)

START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # a Monday; London is on UTC in December

WORKED = """
organisation: Worked example
services:
  - id: email
    name: Email
    tier: 1
    impact_tolerance: 4h
    users: 500
    hourly_cost: 1000
    workaround:
      description: Phone and paper
      buys: 2h
    requires:
      - {id: idp, grace: 1h}
  - id: wiki
    name: Wiki
    tier: 4
    impact_tolerance: 1d
    requires: [wiki-host]
dependencies:
  - id: idp
    name: Identity provider
    provider: Example
    product: Example ID
    capability: sign-in
    annual_outages: 2
    mean_outage: 3h
  - id: wiki-host
    name: Wiki host
    provider: Example
    product: Example Host
    capability: compute
    annual_outages: 1
    mean_outage: 2h
"""


@pytest.fixture(scope="module")
def nhs() -> Run:
    report = read_catalog(example_path("nhs-acute-trust"))
    return Run.build(report.catalog, load_shipped_history())


@pytest.fixture(scope="module")
def worked(tmp_path_factory) -> Run:
    path = tmp_path_factory.mktemp("worked") / "worked.yaml"
    path.write_text(WORKED, encoding="utf-8")
    report = read_catalog(path)
    assert not report.errors
    # The worked example takes the estimate as given (error factor 1), so its figures are in closed form.
    return Run.build(report.catalog, [], {"estimate_error_factor": 1.0})


@pytest.fixture(scope="module")
def worked_uncertain(tmp_path_factory) -> Run:
    path = tmp_path_factory.mktemp("worked-uncertain") / "worked.yaml"
    path.write_text(WORKED, encoding="utf-8")
    return Run.build(read_catalog(path).catalog, [])


def clocks(run: Run, down: list[str], now: datetime, start: datetime = START) -> IncidentResult:
    return incident(
        run.catalog, run.records, run.settings, down, start, now, run.aliases, run.statistics, run.structure
    )


def at(hour: int, minute: int = 0) -> datetime:
    return START.replace(hour=hour, minute=minute)


@pytest.mark.parametrize("now", [at(8, 30), at(10, 30)])
def test_services_down_are_the_matching_what_if(nhs: Run, now: datetime) -> None:
    result = clocks(nhs, ["entra-mfa"], now)
    scenario = what_if(nhs.catalog, ["entra-mfa"], (now - START).total_seconds() / 3600, START, nhs.aliases)
    assert {s.id for s in result.services if s.down} == {s.id for s in scenario.services if s.down}
    assert {s.id for s in result.services if s.breached} == {s.id for s in scenario.breaches}
    assert result.people_affected_at_least == scenario.people_affected_at_least


def test_nhs_mfa_outage_down_after_the_grace_period(nhs: Run) -> None:
    early, later = clocks(nhs, ["entra-mfa"], at(8, 30)), clocks(nhs, ["entra-mfa"], at(10, 30))
    # NHSmail sign-in holds for 2 h of an MFA outage (its grace), so nothing is down at 08:30 and email,
    # Teams and the intranet are at 10:30.
    assert not any(s.down for s in early.services)
    assert {s.id for s in later.services if s.down} == {"clinical-email", "teams", "intranet"}
    email = next(s for s in later.services if s.id == "clinical-email")
    assert email.goes_down_after_hours == 2.0
    assert email.breach_after_hours == 2.0 + 4.0 + 2.0  # grace + impact tolerance + workaround
    assert email.breach_at == "2026-12-07T16:00:00Z"


def test_probability_beyond_tolerance_rises_as_the_outage_goes_on(nhs: Run) -> None:
    early, later = clocks(nhs, ["entra-mfa"], at(8, 30)), clocks(nhs, ["entra-mfa"], at(10, 30))
    before = {s.id: s for s in early.services}
    rising = 0
    for s in later.services:
        if s.breached or s.breach_after_hours is None:
            continue
        p0, p1 = before[s.id].probability_beyond_tolerance, s.probability_beyond_tolerance
        assert 0 < p0 < p1 < 1, s.id
        low, high = s.probability_beyond_tolerance_interval
        assert low < high and low <= p1 <= high, s.id  # a range, with the estimate inside it
        rising += 1
    assert rising == 3


def test_hours_left_count_down_to_zero_at_the_breach(nhs: Run) -> None:
    """Clinical email breaches when the outage passes 8 h (16:00): a minute before, exactly then, a minute after."""
    step = timedelta(minutes=1)

    def email(now: datetime):
        return next(s for s in clocks(nhs, ["entra-mfa"], now).services if s.id == "clinical-email")

    assert email(at(8, 30)).hours_left == pytest.approx(7.5)
    assert email(at(10, 30)).hours_left == pytest.approx(5.5)
    before, exact, after = email(at(16) - step), email(at(16)), email(at(16) + step)
    assert before.hours_left == pytest.approx(1 / 60) and not before.breached
    assert exact.hours_left == 0 and not exact.breached  # at the tolerance, not beyond it
    assert after.hours_left == 0 and after.breached
    assert exact.probability_beyond_tolerance == 1.0 and after.probability_beyond_tolerance == 1.0
    assert before.probability_beyond_tolerance < 1.0


def test_services_are_ordered_by_time_left(nhs: Run) -> None:
    result = clocks(nhs, ["entra-mfa"], at(10, 30))
    left = [s.hours_left for s in result.services if s.hours_left is not None]
    assert left == sorted(left)
    assert [s.id for s in result.services][:3] == ["clinical-email", "teams", "intranet"]


def test_similar_records_are_the_dependency_s_own_with_sources(nhs: Run) -> None:
    result = clocks(nhs, ["entra-mfa"], at(10, 30))
    assert result.similar
    for r in result.similar:
        assert r.provider == "Microsoft" and "Entra ID" in r.product and "mfa" in r.capability
    known = [r.duration_hours for r in result.similar if r.duration_hours is not None]
    assert known == sorted(known, reverse=True)
    assert any(r.source_url for r in result.similar)


def test_worked_example_reproduces_the_methodology(worked: Run) -> None:
    """docs/methodology.md, "Incident mode", worked example: mean outage 3 h, sigma 1 (the no-history
    default), so mu = ln 3 - 1/2; grace 1 h + tolerance 4 h + workaround 2 h: breach past D* = 7 h. Two
    hours in: P = (1 - Phi(ln 7 - mu)) / (1 - Phi(ln 2 - mu)) = 0.08894 / 0.46234 = 0.1924."""
    result = clocks(worked, ["idp"], at(10))
    email = next(s for s in result.services if s.id == "email")
    mu, phi = math.log(3) - 0.5, NormalDist().cdf
    expected = (1 - phi(math.log(7) - mu)) / (1 - phi(math.log(2) - mu))
    assert email.breach_after_hours == 7.0 and email.hours_left == 5.0
    assert email.probability_beyond_tolerance == pytest.approx(expected, rel=1e-9)
    assert round(email.probability_beyond_tolerance, 4) == 0.1924
    assert email.probability_beyond_tolerance_interval == pytest.approx((expected, expected))  # an estimate: no spread
    # The median remaining length: S(t + r) = S(t) / 2.
    median = math.exp(mu + NormalDist().inv_cdf(1 - 0.5 * (1 - phi(math.log(2) - mu)))) - 2
    assert result.remaining.median_hours == pytest.approx(median, rel=1e-2)
    assert round(median, 2) == 1.79
    wiki = next(s for s in result.services if s.id == "wiki")
    assert wiki.goes_down_after_hours is None and wiki.hours_left is None
    assert wiki.probability_beyond_tolerance == 0.0 and not wiki.down


def test_an_uncertain_estimate_gives_the_mean_over_its_draws_and_a_range(worked_uncertain: Run) -> None:
    """With the default error factor (3) the estimate's mu is drawn, mean kept: the stated probability is the
    mean over the draws of S(7)/S(2), inside its range, which has width."""
    result = clocks(worked_uncertain, ["idp"], at(10))
    email = next(s for s in result.services if s.id == "email")
    st = worked_uncertain.statistics["idp"]
    rng = np.random.default_rng([worked_uncertain.settings.seed, zlib.crc32(b"incident\x00idp")])
    _, mus, sigmas = st.draw_parameters(rng, worked_uncertain.settings.uncertainty_draws)
    per_draw = conditional_survival(7.0, 2.0, mus[:, None], sigmas[:, None])
    assert email.probability_beyond_tolerance == pytest.approx(float(per_draw.mean()), rel=1e-12)
    low, high = email.probability_beyond_tolerance_interval
    assert low < email.probability_beyond_tolerance < high


def test_sigma_drawn_per_draw_is_the_lognormal_of_each_draw() -> None:
    phi = NormalDist().cdf
    mus, sigmas = np.array([[0.0], [0.5]]), np.array([[1.0], [0.4]])
    got = conditional_survival(3.0, 1.0, mus, sigmas)
    for i, (m, sd) in enumerate(((0.0, 1.0), (0.5, 0.4))):
        want = (1 - phi((math.log(3.0) - m) / sd)) / (1 - phi((math.log(1.0) - m) / sd))
        assert got[i] == pytest.approx(want, rel=1e-12)


def test_conditional_survival_is_one_at_or_before_the_elapsed_time() -> None:
    mus, sigmas = np.array([[1.0], [1.5]]), np.array([1.0])
    assert conditional_survival(2.0, 2.0, mus, sigmas).tolist() == [1.0, 1.0]
    assert conditional_survival(1.0, 2.0, mus, sigmas).tolist() == [1.0, 1.0]
    assert (conditional_survival(2.0 + 1e-9, 2.0, mus, sigmas) < 1.0).all()


def test_several_dependencies_end_with_the_last_one() -> None:
    """Two parts under one deviate: S(x) = max of the two survivals, so the longer model governs."""
    phi = NormalDist().cdf
    mus, sigmas = np.array([[0.0, 1.0]]), np.array([1.0, 0.5])
    x, t = 5.0, 1.0

    def s(v):
        return max(1 - phi((math.log(v) - 0.0) / 1.0), 1 - phi((math.log(v) - 1.0) / 0.5))

    assert conditional_survival(x, t, mus, sigmas)[0] == pytest.approx(s(x) / s(t), rel=1e-12)


def test_the_same_inputs_give_the_same_result(nhs: Run) -> None:
    one, two = clocks(nhs, ["entra-mfa"], at(10, 30)), clocks(nhs, ["entra-mfa"], at(10, 30))
    assert one.model_dump() == two.model_dump()


def test_the_result_reads_back_from_its_json(nhs: Run) -> None:
    result = clocks(nhs, ["entra-mfa"], at(10, 30))
    again = IncidentResult.model_validate(json.loads(result.model_dump_json()))
    assert again.model_dump() == result.model_dump()


def test_now_before_the_start_is_refused(nhs: Run) -> None:
    with pytest.raises(InputError) as caught:
        clocks(nhs, ["entra-mfa"], at(7, 59))
    assert caught.value.problems[0].location.file == "now"


def test_unknown_dependency_is_refused_with_a_suggestion(nhs: Run) -> None:
    with pytest.raises(InputError) as caught:
        clocks(nhs, ["entra-mfaa"], at(9))
    assert "entra-mfa" in caught.value.problems[0].message


def test_service_hours_threshold_counts_only_service_hours(nhs: Run) -> None:
    """The service desk (Mon-Fri 08:00-18:00; 1 day of tolerance + 1 day of workaround = 48 service hours)
    losing MFA registration on Friday at 17:00: Fri 1 h + Mon to Thu 4 x 10 h + Fri 7 h = 48 h, so it is
    beyond tolerance past the next Friday at 15:00, not on Sunday at 17:00 as 48 hours round the clock."""
    friday = datetime(2026, 12, 11, 17, 0, tzinfo=UTC)
    result = clocks(nhs, ["entra-mfa-registration"], friday + timedelta(minutes=30), start=friday)
    desk = next(s for s in result.services if s.id == "staff-onboarding")
    assert desk.tolerance_hours == 48.0
    assert desk.breach_after_hours == pytest.approx(7 * 24 - 2, abs=1e-6)
    assert desk.breach_at == "2026-12-18T15:00:00Z"
    assert desk.hours_left == pytest.approx(7 * 24 - 2.5, abs=1e-6)


def test_recommendations_for_affected_services_are_listed_for_the_review(nhs: Run) -> None:
    from types import SimpleNamespace

    recs = [
        SimpleNamespace(id="R-1", title="Second MFA method", services=["clinical-email", "epr"]),
        SimpleNamespace(id="R-2", title="Paper forms", services=["pathology"]),
    ]
    result = incident(
        nhs.catalog,
        nhs.records,
        nhs.settings,
        ["entra-mfa"],
        START,
        at(10, 30),
        nhs.aliases,
        recommendations=recs,
        statuses={"R-1": "planned: Olu, due 2027-01-31"},
    )
    by_id = {s.id: s for s in result.services}
    assert by_id["clinical-email"].review == ["Second MFA method (R-1; planned: Olu, due 2027-01-31)"]
    assert by_id["epr"].review == []  # not affected by this outage
    assert by_id["pathology"].review == []


def test_an_outage_past_the_simulation_cap_still_has_a_remaining_length(nhs: Run) -> None:
    """Below the 168 h cap the remaining length stops at the cap; at it and past it the model runs on."""
    cap = nhs.settings.max_outage_hours
    before = clocks(nhs, ["entra-mfa"], START + timedelta(hours=cap - 1))
    assert before.remaining.interval_hours[1] <= 1.0 + 1e-9
    for hours_in in (cap, cap + 1):
        result = clocks(nhs, ["entra-mfa"], START + timedelta(hours=hours_in))
        assert result.remaining.median_hours > 1.0
        assert any("uncapped model" in a for a in result.assumptions)
    assert not any("uncapped model" in a for a in before.assumptions)
