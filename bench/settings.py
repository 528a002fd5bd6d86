"""The production settings with one addition: the benchmark's bare view (bench.urls).

Only `make bench` uses this module (DJANGO_SETTINGS_MODULE=bench.settings); production
runs config.settings, whose URLs have no bare view.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
