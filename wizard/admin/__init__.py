"""The staff's admin, one module per area; importing them registers their screens."""

from wizard.admin import effects, logins, payments, postings  # noqa: F401
