"""Answering questions from governed evidence: prompt guard, answerers, output guard, pipeline.

``pipeline.ask`` is the entry point (``/v1/ask``, ``/v1/chat/completions`` and ``hqg ask``);
``wiring.build_chat_model`` picks the ``ChatModel`` from the ``answer`` settings.
"""
