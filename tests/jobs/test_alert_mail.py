"""The daily alert mail: each responsible person gets their own lines; nobody's lines go to managers."""

from datetime import date

import pytest
from django.core import mail

from tests.factories import make_project, make_user
from tracker.jobs import job_enqueue
from tracker.jobs.testing import run_queued_jobs
from tracker.models import Job
from tracker.permissions import ADMIN_GROUP


@pytest.fixture
def people(world):
    leader = make_user("leader")  # responsible for a project, not a 招商管理员
    leader.email = "leader@example.cn"
    leader.save()
    manager = make_user("manager", group=ADMIN_GROUP)
    manager.email = "manager@example.cn"
    manager.save()
    return leader, manager


def test_each_responsible_person_is_mailed_their_own_alerts(tasks_backend, world, people):
    leader, manager = people
    # Signed long ago and never started: 签约超期未开工 (and no progress report).
    make_project(
        world, code="JZ-2020-0001", stage="signed", signed_on=date(2020, 1, 1), leader_user=leader
    )
    make_project(
        world, code="JZ-2020-0002", stage="signed", signed_on=date(2020, 1, 1), leader_user=None
    )
    job = job_enqueue(kind=Job.Kind.ALERTS, title="每日预警", params={"on": "2026-12-01"})
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    by_address = {message.to[0]: message.body for message in mail.outbox}
    assert set(by_address) == {"leader@example.cn", "manager@example.cn"}
    assert "JZ-2020-0001" in by_address["leader@example.cn"]
    assert "JZ-2020-0002" not in by_address["leader@example.cn"]
    # The project with nobody responsible goes to every 招商管理员 with an address.
    assert "JZ-2020-0002" in by_address["manager@example.cn"]
    assert (
        "签约" in by_address["leader@example.cn"] and "天未开工" in by_address["leader@example.cn"]
    )
    assert job.result["mails"] == 2 and job.result["to_managers"] >= 1
