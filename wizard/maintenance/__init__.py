"""Periodic work: the jobs the scheduler runs (reconciliation, recovery, sweepers,
expiry) and the sweepers that clean up what employers leave behind.
"""
