"""fakeproviders: one local emulator for the third parties other than Stripe.

Path-routed on one port: bot-check siteverify (Turnstile, hCaptcha, reCAPTCHA), Twilio
Verify v2, the Google Indexing API with its OAuth token endpoint, and IndexNow, plus
control endpoints under ``/_fakeproviders/``. Standard library only; development and
tests only, never imported by config/ or wizard/. Run it with
``python -m fakeproviders --help``.
"""
