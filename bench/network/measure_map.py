"""The map in Chromium with 5,000 visible nodes: how long until it is drawn, and how smoothly it
pans.

    SVRAZKA_VAR_DIR=/tmp/svrazka-bench-net \\
        .venv/bin/python bench/network/measure_map.py [--people 4999]

Builds the workspace "bench-map" (people in clusters of 100, three relationships each, so about
15,000 ties), starts `manage.py runserver` on 127.0.0.1:8765, signs in the bench owner and opens
the network map in headless Chromium (Debian's, as the tests use). Measures: from navigation to
the graph drawn (the page's `data-nodes` set), and the frames painted while the canvas is dragged
for two seconds (frames per second and the longest frame). Prints JSON and writes
bench/network/results-map.json.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svrazka.settings")

import django  # noqa: E402

django.setup()

PORT = 8765
SLUG = "bench-map"
PASSWORD = "bench-password"


def seed(people: int) -> None:
    from svrazka.accounts.models import Membership, Role, User, Workspace
    from svrazka.contacts.models import Person
    from svrazka.network.models import Relationship

    Workspace.objects.filter(slug=SLUG).delete()
    owner, _ = User.objects.get_or_create(email="bench@svrazka.localhost")
    owner.set_password(PASSWORD)
    owner.save()
    ws = Workspace.objects.create(name="Bench map", slug=SLUG)
    Membership.objects.create(workspace=ws, user=owner, role=Role.OWNER)
    Person.objects.bulk_create(
        [
            Person(workspace=ws, given_name="Име", family_name=f"Фамилия{i}", sort_key=f"{i:06d}")
            for i in range(people)
        ],
        batch_size=5000,
    )
    ids = list(Person.objects.filter(workspace=ws).values_list("id", flat=True))
    rng = random.Random(5)
    rels = []
    for n, a in enumerate(ids):
        cluster = ids[(n // 100) * 100 : (n // 100) * 100 + 100]
        for b in rng.sample(cluster, 3):
            if a != b:
                rels.append(
                    Relationship(workspace=ws, kind="knows", from_person_id=a, to_person_id=b)
                )
    Relationship.objects.bulk_create(rels, batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=4999)  # + us = 5,000
    args = parser.parse_args()
    seed(args.people)
    env = {**os.environ, "DEBUG": "true"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{PORT}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open("/tmp/svrazka-measure-map-server.log", "w"),  # noqa: SIM115
    )
    try:
        import socket

        for _i in range(120):
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        from playwright.sync_api import sync_playwright

        base = f"http://127.0.0.1:{PORT}"
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-dev-shm-usage"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(base + "/accounts/login/")
            page.get_by_label("Email").fill("bench@svrazka.localhost")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            started = time.perf_counter()
            page.goto(f"{base}/w/{SLUG}/network/")
            page.wait_for_function(
                "() => Number(document.getElementById('network-cy').dataset.nodes) > 0",
                timeout=120000,
            )
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            drawn = time.perf_counter() - started
            shown = int(page.locator("#network-cy").get_attribute("data-nodes"))
            box = page.locator("#network-cy").bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.evaluate(
                """() => { window.__frames = []; let last = performance.now();
                function tick(t) { window.__frames.push(t - last); last = t;
                  if (window.__frames.length < 100000) requestAnimationFrame(tick); }
                requestAnimationFrame(tick); }"""
            )
            page.mouse.move(x, y)
            page.mouse.down()
            began = time.perf_counter()
            step = 0
            while time.perf_counter() - began < 2.0:
                step += 1
                page.mouse.move(x + 150 * ((step % 20) / 20), y + 60 * ((step % 10) / 10))
            page.mouse.up()
            frames = page.evaluate("() => window.__frames.slice(1)")
            browser.close()
        seconds = sum(frames) / 1000 if frames else 0
        result = {
            "nodes_shown": shown,
            "drawn_s": round(drawn, 2),
            "pan_fps": round(len(frames) / seconds, 1) if seconds else None,
            "longest_frame_ms": round(max(frames), 1) if frames else None,
        }
    finally:
        server.terminate()
        server.wait(10)
    text = json.dumps(result, indent=2)
    print(text)
    Path(__file__).with_name("results-map.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
