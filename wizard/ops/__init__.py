"""What operators need to run Jobwizard on many machines: log lines that carry the posting
they concern (logs), the health endpoint's checks (health), the metrics a team alerts on
(metrics), the scheduler's heartbeat (heartbeat), and the deployment checks that catch a
process keeping state on its own disk (checks).

logs.py imports nothing from Django: gunicorn's master process loads it too.
"""
