"""``hqg_client.Client`` against the demo gateway: rows, records and Arrow from SQL, search,
ask and catalog, the gateway's refusals as typed errors, and the LangChain retriever."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from hqg_client import AccessDenied, BadRequest, Client, NotFound, Unavailable
from hqg_client.langchain import HqgRetriever

URL = "http://testserver"


def client_for(http: TestClient, key: str = "demo-alice", **options: str) -> Client:
    return Client(URL, key, http=http, **options)


def test_sql_returns_rows_records_and_typed_columns(http: TestClient) -> None:
    result = client_for(http).sql("SELECT order_id, total FROM orders ORDER BY order_id LIMIT 2")
    assert result.column_names == ["order_id", "total"]
    assert [c.json_type for c in result.columns] == ["number", "string"]
    assert result.row_count == 2
    records = result.records()
    assert list(records[0]) == ["order_id", "total"]
    assert isinstance(records[0]["total"], str)
    assert result.decision.id
    assert result.withheld["orders"] > 0  # globex's orders, counted not shown


def test_to_arrow_keeps_decimals_exact(http: TestClient) -> None:
    result = client_for(http).sql("SELECT order_id, total FROM orders ORDER BY order_id LIMIT 3")
    table = result.to_arrow()
    assert table.column_names == ["order_id", "total"]
    assert pa.types.is_decimal(table.schema.field("total").type)
    assert table.column("total").to_pylist() == [Decimal(row[1]) for row in result.rows]


def test_sql_bytes_returns_csv_and_arrow_from_the_gateway(http: TestClient) -> None:
    client = client_for(http)
    csv_text = client.sql_bytes("SELECT 1 AS x", format="csv").decode()
    assert csv_text.splitlines() == ["x", "1"]
    arrow = client.sql_bytes("SELECT 1 AS x", format="arrow")
    assert pa.ipc.open_stream(arrow).read_all().column("x").to_pylist() == [1]


@pytest.mark.slow
def test_hybrid_sql_through_the_client(http: TestClient) -> None:
    result = client_for(http).sql(
        "SELECT count(*) AS n FROM vector_search('tickets', 'refund', 20, 'documents')"
    )
    assert result.rows == ((20,),)


def test_search_and_catalog(http: TestClient) -> None:
    client = client_for(http)
    found = client.search("refund window", k=3)
    assert 0 < len(found.results) <= 3
    assert all(hit.collection != "hr" for hit in found.results)
    catalog = client.catalog()
    assert "hr_salaries" not in {d["name"] for d in catalog.datasets}
    assert "tickets" in {c["name"] for c in catalog.collections}


def test_ask_returns_an_answer_or_an_abstention(http: TestClient) -> None:
    answer = client_for(http).ask("How long is the refund window?")
    assert answer.request_id
    assert answer.abstained or answer.answer


def test_refusals_are_typed_with_the_gateways_code(http: TestClient) -> None:
    client = client_for(http)
    with pytest.raises(BadRequest) as bad:
        client.sql("SELECT nme FROM products")
    assert bad.value.code == "unsafe_query"
    assert bad.value.status == 400
    assert "did you mean name?" in bad.value.message
    with pytest.raises(AccessDenied) as denied:
        client_for(http, "demo-sec").sql("SELECT 1 FROM products")
    assert denied.value.decision_id
    with pytest.raises(NotFound):
        client.search("refund", collections=["hr"])


def test_unreachable_gateway_is_unavailable_and_the_key_is_not_shown() -> None:
    client = Client("http://127.0.0.1:9", "secret-key-value", timeout=2)
    with pytest.raises(Unavailable) as raised:
        client.sql("SELECT 1")
    assert "secret-key-value" not in str(raised.value)
    assert "secret-key-value" not in repr(client)


def test_langchain_retriever_on_the_client(http: TestClient) -> None:
    retriever = HqgRetriever(client=client_for(http), k=2, collections=["tickets"])
    documents = retriever.invoke("charged twice")
    assert 0 < len(documents) <= 2
    assert all(doc.metadata["collection"] == "tickets" for doc in documents)
    assert all(doc.metadata["decision_id"] for doc in documents)


def test_to_pandas_keeps_decimals_exact(http: TestClient) -> None:
    pytest.importorskip("pandas")
    result = client_for(http).sql("SELECT order_id, total FROM orders ORDER BY order_id LIMIT 3")
    frame = result.to_pandas()
    assert list(frame.columns) == ["order_id", "total"]
    assert list(frame["total"]) == [Decimal(row[1]) for row in result.rows]


def test_missing_optional_library_names_the_extra(
    http: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_pandas(name: str, *args: object, **kwargs: object) -> object:
        if name == "pandas":
            raise ImportError("no pandas here")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    result = client_for(http).sql("SELECT 1 AS x")
    with pytest.raises(ImportError, match=r"hqg-client\[pandas\]"):
        result.to_pandas()
