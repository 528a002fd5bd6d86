"""fakestripe: a small local emulator of the parts of the Stripe API this project uses.

Standard library only; run it with ``python -m fakestripe --help``.
"""
