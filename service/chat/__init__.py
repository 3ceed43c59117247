"""The Chainlit chat frontend mounted at /chat, on ragtune's own tables."""
