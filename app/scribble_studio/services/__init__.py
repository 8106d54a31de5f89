"""How things reach the world: HTTP, keyring, files. asyncio, no Qt."""
