"""Each benchmark script starts and finishes on a tiny input (`python -m bench NAME --tiny`).

Benchmarks are not tests: these only check that the scripts still run end to
end and write their figures; the figures of a tiny run mean nothing. The ones
that start the production stack (PostgreSQL, Redis, gunicorn, celery) are in
the end-to-end tier.
"""

import json
import subprocess
import sys

import pytest

from bench import common

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (common.LFW / "known").is_dir(), reason=f"lfw-dev not found at {common.LFW}"),
]


def run_bench(name, tmp_path, timeout=300):
    results = tmp_path / "results"
    # -u: on a timeout, the output so far says where the script was
    done = subprocess.run(
        [sys.executable, "-u", "-m", "bench", name, "--tiny", "--results", str(results)],
        cwd=common.ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout, json.loads((results / f"{name}.json").read_text())


def test_search_benchmark_runs_and_both_ways_find_the_same_person(tmp_path):
    out, figures = run_bench("search", tmp_path)
    assert "1:N search" in out
    [size] = figures["sizes"]
    assert size["same_answers"] is True and size["portal"]["median_ms"] > 0


def test_enroll_benchmark_imports_the_photos_before_and_after_the_onnx_encoder(tmp_path):
    out, figures = run_bench("enroll", tmp_path)
    assert "enrollment" in out
    # both imports enroll the same photos: the same checks, whichever encoder
    assert figures["now"]["summary"] == figures["before"]["summary"]
    assert figures["now"]["summary"].startswith(f"{figures['photos']} photo(s) enrolled")
    assert all(rate > 0 for rate in figures["engine_photos_per_second"].values())


def test_encoder_benchmark_times_both_encoders_and_finds_them_equal(tmp_path):
    out, figures = run_bench("encoder", tmp_path)
    assert "ms per face, batch 8" in out
    assert figures["largest_difference"] < 1e-4
    assert all(ms > 0 for ms in figures["ms_per_face"].values())


@pytest.mark.e2e
def test_capture_benchmark_records_an_event_for_every_probe(tmp_path):
    out, figures = run_bench("capture", tmp_path)
    assert "capture latency" in out
    for kind in ("production", "embedded"):
        assert figures[kind]["events_created"] == figures["captures"], figures[kind]
    assert figures["production"]["gallery_loads_in_worker"] == 1


@pytest.mark.e2e
def test_throughput_benchmark_runs_with_one_and_two_worker_processes(tmp_path):
    out, figures = run_bench("throughput", tmp_path)
    assert [r["worker_processes"] for r in figures["runs"]] == [1, 2]
    assert all(r["captures_per_second"] > 0 and r["plain_frames_per_second"] > 0 for r in figures["runs"])


@pytest.mark.e2e
def test_memory_benchmark_measures_a_real_worker(tmp_path):
    out, figures = run_bench("memory", tmp_path)
    assert figures["gallery_loads"] == 1
    assert figures["loaded"]["pool_mb"][0] > 50


@pytest.mark.e2e
def test_load_benchmark_keeps_healthz_answering_while_kiosks_post(tmp_path):
    out, figures = run_bench("load", tmp_path)
    assert "load:" in out and figures["errors"] == 0
    assert figures["attempts_finished"] > 0 and figures["healthz_latency"]["n"] > 0


def test_video_benchmark_tracks_the_two_people_of_its_clip(tmp_path):
    out, figures = run_bench("video", tmp_path)
    assert "ms per analysed frame" in out
    assert all(size["frames"] >= 2 and size["faces"] >= 2 for size in figures["sizes"].values())


@pytest.mark.e2e  # real RTSP streams (GStreamer's server, `make rtsp-server`) read by a runner in a child process
def test_cameras_benchmark_reads_a_real_stream_and_times_the_events(tmp_path):
    out, figures = run_bench("cameras", tmp_path)
    assert "one runner on one core" in out
    [run] = figures["runs"]
    assert run["streams"] == 1 and run["slowest_analysed_per_second"] > 0
    assert run["events"] >= 1 and run["latency_median_s"] > 0


def test_gallery_benchmark_finds_the_short_list_and_the_exact_scan_identical(tmp_path):
    out, figures = run_bench("gallery", tmp_path)
    assert "short list vs exact scan" in out
    [size] = figures["sizes"]
    assert size["identical_matches"] == size["probes"] and size["apply_one_person"]["median_ms"] > 0


def test_models_benchmark_times_every_encoder_and_detector(tmp_path):
    out, figures = run_bench("models", tmp_path)
    assert "encoders: CPU ms per face" in out
    assert all(ms > 0 for ms in figures["encoders"]["ms_per_face"].values())
    assert set(figures["detectors"]) == {"hog", "hog_upsampled", "yunet"}
    assert figures["detectors"]["yunet"]["found"]["200"] == 1.0  # a face 200 px wide is found
    assert all(ms > 0 for ms in figures["whole_face_ms_per_kiosk_frame"].values())


def test_fusion_benchmark_reports_every_weight_of_the_two_encoders(tmp_path):
    out, figures = run_bench("fusion", tmp_path)
    assert "fusion:" in out
    assert set(figures["weights"]) == {"0.0", "0.25", "0.5", "0.65", "0.8", "1.0"}
    assert figures["photos_with_both_faces"] > 0
