"""Fill a workspace with many partnerships for benchmarks: each with partners, a checklist from
its form's defaults, some duties, a project and a resource."""

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from svrazka.accounts.models import Membership, Role, Workspace
from svrazka.contacts.models import Organisation
from svrazka.partnerships import practice
from svrazka.partnerships.models import (
    ChecklistItem,
    JointProject,
    Partnership,
    PartnershipForm,
    PartnershipPartner,
    PartnershipStatus,
    Resource,
)

TOPICS = [
    "младежка заетост",
    "дигитални умения",
    "зелени градове",
    "приобщаващо образование",
    "психично здраве",
    "културно наследство",
    "доброволчество",
    "гражданско участие",
    "youth work",
    "social inclusion",
    "climate action",
    "media literacy",
]


class Command(BaseCommand):
    help = "Create N partnerships (with checklists, partners, projects) in a workspace."

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True)
        parser.add_argument("--partnerships", type=int, default=10_000)
        parser.add_argument("--items-per-partnership", type=int, default=10)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, workspace, partnerships, items_per_partnership, seed, **options):
        rng = random.Random(seed)
        try:
            ws = Workspace.objects.get(slug=workspace)
        except Workspace.DoesNotExist:
            raise CommandError(f"No workspace '{workspace}' (run seed_bench first).") from None
        owner = Membership.objects.filter(workspace=ws, role=Role.OWNER).first()
        org_ids = list(
            Organisation.objects.filter(workspace=ws).values_list("id", flat=True)[:20000]
        )
        if len(org_ids) < 10:
            raise CommandError("The workspace needs organisations (run seed_bench first).")
        started = time.monotonic()
        with transaction.atomic():
            Partnership.objects.filter(workspace=ws).delete()
            forms = PartnershipForm.values
            steps = practice.STEPS
            rows = []
            for i in range(partnerships):
                step = rng.choice(steps)
                rows.append(
                    Partnership(
                        workspace=ws,
                        title=f"{rng.choice(TOPICS).capitalize()} {i + 1}",
                        form=rng.choice(forms),
                        status=rng.choice(PartnershipStatus.values),
                        step=step.key,
                        phase=step.phase,
                        board_position=i,
                        liaison=owner.user if owner else None,
                        goals="Общи цели на партньорството.",
                    )
                )
            created = Partnership.objects.bulk_create(rows, batch_size=2000)
            self.stdout.write(f"{len(created)} partnerships")
            partners, items, projects, resources = [], [], [], []
            for p in created:
                for org_id in rng.sample(org_ids, rng.randint(1, 4)):
                    partners.append(
                        PartnershipPartner(
                            workspace=ws, partnership=p, organisation_id=org_id, role="partner"
                        )
                    )
                defaults = practice.checklist_for(p.form)
                for j in range(items_per_partnership):
                    d = defaults[j % len(defaults)]
                    items.append(
                        ChecklistItem(
                            workspace=ws,
                            partnership=p,
                            step=d.step,
                            position=j,
                            title=d.title_en,
                            title_bg=d.title_bg,
                        )
                    )
                if rng.random() < 0.3:
                    projects.append(
                        JointProject(
                            workspace=ws,
                            partnership=p,
                            title=f"Project {p.pk}",
                            programme="Erasmus+",
                        )
                    )
                if rng.random() < 0.2:
                    resources.append(
                        Resource(
                            workspace=ws,
                            partnership=p,
                            kind="cash",
                            description="Дарение",
                            amount=1000,
                        )
                    )
            PartnershipPartner.objects.bulk_create(partners, batch_size=5000)
            ChecklistItem.objects.bulk_create(items, batch_size=5000)
            JointProject.objects.bulk_create(projects, batch_size=5000)
            Resource.objects.bulk_create(resources, batch_size=5000)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(created)} partnerships, {len(partners)} partners, {len(items)} checklist "
                f"items in {time.monotonic() - started:.1f} s"
            )
        )
