"""Exports of a discussion's posts: CSV, JSON and JSON lines, streamed in batches."""
