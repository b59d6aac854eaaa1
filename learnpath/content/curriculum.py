"""Find, parse, merge and validate tracks; cache the result.

A *root* is a folder of track folders (the built-in ``curriculum/`` or an entry of
``LEARNPATH_PATH``); a root may also be a track folder itself. Later roots extend or override
earlier ones: a module with the same id replaces the built-in one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import json
import os
import re
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from learnpath import __version__, paths
from learnpath.atomic import write_atomic
from learnpath.content import exercises, locations
from learnpath.errors import ContentError, Diagnostic, UsageError
from learnpath.models import FORMAT_VERSION, TRACK_FILE, Track, Week, split_ref

ROADMAPS = "roadmaps"
_CACHE_FORMAT = 2
_T = TypeVar("_T")


# -- discovery ---------------------------------------------------------------------------------


@dataclass
class TrackDir:
    """One folder that defines or extends a track, and the module files in it."""

    path: Path
    modules: list[Path] = field(default_factory=list)


def track_dirs(root: Path) -> list[TrackDir]:
    """The track folders in ``root`` (or ``root`` itself when it holds a ``track.yaml``)."""
    if (root / TRACK_FILE).is_file():
        candidates = [root]
    else:
        try:
            candidates = sorted(p for p in root.iterdir() if (p / TRACK_FILE).is_file())
        except OSError:
            return []
    return [TrackDir(c, _module_files(c)) for c in candidates]


def _module_files(folder: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith((".yaml", ".yml")) and name != TRACK_FILE:
                out.append(Path(dirpath, name))
    return out


def roadmap_files(roots: Iterable[Path]) -> dict[str, Path]:
    """Roadmap node lists (``roadmaps/<id>.json``) from every root; later roots win."""
    found: dict[str, Path] = {}
    for root in roots:
        folder = root / ROADMAPS
        if folder.is_dir():
            for f in sorted(folder.glob("*.json")):
                found[f.stem] = f
    return found


# -- loading with a cache ----------------------------------------------------------------------


def load_tracks(roots: Sequence[Path] | None = None, *, use_cache: bool = True) -> dict[str, Track]:
    """Every track from ``roots`` (default: built-in plus ``LEARNPATH_PATH``), validated.

    The parsed result is cached as JSON under the cache dir, keyed by the path, size and mtime
    of every input file, so a repeated load skips YAML entirely.
    """
    roots = list(roots) if roots is not None else locations.curriculum_roots()
    dirs = [(root, td) for root in roots for td in track_dirs(root)]
    key = _fingerprint(roots, dirs) if use_cache else ""
    if key in _loaded:
        return dict(_loaded[key])
    cache_file = paths.cache_dir() / f"curriculum-{_CACHE_FORMAT}.json"
    if use_cache:
        cached = _read_cache(cache_file, key)
        if cached is not None:
            _loaded[key] = cached
            return dict(cached)
    tracks = compile_tracks(dirs, roadmap_files(roots), exercises.ids())
    if use_cache:
        _write_cache(cache_file, key, tracks)
        _loaded[key] = tracks
    return dict(tracks)


# Tracks already loaded in this process, by fingerprint: several parts of one command ask for
# them, and they are immutable.
_loaded: dict[str, dict[str, Track]] = {}


def load_track(track_id: str | None = None) -> Track:
    """One installed track; a clear error naming the installed ones if it does not exist."""
    tracks = load_tracks()
    track_id = track_id or "backend"
    if track_id not in tracks:
        names = ", ".join(sorted(tracks)) or "none"
        raise UsageError(f"unknown track '{track_id}'; installed tracks: {names}")
    return tracks[track_id]


def _fingerprint(roots: Sequence[Path], dirs: list[tuple[Path, TrackDir]]) -> str:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{__version__}|{FORMAT_VERSION}|{_CACHE_FORMAT}".encode())
    files: list[Path] = [p for _, td in dirs for p in (td.path / TRACK_FILE, *td.modules)]
    files += list(roadmap_files(roots).values())
    for f in files:
        try:
            st = f.stat()
        except OSError:
            h.update(f"{f}|missing".encode())
            continue
        h.update(f"{f}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}\n".encode())
    h.update("|".join(sorted(exercises.ids())).encode())
    return h.hexdigest()


def _read_cache(path: Path, key: str) -> dict[str, Track] | None:
    """The cached tracks if ``path`` holds them for ``key``; ``None`` to rebuild.

    The cache is JSON read back into the model classes, never pickle: whoever can write the
    cache folder could otherwise run code in every learnpath process.
    """
    try:
        with path.open("rb") as fh:
            if hasattr(os, "getuid") and os.fstat(fh.fileno()).st_uid != os.getuid():
                return None  # planted by another user: not ours to trust
            if fh.readline().rstrip(b"\n") != key.encode():
                return None  # stale: don't parse the rest
            body = fh.read()
        # Tens of thousands of objects that live as long as the process: collection passes
        # over them (while decoding, later, and at exit) would find nothing and cost a third of
        # the load, so collect none while decoding and then move them out of the collector's way.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            tracks = {tid: _decode(Track, t) for tid, t in json.loads(body).items()}
            gc.freeze()
            return tracks
        finally:
            if gc_was_enabled:
                gc.enable()
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None  # a missing, stale or damaged cache is simply rebuilt


def _write_cache(path: Path, key: str, tracks: dict[str, Track]) -> None:
    body = json.dumps(tracks, default=_encode, ensure_ascii=False)
    with contextlib.suppress(OSError):  # a read-only or full disk only costs speed
        write_atomic(path, f"{key}\n{body}")


def _encode(value: object) -> object:
    """What JSON lacks, for ``json.dumps``: a model is the object of its fields (a frozen
    dataclass holds exactly those in ``__dict__``), a set is a sorted list."""
    if isinstance(value, frozenset):
        return sorted(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return vars(value)
    raise TypeError(f"cannot cache a {type(value).__name__}")


_Convert = Callable[[Any], Any]
_DECODERS: dict[type, _Convert] = {}


def _decode(cls: type[_T], data: dict[str, Any]) -> _T:
    """``data`` (from :func:`_encode`) as a ``cls``; ``ValueError`` if its fields differ."""
    decode = _DECODERS.get(cls) or _decoder(cls)
    return typing.cast(_T, decode(data))


def _decoder(cls: type) -> _Convert:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    fields = frozenset(names)
    converters = tuple((n, c) for n in names if (c := _converter(hints[n])) is not None)
    new, set_attr = object.__new__, object.__setattr__

    def decode(data: dict[str, Any]) -> Any:
        if data.keys() != fields:
            raise ValueError(f"cached {cls.__name__} has other fields")
        for name, convert in converters:
            data[name] = convert(data[name])
        # The values were validated before they were cached, so skip __init__ (most of the
        # cost); a frozen dataclass still lets its __dict__ be set directly.
        obj: Any = new(cls)
        set_attr(obj, "__dict__", data)
        return obj

    _DECODERS[cls] = decode
    return decode


def _converter(hint: Any) -> _Convert | None:
    """How to turn JSON data back into a value of type ``hint``; ``None`` when it already is."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _DECODERS.get(hint) or _decoder(hint)
    if origin is tuple:
        item = _converter(args[0])
        return tuple if item is None else (lambda v: tuple(map(item, v)))
    if origin is frozenset:
        return frozenset
    if origin is dict:
        value = _converter(args[1])
        return None if value is None else (lambda v: {k: value(x) for k, x in v.items()})
    if origin in (types.UnionType, typing.Union):
        inner = [c for a in args if a is not type(None) and (c := _converter(a))]
        if inner:
            return lambda v: None if v is None else inner[0](v)
    return None  # str, int, float, bool, Literal: JSON has them already


