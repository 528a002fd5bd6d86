"""The one job engine: every outbound side effect and every inbound event to process is a
Job record run by one runner (claim, attempt, retry with backoff, a provider's Retry-After
and a kind's budget, permanent failure, recovery after a killed worker). The engine knows
no kind of job and imports only wizard.postings: each package registers the kinds whose
work it owns (wizard.jobs.kinds) and the repairs recovery should run (wizard.jobs.recovery).
"""
