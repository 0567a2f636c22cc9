"""Where a chunk grew: the spans of steps its index records with the machine that grew them."""

from hypothesis import given
from hypothesis import strategies as st

from emergence.results import FolderIndex, write_json
from emergence.results.index import chunk_index_path, grown_on, spans_after
from emergence.results.provenance import machine

HERE, THERE = {"cpu vectors": "avx2"}, {"cpu vectors": "avx512f"}


def test_growing_on_one_machine_extends_one_span():
    spans = spans_after([], 0, 10, HERE)
    spans = spans_after(spans, 0, 20, HERE)  # the same process, its next checkpoint
    assert spans_after(spans, 20, 30, HERE) == [{"from": 0, "to": 30, "machine": HERE}]  # resumed here


def test_a_resume_elsewhere_adds_a_span_and_a_regrow_cuts_what_it_replaces():
    spans = spans_after([{"from": 0, "to": 30, "machine": HERE}], 20, 40, THERE)
    assert spans == [{"from": 0, "to": 20, "machine": HERE}, {"from": 20, "to": 40, "machine": THERE}]
    assert spans_after(spans, 10, 20, HERE) == [{"from": 0, "to": 20, "machine": HERE}]


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(1, 50), st.booleans()), min_size=1, max_size=20))
def test_spans_tile_what_has_grown(growths):
    """Whatever the resumes (each from at most where the chunk had grown), the spans cover 0 to the last
    stop without gap or overlap, and neighbours grew on different machines."""
    spans, grown = [], 0
    for start, length, here in growths:
        start = min(start, grown)
        grown = start + length
        spans = spans_after(spans, start, grown, HERE if here else THERE)
    assert spans[0]["from"] == 0 and spans[-1]["to"] == grown
    assert all(a["to"] == b["from"] and a["machine"] != b["machine"] for a, b in zip(spans, spans[1:]))
    assert all(s["from"] < s["to"] for s in spans)


def test_a_garbled_record_counts_as_unrecorded_and_keeps_the_parts(tmp_path):
    write_json(chunk_index_path(tmp_path, 0), {"parts": {"steps/run-0000-part-00000.parquet": "ab"}, "grown_on": 3})
    assert FolderIndex.load(tmp_path).parts == {"steps/run-0000-part-00000.parquet": "ab"}
    assert grown_on(tmp_path) == {0: []}


def test_a_numba_cpu_named_by_the_environment_is_recorded(monkeypatch):
    """NUMBA_CPU_NAME changes what the kernels are compiled for: the record says so."""
    monkeypatch.setenv("NUMBA_CPU_NAME", "generic")
    assert machine("cpu")["cpu vectors"] == "generic (NUMBA_CPU_NAME)"
