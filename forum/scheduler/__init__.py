"""`forum scheduler`: the newsletter's due mails and housekeeping, each at its interval."""
