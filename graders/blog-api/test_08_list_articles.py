"""Stage list-articles: GET /api/articles with filters, pagination and its order.

Two writers of this stage alone: ``lister`` and ``lister_<uid>_<uid>`` (whose name starts with
the first one's, so a prefix match on ``?author=`` shows). The order of creation differs from
every other order a server might use: titles sort Alpha, Bravo, Charlie but were written Bravo,
Charlie, Alpha, and Bravo is edited last (its updatedAt is the newest).
"""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_json, expect_status


@pytest.fixture(scope="module")
def shelf(api, blog, uid):
    """The writers, their tags and articles; ``made`` is in the required order (newest first)."""
    lister = blog.register("lister")
    # Registered under the role "lister_<uid>", so the username is lister_<uid>_<uid>.
    longer = blog.register(f"lister_{uid}")
    tag, other_tag = f"list_{uid}", f"other_{uid}"
    bravo = blog.create_article(lister, title=blog.title("Bravo"), tags=[tag])
    charlie = blog.create_article(lister, title=blog.title("Charlie"), tags=[tag])
    alpha = blog.create_article(lister, title=blog.title("Alpha"), tags=[tag])
    decoy = blog.create_article(longer, title=blog.title("Delta"), tags=[other_tag])
    blog.update_article(lister, bravo["slug"], body="Edited after the others were written")
    return {
        "lister": lister,
        "longer": longer,
        "tag": tag,
        "other_tag": other_tag,
        "made": [alpha, charlie, bravo],
        "decoy": decoy,
    }


def _list(api, blog, query="", token=None, what="the list"):
    resp = api.get(f"/api/articles{query}", token=token)
    expect_status(resp, 200)
    body = expect_json(resp)
    return blog.check_list(body, what=what), body["articlesCount"]


def _titles(articles):
    return [a["title"] for a in articles]


NEWEST_FIRST = "newest created first: Alpha, Charlie, Bravo (Bravo was created first, edited last)"


@pytest.mark.stage("list-articles")
@pytest.mark.parametrize("auth", [False, True], ids=["anonymous", "authenticated"])
def test_list_all_articles(api, blog, shelf, auth):
    token = shelf["lister"].token if auth else None
    articles, count = _list(api, blog, token=token)
    expect(count >= 4, f"expected articlesCount >= 4 after creating 4 articles, got {count}")
    expect(
        1 <= len(articles) <= 20,
        f"expected between 1 and 20 articles (the default limit is 20), got {len(articles)}",
    )
    expect_equal(
        _titles(articles[:1]), [shelf["decoy"]["title"]], "the first title (the newest article)"
    )


@pytest.mark.stage("list-articles")
@pytest.mark.parametrize("auth", [False, True], ids=["anonymous", "authenticated"])
def test_filter_by_author(api, blog, shelf, auth):
    token = shelf["lister"].token if auth else None
    name, longer = shelf["lister"].username, shelf["longer"].username
    articles, count = _list(api, blog, f"?author={name}", token=token)
    expect_equal(
        (count, _titles(articles)),
        (3, _titles(shelf["made"])),
        f"articlesCount and titles for ?author={name} ({NEWEST_FIRST}; not the articles of "
        f"{longer}, whose name only starts with {name})",
    )
    articles, count = _list(api, blog, f"?author={longer}", token=token)
    expect_equal(
        (count, _titles(articles)),
        (1, [shelf["decoy"]["title"]]),
        f"articlesCount and titles for ?author={longer}",
    )


@pytest.mark.stage("list-articles")
def test_filter_by_tag(api, blog, shelf):
    tag = shelf["tag"]
    articles, count = _list(api, blog, f"?tag={tag}")
    expect_equal(
        (count, _titles(articles)),
        (3, _titles(shelf["made"])),
        f"articlesCount and titles for ?tag={tag} ({NEWEST_FIRST})",
    )
    for article in articles:
        expect(tag in article["tagList"], f"expected {tag!r} in the tagList of {article['slug']!r}")
    other = shelf["other_tag"]
    articles, count = _list(api, blog, f"?tag={other}")
    expect_equal(
        (count, _titles(articles)),
        (1, [shelf["decoy"]["title"]]),
        f"articlesCount and titles for ?tag={other} (another writer's tag)",
    )


@pytest.mark.stage("list-articles")
def test_filter_by_tag_and_author(api, blog, shelf):
    tag, name, longer = shelf["tag"], shelf["lister"].username, shelf["longer"].username
    _, count = _list(api, blog, f"?tag={tag}&author={name}")
    expect_equal(count, 3, f"articlesCount for ?tag={tag}&author={name} ({name} wrote them)")
    articles, count = _list(api, blog, f"?tag={tag}&author={longer}")
    expect_equal(
        (count, articles), (0, []), f"articlesCount and articles: {longer} wrote none of them"
    )


@pytest.mark.stage("list-articles")
def test_filters_matching_nothing_give_an_empty_list(api, blog, carol, uid):
    for query in (
        f"?author=unknown-user-{uid}",
        f"?author={carol.username}",
        f"?tag=unknown-tag-{uid}",
    ):
        articles, count = _list(api, blog, query)
        expect_equal((count, articles), (0, []), f"articlesCount and articles for {query}")


@pytest.mark.stage("list-articles")
def test_pagination_counts_all_matches(api, blog, shelf):
    tag, newest_first = shelf["tag"], _titles(shelf["made"])
    for offset in range(3):
        articles, count = _list(api, blog, f"?tag={tag}&limit=1&offset={offset}")
        expect_equal(
            count, 3, f"articlesCount with limit=1&offset={offset} (the total, not the page)"
        )
        expect_equal(
            _titles(articles),
            newest_first[offset : offset + 1],
            f"the page limit=1&offset={offset} ({NEWEST_FIRST})",
        )
    articles, count = _list(api, blog, f"?tag={tag}&limit=2&offset=2")
    expect_equal(
        (count, _titles(articles)), (3, newest_first[2:]), "articlesCount and page limit=2&offset=2"
    )
    articles, count = _list(api, blog, f"?tag={tag}&offset=5")
    expect_equal((count, articles), (3, []), "articlesCount and articles past the end (offset=5)")
    articles, count = _list(api, blog, f"?author={shelf['lister'].username}&limit=2")
    expect_equal(
        (count, _titles(articles)), (3, newest_first[:2]), "articlesCount and page for limit=2"
    )
