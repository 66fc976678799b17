"""Domain logic with no HTTP: plain values and a session in, domain objects out."""
