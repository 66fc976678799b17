"""A moderated, multilingual e-discussion forum for structured policy consultations."""
