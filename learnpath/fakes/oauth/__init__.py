"""A fake OAuth 2.0 / OpenID Connect provider: the authorization code flow with PKCE.

Run it with ``python -m learnpath.fakes.oauth``; graders steer it with
:class:`learnpath.fakes.oauth.control.Control`. It signs ID tokens with RS256 and a fresh RSA
key per process, published at its JWKS URI. The learner-facing documentation is
``exercises/oauth-sessions/OAUTH.md``.
"""
