"""Which changes of a 区域录入员 wait for review: the pure rule, shared by every write route.

``held_fields`` decides, from the approved values and the proposed ones,
which fields a save submits rather than applies: a move up into a counted
stage (已签约 or beyond) with the dates that stage needs, any change of the
amounts, and for a new project its publication. The admin form
(``tracker.services.review.project_save_or_submit``) and the ledger import's
planning (``tracker.ledger.importer``) both ask it, so a claim is held the
same way whichever route it comes in by. Nothing here touches the database.
"""

from .choices import Stage
from .models import REVIEW_PERMISSION
from .requirements import OPERATING_ON, SIGNED_ON, STARTED_ON, crossed, is_counted

AMOUNT_FIELDS = ("investment", "investment_low", "investment_high")
STAGE_DATE_FIELDS = {
    SIGNED_ON: ("signed_on", "signed_on_precision"),
    STARTED_ON: ("started_on", "started_on_precision"),
    OPERATING_ON: ("operating_on", "operating_on_precision"),
}
REVIEWABLE = (
    "stage",
    *AMOUNT_FIELDS,
    *(name for names in STAGE_DATE_FIELDS.values() for name in names),
    "is_public",
)


def needs_review(user) -> bool:
    """Whether ``user``'s counted claims wait for review (``None``: a command or import)."""
    return user is not None and not user.has_perm(REVIEW_PERMISSION)


def held_fields(*, stored: dict | None, proposed: dict) -> list[str]:
    """The fields of ``proposed`` that wait for review, given the approved ``stored`` (None: new).

    Both map every name of ``REVIEWABLE`` to its value.
    """
    held = []
    old_stage = stored["stage"] if stored else None
    new_stage = proposed["stage"]
    moving_up = old_stage is None or Stage.rank(new_stage) > Stage.rank(old_stage)

    def changed(name):
        return (stored[name] if stored else None) != proposed[name]

    if moving_up and is_counted(new_stage):
        held.append("stage")
        for requirement in crossed(old_stage, new_stage):
            for key in requirement.fields:
                held += [n for n in STAGE_DATE_FIELDS.get(key, ()) if changed(n)]
    if any(changed(name) for name in AMOUNT_FIELDS):
        held += [name for name in AMOUNT_FIELDS if changed(name)]
    if stored is None and proposed["is_public"]:
        held.append("is_public")
    return held
