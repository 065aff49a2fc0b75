"""What a page of statuses shows of its posts' related rows, kept between reads by row stamps.

A Status entity shows, besides the post's own columns, rows of eight other tables: mentions,
hashtags, like/boost/reply counts, the app, attachments, the poll and the preview card. They
rarely change, and reloading them is most of a timeline page's cost. Triggers (migration 0018)
move a post's stamp (`post_stamps`) whenever any of them or the post row changes, and an
account's (a column of `account_stats`) whenever its row changes, so a reader keeps them keyed by
(id, stamp): a page checks one integer per post (it comes with the post row) and per account
(one narrow query), and loads only what moved.

The caches belong to one database and are filled only from read-only connections, which see
committed data: an entry never holds rows older than its stamp (stamps only grow, and every
statement sees the newest commit). Writes inside a transaction bypass them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from fedi.storage.cards import CardWithImage, cards_among
from fedi.storage.paging import build_rows, marks
from fedi.storage.polls import Poll, polls_among
from fedi.storage.read_cache import ReadCaches
from fedi.storage.rows import Account, Media, OAuthApp, Post

ACCOUNT_COLUMNS = ", ".join(
    "coalesce((SELECT st.stamp FROM account_stats st WHERE st.account_id = a.id), 0) AS stamp"
    if name == "stamp"
    else f"a.{name}"
    for name in Account.__dataclass_fields__
    if name not in ("public_key_pem", "private_key_pem", "raw_json")
)
"""What entities show of an account: keys and the raw actor document are left in the table."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountCounts:
    """The counts an Account entity shows (kept by triggers in `account_stats`)."""

    statuses: int = 0
    followers: int = 0
    following: int = 0
    last_status_at: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PostExtras:
    """The related rows a post's Status entity shows (not the viewer's own state)."""

    mentions: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    likes: int = 0
    reblogs: int = 0
    replies: int = 0
    app: OAuthApp | None = None
    media: tuple[Media, ...] = ()
    poll: Poll | None = None
    card: CardWithImage | None = None


NO_EXTRAS = PostExtras()


def _caches(c: sqlite3.Connection) -> ReadCaches | None:
    return getattr(c, "caches", None)


def post_extras(
    c: sqlite3.Connection, posts: Sequence[Post], *, fresh: bool = False
) -> dict[int, PostExtras]:
    """The extras of each post (by id): kept ones whose stamp still matches, the rest loaded
    (one statement per kind, for the misses only).

    `fresh`: the posts were read in this same hop, so their stamps are current; otherwise
    (rows a caller loaded before, say, the write it is showing) the stamps are read again.
    """
    caches = _caches(c)
    if caches is None:
        return _load_extras(c, posts) if posts else {}
    if fresh:
        stamps = {p.id: p.stamp for p in posts}
    else:
        ids = sorted({p.id for p in posts})
        stamps = dict.fromkeys(ids, 0)
        stamps.update(
            c.execute(
                f"SELECT post_id, stamp FROM post_stamps WHERE post_id IN ({marks(ids)})",  # noqa: S608
                ids,
            )
        )
    found, missing_ids = caches.extras.get_many(stamps.items())
    if missing_ids:
        missing = set(missing_ids)
        loaded = _load_extras(c, [p for p in posts if p.id in missing])
        for post_id in missing_ids:
            extras = found[post_id] = loaded.get(post_id, NO_EXTRAS)  # type: ignore[index]
            stamp = stamps[post_id]  # type: ignore[index]
            if stamp >= 0:
                caches.extras.put(post_id, stamp, extras)
    return found  # type: ignore[return-value]


def _load_extras(c: sqlite3.Connection, posts: Sequence[Post]) -> dict[int, PostExtras]:
    ids = sorted({p.id for p in posts})
    held = marks(ids)
    mentions: dict[int, list[int]] = {}
    for post_id, account_id in c.execute(
        f"SELECT post_id, account_id FROM post_mentions WHERE post_id IN ({held})",  # noqa: S608
        ids,
    ):
        mentions.setdefault(post_id, []).append(account_id)
    tags: dict[int, list[str]] = {}
    for post_id, tag in c.execute(
        f"SELECT post_id, tag FROM post_tags WHERE post_id IN ({held}) ORDER BY tag",  # noqa: S608
        ids,
    ):
        tags.setdefault(post_id, []).append(tag)
    counts = _post_counts(c, ids)
    local_ids = sorted({p.id for p in posts if p.local})
    apps: dict[int, OAuthApp] = {}
    if local_ids:
        rows = c.execute(
            "SELECT pa.post_id AS post_id, o.* FROM post_apps pa"
            " JOIN oauth_apps o ON o.id = pa.app_id"
            f" WHERE pa.post_id IN ({marks(local_ids)})",  # noqa: S608
            local_ids,
        ).fetchall()
        apps = dict(zip((r["post_id"] for r in rows), build_rows(OAuthApp, rows), strict=True))
    media: dict[int, list[Media]] = {}
    rows = c.execute(
        f"SELECT * FROM media WHERE post_id IN ({held}) ORDER BY post_id, position, id",  # noqa: S608
        ids,
    ).fetchall()
    for item in build_rows(Media, rows):
        media.setdefault(item.post_id or 0, []).append(item)
    polls, _ = polls_among(c, None, ids)
    cards = cards_among(c, ids)
    return {
        i: PostExtras(
            mentions=tuple(mentions.get(i, ())),
            tags=tuple(tags.get(i, ())),
            likes=counts[0].get(i, 0),
            reblogs=counts[1].get(i, 0),
            replies=counts[2].get(i, 0),
            app=apps.get(i),
            media=tuple(media.get(i, ())),
            poll=polls.get(i),
            card=cards.get(i),
        )
        for i in ids
    }


