"""``learnpath start``: copy an exercise's starter into the learner's folder, safely.

Templates are content from the curriculum: a symlink, or a path that would land outside the
destination, is refused before anything is written.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from learnpath.content.exercises import ExerciseDef, StackDef, starter_dir
from learnpath.errors import LearnpathError, UsageError
from learnpath.grading.files import KEEP_FOLDER
from learnpath.grading.project import PROJECT_FILE

# Build output and local state that must never be scaffolded, even if a template holds them.
# KEEP_FOLDER: databases a `grade --keep` kept are no part of a project to copy.
SKIP_NAMES = {
    "node_modules",
    "__pycache__",
    ".venv",
    ".pytest_cache",
    ".mypy_cache",
    ".git",
    KEEP_FOLDER,
}
SKIP_SUFFIXES = (".pyc", ".db", ".db-wal", ".db-shm")


@dataclass(frozen=True, slots=True)
class Scaffolded:
    dest: Path
    stack: str
    files: list[str]
    install: str | None
    run: str | None  # None for a files-only stack
    project_id: str  # the new project's identity, also written to its learnpath.yml
    title: str  # the exercise's title


def choose_stack(ex: ExerciseDef, stack: str | None) -> tuple[str, StackDef]:
    if not ex.stacks:
        raise UsageError(f"exercise '{ex.id}' has no starter yet (status: {ex.status})")
    if stack is None:
        name = next(iter(ex.stacks))
        return name, ex.stacks[name]
    if stack not in ex.stacks:
        raise UsageError(
            f"exercise '{ex.id}' has no stack '{stack}'; stacks: {', '.join(ex.stacks)}"
        )
    return stack, ex.stacks[stack]


def template_files(template: Path) -> list[Path]:
    """Every file of ``template`` (relative paths); refuses symlinks and anything unusual."""
    root = template.resolve()
    if template.is_symlink():
        raise LearnpathError(f"refusing to scaffold: template {template} is a symlink")
    if not root.is_dir():
        raise LearnpathError(f"the starter template {template} is missing")
    found: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_NAMES)
        for name in [*dirs, *files]:
            p = here / name
            if p.is_symlink():
                raise LearnpathError(
                    f"refusing to scaffold: the template contains a symlink: {p.relative_to(root)}"
                )
        for name in sorted(files):
            if name.endswith(SKIP_SUFFIXES):
                continue
            p = here / name
            if not p.is_file():
                raise LearnpathError(
                    f"refusing to scaffold: {p.relative_to(root)} is not a regular file"
                )
            found.append(p.relative_to(root))
    return found


def _inside(dest: Path, rel: Path) -> Path:
    """``dest / rel`` if no part of it below ``dest`` is a symlink and it stays inside ``dest``.

    Symlinks are checked on the path as written, before resolving: ``resolve()`` follows them,
    so a check after it would never see one (and would write through a link that points at
    another file of the folder).
    """
    here = dest
    for part in rel.parts:
        here = here / part
        if here.is_symlink():
            raise LearnpathError(
                f"refusing to write through a symlink in {dest}: {here.relative_to(dest)}"
            )
    target = dest / rel
    if not target.resolve().is_relative_to(dest):
        raise LearnpathError(f"refusing to write outside {dest}: {rel}")
    return target


def _read_optional(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def readme(ex: ExerciseDef, stack: str, sd: StackDef, notes: str | None = None) -> str:
    """The learner's README: the exercise, how to run and grade it, stage 1's instructions and
    (``notes``: the template's own README, its title dropped) what is in the starter."""
    first = ex.stages[0] if ex.stages else None
    lines = [f"# {ex.title}", "", ex.summary.strip(), ""]
    lines += ["## Run and grade", "", f"Stack: **{stack}**.", "", "```sh"]
    if sd.install:
        lines.append(sd.install)
    if ex.kind == "files":
        if ex.services:
            lines.append(
                "learnpath run .       # optional: the same throwaway services grading uses, "
                "with their URLs (DATABASE_URL)"
            )
        lines += [
            "learnpath grade       # runs your files against fresh databases, stage by stage",
            "learnpath grade --keep  # also keeps the seeded databases, to reproduce a failure",
        ]
    else:
        lines += [
            f"PORT=8000 {sd.run}    # your server must listen on $PORT",
            "learnpath grade       # in another terminal: starts your server itself and grades it",
        ]
    lines += ["learnpath hint        # stuck? one hint at a time", "```", ""]
    if first is not None:
        lines += [f"## Stage 1: {first.title}", "", first.description.strip(), ""]
        if len(ex.stages) > 1:
            lines += [
                "When a stage passes, `learnpath grade` shows the next stage's instructions.",
                "",
            ]
    if notes:
        body = notes.strip().split("\n", 1)[1] if notes.lstrip().startswith("#") else notes
        lines += ["## About this starter", "", body.strip(), ""]
    return "\n".join(lines)


def new_project_id() -> str:
    """A new project's identity: random, so a restart in the same folder is a new project."""
    import secrets

    return secrets.token_hex(6)


def project_yaml(
    ex: ExerciseDef, stack: str, sd: StackDef, template: Path, project_id: str | None = None
) -> str:
    """``learnpath.yml``: the template's own (for ``database``, ``ready_path``) plus ours."""
    import yaml

    data: dict[str, Any] = {}
    own = template / PROJECT_FILE
    if own.is_file():
        loaded = yaml.safe_load(own.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            data.update(loaded)
    data.pop("id", None)  # a template's id would make every project of it the same one
    data.update({"exercise": ex.id, "stack": stack})
    if sd.run:
        data["run"] = sd.run
    if project_id:
        data["id"] = project_id
    if sd.install:
        data["install"] = sd.install
    ordered: dict[str, Any] = {
        k: data[k] for k in ("exercise", "id", "stack", "install", "run") if k in data
    }
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    header = (
        "# learnpath project: 'learnpath grade' reads this. run: must honour $PORT.\n"
        if ex.kind == "server"
        else "# learnpath project: 'learnpath grade' reads this and grades your files.\n"
    )
    return header + yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True)


def start(
    ex: ExerciseDef, dest: Path, *, stack: str | None = None, force: bool = False
) -> Scaffolded:
    """Scaffold ``ex``'s starter into ``dest`` (refusing a non-empty ``dest`` unless ``force``)."""
    name, sd = choose_stack(ex, stack)
    template = starter_dir(ex, sd)
    files = template_files(template)  # validated in full before anything is written
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise UsageError(f"{dest} is not empty; choose another folder or pass --force")
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    written: list[str] = []
    for rel in files:
        if rel.name in ("README.md", PROJECT_FILE) and rel.parent == Path("."):
            continue  # generated below
        target = _inside(root, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template / rel, target)
        shutil.copymode(template / rel, target)
        written.append(str(rel))
    project_id = new_project_id()
    for rel_name, text in (
        ("README.md", readme(ex, name, sd, _read_optional(template / "README.md"))),
        (PROJECT_FILE, project_yaml(ex, name, sd, template, project_id)),
    ):
        target = _inside(root, Path(rel_name))
        target.write_text(text, encoding="utf-8")
        written.append(rel_name)
    return Scaffolded(root, name, sorted(written), sd.install, sd.run, project_id, ex.title)
