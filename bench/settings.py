"""Settings for bench/run.py's server: Jixiao's own settings plus the bare baseline view (bench/urls.py)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
