"""Matching over the directory's 1,000 specialists (built by bench.directory).

Times the whole shortlist (load the visible candidates, then rank them) for
an anonymous-roster patient with a typical set of answers, and the ranking
alone, in milliseconds.
"""

import gc
import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from discovery.matching import Criteria, load_candidates, rank, shortlist_for_patient, tag_names
from discovery.selectors import specialist_list_visible
from tests.accounts.factories import UserFactory

CRITERIA = Criteria(
    topics=frozenset({"anxiety", "sleep"}),
    languages=frozenset({"en", "de"}),
    specialist_gender="woman",
    modalities=frozenset({"video"}),
    approaches=frozenset({"cbt"}),
    budget_minor=12000,
    currency="EUR",
)


def _p50_p95(timings: list[float]) -> tuple[float, float]:
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def run(rounds: int = 200) -> None:
    patient = UserFactory()
    gc.freeze()  # as the web servers do after start-up (daraport/wsgi.py)
    shortlist_for_patient(user=patient, criteria=CRITERIA)  # warm up
    whole, ranking = [], []
    candidates = load_candidates(specialist_list_visible(viewer=patient), currency="EUR")
    names = tag_names()
    for _ in range(rounds):
        start = time.perf_counter()
        shortlist_for_patient(user=patient, criteria=CRITERIA)
        whole.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        rank(candidates, CRITERIA, names=names)
        ranking.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        matches = shortlist_for_patient(user=patient, criteria=CRITERIA).matches
    print()
    print(f"matching: {len(candidates)} visible candidates; {connection.vendor}, {rounds} rounds")
    print(f"{'step':32} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    print(f"{'load + rank (shortlist)':32} {_p50_p95(whole)[0]:8.2f} {_p50_p95(whole)[1]:8.2f} {len(queries):8d}")
    print(f"{'rank only':32} {_p50_p95(ranking)[0]:8.2f} {_p50_p95(ranking)[1]:8.2f} {0:8d}")
    print(f"top match: {matches[0].candidate.name if matches else '—'} · {matches[0].reason_text if matches else ''}")
