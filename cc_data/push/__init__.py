"""Segments written back to Constant Contact as list memberships, by Constant Contact's list-sync rules.

saved.py (segments saved by name), members.py (who is in one, who may be sent), plan.py (the preview),
activities.py (the list-membership API calls), record.py (list_pushes), source.py (a real account or the
demo sandbox), run.py (preview and push, resuming an interrupted push).
"""
