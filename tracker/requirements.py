"""What each stage requires, as data: the fields to enter it and the evidence to approve it.

One table, ``STAGE_REQUIREMENTS`` (after Data Hub's ``validate.py``): for each
stage the fields a project must carry to be moved into it, and the kinds of
evidence of which at least one must be attached before a reviewer may approve
the move. Moving across several stages at once (洽谈 → 已投产) needs what every
crossed stage needs. ``tracker.rules`` reads the fields from here; the review
(``tracker.services.review``) reads the evidence; the staff project page lists
what the next stage still needs from the same rows.

Nothing here touches the database: callers pass what the project carries.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Stage

# Keys of the field requirements (also the keys of ``tracker.rules.Problem``).
SIGNED_ON, PARTNERS, STARTED_ON, OPERATING_ON = (
    "signed_on",
    "partners",
    "started_on",
    "operating_on",
)

# From this stage on a project counts in the figures (签约项目, 开工, 投产).
COUNTED_FROM = Stage.SIGNED


class EvidenceKind(models.TextChoices):
    CONTRACT = "contract", _("合同/协议")
    PERMIT = "permit", _("施工许可")
    PHOTO = "photo", _("现场照片")
    LICENCE = "licence", _("营业执照/投产证明")
    FUNDS = "funds", _("到位凭证")
    OTHER = "other", _("其他")


@dataclass(frozen=True)
class FieldNeed:
    key: str
    label: str
    # The id of the staff change page's element to link to ("进入下一阶段还需").
    anchor: str


FIELD_NEEDS = {
    SIGNED_ON: FieldNeed(SIGNED_ON, _("签约日期"), "id_signed_on"),
    PARTNERS: FieldNeed(PARTNERS, _("至少一个合作方（含角色）"), "project_partners-group"),
    STARTED_ON: FieldNeed(STARTED_ON, _("开工日期"), "id_started_on"),
    OPERATING_ON: FieldNeed(OPERATING_ON, _("投产日期"), "id_operating_on"),
}


@dataclass(frozen=True)
class StageRequirement:
    stage: str
    fields: tuple[str, ...]
    # Any one of these kinds of evidence satisfies the stage.
    evidence: tuple[str, ...]

    @property
    def label(self) -> str:
        return Stage(self.stage).label

    def evidence_label(self) -> str:
        return _("或").join(str(EvidenceKind(kind).label) for kind in self.evidence)


STAGE_REQUIREMENTS: tuple[StageRequirement, ...] = (
    StageRequirement(Stage.SIGNED, (SIGNED_ON, PARTNERS), (EvidenceKind.CONTRACT,)),
    StageRequirement(Stage.CONSTRUCTION, (STARTED_ON,), (EvidenceKind.PERMIT, EvidenceKind.PHOTO)),
    StageRequirement(Stage.OPERATING, (OPERATING_ON,), (EvidenceKind.LICENCE, EvidenceKind.PHOTO)),
)


def is_counted(stage: str | None) -> bool:
    return bool(stage) and Stage.rank(stage) >= Stage.rank(COUNTED_FROM)


def crossed(old_stage: str | None, new_stage: str) -> list[StageRequirement]:
    """The requirements of every stage entered by moving from ``old_stage`` (None: new) to ``new_stage``."""
    low = -1 if old_stage is None else Stage.rank(old_stage)
    high = Stage.rank(new_stage)
    return [r for r in STAGE_REQUIREMENTS if low < Stage.rank(r.stage) <= high]


def missing_evidence(requirements, kinds) -> list[StageRequirement]:
    """The requirements among ``requirements`` that none of the evidence ``kinds`` satisfies."""
    kinds = set(kinds)
    return [r for r in requirements if not kinds.intersection(r.evidence)]


@dataclass(frozen=True)
class NextStageNeeds:
    stage: str
    fields: list[FieldNeed]
    evidence: list[StageRequirement]

    @property
    def label(self) -> str:
        return Stage(self.stage).label

    @property
    def complete(self) -> bool:
        return not self.fields and not self.evidence


def next_stage_needs(
    *, stage: str, values: dict, has_partner: bool, kinds
) -> NextStageNeeds | None:
    """What the next stage with requirements still needs from ``stage``; ``None`` at the last.

    ``values`` holds the project's dates by key (``signed_on`` …); ``kinds`` the
    kinds of evidence attached to it.
    """
    rank = Stage.rank(stage)
    if rank + 1 >= len(Stage.values):
        return None
    # The next stage that asks for something (洽谈's next is 拟签约, which asks for nothing).
    target = next(
        (r.stage for r in STAGE_REQUIREMENTS if Stage.rank(r.stage) > rank),
        Stage.values[rank + 1],
    )
    needs = crossed(stage, target)
    fields = [
        FIELD_NEEDS[key]
        for r in needs
        for key in r.fields
        if (key == PARTNERS and not has_partner) or (key != PARTNERS and not values.get(key))
    ]
    return NextStageNeeds(target, fields, missing_evidence(needs, kinds))
