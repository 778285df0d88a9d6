"""The README and the docs point only inside the repository: every relative link names a file
(and, with an anchor, a heading) that is here, and no page sends the reader to a path outside
it (issue 18: the README pointed to a specification that was not in the repository)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cobudget.settings import PROJECT_ROOT

PAGES = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
OUTSIDE = re.compile(r"(?<![\w.])(\.\./|/work/|/tmp/)")


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {
        _anchor(line.lstrip("#"))
        for line in page.read_text().splitlines()
        if line.startswith("#") and not line.startswith("#!")
    }


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_link_of_the_page_stays_in_the_repository(page: Path) -> None:
    text = page.read_text()
    in_code = "\n".join(re.findall(r"```.*?```", text, flags=re.S))
    outside = [m.group(0) for m in OUTSIDE.finditer(text.replace(in_code, "") if in_code else text)]
    assert not outside, f"{page.name} points outside the repository: {outside}"
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address (http:, https:, mailto:)
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.is_file() and PROJECT_ROOT in file.parents, f"{page.name}: {target}"
        if anchor and file.suffix == ".md":
            assert anchor in _anchors(file), f"{page.name}: no heading for {target}"


def test_the_product_page_numbers_the_sections_the_code_cites() -> None:
    """« SPEC §N » in the code and docs means section N of docs/product.md."""
    cited = set()
    for path in [*PROJECT_ROOT.joinpath("src").rglob("*.py"), *PAGES]:
        cited |= set(re.findall(r"SPEC §(\d)", path.read_text()))
    numbered = set(
        re.findall(r"^## (\d)\. ", (PROJECT_ROOT / "docs" / "product.md").read_text(), re.M)
    )
    assert cited and cited <= numbered