# -- compiling ---------------------------------------------------------------------------------


def compile_tracks(
    dirs: Sequence[tuple[Path, TrackDir]],
    roadmaps: dict[str, Path],
    exercises: frozenset[str],
    *,
    extra_modules: Sequence[tuple[Path, Path | None]] = (),
) -> dict[str, Track]:
    """Parse and validate ``dirs`` in merge order. Raises :class:`ContentError` with every
    problem found; returns the tracks when there are none.

    ``extra_modules`` are single module files, each with the track folder (one of ``dirs``) it
    overlays, or ``None`` for a lone module, which overlays the built-in ``backend`` track.
    """
    from learnpath.content import validation  # YAML parsing is only needed on a cache miss

    diags: list[Diagnostic] = []
    modules = [m for _, td in dirs for m in td.modules] + [m for m, _ in extra_modules]
    parsed = validation.parse_modules(modules)
    builder = validation.TrackBuilder(diags, roadmaps, exercises, parsed)
    for _root, td in dirs:
        builder.add_dir(td.path, td.modules)
    for module, owner in extra_modules:
        builder.add_module(module, owner)
    tracks = builder.finish()
    if diags:
        raise ContentError(diags)
    return tracks


def validate_paths(targets: Sequence[Path]) -> tuple[dict[str, Track], dict[str, Path]]:
    """Validate what an instructor points at: track folders, roots or single module files.

    A module file is checked in the context of the track folder above it or, when it has none,
    as an overlay of the built-in ``backend`` track.
    """
    builtin = locations.curriculum_roots()
    if not targets:
        return load_tracks(builtin, use_cache=False), roadmap_files(builtin)
    missing = [t for t in targets if not t.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    dirs: list[tuple[Path, TrackDir]] = []
    modules: list[tuple[Path, Path | None]] = []
    roots: list[Path] = []
    for target in targets:
        if target.is_file():
            owner = next((p for p in target.resolve().parents if (p / TRACK_FILE).is_file()), None)
            if owner is not None and target.name != TRACK_FILE:
                td = TrackDir(owner, [m for m in _module_files(owner) if m != target.resolve()])
                dirs.append((owner.parent, td))
                roots.append(owner.parent)  # for the roadmaps its topics refer to
                modules.append((target, owner))
            elif target.name == TRACK_FILE:
                dirs.append((target.parent.parent, TrackDir(target.parent, [])))
            else:
                modules.append((target, None))
        else:
            found = track_dirs(target)
            if not found:
                raise UsageError(f"{target} holds no {TRACK_FILE} (neither it nor its subfolders)")
            roots.append(target)
            dirs.extend((target, td) for td in found)
    # A lone module or an overlay is checked against the built-in track it extends; complete
    # tracks stand alone, so a problem elsewhere in the built-in content does not leak in.
    needed = {_extends(td) for _, td in dirs} - {None}
    if any(owner is None for _, owner in modules):
        needed.add("backend")
    known = {td.path.resolve() for _, td in dirs}
    base = [
        (r, td)
        for r in builtin[:1]
        for td in track_dirs(r)
        if td.path.resolve() not in known and td.path.name in needed
    ]
    dirs = base + dirs
    roadmaps = roadmap_files([*builtin[:1], *roots])
    return compile_tracks(dirs, roadmaps, exercises.ids(), extra_modules=modules), roadmaps


def _extends(td: TrackDir) -> str | None:
    """The id of the track ``td`` extends, or ``None`` when it is a complete track."""
    import yaml

    try:
        doc = yaml.safe_load((td.path / TRACK_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None  # compile_tracks reports it with its position
    if isinstance(doc, dict) and not doc.get("phases") and isinstance(doc.get("id"), str):
        return doc["id"]
    return None


# -- roadmap coverage --------------------------------------------------------------------------


def roadmap_nodes(roadmap_id: str, files: dict[str, Path] | None = None) -> list[dict]:
    files = files if files is not None else roadmap_files(locations.curriculum_roots())
    if roadmap_id not in files:
        raise UsageError(f"unknown roadmap '{roadmap_id}'; known: {', '.join(sorted(files))}")
    return json.loads(files[roadmap_id].read_text(encoding="utf-8"))


def coverage(track: Track, roadmaps: dict[str, Path] | None = None) -> list[dict]:
    """How much of each roadmap the main path and each specialization tag."""
    paths_: list[tuple[str, str | None, tuple[Week, ...], str]] = [
        ("main path", None, track.weeks, track.roadmap)
    ]
    for spec in track.specializations:
        weeks = track.branches.get(spec.id, ())
        paths_.append((spec.title, spec.id, weeks, spec.roadmap or track.roadmap))
    out = []
    for label, spec_id, weeks, roadmap in paths_:
        nodes = {n["slug"] for n in roadmap_nodes(roadmap, roadmaps)}
        used = {
            slug
            for w in weeks
            for t in w.topics
            for r in t.roadmap
            for rm, slug in [split_ref(r, track.roadmap_for(w))]
            if rm == roadmap
        }
        covered = nodes & used
        out.append(
            {
                "path": label,
                "specialization": spec_id,
                "roadmap": roadmap,
                "covered": len(covered),
                "total": len(nodes),
                "percent": round(100 * len(covered) / len(nodes), 1) if nodes else 100.0,
                "missing": sorted(nodes - covered),
            }
        )
    return out


def search(track: Track, text: str) -> list[Week]:
    """Weeks whose title, summary, objectives, topics or resources mention ``text``."""
    pattern = re.compile(re.escape(text), re.IGNORECASE)
    hits = []
    for w in track.all_weeks():
        haystack = [w.id, w.title, w.summary, *w.objectives]
        haystack += [t.title for t in w.topics] + [t.id for t in w.topics]
        haystack += [r.title for r in w.resources]
        if any(pattern.search(h) for h in haystack):
            hits.append(w)
    return hits


def with_source(week: Week, source: str) -> Week:
    return replace(week, source=source)
