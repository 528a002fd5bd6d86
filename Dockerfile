# One image for every process type of the Procfile; the command picks the role (compose.yaml).
# Not built on our development machines or in CI (no container registry there): the same
# processes are tested without containers (tests/integration/test_process_shape.py).
FROM python:3.13-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/opt/venv/bin:$PATH

# The same uv as the Makefile, and the locked dependencies (without the test tools).
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-cache

COPY . .
# Static files belong to the image: every web process serves its own copy (WhiteNoise),
# with the manifest DEBUG=false needs. The variables only let the settings load here.
RUN DEBUG=false SECRET_KEY=collectstatic-only ANYMAIL_WEBHOOK_SECRET=build:only \
    STRIPE_WEBHOOK_SECRET=whsec_collectstatic_only \
    python manage.py collectstatic --no-input

RUN useradd --system --uid 10001 jobwizard && mkdir -p var/mail && chown -R jobwizard var
USER jobwizard
EXPOSE 8000
# The Procfile's web; compose.yaml runs its other lines the same way.
CMD ["bin/python", "-m", "gunicorn", "config.wsgi", "-c", "gunicorn.conf.py"]
