"""The model runtime: base models (full, 4-bit), the GGUF cache, LoRA adapters and their
registry, local and OpenAI-compatible generator backends, streaming."""
