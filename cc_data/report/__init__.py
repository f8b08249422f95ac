"""The board report: one or two PDF pages that carry the dashboard's answers to people who never open it."""
