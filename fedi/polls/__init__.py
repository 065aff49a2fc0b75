"""Polls: creating them with a post, voting (local and remote), tallies, federation, endings,
edits.

`rules` (limits and validation of a new poll), `view` (what readers see of a poll), `voting`
(the vote use case), `federation` (Question documents, votes sent and received, tally updates,
remote polls stored, changed or removed), `ending` (the job at a poll's end: a remote poll's
final figures fetched, notifications, the last tally), `editing` (a poll edited with its post,
the history's polls), `edit_form` (the poll the web edit page shows).
"""
