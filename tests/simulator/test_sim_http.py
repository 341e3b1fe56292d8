"""The simulator's HTTP behaviour: encodings and charset lies, faults, test hooks, the CLI."""

from __future__ import annotations

import http.client
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from simulator import SimConfig, SimServer
from simulator.faults import parse_faults
from tests.support.sim import article_fields, get, page_tree


def _first_live(srv: SimServer) -> dict:
    return next(a for a in srv.truth(full=True)["articles"] if a["status"] == "live")


def test_gbk_pages_are_gbk_bytes_with_matching_meta(sim_factory):
    srv = sim_factory(articles=30, seed=1, encoding="gbk")
    art = _first_live(srv)
    resp = get(art["url"])
    assert resp.headers["Content-Type"] == "text/html; charset=gbk"
    with pytest.raises(UnicodeDecodeError):
        resp.content.decode("utf-8")
    text = resp.content.decode("gbk")
    assert re.search(r'<meta[^>]*charset="?gbk"', text[:400])
    fields = article_fields(page_tree(resp, "gbk"))
    assert fields["title"] == art["title"] and "\n\n".join(fields["paragraphs"]) == art["body_text"]
    listing = get(srv.url + "/nczhghcms/category/3?pageNum=1")
    assert "工会新闻" in listing.content.decode("gbk")
    api = get(srv.url + "/nczhgh.interface/api/cms/article/getIdsList?categoryId=3")
    assert api.headers["Content-Type"].lower().endswith("charset=utf-8") and api.json()["code"] == "200"


@pytest.mark.parametrize(
    ("kwargs", "content_type", "meta"),
    [
        ({"charset_header": False}, "text/html", "utf-8"),
        ({"meta_charset": False}, "text/html; charset=utf-8", None),
        ({"lie": "header"}, "text/html; charset=gbk", "utf-8"),
        ({"lie": "meta"}, "text/html; charset=utf-8", "gbk"),
        ({"lie": "header", "encoding": "gbk"}, "text/html; charset=utf-8", "gbk"),
        ({"charset_header": False, "meta_charset": False, "encoding": "gbk"}, "text/html", None),
    ],
)
def test_charset_header_and_meta_options(sim_factory, kwargs, content_type, meta):
    srv = sim_factory(articles=20, seed=1, **kwargs)
    art = _first_live(srv)
    resp = get(art["url"])
    assert resp.headers["Content-Type"] == content_type
    head = resp.content[:600].decode("ascii", errors="replace")
    if meta is None:
        assert "charset" not in head
    else:
        assert re.search(f'<meta[^>]*charset="?{meta}"', head)
    encoding = kwargs.get("encoding", "utf-8")
    assert art["title"] in resp.content.decode(encoding)


def test_fault_spec_is_validated():
    assert parse_faults("500=0.05, 429=0.02").rates == (("500", 0.05), ("429", 0.02))
    assert parse_faults(None).rates == ()
    for bad in ("500", "404=0.1", "500=x", "500=1.5", "500=0.7,503=0.7", "500=0.1,500=0.1"):
        with pytest.raises(ValueError):
            parse_faults(bad)
    with pytest.raises(ValueError, match="unknown kind"):
        SimConfig(faults="teapot=0.1")


@pytest.mark.parametrize("status", [500, 503, 429])
def test_status_faults(sim_factory, status):
    srv = sim_factory(articles=10, seed=1, faults=f"{status}=1.0", retry_after_seconds=2)
    art = srv.truth()["articles"][0]
    resp = get(art["url"])
    assert resp.status_code == status
    if status == 500:
        assert "Retry-After" not in resp.headers
    else:
        assert resp.headers["Retry-After"] == "2"
    # the /__sim__/ hooks never fail
    assert get(srv.url + "/__sim__/truth").status_code == 200
    assert srv.fault_log[0][1:] == (f"/nczhghcms/article/{art['id']}", str(status))


@pytest.mark.slow
def test_timeout_fault_stalls_past_the_client_timeout(sim_factory):
    srv = sim_factory(articles=10, seed=1, faults="timeout=1.0", fault_timeout_seconds=1.5)
    url = srv.truth()["articles"][0]["url"]
    start = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(url, timeout=(2, 0.3))
    assert time.monotonic() - start < 1.2
    slow_but_patient = requests.get(url, timeout=5)  # answers once the stall is over
    assert slow_but_patient.status_code == 200


def test_reset_fault_closes_without_a_response(sim_factory):
    srv = sim_factory(articles=10, seed=1, faults="reset=1.0")
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(srv.truth()["articles"][0]["url"], timeout=5)
    assert srv.request_log[-1][2] is None


