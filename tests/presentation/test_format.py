def test_effect_text_names_the_risk_cut_and_the_money_saved():
    from risk.advice.recommend.engine import Effect
    from risk.presentation.format import effect_text

    def effect(before, after, saved, priced=True, currency="GBP"):
        return Effect(
            risk_index_before=before,
            risk_index_after=after,
            risk_reduction=before - after,
            downtime_hours_saved=1.0,
            cost_saved=saved,
            currency=currency,
            priced=priced,
            services=[],
        )

    assert effect_text(effect(2.0, 1.4, 209_000)) == (
        "cuts the risk by 30% and saves £209k a year in expected downtime cost"
    )
    assert effect_text(effect(2.0, 1.4, 209_000, currency="EUR")).endswith(
        "saves €209k a year in expected downtime cost"
    )
    assert effect_text(effect(2.0, 2.2, -5_000)) == (
        "adds 10% to the risk and adds £5k a year in expected downtime cost"
    )
    assert effect_text(effect(2.0, 1.0, 0.0, priced=False)) == (
        "cuts the risk by 50%; saving not priced (no service has an hourly cost)"
    )
    assert effect_text(effect(0.0, 0.0, 0.0)).startswith("no measurable change in risk")
    assert effect_text(effect(1.0, 0.996, 10.0)).startswith("no measurable change in risk")  # rounds to 0%
    assert effect_text(effect(1.0, 0.994, 10.0)).startswith("cuts the risk by 1%")
