"""The deck's criteria for choosing a partner, a sponsor, a supporter or advocate and a
facilitator. Texts are in gettext: a workspace gets them in the language of the person who
creates them, stored as plain text from then on (the workspace may change them freely)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from svrazka.scorecards.models import Purpose


@dataclass(frozen=True)
class DefaultCriterion:
    name: Promise
    guidance: Promise
    weight: Decimal


@dataclass(frozen=True)
class DefaultScorecard:
    key: str
    purpose: str
    name: Promise
    description: Promise
    criteria: tuple[DefaultCriterion, ...]


def _c(name, guidance, weight) -> DefaultCriterion:
    return DefaultCriterion(name=name, guidance=guidance, weight=Decimal(weight))


DEFAULT_SCORECARDS: tuple[DefaultScorecard, ...] = (
    DefaultScorecard(
        key="partner",
        purpose=Purpose.PARTNER,
        name=_("Partner selection"),
        description=_(
            "The deck's criteria for choosing a partner organisation. "
            "Change the weights to fit your organisation."
        ),
        criteria=(
            _c(
                _("Compatibility of values"),
                _("Do they share our values and the cause? Would we be proud to stand with them?"),
                "3",
            ),
            _c(
                _("Methods of operation"),
                _("Do they work in ways that fit ours: decisions, pace, quality, transparency?"),
                "2",
            ),
            _c(
                _("Relations with third parties"),
                _("Their donors, sponsors, authorities and other partners: any conflict?"),
                "2",
            ),
            _c(
                _("Complementary resources"),
                _("What do they bring that we lack: people, skills, reach, money, equipment?"),
                "1",
            ),
            _c(
                _("Track record"),
                _("Past projects and partnerships: did they deliver what they promised?"),
                "1",
            ),
        ),
    ),
    DefaultScorecard(
        key="sponsor",
        purpose=Purpose.SPONSOR,
        name=_("Sponsor selection"),
        description=_(
            "The deck's criteria for choosing a sponsor. "
            "Change the weights to fit your organisation."
        ),
        criteria=(
            _c(
                _("Fit between the company and the NGO"),
                _("Do the company's business, values and audience fit our mission and image?"),
                "3",
            ),
            _c(
                _("Previous activity and partnerships"),
                _("What have they sponsored or supported before, and how did it go?"),
                "2",
            ),
        ),
    ),
    DefaultScorecard(
        key="supporter",
        purpose=Purpose.SUPPORTER,
        name=_("Supporter and advocate selection"),
        description=_(
            "The deck's criteria for choosing a supporter or advocate. "
            "Change the weights to fit your organisation."
        ),
        criteria=(
            _c(
                _("Image and influence among stakeholders"),
                _("How are they seen, and who listens to them among the people we need to reach?"),
                "2",
            ),
            _c(
                _("Fit with the mission and with the organisation"),
                _("Do they fit what we stand for and how we work?"),
                "2",
            ),
            _c(
                _("Biography related to the cause"),
                _("Does their own story connect them to the cause?"),
                "1",
            ),
        ),
    ),
    DefaultScorecard(
        key="facilitator",
        purpose=Purpose.FACILITATOR,
        name=_("Facilitator selection"),
        description=_(
            "Criteria for choosing a facilitator for a partnership. "
            "Change the weights to fit your organisation."
        ),
        criteria=(
            _c(
                _("Neutrality and the trust of both sides"),
                _("Do both sides see them as fair, with no stake of their own?"),
                "3",
            ),
            _c(
                _("Experience in facilitating"),
                _("Have they facilitated partnerships, coalitions or negotiations before?"),
                "2",
            ),
            _c(
                _("Knowledge of the field"),
                _("Do they know the field, its organisations and its language?"),
                "1",
            ),
        ),
    ),
)
