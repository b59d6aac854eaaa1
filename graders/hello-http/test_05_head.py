"""Stage head: HEAD answers like GET (status, headers, the Content-Length GET's body has) and
sends no body; the Allow header of a 405 lists HEAD wherever GET is listed."""

import pytest

from learnpath.grading.checks import expect, expect_equal


def _check_head(wire, path: str, headers: dict[str, str] | None = None) -> None:
    """HEAD ``path`` against GET ``path`` (same request headers), each on its own connection."""
    get, _, _ = wire.exchange("GET", path, headers=headers)
    head_data = (
        f"HEAD {path} HTTP/1.1\r\nHost: {wire.host}:{wire.port}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        + "Connection: close\r\n\r\n"
    ).encode()
    head, _, extra = wire.exchange(
        "HEAD",
        path,
        headers=headers,
        repro=f"{wire.nc(head_data)}    # shows every byte; curl --head hides a stray body",
    )
    expect_equal(head.status, get.status, f"the status of HEAD {path} (GET {path} answers that)")
    expect(
        not extra,
        f"expected no body after the headers of the answer to HEAD {path}, got {len(extra)} "
        f"bytes: {extra[:60]!r}. HEAD asks for the headers only; a client reading the next "
        "answer on this connection would take these bytes for its start",
    )
    length = head.header("Content-Length")
    expect(
        length == str(len(get.body)),
        f"expected Content-Length: {len(get.body)} on HEAD {path}, the length of the body GET "
        f"{path} answers, got {length!r}",
    )
    expect_equal(
        head.header("Content-Type"), get.header("Content-Type"), f"Content-Type of HEAD {path}"
    )


@pytest.mark.stage("head")
def test_head_health_has_the_headers_of_get_and_no_body(wire):
    """HEAD /health: GET's status, Content-Type and Content-Length, and no body bytes."""
    _check_head(wire, "/health")


@pytest.mark.stage("head")
def test_head_follows_what_get_would_answer(wire, uid):
    """HEAD /echo?... and HEAD /hello (text) have the Content-Length of that very GET."""
    _check_head(wire, f"/echo?run={uid}&word=caf%C3%A9")
    _check_head(wire, "/hello", {"Accept": "text/plain"})
    _check_head(wire, "/hello", {"Accept": "application/json"})


@pytest.mark.stage("head")
def test_head_of_an_unknown_path_is_404_without_body(wire, uid):
    """HEAD of a path the server does not have answers 404, also without a body."""
    resp, _, extra = wire.exchange("HEAD", f"/nothing-here-{uid}")
    expect_equal(resp.status, 404, f"the status of HEAD /nothing-here-{uid}")
    expect(not extra, f"expected no body after a HEAD answer, got {extra[:60]!r}")


@pytest.mark.stage("head")
def test_allow_lists_head_next_to_get(routes):
    """The 405 of /health and of /hello lists HEAD with GET, and HEAD works there."""
    routes.expect_allow_is_true(routes.expect_405("DELETE", "/health", lists=("GET", "HEAD")))
    routes.expect_allow_is_true(routes.expect_405("PUT", "/hello", lists=("GET", "HEAD")))
