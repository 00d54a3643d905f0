"""Test data through the same services the app uses, so search keys and history are real."""

import itertools

from svrazka.contacts import services

_seq = itertools.count(1)


def make_organisation(workspace, actor=None, **data):
    n = next(_seq)
    data.setdefault("name", f"Organisation {n}")
    data.setdefault("kind", "ngo")
    return services.organisation_create(workspace=workspace, actor=actor, data=data)


def make_person(workspace, actor=None, **data):
    n = next(_seq)
    data.setdefault("given_name", f"Person{n}")
    data.setdefault("family_name", "Tester")
    return services.person_create(workspace=workspace, actor=actor, data=data)
