"""The plan page (`plan --html`): a real plan made through the handler against the emulator, rendered by
disposer.pages.plan, checked by parsing and, where a headless Chromium and Playwright exist, in a browser."""

import shutil
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from disposer.model.report import RunItem, RunReportBody
from disposer.pages.plan import render_plan_html
from tests.integration.harness import invoke_api
from tests.integration.seeds import POLICY, retention_seed
from tests.support_plans import large_view

HOSTILE_VERSION = "<script>alert(1)</script>"
HOSTILE_PACKAGE = "<img src=x onerror=alert(2)>"
HOSTILE_REASON = "dispose: \"quoted\" & <b>bold</b> 'single'"
NO_BROWSER = "no headless browser here (install Debian's chromium and playwright): the page was checked by parsing only"


@pytest.fixture
def seed() -> dict[str, Any]:
    # POST /plan runs at the wall clock: the domain is seeded an hour ahead, as in retention/test_policy_api.py.
    return retention_seed(datetime.now(UTC) + timedelta(hours=1))


@pytest.fixture
def plan(lambda_context, emulator) -> RunReportBody:
    """A real plan of POLICY: ui-kit (13 versions) and ui-icons (5), 8 to dispose."""
    response = invoke_api(lambda_context, "POST", "/plan", POLICY)
    assert response.status == 200, response.body
    body = RunReportBody.model_validate(response.body)
    assert body.totals.dispose == 8 and len(body.items) == 18 and body.plan_digest
    return body


def hostile(body: RunReportBody) -> RunReportBody:
    """The plan with one more item (an archive decision) whose package, version and reason are markup, some
    kept versions not listed, and bytes measured."""
    item = body.items[0].model_copy(
        update={"package": HOSTILE_PACKAGE, "version": HOSTILE_VERSION, "reason": HOSTILE_REASON, "action": "archive"}
    )
    return body.model_copy(update={"items": [*body.items, item], "items_omitted": 7, "bytes_reclaimed": 12_345_678})


def package(item: RunItem) -> str:
    return "/".join(part for part in (item.repository, item.namespace, item.package) if part)


def slug(item: RunItem) -> str:
    """The page's action of an item: a version already Disposed, Deleted or Unfinished is no candidate."""
    return item.action if item.status in ("Published", "Unlisted", "Archived", None) else "not-candidate"


class Page(HTMLParser):
    """Every start tag of a page, with its attributes and the ids of the elements around it; and its text."""

    VOID = frozenset({"meta", "input", "br", "link", "img", "hr", "source"})

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
        self.text: list[str] = []
        self._open: list[tuple[str, str]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes, tuple(i for _, i in self._open if i)))
        if tag not in self.VOID:
            self._open.append((tag, attributes.get("id", "")))

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def within(self, element_id: str, tag: str, **attributes: str) -> list[dict[str, str]]:
        """The `tag` elements inside #element_id that have `attributes` (a value of "" only asks for the name)."""
        return [
            attrs
            for name, attrs, around in self.tags
            if name == tag
            and element_id in around
            and all(key in attrs and (not value or attrs[key] == value) for key, value in attributes.items())
        ]

    def by_id(self, element_id: str) -> tuple[str, dict[str, str]]:
        (found,) = [(name, attrs) for name, attrs, _ in self.tags if attrs.get("id") == element_id]
        return found


