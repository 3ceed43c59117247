"""Curated Q&A data checks, QLoRA/LoRA training of domain adapters, manifests, merging."""
