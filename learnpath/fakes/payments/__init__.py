"""A fake payment provider modelled on Stripe's PaymentIntents API.

Run it with ``python -m learnpath.fakes.payments``; graders steer it with
:class:`learnpath.fakes.payments.control.Control`. The learner-facing documentation is
``exercises/ecommerce-api/PAYMENTS.md``.
"""
