"""Stage update-delete: PUT replaces, PATCH merges (RFC 7396), DELETE removes."""

import pytest
from conftest import UNKNOWN_ID, check_note, editable

from learnpath.grading.checks import expect, expect_equal, expect_json, expect_status


def _full(notes, what):
    return notes.create(
        stage="create-read",
        title=notes.title(what),
        body="The body",
        tags=["red", "green"],
        priority=1,
    )


def _answer(resp, status, what):
    expect_status(resp, status)
    return check_note(expect_json(resp), what)


@pytest.mark.stage("update-delete")
def test_put_replaces_the_whole_note(api, notes):
    """PUT answers 200 with the new note; fields it leaves out go back to their defaults."""
    note = _full(notes, "Replaced")
    title = notes.title("Replacement")
    resp = api.put(f"/notes/{note['id']}", json={"title": title, "priority": 4})
    got = _answer(resp, 200, f"the answer of PUT /notes/{note['id']}")
    want = {"title": title, "body": None, "tags": [], "priority": 4}
    expect_equal(
        editable(got),
        want,
        "the note after a PUT of only title and priority (body and tags back to null and [])",
    )
    expect_equal(
        (got["id"], got["createdAt"]), (note["id"], note["createdAt"]), "id and createdAt after PUT"
    )
    later = check_note(expect_json(notes.read(note["id"])), "the note read after the PUT")
    expect_equal(editable(later), want, f"GET /notes/{note['id']} after the PUT")


@pytest.mark.stage("update-delete")
def test_put_is_validated_and_never_creates(api, notes):
    """PUT without a title is a 422 problem (note unchanged); PUT to an unknown id a 404."""
    note = _full(notes, "Put without title")
    notes.check_invalid(
        api.put(f"/notes/{note['id']}", json={"body": "no title"}),
        {"title"},
        "PUT without a title",
    )
    notes.check_unchanged(note, "a PUT answered 422")
    resp = api.put(f"/notes/{UNKNOWN_ID}", json={"title": notes.title("Nowhere")})
    notes.check_problem(resp, 404)


@pytest.mark.stage("update-delete")
def test_merge_patch_changes_only_what_it_names(api, notes):
    """A merge patch of priority changes only priority; a list in a patch replaces the list."""
    note = _full(notes, "Patched")
    resp = notes.patch(note["id"], {"priority": 5})
    got = _answer(resp, 200, f"the answer of PATCH /notes/{note['id']}")
    want = {**editable(note), "priority": 5}
    expect_equal(editable(got), want, 'the note after the merge patch {"priority": 5}')
    expect_equal(got["id"], note["id"], "the id after PATCH")
    later = expect_json(notes.read(note["id"]))
    expect_equal(editable(later), want, f"GET /notes/{note['id']} after the merge patch")
    resp = notes.patch(note["id"], {"tags": ["blue"]})
    got = _answer(resp, 200, f"the answer of PATCH /notes/{note['id']}")
    expect_equal(
        editable(got),
        {**want, "tags": ["blue"]},
        'the note after the merge patch {"tags": ["blue"]} (a list replaces the whole list)',
    )


@pytest.mark.stage("update-delete")
def test_merge_patch_null_removes_optional_fields(notes):
    """null in a merge patch puts body, tags and priority back to null, [] and 3."""
    note = _full(notes, "Nulled")
    resp = notes.patch(note["id"], {"body": None, "tags": None, "priority": None})
    got = _answer(resp, 200, f"the answer of PATCH /notes/{note['id']}")
    expect_equal(
        editable(got),
        {"title": note["title"], "body": None, "tags": [], "priority": 3},
        'the note after {"body": null, "tags": null, "priority": null} (null removes a field: '
        "back to its default)",
    )


@pytest.mark.stage("update-delete")
def test_invalid_patches_are_422_problems(notes):
    """A patch that leaves an invalid note is a 422 problem and changes nothing; 404 if unknown."""
    note = _full(notes, "Kept")
    for patch, field in (({"title": None}, "title"), ({"title": ""}, "title")):
        resp = notes.patch(note["id"], patch)
        notes.check_invalid(resp, {field}, f"the merge patch {patch} (a note needs a title)")
    resp = notes.patch(note["id"], {"priority": 0, "body": "changed?"})
    notes.check_invalid(resp, {"priority"}, "the merge patch with priority 0")
    notes.check_unchanged(note, "merge patches answered 422")
    notes.check_problem(notes.patch(UNKNOWN_ID, {"priority": 2}), 404)


@pytest.mark.stage("update-delete")
def test_json_patch_is_415(api, notes):
    """A PATCH sent as application/json-patch+json answers a 415 problem and changes nothing."""
    note = _full(notes, "Wrong format")
    resp = api.patch(
        f"/notes/{note['id']}",
        content='[{"op": "replace", "path": "/priority", "value": 2}]',
        headers={"Content-Type": "application/json-patch+json"},
    )
    notes.check_problem(resp, 415)
    notes.check_unchanged(note, "a JSON Patch answered 415")


@pytest.mark.stage("update-delete")
def test_patching_to_a_taken_title_is_409(notes):
    """Patching a title to another note's title answers a 409 problem."""
    first = notes.create(stage="create-read", title=notes.title("Taken"))
    second = _full(notes, "Renamed")
    notes.check_problem(notes.patch(second["id"], {"title": first["title"]}), 409)
    notes.check_unchanged(second, "a PATCH answered 409")


@pytest.mark.stage("update-delete")
def test_delete_answers_204_and_the_note_is_gone(api, notes):
    """DELETE answers 204 with an empty body; then GET and DELETE answer 404 problems."""
    note = _full(notes, "Deleted")
    other = notes.create(stage="create-read", title=notes.title("Not deleted"))
    resp = api.delete(f"/notes/{note['id']}")
    expect_status(resp, 204)
    expect(resp.content == b"", f"expected an empty body with 204, got {resp.text[:80]!r}")
    notes.check_problem(api.get(f"/notes/{note['id']}"), 404)
    notes.check_problem(api.delete(f"/notes/{note['id']}"), 404)
    expect_status(api.get(f"/notes/{other['id']}"), 200)
