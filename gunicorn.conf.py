"""gunicorn's settings (`gunicorn config.wsgi`, run from the repository root, reads this file).

timeout is WEB_TIMEOUT_SECONDS, the same variable config/settings.py reads: the settings
refuse to load when STRIPE_DEADLINE_SECONDS is not below it, so a Stripe outage answers
the employer with the "provider unavailable" page instead of getting the worker killed.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# A worker silent for this long is killed (the request gets a bare 500 from the proxy).
timeout = int(float(os.environ.get("WEB_TIMEOUT_SECONDS", "30")))
# On restart or shutdown, requests in flight get this long to finish.
graceful_timeout = int(float(os.environ.get("WEB_GRACEFUL_TIMEOUT_SECONDS", str(timeout))))
keepalive = 5
accesslog = "-"
errorlog = "-"
