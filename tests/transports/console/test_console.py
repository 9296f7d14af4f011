"""The web console over the demo, in process: sign-in, policy on every page, CSRF, CSP, the
playground's test run and flip table, the audit filters, and no PII on any page.

The real engines throughout (DuckDB, regorus, the sandboxed candidate worker, the audit log).
"""

from __future__ import annotations

import html as html_lib
import json
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from audit import iter_records, verify
from demo.ground_truth import DemoGroundTruth
from gateway.service import Gateway
from gateway.settings import load_settings
from gateway.wiring import build_gateway
from tests.conftest import auth
from tests.transports.console.conftest import csrf_of, fresh_client, sign_in

PAGES = ("/console/review", "/console/playground", "/console/audit", "/console/usage")
PAGES += ("/console/freshness",)


def _traffic(client: TestClient) -> None:
    """Requests a security team would review: served, masked, refused."""
    client.post("/v1/sql", json={"sql": "SELECT count(*) FROM orders"}, headers=auth("demo-alice"))
    client.post("/v1/sql", json={"sql": "SELECT * FROM hr_salaries"}, headers=auth("demo-alice"))
    client.post(
        "/v1/sql",
        json={"sql": "SELECT full_name, email FROM customers LIMIT 5"},
        headers=auth("demo-dana"),
    )


def _playground_form(html: str) -> dict[str, str]:
    """Every field of the playground's candidate form, as the browser would send it."""
    fields = {
        name: value
        for name, value in re.findall(
            r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, flags=re.S
        )
    }
    import html as html_lib

    return {name: html_lib.unescape(value) for name, value in fields.items()}


