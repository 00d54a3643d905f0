"""The network map in Chromium: open it, focus on an organisation, move the time slider back
(fewer nodes at an earlier date) and ask for a warm introduction (whom to ask appears)."""

import pytest

from tests.test_browser import _sign_in, page  # noqa: F401  (the Chromium fixture)
from tests.test_network_pages import build_network

pytestmark = [pytest.mark.browser]


def _count(page) -> int:  # noqa: F811
    return int(page.locator("#network-cy").get_attribute("data-nodes") or "0")


def test_map_focus_time_slider_and_warm_introduction(page, workspace, alice):  # noqa: F811
    from playwright.sync_api import expect

    maria, zelena, verde = build_network(workspace, alice)
    base = page.base_url
    _sign_in(page, "alice@example.org")
    page.goto(f"{base}/w/ngo/network/")
    page.wait_for_function("() => Number(document.getElementById('network-cy').dataset.nodes) > 0")
    everything = _count(page)
    assert everything >= 3

    # Focus on an organisation by name: it and its neighbours only.
    page.locator("#network-search").fill("Зелена планета")
    page.locator("#network-focus").click()
    page.wait_for_function(
        f"() => Number(document.getElementById('network-cy').dataset.nodes) < {everything}"
    )
    page.locator("#network-clear").click()
    page.wait_for_function(
        f"() => Number(document.getElementById('network-cy').dataset.nodes) === {everything}"
    )

    # The time slider back to 2020: Verde (known since 2024) is not yet there.
    page.locator("#network-year").fill("2020")
    page.locator("#network-year").dispatch_event("change")
    expect(page.locator("#network-as-of")).to_have_value("2020-12-31")
    page.wait_for_function(
        f"() => Number(document.getElementById('network-cy').dataset.nodes) < {everything}"
    )

    # A warm introduction to Зелена планета: ask Мария.
    page.locator("#warm-target").fill("Зелена планета")
    page.locator("#warm-ask").click()
    expect(page.locator("#warm-paths .warm-summary").first).to_contain_text("Мария")
    assert not [p for p in page.problems if "favicon" not in p], page.problems


def test_add_a_relationship_from_a_persons_page(page, workspace, alice):  # noqa: F811
    from playwright.sync_api import expect

    from svrazka.network.models import Relationship
    from tests.factories import make_organisation, make_person

    person = make_person(workspace, alice, given_name="Петя", family_name="Връзкова")
    make_organisation(workspace, alice, name="Фондация Хоризонт")
    _sign_in(page, "alice@example.org")
    page.goto(f"{page.base_url}/w/ngo/people/{person.pk}/")
    page.locator("#relationship-add").click()
    page.locator("#id_kind").select_option("volunteer_at")
    page.locator("#other-search").fill("Хоризонт")
    expect(page.locator("#id_other option").first).to_have_text("Фондация Хоризонт (organisation)")
    page.locator("#relationship-form button.primary").click()
    expect(page.locator("#relationships")).to_contain_text("volunteer at")
    expect(page.locator("#relationships")).to_contain_text("Фондация Хоризонт")
    assert Relationship.objects.get().from_person == person
    assert not [p for p in page.problems if "favicon" not in p], page.problems