def _post_counts(
    c: sqlite3.Connection, ids: list[int]
) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Likes, boosts and replies per post, in one statement."""
    found: tuple[dict[int, int], dict[int, int], dict[int, int]] = ({}, {}, {})
    held = marks(ids)
    sql = (
        f"SELECT 0, post_id, count(*) FROM likes WHERE post_id IN ({held}) GROUP BY post_id"
        " UNION ALL SELECT 1, reblog_of_id, count(*) FROM posts"
        f" WHERE reblog_of_id IN ({held}) AND deleted_at IS NULL GROUP BY reblog_of_id"
        " UNION ALL SELECT 2, in_reply_to_id, count(*) FROM posts"
        f" WHERE in_reply_to_id IN ({held}) AND deleted_at IS NULL GROUP BY in_reply_to_id"
    )
    for kind, post_id, count in c.execute(sql, ids * 3):  # noqa: S608 - placeholders only
        found[kind][post_id] = count
    return found


def own_votes(
    c: sqlite3.Connection, viewer_id: int, post_ids: Sequence[int]
) -> dict[int, tuple[int, ...]]:
    """The options the viewer chose in each of these polls (by post id), in one statement."""
    if not post_ids:
        return {}
    ids = sorted(set(post_ids))
    rows = c.execute(
        "SELECT post_id, group_concat(choice) FROM poll_votes WHERE account_id = ?"
        f" AND post_id IN ({marks(ids)}) GROUP BY post_id",  # noqa: S608
        [viewer_id, *ids],
    )
    return {
        post_id: tuple(sorted(int(choice) for choice in chosen.split(",")))
        for post_id, chosen in rows
    }


def display_accounts(
    c: sqlite3.Connection, ids: Iterable[int], *, known: Mapping[int, int] | None = None
) -> tuple[dict[int, Account], dict[int, AccountCounts]]:
    """Accounts by id for display (no keys or raw documents) and their counts. A reader keeps
    them by the account's stamp (which moves with the row and the counts), so only accounts
    that changed are loaded again. `known`: stamps read earlier in this same hop (the home
    feed's scan reads its authors'), not read again."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}, {}
    caches = _caches(c)
    if caches is None:
        return _full_accounts(c, wanted)
    stamps = {i: known[i] for i in wanted if i in known} if known else {}
    unknown = [i for i in wanted if i not in stamps]
    if unknown:
        cursor = c.cursor()
        cursor.row_factory = None  # plain tuples: cheaper to build
        stamps.update(dict.fromkeys(unknown, 0))  # no stats row yet: stamp 0
        stamps.update(
            cursor.execute(
                "SELECT account_id, stamp FROM account_stats"
                f" WHERE account_id IN ({marks(unknown)})",  # noqa: S608 - placeholders only
                unknown,
            )
        )
    kept, missing = caches.accounts.get_many(stamps.items())
    accounts: dict[int, Account] = {i: pair[0] for i, pair in kept.items()}  # type: ignore[misc]
    counts: dict[int, AccountCounts] = {i: pair[1] for i, pair in kept.items()}  # type: ignore[misc]
    if missing:
        loaded, loaded_counts = _full_accounts(c, missing)  # type: ignore[arg-type]
        for account_id, account in loaded.items():
            accounts[account_id] = account
            found = counts[account_id] = loaded_counts[account_id]
            # Kept under the stamp the full read gave (it may be newer than the narrow one's).
            caches.accounts.put(account_id, account.stamp, (account, found))
    return accounts, counts


def _full_accounts(
    c: sqlite3.Connection, wanted: list[int]
) -> tuple[dict[int, Account], dict[int, AccountCounts]]:
    rows = c.execute(
        f"SELECT {ACCOUNT_COLUMNS}, s.statuses_count AS s_statuses, s.followers_count AS s_followers,"
        " s.following_count AS s_following, s.last_status_at AS s_last"
        f" FROM accounts a LEFT JOIN account_stats s ON s.account_id = a.id"
        f" WHERE a.id IN ({marks(wanted)})",  # noqa: S608 - placeholders only
        wanted,
    ).fetchall()
    accounts = {a.id: a for a in build_rows(Account, rows)}
    counts = {
        r["id"]: AccountCounts(
            statuses=r["s_statuses"] or 0,
            followers=r["s_followers"] or 0,
            following=r["s_following"] or 0,
            last_status_at=r["s_last"],
        )
        for r in rows
    }
    return accounts, counts