def test_signing_in_as_demo_sec_gives_a_strict_http_only_session_cookie(
    app_client: TestClient,
) -> None:
    form = app_client.get("/console/signin")
    assert form.status_code == 200
    answer = app_client.post(
        "/console/signin",
        data={"api_key": "demo-sec", "csrf": csrf_of(form.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    cookie = next(
        v for k, v in answer.headers.multi_items() if k == "set-cookie" and "hqg_console=" in v
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Path=/console" in cookie
    assert "Max-Age=1800" in cookie
    assert "Secure" not in cookie  # plain HTTP here; set over TLS
    assert answer.headers["location"] == "/console/review"


@pytest.mark.slow
def test_every_page_renders_with_the_demo_data(sec: TestClient, app_client: TestClient) -> None:
    _traffic(app_client)
    for path in PAGES:
        page = sec.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert ">sec <" in page.text  # the signed-in principal
    review = sec.get("/console/review").text
    for name in ("customers", "hr_salaries", "handbook", "alice", "dana"):
        assert name in review
    assert "tenant_id is &#39;acme&#39;" in review  # alice's row filter, in words
    assert "records on this page" in sec.get("/console/audit").text
    assert "support_tickets" in sec.get("/console/freshness").text


def test_a_review_cell_explains_the_decision_with_its_reasons(sec: TestClient) -> None:
    cell = sec.get(
        "/console/review/explain",
        params={"principal": "alice", "kind": "dataset", "resource": "hr_salaries"},
    )
    assert cell.status_code == 200, cell.text[:300]
    assert "denied" in cell.text
    assert "Reasons" in cell.text


def test_the_access_matrix_exports_as_csv(sec: TestClient) -> None:
    answer = sec.get("/console/review.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    lines = answer.text.splitlines()
    assert lines[0].startswith("principal,kind,resource,purpose,allowed")
    assert any(
        line.startswith("alice,dataset,hr_salaries,") and ",denied," in line for line in lines
    )


def test_an_analyst_is_refused_the_console(app_client: TestClient, gateway: Gateway) -> None:
    form = app_client.get("/console/signin")
    answer = app_client.post(
        "/console/signin", data={"api_key": "demo-alice", "csrf": csrf_of(form.text)}
    )
    assert answer.status_code == 403
    assert "policy_denied" in answer.text
    assert "<html" in answer.text
    assert "hqg_console=" not in answer.headers.get("set-cookie", "")
    refused = [r for r in iter_records(gateway.audit.path) if r.action == "console.signin"]
    assert any(r.principal_id == "alice" and not r.allowed for r in refused)


def test_a_page_without_a_session_sends_to_sign_in(gateway: Gateway) -> None:
    answer = fresh_client(gateway).get("/console/audit", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/signin"


def test_a_form_without_its_csrf_token_is_refused(sec: TestClient) -> None:
    page = sec.get("/console/playground").text
    form = _playground_form(page)
    missing = sec.post("/console/playground/test", data=form)
    wrong = sec.post("/console/playground/test", data={**form, "csrf": "forged"})
    signout = sec.post("/console/signout", data={}, follow_redirects=False)
    for answer in (missing, wrong, signout):
        assert answer.status_code == 401, answer.text[:300]
        assert "CSRF" in answer.text
    assert sec.get("/console/review").status_code == 200  # still signed in


def test_the_sign_in_form_without_its_token_is_refused(app_client: TestClient) -> None:
    answer = app_client.post("/console/signin", data={"api_key": "demo-sec", "csrf": "x"})
    assert answer.status_code == 401


def test_signing_out_ends_the_session(sec: TestClient) -> None:
    csrf = csrf_of(sec.get("/console/review").text)
    answer = sec.post("/console/signout", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    assert sec.get("/console/review", follow_redirects=False).status_code == 303


def test_a_session_is_honoured_and_ended_by_every_serving_process(
    sec: TestClient, gateway: Gateway
) -> None:
    """``hqg serve --workers N``: each process builds its own app; the browser's next request
    may reach any of them, and a sign-out on one ends the session on all."""
    other = fresh_client(gateway)
    other.cookies.update(sec.cookies)
    page = other.get("/console/review", follow_redirects=False)
    assert page.status_code == 200
    signout = other.post(
        "/console/signout", data={"csrf": csrf_of(page.text)}, follow_redirects=False
    )
    assert signout.status_code == 303
    assert sec.get("/console/review", follow_redirects=False).status_code == 303


def test_pages_carry_a_strict_csp_and_no_inline_script(sec: TestClient) -> None:
    for path in (*PAGES, "/console/signin"):
        page = sec.get(path)
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert page.headers["x-frame-options"] == "DENY"
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, flags=re.S)
        assert scripts
        assert all('src="/console/static/' in attrs and not body.strip() for attrs, body in scripts)
        assert " style=" not in page.text
        assert "<style" not in page.text
        assert not re.search(r"\son[a-z]+=", page.text)  # no inline event handlers
    assert sec.get("/console/static/htmx.min.js").status_code == 200


@pytest.mark.slow
def test_editing_a_rule_fails_the_tests_and_simulate_shows_the_flip(
    sec: TestClient, app_client: TestClient
) -> None:
    _traffic(app_client)  # alice's count of orders: allowed today
    form = _playground_form(sec.get("/console/playground").text)
    data = json.loads(form["data_json"])
    data["hqg_config"]["roles"]["analyst"]["actions"].remove("sql")  # the edit: no SQL
    form["data_json"] = json.dumps(data, indent=2)
    form["csrf"] = csrf_of(sec.get("/console/playground").text)

    tests = sec.post("/console/playground/test", data=form)
    assert tests.status_code == 200, tests.text[:500]
    assert "failed" in tests.text
    assert "test_allow_analyst_sql_for_analytics" in tests.text
    failure = tests.text.split("test_allow_analyst_sql_for_analytics", 1)[1].split("</tr>", 1)[0]
    assert "<code>true</code>" in failure  # expected
    assert re.search(r'class="deny"><code>(false|undefined)</code>', failure)  # actual
    assert "<pre>" in failure  # the input the test evaluated

    simulated = sec.post("/console/playground/simulate", data=form)
    assert simulated.status_code == 200, simulated.text[:500]
    flips = simulated.text.split('id="simulation"', 1)[1]
    assert "allow-&gt;deny" in flips
    assert "alice" in flips


@pytest.mark.slow
def test_the_unedited_bundle_passes_its_tests(sec: TestClient) -> None:
    page = sec.get("/console/playground").text
    form = {**_playground_form(page), "csrf": csrf_of(page)}
    tests = sec.post("/console/playground/test", data=form)
    assert tests.status_code == 200
    assert re.search(r'class="pass">\d+ passed', tests.text), tests.text[-800:]


@pytest.mark.slow
def test_the_playground_explains_a_request_as_another_principal(sec: TestClient) -> None:
    page = sec.get("/console/playground").text
    form = {
        **_playground_form(page),
        "csrf": csrf_of(page),
        "principal": "alice",
        "sql": "SELECT full_name, email FROM customers",
    }
    answer = sec.post("/console/playground/explain", data=form)
    assert answer.status_code == 200, answer.text[:500]
    assert "SQL as it would execute" in answer.text
    assert "hqg_src_" in answer.text  # the rewritten SQL
    assert "customers.email" in answer.text  # a mask


def _explain(sec: TestClient, **fields: str) -> str:
    page = sec.get("/console/playground").text
    form = {**_playground_form(page), "csrf": csrf_of(page), **fields}
    answer = sec.post("/console/playground/explain", data=form)
    assert answer.status_code == 200, answer.text[:500]
    return answer.text.split('id="explained"', 1)[1]


def _cell(html: str, collection: str) -> str:
    """The collections table's row of ``collection``."""
    match = re.search(rf"<tr><td>{collection}</td>(.*?)</tr>", html, flags=re.S)
    assert match, html[:1500]
    return match.group(1)


def test_the_playground_explains_a_search_over_every_collection_with_filters_and_masks(
    sec: TestClient,
) -> None:
    explained = _explain(sec, kind="search", principal="alice", collections="", sql="")
    assert "SQL as it would execute" not in explained
    handbook = _cell(explained, "handbook")
    assert "granted" in handbook
    assert "acme" in handbook  # alice's tenant, the filter in words
    assert "*: pseudonym" in handbook
    assert "denied" in _cell(explained, "hr")
    assert re.search(r"\d+ refused collections? (is|are) skipped", explained), explained[:1500]


def test_the_playground_explains_an_ask_with_the_refusal_the_real_ask_gets(
    sec: TestClient, app_client: TestClient
) -> None:
    question = "What is the gender split of our customers?"  # a protected attribute
    served = app_client.post("/v1/ask", json={"question": question}, headers=auth("demo-alice"))
    assert served.status_code != 200, served.text[:300]
    explained = _explain(sec, kind="ask", principal="alice", question=question, collections="")
    refusal = html_lib.escape(served.json()["error"]["message"], quote=False)
    assert f'<p class="error">{refusal}</p>' in explained
    assert "Decided as <code>ask</code>" in explained


def test_the_playground_refuses_a_request_kind_it_does_not_explain(sec: TestClient) -> None:
    page = sec.get("/console/playground").text
    form = {**_playground_form(page), "csrf": csrf_of(page), "principal": "alice"}
    bad_kind = sec.post("/console/playground/explain", data={**form, "kind": "delete"})
    assert bad_kind.status_code == 422
    assert "kind must be one of sql, search, ask" in bad_kind.text
    no_sql = sec.post("/console/playground/explain", data={**form, "kind": "sql", "sql": ""})
    assert no_sql.status_code == 422
    assert "write a query" in no_sql.text


def test_a_review_collection_cell_is_explained_as_a_search(sec: TestClient) -> None:
    def cell(resource: str) -> str:
        answer = sec.get(
            "/console/review/explain",
            params={"principal": "alice", "kind": "collection", "resource": resource},
        )
        assert answer.status_code == 200, answer.text[:300]
        assert "vector_search" not in answer.text  # no SQL stands in for the search
        return answer.text.split('id="explained"', 1)[1]

    assert "granted" in _cell(cell("handbook"), "handbook")
    assert "acme" in _cell(cell("handbook"), "handbook")
    assert "denied" in _cell(cell("hr"), "hr")


def test_applying_from_the_browser_is_off_by_default(sec: TestClient) -> None:
    page = sec.get("/console/playground").text
    assert "/console/playground/apply" not in page
    form = {**_playground_form(page), "csrf": csrf_of(page)}
    answer = sec.post("/console/playground/apply", data=form)
    assert answer.status_code == 422
    assert "HQG_CONSOLE__APPLY_POLICY" in answer.text


def test_the_audit_filters_narrow_the_results(sec: TestClient, app_client: TestClient) -> None:
    _traffic(app_client)
    everything = _rows(sec.get("/console/audit").text)
    alice = _rows(sec.get("/console/audit", params={"principal": "alice"}).text)
    denied = _rows(
        sec.get("/console/audit", params={"principal": "alice", "outcome": "denied"}).text
    )
    salaries = _rows(sec.get("/console/audit", params={"resource": "hr_salaries"}).text)
    consoles = _rows(sec.get("/console/audit", params={"action": "console.*"}).text)
    assert 0 < len(denied) < len(alice) < len(everything)
    assert all("alice" in row and "denied" in row for row in denied)
    assert salaries
    assert all("hr_salaries" in row for row in salaries)
    assert consoles
    assert all("console." in row for row in consoles)


def test_an_audit_record_shows_its_decision_reasons(
    sec: TestClient, app_client: TestClient
) -> None:
    _traffic(app_client)
    denied = sec.get("/console/audit", params={"principal": "alice", "outcome": "denied"})
    seq = re.search(r'href="/console/audit/record/(\d+)"', denied.text)
    assert seq
    record = sec.get(f"/console/audit/record/{seq.group(1)}")
    assert record.status_code == 200
    assert "Decision reasons" in record.text
    assert "hr_salaries" in record.text


def test_verify_now_checks_the_chain_with_progress_and_is_remembered(
    sec: TestClient, gateway: Gateway
) -> None:
    csrf = csrf_of(sec.get("/console/audit").text)
    started = sec.post("/console/audit/verify", data={"csrf": csrf})
    assert started.status_code == 202
    poll = re.search(r'href="(/console/audit/verify/[^"]+)"', started.text)
    result = started.text
    for _ in range(300):  # a small log: done at once; bounded either way
        if poll is None or "Verifying" not in result:
            break
        time.sleep(0.1)
        result = sec.get(poll.group(1)).text
    assert "intact" in result
    assert "Last verification: never" not in sec.get("/console/audit").text
    assert verify(gateway.audit.path).ok


def test_only_its_owner_may_read_a_verification(sec: TestClient, gateway: Gateway) -> None:
    csrf = csrf_of(sec.get("/console/audit").text)
    started = sec.post("/console/audit/verify", data={"csrf": csrf})
    poll = re.search(r'href="(/console/audit/verify/[^"]+)"', started.text)
    assert poll
    dana = sign_in(fresh_client(gateway), "demo-dana")
    assert dana.get(poll.group(1)).status_code == 404


@pytest.mark.slow
def test_every_console_action_is_audited(sec: TestClient, gateway: Gateway) -> None:
    for path in PAGES:
        sec.get(path)
    actions = {r.action for r in iter_records(gateway.audit.path) if r.principal_id == "sec"}
    expected = {"console.signin", "console.review", "console.playground", "console.audit"}
    assert expected | {"console.usage", "console.freshness"} <= actions


def test_the_steward_sees_the_review_but_not_the_audit_log(gateway: Gateway) -> None:
    client = sign_in(fresh_client(gateway), "demo-dana")
    assert client.get("/console/review").status_code == 200
    assert client.get("/console/audit").status_code == 403


@pytest.mark.slow
@pytest.mark.parametrize("key", ["demo-sec", "demo-dana"])
def test_no_ground_truth_pii_value_appears_on_any_page(
    key: str, gateway: Gateway, app_client: TestClient, truth: DemoGroundTruth
) -> None:
    email = sorted(truth.tenants["acme"].customer_emails)[0]
    app_client.post(
        "/v1/sql",
        json={"sql": f"SELECT * FROM customers WHERE email = '{email}'"},
        headers=auth("demo-bob", "support"),
    )
    _traffic(app_client)
    pii = frozenset().union(*(c.pii for c in truth.tenants.values()))
    client = sign_in(fresh_client(gateway), key)
    texts = [client.get(path).text for path in PAGES]
    texts.append(client.get("/console/review.csv").text)
    page = client.get("/console/playground").text
    explained = client.post(
        "/console/playground/explain",
        data={
            **_playground_form(page),
            "csrf": csrf_of(page),
            "principal": "bob",
            "purpose": "support",
            "sql": f"SELECT * FROM customers WHERE email = '{email}'",
        },
    )
    assert explained.status_code == 200
    assert "&lt;EMAIL_ADDRESS&gt;" in explained.text
    texts.append(explained.text)
    leaked = sorted(value for value in pii if any(value in text for text in texts))
    assert leaked == []


def _rows(html: str) -> list[str]:
    body = html.split('<table id="records">', 1)[1].split("</table>", 1)[0]
    return [row for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S) if "<td" in row]


def test_a_bad_query_or_an_unknown_page_answers_with_an_html_error_page(sec: TestClient) -> None:
    bad = sec.get("/console/audit", params={"outcome": "maybe"})
    missing = sec.get("/console/nothing-here")
    for answer, status in ((bad, 422), (missing, 404)):
        assert answer.status_code == status
        assert answer.headers["content-type"].startswith("text/html")
        assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    assert sec.get("/v1/nothing-here").headers["content-type"].startswith("application/json")


def test_a_gateway_with_the_console_disabled_serves_no_console(home: Path) -> None:
    gw = build_gateway(load_settings(home=home, console={"enabled": False}))
    try:
        assert fresh_client(gw).get("/console/signin").status_code == 404
    finally:
        gw.close()


@pytest.mark.slow
def test_the_audit_browser_pages_to_older_records(sec: TestClient, app_client: TestClient) -> None:
    for _ in range(30):
        app_client.get("/v1/catalog", headers=auth("demo-alice"))
    first = sec.get("/console/audit", params={"principal": "alice", "action": "catalog"})
    older = re.search(r'href="(/console/audit\?[^"]*cursor=\d+)"', first.text)
    assert older, "a full page links to older records"
    second = sec.get(older.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    seqs = [
        re.findall(r'<td><a href="/console/audit/record/(\d+)">', p.text) for p in (first, second)
    ]
    assert len(seqs[0]) == 25
    assert seqs[1]
    assert max(map(int, seqs[1])) < min(map(int, seqs[0]))  # newest first, no overlap
