"""HTTP clients of the third parties other than Stripe and the email provider.

Bot-check siteverify (siteverify), Twilio Verify (twilio_verify), the Google Indexing API
(google_indexing), IndexNow (indexnow), and the VAT registries, VIES (vies) and HMRC
(hmrc_vat), asked through vat_registry: each speaks the provider's real protocol, and in
development and tests reaches the local emulator (fakeproviders) through its settings.
Every failure is one of two exceptions (errors): ProviderUnavailable, worth retrying, or
ProviderRefused, permanent (the VAT registries answer with one result type instead,
vat_numbers' Valid, Invalid or Unavailable); each carries the answer's headers (the job
runner waits out a 429's Retry-After). Nothing here touches the database; callers (the
flow's steps, the job kinds) decide what a failure means for a posting.
"""
