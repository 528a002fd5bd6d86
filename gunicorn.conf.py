"""gunicorn's settings (`gunicorn config.wsgi`, run from the repository root, reads this file).

timeout is WEB_TIMEOUT_SECONDS, the same variable config/settings.py reads: the settings
refuse to load when STRIPE_DEADLINE_SECONDS is not below it, so a Stripe outage answers
the employer with the "provider unavailable" page instead of getting the worker killed.

Logs follow LOG_FORMAT as the app's do (wizard.ops.logs): with JSON logs gunicorn's own
lines are JSON objects too, and its access log gives way to the app's request lines
(LOG_REQUESTS), which name the posting and the request id.
"""

import os

from wizard.ops import logs

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# A worker silent for this long is killed (the request gets a bare 500 from the proxy).
timeout = int(float(os.environ.get("WEB_TIMEOUT_SECONDS", "30")))
# On restart or shutdown, requests in flight get this long to finish.
graceful_timeout = int(float(os.environ.get("WEB_GRACEFUL_TIMEOUT_SECONDS", str(timeout))))
keepalive = 5
errorlog = "-"
# gunicornc's control socket is not used; several gunicorns on one host would share its path.
control_socket_disable = True

_json_logs = logs.json_wanted(os.environ)
_app_logs_requests = os.environ.get("LOG_REQUESTS", str(_json_logs)).strip().lower() in {
    "1",
    "true",
    "yes",
    "on",
}
accesslog = None if _app_logs_requests else "-"
if _json_logs:
    logconfig_dict = logs.gunicorn_logconfig(access_log=accesslog is not None)
