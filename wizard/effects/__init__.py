"""Outbound side effects that subscribe to the posting's lifecycle events: the employer's
emails and search-engine notices. Each is a job kind (wizard.jobs), registered here and
run by the one job runner.
"""