def test_truncate_fault_sends_fewer_bytes_than_content_length(sim_factory):
    srv = sim_factory(articles=10, seed=1, faults="truncate=1.0")
    art = srv.truth()["articles"][0]
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    conn.request("GET", f"/nczhghcms/article/{art['id']}")
    resp = conn.getresponse()
    declared = int(resp.getheader("Content-Length"))
    with pytest.raises(http.client.IncompleteRead) as info:
        resp.read()
    assert len(info.value.partial) < declared
    conn.close()
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(art["url"], timeout=5)


def test_garbage_fault_is_a_200_of_random_bytes(sim_factory):
    srv = sim_factory(articles=10, seed=1, faults="garbage=1.0")
    resp = get(srv.truth()["articles"][0]["url"])
    assert resp.status_code == 200 and len(resp.content) >= 512
    assert b"<html" not in resp.content.lower()
    with pytest.raises(UnicodeDecodeError):
        resp.content.decode("utf-8")


@pytest.mark.slow
def test_faults_are_deterministic_by_seed_and_request_order(sim_factory):
    spec = "500=0.2,503=0.1,429=0.1,garbage=0.05"
    a = sim_factory(articles=30, seed=9, faults=spec)
    b = sim_factory(articles=30, seed=9, faults=spec)
    c = sim_factory(articles=30, seed=10, faults=spec)
    paths = [f"/article/{x['id']}" for x in a.truth()["articles"]] * 4
    statuses = {}
    for srv in (a, b, c):
        session = requests.Session()
        statuses[srv] = [session.get(srv.url + p, timeout=5).status_code for p in paths]
    assert statuses[a] == statuses[b] != statuses[c]
    assert [k for _, _, k in a.fault_log] == [k for _, _, k in b.fault_log]
    failures = sum(s != 200 for s in statuses[a]) / len(paths)
    assert 0.25 < failures < 0.55  # 40% of requests draw a status fault
    kinds = {k for _, _, k in a.fault_log}
    assert kinds == {"500", "503", "429", "garbage"}


def test_test_hooks_redirect_big_slow(sim):
    r = requests.get(sim.url + "/__sim__/redirect?to=http://example.invalid/x", allow_redirects=False, timeout=5)
    assert r.status_code == 302 and r.headers["Location"] == "http://example.invalid/x"
    big = requests.get(sim.url + "/__sim__/big?bytes=300000", headers={"Accept-Encoding": "identity"}, timeout=5)
    assert len(big.content) == 300000 and big.content.startswith(b"<html>")
    start = time.monotonic()
    assert get(sim.url + "/__sim__/slow?seconds=0.4").status_code == 200
    assert time.monotonic() - start >= 0.4
    assert get(sim.url + "/__sim__/big?bytes=-1").status_code == 400
    assert get(sim.url + "/__sim__/nothing").status_code == 404


def test_request_log_records_method_path_status_and_headers(sim):
    art = sim.truth()["articles"][0]
    requests.get(art["url"], headers={"User-Agent": "probe/1", "If-None-Match": '"x"'}, timeout=5)
    method, path, status, headers = sim.request_log[-1]
    assert (method, path, status) == ("GET", f"/nczhghcms/article/{art['id']}", 200)
    assert headers["user-agent"] == "probe/1" and headers["if-none-match"] == '"x"'


@pytest.mark.slow
def test_cli_prints_url_serves_and_stops_on_sigterm():
    proc = subprocess.Popen(
        [sys.executable, "-m", "ncgh.cli", "sim", "--port", "0", "--articles", "30", "--seed", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,  # the URL line must arrive unbuffered
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("ncgh sim serving http://127.0.0.1:"), line
        url = line.split()[3]
        assert get(url + "/robots.txt").status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    bad = subprocess.run([sys.executable, "-m", "ncgh.cli", "sim", "--faults", "500=2"],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "between 0 and 1" in bad.stderr


def test_absolute_form_request_target_is_served(sim):
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=5)
    conn.request("GET", sim.url + "/robots.txt")
    resp = conn.getresponse()
    assert resp.status == 200 and b"Disallow: /nczhghcms/admin/" in resp.read()
    conn.close()


def test_page_cache_is_bounded_and_stays_correct(sim, monkeypatch):
    monkeypatch.setattr("simulator.site.MAX_CACHED", 5)
    arts = sim.truth()["articles"][:12]
    first = [get(a["url"]).content for a in arts]
    assert len(sim.site._cache) <= 5
    assert [get(a["url"]).content for a in arts] == first
