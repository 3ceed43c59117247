"""The HTTP service: FastAPI app, API keys and limits, the native and OpenAI-compatible
API, the chat frontend, the demo."""
