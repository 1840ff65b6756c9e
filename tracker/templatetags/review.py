"""What a project's figures rest on, for staff and public pages: reviewed, or as reported.

``{% review_basis project as basis %}``: ``basis.kind`` is ``"approved"`` (a
招商管理员 approved a claim, ``basis.on`` when), ``"press"`` (loaded from the
articles, never reviewed: "据媒体报道，未经审核") or ``""`` (recorded by staff).
"""

from django import template

from ..models import ChangeRequest

register = template.Library()


_NOT_ANNOTATED = object()


@register.simple_tag
def review_basis(project) -> dict:
    # Pages that show one project annotate it (ProjectQuerySet.with_review_basis): no query.
    approved = getattr(project, "approved_on", _NOT_ANNOTATED)
    if approved is _NOT_ANNOTATED:
        approved = (
            ChangeRequest.objects.filter(project=project, status=ChangeRequest.Status.APPROVED)
            .order_by("-decided_at")
            .values_list("decided_at", flat=True)
            .first()
        )
    if approved is not None:
        return {"kind": "approved", "on": approved}
    if project.citations.exists():
        return {"kind": "press", "on": None}
    return {"kind": "", "on": None}
