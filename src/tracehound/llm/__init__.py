"""Model providers (OpenAI-compatible, Azure OpenAI, Anthropic), offline token counts, prices."""
