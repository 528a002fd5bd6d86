"""The one job engine: every outbound side effect and every inbound event to process is a
Job record run by one runner (claim, attempt, retry with backoff, permanent failure,
recovery after a killed worker). The engine knows no kind of job: each package registers
the kinds whose work it owns (wizard.jobs.kinds)."""
