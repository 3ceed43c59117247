"""LangChain tools the agent calls: the RAG tool and the domain-adapter tool."""
