"""Partnerships and what hangs on them: partners, duties, the flow checklist, joint projects,
resources, agreements with their versions and signatories, evaluations."""

from svrazka.partnerships.models.agreement import (
    Agreement,
    AgreementStatus,
    AgreementVersion,
    Signatory,
)
from svrazka.partnerships.models.evaluation import Evaluation, EvaluationInvite
from svrazka.partnerships.models.partnership import (
    ChecklistItem,
    ChecklistTemplateItem,
    Duty,
    JointProject,
    PartnerRole,
    Partnership,
    PartnershipForm,
    PartnershipPartner,
    PartnershipStatus,
    Phase,
    ProjectParticipant,
    Resource,
    ResourceKind,
)

__all__ = [
    "Agreement",
    "AgreementStatus",
    "AgreementVersion",
    "ChecklistItem",
    "ChecklistTemplateItem",
    "Duty",
    "Evaluation",
    "EvaluationInvite",
    "JointProject",
    "Partnership",
    "PartnershipForm",
    "PartnershipPartner",
    "PartnershipStatus",
    "PartnerRole",
    "Phase",
    "ProjectParticipant",
    "Resource",
    "ResourceKind",
    "Signatory",
]
