"""``hqg search``: governed search from the terminal, as a principal (in-process or remote)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.options import (
    DEFAULT_HOME,
    CollectionsOption,
    HomeOption,
    JsonOption,
    KeyOption,
    PurposeOption,
)
from cli.remote import UrlOption, governed
from cli.text import shown
from ingestion.vectors.base import SearchMode

if TYPE_CHECKING:
    from gateway.context import RequestContext
    from gateway.service import Gateway


def register(app: typer.Typer) -> None:
    app.command("search")(search)


def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    key: KeyOption,
    collection: CollectionsOption = None,
    mode: Annotated[SearchMode, typer.Option(help="dense, lexical or hybrid.")] = SearchMode.HYBRID,
    k: Annotated[int, typer.Option("-k", help="How many results.")] = 5,
    purpose: PurposeOption = None,
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
    url: UrlOption = None,
) -> None:
    """Search document collections under policy exactly as /v1/search would, and audit it
    (in-process, or by the gateway at --url)."""
    from gateway.responses import SearchResponse

    def local(gateway: Gateway, ctx: RequestContext) -> SearchResponse:
        from gateway.search_pipeline import governed_search_request

        return governed_search_request(
            gateway, ctx, query=query, collections=collection, mode=mode, k=k
        )

    response = governed(
        SearchResponse,
        local,
        url=url,
        key=key,
        purpose=purpose,
        home=home,
        path="/v1/search",
        body={"query": query, "collections": collection, "mode": mode.value, "k": k},
    )
    if as_json:
        typer.echo(json.dumps(response.model_dump(mode="json"), indent=2))
        return
    console = Console()
    for rank, hit in enumerate(response.results, start=1):
        stale = " [red]stale[/]" if hit.stale else ""
        risk = " [yellow]injection risk[/]" if hit.risk.injection_score >= 0.5 else ""
        console.print(
            f"[bold]{rank}. {shown(hit.title or hit.doc_id)}[/] ({shown(hit.collection)}, "
            f"{shown(hit.source)}, score {hit.score:.3f}){stale}{risk}"
        )
        console.print(f"   {shown(hit.text[:400], multiline=True)}")
    withheld = sum(response.withheld.values())
    console.print(
        f"{len(response.results)} result(s); withheld by policy: {withheld} chunk(s), "
        f"{response.withheld_collections} collection(s); decision {response.decision.id}"
    )
