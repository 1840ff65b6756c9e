"""Small builders for the scorecard tests: signed projects, stage dates, funds, targets."""

import itertools
from datetime import date
from decimal import Decimal

from tests.factories import make_project
from tracker.models import DistrictTarget, FundsArrival, Region, StageChange

_codes = itertools.count(1)


def district(world, name, slug):
    return Region.objects.create(name=name, slug=slug, kind="district", parent=world.city)


def signed(world, region, investment, *, on=date(2026, 3, 10), stage="signed", **fields):
    """A project signed ``on`` in ``region`` (investment in 万元, ``None`` = undisclosed)."""
    code = f"JZ-2026-{next(_codes):04d}"
    amount = None if investment is None else Decimal(investment)
    return make_project(
        world, code=code, region=region, investment=amount, signed_on=on, stage=stage, **fields
    )


def moved(project, stage, on):
    """Record the project entering ``stage`` on ``on`` (the timeline) and keep it there."""
    StageChange.objects.create(project=project, to_stage=stage, effective_on=on)
    project.stage = stage
    project.save(update_fields=["stage"])
    return project


def funds(project, month, amount, origin="city"):
    return FundsArrival.objects.create(
        project=project, month=month, amount=Decimal(amount), origin=origin
    )


def target(region, year=2026, **figures):
    return DistrictTarget.objects.create(region=region, year=year, **figures)
