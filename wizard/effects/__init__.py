"""Durable outbound side effects: one record per effect (email, search indexing,
refund retry, …), one runner that sends, retries with backoff, recovers after a crash
and alerts staff. Each kind is one small module registered with the runner.
"""
