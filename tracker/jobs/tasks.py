"""The one task the framework knows: run the ``Job`` with this id.

Everything a job needs is on its row, so a task's arguments are one integer
(JSON-safe on every backend) and a task delivered twice finds the job already
claimed and does nothing.
"""

from django_tasks import task


@task()
def run_job(job_id: int) -> str:
    from .runner import job_execute

    return job_execute(job_id)
