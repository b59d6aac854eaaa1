"""Exercise definitions are parsed once per process while their files stay unchanged."""

from __future__ import annotations

import os
import shutil
from collections import Counter

import pytest

from learnpath.content import exercises
from learnpath.grading import session

from .conftest import BIN, FIXTURES

pytestmark = pytest.mark.slow


@pytest.fixture
def content(tmp_path, monkeypatch):
    root = tmp_path / "content"
    shutil.copytree(FIXTURES / "content", root)
    monkeypatch.setenv("LEARNPATH_CONTENT", str(root))
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return root


def test_one_grading_parses_each_definition_once_and_a_change_is_seen(
    content, tmp_path, monkeypatch
):
    parsed: Counter[str] = Counter()
    real = exercises._parse

    def counting(folder, diags):
        parsed[folder.name] += 1
        return real(folder, diags)

    monkeypatch.setattr(exercises, "_parse", counting)
    project = tmp_path / "project"
    shutil.copytree(content / "exercises" / "mini-api" / "solutions" / "python", project)

    result = session.grade_project(project, all_stages=True)
    assert result.status == "pass", result.message
    assert parsed == {"mini-api": 1}

    definition = content / "exercises" / "mini-api" / "exercise.yaml"
    definition.write_text(definition.read_text().replace("title: Mini API", "title: Mini API 2"))
    assert exercises.load_all()["mini-api"].title == "Mini API 2"
    assert parsed == {"mini-api": 2}
