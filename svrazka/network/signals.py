"""Keep cached networks honest: a change to anything the network is made of bumps the
workspace's network generation once per transaction (see graph.changed)."""

import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save

_pending = threading.local()


def _bump(sender, instance, **kwargs) -> None:
    workspace_id = getattr(instance, "workspace_id", None)
    if workspace_id is None:
        return
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    if workspace_id in pending:
        return
    pending.add(workspace_id)

    def bump() -> None:
        from svrazka.network.graph import changed

        pending.discard(workspace_id)
        changed(workspace_id)

    transaction.on_commit(bump, robust=True)


def connect() -> None:
    from svrazka.contacts.models import Affiliation, Organisation, Person
    from svrazka.network.models import Relationship, Snapshot
    from svrazka.partnerships.models import (
        JointProject,
        Partnership,
        PartnershipPartner,
        ProjectParticipant,
    )
    from svrazka.touchpoints.models import InteractionOrganisation, InteractionPerson

    for model in (
        Organisation,
        Person,
        Affiliation,
        Relationship,
        Snapshot,
        Partnership,
        PartnershipPartner,
        JointProject,
        ProjectParticipant,
        InteractionPerson,
        InteractionOrganisation,
    ):
        post_save.connect(_bump, sender=model, dispatch_uid=f"network-{model.__name__}-save")
        post_delete.connect(_bump, sender=model, dispatch_uid=f"network-{model.__name__}-delete")
