"""Export, import and reset of all progress (see docs/schema.md for the export's shape)."""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from learnpath.errors import StoreError, UsageError
from learnpath.progress.enrollment import STACKS
from learnpath.progress.projects import ATTEMPT_STATUSES, STAGE_STATUSES, iso
from learnpath.progress.repository import Repository
from learnpath.status import STATUSES

EXPORT_FORMAT = "learnpath-progress"
# Version 1 still: ``seed`` on a quiz attempt is optional, so older readers lose nothing else.
EXPORT_VERSION = 1
KINDS = ("enrollments", "statuses", "quiz_attempts", "exercise_attempts", "projects", "events")


def _document(rows: Mapping[str, list[dict]]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": iso(time.time()),
    }
    doc.update({k: list(rows.get(k, [])) for k in KINDS})
    return doc


def export_data(repo: Repository) -> dict:
    """All progress as a versioned JSON-able document (see docs/schema.md)."""
    return _document(repo.dump())


def _need(row: Mapping[str, Any], keys: Iterable[str], what: str) -> None:
    if not isinstance(row, Mapping):
        raise UsageError(f"{what} is not an object")
    missing = [k for k in keys if k not in row]
    if missing:
        raise UsageError(f"{what} lacks {', '.join(missing)}")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _is_date(v: Any) -> bool:
    try:
        dt.date.fromisoformat(v)
    except (TypeError, ValueError):
        return False
    return isinstance(v, str) and len(v) == 10


def _is_text(v: Any) -> bool:
    return isinstance(v, str) and bool(v)


def _is_optional(check: Any) -> Any:
    return lambda v: v is None or check(v)


def _is_count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


# What each kind of row of an export must hold: key -> (check, what a good value looks like).
# Values are checked, not only keys: a bad date or status stored once would break every later
# 'learning-path' (which reads them) until a reset.
_IMPORT_RULES: dict[str, dict[str, tuple[Any, str]]] = {
    "enrollments": {
        "track": (_is_text, "a track id"),
        "started_on": (_is_date, "a date like 2025-01-31"),
        "pace_hours": (lambda v: _is_number(v) and 1 <= v <= 80, "hours per week, 1-80"),
        "stack": (_is_optional(lambda v: v in STACKS), f"one of {', '.join(STACKS)} or null"),
        "specialization": (_is_optional(_is_text), "a specialization id or null"),
        "updated_at": (_is_number, "a unix time"),
    },
    "statuses": {
        "track": (_is_text, "a track id"),
        "kind": (lambda v: v in ("week", "topic"), "week or topic"),
        "item": (_is_text, "a week or topic id"),
        "status": (lambda v: v in STATUSES, f"one of {', '.join(STATUSES)}"),
        "updated_at": (_is_number, "a unix time"),
    },
    "quiz_attempts": {
        "uuid": (_is_text, "an id"),
        "track": (_is_text, "a track id"),
        "week": (_is_text, "a week id"),
        "taken_at": (_is_number, "a unix time"),
        "score": (_is_count, "a whole number"),
        "total": (lambda v: _is_count(v) and v > 0, "a whole number above 0"),
        "answers": (lambda v: isinstance(v, dict), "an object"),
        "seed": (_is_optional(_is_count), "a whole number or null"),
    },
    "exercise_attempts": {
        "uuid": (_is_text, "an id"),
        "exercise": (_is_text, "an exercise id"),
        "stack": (_is_optional(_is_text), "a stack name or null"),
        "status": (lambda v: v in ATTEMPT_STATUSES, f"one of {', '.join(ATTEMPT_STATUSES)}"),
        "started_at": (_is_number, "a unix time"),
        "finished_at": (_is_number, "a unix time"),
        "stages": (lambda v: isinstance(v, list), "a list"),
        "project": (_is_optional(_is_text), "a project id or null"),
    },
    "stages": {
        "stage": (_is_text, "a stage id"),
        "status": (lambda v: v in STAGE_STATUSES, f"one of {', '.join(STAGE_STATUSES)}"),
        "passed": (_is_count, "a whole number"),
        "failed": (_is_count, "a whole number"),
        "duration": (_is_number, "seconds"),
        "message": (lambda v: isinstance(v, str), "text"),
    },
    "projects": {
        "id": (_is_text, "a project id"),
        "exercise": (_is_text, "an exercise id"),
        "stack": (_is_optional(_is_text), "a stack name or null"),
        "path": (lambda v: isinstance(v, str), "a folder"),
        "created_at": (_is_number, "a unix time"),
        "updated_at": (_is_number, "a unix time"),
    },
    "events": {
        "uuid": (_is_text, "an id"),
        "ts": (_is_number, "a unix time"),
        "day": (_is_optional(_is_date), "a date like 2025-01-31"),
        "kind": (_is_text, "an event kind"),
        "track": (_is_optional(_is_text), "a track id or null"),
        "item": (_is_optional(_is_text), "an id or null"),
        "payload": (_is_optional(lambda v: isinstance(v, dict)), "an object or null"),
    },
}
_REQUIRED = {
    "enrollments": ("track", "started_on", "pace_hours", "updated_at"),
    "statuses": ("track", "kind", "item", "status", "updated_at"),
    "quiz_attempts": ("uuid", "track", "week", "taken_at", "score", "total", "answers"),
    "exercise_attempts": ("uuid", "exercise", "status", "started_at", "finished_at", "stages"),
    "projects": ("id", "exercise", "path", "created_at", "updated_at"),
    "events": ("uuid", "ts", "kind"),
}


