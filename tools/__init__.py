"""The tools the agent's graph calls: retrieval as the caller (rag.py) and generation with a
domain adapter (adapter.py).

The graph calls ``retrieve`` and ``generate_with_adapter`` directly. ``make_rag_tool`` and
``make_adapter_tool`` wrap the same functions as LangChain tools bound to one principal, for
teams that put ragtune's permission-checked search and adapters into an agent of their own.
"""
