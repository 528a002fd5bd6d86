"""Everything that talks to Stripe lives in this package."""
