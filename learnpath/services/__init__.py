"""Services a grading run starts next to the learner's server: a throwaway PostgreSQL, the
payment provider fake, and (later) more of the same kind.

This module is only the catalogue (names and their options), light enough for exercise
validation to import; :mod:`learnpath.services.registry` starts them.
"""

from __future__ import annotations

# name -> the options an exercise may set in ``service_options`` and their defaults.
CATALOG: dict[str, dict[str, str]] = {
    "postgres": {},
    # The learner's server receives the provider's webhooks at its base URL + webhook_path.
    "payments": {"webhook_path": "/webhooks/payments"},
    # The OpenID provider sends browsers back to the learner's server at its base URL +
    # callback_path (the client's one registered redirect URI).
    "oauth": {"callback_path": "/auth/callback"},
}
