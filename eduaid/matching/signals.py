"""What the match announces. Other apps (the 控辍保学 ledgers) follow each run without the matching
app knowing them: they connect in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent inside the match's transaction once the run and its findings are written: run=MatchRun, actor.
match_completed = Signal()