def test_page_has_digest_totals_charts_and_every_decision(plan):
    text = render_plan_html(plan)
    page = Page(text)
    # The header: policy, mode, time, run id, and the digest with how to apply exactly it
    assert plan.policy in text and plan.run_id in text and plan.as_of.isoformat() in text
    assert page.by_id("digest")[0] == "p"
    assert f"apply {plan.policy} --expect-digest {plan.plan_digest}" in text
    # The totals, one cell each
    for name in ("packages", "versions", "dispose", "archive"):
        assert f'<td data-total="{name}">{getattr(plan.totals, name)}</td>' in text
    # (the seed's one Unfinished version is counted apart from the versions a rule kept)
    assert f'<td data-total="keep">{plan.totals.keep - 1}</td>' in text
    assert '<td data-total="not-candidate">1</td>' in text
    assert f"maxDisposalsPerRun: {plan.max_disposals_per_run}" in text and "EXCEEDED" not in text
    assert "bytes reclaimed" not in text  # a plan measures nothing
    # The package chart: an inline SVG, one bar group per package, one segment per action it has
    assert page.by_id("chart-packages")[0] == "svg"
    per_package = Counter((package(i), slug(i)) for i in plan.items)
    packages = {name for name, _ in per_package}
    assert packages == {"releases/acme/ui-kit", "releases/acme/ui-icons"}
    for name in packages:
        assert len(page.within("chart-packages", "g", **{"class": "package", "data-package": name})) == 1
    segments = Counter(("", a["data-action"]) for a in page.within("chart-packages", "rect", **{"data-action": ""}))
    assert segments == Counter(("", action) for _, action in per_package)
    # The rule chart: one bar per deciding rule in the totals
    assert page.by_id("chart-rules")[0] == "svg"
    rules = page.within("chart-rules", "g", **{"data-rule": ""})
    assert sorted(r["data-rule"] for r in rules) == sorted(plan.totals.rules)
    assert len(page.within("chart-rules", "rect")) == len(plan.totals.rules)
    # The table: one row per item, with its action, package and reason; and its two filters
    rows = page.within("decisions", "tr", **{"data-action": ""})
    assert len(rows) == len(plan.items) == 18
    assert Counter(r["data-action"] for r in rows) == Counter(slug(i) for i in plan.items)
    assert Counter(r["data-package"] for r in rows) == Counter(package(i) for i in plan.items)
    assert all(item.reason in text for item in plan.items)
    assert page.by_id("filter")[0] == "input" and page.by_id("action-filter")[0] == "select"
    assert {o["value"] for o in page.within("action-filter", "option")} == {
        "",
        "keep",
        "dispose",
        "archive",
        "not-candidate",
    }
    assert 'id="omitted"' not in text and 'id="complete"' in text


def test_page_loads_nothing_from_anywhere(plan):
    text = render_plan_html(hostile(plan))
    assert "http://" not in text and "https://" not in text
    assert "url(" not in text and "@import" not in text and "fetch(" not in text
    for tag, attrs, _ in Page(text).tags:
        assert not {"src", "href", "xlink:href", "action", "srcset"} & attrs.keys(), (tag, attrs)
        assert tag not in ("link", "img", "iframe", "object", "embed", "base")
    assert "default-src 'none'" in text


