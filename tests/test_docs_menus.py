"""The menu paths the docs tell users to click are napari's menus as napari builds them from napari.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "src/napari_chronoviz/sample_data/README.md"]
# "Plugins ▸ chronoviz ▸ Overlays" in backticks, or cut at a line's end after "▸"
MENU_PATH = re.compile(r"(Plugins|Open Sample) ▸ ([^▸`\n]+?)(?: ▸ ?([^`\n]*))?(?=`|$)", re.MULTILINE)


def test_menu_paths_in_the_docs_are_napari_s():
    manifest = yaml.safe_load((ROOT / "src/napari_chronoviz/napari.yaml").read_text())
    contributions = manifest["contributions"]
    items = {
        "Plugins": [widget["display_name"] for widget in contributions["widgets"]],
        "Open Sample": [sample["display_name"] for sample in contributions["sample_data"]],
    }
    found = [(page.name, match.groups()) for page in PAGES for match in MENU_PATH.finditer(page.read_text())]
    assert found, "the docs name no menu path: the pattern is out of date"
    wrong = [
        (page, menu, submenu, item)
        for page, (menu, submenu, item) in found
        if submenu.strip() != manifest["display_name"] or (item and item.strip() not in items[menu])
    ]
    assert not wrong, f"napari's menus say {manifest['display_name']!r} with the items {items}; the docs say {wrong}"
