"""The staff's admin, one module per area; importing them registers their screens."""

from wizard.admin import dashboard, effects, logins, payments, plans, postings, tasks  # noqa: F401
