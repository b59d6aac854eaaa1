"""Safe YAML with source positions, and a schema walker that reports every problem at once.

PyYAML's composer gives a node tree that remembers where each value came from. We validate that
tree directly against frozen dataclasses, so each error carries ``FILE:LINE:COL`` and a message
written for an instructor, and the whole file is checked in one pass instead of stopping at the
first problem.

Speed matters (an instructor corpus has thousands of modules), so the walker compiles one
converter per type up front, and positions for later cross-file checks are looked up in the
node tree only when a diagnostic needs one.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import yaml

from learnpath.errors import Diagnostic

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 100_000

try:  # libyaml is several times faster; the pure-Python loader is the fallback
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

Path_ = tuple[str | int, ...]
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"


@dataclass(slots=True)
class Source:
    """A YAML file and its node tree. The tree may be dropped (to ship a result between
    processes); it is parsed again if a diagnostic later needs a position."""

    file: str
    path: Path | None = None
    root: yaml.Node | None = field(default=None, repr=False)

    def pos(self, path: Path_) -> tuple[int, int]:
        """The (line, col) of the value at ``path``, or of its closest existing ancestor."""
        if self.root is None and self.path is not None:
            try:
                self.root = yaml.compose(self.path.read_text("utf-8"), Loader=_Loader)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                return (1, 1)
        node = self.root
        if node is None:
            return (1, 1)
        for part in path:
            child = None
            if isinstance(part, int) and isinstance(node, yaml.SequenceNode):
                child = node.value[part] if part < len(node.value) else None
            elif isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == part), None)
            if child is None:
                break
            node = child
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def diag(self, path: Path_, message: str) -> Diagnostic:
        line, col = self.pos(path)
        return Diagnostic(self.file, line, col, message)


def display_path(path: Path) -> str:
    """A path as an instructor would type it: relative to the current dir when inside it."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def compose(path: Path, diags: list[Diagnostic]) -> Source:
    """Parse one YAML file into nodes. Syntax errors and refused files become diagnostics."""
    name = display_path(path)
    src = Source(name, path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            diags.append(
                Diagnostic(name, 1, 1, f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
            )
            src.path = None
            return src
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        diags.append(Diagnostic(name, 1, 1, f"file is not UTF-8 text ({exc.reason})"))
        src.path = None
        return src
    except OSError as exc:
        diags.append(Diagnostic(name, 1, 1, f"cannot read file: {exc.strerror or exc}"))
        src.path = None
        return src
    try:
        src.root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        diags.append(Diagnostic(name, line, col, f"YAML syntax error: {problem}"))
        src.path = None
    except yaml.YAMLError as exc:
        diags.append(Diagnostic(name, 1, 1, f"YAML error: {exc}"))
        src.path = None
    return src


# -- the schema walker -------------------------------------------------------------------------

_scalar = yaml.constructor.SafeConstructor()
_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}


class _Bad:
    def __repr__(self) -> str:
        return "<invalid>"


_BAD: Any = _Bad()


class _TooBig(Exception):
    pass


class _Walk:
    """State of one document's walk: where errors go, and the node budget (alias bombs)."""

    __slots__ = ("budget", "diags", "file")

    def __init__(self, file: str, diags: list[Diagnostic]):
        self.file = file
        self.diags = diags
        self.budget = MAX_NODES

    def error(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.diags.append(Diagnostic(self.file, mark.line + 1, mark.column + 1, message))

    def tick(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise _TooBig


Converter = Callable[[_Walk, yaml.Node, str], Any]


@functools.cache
def _converter(tp: Any) -> Converter:
    """A function converting a node to ``tp`` (or recording why not and returning ``_BAD``)."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        inner = _converter(next(a for a in get_args(tp) if a is not type(None)))

        def optional(w: _Walk, node: yaml.Node, what: str) -> Any:
            if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
                return None
            return inner(w, node, what)

        return optional
    if origin is Literal:
        allowed = get_args(tp)
        as_str = _converter(str)

        def literal(w: _Walk, node: yaml.Node, what: str) -> Any:
            value = as_str(w, node, what)
            if value is not _BAD and value not in allowed:
                w.error(node, f"{what} must be one of {_join(allowed)}, got {value!r}")
                return _BAD
            return value

        return literal
    if origin is tuple:
        item = _converter(get_args(tp)[0])

        def sequence(w: _Walk, node: yaml.Node, what: str) -> Any:
            w.tick()
            if not isinstance(node, yaml.SequenceNode):
                w.error(node, f"{what} must be a list, got {_describe(node)}")
                return _BAD
            items = [item(w, n, f"{what} item {i + 1}") for i, n in enumerate(node.value)]
            return _BAD if any(i is _BAD for i in items) else tuple(items)

        return sequence
    if origin is dict:
        value_conv = _converter(get_args(tp)[1])

        def mapping(w: _Walk, node: yaml.Node, what: str) -> Any:
            w.tick()
            if not isinstance(node, yaml.MappingNode):
                w.error(node, f"{what} must be a mapping, got {_describe(node)}")
                return _BAD
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in out:
                    w.error(key_node, f"duplicate key '{key}'")
                    return _BAD
                out[key] = value_conv(w, value_node, f"'{key}'")
            return _BAD if any(v is _BAD for v in out.values()) else out

        return mapping
    if dataclasses.is_dataclass(tp):
        return _record_converter(tp)
    return _scalar_converter(tp)


def _scalar_converter(tp: type) -> Converter:
    name = _TYPE_NAMES[tp]

    def scalar(w: _Walk, node: yaml.Node, what: str) -> Any:
        w.tick()
        if not isinstance(node, yaml.ScalarNode):
            w.error(node, f"{what} must be {name}, got {_describe(node)}")
            return _BAD
        if node.tag == _STR:
            value: Any = node.value  # the common case, without the generic constructor
        else:
            value = _scalar.construct_object(node)
            if tp is float and type(value) is int:
                value = float(value)
            elif tp is str and type(value) in (int, float):
                value = node.value  # an id like `2024` or a title like `404` is still text
        if type(value) is not tp:
            got = "nothing" if value is None else repr(value)
            w.error(node, f"{what} must be {name}, got {got}")
            return _BAD
        if isinstance(value, str) and not value.strip():
            w.error(node, f"{what} must not be empty")
            return _BAD
        return value

    return scalar


def _record_converter(tp: Any) -> Converter:
    hints = get_type_hints(tp)
    fields = {f.name: f for f in dataclasses.fields(tp) if f.metadata.get("yaml", True)}
    convs = {name: _converter(hints[name]) for name in fields}
    checks = {name: _field_check(f) for name, f in fields.items()}
    required = [
        name
        for name, f in fields.items()
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    label = f"the {schema_name(tp)}"

    def record(w: _Walk, node: yaml.Node, what: str) -> Any:
        w.tick()
        if not isinstance(node, yaml.MappingNode):
            w.error(node, f"{what} must be a mapping, got {_describe(node)}")
            return _BAD
        values: dict[str, Any] = {}
        ok = True
        for key_node, value_node in node.value:
            key = key_node.value
            conv = convs.get(key) if isinstance(key, str) else None
            if conv is None:
                close = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
                hint = (
                    f"; did you mean '{close[0]}'?" if close else f"; known keys: {_join(fields)}"
                )
                w.error(key_node, f"unknown key '{key}'{hint}")
                ok = False
                continue
            if key in values:
                w.error(key_node, f"duplicate key '{key}'")
                ok = False
                continue
            value = conv(w, value_node, f"'{key}'")
            check = checks[key]
            if value is not _BAD and check is not None:
                problem = check(value)
                if problem:
                    w.error(value_node, problem)
                    value = _BAD
            values[key] = value
            ok = ok and value is not _BAD
        for name in required:
            if name not in values:
                # At the top the file name already says where; nested, say in what.
                where = "" if what == label else f" in {label}"
                w.error(node, f"missing required key '{name}'{where}")
                ok = False
        if not ok:
            # Carry on with stand-ins for the broken fields, so later checks (references,
            # slugs, duplicates) still run and the instructor sees every problem in one pass.
            for name in fields:
                if values.get(name, _BAD) is not _BAD:
                    continue
                if name not in required:
                    values.pop(name, None)
                    continue
                filler = _filler(hints[name])
                if filler is _BAD:
                    return _BAD
                values[name] = filler
        return tp(**values)

    return record


def schema_name(tp: type) -> str:
    """What a user calls a schema's records in messages: the class's ``yaml_name`` (a
    ``ClassVar``), else its class name in words, without a code-only ``Def`` suffix."""
    name = getattr(tp, "yaml_name", None)
    if isinstance(name, str):
        return name
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", tp.__name__)
    if len(words) > 1 and words[-1] == "Def":
        words.pop()
    return " ".join(w.lower() for w in words)


def _field_check(f: dataclasses.Field) -> Callable[[Any], str | None] | None:
    minimum = f.metadata.get("min")
    pattern = f.metadata.get("pattern")
    bounds = f.metadata.get("range")
    if minimum is None and pattern is None and bounds is None:
        return None
    compiled = re.compile(pattern) if pattern else None

    def check(value: Any) -> str | None:
        if minimum is not None and isinstance(value, tuple) and len(value) < minimum:
            return f"'{f.name}' needs at least {minimum} entries, found {len(value)}"
        if compiled and isinstance(value, str) and not compiled.fullmatch(value):
            return f"'{value}' is not a valid {f.name}: {f.metadata['pattern_help']}"
        if bounds and isinstance(value, (int, float)) and not bounds[0] <= value <= bounds[1]:
            return f"'{f.name}' must be between {bounds[0]} and {bounds[1]}, got {value}"
        return None

    return check


def load_as(src: Source, tp: Any, diags: list[Diagnostic]) -> Any | None:
    """Validate ``src`` against the dataclass ``tp``.

    Problems become diagnostics. The result is ``None`` only when the document is unusable; a
    document with errors in some fields comes back with stand-ins for them, so cross-file checks
    can still run (the diagnostics already make the load fail).
    """
    if src.root is None:
        if not any(d.file == src.file for d in diags):
            diags.append(Diagnostic(src.file, 1, 1, "file is empty"))
        return None
    walk = _Walk(src.file, diags)
    try:
        value = _converter(tp)(walk, src.root, f"the {schema_name(tp)}")
    except _TooBig:
        line, col = src.root.start_mark.line + 1, src.root.start_mark.column + 1
        diags.append(
            Diagnostic(
                src.file,
                line,
                col,
                f"document expands to more than {MAX_NODES:,} nodes (YAML alias bomb?)",
            )
        )
        return None
    return None if value is _BAD else value


def _filler(tp: Any) -> Any:
    """A harmless stand-in value for a field that failed validation (``_BAD`` if none)."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return None
    if origin is Literal:
        return get_args(tp)[0]
    if origin is tuple:
        return ()
    if origin is dict:
        return {}
    return {str: "", int: 0, float: 0.0, bool: False}.get(tp, _BAD)


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == _NULL:
        return "nothing"
    return repr(node.value)


def _join(items: Any) -> str:
    return ", ".join(str(i) for i in items)
