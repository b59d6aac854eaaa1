"""Stage list-articles: GET /api/articles with filters and pagination."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_json, expect_status


@pytest.fixture(scope="module")
def shelf(blog, alice, uid):
    """Three articles by alice sharing a tag of this run, oldest first."""
    tag = f"list_{uid}"
    return tag, [
        blog.create_article(alice, title=blog.title("Pagination"), tags=[tag]) for _ in range(3)
    ]


def _list(api, blog, query="", token=None, what="the list"):
    resp = api.get(f"/api/articles{query}", token=token)
    expect_status(resp, 200)
    body = expect_json(resp)
    return blog.check_list(body, what=what), body["articlesCount"]


def _slugs(articles):
    return [a["slug"] for a in articles]


@pytest.mark.stage("list-articles")
@pytest.mark.parametrize("auth", [False, True], ids=["anonymous", "authenticated"])
def test_list_all_articles(api, blog, alice, shelf, auth):
    articles, count = _list(api, blog, token=alice.token if auth else None)
    expect(count >= 3, f"expected articlesCount >= 3 after creating 3 articles, got {count}")
    expect(
        1 <= len(articles) <= 20,
        f"expected between 1 and 20 articles (the default limit is 20), got {len(articles)}",
    )
    newest = shelf[1][-1]["slug"]
    expect(
        newest in _slugs(articles),
        f"expected the newest article {newest!r} on the first page (newest first), "
        f"got {_slugs(articles)[:5]}...",
    )


@pytest.mark.stage("list-articles")
@pytest.mark.parametrize("auth", [False, True], ids=["anonymous", "authenticated"])
def test_filter_by_author(api, blog, alice, shelf, auth):
    token = alice.token if auth else None
    articles, count = _list(api, blog, f"?author={alice.username}&limit=3", token=token)
    expect(count >= 3, f"expected articlesCount >= 3 for ?author={alice.username}, got {count}")
    authors = {a["author"]["username"] for a in articles}
    expect_equal(authors, {alice.username}, f"the authors listed for ?author={alice.username}")
    expected = _slugs(reversed(shelf[1]))
    expect_equal(_slugs(articles), expected, "the slugs of alice's 3 newest articles, newest first")


@pytest.mark.stage("list-articles")
def test_filter_by_tag(api, blog, shelf):
    tag, made = shelf
    articles, count = _list(api, blog, f"?tag={tag}")
    expect_equal(count, 3, f"articlesCount for ?tag={tag}")
    expect_equal(
        _slugs(articles), _slugs(reversed(made)), f"the slugs for ?tag={tag}, newest first"
    )
    for article in articles:
        expect(tag in article["tagList"], f"expected {tag!r} in the tagList of {article['slug']!r}")


@pytest.mark.stage("list-articles")
def test_filter_by_tag_and_author(api, blog, alice, bob, shelf):
    tag = shelf[0]
    _, count = _list(api, blog, f"?tag={tag}&author={alice.username}")
    expect_equal(count, 3, "articlesCount with both ?tag and ?author (alice wrote them)")
    articles, count = _list(api, blog, f"?tag={tag}&author={bob.username}")
    expect_equal((count, articles), (0, []), "articlesCount and articles: bob wrote none of them")


@pytest.mark.stage("list-articles")
def test_unknown_filters_give_an_empty_list(api, blog, uid):
    for query in (f"?author=unknown-user-{uid}", f"?tag=unknown-tag-{uid}"):
        articles, count = _list(api, blog, query)
        expect_equal((count, articles), (0, []), f"articlesCount and articles for {query}")


@pytest.mark.stage("list-articles")
def test_pagination_counts_all_matches(api, blog, shelf):
    tag, made = shelf
    newest_first = _slugs(reversed(made))
    for offset in range(3):
        articles, count = _list(api, blog, f"?tag={tag}&limit=1&offset={offset}")
        expect_equal(
            count, 3, f"articlesCount with limit=1&offset={offset} (the total, not the page)"
        )
        expect_equal(
            _slugs(articles), newest_first[offset : offset + 1], f"the page limit=1&offset={offset}"
        )
    articles, count = _list(api, blog, f"?tag={tag}&limit=2&offset=2")
    expect_equal((count, len(articles)), (3, 1), "articlesCount and page size for limit=2&offset=2")
    articles, count = _list(api, blog, f"?tag={tag}&offset=5")
    expect_equal((count, articles), (3, []), "articlesCount and articles past the end (offset=5)")