def _check_values(kind: str, row: Mapping[str, Any], what: str) -> None:
    """Refuse a value that would break the progress views later, naming the entry and key."""
    for key, (ok, expected) in _IMPORT_RULES[kind].items():
        if key in row and not ok(row[key]):
            raise UsageError(
                f"{what}: '{key}' must be {expected}, got {row[key]!r}; nothing was imported"
            )


def checked_rows(doc: Any, source: str = "the import") -> dict[str, list[Any]]:
    """The rows of an export, every value checked: a :class:`UsageError` names the first bad
    one (and nothing is imported)."""
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise UsageError(
            f'{source} is not a learnpath progress export (no "format": "{EXPORT_FORMAT}")'
        )
    version = doc.get("version")
    if not isinstance(version, int) or version > EXPORT_VERSION:
        raise UsageError(
            f"{source} has export version {version!r}; this learnpath reads up to "
            f"{EXPORT_VERSION} (upgrade learnpath)"
        )
    try:
        rows = {k: list(doc.get(k) or []) for k in KINDS}
        for kind, keys in _REQUIRED.items():
            noun = {"statuses": "status"}.get(kind, kind.removesuffix("s")).replace("_", " ")
            for i, row in enumerate(rows[kind], 1):
                what = f"{source}: {noun} {i}"
                _need(row, keys, what)
                _check_values(kind, row, what)
        for i, a in enumerate(rows["exercise_attempts"], 1):
            for j, st in enumerate(a["stages"], 1):
                what = f"{source}: exercise attempt {i}, stage {j}"
                _need(st, ("stage", "status"), what)
                _check_values("stages", st, what)
    except TypeError:
        raise UsageError(f"{source}: unexpected structure (not an export?)") from None
    return rows


def import_data(repo: Repository, doc: Any, source: str = "the import") -> dict[str, int]:
    """Merge an export into the store: newer ``updated_at`` wins, attempts and events are
    deduplicated by uuid. One transaction; importing the same file twice changes nothing.
    Returns how many rows were added or updated per kind."""
    rows = checked_rows(doc, source)
    try:
        return repo.merge(rows)
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(
            f"{source}: a malformed entry ({type(exc).__name__}: {exc}); nothing was imported"
        ) from None


def reset(repo: Repository, backup_dir: Path) -> Path | None:
    """Delete all progress, after writing a full export into ``backup_dir`` (the path returned).

    The export and the delete share one transaction: nothing recorded in between is lost.
    Returns ``None`` when there was nothing to delete.
    """
    if not repo.exists:
        return None

    def keep(rows: Mapping[str, list[dict]]) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = backup_dir / f"progress-{stamp}.json"
        try:
            backup_dir.mkdir(parents=True, exist_ok=True)
            n = 1
            while target.exists():
                n += 1
                target = backup_dir / f"progress-{stamp}-{n}.json"
            target.write_text(json.dumps(_document(rows), indent=1), encoding="utf-8")
        except OSError as exc:
            raise StoreError(
                f"cannot write the backup {target} ({exc.strerror or exc}); nothing was deleted"
            ) from None
        return target

    return repo.dump_and_delete(keep)
