"""Settings of the worker processes the fault tests start: the console's own settings,
pointed at the test run's SQLite file and broker folder when the run uses them (a test run's
database and broker are given to the process through the environment)."""

import os

from console.settings import *  # noqa: F403
from console.settings import DATABASES

if _sqlite := os.environ.get("CONSOLE_TEST_SQLITE"):
    DATABASES["default"]["NAME"] = _sqlite
if _broker := os.environ.get("CONSOLE_TEST_BROKER_DIR"):
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": f"{_broker}/queue",
        "data_folder_out": f"{_broker}/queue",
        "control_folder": f"{_broker}/control",
        "store_processed": False,
    }
