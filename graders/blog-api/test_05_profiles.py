"""Stage profiles: GET /api/profiles/:username, follow and unfollow."""

import pytest

from learnpath.grading.checks import expect_equal, expect_field, expect_json, expect_status


def _profile(blog, resp, username, what):
    expect_status(resp, 200)
    body = expect_json(resp)
    profile = blog.check_profile(expect_field(body, "profile", dict), what=what)
    expect_equal(profile.get("username"), username, f"{what}.username")
    expect_equal(profile.get("bio"), None, f"{what}.bio of a user without a bio")
    expect_equal(profile.get("image"), None, f"{what}.image of a user without an image")
    return profile


@pytest.mark.stage("profiles")
def test_get_profile_without_auth(api, blog, bob):
    profile = _profile(blog, api.get(f"/api/profiles/{bob.username}"), bob.username, "profile")
    expect_equal(profile["following"], False, "profile.following for an anonymous reader")


@pytest.mark.stage("profiles")
def test_get_profile_with_auth(api, blog, alice, bob):
    resp = api.get(f"/api/profiles/{bob.username}", token=alice.token)
    profile = _profile(blog, resp, bob.username, "profile")
    expect_equal(profile["following"], False, "profile.following before following")


@pytest.mark.stage("profiles")
def test_follow_and_unfollow(api, blog, alice, bob):
    path = f"/api/profiles/{bob.username}"
    profile = _profile(blog, api.post(f"{path}/follow", token=alice.token), bob.username, "profile")
    expect_equal(profile["following"], True, "profile.following in the follow answer")
    profile = _profile(blog, api.get(path, token=alice.token), bob.username, "profile")
    expect_equal(profile["following"], True, "profile.following in a later GET (was it saved?)")
    profile = _profile(blog, api.get(path), bob.username, "profile")
    expect_equal(profile["following"], False, "profile.following for an anonymous reader")
    profile = _profile(
        blog, api.get(f"/api/profiles/{alice.username}", token=bob.token), alice.username, "profile"
    )
    expect_equal(profile["following"], False, "following is one-way: bob does not follow alice")

    resp = api.delete(f"{path}/follow", token=alice.token)
    profile = _profile(blog, resp, bob.username, "profile")
    expect_equal(profile["following"], False, "profile.following in the unfollow answer")
    profile = _profile(blog, api.get(path, token=alice.token), bob.username, "profile")
    expect_equal(profile["following"], False, "profile.following in a later GET after unfollow")


@pytest.mark.stage("profiles")
def test_following_is_per_reader(api, blog, alice, carol):
    star = blog.register("star")
    blog.follow(alice, star.username)
    path = f"/api/profiles/{star.username}"
    seen = {
        who: _profile(blog, api.get(path, token=token), star.username, f"profile as {who}")[
            "following"
        ]
        for who, token in (
            ("alice (follows)", alice.token),
            ("carol (signed in, does not follow)", carol.token),
            ("an anonymous reader", None),
        )
    }
    expect_equal(
        seen,
        {
            "alice (follows)": True,
            "carol (signed in, does not follow)": False,
            "an anonymous reader": False,
        },
        f"profile.following of {star.username} (followed by alice only) as each reader sees it",
    )


@pytest.mark.stage("profiles")
def test_unknown_profile_is_404(api, blog, uid):
    resp = api.get(f"/api/profiles/unknown-user-{uid}")
    blog.check_error(resp, 404, "profile", "not found", "GET of an unknown profile")


@pytest.mark.stage("profiles")
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_follow_without_token_is_401(api, blog, uid, method):
    path = f"/api/profiles/unknown-user-{uid}/follow"
    resp = api.post(path) if method == "POST" else api.delete(path)
    blog.check_error(resp, 401, "token", "is missing", f"{method} {path} without a token")


@pytest.mark.stage("profiles")
@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_follow_unknown_user_is_404(api, blog, alice, uid, method):
    path = f"/api/profiles/unknown-user-{uid}/follow"
    resp = (
        api.post(path, token=alice.token)
        if method == "POST"
        else api.delete(path, token=alice.token)
    )
    blog.check_error(resp, 404, "profile", "not found", f"{method} {path}")
