"""Cross-file checks that turn parsed YAML into :class:`~learnpath.models.Track` objects.

Every check appends a positioned :class:`Diagnostic` and carries on, so an instructor sees all
problems in one run, the way a compiler reports them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from learnpath.errors import Diagnostic
from learnpath.models import FORMAT_VERSION, TRACK_FILE, Track, TrackFile, Week, split_ref
from learnpath.yamlsrc import Source, compose, load_as


@dataclass
class _Module:
    week: Week
    src: Source
    layer: int


@dataclass
class _TrackDef:
    file: TrackFile
    src: Source


def parse_module(path: Path) -> tuple[Source, Week | None, list[Diagnostic]]:
    """Parse and schema-check one module file."""
    diags: list[Diagnostic] = []
    src = compose(path, diags)
    return src, load_as(src, Week, diags), diags


def _parse_chunk(chunk: list[Path]) -> list[tuple[Source, Week | None, list[Diagnostic]]]:
    out = []
    for path in chunk:
        src, week, diags = parse_module(path)
        src.root = None  # nodes are heavy to send back; positions are re-read on demand
        out.append((src, week, diags))
    return out


PARALLEL_FROM = 200  # below this many modules a process pool costs more than it saves


def parse_modules(paths: list[Path]) -> dict[Path, tuple[Source, Week | None, list[Diagnostic]]]:
    """Parse many module files, on every core when there are enough of them to pay off."""
    import os

    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_FROM or workers < 2:
        return {p: parse_module(p) for p in paths}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:  # no fork on this platform: parse here
        return {p: parse_module(p) for p in paths}
    chunks = [paths[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        results = list(pool.map(_parse_chunk, chunks))
    return {
        p: r
        for chunk, res in zip(chunks, results, strict=True)
        for p, r in zip(chunk, res, strict=True)
    }


class TrackBuilder:
    def __init__(
        self,
        diags: list[Diagnostic],
        roadmaps: dict[str, Path],
        exercises: frozenset,
        parsed: dict[Path, tuple[Source, Week | None, list[Diagnostic]]] | None = None,
    ):
        self.parsed = parsed or {}
        self.diags = diags
        self.roadmaps = roadmaps
        self.exercises = exercises
        self.defs: dict[str, list[_TrackDef]] = {}
        self.modules: dict[str, dict[str, _Module]] = {}
        self.layer = 0
        self._slugs: dict[str, frozenset[str] | None] = {}
        self._track_ids: dict[Path, str] = {}  # track folder -> the id its track.yaml declares

    # -- input ---------------------------------------------------------------------------------

    def add_dir(self, folder: Path, modules: Sequence[Path]) -> None:
        """A track folder (its ``track.yaml``) and the module files found in it."""
        self.layer += 1
        src = compose(folder / TRACK_FILE, self.diags)
        tf = load_as(src, TrackFile, self.diags)
        if tf is None:
            return
        self._check_version(tf.format_version, src)
        self.defs.setdefault(tf.id, []).append(_TrackDef(tf, src))
        self._track_ids[folder.resolve()] = tf.id
        layer: dict[str, _Module] = {}
        for path in modules:
            module = self._parse_module(path)
            if module is None:
                continue
            other = layer.get(module.week.id)
            if other is not None:
                self.diags.append(
                    module.src.diag(
                        ("id",),
                        f"duplicate week id '{module.week.id}' (also in {other.src.file}:"
                        f"{other.src.pos(('id',))[0]})",
                    )
                )
                continue
            layer[module.week.id] = module
        self._merge(tf.id, layer)

    def add_module(self, path: Path, track_dir: Path | None) -> None:
        """A single module file, layered over the track of ``track_dir`` (``backend`` if none).

        ``track_dir`` must have been added first; when its ``track.yaml`` did not load, the
        module is still checked on its own but joins no track (that error is already reported).
        """
        self.layer += 1
        module = self._parse_module(path)
        track_id = self._track_ids.get(track_dir.resolve()) if track_dir else "backend"
        if module is not None and track_id is not None:
            self._merge(track_id, {module.week.id: module})

    def _parse_module(self, path: Path) -> _Module | None:
        found = self.parsed.pop(path, None)
        src, week, diags = found if found is not None else parse_module(path)
        self.diags.extend(diags)
        if week is None:
            return None
        self._check_version(week.format_version, src)
        return _Module(replace(week, source=src.file), src, self.layer)

    def _check_version(self, version: int, src: Source) -> None:
        if version != FORMAT_VERSION:
            self.diags.append(
                src.diag(
                    ("format_version",),
                    f"unsupported format_version {version}; this learnpath reads {FORMAT_VERSION}",
                )
            )

    def _merge(self, track_id: str, layer: dict[str, _Module]) -> None:
        mods = self.modules.setdefault(track_id, {})
        mods.update(layer)  # same id: the later layer overrides

    # -- output --------------------------------------------------------------------------------

    def finish(self) -> dict[str, Track]:
        tracks = {}
        for track_id, defs in self.defs.items():
            track = self._build(track_id, defs, self.modules.get(track_id, {}))
            if track is not None:
                tracks[track_id] = track
        return tracks

    def _build(
        self, track_id: str, defs: list[_TrackDef], mods: dict[str, _Module]
    ) -> Track | None:
        base = next((d for d in defs if d.file.phases), None)
        if base is None:
            d = defs[0]
            self.diags.append(
                d.src.diag(
                    ("id",),
                    f"no track '{track_id}' to extend: a track needs 'phases' in one track.yaml",
                )
            )
            return None
        tf = base.file
        specs = list(tf.specializations)
        for d in defs:
            if d is base:
                continue
            if d.file.phases or d.file.roadmap:
                self.diags.append(
                    d.src.diag(
                        ("phases",) if d.file.phases else ("roadmap",),
                        f"track '{track_id}' is already defined in {base.src.file}; an extending "
                        "track.yaml may only add specializations",
                    )
                )
            specs.extend(d.file.specializations)
        for d in defs:
            if d.file.title is None and d is base:
                self.diags.append(d.src.diag((), "missing required key 'title' in the track"))

        ok = self._check_phases(tf, base.src)
        # Weeks of the specialization phase belong to branches; a track without branches
        # has none unless it names one.
        spec_phase_id = tf.specializations_phase or (tf.phases[-1].id if specs else None)
        spec_phase = next((p for p in tf.phases if p.id == spec_phase_id), None)
        if spec_phase_id and spec_phase is None:
            self.diags.append(
                base.src.diag(
                    ("specializations_phase",), f"no phase '{spec_phase_id}' in this track"
                )
            )
            ok = False
        seen_specs: set[str] = set()
        for i, spec in enumerate(specs):
            if spec.id in seen_specs:
                self.diags.append(
                    base.src.diag(
                        ("specializations", i, "id"), f"duplicate specialization '{spec.id}'"
                    )
                )
            seen_specs.add(spec.id)
            if spec.roadmap:
                self._check_roadmap_id(spec.roadmap, base.src, ("specializations", i, "roadmap"))
        default_roadmap = tf.roadmap or track_id
        self._check_roadmap_id(default_roadmap, base.src, ("roadmap",))
        if not ok:
            return None
        spec_id = spec_phase.id if spec_phase else None

        modules = sorted(mods.values(), key=lambda m: (m.week.specialization or "", m.week.week))
        phases = {p.id: p for p in tf.phases}
        spec_roadmaps = {s.id: s.roadmap or default_roadmap for s in specs}
        slots: dict[tuple[str | None, int], _Module] = {}
        topics: dict[str, _Module] = {}
        for m in modules:
            self._check_module(m, phases, spec_id, spec_roadmaps, default_roadmap)
            slot = (m.week.specialization, m.week.week)
            other = slots.get(slot)
            if other is not None:
                where = f"{other.src.file}:{other.src.pos(('week',))[0]}"
                if other.layer != m.layer:
                    msg = (
                        f"{_slot_name(slot)} already has module '{other.week.id}' ({where}); "
                        f"give your module the id '{other.week.id}' to override it"
                    )
                else:
                    msg = f"{_slot_name(slot)} appears twice (also '{other.week.id}' in {where})"
                self.diags.append(m.src.diag(("week",), msg))
                continue
            slots[slot] = m
            for i, t in enumerate(m.week.topics):
                prev = topics.get(t.id)
                if prev is not None:
                    self.diags.append(
                        m.src.diag(
                            ("topics", i, "id"),
                            f"duplicate topic id '{t.id}' (also in {prev.src.file})",
                        )
                    )
                topics[t.id] = m

        for p in tf.phases:
            slots_of: list[str | None] = [s.id for s in specs] if p.id == spec_id else [None]
            for b in slots_of:
                gaps = [n for n in range(p.first, p.last + 1) if (b, n) not in slots]
                if gaps:
                    where = f"specialization '{b}'" if b else f"phase '{p.id}'"
                    self.diags.append(
                        base.src.diag(
                            ("phases", tf.phases.index(p)),
                            f"{where} has no module for week{'s' * (len(gaps) > 1)} "
                            f"{_ranges(gaps)}",
                        )
                    )
        self._check_prerequisites(list(slots.values()), topics)

        main = tuple(m.week for s, m in sorted(slots.items(), key=_slot_order) if s[0] is None)
        branches = {
            s.id: tuple(m.week for (b, _), m in sorted(slots.items(), key=_slot_order) if b == s.id)
            for s in specs
        }
        return Track(
            id=track_id,
            title=tf.title or track_id,
            summary=tf.summary or "",
            roadmap=default_roadmap,
            phases=tf.phases,
            specializations=tuple(specs),
            specializations_phase=spec_id or "",
            weeks=main,
            branches=branches,
            exercises=self.exercises,
        )

    # -- checks --------------------------------------------------------------------------------

    def _check_phases(self, tf: TrackFile, src: Source) -> bool:
        ok = True
        expected = 1
        seen: set[str] = set()
        for i, p in enumerate(tf.phases):
            if p.id in seen:
                self.diags.append(src.diag(("phases", i, "id"), f"duplicate phase '{p.id}'"))
                ok = False
            seen.add(p.id)
            if len(p.weeks) != 2 or p.first > p.last:
                self.diags.append(
                    src.diag(
                        ("phases", i, "weeks"),
                        "'weeks' must be [first, last] with first <= last",
                    )
                )
                ok = False
                continue
            if p.first != expected:
                self.diags.append(
                    src.diag(
                        ("phases", i, "weeks"),
                        f"phase '{p.id}' starts at week {p.first}; the weeks before it end at "
                        f"{expected - 1}, so it must start at {expected}",
                    )
                )
                ok = False
            expected = p.last + 1
        return ok

    def _check_module(
        self,
        m: _Module,
        phases: dict,
        spec_phase: str | None,
        spec_roadmaps: dict[str, str],
        default_roadmap: str,
    ) -> None:
        w, src = m.week, m.src
        phase = phases.get(w.phase)
        if phase is None:
            self.diags.append(
                src.diag(("phase",), f"unknown phase '{w.phase}'; phases: {', '.join(phases)}")
            )
        elif not phase.holds(w.week):
            self.diags.append(
                src.diag(
                    ("week",),
                    f"week {w.week} is outside phase '{phase.id}' (weeks {phase.first}-"
                    f"{phase.last})",
                )
            )
        roadmap = default_roadmap
        if phase is not None and phase.id == spec_phase:
            if w.specialization is None:
                self.diags.append(
                    src.diag(
                        ("phase",),
                        f"weeks of phase '{phase.id}' need a 'specialization' "
                        f"({', '.join(spec_roadmaps)})",
                    )
                )
            elif w.specialization not in spec_roadmaps:
                self.diags.append(
                    src.diag(
                        ("specialization",),
                        f"unknown specialization '{w.specialization}'; known: "
                        f"{', '.join(spec_roadmaps) or 'none'}",
                    )
                )
            else:
                roadmap = spec_roadmaps[w.specialization]
        elif w.specialization is not None:
            self.diags.append(
                src.diag(
                    ("specialization",),
                    f"'specialization' is only for weeks of phase '{spec_phase}'",
                )
            )
        for i, t in enumerate(w.topics):
            for j, ref in enumerate(t.roadmap):
                rm, slug = split_ref(ref, roadmap)
                known = self._slug_set(rm)
                if known is None:
                    self.diags.append(
                        src.diag(
                            ("topics", i, "roadmap", j),
                            f"unknown roadmap '{rm}' in '{ref}'; known: "
                            f"{', '.join(sorted(self.roadmaps))}",
                        )
                    )
                elif slug not in known:
                    hint = _suggest(slug, known)
                    self.diags.append(
                        src.diag(
                            ("topics", i, "roadmap", j),
                            f"unknown {rm} roadmap slug '{slug}'{hint}",
                        )
                    )
        for i, ex in enumerate(w.exercises):
            if ex not in self.exercises:
                self.diags.append(
                    src.diag(
                        ("exercises", i),
                        f"unknown exercise '{ex}'{_suggest(ex, self.exercises)} "
                        "(declare it in exercises/<id>/exercise.yaml)",
                    )
                )
        qids: set[str] = set()
        for i, q in enumerate(w.quiz):
            if q.id in qids:
                self.diags.append(src.diag(("quiz", i, "id"), f"duplicate question id '{q.id}'"))
            qids.add(q.id)
            right = len(q.answer)
            if q.kind == "single" and right != 1:
                self.diags.append(
                    src.diag(
                        ("quiz", i, "choices"),
                        f"question '{q.id}' is single choice and needs exactly one choice "
                        f"with 'correct: true', found {right}",
                    )
                )
            elif q.kind == "multiple" and right < 1:
                self.diags.append(
                    src.diag(
                        ("quiz", i, "choices"),
                        f"question '{q.id}' needs at least one choice with 'correct: true'",
                    )
                )

    def _check_prerequisites(self, modules: list[_Module], topics: dict[str, _Module]) -> None:
        by_id = {m.week.id: m for m in modules}
        edges: dict[str, list[tuple[str, int]]] = {}
        for m in modules:
            for i, ref in enumerate(m.week.prerequisites):
                target = by_id.get(ref) or topics.get(ref)
                if target is None:
                    hint = _suggest(ref, set(by_id) | set(topics))
                    self.diags.append(
                        m.src.diag(
                            ("prerequisites", i),
                            f"unknown prerequisite '{ref}'{hint} (use a week id or a topic id)",
                        )
                    )
                    continue
                edges.setdefault(m.week.id, []).append((target.week.id, i))
        # Depth-first search for cycles; each cycle is reported once, at the edge closing it.
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(node: str) -> None:
            state[node] = 1
            stack.append(node)
            for nxt, i in edges.get(node, []):
                if nxt == node:
                    self.diags.append(
                        by_id[node].src.diag(
                            ("prerequisites", i), f"week '{node}' lists itself as a prerequisite"
                        )
                    )
                elif state.get(nxt) == 1:
                    cycle = [*stack[stack.index(nxt) :], nxt]
                    self.diags.append(
                        by_id[node].src.diag(
                            ("prerequisites", i), f"prerequisite cycle: {' -> '.join(cycle)}"
                        )
                    )
                elif nxt not in state:
                    visit(nxt)
            stack.pop()
            state[node] = 2

        for node in sorted(edges):
            if node not in state:
                visit(node)

    def _check_roadmap_id(self, roadmap: str, src: Source, path: tuple) -> None:
        if self._slug_set(roadmap) is None:
            self.diags.append(
                src.diag(
                    path,
                    f"unknown roadmap '{roadmap}'; known: {', '.join(sorted(self.roadmaps))}",
                )
            )

    def _slug_set(self, roadmap: str) -> frozenset[str] | None:
        if roadmap not in self._slugs:
            path = self.roadmaps.get(roadmap)
            slugs = None
            if path is not None:
                try:
                    slugs = frozenset(n["slug"] for n in json.loads(path.read_text("utf-8")))
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    self.diags.append(Diagnostic(str(path), 1, 1, f"unreadable roadmap: {exc}"))
            self._slugs[roadmap] = slugs
        return self._slugs[roadmap]


def _slot_name(slot: tuple[str | None, int]) -> str:
    spec, n = slot
    return f"week {n} of specialization '{spec}'" if spec else f"week {n}"


def _slot_order(item: tuple[tuple[str | None, int], _Module]) -> tuple[str, int]:
    (spec, n), _ = item
    return (spec or "", n)


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


def _suggest(word: str, options) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.75)
    return f"; did you mean '{close[0]}'?" if close else ""


# -- quiz and resource lint --------------------------------------------------------------------


def selected_weeks(track: Track, targets: Sequence[Path]) -> list[Week]:
    """The weeks of ``track`` that come from ``targets`` (all of them when none are given):
    a lone module is linted alone, not with the built-in track it overlays."""
    weeks = track.all_weeks()
    if not targets:
        return weeks
    roots = [t.resolve() for t in targets]
    return [
        w
        for w in weeks
        if w.source and any(r == (p := Path(w.source).resolve()) or r in p.parents for r in roots)
    ]


def lint_diagnostics(tracks: dict[str, Track], targets: Sequence[Path] = ()) -> list[Diagnostic]:
    """Quiz skew, paid-only resources and repeated questions of the selected weeks, positioned
    in their files (see :mod:`learnpath.content.quizlint` for the thresholds)."""
    from learnpath.content import quizlint

    out = []
    sources: dict[str, Source] = {}  # each file is parsed once, however many findings it has
    for track in tracks.values():
        for f in quizlint.lint(track, selected_weeks(track, targets)):
            src = sources.setdefault(f.week.source, Source(f.week.source, Path(f.week.source)))
            line, col = src.pos(f.path)
            out.append(Diagnostic(f.week.source, line, col, f.message, f.severity))
    return out
