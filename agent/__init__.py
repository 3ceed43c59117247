"""The LangGraph agent: state, routing, nodes, prompts, verification, threads, its Python API."""