def test_page_escapes_user_data_and_notes_omitted_and_bytes(plan):
    body = hostile(plan)
    text = render_plan_html(body)
    page = Page(text)
    # The markup in the item is text, not elements: one script (the page's own), no img, no b
    assert [name for name, _, _ in page.tags].count("script") == 1
    assert not any(name in ("img", "b") and "decisions" in around for name, _, around in page.tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and HOSTILE_VERSION not in text
    assert "&lt;img src=x onerror=alert(2)&gt;" in text and HOSTILE_PACKAGE not in text
    assert "&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt; &#x27;single&#x27;" in text
    # ... and reads back as what it was
    assert HOSTILE_VERSION in page.text and any(HOSTILE_REASON in t for t in page.text)
    assert len(page.within("decisions", "tr", **{"data-action": "archive"})) == 1
    assert len(page.within("chart-packages", "g", **{"class": "package"})) == 3
    assert "the 7 others are neither listed nor charted per package" in text
    assert "bytes reclaimed: 12.3 MB (12,345,678 bytes)" in text


def chromium() -> str | None:
    for path in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if path and Path(path).is_file():
            return path
    return None


@pytest.mark.slow
def test_page_in_a_headless_browser(plan, tmp_path):
    try:
        from playwright.sync_api import Dialog, sync_playwright
    except ImportError:
        pytest.skip(NO_BROWSER)
    executable = chromium()
    if executable is None:
        pytest.skip(NO_BROWSER)
    body = hostile(plan)
    file = tmp_path / "plan.html"
    file.write_text(render_plan_html(body), encoding="utf-8")
    requests: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("dialog", on_dialog)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(file.as_uri())
            # The charts are drawn: visible, with a size, a bar per package and per rule
            for chart in ("#chart-packages", "#chart-rules"):
                assert page.locator(chart).is_visible()
                box = page.locator(chart).bounding_box()
                assert box is not None and box["width"] > 100 and box["height"] > 20, (chart, box)
            bars = page.locator("#chart-packages g.package rect")
            assert bars.count() == len({(package(i), slug(i)) for i in body.items})
            for index in range(bars.count()):
                box = bars.nth(index).bounding_box()
                assert box is not None and box["width"] >= 1 and box["height"] > 0
            assert page.locator("#chart-rules g.rule rect").count() == len(body.totals.rules)
            # Every row shows; the filters hide the others
            rows = page.locator("#decisions tbody tr")
            visible = page.locator("#decisions tbody tr:visible")
            assert rows.count() == visible.count() == len(body.items) == 19
            page.fill("#filter", "ui-icons")
            assert visible.count() == sum(1 for i in body.items if i.package == "ui-icons") == 5
            assert {visible.nth(n).get_attribute("data-package") for n in range(5)} == {"releases/acme/ui-icons"}
            assert page.locator("#shown").inner_text() == "5"
            page.fill("#filter", "")
            page.select_option("#action-filter", "dispose")
            assert visible.count() == body.totals.dispose == 8
            assert {visible.nth(n).get_attribute("data-action") for n in range(8)} == {"dispose"}
            # Both filters at once; the hostile version is shown as text
            page.select_option("#action-filter", "archive")
            page.fill("#filter", "alert(1)")
            assert visible.count() == 1 and HOSTILE_VERSION in visible.first.inner_text()
            page.select_option("#action-filter", "")
            page.fill("#filter", "")
            assert visible.count() == len(body.items)
        finally:
            browser.close()
    # Nothing ran that was not the page's, and nothing was fetched but the file itself
    assert dialogs == [] and errors == []
    assert requests == [file.as_uri()]


@pytest.mark.slow
def test_page_of_10000_versions_in_a_browser_shows_every_package_kept_and_disposed(tmp_path):
    # GIVEN the CLI's view of a plan of 10,000 versions in 40 packages: 800 kept (described, so dated), 9,200
    # to dispose; twice the 5,000 decisions an API response lists
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(NO_BROWSER)
    executable = chromium()
    if executable is None:
        pytest.skip(NO_BROWSER)
    view = large_view(packages=40, versions=10_000, kept=800)
    file = tmp_path / "plan.html"
    started = time.perf_counter()
    file.write_text(render_plan_html(view.body, view=view), encoding="utf-8")
    written = time.perf_counter() - started
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            started = time.perf_counter()
            page.goto(file.as_uri())
            loaded = time.perf_counter() - started
            # WHEN it is opened / THEN every package is charted with both its kept and its disposed versions
            charted = page.locator("#chart-packages g.package")
            assert charted.count() == 40
            for index in range(40):
                bar = charted.nth(index)
                assert bar.locator('rect[data-action="keep"]').count() == 1
                assert bar.locator('rect[data-action="dispose"]').count() == 1
                assert "keep 20, dispose 230" in (bar.locator("title").text_content() or "")
            # AND it says it carries every decision, lists them all, with the policy, domain, account and clock
            assert page.locator("#complete").is_visible() and page.locator("#omitted").count() == 0
            assert page.locator("#decisions tbody tr").count() == 10_000
            header = page.locator("body").inner_text()
            assert "prune-big" in header and "acme" in header and "111122223333" in header
            assert page.locator("#clock").inner_text() == view.body.as_of.isoformat()
            assert page.locator('td[data-total="keep"]').inner_text() == "800"
            assert page.locator('td[data-total="dispose"]').inner_text() == "9200"
            # AND the unknown publish times say why
            assert "a run describes only the few versions" in page.locator("#unknown-times").inner_text()
            # WHEN sorted by age, youngest first / THEN the dated versions come first, 1 day old
            started = time.perf_counter()
            page.click("#decisions th:nth-child(6)")
            first = page.locator("#decisions tbody tr").first
            assert first.locator("td").nth(5).inner_text() == "1"
            sorted_in = time.perf_counter() - started
            # WHEN filtered to one package's kept versions / THEN exactly those
            page.select_option("#action-filter", "keep")
            page.fill("#filter", "pkg-07")
            assert page.locator("#shown").inner_text() == "20"
            page.fill("#filter", "")
            page.select_option("#action-filter", "")
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(tmp_path / "plan-10000.png"), full_page=False)
            assert errors == []
        finally:
            browser.close()
    print(
        f"\n10,000-version page: {file.stat().st_size / 1e6:.1f} MB written in {written:.2f} s, loaded in "
        f"{loaded:.2f} s, sorted by age in {sorted_in:.2f} s; screenshot {tmp_path / 'plan-10000.png'}"
    )
