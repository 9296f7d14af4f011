"""``hqg ask``: a governed, cited answer from the terminal, as a principal (in-process or
remote)."""

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

if TYPE_CHECKING:
    from gateway.context import RequestContext
    from gateway.service import Gateway


def register(app: typer.Typer) -> None:
    app.command("ask")(ask_command)


def ask_command(
    question: Annotated[str, typer.Argument(help="The question to answer.")],
    key: KeyOption,
    collection: CollectionsOption = None,
    purpose: PurposeOption = None,
    home: HomeOption = DEFAULT_HOME,
    as_json: JsonOption = False,
    url: UrlOption = None,
) -> None:
    """Answer from the documents you may see, exactly as /v1/ask would, and audit it
    (in-process, or by the gateway at --url)."""
    from gateway.ask.models import AskResponse

    def local(gateway: Gateway, ctx: RequestContext) -> AskResponse:
        from gateway.ask.pipeline import ask
        from gateway.ask.prompt_guard import Message
        from gateway.wiring import build_chat_model

        return ask(
            gateway,
            ctx,
            messages=[Message(role="user", content=question)],
            collections=collection,
            model=build_chat_model(gateway),
        ).response

    response = governed(
        AskResponse,
        local,
        url=url,
        key=key,
        purpose=purpose,
        home=home,
        path="/v1/ask",
        body={"question": question, "collections": collection},
    )
    if as_json:
        typer.echo(json.dumps(response.model_dump(mode="json"), indent=2))
        return
    console = Console()
    console.print(shown(response.answer, multiline=True))
    for citation in response.citations:
        stale = " [red]stale[/]" if citation.stale else ""
        console.print(
            f"  [bold]{shown(f'[{citation.ref}]')}[/] {shown(citation.title or citation.doc_id)} "
            f"({shown(citation.collection)}/{shown(citation.doc_id)}, "
            f"as of {citation.as_of:%Y-%m-%d}){stale}"
        )
    risk = response.risk
    console.print(
        f"hallucination risk {risk.hallucination:.2f}, injection {risk.injection.score:.2f}, "
        f"confidence {response.provenance.retrieval_confidence:.2f}; "
        f"decision {response.decision.id}"
    )
