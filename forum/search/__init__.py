"""Finding what was said: the search index, the one search service and its page."""
