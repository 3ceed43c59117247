"""Base-model loading, curated Q&A data checks, QLoRA/LoRA training and the adapter registry."""
