"""The ethogram: the behaviors one labels, each with its key, colour, kind and exclusions.

Read from a small YAML or CSV file, or from a BORIS project (`.boris`, JSON, gzip-compressed or not), whose
`behaviors_conf` gives each behavior's code, key, type ("State event" / "Point event"), colour and the
behaviors it excludes. Nothing in a file is executed: YAML is read with `yaml.safe_load`, BORIS with `json`.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import EthogramError
from .formats import ETHOGRAM_SUFFIXES
from .tables import write_text_atomically

KINDS = ("state", "point")  # state: a bout with a start and an end (an interval); point: an event
BORIS_KINDS = {"state event": "state", "point event": "point"}  # "... with coding map" variants too, by prefix
ETHOGRAM_COLUMNS = ("name", "key", "kind", "color", "group")
BESIDE_LABELS_SUFFIX = ".ethogram.yaml"  # the ethogram of `<stem>.csv` labels is kept in `<stem>.ethogram.yaml`
# the colour names BORIS writes (matplotlib's tab10) and a few plain ones, as hex
NAMED_COLORS = {
    "tab:blue": "#1f77b4",
    "tab:orange": "#ff7f0e",
    "tab:green": "#2ca02c",
    "tab:red": "#d62728",
    "tab:purple": "#9467bd",
    "tab:brown": "#8c564b",
    "tab:pink": "#e377c2",
    "tab:gray": "#7f7f7f",
    "tab:grey": "#7f7f7f",
    "tab:olive": "#bcbd22",
    "tab:cyan": "#17becf",
    "red": "#ff0000",
    "green": "#008000",
    "blue": "#0000ff",
    "yellow": "#ffff00",
    "orange": "#ffa500",
    "purple": "#800080",
    "cyan": "#00ffff",
    "magenta": "#ff00ff",
    "black": "#000000",
    "white": "#ffffff",
    "gray": "#808080",
    "grey": "#808080",
}


@dataclass(frozen=True)
class Behavior:
    """One behavior of an ethogram.

    Attributes
    ----------
    name : str
        The label written in the intervals or events table.
    key : str
        The key that codes it (a letter or digit, or a napari key name such as "F1"); "" for none.
    color : str
        "#rrggbb" (or "#rrggbbaa"); "" lets the plot panel pick one.
    kind : {"state", "point"}
        A state is a bout with a start and an end; a point is an instant.
    group : str
        Behaviors of one non-empty group exclude each other: starting one ends the others.
    excludes : tuple of str
        Other behaviors that starting this one ends (BORIS's exclusion matrix).
    """

    name: str
    key: str = ""
    color: str = ""
    kind: str = "state"
    group: str = ""
    excludes: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.name.strip():
            raise EthogramError("A behavior needs a name: give each row of the ethogram a name.")
        if self.kind not in KINDS:
            raise EthogramError(
                f"Behavior {self.name!r} has kind {self.kind!r}: use 'state' (a bout with a start and "
                "an end) or 'point' (an instant)."
            )
        object.__setattr__(self, "color", hex_color(self.color, self.name))

    @property
    def rgba(self) -> tuple[float, float, float, float] | None:
        """The colour as RGBA floats in 0..1, or None when the ethogram leaves it to the plot panel."""
        if not self.color:
            return None
        digits = self.color[1:] + ("ff" if len(self.color) == 7 else "")
        return tuple(int(digits[i : i + 2], 16) / 255 for i in range(0, 8, 2))


@dataclass(frozen=True)
class Ethogram:
    """The behaviors one labels; names are unique, and so are keys (case does not matter).

    Attributes
    ----------
    behaviors : tuple of Behavior
        In the order they are listed.
    source : str
        The file it was read from, "" when made in memory.
    """

    behaviors: tuple[Behavior, ...] = ()
    source: str = ""

    def __post_init__(self):
        object.__setattr__(self, "behaviors", tuple(self.behaviors))
        names, keys = {}, {}
        for behavior in self.behaviors:
            if behavior.name in names:
                raise EthogramError(f"The ethogram lists behavior {behavior.name!r} twice: give each one its own name.")
            names[behavior.name] = behavior
            key = behavior.key.upper()
            if key and key in keys:
                raise EthogramError(
                    f"Behaviors {keys[key]!r} and {behavior.name!r} share the key {behavior.key!r}: "
                    "give each its own key (or none)."
                )
            keys[key] = behavior.name
        for behavior in self.behaviors:
            unknown = [name for name in behavior.excludes if name not in names]
            if unknown:
                raise EthogramError(
                    f"Behavior {behavior.name!r} excludes {unknown}, which the ethogram does not list. "
                    f"Its behaviors are {list(names)}."
                )

    def __getitem__(self, name: str) -> Behavior:
        for behavior in self.behaviors:
            if behavior.name == name:
                return behavior
        raise KeyError(f"No behavior {name!r} in the ethogram: it lists {self.names}.")

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def __len__(self) -> int:
        return len(self.behaviors)

    @property
    def names(self) -> list[str]:
        return [behavior.name for behavior in self.behaviors]

    def excluded_by(self, name: str) -> set[str]:
        """The behaviors that starting `name` ends: its group's others, those it excludes and those excluding it."""
        behavior = self[name]
        return {
            other.name
            for other in self.behaviors
            if other.name != name
            and (
                (behavior.group and other.group == behavior.group)
                or other.name in behavior.excludes
                or name in other.excludes
            )
        }

    def colors(self) -> dict[str, tuple[float, float, float, float]]:
        """RGBA of each behavior that has a colour, by name."""
        return {behavior.name: behavior.rgba for behavior in self.behaviors if behavior.color}

    def with_labels(self, labels) -> Ethogram:
        """The ethogram plus a keyless state for each of `labels` it does not list (e.g. labels read from a file)."""
        missing = [label for label in dict.fromkeys(labels) if label not in self]
        return Ethogram(self.behaviors + tuple(Behavior(label) for label in missing), self.source)


def hex_color(color, name: str) -> str:
    """`color` ("#rgb", "#rrggbb", "#rrggbbaa", a tab10 or plain name, or "") as lower-case "#rrggbb[aa]" or ""."""
    text = "" if color is None else str(color).strip().lower()
    text = NAMED_COLORS.get(text, text)
    if text.startswith("#") and len(text) == 4:
        text = "#" + "".join(digit * 2 for digit in text[1:])
    if text and not (text.startswith("#") and len(text) in (7, 9) and _is_hex(text[1:])):
        raise EthogramError(
            f"Behavior {name!r} has colour {color!r}: write it as #rrggbb (e.g. #1f77b4), a name "
            f"such as tab:blue, or leave it empty for an automatic one."
        )
    return text


def _is_hex(digits: str) -> bool:
    try:
        int(digits, 16)
    except ValueError:
        return False
    return True


def read_ethogram(path) -> Ethogram:
    """Read an ethogram from a YAML, CSV or BORIS project (`.boris`) file.

    YAML: a list of behaviors, or a mapping with a `behaviors` list, each a mapping with `name` and optionally
    `key`, `color`, `kind` ("state" or "point"), `group` and `excludes` (a list of names). CSV: one behavior a
    row, columns `name, key, kind, color, group`. BORIS: the project's `behaviors_conf` (code, key, type,
    color, excluded); its state events are states and its point events points.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    Ethogram
        The behaviors in the file's order.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    EthogramError
        When the file cannot be parsed, or a behavior lacks a name, repeats a name or a key, or has an unknown
        kind, colour or exclusion.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"Ethogram file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in ETHOGRAM_SUFFIXES:
        raise EthogramError(f"{path}: an ethogram is read from {', '.join(ETHOGRAM_SUFFIXES)} files, not {suffix!r}.")
    try:
        if suffix == ".boris":
            behaviors = _boris_behaviors(path)
        elif suffix == ".csv":
            behaviors = _csv_behaviors(path)
        else:
            behaviors = _yaml_behaviors(path)
        return Ethogram(tuple(behaviors), str(path))
    except EthogramError as error:
        raise EthogramError(f"{path}: {error}") from None


def _yaml_behaviors(path: Path) -> list[Behavior]:
    import yaml

    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise EthogramError(f"not valid YAML ({error}).") from None
    entries = content.get("behaviors") if isinstance(content, dict) else content
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise EthogramError(
            "expected a list of behaviors (or `behaviors:` holding one), each a mapping such as "
            "`{name: grooming, key: g, kind: state}`."
        )
    return [_behavior(entry) for entry in entries]


def _csv_behaviors(path: Path) -> list[Behavior]:
    import csv

    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "name" not in {str(column).strip().lower() for column in rows[0]}:
        raise EthogramError(
            f"has no `name` column; its columns are {list(rows[0])}, expected {', '.join(ETHOGRAM_COLUMNS)}."
        )
    return [_behavior({str(column).strip().lower(): value for column, value in row.items()}) for row in rows]


def _behavior(entry: dict) -> Behavior:
    unknown = set(entry) - set(ETHOGRAM_COLUMNS) - {"excludes"}
    if unknown:
        raise EthogramError(
            f"unknown behavior field(s) {sorted(unknown)}: use {', '.join(ETHOGRAM_COLUMNS)} and excludes."
        )
    text = {field: "" if entry.get(field) is None else str(entry[field]).strip() for field in ETHOGRAM_COLUMNS}
    excludes = entry.get("excludes") or ()
    excludes = tuple(name.strip() for name in excludes.split(",")) if isinstance(excludes, str) else tuple(excludes)
    return Behavior(text["name"], text["key"], text["color"], text["kind"].lower() or "state", text["group"], excludes)


def _boris_behaviors(path: Path) -> list[Behavior]:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # BORIS can save its projects gzip-compressed
        raw = gzip.decompress(raw)
    try:
        project = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EthogramError(f"not a BORIS project (JSON): {error}.") from None
    configuration = project.get("behaviors_conf") if isinstance(project, dict) else None
    if not isinstance(configuration, dict):
        raise EthogramError(
            "has no `behaviors_conf`: open it in BORIS and save the project again, or write the "
            "ethogram as YAML or CSV."
        )
    behaviors = []
    for _, entry in sorted(configuration.items(), key=lambda item: int(item[0]) if str(item[0]).isdigit() else 0):
        kind_text = str(entry.get("type", "")).strip().lower()
        kind = next((kind for prefix, kind in BORIS_KINDS.items() if kind_text.startswith(prefix)), None)
        if kind is None:
            raise EthogramError(
                f"behavior {entry.get('code')!r} has type {entry.get('type')!r}: BORIS types are "
                "'State event' and 'Point event'."
            )
        excluded = entry.get("excluded") or ""
        excludes = tuple(name.strip() for name in (excluded.split(",") if isinstance(excluded, str) else excluded))
        color = str(entry.get("color") or "")
        behaviors.append(
            Behavior(
                str(entry.get("code", "")),
                str(entry.get("key") or ""),
                color if color.lower() in NAMED_COLORS or color.startswith("#") else "",
                kind,
                excludes=tuple(name for name in excludes if name),
            )
        )
    return behaviors


def write_ethogram(ethogram: Ethogram, path) -> Path:
    """Write `ethogram` as YAML (`.yaml`, `.yml`) or CSV (`.csv`), which `read_ethogram` reads back.

    Parameters
    ----------
    ethogram : Ethogram
        The behaviors.
    path : str or Path
        The file; overwritten when it exists (an ethogram is small and kept by its author), through a
        temporary file renamed over it.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    EthogramError
        When the suffix is neither YAML nor CSV.
    """
    import yaml

    path = Path(path).expanduser()
    rows = [
        {"name": b.name, "key": b.key, "kind": b.kind, "color": b.color, "group": b.group} for b in ethogram.behaviors
    ]
    if path.suffix.lower() == ".csv":
        import csv
        import io

        text = io.StringIO()
        writer = csv.DictWriter(text, ETHOGRAM_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return write_text_atomically(path, text.getvalue(), overwrite=True)
    if path.suffix.lower() in (".yaml", ".yml"):
        for row, behavior in zip(rows, ethogram.behaviors):
            if behavior.excludes:
                row["excludes"] = list(behavior.excludes)
        return write_text_atomically(path, yaml.safe_dump({"behaviors": rows}, sort_keys=False), overwrite=True)
    raise EthogramError(f"{path}: write an ethogram as .yaml, .yml or .csv.")


def ethogram_path_of(labels_path) -> Path:
    """Where the ethogram of a labels file is kept, so that its behaviors, keys and colours come back with it:
    `<stem>.ethogram.yaml` beside `<stem>.csv` (or `.tsv`).

    Parameters
    ----------
    labels_path : str or Path
        The labels file (intervals and/or events, e.g. the labeling autosave).

    Returns
    -------
    Path
        The ethogram file beside it (which may not exist).
    """
    labels_path = Path(labels_path).expanduser()
    return labels_path.with_name(labels_path.stem + BESIDE_LABELS_SUFFIX)
