"""Topic pages (posts by tag across discussions) and Atom feeds of published posts."""
