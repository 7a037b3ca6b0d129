"""Health of the parts Daraport needs: database, cache and broker."""

import uuid

from celery import current_app
from django.core.cache import cache
from django.db import connection


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    cache.delete(key)


def check_broker() -> None:
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def health_report() -> tuple[bool, dict[str, str]]:
    report = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:
            report[name] = f"down: {type(exc).__name__}"
        else:
            report[name] = "ok"
    return all(state == "ok" for state in report.values()), report
