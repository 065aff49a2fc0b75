"""Polls: creating them with a post, voting (local and remote), tallies, federation, endings.

`rules` (limits and validation of a new poll), `view` (what readers see of a poll), `voting`
(the vote use case), `federation` (Question documents, votes sent and received, tally updates),
`ending` (the job at a poll's end: notifications and the last tally).
"""
