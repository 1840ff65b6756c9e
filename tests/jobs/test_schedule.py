"""The timetable: each entry once a day, whoever ticks and however often."""

from datetime import datetime

import pytest
from django.utils import timezone

from tracker.jobs.schedule import SCHEDULE, schedule_due
from tracker.models import Job

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0):
    return timezone.make_aware(datetime(2026, 12, day, hour, minute))


def test_nothing_is_due_before_the_first_entry_of_the_day():
    assert schedule_due(now=at(1, 1, 59)) == []


def test_each_entry_is_enqueued_once_its_time_has_passed():
    assert [j.kind for j in schedule_due(now=at(1, 2, 0))] == [Job.Kind.OPEN_DATA]
    assert [j.kind for j in schedule_due(now=at(1, 8, 1))] == [Job.Kind.ALERTS]
    assert Job.objects.count() == 2


def test_ticking_again_the_same_day_enqueues_nothing_even_after_the_jobs_finished():
    for job in schedule_due(now=at(1, 9)):
        Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED)
    assert schedule_due(now=at(1, 9, 1)) == []
    assert schedule_due(now=at(1, 23, 59)) == []
    assert Job.objects.count() == len(SCHEDULE)


def test_the_next_day_runs_the_timetable_again():
    schedule_due(now=at(1, 9))
    assert len(schedule_due(now=at(2, 9))) == len(SCHEDULE)
    assert sorted(Job.objects.values_list("dedupe_key", flat=True)) == [
        "schedule:alerts:2026-12-01",
        "schedule:alerts:2026-12-02",
        "schedule:open_data:2026-12-01",
        "schedule:open_data:2026-12-02",
    ]
