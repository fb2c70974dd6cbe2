"""Email templates and the merge-field language of subjects and bodies."""
