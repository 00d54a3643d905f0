"""Keep cached networks honest: a change to anything the network is made of bumps the
workspace's network generation once per transaction (see graph.changed)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _bump(sender, instance, **kwargs) -> None:
    workspace_id = getattr(instance, "workspace_id", None)
    if workspace_id is None:
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block:  # once per transaction (and savepoint) is enough
        here = set(connection.savepoint_ids)
        for entry in connection.run_on_commit:
            if entry[0] == here and getattr(entry[1], "network_workspace", None) == workspace_id:
                return

    def bump() -> None:
        from svrazka.network.graph import changed

        changed(workspace_id)

    bump.network_workspace = workspace_id
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
